//! Sizes on both sides of every size threshold of the code and the kernels, in both
//! fields. Each decode is compared byte for byte with the original data; each encode
//! with the scalar kernel run once on the code's own rows (`kernels::dot_with`), which
//! goes through none of the code layer's batches and stripes.
//!
//! The thresholds, where they are (each test names the ones it crosses; the sizes are
//! chosen well past them, so moving a threshold a little keeps the tests crossing):
//! - decode stripe: `Solver::run_piece` (src/code.rs) decodes in stripes of
//!   (1 MiB / e) bytes clamped to [1 KiB, 64 KiB], rounded down to whole symbols;
//! - coefficient cache: `MAX_CACHED_COEFFS` = 2^22 entries (src/code.rs): `encode_many`
//!   makes rows in batches of 2^22 / k, the decoder keeps stage rows only below it;
//! - SIMD step: the main loop of `drive` (src/kernels/simd.rs) takes `STEP` bytes at a
//!   time, 2·W for both fields with W = 16, 32, 64 bytes (SSSE3, AVX2, AVX-512): 32, 64,
//!   128; the rest is the scalar tail;
//! - SIMD groups: at most `GMAX` (4 or 8) rows per pass;
//! - SIMD stripe: `STRIPE_BUDGET` / (sources + rows) bytes, at least 4096, when a batch
//!   holds more than one group;
//! - SIMD coefficient batch: `PREP_BUDGET` bytes of prepared coefficients (16 KiB in
//!   debug builds, 1 MiB in release), from 8 bytes (GFNI, GF(2^8)) to 128 bytes
//!   (nibble tables, GF(2^16)) per row and source;
//! - scalar stripe: `stripe_len` (src/kernels/mod.rs), 256 KiB / (sources + rows),
//!   at least 1 KiB;
//! - NTT switch: `CONVOLVE_FROM_E` = 2800 lost blocks (src/code.rs): from there the
//!   solver's log sums come from a convolution;
//! - threads (feature `parallel`): see tests/parallel.rs.
//!
//! `every_kernel` runs the kernel tests (`simd_*`) again under each kernel the CPU has
//! (`ALGORITHM_FEC_KERNEL`), so the code layer meets every SIMD main loop, not only the
//! fastest one's; the code layer's own thresholds run under the default kernel.

mod common;

use algorithm_fec::{kernels, Code, Field};
use common::{gen_data, poly_blocks};

fn refs(d: &[Vec<u8>]) -> Vec<&[u8]> {
    d.iter().map(|b| b.as_slice()).collect()
}

/// `encode_many` of `indices` with the active kernel.
fn encode(code: &Code, data: &[Vec<u8>], indices: &[usize]) -> Vec<Vec<u8>> {
    let mut outs = vec![vec![0u8; data[0].len()]; indices.len()];
    let mut o: Vec<&mut [u8]> = outs.iter_mut().map(|b| b.as_mut_slice()).collect();
    code.encode_many(&refs(data), indices, &mut o).unwrap();
    outs
}

/// The same blocks from the code's rows in one call of the scalar kernel.
fn scalar_encode(code: &Code, data: &[Vec<u8>], indices: &[usize]) -> Vec<Vec<u8>> {
    let k = code.k();
    let mut coeffs = vec![0u16; indices.len() * k];
    for (&i, row) in indices.iter().zip(coeffs.chunks_mut(k)) {
        code.row(i, row).unwrap();
    }
    let mut outs = vec![vec![0u8; data[0].len()]; indices.len()];
    let mut o: Vec<&mut [u8]> = outs.iter_mut().map(|b| b.as_mut_slice()).collect();
    kernels::dot_with("scalar", code.field(), &coeffs, &refs(data), &mut o, false).unwrap();
    outs
}

#[track_caller]
fn assert_blocks_eq(got: &[Vec<u8>], want: &[Vec<u8>], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: block count");
    for (b, (g, w)) in got.iter().zip(want).enumerate() {
        if g != w {
            let at = g.iter().zip(w).position(|(x, y)| x != y);
            panic!(
                "{what}: block {b} of {} bytes differs first at byte {at:?} (kernel {})",
                w.len(),
                kernels::active().name()
            );
        }
    }
}

/// The decode order of the present data blocks and the checks: interleaved from both
/// ends, so data and checks are mixed and out of order.
fn scrambled(k: usize, lost: &[usize], checks: &[usize]) -> Vec<usize> {
    assert_eq!(lost.len(), checks.len());
    let mut idx: Vec<usize> = (0..k).filter(|p| !lost.contains(p)).collect();
    idx.extend(checks);
    let mut order: Vec<usize> = Vec::with_capacity(k);
    let (mut lo, mut hi) = (0, k);
    while lo < hi {
        hi -= 1;
        order.push(idx[hi]);
        if lo < hi {
            order.push(idx[lo]);
            lo += 1;
        }
    }
    order
}

/// Decodes `blocks` (the blocks `order` names) and compares the result with `data`.
fn decode_and_compare(
    code: &Code,
    mut blocks: Vec<Vec<u8>>,
    mut order: Vec<usize>,
    data: &[Vec<u8>],
) {
    let e = order.iter().filter(|&&i| i >= code.k()).count();
    let mut b: Vec<&mut [u8]> = blocks.iter_mut().map(|b| b.as_mut_slice()).collect();
    code.decode(&mut b, &mut order).unwrap();
    let got: Vec<Vec<u8>> = b.iter().map(|b| b.to_vec()).collect();
    let what = format!(
        "decode {:?} k={} n={} e={e} bs={}",
        code.field(),
        code.k(),
        code.n(),
        data[0].len()
    );
    assert_blocks_eq(&got, data, &what);
}

/// Loses data blocks `lost`, decodes from the rest and the checks `checks` made by
/// `encode_many`; the result must be the data.
fn decode_round_trip(code: &Code, data: &[Vec<u8>], lost: &[usize], checks: &[usize]) {
    let order = scrambled(code.k(), lost, checks);
    decode_and_compare(code, encode(code, data, &order), order, data);
}

/// Decode stripes: e = 25 gives 1 MiB / e = 41943 bytes, odd before rounding to whole
/// GF(2^16) symbols (the smallest such e: the cost is about e · 1 MiB); e = 3 clamps to
/// 64 KiB. The blocks span two or three stripes, the last one short; all data lost in
/// GF(2^8). (Low-degree data, see `poly_blocks`.)
#[test]
fn decode_stripes_with_many_lost_blocks() {
    for (field, k, n, e, bs, seed) in [
        (Field::Gf16, 27, 300, 25, 42_002, 1),
        (Field::Gf16, 5, 256, 3, 140_002, 2),
        (Field::Gf8, 25, 60, 25, 42_001, 3),
    ] {
        let code = Code::with_field(k, n, field).unwrap();
        // Lost: the first block, the last, and others spread between them.
        let lost: Vec<usize> = (0..e).map(|i| i * (k - 1) / (e - 1)).collect();
        let checks: Vec<usize> = (0..e).map(|i| n - 1 - i * ((n - k) / e)).collect();
        let order = scrambled(k, &lost, &checks);
        let data = poly_blocks(field, seed, bs, &(0..k).collect::<Vec<_>>());
        let blocks = poly_blocks(field, seed, bs, &order);
        // The shortcut makes what the code makes.
        let check = checks[e / 2];
        assert!(encode(&code, &data, &[check])[0] == poly_blocks(field, seed, bs, &[check])[0]);
        decode_and_compare(&code, blocks, order, &data);
    }
}

/// The NTT switch: from e = 2800 lost blocks (`CONVOLVE_FROM_E`) the solver's log sums
/// come from a convolution, and e² > 2^22 so its rows are made batch by batch. Blocks
/// of 130 bytes reach the main loop of every SIMD kernel (32 to 128 bytes) and a tail.
/// Data block 0 (the point 0) is lost, checks come from both ends of the field.
///
/// Not under Miri (e² = 7.8 M coefficient rows' worth of work); the crate's debug
/// profile has opt-level 1 (Cargo.toml) so it takes seconds in `cargo test`.
#[test]
#[cfg_attr(miri, ignore = "far too slow under Miri")]
fn decode_on_the_ntt_path() {
    let (field, e, bs) = (Field::Gf16, 2800, 130);
    let (k, n) = (e + 40, 65536);
    let code = Code::new(k, n).unwrap();
    let lost: Vec<usize> = (0..e - 40).chain((e - 40..k).step_by(2)).collect();
    assert_eq!(lost.len(), e);
    let checks: Vec<usize> = (n - e / 2..n).rev().chain(k..k + e - e / 2).collect();
    let order = scrambled(k, &lost, &checks);
    let data = poly_blocks(field, 5, bs, &(0..k).collect::<Vec<_>>());
    let blocks = poly_blocks(field, 5, bs, &order);
    decode_and_compare(&code, blocks, order, &data);
}

/// SIMD step and tail: every block size around 32, 64 and 128 bytes (and 256), odd
/// tails in GF(2^8); several groups of rows (GMAX is 4 or 8) in one call.
#[test]
fn simd_encode_and_decode_around_the_step() {
    let mut sizes: Vec<usize> = Vec::new();
    for step in [32, 64, 128, 256] {
        sizes.extend([step - 2, step, step + 2]);
    }
    sizes.extend([0, 2, 4094, 4096, 4098]);
    for field in [Field::Gf8, Field::Gf16] {
        let (k, n) = match field {
            Field::Gf8 => (7, 30),
            Field::Gf16 => (7, 300),
        };
        let code = Code::with_field(k, n, field).unwrap();
        let mut all = sizes.clone();
        if field == Field::Gf8 {
            all.extend([1, 31, 33, 63, 65, 127, 129, 255, 257, 4095]);
        }
        for (s, &bs) in all.iter().enumerate() {
            let data = gen_data(s as u64, k, bs);
            // 17 rows: groups of 4 or 8 and a remainder.
            let checks: Vec<usize> = (k..k + 17).collect();
            let what = format!("encode {field:?} bs={bs}");
            assert_blocks_eq(
                &encode(&code, &data, &checks),
                &scalar_encode(&code, &data, &checks),
                &what,
            );
            decode_round_trip(&code, &data, &[0, 3, 6], &[n - 1, k, k + 9]);
        }
    }
}

/// Decode just over one stripe: e = 3 makes the decode stripe 64 KiB (1 MiB / e,
/// clamped), so blocks of 64 KiB and a few bytes end with a stripe shorter than one
/// kernel step (128 bytes), which only the tail code handles; in both fields, with
/// data and checks lost and present on both sides.
#[test]
fn simd_decode_just_over_one_stripe() {
    for (field, n, bs) in [
        (Field::Gf16, 300, 65_536 + 2),
        (Field::Gf16, 300, 65_536 + 126),
        (Field::Gf8, 30, 65_536 + 1),
        (Field::Gf8, 30, 65_536 + 127),
    ] {
        let k = 7;
        let code = Code::with_field(k, n, field).unwrap();
        let data = gen_data(bs as u64, k, bs);
        decode_round_trip(&code, &data, &[0, 3, 6], &[n - 1, k, k + 9]);
    }
}

/// SIMD stripes and the scalar kernel's stripes: 9 rows make two groups (GMAX is 4 or
/// 8) in one batch, which then goes in stripes of 512 KiB / (2 + 9) ≈ 47 kB (SIMD);
/// the scalar kernel's are 256 KiB / 11 ≈ 23 kB. 100 kB blocks take several, the last
/// one short, with an odd tail in GF(2^8).
#[test]
fn simd_encode_across_kernel_stripes() {
    for (field, n, bs) in [(Field::Gf8, 20, 100_001), (Field::Gf16, 300, 100_002)] {
        let k = 2;
        let code = Code::with_field(k, n, field).unwrap();
        let data = gen_data(9, k, bs);
        let checks: Vec<usize> = (k..k + 9).collect();
        assert_blocks_eq(
            &encode(&code, &data, &checks),
            &scalar_encode(&code, &data, &checks),
            &format!("encode {field:?} bs={bs}"),
        );
        decode_round_trip(&code, &data, &[0, 1], &[n - 1, k + 3]);
    }
}

/// SIMD coefficient batches: GF(2^16) with 300 sources and 120 rows is 36 000 row ×
/// source pairs, 1.1 MiB even at the smallest prepared size of GF(2^16) (32 bytes,
/// GFNI): more than one batch under the release budget (1 MiB) with every kernel, and
/// many under the debug one. A GF(2^8) code has too few blocks to pass 1 MiB (128 × 128
/// × 32 bytes at most); it crosses the debug budget (16 KiB) here, and tests/kernels.rs
/// crosses the release one with `dot_with`. Block sizes of one SIMD step and more,
/// with a tail.
#[test]
fn simd_encode_across_coefficient_batches() {
    for (field, k, rows, n, bs) in [
        (Field::Gf16, 300, 120, 500, 130),
        (Field::Gf8, 136, 120, 256, 130),
    ] {
        let code = Code::with_field(k, n, field).unwrap();
        let data = gen_data(11, k, bs);
        let checks: Vec<usize> = (n - rows..n).rev().collect();
        assert_blocks_eq(
            &encode(&code, &data, &checks),
            &scalar_encode(&code, &data, &checks),
            &format!("encode {field:?} k={k} rows={rows}"),
        );
    }
}

/// The code layer's coefficient cache: `encode_many` makes rows in batches of
/// 2^22 / k (1398 rows for k = 3000), so 1500 rows take two batches; compared with
/// one-index encodes at both ends of each batch.
#[test]
fn encode_many_across_coefficient_batches() {
    let (k, n, bs) = (3000, 4600, 2);
    let code = Code::new(k, n).unwrap();
    let data = gen_data(13, k, bs);
    let checks: Vec<usize> = (k..k + 1500).collect();
    let many = encode(&code, &data, &checks);
    for at in [0, 1, 1397, 1398, 1399, 1499] {
        let one = encode(&code, &data, &checks[at..=at]);
        assert_eq!(many[at], one[0], "row {at} (block {})", checks[at]);
    }
}

/// The `simd_*` tests again under each kernel the CPU has.
#[test]
fn every_kernel() {
    common::under_every_kernel("simd_", 4);
}

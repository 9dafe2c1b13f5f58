//! Every kernel this CPU can run against the scalar reference, in one process (through
//! `kernels::dot_with`), on random data: many lengths including odd tails, unaligned
//! sub-slices, 1..20 sources, 1..10 outputs, coefficients 0 and 1 among random ones,
//! both fields, with and without `add`.

use algorithm_fec::{kernels, Field};

#[path = "common/rng.rs"]
mod rng;
use rng::Rng;

/// Random coefficients with 0 and 1 well represented.
fn coeffs(rng: &mut Rng, n: usize, field: Field) -> Vec<u16> {
    (0..n)
        .map(|_| match rng.below(6) {
            0 => 0,
            1 => 1,
            _ => (rng.next() % field.size() as u64) as u16,
        })
        .collect()
}

/// One call of every kernel on the same inputs; all must equal scalar.
#[allow(clippy::too_many_arguments)]
fn check(
    rng: &mut Rng,
    field: Field,
    len: usize,
    m: usize,
    rows: usize,
    src_off: usize,
    dst_off: usize,
    add: bool,
) {
    let c = coeffs(rng, m * rows, field);
    let src_bufs: Vec<Vec<u8>> = (0..m).map(|_| rng.bytes(len + src_off)).collect();
    let srcs: Vec<&[u8]> = src_bufs.iter().map(|b| &b[src_off..]).collect();
    let init: Vec<Vec<u8>> = (0..rows).map(|_| rng.bytes(len + dst_off)).collect();
    let run = |name: &str| {
        let mut bufs = init.clone();
        let mut dsts: Vec<&mut [u8]> = bufs.iter_mut().map(|b| &mut b[dst_off..]).collect();
        kernels::dot_with(name, field, &c, &srcs, &mut dsts, add).map(|()| bufs)
    };
    let want = run("scalar").expect("scalar always runs");
    for name in kernels::available() {
        let got = run(name).expect("available");
        for (r, (g, w)) in got.iter().zip(&want).enumerate() {
            assert!(
                g[..dst_off] == w[..dst_off],
                "{name}: wrote before the slice (row {r})"
            );
            if g != w {
                let at = g.iter().zip(w).position(|(a, b)| a != b).unwrap() - dst_off;
                panic!(
                    "{name} {field:?} len={len} m={m} rows={rows} offs=({src_off},{dst_off}) \
                     add={add}: row {r} differs at byte {at}"
                );
            }
        }
    }
}

#[test]
fn every_kernel_matches_scalar() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut lens: Vec<usize> = vec![0, 2, 14, 16, 30, 32, 62, 64, 66, 126, 128, 130];
    lens.extend([
        190, 254, 256, 258, 382, 510, 512, 514, 1022, 1024, 1026, 4094, 4096,
    ]);
    for _ in 0..12 {
        lens.push(rng.below(2049) * 2);
    }
    for field in [Field::Gf8, Field::Gf16] {
        for &len in &lens {
            for add in [false, true] {
                let m = 1 + rng.below(20);
                let rows = 1 + rng.below(10);
                let (so, dof) = (rng.below(64), rng.below(64));
                check(&mut rng, field, len, m, rows, so, dof, add);
            }
        }
        // Odd lengths exist in GF(2^8) only.
        if field == Field::Gf8 {
            for len in [1, 3, 15, 17, 63, 65, 127, 129, 1023, 4095] {
                check(&mut rng, field, len, 3, 5, 1, 3, false);
            }
        }
    }
}

/// Every rows × sources shape in range, so every group size and group split runs.
#[test]
fn every_shape() {
    let mut rng = Rng(7);
    for field in [Field::Gf8, Field::Gf16] {
        for m in 1..=20 {
            for rows in 1..=10 {
                let len = 2 * (64 + rng.below(300));
                let (so, dof) = (rng.below(64), rng.below(64));
                check(&mut rng, field, len, m, rows, so, dof, m % 2 == 0);
            }
        }
    }
}

/// Many outputs: several groups, stripes, and (with the small budget of debug
/// builds) several batches of prepared coefficients in the SIMD driver.
#[test]
fn many_rows_and_sources() {
    let mut rng = Rng(99);
    check(&mut rng, Field::Gf8, 20_000, 40, 37, 5, 9, false);
    check(&mut rng, Field::Gf16, 1_000, 150, 20, 3, 1, true);
}

/// More prepared coefficients than one batch of the SIMD driver holds, in any build:
/// `PREP_BUDGET` (src/kernels/simd.rs) is 1 MiB in release builds (16 KiB in debug),
/// and one row × source pair takes at least 8 bytes (GFNI, GF(2^8)), 32 in GF(2^16).
/// 300 × 120 × 32 B = 1.1 MiB; 256 × 520 × 8 B = 1.02 MiB. Lengths of one or two SIMD
/// steps plus a tail.
#[test]
fn more_coefficients_than_one_release_batch() {
    let mut rng = Rng(123);
    check(&mut rng, Field::Gf16, 130, 300, 120, 0, 2, false);
    check(&mut rng, Field::Gf8, 66, 256, 520, 1, 0, true);
}

#[test]
fn unknown_or_unavailable_kernel_is_none() {
    let mut d = [0u8; 4];
    let mut dsts: Vec<&mut [u8]> = vec![&mut d];
    let r = kernels::dot_with("nope", Field::Gf8, &[1], &[&[1, 2, 3, 4]], &mut dsts, false);
    assert!(r.is_none());
    assert_eq!(d, [0; 4]);
    assert!(kernels::available().contains(&"scalar"));
}

/// Threads cut a big call by length; any thread count gives the same bytes.
#[cfg(feature = "parallel")]
#[test]
fn threads_give_the_same_bytes() {
    use algorithm_fec::Code;
    let mut rng = Rng(5);
    let (k, n, len) = (6, 9, (1 << 20) / 3 + 2);
    let code = Code::new(k, n).unwrap();
    let data: Vec<Vec<u8>> = (0..k).map(|_| rng.bytes(len)).collect();
    let data: Vec<&[u8]> = data.iter().map(|d| d.as_slice()).collect();
    let run = |threads| {
        kernels::set_threads(threads);
        let mut out = vec![vec![0u8; len]; n - k];
        let mut outs: Vec<&mut [u8]> = out.iter_mut().map(|o| o.as_mut_slice()).collect();
        code.encode_many(&data, &[6, 7, 8], &mut outs).unwrap();
        out
    };
    let one = run(1);
    assert!(run(2) == one && run(3) == one && run(7) == one);
    // Decoding (cut by length at the code level) too: lose data 0, 2, 4.
    for threads in [1, 2, 3] {
        kernels::set_threads(threads);
        let mut blocks: Vec<Vec<u8>> = vec![
            one[0].clone(),
            data[1].to_vec(),
            one[1].clone(),
            data[3].to_vec(),
            one[2].clone(),
            data[5].to_vec(),
        ];
        let mut b: Vec<&mut [u8]> = blocks.iter_mut().map(|b| b.as_mut_slice()).collect();
        code.decode(&mut b, &mut [6, 1, 7, 3, 8, 5]).unwrap();
        assert!(
            blocks.iter().zip(&data).all(|(b, d)| b == d),
            "{threads} threads"
        );
    }
    kernels::set_threads(0);
    assert!(kernels::threads() >= 1);
}

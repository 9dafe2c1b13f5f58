//! Feature `parallel`: calls big enough to be cut across threads give the bytes of the
//! single-threaded call. `scripts/test-all` runs this with `ALGORITHM_FEC_THREADS=2`.
//!
//! The cut rule (src/kernels/mod.rs, `parallel::split`): a call is split when it reads
//! at least `MIN_WORK` = 1 MiB of sources in all and each block has at least two pieces
//! of `MIN_PIECE` = 32 KiB; pieces are multiples of 64 bytes. Each input below reads
//! more than 1 MiB per call, with blocks of 3 to 6 pieces and a short last piece.
#![cfg(feature = "parallel")]

use algorithm_fec::{code::set_path, kernels, Code, Field};

#[path = "common/rng.rs"]
mod rng;
use rng::Rng;

/// Encodes `checks`, then loses data blocks `lost` and decodes them from those checks:
/// (check blocks, decoded data).
fn encode_then_decode(
    code: &Code,
    data: &[Vec<u8>],
    checks: &[usize],
    lost: &[usize],
) -> (Vec<Vec<u8>>, Vec<Vec<u8>>) {
    let refs: Vec<&[u8]> = data.iter().map(|d| d.as_slice()).collect();
    let mut out = vec![vec![0u8; data[0].len()]; checks.len()];
    let mut o: Vec<&mut [u8]> = out.iter_mut().map(|b| b.as_mut_slice()).collect();
    code.encode_many(&refs, checks, &mut o).unwrap();
    let mut blocks = data.to_vec();
    let mut idx: Vec<usize> = (0..code.k()).collect();
    for (&p, (c, b)) in lost.iter().zip(checks.iter().zip(&out)) {
        blocks[p] = b.clone();
        idx[p] = *c;
    }
    let mut b: Vec<&mut [u8]> = blocks.iter_mut().map(|b| b.as_mut_slice()).collect();
    code.decode(&mut b, &mut idx).unwrap();
    (out, blocks)
}

/// One test, since the thread count is global to the process.
#[test]
fn threads_give_the_bytes_of_one_thread() {
    if kernels::threads() < 2 {
        // ALGORITHM_FEC_THREADS unset on a one-CPU machine: still split.
        kernels::set_threads(2);
    }
    let threads = kernels::threads();
    // The checks used are `first..first + lost.len()`.
    for (field, k, n, len, lost, first, path) in [
        // 6 × 200 001 bytes read; 6 pieces of 33 344 bytes, an odd tail.
        (Field::Gf8, 6, 9, 200_001, vec![0, 2, 5], 6, "auto"),
        // 12 × 100 002 bytes; 3 pieces.
        (
            Field::Gf16,
            12,
            300,
            100_002,
            vec![1, 4, 7, 11],
            296,
            "auto",
        ),
        // The convolution path (its encode and decode split themselves): 100 × 66 000
        // bytes, 2 pieces; 40 lost, block 0 among them.
        (
            Field::Gf16,
            100,
            300,
            66_000,
            (0..100).step_by(5).chain(51..71).collect(),
            260,
            "convolution",
        ),
        // Its one-product decode (interpolation through all received blocks, data
        // block 0 from the product's sum): lost blocks next to the checks used.
        (
            Field::Gf16,
            100,
            300,
            66_000,
            (0..40).collect(),
            100,
            "convolution",
        ),
    ] {
        set_path(path);
        assert!(
            len * k >= 1 << 20 && len >= 2 * 32 * 1024,
            "too small to split"
        );
        let code = Code::with_field(k, n, field).unwrap();
        let data: Vec<Vec<u8>> = (0..k).map(|j| Rng(j as u64 + 1).bytes(len)).collect();
        let checks: Vec<usize> = (first..first + lost.len()).rev().collect();
        kernels::set_threads(threads);
        let (split_checks, decoded) = encode_then_decode(&code, &data, &checks, &lost);
        assert!(
            decoded == data,
            "{field:?}: {threads} threads decode wrongly"
        );
        kernels::set_threads(1);
        let (one_checks, _) = encode_then_decode(&code, &data, &checks, &lost);
        assert!(
            split_checks == one_checks,
            "{field:?}: {threads} threads encode other bytes than one"
        );
    }
    kernels::set_threads(0);
    set_path("auto");
}

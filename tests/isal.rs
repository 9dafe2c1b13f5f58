//! With the `isal` feature (needs libisal-dev): ISA-L, given our coefficient rows,
//! produces exactly our check blocks and our decoded data.
#![cfg(feature = "isal")]

#[path = "common/isal.rs"]
mod isal;
#[path = "common/rng.rs"]
mod rng;

use algorithm_fec::Code;
use rng::Rng;

/// The `rows × k` matrix of the given block indices, as bytes.
fn matrix(code: &Code, indices: &[usize]) -> Vec<u8> {
    let mut row = vec![0u16; code.k()];
    let mut m = Vec::new();
    for &i in indices {
        code.row(i, &mut row).unwrap();
        m.extend(row.iter().map(|&c| u8::try_from(c).unwrap()));
    }
    m
}

#[test]
fn isal_encodes_our_checks() {
    let mut rng = Rng(0x1234_5678_9abc_def1);
    for (k, n, len) in [
        (10, 14, 4096 + 13),
        (32, 40, 1000),
        (3, 5, 64),
        (200, 255, 256),
    ] {
        let code = Code::new(k, n).unwrap();
        let d: Vec<Vec<u8>> = (0..k).map(|_| rng.bytes(len)).collect();
        let d: Vec<&[u8]> = d.iter().map(|b| b.as_slice()).collect();
        let idx: Vec<usize> = (k..n).collect();
        let mut ours = vec![vec![0u8; len]; n - k];
        let mut outs: Vec<&mut [u8]> = ours.iter_mut().map(|b| b.as_mut_slice()).collect();
        code.encode_many(&d, &idx, &mut outs).unwrap();
        let mut theirs = vec![vec![0u8; len]; n - k];
        let mut outs: Vec<&mut [u8]> = theirs.iter_mut().map(|b| b.as_mut_slice()).collect();
        isal::Tables::new(k, &matrix(&code, &idx)).encode(&d, &mut outs);
        assert!(ours == theirs, "k={k} n={n} len={len}");
    }
}

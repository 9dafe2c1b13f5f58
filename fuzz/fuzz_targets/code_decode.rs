//! Arbitrary (k, n, indices, block sizes) through the erasure code's decode: every bad
//! call is an `Err` (never a panic), and a good one gives the data back.
//!
//! ```text
//! cargo +nightly fuzz run code_decode
//! ```
#![no_main]

use algorithm_fec::Code;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let [k, extra, len, rest @ ..] = data else {
        return;
    };
    let k = usize::from(*k % 16);
    let n = k + usize::from(*extra % 8);
    let Ok(code) = Code::new(k, n) else { return };
    let len = usize::from(*len % 32);
    // Indices from the input (possibly bad), blocks of possibly unequal size.
    let mut indices: Vec<usize> = rest.iter().take(k).map(|&b| usize::from(b % 24)).collect();
    let original = indices.clone();
    let mut blocks: Vec<Vec<u8>> = (0..indices.len())
        .map(|i| vec![i as u8; len + usize::from(i == 3 && len % 5 == 0)])
        .collect();
    let mut refs: Vec<&mut [u8]> = blocks.iter_mut().map(|b| b.as_mut_slice()).collect();
    if code.decode(&mut refs, &mut indices).is_err() {
        assert_eq!(indices, original, "a failed decode must not reorder");
    }
    // A well-formed decode from encoded blocks gives the data back.
    let data_blocks: Vec<Vec<u8>> = (0..k)
        .map(|j| rest.iter().map(|b| b ^ j as u8).take(len).collect())
        .collect();
    if data_blocks.iter().any(|d| d.len() != len) || k == 0 {
        return;
    }
    let srcs: Vec<&[u8]> = data_blocks.iter().map(|d| d.as_slice()).collect();
    let mut idx: Vec<usize> = (0..n).rev().take(k).collect();
    let mut enc: Vec<Vec<u8>> = idx
        .iter()
        .map(|&i| {
            let mut o = vec![0; len];
            code.encode(&srcs, i, &mut o).unwrap();
            o
        })
        .collect();
    let mut refs: Vec<&mut [u8]> = enc.iter_mut().map(|b| b.as_mut_slice()).collect();
    code.decode(&mut refs, &mut idx).unwrap();
    for (j, r) in refs.iter().enumerate() {
        assert_eq!(&**r, srcs[j]);
    }
});

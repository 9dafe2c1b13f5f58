//! Property tests of the code in both fields: any k of n blocks decode to the data,
//! one-pass encoding equals per-index encoding, and every block equals a plain
//! Lagrange evaluation; with small blocks, and with blocks long enough for the SIMD
//! main loops under every kernel the CPU has.

mod common;

use algorithm_fec::{Code, Field};
use proptest::prelude::*;

/// The coefficient of data block j in block i, from the definition (no barycentric
/// tricks): Π_{m≠j} (x_i − x_m) / (x_j − x_m).
fn lagrange(field: Field, k: usize, i: usize, j: usize) -> u16 {
    let (xi, xj) = (field.point(i), field.point(j));
    let mut c = 1;
    for m in (0..k).filter(|&m| m != j) {
        let xm = field.point(m);
        c = field.mul(c, field.div(xi ^ xm, xj ^ xm).unwrap());
    }
    c
}

fn symbols(field: Field, b: &[u8]) -> Vec<u16> {
    match field {
        Field::Gf8 => b.iter().map(|&x| u16::from(x)).collect(),
        Field::Gf16 => b
            .chunks(2)
            .map(|p| u16::from_le_bytes([p[0], p[1]]))
            .collect(),
    }
}

/// (field, k, n, data, a k-subset of indices in random order).
type Case = (Field, usize, usize, Vec<Vec<u8>>, Vec<usize>);

/// Cases from (field, k, extra blocks, symbols per block).
fn with_data(
    shape: impl Strategy<Value = (Field, usize, usize, usize)>,
) -> impl Strategy<Value = Case> {
    shape
        .prop_flat_map(|(field, k, extra, syms)| {
            let n = (k + extra).min(field.size());
            let len = syms * field.symbol_bytes();
            (
                Just(field),
                Just(k),
                Just(n),
                proptest::collection::vec(proptest::collection::vec(any::<u8>(), len), k),
                Just((0..n).collect::<Vec<usize>>()).prop_shuffle(),
            )
        })
        .prop_map(|(field, k, n, data, mut idx)| {
            idx.truncate(k);
            (field, k, n, data, idx)
        })
}

/// Small blocks (≤ 40 bytes: the scalar tails) and many shapes.
fn case() -> impl Strategy<Value = Case> {
    // Miri interprets every table lookup: keep its cases small.
    let (k8, big8, k16) = if cfg!(miri) { (6, 6, 4) } else { (24, 256, 24) };
    with_data(prop_oneof![
        (Just(Field::Gf8), 1usize..=k8, 0usize..=24, 0usize..=40),
        (Just(Field::Gf8), 1usize..=big8, 0usize..=256, 0usize..=3),
        (Just(Field::Gf16), 1usize..=k16, 0usize..=300, 0usize..=20),
    ])
}

/// Blocks that reach the SIMD main loops (steps of 32, 64 and 128 bytes) with tails of
/// every length: 60 to 700 bytes, odd ones in GF(2^8); up to 16 rows (groups of 4 or 8).
fn simd_case() -> impl Strategy<Value = Case> {
    with_data(prop_oneof![
        (Just(Field::Gf8), 1usize..=16, 0usize..=20, 60usize..=700),
        (Just(Field::Gf16), 1usize..=16, 0usize..=300, 30usize..=350),
    ])
}

fn encode_all(code: &Code, data: &[Vec<u8>], indices: &[usize]) -> Vec<Vec<u8>> {
    let refs: Vec<&[u8]> = data.iter().map(|d| d.as_slice()).collect();
    let mut outs = vec![vec![0u8; data[0].len()]; indices.len()];
    let mut out_refs: Vec<&mut [u8]> = outs.iter_mut().map(|o| o.as_mut_slice()).collect();
    code.encode_many(&refs, indices, &mut out_refs).unwrap();
    outs
}

/// Any k blocks decode to the data, and the reordered indices name what each position
/// held.
fn decodes((field, k, n, data, idx): Case) -> Result<(), TestCaseError> {
    let code = Code::with_field(k, n, field).unwrap();
    let mut blocks = encode_all(&code, &data, &idx);
    let mut indices = idx.clone();
    let mut refs: Vec<&mut [u8]> = blocks.iter_mut().map(|b| b.as_mut_slice()).collect();
    code.decode(&mut refs, &mut indices).unwrap();
    for (j, b) in refs.iter().enumerate() {
        prop_assert_eq!(&**b, data[j].as_slice(), "data block {}", j);
    }
    let mut sorted = indices.clone();
    sorted.sort_unstable();
    let mut want = idx.clone();
    want.sort_unstable();
    prop_assert_eq!(sorted, want);
    for (p, &i) in indices.iter().enumerate() {
        prop_assert!(i >= k || i == p);
    }
    Ok(())
}

/// One pass over the data equals one encode per index, and every symbol equals the
/// plain Lagrange evaluation.
fn encodes_as_lagrange((field, k, n, data, idx): Case) -> Result<(), TestCaseError> {
    let code = Code::with_field(k, n, field).unwrap();
    let many = encode_all(&code, &data, &idx);
    let cols: Vec<Vec<u16>> = data.iter().map(|d| symbols(field, d)).collect();
    for (nth, (&i, block)) in idx.iter().zip(&many).enumerate() {
        prop_assert_eq!(block, &encode_all(&code, &data, &[i])[0]);
        let mut row = vec![0u16; k];
        code.row(i, &mut row).unwrap();
        // The definition costs O(k) per coefficient (O(k³) for all rows of a case):
        // whole rows for the first few indices, which are random.
        if nth < 4 {
            for (j, &c) in row.iter().enumerate() {
                prop_assert_eq!(c, lagrange(field, k, i, j));
            }
        }
        let got = symbols(field, block);
        for (s, &g) in got.iter().enumerate() {
            let want = (0..k).fold(0, |acc, j| acc ^ field.mul(row[j], cols[j][s]));
            prop_assert_eq!(g, want);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(if cfg!(miri) { 4 } else { 100 }))]

    #[test]
    fn any_k_blocks_decode(c in case()) {
        decodes(c)?;
    }

    #[test]
    fn one_pass_equals_per_index_and_lagrange(c in case()) {
        encodes_as_lagrange(c)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(if cfg!(miri) { 2 } else { 24 }))]

    #[test]
    #[cfg_attr(miri, ignore = "too slow under Miri")]
    fn simd_any_k_blocks_decode(c in simd_case()) {
        decodes(c)?;
    }

    #[test]
    #[cfg_attr(miri, ignore = "too slow under Miri")]
    fn simd_one_pass_equals_per_index_and_lagrange(c in simd_case()) {
        encodes_as_lagrange(c)?;
    }
}

/// The `simd_*` properties again under each kernel the CPU has.
#[test]
#[cfg_attr(miri, ignore = "no processes under Miri")]
fn every_kernel() {
    common::under_every_kernel("simd_", 2);
}

#[test]
#[cfg_attr(miri, ignore = "too slow under Miri")]
fn large_gf16_decode_with_every_kind_of_loss() {
    // e·(k−e) and e² above 2^22: the decoder makes coefficient rows batch by batch
    // instead of keeping them all.
    let (k, n, bs) = (4200, 8000, 4);
    let code = Code::new(k, n).unwrap();
    // Low-degree data: blocks made in O(1) each instead of O(k) by the encoder.
    let data = common::poly_blocks(Field::Gf16, 17, bs, &(0..k).collect::<Vec<_>>());
    // Lose every other data block; replace them with checks from the far end.
    let lost: Vec<usize> = (0..k).filter(|j| j % 2 == 0).collect();
    let mut idx: Vec<usize> = (0..k).filter(|j| j % 2 != 0).collect();
    idx.extend((n - lost.len())..n);
    assert_eq!(
        encode_all(&code, &data, &[n - 1]),
        common::poly_blocks(Field::Gf16, 17, bs, &[n - 1])
    );
    let mut blocks = common::poly_blocks(Field::Gf16, 17, bs, &idx);
    let mut refs: Vec<&mut [u8]> = blocks.iter_mut().map(|b| b.as_mut_slice()).collect();
    code.decode(&mut refs, &mut idx).unwrap();
    for (j, b) in refs.iter().enumerate() {
        assert_eq!(&**b, data[j].as_slice(), "data block {j}");
    }
}

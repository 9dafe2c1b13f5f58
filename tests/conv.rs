//! The convolution path (forced for this whole test binary) against independent
//! answers: checks against the coefficient rows applied by the scalar kernel, decodes
//! against the data itself. Random codes in both fields, up to k = 2000 in GF(2^16).
//! The known answers under this path run in scripts/test-all (the conformance
//! example with ALGORITHM_FEC_PATH=convolution), under every kernel.

use algorithm_fec::{code::set_path, kernels, Code, Field, Shard};

#[path = "common/rng.rs"]
mod rng;
use rng::Rng;

/// (field, k, n, block length) of the random codes: small and mid-size codes in
/// GF(2^8), GF(2^16) up to k = 2000; lengths that are and are not a multiple of the
/// kernels' step.
const CODES: &[(Field, usize, usize, usize)] = &[
    (Field::Gf8, 2, 3, 1),
    (Field::Gf8, 3, 5, 70),
    (Field::Gf8, 10, 14, 200),
    (Field::Gf8, 32, 64, 129),
    (Field::Gf8, 200, 255, 33),
    (Field::Gf8, 128, 256, 8),
    (Field::Gf16, 2, 300, 2),
    (Field::Gf16, 300, 700, 258),
    (Field::Gf16, 2000, 2400, 2),
];

fn refs(v: &[Vec<u8>]) -> Vec<&[u8]> {
    v.iter().map(|b| b.as_slice()).collect()
}

/// Block `index` the quadratic way: its row of coefficients through the scalar kernel.
fn expected(code: &Code, data: &[&[u8]], index: usize) -> Vec<u8> {
    let mut row = vec![0u16; code.k()];
    code.row(index, &mut row).unwrap();
    let mut out = vec![0u8; data[0].len()];
    kernels::dot_with("scalar", code.field(), &row, data, &mut [&mut out], false).unwrap();
    out
}

#[test]
fn checks_equal_the_rows() {
    set_path("convolution");
    let mut rng = Rng(0x1234_5678_9ABC_DEF1);
    for &(field, k, n, len) in CODES {
        let code = Code::with_field(k, n, field).unwrap();
        let data: Vec<Vec<u8>> = (0..k).map(|_| rng.bytes(len)).collect();
        encode_all_and_some(&code, &refs(&data), &mut rng);
    }
}

/// Encodes all checks, then a scattered subset (with a data index and two repeated
/// checks) in random order, and compares each block with its row's.
fn encode_all_and_some(code: &Code, data: &[&[u8]], rng: &mut Rng) {
    let (k, n, field, len) = (code.k(), code.n(), code.field(), data[0].len());
    let mut some: Vec<usize> = (0..n).filter(|_| rng.below(3) == 0).collect();
    some.extend([n - 1, n - 1, k]);
    rng.shuffle(&mut some);
    for indices in [(k..n).collect::<Vec<_>>(), some] {
        let mut outs = vec![vec![0xA5u8; len]; indices.len()];
        let mut o: Vec<&mut [u8]> = outs.iter_mut().map(|b| b.as_mut_slice()).collect();
        code.encode_many(data, &indices, &mut o).unwrap();
        for (&i, out) in indices.iter().zip(&outs) {
            assert_eq!(
                *out,
                expected(code, data, i),
                "{field:?} k={k} n={n} block {i}"
            );
        }
    }
}

#[test]
fn decodes_give_back_the_data() {
    set_path("convolution");
    let mut rng = Rng(0x0F0F_1234_4321_F0F1);
    for &(field, k, n, len) in CODES {
        let code = Code::with_field(k, n, field).unwrap();
        let data: Vec<Vec<u8>> = (0..k).map(|_| rng.bytes(len)).collect();
        for round in 0..3 {
            lose_and_decode(&code, &data, round, &mut rng);
        }
    }
}

/// Loses a random set of data blocks (in round 0 as many as can be, in round 1
/// with block 0 among them), replaces them by random checks in random order,
/// decodes and compares with the data.
fn lose_and_decode(code: &Code, data: &[Vec<u8>], round: usize, rng: &mut Rng) {
    let (k, n, field) = (code.k(), code.n(), code.field());
    let data_refs = refs(data);
    let mut check_idx: Vec<usize> = (k..n).collect();
    rng.shuffle(&mut check_idx);
    let most = k.min(n - k);
    let e = match round {
        0 => most,
        _ => 1 + rng.below(most),
    };
    let mut positions: Vec<usize> = (0..k).collect();
    rng.shuffle(&mut positions);
    let mut lost: Vec<usize> = positions[..e].to_vec();
    if round == 1 && !lost.contains(&0) {
        lost[0] = 0;
    }
    lost.sort_unstable();
    let mut indices: Vec<usize> = (0..k).collect();
    let mut blocks: Vec<Vec<u8>> = data.to_vec();
    for (&p, &c) in lost.iter().zip(&check_idx) {
        indices[p] = c;
        blocks[p] = expected(code, &data_refs, c);
    }
    let mut shards: Vec<Shard<'_>> = blocks
        .iter_mut()
        .enumerate()
        .map(|(p, b)| match lost.contains(&p) {
            true => Shard::Write(b),
            false => Shard::Read(&data[p]),
        })
        .collect();
    code.decode_shards(&mut shards, &indices).unwrap();
    drop(shards);
    assert!(
        blocks == data,
        "{field:?} k={k} n={n} lost {e} (round {round})"
    );
}

/// One `Code` shared by threads that encode other checks and decode other losses
/// at the same time: each call has its own storage or the code's, and the kept
/// transforms are found by what they are made of, so every result is still
/// right.
#[test]
fn one_code_shared_by_threads() {
    set_path("convolution");
    for (field, k, n, len) in [(Field::Gf16, 300, 700, 258), (Field::Gf8, 200, 255, 130)] {
        let code = Code::with_field(k, n, field).unwrap();
        let mut rng = Rng(0xC0DE_5EED ^ k as u64);
        let data: Vec<Vec<u8>> = (0..k).map(|_| rng.bytes(len)).collect();
        std::thread::scope(|s| {
            for t in 0..4u64 {
                let (code, data) = (&code, &data);
                s.spawn(move || {
                    let mut rng = Rng(0x7EAD_0000 + t);
                    for round in 0..3 {
                        encode_all_and_some(code, &refs(data), &mut rng);
                        lose_and_decode(code, data, round, &mut rng);
                    }
                });
            }
        });
    }
}

/// Empty blocks: nothing to do, and nothing to panic about.
#[test]
fn empty_blocks() {
    set_path("convolution");
    let code = Code::new(200, 255).unwrap();
    let data = vec![&[][..]; 200];
    let indices: Vec<usize> = (200..255).collect();
    let mut outs = vec![Vec::new(); 55];
    let mut o: Vec<&mut [u8]> = outs.iter_mut().map(|b| b.as_mut_slice()).collect();
    code.encode_many(&data, &indices, &mut o).unwrap();
    let mut idx: Vec<usize> = (0..200).collect();
    idx[..55].copy_from_slice(&indices);
    let mut blocks = vec![Vec::new(); 200];
    let mut b: Vec<&mut [u8]> = blocks.iter_mut().map(|b| b.as_mut_slice()).collect();
    code.decode(&mut b, &mut idx).unwrap();
    assert!(blocks.iter().all(|b| b.is_empty()));
}

/// The path is a process setting; an unknown name is refused loudly.
#[test]
#[should_panic(expected = "unknown path")]
fn unknown_path_panics() {
    set_path("fft");
}

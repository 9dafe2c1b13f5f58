//! Every way a call into the code can be wrong gives its own error, and nothing is
//! written or reordered when it does.

use algorithm_fec::{Code, Error, Field, Shard};

fn data(k: usize, len: usize) -> Vec<Vec<u8>> {
    (0..k).map(|j| vec![j as u8 + 1; len]).collect()
}

fn refs(d: &[Vec<u8>]) -> Vec<&[u8]> {
    d.iter().map(|b| b.as_slice()).collect()
}

#[test]
fn construction_limits() {
    assert_eq!(Code::new(0, 5).unwrap_err(), Error::NoDataBlocks { k: 0 });
    assert_eq!(
        Code::new(5, 4).unwrap_err(),
        Error::FewerBlocksThanData { k: 5, n: 4 }
    );
    assert_eq!(
        Code::with_field(2, 257, Field::Gf8).unwrap_err(),
        Error::TooManyBlocks {
            n: 257,
            max: 256,
            bits: 8
        }
    );
    let c = Code::with_field(2, 256, Field::Gf8).unwrap();
    assert_eq!((c.k(), c.n(), c.field()), (2, 256, Field::Gf8));
    let c = Code::new(2, 65536).unwrap();
    assert_eq!((c.k(), c.n(), c.field()), (2, 65536, Field::Gf16));
    let e = Code::new(2, 65537).unwrap_err();
    assert_eq!(
        e,
        Error::TooManyBlocks {
            n: 65537,
            max: 65536,
            bits: 16
        }
    );
    assert_eq!(
        e.to_string(),
        "the number of encoded blocks must be <= 65536 in GF(2^16) (got n=65537)"
    );
    assert_eq!(Code::new(2, 255).unwrap().field(), Field::Gf8);
    assert_eq!(Code::new(2, 256).unwrap().field(), Field::Gf16);
    // k = 1 is a valid (repetition) code.
    let c = Code::new(1, 3).unwrap();
    let mut out = vec![0; 4];
    c.encode(&[b"abcd"], 2, &mut out).unwrap();
    assert_eq!(out, b"abcd");
}

#[test]
fn encode_rejects_bad_calls_without_writing() {
    let code = Code::new(3, 5).unwrap();
    let d = data(3, 8);
    let mut out = vec![0xAAu8; 8];
    let untouched = out.clone();
    assert_eq!(
        code.encode(&refs(&d), 5, &mut out).unwrap_err(),
        Error::IndexOutOfRange { index: 5, n: 5 }
    );
    assert_eq!(
        code.encode(&refs(&d[..2]), 3, &mut out).unwrap_err(),
        Error::WrongCount {
            what: "data blocks",
            expected: 3,
            got: 2
        }
    );
    let mut uneven = d.clone();
    uneven[2].push(0);
    assert_eq!(
        code.encode(&refs(&uneven), 3, &mut out).unwrap_err(),
        Error::WrongBlockSize {
            position: 2,
            expected: 8,
            got: 9
        }
    );
    let mut short = vec![0u8; 7];
    assert_eq!(
        code.encode(&refs(&d), 3, &mut short).unwrap_err(),
        Error::OutputSize {
            expected: 8,
            got: 7
        }
    );
    assert_eq!(
        code.encode_many(&refs(&d), &[3, 4], &mut [&mut out])
            .unwrap_err(),
        Error::WrongCount {
            what: "output buffers",
            expected: 2,
            got: 1
        }
    );
    // One bad index among good ones: no output is written at all.
    let mut other = vec![0xAAu8; 8];
    assert_eq!(
        code.encode_many(&refs(&d), &[3, 9], &mut [&mut out, &mut other])
            .unwrap_err(),
        Error::IndexOutOfRange { index: 9, n: 5 }
    );
    assert_eq!(out, untouched);
    assert_eq!(other, untouched);
}

#[test]
fn gf16_rejects_odd_blocks() {
    let code = Code::new(2, 300).unwrap();
    let d = data(2, 7);
    let mut out = vec![0u8; 7];
    assert_eq!(
        code.encode(&refs(&d), 2, &mut out).unwrap_err(),
        Error::OddBlockSize { size: 7 }
    );
    let mut a = vec![1u8; 7];
    let mut b = vec![2u8; 7];
    let mut idx = vec![2, 1];
    assert_eq!(
        code.decode(&mut [&mut a, &mut b], &mut idx).unwrap_err(),
        Error::OddBlockSize { size: 7 }
    );
    assert_eq!(idx, [2, 1]);
}

/// Runs a decode that must fail; asserts blocks and indices are as they were.
fn decode_fails(code: &Code, lens: &[usize], idx: &[usize]) -> Error {
    let mut blocks: Vec<Vec<u8>> = lens.iter().map(|&l| vec![0x5A; l]).collect();
    let before = blocks.clone();
    let mut indices = idx.to_vec();
    let mut r: Vec<&mut [u8]> = blocks.iter_mut().map(|b| b.as_mut_slice()).collect();
    let err = code.decode(&mut r, &mut indices).unwrap_err();
    drop(r);
    assert_eq!(blocks, before, "blocks changed by a failed decode");
    assert_eq!(indices, idx, "indices reordered by a failed decode");
    err
}

#[test]
fn decode_rejects_bad_inputs_before_touching_anything() {
    let code = Code::new(3, 6).unwrap();
    // Duplicate data index (the original croaked half-way through reordering).
    assert_eq!(
        decode_fails(&code, &[4, 4, 4], &[3, 0, 0]),
        Error::DuplicateIndex { index: 0 }
    );
    // Duplicate check index (the original silently produced garbage).
    assert_eq!(
        decode_fails(&code, &[4, 4, 4], &[4, 1, 4]),
        Error::DuplicateIndex { index: 4 }
    );
    assert_eq!(
        decode_fails(&code, &[4, 4, 4], &[0, 1, 6]),
        Error::IndexOutOfRange { index: 6, n: 6 }
    );
    assert_eq!(
        decode_fails(&code, &[4, 4], &[0, 1]),
        Error::WrongCount {
            what: "indices",
            expected: 3,
            got: 2
        }
    );
    assert_eq!(
        decode_fails(&code, &[4, 5, 4], &[4, 1, 3]),
        Error::WrongBlockSize {
            position: 1,
            expected: 4,
            got: 5
        }
    );
    let mut a = vec![0u8; 4];
    let mut idx = vec![0, 1, 2];
    assert_eq!(
        code.decode(&mut [&mut a], &mut idx).unwrap_err(),
        Error::WrongCount {
            what: "blocks",
            expected: 3,
            got: 1
        }
    );
}

#[test]
fn reorder_follows_the_spec_examples() {
    let code = Code::new(3, 5).unwrap();
    for (input, want) in [
        ([2, 1, 0], [0, 1, 2]),
        ([4, 3, 1], [4, 1, 3]),
        ([0, 2, 3], [0, 3, 2]),
        ([3, 4, 0], [0, 4, 3]),
        ([2, 4, 3], [3, 4, 2]),
        ([1, 0, 4], [0, 1, 4]),
        ([3, 4, 1], [3, 1, 4]),
        ([4, 3, 0], [0, 3, 4]),
        ([4, 2, 3], [4, 3, 2]),
    ] {
        let mut idx = input;
        let mut tags = input.map(|i| format!("block{i}"));
        code.reorder(&mut tags, &mut idx).unwrap();
        assert_eq!(idx, want, "from {input:?}");
        assert_eq!(
            tags,
            want.map(|i| format!("block{i}")),
            "blocks follow indices"
        );
    }
    let code = Code::new(4, 8).unwrap();
    for (input, want) in [
        ([7, 2, 5, 0], [0, 5, 2, 7]),
        ([1, 6, 0, 7], [0, 1, 6, 7]),
        ([3, 7, 6, 1], [7, 1, 6, 3]),
    ] {
        let mut idx = input;
        code.reorder(&mut [(); 4], &mut idx).unwrap();
        assert_eq!(idx, want);
    }
    let mut idx = [299, 2, 0];
    Code::new(3, 300)
        .unwrap()
        .reorder(&mut [(); 3], &mut idx)
        .unwrap();
    assert_eq!(idx, [0, 299, 2]);
}

#[test]
fn decode_shards_checks_order_and_writability() {
    let code = Code::new(3, 5).unwrap();
    let (a, mut b, c) = (vec![1u8; 4], vec![2u8; 4], vec![3u8; 4]);
    // Position 0 must receive data block 0 but is read-only.
    let mut shards = [Shard::Read(&a), Shard::Write(&mut b), Shard::Read(&c)];
    assert_eq!(
        code.decode_shards(&mut shards, &[4, 1, 2]).unwrap_err(),
        Error::ReadOnlyTarget {
            position: 0,
            index: 4
        }
    );
    // Data index 2 at position 1: not what reorder leaves.
    assert_eq!(
        code.decode_shards(&mut shards, &[0, 2, 4]).unwrap_err(),
        Error::NotInDecodeOrder {
            index: 2,
            position: 1
        }
    );
    assert_eq!(b, [2; 4]);
}

#[test]
fn decode_shards_reads_read_only_data() {
    let code = Code::new(3, 5).unwrap();
    let d = data(3, 16);
    let mut check = vec![0u8; 16];
    code.encode(&refs(&d), 4, &mut check).unwrap();
    let mut shards = [
        Shard::Read(&d[0]),
        Shard::Write(&mut check),
        Shard::Read(&d[2]),
    ];
    code.decode_shards(&mut shards, &[0, 4, 2]).unwrap();
    assert_eq!(check, d[1]);
}

#[test]
fn zero_length_blocks_are_fine() {
    let code = Code::new(2, 4).unwrap();
    let mut out: Vec<u8> = Vec::new();
    code.encode(&[&[], &[]], 3, &mut out).unwrap();
    let (mut a, mut b) = (Vec::<u8>::new(), Vec::<u8>::new());
    code.decode(&mut [&mut a, &mut b], &mut [3, 2]).unwrap();
}

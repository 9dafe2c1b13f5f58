//! FecSession over memory and file regions: encode from (file, offset) regions at
//! unaligned offsets, decode in place into files, mixed blocks, copy, and every error
//! with nothing written.

use algorithm_fec::block::RegionError;
use algorithm_fec::{Block, Code, Error, FecSession, Field, SessionError};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};

fn data(k: usize, bs: usize, seed: usize) -> Vec<Vec<u8>> {
    (0..k)
        .map(|j| {
            (0..bs)
                .map(|i| ((i * 31 + j * 17 + seed) ^ (i >> 3)) as u8)
                .collect()
        })
        .collect()
}

fn encoded(k: usize, n: usize, d: &[Vec<u8>], idx: &[usize]) -> Vec<Vec<u8>> {
    let code = Code::new(k, n).unwrap();
    let refs: Vec<&[u8]> = d.iter().map(|b| b.as_slice()).collect();
    idx.iter()
        .map(|&i| {
            let mut o = vec![0; d[0].len()];
            code.encode(&refs, i, &mut o).unwrap();
            o
        })
        .collect()
}

/// A read-write temp file holding `blocks` at `base + j·stride`.
fn file_with(blocks: &[Vec<u8>], base: u64, stride: u64) -> File {
    let mut f = tempfile::tempfile().unwrap();
    for (j, b) in blocks.iter().enumerate() {
        f.seek(SeekFrom::Start(base + j as u64 * stride)).unwrap();
        f.write_all(b).unwrap();
    }
    f
}

fn read_at(f: &mut File, off: u64, len: usize) -> Vec<u8> {
    let mut v = vec![0; len];
    f.seek(SeekFrom::Start(off)).unwrap();
    f.read_exact(&mut v).unwrap();
    v
}

fn read_only(f: &File) -> File {
    File::open(format!(
        "/proc/self/fd/{}",
        std::os::fd::AsRawFd::as_raw_fd(f)
    ))
    .unwrap()
}

#[test]
fn encode_from_memory_and_unaligned_file_regions() {
    let (k, n, bs) = (5, 9, 3001);
    let d = data(k, bs, 1);
    let want = encoded(k, n, &d, &(0..n).collect::<Vec<_>>());
    // Blocks at odd offsets, not page aligned, with gaps.
    let (base, stride) = (4097 + 3, bs as u64 + 13);
    let f = file_with(&d, base, stride);
    let ro = read_only(&f);
    let mut s = FecSession::new(k, n, bs).unwrap();
    s.set_encode_blocks(
        (0..k)
            .map(|j| Block::file(&ro, base + j as u64 * stride))
            .collect(),
    )
    .unwrap();
    for (i, w) in want.iter().enumerate() {
        assert_eq!(&s.encode(i).unwrap(), w, "file blocks, index {i}");
    }
    assert_eq!(
        s.encode_many(&[8, 2, 6]).unwrap(),
        vec![want[8].clone(), want[2].clone(), want[6].clone()]
    );
    // Mixed: memory for even positions, file for odd.
    let blocks = (0..k)
        .map(|j| match j % 2 {
            0 => Block::Memory(d[j].clone()),
            _ => Block::file(&ro, base + j as u64 * stride),
        })
        .collect();
    s.set_encode_blocks(blocks).unwrap();
    assert_eq!(s.encode(7).unwrap(), want[7]);
    // An empty set frees; encode then fails.
    s.set_encode_blocks(vec![]).unwrap();
    assert!(matches!(s.encode(7), Err(SessionError::NoEncodeBlocks)));
}

#[test]
fn encode_sees_later_changes_to_the_file() {
    let (k, n, bs) = (2, 4, 64);
    let d = data(k, bs, 2);
    let mut f = file_with(&d, 0, bs as u64);
    let mut s = FecSession::new(k, n, bs).unwrap();
    s.set_encode_blocks(vec![Block::file(&f, 0), Block::file(&f, bs as u64)])
        .unwrap();
    let before = s.encode(3).unwrap();
    f.seek(SeekFrom::Start(5)).unwrap();
    f.write_all(b"changed").unwrap();
    let mut d2 = d.clone();
    d2[0][5..12].copy_from_slice(b"changed");
    assert_ne!(s.encode(3).unwrap(), before);
    assert_eq!(s.encode(3).unwrap(), encoded(k, n, &d2, &[3])[0]);
}

#[test]
fn decode_in_place_into_a_file_at_unaligned_offsets() {
    let (k, n, bs) = (4, 7, 5000);
    let d = data(k, bs, 3);
    // On disk: [check 6, data 1, check 4, data 3] at offsets 7 + j·(bs+1).
    let idx = [6, 1, 4, 3];
    let blocks = encoded(k, n, &d, &idx);
    let (base, stride) = (7u64, bs as u64 + 1);
    let mut f = file_with(&blocks, base, stride);
    let mut s = FecSession::new(k, n, bs).unwrap();
    let mut indices = idx.to_vec();
    s.set_decode_blocks(
        (0..k)
            .map(|j| Block::file(&f, base + j as u64 * stride))
            .collect(),
        &mut indices,
    )
    .unwrap();
    assert_eq!(indices, [6, 1, 4, 3]);
    let mem = s.decode().unwrap();
    assert!(mem.iter().all(Option::is_none));
    for (j, dj) in d.iter().enumerate() {
        assert_eq!(
            &read_at(&mut f, base + j as u64 * stride, bs),
            dj,
            "on disk, block {j}"
        );
    }
    // The gap bytes between blocks are untouched.
    assert_eq!(read_at(&mut f, base + bs as u64, 1), [0]);
    assert!(matches!(s.decode(), Err(SessionError::NoDecodeBlocks)));
}

#[test]
fn decode_mixed_memory_and_read_only_data_files() {
    let (k, n, bs) = (3, 300, 64); // GF(2^16)
    let d = data(k, bs, 4);
    let idx = [299, 2, 0];
    let blocks = encoded(k, n, &d, &idx);
    // Data blocks 2 and 0 live in a read-only file: decode only reads them.
    let f = file_with(&[blocks[1].clone(), blocks[2].clone()], 100, 200);
    let ro = read_only(&f);
    let mut s = FecSession::new(k, n, bs).unwrap();
    let mut indices = idx.to_vec();
    s.set_decode_blocks(
        vec![
            Block::Memory(blocks[0].clone()),
            Block::file(&ro, 100),
            Block::file(&ro, 300),
        ],
        &mut indices,
    )
    .unwrap();
    assert_eq!(indices, [0, 299, 2]);
    let mem = s.decode().unwrap();
    assert!(mem[0].is_none() && mem[2].is_none());
    assert_eq!(mem[1].as_deref(), Some(d[1].as_slice()));
}

#[test]
fn decode_errors_write_nothing() {
    let (k, n, bs) = (3, 6, 100);
    let d = data(k, bs, 5);
    let blocks = encoded(k, n, &d, &[4, 1, 5]);
    let mut f = file_with(&blocks, 0, bs as u64);
    let ro = read_only(&f);
    let mut s = FecSession::new(k, n, bs).unwrap();
    let file_blocks = |file| {
        (0..k)
            .map(|j| Block::file(file, (j * bs) as u64))
            .collect::<Vec<_>>()
    };

    // A read-only file where decode must write.
    let mut idx = vec![4, 1, 5];
    let e = s.set_decode_blocks(file_blocks(&ro), &mut idx).unwrap_err();
    assert!(
        matches!(
            e,
            SessionError::Region {
                position: 0,
                source: RegionError::NotWritable(_)
            }
        ),
        "{e}"
    );
    assert!(e.to_string().contains("opened read-write"), "{e}");
    assert_eq!(idx, [4, 1, 5]);

    // Duplicate check indices (the original decoded garbage).
    let mut idx = vec![4, 1, 4];
    let e = s.set_decode_blocks(file_blocks(&f), &mut idx).unwrap_err();
    assert!(matches!(
        e,
        SessionError::Code(Error::DuplicateIndex { index: 4 })
    ));
    assert_eq!(idx, [4, 1, 4]);

    let mut idx = vec![4, 1, 6];
    let e = s.set_decode_blocks(file_blocks(&f), &mut idx).unwrap_err();
    assert!(matches!(
        e,
        SessionError::Code(Error::IndexOutOfRange { index: 6, n: 6 })
    ));

    // A file too short for its region: an error, not SIGBUS.
    let short = tempfile::tempfile().unwrap();
    short.set_len(150).unwrap();
    let mut idx = vec![4, 1, 5];
    let e = s
        .set_decode_blocks(
            vec![
                Block::file(&short, 0),
                Block::file(&short, 51),
                Block::file(&f, 0),
            ],
            &mut idx,
        )
        .unwrap_err();
    assert!(
        matches!(
            e,
            SessionError::Region {
                position: 1,
                source: RegionError::TooShort {
                    len: 150,
                    offset: 51,
                    size: 100
                }
            }
        ),
        "{e}"
    );
    assert_eq!(
        e.to_string(),
        "block #1: the file is 150 bytes long, too short for a block at offset 51 of 100 bytes"
    );

    // Wrong memory size.
    let mut idx = vec![4, 1, 5];
    let e = s
        .set_decode_blocks(
            vec![
                Block::Memory(vec![0; 99]),
                Block::file(&f, 100),
                Block::file(&f, 200),
            ],
            &mut idx,
        )
        .unwrap_err();
    assert_eq!(e.to_string(), "block #0 (a buffer) has size 99, not 100");

    // Wrong count.
    let e = s
        .set_decode_blocks(vec![Block::file(&f, 0)], &mut [4])
        .unwrap_err();
    assert!(matches!(
        e,
        SessionError::Code(Error::WrongCount {
            expected: 3,
            got: 1,
            ..
        })
    ));

    // Nothing on disk changed through all of that.
    for (j, b) in blocks.iter().enumerate() {
        assert_eq!(&read_at(&mut f, (j * bs) as u64, bs), b);
    }
}

#[test]
fn state_errors() {
    let mut s = FecSession::new(2, 4, 8).unwrap();
    let e = s.encode(0).unwrap_err();
    assert_eq!(
        e.to_string(),
        "no blocks specified by a preceding call to set_encode_blocks"
    );
    let e = s.decode().unwrap_err();
    assert_eq!(
        e.to_string(),
        "index array must be set by a prior call to set_decode_blocks"
    );
    s.set_encode_blocks(vec![Block::Memory(vec![1; 8]), Block::Memory(vec![2; 8])])
        .unwrap();
    let e = s.encode(4).unwrap_err();
    assert_eq!(
        e.to_string(),
        "encode: block_index 4 out of range, must be 0 <= block_index < 4"
    );
    let mut idx = [3, 1];
    s.set_decode_blocks(
        vec![Block::Memory(vec![1; 8]), Block::Memory(vec![2; 8])],
        &mut idx,
    )
    .unwrap();
    assert!(matches!(s.encode(0), Err(SessionError::HoldsDecodeBlocks)));
    assert!(matches!(
        FecSession::new(2, 4, 0),
        Err(SessionError::ZeroBlockSize)
    ));
    assert!(matches!(
        FecSession::new(2, 300, 7),
        Err(SessionError::Code(Error::OddBlockSize { size: 7 }))
    ));
    assert!(FecSession::with_field(2, 256, 7, Field::Gf8).is_ok());
    assert!(matches!(
        FecSession::new(3, 2, 8),
        Err(SessionError::Code(Error::FewerBlocksThanData { .. }))
    ));
}

#[test]
fn shuffle_reorders_without_keeping() {
    let s = FecSession::new(4, 8, 1).unwrap();
    let mut idx = [3, 7, 6, 1];
    let mut names = ["a", "b", "c", "d"];
    s.shuffle(&mut names, &mut idx).unwrap();
    assert_eq!(idx, [7, 1, 6, 3]);
    assert_eq!(names, ["b", "d", "c", "a"]);
    let mut dup = [3, 0, 0, 1];
    assert!(s.shuffle(&mut names, &mut dup).is_err());
    assert_eq!(dup, [3, 0, 0, 1]);
}

#[test]
fn copy_between_memory_and_files() {
    let bs = 10;
    let mut s = FecSession::new(2, 3, bs).unwrap();
    let mut f = file_with(&[vec![b'x'; 30]], 0, 0);
    s.copy(
        &Block::Memory(b"0123456789".to_vec()),
        &mut Block::file(&f, 3),
    )
    .unwrap();
    assert_eq!(read_at(&mut f, 0, 16), b"xxx0123456789xxx");
    let mut m = Block::Memory(vec![0; bs]);
    s.copy(&Block::file(&f, 4), &mut m).unwrap();
    assert!(matches!(&m, Block::Memory(v) if v == b"123456789x"));
    s.copy(&Block::file(&f, 0), &mut Block::file(&f, 20))
        .unwrap();
    assert_eq!(read_at(&mut f, 20, 10), b"xxx0123456");
    // Errors: short file, read-only destination, wrong sizes; nothing written.
    let e = s.copy(&Block::file(&f, 25), &mut m).unwrap_err();
    assert!(matches!(
        e,
        SessionError::Region {
            position: 0,
            source: RegionError::TooShort { .. }
        }
    ));
    let ro = read_only(&f);
    let e = s
        .copy(&Block::Memory(vec![7; bs]), &mut Block::file(&ro, 0))
        .unwrap_err();
    assert!(matches!(
        e,
        SessionError::Region {
            position: 1,
            source: RegionError::NotWritable(_)
        }
    ));
    let e = s.copy(&Block::Memory(vec![7; 3]), &mut m).unwrap_err();
    assert_eq!(e.to_string(), "block #0 (a string) has size 3, not 10");
    assert_eq!(read_at(&mut f, 0, 3), b"xxx");
    // A pipe is not a file region.
    let (r, _w) = std::io::pipe().unwrap();
    let pipe_file = File::from(std::os::fd::OwnedFd::from(r));
    let e = s.copy(&Block::file(&pipe_file, 0), &mut m).unwrap_err();
    assert!(
        matches!(
            e,
            SessionError::Region {
                source: RegionError::NotAFile,
                ..
            }
        ),
        "{e}"
    );
}

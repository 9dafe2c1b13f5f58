//! FecSession over memory and file regions: encode from (file, offset) regions at
//! unaligned offsets, decode in place into files, mixed blocks, copy, and every error
//! with nothing written.

// Linux only: the file cases reach their files through /proc/self/fd, truncate(1),
// mount namespaces and fallocate, and the SIGBUS cases use Linux's signals. Windows
// refuses to shrink a mapped file instead (src/sigbus_windows.rs has that test).
#![cfg(target_os = "linux")]

use algorithm_fec::block::RegionError;
use algorithm_fec::{Block, Code, Error, FecSession, Field, SessionError};
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::fd::AsRawFd;
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Output};

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
                Block::Memory(blocks[0].clone()),
                Block::file(&short, 51),
                Block::file(&f, 200),
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
    assert!(matches!(
        s.shuffle(&mut names, &mut dup),
        Err(SessionError::Code(Error::DuplicateIndex { .. }))
    ));
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

// --- Files changed under the session, overlaps, space, long blocks ---------------

/// Runs `scenario` in a child process (this test binary re-run on the one test
/// `name`, with `AFEC_CHILD=name`, behind the command `wrapper` if any), so that a
/// signal kills only the child; returns the child's output. In the child, runs the
/// scenario itself.
fn in_child(name: &str, wrapper: &[&str], scenario: impl FnOnce()) -> Option<Output> {
    if std::env::var("AFEC_CHILD").as_deref() == Ok(name) {
        scenario();
        return None;
    }
    let exe = std::env::current_exe().unwrap();
    let mut cmd = match wrapper {
        [] => Command::new(&exe),
        [w, rest @ ..] => {
            let mut c = Command::new(w);
            c.args(rest).arg(&exe);
            c
        }
    };
    let out = cmd
        .args([name, "--exact", "--test-threads=1", "--nocapture"])
        .env("AFEC_CHILD", name)
        .output()
        .unwrap();
    Some(out)
}

/// Asserts the child ran its one test to success: exited 0, not killed by a signal.
fn assert_child_passed(out: &Output) {
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        out.status.signal(),
        None,
        "the child died of a signal:\n{text}"
    );
    assert!(out.status.success(), "{text}");
    assert!(text.contains("1 passed"), "{text}");
}

fn path_of(f: &File) -> String {
    format!("/proc/self/fd/{}", std::os::fd::AsRawFd::as_raw_fd(f))
}

/// Shrinks the file to `len` bytes from another process.
fn truncate_elsewhere(f: &File, len: u64) {
    let path = std::fs::read_link(path_of(f)).unwrap();
    let ok = Command::new("truncate")
        .arg("-s")
        .arg(len.to_string())
        .arg(path)
        .status()
        .unwrap()
        .success();
    assert!(ok, "truncate failed");
}

fn named_file_with(blocks: &[Vec<u8>], dir: &tempfile::TempDir, name: &str) -> File {
    let path = dir.path().join(name);
    std::fs::write(&path, blocks.concat()).unwrap();
    OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .unwrap()
}

#[test]
fn file_shrunk_after_set_encode_blocks_fails_the_call() {
    let out = in_child(
        "file_shrunk_after_set_encode_blocks_fails_the_call",
        &[],
        || {
            let (k, n, bs) = (3, 5, 3 * 4096 + 100);
            let d = data(k, bs, 11);
            let want = encoded(k, n, &d, &[4])[0].clone();
            let dir = tempfile::tempdir().unwrap();
            // Shrunk by this process, through another descriptor.
            let f = named_file_with(&d, &dir, "same");
            let mut s = FecSession::new(k, n, bs).unwrap();
            let blocks = |f| (0..k).map(|j| Block::file(f, (j * bs) as u64)).collect();
            s.set_encode_blocks(blocks(&f)).unwrap();
            assert_eq!(s.encode(4).unwrap(), want);
            OpenOptions::new()
                .write(true)
                .open(path_of(&f))
                .unwrap()
                .set_len(bs as u64 + 17)
                .unwrap();
            let e = s.encode(4).unwrap_err();
            assert!(
                matches!(e, SessionError::FileChanged { position: 1 }),
                "{e:?}"
            );
            assert_eq!(
                e.to_string(),
                "block #1: the file changed while it was mapped (shrunk by someone), or a \
                 page of it could not be read or allocated; the call failed"
            );
            // The mapping stays unusable, even once the file is long again.
            f.set_len((k * bs) as u64).unwrap();
            assert!(matches!(
                s.encode_many(&[3, 0]),
                Err(SessionError::FileChanged { position: 1 })
            ));
            // Set again: fine (the bytes lost are zeros now).
            let mut w = &f;
            w.seek(SeekFrom::Start(0)).unwrap();
            w.write_all(&d.concat()).unwrap();
            s.set_encode_blocks(blocks(&f)).unwrap();
            assert_eq!(s.encode(4).unwrap(), want);

            // Shrunk by another process, to nothing.
            truncate_elsewhere(&f, 0);
            assert!(matches!(
                s.encode(3),
                Err(SessionError::FileChanged { position: 0 })
            ));
        },
    );
    if let Some(out) = out {
        assert_child_passed(&out);
    }
}

#[test]
fn file_shrunk_after_set_decode_blocks_fails_the_call() {
    let out = in_child(
        "file_shrunk_after_set_decode_blocks_fails_the_call",
        &[],
        || {
            let (k, n, bs) = (3, 6, 20000);
            let d = data(k, bs, 12);
            let idx = [4, 1, 5];
            let dir = tempfile::tempdir().unwrap();
            let f = named_file_with(&encoded(k, n, &d, &idx), &dir, "dec");
            let mut s = FecSession::new(k, n, bs).unwrap();
            let mut indices = idx.to_vec();
            s.set_decode_blocks(
                (0..k).map(|j| Block::file(&f, (j * bs) as u64)).collect(),
                &mut indices,
            )
            .unwrap();
            truncate_elsewhere(&f, bs as u64 + 5000);
            let e = s.decode().unwrap_err();
            assert!(
                matches!(e, SessionError::FileChanged { position: 1 }),
                "{e:?}"
            );
            // The same, shrunk by this process, with blocks in memory too.
            let f = named_file_with(&encoded(k, n, &d, &idx), &dir, "dec2");
            let mut indices = idx.to_vec();
            s.set_decode_blocks(
                vec![
                    Block::Memory(encoded(k, n, &d, &[4])[0].clone()),
                    Block::Memory(d[1].clone()),
                    Block::file(&f, 2 * bs as u64),
                ],
                &mut indices,
            )
            .unwrap();
            f.set_len(0).unwrap();
            assert!(matches!(
                s.decode(),
                Err(SessionError::FileChanged { position: 2 })
            ));
        },
    );
    if let Some(out) = out {
        assert_child_passed(&out);
    }
}

/// Reads a page of a mapping the library does not know, past the end of its shrunk
/// file: a SIGBUS that is not the library's.
fn fault_outside_the_library(dir: &tempfile::TempDir) {
    let g = named_file_with(&[vec![9; 8192]], dir, "theirs");
    // SAFETY: a test of exactly the fault this mapping will raise.
    let m = unsafe { memmap2::Mmap::map(&g).unwrap() };
    g.set_len(0).unwrap();
    let byte = std::hint::black_box(&m[..])[100];
    println!("read {byte} from a truncated mapping without a signal");
}

/// A SIGBUS outside the library's mappings is not absorbed: the process dies of it,
/// as it would without the library.
#[test]
fn other_mappings_still_fault() {
    let out = in_child("other_mappings_still_fault", &[], || {
        let dir = tempfile::tempdir().unwrap();
        let f = named_file_with(&[vec![7; 8192]], &dir, "ours");
        let mut s = FecSession::new(1, 2, 8192).unwrap();
        s.set_encode_blocks(vec![Block::file(&f, 0)]).unwrap(); // installs the handler
        fault_outside_the_library(&dir);
    });
    if let Some(out) = out {
        assert_eq!(
            out.status.signal(),
            Some(libc::SIGBUS),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}

#[test]
fn writable_regions_are_allocated_at_set_time() {
    use std::os::unix::fs::MetadataExt;
    let (k, n, bs) = (2, 4, 64 << 10);
    let f = tempfile::tempfile().unwrap();
    f.set_len(4 * bs as u64).unwrap(); // all holes: decode targets are zero blocks
    assert_eq!(f.metadata().unwrap().blocks(), 0, "not sparse here");
    let mut s = FecSession::new(k, n, bs).unwrap();
    let mut idx = [3, 1];
    s.set_decode_blocks(
        vec![Block::file(&f, 2 * bs as u64), Block::Memory(vec![0; bs])],
        &mut idx,
    )
    .unwrap();
    // Only the target region (check block 3, written by decode) is allocated.
    let allocated = f.metadata().unwrap().blocks() * 512;
    assert!(
        (bs as u64..2 * bs as u64).contains(&allocated),
        "{allocated}"
    );
    assert_eq!(f.metadata().unwrap().len(), 4 * bs as u64);
    s.decode().unwrap();
}

/// On a full file system, writing a sparse region through a mapping would raise
/// SIGBUS; the space is reserved when the region is set, so it is an error there.
/// Needs a small tmpfs: the child runs in its own user and mount namespaces
/// (`unshare`), where it may mount one. Set AFEC_NO_MOUNT_TESTS=1 to skip where
/// namespaces are not allowed.
#[test]
fn full_file_system_is_an_error_at_set_time() {
    if std::env::var_os("AFEC_NO_MOUNT_TESTS").is_some() {
        eprintln!("full_file_system_is_an_error_at_set_time: SKIPPED (AFEC_NO_MOUNT_TESTS)");
        return;
    }
    let out = in_child(
        "full_file_system_is_an_error_at_set_time",
        &["unshare", "--map-root-user", "--mount"],
        || {
            let dir = tempfile::tempdir().unwrap();
            let c = |s: &str| std::ffi::CString::new(s).unwrap();
            let target = c(dir.path().to_str().unwrap());
            // SAFETY: valid C strings; a mount in this process's own namespace.
            let rc = unsafe {
                libc::mount(
                    c("none").as_ptr(),
                    target.as_ptr(),
                    c("tmpfs").as_ptr(),
                    0,
                    c("size=512k").as_ptr().cast(),
                )
            };
            assert_eq!(rc, 0, "mount: {}", std::io::Error::last_os_error());
            let (k, n, bs) = (2, 4, 64 << 10);
            let f = named_file_with(&[], &dir, "sparse");
            f.set_len(4 * bs as u64).unwrap();
            // Fill the file system.
            let mut filler = File::create(dir.path().join("filler")).unwrap();
            let chunk = vec![1u8; 4096];
            while filler.write_all(&chunk).is_ok() {}
            let mut s = FecSession::new(k, n, bs).unwrap();
            let mut idx = [3, 1];
            let e = s
                .set_decode_blocks(
                    vec![Block::file(&f, 2 * bs as u64), Block::Memory(vec![0; bs])],
                    &mut idx,
                )
                .unwrap_err();
            assert!(
                matches!(
                    &e,
                    SessionError::Region {
                        position: 0,
                        source: RegionError::NoSpace(_)
                    }
                ),
                "{e:?}"
            );
            assert!(e.to_string().starts_with("block #0: no space"), "{e}");
            assert_eq!(idx, [3, 1]);
            let e = s
                .copy(&Block::Memory(vec![5; bs]), &mut Block::file(&f, bs as u64))
                .unwrap_err();
            assert!(
                matches!(
                    e,
                    SessionError::Region {
                        position: 1,
                        source: RegionError::NoSpace(_)
                    }
                ),
                "{e:?}"
            );
            // Space freed: the same calls work.
            drop(filler);
            std::fs::remove_file(dir.path().join("filler")).unwrap();
            s.copy(&Block::Memory(vec![5; bs]), &mut Block::file(&f, bs as u64))
                .unwrap();
            let mut f = f;
            assert_eq!(read_at(&mut f, bs as u64, bs), vec![5; bs]);
            // Space reserved, then taken away under the session (a hole punched in
            // the target, the file system filled): the write faults, and the
            // decode fails instead of the process dying.
            let mut idx = [3, 1];
            s.set_decode_blocks(
                vec![Block::file(&f, 2 * bs as u64), Block::Memory(vec![0; bs])],
                &mut idx,
            )
            .unwrap();
            let punch = libc::FALLOC_FL_PUNCH_HOLE | libc::FALLOC_FL_KEEP_SIZE;
            // SAFETY: a plain system call on an open descriptor.
            let rc = unsafe { libc::fallocate(f.as_raw_fd(), punch, 2 * bs as i64, bs as i64) };
            assert_eq!(rc, 0, "punch: {}", std::io::Error::last_os_error());
            let mut filler = File::create(dir.path().join("filler")).unwrap();
            while filler.write_all(&chunk).is_ok() {}
            let e = s.decode().unwrap_err();
            assert!(
                matches!(e, SessionError::FileChanged { position: 0 }),
                "{e:?}"
            );
            // SAFETY: a valid C string; unmounting what this child mounted.
            unsafe { libc::umount(target.as_ptr()) };
        },
    );
    if let Some(out) = out {
        assert_child_passed(&out);
    }
}

#[test]
fn overlapping_regions_refused_by_set_decode_blocks() {
    let (k, n, bs) = (3, 6, 6000);
    let d = data(k, bs, 13);
    let blocks = encoded(k, n, &d, &[4, 1, 5]);
    let mut f = file_with(&blocks, 0, bs as u64);
    let other = OpenOptions::new()
        .read(true)
        .write(true)
        .open(path_of(&f))
        .unwrap();
    let mut s = FecSession::new(k, n, bs).unwrap();
    // The same region twice: the second is a target.
    let mut idx = [4, 1, 5];
    let e = s
        .set_decode_blocks(
            vec![
                Block::file(&f, 0),
                Block::file(&f, bs as u64),
                Block::file(&other, 0),
            ],
            &mut idx,
        )
        .unwrap_err();
    assert!(
        matches!(
            e,
            SessionError::SameRegion {
                first: 0,
                second: 2
            }
        ),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        "blocks #0 and #2 are the same region of one file"
    );
    // The same region twice, both only read (data blocks 0 and 1).
    let mut idx = [0, 1, 5];
    let e = s
        .set_decode_blocks(
            vec![
                Block::file(&f, bs as u64),
                Block::file(&other, bs as u64),
                Block::file(&f, 2 * bs as u64),
            ],
            &mut idx,
        )
        .unwrap_err();
    assert!(matches!(
        e,
        SessionError::SameRegion {
            first: 0,
            second: 1
        }
    ));
    // A target overlapping a data block by one byte, through another descriptor.
    let mut idx = [4, 1, 5];
    let e = s
        .set_decode_blocks(
            vec![
                Block::file(&f, 1),
                Block::file(&other, bs as u64),
                Block::file(&f, 2 * bs as u64),
            ],
            &mut idx,
        )
        .unwrap_err();
    assert!(
        matches!(
            e,
            SessionError::Overlap {
                first: 0,
                second: 1
            }
        ),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        "blocks #0 and #1 overlap in one file, and one of them is written"
    );
    assert_eq!(idx, [4, 1, 5]);
    // Read-only data blocks may overlap: two of them hold equal bytes here.
    let mut g = file_with(&[vec![3; bs + 10]], 0, 0);
    let same = vec![vec![3; bs], vec![3; bs], vec![0; bs]];
    let mut chk = encoded(k, n, &same, &[5]).remove(0);
    g.seek(SeekFrom::Start(bs as u64 + 10)).unwrap();
    g.write_all(&chk).unwrap();
    let mut idx = [0, 1, 5];
    s.set_decode_blocks(
        vec![
            Block::file(&g, 0),
            Block::file(&g, 10),
            Block::file(&g, bs as u64 + 10),
        ],
        &mut idx,
    )
    .unwrap();
    s.decode().unwrap();
    chk.fill(0);
    assert_eq!(read_at(&mut g, bs as u64 + 10, bs), chk);
    // Nothing was written by the refused calls.
    for (j, b) in blocks.iter().enumerate() {
        assert_eq!(&read_at(&mut f, (j * bs) as u64, bs), b);
    }
}

#[test]
fn overlapping_copy_moves_like_memmove() {
    let bs = 6000;
    let img: Vec<u8> = (0..3 * bs).map(|i| (i * 7 + i / 251) as u8).collect();
    let mut s = FecSession::new(2, 3, bs).unwrap();
    for (src, dst) in [(0, bs / 3), (bs / 3, 0), (100, 100), (4097, 4096), (0, bs)] {
        let mut f = file_with(std::slice::from_ref(&img), 0, 0);
        let other = OpenOptions::new()
            .read(true)
            .write(true)
            .open(path_of(&f))
            .unwrap();
        // Through two descriptors of one file: still one file.
        s.copy(
            &Block::file(&other, src as u64),
            &mut Block::file(&f, dst as u64),
        )
        .unwrap();
        let mut want = img.clone();
        want.copy_within(src..src + bs, dst);
        assert!(
            read_at(&mut f, 0, 3 * bs) == want,
            "copy {src} -> {dst} is not memmove"
        );
    }
    // The source's own checks still apply.
    let f = file_with(std::slice::from_ref(&img), 0, 0);
    let e = s
        .copy(
            &Block::file(&f, 2 * bs as u64 + 1),
            &mut Block::file(&f, bs as u64),
        )
        .unwrap_err();
    assert!(matches!(
        e,
        SessionError::Region {
            position: 0,
            source: RegionError::TooShort { .. }
        }
    ));
}

/// A SIGBUS handler installed before the library's first mapping still gets the
/// faults that are not the library's.
#[test]
fn faults_elsewhere_go_to_the_previous_handler() {
    extern "C" fn theirs(_: libc::c_int) {
        // SAFETY: _exit is async-signal-safe.
        unsafe { libc::_exit(42) }
    }
    let out = in_child("faults_elsewhere_go_to_the_previous_handler", &[], || {
        // SAFETY: a zeroed sigaction with a plain handler is valid.
        unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = theirs as *const () as usize;
            assert_eq!(libc::sigaction(libc::SIGBUS, &sa, std::ptr::null_mut()), 0);
        }
        let dir = tempfile::tempdir().unwrap();
        let f = named_file_with(&[vec![7; 8192]], &dir, "ours");
        let mut s = FecSession::new(1, 2, 8192).unwrap();
        // Installs the library's handler, which chains to theirs.
        s.set_encode_blocks(vec![Block::file(&f, 0)]).unwrap();
        // A fault in the library's mapping is not theirs.
        f.set_len(0).unwrap();
        assert!(matches!(
            s.encode(1),
            Err(SessionError::FileChanged { position: 0 })
        ));
        fault_outside_the_library(&dir);
    });
    if let Some(out) = out {
        assert_eq!(
            out.status.code(),
            Some(42),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}

/// A SIGBUS sent (not a fault) to a process that ignored SIGBUS before the
/// library's first mapping stays ignored.
#[test]
fn sent_sigbus_ignored_as_before() {
    let out = in_child("sent_sigbus_ignored_as_before", &[], || {
        // SAFETY: setting a standard disposition; raising a signal to ourselves.
        unsafe { libc::signal(libc::SIGBUS, libc::SIG_IGN) };
        let dir = tempfile::tempdir().unwrap();
        let f = named_file_with(&[vec![7; 4096]], &dir, "ours");
        let mut s = FecSession::new(1, 2, 4096).unwrap();
        s.set_encode_blocks(vec![Block::file(&f, 0)]).unwrap();
        // SAFETY: as above.
        assert_eq!(unsafe { libc::raise(libc::SIGBUS) }, 0);
        assert_eq!(s.encode(1).unwrap(), vec![7; 4096]);
    });
    if let Some(out) = out {
        assert_child_passed(&out);
    }
}

/// Blocks above the 4 MiB step of file blocks: every byte after the first step is
/// checked, for encode and decode.
#[test]
fn file_blocks_longer_than_one_step() {
    let (k, n, bs) = (2, 4, (5 << 20) + 4098);
    let d = data(k, bs, 14);
    let want = encoded(k, n, &d, &[2, 3]);
    let f = file_with(&d, 0, bs as u64);
    let mut s = FecSession::new(k, n, bs).unwrap();
    s.set_encode_blocks(vec![Block::file(&f, 0), Block::file(&f, bs as u64)])
        .unwrap();
    assert!(s.encode_many(&[2, 3]).unwrap() == want, "encode from files");
    let mut g = file_with(&[want[1].clone(), want[0].clone()], 0, bs as u64);
    let mut idx = [3, 2];
    s.set_decode_blocks(
        vec![Block::file(&g, 0), Block::file(&g, bs as u64)],
        &mut idx,
    )
    .unwrap();
    s.decode().unwrap();
    assert!(
        read_at(&mut g, 0, bs) == d[0],
        "data block 0 decoded in the file"
    );
    assert!(
        read_at(&mut g, bs as u64, bs) == d[1],
        "data block 1 decoded in the file"
    );
}

// --- Shrinks too small to fault, and absurd sizes ---------------------------------

fn page_size() -> u64 {
    // SAFETY: sysconf has no preconditions.
    u64::try_from(unsafe { libc::sysconf(libc::_SC_PAGESIZE) }).unwrap()
}

/// Shrinks that stay inside the file's last page: the bytes past the new end read
/// as zeros and raise no SIGBUS, so only asking the file its length finds them.
/// The files below end on a page boundary (`bs` is 64 KiB, a multiple of any page).
fn small_shrinks() -> [u64; 3] {
    [1, 100, page_size() - 1]
}

const SMALL_BS: usize = 64 << 10;

#[test]
fn encode_fails_on_a_file_shrunk_inside_its_last_page() {
    let (k, n, bs) = (3, 5, SMALL_BS);
    let d = data(k, bs, 21);
    for cut in small_shrinks() {
        let f = file_with(&d, 0, bs as u64);
        let mut s = FecSession::new(k, n, bs).unwrap();
        s.set_encode_blocks((0..k).map(|j| Block::file(&f, (j * bs) as u64)).collect())
            .unwrap();
        f.set_len((k * bs) as u64 - cut).unwrap();
        for e in [
            s.encode(4).unwrap_err(),
            s.encode_many(&[0, 3]).unwrap_err(),
        ] {
            assert!(
                matches!(e, SessionError::FileChanged { position: 2 }),
                "shrunk by {cut}: {e:?}"
            );
        }
        // The blocks before the shrunk one still lie in the file; the call still fails.
        assert!(s.encode(0).is_err(), "shrunk by {cut}");
        // Long enough again (the lost bytes are zeros now): the call works again.
        f.set_len((k * bs) as u64).unwrap();
        let mut want = d.clone();
        want[2][bs - cut as usize..].fill(0);
        assert_eq!(s.encode(4).unwrap(), encoded(k, n, &want, &[4])[0]);
    }
}

#[test]
fn decode_fails_on_a_file_shrunk_inside_its_last_page() {
    let (k, n, bs) = (3, 6, SMALL_BS);
    let d = data(k, bs, 22);
    // The last region is written (check 5 → data 2), or only read (data 2).
    for idx in [[4, 1, 5], [4, 5, 2]] {
        for cut in small_shrinks() {
            let f = file_with(&encoded(k, n, &d, &idx), 0, bs as u64);
            let mut s = FecSession::new(k, n, bs).unwrap();
            let mut indices = idx.to_vec();
            s.set_decode_blocks(
                (0..k).map(|j| Block::file(&f, (j * bs) as u64)).collect(),
                &mut indices,
            )
            .unwrap();
            f.set_len((k * bs) as u64 - cut).unwrap();
            let e = s.decode().unwrap_err();
            assert!(
                matches!(e, SessionError::FileChanged { position: 2 }),
                "{idx:?} shrunk by {cut}: {e:?}"
            );
        }
    }
}

#[test]
fn copy_from_or_to_a_file_shrunk_before_the_call_is_refused() {
    let bs = SMALL_BS;
    let d = data(1, bs, 23);
    for cut in small_shrinks() {
        let f = file_with(&d, 0, bs as u64);
        f.set_len(bs as u64 - cut).unwrap();
        let mut s = FecSession::new(1, 2, bs).unwrap();
        let mut out = Block::Memory(vec![0; bs]);
        let e = s.copy(&Block::file(&f, 0), &mut out).unwrap_err();
        assert!(
            matches!(e, SessionError::Region { position: 0, .. }),
            "{e:?}"
        );
        let e = s
            .copy(&Block::Memory(d[0].clone()), &mut Block::file(&f, 0))
            .unwrap_err();
        assert!(
            matches!(e, SessionError::Region { position: 1, .. }),
            "{e:?}"
        );
    }
}

/// Block sizes no memory can hold: the state and the indices are checked before
/// anything is allocated, so a call without blocks is the state error.
#[test]
fn absurd_block_sizes_are_errors_before_any_allocation() {
    for bs in [1 << 40, 1 << 62, (1 << 63) - 1] {
        let mut s = FecSession::new(2, 3, bs).unwrap();
        assert!(matches!(s.encode(2), Err(SessionError::NoEncodeBlocks)));
        assert!(matches!(
            s.encode_many(&[0, 2]),
            Err(SessionError::NoEncodeBlocks)
        ));
        s.set_encode_blocks(vec![]).unwrap();
        assert!(matches!(s.encode(1), Err(SessionError::NoEncodeBlocks)));
        assert!(matches!(s.decode(), Err(SessionError::NoDecodeBlocks)));
    }
}

/// Blocks of 2^40 bytes set as regions of a sparse file: the output cannot be
/// allocated, and that is an error (never an abort). Runs in a child whose address
/// space is limited to the mappings and a margin, so the allocation fails whatever
/// the system's overcommit policy.
#[test]
fn output_that_cannot_be_allocated_is_an_error() {
    let name = "output_that_cannot_be_allocated_is_an_error";
    let bs: usize = 1 << 40;
    let out = in_child(name, &[], || {
        let f = tempfile::tempfile().unwrap();
        f.set_len(2 * bs as u64).unwrap();
        let limit = libc::rlimit {
            rlim_cur: (2 * bs + (64 << 30)) as libc::rlim_t,
            rlim_max: libc::RLIM_INFINITY,
        };
        // SAFETY: a valid rlimit for this child process.
        assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_AS, &limit) }, 0);
        let mut s = FecSession::new(2, 3, bs).unwrap();
        s.set_encode_blocks(vec![Block::file(&f, 0), Block::file(&f, bs as u64)])
            .unwrap();
        let e = s.encode(2).unwrap_err();
        assert!(
            matches!(e, SessionError::OutOfMemory { count: 1, size } if size == bs),
            "{e:?}"
        );
        assert_eq!(
            e.to_string(),
            "out of memory: cannot allocate 1 block(s) of 1099511627776 bytes"
        );
        assert!(matches!(
            s.encode_many(&[0, 1, 2]),
            Err(SessionError::OutOfMemory { count: 3, .. })
        ));
        // Indices are checked first.
        assert!(matches!(
            s.encode_many(&[0, 3]),
            Err(SessionError::EncodeIndex { index: 3, n: 3 })
        ));
    });
    if let Some(out) = out {
        assert_child_passed(&out);
    }
}

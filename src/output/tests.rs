use std::fs;
use std::io::Write;
use std::path::Path;

use super::journal::{self, Entry, Journal};
use super::pending::pending;
use super::*;
#[cfg(unix)]
use std::ffi::CString;
#[cfg(unix)]
use std::fs::File;
#[cfg(unix)]
use std::io::Read;
#[cfg(unix)]
use std::os::unix::ffi::OsStrExt;

fn set(dir: &Path, contents: &[&[u8]]) -> Vec<PathBuf> {
    contents
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let p = dir.join(format!("s{i}"));
            fs::write(&p, c).unwrap();
            p
        })
        .collect()
}

fn listing(dir: &Path) -> Vec<String> {
    let mut left: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    left
}

const FORCE: Options = Options {
    overwrite: true,
    fsync: true,
};

/// A reader given share names finds the journal of each set they may belong to
/// (a prefix may itself hold `.NN_MM`), recovers it once, and ignores other names.
#[test]
fn readers_recover_the_sets_their_share_names_belong_to() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    for prefix in ["a.1_2.b", "c"] {
        let temp = dir.join(format!(".{prefix}.0_2.fec.R.tmp"));
        fs::write(&temp, b"half written").unwrap();
        let entry = Entry {
            live: dir.join(format!("{prefix}.0_2.fec")),
            shown: dir.join(format!("{prefix}.0_2.fec")),
            backup: None,
            temp,
        };
        let lock = share_set_lock(dir, prefix.as_ref());
        Journal::create(&journal::path_for(&lock), &[entry], true).unwrap();
    }
    let names = [
        dir.join("a.1_2.b.0_2.fec"),
        dir.join("a.1_2.b.1_2.fec"),
        dir.join("c.1_2.fec"),
        dir.join("unrelated.fec"),
    ];
    let got = recover_share_sets(&names, &FORCE).unwrap();
    assert_eq!(
        got,
        [
            (dir.join("a.1_2.b"), Recovered::Abandoned),
            (dir.join("c"), Recovered::Abandoned)
        ]
    );
    assert_eq!(listing(dir), Vec::<String>::new());
    assert!(recover_share_sets(&names, &FORCE).unwrap().is_empty());
}

fn write_all(out: &ShareSetOutput) {
    for (i, mut w) in out.writers().into_iter().enumerate() {
        write!(w, "new{i}").unwrap();
    }
}

/// A rename failing half-way through the swap (here: the third new share's
/// temporary vanished) leaves the old set exactly as it was, and nothing else.
/// Unix only: on Windows a temporary that is still open is only marked for
/// deletion, so removing it does not make its rename fail.
#[test]
#[cfg(unix)]
fn failed_swap_restores_the_old_set() {
    let d = tempfile::tempdir().unwrap();
    let names = set(d.path(), &[b"old0", b"old1", b"old2", b"old3"]);
    let out = ShareSetOutput::create(&names, Some(d.path().join(".s.lock")), &FORCE).unwrap();
    write_all(&out);
    fs::remove_file(out.temps[2].path()).unwrap();
    let e = out.commit().expect_err("the swap must fail");
    match &e {
        OutputError::Create { path, source } => {
            assert_eq!(path, &names[2]);
            assert_eq!(source.kind(), io::ErrorKind::NotFound);
        }
        e => panic!("wrong error: {e:?}"),
    }
    assert!(e.to_string().starts_with("cannot create "), "{e}");
    for (i, n) in names.iter().enumerate() {
        assert_eq!(fs::read(n).unwrap(), format!("old{i}").as_bytes());
    }
    assert_eq!(listing(d.path()), ["s0", "s1", "s2", "s3"]);
    let p = pending();
    let ours = |f: &PathBuf| f.starts_with(d.path());
    assert!(!p.temps.iter().chain(&p.locks).any(ours));
}

#[test]
fn swap_replaces_and_creates() {
    let d = tempfile::tempdir().unwrap();
    let mut names = set(d.path(), &[b"old0", b"old1"]);
    names.push(d.path().join("s2"));
    let out = ShareSetOutput::create(&names, Some(d.path().join(".s.lock")), &FORCE).unwrap();
    write_all(&out);
    out.commit().unwrap();
    for (i, n) in names.iter().enumerate() {
        assert_eq!(fs::read(n).unwrap(), format!("new{i}").as_bytes());
    }
    assert_eq!(listing(d.path()), ["s0", "s1", "s2"]);
}

/// A directory where a share goes is refused before anything is written, even
/// with overwrite; the other old shares stay.
#[test]
fn share_set_refuses_a_directory() {
    let d = tempfile::tempdir().unwrap();
    let mut names = set(d.path(), &[b"old0", b"old1"]);
    let dir = d.path().join("s2");
    fs::create_dir(&dir).unwrap();
    names.push(dir.clone());
    let e = ShareSetOutput::create(&names, None, &FORCE)
        .err()
        .expect("a directory must be refused");
    assert!(
        matches!(&e, OutputError::NotRegular { path, kind: "a directory" } if *path == dir),
        "{e:?}"
    );
    assert_eq!(fs::read(&names[0]).unwrap(), b"old0");
    assert_eq!(listing(d.path()), ["s0", "s1", "s2"]);
}

#[test]
fn share_set_without_overwrite_counts_the_existing() {
    let d = tempfile::tempdir().unwrap();
    let mut names = set(d.path(), &[b"old0", b"old1"]);
    names.insert(0, d.path().join("new"));
    let e = ShareSetOutput::create(&names, None, &Options::default())
        .err()
        .expect("existing shares without overwrite");
    assert_eq!(
        e.to_string(),
        format!("{} exists (and 1 more share files)", names[1].display())
    );
    assert_eq!(listing(d.path()), ["s0", "s1"]);
}

#[test]
fn write_output_refuses_a_directory_and_existing_files() {
    let d = tempfile::tempdir().unwrap();
    let never = |_: &mut dyn Write| -> Result<(), OutputError> { panic!("work ran") };
    let e = write_output(d.path(), &FORCE, never).unwrap_err();
    assert!(
        matches!(
            e,
            OutputError::NotRegular {
                kind: "a directory",
                ..
            }
        ),
        "{e:?}"
    );
    let f = d.path().join("f");
    fs::write(&f, b"old").unwrap();
    let e = write_output(&f, &Options::default(), never).unwrap_err();
    assert!(
        matches!(&e, OutputError::Exists { path, more: 0 } if *path == f),
        "{e:?}"
    );
    assert_eq!(fs::read(&f).unwrap(), b"old");
}

/// A failing `work` leaves neither the target nor a temporary.
#[test]
fn write_output_failure_leaves_nothing() {
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("f");
    let e = write_output(&f, &FORCE, |w| {
        w.write_all(b"partial").unwrap();
        Err::<(), _>(OutputError::Appeared { path: f.clone() })
    })
    .unwrap_err();
    assert!(matches!(e, OutputError::Appeared { .. }));
    assert!(listing(d.path()).is_empty());
}

/// FIFOs and devices other than /dev/null (through links too) are live streams.
#[test]
#[cfg(unix)]
fn live_streams() {
    let d = tempfile::tempdir().unwrap();
    let fifo = d.path().join("pipe");
    let c = CString::new(fifo.as_os_str().as_bytes()).unwrap();
    // SAFETY: `c` is a valid NUL-terminated path that outlives the call.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    std::os::unix::fs::symlink("pipe", d.path().join("link")).unwrap();
    fs::write(d.path().join("file"), b"x").unwrap();
    assert!(is_live_stream(&fifo) && is_live_stream(&d.path().join("link")));
    assert!(is_live_stream(Path::new("/dev/zero")));
    for p in ["file", "missing", "."] {
        assert!(!is_live_stream(&d.path().join(p)), "{p}");
    }
    assert!(!is_live_stream(Path::new("/dev/null")));
}

/// A FIFO is written into, not replaced.
#[test]
#[cfg(unix)]
fn write_output_writes_into_a_fifo() {
    let d = tempfile::tempdir().unwrap();
    let fifo = d.path().join("pipe");
    let c = CString::new(fifo.as_os_str().as_bytes()).unwrap();
    // SAFETY: `c` is a valid NUL-terminated path that outlives the call.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            let mut got = Vec::new();
            File::open(fifo).unwrap().read_to_end(&mut got).unwrap();
            got
        })
    };
    write_output(&fifo, &Options::default(), |w| {
        w.write_all(b"through the pipe")
            .map_err(|source| OutputError::Write {
                name: "pipe".into(),
                source,
            })
    })
    .unwrap();
    assert_eq!(reader.join().unwrap(), b"through the pipe");
    use std::os::unix::fs::FileTypeExt;
    assert!(fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
    assert_eq!(listing(d.path()), ["pipe"]);
}

/// A write error is blamed on the output even when `work` reports another error.
#[test]
#[cfg(target_os = "linux")] // /dev/full
fn write_errors_name_the_output() {
    let e = write_output(Path::new("/dev/full"), &Options::default(), |w| {
        w.write_all(&[0; 1 << 20])
            .map_err(|_| OutputError::Appeared { path: "x".into() })
    })
    .unwrap_err();
    match e {
        OutputError::Write { name, source } => {
            assert_eq!(name, "/dev/full");
            assert_eq!(source.raw_os_error(), Some(libc::ENOSPC));
        }
        e => panic!("wrong error: {e:?}"),
    }
}

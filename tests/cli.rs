//! The `fec` binary end to end: zfec compatibility, pipes, and every error's exit
//! code, message, and that no output or temporary file is left behind.
#![cfg(feature = "cli")]

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use algorithm_fec::{rs, zfec};

mod cli_common;
use cli_common::*;

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/zfec")
}

/// The MANIFEST's input generator.
fn gen(size: usize) -> Vec<u8> {
    (0..size as u64)
        .map(|i| (((i + 1) * 2654435761) >> 13) as u8)
        .collect()
}

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

/// Encodes `input` (written as `name` in a fresh dir) with k, m; returns the dir.
fn encoded(name: &str, input: &[u8], k: usize, m: usize) -> tempfile::TempDir {
    let d = tmp();
    fs::write(d.path().join(name), input).unwrap();
    let o = run(
        d.path(),
        &["encode", "-k", &k.to_string(), "-m", &m.to_string(), name],
        None,
    );
    assert_ok(&o);
    assert!(o.stdout.is_empty() && o.stderr.is_empty());
    d
}

fn share(name: &str, i: usize, m: usize) -> String {
    zfec::share_file_name(name, i, m, ".fec")
}

#[test]
fn encode_is_byte_identical_to_zfec() {
    for (case, input, k, m) in [
        ("in0_k3_m10", "in0.bin", 3, 10),
        ("in1_k3_m10", "in1.bin", 3, 10),
        ("in12345_k3_m10", "in12345.bin", 3, 10),
        ("in12345_k4_m10", "in12345.bin", 4, 10),
        ("in12345_k1_m3", "in12345.bin", 1, 3),
    ] {
        let src = data_dir().join(case);
        let out = tmp();
        let o = run(
            out.path(),
            &[
                "encode",
                "-k",
                &k.to_string(),
                "-m",
                &m.to_string(),
                "-d",
                "shares",
                src.join(input).to_str().unwrap(),
            ],
            None,
        )
        .status;
        // -d must exist: that is an error (1) first.
        assert_eq!(o.code(), Some(1));
        fs::create_dir(out.path().join("shares")).unwrap();
        let o = run(
            out.path(),
            &[
                "encode",
                "--requiredshares",
                &k.to_string(),
                "--totalshares",
                &m.to_string(),
                "--output-dir",
                "shares",
                src.join(input).to_str().unwrap(),
            ],
            None,
        );
        assert_ok(&o);
        let made = listing(&out.path().join("shares"));
        assert_eq!(made.len(), m);
        for i in 0..m {
            let n = share(input, i, m);
            assert_eq!(
                fs::read(out.path().join("shares").join(&n)).unwrap(),
                fs::read(src.join(&n)).unwrap(),
                "{case} {n}"
            );
        }
    }
}

#[test]
fn decode_real_zfec_shares_to_stdout_and_file() {
    let src = data_dir().join("in12345_k4_m10");
    let want = fs::read(src.join("in12345.bin")).unwrap();
    let shares: Vec<String> = [9, 2, 6, 7]
        .iter()
        .map(|&i| src.join(share("in12345.bin", i, 10)).display().to_string())
        .collect();
    let d = tmp();
    let mut args = vec!["decode", "-o", "-"];
    args.extend(shares.iter().map(String::as_str));
    let o = run(d.path(), &args, None);
    assert_ok(&o);
    assert!(o.stdout == want);
    // -v talks on stderr only, stdout stays the data.
    args.push("-v");
    let o = run(d.path(), &args, None);
    assert_ok(&o);
    assert!(o.stdout == want);
    assert!(stderr(&o).contains("k=4, m=10, padlen=3"), "{}", stderr(&o));
    args[2] = "out.bin";
    args.pop();
    let o = run(d.path(), &args, None);
    assert_ok(&o);
    assert!(fs::read(d.path().join("out.bin")).unwrap() == want);
    assert_eq!(listing(d.path()), ["out.bin"]);
}

#[test]
fn encode_from_pipe_equals_encode_from_file() {
    // Several segments plus a short one, padlen != 0.
    let input = gen(3 * 5 * 4096 * 70 + 12_347);
    let d = encoded("data", &input, 5, 9);
    let p = tmp();
    let o = run(
        p.path(),
        &["encode", "-k", "5", "-m", "9", "-p", "data", "-"],
        Some(&input),
    );
    assert_ok(&o);
    for i in 0..9 {
        let n = share("data", i, 9);
        assert!(
            fs::read(d.path().join(&n)).unwrap() == fs::read(p.path().join(&n)).unwrap(),
            "{n}"
        );
    }
    // Without -p the prefix is "stdin".
    let s = tmp();
    let o = run(s.path(), &["encode", "-"], Some(b"hello"));
    assert_ok(&o);
    assert_eq!(
        listing(s.path()),
        (0..8).map(|i| share("stdin", i, 8)).collect::<Vec<_>>()
    );
    let o = run(
        s.path(),
        &[
            "decode",
            "-o",
            "-",
            "stdin.7_8.fec",
            "stdin.3_8.fec",
            "stdin.5_8.fec",
        ],
        None,
    );
    assert_ok(&o);
    assert_eq!(o.stdout, b"hello");
}

#[test]
fn round_trip_any_k_including_silly_parameters() {
    for (k, m, size) in [
        (1, 1, 1000),
        (1, 4, 5000),
        (4, 4, 100_000),
        (2, 3, 0),
        (7, 256, 99_999),
    ] {
        let input = gen(size);
        let d = encoded("f", &input, k, m);
        // The last k shares (parity where there is any), given in reverse.
        let shares: Vec<String> = (m - k..m).rev().map(|i| share("f", i, m)).collect();
        let mut args = vec!["decode", "-o", "out"];
        args.extend(shares.iter().map(String::as_str));
        let o = run(d.path(), &args, None);
        assert_ok(&o);
        assert!(
            fs::read(d.path().join("out")).unwrap() == input,
            "k={k} m={m}"
        );
        let mut args = vec!["verify"];
        let all: Vec<String> = (0..m).map(|i| share("f", i, m)).collect();
        args.extend(all.iter().map(String::as_str));
        let o = run(d.path(), &args, None);
        assert_ok(&o);
        assert!(String::from_utf8_lossy(&o.stdout).starts_with("OK: "));
    }
}

#[test]
fn fewer_than_k_shares() {
    let d = encoded("f", &gen(50_000), 3, 5);
    let o = run(
        d.path(),
        &["decode", "-o", "out", "f.0_5.fec", "f.4_5.fec"],
        None,
    );
    assert_fails(&o, 5, "need at least 3 shares to rebuild the file, got 2");
    assert!(!d.path().join("out").exists());
    assert_no_temp(d.path());
    let o = run(d.path(), &["verify", "f.1_5.fec"], None);
    assert_fails(&o, 5, "need at least 3 shares");
}

/// Shares that disagree on m, k, padlen or length: with a majority agreeing, the odd
/// one out is named as corrupt (7); without one, they are of different files (6).
#[test]
fn shares_of_different_files() {
    let d = encoded("a", &gen(50_000), 3, 5);
    let decode = |shares: &[&str]| {
        let mut args = vec!["decode", "-o", "out"];
        args.extend(shares);
        run(d.path(), &args, None)
    };
    // Same parameters, different size (and padlen).
    fs::write(d.path().join("b"), gen(50_001)).unwrap();
    assert_ok(&run(d.path(), &["encode", "-k", "3", "-m", "5", "b"], None));
    assert_fails(
        &decode(&["a.0_5.fec", "b.2_5.fec"]),
        6,
        "b.2_5.fec and a.0_5.fec are not shares of the same file: b.2_5.fec says padlen=0, a.0_5.fec says padlen=1",
    );
    assert_fails(
        &decode(&["a.0_5.fec", "a.1_5.fec", "b.2_5.fec"]),
        7,
        "b.2_5.fec says padlen=0, but 2 other shares say padlen=1: b.2_5.fec has a corrupt header (or is a share of another file)",
    );
    // Same padlen, different size.
    fs::write(d.path().join("c"), gen(50_003)).unwrap();
    assert_ok(&run(d.path(), &["encode", "-k", "3", "-m", "5", "c"], None));
    assert_fails(
        &decode(&["a.0_5.fec", "c.1_5.fec", "c.2_5.fec", "a.2_5.fec"]),
        6,
        "c.1_5.fec holds 16668 data bytes but a.0_5.fec holds 16667",
    );
    assert_fails(
        &decode(&["a.0_5.fec", "c.1_5.fec", "a.2_5.fec"]),
        7,
        "c.1_5.fec holds 16668 data bytes, but 2 other shares hold 16667: c.1_5.fec is longer than it should be",
    );
    // Different m.
    assert_ok(&run(d.path(), &["encode", "-k", "3", "-m", "6", "a"], None));
    let o = run(
        d.path(),
        &["verify", "a.0_5.fec", "a.1_6.fec", "a.2_5.fec"],
        None,
    );
    assert_fails(&o, 7, "a.1_6.fec says m=6, but 2 other shares say m=5");
    let o = run(
        d.path(),
        &["verify", "a.0_5.fec", "a.1_6.fec", "a.2_5.fec", "a.3_6.fec"],
        None,
    );
    assert_fails(
        &o,
        6,
        "a.1_6.fec and a.0_5.fec are not shares of the same file: a.1_6.fec says m=6",
    );
    // Different k.
    assert_ok(&run(
        d.path(),
        &["encode", "-k", "2", "-m", "5", "-p", "a2", "a"],
        None,
    ));
    assert_fails(
        &decode(&["a.0_5.fec", "a2.1_5.fec"]),
        6,
        "a2.1_5.fec says k=2, a.0_5.fec says k=3",
    );
    assert_fails(
        &decode(&["a.0_5.fec", "a2.1_5.fec", "a.2_5.fec"]),
        7,
        "a2.1_5.fec says k=2, but 2 other shares say k=3",
    );
    assert!(!d.path().join("out").exists());
    assert_no_temp(d.path());
}

#[test]
fn truncated_and_corrupt_shares() {
    let d = encoded("f", &gen(50_000), 3, 5);
    // Shorter than its header.
    fs::write(
        d.path().join("cut"),
        &fs::read(d.path().join("f.3_5.fec")).unwrap()[..1],
    )
    .unwrap();
    let o = run(
        d.path(),
        &["decode", "-o", "out", "f.0_5.fec", "f.1_5.fec", "cut"],
        None,
    );
    assert_fails(
        &o,
        7,
        "cut: too short to hold a zfec header: needs 2 bytes, has 1",
    );
    fs::write(d.path().join("empty"), b"").unwrap();
    let o = run(
        d.path(),
        &["decode", "-o", "out", "empty", "f.0_5.fec", "f.1_5.fec"],
        None,
    );
    assert_fails(&o, 7, "empty: too short to hold a zfec header");
    // A header only, but it claims padding: no room for it.
    let mut h = fs::read(d.path().join("f.3_5.fec")).unwrap();
    h.truncate(2);
    fs::write(d.path().join("hdr"), &h).unwrap();
    let o = run(d.path(), &["decode", "-o", "out", "hdr"], None);
    assert_fails(
        &o,
        7,
        "hdr: the header says padlen=1, but the share holds no data",
    );
    // k > m in the header: m=5 gives 3 bits for k-1; 7 means k=8.
    fs::write(d.path().join("bad_k"), [0x04, 0b1110_0000, 0]).unwrap();
    let o = run(
        d.path(),
        &["decode", "-o", "out", "bad_k", "f.0_5.fec", "f.1_5.fec"],
        None,
    );
    assert_fails(
        &o,
        7,
        "bad_k: not a share file: it has no valid zfec header (k=8 is not in 1..=m (m=5))",
    );
    // Some other file given as a share: its first bytes read as padlen >= k.
    fs::write(d.path().join("notes.txt"), b"README for the backups\n").unwrap();
    let o = run(
        d.path(),
        &["decode", "-o", "out", "f.0_5.fec", "f.1_5.fec", "notes.txt"],
        None,
    );
    assert_fails(
        &o,
        7,
        "notes.txt: not a share file: it has no valid zfec header (padlen=",
    );
    // Truncated data: the two others agree on the length.
    let mut t = fs::read(d.path().join("f.4_5.fec")).unwrap();
    t.truncate(t.len() - 10);
    fs::write(d.path().join("short"), &t).unwrap();
    let o = run(
        d.path(),
        &["decode", "-o", "out", "f.0_5.fec", "f.1_5.fec", "short"],
        None,
    );
    assert_fails(
        &o,
        7,
        "short holds 16657 data bytes, but 2 other shares hold 16667: short is truncated",
    );
    // With only two shares, which one is cut cannot be told.
    let o = run(
        d.path(),
        &["decode", "-o", "out", "f.0_5.fec", "short"],
        None,
    );
    assert_fails(&o, 6, "one of them is truncated");
    // A corrupted header byte: k-1 (3 bits after m) 2 -> 3.
    let mut h = fs::read(d.path().join("f.2_5.fec")).unwrap();
    h[1] ^= 0b0010_0000;
    fs::write(d.path().join("hdr_k"), &h).unwrap();
    let o = run(
        d.path(),
        &["decode", "-o", "out", "f.0_5.fec", "hdr_k", "f.1_5.fec"],
        None,
    );
    assert_fails(&o, 7, "hdr_k says k=4, but 2 other shares say k=3");
    assert!(!d.path().join("out").exists());
    assert_no_temp(d.path());
}

#[test]
fn share_number_not_below_m() {
    let d = encoded("f", &gen(30_000), 3, 5);
    // m=5 (3 bits), k=3 (010), padlen (2 bits) 0, sharenum 3 bits = 6.
    let mut s = fs::read(d.path().join("f.0_5.fec")).unwrap();
    assert_eq!(&s[..2], &[0x04, 0x40]);
    s[1] = 0x40 | 6;
    fs::write(d.path().join("six"), &s).unwrap();
    let o = run(
        d.path(),
        &["decode", "-o", "out", "six", "f.0_5.fec", "f.1_5.fec"],
        None,
    );
    assert_fails(&o, 9, "six: share number 6 is not below m=5");
    assert!(!d.path().join("out").exists());
}

#[test]
fn duplicate_shares() {
    let d = encoded("f", &gen(30_000), 3, 5);
    fs::copy(d.path().join("f.1_5.fec"), d.path().join("copy")).unwrap();
    let o = run(
        d.path(),
        &["decode", "-o", "out", "f.1_5.fec", "f.4_5.fec", "copy"],
        None,
    );
    assert_fails(&o, 8, "copy and f.1_5.fec are both share number 1");
    let o = run(
        d.path(),
        &["decode", "-o", "out", "f.1_5.fec", "f.4_5.fec", "f.1_5.fec"],
        None,
    );
    assert_fails(&o, 8, "f.1_5.fec and f.1_5.fec are the same file");
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink("f.4_5.fec", d.path().join("link")).unwrap();
        let o = run(
            d.path(),
            &["verify", "f.1_5.fec", "f.4_5.fec", "./link", "f.0_5.fec"],
            None,
        );
        assert_fails(&o, 8, "./link and f.4_5.fec are the same file");
    }
    assert!(!d.path().join("out").exists());
    assert_no_temp(d.path());
}

#[test]
fn existing_output_needs_force() {
    let input = gen(20_000);
    let d = encoded("f", &input, 2, 4);
    // Encode again: every share exists.
    let o = run(d.path(), &["encode", "-k", "2", "-m", "4", "f"], None);
    assert_fails(
        &o,
        4,
        "f.0_4.fec exists (and 3 more share files): give -f to overwrite",
    );
    // Only one exists: nothing may be written.
    let e = tmp();
    fs::write(e.path().join("f"), &input).unwrap();
    fs::write(e.path().join("f.2_4.fec"), b"mine").unwrap();
    let o = run(e.path(), &["encode", "-k", "2", "-m", "4", "f"], None);
    assert_fails(&o, 4, "f.2_4.fec exists: give -f");
    assert_eq!(listing(e.path()), ["f", "f.2_4.fec"]);
    assert_eq!(fs::read(e.path().join("f.2_4.fec")).unwrap(), b"mine");
    let o = run(e.path(), &["encode", "-f", "-k", "2", "-m", "4", "f"], None);
    assert_ok(&o);
    assert_eq!(
        fs::read(e.path().join("f.2_4.fec")).unwrap(),
        fs::read(d.path().join("f.2_4.fec")).unwrap()
    );
    // Decode onto an existing file.
    fs::write(d.path().join("out"), b"keep").unwrap();
    let o = run(
        d.path(),
        &["decode", "-o", "out", "f.1_4.fec", "f.3_4.fec"],
        None,
    );
    assert_fails(&o, 4, "out exists: give -f to overwrite");
    assert_eq!(fs::read(d.path().join("out")).unwrap(), b"keep");
    let o = run(
        d.path(),
        &["decode", "-f", "-o", "out", "f.1_4.fec", "f.3_4.fec"],
        None,
    );
    assert_ok(&o);
    assert!(fs::read(d.path().join("out")).unwrap() == input);
    assert_no_temp(d.path());
    assert_no_temp(e.path());
}

#[test]
fn unreadable_input() {
    let d = tmp();
    let o = run(d.path(), &["encode", "missing"], None);
    assert_fails(&o, 3, "cannot read missing:");
    let o = run(d.path(), &["encode", "."], None);
    assert_fails(&o, 3, "cannot read .: it is a directory");
    let o = run(d.path(), &["decode", "-o", "out", "missing.fec"], None);
    assert_fails(&o, 3, "cannot read missing.fec:");
    let o = run(d.path(), &["verify", "nope"], None);
    assert_fails(&o, 3, "cannot read nope:");
    assert!(listing(d.path()).is_empty());
}

/// A read error in the middle of encoding: the share files are never created and
/// the temporaries are removed.
#[cfg(target_os = "linux")]
#[test]
fn read_error_mid_encode_leaves_nothing() {
    let d = tmp();
    // Opening works; reading fails with EIO at address 0.
    let o = run(d.path(), &["encode", "-p", "x", "/proc/self/mem"], None);
    assert_fails(&o, 3, "cannot read /proc/self/mem:");
    assert!(listing(d.path()).is_empty(), "{:?}", listing(d.path()));
}

#[test]
fn usage_errors() {
    let d = tmp();
    let o = run(d.path(), &["encode", "-k", "5", "-m", "4", "x"], None);
    assert_fails(&o, 2, "k=5 must not exceed m=4");
    let o = run(d.path(), &["encode", "-m", "257", "x"], None);
    assert_fails(&o, 2, "257 is not in 1..=256");
    let o = run(d.path(), &["decode", "f.0_3.fec"], None);
    assert_fails(&o, 2, "--outputfile <OUT>");
    let o = run(d.path(), &["encode", "-q", "-v", "x"], None);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn verify_names_a_corrupted_share() {
    let input = gen(200_000);
    let d = encoded("f", &input, 3, 6);
    let all: Vec<String> = (0..6).map(|i| share("f", i, 6)).collect();
    let mut args = vec!["verify"];
    args.extend(all.iter().map(String::as_str));
    assert_ok(&run(d.path(), &args, None));
    for bad in [1usize, 4] {
        let p = d.path().join(share("f", bad, 6));
        let orig = fs::read(&p).unwrap();
        let mut b = orig.clone();
        b[30_002] ^= 0x40;
        b[50_000] ^= 1;
        fs::write(&p, &b).unwrap();
        let o = run(d.path(), &args, None);
        assert_fails(
            &o,
            10,
            &format!("f.{bad}_6.fec (share {bad}) is corrupt: 2 bytes differ from what the other shares say, the first at byte 30002"),
        );
        assert!(o.stdout.is_empty());
        // -q does not hide the verdict.
        let mut q = args.clone();
        q.push("-q");
        assert_fails(&run(d.path(), &q, None), 10, "is corrupt");
        // With k+1 shares the disagreement is found but not pinned.
        let o = run(
            d.path(),
            &["verify", "f.0_6.fec", "f.1_6.fec", "f.2_6.fec", "f.4_6.fec"],
            None,
        );
        assert_fails(&o, 10, "with only k+1 shares a bad share cannot be told");
        fs::write(&p, &orig).unwrap();
    }
}

#[test]
fn quiet_and_help() {
    let d = encoded("f", &gen(1000), 2, 3);
    let o = run(
        d.path(),
        &["-q", "verify", "f.0_3.fec", "f.1_3.fec", "f.2_3.fec"],
        None,
    );
    assert_ok(&o);
    assert!(o.stdout.is_empty() && o.stderr.is_empty());
    let o = run(d.path(), &["--help"], None);
    assert_ok(&o);
    let help = String::from_utf8_lossy(&o.stdout);
    for code in ["  5   fewer than k shares", "  10  verify", "Examples:"] {
        assert!(help.contains(code), "{help}");
    }
    // Subcommands point to the table instead of repeating it.
    for sub in ["encode", "decode", "verify", "rs-encode", "rs-decode"] {
        let o = run(d.path(), &[sub, "--help"], None);
        assert_ok(&o);
        let h = String::from_utf8_lossy(&o.stdout);
        assert!(
            h.contains("Examples:") && h.contains("Exit codes: see `fec --help`"),
            "{h}"
        );
        assert!(!h.contains("fewer than k shares"), "{h}");
    }
    let o = run(d.path(), &["--version"], None);
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).trim(),
        format!("fec {}", env!("CARGO_PKG_VERSION"))
    );
}

// --- interruption and closed pipes ------------------------------------------------

#[test]
#[cfg(unix)] // signals
fn interrupted_encode_leaves_no_temporary_files() {
    use std::os::unix::process::ExitStatusExt;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Encoding from a pipe that stays open: fec waits for more input with its share
    // temporaries created; then it gets Ctrl-C (SIGINT) and, in a second run, SIGTERM.
    for sig in [libc::SIGINT, libc::SIGTERM] {
        let (child, stdin) = encoding_from_an_open_pipe(d);
        // SAFETY: sending a signal to our own child process.
        assert_eq!(unsafe { libc::kill(child.id() as i32, sig) }, 0);
        let out = child.wait_with_output().unwrap();
        drop(stdin);
        assert_eq!(
            out.status.code(),
            Some(130),
            "{:?} {}",
            out.status.signal(),
            stderr(&out)
        );
        assert!(stderr(&out).contains("interrupted"), "{}", stderr(&out));
        assert_eq!(
            listing(d),
            Vec::<String>::new(),
            "left behind after signal {sig}"
        );
    }
}

#[test]
#[cfg(unix)] // SIGPIPE
fn closed_stdout_ends_decode_quietly() {
    use std::os::unix::process::ExitStatusExt;
    let input: Vec<u8> = (0..2_000_000u32)
        .map(|i| (i * 13 + (i >> 11)) as u8)
        .collect();
    let dir = encoded("big", &input, 2, 3);
    let mut child = Command::new(FEC)
        .args(["decode", "-o", "-", "big.0_3.fec", "big.2_3.fec"])
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read a little, then close the pipe, as `| head -c 10` does.
    let mut head = [0u8; 10];
    std::io::Read::read_exact(child.stdout.as_mut().unwrap(), &mut head).unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(head, input[..10]);
    assert_eq!(out.status.signal(), Some(libc::SIGPIPE), "{:?}", out.status);
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));
}

// --- share sets all-or-nothing, locking, output kinds, durability ------------------

/// Every file of `dir` and its bytes, sorted by name.
fn contents(dir: &Path) -> Vec<(String, Vec<u8>)> {
    listing(dir)
        .into_iter()
        .map(|n| {
            let b = fs::read(dir.join(&n)).unwrap_or_default();
            (n, b)
        })
        .collect()
}

/// A failed `encode -f` leaves the old share set exactly as it was: share 3's path
/// is a directory (refused before anything is written), or a link into /proc (no
/// temporary can be made there, after the others were).
#[test]
fn failed_encode_f_keeps_the_old_set() {
    let d = tmp();
    fs::write(d.path().join("f"), gen(40_000)).unwrap();
    assert_ok(&run(d.path(), &["encode", "-k", "3", "-m", "4", "f"], None));
    fs::remove_file(d.path().join("f.3_4.fec")).unwrap();
    fs::create_dir(d.path().join("f.3_4.fec")).unwrap();
    fs::write(d.path().join("f"), gen(50_000)).unwrap();
    let before = contents(d.path());
    let o = run(d.path(), &["encode", "-f", "-k", "3", "-m", "4", "f"], None);
    assert_fails(
        &o,
        1,
        "f.3_4.fec is a directory: fec writes only regular files",
    );
    assert_eq!(contents(d.path()), before);
    assert!(d.path().join("f.3_4.fec").is_dir());
    fs::remove_dir(d.path().join("f.3_4.fec")).unwrap();
    #[cfg(target_os = "linux")]
    {
        std::os::unix::fs::symlink("/proc/version", d.path().join("f.3_4.fec")).unwrap();
        let before = contents(d.path());
        let o = run(d.path(), &["encode", "-f", "-k", "3", "-m", "4", "f"], None);
        assert_fails(&o, 1, "cannot create a temporary file in /proc");
        assert_eq!(contents(d.path()), before);
    }
}

/// Two `encode -f` on one name at once, many times: every final set is one input's
/// whole set, never a mix (decoding a mix would give garbage with exit 0).
#[test]
fn concurrent_encodes_never_mix_a_set() {
    let d = tmp();
    let inputs = [gen(9_000), gen(9_000).iter().map(|b| !b).collect()];
    let mut sets = Vec::new();
    for (i, input) in inputs.iter().enumerate() {
        fs::write(d.path().join(format!("in{i}")), input).unwrap();
        let e = tmp();
        fs::write(e.path().join("in"), input).unwrap();
        assert_ok(&run(
            e.path(),
            &["encode", "-k", "2", "-m", "5", "-p", "s", "in"],
            None,
        ));
        sets.push(
            (0..5)
                .map(|j| fs::read(e.path().join(share("s", j, 5))).unwrap())
                .collect::<Vec<_>>(),
        );
    }
    let spawn = |i: usize| {
        Command::new(FEC)
            .args([
                "encode",
                "-f",
                "-k",
                "2",
                "-m",
                "5",
                "-p",
                "s",
                &format!("in{i}"),
            ])
            .current_dir(d.path())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    for race in 0..50 {
        let (a, b) = (spawn(race % 2), spawn(1 - race % 2));
        for c in [a, b] {
            assert_ok(&c.wait_with_output().unwrap());
        }
        let now: Vec<Vec<u8>> = (0..5)
            .map(|j| fs::read(d.path().join(share("s", j, 5))).unwrap())
            .collect();
        assert!(
            now == sets[0] || now == sets[1],
            "race {race}: a mixed share set"
        );
        assert_eq!(listing(d.path()).len(), 2 + 5, "{:?}", listing(d.path()));
    }
}

/// While another holds the set's lock file, `encode` waits and writes nothing.
#[test]
fn encode_waits_for_the_lock_beside_the_shares() {
    let d = tmp();
    fs::write(d.path().join("f"), gen(5_000)).unwrap();
    let lock = fs::File::create(d.path().join(".f.lock")).unwrap();
    lock.lock().unwrap();
    let child = Command::new(FEC)
        .args(["encode", "-k", "2", "-m", "3", "f"])
        .current_dir(d.path())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert_eq!(listing(d.path()), [".f.lock", "f"]);
    // Released by closing, as fec's own runs do (under wine 8, File::unlock fails
    // here with ERROR_LOCK_VIOLATION).
    drop(lock);
    assert_ok(&child.wait_with_output().unwrap());
    // The lock file is removed by the run that held it last.
    assert_eq!(
        listing(d.path()),
        ["f", "f.0_3.fec", "f.1_3.fec", "f.2_3.fec"]
    );
}

/// Two `decode -f -o` of different files to one name at once: the result is always
/// one of them, whole.
#[test]
fn concurrent_decodes_leave_one_whole_output() {
    let inputs = [gen(30_000), gen(31_000)];
    let d = tmp();
    for (i, input) in inputs.iter().enumerate() {
        fs::write(d.path().join(format!("in{i}")), input).unwrap();
        assert_ok(&run(
            d.path(),
            &["encode", "-k", "2", "-m", "3", &format!("in{i}")],
            None,
        ));
    }
    let spawn = |i: usize| {
        let (a, b) = (
            share(&format!("in{i}"), 0, 3),
            share(&format!("in{i}"), 2, 3),
        );
        Command::new(FEC)
            .args(["decode", "-f", "-o", "out", &a, &b])
            .current_dir(d.path())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    for race in 0..20 {
        let (a, b) = (spawn(0), spawn(1));
        for c in [a, b] {
            assert_ok(&c.wait_with_output().unwrap());
        }
        let out = fs::read(d.path().join("out")).unwrap();
        assert!(out == inputs[0] || out == inputs[1], "race {race}");
    }
    assert_no_temp(d.path());
}

/// A FIFO at `-o` is written into, never replaced; so is one behind a symbolic link,
/// and the link stays. A link to a regular file: that file is replaced (with -f).
#[cfg(target_os = "linux")]
#[test]
fn decode_into_fifo_and_through_links() {
    use std::os::unix::fs::FileTypeExt;
    let input = gen(100_000);
    let d = encoded("f", &input, 2, 3);
    let fifo = d.path().join("pipe");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    std::os::unix::fs::symlink("pipe", d.path().join("link")).unwrap();
    for (out, force) in [("pipe", false), ("pipe", true), ("link", true)] {
        let path = fifo.clone();
        let reader = std::thread::spawn(move || fs::read(path).unwrap());
        let mut args = vec!["decode", "-o", out, "f.0_3.fec", "f.2_3.fec"];
        if force {
            args.push("-f");
        }
        assert_ok(&run(d.path(), &args, None));
        assert!(reader.join().unwrap() == input, "{out} {force}");
        assert!(fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
    }
    assert!(fs::symlink_metadata(d.path().join("link"))
        .unwrap()
        .file_type()
        .is_symlink());
    // A link to a regular file.
    fs::write(d.path().join("real"), b"old").unwrap();
    std::os::unix::fs::symlink("real", d.path().join("tolink")).unwrap();
    let args = ["decode", "-o", "tolink", "f.0_3.fec", "f.2_3.fec"];
    assert_fails(&run(d.path(), &args, None), 4, "tolink exists: give -f");
    assert_eq!(fs::read(d.path().join("real")).unwrap(), b"old");
    let mut args = args.to_vec();
    args.push("-f");
    assert_ok(&run(d.path(), &args, None));
    assert!(fs::read(d.path().join("real")).unwrap() == input);
    assert!(fs::symlink_metadata(d.path().join("tolink"))
        .unwrap()
        .file_type()
        .is_symlink());
    // A dangling link and a directory are refused.
    std::os::unix::fs::symlink("nowhere/x", d.path().join("dangling")).unwrap();
    let o = run(
        d.path(),
        &["decode", "-f", "-o", "dangling", "f.0_3.fec", "f.1_3.fec"],
        None,
    );
    assert_fails(&o, 1, "dangling is a symbolic link that cannot be followed");
    fs::create_dir(d.path().join("dir")).unwrap();
    let o = run(
        d.path(),
        &["decode", "-f", "-o", "dir", "f.0_3.fec", "f.1_3.fec"],
        None,
    );
    assert_fails(&o, 1, "dir is a directory: fec writes only regular files");
    assert!(d.path().join("dir").is_dir());
    // Shares are never written into a FIFO.
    fs::rename(&fifo, d.path().join("f.1_3.fec")).unwrap();
    let before = listing(d.path());
    let o = run(d.path(), &["encode", "-f", "-k", "2", "-m", "3", "f"], None);
    assert_fails(
        &o,
        1,
        "f.1_3.fec is not a regular file: share files are replaced, never written into",
    );
    assert!(fs::symlink_metadata(d.path().join("f.1_3.fec"))
        .unwrap()
        .file_type()
        .is_fifo());
    assert_eq!(listing(d.path()), before);
}

/// A full device names the output, not the input; and nothing else is written.
#[cfg(target_os = "linux")]
#[test]
fn full_output_is_named() {
    let d = encoded("f", &gen(300_000), 2, 3);
    let o = run(
        d.path(),
        &["decode", "-o", "/dev/full", "f.0_3.fec", "f.1_3.fec"],
        None,
    );
    assert_fails(&o, 1, "cannot write /dev/full: No space left on device");
    let o = run(d.path(), &["rs-encode", "-o", "/dev/full", "f"], None);
    assert_fails(&o, 1, "cannot write /dev/full: No space left on device");
    assert_ok(&run(d.path(), &["rs-encode", "-o", "f.rs", "f"], None));
    let o = run(d.path(), &["rs-decode", "-o", "/dev/full", "f.rs"], None);
    assert_fails(&o, 1, "cannot write /dev/full: No space left on device");
    assert_no_temp(d.path());
}

/// Inputs that are not files: a directory exits 3 in every subcommand; a FIFO or a
/// device given as a share is named for what it is; `-d` must be a directory.
#[cfg(target_os = "linux")]
#[test]
fn inputs_of_the_wrong_kind() {
    let d = encoded("f", &gen(20_000), 2, 3);
    fs::create_dir(d.path().join("dir")).unwrap();
    let cases: [&[&str]; 4] = [
        &["encode", "dir"],
        &["decode", "-o", "out", "dir", "f.0_3.fec"],
        &["rs-encode", "-o", "out", "dir"],
        &["rs-decode", "-o", "out", "dir"],
    ];
    for args in cases {
        assert_fails(
            &run(d.path(), args, None),
            3,
            "cannot read dir: it is a directory",
        );
    }
    let c = std::ffi::CString::new(d.path().join("pipe").to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let o = run(
        d.path(),
        &["decode", "-o", "out", "f.0_3.fec", "pipe"],
        None,
    );
    assert_fails(
        &o,
        3,
        "cannot read pipe: it is a FIFO; a share must be a regular file",
    );
    let o = run(d.path(), &["verify", "/dev/zero", "f.0_3.fec"], None);
    assert_fails(
        &o,
        3,
        "cannot read /dev/zero: it is a character device; a share must be a regular file",
    );
    let o = run(d.path(), &["encode", "-d", "f.0_3.fec", "f"], None);
    assert_fails(&o, 1, "output directory f.0_3.fec is not a directory");
    let o = run(d.path(), &["encode", "-d", "nope", "f"], None);
    assert_fails(&o, 1, "output directory nope does not exist");
    assert!(!d.path().join("out").exists());
}

/// `--no-fsync` is accepted by the subcommands that write, after them or before, and
/// changes nothing in the bytes.
#[test]
fn no_fsync_gives_the_same_bytes() {
    let input = gen(70_000);
    let d = encoded("f", &input, 3, 5);
    let e = tmp();
    fs::write(e.path().join("f"), &input).unwrap();
    assert_ok(&run(
        e.path(),
        &["encode", "--no-fsync", "-k", "3", "-m", "5", "f"],
        None,
    ));
    assert_eq!(contents(d.path()), contents(e.path()));
    assert_ok(&run(
        e.path(),
        &[
            "--no-fsync",
            "decode",
            "-o",
            "back",
            "f.4_5.fec",
            "f.1_5.fec",
            "f.3_5.fec",
        ],
        None,
    ));
    assert!(fs::read(e.path().join("back")).unwrap() == input);
    assert_ok(&run(
        e.path(),
        &["rs-encode", "--no-fsync", "-o", "f.rs", "f"],
        None,
    ));
    assert_ok(&run(
        e.path(),
        &["rs-decode", "--no-fsync", "-o", "f.back", "f.rs"],
        None,
    ));
    assert!(fs::read(e.path().join("f.back")).unwrap() == input);
}

/// `verify` writes nothing: `--no-fsync` is not among its options, and given to it
/// (after or before it) is a usage error.
#[test]
fn verify_has_no_no_fsync() {
    let d = encoded("f", &gen(10_000), 2, 3);
    let help = run(d.path(), &["verify", "--help"], None);
    assert_ok(&help);
    assert!(!String::from_utf8_lossy(&help.stdout).contains("--no-fsync"));
    for cmd in ["encode", "decode", "rs-encode", "rs-decode"] {
        let help = run(d.path(), &[cmd, "--help"], None);
        assert!(
            String::from_utf8_lossy(&help.stdout).contains("--no-fsync"),
            "{cmd}"
        );
    }
    let shares = ["f.0_3.fec", "f.1_3.fec", "f.2_3.fec"];
    assert_ok(&run(d.path(), &[&["verify"][..], &shares].concat(), None));
    let o = run(
        d.path(),
        &[&["verify", "--no-fsync"][..], &shares].concat(),
        None,
    );
    assert_fails(&o, 2, "--no-fsync");
    let o = run(
        d.path(),
        &[&["--no-fsync", "verify"][..], &shares].concat(),
        None,
    );
    assert_fails(&o, 2, "--no-fsync is for the subcommands that write");
    assert!(o.stdout.is_empty());
}

/// A bad `ALGORITHM_FEC_KERNEL` (or `ALGORITHM_FEC_PATH`) is a usage error naming the
/// variable and the valid values, before anything is read or written.
#[test]
fn bad_kernel_variable_is_a_usage_error() {
    let d = encoded("f", &gen(10_000), 2, 3);
    let before = contents(d.path());
    for value in ["bogus", "gfni-not-a-kernel"] {
        for args in [
            &["encode", "-f", "f"][..],
            &["decode", "-o", "out", "f.0_3.fec", "f.1_3.fec"],
        ] {
            let o = Command::new(FEC)
                .args(args)
                .env("ALGORITHM_FEC_KERNEL", value)
                .current_dir(d.path())
                .output()
                .unwrap();
            assert_fails(
                &o,
                2,
                &format!("fec: ALGORITHM_FEC_KERNEL={value}: unknown kernel (valid values: auto, "),
            );
            assert!(stderr(&o).contains("scalar"), "{}", stderr(&o));
            assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
        }
    }
    let o = Command::new(FEC)
        .args(["encode", "-f", "f"])
        .env("ALGORITHM_FEC_PATH", "fastest")
        .current_dir(d.path())
        .output()
        .unwrap();
    assert_fails(
        &o,
        2,
        "fec: ALGORITHM_FEC_PATH=fastest: unknown path (valid values: auto, quadratic, convolution)",
    );
    assert_eq!(contents(d.path()), before);
    let o = Command::new(FEC)
        .args(["encode", "-f", "f"])
        .env("ALGORITHM_FEC_KERNEL", "scalar")
        .current_dir(d.path())
        .output()
        .unwrap();
    assert_ok(&o);
}

/// Every row of the exit-code table in `fec --help` (docs/cli.md has the same table),
/// produced through the binary: the code and what the message says. A row added to
/// the table without a case here fails the test.
#[test]
fn every_exit_code_row() {
    let d = encoded("f", &gen(30_000), 3, 5);
    let o = run(d.path(), &["--help"], None);
    let help = String::from_utf8_lossy(&o.stdout).into_owned();
    let table = help
        .split("Exit codes:")
        .nth(1)
        .expect("an exit-code table");
    let codes: Vec<i32> = table
        .lines()
        .filter_map(|l| {
            l.strip_prefix("  ")?
                .split_whitespace()
                .next()?
                .parse()
                .ok()
        })
        .collect();
    assert!(codes.len() >= 12, "{table}");
    let mut cut = fs::read(d.path().join("f.2_5.fec")).unwrap();
    cut.truncate(cut.len() - 1);
    fs::write(d.path().join("cut"), &cut).unwrap();
    let mut six = fs::read(d.path().join("f.0_5.fec")).unwrap();
    six[1] = 0x40 | 6;
    fs::write(d.path().join("six"), &six).unwrap();
    let mut bad = fs::read(d.path().join("f.4_5.fec")).unwrap();
    bad[100] ^= 1;
    fs::write(d.path().join("bad"), &bad).unwrap();
    fs::write(d.path().join("g"), gen(30_001)).unwrap();
    assert_ok(&run(d.path(), &["encode", "-k", "3", "-m", "5", "g"], None));
    assert_ok(&run(
        d.path(),
        &[
            "rs-encode",
            "-n",
            "64",
            "-k",
            "48",
            "-i",
            "1",
            "-o",
            "f.rs",
            "f",
        ],
        None,
    ));
    let mut rs = fs::read(d.path().join("f.rs")).unwrap();
    rs[200..260].fill(0x5a);
    fs::write(d.path().join("broken.rs"), &rs).unwrap();
    // Exit 12: every group passes its own check but the whole-data hash does not: group 3
    // taken from a file protected under the same file id (which random ids prevent).
    let twin = |data: &[u8]| {
        let mut out = Vec::new();
        rs::file::protect_file_with_id(data, &mut out, 255, 223, 16, [9; 16]).unwrap();
        out
    };
    let (mine, other) = (twin(&gen(30_000)), twin(&gen(30_001)[1..]));
    let group = |g: usize| 64 + g * 16 * 255..64 + (g + 1) * 16 * 255;
    let mut spliced = mine.clone();
    spliced[group(3)].copy_from_slice(&other[group(3)]);
    assert_ne!(spliced, mine);
    fs::write(d.path().join("spliced.rs"), &spliced).unwrap();
    fs::create_dir(d.path().join("dir")).unwrap();
    for code in codes {
        let (args, msg): (&[&str], &str) = match code {
            0 => (
                &[
                    "decode",
                    "-o",
                    "out0",
                    "f.0_5.fec",
                    "f.2_5.fec",
                    "f.4_5.fec",
                ],
                "",
            ),
            1 => (
                &[
                    "decode",
                    "-f",
                    "-o",
                    "dir",
                    "f.0_5.fec",
                    "f.1_5.fec",
                    "f.2_5.fec",
                ],
                "dir is a directory",
            ),
            2 => (&["encode", "-m", "257", "f"], "257 is not in 1..=256"),
            3 => (
                &["decode", "-o", "out", "missing", "f.0_5.fec"],
                "cannot read missing",
            ),
            4 => (
                &["encode", "-k", "3", "-m", "5", "f"],
                "exists (and 4 more share files): give -f",
            ),
            5 => (
                &["decode", "-o", "out", "f.0_5.fec", "f.1_5.fec"],
                "need at least 3 shares",
            ),
            6 => (
                &["decode", "-o", "out", "f.0_5.fec", "g.1_5.fec"],
                "are not shares of the same file",
            ),
            7 => (
                &["decode", "-o", "out", "f.0_5.fec", "cut", "f.1_5.fec"],
                "cut is truncated",
            ),
            8 => (
                &["decode", "-o", "out", "f.0_5.fec", "f.1_5.fec", "f.0_5.fec"],
                "the same file",
            ),
            9 => (
                &["decode", "-o", "out", "six", "f.1_5.fec", "f.2_5.fec"],
                "share number 6 is not below m=5",
            ),
            10 => (
                &[
                    "verify",
                    "f.0_5.fec",
                    "f.1_5.fec",
                    "f.2_5.fec",
                    "f.3_5.fec",
                    "bad",
                ],
                "bad (share 4) is corrupt",
            ),
            11 => (&["rs-decode", "-o", "out", "broken.rs"], "broken.rs"),
            12 => (
                &["rs-decode", "-o", "out", "spliced.rs"],
                "integrity check failed",
            ),
            _ => panic!("exit code {code} is in the table but not tested here"),
        };
        let o = run(d.path(), args, None);
        assert_fails(&o, code, msg);
    }
    assert!(!d.path().join("out").exists());
    assert!(fs::read(d.path().join("out0")).unwrap() == gen(30_000));
}

/// A write error part-way through `encode -f` (here the file size limit, as a full
/// disk would) names the share file that failed, and the old set stays as it was.
#[cfg(target_os = "linux")]
#[test]
fn write_error_in_encode_names_the_share_and_keeps_the_old_set() {
    use std::os::unix::process::CommandExt;
    let d = encoded("f", &gen(10_000), 2, 3);
    fs::write(d.path().join("f"), gen(400_000)).unwrap();
    let before = contents(d.path());
    let mut cmd = Command::new(FEC);
    cmd.args(["encode", "-f", "-k", "2", "-m", "3", "f"])
        .current_dir(d.path());
    // SAFETY: only async-signal-safe calls between fork and exec: the child gets
    // a 64 KiB file size limit, and EFBIG instead of SIGXFSZ when it is reached.
    unsafe {
        cmd.pre_exec(|| {
            let lim = libc::rlimit {
                rlim_cur: 64 << 10,
                rlim_max: 64 << 10,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &lim) != 0
                || libc::signal(libc::SIGXFSZ, libc::SIG_IGN) == libc::SIG_ERR
            {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let o = cmd.output().unwrap();
    assert_fails(&o, 1, "cannot write f.0_3.fec: File too large");
    assert_eq!(contents(d.path()), before);
}

#[test]
#[cfg(unix)] // names that are not Unicode
fn share_names_keep_bytes_that_are_not_utf8() {
    // zfec names shares after the input's bytes; a lossy conversion named them
    // `caf\u{FFFD}.bin...` and a non-UTF-8 `-p` or `-s` was a usage error.
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let d = tmp();
    let input = gen(3000);
    fs::write(d.path().join(OsStr::from_bytes(b"caf\xe9.bin")), &input).unwrap();
    // The arguments, split at spaces.
    let fec = |args: &[u8]| {
        Command::new(FEC)
            .args(args.split(|&c| c == b' ').map(OsStr::from_bytes))
            .current_dir(d.path())
            .output()
            .unwrap()
    };
    assert_ok(&fec(b"encode -k 2 -m 3 caf\xe9.bin"));
    assert_ok(&fec(b"encode -k 2 -m 3 -p x\xff -s .\xfe caf\xe9.bin"));
    let mut names: Vec<Vec<u8>> = fs::read_dir(d.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().as_bytes().to_vec())
        .collect();
    names.sort();
    let want: Vec<&[u8]> = vec![
        b"caf\xe9.bin",
        b"caf\xe9.bin.0_3.fec",
        b"caf\xe9.bin.1_3.fec",
        b"caf\xe9.bin.2_3.fec",
        b"x\xff.0_3.\xfe",
        b"x\xff.1_3.\xfe",
        b"x\xff.2_3.\xfe",
    ];
    assert_eq!(names, want);
    assert_ok(&fec(b"decode -o out caf\xe9.bin.2_3.fec x\xff.0_3.\xfe"));
    assert_eq!(fs::read(d.path().join("out")).unwrap(), input);
}

#[test]
#[cfg(unix)] // /dev/stdout
fn dev_stdout_on_a_pipe_is_standard_output() {
    // `-o /dev/stdout` with stdout a pipe: the link leads to `pipe:[N]`, which is no
    // path; it was "cannot write /dev/stdout: No such file or directory" (exit 1).
    let input = gen(20_000);
    let d = encoded("f", &input, 2, 3);
    let o = run(
        d.path(),
        &["decode", "-o", "/dev/stdout", "f.0_3.fec", "f.2_3.fec"],
        None,
    );
    assert_ok(&o);
    assert!(o.stdout == input);
}

// --- crash consistency of `encode -f` -----------------------------------------------

/// The share files of `input` encoded as `f` with k, m, in share order.
#[cfg(unix)] // for the kill tests
fn share_set(input: &[u8], k: usize, m: usize) -> Vec<Vec<u8>> {
    let e = tmp();
    fs::write(e.path().join("f"), input).unwrap();
    let (k, m_) = (k.to_string(), m.to_string());
    assert_ok(&run(e.path(), &["encode", "-k", &k, "-m", &m_, "f"], None));
    read_set(e.path(), m)
}

/// The shares `f.*` of `dir` (a missing one as empty).
#[cfg(unix)] // for the kill tests
fn read_set(dir: &Path, m: usize) -> Vec<Vec<u8>> {
    (0..m)
        .map(|j| fs::read(dir.join(share("f", j, m))).unwrap_or_default())
        .collect()
}

/// Whether `fec` has its test hooks: only debug builds do, and the test binary is
/// built with the same profile. Under `--release` the tests that need them say so
/// and do nothing.
#[cfg(unix)] // for the kill tests
fn hooks_available(test: &str) -> bool {
    if !cfg!(debug_assertions) {
        eprintln!("{test}: skipped, needs the test hooks of a debug build of fec");
    }
    cfg!(debug_assertions)
}

/// `fec encode -p x -` in `d` from a pipe that stays open: returns once the run has
/// read some input and made its 8 share temporaries, with the pipe's writing end.
fn encoding_from_an_open_pipe(d: &Path) -> (std::process::Child, std::process::ChildStdin) {
    let mut child = Command::new(FEC)
        .args(["encode", "-p", "x", "-"])
        .current_dir(d)
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(&[7u8; 100_000]).unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while listing(d).iter().filter(|n| n.ends_with(".tmp")).count() < 8 {
        assert!(
            std::time::Instant::now() < deadline,
            "no temporaries appeared"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    (child, stdin)
}

/// `fec args` in `dir` with the environment variable `var=value` (a test hook of
/// debug builds) and no core dump.
#[cfg(unix)]
fn spawn_with(dir: &Path, args: &[&str], var: &str, value: &str) -> std::process::Child {
    use std::os::unix::process::CommandExt;
    let mut cmd = Command::new(FEC);
    cmd.args(args)
        .current_dir(dir)
        .env(var, value)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // SAFETY: setrlimit is async-signal-safe and only touches the child's limits.
    unsafe {
        cmd.pre_exec(|| {
            let none = libc::rlimit {
                rlim_cur: 0,
                rlim_max: 0,
            };
            libc::setrlimit(libc::RLIMIT_CORE, &none);
            Ok(())
        });
    }
    cmd.spawn().unwrap()
}

/// The steps of `encode -f` replacing m existing shares, as the test hook counts
/// them: the journal, m temporaries, the `swap` mark, two renames per share, the
/// commit point, m old copies removed, the journal removed. The last rename is the
/// commit point, step 3m + 2.
#[cfg(unix)] // for the kill tests
fn steps(m: usize) -> (usize, usize) {
    (4 * m + 4, 3 * m + 2)
}

/// `encode -f` of a new file over an old set, killed (abort, no cleanup, as by
/// `kill -9`) after each step of its run in turn; then `decode`, `verify` or a plain
/// `encode` of the set: each finds exactly the old set before the commit point and
/// exactly the new one from there on, never a mix, decodes it to exactly that file,
/// and leaves no temporary, old copy or journal behind.
#[cfg(unix)] // killed by abort (SIGABRT)
fn killed_encode_leaves_one_whole_set(k: usize, m: usize, follow_ups: &[&str]) {
    use std::os::unix::process::ExitStatusExt;
    if !hooks_available("killed_encode_leaves_one_whole_set") {
        return;
    }
    let old = gen(20_000);
    let new: Vec<u8> = gen(23_001).iter().map(|b| b ^ 0x5a).collect();
    let sets = [share_set(&old, k, m), share_set(&new, k, m)];
    let names: Vec<String> = (0..m).map(|j| share("f", j, m)).collect();
    let mut clean = vec!["f".to_string()];
    clean.extend(names.iter().cloned());
    clean.sort();
    let (ks, ms) = (k.to_string(), m.to_string());
    let (last, commit) = steps(m);
    for step in 1..=last + 1 {
        for follow in follow_ups {
            let dir = tmp();
            let d = dir.path();
            fs::write(d.join("f"), &old).unwrap();
            assert_ok(&run(d, &["encode", "-k", &ks, "-m", &ms, "f"], None));
            fs::write(d.join("f"), &new).unwrap();
            let args = ["encode", "-f", "-k", &ks, "-m", &ms, "f"];
            let o = spawn_with(d, &args, "ALGORITHM_FEC_TEST_CRASH_AT", &step.to_string())
                .wait_with_output()
                .unwrap();
            if step > last {
                // Past the last step: the hook never fired, the run is whole.
                assert_ok(&o);
                assert!(read_set(d, m) == sets[1] && listing(d) == clean);
                continue;
            }
            assert_eq!(o.status.signal(), Some(libc::SIGABRT), "step {step}: {o:?}");
            let o = match *follow {
                "decode" => {
                    let mut a = vec!["decode", "-o", "out"];
                    a.extend(names[m - k..].iter().map(String::as_str));
                    run(d, &a, None)
                }
                "verify" => {
                    let mut a = vec!["verify"];
                    a.extend(names.iter().map(String::as_str));
                    run(d, &a, None)
                }
                _ => run(d, &["encode", "-k", &ks, "-m", &ms, "f"], None),
            };
            let is_new = step >= commit;
            let what = format!("step {step} of {last}, then {follow}");
            if *follow == "encode" {
                assert_fails(&o, 4, "exists");
            } else {
                assert_ok(&o);
                let said = match step {
                    s if s <= m + 1 => "was cleaned up: it had not replaced any share",
                    s if s < commit => "was undone: the old shares are back",
                    s if s < last => "was finished: its new shares are in place",
                    _ => "",
                };
                let note = format!("fec: an interrupted `encode` of f {said}\n");
                assert_eq!(
                    stderr(&o),
                    if said.is_empty() { "" } else { &note },
                    "{what}"
                );
            }
            if *follow == "decode" {
                let out = fs::read(d.join("out")).unwrap();
                assert!(&out == if is_new { &new } else { &old }, "{what}: decoded");
                fs::remove_file(d.join("out")).unwrap();
            }
            assert!(
                read_set(d, m) == sets[usize::from(is_new)],
                "{what}: not the whole {} set",
                if is_new { "new" } else { "old" }
            );
            // A lock file left by the killed run is harmless (see docs/output-safety.md).
            let left: Vec<String> = listing(d).into_iter().filter(|n| n != ".f.lock").collect();
            assert_eq!(left, clean, "{what}: leftovers");
        }
    }
}

#[test]
#[cfg(unix)]
fn encode_f_killed_at_any_step_leaves_one_whole_set() {
    killed_encode_leaves_one_whole_set(3, 8, &["decode", "verify", "encode"]);
}

#[test]
#[cfg(unix)]
fn encode_f_of_many_shares_killed_at_any_step_leaves_one_whole_set() {
    killed_encode_leaves_one_whole_set(5, 16, &["decode"]);
}

/// SIGTERM at a step of `encode -f`: before the swap the run is interrupted (130, old
/// set, nothing left); from the swap on it is finished first and, the new set being
/// in, reported as the success it is (0).
#[test]
#[cfg(unix)]
fn sigterm_during_the_swap_reports_the_committed_set() {
    use std::io::BufRead;
    if !hooks_available("sigterm_during_the_swap_reports_the_committed_set") {
        return;
    }
    let (k, m) = (2, 4);
    let old = gen(10_000);
    let new: Vec<u8> = gen(10_000).iter().map(|b| !b).collect();
    let sets = [share_set(&old, k, m), share_set(&new, k, m)];
    let (last, commit) = steps(m);
    let swap_mark = m + 2;
    for step in [m + 1, swap_mark, commit - 1, commit, commit + 1, last] {
        let dir = tmp();
        let d = dir.path();
        fs::write(d.join("f"), &old).unwrap();
        assert_ok(&run(d, &["encode", "-k", "2", "-m", "4", "f"], None));
        fs::write(d.join("f"), &new).unwrap();
        let args = ["encode", "-f", "-k", "2", "-m", "4", "f"];
        let mut child = spawn_with(d, &args, "ALGORITHM_FEC_TEST_PAUSE_AT", &step.to_string());
        let mut err = std::io::BufReader::new(child.stderr.take().unwrap());
        let mut line = String::new();
        err.read_line(&mut line).unwrap();
        assert_eq!(line, format!("paused at {step}\n"));
        // SAFETY: sending a signal to our own child process.
        assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGTERM) }, 0);
        let mut rest = String::new();
        std::io::Read::read_to_string(&mut err, &mut rest).unwrap();
        let status = child.wait().unwrap();
        let is_new = step >= swap_mark;
        assert_eq!(
            status.code(),
            Some(if is_new { 0 } else { 130 }),
            "step {step}: {rest}"
        );
        assert!(read_set(d, m) == sets[usize::from(is_new)], "step {step}");
        assert_eq!(
            listing(d),
            ["f", "f.0_4.fec", "f.1_4.fec", "f.2_4.fec", "f.3_4.fec"]
        );
    }
}

/// `encode -f` where two share names are one file (a symbolic or a hard link):
/// refused, exit 1, nothing changed; before, both names ended up holding one share.
#[test]
fn encode_f_refuses_two_share_names_of_one_file() {
    // Symbolic links need a privilege on Windows: hard links only there.
    for hard in [true, false].into_iter().filter(|&h| h || cfg!(unix)) {
        let d = encoded("f", &gen(10_000), 2, 4);
        let (one, two) = (d.path().join("f.1_4.fec"), d.path().join("f.2_4.fec"));
        fs::remove_file(&one).unwrap();
        if hard {
            fs::hard_link(&two, &one).unwrap();
        } else {
            #[cfg(unix)]
            std::os::unix::fs::symlink("f.2_4.fec", &one).unwrap();
        }
        fs::write(d.path().join("f"), gen(12_000)).unwrap();
        let before = contents(d.path());
        let o = run(d.path(), &["encode", "-f", "-k", "2", "-m", "4", "f"], None);
        assert_fails(
            &o,
            1,
            "f.2_4.fec and f.1_4.fec are the same file: each share needs its own, nothing replaced",
        );
        assert_eq!(contents(d.path()), before, "hard link: {hard}");
        assert_eq!(fs::symlink_metadata(&one).unwrap().is_symlink(), !hard);
    }
}

/// A `decode` that recovers a killed `encode -f` (killed while writing, in the swap,
/// past the commit point) and is itself killed after any step of that recovery: the
/// next `decode` finishes the job, with the same outcome.
#[test]
#[cfg(unix)]
fn killed_recovery_is_finished_by_the_next_command() {
    use std::os::unix::process::ExitStatusExt;
    if !hooks_available("killed_recovery_is_finished_by_the_next_command") {
        return;
    }
    let (k, m) = (2, 4);
    let old = gen(7_000);
    let new: Vec<u8> = gen(7_000).iter().map(|b| !b).collect();
    let sets = [share_set(&old, k, m), share_set(&new, k, m)];
    let (_, commit) = steps(m);
    let decode = ["decode", "-o", "out", "f.1_4.fec", "f.3_4.fec"];
    for (crash, is_new) in [(m, false), (commit - 1, false), (commit + 2, true)] {
        let mut whole = false;
        for rstep in 1..=3 * m + 2 {
            let dir = tmp();
            let d = dir.path();
            fs::write(d.join("f"), &old).unwrap();
            assert_ok(&run(d, &["encode", "-k", "2", "-m", "4", "f"], None));
            fs::write(d.join("f"), &new).unwrap();
            let args = ["encode", "-f", "-k", "2", "-m", "4", "f"];
            let o = spawn_with(d, &args, "ALGORITHM_FEC_TEST_CRASH_AT", &crash.to_string())
                .wait_with_output()
                .unwrap();
            assert_eq!(o.status.signal(), Some(libc::SIGABRT));
            let o = spawn_with(
                d,
                &decode,
                "ALGORITHM_FEC_TEST_CRASH_AT",
                &rstep.to_string(),
            )
            .wait_with_output()
            .unwrap();
            whole = o.status.success();
            if !whole {
                assert_eq!(o.status.signal(), Some(libc::SIGABRT), "{o:?}");
                assert_ok(&run(d, &decode, None));
            }
            let what = format!("encode killed at {crash}, decode at {rstep}");
            let out = fs::read(d.join("out")).unwrap();
            assert!(&out == if is_new { &new } else { &old }, "{what}");
            assert!(read_set(d, m) == sets[usize::from(is_new)], "{what}");
            let left: Vec<String> = listing(d).into_iter().filter(|n| n != ".f.lock").collect();
            assert_eq!(
                left,
                [
                    "f",
                    "f.0_4.fec",
                    "f.1_4.fec",
                    "f.2_4.fec",
                    "f.3_4.fec",
                    "out"
                ],
                "{what}"
            );
            if whole {
                break;
            }
        }
        assert!(
            whole,
            "the recovery after step {crash} never ran to its end"
        );
    }
}

/// `kill -9` while encoding (the temporaries being filled): the next `encode` of
/// that prefix removes them (they were left for good before the journal).
#[test]
fn temporaries_of_a_killed_encode_are_removed_by_the_next_run() {
    let dir = tmp();
    let d = dir.path();
    let (mut child, stdin) = encoding_from_an_open_pipe(d);
    child.kill().unwrap();
    child.wait().unwrap();
    drop(stdin);
    assert_eq!(listing(d).iter().filter(|n| n.ends_with(".tmp")).count(), 8);
    assert_ok(&run(d, &["encode", "-p", "x", "-"], Some(&gen(5_000))));
    let names: Vec<String> = (0..8).map(|i| share("x", i, 8)).collect();
    assert_eq!(listing(d), names);
}

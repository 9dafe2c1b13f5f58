//! `fec rs-encode` / `fec rs-decode` through the binary: repairs, and every way a
//! protected file can be beyond repair — exit 0 only with exactly the original bytes,
//! otherwise the documented exit code, the lost byte ranges named, and no output.
#![cfg(feature = "cli")]

mod cli_common;

use std::fs;
use std::path::Path;

use cli_common::{assert_fails, assert_no_temp, assert_ok, run, stderr};

/// Header and trailer sizes of the container (format version 2).
const HEADER: usize = 64;
const TRAILER: usize = 128;

/// `len` bytes of a xorshift stream seeded with `seed`.
fn random(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// Writes `input` as `name` in `d` and protects it as `name.rs` with `args`.
fn protect(d: &Path, name: &str, input: &[u8], args: &[&str]) -> Vec<u8> {
    fs::write(d.join(name), input).unwrap();
    let out = format!("{name}.rs");
    let mut a = vec!["rs-encode", "-o", &out];
    a.extend_from_slice(args);
    a.push(name);
    assert_ok(&run(d, &a, None));
    fs::read(d.join(out)).unwrap()
}

/// Runs `rs-decode -o out FILE` on `bytes` and checks the all-or-nothing promise:
/// exit 0 with exactly `original`, or a failure with no output left behind.
/// Returns the exit code and stderr.
fn decode_checked(d: &Path, bytes: &[u8], original: &[u8]) -> (i32, String) {
    fs::write(d.join("damaged"), bytes).unwrap();
    let o = run(d, &["rs-decode", "-f", "-o", "out", "damaged"], None);
    let code = o.status.code().expect("an exit code, not a signal");
    if code == 0 {
        assert!(
            fs::read(d.join("out")).unwrap() == original,
            "exit 0 with wrong bytes"
        );
        fs::remove_file(d.join("out")).unwrap();
    } else {
        assert!(!d.join("out").exists(), "output left after exit {code}");
        assert_no_temp(d);
    }
    (code, stderr(&o))
}

/// Flips `per` bytes in each of the first `codewords` codewords of a protected file
/// written with `-i 1` (codeword i at HEADER + i·n), spread over the codeword.
fn corrupt_codewords(path: &Path, n: usize, codewords: usize, per: usize) {
    let mut b = fs::read(path).unwrap();
    for cw in 0..codewords {
        for e in 0..per {
            b[HEADER + cw * n + (e * 37 + cw * 11) % n] ^= 0xA5;
        }
    }
    fs::write(path, b).unwrap();
}

/// XORs `len` consecutive bytes of a file from `start` with 0x5A.
fn corrupt_burst(path: &Path, start: usize, len: usize) {
    let mut b = fs::read(path).unwrap();
    for x in &mut b[start..start + len] {
        *x ^= 0x5A;
    }
    fs::write(path, b).unwrap();
}

#[test]
fn round_trip_fixes_scattered_errors_and_reports_them() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let input = random(100_000, 1);
    protect(d, "in", &input, &["-n", "64", "-k", "48", "-i", "1"]);
    corrupt_codewords(&d.join("in.rs"), 64, 50, 8); // t = 8: the limit
    let o = run(d, &["rs-decode", "-o", "out", "in.rs"], None);
    assert_ok(&o);
    assert!(
        stderr(&o).contains("restored and verified (BLAKE3); fixed 400 corrupted bytes in 50 of"),
        "{}",
        stderr(&o)
    );
    assert_eq!(fs::read(d.join("out")).unwrap(), input);
    // Through pipes both ways, default RS(255,223).
    let o = run(d, &["rs-encode", "-o", "-", "-"], Some(&input));
    assert_ok(&o);
    let o2 = run(d, &["-q", "rs-decode", "-o", "-", "-"], Some(&o.stdout));
    assert_ok(&o2);
    assert_eq!(o2.stdout, input);
    assert!(stderr(&o2).is_empty(), "-q prints nothing: {}", stderr(&o2));
}

#[test]
fn errors_have_their_exit_codes_and_leave_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let input = vec![42u8; 5000];
    let p = protect(d, "in", &input, &["-n", "40", "-k", "30", "-i", "1"]);
    // RS(40,30), -i 1: 14 data bytes per codeword (30 less the 16-byte checksum).
    fs::copy(d.join("in.rs"), d.join("bad")).unwrap();
    corrupt_codewords(&d.join("bad"), 40, 3, 6); // t = 5
    let o = run(d, &["rs-decode", "-o", "out", "bad"], None);
    assert_fails(
        &o,
        11,
        "42 of the original 5000 bytes could not be restored (ranges 0..42); nothing written",
    );
    assert!(!d.join("out").exists());
    assert_no_temp(d);
    assert_fails(
        &run(d, &["rs-decode", "-o", "out", "in"], None),
        7,
        "not an RS-protected file",
    );
    assert_fails(
        &run(d, &["rs-decode", "-o", "in", "in.rs"], None),
        4,
        "exists",
    );
    assert_fails(
        &run(d, &["rs-decode", "-o", "out", "missing"], None),
        3,
        "cannot read missing",
    );
    assert_fails(
        &run(
            d,
            &["rs-encode", "-n", "30", "-k", "30", "-o", "q", "in"],
            None,
        ),
        2,
        "below n",
    );
    // No room for the group checksum: a usage error before anything is read.
    assert_fails(
        &run(
            d,
            &[
                "rs-encode",
                "-n",
                "20",
                "-k",
                "8",
                "-i",
                "2",
                "-o",
                "q",
                "-",
            ],
            None,
        ),
        2,
        "depth * k > 16",
    );
    assert!(!d.join("q").exists());
    // Truncated (a partial codeword), and the trailer gone.
    fs::write(d.join("short"), &p[..p.len() - 50]).unwrap();
    assert_fails(
        &run(d, &["rs-decode", "-o", "out", "short"], None),
        7,
        "truncated",
    );
    let mut cut = p.clone();
    let end = cut.len();
    cut[end - TRAILER..].fill(0);
    fs::write(d.join("cut"), &cut).unwrap();
    assert_fails(
        &run(d, &["rs-decode", "-o", "out", "cut"], None),
        11,
        "trailer",
    );
    assert!(!d.join("out").exists());
    assert_no_temp(d);
}

#[test]
fn interleaving_repairs_bursts() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let input = random(200_000, 2);
    // RS(255,223), t = 16, depth 8: bursts up to 128 bytes. A 100-byte burst.
    protect(d, "in", &input, &["-i", "8"]);
    corrupt_burst(&d.join("in.rs"), HEADER + 10_000, 100);
    let o = run(d, &["rs-decode", "-o", "out8", "in.rs"], None);
    assert_ok(&o);
    assert!(stderr(&o).contains("interleave depth 8"), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("fixed 100 corrupted bytes"),
        "{}",
        stderr(&o)
    );
    assert_eq!(fs::read(d.join("out8")).unwrap(), input);
    // Default depth (16): a 256-byte burst, e.g. half a damaged 512-byte sector.
    protect(d, "def", &input, &[]);
    corrupt_burst(&d.join("def.rs"), HEADER + 50_001, 256);
    let o = run(d, &["rs-decode", "-o", "out", "def.rs"], None);
    assert_ok(&o);
    assert!(stderr(&o).contains("interleave depth 16"), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("fixed 256 corrupted bytes"),
        "{}",
        stderr(&o)
    );
    assert_eq!(fs::read(d.join("out")).unwrap(), input);
    // The same burst without interleaving is beyond repair (exit 11), nothing written.
    protect(d, "flat", &input, &["-i", "1"]);
    corrupt_burst(&d.join("flat.rs"), HEADER + 50_001, 256);
    assert_fails(
        &run(d, &["rs-decode", "-o", "out1", "flat.rs"], None),
        11,
        "damaged beyond repair",
    );
    assert!(!d.join("out1").exists());
    for bad in ["0", "256"] {
        let o = run(d, &["rs-encode", "-i", bad, "-o", "x", "in"], None);
        assert_eq!(o.status.code(), Some(2), "-i {bad}");
        assert!(!d.join("x").exists());
    }
}

#[test]
fn no_zeroed_page_gives_exit_0_with_wrong_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let input = random(256 * 1024, 3);
    let p = protect(d, "in", &input, &[]);
    let mut codes = Vec::new();
    for page in 0..p.len().div_ceil(4096) {
        let mut bad = p.clone();
        let end = (page * 4096 + 4096).min(bad.len());
        bad[page * 4096..end].fill(0);
        let (code, msg) = decode_checked(d, &bad, &input);
        if code == 11 && !msg.contains("trailer") {
            assert!(msg.contains("could not be restored (ranges "), "{msg}");
        }
        codes.push(code);
    }
    // The header's page: not recognisable (7); the trailer's: lost (11); every other
    // page loses one or two groups (11).
    assert_eq!(codes.len(), 74);
    assert_eq!(codes[0], 7);
    assert!(codes[1..].iter().all(|&c| c == 11), "{codes:?}");
}

#[test]
fn zeroed_body_swapped_and_foreign_groups_are_named_and_best_effort_keeps_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let input = random(64 * 1024, 4);
    let p = protect(d, "a", &input, &[]);
    let other = protect(d, "b", &random(64 * 1024, 8), &[]);
    let (group, c) = (16 * 255, 16 * 223 - 16);
    let at = |g: usize| HEADER + g * group;

    let mut zero = p.clone();
    zero[HEADER..p.len() - TRAILER].fill(0);
    let (code, msg) = decode_checked(d, &zero, &input);
    assert_eq!(code, 11);
    assert!(
        msg.contains("65536 of the original 65536 bytes could not be restored (ranges 0..65536)"),
        "{msg}"
    );

    let mut swapped = p.clone();
    swapped[at(1)..at(2)].copy_from_slice(&p[at(4)..at(5)]);
    swapped[at(4)..at(5)].copy_from_slice(&p[at(1)..at(2)]);
    let (code, msg) = decode_checked(d, &swapped, &input);
    assert_eq!(code, 11);
    let want = format!("(ranges {}..{}, {}..{})", c, 2 * c, 4 * c, 5 * c);
    assert!(msg.contains(&want), "{msg}");

    let mut foreign = p.clone();
    foreign[at(2)..at(3)].copy_from_slice(&other[at(2)..at(3)]);
    let (code, msg) = decode_checked(d, &foreign, &input);
    assert_eq!(code, 11);
    assert!(
        msg.contains(&format!("(ranges {}..{})", 2 * c, 3 * c)),
        "{msg}"
    );

    // --best-effort: the output is written, the rest exact, the exit code still 11.
    let o = run(
        d,
        &["rs-decode", "--best-effort", "-f", "-o", "out", "damaged"],
        None,
    );
    assert_fails(&o, 11, "--best-effort: written anyway to out");
    let out = fs::read(d.join("out")).unwrap();
    assert_eq!(out.len(), input.len());
    assert!(out[..2 * c] == input[..2 * c] && out[3 * c..] == input[3 * c..]);
    assert!(out[2 * c..3 * c] != input[2 * c..3 * c]);
    // To standard output: nothing at all without --best-effort, everything with it.
    let o = run(d, &["rs-decode", "-o", "-", "damaged"], None);
    assert_fails(&o, 11, "nothing written");
    assert!(o.stdout.is_empty());
    let o = run(
        d,
        &["rs-decode", "--best-effort", "-o", "-", "damaged"],
        None,
    );
    assert_fails(&o, 11, "written anyway to standard output");
    assert_eq!(o.stdout, out);
}

#[test]
fn a_weak_code_never_exits_0_with_wrong_bytes() {
    // RS(255,253) fixes one byte per codeword; 2 to 6 random errors in a codeword
    // usually "correct" to another codeword, which the group checksums must refuse.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let input = random(3000, 6);
    let p = protect(d, "in", &input, &["-n", "255", "-k", "253", "-i", "4"]);
    let body = p.len() - HEADER - TRAILER;
    let mut x = 0x9e37_79b9_u64;
    let mut next = |m: usize| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x % m as u64) as usize
    };
    let (mut ok, mut failed) = (0, 0);
    for _ in 0..200 {
        let mut bad = p.clone();
        for _ in 0..2 + next(5) {
            bad[HEADER + next(body)] ^= 1 + next(255) as u8;
        }
        match decode_checked(d, &bad, &input) {
            (0, _) => ok += 1,
            (11, _) => failed += 1,
            (code, msg) => panic!("exit {code}: {msg}"),
        }
    }
    assert!(ok > 0 && failed > 0, "{ok} repaired, {failed} refused");
}

#[test]
fn write_errors_name_the_output_and_a_directory_is_unreadable() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let p = protect(d, "in", &random(300_000, 7), &[]);
    // Standard output on a full device (ENOSPC; Linux's /dev/full): the message
    // names the output.
    #[cfg(target_os = "linux")]
    for args in [
        ["rs-encode", "-o", "-", "in"],
        ["rs-decode", "-o", "-", "in.rs"],
    ] {
        let o = std::process::Command::new(cli_common::FEC)
            .args(args)
            .current_dir(d)
            .stdout(std::fs::File::create("/dev/full").unwrap())
            .stderr(std::process::Stdio::piped())
            .output()
            .unwrap();
        assert_fails(
            &o,
            1,
            "cannot write standard output: No space left on device",
        );
        assert!(!stderr(&o).contains("fec: in"), "{}", stderr(&o));
    }
    assert!(p.len() > 300_000);
    // A directory as input: cannot be read (3), for both.
    fs::create_dir(d.join("sub")).unwrap();
    assert_fails(
        &run(d, &["rs-encode", "-o", "x", "sub"], None),
        3,
        "cannot read sub",
    );
    assert_fails(
        &run(d, &["rs-decode", "-o", "x", "sub"], None),
        3,
        "cannot read sub",
    );
    assert!(!d.join("x").exists());
    assert_no_temp(d);
}

#[test]
fn version_1_files_are_refused_and_help_documents_the_codes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // A version-1 container: a 32-byte RS(32,16) header "AFECRS" 1 255 223 16.
    let v1 = algorithm_fec::rs::RsCoder::new(32, 16).unwrap();
    let mut file = v1.encode(b"AFECRS\x01\xff\xdf\x10\0\0\0\0\0\0").unwrap();
    file.extend(vec![0u8; 255]);
    file.extend(v1.encode(b"AFECLN\0\0\x01\0\0\0\0\0\0\0").unwrap());
    fs::write(d.join("old.rs"), &file).unwrap();
    assert_fails(
        &run(d, &["rs-decode", "-o", "out", "old.rs"], None),
        7,
        "container format version 1 is not supported",
    );
    assert!(!d.join("out").exists());
    let o = run(d, &["--help"], None);
    let help = String::from_utf8_lossy(&o.stdout);
    for line in [
        "  11  rs-decode: damaged beyond repair",
        "  12  rs-decode: the data's checksum",
    ] {
        assert!(help.contains(line), "{help}");
    }
    let o = run(d, &["rs-decode", "--help"], None);
    let help = String::from_utf8_lossy(&o.stdout);
    assert!(
        help.contains("--best-effort")
            && help.contains("Exit 0 means the bytes written are exactly"),
        "{help}"
    );
}

#[test]
#[cfg(unix)] // mkfifo
fn a_fifo_gets_nothing_unverified() {
    // A FIFO (or device) as OUT is written into, not replaced: like `-o -`, it gets
    // the data only once verified. It used to receive the damaged bytes as they were
    // repaired, while the command said "nothing written" and exited 11.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let input = random(50_000, 7);
    let p = protect(d, "in", &input, &[]);
    let fifo = d.join("pipe");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    fs::write(d.join("bad.rs"), &p).unwrap();
    corrupt_burst(&d.join("bad.rs"), HEADER + 1000, 3000);
    for (file, code, want) in [("bad.rs", 11, &[][..]), ("in.rs", 0, &input[..])] {
        let path = fifo.clone();
        let reader = std::thread::spawn(move || fs::read(path).unwrap());
        let o = run(d, &["rs-decode", "-o", "pipe", file], None);
        assert_eq!(o.status.code(), Some(code), "{}", stderr(&o));
        assert!(reader.join().unwrap() == want, "{file}");
    }
}

/// Runs `fec args` in `d` with a pseudo-terminal as its stdin, stdout and stderr
/// (util-linux `script`), returning what it printed there and its exit status.
#[cfg(target_os = "linux")]
fn on_terminal(d: &Path, args: &[&str]) -> (std::process::ExitStatus, String) {
    let quote = |s: &str| format!("'{}'", s.replace('\'', r"'\''"));
    let cmd: Vec<String> = std::iter::once(cli_common::FEC)
        .chain(args.iter().copied())
        .map(quote)
        .collect();
    let o = std::process::Command::new("script")
        .args(["-qec", &cmd.join(" "), "/dev/null"])
        .current_dir(d)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("util-linux `script` runs fec on a pseudo-terminal");
    (o.status, String::from_utf8_lossy(&o.stdout).into_owned())
}

/// A long run shows the progress bar on a terminal, as `encode` does; not with -q,
/// and not when stderr is not a terminal. Past the bar's 8 MiB threshold.
#[cfg(target_os = "linux")]
#[test]
fn long_runs_show_a_progress_bar_on_a_terminal_only() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let input = random(12 << 20, 5);
    fs::write(d.join("in"), &input).unwrap();
    let (status, shown) = on_terminal(d, &["rs-encode", "-o", "in.rs", "in"]);
    assert!(status.success(), "{shown}");
    assert!(shown.contains("protecting ["), "no bar: {shown:?}");
    let (status, shown) = on_terminal(d, &["rs-decode", "-o", "out", "in.rs"]);
    assert!(status.success(), "{shown}");
    assert!(shown.contains("repairing ["), "no bar: {shown:?}");
    assert!(fs::read(d.join("out")).unwrap() == input);
    for args in [
        &["-q", "rs-encode", "-f", "-o", "in.rs", "in"][..],
        &["-q", "rs-decode", "-f", "-o", "out", "in.rs"],
    ] {
        let (status, shown) = on_terminal(d, args);
        assert!(status.success() && shown.is_empty(), "-q: {shown:?}");
    }
    // Not a terminal: rs-encode prints nothing, rs-decode only its summary.
    let o = run(d, &["rs-encode", "-f", "-o", "in.rs", "in"], None);
    assert_ok(&o);
    assert!(stderr(&o).is_empty(), "{}", stderr(&o));
    let o = run(d, &["rs-decode", "-f", "-o", "out", "in.rs"], None);
    assert_ok(&o);
    assert!(stderr(&o).starts_with("fec: RS(255,223)") && stderr(&o).lines().count() == 1);
}

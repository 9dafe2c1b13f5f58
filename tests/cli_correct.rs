//! `fec decode` with spare shares: bad shares are corrected and named, or, where
//! too many are bad, exit 10 with nothing written.
#![cfg(feature = "cli")]

use std::fs;
use std::path::Path;

use algorithm_fec::zfec;

mod cli_common;
use cli_common::*;

fn share(i: usize) -> String {
    zfec::share_file_name("s", i, 8, ".fec")
}

/// 100 kB encoded with k=3, m=8 as s.N_8.fec; returns the dir and the input.
fn encoded() -> (tempfile::TempDir, Vec<u8>) {
    let d = tempfile::tempdir().unwrap();
    let input: Vec<u8> = (0..100_000u64)
        .map(|i| ((i * 2654435761) >> 11) as u8)
        .collect();
    fs::write(d.path().join("in"), &input).unwrap();
    assert_ok(&run(
        d.path(),
        &["encode", "-k", "3", "-m", "8", "-p", "s", "in"],
        None,
    ));
    (d, input)
}

/// Flips bits of bytes at file offsets `at` of share `i`.
fn spoil(dir: &Path, i: usize, at: impl IntoIterator<Item = usize>) {
    let p = dir.join(share(i));
    let mut b = fs::read(&p).unwrap();
    for a in at {
        b[a] ^= 0x40;
    }
    fs::write(&p, b).unwrap();
}

fn decode(dir: &Path, shares: &[usize], extra: &[&str]) -> std::process::Output {
    let names: Vec<String> = shares.iter().map(|&i| share(i)).collect();
    let mut args = vec!["decode", "-o", "out"];
    args.extend(extra);
    args.extend(names.iter().map(String::as_str));
    run(dir, &args, None)
}

/// The case: one data byte of share 0 flipped. From 4 shares (one spare)
/// it is seen, not corrected: exit 10, no output, the shares named. From all 8
/// (five spares) the file comes out exact and share 0 is named, also with -q.
#[test]
fn one_bad_share_is_found_or_corrected() {
    let (d, input) = encoded();
    spoil(d.path(), 0, [1000]);
    let o = decode(d.path(), &[0, 1, 2, 3], &[]);
    assert_fails(&o, 10, "the shares disagree at byte 1000 of their files");
    assert!(
        stderr(&o).contains("at least one of s.0_8.fec, s.1_8.fec, s.2_8.fec, s.3_8.fec is bad")
    );
    assert!(stderr(&o).contains("nothing written"));
    assert!(!d.path().join("out").exists());
    assert_no_temp(d.path());
    for q in [&[][..], &["-q"]] {
        let o = decode(d.path(), &[0, 1, 2, 3, 4, 5, 6, 7], q);
        assert_ok(&o);
        assert_eq!(fs::read(d.path().join("out")).unwrap(), input);
        assert_eq!(
            stderr(&o),
            "fec: corrected: s.0_8.fec (share 0): 1 byte wrong, the first at byte 1000; the output is exact\n"
        );
        fs::remove_file(d.path().join("out")).unwrap();
    }
    // To standard output as well.
    let o = run(
        d.path(),
        &[
            "decode",
            "-o",
            "-",
            "s.0_8.fec",
            "s.1_8.fec",
            "s.2_8.fec",
            "s.3_8.fec",
            "s.4_8.fec",
        ],
        None,
    );
    assert_ok(&o);
    assert_eq!(o.stdout, input);
    assert!(stderr(&o).starts_with("fec: corrected: s.0_8.fec (share 0)"));
}

/// Two bad shares, one wrong throughout and one in a few bytes, with the five
/// spares of 8 shares: corrected, both named with their counts. With 6 shares
/// (three spares, one correctable) it is exit 10 and nothing written.
#[test]
fn two_bad_shares_with_enough_spares() {
    let (d, input) = encoded();
    let len = fs::metadata(d.path().join(share(6))).unwrap().len() as usize;
    spoil(d.path(), 6, 2..len);
    spoil(d.path(), 1, [5, 20_000, 33_334]);
    let o = decode(d.path(), &[7, 6, 5, 4, 3, 2, 1, 0], &[]);
    assert_ok(&o);
    assert_eq!(fs::read(d.path().join("out")).unwrap(), input);
    assert_eq!(
        stderr(&o),
        format!(
            "fec: corrected: s.1_8.fec (share 1): 3 bytes wrong, the first at byte 5; the output is exact\n\
             fec: corrected: s.6_8.fec (share 6): {} bytes wrong, the first at byte 2; the output is exact\n",
            len - 2
        )
    );
    fs::remove_file(d.path().join("out")).unwrap();
    let o = decode(d.path(), &[0, 1, 2, 3, 4, 6], &[]);
    assert_fails(&o, 10, "the shares disagree at byte 5 of their files");
    assert!(stderr(&o).contains("3 spare shares (beyond k=3) correct at most 1"));
    assert!(!d.path().join("out").exists());
    assert_no_temp(d.path());
}

/// With exactly k shares nothing is checked: the bad byte comes out (as documented).
#[test]
fn exactly_k_shares_are_not_checked() {
    let (d, input) = encoded();
    spoil(d.path(), 0, [1000]);
    let o = decode(d.path(), &[0, 1, 2], &[]);
    assert_ok(&o);
    let out = fs::read(d.path().join("out")).unwrap();
    assert_ne!(out, input);
    assert_eq!(out.iter().zip(&input).filter(|(a, b)| a != b).count(), 1);
}

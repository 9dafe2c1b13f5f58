//! The real zfec (PyPI zfec 1.6: its `zfec`/`zunfec` commands and its Python module)
//! against this crate's library and `fec` binary, both ways, on random inputs: sizes 0,
//! 1, k − 1, k + 1, every padlen for small k, inputs of several 4 KiB segments, and
//! several (k, m) up to m = 256. Shares must be byte-identical, and each side decodes the
//! other's shares (k chosen ones, checks where there are any) to the input.
//!
//! `scripts/venv` installs zfec into target/venv and `scripts/test-all` sources it
//! before `cargo test`, so zfec is on PATH there. Without zfec the tests fail when
//! `CI=true` and are skipped with a message otherwise.
#![cfg(feature = "cli")]

use std::fs;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use algorithm_fec::zfec;

/// Encodes and decodes files with zfec's `filefec` (what its commands run), from a job
/// file: `E<TAB>input<TAB>dir<TAB>prefix<TAB>k<TAB>m` or `D<TAB>output<TAB>share…`.
/// One process for many jobs: Python starts slowly.
const PY_JOBS: &str = r#"
import os, sys
from zfec import filefec
for line in open(sys.argv[1]):
    f = line.rstrip("\n").split("\t")
    if f[0] == "E":
        with open(f[1], "rb") as inf:
            filefec.encode_to_files(inf, os.path.getsize(f[1]), f[2], f[3], int(f[4]), int(f[5]))
    else:
        shares = [open(p, "rb") for p in f[2:]]
        with open(f[1], "wb") as out:
            filefec.decode_from_files(out, shares)
"#;

/// Whether the zfec commands and a Python that imports zfec are on PATH; false (the
/// caller skips) outside CI. In CI (`CI=true`) a missing zfec fails the test.
fn zfec_installed() -> bool {
    let on_path = |name: &str| {
        std::env::var_os("PATH")
            .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(name).is_file()))
    };
    let module = Command::new("python3")
        .args(["-c", "import zfec"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if on_path("zfec") && on_path("zunfec") && module {
        // algorithm_fec's Python package has commands of the same names; a cross-check
        // against them would compare this crate with itself.
        let version = Command::new("zfec").arg("--version").output().unwrap();
        let version = String::from_utf8_lossy(&version.stdout);
        assert!(
            !version.contains("algorithm_fec"),
            "the zfec on PATH is algorithm_fec's, not PyPI zfec's:\n{version}"
        );
        return true;
    }
    let msg = "zfec (commands zfec, zunfec and the Python module) not found on PATH: \
               `source scripts/venv` installs it";
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "CI=true: {msg}"
    );
    eprintln!("{msg}; cross-check with zfec skipped");
    false
}

#[track_caller]
fn assert_ok(o: &Output, what: &str) {
    assert!(
        o.status.success(),
        "{what}: {:?}\nstdout: {}\nstderr: {}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

mod cli_common;
use cli_common::{run_cmd as run, FEC};

#[path = "common/rng.rs"]
mod rng;
use rng::Rng;

/// k distinct share numbers below m, the checks first (where there are enough),
/// in random order.
fn pick(rng: &mut Rng, k: usize, m: usize) -> Vec<usize> {
    let mut all: Vec<usize> = (0..m).rev().collect();
    let checks = (m - k).min(k);
    let rest = &mut all[checks..];
    for i in (1..rest.len()).rev() {
        rest.swap(i, rng.below(i + 1));
    }
    let mut pick = all[..k].to_vec();
    for i in (1..k).rev() {
        pick.swap(i, rng.below(i + 1));
    }
    pick
}

/// One input: its (k, m), its bytes and the directory of its files.
struct Case {
    k: usize,
    m: usize,
    /// The largest input of its (k, m).
    biggest: bool,
    input: Vec<u8>,
    dir: PathBuf,
}

impl Case {
    fn with_cli(&self) -> bool {
        self.m < 256 || self.biggest
    }

    fn share(&self, side: &str, i: usize) -> PathBuf {
        self.dir
            .join(side)
            .join(zfec::share_file_name("in", i, self.m, ".fec"))
    }
}

/// Sizes for one (k, m): 0, 1, k − 1, k + 1, every padlen when k ≤ 8, and `big`.
fn sizes(k: usize, big: Option<usize>) -> Vec<usize> {
    let mut s = vec![0, 1, k - 1, k + 1];
    if k <= 8 {
        s.extend((0..k).map(|pad| 5 * k + (k - pad) % k));
    }
    s.extend(big);
    s.sort_unstable();
    s.dedup();
    s
}

/// Every share of the library, of `fec encode` and of zfec equal; zfec decodes ours and
/// `fec decode` decodes zfec's, from k chosen shares.
#[test]
fn shares_equal_and_decode_both_ways() {
    if !zfec_installed() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let mut rng = Rng(0xfec);
    let mut cases = Vec::new();
    for (k, m, big) in [
        (1, 1, None),
        (1, 3, Some(9000)),
        (2, 2, Some(2 * 4096 + 1)),
        (3, 8, Some(3 * 4096 * 2 + 2)),
        (5, 7, Some(5 * 4096 + 4)),
        (8, 12, None),
        (16, 32, Some(16 * 4096 * 2 + 7)),
        (64, 256, None),
        (250, 256, Some(250 * 4096 + 3)),
        (256, 256, None),
    ] {
        let sizes = sizes(k, big);
        for &size in &sizes {
            let dir = tmp.path().join(format!("k{k}_m{m}_{size}"));
            for side in ["lib", "cli", "zfec"] {
                fs::create_dir_all(dir.join(side)).unwrap();
            }
            let input = rng.bytes(size);
            fs::write(dir.join("in"), &input).unwrap();
            let biggest = size == sizes[sizes.len() - 1];
            cases.push(Case {
                k,
                m,
                biggest,
                input,
                dir,
            });
        }
    }

    // zfec's jobs: encode every input (here), decode our shares (below).
    let mut jobs = String::new();
    for c in &cases {
        jobs += &format!(
            "E\t{}\t{}\tin\t{}\t{}\n",
            c.dir.join("in").display(),
            c.dir.join("zfec").display(),
            c.k,
            c.m
        );
    }
    for c in &cases {
        let mut outs: Vec<fs::File> = (0..c.m)
            .map(|i| fs::File::create(c.share("lib", i)).unwrap())
            .collect();
        zfec::encode(c.k, c.m, &c.input[..], &mut outs, &mut |_| {}).unwrap();
        // The command makes 256 files slowly (temporary names, renames): once per (k, m).
        if c.with_cli() {
            let (k, m) = (c.k.to_string(), c.m.to_string());
            let args = ["encode", "-q", "-k", &k, "-m", &m, "-d", "cli", "in"];
            assert_ok(&run(FEC, &args, &c.dir, None), "fec encode");
        }
    }
    // zfec decodes our shares (it needs two files at least).
    for c in cases.iter().filter(|c| c.m >= 2) {
        let pick = pick(&mut rng, c.k.max(2), c.m);
        jobs += &format!("D\t{}", c.dir.join("back_zfec").display());
        for i in pick {
            jobs += &format!("\t{}", c.share("lib", i).display());
        }
        jobs += "\n";
    }
    let job_file = tmp.path().join("jobs.tsv");
    fs::write(&job_file, jobs).unwrap();
    let o = run(
        "python3",
        &["-c", PY_JOBS, job_file.to_str().unwrap()],
        tmp.path(),
        None,
    );
    assert_ok(&o, "zfec (Python)");

    for c in &cases {
        let what = format!("k={} m={} size={}", c.k, c.m, c.input.len());
        for i in 0..c.m {
            let theirs = fs::read(c.share("zfec", i)).unwrap();
            assert!(
                fs::read(c.share("lib", i)).unwrap() == theirs,
                "{what}: library share {i} differs from zfec's"
            );
            assert!(
                !c.with_cli() || fs::read(c.share("cli", i)).unwrap() == theirs,
                "{what}: fec encode share {i} differs from zfec's"
            );
        }
        if c.m >= 2 {
            assert!(
                fs::read(c.dir.join("back_zfec")).unwrap() == c.input,
                "{what}: zfec decoded our shares wrongly"
            );
        }
        let pick: Vec<String> = pick(&mut rng, c.k, c.m)
            .into_iter()
            .map(|i| c.share("zfec", i).display().to_string())
            .collect();
        let mut args = vec!["decode", "-o", "back_fec"];
        args.extend(pick.iter().map(String::as_str));
        assert_ok(
            &run(FEC, &args, &c.dir, None),
            &format!("fec decode, {what}"),
        );
        assert!(
            fs::read(c.dir.join("back_fec")).unwrap() == c.input,
            "{what}: fec decoded zfec's shares wrongly"
        );
    }
}

/// The commands themselves: `fec encode -` from a pipe makes the shares the `zfec`
/// command makes from the file; `zunfec` decodes `fec`'s and `fec decode -o -` (to a
/// pipe) decodes zfec's.
#[test]
fn commands_and_pipes() {
    if !zfec_installed() {
        return;
    }
    let mut rng = Rng(77);
    for (k, m, size) in [
        (3, 10, 3 * 4096 * 3 + 2),
        (7, 256, 7 * 4096 + 1),
        (4, 4, 0),
        (1, 2, 1),
    ] {
        let what = format!("k={k} m={m} size={size}");
        let input = rng.bytes(size);
        let ours = tempfile::tempdir().unwrap();
        let theirs = tempfile::tempdir().unwrap();
        let (ks, ms) = (k.to_string(), m.to_string());
        let args = ["-q", "-k", &ks, "-m", &ms, "-p", "in"];
        let fec_args: Vec<&str> = std::iter::once("encode").chain(args).chain(["-"]).collect();
        assert_ok(&run(FEC, &fec_args, ours.path(), Some(&input)), &what);
        // zfec cannot read a pipe (it seeks to learn the size): it gets a file.
        fs::write(theirs.path().join("input"), &input).unwrap();
        let zfec_args: Vec<&str> = args.into_iter().chain(["input"]).collect();
        assert_ok(&run("zfec", &zfec_args, theirs.path(), None), &what);
        for i in 0..m {
            let n = zfec::share_file_name("in", i, m, ".fec");
            assert!(
                fs::read(ours.path().join(&n)).unwrap()
                    == fs::read(theirs.path().join(&n)).unwrap(),
                "{what}: share {i} from a pipe differs from zfec's"
            );
        }
        let pick: Vec<String> = pick(&mut rng, k.max(2), m)
            .into_iter()
            .map(|i| zfec::share_file_name("in", i, m, ".fec"))
            .collect();
        let mut a = vec!["-o", "back"];
        a.extend(pick.iter().map(String::as_str));
        assert_ok(&run("zunfec", &a, ours.path(), None), &what);
        assert!(
            fs::read(ours.path().join("back")).unwrap() == input,
            "{what}: zunfec"
        );
        let mut a = vec!["decode", "-o", "-"];
        a.extend(pick[..k].iter().map(String::as_str));
        let o = run(FEC, &a, theirs.path(), None);
        assert_ok(&o, &what);
        assert!(o.stdout == input, "{what}: fec decode of zfec's shares");
    }
}

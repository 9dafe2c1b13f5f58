//! End-to-end speed of the `fec` binary on a large generated file, and of the real
//! `zfec` / `zunfec` in the same run when they are on PATH (or named by the `ZFEC`
//! and `ZUNFEC` environment variables), with a byte-for-byte check of the shares.
//!
//! ```text
//! cargo bench --bench cli                       # 1 GiB, k=3, m=10
//! FEC_BENCH_SIZE=64M FEC_BENCH_K=4 FEC_BENCH_M=12 FEC_BENCH_ROUNDS=1 cargo bench --bench cli
//! ```
//!
//! Files go to a temporary directory under `FEC_BENCH_DIR` (default: the system
//! temp dir); they take about (1 + 2·m/k) times the input size at peak. With
//! `BENCH_RESULTS=file` each row is also appended to that file as a JSON line.

mod common;

use std::fs::{self, File};
use std::io::{BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

const FEC: &str = env!("CARGO_BIN_EXE_fec");

fn env_num(name: &str, default: u64) -> u64 {
    let Ok(v) = std::env::var(name) else {
        return default;
    };
    let v = v.trim();
    let (num, mult) = match v.char_indices().last() {
        Some((i, 'K' | 'k')) => (&v[..i], 1 << 10),
        Some((i, 'M' | 'm')) => (&v[..i], 1 << 20),
        Some((i, 'G' | 'g')) => (&v[..i], 1 << 30),
        _ => (v, 1),
    };
    num.parse::<u64>()
        .map(|n| n * mult)
        .unwrap_or_else(|_| panic!("{name}={v}: not a number"))
}

/// Pseudo-random input (xorshift), written in 1 MiB pieces.
fn make_input(path: &Path, size: u64) {
    let mut f = File::create(path).unwrap();
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    let mut buf = vec![0u8; 1 << 20];
    let mut left = size;
    while left > 0 {
        for c in buf.chunks_exact_mut(8) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            c.copy_from_slice(&x.to_le_bytes());
        }
        let n = left.min(buf.len() as u64) as usize;
        f.write_all(&buf[..n]).unwrap();
        left -= n as u64;
    }
}

/// A command line from an environment variable, or a program found on PATH.
fn tool(var: &str, name: &str) -> Option<Vec<String>> {
    if let Ok(v) = std::env::var(var) {
        let parts: Vec<String> = v.split_whitespace().map(String::from).collect();
        return (!parts.is_empty()).then_some(parts);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
        .map(|p| vec![p.display().to_string()])
}

/// Runs a command to completion (after a `sync`, so earlier writes don't bill it);
/// returns seconds.
fn timed(cmd: &[String], args: &[&str], dir: &Path) -> f64 {
    let _ = Command::new("sync").status();
    let start = Instant::now();
    let out = Command::new(&cmd[0])
        .args(&cmd[1..])
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .unwrap_or_else(|e| panic!("{}: {e}", cmd[0]));
    let t = start.elapsed().as_secs_f64();
    assert!(
        out.status.success(),
        "{cmd:?} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    t
}

fn same_files(a: &Path, b: &Path) -> bool {
    let (Ok(fa), Ok(fb)) = (File::open(a), File::open(b)) else {
        return false;
    };
    if fa.metadata().unwrap().len() != fb.metadata().unwrap().len() {
        return false;
    }
    let (mut ra, mut rb) = (
        BufReader::with_capacity(1 << 20, fa),
        BufReader::with_capacity(1 << 20, fb),
    );
    let (mut ba, mut bb) = (vec![0u8; 1 << 20], vec![0u8; 1 << 20]);
    loop {
        let n = ra.read(&mut ba).unwrap();
        if n == 0 {
            return true;
        }
        rb.read_exact(&mut bb[..n]).unwrap();
        if ba[..n] != bb[..n] {
            return false;
        }
    }
}

fn share_names(m: usize) -> Vec<String> {
    (0..m)
        .map(|i| algorithm_fec::zfec::share_file_name("in", i, m, ".fec"))
        .collect()
}

fn mbps(size: u64, secs: f64) -> f64 {
    size as f64 / secs / 1e6
}

fn main() {
    let size = env_num("FEC_BENCH_SIZE", 1 << 30);
    let k = env_num("FEC_BENCH_K", 3) as usize;
    let m = env_num("FEC_BENCH_M", 10) as usize;
    let base: PathBuf = std::env::var_os("FEC_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    let dir = tempfile::tempdir_in(base).unwrap();
    let d = dir.path();
    let input = d.join("in");
    println!("input: {size} bytes, k={k}, m={m}, in {}", d.display());
    make_input(&input, size);
    let fec = vec![FEC.to_string()];
    let zfec = tool("ZFEC", "zfec");
    let zunfec = tool("ZUNFEC", "zunfec");
    let names = share_names(m);
    let parity_k: Vec<&str> = names[m - k..].iter().map(String::as_str).collect();
    let data_k: Vec<&str> = names[..k].iter().map(String::as_str).collect();
    let (ks, ms) = (k.to_string(), m.to_string());

    let rounds = env_num("FEC_BENCH_ROUNDS", 2).max(1);
    let fd = d.join("fec");
    let zd = d.join("zfec");
    fs::create_dir(&fd).unwrap();
    fs::create_dir(&zd).unwrap();
    let clear = |dir: &Path| {
        for e in fs::read_dir(dir).unwrap() {
            fs::remove_file(e.unwrap().path()).unwrap();
        }
    };
    let best = |a: Option<f64>, b: f64| Some(a.map_or(b, |a| a.min(b)));
    // fec and zfec alternate, best of `rounds` each, so that neither always runs
    // right after the other's writes.
    let (mut t_enc, mut z_enc) = (None, None);
    for _ in 0..rounds {
        clear(&fd);
        // zfec does not fsync: neither does fec here, to compare like with like.
        let enc = [
            "encode",
            "-q",
            "--no-fsync",
            "-k",
            &ks,
            "-m",
            &ms,
            "-p",
            "in",
            "-d",
            "fec",
            "in",
        ];
        t_enc = best(t_enc, timed(&fec, &enc, d));
        if let Some(z) = &zfec {
            clear(&zd);
            let a = ["-q", "-k", &ks, "-m", &ms, "-p", "in", "-d", "zfec", "in"];
            z_enc = best(z_enc, timed(z, &a, d));
        }
    }
    if zfec.is_some() {
        let identical = names.iter().all(|n| same_files(&fd.join(n), &zd.join(n)));
        println!(
            "shares of fec and zfec byte-identical: {}",
            if identical { "yes" } else { "NO" }
        );
        assert!(identical);
        clear(&zd);
    }
    let decode = |shares: &[&str]| {
        let (mut t, mut z) = (None, None);
        for _ in 0..rounds {
            let mut a = vec!["decode", "-q", "--no-fsync", "-o", "../out"];
            a.extend(shares);
            t = best(t, timed(&fec, &a, &fd));
            assert!(same_files(&input, &d.join("out")), "fec decode differs");
            fs::remove_file(d.join("out")).unwrap();
            // zunfec needs at least 2 shares; it reads fec's shares (identical).
            if let (Some(zu), true) = (&zunfec, k >= 2) {
                let mut a = vec!["-o", "../zout"];
                a.extend(shares);
                z = best(z, timed(zu, &a, &fd));
                assert!(same_files(&input, &d.join("zout")), "zunfec output differs");
                fs::remove_file(d.join("zout")).unwrap();
            }
        }
        (t.unwrap(), z)
    };
    let (t_dec_parity, z_dec_parity) = decode(&parity_k);
    let (t_dec_data, z_dec_data) = decode(&data_k);
    let mut t_verify = None;
    for _ in 0..rounds {
        let mut a = vec!["verify", "-q"];
        a.extend(names.iter().map(String::as_str));
        t_verify = best(t_verify, timed(&fec, &a, &fd));
    }
    let rows = [
        ("encode", t_enc.unwrap(), z_enc),
        ("decode, k parity shares", t_dec_parity, z_dec_parity),
        ("decode, k data shares", t_dec_data, z_dec_data),
        ("verify, all m shares", t_verify.unwrap(), None),
    ];
    println!("best of {rounds} runs each, fec and zfec alternating");
    println!(
        "{:<26} {:>9} {:>10} {:>10} {:>10}",
        "", "fec s", "fec MB/s", "zfec MB/s", "fec/zfec"
    );
    for (what, t, z) in rows {
        let (zs, ratio) = match z {
            Some(z) => (format!("{:.1}", mbps(size, z)), format!("{:.2}x", z / t)),
            None => ("-".into(), "-".into()),
        };
        println!(
            "{what:<26} {t:>9.2} {:>10.1} {zs:>10} {ratio:>10}",
            mbps(size, t)
        );
        common::record(serde_json::json!({
            "bench": "cli",
            "config": format!("cli {what}"),
            "row": format!("{what}, {size} bytes, k={k}, m={m}, best of {rounds}"),
            "baseline": z.map(|_| "zfec"),
            "bytes": size,
            "ours_s": t,
            "base_s": z,
            "ours_mbs": mbps(size, t),
            "base_mbs": z.map(|z| mbps(size, z)),
            "ratio": z.map(|z| z / t),
            "cpu": common::cpu_name(),
        }));
    }
    if zfec.is_none() || zunfec.is_none() {
        println!("(zfec/zunfec not found: install python3-zfec and pyutil, or set ZFEC/ZUNFEC)");
    }
}

//! Known-answer files in the format of `algorithm-fec.tsv`: the data generator, the
//! parser and the check of one line. Shared by the tests and `examples/conformance.rs`.
#![allow(dead_code)]

use algorithm_fec::{Code, Error, Field};
use sha2::{Digest, Sha256};

/// Data block `j` of a config with seed `seed` (the generator documented in the file).
pub fn gen_block(seed: u64, j: u64, bs: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(1000003).wrapping_add(j + 1);
    (0..bs)
        .map(|_| {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            (x.wrapping_mul(0x2545F4914F6CDD1D) >> 56) as u8
        })
        .collect()
}

pub fn gen_data(seed: u64, k: usize, bs: usize) -> Vec<Vec<u8>> {
    (0..k as u64).map(|j| gen_block(seed, j, bs)).collect()
}

/// Blocks `indices` of a code whose data are low-degree polynomials: symbol s of
/// block i is f_s(x_i), with f_s of degree < 4 and random coefficients. The polynomial
/// of degree < k through the data is then f_s itself (k ≥ 4), so every block, data or
/// check, costs O(1) per symbol instead of O(k): large decodes stay cheap to set up
/// in debug builds.
pub fn poly_blocks(field: Field, seed: u64, bs: usize, indices: &[usize]) -> Vec<Vec<u8>> {
    let w = field.symbol_bytes();
    let mask = (field.size() - 1) as u16;
    let raw = gen_block(seed, 0, bs / w * 8);
    let polys: Vec<[u16; 4]> = raw
        .chunks(8)
        .map(|c| std::array::from_fn(|d| u16::from_le_bytes([c[2 * d], c[2 * d + 1]]) & mask))
        .collect();
    indices
        .iter()
        .map(|&i| {
            let x = field.point(i);
            polys
                .iter()
                .flat_map(|f| {
                    let v = f.iter().rev().fold(0, |acc, &c| field.mul(acc, x) ^ c);
                    v.to_le_bytes().into_iter().take(w)
                })
                .collect()
        })
        .collect()
}

pub fn sha_hex(parts: &[&[u8]]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The parameters every line starts with.
#[derive(Debug, Clone)]
pub struct Config {
    pub k: usize,
    pub n: usize,
    pub bs: usize,
    pub seed: u64,
}

#[derive(Debug, Clone)]
pub enum Line {
    /// encode(index) hashes to sha.
    Encode {
        cfg: Config,
        index: usize,
        sha: String,
    },
    /// decode from `input` indices reorders them to `reordered` and gives the data.
    Decode {
        cfg: Config,
        input: Vec<usize>,
        reordered: Vec<usize>,
        sha: String,
    },
    /// GF(2^16), odd block size: the first bs−1 bytes of encode(index) hash to sha.
    Prefix {
        cfg: Config,
        index: usize,
        sha: String,
    },
}

fn num<T: std::str::FromStr>(s: &str, what: &str) -> Result<T, String> {
    s.parse()
        .map_err(|_| format!("{what}: not a number: {s:?}"))
}

fn list(s: &str, what: &str) -> Result<Vec<usize>, String> {
    s.split(',').map(|x| num(x, what)).collect()
}

fn sha_field(s: &str) -> Result<String, String> {
    if s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(s.to_ascii_lowercase())
    } else {
        Err(format!("not a sha256 hex digest: {s:?}"))
    }
}

/// Parses one non-comment line.
pub fn parse_line(line: &str) -> Result<Line, String> {
    let f: Vec<&str> = line.split('\t').collect();
    let want = match f[0] {
        "E" | "P" => 7,
        "D" => 8,
        other => return Err(format!("unknown line type {other:?}")),
    };
    if f.len() != want {
        return Err(format!(
            "{} line needs {want} fields, has {}",
            f[0],
            f.len()
        ));
    }
    let cfg = Config {
        k: num(f[1], "k")?,
        n: num(f[2], "n")?,
        bs: num(f[3], "blocksize")?,
        seed: num(f[4], "seed")?,
    };
    Ok(match f[0] {
        "E" => Line::Encode {
            cfg,
            index: num(f[5], "index")?,
            sha: sha_field(f[6])?,
        },
        "P" => Line::Prefix {
            cfg,
            index: num(f[5], "index")?,
            sha: sha_field(f[6])?,
        },
        _ => Line::Decode {
            cfg,
            input: list(f[5], "input indices")?,
            reordered: list(f[6], "reordered indices")?,
            sha: sha_field(f[7])?,
        },
    })
}

/// The lines of a file that are not comments or blank, with their 1-based numbers.
pub fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim_end_matches('\r')))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'))
}

fn encode_one(code: &Code, data: &[Vec<u8>], index: usize) -> Result<Vec<u8>, Error> {
    let refs: Vec<&[u8]> = data.iter().map(|d| d.as_slice()).collect();
    let mut out = vec![0u8; data[0].len()];
    code.encode(&refs, index, &mut out)?;
    Ok(out)
}

/// Checks one line against this crate; `Err` says what differs.
pub fn check(line: &Line) -> Result<(), String> {
    let e = |err: Error| err.to_string();
    match line {
        Line::Encode { cfg, index, sha } => {
            let code = Code::new(cfg.k, cfg.n).map_err(e)?;
            let data = gen_data(cfg.seed, cfg.k, cfg.bs);
            let got = sha_hex(&[&encode_one(&code, &data, *index).map_err(e)?]);
            (got == *sha)
                .then_some(())
                .ok_or(format!("encode({index}) hashes to {got}"))
        }
        Line::Prefix { cfg, index, sha } => {
            let code = Code::new(cfg.k, cfg.n).map_err(e)?;
            let data = gen_data(cfg.seed, cfg.k, cfg.bs);
            // We reject odd GF(2^16) blocks outright (the original leaves the last byte
            // undefined) ...
            match encode_one(&code, &data, *index) {
                Err(Error::OddBlockSize { .. }) => {}
                other => return Err(format!("odd block size accepted: {other:?}")),
            }
            // ... and agree with it on every byte it does define.
            let even: Vec<Vec<u8>> = data.iter().map(|d| d[..cfg.bs - 1].to_vec()).collect();
            let got = sha_hex(&[&encode_one(&code, &even, *index).map_err(e)?]);
            (got == *sha).then_some(()).ok_or(format!(
                "encode({index}) of the first {} bytes hashes to {got}",
                cfg.bs - 1
            ))
        }
        Line::Decode {
            cfg,
            input,
            reordered,
            sha,
        } => {
            let code = Code::new(cfg.k, cfg.n).map_err(e)?;
            let data = gen_data(cfg.seed, cfg.k, cfg.bs);
            let mut blocks = input
                .iter()
                .map(|&i| encode_one(&code, &data, i))
                .collect::<Result<Vec<_>, _>>()
                .map_err(e)?;
            let mut idx = input.clone();
            let mut refs: Vec<&mut [u8]> = blocks.iter_mut().map(|b| b.as_mut_slice()).collect();
            code.decode(&mut refs, &mut idx).map_err(e)?;
            if idx != *reordered {
                return Err(format!("reordered to {idx:?}, want {reordered:?}"));
            }
            // `decode` permuted the references: position i now holds data block i.
            let parts: Vec<&[u8]> = refs.iter().map(|b| &**b).collect();
            let got = sha_hex(&parts);
            (got == *sha)
                .then_some(())
                .ok_or(format!("decoded data hashes to {got}"))
        }
    }
}

/// Runs the tests of the calling test binary whose names contain `filter` again under
/// each kernel this CPU has, one child process per kernel (a process picks its kernel
/// once, from `ALGORITHM_FEC_KERNEL`); each child must pass exactly `count` tests.
/// Does nothing in a process that already runs under a chosen kernel.
pub fn under_every_kernel(filter: &str, count: usize) {
    if std::env::var_os("ALGORITHM_FEC_KERNEL").is_some() {
        return;
    }
    for name in algorithm_fec::kernels::available() {
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args([filter, "--test-threads", "2"])
            .env("ALGORITHM_FEC_KERNEL", name)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && stdout.contains(&format!("test result: ok. {count} passed")),
            "under ALGORITHM_FEC_KERNEL={name}:\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

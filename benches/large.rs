//! Large codes against reed-solomon-simd (an O(n log n) code over GF(2^16)) in one run:
//! configs D, F, F-dec, G and H of ../shared/BENCH.md, single thread.
//!
//! ```text
//! cargo bench --bench large            # every config
//! cargo bench --bench large -- F       # configs whose name starts with F
//! cargo bench --bench large -- --quadratic D   # also our quadratic path, same run
//! ```
//!
//! Throughput is input bytes (k data blocks) per second, MB = 10^6 bytes, best of
//! several batches. Encode rows make all n − k checks; decode rows rebuild every lost
//! data block, with `Code::new`, the decoder's setup (solving the system) and the
//! decode inside the timing, as BENCH.md's G has it (reed-solomon-simd: the shards
//! and the decode, on an encoder and a decoder kept across calls as its documentation
//! has them used: each resets itself when its result is dropped, and an explicit
//! `reset` would re-allocate its work space every call). The lost blocks are the
//! first ones (0, 1, …); F and G also have a row with as many lost blocks scattered
//! at random (a seeded draw, the same in every run), because our decode's cost grows
//! with the span of the lost blocks and its setup is cheaper for bursts, and
//! reed-solomon-simd's is not.
//! Before timing, our checks are decoded back to the data and reed-solomon-simd's
//! recovery is checked against the originals. The path (quadratic or convolution) is
//! the one the code layer picks unless `ALGORITHM_FEC_PATH` names one.
//! With `BENCH_RESULTS=file` each row is also appended to that file as a JSON line
//! (config, both sides' times, MB/s and kernels, ratio), for scripts/bench-report.

mod common;
#[path = "../tests/common/rng.rs"]
mod rng;

use common::{cpu_name, data, record, time};
use rng::Rng;

use algorithm_fec::{code::set_path, kernels, Code, Shard};
use reed_solomon_simd::{ReedSolomonDecoder, ReedSolomonEncoder};

/// One config: k data blocks of `len` bytes, n blocks in all, `lost` data blocks
/// (0, 1, …; with `scattered` also a random draw) rebuilt from the first `lost`
/// checks.
struct Config {
    name: &'static str,
    k: usize,
    n: usize,
    len: usize,
    lost: usize,
    scattered: bool,
}

impl Config {
    /// The lost data blocks of each decode row.
    fn patterns(&self) -> Vec<Vec<usize>> {
        let mut p = vec![(0..self.lost).collect()];
        if self.scattered {
            let mut all: Vec<usize> = (0..self.k).collect();
            Rng(0x9E37_79B9).shuffle(&mut all);
            let mut lost = all[..self.lost].to_vec();
            lost.sort_unstable();
            p.push(lost);
        }
        p
    }
}

/// An encode of all checks, and the decodes of [`Config::patterns`].
struct Times {
    encode: f64,
    decode: Vec<f64>,
}

fn ours(c: &Config, data: &[Vec<u8>]) -> Times {
    let code = Code::new(c.k, c.n).unwrap();
    let refs: Vec<&[u8]> = data.iter().map(|d| d.as_slice()).collect();
    let indices: Vec<usize> = (c.k..c.n).collect();
    let mut checks = vec![vec![0u8; c.len]; c.n - c.k];
    let mut encode = || {
        let mut o: Vec<&mut [u8]> = checks.iter_mut().map(|o| o.as_mut_slice()).collect();
        code.encode_many(&refs, &indices, &mut o).unwrap();
    };
    let encode_s = time(&mut encode);
    encode();

    let decode_one = |lost: &[usize]| {
        // Lost block lost[i] is replaced by check k + i.
        let mut idx: Vec<usize> = (0..c.k).collect();
        for (i, &p) in lost.iter().enumerate() {
            idx[p] = c.k + i;
        }
        let mut work = checks[..lost.len()].to_vec();
        let decode = |work: &mut [Vec<u8>]| {
            for (w, o) in work.iter_mut().zip(&checks) {
                w.copy_from_slice(o);
            }
            let mut it = work.iter_mut();
            let mut shards: Vec<Shard<'_>> = (0..c.k)
                .map(|p| match lost.binary_search(&p) {
                    Ok(_) => Shard::Write(it.next().unwrap()),
                    Err(_) => Shard::Read(&data[p]),
                })
                .collect();
            // As BENCH.md's G: the code, the decoder's setup and the decode.
            let code = Code::new(c.k, c.n).unwrap();
            code.decoder(&idx).unwrap().decode(&mut shards).unwrap();
        };
        decode(&mut work);
        assert!(
            work.iter().zip(lost).all(|(w, &p)| *w == data[p]),
            "{}: decode",
            c.name
        );
        time(|| decode(&mut work))
    };
    Times {
        encode: encode_s,
        decode: c.patterns().iter().map(|l| decode_one(l)).collect(),
    }
}

fn theirs(c: &Config, data: &[Vec<u8>]) -> Times {
    let (k, m) = (c.k, c.n - c.k);
    let mut enc = ReedSolomonEncoder::new(k, m, c.len).unwrap();
    let mut encode = || -> Vec<Vec<u8>> {
        for d in data {
            enc.add_original_shard(d).unwrap();
        }
        enc.encode()
            .unwrap()
            .recovery_iter()
            .map(<[u8]>::to_vec)
            .collect()
    };
    let recovery = encode();
    let encode_s = time(|| {
        for d in data {
            enc.add_original_shard(d).unwrap();
        }
        std::hint::black_box(enc.encode().unwrap());
    });
    let mut dec = ReedSolomonDecoder::new(k, m, c.len).unwrap();
    let mut decode_one = |lost: &[usize]| {
        let mut decode = |check: bool| {
            for (i, d) in data.iter().enumerate() {
                if lost.binary_search(&i).is_err() {
                    dec.add_original_shard(i, d).unwrap();
                }
            }
            for (i, r) in recovery.iter().enumerate().take(lost.len()) {
                dec.add_recovery_shard(i, r).unwrap();
            }
            let out = dec.decode().unwrap();
            if check {
                for &i in lost {
                    let d = data[i].as_slice();
                    assert_eq!(out.restored_original(i), Some(d), "{}", c.name);
                }
            }
        };
        decode(true);
        time(|| decode(false))
    };
    Times {
        encode: encode_s,
        decode: c.patterns().iter().map(|l| decode_one(l)).collect(),
    }
}

/// The engine reed-solomon-simd's `DefaultEngine` picks, in the order its
/// documentation gives (it does not say which it took).
fn their_engine() -> &'static str {
    #[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
    {
        if is_x86_feature_detected!("avx2") {
            return "avx2";
        }
        if is_x86_feature_detected!("ssse3") {
            return "ssse3";
        }
    }
    #[cfg(target_arch = "aarch64")]
    {
        if std::arch::is_aarch64_feature_detected!("neon") {
            return "neon";
        }
    }
    "nosimd"
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let quadratic = args.iter().any(|a| a == "--quadratic");
    let filter: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
    // Single thread, as reed-solomon-simd: built with `parallel`, our big calls would
    // otherwise be cut across every CPU.
    #[cfg(feature = "parallel")]
    kernels::set_threads(1);
    let configs = [
        Config {
            name: "D",
            k: 200,
            n: 255,
            len: 16 << 10,
            lost: 55,
            scattered: false,
        },
        Config {
            name: "F",
            k: 1000,
            n: 1500,
            len: 64 << 10,
            lost: 500,
            scattered: true,
        },
        Config {
            name: "H",
            k: 32,
            n: 64,
            len: 64 << 10,
            lost: 32,
            scattered: false,
        },
        Config {
            name: "G",
            k: 32768,
            n: 65535,
            len: 2,
            lost: 16384,
            scattered: true,
        },
    ];
    println!("| config | ours | reed-solomon-simd | ratio | ours, quadratic path |");
    println!("|---|---:|---:|---:|---:|");
    for c in configs
        .iter()
        .filter(|c| filter.is_empty() || filter.iter().any(|f| f.starts_with(c.name)))
    {
        let data = data(c.k, c.len);
        let q = quadratic.then(|| {
            set_path("quadratic");
            let q = ours(c, &data);
            set_path("auto");
            q
        });
        let (o, t) = (ours(c, &data), theirs(c, &data));
        let small = c.len < 64;
        let show = |s: f64| match small {
            true => format!("{:.1} ms", s * 1e3),
            false => format!("{:.0} MB/s", (c.k * c.len) as f64 / s / 1e6),
        };
        let mut rows = vec![(
            c.name.to_string(),
            format!("{} encode {} checks", c.name, c.n - c.k),
            o.encode,
            t.encode,
            q.as_ref().map(|q| q.encode),
        )];
        for (i, lost) in c.patterns().iter().enumerate() {
            let which = match i {
                0 => "",
                _ => ", scattered",
            };
            rows.push((
                format!("{}-dec{}", c.name, which.replace(", ", "-")),
                format!("{}-dec {} lost{which}", c.name, lost.len()),
                o.decode[i],
                t.decode[i],
                q.as_ref().map(|q| q.decode[i]),
            ));
        }
        let bytes = c.k * c.len;
        for (key, what, ours, theirs, quad) in rows {
            record(serde_json::json!({
                "bench": "large",
                "config": key,
                "row": format!("{what} (k={}, n={}, {} B blocks)", c.k, c.n, c.len),
                "baseline": "reed-solomon-simd",
                "bytes": bytes,
                "ours_s": ours,
                "base_s": theirs,
                "ours_mbs": bytes as f64 / ours / 1e6,
                "base_mbs": bytes as f64 / theirs / 1e6,
                "ratio": theirs / ours,
                "ours_quadratic_s": quad,
                "ours_kernel": kernels::active().name(),
                "base_kernel": their_engine(),
                "cpu": cpu_name(),
            }));
            println!(
                "| {what} (k={}, {} B blocks) | {} | {} | {:.2}× | {} |",
                c.k,
                c.len,
                show(ours),
                show(theirs),
                theirs / ours,
                quad.map_or(String::new(), |s| format!(
                    "{} ({:.2}×)",
                    show(s),
                    theirs / s
                )),
            );
        }
    }
}

//! Large codes against reed-solomon-simd (an O(n log n) code over GF(2^16)) in one run:
//! configs D, F, F-dec, G and H of ../shared/BENCH.md, single thread.
//!
//! ```text
//! cargo bench --bench large            # every config
//! cargo bench --bench large -- F       # configs whose name starts with F
//! cargo bench --bench large -- --quadratic D   # also our quadratic path, same run
//! ```
//!
//! Throughput is input bytes (k data blocks) per second of the thread's CPU time,
//! MB = 10^6 bytes: the two sides of a row (and our quadratic path, if asked for) take
//! batches of about 30 ms in turn, 15 rounds (5 for calls over 0.3 s), and each
//! side's best batch counts (`common::time_sides`). Encode rows make all n − k checks; decode rows rebuild every lost
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

use common::{cpu_name, data, record, time_sides, timing, Clock};
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

/// One call of a side of a row.
type Call<'a> = Box<dyn FnMut() + 'a>;

/// Our encode of all checks into buffers kept across calls, and the checks.
fn ours_encode<'a>(c: &Config, data: &'a [Vec<u8>]) -> (Call<'a>, Vec<Vec<u8>>) {
    let code = Code::new(c.k, c.n).unwrap();
    let refs: Vec<&[u8]> = data.iter().map(|d| d.as_slice()).collect();
    let indices: Vec<usize> = (c.k..c.n).collect();
    let encode = move |checks: &mut [Vec<u8>]| {
        let mut o: Vec<&mut [u8]> = checks.iter_mut().map(|o| o.as_mut_slice()).collect();
        code.encode_many(&refs, &indices, &mut o).unwrap();
    };
    let mut checks = vec![vec![0u8; c.len]; c.n - c.k];
    encode(&mut checks);
    let mut out = checks.clone();
    (Box::new(move || encode(&mut out)), checks)
}

/// Our decode of the data blocks `lost` (lost block lost[i] replaced by check k + i),
/// after checking that it gives back the data: as BENCH.md's G, the code, the
/// decoder's setup and the decode.
fn ours_decode<'a>(
    c: &'a Config,
    data: &'a [Vec<u8>],
    checks: &'a [Vec<u8>],
    lost: &'a [usize],
) -> Call<'a> {
    let mut idx: Vec<usize> = (0..c.k).collect();
    for (i, &p) in lost.iter().enumerate() {
        idx[p] = c.k + i;
    }
    let decode = move |work: &mut [Vec<u8>]| {
        for (w, o) in work.iter_mut().zip(checks) {
            w.copy_from_slice(o);
        }
        let mut it = work.iter_mut();
        let mut shards: Vec<Shard<'_>> = (0..c.k)
            .map(|p| match lost.binary_search(&p) {
                Ok(_) => Shard::Write(it.next().unwrap()),
                Err(_) => Shard::Read(&data[p]),
            })
            .collect();
        let code = Code::new(c.k, c.n).unwrap();
        code.decoder(&idx).unwrap().decode(&mut shards).unwrap();
    };
    let mut work = checks[..lost.len()].to_vec();
    decode(&mut work);
    assert!(
        work.iter().zip(lost).all(|(w, &p)| *w == data[p]),
        "{}: decode",
        c.name
    );
    Box::new(move || decode(&mut work))
}

/// reed-solomon-simd's encode of all checks (results left in its encoder), and the
/// checks.
fn theirs_encode<'a>(c: &Config, data: &'a [Vec<u8>]) -> (Call<'a>, Vec<Vec<u8>>) {
    let mut enc = ReedSolomonEncoder::new(c.k, c.n - c.k, c.len).unwrap();
    for d in data {
        enc.add_original_shard(d).unwrap();
    }
    let recovery = enc
        .encode()
        .unwrap()
        .recovery_iter()
        .map(<[u8]>::to_vec)
        .collect();
    let encode = move || {
        for d in data {
            enc.add_original_shard(d).unwrap();
        }
        std::hint::black_box(enc.encode().unwrap());
    };
    (Box::new(encode), recovery)
}

/// reed-solomon-simd's decode of the data blocks `lost` from the first checks, on a
/// decoder kept across calls, after checking that it gives back the data.
fn theirs_decode<'a>(
    c: &'a Config,
    data: &'a [Vec<u8>],
    recovery: &'a [Vec<u8>],
    lost: &'a [usize],
) -> Call<'a> {
    let mut dec = ReedSolomonDecoder::new(c.k, c.n - c.k, c.len).unwrap();
    let mut decode = move |check: bool| {
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
    Box::new(move || decode(false))
}

/// `f` with our quadratic path forced (the path is read on every call).
fn on_quadratic<T>(f: impl FnOnce() -> T) -> T {
    set_path("quadratic");
    let r = f();
    set_path("auto");
    r
}

/// A side made, checked and called on our quadratic path.
fn quadratic_side<'a>(make: impl FnOnce() -> Call<'a>) -> Call<'a> {
    let mut f = on_quadratic(make);
    Box::new(move || on_quadratic(&mut f))
}

/// Seconds per call of ours, theirs and (if given) ours on the quadratic path, on the
/// thread's CPU time, the sides taken in turn ([`time_sides`]).
fn time_row(mut ours: Call<'_>, mut theirs: Call<'_>, mut quad: Option<Call<'_>>) -> [f64; 3] {
    let mut sides: Vec<&mut dyn FnMut()> = vec![&mut ours, &mut theirs];
    if let Some(q) = quad.as_mut() {
        sides.push(q);
    }
    let t = time_sides(Clock::Thread, &mut sides);
    [t[0], t[1], t.get(2).copied().unwrap_or(f64::NAN)]
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
        let (ours_enc, checks) = ours_encode(c, &data);
        let (theirs_enc, recovery) = theirs_encode(c, &data);
        let q = quadratic.then(|| quadratic_side(|| ours_encode(c, &data).0));
        let t = time_row(ours_enc, theirs_enc, q);
        let small = c.len < 64;
        let show = |s: f64| match small {
            true => format!("{:.1} ms", s * 1e3),
            false => format!("{:.0} MB/s", (c.k * c.len) as f64 / s / 1e6),
        };
        let mut rows = vec![(
            c.name.to_string(),
            format!("{} encode {} checks", c.name, c.n - c.k),
            t,
        )];
        let patterns = c.patterns();
        for (i, lost) in patterns.iter().enumerate() {
            let which = match i {
                0 => "",
                _ => ", scattered",
            };
            let q = quadratic.then(|| quadratic_side(|| ours_decode(c, &data, &checks, lost)));
            let t = time_row(
                ours_decode(c, &data, &checks, lost),
                theirs_decode(c, &data, &recovery, lost),
                q,
            );
            rows.push((
                format!("{}-dec{}", c.name, which.replace(", ", "-")),
                format!("{}-dec {} lost{which}", c.name, lost.len()),
                t,
            ));
        }
        let bytes = c.k * c.len;
        for (key, what, [ours, theirs, quad]) in rows {
            let quad = quadratic.then_some(quad);
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
                "timing": timing(Clock::Thread),
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

//! Configs A–E of shared/BENCH.md through ISA-L's ABI: Debian's Intel ISA-L 2.30
//! against this crate's libisal, both dlopened in one process, and the core's own
//! kernel call (`kernels::dot8`) for the cost of the ABI. Once per kernel this CPU
//! has: the bench runs itself again with ALGORITHM_FEC_KERNEL set. Beside ISA-L's
//! `ec_encode_data` (which picks its fastest code for the CPU) it times ISA-L's own
//! version for our kernel's instruction set (`ec_encode_data_avx512`, `_avx2`,
//! `_sse`, `_base`), so that a forced kernel also meets its like.
//!
//! ```text
//! cargo bench --manifest-path isal/Cargo.toml --bench abi
//! ALGORITHM_FEC_KERNEL=avx2 ISAL_BENCH_CONFIGS=B,D cargo bench … # one kernel, B and D
//! ```
//!
//! Encode rows (A–D) time `ec_encode_data` with tables made once by `ec_init_tables`
//! (as ISA-L's users do); E times a fresh decode per call: invert the 10 × 10
//! sub-matrix (`gf_invert_matrix`), `ec_init_tables` for the 4 lost rows,
//! `ec_encode_data`. Every side gets the same Cauchy generator
//! (`gf_gen_cauchy1_matrix`); outputs are checked to be equal on all sides, and to
//! decode back to the data, before anything is timed. MB/s = 10^6 input bytes (k
//! blocks) per second of the thread's CPU time, best of 15 batches of about 30 ms
//! taken in turn; cold rows rotate over
//! 16 buffer sets (160 MiB at 10 × 1 MiB).

#[path = "../tests/common/mod.rs"]
mod common;

use std::ffi::c_int;

use algorithm_fec::kernels;
use common::{isal, ours, Api, Rng};
use smallvec::SmallVec;

// The main crate's bench clock: this thread's CPU time, which leaves out the time the
// thread was not running on a machine shared with other work (wall time moved ±35 %
// between runs).
#[path = "../../benches/common/clock.rs"]
#[allow(dead_code)] // its wall clock and names serve the main crate's benches
mod clock;

fn cpu_time() -> f64 {
    clock::Clock::Thread.now()
}

/// Seconds (of CPU time) per call of each of `fs`: the best of 15 batches of about
/// 30 ms, the sides' batches taken in turn, so that load from other work on the
/// machine falls on all of them alike.
fn time(fs: &mut [Box<dyn FnMut() + '_>]) -> Vec<f64> {
    let iters: Vec<usize> = fs
        .iter_mut()
        .map(|f| {
            f();
            let t = cpu_time();
            f();
            ((0.03 / (cpu_time() - t).max(1e-9)) as usize).max(1)
        })
        .collect();
    let mut best = vec![f64::MAX; fs.len()];
    for _ in 0..15 {
        for ((f, &n), b) in fs.iter_mut().zip(&iters).zip(&mut best) {
            let t = cpu_time();
            for _ in 0..n {
                f();
            }
            *b = b.min((cpu_time() - t) / n as f64);
        }
    }
    best
}

fn int(n: usize) -> c_int {
    c_int::try_from(n).unwrap()
}

/// A config: k data blocks of `len` bytes, `rows` outputs, `sets` buffer sets.
struct Config {
    name: &'static str,
    k: usize,
    rows: usize,
    len: usize,
    sets: usize,
    decode: bool,
}

const COLD: usize = 16;

const CONFIGS: &[Config] = &[
    Config {
        name: "A",
        k: 10,
        rows: 4,
        len: 1 << 20,
        sets: COLD,
        decode: false,
    },
    Config {
        name: "B",
        k: 10,
        rows: 4,
        len: 64 << 10,
        sets: 1,
        decode: false,
    },
    Config {
        name: "C",
        k: 32,
        rows: 8,
        len: 64 << 10,
        sets: 1,
        decode: false,
    },
    Config {
        name: "D",
        k: 200,
        rows: 55,
        len: 16 << 10,
        sets: 1,
        decode: false,
    },
    Config {
        name: "E",
        k: 10,
        rows: 4,
        len: 1 << 20,
        sets: COLD,
        decode: true,
    },
    // Not configs of BENCH.md: B's shape at small blocks, where per-call costs show.
    Config {
        name: "B-4K",
        k: 10,
        rows: 4,
        len: 4 << 10,
        sets: 1,
        decode: false,
    },
    Config {
        name: "B-1K",
        k: 10,
        rows: 4,
        len: 1 << 10,
        sets: 1,
        decode: false,
    },
];

/// E's lost data blocks; the checks k..k+4 stand in for them.
const LOST: [usize; 4] = [1, 3, 5, 7];

/// Generator rows (data then checks) E decodes from.
fn present(k: usize) -> Vec<usize> {
    (0..k)
        .filter(|i| !LOST.contains(i))
        .chain(k..k + LOST.len())
        .collect()
}

/// How one side multiplies: through a library's ABI (its `ec_encode_data`, or
/// another function of that signature), or the core's call.
#[derive(Clone, Copy)]
enum Side {
    Abi(&'static Api, common::Encode),
    Core,
}

impl Side {
    /// outs = matrix (rows × k) · srcs, the matrix's tables made here (untimed for
    /// encodes: `tables` reused).
    fn tables(self, k: usize, matrix: &[u8]) -> Vec<u8> {
        match self {
            Side::Abi(api, _) => {
                let mut t = vec![0u8; 32 * matrix.len()];
                // SAFETY: matrix.len() = k·rows coefficients, t 32 bytes each.
                unsafe {
                    (api.ec_init_tables)(
                        int(k),
                        int(matrix.len() / k),
                        matrix.as_ptr(),
                        t.as_mut_ptr(),
                    )
                };
                t
            }
            Side::Core => matrix.to_vec(),
        }
    }

    /// The pointer lists are on the stack, as a C caller's would be.
    fn run(self, k: usize, tables: &[u8], srcs: &[&[u8]], outs: &mut [&mut [u8]]) {
        match self {
            Side::Abi(_, encode) => {
                let sp: SmallVec<[*const u8; 256]> = srcs.iter().map(|s| s.as_ptr()).collect();
                let op: SmallVec<[*mut u8; 64]> = outs.iter_mut().map(|o| o.as_mut_ptr()).collect();
                // SAFETY: k sources and outs.len() outputs of equal length, tables
                // for all their coefficients.
                unsafe {
                    encode(
                        int(outs[0].len()),
                        int(k),
                        int(outs.len()),
                        tables.as_ptr(),
                        sp.as_ptr(),
                        op.as_ptr(),
                    )
                };
            }
            Side::Core => kernels::dot8(tables, srcs, outs, false).unwrap(),
        }
    }

    /// The lost rows of a decode from `present` generator rows: invert (ISA-L's
    /// inversion for ISA-L, ours for the other two), keep the rows of `LOST`.
    fn decode_matrix(self, gen: &[u8], k: usize) -> Vec<u8> {
        let inv = match self {
            Side::Abi(api, _) => api.gf_invert_matrix,
            Side::Core => ours().gf_invert_matrix,
        };
        let mut sub: Vec<u8> = present(k)
            .iter()
            .flat_map(|&r| gen[r * k..(r + 1) * k].to_vec())
            .collect();
        let mut out = vec![0u8; k * k];
        // SAFETY: two k × k matrices.
        let r = unsafe { inv(sub.as_mut_ptr(), out.as_mut_ptr(), int(k)) };
        assert_eq!(r, 0, "a Cauchy sub-matrix is invertible");
        LOST.iter()
            .flat_map(|&r| out[r * k..(r + 1) * k].to_vec())
            .collect()
    }
}

/// The blocks of `bufs`; with `len`, the `len` bytes of each from its first 64-byte
/// boundary on (`len` + 64 bytes each), so that every side writes to equally
/// aligned outputs (the malloc'd blocks' alignment moved a side's speed by 20 % at
/// 1 KiB).
fn views(bufs: &mut [Vec<u8>], len: usize) -> SmallVec<[&mut [u8]; 64]> {
    bufs.iter_mut()
        .map(|b| match len {
            0 => b.as_mut_slice(),
            _ => {
                let at = b.as_ptr().align_offset(64);
                &mut b[at..at + len]
            }
        })
        .collect()
}

/// One call of `side` on config `c` over buffer set `set` into `outs`.
fn caller<'a>(
    side: Side,
    c: &'a Config,
    gen: &'a [u8],
    sets: &'a [Vec<&'a [u8]>],
) -> impl FnMut(usize, &mut [&mut [u8]]) + 'a {
    let k = c.k;
    let tables = side.tables(k, &gen[k * k..]);
    move |set, outs| match c.decode {
        // A fresh decode per call, as a decoder that meets these losses first.
        true => {
            let m = side.decode_matrix(gen, k);
            side.run(k, &side.tables(k, &m), &sets[set], outs)
        }
        false => side.run(k, &tables, &sets[set], outs),
    }
}

/// Decodes `c`'s first set back from its checks (outside the timed loops): for
/// encodes, the checks `outs` and the data not lost give back the lost data.
fn check_decodes(c: &Config, gen: &[u8], data: &[Vec<u8>], outs: &[Vec<u8>]) {
    let k = c.k;
    let lost: Vec<usize> = (0..c.rows.min(k)).collect();
    let rows: Vec<usize> = (0..k)
        .filter(|i| !lost.contains(i))
        .chain(k..k + lost.len())
        .collect();
    let mut sub: Vec<u8> = rows
        .iter()
        .flat_map(|&r| gen[r * k..(r + 1) * k].to_vec())
        .collect();
    let mut inv = vec![0u8; k * k];
    // SAFETY: two k × k matrices.
    assert_eq!(
        unsafe { (isal().gf_invert_matrix)(sub.as_mut_ptr(), inv.as_mut_ptr(), int(k)) },
        0
    );
    let m: Vec<u8> = lost
        .iter()
        .flat_map(|&r| inv[r * k..(r + 1) * k].to_vec())
        .collect();
    let srcs: Vec<&[u8]> = rows
        .iter()
        .map(|&r| {
            if r < k {
                data[r].as_slice()
            } else {
                outs[r - k].as_slice()
            }
        })
        .collect();
    let mut back = vec![vec![0u8; c.len]; lost.len()];
    let intel = Side::Abi(isal(), isal().ec_encode_data);
    intel.run(k, &intel.tables(k, &m), &srcs, &mut views(&mut back, 0));
    for (b, &l) in back.iter().zip(&lost) {
        assert!(b == &data[l], "{}: the checks do not decode back", c.name);
    }
}

fn bench(c: &Config, variant: common::Encode) -> [f64; 4] {
    let (k, n) = (c.k, c.k + c.rows);
    let mut gen = vec![0u8; n * k];
    // SAFETY: room for n × k.
    unsafe { (isal().gf_gen_cauchy1_matrix)(gen.as_mut_ptr(), int(n), int(k)) };
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let data: Vec<Vec<Vec<u8>>> = (0..c.sets)
        .map(|_| (0..k).map(|_| rng.bytes(c.len)).collect())
        .collect();
    // E's inputs: the data not lost, then the checks, per set.
    let inputs: Vec<Vec<Vec<u8>>> = match c.decode {
        false => Vec::new(),
        true => data
            .iter()
            .map(|set| {
                let refs: Vec<&[u8]> = set.iter().map(|b| b.as_slice()).collect();
                let mut checks = vec![vec![0u8; c.len]; c.rows];
                Side::Core.run(k, &gen[k * k..], &refs, &mut views(&mut checks, 0));
                present(k)
                    .iter()
                    .map(|&r| {
                        if r < k {
                            set[r].clone()
                        } else {
                            checks[r - k].clone()
                        }
                    })
                    .collect()
            })
            .collect(),
    };
    let sets: Vec<Vec<&[u8]>> = match c.decode {
        true => &inputs,
        false => &data,
    }
    .iter()
    .map(|s| s.iter().map(|b| b.as_slice()).collect())
    .collect();
    let sides = [
        Side::Abi(isal(), isal().ec_encode_data),
        Side::Abi(isal(), variant),
        Side::Abi(ours(), ours().ec_encode_data),
        Side::Core,
    ];
    let mut calls: Vec<_> = sides
        .map(|s| caller(s, c, &gen, &sets))
        .into_iter()
        .collect();
    // Every side's output, checked equal (and decoding back) before any timing.
    let outs: Vec<Vec<Vec<u8>>> = calls
        .iter_mut()
        .map(|call| {
            let mut o = vec![vec![0u8; c.len]; c.rows];
            call(0, &mut views(&mut o, 0));
            o
        })
        .collect();
    assert!(
        outs.iter().all(|o| *o == outs[0]),
        "{}: sides disagree",
        c.name
    );
    match c.decode {
        true => (0..4).for_each(|i| assert!(outs[0][i] == data[0][LOST[i]], "E does not decode")),
        false => check_decodes(c, &gen, &data[0], &outs[0]),
    }
    let mut timed: Vec<Box<dyn FnMut() + '_>> = calls
        .into_iter()
        .map(|mut call| {
            let (mut o, mut i) = (vec![vec![0u8; c.len + 64]; c.rows], 0);
            Box::new(move || {
                call(i % c.sets, &mut views(&mut o, c.len));
                i += 1;
            }) as Box<dyn FnMut()>
        })
        .collect();
    let t = time(&mut timed);
    [0, 1, 2, 3].map(|i| (k * c.len) as f64 / t[i] / 1e6)
}

fn cpu() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into())
}

fn main() {
    let Ok(kernel) = std::env::var("ALGORITHM_FEC_KERNEL") else {
        println!(
            "CPU: {} (Intel ISA-L 2.30 picks its own code: AVX-512 where it can)",
            cpu()
        );
        let exe = std::env::current_exe().unwrap();
        let args: Vec<String> = std::env::args().skip(1).collect();
        for kernel in kernels::available() {
            let status = std::process::Command::new(&exe)
                .args(&args)
                .env("ALGORITHM_FEC_KERNEL", kernel)
                .status()
                .unwrap();
            assert!(status.success(), "kernel {kernel}");
        }
        return;
    };
    assert_eq!(
        kernels::check_env(),
        Ok(kernel.as_str()),
        "this process's kernel"
    );
    // ISA-L's own version for the instruction set of our kernel, beside the one it
    // picks for itself.
    let (variant, name): (common::Encode, &str) = {
        let name = match kernel.as_str() {
            "gfni" | "avx512" => "ec_encode_data_avx512",
            "gfni256" | "avx2" => "ec_encode_data_avx2",
            "ssse3" => "ec_encode_data_sse",
            _ => "ec_encode_data_base",
        };
        // SAFETY: ec_encode_data's signature (erasure_code.h); the library stays loaded.
        let f = unsafe {
            isal()
                .lib
                .get::<common::Encode>(format!("{name}\0").as_bytes())
        };
        (*f.unwrap(), name)
    };
    println!("\nkernel {kernel} (beside ISA-L's own choice: its {name}):");
    println!(
        "{:<6} {:>10} {:>10} {:>10} {:>10} {:>9} {:>9} {:>9}",
        "config", "ISA-L", "same ISA", "ABI", "core", "ABI/ISA-L", "ABI/same", "ABI/core"
    );
    // ISAL_BENCH_CONFIGS=B,D runs only those.
    let only = std::env::var("ISAL_BENCH_CONFIGS").unwrap_or_default();
    for c in CONFIGS
        .iter()
        .filter(|c| only.is_empty() || only.split(',').any(|n| n == c.name))
    {
        let [base, same, abi, core] = bench(c, variant);
        println!(
            "{:<6} {base:>10.0} {same:>10.0} {abi:>10.0} {core:>10.0} {:>9.2} {:>9.2} {:>9.2}",
            c.name,
            abi / base,
            abi / same,
            abi / core
        );
    }
    println!("(MB/s of input per second of the thread's CPU time)");
}

//! This crate against Intel ISA-L (and against its own scalar kernel) in one run.
//!
//! ```text
//! apt-get install -y libisal-dev
//! cargo bench --bench isal --features isal,parallel
//! ```
//!
//! Without `isal` the ISA-L columns are left empty and the kernel-against-kernel rows
//! are left out; without `parallel` the thread rows are. Rows are named by the configs
//! of ../shared/BENCH.md; "cold" rows rotate over 16 buffer sets (160 MiB of data at
//! 10 × 1 MiB) so the data comes from memory, "hot" rows reuse one set. Throughput is
//! input bytes (k data blocks) per second, MB = 10^6 bytes, best of 10 batches of
//! about 30 ms each. ISA-L gets the very coefficient rows our
//! code uses (its GF(2^8) is also 0x11D), and its outputs are checked to be
//! byte-identical to ours before anything is timed; its table set-up is not timed.
//! With `BENCH_RESULTS=file` each row is also appended to that file as a JSON line
//! (config, both sides' MB/s and kernels, ratio), for scripts/bench-report.

#[cfg(feature = "isal")]
#[path = "../tests/common/isal.rs"]
mod isal;

mod common;

use common::{cpu_name, data, record, time};

use algorithm_fec::{kernels, Code, Field};

fn refs(v: &[Vec<u8>]) -> Vec<&[u8]> {
    v.iter().map(|b| b.as_slice()).collect()
}

fn muts(v: &mut [Vec<u8>]) -> Vec<&mut [u8]> {
    v.iter_mut().map(|b| b.as_mut_slice()).collect()
}

/// Coefficient rows of `indices`, row-major.
fn rows(code: &Code, indices: &[usize]) -> Vec<u16> {
    let mut row = vec![0u16; code.k()];
    let mut m = Vec::new();
    for &i in indices {
        code.row(i, &mut row).unwrap();
        m.extend_from_slice(&row);
    }
    m
}

#[cfg(feature = "isal")]
fn bytes(m: &[u16]) -> Vec<u8> {
    m.iter().map(|&c| u8::try_from(c).unwrap()).collect()
}

struct Row {
    /// The BENCH.md config (or, for rows outside it, a short key of our own).
    key: String,
    name: String,
    ours: f64,
    base: Option<f64>,
    base_name: &'static str,
    /// The kernels of each side: ours, and the baseline's (ISA-L's entry point).
    ours_kernel: &'static str,
    base_kernel: &'static str,
}

/// ISA-L's `ec_encode_data`, which picks its own version for the CPU.
const ISAL_AUTO: &str = "ec_encode_data";

fn mbs(bytes: usize, secs: f64) -> f64 {
    bytes as f64 / secs / 1e6
}

/// Buffer sets a cold row rotates over: 16 × (10 × 1 MiB) = 160 MiB, as BENCH.md asks.
const COLD_SETS: usize = 16;

/// `sets` independent sets of k pseudo-random blocks of `len` bytes.
fn data_sets(k: usize, len: usize, sets: usize) -> Vec<Vec<Vec<u8>>> {
    let mut all = data(k * sets, len);
    (0..sets).map(|_| all.drain(..k).collect()).collect()
}

/// Seconds per call of `f(set)`, the set rotating over `0..sets` call by call.
fn time_rotating(sets: usize, mut f: impl FnMut(usize)) -> f64 {
    let mut i = 0;
    time(|| {
        f(i % sets);
        i += 1;
    })
}

/// "hot" or "cold" for a row's name.
fn heat(sets: usize) -> &'static str {
    if sets > 1 {
        "cold"
    } else {
        "hot"
    }
}

/// ISA-L's time for `out = matrix · data` over the rotating sets (after checking the
/// first set gives `want`), if linked.
#[allow(unused_variables)]
fn isal_time(k: usize, matrix: &[u16], sets: &[Vec<&[u8]>], want: &[Vec<u8>]) -> Option<f64> {
    #[cfg(feature = "isal")]
    {
        let mut t = isal::Tables::new(k, &bytes(matrix));
        let mut out = vec![vec![0u8; sets[0][0].len()]; matrix.len() / k];
        t.encode(&sets[0], &mut muts(&mut out));
        assert!(out == want, "ISA-L and this crate disagree");
        Some(time_rotating(sets.len(), |s| {
            t.encode(&sets[s], &mut muts(&mut out))
        }))
    }
    #[cfg(not(feature = "isal"))]
    None
}

/// Config `name`: encode all checks of a GF(2^8) (k, n) code with `encode_many`.
fn encode_all(name: &str, k: usize, n: usize, len: usize, sets: usize) -> Row {
    let code = Code::new(k, n).unwrap();
    let d = data_sets(k, len, sets);
    let d: Vec<Vec<&[u8]>> = d.iter().map(|s| refs(s)).collect();
    let idx: Vec<usize> = (k..n).collect();
    let mut out = vec![vec![0u8; len]; n - k];
    let ours = time_rotating(sets, |s| {
        code.encode_many(&d[s], &idx, &mut muts(&mut out)).unwrap()
    });
    code.encode_many(&d[0], &idx, &mut muts(&mut out)).unwrap();
    let base = isal_time(k, &rows(&code, &idx), &d, &out);
    Row {
        key: name.into(),
        name: format!(
            "{name}: GF(2^8) encode k={k} n={n} {} KiB, all {} checks, {}",
            len >> 10,
            n - k,
            heat(sets)
        ),
        ours: mbs(k * len, ours),
        base: base.map(|t| mbs(k * len, t)),
        base_name: "ISA-L",
        ours_kernel: kernels::active().name(),
        base_kernel: ISAL_AUTO,
    }
}

/// Config E's k=10 n=14 decode (data blocks 1, 3, 5, 7 lost, checks 10..14 in their
/// places) over `sets` buffer sets: the original data and the decode inputs (in
/// decode order) of each set, their indices and the 4 × 10 matrix that maps the
/// inputs to the lost blocks.
struct Decode {
    code: Code,
    orig: Vec<Vec<Vec<u8>>>,
    inputs: Vec<Vec<Vec<u8>>>,
    indices: Vec<usize>,
    matrix: Vec<u16>,
}

const LOST: [usize; 4] = [1, 3, 5, 7];

impl Decode {
    fn new(len: usize, sets: usize) -> Decode {
        let (k, n) = (10, 14);
        let code = Code::new(k, n).unwrap();
        let orig = data_sets(k, len, sets);
        let mut indices: Vec<usize> = (0..k).collect();
        for (q, &p) in LOST.iter().enumerate() {
            indices[p] = k + q;
        }
        let inputs = orig
            .iter()
            .map(|set| {
                let mut checks = vec![vec![0u8; len]; n - k];
                code.encode_many(&refs(set), &[10, 11, 12, 13], &mut muts(&mut checks))
                    .unwrap();
                indices
                    .iter()
                    .map(|&i| {
                        if i < k {
                            set[i].clone()
                        } else {
                            checks[i - k].clone()
                        }
                    })
                    .collect()
            })
            .collect();
        // Column by column: decode unit vectors of length 1 (decoding is linear).
        let mut matrix = vec![0u16; LOST.len() * k];
        for p in 0..k {
            let mut b: Vec<Vec<u8>> = (0..k).map(|j| vec![u8::from(j == p)]).collect();
            code.decode(&mut muts(&mut b), &mut indices.clone())
                .unwrap();
            for (q, &l) in LOST.iter().enumerate() {
                matrix[q * k + p] = u16::from(b[l][0]);
            }
        }
        Decode {
            code,
            orig,
            inputs,
            indices,
            matrix,
        }
    }

    /// Seconds per `Code::decode` (solve included), after checking it is right.
    fn time_ours(&self) -> f64 {
        let mut blocks = self.inputs.clone();
        let mut idx = self.indices.clone();
        self.code
            .decode(&mut muts(&mut blocks[0]), &mut idx)
            .unwrap();
        assert!(blocks[0] == self.orig[0], "decode is wrong");
        time_rotating(blocks.len(), |s| {
            // In place: later rounds decode data as if it were checks; same work.
            let mut idx = self.indices.clone();
            self.code
                .decode(&mut muts(&mut blocks[s]), &mut idx)
                .unwrap();
        })
    }
}

/// Config E: decode of 4 lost data blocks, ours against ISA-L with the same decode
/// matrix (its solve is not timed).
fn decode_4(len: usize, sets: usize) -> Row {
    let k = 10;
    let d = Decode::new(len, sets);
    let ours = d.time_ours();
    let want: Vec<Vec<u8>> = LOST.iter().map(|&l| d.orig[0][l].clone()).collect();
    let inputs: Vec<Vec<&[u8]>> = d.inputs.iter().map(|s| refs(s)).collect();
    let base = isal_time(k, &d.matrix, &inputs, &want);
    Row {
        key: "E".into(),
        name: format!(
            "E: GF(2^8) decode k=10 n=14 {} KiB, data 1, 3, 5, 7 lost, {}",
            len >> 10,
            heat(sets)
        ),
        ours: mbs(k * len, ours),
        base: base.map(|t| mbs(k * len, t)),
        base_name: "ISA-L",
        ours_kernel: kernels::active().name(),
        base_kernel: ISAL_AUTO,
    }
}

/// Config P-idx: one `encode` call per check index (as Algorithm::FEC's API does),
/// against ISA-L computing one row per call (if linked) and against the scalar kernel
/// doing the same.
fn per_index(k: usize, n: usize, len: usize, sets: usize) -> Vec<Row> {
    let code = Code::new(k, n).unwrap();
    let d = data_sets(k, len, sets);
    let d: Vec<Vec<&[u8]>> = d.iter().map(|s| refs(s)).collect();
    let mut out = vec![vec![0u8; len]; n - k];
    let ours = time_rotating(sets, |s| {
        for (i, o) in (k..n).zip(out.iter_mut()) {
            code.encode(&d[s], i, o).unwrap();
        }
    });
    for (i, o) in (k..n).zip(out.iter_mut()) {
        code.encode(&d[0], i, o).unwrap();
    }
    let m: Vec<Vec<u16>> = (k..n).map(|i| rows(&code, &[i])).collect();
    let mut sc = vec![vec![0u8; len]; n - k];
    let mut scalar_on = |s: usize| {
        for (row, o) in m.iter().zip(sc.iter_mut()) {
            kernels::dot_with(
                "scalar",
                Field::Gf8,
                row,
                &d[s],
                &mut [o.as_mut_slice()],
                false,
            )
            .unwrap();
        }
    };
    let scalar = time_rotating(sets, &mut scalar_on);
    scalar_on(0);
    assert!(sc == out, "the scalar kernel disagrees");
    let name = format!(
        "P-idx: GF(2^8) per-index encode k={k} n={n} {} KiB, {}",
        len >> 10,
        heat(sets)
    );
    let row = |base: f64, base_name, base_kernel| Row {
        key: "P-idx".into(),
        name: name.clone(),
        ours: mbs(k * len, ours),
        base: Some(mbs(k * len, base)),
        base_name,
        ours_kernel: kernels::active().name(),
        base_kernel,
    };
    #[cfg(feature = "isal")]
    let isal_row = {
        let mut tables: Vec<isal::Tables> =
            m.iter().map(|r| isal::Tables::new(k, &bytes(r))).collect();
        let mut theirs = vec![vec![0u8; len]; n - k];
        let mut isal_on = |s: usize| {
            for (t, o) in tables.iter_mut().zip(theirs.iter_mut()) {
                t.encode(&d[s], &mut [o.as_mut_slice()]);
            }
        };
        let isal = time_rotating(sets, &mut isal_on);
        isal_on(0);
        assert!(theirs == out, "ISA-L and this crate disagree");
        Some(row(isal, "ISA-L, one row per call", ISAL_AUTO))
    };
    #[cfg(not(feature = "isal"))]
    let isal_row = None;
    isal_row
        .into_iter()
        .chain([row(scalar, "scalar", "scalar")])
        .collect()
}

/// GF(2^16), `checks` of the checks of a (k, n) code, active kernel against scalar.
fn gf16(k: usize, n: usize, len: usize, checks: usize) -> Row {
    let code = Code::new(k, n).unwrap();
    assert_eq!(code.field(), Field::Gf16);
    let d = data(k, len);
    let d = refs(&d);
    let idx: Vec<usize> = (k..k + checks).collect();
    let m = rows(&code, &idx);
    let mut out = vec![vec![0u8; len]; checks];
    let name = kernels::active().name();
    let run = |kernel: &str, out: &mut [Vec<u8>]| {
        time(|| {
            kernels::dot_with(kernel, Field::Gf16, &m, &d, &mut muts(out), false).unwrap();
        })
    };
    let ours = run(name, &mut out);
    let mut sc = vec![vec![0u8; len]; checks];
    let scalar = run("scalar", &mut sc);
    assert!(sc == out);
    Row {
        key: "gf16".into(),
        name: format!(
            "GF(2^16) encode k={k} n={n} {} KiB, {checks} checks",
            len >> 10
        ),
        ours: mbs(k * len, ours),
        base: Some(mbs(k * len, scalar)),
        base_name: "scalar",
        ours_kernel: name,
        base_kernel: "scalar",
    }
}

/// Kernel against kernel: each of ours (through `dot_with`) against ISA-L's version
/// for the same instruction set, GF(2^8) k=10 n=14, all 4 checks.
#[cfg(feature = "isal")]
fn per_kernel(len: usize) -> Vec<Row> {
    use isal::Isa;
    let (k, n) = (10, 14);
    let code = Code::new(k, n).unwrap();
    let d = data(k, len);
    let d = refs(&d);
    let idx: Vec<usize> = (k..n).collect();
    let m = rows(&code, &idx);
    let mut t = isal::Tables::new(k, &bytes(&m));
    let mut rows_out = Vec::new();
    for (ours, theirs, theirs_name) in [
        ("ssse3", Isa::Sse, "ec_encode_data_sse"),
        ("avx2", Isa::Avx2, "ec_encode_data_avx2"),
        ("gfni256", Isa::Avx2, "ec_encode_data_avx2"),
        ("avx512", Isa::Avx512, "ec_encode_data_avx512"),
        ("gfni", Isa::Avx512, "ec_encode_data_avx512"),
    ] {
        if !kernels::available().contains(&ours) || !theirs.available() {
            continue;
        }
        let mut out = vec![vec![0u8; len]; n - k];
        let mut want = vec![vec![0u8; len]; n - k];
        t.encode_with(theirs, &d, &mut muts(&mut want));
        let a = time(|| {
            kernels::dot_with(ours, Field::Gf8, &m, &d, &mut muts(&mut out), false).unwrap()
        });
        assert!(out == want, "{ours} and ISA-L {theirs:?} disagree");
        let b = time(|| t.encode_with(theirs, &d, &mut muts(&mut out)));
        rows_out.push(Row {
            key: format!("B-kernel-{ours}"),
            name: format!(
                "GF(2^8) k=10 n=14 {} KiB: {ours} vs ISA-L {theirs:?}",
                len >> 10
            ),
            ours: mbs(k * len, a),
            base: Some(mbs(k * len, b)),
            base_name: "ISA-L",
            ours_kernel: ours,
            base_kernel: theirs_name,
        });
    }
    rows_out
}

/// encode_many on 2 threads against 1.
#[cfg(feature = "parallel")]
fn threads(k: usize, n: usize, len: usize) -> Row {
    let code = Code::new(k, n).unwrap();
    let d = data(k, len);
    let d = refs(&d);
    let idx: Vec<usize> = (k..n).collect();
    let mut out = vec![vec![0u8; len]; n - k];
    let mut at = |t| {
        kernels::set_threads(t);
        time(|| code.encode_many(&d, &idx, &mut muts(&mut out)).unwrap())
    };
    let one = at(1);
    let two = at(2);
    kernels::set_threads(1);
    Row {
        key: "A-hot-2-threads".into(),
        name: format!("GF(2^8) encode k={k} n={n} {} KiB, 2 threads", len >> 10),
        ours: mbs(k * len, two),
        base: Some(mbs(k * len, one)),
        base_name: "1 thread",
        ours_kernel: kernels::active().name(),
        base_kernel: kernels::active().name(),
    }
}

/// Code::decode (4 lost of k=10) on 2 threads against 1.
#[cfg(feature = "parallel")]
fn threads_decode(len: usize) -> Row {
    let d = Decode::new(len, 1);
    kernels::set_threads(1);
    let one = d.time_ours();
    kernels::set_threads(2);
    let two = d.time_ours();
    kernels::set_threads(1);
    Row {
        key: "E-hot-2-threads".into(),
        name: format!(
            "GF(2^8) decode k=10 n=14 {} KiB, 4 lost, 2 threads",
            len >> 10
        ),
        ours: mbs(10 * len, two),
        base: Some(mbs(10 * len, one)),
        base_name: "1 thread",
        ours_kernel: kernels::active().name(),
        base_kernel: kernels::active().name(),
    }
}

/// Rows of the table, under a key the command-line filter matches.
type Job = Box<dyn Fn() -> Vec<Row>>;

fn main() {
    // `cargo bench` passes `--bench`; a filter argument picks rows by substring.
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let cpu = cpu_name();
    println!(
        "CPU: {cpu}; kernel: {}; available: {:?}",
        kernels::active().name(),
        kernels::available()
    );
    #[cfg(feature = "parallel")]
    {
        // The single-thread rows are single-thread; only the thread row uses 2.
        kernels::set_threads(1);
    }
    let mib = 1 << 20;
    let kib = 1 << 10;
    let jobs: Vec<(&str, Job)> = vec![
        (
            "A",
            Box::new(move || vec![encode_all("A", 10, 14, mib, COLD_SETS)]),
        ),
        (
            "A-hot",
            Box::new(move || vec![encode_all("A-hot", 10, 14, mib, 1)]),
        ),
        (
            "B",
            Box::new(move || vec![encode_all("B", 10, 14, 64 * kib, 1)]),
        ),
        (
            "C",
            Box::new(move || vec![encode_all("C", 32, 40, 64 * kib, 1)]),
        ),
        (
            "D",
            Box::new(move || vec![encode_all("D", 200, 255, 16 * kib, 1)]),
        ),
        ("E", Box::new(move || vec![decode_4(mib, COLD_SETS)])),
        ("P-idx", Box::new(move || per_index(10, 14, mib, COLD_SETS))),
        (
            "gf16",
            Box::new(move || vec![gf16(1000, 1500, 64 * kib, 20)]),
        ),
        #[cfg(feature = "parallel")]
        ("threads", Box::new(move || vec![threads(10, 14, mib)])),
        #[cfg(feature = "parallel")]
        ("threads-dec", Box::new(move || vec![threads_decode(mib)])),
        #[cfg(feature = "isal")]
        ("kernels", Box::new(move || per_kernel(64 * kib))),
    ];
    println!();
    println!("| config | ours MB/s | baseline | baseline MB/s | ours / baseline |");
    println!("|---|---:|---|---:|---:|");
    for (key, job) in &jobs {
        if !filter.is_empty() && !filter.iter().any(|f| key.contains(f.as_str())) {
            continue;
        }
        for r in job() {
            record(serde_json::json!({
                "bench": "isal",
                "config": r.key,
                "row": r.name,
                "baseline": r.base_name,
                "ours_mbs": r.ours,
                "base_mbs": r.base,
                "ratio": r.base.map(|b| r.ours / b),
                "ours_kernel": r.ours_kernel,
                "base_kernel": r.base_kernel,
                "cpu": cpu,
            }));
            match r.base {
                Some(b) => println!(
                    "| {} | {:.0} | {} | {:.0} | {:.2}× |",
                    r.name,
                    r.ours,
                    r.base_name,
                    b,
                    r.ours / b
                ),
                None => println!("| {} | {:.0} | {} | – | – |", r.name, r.ours, r.base_name),
            }
        }
    }
}

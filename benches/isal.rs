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
//! input bytes (k data blocks) per second, MB = 10^6 bytes, of the thread's CPU time
//! (wall time for the 2-thread rows): the sides of a row take batches of about 30 ms
//! in turn, 15 rounds, and each side's best batch counts (`common::time_sides`).
//! ISA-L gets the very coefficient rows our code uses (its GF(2^8) is also 0x11D),
//! and its outputs are checked to be byte-identical to ours before anything is
//! timed. Its encode tables are made once, untimed; its decode (E) inverts the
//! sub-matrix, makes the decode rows' tables and multiplies on every call, as ours
//! solves on every call (a second row times its multiply alone).
//! With `BENCH_RESULTS=file` each row is also appended to that file as a JSON line
//! (config, both sides' MB/s and kernels, ratio), for scripts/bench-report.

#[cfg(feature = "isal")]
#[path = "../tests/common/isal.rs"]
mod isal;

mod common;

use common::{cpu_name, data, record, time_sides, timing, Clock};

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
    clock: Clock,
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

/// A side of a row: one call on buffer set `s`.
type Side<'a> = Box<dyn FnMut(usize) + 'a>;

/// Seconds (of the thread's CPU time) per call of each side, the sides taken in turn
/// ([`time_sides`]), each rotating over buffer sets `0..sets` call by call.
fn time_rotating(sets: usize, sides: Vec<Side<'_>>) -> Vec<f64> {
    let mut calls: Vec<Box<dyn FnMut() + '_>> = sides
        .into_iter()
        .map(|mut f| {
            let mut i = 0;
            Box::new(move || {
                f(i % sets);
                i += 1;
            }) as Box<dyn FnMut()>
        })
        .collect();
    let mut refs: Vec<&mut dyn FnMut()> = calls.iter_mut().map(|f| &mut **f as _).collect();
    time_sides(Clock::Thread, &mut refs)
}

/// "hot" or "cold" for a row's name.
fn heat(sets: usize) -> &'static str {
    if sets > 1 {
        "cold"
    } else {
        "hot"
    }
}

/// ISA-L's `out = matrix · data` on set `s` with tables made here (after checking
/// the first set gives `want`), if linked.
#[allow(unused_variables)]
fn isal_mul<'a>(
    k: usize,
    matrix: &[u16],
    sets: &'a [Vec<&'a [u8]>],
    want: &[Vec<u8>],
) -> Option<Side<'a>> {
    #[cfg(feature = "isal")]
    {
        let mut t = isal::Tables::new(k, &bytes(matrix));
        let mut out = vec![vec![0u8; sets[0][0].len()]; matrix.len() / k];
        t.encode(&sets[0], &mut muts(&mut out));
        assert!(out == want, "ISA-L and this crate disagree");
        Some(Box::new(move |s| t.encode(&sets[s], &mut muts(&mut out))))
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
    let mut want = vec![vec![0u8; len]; n - k];
    code.encode_many(&d[0], &idx, &mut muts(&mut want)).unwrap();
    let mut out = vec![vec![0u8; len]; n - k];
    let ours: Side<'_> = Box::new(|s| code.encode_many(&d[s], &idx, &mut muts(&mut out)).unwrap());
    let sides: Vec<Side<'_>> = [Some(ours), isal_mul(k, &rows(&code, &idx), &d, &want)]
        .into_iter()
        .flatten()
        .collect();
    let t = time_rotating(sets, sides);
    let (ours, base) = (t[0], t.get(1).copied());
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
        clock: Clock::Thread,
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

    /// `Code::decode` (solve included) of set `s`, in place, after checking it is
    /// right: later calls decode data as if it were checks; same work.
    fn ours(&self) -> Side<'_> {
        let mut blocks = self.inputs.clone();
        let mut idx = self.indices.clone();
        self.code
            .decode(&mut muts(&mut blocks[0]), &mut idx)
            .unwrap();
        assert!(blocks[0] == self.orig[0], "decode is wrong");
        Box::new(move |s| {
            let mut idx = self.indices.clone();
            self.code
                .decode(&mut muts(&mut blocks[s]), &mut idx)
                .unwrap();
        })
    }

    /// The lost blocks of set 0.
    fn want(&self) -> Vec<Vec<u8>> {
        LOST.iter().map(|&l| self.orig[0][l].clone()).collect()
    }

    /// ISA-L's decode of set `s` as BENCH.md has it, a fresh one per call: invert
    /// the 10 × 10 sub-matrix (`gf_invert_matrix`), keep the lost blocks' rows,
    /// `ec_init_tables` for them, `ec_encode_data`; after checking it is right.
    #[cfg(feature = "isal")]
    fn isal<'a>(&'a self, inputs: &'a [Vec<&'a [u8]>]) -> Side<'a> {
        let k = self.code.k();
        // The inputs' generator rows: the sub-matrix a decoder inverts.
        let sub = bytes(&rows(&self.code, &self.indices));
        let decode = move |s: usize, out: &mut [Vec<u8>]| {
            // gf_invert_matrix overwrites its input.
            let inv = isal::invert(&mut sub.clone(), k).expect("a decodable set");
            let m: Vec<u8> = LOST
                .iter()
                .flat_map(|&r| inv[r * k..(r + 1) * k].iter().copied())
                .collect();
            isal::Tables::new(k, &m).encode(&inputs[s], &mut muts(out));
        };
        let mut out = vec![vec![0u8; inputs[0][0].len()]; LOST.len()];
        decode(0, &mut out);
        assert!(out == self.want(), "ISA-L's decode is wrong");
        Box::new(move |s| decode(s, &mut out))
    }
}

/// Config E: decode of 4 lost data blocks, ours (solve included) against ISA-L's
/// decode (solve included: [`Decode::isal`]), and against ISA-L's `ec_encode_data`
/// alone with the decode matrix given (its solve not timed; outside BENCH.md).
fn decode_4(len: usize, sets: usize) -> Vec<Row> {
    let k = 10;
    let d = Decode::new(len, sets);
    let inputs: Vec<Vec<&[u8]>> = d.inputs.iter().map(|s| refs(s)).collect();
    #[cfg(feature = "isal")]
    let solve = Some(d.isal(&inputs));
    #[cfg(not(feature = "isal"))]
    let solve = None;
    let mul = isal_mul(k, &d.matrix, &inputs, &d.want());
    let t = time_rotating(
        sets,
        [Some(d.ours()), solve, mul].into_iter().flatten().collect(),
    );
    let name = format!(
        "E: GF(2^8) decode k=10 n=14 {} KiB, data 1, 3, 5, 7 lost, {}",
        len >> 10,
        heat(sets)
    );
    let row = |key: &str, name: String, base: Option<f64>, base_name| Row {
        key: key.into(),
        name,
        ours: mbs(k * len, t[0]),
        base: base.map(|b| mbs(k * len, b)),
        base_name,
        ours_kernel: kernels::active().name(),
        base_kernel: ISAL_AUTO,
        clock: Clock::Thread,
    };
    let mut out = vec![row("E", name.clone(), t.get(1).copied(), "ISA-L")];
    if let Some(&b) = t.get(2) {
        out.push(row(
            "E-isal-mul",
            format!(
                "{name}; ISA-L's ec_encode_data alone (decode matrix given, its solve not timed)"
            ),
            Some(b),
            "ISA-L, ec_encode_data only",
        ));
    }
    out
}

/// Config P-idx: one `encode` call per check index (as Algorithm::FEC's API does),
/// against ISA-L computing one row per call (if linked) and against the scalar kernel
/// doing the same.
fn per_index(k: usize, n: usize, len: usize, sets: usize) -> Vec<Row> {
    let code = Code::new(k, n).unwrap();
    let d = data_sets(k, len, sets);
    let d: Vec<Vec<&[u8]>> = d.iter().map(|s| refs(s)).collect();
    let d = &d;
    let m: Vec<Vec<u16>> = (k..n).map(|i| rows(&code, &[i])).collect();
    let ours_on = |s: usize, out: &mut [Vec<u8>]| {
        for (i, o) in (k..n).zip(out.iter_mut()) {
            code.encode(&d[s], i, o).unwrap();
        }
    };
    let scalar_on = |s: usize, out: &mut [Vec<u8>]| {
        for (row, o) in m.iter().zip(out.iter_mut()) {
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
    let mut want = vec![vec![0u8; len]; n - k];
    ours_on(0, &mut want);
    let mut sc = vec![vec![0u8; len]; n - k];
    scalar_on(0, &mut sc);
    assert!(sc == want, "the scalar kernel disagrees");
    #[cfg(feature = "isal")]
    let isal_side: Option<Side<'_>> = {
        let mut tables: Vec<isal::Tables> =
            m.iter().map(|r| isal::Tables::new(k, &bytes(r))).collect();
        let mut isal_on = move |s: usize, out: &mut [Vec<u8>]| {
            for (t, o) in tables.iter_mut().zip(out.iter_mut()) {
                t.encode(&d[s], &mut [o.as_mut_slice()]);
            }
        };
        let mut theirs = vec![vec![0u8; len]; n - k];
        isal_on(0, &mut theirs);
        assert!(theirs == want, "ISA-L and this crate disagree");
        Some(Box::new(move |s| isal_on(s, &mut theirs)))
    };
    #[cfg(not(feature = "isal"))]
    let isal_side = None;
    let mut out = vec![vec![0u8; len]; n - k];
    let sides: Vec<Side<'_>> = [
        Box::new(move |s| ours_on(s, &mut out)) as Side<'_>,
        Box::new(move |s| scalar_on(s, &mut sc)),
    ]
    .into_iter()
    .chain(isal_side)
    .collect();
    let t = time_rotating(sets, sides);
    let name = format!(
        "P-idx: GF(2^8) per-index encode k={k} n={n} {} KiB, {}",
        len >> 10,
        heat(sets)
    );
    let row = |base: f64, base_name, base_kernel| Row {
        key: "P-idx".into(),
        name: name.clone(),
        ours: mbs(k * len, t[0]),
        base: Some(mbs(k * len, base)),
        base_name,
        ours_kernel: kernels::active().name(),
        base_kernel,
        clock: Clock::Thread,
    };
    let isal_row = t
        .get(2)
        .map(|&b| row(b, "ISA-L, one row per call", ISAL_AUTO));
    isal_row
        .into_iter()
        .chain([row(t[1], "scalar", "scalar")])
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
    let name = kernels::active().name();
    let run = |kernel: &str, out: &mut [Vec<u8>]| {
        kernels::dot_with(kernel, Field::Gf16, &m, &d, &mut muts(out), false).unwrap()
    };
    let mut out = vec![vec![0u8; len]; checks];
    let mut sc = vec![vec![0u8; len]; checks];
    run(name, &mut out);
    run("scalar", &mut sc);
    assert!(sc == out, "the scalar kernel disagrees");
    let t = time_sides(
        Clock::Thread,
        &mut [&mut || run(name, &mut out), &mut || run("scalar", &mut sc)],
    );
    Row {
        key: "gf16".into(),
        name: format!(
            "GF(2^16) encode k={k} n={n} {} KiB, {checks} checks",
            len >> 10
        ),
        ours: mbs(k * len, t[0]),
        base: Some(mbs(k * len, t[1])),
        base_name: "scalar",
        ours_kernel: name,
        base_kernel: "scalar",
        clock: Clock::Thread,
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
        kernels::dot_with(ours, Field::Gf8, &m, &d, &mut muts(&mut out), false).unwrap();
        assert!(out == want, "{ours} and ISA-L {theirs:?} disagree");
        let [a, b] = time_sides(
            Clock::Thread,
            &mut [
                &mut || {
                    kernels::dot_with(ours, Field::Gf8, &m, &d, &mut muts(&mut out), false).unwrap()
                },
                &mut || t.encode_with(theirs, &d, &mut muts(&mut want)),
            ],
        )[..] else {
            unreachable!()
        };
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
            clock: Clock::Thread,
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
    // The thread count is set on every call: the two sides take turns.
    let at = |t, out: &mut [Vec<u8>]| {
        kernels::set_threads(t);
        code.encode_many(&d, &idx, &mut muts(out)).unwrap()
    };
    let mut outs = [0, 1].map(|_| vec![vec![0u8; len]; n - k]);
    let [o1, o2] = &mut outs;
    let t = time_sides(Clock::Wall, &mut [&mut || at(1, o1), &mut || at(2, o2)]);
    kernels::set_threads(1);
    let (one, two) = (t[0], t[1]);
    Row {
        key: "A-hot-2-threads".into(),
        name: format!("GF(2^8) encode k={k} n={n} {} KiB, 2 threads", len >> 10),
        ours: mbs(k * len, two),
        base: Some(mbs(k * len, one)),
        base_name: "1 thread",
        ours_kernel: kernels::active().name(),
        base_kernel: kernels::active().name(),
        clock: Clock::Wall,
    }
}

/// Code::decode (4 lost of k=10) on 2 threads against 1.
#[cfg(feature = "parallel")]
fn threads_decode(len: usize) -> Row {
    let d = Decode::new(len, 1);
    let (mut a, mut b) = (d.ours(), d.ours());
    // The thread count is set on every call: the two sides take turns.
    let t = time_sides(
        Clock::Wall,
        &mut [
            &mut || {
                kernels::set_threads(1);
                a(0)
            },
            &mut || {
                kernels::set_threads(2);
                b(0)
            },
        ],
    );
    kernels::set_threads(1);
    let (one, two) = (t[0], t[1]);
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
        clock: Clock::Wall,
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
        ("E", Box::new(move || decode_4(mib, COLD_SETS))),
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
                "timing": timing(r.clock),
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

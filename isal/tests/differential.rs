//! This crate's libisal against Debian's Intel ISA-L 2.30, function by function, on
//! random inputs: the bytes (outputs, tables, matrices, the bytes around every
//! output) and the return values must be equal. Run on every kernel of this CPU
//! (`every_kernel`). Built and run by scripts/test-isal.

mod common;

use std::ffi::{c_int, c_void};
use std::ptr::{null, null_mut};

use common::{isal, ours, symbol_file, symbols, Api, Rng};

/// Lengths every byte loop is tried at: empty, below and around ISA-L's vector
/// widths and tails, and large.
const LENS: &[usize] = &[
    0,
    1,
    15,
    16,
    17,
    31,
    32,
    33,
    63,
    64,
    65,
    127,
    128,
    129,
    1000,
    4103,
    65536 + 5,
];

/// Bytes after each block that nothing may write.
const GUARD: usize = 64;

/// `n` blocks of `len` random bytes, each at a random offset 0..64 of its buffer
/// (unaligned pointers) with [`GUARD`] random bytes after it; clones share offsets,
/// so whole buffers compare.
#[derive(Clone, PartialEq, Debug)]
struct Blocks {
    bufs: Vec<Vec<u8>>,
    offs: Vec<usize>,
}

impl Blocks {
    fn new(rng: &mut Rng, n: usize, len: usize) -> Blocks {
        let offs: Vec<usize> = (0..n).map(|_| rng.below(64)).collect();
        let bufs = offs.iter().map(|o| rng.bytes(o + len + GUARD)).collect();
        Blocks { bufs, offs }
    }

    fn ptrs(&self) -> Vec<*const u8> {
        self.bufs
            .iter()
            .zip(&self.offs)
            .map(|(b, &o)| b[o..].as_ptr())
            .collect()
    }

    fn ptrs_mut(&mut self) -> Vec<*mut u8> {
        let offs = &self.offs;
        self.bufs
            .iter_mut()
            .zip(offs)
            .map(|(b, &o)| b[o..].as_mut_ptr())
            .collect()
    }
}

fn int(n: usize) -> c_int {
    c_int::try_from(n).unwrap()
}

/// The tables of a rows × k matrix, made by `api`.
fn tables(api: &Api, k: usize, rows: usize, a: &[u8]) -> Vec<u8> {
    let mut t = vec![0u8; 32 * k * rows];
    // SAFETY: a holds k·rows coefficients, t 32·k·rows bytes.
    unsafe { (api.ec_init_tables)(int(k), int(rows), a.as_ptr(), t.as_mut_ptr()) };
    t
}

/// Runs when ALGORITHM_FEC_KERNEL is unset: this test binary again for each kernel
/// this CPU has, with ALGORITHM_FEC_KERNEL set (the library reads it once per
/// process), all of whose tests must pass; and once with a name no CPU has, where
/// the library says so on stderr and its portable loop must give the same bytes.
#[test]
fn every_kernel() {
    if std::env::var_os("ALGORITHM_FEC_KERNEL").is_some() {
        return;
    }
    let exe = std::env::current_exe().unwrap();
    for kernel in algorithm_fec::kernels::available()
        .into_iter()
        .chain(["no-such-kernel"])
    {
        let out = std::process::Command::new(&exe)
            .args(["--skip", "every_kernel", "--test-threads", "2"])
            .env("ALGORITHM_FEC_KERNEL", kernel)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "kernel {kernel}:\n{}{stderr}",
            String::from_utf8_lossy(&out.stdout),
        );
        let fallback = "ALGORITHM_FEC_KERNEL=no-such-kernel: unknown kernel";
        assert_eq!(
            stderr.contains(fallback),
            kernel == "no-such-kernel",
            "kernel {kernel}: {stderr}"
        );
        eprintln!("kernel {kernel}: all differential tests pass");
    }
}

/// The two sets of functions really are two libraries: each of ours is in our file,
/// each of ISA-L's in Debian's, at different addresses.
#[test]
fn two_libraries_are_compared() {
    let (a, b) = (ours(), isal());
    assert_ne!(a.path, b.path);
    for ((name, x), (_, y)) in symbols(a).into_iter().zip(symbols(b)) {
        assert_ne!(x, y, "{name}");
        assert_eq!(symbol_file(x), a.path, "{name} of ours");
        assert_eq!(symbol_file(y), b.path, "{name} of ISA-L");
    }
}

#[test]
fn field_and_tables() {
    let (a, b) = (ours(), isal());
    for x in 0..=255u8 {
        // SAFETY: plain values; 32-byte tables with a guard after.
        unsafe {
            for y in 0..=255u8 {
                assert_eq!((a.gf_mul)(x, y), (b.gf_mul)(x, y), "gf_mul({x}, {y})");
            }
            assert_eq!((a.gf_inv)(x), (b.gf_inv)(x), "gf_inv({x})");
            let (mut ta, mut tb) = ([0x5Au8; 40], [0x5Au8; 40]);
            (a.gf_vect_mul_init)(x, ta.as_mut_ptr());
            (b.gf_vect_mul_init)(x, tb.as_mut_ptr());
            assert_eq!(ta, tb, "gf_vect_mul_init({x})");
        }
    }
    let mut rng = Rng(1);
    for (k, rows) in [(1, 1), (10, 4), (3, 0), (0, 3), (32, 8), (7, 13), (255, 1)] {
        let m = rng.bytes(k * rows);
        let (mut ta, mut tb) = (
            vec![0xA5u8; 32 * k * rows + GUARD],
            vec![0xA5u8; 32 * k * rows + GUARD],
        );
        // SAFETY: m holds k·rows coefficients, the tables room for them.
        unsafe {
            (ours().ec_init_tables)(int(k), int(rows), m.as_ptr(), ta.as_mut_ptr());
            (isal().ec_init_tables)(int(k), int(rows), m.as_ptr(), tb.as_mut_ptr());
        }
        assert_eq!(ta, tb, "ec_init_tables k={k} rows={rows}");
    }
}

/// `gen(m, k)` from both libraries; ISA-L writes k·k bytes when m < k, so it gets
/// room for them, and only the m·k bytes asked for are compared (ours must leave
/// the rest alone).
fn compare_matrix(gen: impl Fn(&Api) -> common::Matrix, m: usize, k: usize, what: &str) {
    let size = m * k;
    let room = m.max(k) * k + GUARD;
    let (mut a, mut b) = (vec![0xEEu8; room], vec![0xEEu8; room]);
    // SAFETY: room for max(m, k)·k bytes.
    unsafe {
        gen(ours())(a.as_mut_ptr(), int(m), int(k));
        gen(isal())(b.as_mut_ptr(), int(m), int(k));
    }
    assert_eq!(a[..size], b[..size], "{what} m={m} k={k}");
    assert!(
        a[size..].iter().all(|&x| x == 0xEE),
        "{what} m={m} k={k} wrote past m·k"
    );
}

#[test]
fn generator_matrices() {
    for k in 1..=24 {
        for m in (1..=k + 20).chain([200, 255, 256, 257, 300]) {
            compare_matrix(|api| api.gf_gen_rs_matrix, m, k, "gf_gen_rs_matrix");
            compare_matrix(
                |api| api.gf_gen_cauchy1_matrix,
                m,
                k,
                "gf_gen_cauchy1_matrix",
            );
        }
    }
}

/// Random n×n matrices of several kinds, both libraries' inversions: return value,
/// the destroyed input and the output must be equal, singular or not.
#[test]
fn matrix_inversion() {
    let mut rng = Rng(2);
    let (mut singular, mut regular) = (0, 0);
    let mut gen = vec![0u8; 40 * 20];
    // SAFETY: room for 40 × 20.
    unsafe { (ours().gf_gen_rs_matrix)(gen.as_mut_ptr(), 40, 20) };
    for round in 0..3000 {
        let n = rng.below(17);
        let mut m = match round % 4 {
            // Dense: almost always invertible.
            0 => rng.bytes(n * n),
            // Sparse: zero pivots, row swaps and singular ones.
            1 => (0..n * n)
                .map(|_| {
                    if rng.below(3) == 0 {
                        rng.next() as u8
                    } else {
                        0
                    }
                })
                .collect(),
            // A repeated row: singular, found late or early.
            2 => {
                let mut m = rng.bytes(n * n);
                if n > 1 {
                    let (i, j) = (rng.below(n), rng.below(n));
                    let row = m[i * n..(i + 1) * n].to_vec();
                    m[j * n..(j + 1) * n].copy_from_slice(&row);
                }
                m
            }
            // Rows of a Vandermonde generator, as a decoder picks them.
            _ => {
                let n = n.min(20);
                (0..n)
                    .flat_map(|_| {
                        let r = rng.below(40);
                        gen[r * 20..r * 20 + n].to_vec()
                    })
                    .collect()
            }
        };
        let n = (m.len() as f64).sqrt() as usize;
        m.resize(n * n, 0);
        let (mut in_a, mut in_b) = (m.clone(), m.clone());
        let (mut out_a, mut out_b) = (rng.bytes(n * n + GUARD), vec![0u8; n * n + GUARD]);
        out_b.copy_from_slice(&out_a);
        // SAFETY: n·n-byte matrices.
        let (ra, rb) = unsafe {
            (
                (ours().gf_invert_matrix)(in_a.as_mut_ptr(), out_a.as_mut_ptr(), int(n)),
                (isal().gf_invert_matrix)(in_b.as_mut_ptr(), out_b.as_mut_ptr(), int(n)),
            )
        };
        assert_eq!(ra, rb, "return of n={n} {m:?}");
        assert_eq!((in_a, out_a), (in_b, out_b), "matrices after n={n} {m:?}");
        match ra {
            0 => regular += 1,
            _ => singular += 1,
        }
    }
    assert!(
        singular > 300 && regular > 300,
        "{singular} singular, {regular} regular"
    );
}

/// Shapes (k, rows) of the encode tests: k = 1, more rows than ISA-L's 6 per pass,
/// more sources than fit a pass of ours.
const SHAPES: &[(usize, usize)] = &[
    (1, 1),
    (1, 4),
    (2, 1),
    (3, 2),
    (10, 4),
    (6, 6),
    (7, 7),
    (13, 5),
    (32, 8),
    (4, 0),
];

#[test]
fn encode() {
    let mut rng = Rng(3);
    for &(k, rows) in SHAPES {
        let m = rng.bytes(k * rows);
        let (ta, tb) = (tables(ours(), k, rows, &m), tables(isal(), k, rows, &m));
        for &len in LENS {
            let data = Blocks::new(&mut rng, k, len);
            let out = Blocks::new(&mut rng, rows, len);
            let run = |f: common::Encode, t: &[u8]| {
                let mut out = out.clone();
                // SAFETY: k sources and rows outputs of len bytes, tables for k·rows.
                unsafe {
                    f(
                        int(len),
                        int(k),
                        int(rows),
                        t.as_ptr(),
                        data.ptrs().as_ptr(),
                        out.ptrs_mut().as_ptr(),
                    )
                };
                out
            };
            let want = run(isal().ec_encode_data, &tb);
            let what = format!("k={k} rows={rows} len={len}");
            assert_eq!(
                run(ours().ec_encode_data, &ta),
                want,
                "ec_encode_data {what}"
            );
            assert_eq!(
                run(ours().ec_encode_data_base, &ta),
                want,
                "ec_encode_data_base {what}"
            );
            assert_eq!(
                run(isal().ec_encode_data_base, &tb),
                want,
                "ISA-L's own base {what}"
            );
            if rows == 0 {
                assert_eq!(want, out, "rows = 0 writes nothing");
            }
        }
    }
}

/// A 10 + 4 encode of 1 MiB (+3) blocks: the size the benchmarks use.
#[test]
fn encode_large() {
    let mut rng = Rng(4);
    let (k, rows, len) = (10, 4, (1 << 20) + 3);
    let m = rng.bytes(k * rows);
    let data = Blocks::new(&mut rng, k, len);
    let outs: Vec<Blocks> = [ours(), isal()]
        .iter()
        .map(|api| {
            let t = tables(api, k, rows, &m);
            let mut out = Blocks::new(&mut Rng(5), rows, len);
            // SAFETY: as in `encode`.
            unsafe {
                (api.ec_encode_data)(
                    int(len),
                    int(k),
                    int(rows),
                    t.as_ptr(),
                    data.ptrs().as_ptr(),
                    out.ptrs_mut().as_ptr(),
                )
            };
            out
        })
        .collect();
    assert!(outs[0] == outs[1]);
}

/// k = 0 sums nothing: zero outputs, as ISA-L's base version makes them (its
/// dispatched version crashes from 16 bytes on).
#[test]
fn encode_no_sources() {
    let mut rng = Rng(6);
    for &len in LENS {
        let out = Blocks::new(&mut rng, 3, len);
        let (mut a, mut b) = (out.clone(), out.clone());
        let t = [0u8; 32];
        let no_data: [*const u8; 1] = [null()];
        // SAFETY: 3 outputs of len bytes; no source is read.
        unsafe {
            (ours().ec_encode_data)(
                int(len),
                0,
                3,
                t.as_ptr(),
                no_data.as_ptr(),
                a.ptrs_mut().as_ptr(),
            );
            (isal().ec_encode_data_base)(
                int(len),
                0,
                3,
                t.as_ptr(),
                no_data.as_ptr(),
                b.ptrs_mut().as_ptr(),
            );
        }
        assert_eq!(a, b, "len={len}");
    }
}

/// ec_encode_data_update, one source at a time in a random order, from random
/// outputs: equal after every step (and so is our `_base` version to ISA-L's), and
/// from zeroed outputs the sum of all steps is ec_encode_data's result.
#[test]
fn update_in_any_order() {
    let mut rng = Rng(7);
    for &(k, rows) in SHAPES {
        let m = rng.bytes(k * rows);
        let (ta, tb) = (tables(ours(), k, rows, &m), tables(isal(), k, rows, &m));
        for &len in LENS {
            let data = Blocks::new(&mut rng, k, len);
            let mut order: Vec<usize> = (0..k).collect();
            for i in (1..k).rev() {
                order.swap(i, rng.below(i + 1));
            }
            for zeroed in [false, true] {
                let mut start = Blocks::new(&mut rng, rows, len);
                if zeroed {
                    start
                        .bufs
                        .iter_mut()
                        .zip(&start.offs)
                        .for_each(|(b, &o)| b[o..o + len].fill(0));
                }
                let (mut a, mut b) = (start.clone(), start.clone());
                let (mut a_base, mut b_base) = (start.clone(), start.clone());
                for &j in &order {
                    let src = data.ptrs()[j];
                    // SAFETY: rows outputs of len bytes, one source, tables for k·rows.
                    unsafe {
                        (ours().ec_encode_data_update_base)(
                            int(len),
                            int(k),
                            int(rows),
                            int(j),
                            ta.as_ptr(),
                            src,
                            a_base.ptrs_mut().as_ptr(),
                        );
                        (isal().ec_encode_data_update_base)(
                            int(len),
                            int(k),
                            int(rows),
                            int(j),
                            tb.as_ptr(),
                            src,
                            b_base.ptrs_mut().as_ptr(),
                        );
                        (ours().ec_encode_data_update)(
                            int(len),
                            int(k),
                            int(rows),
                            int(j),
                            ta.as_ptr(),
                            src,
                            a.ptrs_mut().as_ptr(),
                        );
                        (isal().ec_encode_data_update)(
                            int(len),
                            int(k),
                            int(rows),
                            int(j),
                            tb.as_ptr(),
                            src,
                            b.ptrs_mut().as_ptr(),
                        );
                    }
                    assert_eq!(a, b, "k={k} rows={rows} len={len} after source {j}");
                    assert_eq!(
                        a_base, b_base,
                        "_base k={k} rows={rows} len={len} after {j}"
                    );
                }
                if zeroed {
                    let mut full = start.clone();
                    // SAFETY: as in `encode`.
                    unsafe {
                        (isal().ec_encode_data)(
                            int(len),
                            int(k),
                            int(rows),
                            tb.as_ptr(),
                            data.ptrs().as_ptr(),
                            full.ptrs_mut().as_ptr(),
                        )
                    };
                    assert_eq!(a, full, "k={k} rows={rows} len={len}: updates ≠ encode");
                }
            }
        }
    }
}

/// gf_vect_dot_prod and gf_vect_mad against ISA-L's dispatched versions from the
/// minimum length its header gives (32 and 64 bytes; below, on an AVX-512 CPU, they
/// wrote nothing) and against its portable versions at every length; our `_base`
/// versions too.
#[test]
fn dot_product_and_multiply_add() {
    let mut rng = Rng(8);
    for vlen in [1, 2, 5, 10, 32] {
        let m = rng.bytes(vlen);
        let t = tables(ours(), vlen, 1, &m);
        for &len in LENS {
            let src = Blocks::new(&mut rng, vlen, len);
            let dest = Blocks::new(&mut rng, 1, len);
            let dot = |f: common::DotProd| {
                let mut d = dest.clone();
                // SAFETY: vlen sources and one output of len bytes, vlen tables.
                unsafe {
                    f(
                        int(len),
                        int(vlen),
                        t.as_ptr(),
                        src.ptrs().as_ptr(),
                        d.ptrs_mut()[0],
                    )
                };
                d
            };
            let want = dot(isal().gf_vect_dot_prod_base);
            assert_eq!(
                dot(ours().gf_vect_dot_prod),
                want,
                "gf_vect_dot_prod vlen={vlen} len={len}"
            );
            assert_eq!(
                dot(ours().gf_vect_dot_prod_base),
                want,
                "gf_vect_dot_prod_base vlen={vlen} len={len}"
            );
            if len >= 32 {
                assert_eq!(
                    dot(isal().gf_vect_dot_prod),
                    want,
                    "ISA-L's own vlen={vlen} len={len}"
                );
            }
            let vec_i = rng.below(vlen);
            let mad = |f: common::Mad| {
                let mut d = dest.clone();
                // SAFETY: one source and one output of len bytes, vlen tables.
                unsafe {
                    f(
                        int(len),
                        int(vlen),
                        int(vec_i),
                        t.as_ptr(),
                        src.ptrs()[0],
                        d.ptrs_mut()[0],
                    )
                };
                d
            };
            let want = mad(isal().gf_vect_mad_base);
            assert_eq!(
                mad(ours().gf_vect_mad),
                want,
                "gf_vect_mad vec_i={vec_i} len={len}"
            );
            assert_eq!(
                mad(ours().gf_vect_mad_base),
                want,
                "gf_vect_mad_base vec_i={vec_i} len={len}"
            );
            if len >= 64 {
                assert_eq!(
                    mad(isal().gf_vect_mad),
                    want,
                    "ISA-L's own vec_i={vec_i} len={len}"
                );
                // In place: dest ⊕= c·dest.
                let in_place = |api: &Api| {
                    let mut d = dest.clone();
                    let p = d.ptrs_mut()[0];
                    // SAFETY: one block of len bytes as source and output.
                    unsafe { (api.gf_vect_mad)(int(len), int(vlen), int(vec_i), t.as_ptr(), p, p) };
                    d
                };
                assert_eq!(
                    in_place(ours()),
                    in_place(isal()),
                    "gf_vect_mad in place len={len}"
                );
            }
        }
    }
}

/// A 32-byte aligned buffer of `len` random bytes and room after it for ISA-L's
/// whole 32-byte steps, at offset `off` past alignment.
fn aligned(rng: &mut Rng, len: usize, off: usize) -> (Vec<u8>, usize) {
    let buf = rng.bytes(len + off + 64 + GUARD);
    let start = buf.as_ptr().align_offset(32) + off;
    (buf, start)
}

/// gf_vect_mul: ISA-L wants 32-byte aligned buffers and a positive multiple of 32;
/// otherwise it writes whole 32-byte steps past `len` and returns how far, so
/// there the return value and the `len` bytes asked for are compared (and ours may
/// write nothing past them). Ours also takes unaligned buffers and works in place.
#[test]
fn vector_multiply() {
    let mut rng = Rng(9);
    for c in [0u8, 1, 2, 0x1D, 0x8E, 255, 77] {
        let mut t = [0u8; 32];
        // SAFETY: a 32-byte table.
        unsafe { (isal().gf_vect_mul_init)(c, t.as_mut_ptr()) };
        for len in [0, 1, 16, 31, 32, 33, 48, 64, 96, 100, 4096, 65536 + 32] {
            let (src, s) = aligned(&mut rng, len, 0);
            let (dst, d) = aligned(&mut rng, len, 0);
            let run = |api: &Api, dst_off: usize, src_off: usize| {
                let mut out = dst.clone();
                // SAFETY: len readable and writable bytes (and room for ISA-L's steps).
                let r = unsafe {
                    (api.gf_vect_mul)(
                        int(len),
                        t.as_ptr(),
                        src[s + src_off..].as_ptr().cast::<c_void>(),
                        out[d + dst_off..].as_mut_ptr().cast::<c_void>(),
                    )
                };
                (r, out, dst_off)
            };
            let (rb, want, _) = run(isal(), 0, 0);
            for (src_off, dst_off) in [(0, 0), (1, 3), (17, 31)] {
                let mut src2 = src.clone();
                src2[s + src_off..s + src_off + len].copy_from_slice(&src[s..s + len]);
                let mut out = dst.clone();
                // SAFETY: as above; ours needs no alignment.
                let ra = unsafe {
                    (ours().gf_vect_mul)(
                        int(len),
                        t.as_ptr(),
                        src2[s + src_off..].as_ptr().cast::<c_void>(),
                        out[d + dst_off..].as_mut_ptr().cast::<c_void>(),
                    )
                };
                let what = format!("c={c} len={len} offsets {src_off}, {dst_off}");
                assert_eq!(ra, rb, "return {what}");
                assert_eq!(
                    out[d + dst_off..d + dst_off + len],
                    want[d..d + len],
                    "{what}"
                );
                assert_eq!(
                    out[d + dst_off + len..],
                    dst[d + dst_off + len..],
                    "{what}: past len"
                );
                assert_eq!(out[..d + dst_off], dst[..d + dst_off], "{what}: before");
            }
            // In place.
            let in_place = |api: &Api| {
                let mut b = src.clone();
                let p = b[s..].as_mut_ptr().cast::<c_void>();
                // SAFETY: one aligned block as source and output.
                let r = unsafe { (api.gf_vect_mul)(int(len), t.as_ptr(), p, p) };
                (r, b[s..s + len].to_vec())
            };
            assert_eq!(
                in_place(ours()),
                in_place(isal()),
                "c={c} len={len} in place"
            );
        }
    }
}

/// Inputs ISA-L tolerates (negative lengths or counts, nothing to do): both write
/// nothing.
#[test]
fn tolerated_alike() {
    let mut rng = Rng(10);
    let data = Blocks::new(&mut rng, 4, 64);
    let out = Blocks::new(&mut rng, 4, 64);
    let t = tables(ours(), 4, 4, &rng.bytes(16));
    for api in [ours(), isal()] {
        let mut o = out.clone();
        let (d, p) = (data.ptrs(), o.ptrs_mut());
        // SAFETY: buffers as in `encode`, or none read at all.
        unsafe {
            (api.ec_encode_data)(-5, 4, 4, t.as_ptr(), d.as_ptr(), p.as_ptr());
            (api.ec_encode_data)(64, 4, -1, t.as_ptr(), d.as_ptr(), p.as_ptr());
            (api.ec_encode_data)(64, 4, 0, t.as_ptr(), d.as_ptr(), p.as_ptr());
            (api.ec_encode_data)(0, 4, 4, null(), null(), null());
            (api.ec_encode_data_update)(0, 4, 4, 0, null(), null(), null());
            (api.ec_encode_data_update)(-1, 4, 4, 0, t.as_ptr(), d[0], p.as_ptr());
            (api.ec_encode_data_update)(64, 4, 0, 0, t.as_ptr(), d[0], p.as_ptr());
            assert_eq!((api.gf_invert_matrix)(null_mut(), null_mut(), 0), 0);
        }
        assert_eq!(o, out, "{}", api.path.display());
    }
}

/// What would crash ISA-L (NULL pointers, negative lengths for gf_vect_mul, a
/// negative source index) returns here without writing.
#[test]
fn crashes_of_isal_are_harmless() {
    let mut rng = Rng(11);
    let api = ours();
    let data = Blocks::new(&mut rng, 4, 64);
    let out = Blocks::new(&mut rng, 4, 64);
    let t = tables(api, 4, 4, &rng.bytes(16));
    let mut o = out.clone();
    let (d, p) = (data.ptrs(), o.ptrs_mut());
    let mut holes = p.clone();
    holes[2] = null_mut();
    let mut d_holes = d.clone();
    d_holes[1] = null();
    let mut m = rng.bytes(16);
    let (m0, mut t_out) = (m.clone(), t.clone());
    // SAFETY: every pointer that is not NULL is valid as in `encode`.
    unsafe {
        (api.ec_encode_data)(64, 4, 4, null(), d.as_ptr(), p.as_ptr());
        (api.ec_encode_data)(64, 4, 4, t.as_ptr(), null(), p.as_ptr());
        (api.ec_encode_data)(64, 4, 4, t.as_ptr(), d.as_ptr(), null());
        (api.ec_encode_data)(64, 4, 4, t.as_ptr(), d.as_ptr(), holes.as_ptr());
        (api.ec_encode_data)(64, 4, 4, t.as_ptr(), d_holes.as_ptr(), p.as_ptr());
        (api.ec_encode_data_update)(64, 4, 4, -1, t.as_ptr(), d[0], p.as_ptr());
        (api.ec_encode_data_update)(64, 4, 4, 0, null(), d[0], p.as_ptr());
        (api.ec_encode_data_update)(64, 4, 4, 0, t.as_ptr(), null(), p.as_ptr());
        (api.ec_encode_data_update)(64, 4, 4, 0, t.as_ptr(), d[0], holes.as_ptr());
        (api.gf_vect_dot_prod)(64, 4, null(), d.as_ptr(), p[0]);
        (api.gf_vect_dot_prod)(64, 4, t.as_ptr(), d.as_ptr(), null_mut());
        (api.gf_vect_mad)(64, 4, 0, null(), d[0], p[0]);
        (api.gf_vect_mad)(64, 4, -3, t.as_ptr(), d[0], p[0]);
        (api.gf_vect_mad)(64, 4, 0, t.as_ptr(), null(), p[0]);
        assert_eq!((api.gf_vect_mul)(64, null(), d[0].cast(), p[0].cast()), -1);
        assert_eq!((api.gf_vect_mul)(64, t.as_ptr(), null(), p[0].cast()), -1);
        assert_eq!(
            (api.gf_vect_mul)(-32, t.as_ptr(), d[0].cast(), p[0].cast()),
            -1
        );
        assert_eq!((api.gf_invert_matrix)(null_mut(), m.as_mut_ptr(), 4), -1);
        assert_eq!(
            (api.gf_invert_matrix)(m.as_mut_ptr(), m.as_mut_ptr(), 4),
            -1
        );
        assert_eq!((api.gf_invert_matrix)(m.as_mut_ptr(), null_mut(), -1), 0);
        (api.gf_gen_rs_matrix)(null_mut(), 4, 4);
        (api.gf_gen_cauchy1_matrix)(null_mut(), 4, 4);
        (api.gf_gen_rs_matrix)(m.as_mut_ptr(), 0, 4);
        (api.gf_gen_cauchy1_matrix)(m.as_mut_ptr(), -4, 4);
        (api.ec_init_tables)(4, 4, null(), t_out.as_mut_ptr());
        (api.ec_init_tables)(4, 4, m.as_ptr(), null_mut());
        (api.gf_vect_mul_init)(3, null_mut());
    }
    assert_eq!(o, out);
    assert_eq!((m, t_out), (m0, t));
}

/// gf_vect_mul_base, ISA-L's portable multiply (it returns nothing): every positive
/// length is written, whatever its header says of multiples of 32; any alignment.
#[test]
fn vector_multiply_base() {
    let mut rng = Rng(12);
    for c in [0u8, 1, 2, 0x8E, 255] {
        let t = tables(isal(), 1, 1, &[c]);
        for len in [-33, -32, -1, 0, 1, 31, 32, 33, 64, 96, 4096, 65536 + 32] {
            let n = len.max(0) as usize;
            let src = Blocks::new(&mut rng, 1, n);
            let dst = Blocks::new(&mut rng, 1, n);
            let run = |api: &Api| {
                let mut d = dst.clone();
                // SAFETY: max(len, 0) readable and writable bytes (with a guard after).
                unsafe { (api.gf_vect_mul_base)(len, t.as_ptr(), src.ptrs()[0], d.ptrs_mut()[0]) };
                d
            };
            assert_eq!(run(ours()), run(isal()), "c={c} len={len}");
        }
    }
}

//! Toeplitz matrix × block vector products with fewer block multiplications than the
//! quadratic way: the engine of the code layer's convolution path.
//!
//! In this code every coefficient between two blocks of the progression x_r = α^(r−1)
//! depends only on the difference of their indices (see ../shared/SPEC.md, "Large
//! codes"), so encoding all checks and both stages of a decode are products
//! `y = T·x` with `T[i][j] = τ(i − j)`: a convolution of blocks with a fixed scalar
//! sequence.
//!
//! A square product of side 2m splits as `T = [[T1, T0], [T2, T1]]` (each a Toeplitz
//! block of side m), and three half-size products suffice (Karatsuba):
//!
//! ```text
//! Z = T1·(x0 ⊕ x1)    y0 = Z ⊕ (T0 ⊕ T1)·x1    y1 = Z ⊕ (T2 ⊕ T1)·x0
//! ```
//!
//! for 3m block XORs. The sums of matrices are sums of their scalar sequences, so
//! they cost nothing on the data. Recursion stops at sides ≤ [`LEAF`], which the
//! kernels multiply directly in one multi-output pass. Side s then costs about
//! s^1.58 block multiplications instead of s², and a rectangle is cut into squares.
//! Everything here is exact field arithmetic: the bytes equal the quadratic path's.
//!
//! For large sides an additive FFT ([`fft`]) needs fewer block operations still;
//! [`mul`] takes whichever engine the cost estimate says is cheaper.

mod fft;

use crate::gf::Field;
use crate::kernels;

/// Largest side multiplied directly by the kernels. Below it a half-size split saves
/// less than its XOR passes cost.
const LEAF: usize = 8;

/// Cost of one block XOR in units of one block multiply-add by the kernels (these
/// run several lookups or affine steps per byte; a XOR is one instruction).
const XOR_COST: f64 = 0.25;

/// Diagonal factors around a product, `y = diag(output) · T · diag(input) · x`; a
/// missing side is all ones. The engines fold them into their loads and stores.
#[derive(Clone, Copy, Default)]
pub(crate) struct Scales<'a> {
    /// One per input block.
    pub(crate) input: Option<&'a [u16]>,
    /// One per output block.
    pub(crate) output: Option<&'a [u16]>,
    /// `y` has one block more than the product's rows, the last, which gets
    /// `output[last] · Σ_j input[j]·x[j]` (the scaled inputs' sum, which the
    /// engines have at hand; `output` must be given).
    pub(crate) sum: bool,
}

impl Scales<'_> {
    /// Rows of the product proper in `y`.
    fn rows(&self, y: usize) -> usize {
        y - usize::from(self.sum)
    }
}

/// What [`mul`]s of one owner (a [`crate::Code`]) keep between calls: the FFT
/// engine's slots, megabytes (12 MiB for 1000 + 500), where a fresh zeroed
/// allocation per call cost 5 % of a 200 + 55 encode; and the transforms of the
/// last few sequences multiplied with ([`fft::Memo`]), which the same code's
/// products repeat. One buffer is kept; calls that overlap (threads sharing the
/// owner) get their own.
#[derive(Default)]
pub(crate) struct Scratch {
    bytes: std::sync::Mutex<Vec<u8>>,
    memo: fft::Memo,
}

impl Scratch {
    /// The kept buffer (empty if there is none or another call holds it), and the
    /// memo.
    pub(crate) fn take(&self) -> Work<'_> {
        let bytes = self
            .bytes
            .try_lock()
            .map(|mut v| std::mem::take(&mut *v))
            .unwrap_or_default();
        Work {
            bytes,
            memo: Some(&self.memo),
        }
    }

    /// Keeps `w`'s buffer for the next [`Scratch::take`], if it is the larger.
    pub(crate) fn put(&self, w: Work) {
        if let Ok(mut kept) = self.bytes.try_lock() {
            if kept.len() < w.bytes.len() {
                *kept = w.bytes;
            }
        }
    }
}

/// A copy starts without a buffer or memo (they are storage, not state).
impl Clone for Scratch {
    fn clone(&self) -> Self {
        Scratch::default()
    }
}

/// [`mul`]'s storage: bytes the engine may grow and reuse (nothing in them is read
/// before it is written), and where it may keep its sequences' transforms.
#[derive(Default)]
pub(crate) struct Work<'a> {
    bytes: Vec<u8>,
    memo: Option<&'a fft::Memo>,
}

/// Writes `y[i] = out[i] · Σ_j entry(i − j) · in[j] · x[j]` (`scales`; XORed into
/// `y` with `add`). All blocks have the same length, a whole number of symbols.
/// Calls one after another (the stripes of one encode or decode) share `work`
/// instead of each allocating and zeroing their own storage.
pub(crate) fn mul(
    field: Field,
    entry: impl Fn(isize) -> u16,
    x: &[&[u8]],
    y: &mut [&mut [u8]],
    scales: Scales,
    add: bool,
    work: &mut Work,
) {
    debug_assert!(scales.input.is_none_or(|s| s.len() == x.len()));
    debug_assert!(scales.output.is_none_or(|s| s.len() == y.len()));
    debug_assert!(!scales.sum || scales.output.is_some());
    let symbols = y.first().map_or(0, |b| b.len()) / field.symbol_bytes();
    match plan(field, scales.rows(y.len()), x.len(), symbols).0 {
        Some(p) => fft::mul(field, entry, x, y, scales, add, p, work),
        None => karatsuba_scaled(field, entry, x, y, scales, add),
    }
}

/// The cheaper engine for r × c with blocks of `symbols` symbols (`Some`: the FFT's
/// plan, `None`: Karatsuba) and its estimated cost in block multiply-adds.
fn plan(field: Field, r: usize, c: usize, symbols: usize) -> (Option<fft::Plan>, f64) {
    let karatsuba = karatsuba_cost(r, c);
    match fft::plan(field, r, c, symbols, XOR_COST) {
        Some((p, k)) if k < karatsuba => (Some(p), k),
        _ => (None, karatsuba),
    }
}

/// Estimated cost of [`mul`] for r × c, in block multiply-adds (see [`XOR_COST`]),
/// for blocks long enough that work done once per call does not count.
pub(crate) fn cost(field: Field, r: usize, c: usize) -> f64 {
    plan(field, r, c, usize::MAX).1
}

/// [`mul`] by Karatsuba, which reads every input many times: the scaled inputs are
/// made once, and scaled outputs go through a scratch copy.
fn karatsuba_scaled(
    field: Field,
    entry: impl Fn(isize) -> u16,
    x: &[&[u8]],
    y: &mut [&mut [u8]],
    scales: Scales,
    add: bool,
) {
    if scales.sum {
        // The sum directly: Karatsuba runs on shapes small enough.
        let (rows, last) = y.split_at_mut(scales.rows(y.len()));
        let out = scales.output.expect("sum with output scales");
        let t = field.tables();
        let coeffs: Vec<u16> = (0..x.len())
            .map(|j| t.mul(scales.input.map_or(1, |s| s[j]), out[rows.len()]))
            .collect();
        kernels::dot(field, &coeffs, x, last, add);
        let scales = Scales {
            output: Some(&out[..rows.len()]),
            sum: false,
            ..scales
        };
        return karatsuba_scaled(field, entry, x, rows, scales, add);
    }
    let scaled = |blocks: &[&[u8]], by: &[u16]| -> Vec<Vec<u8>> {
        blocks
            .iter()
            .zip(by)
            .map(|(b, &c)| {
                let mut v = vec![0u8; b.len()];
                kernels::dot(field, &[c], &[b], &mut [&mut v[..]], false);
                v
            })
            .collect()
    };
    let xs = scales.input.map(|s| scaled(x, s));
    let xs: Vec<&[u8]> = match &xs {
        Some(xs) => xs.iter().map(|v| v.as_slice()).collect(),
        None => x.to_vec(),
    };
    let Some(out) = scales.output else {
        return karatsuba(field, entry, &xs, y, add);
    };
    let w = y.first().map_or(0, |b| b.len());
    let mut tmp = vec![0u8; y.len() * w];
    let mut ts: Vec<&mut [u8]> = tmp.chunks_mut(w.max(1)).take(y.len()).collect();
    karatsuba(field, entry, &xs, &mut ts, false);
    for ((d, t), &c) in y.iter_mut().zip(&ts).zip(out) {
        kernels::dot(field, &[c], &[t], &mut [d], add);
    }
}

/// [`mul`] by Karatsuba, unscaled.
fn karatsuba(
    field: Field,
    entry: impl Fn(isize) -> u16,
    x: &[&[u8]],
    y: &mut [&mut [u8]],
    add: bool,
) {
    let (r, c) = (y.len(), x.len());
    let w = y.first().map_or(0, |b| b.len());
    if r == 0 || c == 0 || w == 0 {
        return;
    }
    let side = padded_side(r.min(c));
    let (rp, cp) = (r.next_multiple_of(side), c.next_multiple_of(side));
    let zero = vec![0u8; w];
    let xs: Vec<&[u8]> = x
        .iter()
        .copied()
        .chain(std::iter::repeat(&zero[..]))
        .take(cp)
        .collect();
    let mut spare = vec![0u8; (rp - r) * w];
    let mut ys: Vec<&mut [u8]> = y
        .iter_mut()
        .map(|b| &mut **b)
        .chain(spare.chunks_mut(w))
        .collect();
    let mut arena = vec![0u8; 2 * side * w];
    for ti in 0..rp / side {
        for tj in 0..cp / side {
            // Entry (i, j) of tile (ti, tj) is entry(ti·side + i − tj·side − j).
            let base = (ti as isize - tj as isize) * side as isize - (side as isize - 1);
            let tau: Vec<u16> = (0..2 * side - 1)
                .map(|t| entry(base + t as isize))
                .collect();
            square(
                field,
                &tau,
                &xs[tj * side..][..side],
                &mut ys[ti * side..][..side],
                add || tj > 0,
                &mut arena,
            );
        }
    }
}

/// The side a square of side s is padded to: LEAF-or-less times a power of two.
fn padded_side(s: usize) -> usize {
    let mut d = 0;
    while s.div_ceil(1 << d) > LEAF {
        d += 1;
    }
    s.div_ceil(1 << d) << d
}

/// Estimated cost of [`karatsuba`] for r × c, in block multiply-adds.
fn karatsuba_cost(r: usize, c: usize) -> f64 {
    if r == 0 || c == 0 {
        return 0.0;
    }
    let side = padded_side(r.min(c));
    let tiles = (r.div_ceil(side) * c.div_ceil(side)) as f64;
    let (mut n, mut nodes, mut xors) = (side, 1.0, 0.0);
    while n > LEAF {
        xors += nodes * 1.5 * n as f64;
        nodes *= 3.0;
        n /= 2;
    }
    tiles * (nodes * (n * n) as f64 + XOR_COST * xors)
}

/// `y (⊕)= T·x` for the square Toeplitz matrix `T[i][j] = tau[i − j + n − 1]`, n a
/// leaf size times a power of two. `arena` holds at least 2n blocks of scratch.
fn square(
    field: Field,
    tau: &[u16],
    x: &[&[u8]],
    y: &mut [&mut [u8]],
    add: bool,
    arena: &mut [u8],
) {
    let n = x.len();
    debug_assert_eq!(tau.len(), 2 * n - 1);
    if n <= LEAF {
        let mut coeffs = [0u16; LEAF * LEAF];
        for i in 0..n {
            for j in 0..n {
                coeffs[i * n + j] = tau[i + n - 1 - j];
            }
        }
        kernels::dot(field, &coeffs[..n * n], x, y, add);
        return;
    }
    let m = n / 2;
    let w = y[0].len();
    // T1 = tau[m..3m−1], T0 = tau[..2m−1], T2 = tau[2m..].
    let t1 = &tau[m..3 * m - 1];
    let t01: Vec<u16> = tau[..2 * m - 1]
        .iter()
        .zip(t1)
        .map(|(a, b)| a ^ b)
        .collect();
    let t21: Vec<u16> = tau[2 * m..].iter().zip(t1).map(|(a, b)| a ^ b).collect();
    let (sum, rest) = arena.split_at_mut(m * w);
    let (z, rest) = rest.split_at_mut(m * w);
    for ((s, a), b) in sum.chunks_exact_mut(w).zip(&x[..m]).zip(&x[m..]) {
        for ((s, a), b) in s.iter_mut().zip(a.iter()).zip(b.iter()) {
            *s = a ^ b;
        }
    }
    {
        let s: Vec<&[u8]> = sum.chunks_exact(w).collect();
        let mut zs: Vec<&mut [u8]> = z.chunks_exact_mut(w).collect();
        square(field, t1, &s, &mut zs, false, rest);
    }
    let (y0, y1) = y.split_at_mut(m);
    square(field, &t01, &x[m..], y0, add, rest);
    square(field, &t21, &x[..m], y1, add, rest);
    for (half, zb) in y0
        .iter_mut()
        .zip(z.chunks_exact(w))
        .chain(y1.iter_mut().zip(z.chunks_exact(w)))
    {
        for (d, s) in half.iter_mut().zip(zb) {
            *d ^= s;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The product the slow way: one kernel call with the whole matrix.
    fn direct(
        field: Field,
        entry: &dyn Fn(isize) -> u16,
        x: &[&[u8]],
        y: &mut [&mut [u8]],
        scales: Scales,
        add: bool,
    ) {
        let c = x.len();
        let t = field.tables();
        let si = |j: usize| scales.input.map_or(1, |s| s[j]);
        let so = |i: usize| scales.output.map_or(1, |s| s[i]);
        let rows = scales.rows(y.len());
        // The sum's row: every entry 1.
        let entry = |i: usize, j: usize| match i < rows {
            true => entry(i as isize - j as isize),
            false => 1,
        };
        let coeffs: Vec<u16> = (0..y.len())
            .flat_map(|i| (0..c).map(move |j| t.mul(t.mul(entry(i, j), si(j)), so(i))))
            .collect();
        kernels::dot(field, &coeffs, x, y, add);
    }

    /// An engine of the product, as [`mul`].
    pub(super) type Engine<'a> =
        &'a dyn Fn(Field, &dyn Fn(isize) -> u16, &[&[u8]], &mut [&mut [u8]], Scales, bool);

    /// Checks `engine` against the direct product on random Toeplitz matrices of
    /// the shapes (r, c, block bytes) in `field`, with and without `add`, with and
    /// without input and output scales (0 among them).
    pub(super) fn equals_direct(engine: Engine, field: Field, shapes: &[(usize, usize, usize)]) {
        let mut rng = crate::test_rng::Rng(0x2545_F491_4F6C_DD1D);
        let mut next = move || rng.next();
        let mask = field.size() as u64 - 1;
        for &(r, c, w) in shapes {
            let tau: Vec<u16> = (0..r + c).map(|_| (next() & mask) as u16).collect();
            // Total: padding asks for entries outside the matrix.
            let entry = |d: isize| {
                usize::try_from(d + c as isize - 1)
                    .ok()
                    .and_then(|i| tau.get(i))
                    .map_or(0, |&v| v)
            };
            let x: Vec<Vec<u8>> = (0..c)
                .map(|_| (0..w).map(|_| next() as u8).collect())
                .collect();
            let xr: Vec<&[u8]> = x.iter().map(|b| b.as_slice()).collect();
            // One block more for the sum.
            let start: Vec<Vec<u8>> = (0..r + 1)
                .map(|_| (0..w).map(|_| next() as u8).collect())
                .collect();
            let mut scale = |n: usize| -> Vec<u16> {
                (0..n)
                    .map(|j| {
                        if j % 7 == 3 {
                            0
                        } else {
                            (next() & mask) as u16
                        }
                    })
                    .collect()
            };
            let (si, so) = (scale(c), scale(r + 1));
            let scaled = Scales {
                input: Some(&si),
                output: Some(&so[..r]),
                sum: false,
            };
            let input = Scales {
                input: Some(&si),
                output: None,
                sum: false,
            };
            let sum = Scales {
                output: Some(&so),
                sum: true,
                ..scaled
            };
            for (add, scales) in [
                (false, Scales::default()),
                (true, Scales::default()),
                (false, input),
                (true, scaled),
                (false, sum),
                (true, sum),
            ] {
                let (mut a, mut b) = (start.clone(), start.clone());
                let blocks = r + usize::from(scales.sum);
                let (a, b) = (&mut a[..blocks], &mut b[..blocks]);
                let mut ar: Vec<&mut [u8]> = a.iter_mut().map(|b| b.as_mut_slice()).collect();
                let mut br: Vec<&mut [u8]> = b.iter_mut().map(|b| b.as_mut_slice()).collect();
                engine(field, &entry, &xr, &mut ar, scales, add);
                direct(field, &entry, &xr, &mut br, scales, add);
                let (i, o, s) = (scales.input.is_some(), scales.output.is_some(), scales.sum);
                assert_eq!(
                    a, b,
                    "{field:?} {r}×{c} w={w} add={add} scales {i} {o} sum {s}"
                );
            }
        }
    }

    #[test]
    fn karatsuba_equals_the_direct_product() {
        let shapes: &[_] = if cfg!(miri) {
            // Interpreted: one split level and a rectangle.
            &[(1, 1, 2), (17, 17, 6), (5, 24, 2)]
        } else {
            &[
                (1, 1, 2),
                (17, 17, 6),
                (40, 33, 4),
                (33, 100, 2),
                (70, 70, 130),
                (5, 64, 2),
            ]
        };
        for field in [Field::Gf8, Field::Gf16] {
            let engine = |f,
                          e: &dyn Fn(isize) -> u16,
                          x: &[&[u8]],
                          y: &mut [&mut [u8]],
                          s: crate::conv::Scales,
                          add| { karatsuba_scaled(f, e, x, y, s, add) };
            equals_direct(&engine, field, shapes);
        }
    }
}

//! Toeplitz products by an additive FFT over the field itself: the convolution
//! path's engine for large sides, O(N log² N) block operations per tile instead of
//! Karatsuba's N^1.58.
//!
//! The product `y[i] = Σ_j τ(i − j) · x[j]` is cut into square tiles of side s = N/2.
//! For one tile, with X(z) = Σ x_j z^j (s block coefficients) and
//! H(z) = Σ_t τ(t − s + 1) z^t (2s − 1 scalars), the tile's outputs are the
//! coefficients s − 1 … 2s − 2 of X·H. Evaluating at the N points of the subspace
//! U spanned by a Cantor basis, multiplying pointwise and interpolating gives X·H
//! modulo U's vanishing polynomial. For N = 2^8 and 2^16 that polynomial is
//! z^N + z (the subfields), so the product (degree ≤ 3s − 3) wraps the coefficient
//! of z^(N+t) onto z^(t+1), below s − 1: the wanted window is exact. (For other N
//! the vanishing polynomial has middle terms and the wrap would hit the window.)
//!
//! All tiles of one output row are summed in the evaluation domain, so there is one
//! forward transform per input tile, one inverse per output tile and one block
//! multiply-add per point and tile in between.
//!
//! The transforms (Gao–Mateer): with β_1 = 1 and β_(i+1)² + β_(i+1) = β_i, point
//! p(i) (the XOR of β_(b+1) over the bits b of i) satisfies p(i)² + p(i) = p(i >> 1).
//! Writing f(z) = f0(z² + z) + z·f1(z² + z) (a Taylor expansion at z² + z, XORs
//! only), f(p(2q)) = f0(p(q)) + p(2q)·f1(p(q)) and f(p(2q + 1)) = that + f1(p(q)):
//! a butterfly of one multiply-add and one XOR. Values come out in natural order,
//! `slot i = f(p(i))`. Every block operation works on one stripe of bytes at a
//! time, small enough for a transform to stay in L2; stripes too narrow for the
//! kernels are done symbol by symbol with field tables.

use std::sync::OnceLock;

use crate::gf::{Field, Tables};
use crate::kernels;

/// Bytes of one transform (N blocks of one stripe) on the kernel path: half a
/// typical L2, so a transform's passes hit the cache.
const TRANSFORM_BYTES: usize = 256 * 1024;

/// Narrowest stripe the kernels get (their widest step); narrower tails go symbol
/// by symbol.
const MIN_STRIPE: usize = 128;

/// The log2 transform sizes that can be used in `field`, smallest first.
pub(super) fn sizes(field: Field) -> &'static [u32] {
    match field {
        Field::Gf8 => &[8],
        Field::Gf16 => &[8, 16],
    }
}

/// The points p(i), i < field size, of the Cantor basis: computed once per field.
fn points(field: Field) -> &'static [u16] {
    static P8: OnceLock<Vec<u16>> = OnceLock::new();
    static P16: OnceLock<Vec<u16>> = OnceLock::new();
    let cell = match field {
        Field::Gf8 => &P8,
        Field::Gf16 => &P16,
    };
    cell.get_or_init(|| {
        let t = field.tables();
        let mut basis = vec![1u16];
        while basis.len() < field.bits() as usize {
            let prev = basis[basis.len() - 1];
            // Of the two roots b and b + 1 of b² + b = prev, the smaller.
            let next = (2..field.size())
                .map(|b| b as u16)
                .find(|&b| t.mul(b, b) ^ b == prev)
                .expect("GF(2^8) and GF(2^16) have a Cantor basis");
            basis.push(next);
        }
        let mut p = vec![0u16; field.size()];
        for i in 1..p.len() {
            p[i] = p[i & (i - 1)] ^ basis[i.trailing_zeros() as usize];
        }
        p
    })
}

/// Block storage the transforms run on: numbered slots, each one stripe of one
/// block (or one symbol).
trait Slots {
    fn xor(&mut self, from: usize, to: usize);
    fn copy(&mut self, from: usize, to: usize);
    /// `to (⊕)= c · from`.
    fn mul(&mut self, c: u16, from: usize, to: usize, add: bool);
    /// Slot `to` = this storage's part of `src`, or zeros.
    fn load(&mut self, to: usize, src: Option<&[u8]>);
    /// This storage's part of `dst` (⊕)= slot `from`.
    fn store(&self, from: usize, dst: &mut [u8], add: bool);
}

/// Taylor expansion at z² + z of the `len` coefficients at `base`, `base + st`, …:
/// afterwards entries 2i and 2i + 1 are f_i0 and f_i1 of
/// f = Σ_i (f_i0 + f_i1·z)·(z² + z)^i.
fn taylor(s: &mut impl Slots, base: usize, st: usize, len: usize) {
    if len <= 2 {
        return;
    }
    // Divide by (z² + z)^t = z^2t + z^t: remainder in [0, 2t), quotient in [2t, 4t).
    let t = len / 4;
    let at = |i: usize| base + st * i;
    for i in 0..t {
        s.xor(at(3 * t + i), at(2 * t + i));
    }
    for i in 0..t {
        s.xor(at(2 * t + i), at(t + i));
    }
    taylor(s, base, st, 2 * t);
    taylor(s, at(2 * t), st, 2 * t);
}

/// The inverse of [`taylor`].
fn untaylor(s: &mut impl Slots, base: usize, st: usize, len: usize) {
    if len <= 2 {
        return;
    }
    let t = len / 4;
    let at = |i: usize| base + st * i;
    untaylor(s, base, st, 2 * t);
    untaylor(s, at(2 * t), st, 2 * t);
    for i in 0..t {
        s.xor(at(2 * t + i), at(t + i));
    }
    for i in 0..t {
        s.xor(at(3 * t + i), at(2 * t + i));
    }
}

/// Evaluates the polynomial whose 2^l coefficients are in slots `base..` at the 2^d
/// points p(0), p(1), … into slots `base..base + 2^d` (slots past 2^l are
/// overwritten).
fn forward(s: &mut impl Slots, pts: &[u16], base: usize, d: u32, l: u32) {
    let (n, len) = (1usize << d, 1usize << l);
    for t in 0..l {
        let st = 1 << t;
        for b in 0..st {
            taylor(s, base + b, st, len >> t);
        }
    }
    // The pieces are now constants: their value at every point.
    for q in 1..n / len {
        for b in 0..len {
            s.copy(base + b, base + q * len + b);
        }
    }
    for t in (0..l).rev() {
        let st = 1 << t;
        for p in 0..n / (2 * st) {
            for b in 0..st {
                let a = base + b + 2 * p * st;
                if p > 0 {
                    s.mul(pts[2 * p], a + st, a, true);
                }
                s.xor(a, a + st);
            }
        }
    }
}

/// The inverse of [`forward`] with l = d: from the 2^d values in slots `base..`,
/// the coefficients of the polynomial of degree < 2^d taking them.
fn inverse(s: &mut impl Slots, pts: &[u16], base: usize, d: u32) {
    let n = 1usize << d;
    for t in 0..d {
        let st = 1 << t;
        for p in 0..n / (2 * st) {
            for b in 0..st {
                let a = base + b + 2 * p * st;
                s.xor(a, a + st);
                if p > 0 {
                    s.mul(pts[2 * p], a + st, a, true);
                }
            }
        }
    }
    for t in (0..d).rev() {
        let st = 1 << t;
        for b in 0..st {
            untaylor(s, base + b, st, n >> t);
        }
    }
}

/// Slots of single symbols, multiplied through log/exp tables.
struct Symbols {
    t: Tables,
    v: Vec<u16>,
    /// Byte offset of this storage's symbol in a block.
    at: usize,
    /// Bytes per symbol.
    sb: usize,
}

impl Slots for Symbols {
    fn xor(&mut self, from: usize, to: usize) {
        self.v[to] ^= self.v[from];
    }

    fn copy(&mut self, from: usize, to: usize) {
        self.v[to] = self.v[from];
    }

    fn mul(&mut self, c: u16, from: usize, to: usize, add: bool) {
        let p = self.t.mul(c, self.v[from]);
        self.v[to] = if add { self.v[to] ^ p } else { p };
    }

    fn load(&mut self, to: usize, src: Option<&[u8]>) {
        self.v[to] = src.map_or(0, |s| match self.sb {
            1 => u16::from(s[self.at]),
            _ => u16::from_le_bytes([s[self.at], s[self.at + 1]]),
        });
    }

    fn store(&self, from: usize, dst: &mut [u8], add: bool) {
        let v = self.v[from].to_le_bytes();
        for (d, &b) in dst[self.at..self.at + self.sb].iter_mut().zip(&v) {
            *d = if add { *d ^ b } else { b };
        }
    }
}

/// Slots of one stripe `[at, at + width)` of blocks, in one buffer with `stride`
/// bytes per slot; multiplications by the kernels.
struct Stripe {
    field: Field,
    buf: Vec<u8>,
    stride: usize,
    at: usize,
    width: usize,
}

impl Stripe {
    /// Slot `from` to read and slot `to` to write (distinct).
    fn two(&mut self, from: usize, to: usize) -> (&[u8], &mut [u8]) {
        let (w, st) = (self.width, self.stride);
        if from < to {
            let (lo, hi) = self.buf.split_at_mut(to * st);
            (&lo[from * st..][..w], &mut hi[..w])
        } else {
            let (lo, hi) = self.buf.split_at_mut(from * st);
            (&hi[..w], &mut lo[to * st..][..w])
        }
    }

    fn slot(&mut self, i: usize) -> &mut [u8] {
        &mut self.buf[i * self.stride..][..self.width]
    }
}

impl Slots for Stripe {
    fn xor(&mut self, from: usize, to: usize) {
        let (s, d) = self.two(from, to);
        d.iter_mut().zip(s).for_each(|(d, s)| *d ^= s);
    }

    fn copy(&mut self, from: usize, to: usize) {
        let (s, d) = self.two(from, to);
        d.copy_from_slice(s);
    }

    fn mul(&mut self, c: u16, from: usize, to: usize, add: bool) {
        let field = self.field;
        let (s, d) = self.two(from, to);
        kernels::dot(field, &[c], &[s], &mut [d], add);
    }

    fn load(&mut self, to: usize, src: Option<&[u8]>) {
        let (at, w) = (self.at, self.width);
        let d = self.slot(to);
        match src {
            Some(s) => d.copy_from_slice(&s[at..at + w]),
            None => d.fill(0),
        }
    }

    fn store(&self, from: usize, dst: &mut [u8], add: bool) {
        let s = &self.buf[from * self.stride..][..self.width];
        let d = &mut dst[self.at..self.at + self.width];
        match add {
            true => d.iter_mut().zip(s).for_each(|(d, s)| *d ^= s),
            false => d.copy_from_slice(s),
        }
    }
}

/// Writes `y[i] = Σ_j entry(i − j) · x[j]` (XORed into `y` with `add`) with
/// transforms of 2^d points (d one of [`sizes`]). All blocks have the same length,
/// a whole number of symbols.
pub(super) fn mul(
    field: Field,
    entry: impl Fn(isize) -> u16,
    x: &[&[u8]],
    y: &mut [&mut [u8]],
    add: bool,
    d: u32,
) {
    debug_assert!(sizes(field).contains(&d));
    let (r, c) = (y.len(), x.len());
    let len = y.first().map_or(0, |b| b.len());
    if r == 0 || c == 0 || len == 0 {
        return;
    }
    let (n, s) = (1usize << d, 1usize << (d - 1));
    let (rt, ct) = (r.div_ceil(s), c.div_ceil(s));
    let pts = points(field);
    let t = field.tables();
    let sb = field.symbol_bytes();
    // The transforms of H for every tile diagonal ti − tj = δ, at index δ + ct − 1.
    let hs: Vec<Vec<u16>> = (0..rt + ct - 1)
        .map(|i| {
            let delta = i as isize - (ct as isize - 1);
            let base = delta * s as isize - (s as isize - 1);
            let mut v: Vec<u16> = (0..n - 1).map(|t| entry(base + t as isize)).collect();
            v.push(0);
            let mut h = Symbols { t, v, at: 0, sb };
            forward(&mut h, pts, 0, d, d);
            h.v
        })
        .collect();
    let stripe = (TRANSFORM_BYTES / n).max(MIN_STRIPE) / MIN_STRIPE * MIN_STRIPE;
    let mut at = 0;
    if len >= MIN_STRIPE {
        let mut st = Stripe {
            field,
            buf: vec![0u8; (rt + 1) * n * stripe.min(len)],
            stride: stripe.min(len),
            at: 0,
            width: 0,
        };
        while len - at >= MIN_STRIPE {
            st.at = at;
            st.width = stripe.min(len - at);
            product(&mut st, pts, &hs, x, y, add, d);
            at += st.width;
        }
    }
    let mut sym = Symbols {
        t,
        v: vec![0u16; (rt + 1) * n],
        at: 0,
        sb,
    };
    while at < len {
        sym.at = at;
        product(&mut sym, pts, &hs, x, y, add, d);
        at += sb;
    }
}

/// One stripe (or symbol) of [`mul`]: slots 0..N hold the input tile being
/// transformed, slots (1 + ti)·N.. the sum for output tile ti.
fn product(
    s: &mut impl Slots,
    pts: &[u16],
    hs: &[Vec<u16>],
    x: &[&[u8]],
    y: &mut [&mut [u8]],
    add: bool,
    d: u32,
) {
    let (n, half) = (1usize << d, 1usize << (d - 1));
    let (rt, ct) = (y.len().div_ceil(half), x.len().div_ceil(half));
    for tj in 0..ct {
        for k in 0..half {
            s.load(k, x.get(tj * half + k).copied());
        }
        forward(s, pts, 0, d, d - 1);
        for ti in 0..rt {
            let h = &hs[ti + ct - 1 - tj];
            for (q, &c) in h.iter().enumerate() {
                s.mul(c, q, (1 + ti) * n + q, tj > 0);
            }
        }
    }
    for ti in 0..rt {
        let base = (1 + ti) * n;
        inverse(s, pts, base, d);
        for (k, dst) in y[ti * half..].iter_mut().take(half).enumerate() {
            s.store(base + half - 1 + k, dst, add);
        }
    }
}

/// Estimated cost of [`mul`] for r × c with 2^d-point transforms, in block
/// multiply-adds with a block XOR or copy costing `xor`.
pub(super) fn cost(r: usize, c: usize, d: u32, xor: f64) -> f64 {
    let (n, half) = ((1usize << d) as f64, (1usize << (d - 1)) as f64);
    let (rt, ct) = (r.div_ceil(1 << (d - 1)) as f64, c.div_ceil(1 << (d - 1)) as f64);
    let d = f64::from(d);
    // Butterflies: one multiply-add and one XOR each; Taylor expansions: len/2 ·
    // (log2 len − 1) XORs for len coefficients, at every depth.
    let fwd = (d - 1.0) * half + xor * ((d - 1.0) * half + half / 2.0 * (d - 1.0) * (d - 2.0) / 2.0 + n);
    let inv = d * half + xor * (d * half + half * d * (d - 1.0) / 2.0 + half);
    ct * fwd + rt * inv + rt * ct * n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_are_a_cantor_basis_span() {
        for field in [Field::Gf8, Field::Gf16] {
            let p = points(field);
            let t = field.tables();
            assert_eq!(p[1], 1);
            for i in 1..p.len() {
                assert_eq!(t.mul(p[i], p[i]) ^ p[i], p[i >> 1], "{field:?} {i}");
            }
            let mut seen = vec![false; p.len()];
            p.iter().for_each(|&v| seen[usize::from(v)] = true);
            assert!(seen.iter().all(|&s| s), "{field:?}: the points are all elements");
        }
    }

    /// The transform evaluates, the inverse interpolates.
    #[test]
    fn forward_evaluates_and_inverse_interpolates() {
        let field = Field::Gf16;
        let t = field.tables();
        let pts = points(field);
        for (d, l) in [(4, 4), (5, 3), (8, 7), (8, 8)] {
            let coeffs: Vec<u16> = (0..1u32 << l).map(|i| (i * 7919 + 13) as u16).collect();
            let mut v = coeffs.clone();
            v.resize(1 << d, 0xdead);
            let mut s = Symbols { t, v, at: 0, sb: 2 };
            forward(&mut s, pts, 0, d, l);
            for (i, &got) in s.v.iter().enumerate() {
                let want = coeffs.iter().rev().fold(0, |acc, &c| t.mul(acc, pts[i]) ^ c);
                assert_eq!(got, want, "d={d} l={l} point {i}");
            }
            inverse(&mut s, pts, 0, d);
            assert_eq!(&s.v[..1 << l], &coeffs[..]);
            assert!(s.v[1 << l..].iter().all(|&c| c == 0));
        }
    }

    /// Several tiles, partial tiles, stripes of the kernels plus a tail of
    /// symbols, and blocks narrower than a stripe.
    #[test]
    fn fft_equals_the_direct_product() {
        let shapes = [
            (1, 1, 2),
            (5, 3, 2),
            (128, 128, 130),
            (300, 200, 1030),
            (129, 255, 2),
            (40, 250, 256),
        ];
        for field in [Field::Gf8, Field::Gf16] {
            let fft8 = |f, e: &dyn Fn(isize) -> u16, x: &[&[u8]], y: &mut [&mut [u8]], add| {
                mul(f, e, x, y, add, 8)
            };
            crate::conv::tests::equals_direct(&fft8, field, &shapes);
        }
        let fft16 = |f, e: &dyn Fn(isize) -> u16, x: &[&[u8]], y: &mut [&mut [u8]], add| {
            mul(f, e, x, y, add, 16)
        };
        crate::conv::tests::equals_direct(&fft16, Field::Gf16, &[(3, 40, 2)]);
    }
}

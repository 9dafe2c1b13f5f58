//! Toeplitz products by an additive FFT over the field itself: the convolution
//! path's engine for large sides, O(N log N) block multiply-adds and
//! O(N log N log log N) block XORs per tile of side N/2, instead of Karatsuba's
//! (N/2)^1.58 multiply-adds.
//!
//! The product `y[i] = Σ_j τ(i − j) · x[j]` is cut into square tiles of side s = N/2.
//! For one tile, with X(z) = Σ x_j z^j (s block coefficients) and
//! H(z) = Σ_t τ(t − s) z^t (t = 1 … 2s − 1, scalars), the tile's outputs are the
//! coefficients s … 2s − 1 of X·H: the upper half. Evaluating at the N points of
//! the subspace U spanned by a Cantor basis, multiplying pointwise and
//! interpolating gives X·H modulo U's vanishing polynomial. For N = 2^8 and 2^16
//! that polynomial is z^N + z (U is then a subfield), so the product (degree
//! ≤ 3s − 2) wraps the coefficient of z^(N+t) onto z^(t+1), t + 1 < s: the upper
//! half is exact. (For other N the vanishing polynomial has middle terms and the
//! wrap would hit it.)
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
//! time, so that the transforms stay in cache, with the twiddles and H's values
//! made ready for the kernels once per call ([`kernels::Prepared`]); stripes too
//! narrow for the kernels are done symbol by symbol with field tables.

use std::sync::OnceLock;

use crate::gf::{Field, Tables};
use crate::kernels;

/// Bytes of all slots of one stripe on the kernel path (then clamped to
/// [`MIN_STRIPE`]..=[`MAX_STRIPE`]). Measured (GF(2^16), Zen 1, 500 × 999 and
/// 500 × 500): stripes of 256 bytes take 12 % longer than 2–4 KiB, where the
/// per-call work of the kernels is amortised, although the slots then overflow L2.
const STRIPE_BUDGET: usize = 4 << 20;

/// Narrowest stripe the kernels get (their widest step); narrower tails go symbol
/// by symbol.
const MIN_STRIPE: usize = 128;

/// The FFT's block operations are mostly one-source multiply-adds, which the
/// kernels run slower than Karatsuba's multi-output leaves: its estimate is scaled
/// by this. Measured (GF(2^16), AVX2, Zen 1, shapes 64² to 500 × 999, 8 KiB
/// blocks): 172–178 ns per unweighted unit and KiB of block for the FFT, 117–130
/// for Karatsuba (with the weight both land within 117–130).
const FFT_WEIGHT: f64 = 1.4;

/// Widest stripe.
const MAX_STRIPE: usize = 4096;

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
/// block (or one symbol). Slots `j·N..` hold the transform of input tile j, slots
/// `ct·N..` the output tile being made.
trait Slots {
    /// Slots `to..to + count` ⊕= slots `from..from + count` (the ranges are
    /// disjoint; so for the other operations on runs).
    fn xor(&mut self, from: usize, to: usize, count: usize);
    fn copy(&mut self, from: usize, to: usize, count: usize);
    /// `to.. ⊕= p(2q) · from..` on `count` slots: a butterfly's twiddle.
    fn twiddle(&mut self, q: usize, from: usize, to: usize, count: usize);
    /// Slot `to` = this storage's part of `src`, or zeros.
    fn load(&mut self, to: usize, src: Option<&[u8]>);
    /// This storage's part of `dst` (⊕)= slot `from`.
    fn store(&self, from: usize, dst: &mut [u8], add: bool);
    /// Point q of output tile ti: the sum over the input tiles j of
    /// Ĥ_(ti − tj)(q) · (slot j·N + q), into slot ct·N + q.
    fn point(&mut self, q: usize, ti: usize);
}

// The transforms work on runs: at depth t of the recursion the 2^t interleaved
// sub-problems (stride 2^t) go through the same steps, so each step is done for
// all of them at once, on 2^t consecutive slots ("an element" below).
//
// The Taylor expansions of all depths together rewrite f in the basis
// X_i = Π_t s_t(z)^(i_t) (i_t the bits of i, s_0 = z, s_(t+1) = s_t² + s_t), and
// s_k = z^(2^k) + z when k is a power of two: [`to_basis`] expands at that
// binomial first and then converts the 2^k-coefficient pieces and the sequences
// of pieces separately, O(N log N log log N) XORs instead of O(N log² N).

/// Taylor expansion at z^m + z (m a power of two ≥ 2) of the `len` elements of
/// `st` slots from `base` (len a power of two): afterwards piece i (elements
/// m·i..m·(i + 1)) is h_i of f = Σ_i h_i·(z^m + z)^i.
fn taylor(s: &mut impl Slots, base: usize, st: usize, len: usize, m: usize) {
    if len <= m {
        return;
    }
    // Divide by (z^m + z)^u' = z^half + z^u (u = half/m): remainder in the
    // lower half, quotient in the upper.
    let (half, u) = (len / 2, len / (2 * m));
    let at = |i: usize| base + st * i;
    s.xor(at(len - u), at(half), u * st);
    s.xor(at(half), at(u), (half - u) * st);
    taylor(s, base, st, half, m);
    taylor(s, at(half), st, half, m);
}

/// The inverse of [`taylor`]; with `top`, only the upper half is made.
fn untaylor(s: &mut impl Slots, base: usize, st: usize, len: usize, m: usize, top: bool) {
    if len <= m {
        return;
    }
    let (half, u) = (len / 2, len / (2 * m));
    let at = |i: usize| base + st * i;
    if !top {
        untaylor(s, base, st, half, m, false);
    }
    untaylor(s, at(half), st, half, m, false);
    if !top {
        s.xor(at(half), at(u), (half - u) * st);
    }
    s.xor(at(len - u), at(half), u * st);
}

/// The largest power of two below l ≥ 2: s_k(z) = z^(2^k) + z.
fn split(l: u32) -> u32 {
    1 << (31 - (l - 1).leading_zeros())
}

/// The 2^l elements from `base` (runs of `st` slots), coefficients in the monomial
/// basis, rewritten in the basis X_i.
fn to_basis(s: &mut impl Slots, base: usize, st: usize, l: u32) {
    if l <= 1 {
        return;
    }
    let k = split(l);
    let m = 1usize << k;
    // f = Σ_j h_j(z)·y^j with y = s_k(z) and deg h_j < m; then each h_j in the
    // basis of z, then for each of its m positions the sequence over j in the
    // basis of y (s_(k+t)(z) = s_t(y)).
    taylor(s, base, st, 1 << l, m);
    for j in 0..1usize << (l - k) {
        to_basis(s, base + j * m * st, st, k);
    }
    to_basis(s, base, st * m, l - k);
}

/// The inverse of [`to_basis`]; with `top`, only the upper half is made.
fn from_basis(s: &mut impl Slots, base: usize, st: usize, l: u32, top: bool) {
    if l <= 1 {
        return;
    }
    let k = split(l);
    let m = 1usize << k;
    from_basis(s, base, st * m, l - k, false);
    let pieces = 1usize << (l - k);
    // The upper half reads only the upper half of the pieces.
    let first = if top { pieces / 2 } else { 0 };
    for j in first..pieces {
        from_basis(s, base + j * m * st, st, k, false);
    }
    untaylor(s, base, st, 1 << l, m, top);
}

/// Evaluates the polynomial whose 2^l coefficients are in slots `base..` at the 2^d
/// points p(0), p(1), … into slots `base..base + 2^d` (slots past 2^l are
/// overwritten).
fn forward(s: &mut impl Slots, base: usize, d: u32, l: u32) {
    let (n, len) = (1usize << d, 1usize << l);
    to_basis(s, base, 1, l);
    // The pieces are now constants: their value at every point.
    for q in 1..n / len {
        s.copy(base, base + q * len, len);
    }
    for t in (0..l).rev() {
        let st = 1 << t;
        for p in 0..n / (2 * st) {
            let a = base + 2 * p * st;
            if p > 0 {
                s.twiddle(p, a + st, a, st);
            }
            s.xor(a, a + st, st);
        }
    }
}

/// The inverse of [`forward`] with l = d: from the 2^d values in slots `base..`,
/// the coefficients of the polynomial of degree < 2^d taking them; with `top`, only
/// the upper half of them (the lower half is left undefined).
fn inverse(s: &mut impl Slots, base: usize, d: u32, top: bool) {
    let n = 1usize << d;
    for t in 0..d {
        let st = 1 << t;
        for p in 0..n / (2 * st) {
            let a = base + 2 * p * st;
            s.xor(a, a + st, st);
            if p > 0 {
                s.twiddle(p, a + st, a, st);
            }
        }
    }
    from_basis(s, base, 1, d, top);
}

/// The shape of one product: transforms of N = 2^d points, tiles of side N/2, rt
/// output and ct input tiles.
#[derive(Clone, Copy)]
struct Tiles {
    d: u32,
    n: usize,
    half: usize,
    rt: usize,
    ct: usize,
}

impl Tiles {
    fn new(d: u32, r: usize, c: usize) -> Tiles {
        let half = 1 << (d - 1);
        Tiles {
            d,
            n: 1 << d,
            half,
            rt: r.div_ceil(half),
            ct: c.div_ceil(half),
        }
    }

    /// Tile diagonals ti − tj, numbered ti − tj + ct − 1.
    fn diagonals(&self) -> usize {
        self.rt + self.ct - 1
    }

    /// Slots of the storage: ct input transforms and one output.
    fn slots(&self) -> usize {
        (self.ct + 1) * self.n
    }
}

/// Elements `from..from + len` to read and `to..to + len` to write (disjoint).
fn two<T>(buf: &mut [T], from: usize, to: usize, len: usize) -> (&[T], &mut [T]) {
    if from < to {
        let (lo, hi) = buf.split_at_mut(to);
        (&lo[from..][..len], &mut hi[..len])
    } else {
        let (lo, hi) = buf.split_at_mut(from);
        (&hi[..len], &mut lo[to..][..len])
    }
}

/// The log of a constant in [`Symbols`], [`NO_LOG`] for 0.
const NO_LOG: u32 = u32::MAX;

fn logs(t: &Tables, v: &[u16]) -> Vec<u32> {
    v.iter()
        .map(|&c| if c == 0 { NO_LOG } else { t.log(c) })
        .collect()
}

/// Slots of single symbols, multiplied through log/exp tables with the constants'
/// logs made once.
struct Symbols<'a> {
    t: Tables,
    v: Vec<u16>,
    /// The logs of the twiddles p(2q).
    tw: &'a [u32],
    /// The logs of Ĥ_δ(q), at q·diagonals + δ.
    h: &'a [u32],
    tiles: Tiles,
    /// Byte offset of this storage's symbol in a block.
    at: usize,
    /// Bytes per symbol.
    sb: usize,
}

impl Symbols<'_> {
    /// The constant with log `lc` times `x`.
    #[inline]
    fn times(&self, lc: u32, x: u16) -> u16 {
        match lc == NO_LOG || x == 0 {
            true => 0,
            false => self.t.exp[(lc + u32::from(self.t.log[usize::from(x)])) as usize],
        }
    }
}

impl Slots for Symbols<'_> {
    fn xor(&mut self, from: usize, to: usize, count: usize) {
        let (s, d) = two(&mut self.v, from, to, count);
        d.iter_mut().zip(s).for_each(|(d, s)| *d ^= s);
    }

    fn copy(&mut self, from: usize, to: usize, count: usize) {
        self.v.copy_within(from..from + count, to);
    }

    fn twiddle(&mut self, q: usize, from: usize, to: usize, count: usize) {
        let (lc, t) = (self.tw[q], self.t);
        debug_assert!(lc != NO_LOG, "twiddles are nonzero");
        let (s, d) = two(&mut self.v, from, to, count);
        for (d, &s) in d.iter_mut().zip(s) {
            if s != 0 {
                *d ^= t.exp[(lc + u32::from(t.log[usize::from(s)])) as usize];
            }
        }
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

    fn point(&mut self, q: usize, ti: usize) {
        let Tiles { n, ct, .. } = self.tiles;
        let h = &self.h[q * self.tiles.diagonals()..];
        self.v[ct * n + q] = (0..ct).fold(0, |acc, tj| {
            acc ^ self.times(h[ti + ct - 1 - tj], self.v[tj * n + q])
        });
    }
}

/// Slots of one stripe `[at, at + width)` of blocks, consecutive in one buffer (so
/// a run of slots is one range of bytes); multiplications by the kernels with
/// constants prepared once.
struct Stripe<'a> {
    buf: Vec<u8>,
    at: usize,
    width: usize,
    tw: &'a kernels::Prepared,
    h: &'a kernels::Prepared,
    tiles: Tiles,
}

/// Sources per call in [`Stripe::point`], kept on the stack.
const POINT_SOURCES: usize = 16;

impl Slots for Stripe<'_> {
    fn xor(&mut self, from: usize, to: usize, count: usize) {
        let w = self.width;
        let (s, d) = two(&mut self.buf, from * w, to * w, count * w);
        d.iter_mut().zip(s).for_each(|(d, s)| *d ^= s);
    }

    fn copy(&mut self, from: usize, to: usize, count: usize) {
        let w = self.width;
        let (s, d) = two(&mut self.buf, from * w, to * w, count * w);
        d.copy_from_slice(s);
    }

    fn twiddle(&mut self, q: usize, from: usize, to: usize, count: usize) {
        let tw = self.tw;
        let w = self.width;
        let (s, d) = two(&mut self.buf, from * w, to * w, count * w);
        tw.dot(q, &[s], d, true);
    }

    fn load(&mut self, to: usize, src: Option<&[u8]>) {
        let (at, w) = (self.at, self.width);
        let d = &mut self.buf[to * w..][..w];
        match src {
            Some(s) => d.copy_from_slice(&s[at..at + w]),
            None => d.fill(0),
        }
    }

    fn store(&self, from: usize, dst: &mut [u8], add: bool) {
        let s = &self.buf[from * self.width..][..self.width];
        let d = &mut dst[self.at..self.at + self.width];
        match add {
            true => d.iter_mut().zip(s).for_each(|(d, s)| *d ^= s),
            false => d.copy_from_slice(s),
        }
    }

    fn point(&mut self, q: usize, ti: usize) {
        let Tiles { n, ct, .. } = self.tiles;
        let w = self.width;
        let (inputs, out) = self.buf.split_at_mut(ct * n * w);
        let out = &mut out[q * w..][..w];
        // Sources in the order of their coefficients: tile ct − 1 first.
        let at = q * self.tiles.diagonals() + ti;
        let mut srcs: [&[u8]; POINT_SOURCES] = [&[]; POINT_SOURCES];
        let mut tj = ct;
        let mut done = 0;
        while tj > 0 {
            let m = tj.min(POINT_SOURCES);
            for s in srcs[..m].iter_mut() {
                tj -= 1;
                *s = &inputs[(tj * n + q) * w..][..w];
            }
            self.h.dot(at + done, &srcs[..m], out, done > 0);
            done += m;
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
    let tiles = Tiles::new(d, r, c);
    let Tiles { n, half, .. } = tiles;
    let pts = points(field);
    let t = field.tables();
    let sb = field.symbol_bytes();
    let tw: Vec<u16> = (0..half).map(|q| pts[2 * q]).collect();
    // The transform of H for each tile diagonal δ = ti − tj: coefficient t is
    // entry(δ·half + t − half), the one of z^t in z·H (the extra z puts the wanted
    // outputs at the top half).
    let mut h = vec![0u16; tiles.diagonals() * n];
    let twl = logs(&t, &tw);
    let mut one = Symbols {
        t,
        v: vec![0; n],
        tw: &twl,
        h: &[],
        tiles,
        at: 0,
        sb,
    };
    for di in 0..tiles.diagonals() {
        let delta = di as isize - (tiles.ct as isize - 1);
        let base = delta * half as isize - half as isize;
        one.v[0] = 0;
        for (t, v) in one.v.iter_mut().enumerate().skip(1) {
            *v = entry(base + t as isize);
        }
        forward(&mut one, 0, d, d);
        for (q, &v) in one.v.iter().enumerate() {
            h[q * tiles.diagonals() + di] = v;
        }
    }
    let stripe =
        (STRIPE_BUDGET / tiles.slots()).clamp(MIN_STRIPE, MAX_STRIPE) / MIN_STRIPE * MIN_STRIPE;
    let mut at = 0;
    if len >= MIN_STRIPE {
        let tw = kernels::Prepared::new(field, tw);
        let h = kernels::Prepared::new(field, h.clone());
        let mut st = Stripe {
            buf: vec![0u8; tiles.slots() * stripe.min(len)],
            at: 0,
            width: 0,
            tw: &tw,
            h: &h,
            tiles,
        };
        while len - at >= MIN_STRIPE {
            st.at = at;
            st.width = stripe.min(len - at);
            product(&mut st, tiles, x, y, add);
            at += st.width;
        }
    }
    let hl = logs(&t, &h);
    let mut sym = Symbols {
        t,
        v: vec![0u16; tiles.slots()],
        tw: &twl,
        h: &hl,
        tiles,
        at: 0,
        sb,
    };
    while at < len {
        sym.at = at;
        product(&mut sym, tiles, x, y, add);
        at += sb;
    }
}

/// One stripe (or symbol) of [`mul`].
fn product(s: &mut impl Slots, tiles: Tiles, x: &[&[u8]], y: &mut [&mut [u8]], add: bool) {
    let Tiles { d, n, half, rt, ct } = tiles;
    for tj in 0..ct {
        for k in 0..half {
            s.load(tj * n + k, x.get(tj * half + k).copied());
        }
        forward(s, tj * n, d, d - 1);
    }
    let out = ct * n;
    for ti in 0..rt {
        for q in 0..n {
            s.point(q, ti);
        }
        inverse(s, out, d, true);
        for (k, dst) in y[ti * half..].iter_mut().take(half).enumerate() {
            s.store(out + half + k, dst, add);
        }
    }
}

/// Block operations of one transform, counted by running its steps on no data.
#[derive(Default, Clone, Copy)]
struct Count {
    mul_adds: usize,
    /// XORs and copies.
    xors: usize,
}

impl Slots for Count {
    fn xor(&mut self, _: usize, _: usize, count: usize) {
        self.xors += count;
    }

    fn copy(&mut self, _: usize, _: usize, count: usize) {
        self.xors += count;
    }

    fn twiddle(&mut self, _: usize, _: usize, _: usize, count: usize) {
        self.mul_adds += count;
    }

    fn load(&mut self, _: usize, _: Option<&[u8]>) {
        self.xors += 1;
    }

    fn store(&self, _: usize, _: &mut [u8], _: bool) {}

    fn point(&mut self, _: usize, _: usize) {}
}

/// (forward of an input tile with its loads, inverse of an output tile) for
/// 2^d points, counted once per size.
fn counts(d: u32) -> (Count, Count) {
    static COUNTS: [OnceLock<(Count, Count)>; 2] = [OnceLock::new(), OnceLock::new()];
    *COUNTS[usize::from(d > 8)].get_or_init(|| {
        let half = 1 << (d - 1);
        let mut f = Count::default();
        (0..half).for_each(|k| f.load(k, None));
        forward(&mut f, 0, d, d - 1);
        let mut i = Count {
            xors: half,
            ..Count::default()
        };
        inverse(&mut i, 0, d, true);
        (f, i)
    })
}

/// Estimated cost of [`mul`] for r × c with 2^d-point transforms, in block
/// multiply-adds with a block XOR or copy costing `xor`.
pub(super) fn cost(r: usize, c: usize, d: u32, xor: f64) -> f64 {
    debug_assert!(d == 8 || d == 16);
    let tiles = Tiles::new(d, r, c);
    let (f, i) = counts(d);
    let one = |c: Count| c.mul_adds as f64 + xor * c.xors as f64;
    (tiles.ct as f64 * one(f) + tiles.rt as f64 * one(i) + (tiles.rt * tiles.ct * tiles.n) as f64)
        * FFT_WEIGHT
}

#[cfg(test)]
mod tests {
    use super::*;

    // Under Miri these take hours (GF(2^16)'s 2^16 points, transforms of 256 slots).
    #[test]
    #[cfg_attr(miri, ignore = "too slow under Miri")]
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
            assert!(
                seen.iter().all(|&s| s),
                "{field:?}: the points are all elements"
            );
        }
    }

    /// The transform evaluates, the inverse interpolates.
    #[test]
    #[cfg_attr(miri, ignore = "too slow under Miri")]
    fn forward_evaluates_and_inverse_interpolates() {
        let field = Field::Gf16;
        let t = field.tables();
        let pts = points(field);
        for (d, l) in [(4, 4), (5, 3), (8, 7), (8, 8)] {
            let coeffs: Vec<u16> = (0..1u32 << l)
                .map(|i| ((i * 7919 + 13) % field.size() as u32) as u16)
                .collect();
            let mut v = coeffs.clone();
            v.resize(1 << d, (0xdead % field.size()) as u16);
            let tw: Vec<u16> = (0..1 << (d - 1)).map(|q| pts[2 * q]).collect();
            let tw = logs(&t, &tw);
            let mut s = Symbols {
                t,
                v,
                tw: &tw,
                h: &[],
                tiles: Tiles::new(d, 1, 1),
                at: 0,
                sb: 2,
            };
            forward(&mut s, 0, d, l);
            for (i, &got) in s.v.iter().enumerate() {
                let want = coeffs
                    .iter()
                    .rev()
                    .fold(0, |acc, &c| t.mul(acc, pts[i]) ^ c);
                assert_eq!(got, want, "d={d} l={l} point {i}");
            }
            let values = s.v.clone();
            let mut full = coeffs.clone();
            full.resize(1 << d, 0);
            inverse(&mut s, 0, d, false);
            assert_eq!(s.v, full);
            s.v = values;
            inverse(&mut s, 0, d, true);
            assert_eq!(s.v[1 << (d - 1)..], full[1 << (d - 1)..]);
        }
    }

    /// Several tiles, partial tiles, stripes of the kernels plus a tail of
    /// symbols (4102 bytes), a last stripe narrower than the first (4352), a tail
    /// inside the kernels (130, 1030), and blocks narrower than a stripe.
    #[test]
    #[cfg_attr(miri, ignore = "too slow under Miri")]
    fn fft_equals_the_direct_product() {
        let shapes: &[_] = &[
            (1, 1, 2),
            (5, 3, 2),
            (5, 3, 4102),
            (5, 3, 4352),
            (128, 128, 130),
            (300, 200, 1030),
            (129, 255, 2),
            (40, 250, 256),
        ];
        let fft8 = |f, e: &dyn Fn(isize) -> u16, x: &[&[u8]], y: &mut [&mut [u8]], add| {
            mul(f, e, x, y, add, 8)
        };
        for field in [Field::Gf8, Field::Gf16] {
            crate::conv::tests::equals_direct(&fft8, field, shapes);
        }
        let fft16 = |f, e: &dyn Fn(isize) -> u16, x: &[&[u8]], y: &mut [&mut [u8]], add| {
            mul(f, e, x, y, add, 16)
        };
        crate::conv::tests::equals_direct(&fft16, Field::Gf16, &[(3, 40, 2)]);
        // More input tiles than one kernel call takes.
        crate::conv::tests::equals_direct(&fft8, Field::Gf16, &[(130, 2200, 128)]);
    }
}

//! Toeplitz products by an additive FFT over the field itself: the convolution
//! path's engine for large sides, O(N log N) block multiply-adds and
//! O(N log N log log N) block XORs per tile of N points, instead of Karatsuba's
//! s^1.58 multiply-adds for side s.
//!
//! The product `y[i] = Σ_j τ(i − j) · x[j]` is cut into tiles of a inputs and b
//! outputs with a + b − 1 ≤ N: square tiles, or one row or one column of them. In
//! one tile `y_i = Σ_j g(i − j + a − 1) · x_j` for a sequence g of a + b − 1
//! scalars, so `Σ_i w_i·y_i = Σ_t g_t·(W·X̃)_t` with W = Σ w_i z^i and X̃ the inputs
//! reversed: the tile is the transpose of a polynomial product (a "middle
//! product"). The product has degree < N, so it is exact as "evaluate both at the N
//! points of the subspace U spanned by a Cantor basis, multiply pointwise,
//! interpolate": `W·X̃ = F⁻¹(F W ⊙ F X̃)`. Transposed in W,
//! `y = Fᵀ(Ĝ ⊙ F X̃)` restricted to the first b coefficients, with `Ĝ = F⁻ᵀ g`
//! made once per call on scalars. Any N = 2^d serves, and the tile may be a
//! rectangle, so a 200 × 55 product is one tile of 256 points.
//!
//! All tiles of one output row are summed in the evaluation domain, so there is one
//! forward transform per input tile, one transposed one per output tile and one
//! block multiply-add per point and tile in between.
//!
//! The transforms (Gao–Mateer): with β_1 = 1 and β_(i+1)² + β_(i+1) = β_i, point
//! p(i) (the XOR of β_(b+1) over the bits b of i) satisfies p(i)² + p(i) = p(i >> 1).
//! Writing f(z) = f0(z² + z) + z·f1(z² + z) (a Taylor expansion at z² + z, XORs
//! only), f(p(2q)) = f0(p(q)) + p(2q)·f1(p(q)) and f(p(2q + 1)) = that + f1(p(q)):
//! a butterfly of one multiply-add and one XOR. Values come out in natural order,
//! `slot i = f(p(i))`. A transpose runs the same steps in reverse order, each
//! with source and destination swapped (a copy becomes a XOR back). Every block
//! operation works on one stripe of bytes at a time, so that the transforms stay
//! in cache, with the twiddles and Ĝ's values made ready for the kernels once per
//! call ([`kernels::Prepared`]); a rest of the blocks narrower than the kernels'
//! step goes zero-padded through them, or, if only a few symbols, symbol by
//! symbol with field tables. The butterflies go depth first, two layers
//! per pass over their slots ([`kernels::Prepared::fly2`]): half the loads and
//! stores of one layer per pass, which is what bounds them where products are
//! cheap.

use std::sync::{Arc, Mutex, OnceLock};

use crate::gf::{Field, Tables};
use crate::kernels;

/// Bytes of all slots of one stripe on the kernel path (then clamped to
/// [`MIN_STRIPE`]..=[`MAX_STRIPE`]). Measured (GF(2^16), Zen 1, 500 × 999 and
/// 500 × 500): stripes of 256 bytes take 12 % longer than 2–4 KiB, where the
/// per-call work of the kernels is amortised, although the slots then overflow L2;
/// and 4 KiB stripes beat those a 4 MiB budget gave (F encode 1536 bytes: −7 %,
/// F-dec 2688: −5 %, 1000 × 1999 768 bytes against 2432: −9 %, alternating runs),
/// as the inputs are then read in longer runs.
const STRIPE_BUDGET: usize = 12 << 20;

/// Narrowest stripe the kernels get (every stripe is a multiple of it); narrower
/// tails go symbol by symbol.
const MIN_STRIPE: usize = kernels::Prepared::STEP;

/// The FFT's estimate is scaled by this against Karatsuba's (whose multi-output
/// leaves the kernels run faster per multiply-add, while the FFT's butterflies run
/// in one pass with their XOR). Measured on Zen 1 (AVX2), FFT time over Karatsuba
/// time against the unweighted estimates: GF(2^8) 16 KiB blocks, shapes 32 × 100
/// to 55 × 199, 1.4 (a thin 16 × 200 is worse still); GF(2^16) 64 KiB blocks,
/// 64² to 200², 0.9.
fn fft_weight(field: Field) -> f64 {
    match field {
        Field::Gf8 => 1.4,
        Field::Gf16 => 0.9,
    }
}

/// A table multiply of scalars (making Ĝ) costs about as much as this many symbols
/// of a block multiply-add by the kernels; on blocks of fewer symbols the block
/// operations are table multiplies too (estimated, log/exp lookups against SIMD).
const PREP_WEIGHT: f64 = 10.0;

/// A product done for one symbol with field tables ([`Symbols`]) costs about as
/// much as the kernels' product on this many symbols of one padded stripe.
/// Measured (Zen 1, AVX2, 1000 × 500 and 200 × 55 products): padding the rest
/// breaks even at 3 symbols in GF(2^16) and 4–6 in GF(2^8); at 52 and 104 symbols
/// (1000-byte blocks) it takes 2.2–5.7× less time than symbol by symbol.
const SYMBOL_WEIGHT: usize = 24;

/// Widest stripe.
const MAX_STRIPE: usize = 4096;

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

/// The steps the transforms are made of, on numbered slots (each one stripe of one
/// block, or one symbol). Runs of slots given to one step are disjoint.
trait Steps {
    /// Slots `to..to + count` ⊕= slots `from..from + count`.
    fn xor(&mut self, from: usize, to: usize, count: usize);
    fn copy(&mut self, from: usize, to: usize, count: usize);
    /// A butterfly on `count` slots from `u` and from `v`, with c = p(2q) (0 for
    /// q = 0): `u ⊕= c·v` then `v ⊕= u` (`mul_first`), or `u ⊕= v` then `v ⊕= c·u`.
    fn fly(&mut self, q: usize, u: usize, v: usize, count: usize, mul_first: bool);
    /// The `2·count` slots from `to` = those from `from`, then [`Steps::fly`] on
    /// them with `mul_first`.
    fn fly_from(&mut self, q: usize, from: usize, to: usize, count: usize) {
        self.copy(from, to, 2 * count);
        self.fly(q, to, to + count, count, true);
    }
    /// Butterflies of two layers on the `4·h` slots from `a` (quarters x0..x3): with
    /// p(2q) on x0, x2 and on x1, x3, p(4q) on x0, x1 and p(4q + 2) on x2, x3; the
    /// first layer first with `mul_first` (see [`Steps::fly`]), last without.
    fn fly2(&mut self, q: usize, a: usize, h: usize, mul_first: bool) {
        let outer = |s: &mut Self| {
            s.fly(q, a, a + 2 * h, 2 * h, mul_first);
        };
        let inner = |s: &mut Self| {
            s.fly(2 * q, a, a + h, h, mul_first);
            s.fly(2 * q + 1, a + 2 * h, a + 3 * h, h, mul_first);
        };
        if mul_first {
            outer(self);
            inner(self);
        } else {
            inner(self);
            outer(self);
        }
    }
}

/// Block storage a product runs on: slots `j·N..` hold the transform of input tile
/// j, slots `ct·N..` the output tile being made.
trait Slots: Steps {
    /// Slot `to` = this storage's part of input `j`, `src`, times its scale; or
    /// zeros.
    fn load(&mut self, to: usize, src: Option<(usize, &[u8])>);
    /// This storage's part of output `i`, `dst`, (⊕)= slot `from` times its scale.
    fn store(&self, from: usize, i: usize, dst: &mut [u8], add: bool);
    /// Point q of output tile ti: the sum over the input tiles j of
    /// Ĝ_(ti, tj)(q) · (slot j·N + q), into slot ct·N + q.
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
//
// Each `_t` function is the transpose of its namesake (or, for the inverse ones, of
// the inverse of it): the same steps in reverse order, source and destination
// swapped.

/// Taylor expansion at z^m + z (m a power of two ≥ 2) of the `len` elements of
/// `st` slots from `base` (len a power of two), of which those from `nz` on are
/// zero: afterwards piece i (elements m·i..m·(i + 1)) is h_i of
/// f = Σ_i h_i·(z^m + z)^i, and the elements from `nz` on are still zero.
fn taylor(s: &mut impl Steps, base: usize, st: usize, len: usize, m: usize, nz: usize) {
    if len <= m || nz == 0 {
        return;
    }
    // Divide by (z^m + z)^u' = z^half + z^u (u = half/m): remainder in the
    // lower half, quotient in the upper. The parts of the XORs that read only
    // zeros (from `nz` on) are skipped; the rest write below `nz`.
    let (half, u) = (len / 2, len / (2 * m));
    let at = |i: usize| base + st * i;
    let top = nz.saturating_sub(len - u).min(u);
    if top > 0 {
        s.xor(at(len - u), at(half), top * st);
    }
    let mid = nz.saturating_sub(half).min(half - u);
    if mid > 0 {
        s.xor(at(half), at(u), mid * st);
    }
    taylor(s, base, st, half, m, nz.min(half));
    taylor(s, at(half), st, half, m, nz.saturating_sub(half));
}

fn taylor_t(s: &mut impl Steps, base: usize, st: usize, len: usize, m: usize) {
    if len <= m {
        return;
    }
    let (half, u) = (len / 2, len / (2 * m));
    let at = |i: usize| base + st * i;
    taylor_t(s, at(half), st, half, m);
    taylor_t(s, base, st, half, m);
    s.xor(at(u), at(half), (half - u) * st);
    s.xor(at(half), at(len - u), u * st);
}

/// The transpose of the inverse of [`taylor`].
fn untaylor_t(s: &mut impl Steps, base: usize, st: usize, len: usize, m: usize) {
    if len <= m {
        return;
    }
    let (half, u) = (len / 2, len / (2 * m));
    let at = |i: usize| base + st * i;
    s.xor(at(half), at(len - u), u * st);
    s.xor(at(u), at(half), (half - u) * st);
    untaylor_t(s, at(half), st, half, m);
    untaylor_t(s, base, st, half, m);
}

/// The largest power of two below l ≥ 2: s_k(z) = z^(2^k) + z.
fn split(l: u32) -> u32 {
    1 << (31 - (l - 1).leading_zeros())
}

/// The 2^l elements from `base` (runs of `st` slots), coefficients in the monomial
/// basis, those from `nz` on zero, rewritten in the basis X_i (the zeros stay).
fn to_basis(s: &mut impl Steps, base: usize, st: usize, l: u32, nz: usize) {
    if l <= 1 || nz == 0 {
        return;
    }
    let k = split(l);
    let m = 1usize << k;
    // f = Σ_j h_j(z)·y^j with y = s_k(z) and deg h_j < m; then each h_j in the
    // basis of z, then for each of its m positions the sequence over j in the
    // basis of y (s_(k+t)(z) = s_t(y)).
    taylor(s, base, st, 1 << l, m, nz);
    for j in 0..nz.div_ceil(m) {
        to_basis(s, base + j * m * st, st, k, (nz - j * m).min(m));
    }
    to_basis(s, base, st * m, l - k, nz.div_ceil(m));
}

fn to_basis_t(s: &mut impl Steps, base: usize, st: usize, l: u32) {
    if l <= 1 {
        return;
    }
    let k = split(l);
    let m = 1usize << k;
    to_basis_t(s, base, st * m, l - k);
    for j in 0..1usize << (l - k) {
        to_basis_t(s, base + j * m * st, st, k);
    }
    taylor_t(s, base, st, 1 << l, m);
}

/// The transpose of the inverse of [`to_basis`].
fn from_basis_t(s: &mut impl Steps, base: usize, st: usize, l: u32) {
    if l <= 1 {
        return;
    }
    let k = split(l);
    let m = 1usize << k;
    untaylor_t(s, base, st, 1 << l, m);
    for j in 0..1usize << (l - k) {
        from_basis_t(s, base + j * m * st, st, k);
    }
    from_basis_t(s, base, st * m, l - k);
}

/// F: evaluates the polynomial whose 2^l coefficients are in slots `base..` (those
/// from `nz` on zero) at the 2^d points p(0), p(1), … into slots
/// `base..base + 2^d` (slots past 2^l are overwritten).
fn forward(s: &mut impl Steps, base: usize, d: u32, l: u32, nz: usize) {
    let (n, len) = (1usize << d, 1usize << l);
    to_basis(s, base, 1, l, nz);
    // The pieces are now constants: their value at every point. Each block of 2^l
    // points after the first takes a copy of them and its first layer of butterflies
    // in one step, before the first block's butterflies change them.
    if l == 0 {
        for q in 1..n / len {
            s.copy(base, base + q * len, len);
        }
        return;
    }
    let half = len / 2;
    for q in 1..n / len {
        let a = base + q * len;
        s.fly_from(q, base, a, half);
        for i in (0..2).filter(|_| l > 1) {
            butterflies(s, a + i * half, 2 * q + i, l - 2, true);
        }
    }
    butterflies(s, base, 0, l - 1, true);
}

/// The butterflies of layers t, t − 1, …, 0 on the 2^(t+1) slots from `a`, group
/// `p` of layer t: from the top with `mul_first` (F), from the bottom without (Fᵀ,
/// the same steps in reverse order). Depth first, so that the slots of the lower
/// layers stay in cache; layers in pairs ([`Steps::fly2`]) but, with t + 1 odd, the
/// top one alone.
fn butterflies<S: Steps>(s: &mut S, a: usize, p: usize, t: u32, mul_first: bool) {
    // Layers done here, and the parts below them.
    let (layers, parts) = match t % 2 {
        0 => (1, 2),
        _ => (2, 4),
    };
    let w = 1 << (t + 1 - layers);
    let here = |s: &mut S| match layers {
        1 => s.fly(p, a, a + w, w, mul_first),
        _ => s.fly2(p, a, w, mul_first),
    };
    let below = |s: &mut S| {
        if t < layers {
            return;
        }
        for i in 0..parts {
            let i = if mul_first { i } else { parts - 1 - i };
            butterflies(s, a + i * w, parts * p + i, t - layers, mul_first);
        }
    };
    if mul_first {
        here(s);
        below(s);
    } else {
        below(s);
        here(s);
    }
}

/// Fᵀ of [`forward`]: from 2^d slots `base..`, the 2^l slots `base..` (the others
/// are left undefined).
fn forward_t(s: &mut impl Steps, base: usize, d: u32, l: u32) {
    let (n, len) = (1usize << d, 1usize << l);
    for q in (0..n / len).filter(|_| l > 0) {
        butterflies(s, base + q * len, q, l - 1, false);
    }
    for q in 1..n / len {
        s.xor(base + q * len, base, len);
    }
    to_basis_t(s, base, 1, l);
}

/// F⁻ᵀ: the inverse of [`forward_t`] with l = d, in place on slots `base..base + 2^d`.
fn inverse_t(s: &mut impl Steps, base: usize, d: u32) {
    let n = 1usize << d;
    from_basis_t(s, base, 1, d);
    for t in (0..d).rev() {
        let st = 1 << t;
        for p in 0..n / (2 * st) {
            let a = base + 2 * p * st;
            s.fly(p, a + st, a, st, true);
        }
    }
}

/// The shape of one product: transforms of N = 2^d points, tiles of `a` inputs
/// (the forward transform reads 2^la slots) and `b` outputs (2^lb), `rt` output
/// and `ct` input tiles; `a == b` or `rt == 1` or `ct == 1`, so that the
/// sequences Ĝ are numbered by ti − tj.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Plan {
    d: u32,
    n: usize,
    a: usize,
    b: usize,
    la: u32,
    lb: u32,
    rt: usize,
    ct: usize,
}

/// The log2 of the smallest power of two ≥ v.
fn log2_up(v: usize) -> u32 {
    v.next_power_of_two().trailing_zeros()
}

impl Plan {
    fn new(d: u32, a: usize, b: usize, r: usize, c: usize) -> Plan {
        debug_assert!(a >= 1 && b >= 1 && a + b - 1 <= 1 << d);
        Plan {
            d,
            n: 1 << d,
            a,
            b,
            la: log2_up(a),
            lb: log2_up(b),
            rt: r.div_ceil(b),
            ct: c.div_ceil(a),
        }
    }

    /// Tile pairs with their own Ĝ, numbered ti − tj + ct − 1.
    fn diagonals(&self) -> usize {
        self.rt + self.ct - 1
    }

    /// Offset i − j of the first output and first input of tile pair `di`.
    fn offset(&self, di: usize) -> isize {
        let ti = di.saturating_sub(self.ct - 1);
        let tj = ti + self.ct - 1 - di;
        (ti * self.b) as isize - (tj * self.a) as isize
    }

    /// Slots of the storage: ct input transforms, one output and the inputs' sum.
    fn slots(&self) -> usize {
        (self.ct + 1) * self.n + 1
    }

    /// Estimated cost in block multiply-adds for blocks of `symbols` symbols, a
    /// block XOR or copy costing `xor`.
    fn cost(&self, xor: f64, symbols: usize, weight: f64) -> f64 {
        let one = |c: Count| c.mul_adds as f64 + xor * c.xors as f64;
        let loads = self.ct as f64 * xor * (1usize << self.la) as f64;
        // Making Ĝ: a table multiply per butterfly and one entry per point, for each
        // tile pair, once per call.
        let scalars = (self.diagonals() * self.n) as f64 * (f64::from(self.d) / 2.0 + 1.0);
        (self.ct as f64 * one(counts(self.d, self.la))
            + self.rt as f64 * one(counts(self.d, self.lb))
            + loads
            + (self.rt * self.ct * self.n) as f64
            + scalars * PREP_WEIGHT / symbols.max(1).max(PREP_WEIGHT as usize) as f64)
            * weight
    }
}

/// The plans worth weighing for r × c in `field`.
fn candidates(field: Field, r: usize, c: usize) -> impl Iterator<Item = Plan> {
    (4..=field.bits())
        // Larger transforms only cost more.
        .take_while(move |&d| (1usize << d) / 4 <= r + c)
        .flat_map(move |d| {
            let n = 1usize << d;
            let half = n / 2;
            [
                Some((half.min(c), half.min(r))),
                (r < n).then(|| ((n + 1 - r).min(c), r)),
                (c < n).then(|| (c, (n + 1 - c).min(r))),
            ]
            .into_iter()
            .flatten()
            .map(move |(a, b)| Plan::new(d, a, b, r, c))
        })
        // Unequal tiles need one tile row or column.
        .filter(|p| p.a == p.b || p.rt == 1 || p.ct == 1)
}

/// The cheapest plan for r × c in `field` with blocks of `symbols` symbols and its
/// estimated cost in block multiply-adds (a XOR costing `xor`).
pub(super) fn plan(
    field: Field,
    r: usize,
    c: usize,
    symbols: usize,
    xor: f64,
) -> Option<(Plan, f64)> {
    if r == 0 || c == 0 {
        return None;
    }
    candidates(field, r, c)
        .map(|p| (p, p.cost(xor, symbols, fft_weight(field))))
        .min_by(|x, y| x.1.total_cmp(&y.1))
}

/// Elements `from..from + len` to read and `to..to + len` to write (disjoint).
fn two<T>(buf: &mut [T], from: usize, to: usize, len: usize) -> (&[T], &mut [T]) {
    let (s, d) = two_mut(buf, from, to, len);
    (s, d)
}

/// Elements `a..a + len` and `b..b + len` (disjoint), both to write.
fn two_mut<T>(buf: &mut [T], a: usize, b: usize, len: usize) -> (&mut [T], &mut [T]) {
    if a < b {
        let (lo, hi) = buf.split_at_mut(b);
        (&mut lo[a..][..len], &mut hi[..len])
    } else {
        let (lo, hi) = buf.split_at_mut(a);
        (&mut hi[..len], &mut lo[b..][..len])
    }
}

/// `d ⊕= s`, slots of either engine (symbols or bytes).
fn xor_into<T: Copy + std::ops::BitXorAssign>(d: &mut [T], s: &[T]) {
    d.iter_mut().zip(s).for_each(|(d, &s)| *d ^= s);
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
    /// The logs of Ĝ_δ(q), at q·diagonals + δ.
    h: &'a [u32],
    /// The logs of the inputs' and the outputs' scales.
    scale: Option<&'a [u32]>,
    out: Option<&'a [u32]>,
    plan: Plan,
    /// Byte offset of this storage's symbol in a block.
    at: usize,
    /// Bytes per symbol.
    sb: usize,
    /// The twiddles p(2q) for the kernels, plain form, for the butterflies on runs
    /// of at least [`FAST_RUN`] slots (GF(2^16) on little-endian machines only).
    fast: Option<&'a kernels::Prepared>,
}

/// Slots per run from which a butterfly on single symbols goes through the
/// kernels: a product and a XOR pass over the run instead of a table lookup per
/// symbol (a multiple of the kernels' step).
const FAST_RUN: usize = kernels::Prepared::STEP / 2;

/// The kernels' preparation of those of a transform's twiddles `tw` that
/// [`Symbols`] uses them for: the ones of runs of [`FAST_RUN`] slots or more.
fn fast_twiddles(field: Field, tw: &[u16]) -> Option<kernels::Prepared> {
    let usable = field == Field::Gf16 && cfg!(target_endian = "little");
    let groups = tw.len() / FAST_RUN;
    (usable && groups > 0).then(|| kernels::Prepared::plain(field, tw[..groups].to_vec()))
}

/// The bytes of GF(2^16) symbols in memory: a plain block where the machine is
/// little-endian.
fn as_bytes(v: &mut [u16]) -> &mut [u8] {
    let len = 2 * v.len();
    // SAFETY: the same memory, exclusively borrowed for the result's lifetime; u8 has
    // no alignment requirement and every byte is initialised and any value valid.
    unsafe { std::slice::from_raw_parts_mut(v.as_mut_ptr().cast::<u8>(), len) }
}

/// The constant with log `lc` times `x`.
#[inline]
fn times(t: &Tables, lc: u32, x: u16) -> u16 {
    match lc == NO_LOG || x == 0 {
        true => 0,
        false => t.exp[(lc + u32::from(t.log[usize::from(x)])) as usize],
    }
}

impl Steps for Symbols<'_> {
    fn xor(&mut self, from: usize, to: usize, count: usize) {
        let (s, d) = two(&mut self.v, from, to, count);
        xor_into(d, s);
    }

    fn copy(&mut self, from: usize, to: usize, count: usize) {
        self.v.copy_within(from..from + count, to);
    }

    fn fly(&mut self, q: usize, u: usize, v: usize, count: usize, mul_first: bool) {
        let (lc, t) = (self.tw[q], self.t);
        let (u, v) = two_mut(&mut self.v, u, v, count);
        if let Some(fast) = self.fast.filter(|_| count >= FAST_RUN) {
            // Runs this long have q < n / (2·FAST_RUN), among the prepared.
            if mul_first {
                fast.dot_plain(q, &[as_bytes(v)], as_bytes(u), true);
                xor_into(v, u);
            } else {
                xor_into(u, v);
                fast.dot_plain(q, &[as_bytes(u)], as_bytes(v), true);
            }
            return;
        }
        for (x, y) in u.iter_mut().zip(v) {
            if mul_first {
                *x ^= times(&t, lc, *y);
                *y ^= *x;
            } else {
                *x ^= *y;
                *y ^= times(&t, lc, *x);
            }
        }
    }
}

impl Slots for Symbols<'_> {
    fn load(&mut self, to: usize, src: Option<(usize, &[u8])>) {
        self.v[to] = src.map_or(0, |(j, s)| {
            let v = match self.sb {
                1 => u16::from(s[self.at]),
                _ => u16::from_le_bytes([s[self.at], s[self.at + 1]]),
            };
            self.scale.map_or(v, |l| times(&self.t, l[j], v))
        });
    }

    fn store(&self, from: usize, i: usize, dst: &mut [u8], add: bool) {
        let v = self.v[from];
        let v = self
            .out
            .map_or(v, |l| times(&self.t, l[i], v))
            .to_le_bytes();
        for (d, &b) in dst[self.at..self.at + self.sb].iter_mut().zip(&v) {
            *d = if add { *d ^ b } else { b };
        }
    }

    fn point(&mut self, q: usize, ti: usize) {
        let Plan { n, ct, .. } = self.plan;
        let h = &self.h[q * self.plan.diagonals()..];
        self.v[ct * n + q] = (0..ct).fold(0, |acc, tj| {
            acc ^ times(&self.t, h[ti + ct - 1 - tj], self.v[tj * n + q])
        });
    }
}

/// Slots of one stripe `[at, at + width)` of blocks, consecutive in one buffer (so
/// a run of slots is one range of bytes), in the kernel's block form (loaded and
/// stored through [`kernels::Prepared`]); products and butterflies by the kernels
/// with constants prepared once, a butterfly in one pass.
struct Stripe<'a> {
    /// Every slot is written before it is read (see [`super::mul`]'s `work`).
    buf: &'a mut [u8],
    at: usize,
    width: usize,
    tw: &'a kernels::Prepared,
    h: &'a kernels::Prepared,
    /// The inputs' and the outputs' scales.
    scale: Option<&'a kernels::Prepared>,
    out: Option<&'a kernels::Prepared>,
    plan: Plan,
}

/// Sources per call in [`Stripe::point`], kept on the stack.
const POINT_SOURCES: usize = 16;

impl Steps for Stripe<'_> {
    fn xor(&mut self, from: usize, to: usize, count: usize) {
        let w = self.width;
        let (s, d) = two(self.buf, from * w, to * w, count * w);
        xor_into(d, s);
    }

    fn copy(&mut self, from: usize, to: usize, count: usize) {
        let w = self.width;
        let (s, d) = two(self.buf, from * w, to * w, count * w);
        d.copy_from_slice(s);
    }

    fn fly(&mut self, q: usize, u: usize, v: usize, count: usize, mul_first: bool) {
        let w = self.width;
        if q == 0 {
            // c = 0: the XOR alone.
            match mul_first {
                true => self.xor(u, v, count),
                false => self.xor(v, u, count),
            }
            return;
        }
        let (u, v) = two_mut(self.buf, u * w, v * w, count * w);
        self.tw.fly(q, u, v, mul_first);
    }

    fn fly_from(&mut self, q: usize, from: usize, to: usize, count: usize) {
        let w = self.width;
        let (src, dst) = two(self.buf, from * w, to * w, 2 * count * w);
        self.tw.fly_from(q, src, dst);
    }

    fn fly2(&mut self, q: usize, a: usize, h: usize, mul_first: bool) {
        let w = self.width;
        // Twiddle p(0) = 0 is prepared like any other.
        let x = &mut self.buf[a * w..][..4 * h * w];
        self.tw.fly2([q, 2 * q, 2 * q + 1], x, mul_first);
    }
}

impl Slots for Stripe<'_> {
    fn load(&mut self, to: usize, src: Option<(usize, &[u8])>) {
        let (at, w) = (self.at, self.width);
        let d = &mut self.buf[to * w..][..w];
        match (src, self.scale) {
            (Some((j, s)), Some(scale)) => scale.load_scaled(j, &s[at..at + w], d),
            (Some((_, s)), None) => self.tw.load(&s[at..at + w], d),
            (None, _) => d.fill(0),
        }
    }

    fn store(&self, from: usize, i: usize, dst: &mut [u8], add: bool) {
        let s = &self.buf[from * self.width..][..self.width];
        let d = &mut dst[self.at..self.at + self.width];
        match self.out {
            Some(out) => out.store_scaled(i, s, d, add),
            None => self.tw.store(s, d, add),
        }
    }

    fn point(&mut self, q: usize, ti: usize) {
        let Plan { n, ct, .. } = self.plan;
        let w = self.width;
        let (inputs, out) = self.buf.split_at_mut(ct * n * w);
        let out = &mut out[q * w..][..w];
        // Sources in the order of their coefficients: tile ct − 1 first.
        let at = q * self.plan.diagonals() + ti;
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

/// [`super::mul`] by `plan` (made by [`plan`] for this r × c).
// Its arguments are `super::mul`'s and the plan.
#[allow(clippy::too_many_arguments)]
pub(super) fn mul(
    field: Field,
    entry: impl Fn(isize) -> u16,
    x: &[&[u8]],
    y: &mut [&mut [u8]],
    scales: super::Scales,
    add: bool,
    plan: Plan,
    work: &mut super::Work,
) {
    let (r, c) = (scales.rows(y.len()), x.len());
    let len = y.first().map_or(0, |b| b.len());
    if r == 0 || c == 0 || len == 0 {
        return;
    }
    debug_assert_eq!((plan.rt, plan.ct), (r.div_ceil(plan.b), c.div_ceil(plan.a)));
    let Plan { n, a, b, .. } = plan;
    let pts = points(field);
    let t = field.tables();
    let sb = field.symbol_bytes();
    let tw: Vec<u16> = (0..n / 2).map(|q| pts[2 * q]).collect();
    let twl = logs(&t, &tw);
    let fast = fast_twiddles(field, &tw);
    // g(t) = entry(offset + t − (a − 1)) for t < a + b − 1 for each tile pair; Ĝ
    // the transforms of it, made or found in the memo.
    let g: Vec<u16> = (0..plan.diagonals())
        .flat_map(|di| {
            let base = plan.offset(di) - (a as isize - 1);
            (0..a + b - 1).map(move |t| base + t as isize)
        })
        .map(&entry)
        .collect();
    // Stripes of the kernels over the first `body` bytes. A shorter rest goes through
    // the kernels too, copied into zero-padded blocks of one stripe (the product
    // works symbol by symbol, so the padding only makes outputs nobody reads),
    // unless it has so few symbols that doing them one by one with field tables is
    // cheaper (2-byte blocks); the tables' constants as logs, made only then.
    let body = len / MIN_STRIPE * MIN_STRIPE;
    let rest = len - body;
    let padded = rest > 0 && (rest / sb) * SYMBOL_WEIGHT >= MIN_STRIPE / sb;
    let (tables, kernel) = (rest > 0 && !padded, body > 0 || padded);
    let made = Memo::find(work.memo, (field, plan), g, (tables, kernel), |g| {
        transforms(field, plan, g, &twl, fast.as_ref())
    });
    let symbols = tables.then(|| {
        let ls = |s: Option<&[u16]>| s.map(|s| logs(&t, s));
        (made.logs(), ls(scales.input), ls(scales.output))
    });
    if kernel {
        let stripe =
            (STRIPE_BUDGET / plan.slots()).clamp(MIN_STRIPE, MAX_STRIPE) / MIN_STRIPE * MIN_STRIPE;
        let tw = kernels::Prepared::new(field, tw);
        let h = made.prepared();
        let scale = scales
            .input
            .map(|s| kernels::Prepared::for_loads(field, s.to_vec()));
        let out = scales
            .output
            .map(|s| kernels::Prepared::for_stores(field, s.to_vec()));
        let size = plan.slots() * stripe.min(body).max(MIN_STRIPE);
        if work.bytes.len() < size {
            work.bytes.resize(size, 0);
        }
        let mut st = Stripe {
            buf: &mut work.bytes[..size],
            at: 0,
            width: 0,
            tw: &tw,
            h,
            scale: scale.as_ref(),
            out: out.as_ref(),
            plan,
        };
        while st.at + st.width < body {
            st.at += st.width;
            st.width = stripe.min(body - st.at);
            product(&mut st, plan, x, y, scales.sum, add);
        }
        if padded {
            let pad = |b: &[u8]| {
                let mut p = [0u8; MIN_STRIPE];
                p[..rest].copy_from_slice(&b[body..]);
                p
            };
            let xp: Vec<_> = x.iter().map(|b| pad(b)).collect();
            let mut yp: Vec<_> = y.iter().map(|b| pad(b)).collect();
            (st.at, st.width) = (0, MIN_STRIPE);
            let xp: Vec<&[u8]> = xp.iter().map(|b| b.as_slice()).collect();
            let mut yr: Vec<&mut [u8]> = yp.iter_mut().map(|b| b.as_mut_slice()).collect();
            product(&mut st, plan, &xp, &mut yr, scales.sum, add);
            for (b, p) in y.iter_mut().zip(&yp) {
                b[body..].copy_from_slice(&p[..rest]);
            }
        }
    }
    if let Some((hl, scale, out)) = symbols {
        let mut sym = Symbols {
            t,
            v: vec![0u16; plan.slots()],
            tw: &twl,
            h: hl,
            scale: scale.as_deref(),
            out: out.as_deref(),
            plan,
            at: 0,
            sb,
            fast: fast.as_ref(),
        };
        for at in (body..len).step_by(sb) {
            sym.at = at;
            product(&mut sym, plan, x, y, scales.sum, add);
        }
    }
}

/// Ĝ = F⁻ᵀ g for each tile pair (g zero-padded to N points), at
/// q·diagonals + δ; `g` holds a + b − 1 entries per tile pair.
fn transforms(
    field: Field,
    plan: Plan,
    g: &[u16],
    twl: &[u32],
    fast: Option<&kernels::Prepared>,
) -> Vec<u16> {
    let Plan { d, n, .. } = plan;
    let mut h = vec![0u16; plan.diagonals() * n];
    let mut one = Symbols {
        t: field.tables(),
        v: vec![0; n],
        tw: twl,
        h: &[],
        scale: None,
        out: None,
        plan,
        at: 0,
        sb: field.symbol_bytes(),
        fast,
    };
    for (di, g) in g.chunks_exact(plan.a + plan.b - 1).enumerate() {
        one.v[..g.len()].copy_from_slice(g);
        one.v[g.len()..].fill(0);
        inverse_t(&mut one, 0, d);
        for (q, &v) in one.v.iter().enumerate() {
            h[q * plan.diagonals() + di] = v;
        }
    }
    h
}

/// The transforms Ĝ of the last few sequences a [`mul`] was given, found by their
/// plan and entries (what Ĝ is made of, so a hit cannot be a wrong one), with the
/// engines' forms of them: one code's products repeat (each encode of the same
/// checks, each stripe of a decode). Making them was a fifth of an encode with
/// blocks of one symbol, and the kernels' form a sixth with 1 KiB blocks
/// (1000 + 500).
#[derive(Default)]
pub(crate) struct Memo(Mutex<Vec<Arc<Made>>>);

/// One sequence's entries and transforms, with the engines' forms of them.
struct Made {
    field: Field,
    plan: Plan,
    g: Vec<u16>,
    h: Vec<u16>,
    /// For [`Symbols`].
    logs: OnceLock<Vec<u32>>,
    /// For [`Stripe`].
    prepared: OnceLock<kernels::Prepared>,
}

/// Sequences a [`Memo`] keeps at most, the latest.
const MEMO_LEN: usize = 4;

/// Bytes a [`Memo`] keeps at most (by [`Made::bytes`]); a larger one is not kept.
const MEMO_BYTES: usize = 4 << 20;

/// The most bytes a [`kernels::Prepared`] holds per coefficient: the coefficient
/// and the largest kernel form of it (GF(2^16) nibble tables, 8 × 16).
const PREPARED_BYTES: usize = 2 + 128;

impl Made {
    fn logs(&self) -> &[u32] {
        self.logs
            .get_or_init(|| logs(&self.field.tables(), &self.h))
    }

    fn prepared(&self) -> &kernels::Prepared {
        (self.prepared).get_or_init(|| kernels::Prepared::new(self.field, self.h.clone()))
    }

    /// Memory held, at most.
    fn bytes(&self) -> usize {
        let per = 2
            + self.logs.get().map_or(0, |_| 4)
            + self.prepared.get().map_or(0, |_| PREPARED_BYTES);
        2 * self.g.len() + per * self.h.len()
    }
}

impl Memo {
    /// Ĝ of `g` for `plan` and the forms of it a call needs (`logs`, `prepared`):
    /// from `memo`, or made by `make` and kept there (unless another call holds
    /// the memo or it is too large).
    fn find(
        memo: Option<&Memo>,
        (field, plan): (Field, Plan),
        g: Vec<u16>,
        (logs, prepared): (bool, bool),
        make: impl FnOnce(&[u16]) -> Vec<u16>,
    ) -> Arc<Made> {
        let kept = memo.and_then(|m| m.0.try_lock().ok());
        let hit = (kept.as_ref())
            .and_then(|k| {
                k.iter()
                    .find(|m| (m.field, m.plan) == (field, plan) && m.g == g)
            })
            .cloned();
        // Not held while making: overlapping calls need not wait.
        drop(kept);
        hit.unwrap_or_else(|| {
            let made = Arc::new(Made {
                field,
                plan,
                h: make(&g),
                g,
                logs: OnceLock::new(),
                prepared: OnceLock::new(),
            });
            if logs {
                made.logs();
            }
            if prepared {
                made.prepared();
            }
            let size = made.bytes();
            let memo = memo.filter(|_| size <= MEMO_BYTES);
            if let Some(mut kept) = memo.and_then(|m| m.0.try_lock().ok()) {
                while kept.len() == MEMO_LEN
                    || kept.iter().map(|m| m.bytes()).sum::<usize>() + size > MEMO_BYTES
                {
                    kept.remove(0);
                }
                kept.push(made.clone());
            }
            made
        })
    }
}

/// One stripe (or symbol) of [`mul`]; with `sum`, the last of `y` gets the sum of
/// the loaded (scaled) inputs: each forward transform's value at p(1) = 1.
fn product(s: &mut impl Slots, plan: Plan, x: &[&[u8]], y: &mut [&mut [u8]], sum: bool, add: bool) {
    let Plan {
        d,
        n,
        a,
        b,
        la,
        lb,
        rt,
        ct,
    } = plan;
    for tj in 0..ct {
        // Tile tj's inputs reversed: slot j holds x[tj·a + a − 1 − j].
        for j in 0..1usize << la {
            let src = (a - 1)
                .checked_sub(j)
                .map(|i| tj * a + i)
                .and_then(|i| Some((i, *x.get(i)?)));
            s.load(tj * n + j, src);
        }
        forward(s, tj * n, d, la, a);
    }
    let out = ct * n;
    let (y, last) = y.split_at_mut(y.len() - usize::from(sum));
    if let Some(last) = last.first_mut() {
        let at = out + n;
        s.copy(1, at, 1);
        for tj in 1..ct {
            s.xor(tj * n + 1, at, 1);
        }
        s.store(at, y.len(), last, add);
    }
    for ti in 0..rt {
        for q in 0..n {
            s.point(q, ti);
        }
        forward_t(s, out, d, lb);
        for (k, dst) in y[ti * b..].iter_mut().take(b).enumerate() {
            s.store(out + k, ti * b + k, dst, add);
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

impl Steps for Count {
    fn xor(&mut self, _: usize, _: usize, count: usize) {
        self.xors += count;
    }

    fn copy(&mut self, _: usize, _: usize, count: usize) {
        self.xors += count;
    }

    fn fly(&mut self, q: usize, _: usize, _: usize, count: usize, _: bool) {
        self.xors += count;
        if q > 0 {
            self.mul_adds += count;
        }
    }
}

/// The steps of [`forward`] (and so of [`forward_t`]) for 2^d points from 2^l
/// coefficients, counted once per shape.
fn counts(d: u32, l: u32) -> Count {
    const MAX: usize = 17;
    static COUNTS: [OnceLock<Count>; MAX * MAX] = [const { OnceLock::new() }; MAX * MAX];
    *COUNTS[d as usize * MAX + l as usize].get_or_init(|| {
        let mut c = Count::default();
        forward(&mut c, 0, d, l, 1 << l);
        c
    })
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

    /// A butterfly on a run of single symbols through the kernels ([`FAST_RUN`])
    /// equals the table one, both orders; small enough for Miri, which checks the
    /// byte view of the symbols.
    #[test]
    fn fast_butterflies_equal_the_table_ones() {
        let field = Field::Gf16;
        let t = field.tables();
        let mut rng = crate::test_rng::Rng(0x0123_4567_89AB_CDEF);
        // Any constants do (not the transforms' points, which Miri takes long to make).
        let tw: Vec<u16> = (0..2 * FAST_RUN).map(|_| rng.next() as u16 | 1).collect();
        let fast = fast_twiddles(field, &tw);
        assert!(fast.is_some() || cfg!(target_endian = "big"));
        let twl = logs(&t, &tw);
        let symbols = |fast, v: &[u16]| Symbols {
            t,
            v: v.to_vec(),
            tw: &twl,
            h: &[],
            scale: None,
            out: None,
            plan: Plan::new(2, 1, 1, 1, 1),
            at: 0,
            sb: 2,
            fast,
        };
        let v: Vec<u16> = (0..2 * FAST_RUN).map(|_| rng.next() as u16).collect();
        for (q, mul_first) in [(0, true), (1, true), (1, false)] {
            let (mut a, mut b) = (symbols(None, &v), symbols(fast.as_ref(), &v));
            a.fly(q, 0, FAST_RUN, FAST_RUN, mul_first);
            b.fly(q, 0, FAST_RUN, FAST_RUN, mul_first);
            assert_eq!(a.v, b.v, "q={q} mul_first={mul_first}");
            assert_ne!(a.v, v, "q={q}: the butterfly changed nothing");
        }
    }

    /// F evaluates, Fᵀ is its transpose, F⁻ᵀ inverts Fᵀ.
    #[test]
    #[cfg_attr(miri, ignore = "too slow under Miri")]
    fn the_transforms_evaluate_transpose_and_invert() {
        let field = Field::Gf16;
        let t = field.tables();
        let pts = points(field);
        let mut rng = crate::test_rng::Rng(0x9E37_79B9_7F4A_7C15);
        // With and without the kernels on long runs ([`FAST_RUN`]).
        let runs = [(4, 4), (4, 0), (6, 1), (5, 3), (8, 7), (8, 8), (11, 9)];
        for ((d, l), kernels) in runs.into_iter().flat_map(|r| [(r, false), (r, true)]) {
            let mut random =
                |len: usize| -> Vec<u16> { (0..len).map(|_| rng.next() as u16).collect() };
            let tw: Vec<u16> = (0..1 << (d - 1)).map(|q| pts[2 * q]).collect();
            let fast = fast_twiddles(field, &tw).filter(|_| kernels);
            let tw = logs(&t, &tw);
            let mut s = Symbols {
                t,
                v: Vec::new(),
                tw: &tw,
                h: &[],
                scale: None,
                out: None,
                plan: Plan::new(d, 1, 1, 1, 1),
                at: 0,
                sb: 2,
                fast: fast.as_ref(),
            };
            // Coefficients from nz on are zero (the forward transform skips them).
            let nz = 1 + usize::from(random(1)[0]) % (1 << l);
            let mut coeffs = random(1 << l);
            coeffs[nz..].fill(0);
            s.v = coeffs.clone();
            s.v.extend(random((1 << d) - (1 << l)));
            forward(&mut s, 0, d, l, nz);
            let values = s.v.clone();
            for (i, &got) in values.iter().enumerate() {
                let want = coeffs
                    .iter()
                    .rev()
                    .fold(0, |acc, &c| t.mul(acc, pts[i]) ^ c);
                assert_eq!(got, want, "d={d} l={l} nz={nz} point {i}");
            }
            // ⟨u, F v⟩ = ⟨Fᵀ u, v⟩.
            let dot = |x: &[u16], y: &[u16]| x.iter().zip(y).fold(0, |a, (&x, &y)| a ^ t.mul(x, y));
            let u = random(1 << d);
            s.v = u.clone();
            forward_t(&mut s, 0, d, l);
            assert_eq!(
                dot(&u, &values),
                dot(&s.v[..1 << l], &coeffs),
                "d={d} l={l}"
            );
            if l == d {
                inverse_t(&mut s, 0, d);
                assert_eq!(s.v, u, "d={d}: F⁻ᵀ Fᵀ u");
            }
        }
    }

    /// [`mul`] by plan `p` against the direct product on one shape. The calls share
    /// storage that starts full of garbage, so a slot read before it is written
    /// shows.
    fn by_plan(p: Plan, field: Field, shape: (usize, usize, usize)) {
        by_plan_with(p, field, shape, &Memo::default());
    }

    /// [`by_plan`] with the calls' memo given (each shape's six calls, with
    /// and without scales, multiply with the same sequence).
    fn by_plan_with(p: Plan, field: Field, shape: (usize, usize, usize), memo: &Memo) {
        let work = std::cell::RefCell::new(crate::conv::Work {
            bytes: vec![0xA5u8; 1 << 16],
            memo: Some(memo),
        });
        let engine =
            |f,
             e: &dyn Fn(isize) -> u16,
             x: &[&[u8]],
             y: &mut [&mut [u8]],
             sc: crate::conv::Scales,
             add| { mul(f, e, x, y, sc, add, p, &mut work.borrow_mut()) };
        crate::conv::tests::equals_direct(&engine, field, &[shape]);
    }

    /// The memo keeps at most [`MEMO_BYTES`], dropping the oldest, keeps nothing
    /// larger, and a hit is not made again.
    #[test]
    #[cfg_attr(miri, ignore = "megabytes of transforms")]
    fn the_memo_keeps_its_budget() {
        let memo = Memo::default();
        let key = (Field::Gf16, Plan::new(4, 8, 8, 8, 8));
        let find = |g: u16, len: usize| {
            let made = Memo::find(Some(&memo), key, vec![g], (false, false), |_| {
                assert_ne!(len, 0, "a hit made again");
                vec![g; len]
            });
            assert_eq!(made.h[0], g);
            memo.0
                .lock()
                .unwrap()
                .iter()
                .map(|m| m.g[0])
                .collect::<Vec<_>>()
        };
        let third = MEMO_BYTES / 2 / 3;
        assert_eq!(find(1, third), [1]);
        assert_eq!(find(2, third), [1, 2]);
        assert_eq!(find(1, 0), [1, 2]);
        assert_eq!(find(3, 2 * third), [2, 3]);
        assert_eq!(find(4, MEMO_BYTES), [2, 3]);
        assert_eq!(find(3, 0), [2, 3]);
    }

    /// One memo for products of one plan with different sequences, more of them
    /// than it keeps, some again after others: each product still equals the
    /// direct one (a memo that went by the plan alone, or kept a stale Ĝ, fails).
    #[test]
    fn the_memo_tells_sequences_apart() {
        let memo = Memo::default();
        // Shapes of one plan (one tile row, two tile columns of 8), each with its
        // own random sequence; small, and GF(2^8), for Miri.
        let shapes = [(7, 14), (8, 16), (7, 14), (6, 12), (5, 10), (8, 15)];
        for &(r, c) in shapes.iter().chain(&shapes) {
            let p = Plan::new(4, 8, 8, r, c);
            assert_eq!((p.rt, p.ct), (1, 2));
            by_plan_with(p, Field::Gf8, (r, c, 1), &memo);
        }
        assert_eq!(memo.0.lock().unwrap().len(), MEMO_LEN);
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
            // Rests short of a stripe that go through the kernels zero-padded: alone,
            // and after a body.
            (5, 3, 100),
            (128, 128, 300),
            (40, 250, 200),
        ];
        // Every plan weighed for the shape, not only the cheapest.
        for field in [Field::Gf8, Field::Gf16] {
            for &(r, c, w) in shapes {
                for p in candidates(field, r, c) {
                    by_plan(p, field, (r, c, w));
                }
            }
        }
        // More input tiles than one kernel call takes.
        by_plan(Plan::new(4, 8, 8, 130, 2200), Field::Gf16, (130, 2200, 128));
        // One GF(2^16) plan of the largest transform.
        by_plan(Plan::new(16, 40, 3, 3, 40), Field::Gf16, (3, 40, 2));
    }
}

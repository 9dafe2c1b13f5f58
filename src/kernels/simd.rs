//! The one driver every SIMD kernel shares (x86 and aarch64), generic over a small
//! set of vector operations ([`Simd`]) and over how a vector is multiplied by a
//! constant ([`Mul`]: split-nibble shuffle tables (PSHUFB, TBL) or GFNI affine
//! matrices).
//!
//! Shape of the work, for each group of up to `G` outputs:
//!
//! ```text
//! for each chunk of U vectors:            (one pass over the sources per group)
//!     acc[g] = add ? dst[g] : 0
//!     for each source j: x = load(src[j]); acc[g] ^= c[g][j] · x   for every g
//!     dst[g] = acc[g]
//! ```
//!
//! so every source vector is loaded once per group and feeds `G` outputs, and the
//! accumulators never leave registers. When there are more outputs than one group
//! holds, the length is cut into stripes small enough that the sources stay in L2
//! while every group reads them.
//!
//! GF(2^16) symbols are little-endian byte pairs. Two loaded vectors are split into a
//! vector of low bytes and one of high bytes (per 128-bit lane, so it works the same
//! at every width); products are formed on those byte planes and interleaved back
//! only when an output chunk is stored.
//!
//! Everything here is `#[inline(always)]` and is only ever instantiated inside a
//! `#[target_feature]` function of the instruction set's file, which is what lets the
//! intrinsics inline.

use std::any::Any;

use super::Forms;
use crate::gf::{Field, MUL8};

/// The vector operations a kernel needs from one instruction set.
///
/// # Safety
///
/// Every method may execute instructions of that set: callers must have checked the
/// CPU supports them. `load`/`store` take raw pointers that must be valid for
/// `W` bytes (no alignment needed).
pub(super) trait Simd {
    /// One vector register.
    type V: Copy;
    /// Bytes per vector.
    const W: usize;
    /// Vector registers of the instruction set: how many accumulators a pass keeps.
    const REGISTERS: usize;
    unsafe fn load(p: *const u8) -> Self::V;
    unsafe fn store(p: *mut u8, v: Self::V);
    unsafe fn zero() -> Self::V;
    unsafe fn xor(a: Self::V, b: Self::V) -> Self::V;
    /// Splits two vectors of little-endian byte pairs into (low bytes, high bytes),
    /// in an order only [`Simd::interleave`] needs to undo.
    unsafe fn deinterleave(a: Self::V, b: Self::V) -> (Self::V, Self::V);
    /// The inverse of [`Simd::deinterleave`].
    unsafe fn interleave(lo: Self::V, hi: Self::V) -> (Self::V, Self::V);
}

/// Byte shuffles (PSHUFB, TBL): what the split-nibble table method needs.
pub(super) trait Shuffle: Simd {
    /// Each byte of `idx` (all below 16) replaced by that entry of the 16-byte table
    /// `t` (the same table in every 128-bit lane).
    unsafe fn lookup(t: &[u8; 16], idx: Self::V) -> Self::V;
    /// (low nibbles, high nibbles) of every byte.
    unsafe fn nibbles(x: Self::V) -> (Self::V, Self::V);
}

/// GF2P8AFFINEQB: what the GFNI method needs.
#[cfg(target_arch = "x86_64")]
pub(super) trait Affine: Simd {
    /// Every byte of `x` multiplied by the 8×8 bit matrix `m` (in the instruction's
    /// layout: byte 7−i of `m` is the row giving result bit i).
    unsafe fn affine(x: Self::V, m: u64) -> Self::V;
}

/// How one method multiplies vectors by field constants.
pub(super) trait Mul {
    type S: Simd;
    /// A GF(2^8) coefficient made ready (tables or a matrix).
    type P8: Copy + Default + Send + Sync + 'static;
    /// A GF(2^16) coefficient made ready.
    type P16: Copy + Default + Send + Sync + 'static;
    /// A source vector made ready (split into nibbles, or as is).
    type X: Copy;
    /// Outputs per pass (at most 8) and vectors per step (1 or 2) in GF(2^8), and
    /// outputs per pass in GF(2^16): as many as the registers hold.
    const G8: usize;
    const U8: usize;
    const G16: usize;
    fn prep8(c: u8) -> Self::P8;
    /// The GF(2)-linear map on 16-bit symbols whose value on bit i is `bit[i]`.
    fn prep16(bit: [u16; 16]) -> Self::P16;
    /// Whether `p` maps the low and the high byte alike and each to itself, so that
    /// [`Mul::mul16_bytewise`] gives its products.
    fn bytewise16(p: &Self::P16) -> bool;
    unsafe fn ready(x: <Self::S as Simd>::V) -> Self::X;
    unsafe fn mul8(p: &Self::P8, x: Self::X) -> <Self::S as Simd>::V;
    /// The (low, high) byte planes of the products of the symbols (lo, hi).
    unsafe fn mul16(
        p: &Self::P16,
        lo: Self::X,
        hi: Self::X,
    ) -> (<Self::S as Simd>::V, <Self::S as Simd>::V);
    /// [`Mul::mul16`] for a bytewise `p`, with half the work.
    unsafe fn mul16_bytewise(
        p: &Self::P16,
        lo: Self::X,
        hi: Self::X,
    ) -> (<Self::S as Simd>::V, <Self::S as Simd>::V);
}

/// 16 table entries, aligned so a broadcast load never splits a cache line.
#[derive(Clone, Copy, Default)]
#[repr(C, align(16))]
pub(super) struct Tab([u8; 16]);

/// Split-nibble tables over a [`Shuffle`] set: c·x = T_lo[x & 15] ⊕ T_hi[x >> 4].
pub(super) struct Nibble<S>(std::marker::PhantomData<S>);

impl<S: Shuffle> Mul for Nibble<S> {
    type S = S;
    type P8 = [Tab; 2];
    /// For nibble p of the symbol (p = 0..4, low to high), the low and the high
    /// product byte: entries 2p and 2p + 1.
    type P16 = [Tab; 8];
    type X = (S::V, S::V);
    // 16 registers (SSE, AVX2) or 32 (AVX-512, NEON): accumulators, the split
    // source, a table and a temporary must all fit.
    const G8: usize = if S::REGISTERS >= 32 { 8 } else { 4 };
    const U8: usize = 2;
    const G16: usize = if S::REGISTERS >= 32 { 8 } else { 4 };

    fn prep8(c: u8) -> [Tab; 2] {
        let row = &MUL8[usize::from(c)];
        let mut t = [Tab::default(); 2];
        for n in 0..16 {
            t[0].0[n] = row[n];
            t[1].0[n] = row[n << 4];
        }
        t
    }

    fn prep16(bit: [u16; 16]) -> [Tab; 8] {
        let mut t = [Tab::default(); 8];
        for p in 0..4 {
            // Every nibble value by linearity: v(n) = v(n without its lowest bit) ⊕
            // v(lowest bit).
            let mut v = [0u16; 16];
            for n in 1..16usize {
                v[n] = v[n & (n - 1)] ^ bit[4 * p + n.trailing_zeros() as usize];
                t[2 * p].0[n] = v[n] as u8;
                t[2 * p + 1].0[n] = (v[n] >> 8) as u8;
            }
        }
        t
    }

    fn bytewise16(p: &[Tab; 8]) -> bool {
        // Low nibbles to the low byte only, high ones to the high byte only, alike.
        let zero = |t: &Tab| t.0 == [0; 16];
        [1, 3, 4, 6].iter().all(|&i| zero(&p[i])) && p[5].0 == p[0].0 && p[7].0 == p[2].0
    }

    #[inline(always)]
    unsafe fn ready(x: S::V) -> Self::X {
        S::nibbles(x)
    }

    #[inline(always)]
    unsafe fn mul8(p: &[Tab; 2], x: Self::X) -> S::V {
        S::xor(S::lookup(&p[0].0, x.0), S::lookup(&p[1].0, x.1))
    }

    #[inline(always)]
    unsafe fn mul16(p: &[Tab; 8], lo: Self::X, hi: Self::X) -> (S::V, S::V) {
        let n = [lo.0, lo.1, hi.0, hi.1];
        let l = S::xor(
            S::xor(S::lookup(&p[0].0, n[0]), S::lookup(&p[2].0, n[1])),
            S::xor(S::lookup(&p[4].0, n[2]), S::lookup(&p[6].0, n[3])),
        );
        let h = S::xor(
            S::xor(S::lookup(&p[1].0, n[0]), S::lookup(&p[3].0, n[1])),
            S::xor(S::lookup(&p[5].0, n[2]), S::lookup(&p[7].0, n[3])),
        );
        (l, h)
    }

    #[inline(always)]
    unsafe fn mul16_bytewise(p: &[Tab; 8], lo: Self::X, hi: Self::X) -> (S::V, S::V) {
        (
            S::xor(S::lookup(&p[0].0, lo.0), S::lookup(&p[2].0, lo.1)),
            S::xor(S::lookup(&p[0].0, hi.0), S::lookup(&p[2].0, hi.1)),
        )
    }
}

/// The GF2P8AFFINEQB matrix of the GF(2)-linear byte map whose value on bit i is
/// `cols[i]`.
#[cfg(target_arch = "x86_64")]
fn matrix(cols: [u8; 8]) -> u64 {
    // Byte i = column i; an 8×8 bit transpose (Hacker's Delight) makes byte r = row
    // r, and the byte swap puts row r at byte 7 − r.
    let mut x = u64::from_le_bytes(cols);
    let t = (x ^ (x >> 7)) & 0x00AA_00AA_00AA_00AA;
    x ^= t ^ (t << 7);
    let t = (x ^ (x >> 14)) & 0x0000_CCCC_0000_CCCC;
    x ^= t ^ (t << 14);
    let t = (x ^ (x >> 28)) & 0x0000_0000_F0F0_F0F0;
    x ^= t ^ (t << 28);
    x.swap_bytes()
}

/// c · x^i for i = 0..16 in GF(2^16): the products of `c` with each single-bit
/// symbol, by repeated multiplication by x (no table lookups: this runs once per
/// coefficient per call, which for big GF(2^16) decodes is millions of times).
fn bit_products16(c: u16) -> [u16; 16] {
    let mut v = [0u16; 16];
    let mut x = u32::from(c);
    for p in v.iter_mut() {
        *p = x as u16;
        x <<= 1;
        if x & 0x1_0000 != 0 {
            x ^= Field::Gf16.polynomial();
        }
    }
    v
}

/// GFNI affine matrices over an [`Affine`] set: one instruction per byte product.
#[cfg(target_arch = "x86_64")]
pub(super) struct Gfni<S>(std::marker::PhantomData<S>);

#[cfg(target_arch = "x86_64")]
impl<S: Affine> Mul for Gfni<S> {
    type S = S;
    type P8 = u64;
    /// Matrices low→low, high→low, low→high, high→high: the product's low byte is
    /// A₀·lo ⊕ A₁·hi, its high byte A₂·lo ⊕ A₃·hi.
    type P16 = [u64; 4];
    type X = S::V;
    // One temporary per product: with 32 registers, 8 outputs × 2 vectors (GF(2^8))
    // or 8 outputs × 2 planes (GF(2^16)) of accumulators still leave room.
    const G8: usize = if S::REGISTERS >= 32 { 8 } else { 4 };
    const U8: usize = 2;
    const G16: usize = if S::REGISTERS >= 32 { 8 } else { 4 };

    fn prep8(c: u8) -> u64 {
        let row = &MUL8[usize::from(c)];
        matrix(std::array::from_fn(|i| row[1 << i]))
    }

    fn prep16(bit: [u16; 16]) -> [u64; 4] {
        let lo: [u16; 8] = std::array::from_fn(|i| bit[i]);
        let hi: [u16; 8] = std::array::from_fn(|i| bit[i + 8]);
        [
            matrix(lo.map(|v| v as u8)),
            matrix(hi.map(|v| v as u8)),
            matrix(lo.map(|v| (v >> 8) as u8)),
            matrix(hi.map(|v| (v >> 8) as u8)),
        ]
    }

    fn bytewise16(p: &[u64; 4]) -> bool {
        p[1] == 0 && p[2] == 0 && p[3] == p[0]
    }

    #[inline(always)]
    unsafe fn ready(x: S::V) -> S::V {
        x
    }

    #[inline(always)]
    unsafe fn mul8(p: &u64, x: S::V) -> S::V {
        S::affine(x, *p)
    }

    #[inline(always)]
    unsafe fn mul16(p: &[u64; 4], lo: S::V, hi: S::V) -> (S::V, S::V) {
        (
            S::xor(S::affine(lo, p[0]), S::affine(hi, p[1])),
            S::xor(S::affine(lo, p[2]), S::affine(hi, p[3])),
        )
    }

    #[inline(always)]
    unsafe fn mul16_bytewise(p: &[u64; 4], lo: S::V, hi: S::V) -> (S::V, S::V) {
        (S::affine(lo, p[0]), S::affine(hi, p[0]))
    }
}

/// Prepared coefficients of one batch of rows are kept within this many bytes, so
/// they stay in L2 while the stripes go by; more rows make another batch (which
/// reads the sources again). Debug builds use a small budget so that the tests,
/// which cannot afford huge shapes there, still run several batches.
const PREP_BUDGET: usize = if cfg!(debug_assertions) {
    16 * 1024
} else {
    1 << 20
};

/// A byte of a product done by the scalar code costs about as much as this many
/// bytes of a pass. Measured (Zen 1, AVX2, 64-byte steps): with 1000-byte blocks
/// (a 40-byte rest) padding the rest makes 10 + 4 encode 10–24 % faster, 1000 + 4
/// 19 %, 100 + 30 decode 33 %.
const SCALAR_BYTE: usize = 8;

/// Sources plus outputs of one stripe fit in this many bytes (half a typical L2), so
/// groups after the first read the sources from cache.
const STRIPE_BUDGET: usize = 512 * 1024;

/// Calls `$f::<.., G, ..>` with the runtime group size `$g` (1..=8) as a constant.
macro_rules! by_group {
    ($g:expr, $f:ident::<$m:ty, _ $(, $u:tt)*>($($arg:expr),*)) => {
        match $g {
            1 => $f::<$m, 1 $(, $u)*>($($arg),*),
            2 => $f::<$m, 2 $(, $u)*>($($arg),*),
            3 => $f::<$m, 3 $(, $u)*>($($arg),*),
            4 => $f::<$m, 4 $(, $u)*>($($arg),*),
            5 => $f::<$m, 5 $(, $u)*>($($arg),*),
            6 => $f::<$m, 6 $(, $u)*>($($arg),*),
            7 => $f::<$m, 7 $(, $u)*>($($arg),*),
            8 => $f::<$m, 8 $(, $u)*>($($arg),*),
            _ => unreachable!("groups hold at most 8 rows"),
        }
    };
}

/// One field's path through [`drive`]: how coefficients are prepared, how one
/// group of rows runs, and the scalar code for the tail.
trait Path {
    type P: Copy + Default + Send + Sync + 'static;
    /// Most rows one pass handles.
    const GMAX: usize;
    /// Bytes per inner step (the body is a multiple of it).
    const STEP: usize;
    /// `c` made ready for products whose sides are in `forms`.
    fn prep(c: u16, forms: Forms) -> Self::P;
    /// Runs one group of `dst.len()` rows over bytes `[from, to)` with the group's
    /// prepared coefficients (`[j][g]` order), sources and outputs in the `forms`
    /// they are in (plain, or the kernel form of [`Tower`]).
    ///
    /// # Safety
    /// The instruction set is available; every pointer is valid for `to` bytes.
    unsafe fn pass(
        prep: &[Self::P],
        src: &[*const u8],
        dst: &[*mut u8],
        from: usize,
        to: usize,
        add: bool,
        forms: Forms,
    );
    const TAIL: super::DotFn;
    /// What one step of a butterfly works on: [`Path::UNIT`] bytes of a block in
    /// kernel form ([`Tower`]).
    type U: Copy;
    const UNIT: usize;
    /// # Safety
    /// The instruction set is available; `p` is valid for [`Path::UNIT`] bytes.
    unsafe fn load_unit(p: *const u8) -> Self::U;
    /// # Safety
    /// As [`Path::load_unit`].
    unsafe fn store_unit(p: *mut u8, u: Self::U);
    /// # Safety
    /// The instruction set is available.
    unsafe fn add_unit(a: Self::U, b: Self::U) -> Self::U;
    /// Whether products by `p` may take the cheaper form of [`Path::times`].
    fn cheap(p: &Self::P) -> bool;
    /// `p`'s coefficient times `x`, by the cheaper form if `CHEAP`.
    ///
    /// # Safety
    /// The instruction set is available; `CHEAP` only if [`Path::cheap`] said so.
    unsafe fn times<const CHEAP: bool>(p: &Self::P, x: Self::U) -> Self::U;
}

/// One step of a butterfly: `u ⊕= c·v, v ⊕= u` (`MUL_FIRST`) or `u ⊕= v, v ⊕= c·u`.
///
/// # Safety
/// As [`Path::times`].
#[inline(always)]
unsafe fn step<T: Path, const CHEAP: bool, const MUL_FIRST: bool>(
    p: &T::P,
    u: T::U,
    v: T::U,
) -> (T::U, T::U) {
    // SAFETY: forwarded from the caller.
    unsafe {
        if MUL_FIRST {
            let u = T::add_unit(u, T::times::<CHEAP>(p, v));
            (u, T::add_unit(v, u))
        } else {
            let u = T::add_unit(u, v);
            (u, T::add_unit(v, T::times::<CHEAP>(p, u)))
        }
    }
}

/// A butterfly (see [`super::Prepared::fly`]) on runs of `len` bytes: u and v read
/// from `from`, the results written to `to` (the same runs in place; other ones for
/// [`super::Prepared::fly_from`]).
///
/// # Safety
/// As [`Path::times`]; the pointers of `from` are valid for reading and those of
/// `to` for writing `len` bytes, a multiple of [`Path::UNIT`].
#[inline(always)]
unsafe fn fly_run<T: Path, const CHEAP: bool, const MUL_FIRST: bool>(
    p: &T::P,
    from: [*const u8; 2],
    to: [*mut u8; 2],
    len: usize,
) {
    for off in (0..len).step_by(T::UNIT) {
        // SAFETY: off + UNIT ≤ len.
        unsafe {
            let [a, b] = from.map(|x| T::load_unit(x.add(off)));
            let (a, b) = step::<T, CHEAP, MUL_FIRST>(p, a, b);
            T::store_unit(to[0].add(off), a);
            T::store_unit(to[1].add(off), b);
        }
    }
}

/// Two layers of butterflies (see [`super::Prepared::fly2`]) on the quarters `x`,
/// `len` bytes each, in one pass: `p[0]` on x0, x2 and x1, x3; `p[1]` on x0, x1;
/// `p[2]` on x2, x3. `p[0]`'s layer first with `MUL_FIRST` (the transform's
/// order), last without (its transpose's).
///
/// # Safety
/// As [`Path::times`]; every pointer of `x` is valid for reading and writing `len`
/// bytes, a multiple of [`Path::UNIT`]; `OUTER` and `INNER` only if
/// [`Path::cheap`] said so for `p[0]` and for both of `p[1]`, `p[2]`.
#[inline(always)]
unsafe fn fly2_run<T: Path, const OUTER: bool, const INNER: bool, const MUL_FIRST: bool>(
    p: [&T::P; 3],
    x: [*mut u8; 4],
    len: usize,
) {
    for off in (0..len).step_by(T::UNIT) {
        // SAFETY: off + UNIT ≤ len.
        unsafe {
            let [a, b, c, d] = x.map(|x| T::load_unit(x.add(off)));
            let outer = |a, b, c, d| {
                let (a, c) = step::<T, OUTER, MUL_FIRST>(p[0], a, c);
                let (b, d) = step::<T, OUTER, MUL_FIRST>(p[0], b, d);
                (a, b, c, d)
            };
            let inner = |a, b, c, d| {
                let (a, b) = step::<T, INNER, MUL_FIRST>(p[1], a, b);
                let (c, d) = step::<T, INNER, MUL_FIRST>(p[2], c, d);
                (a, b, c, d)
            };
            let (a, b, c, d) = match MUL_FIRST {
                true => {
                    let (a, b, c, d) = outer(a, b, c, d);
                    inner(a, b, c, d)
                }
                false => {
                    let (a, b, c, d) = inner(a, b, c, d);
                    outer(a, b, c, d)
                }
            };
            for (x, v) in x.into_iter().zip([a, b, c, d]) {
                T::store_unit(x.add(off), v);
            }
        }
    }
}

/// Every group of one batch of rows (`prepared` in [`drive`]'s order) over bytes
/// `[from, to)` of the sources `src` and the outputs `dst`. A function, not a
/// closure, so that it inlines into the caller's instruction set.
///
/// # Safety
/// The instruction set is available; every pointer is valid for `to` bytes.
#[inline(always)]
unsafe fn passes<T: Path>(
    prepared: &[T::P],
    batch: &[(usize, usize)],
    src: &[*const u8],
    dst: &[*mut u8],
    from: usize,
    to: usize,
    add: bool,
) {
    let (m, mut at) = (src.len(), 0);
    for &(r0, r1) in batch {
        let g = r1 - r0;
        // SAFETY: forwarded from the caller.
        unsafe {
            T::pass(
                &prepared[at..at + g * m],
                src,
                &dst[r0..r1],
                from,
                to,
                add,
                Forms::Plain,
            )
        };
        at += g * m;
    }
}

/// The shared frame of both fields: shapes, groups, batches, stripes and the scalar
/// tail.
///
/// # Safety
/// The instruction set of `T` is available.
#[inline(always)]
unsafe fn drive<T: Path>(coeffs: &[u16], srcs: &[&[u8]], dsts: &mut [&mut [u8]], add: bool) {
    let m = srcs.len();
    let rows = dsts.len();
    let len = dsts.first().map_or(0, |d| d.len());
    // The pointer arithmetic below relies on these; they are cheap next to the work.
    assert_eq!(
        coeffs.len(),
        m * rows,
        "one coefficient per source and output"
    );
    assert!(srcs.iter().all(|s| s.len() == len) && dsts.iter().all(|d| d.len() == len));
    let body = len - len % T::STEP;
    let rest = len - body;
    // A rest of a few bytes goes to the scalar code; a longer one after a body through
    // the passes too, copied into zero-padded buffers of one step (products work
    // byte by byte, so the padding only makes bytes nobody reads). Blocks shorter
    // than a step stay scalar: there the coefficients' preparation would cost more.
    let padded = body > 0 && rest * SCALAR_BYTE >= T::STEP;
    let mut pad = match padded {
        true => vec![0u8; (m + rows) * T::STEP],
        false => Vec::new(),
    };
    let blocks = srcs.iter().copied().chain(dsts.iter().map(|d| &**d));
    for (p, b) in pad.chunks_mut(T::STEP).zip(blocks) {
        p[..rest].copy_from_slice(&b[body..]);
    }
    if (body > 0 || padded) && rows > 0 {
        let sp: Vec<*const u8> = srcs.iter().map(|s| s.as_ptr()).collect();
        let dp: Vec<*mut u8> = dsts.iter_mut().map(|d| d.as_mut_ptr()).collect();
        // Empty unless `padded`.
        let split = (m * T::STEP).min(pad.len());
        let (pad_src, pad_dst) = pad.split_at_mut(split);
        let psp: Vec<*const u8> = pad_src.chunks(T::STEP).map(|s| s.as_ptr()).collect();
        let pdp: Vec<*mut u8> = pad_dst
            .chunks_mut(T::STEP)
            .map(|d| d.as_mut_ptr())
            .collect();
        // Groups as even as possible: 10 rows with 8 per group → 5 + 5.
        let ngroups = rows.div_ceil(T::GMAX);
        let groups: Vec<(usize, usize)> = (0..ngroups)
            .map(|i| (i * rows / ngroups, (i + 1) * rows / ngroups))
            .collect();
        let per_group = m * T::GMAX * std::mem::size_of::<T::P>();
        let batch_groups = (PREP_BUDGET / per_group.max(1)).max(1);
        let mut prepared: Vec<T::P> = Vec::new();
        for batch in groups.chunks(batch_groups) {
            prepared.clear();
            for &(r0, r1) in batch {
                for j in 0..m {
                    for r in r0..r1 {
                        prepared.push(T::prep(coeffs[r * m + j], Forms::Plain));
                    }
                }
            }
            let brows = batch[batch.len() - 1].1 - batch[0].0;
            // One group reads every source once whatever the order: no stripes.
            let stripe = if batch.len() == 1 {
                body
            } else {
                ((STRIPE_BUDGET / (m + brows)).max(4096) / T::STEP * T::STEP).max(T::STEP)
            };
            let mut from = 0;
            while from < body {
                let to = body.min(from + stripe);
                // SAFETY: every slice is `len ≥ body ≥ to` bytes long (checked above);
                // the caller guarantees the instruction set.
                unsafe { passes::<T>(&prepared, batch, &sp, &dp, from, to, add) };
                from = to;
            }
            if padded {
                // SAFETY: every padded buffer is STEP bytes long; the caller guarantees
                // the instruction set.
                unsafe { passes::<T>(&prepared, batch, &psp, &pdp, 0, T::STEP, add) };
            }
        }
    }
    if padded {
        let pad_dst = &pad[m * T::STEP..];
        for (d, p) in dsts.iter_mut().zip(pad_dst.chunks(T::STEP)) {
            d[body..].copy_from_slice(&p[..rest]);
        }
    } else if rest > 0 {
        let s: Vec<&[u8]> = srcs.iter().map(|s| &s[body..]).collect();
        let mut d: Vec<&mut [u8]> = dsts.iter_mut().map(|d| &mut d[body..]).collect();
        (T::TAIL)(coeffs, &s, &mut d, add);
    }
}

/// How far ahead of the current chunk each source is prefetched, in bytes.
///
/// The hardware prefetchers follow a few dozen streams; with hundreds of sources
/// (GF(2^16) codes) every load would otherwise wait for memory. The line is needed
/// only after a full round over all sources, so it has plenty of time to arrive.
const PREFETCH: usize = 512;

/// Hints that the `step` bytes at `src + off + PREFETCH` will be read soon: one
/// prefetch per 64-byte line. The address may lie past the buffer: a prefetch never
/// faults, and `wrapping_add` keeps the arithmetic defined.
#[inline(always)]
fn prefetch(src: *const u8, off: usize, step: usize) {
    let mut line = 0;
    while line < step {
        let at = src.wrapping_add(off + PREFETCH + line);
        #[cfg(target_arch = "x86_64")]
        // SAFETY: PREFETCHh is SSE (baseline on x86_64) and does not access memory
        // architecturally, so any address is allowed.
        unsafe {
            std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(at.cast())
        }
        #[cfg(target_arch = "aarch64")]
        // SAFETY: PRFM (base aarch64, no feature needed; `_prefetch` is not stable)
        // is a hint that never faults nor accesses memory architecturally, so any
        // address is allowed; it touches no register but its operand, nor the stack
        // or the flags.
        unsafe {
            std::arch::asm!(
                "prfm pldl1keep, [{at}]",
                at = in(reg) at,
                options(nostack, readonly, preserves_flags)
            )
        }
        line += 64;
    }
}

/// One group of `G` GF(2^8) outputs over bytes `[from, to)` (a multiple of `U·W`).
///
/// # Safety
/// The instruction set of `M` is available; every pointer is valid for `to` bytes.
#[inline(always)]
unsafe fn pass8<M: Mul, const G: usize, const U: usize>(
    prep: &[M::P8],
    src: &[*const u8],
    dst: &[*mut u8],
    from: usize,
    to: usize,
    add: bool,
) {
    let w = M::S::W;
    let dst: &[*mut u8; G] = dst.try_into().expect("group size");
    let mut off = from;
    while off < to {
        let mut acc = [[M::S::zero(); U]; G];
        if add {
            for g in 0..G {
                for (u, a) in acc[g].iter_mut().enumerate() {
                    *a = M::S::load(dst[g].add(off + u * w));
                }
            }
        }
        for (&s, p) in src.iter().zip(prep.chunks_exact(G)) {
            prefetch(s, off, U * w);
            let mut x = [M::ready(M::S::zero()); U];
            for (u, x) in x.iter_mut().enumerate() {
                *x = M::ready(M::S::load(s.add(off + u * w)));
            }
            for g in 0..G {
                for u in 0..U {
                    acc[g][u] = M::S::xor(acc[g][u], M::mul8(&p[g], x[u]));
                }
            }
        }
        for g in 0..G {
            for (u, a) in acc[g].iter().enumerate() {
                M::S::store(dst[g].add(off + u * w), *a);
            }
        }
        off += U * w;
    }
}

/// One group of `G` GF(2^16) outputs over bytes `[from, to)` (a multiple of `2·W`),
/// the sources and the outputs each on interleaved symbols or on the kernel form
/// (`SRC_PLANAR`, `DST_PLANAR`, see [`Tower`]).
///
/// # Safety
/// As [`pass8`].
#[inline(always)]
unsafe fn pass16<M: Mul, const G: usize, const SRC_PLANAR: bool, const DST_PLANAR: bool>(
    prep: &[M::P16],
    src: &[*const u8],
    dst: &[*mut u8],
    from: usize,
    to: usize,
    add: bool,
) {
    let w = M::S::W;
    let dst: &[*mut u8; G] = dst.try_into().expect("group size");
    let mut off = from;
    while off < to {
        // Byte planes of the products; the old contents are added after interleaving.
        let mut lo = [M::S::zero(); G];
        let mut hi = [M::S::zero(); G];
        for (&s, p) in src.iter().zip(prep.chunks_exact(G)) {
            prefetch(s, off, 2 * w);
            let (a, b) = (M::S::load(s.add(off)), M::S::load(s.add(off + w)));
            let (l, h) = if SRC_PLANAR {
                (a, b)
            } else {
                M::S::deinterleave(a, b)
            };
            let (l, h) = (M::ready(l), M::ready(h));
            for g in 0..G {
                let (pl, ph) = M::mul16(&p[g], l, h);
                lo[g] = M::S::xor(lo[g], pl);
                hi[g] = M::S::xor(hi[g], ph);
            }
        }
        for g in 0..G {
            let (mut a, mut b) = if DST_PLANAR {
                (lo[g], hi[g])
            } else {
                M::S::interleave(lo[g], hi[g])
            };
            let d = dst[g].add(off);
            if add {
                a = M::S::xor(a, M::S::load(d));
                b = M::S::xor(b, M::S::load(d.add(w)));
            }
            M::S::store(d, a);
            M::S::store(d.add(w), b);
        }
        off += 2 * w;
    }
}

struct F8<M>(std::marker::PhantomData<M>);
struct F16<M>(std::marker::PhantomData<M>);

impl<M: Mul> Path for F8<M> {
    type P = M::P8;
    const GMAX: usize = M::G8;
    const STEP: usize = M::U8 * M::S::W;
    const TAIL: super::DotFn = super::scalar::dot8;

    fn prep(c: u16, _: Forms) -> M::P8 {
        M::prep8(c as u8)
    }

    #[inline(always)]
    unsafe fn pass(
        p: &[M::P8],
        s: &[*const u8],
        d: &[*mut u8],
        from: usize,
        to: usize,
        add: bool,
        _: Forms,
    ) {
        // SAFETY: forwarded from the caller; bytes have no other form.
        unsafe {
            if M::U8 == 1 {
                by_group!(d.len(), pass8::<M, _, 1>(p, s, d, from, to, add))
            } else {
                by_group!(d.len(), pass8::<M, _, 2>(p, s, d, from, to, add))
            }
        }
    }

    type U = <M::S as Simd>::V;
    const UNIT: usize = M::S::W;

    #[inline(always)]
    unsafe fn load_unit(p: *const u8) -> Self::U {
        // SAFETY: forwarded from the caller.
        unsafe { M::S::load(p) }
    }

    #[inline(always)]
    unsafe fn store_unit(p: *mut u8, u: Self::U) {
        // SAFETY: forwarded from the caller.
        unsafe { M::S::store(p, u) }
    }

    #[inline(always)]
    unsafe fn add_unit(a: Self::U, b: Self::U) -> Self::U {
        // SAFETY: forwarded from the caller.
        unsafe { M::S::xor(a, b) }
    }

    fn cheap(_: &M::P8) -> bool {
        false
    }

    #[inline(always)]
    unsafe fn times<const CHEAP: bool>(p: &M::P8, x: Self::U) -> Self::U {
        // SAFETY: forwarded from the caller.
        unsafe { M::mul8(p, M::ready(x)) }
    }
}

impl<M: Mul> Path for F16<M> {
    type P = M::P16;
    const GMAX: usize = M::G16;
    const STEP: usize = 2 * M::S::W;
    const TAIL: super::DotFn = super::scalar::dot16;

    fn prep(c: u16, forms: Forms) -> M::P16 {
        M::prep16(Tower::images(c, forms))
    }

    #[inline(always)]
    unsafe fn pass(
        p: &[M::P16],
        s: &[*const u8],
        d: &[*mut u8],
        from: usize,
        to: usize,
        add: bool,
        forms: Forms,
    ) {
        // SAFETY: forwarded from the caller.
        unsafe {
            match forms {
                Forms::Plain => {
                    by_group!(
                        d.len(),
                        pass16::<M, _, false, false>(p, s, d, from, to, add)
                    )
                }
                Forms::Kernel => {
                    by_group!(d.len(), pass16::<M, _, true, true>(p, s, d, from, to, add))
                }
                Forms::PlainSources => {
                    by_group!(d.len(), pass16::<M, _, false, true>(p, s, d, from, to, add))
                }
                Forms::PlainOutput => {
                    by_group!(d.len(), pass16::<M, _, true, false>(p, s, d, from, to, add))
                }
            }
        }
    }

    /// The low and the high byte plane of [`Simd::W`] symbols.
    type U = (<M::S as Simd>::V, <M::S as Simd>::V);
    const UNIT: usize = 2 * M::S::W;

    #[inline(always)]
    unsafe fn load_unit(p: *const u8) -> Self::U {
        // SAFETY: forwarded from the caller.
        unsafe { (M::S::load(p), M::S::load(p.add(M::S::W))) }
    }

    #[inline(always)]
    unsafe fn store_unit(p: *mut u8, u: Self::U) {
        // SAFETY: forwarded from the caller.
        unsafe {
            M::S::store(p, u.0);
            M::S::store(p.add(M::S::W), u.1);
        }
    }

    #[inline(always)]
    unsafe fn add_unit(a: Self::U, b: Self::U) -> Self::U {
        // SAFETY: forwarded from the caller.
        unsafe { (M::S::xor(a.0, b.0), M::S::xor(a.1, b.1)) }
    }

    /// Products by the subfield GF(2^8) map both coordinate bytes alike.
    fn cheap(p: &M::P16) -> bool {
        M::bytewise16(p)
    }

    #[inline(always)]
    unsafe fn times<const CHEAP: bool>(p: &M::P16, x: Self::U) -> Self::U {
        // SAFETY: forwarded from the caller.
        unsafe {
            let (l, h) = (M::ready(x.0), M::ready(x.1));
            match CHEAP {
                true => M::mul16_bytewise(p, l, h),
                false => M::mul16(p, l, h),
            }
        }
    }
}

/// The kernel form of GF(2^16) blocks that [`dot_prepared`] and [`fly`] work on:
/// each 2·W bytes hold one byte plane of their W symbols, then the other, in
/// [`Simd::deinterleave`]'s order, so that no call splits and rejoins bytes; and
/// the symbols are in coordinates over the basis g^i, α·g^i (i < 8), g = α^257,
/// instead of the bits of the polynomial basis. g generates the subfield GF(2^8), so
/// a product by a subfield element maps both coordinate bytes by one 8 × 8 matrix:
/// [`Mul::mul16_bytewise`], half the work of a product. The convolution path's
/// FFT twiddles are such elements in most of its butterflies. Products in this form
/// are prepared as the conjugated maps ([`Tower::images`]); blocks go in and out
/// as products by 1 from and to the plain form.
pub(super) struct Tower {
    /// The polynomial-basis symbol of each coordinate bit.
    basis: [u16; 16],
    /// The coordinates of a symbol: `to[0][low byte] ⊕ to[1][high byte]`.
    to: [[u16; 256]; 2],
}

impl Tower {
    fn get() -> &'static Tower {
        static TOWER: std::sync::OnceLock<Tower> = std::sync::OnceLock::new();
        TOWER.get_or_init(|| {
            let t = Field::Gf16.tables();
            let basis: [u16; 16] =
                std::array::from_fn(|i| t.exp(257 * (i as u64 % 8) + u64::from(i >= 8)));
            // Every coordinate vector's symbol, by linearity; then the inverse map.
            let mut of = vec![0u16; 1 << 16];
            let mut back = vec![0u16; 1 << 16];
            for c in 1..of.len() {
                of[c] = of[c & (c - 1)] ^ basis[c.trailing_zeros() as usize];
                back[usize::from(of[c])] = c as u16;
            }
            let to = std::array::from_fn(|h| std::array::from_fn(|b| back[b << (8 * h)]));
            Tower { basis, to }
        })
    }

    fn coords(&self, x: u16) -> u16 {
        self.to[0][usize::from(x & 0xff)] ^ self.to[1][usize::from(x >> 8)]
    }

    /// The values on each input bit of the map "multiply by `c`" from the sides'
    /// `forms` (plain: polynomial basis; kernel: coordinates) to the output's. Plain
    /// on both sides needs no coordinates, so no tower is made for it.
    pub(super) fn images(c: u16, forms: Forms) -> [u16; 16] {
        if forms == Forms::Plain {
            return bit_products16(c);
        }
        let (tower, t) = (Tower::get(), Field::Gf16.tables());
        let input = |i: usize| match forms {
            Forms::Kernel | Forms::PlainOutput => tower.basis[i],
            _ => 1 << i,
        };
        std::array::from_fn(|i| {
            let p = t.mul(c, input(i));
            match forms {
                Forms::Kernel | Forms::PlainSources => tower.coords(p),
                _ => p,
            }
        })
    }
}

/// GF(2^8) dot product (see [`super::DotFn`]) with method `M`.
///
/// # Safety
/// The instruction set of `M` is available. Called only from a `#[target_feature]`
/// function so that everything inlines into it.
#[inline(always)]
pub(super) unsafe fn dot8<M: Mul>(
    coeffs: &[u16],
    srcs: &[&[u8]],
    dsts: &mut [&mut [u8]],
    add: bool,
) {
    // SAFETY: forwarded from the caller.
    unsafe { drive::<F8<M>>(coeffs, srcs, dsts, add) }
}

/// GF(2^16) dot product (see [`super::DotFn`]) with method `M`.
///
/// # Safety
/// As [`dot8`].
#[inline(always)]
pub(super) unsafe fn dot16<M: Mul>(
    coeffs: &[u16],
    srcs: &[&[u8]],
    dsts: &mut [&mut [u8]],
    add: bool,
) {
    // SAFETY: forwarded from the caller.
    unsafe { drive::<F16<M>>(coeffs, srcs, dsts, add) }
}

/// `coeffs` made ready for [`dot_prepared`] with method `M`: a `Vec` of `M`'s
/// prepared form for `field`.
pub(super) fn prepare<M: Mul>(field: Field, coeffs: &[(u16, Forms)]) -> Box<dyn Any + Send + Sync> {
    fn all<T: Path>(coeffs: &[(u16, Forms)]) -> Box<dyn Any + Send + Sync> {
        Box::new(
            coeffs
                .iter()
                .map(|&(c, f)| T::prep(c, f))
                .collect::<Vec<T::P>>(),
        )
    }
    match field {
        Field::Gf8 => all::<F8<M>>(coeffs),
        Field::Gf16 => all::<F16<M>>(coeffs),
    }
}

/// Sources per pass of [`dot_prepared`]: their pointers live on the stack.
const PREPARED_SOURCES: usize = 16;

/// `dst (⊕)= Σ_k coeffs[at + k] · srcs[k]` with the coefficients `prep` made by
/// [`prepare`], on the kernel form (see [`Tower`]) except where `forms` says
/// otherwise; lengths are a multiple of [`super::Prepared::STEP`].
///
/// # Safety
/// As [`dot8`].
#[inline(always)]
pub(super) unsafe fn dot_prepared<M: Mul>(
    field: Field,
    prep: &dyn Any,
    at: usize,
    srcs: &[&[u8]],
    dst: &mut [u8],
    add: bool,
    forms: Forms,
) {
    /// One field's body.
    ///
    /// # Safety
    /// As [`dot8`].
    #[inline(always)]
    unsafe fn run<T: Path>(
        prep: &dyn Any,
        at: usize,
        srcs: &[&[u8]],
        dst: &mut [u8],
        add: bool,
        forms: Forms,
    ) {
        let prep = &prepared::<T>(prep)[at..at + srcs.len()];
        let len = dst.len();
        assert!(
            len.is_multiple_of(T::STEP) && srcs.iter().all(|s| s.len() == len),
            "sources as long as the output, a whole number of steps"
        );
        if srcs.is_empty() {
            if !add {
                dst.fill(0);
            }
            return;
        }
        let dp = [dst.as_mut_ptr()];
        let mut sp = [std::ptr::null(); PREPARED_SOURCES];
        for (i, (s, p)) in srcs
            .chunks(PREPARED_SOURCES)
            .zip(prep.chunks(PREPARED_SOURCES))
            .enumerate()
        {
            for (d, s) in sp.iter_mut().zip(s) {
                *d = s.as_ptr();
            }
            // SAFETY: every slice is `len` bytes long (checked above); the caller
            // guarantees the instruction set.
            unsafe { T::pass(p, &sp[..s.len()], &dp, 0, len, add || i > 0, forms) };
        }
    }
    // SAFETY: forwarded from the caller.
    unsafe {
        match field {
            Field::Gf8 => run::<F8<M>>(prep, at, srcs, dst, add, forms),
            Field::Gf16 => run::<F16<M>>(prep, at, srcs, dst, add, forms),
        }
    }
}

/// A butterfly with the prepared coefficient `at` (see [`super::Prepared::fly`]),
/// kernel form, lengths a multiple of [`super::Prepared::STEP`].
///
/// # Safety
/// As [`dot8`].
#[inline(always)]
pub(super) unsafe fn fly<M: Mul>(
    field: Field,
    prep: &dyn Any,
    at: usize,
    u: &mut [u8],
    v: &mut [u8],
    mul_first: bool,
) {
    /// One field's body.
    ///
    /// # Safety
    /// As [`dot8`].
    #[inline(always)]
    unsafe fn run<T: Path>(prep: &dyn Any, at: usize, u: &mut [u8], v: &mut [u8], mul_first: bool) {
        let p = &prepared::<T>(prep)[at];
        let len = u.len();
        assert!(
            len == v.len() && len.is_multiple_of(T::STEP),
            "butterfly lengths"
        );
        let (u, v) = (u.as_mut_ptr(), v.as_mut_ptr());
        let (from, to) = ([u.cast_const(), v.cast_const()], [u, v]);
        // SAFETY: both runs are `len` bytes (checked above), a multiple of STEP and
        // so of UNIT; `cheap` is asked; the caller guarantees the instruction set.
        unsafe {
            match (T::cheap(p), mul_first) {
                (true, true) => fly_run::<T, true, true>(p, from, to, len),
                (true, false) => fly_run::<T, true, false>(p, from, to, len),
                (false, true) => fly_run::<T, false, true>(p, from, to, len),
                (false, false) => fly_run::<T, false, false>(p, from, to, len),
            }
        }
    }
    // SAFETY: forwarded from the caller.
    unsafe {
        match field {
            Field::Gf8 => run::<F8<M>>(prep, at, u, v, mul_first),
            Field::Gf16 => run::<F16<M>>(prep, at, u, v, mul_first),
        }
    }
}

/// A butterfly with the prepared coefficient `at` from the halves of `src` into
/// those of `dst` (see [`super::Prepared::fly_from`]), kernel form, halves a
/// multiple of [`super::Prepared::STEP`].
///
/// # Safety
/// As [`dot8`].
#[inline(always)]
pub(super) unsafe fn fly_from<M: Mul>(
    field: Field,
    prep: &dyn Any,
    at: usize,
    src: &[u8],
    dst: &mut [u8],
) {
    /// One field's body.
    ///
    /// # Safety
    /// As [`dot8`].
    #[inline(always)]
    unsafe fn run<T: Path>(prep: &dyn Any, at: usize, src: &[u8], dst: &mut [u8]) {
        let p = &prepared::<T>(prep)[at];
        let len = src.len() / 2;
        assert!(
            src.len() == 2 * len && dst.len() == 2 * len && len.is_multiple_of(T::STEP),
            "butterfly lengths"
        );
        let (s, d) = (src.as_ptr(), dst.as_mut_ptr());
        // SAFETY: both are `2·len` bytes (checked above), so each half is `len`,
        // a multiple of STEP and so of UNIT; `cheap` is asked; the caller guarantees
        // the instruction set.
        unsafe {
            let (from, to) = ([s, s.add(len)], [d, d.add(len)]);
            match T::cheap(p) {
                true => fly_run::<T, true, true>(p, from, to, len),
                false => fly_run::<T, false, true>(p, from, to, len),
            }
        }
    }
    // SAFETY: forwarded from the caller.
    unsafe {
        match field {
            Field::Gf8 => run::<F8<M>>(prep, at, src, dst),
            Field::Gf16 => run::<F16<M>>(prep, at, src, dst),
        }
    }
}

/// Two layers of butterflies with the prepared coefficients `at` (see
/// [`super::Prepared::fly2`]) on the four quarters of `x`, kernel form, quarters a
/// multiple of [`super::Prepared::STEP`].
///
/// # Safety
/// As [`dot8`].
#[inline(always)]
pub(super) unsafe fn fly2<M: Mul>(
    field: Field,
    prep: &dyn Any,
    at: [usize; 3],
    x: &mut [u8],
    mul_first: bool,
) {
    /// One field's body.
    ///
    /// # Safety
    /// As [`dot8`].
    #[inline(always)]
    unsafe fn run<T: Path>(prep: &dyn Any, at: [usize; 3], x: &mut [u8], mul_first: bool) {
        let prep = prepared::<T>(prep);
        let p = at.map(|a| &prep[a]);
        let len = x.len() / 4;
        assert!(
            x.len() == 4 * len && len.is_multiple_of(T::STEP),
            "butterfly lengths"
        );
        let base = x.as_mut_ptr();
        // SAFETY: the quarters are `len` bytes each within `x` (checked above).
        let x = std::array::from_fn(|i| unsafe { base.add(i * len) });
        let (outer, inner) = (T::cheap(p[0]), T::cheap(p[1]) && T::cheap(p[2]));
        // SAFETY: as in `fly`.
        unsafe {
            match (outer, inner, mul_first) {
                (true, true, true) => fly2_run::<T, true, true, true>(p, x, len),
                (true, true, false) => fly2_run::<T, true, true, false>(p, x, len),
                (true, false, true) => fly2_run::<T, true, false, true>(p, x, len),
                (true, false, false) => fly2_run::<T, true, false, false>(p, x, len),
                (false, true, true) => fly2_run::<T, false, true, true>(p, x, len),
                (false, true, false) => fly2_run::<T, false, true, false>(p, x, len),
                (false, false, true) => fly2_run::<T, false, false, true>(p, x, len),
                (false, false, false) => fly2_run::<T, false, false, false>(p, x, len),
            }
        }
    }
    // SAFETY: forwarded from the caller.
    unsafe {
        match field {
            Field::Gf8 => run::<F8<M>>(prep, at, x, mul_first),
            Field::Gf16 => run::<F16<M>>(prep, at, x, mul_first),
        }
    }
}

/// The coefficients [`prepare`] made for path `T`.
fn prepared<T: Path>(prep: &dyn Any) -> &[T::P] {
    prep.downcast_ref::<Vec<T::P>>()
        .expect("prepared for this kernel and field")
}

/// Defines the two safe entry points of one kernel: `#[target_feature]` wrappers
/// around [`dot8`]/[`dot16`] with method `$m`, callable through a [`super::Kernel`]
/// only after `available()` said yes. `before` runs first, outside the features.
macro_rules! entry_points {
    ($features:literal, $m:ty, $available:ident, $dot8:ident, $dot16:ident
        $(, before = $before:path)?) => {
        entry_points!(@one $features, $m, $available, $dot8, dot8, "GF(2^8)" $(, $before)?);
        entry_points!(@one $features, $m, $available, $dot16, dot16, "GF(2^16)" $(, $before)?);

        /// Coefficients made ready for [`dot_prepared`] with this instruction set.
        pub(in crate::kernels) fn prepare(
            field: $crate::gf::Field,
            coeffs: &[(u16, $crate::kernels::Forms)],
        ) -> Box<dyn std::any::Any + Send + Sync> {
            $crate::kernels::simd::prepare::<$m>(field, coeffs)
        }

        /// One output from prepared coefficients with this instruction set.
        pub(in crate::kernels) fn dot_prepared(
            p: &$crate::kernels::Prepared,
            at: usize,
            srcs: &[&[u8]],
            dst: &mut [u8],
            add: bool,
            forms: $crate::kernels::Forms,
        ) {
            #[target_feature(enable = $features)]
            unsafe fn inner(
                p: &$crate::kernels::Prepared,
                at: usize,
                s: &[&[u8]],
                d: &mut [u8],
                add: bool,
                forms: $crate::kernels::Forms,
            ) {
                // SAFETY: the features are enabled on this function.
                unsafe {
                    $crate::kernels::simd::dot_prepared::<$m>(
                        p.field, &*p.data, at, s, d, add, forms,
                    )
                }
            }
            debug_assert!($available());
            $($before();)?
            // SAFETY: only reachable through a `Kernel` whose `available()` returned
            // true (and `Prepared` is made by that kernel).
            unsafe { inner(p, at, srcs, dst, add, forms) }
        }

        /// A butterfly with a prepared coefficient with this instruction set.
        pub(in crate::kernels) fn fly(
            p: &$crate::kernels::Prepared,
            at: usize,
            u: &mut [u8],
            v: &mut [u8],
            mul_first: bool,
        ) {
            #[target_feature(enable = $features)]
            unsafe fn inner(
                p: &$crate::kernels::Prepared,
                at: usize,
                u: &mut [u8],
                v: &mut [u8],
                mul_first: bool,
            ) {
                // SAFETY: the features are enabled on this function.
                unsafe { $crate::kernels::simd::fly::<$m>(p.field, &*p.data, at, u, v, mul_first) }
            }
            debug_assert!($available());
            $($before();)?
            // SAFETY: as in `dot_prepared`.
            unsafe { inner(p, at, u, v, mul_first) }
        }

        /// A butterfly from one run into another with a prepared coefficient with
        /// this instruction set.
        pub(in crate::kernels) fn fly_from(
            p: &$crate::kernels::Prepared,
            at: usize,
            src: &[u8],
            dst: &mut [u8],
        ) {
            #[target_feature(enable = $features)]
            unsafe fn inner(p: &$crate::kernels::Prepared, at: usize, src: &[u8], dst: &mut [u8]) {
                // SAFETY: the features are enabled on this function.
                unsafe { $crate::kernels::simd::fly_from::<$m>(p.field, &*p.data, at, src, dst) }
            }
            debug_assert!($available());
            $($before();)?
            // SAFETY: as in `dot_prepared`.
            unsafe { inner(p, at, src, dst) }
        }

        /// Two layers of butterflies with prepared coefficients with this
        /// instruction set.
        pub(in crate::kernels) fn fly2(
            p: &$crate::kernels::Prepared,
            at: [usize; 3],
            x: &mut [u8],
            mul_first: bool,
        ) {
            #[target_feature(enable = $features)]
            unsafe fn inner(
                p: &$crate::kernels::Prepared,
                at: [usize; 3],
                x: &mut [u8],
                mul_first: bool,
            ) {
                // SAFETY: the features are enabled on this function.
                unsafe { $crate::kernels::simd::fly2::<$m>(p.field, &*p.data, at, x, mul_first) }
            }
            debug_assert!($available());
            $($before();)?
            // SAFETY: as in `dot_prepared`.
            unsafe { inner(p, at, x, mul_first) }
        }
    };
    (@one $features:literal, $m:ty, $available:ident, $name:ident, $generic:ident,
        $field:literal $(, $before:path)?) => {
        #[doc = concat!($field, " dot product with this instruction set.")]
        pub(in crate::kernels) fn $name(
            coeffs: &[u16],
            srcs: &[&[u8]],
            dsts: &mut [&mut [u8]],
            add: bool,
        ) {
            #[target_feature(enable = $features)]
            unsafe fn inner(c: &[u16], s: &[&[u8]], d: &mut [&mut [u8]], add: bool) {
                // SAFETY: the features are enabled on this function.
                unsafe { $crate::kernels::simd::$generic::<$m>(c, s, d, add) }
            }
            debug_assert!($available());
            $($before();)?
            // SAFETY: this function is only reachable through a `Kernel` whose
            // `available()` (the same features, detected at run time) returned true.
            unsafe { inner(coeffs, srcs, dsts, add) }
        }
    };
}
pub(super) use entry_points;

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "x86_64")]
    use super::super::avx2::Avx2 as Vector;
    #[cfg(target_arch = "aarch64")]
    use super::super::neon::Neon as Vector;
    use super::*;

    /// The definition of the GF2P8AFFINEQB layout, bit by bit.
    #[cfg(target_arch = "x86_64")]
    fn slow_matrix(cols: [u8; 8]) -> u64 {
        let mut m = 0u64;
        for r in 0..8 {
            let row = (0..8).fold(0u8, |acc, i| acc | ((cols[i] >> r) & 1) << i);
            m |= u64::from(row) << (8 * (7 - r));
        }
        m
    }

    #[test]
    #[cfg(target_arch = "x86_64")]
    fn matrix_is_the_transpose_in_instruction_layout() {
        let mut rng = crate::test_rng::Rng(0x0123_4567_89ab_cdef);
        for _ in 0..1000 {
            let cols = rng.next().to_le_bytes();
            assert_eq!(matrix(cols), slow_matrix(cols));
        }
    }

    /// Exactly the products by subfield elements take the bytewise butterflies, with
    /// both methods (their preparation needs no instruction set; GFNI's only where
    /// it is compiled, x86_64).
    #[test]
    fn bytewise_exactly_for_the_subfield() {
        let f = Field::Gf16;
        let step = if cfg!(miri) { 4099 } else { 1 };
        for c in (0..=u16::MAX).step_by(step) {
            // c^256 = c: eight squarings.
            let sub = (0..8).fold(c, |x, _| f.mul(x, x)) == c;
            let bit = Tower::images(c, Forms::Kernel);
            assert_eq!(
                Nibble::<Vector>::bytewise16(&Nibble::<Vector>::prep16(bit)),
                sub,
                "{c}"
            );
            #[cfg(target_arch = "x86_64")]
            assert_eq!(
                Gfni::<Vector>::bytewise16(&Gfni::<Vector>::prep16(bit)),
                sub,
                "{c}"
            );
        }
    }

    #[test]
    fn bit_products_match_the_field() {
        for c in [0u16, 1, 2, 0x8000, 0x1234, 0xffff] {
            let v = bit_products16(c);
            for (i, &p) in v.iter().enumerate() {
                assert_eq!(p, Field::Gf16.mul(c, 1 << i));
            }
        }
    }
}

//! Portable table-driven kernels: the reference every SIMD path is compared with.

use crate::gf::{Field, MUL8};

/// GF(2^8): one 256-byte product row per coefficient.
pub(super) fn dot8(coeffs: &[u16], srcs: &[&[u8]], dsts: &mut [&mut [u8]], add: bool) {
    let m = srcs.len();
    for (r, dst) in dsts.iter_mut().enumerate() {
        if !add {
            dst.fill(0);
        }
        for (&c, src) in coeffs[r * m..(r + 1) * m].iter().zip(srcs) {
            match c {
                0 => {}
                1 => dst.iter_mut().zip(*src).for_each(|(d, s)| *d ^= s),
                _ => {
                    let row = &MUL8[usize::from(c)];
                    dst.iter_mut()
                        .zip(*src)
                        .for_each(|(d, s)| *d ^= row[usize::from(*s)]);
                }
            }
        }
    }
}

/// Below this many symbols, building the two 256-entry tables costs more than
/// multiplying through log/exp directly.
const TABLE_MIN_SYMBOLS: usize = 256;

/// GF(2^16), little-endian symbols: c·s = c·lo(s) ⊕ c·(hi(s)·2^8), two 256-entry
/// tables per coefficient.
pub(super) fn dot16(coeffs: &[u16], srcs: &[&[u8]], dsts: &mut [&mut [u8]], add: bool) {
    let m = srcs.len();
    let t = Field::Gf16.tables();
    for (r, dst) in dsts.iter_mut().enumerate() {
        if !add {
            dst.fill(0);
        }
        for (&c, src) in coeffs[r * m..(r + 1) * m].iter().zip(srcs) {
            if c == 0 {
                continue;
            }
            let pairs = dst.chunks_exact_mut(2).zip(src.chunks_exact(2));
            if c == 1 {
                pairs.for_each(|(d, s)| {
                    d[0] ^= s[0];
                    d[1] ^= s[1];
                });
            } else if src.len() / 2 < TABLE_MIN_SYMBOLS {
                pairs.for_each(|(d, s)| {
                    let p = t.mul(c, u16::from_le_bytes([s[0], s[1]])).to_le_bytes();
                    d[0] ^= p[0];
                    d[1] ^= p[1];
                });
            } else {
                // Built only here: zeroing two tables per call would dominate calls on
                // blocks of a few symbols.
                let lo: [u16; 256] = std::array::from_fn(|b| t.mul(c, b as u16));
                let hi: [u16; 256] = std::array::from_fn(|b| t.mul(c, (b as u16) << 8));
                pairs.for_each(|(d, s)| {
                    let p = (lo[usize::from(s[0])] ^ hi[usize::from(s[1])]).to_le_bytes();
                    d[0] ^= p[0];
                    d[1] ^= p[1];
                });
            }
        }
    }
}

/// A butterfly (see `Prepared::fly`) on interleaved symbols.
pub(super) fn fly(field: Field, c: u16, u: &mut [u8], v: &mut [u8], mul_first: bool) {
    let dot = match field {
        Field::Gf8 => dot8,
        Field::Gf16 => dot16,
    };
    let xor = |d: &mut [u8], s: &[u8]| d.iter_mut().zip(s).for_each(|(d, s)| *d ^= s);
    if mul_first {
        dot(&[c], &[v], &mut [u], true);
        xor(v, u);
    } else {
        xor(u, v);
        dot(&[c], &[u], &mut [v], true);
    }
}

/// A butterfly from one run into another (see `Prepared::fly_from`) on
/// interleaved symbols.
pub(super) fn fly_from(field: Field, c: u16, src: &[u8], dst: &mut [u8]) {
    dst.copy_from_slice(src);
    let (u, v) = dst.split_at_mut(dst.len() / 2);
    fly(field, c, u, v, true);
}

/// Two layers of butterflies (see `Prepared::fly2`) on interleaved symbols.
pub(super) fn fly2(field: Field, c: [u16; 3], x: &mut [u8], mul_first: bool) {
    let q = x.len() / 4;
    let (lo, hi) = x.split_at_mut(2 * q);
    let outer = |lo: &mut [u8], hi: &mut [u8]| {
        for (u, v) in lo.chunks_exact_mut(q).zip(hi.chunks_exact_mut(q)) {
            fly(field, c[0], u, v, mul_first);
        }
    };
    let inner = |lo: &mut [u8], hi: &mut [u8]| {
        for (c, x) in [(c[1], lo), (c[2], hi)] {
            let (u, v) = x.split_at_mut(q);
            fly(field, c, u, v, mul_first);
        }
    };
    if mul_first {
        outer(lo, hi);
        inner(lo, hi);
    } else {
        inner(lo, hi);
        outer(lo, hi);
    }
}

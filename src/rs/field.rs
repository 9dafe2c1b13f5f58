//! GF(2^8) modulo x^8 + x^4 + x^3 + x + 1 (0x11B) with generator α = 3, the field of
//! Andrew Brown's `ff.py`. It is deliberately separate from [`crate::gf`] (0x11D,
//! α = 2): the two codes must not share tables. Everything is computed at compile
//! time.

/// Multiplicative group order.
pub(crate) const Q: usize = 255;

const fn build_exp() -> [u8; 2 * Q] {
    let mut t = [0u8; 2 * Q];
    let mut x: u32 = 1;
    let mut i = 0;
    while i < Q {
        t[i] = x as u8;
        t[i + Q] = x as u8;
        // x·3 = x·2 ⊕ x, reduced modulo 0x11B.
        let mut x2 = x << 1;
        if x2 & 0x100 != 0 {
            x2 ^= 0x11B;
        }
        x ^= x2;
        i += 1;
    }
    t
}

const fn build_log(exp: &[u8; 2 * Q]) -> [u8; 256] {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < Q {
        t[exp[i] as usize] = i as u8;
        i += 1;
    }
    t
}

/// `EXP[i] = 3^i` for `0 ≤ i < 510` (doubled, so the sum of two logs needs no reduction).
pub(crate) static EXP: [u8; 2 * Q] = build_exp();
/// `LOG[a] = log_3(a)` for `a ≠ 0`; `LOG[0]` is meaningless.
pub(crate) static LOG: [u8; 256] = build_log(&EXP);

const fn build_mul(exp: &[u8; 2 * Q], log: &[u8; 256]) -> [[u8; 256]; 256] {
    let mut t = [[0u8; 256]; 256];
    let mut a = 1;
    while a < 256 {
        let mut b = 1;
        while b < 256 {
            t[a][b] = exp[log[a] as usize + log[b] as usize];
            b += 1;
        }
        a += 1;
    }
    t
}

/// The full product table, `MUL[a][b] = a·b` (64 KiB): branch-free multiplication,
/// and `&MUL[c]` is the "multiply by c" map for a whole vector.
pub(crate) static MUL: [[u8; 256]; 256] = build_mul(&EXP, &LOG);

/// a·b.
#[inline]
pub(crate) fn mul(a: u8, b: u8) -> u8 {
    MUL[a as usize][b as usize]
}

/// 1/a; the caller guarantees a ≠ 0.
#[inline]
pub(crate) fn inv(a: u8) -> u8 {
    debug_assert!(a != 0);
    EXP[Q - LOG[a as usize] as usize]
}

/// a/b; the caller guarantees b ≠ 0.
#[inline]
pub(crate) fn div(a: u8, b: u8) -> u8 {
    debug_assert!(b != 0);
    if a == 0 {
        0
    } else {
        EXP[LOG[a as usize] as usize + Q - LOG[b as usize] as usize]
    }
}

/// α^e for any e ≥ 0.
#[inline]
pub(crate) fn pow_alpha(e: usize) -> u8 {
    EXP[e % Q]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_generates_the_group() {
        let mut seen = [false; 256];
        for &x in &EXP[..Q] {
            assert!(!seen[x as usize], "3 has order < 255");
            seen[x as usize] = true;
        }
        assert!(!seen[0]);
    }

    #[test]
    fn mul_matches_carryless_reduction() {
        fn slow(mut a: u8, mut b: u8) -> u8 {
            let mut p = 0u8;
            while b != 0 {
                if b & 1 != 0 {
                    p ^= a;
                }
                let hi = a & 0x80 != 0;
                a <<= 1;
                if hi {
                    a ^= 0x1B;
                }
                b >>= 1;
            }
            p
        }
        for a in 0..=255u8 {
            for b in 0..=255u8 {
                assert_eq!(mul(a, b), slow(a, b));
            }
            if a != 0 {
                assert_eq!(mul(a, inv(a)), 1);
                assert_eq!(div(a, a), 1);
            }
        }
    }
}

//! Exact integer convolution by a number-theoretic transform modulo the "Goldilocks"
//! prime p = 2^64 − 2^32 + 1.
//!
//! p − 1 = 2^32 · (2^32 − 1), so p has roots of unity of every power-of-two order up to
//! 2^32, and reduction of a 128-bit product needs only shifts and adds
//! (2^64 ≡ 2^32 − 1, 2^96 ≡ −1). A convolution whose true coefficients are all below
//! p comes out exactly.
//!
//! The forward transform is decimation in frequency (natural order in, bit-reversed
//! out) and the inverse is decimation in time (bit-reversed in, natural out), so no
//! bit-reversal permutation is ever done.

/// The modulus, 2^64 − 2^32 + 1.
const P: u64 = 0xFFFF_FFFF_0000_0001;
/// 2^64 mod p = 2^32 − 1.
const EPSILON: u64 = 0xFFFF_FFFF;
/// A generator of the multiplicative group mod p.
const GENERATOR: u64 = 7;

// The carries and borrows below are data dependent and unpredictable. They are taken
// as the high word of a 128-bit sum or difference rather than as `bool`s, which
// LLVM tends to lower to (mispredicted) jumps; this keeps the butterflies branch-free.

#[inline]
fn add(a: u64, b: u64) -> u64 {
    // a + b − p, with a borrow (mask = all ones) exactly when a + b < p.
    let d = (u128::from(a) + u128::from(b)).wrapping_sub(u128::from(P));
    (d as u64).wrapping_add(P & (d >> 64) as u64)
}

#[inline]
fn sub(a: u64, b: u64) -> u64 {
    let d = u128::from(a).wrapping_sub(u128::from(b));
    (d as u64).wrapping_add(P & (d >> 64) as u64)
}

/// x mod p for any 128-bit x, canonical (< p).
#[inline]
fn reduce(x: u128) -> u64 {
    let lo = x as u64;
    let hi = (x >> 64) as u64;
    let (hi_hi, hi_lo) = (hi >> 32, hi & EPSILON);
    // x = lo + hi_lo·2^64 + hi_hi·2^96 ≡ lo − hi_hi + hi_lo·(2^32 − 1).
    let (t, under) = lo.overflowing_sub(hi_hi);
    // On underflow (rare) t wrapped by +2^64; take 2^64 ≡ 2^32 − 1 back off. This
    // cannot underflow: then lo < hi_hi < 2^32, so t > 2^64 − 2^32.
    let t = if under { t - EPSILON } else { t };
    // t + hi_lo·(2^32 − 1) < 2^64 + 2^64: the carry c (0 or 1) is worth 2^32 − 1.
    let s = u128::from(t) + u128::from(hi_lo * EPSILON);
    let c = (s >> 64) as u64;
    // With a carry, (s mod 2^64) < hi_lo·(2^32 − 1) ≤ 2^64 − 2^33 + 1: no overflow.
    let r = (s as u64) + ((c << 32) - c);
    // r < 2^64 < 2p: one conditional subtraction, as a borrow mask again.
    let d = u128::from(r).wrapping_sub(u128::from(P));
    (d as u64).wrapping_add(P & (d >> 64) as u64)
}

#[inline]
fn mul(a: u64, b: u64) -> u64 {
    reduce(u128::from(a) * u128::from(b))
}

fn pow(mut b: u64, mut e: u64) -> u64 {
    let mut r = 1;
    while e > 0 {
        if e & 1 == 1 {
            r = mul(r, b);
        }
        b = mul(b, b);
        e >>= 1;
    }
    r
}

/// A primitive root of unity of order 2^log_n.
fn root_of_unity(log_n: u32) -> u64 {
    assert!(log_n <= 32, "p has 2-power roots of unity up to order 2^32");
    pow(GENERATOR, (P - 1) >> log_n)
}

/// Twiddle factors for transforms of length n = 2^log_n made from the primitive n-th
/// root `w`: for each half-size h = 1, 2, …, n/2, `tw[h + j] = w_{2h}^j` (j < h),
/// where w_{2h} = w^(n/2h). Entry 0 is unused.
fn twiddles(w: u64, n: usize) -> Vec<u64> {
    let mut tw = vec![0u64; n.max(2)];
    let h = n / 2;
    let mut x = 1;
    for t in &mut tw[h..n] {
        *t = x;
        x = mul(x, w);
    }
    // w_{2h}^j = w_{4h}^(2j): each level is every other entry of the one above.
    let mut h = h / 2;
    while h >= 1 {
        for j in 0..h {
            tw[h + j] = tw[2 * h + 2 * j];
        }
        h /= 2;
    }
    tw
}

/// Forward transform in place: natural order in, bit-reversed order out.
fn forward(a: &mut [u64], tw: &[u64]) {
    let n = a.len();
    let mut h = n / 2;
    while h >= 1 {
        let tw = &tw[h..2 * h];
        for block in a.chunks_exact_mut(2 * h) {
            let (lo, hi) = block.split_at_mut(h);
            for ((u, v), &w) in lo.iter_mut().zip(hi.iter_mut()).zip(tw) {
                let (x, y) = (*u, *v);
                *u = add(x, y);
                *v = mul(sub(x, y), w);
            }
        }
        h /= 2;
    }
}

/// Inverse transform in place, without the 1/n factor: bit-reversed order in, natural
/// order out. `itw` are the twiddles of the inverse root.
fn inverse(a: &mut [u64], itw: &[u64]) {
    let n = a.len();
    let mut h = 1;
    while h < n {
        let tw = &itw[h..2 * h];
        for block in a.chunks_exact_mut(2 * h) {
            let (lo, hi) = block.split_at_mut(h);
            for ((u, v), &w) in lo.iter_mut().zip(hi.iter_mut()).zip(tw) {
                let (x, y) = (*u, mul(*v, w));
                *u = add(x, y);
                *v = sub(x, y);
            }
        }
        h *= 2;
    }
}

/// One operand `a` of linear convolutions `c[m] = Σ_j a[j]·b[m − j]` mod p, transformed
/// once for many operands `b` of up to `most` entries: each convolution then costs two
/// transforms instead of three. `c` has `a.len() + b.len() − 1` entries, exact when
/// every true `c[m]` is below p; inputs must be below p. O(N log N) for N the next
/// power of two ≥ `a.len() + most − 1`.
pub(crate) struct Fixed {
    /// Entries of the fixed operand and most entries of the other.
    len: usize,
    most: usize,
    /// The fixed operand's transform, times 1/n.
    fa: Vec<u64>,
    tw: Vec<u64>,
    itw: Vec<u64>,
}

impl Fixed {
    pub(crate) fn new(a: &[u64], most: usize) -> Fixed {
        assert!(!a.is_empty() && most > 0, "empty convolution");
        debug_assert!(a.iter().all(|&x| x < P));
        let n = (a.len() + most - 1).next_power_of_two().max(2);
        let log_n = n.trailing_zeros();
        let w = root_of_unity(log_n);
        let tw = twiddles(w, n);
        let itw = twiddles(pow(w, n as u64 - 1), n);
        let mut fa = vec![0u64; n];
        fa[..a.len()].copy_from_slice(a);
        forward(&mut fa, &tw);
        // 1/n = p − (p − 1)/n, as n | p − 1.
        let n_inv = P - ((P - 1) >> log_n);
        fa.iter_mut().for_each(|x| *x = mul(*x, n_inv));
        Fixed {
            len: a.len(),
            most,
            fa,
            tw,
            itw,
        }
    }

    /// The convolution of the fixed operand and `b` (1 to `most` entries below p).
    pub(crate) fn convolve(&self, b: &[u64]) -> Vec<u64> {
        assert!(!b.is_empty() && b.len() <= self.most, "operand length");
        debug_assert!(b.iter().all(|&x| x < P));
        let mut fb = vec![0u64; self.fa.len()];
        fb[..b.len()].copy_from_slice(b);
        forward(&mut fb, &self.tw);
        for (x, &y) in fb.iter_mut().zip(&self.fa) {
            *x = mul(*x, y);
        }
        inverse(&mut fb, &self.itw);
        fb.truncate(self.len + b.len() - 1);
        fb
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// xorshift64*: deterministic test data without a dependency.
    fn rng(seed: u64) -> impl FnMut() -> u64 {
        let mut x = seed | 1;
        move || {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            x.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }
    }

    #[test]
    fn arithmetic_matches_u128() {
        let mut r = rng(1);
        let edge = [
            0,
            1,
            2,
            EPSILON,
            EPSILON + 1,
            P - 2,
            P - 1,
            1 << 63,
            1 << 32,
        ];
        let mut vals: Vec<u64> = (0..200).map(|_| r() % P).collect();
        vals.extend(edge);
        for &a in &vals {
            for &b in &vals {
                let (wa, wb, wp) = (u128::from(a), u128::from(b), u128::from(P));
                assert_eq!(u128::from(mul(a, b)), wa * wb % wp, "{a}·{b}");
                assert_eq!(u128::from(add(a, b)), (wa + wb) % wp, "{a}+{b}");
                assert_eq!(u128::from(sub(a, b)), (wa + wp - wb) % wp, "{a}−{b}");
            }
        }
        for x in [
            u128::MAX,
            u128::from(u64::MAX) << 64,
            (1 << 96) - 1,
            1 << 96,
        ] {
            assert_eq!(u128::from(reduce(x)), x % u128::from(P));
        }
    }

    #[test]
    fn roots_are_primitive() {
        for log_n in [1, 2, 9, 17, 32] {
            let w = root_of_unity(log_n);
            assert_eq!(pow(w, 1 << (log_n - 1)), P - 1, "order 2^{log_n}");
        }
    }

    #[test]
    fn convolution_matches_naive() {
        let mut r = rng(7);
        for (la, lb, bound) in [
            (1, 1, 10),
            (1, 5, 1000),
            (3, 4, 1 << 20),
            (17, 9, 1 << 30),
            (64, 64, 1 << 16),
            (100, 37, u64::MAX),
            (255, 255, 255),
            (1000, 333, 1 << 31),
        ] {
            let a: Vec<u64> = (0..la).map(|_| r() % bound.min(P)).collect();
            let b: Vec<u64> = (0..lb).map(|_| r() % bound.min(P)).collect();
            let mut want = vec![0u64; la + lb - 1];
            for (i, &x) in a.iter().enumerate() {
                for (j, &y) in b.iter().enumerate() {
                    want[i + j] = add(want[i + j], mul(x, y));
                }
            }
            let convolve = |a: &[u64], b: &[u64]| Fixed::new(a, b.len()).convolve(b);
            assert_eq!(convolve(&a, &b), want, "lengths {la}, {lb}");
            // A fixed operand's transform, reused, and made for longer operands.
            let fixed = Fixed::new(&a, lb + 40);
            for _ in 0..2 {
                assert_eq!(fixed.convolve(&b), want, "fixed, lengths {la}, {lb}");
            }
        }
    }

    #[test]
    fn small_values_convolve_exactly() {
        // Plain integers, no modular wrap: what the decoder relies on.
        let a: Vec<u64> = (0..300).map(|i| i * i % 65535).collect();
        let b: Vec<u64> = (0..300).map(|i| (i % 3 == 0) as u64).collect();
        let c = Fixed::new(&a, b.len()).convolve(&b);
        for (m, &got) in c.iter().enumerate() {
            let want: u64 = (0..=m)
                .filter(|&j| j < a.len() && m - j < b.len())
                .map(|j| a[j] * b[m - j])
                .sum();
            assert_eq!(got, want);
        }
    }
}

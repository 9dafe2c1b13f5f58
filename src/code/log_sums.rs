//! The log-domain sums behind the decode scales: directly, by runs, or by convolution.

use super::*;

/// Number of lost blocks from which [`LogSums::new`] convolves instead of summing
/// directly. Measured in GF(2^16) (release, x86-64): the direct sums take about
/// 1.6 ns·e² (10 ms at e = 2560, 15 ms at e = 3072), the convolution a flat 12 ms
/// (three NTTs of length 2^17), so they break even near e = 2800. GF(2^8) never
/// gets here (e ≤ 128, where the direct sums take 26 µs).
pub(super) const CONVOLVE_FROM_E: usize = 2800;

/// A run and point of [`LogSums::by_runs`] costs about as much as this many terms
/// of the direct sums. Measured in GF(2^16) (release, Zen 1): about 3 ns against
/// 0.8 ns (e = 4000 lost in 500 bursts: 12 ms, as the convolution).
const RUN_WEIGHT: usize = 4;

/// How [`LogSums::new`] makes the sums.
#[derive(Debug, PartialEq)]
enum Way {
    Direct,
    Convolution,
    Runs,
}

impl Way {
    /// The cheapest for sets of `la` and `lb` points with `runs` runs in all, in
    /// terms of the direct sums.
    fn of(la: usize, lb: usize, runs: usize) -> Way {
        let (big, direct) = (
            la.max(lb) >= CONVOLVE_FROM_E,
            la * lb + (la * la + lb * lb) / 2,
        );
        let other = match big {
            true => 2 * CONVOLVE_FROM_E * CONVOLVE_FROM_E,
            false => direct,
        };
        match (RUN_WEIGHT * runs * (la + lb) < other, big) {
            (true, _) => Way::Runs,
            (false, true) => Way::Convolution,
            (false, false) => Way::Direct,
        }
    }
}

/// The exponents of the points a (all nonzero) and b (`None` for 0).
fn exponents(t: &Tables, a: &[u16], b: &[u16]) -> (Vec<usize>, Vec<Option<usize>>) {
    let s = a.iter().map(|&x| t.log(x) as usize).collect();
    let tb = b
        .iter()
        .map(|&x| (x != 0).then(|| t.log(x) as usize))
        .collect();
    (s, tb)
}

/// Maximal runs r0..r1 of consecutive values.
type Runs = Vec<(usize, usize)>;

/// The runs of the exponents [`exponents`] gives.
fn both_runs(s: &[usize], tb: &[Option<usize>]) -> (Runs, Runs) {
    let t: Vec<usize> = tb.iter().flatten().copied().collect();
    (runs(s), runs(&t))
}

/// The runs of `v` (distinct values).
fn runs(v: &[usize]) -> Runs {
    let mut v = v.to_vec();
    v.sort_unstable();
    let mut out: Runs = Vec::new();
    for x in v {
        match out.last_mut() {
            Some(r) if r.1 == x => r.1 += 1,
            _ => out.push((x, x + 1)),
        }
    }
    out
}

/// The four log-domain sums behind the scales of M⁻¹ (see [`Solver`]), for check
/// points a (all nonzero) and as many lost data points b, each reduced mod q; also
/// those of an interpolation through all received points a (nonzero) onto the
/// lost points b ([`Interp`]), sets of different sizes.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct LogSums {
    /// log A(b_i) = Σ_q log(b_i − a_q).
    pub(super) a_of_b: Vec<u64>,
    /// log B(a_q) = Σ_i log(a_q − b_i).
    pub(super) b_of_a: Vec<u64>,
    /// log A'(a_q) = Σ_{q'≠q} log(a_q − a_q').
    pub(super) da: Vec<u64>,
    /// log B'(b_i) = Σ_{i'≠i} log(b_i − b_i').
    pub(super) db: Vec<u64>,
}

impl LogSums {
    /// The sums, directly for small sets and by convolution for large ones, or
    /// from the runs of consecutive points where the sets have few of them (a
    /// burst of lost blocks, a range of checks).
    pub(super) fn new(t: &Tables, a: &[u16], b: &[u16]) -> LogSums {
        let (s, tb) = exponents(t, a, b);
        let runs = both_runs(&s, &tb);
        match Way::of(a.len(), b.len(), runs.0.len() + runs.1.len()) {
            Way::Runs => LogSums::by_runs(t, &s, &tb, runs),
            Way::Convolution => LogSums::by_convolution(t, &s, &tb),
            Way::Direct => LogSums::direct(t, a, b),
        }
    }

    /// Every difference, one by one: O(e²).
    fn direct(t: &Tables, a: &[u16], b: &[u16]) -> LogSums {
        let q = u64::from(t.q);
        let log_diff = |x: u16, y: u16| u64::from(t.log(x ^ y));
        // Each term < q, at most 2^16 terms: no overflow before the final reduction.
        let mut a_of_b = vec![0u64; b.len()];
        let mut b_of_a = vec![0u64; a.len()];
        for (qi, &aq) in a.iter().enumerate() {
            for (i, &bi) in b.iter().enumerate() {
                let l = log_diff(aq, bi);
                a_of_b[i] += l;
                b_of_a[qi] += l;
            }
        }
        let mut da = vec![0u64; a.len()];
        let mut db = vec![0u64; b.len()];
        for (pts, acc) in [(a, &mut da), (b, &mut db)] {
            for i in 0..pts.len() {
                for j in i + 1..pts.len() {
                    let l = log_diff(pts[i], pts[j]);
                    acc[i] += l;
                    acc[j] += l;
                }
            }
        }
        for v in [&mut a_of_b, &mut b_of_a, &mut da, &mut db] {
            v.iter_mut().for_each(|x| *x %= q);
        }
        LogSums {
            a_of_b,
            b_of_a,
            da,
            db,
        }
    }

    /// Through Zech logarithms: O(e + q log q).
    ///
    /// For distinct nonzero points, log(α^s + α^t) = t + Z(s − t) with
    /// Z(u) = log(1 + α^u) (u mod q; set Z(0) = 0 so a point's own term vanishes).
    /// So for a set X of exponents, Σ_{y∈X} log(α^x + α^y) = Σ_{y∈X} y + C_X(x) with
    /// C_X = Z ∗ 1_X the cyclic convolution of length q. With S the exponents of a,
    /// T those of the nonzero b, and [0 ∈ b] the lost point x_0 = 0 (log(α^s − 0) = s):
    ///
    /// ```text
    /// log A(α^t)  = ΣS + C_S(t)                  log A(0)  = ΣS
    /// log B(α^s)  = ΣT + C_T(s) + [0 ∈ b]·s
    /// log A'(α^s) = ΣS − s + C_S(s)
    /// log B'(α^t) = ΣT − t + C_T(t) + [0 ∈ b]·t  log B'(0) = ΣT
    /// ```
    ///
    /// C_S and C_T come from one exact convolution of Z with 1_S + 2^31·1_T: both are
    /// below |set|·(q − 1) < 2^31 (at most 2^15 points in GF(2^16)), so the packed values stay
    /// below 2^62 and split apart again.
    /// The sequence Z (Z(0) = 0) of `t`'s field, transformed once per process for
    /// convolutions with indicators of length q (about 1 MiB each in GF(2^16)).
    fn zech(t: &Tables) -> &'static crate::ntt::Fixed {
        static FIXED: [OnceLock<crate::ntt::Fixed>; 2] = [OnceLock::new(), OnceLock::new()];
        FIXED[usize::from(t.q > 255)].get_or_init(|| {
            let qn = t.q as usize;
            let zech: Vec<u64> = (0..qn)
                .map(|u| match u {
                    0 => 0,
                    _ => u64::from(t.zech(u)),
                })
                .collect();
            crate::ntt::Fixed::new(&zech, qn)
        })
    }

    fn by_convolution(t: &Tables, s: &[usize], tb: &[Option<usize>]) -> LogSums {
        const SHIFT: u32 = 31;
        let qn = t.q as usize;
        let q = u64::from(t.q);
        assert!(
            (s.len().max(tb.len()) as u64) * (q - 1) < 1 << SHIFT,
            "packed convolution would overflow"
        );
        let mut ind = vec![0u64; qn];
        for &x in s {
            ind[x] += 1;
        }
        for &x in tb.iter().flatten() {
            ind[x] += 1 << SHIFT;
        }
        let lin = LogSums::zech(t).convolve(&ind);
        // Cyclic from linear: index x collects x and x + q.
        let c = |x: usize| lin[x] + lin.get(x + qn).copied().unwrap_or(0);
        LogSums::from_cyclic(t, s, tb, |x| c(x) & ((1 << SHIFT) - 1), |x| c(x) >> SHIFT)
    }

    /// C_S and C_T as sums over runs of consecutive exponents: a run r0..r1 of S
    /// adds Σ_{s=r0}^{r1−1} Z(x − s), a cyclic interval of Z, so a difference of
    /// two prefix sums of Z. O(runs · points), exact, no transform.
    fn by_runs(t: &Tables, s: &[usize], tb: &[Option<usize>], (rs, rt): (Runs, Runs)) -> LogSums {
        let qn = t.q as usize;
        let w = LogSums::zech_prefix(t);
        let sum = |runs: &[(usize, usize)], x: usize| -> u64 {
            runs.iter()
                .map(|&(r0, r1)| {
                    // u from x − (r1 − 1) to x − r0, mod q: r1 − r0 ≤ q terms
                    // (x, r1 − 1 < q).
                    let lo = x + qn - (r1 - 1);
                    let lo = if lo >= qn { lo - qn } else { lo };
                    match lo + (r1 - r0) <= qn {
                        true => w[lo + r1 - r0] - w[lo],
                        false => w[qn] - w[lo] + w[lo + r1 - r0 - qn],
                    }
                })
                .sum()
        };
        LogSums::from_cyclic(t, s, tb, |x| sum(&rs, x), |x| sum(&rt, x))
    }

    /// W(m) = Σ_{u<m} Z(u) for m ≤ q (Z(0) = 0) of `t`'s field, made once per
    /// process (512 KiB in GF(2^16)).
    fn zech_prefix(t: &Tables) -> &'static [u64] {
        static PREFIX: [OnceLock<Vec<u64>>; 2] = [OnceLock::new(), OnceLock::new()];
        PREFIX[usize::from(t.q > 255)].get_or_init(|| {
            let mut w = vec![0u64; t.q as usize + 1];
            for u in 1..t.q as usize {
                w[u + 1] = w[u] + u64::from(t.zech(u));
            }
            w
        })
    }

    /// The sums from C_S(x) and C_T(x), for S the exponents `s` of a and T those of
    /// the nonzero b (`None` for the point 0), see [`LogSums::zech`].
    fn from_cyclic(
        t: &Tables,
        s: &[usize],
        tb: &[Option<usize>],
        c_s: impl Fn(usize) -> u64,
        c_t: impl Fn(usize) -> u64,
    ) -> LogSums {
        let q = u64::from(t.q);
        let zero_lost = tb.contains(&None);
        let sum_s: u64 = s.iter().map(|&x| x as u64).sum();
        let sum_t: u64 = tb.iter().flatten().map(|&x| x as u64).sum();
        let zero = u64::from(zero_lost);

        let a_of_b = tb
            .iter()
            .map(|&ti| (sum_s + ti.map_or(0, &c_s)) % q)
            .collect();
        let b_of_a = s
            .iter()
            .map(|&sq| (sum_t + c_t(sq) + zero * sq as u64) % q)
            .collect();
        let da = s
            .iter()
            .map(|&sq| (sum_s - sq as u64 + c_s(sq)) % q)
            .collect();
        let db = tb
            .iter()
            .map(|&ti| match ti {
                Some(ti) => (sum_t - ti as u64 + c_t(ti) + zero * ti as u64) % q,
                None => sum_t % q,
            })
            .collect();
        LogSums {
            a_of_b,
            b_of_a,
            da,
            db,
        }
    }
}

#[cfg(test)]
mod tests;

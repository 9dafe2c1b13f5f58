//! Errors-and-erasures decoding: syndromes, Berlekamp–Massey with the erasure locator
//! as its starting point, Chien search, Forney. Works on fixed stack arrays; no
//! allocation, no panics for any input.

use super::field::{div, inv, mul, pow_alpha, EXP, MUL, Q};
use super::{RsCoder, RsError, Scratch, MAX_N, SCRATCH_LEN};

/// Chains evaluated in lock-step by the syndrome and Chien loops.
const LANES: usize = 8;

/// Polynomial scratch, ascending degree. Degrees never exceed n − k ≤ 254.
type Poly = [u8; 256];

/// Index of the highest non-zero coefficient (0 for the zero polynomial).
fn degree(p: &Poly) -> usize {
    p.iter().rposition(|&c| c != 0).unwrap_or(0)
}

pub(super) fn correct(rs: &RsCoder, word: &mut [u8], erasures: &[usize]) -> Result<usize, RsError> {
    let (n, k) = (rs.n, rs.k);
    let nsym = n - k;
    if word.len() != n {
        return Err(RsError::WrongLength { len: word.len(), n });
    }
    if erasures.len() > nsym {
        return Err(RsError::TooManyErasures {
            count: erasures.len(),
            max: nsym,
        });
    }
    let mut seen = [false; MAX_N];
    for &position in erasures {
        if position >= n {
            return Err(RsError::ErasureOutOfRange { position, n });
        }
        if seen[position] {
            return Err(RsError::DuplicateErasure { position });
        }
        seen[position] = true;
    }

    // Remainder r(x) mod g(x); the received word is a codeword iff it is zero.
    let mut scratch: Scratch = [0; SCRATCH_LEN];
    let rem = rs.remainder(word, &mut scratch);
    if rem.iter().all(|&b| b == 0) {
        return Ok(0);
    }

    // Syndromes S_j = r(α^j) = rem(α^j), j = 1..=nsym, since g(α^j) = 0.
    // s[j - 1] holds S_j. Horner's rule, LANES syndromes in lock-step so their
    // table-lookup chains overlap.
    let mut s = [0u8; 256];
    for (g, group) in s[..nsym].chunks_mut(LANES).enumerate() {
        let mut times = [&MUL[0]; LANES];
        for (q, t) in times.iter_mut().take(group.len()).enumerate() {
            *t = &MUL[usize::from(EXP[g * LANES + q + 1])];
        }
        let mut acc = [0u8; LANES];
        for &c in rem {
            for (a, t) in acc.iter_mut().zip(&times) {
                *a = t[usize::from(*a)] ^ c;
            }
        }
        group.copy_from_slice(&acc[..group.len()]);
    }

    // Byte position i of the word is the coefficient of x^(n-1-i); its locator is
    // X = α^(n-1-i). Erasure locator Γ(x) = ∏ (1 + X x).
    let nu = erasures.len();
    let mut lam: Poly = [0; 256];
    lam[0] = 1;
    for (d, &position) in erasures.iter().enumerate() {
        let times = &MUL[usize::from(pow_alpha(n - 1 - position))];
        for j in (1..=d + 1).rev() {
            lam[j] ^= times[usize::from(lam[j - 1])];
        }
    }

    // Berlekamp–Massey, started from Λ = B = Γ, L = ν (Blahut's errors-and-erasures
    // form). At the start of step r, deg Λ ≤ r − 1 and deg B ≤ r − 1, so every loop
    // stops at degree r.
    let mut b = lam;
    let mut l = nu;
    for r in nu + 1..=nsym {
        let mut delta = 0u8;
        for (&lj, &sj) in lam[..r].iter().zip(s[..r].iter().rev()) {
            delta ^= mul(lj, sj);
        }
        // B ← x·B
        b.copy_within(0..r, 1);
        b[0] = 0;
        if delta == 0 {
            continue;
        }
        let times_delta = &MUL[usize::from(delta)];
        if 2 * l < r + nu {
            // Λ ← Λ − Δ·x·B and B ← Λ/Δ (old Λ), L ← r + ν − L.
            let times_inv = &MUL[usize::from(inv(delta))];
            for (lj, bj) in lam[..=r].iter_mut().zip(&mut b[..=r]) {
                let old = *lj;
                *lj = old ^ times_delta[usize::from(*bj)];
                *bj = times_inv[usize::from(old)];
            }
            l = r + nu - l;
        } else {
            for (lj, &bj) in lam[..=r].iter_mut().zip(&b[..=r]) {
                *lj ^= times_delta[usize::from(bj)];
            }
        }
    }
    // l ≥ ν always; the errors it implies must fit: 2(l − ν) + ν ≤ n − k.
    if 2 * l > nsym + nu {
        return Err(RsError::Uncorrectable);
    }
    let deg = degree(&lam);
    if deg != l || deg == 0 {
        return Err(RsError::Uncorrectable);
    }

    // Chien search over the n positions of the codeword only: Λ(X^{-1}) = 0.
    // Position i has X^{-1} = α^{-(n-1-i)} = α^(e0 + i) with e0 = −(n−1) mod Q, so
    // each term Λ_j·X^{-j} is multiplied by α^j from one position to the next. The
    // non-zero terms go LANES at a time, in registers, so the chains overlap.
    let mut terms = [(0u8, 0u8); 256]; // (α^j, Λ_j·α^(j·e0))
    let mut nterms = 0;
    let e0 = (Q - (n - 1) % Q) % Q;
    for (j, &c) in lam[..=deg].iter().enumerate() {
        if c != 0 {
            terms[nterms] = (pow_alpha(j), mul(c, pow_alpha(e0 * j)));
            nterms += 1;
        }
    }
    let mut sums = [0u8; MAX_N];
    for group in terms[..nterms].chunks(LANES) {
        let mut times = [&MUL[0]; LANES];
        let mut t = [0u8; LANES];
        for ((tq, mq), &(step, init)) in t.iter_mut().zip(&mut times).zip(group) {
            *tq = init;
            *mq = &MUL[usize::from(step)];
        }
        for sum in sums[..n].iter_mut() {
            let mut acc = 0u8;
            for (tq, mq) in t.iter_mut().zip(&times) {
                acc ^= *tq;
                *tq = mq[usize::from(*tq)];
            }
            *sum ^= acc;
        }
    }
    let mut positions = [0usize; 256];
    let mut found = 0;
    for (i, _) in sums[..n].iter().enumerate().filter(|(_, &v)| v == 0) {
        if found == deg {
            // More roots than the degree: impossible for a polynomial, but never
            // index out of bounds.
            return Err(RsError::Uncorrectable);
        }
        positions[found] = i;
        found += 1;
    }
    if found != deg {
        return Err(RsError::Uncorrectable);
    }
    let positions = &positions[..found];

    // Forney (first consecutive root α^1): e = Ω(X^{-1}) / Λ'(X^{-1}),
    // Ω(x) = S(x)Λ(x) mod x^(n−k).
    let mut omega: Poly = [0; 256];
    for (i, o) in omega[..nsym].iter_mut().enumerate() {
        let mut acc = 0u8;
        for (&lj, &sj) in lam[..=i.min(deg)].iter().zip(s[..=i].iter().rev()) {
            acc ^= mul(lj, sj);
        }
        *o = acc;
    }
    let omega = &omega[..=degree(&omega)];
    // Λ'(x) = Σ_{j odd} Λ_j x^(j−1) in characteristic 2: a polynomial in x².
    let mut odd = [0u8; 128];
    for (o, &c) in odd.iter_mut().zip(lam[1..=deg].iter().step_by(2)) {
        *o = c;
    }
    let odd = &odd[..deg.div_ceil(2)];
    // Evaluate at all error positions in lock-step (independent chains overlap).
    let mut xinv = [0u8; 256];
    let mut x2 = [0u8; 256];
    for ((xi, x2i), &pos) in xinv.iter_mut().zip(&mut x2).zip(positions) {
        *xi = pow_alpha(Q - (n - 1 - pos) % Q);
        *x2i = mul(*xi, *xi);
    }
    let (xinv, x2) = (&xinv[..found], &x2[..found]);
    let mut num = [0u8; 256];
    for &c in omega.iter().rev() {
        for (v, &x) in num.iter_mut().zip(xinv) {
            *v = mul(x, *v) ^ c;
        }
    }
    let mut den = [0u8; 256];
    for &c in odd.iter().rev() {
        for (v, &x) in den.iter_mut().zip(x2) {
            *v = mul(x, *v) ^ c;
        }
    }
    let mut magnitudes = [0u8; 256];
    for ((m, &nu_), &de) in magnitudes.iter_mut().zip(&num[..found]).zip(&den[..found]) {
        if de == 0 {
            return Err(RsError::Uncorrectable);
        }
        *m = div(nu_, de);
    }

    let mut changed = 0;
    for (&pos, &m) in positions.iter().zip(&magnitudes) {
        word[pos] ^= m;
        changed += usize::from(m != 0);
    }
    // Errors found outside the erasures must still fit the radius, and the result
    // must be a codeword.
    let errs = positions
        .iter()
        .zip(&magnitudes)
        .filter(|&(&p, &m)| m != 0 && !seen[p])
        .count();
    if 2 * errs + nu > nsym || !rs.verify(word) {
        for (&pos, &m) in positions.iter().zip(&magnitudes) {
            word[pos] ^= m;
        }
        return Err(RsError::Uncorrectable);
    }
    Ok(changed)
}

//! Errors-and-erasures decoding: syndromes, Berlekamp–Massey with the erasure locator
//! as its starting point, Chien search, Forney. Works on fixed stack arrays; no
//! allocation, no panics for any input.

use super::field::{div, inv, mul, pow_alpha, EXP, LOG, Q};
use super::{RsCoder, RsError, MAX_N};

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
    let mut scratch = [0u8; MAX_N];
    rs.remainder(word, &mut scratch);
    let rem = &scratch[k..n];
    if rem.iter().all(|&b| b == 0) {
        return Ok(0);
    }

    // Syndromes S_j = r(α^j) = rem(α^j), j = 1..=nsym, since g(α^j) = 0.
    // s[j - 1] holds S_j.
    let mut s = [0u8; 256];
    for (j, sj) in s[..nsym].iter_mut().enumerate() {
        let a = pow_alpha(j + 1);
        let mut acc = 0u8;
        for &c in rem {
            acc = mul(acc, a) ^ c;
        }
        *sj = acc;
    }

    // Byte position i of the word is the coefficient of x^(n-1-i); its locator is
    // X = α^(n-1-i). Erasure locator Γ(x) = ∏ (1 + X x).
    let nu = erasures.len();
    let mut lam: Poly = [0; 256];
    lam[0] = 1;
    for (d, &position) in erasures.iter().enumerate() {
        let x = pow_alpha(n - 1 - position);
        for j in (1..=d + 1).rev() {
            lam[j] ^= mul(lam[j - 1], x);
        }
    }

    // Berlekamp–Massey, started from Λ = B = Γ, L = ν (Blahut's errors-and-erasures form).
    let mut b = lam;
    let mut l = nu;
    for r in nu + 1..=nsym {
        let mut delta = 0u8;
        for j in 0..r {
            delta ^= mul(lam[j], s[r - 1 - j]);
        }
        // xB
        for j in (1..=nsym).rev() {
            b[j] = b[j - 1];
        }
        b[0] = 0;
        if delta == 0 {
            continue;
        }
        if 2 * l < r + nu {
            let old = lam;
            for j in 0..=nsym {
                lam[j] ^= mul(delta, b[j]);
            }
            let dinv = inv(delta);
            for j in 0..=nsym {
                b[j] = mul(old[j], dinv);
            }
            l = r + nu - l;
        } else {
            for j in 0..=nsym {
                lam[j] ^= mul(delta, b[j]);
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
    // For position i, X^{-1} = α^{-(n-1-i)} = α^e with e = (Q - (n-1-i)) mod Q, and e
    // grows by one per position. Keep log-domain terms log(Λ_j) + j·e for Λ_j ≠ 0.
    let mut terms = [(0u16, 0u16); 256]; // (j mod Q, current log of Λ_j·X^{-j})
    let mut nterms = 0;
    let e0 = (Q - (n - 1) % Q) % Q;
    for (j, &c) in lam[..=deg].iter().enumerate() {
        if c != 0 {
            let jm = j % Q;
            terms[nterms] = (jm as u16, ((LOG[c as usize] as usize + jm * e0) % Q) as u16);
            nterms += 1;
        }
    }
    let terms = &mut terms[..nterms];
    let mut positions = [0usize; 256];
    let mut found = 0;
    for i in 0..n {
        let mut sum = 0u8;
        for (jm, lg) in terms.iter_mut() {
            sum ^= EXP[*lg as usize];
            let next = *lg + *jm;
            *lg = if next >= Q as u16 {
                next - Q as u16
            } else {
                next
            };
        }
        if sum == 0 {
            positions[found] = i;
            found += 1;
            if found == deg {
                break;
            }
        }
    }
    if found != deg {
        return Err(RsError::Uncorrectable);
    }
    let positions = &positions[..found];

    // Forney (first consecutive root α^1): e = Ω(X^{-1}) / Λ'(X^{-1}),
    // Ω(x) = S(x)Λ(x) mod x^(n−k).
    let mut omega = [0u8; 256];
    for (i, o) in omega[..nsym].iter_mut().enumerate() {
        let mut acc = 0u8;
        for j in 0..=i.min(deg) {
            acc ^= mul(lam[j], s[i - j]);
        }
        *o = acc;
    }
    let mut magnitudes = [0u8; 256];
    for (m, &pos) in magnitudes.iter_mut().zip(positions) {
        let xinv = pow_alpha(Q - (n - 1 - pos) % Q);
        // Ω(x^{-1}) by Horner, highest degree first.
        let mut num = 0u8;
        for &c in omega[..nsym].iter().rev() {
            num = mul(num, xinv) ^ c;
        }
        // Λ'(x) = Σ_{j odd} Λ_j x^(j−1) in characteristic 2.
        let xinv2 = mul(xinv, xinv);
        let mut den = 0u8;
        let mut j = deg | 1;
        loop {
            // Horner over odd j descending: den = den·x² + Λ_j.
            den = mul(den, xinv2);
            if j <= deg {
                den ^= lam[j];
            }
            if j < 2 {
                break;
            }
            j -= 2;
        }
        if den == 0 {
            return Err(RsError::Uncorrectable);
        }
        *m = div(num, den);
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

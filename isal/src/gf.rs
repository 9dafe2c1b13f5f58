//! GF(2^8) modulo 0x11D (ISA-L's field, and the core's) on single elements and small
//! matrices: products, inverses, the 32-byte coefficient tables, the two generator
//! matrices and the inversion decoders use.

use algorithm_fec::Field;

/// a·b.
pub fn mul(a: u8, b: u8) -> u8 {
    // Elements of GF(2^8) are below 256, so the product is too.
    Field::Gf8.mul(a.into(), b.into()) as u8
}

/// 1/a, and 0 for a = 0 (as ISA-L).
pub fn inv(a: u8) -> u8 {
    Field::Gf8.inv(a.into()).map_or(0, |i| i as u8)
}

/// The 32 bytes ISA-L's `gf_vect_mul_init` documents for `c`: c·{00}, c·{01}, …,
/// c·{0f}, then c·{00}, c·{10}, …, c·{f0}. Byte 1 is `c` itself, which is all this
/// library's loops read back (see `coefficients` in lib.rs).
pub fn table(c: u8) -> [u8; 32] {
    let mut t = [0u8; 32];
    // c·2^i for i = 0..8, then every nibble value by linearity: v(n) = v(n without
    // its lowest bit) ⊕ v(lowest bit).
    let bit: [u8; 8] = std::array::from_fn(|i| mul(c, 1 << i));
    for n in 1..16usize {
        let low = n.trailing_zeros() as usize;
        t[n] = t[n & (n - 1)] ^ bit[low];
        t[16 + n] = t[16 + (n & (n - 1))] ^ bit[4 + low];
    }
    t
}

/// ISA-L's Vandermonde generator, `m` rows of `k` in `a` (row-major): the identity
/// above, and below it row i = 1, g, g², … with g = 2^(i−k). Only the `m`·`k` bytes of
/// `a` are written (ISA-L also writes the identity's rows past `m` when m < k).
pub fn rs_matrix(a: &mut [u8], m: usize, k: usize) {
    a.fill(0);
    let mut gen = 1u8;
    for (i, row) in a.chunks_mut(k).enumerate() {
        if i < k {
            row[i] = 1;
            continue;
        }
        let mut p = 1u8;
        for x in row.iter_mut() {
            *x = p;
            p = mul(p, gen);
        }
        gen = mul(gen, 2);
    }
    debug_assert_eq!(a.len(), m * k);
}

/// ISA-L's Cauchy generator, `m` rows of `k` in `a`: the identity above, and below it
/// 1/(i ⊕ j) for row i, column j, where i ⊕ j is taken mod 256 as ISA-L's byte
/// argument does (so rows from 256 on repeat, with 0 where i ⊕ j ≡ 0).
pub fn cauchy_matrix(a: &mut [u8], m: usize, k: usize) {
    a.fill(0);
    for (i, row) in a.chunks_mut(k).enumerate() {
        if i < k {
            row[i] = 1;
            continue;
        }
        for (j, x) in row.iter_mut().enumerate() {
            *x = inv((i ^ j) as u8);
        }
    }
    debug_assert_eq!(a.len(), m * k);
}

/// The singular matrix's error of [`invert`].
#[derive(Debug, PartialEq)]
pub struct Singular;

/// `out` = the inverse of the n×n matrix `a` by Gauss–Jordan elimination, `a`
/// ending as the identity; on a singular matrix both are left as the elimination
/// had them when it found a column without a pivot. The steps are the textbook
/// ones ISA-L's header implies (a zero pivot is swapped with the first row below
/// with a non-zero entry in its column; the pivot row is scaled, then cleared from
/// every other row), so the bytes left behind are ISA-L's in either case.
pub fn invert(a: &mut [u8], out: &mut [u8], n: usize) -> Result<(), Singular> {
    debug_assert!(a.len() == n * n && out.len() == n * n);
    out.fill(0);
    for i in 0..n {
        out[i * n + i] = 1;
    }
    for i in 0..n {
        if a[i * n + i] == 0 {
            let j = (i + 1..n).find(|&j| a[j * n + i] != 0).ok_or(Singular)?;
            for m in [&mut *a, &mut *out] {
                let (top, bottom) = m.split_at_mut(j * n);
                top[i * n..(i + 1) * n].swap_with_slice(&mut bottom[..n]);
            }
        }
        let scale = inv(a[i * n + i]);
        for m in [&mut *a, &mut *out] {
            m[i * n..(i + 1) * n]
                .iter_mut()
                .for_each(|x| *x = mul(*x, scale));
        }
        for j in (0..n).filter(|&j| j != i) {
            let f = a[j * n + i];
            for m in [&mut *a, &mut *out] {
                for c in 0..n {
                    m[j * n + c] ^= mul(f, m[i * n + c]);
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The product of two n×n matrices.
    fn product(a: &[u8], b: &[u8], n: usize) -> Vec<u8> {
        let mut p = vec![0u8; n * n];
        for i in 0..n {
            for j in 0..n {
                p[i * n + j] = (0..n).fold(0, |s, t| s ^ mul(a[i * n + t], b[t * n + j]));
            }
        }
        p
    }

    #[test]
    fn tables_are_products() {
        for c in 0..=255u8 {
            let t = table(c);
            for n in 0..16u8 {
                assert_eq!(t[usize::from(n)], mul(c, n));
                assert_eq!(t[16 + usize::from(n)], mul(c, n << 4));
            }
        }
    }

    #[test]
    fn inverse_times_matrix_is_identity() {
        // Cauchy rows under the identity: every k×k choice of rows is invertible.
        let (m, k) = (14, 10);
        let mut g = vec![0u8; m * k];
        cauchy_matrix(&mut g, m, k);
        let rows = [0, 2, 4, 6, 8, 9, 10, 11, 12, 13];
        let sub: Vec<u8> = rows
            .iter()
            .flat_map(|&r| g[r * k..(r + 1) * k].to_vec())
            .collect();
        let (mut a, mut out) = (sub.clone(), vec![0u8; k * k]);
        invert(&mut a, &mut out, k).unwrap();
        let mut id = vec![0u8; k * k];
        (0..k).for_each(|i| id[i * k + i] = 1);
        assert_eq!(a, id);
        assert_eq!(product(&sub, &out, k), id);
        // Two equal rows: singular.
        let mut a = [3, 5, 3, 5];
        assert_eq!(invert(&mut a, &mut [0; 4], 2), Err(Singular));
    }
}

//! The byte loops: every encode, decode, update, dot product and multiply of the ABI
//! is `dsts[r] (⊕)= Σ_j coeffs[r·m + j] · srcs[j]`, run on the core's active kernel.

use std::sync::OnceLock;

use algorithm_fec::kernels;

use crate::gf;

/// `dsts[r] = Σ_j coeffs[r·srcs.len() + j] · srcs[j]`, XORed into `dsts[r]` with
/// `add`. The shapes are the caller's to get right (lib.rs builds them from one
/// length and one count each).
pub fn dot(coeffs: &[u8], srcs: &[&[u8]], dsts: &mut [&mut [u8]], add: bool) {
    if kernel_ok() {
        // The shapes agree by construction; an error would be a bug here, and
        // writing nothing is all that is left to do about it.
        let shaped = kernels::dot8(coeffs, srcs, dsts, add);
        debug_assert!(shaped.is_ok());
    } else {
        portable(coeffs, srcs, dsts, add);
    }
}

/// Whether `ALGORITHM_FEC_KERNEL` names a kernel this CPU runs (or is unset). A bad
/// value is reported once on stderr, and the portable loop below serves instead: a
/// C caller has no error to receive, and the core would panic.
fn kernel_ok() -> bool {
    static OK: OnceLock<bool> = OnceLock::new();
    *OK.get_or_init(|| match kernels::check_env() {
        Ok(_) => true,
        Err(e) => {
            eprintln!("libisal.so.2 (algorithm-fec): {e}; using portable code");
            false
        }
    })
}

/// [`dot`] one byte at a time through 256-entry product rows.
fn portable(coeffs: &[u8], srcs: &[&[u8]], dsts: &mut [&mut [u8]], add: bool) {
    let m = srcs.len();
    for (r, dst) in dsts.iter_mut().enumerate() {
        if !add {
            dst.fill(0);
        }
        for (&c, src) in coeffs[r * m..(r + 1) * m].iter().zip(srcs) {
            let product: [u8; 256] = std::array::from_fn(|x| gf::mul(c, x as u8));
            for (d, &s) in dst.iter_mut().zip(src.iter()) {
                *d ^= product[usize::from(s)];
            }
        }
    }
}

/// `block = c·block` (ISA-L's in-place multiply), through a copy of a few KiB at a
/// time: the kernels read and write different memory.
pub fn scale_in_place(c: u8, block: &mut [u8]) {
    let mut copy = [0u8; 4096];
    for piece in block.chunks_mut(copy.len()) {
        let src = &mut copy[..piece.len()];
        src.copy_from_slice(piece);
        dot(&[c], &[src], &mut [piece], false);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn portable_equals_kernel() {
        let srcs: Vec<Vec<u8>> = (0..3u8)
            .map(|j| (0..300).map(|i| (i as u8).wrapping_mul(31) ^ j).collect())
            .collect();
        let srcs: Vec<&[u8]> = srcs.iter().map(|s| s.as_slice()).collect();
        let coeffs = [1, 2, 3, 0, 200, 7];
        for add in [false, true] {
            let (mut a, mut b) = (vec![vec![9u8; 300]; 2], vec![vec![9u8; 300]; 2]);
            let mut da: Vec<&mut [u8]> = a.iter_mut().map(|d| d.as_mut_slice()).collect();
            let mut db: Vec<&mut [u8]> = b.iter_mut().map(|d| d.as_mut_slice()).collect();
            portable(&coeffs, &srcs, &mut da, add);
            kernels::dot8(&coeffs, &srcs, &mut db, add).unwrap();
            assert_eq!(a, b);
        }
    }

    #[test]
    fn in_place_equals_copy() {
        let orig: Vec<u8> = (0..10_000).map(|i| (i * 7 + 3) as u8).collect();
        let mut block = orig.clone();
        scale_in_place(29, &mut block);
        let want: Vec<u8> = orig.iter().map(|&x| gf::mul(29, x)).collect();
        assert_eq!(block, want);
    }
}

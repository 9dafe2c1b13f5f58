//! GFNI: GF2P8AFFINEQB multiplies every byte by an 8×8 bit matrix, so a product by
//! a constant is one instruction (any GF(2)-linear byte map works, 0x11D included).
//! Two widths: 512-bit on top of AVX-512BW (`gfni`) and 256-bit on top of AVX2
//! (`gfni256`, for CPUs with GFNI but no or slow AVX-512).

use std::arch::x86_64::*;

use super::avx2::Avx2;
use super::avx512::Avx512;
use super::simd::{entry_points, Affine, Gfni};

// SAFETY: the trait's contract, GFNI and AVX2 detected by the caller.
impl Affine for Avx2 {
    #[inline(always)]
    unsafe fn affine(x: __m256i, m: u64) -> __m256i {
        _mm256_gf2p8affine_epi64_epi8::<0>(x, _mm256_set1_epi64x(m as i64))
    }
}

// SAFETY: the trait's contract, GFNI and AVX-512F/BW detected by the caller.
impl Affine for Avx512 {
    #[inline(always)]
    unsafe fn affine(x: __m512i, m: u64) -> __m512i {
        _mm512_gf2p8affine_epi64_epi8::<0>(x, _mm512_set1_epi64(m as i64))
    }
}

/// Whether this CPU runs the 512-bit GFNI kernel.
pub(super) fn available() -> bool {
    super::avx512::available() && is_x86_feature_detected!("gfni")
}

/// Whether this CPU runs the 256-bit GFNI kernel.
pub(super) fn available256() -> bool {
    super::avx2::available() && is_x86_feature_detected!("gfni")
}

entry_points!(
    "avx512f,avx512bw,gfni",
    Gfni<Avx512>,
    available,
    dot8,
    dot16
);

/// The 256-bit entry points, in their own module so the names can repeat.
pub(super) mod w256 {
    use super::*;
    entry_points!("avx2,gfni", Gfni<Avx2>, available256, dot8, dot16);
}

//! AVX2: 256-bit split-nibble PSHUFB tables (the same 16-byte table in both lanes).

use std::arch::x86_64::*;

use super::simd::{entry_points, Nibble, Shuffle, Simd};

/// 256-bit vectors; also the base of the 256-bit GFNI kernel.
pub(super) struct Avx2;

// SAFETY (all methods): the trait's contract, AVX2 detected by the caller; pointers
// valid for 32 bytes, unaligned accesses only.
impl Simd for Avx2 {
    type V = __m256i;
    const W: usize = 32;
    const REGISTERS: usize = 16;

    #[inline(always)]
    unsafe fn load(p: *const u8) -> __m256i {
        _mm256_loadu_si256(p.cast())
    }

    #[inline(always)]
    unsafe fn store(p: *mut u8, v: __m256i) {
        _mm256_storeu_si256(p.cast(), v)
    }

    #[inline(always)]
    unsafe fn zero() -> __m256i {
        _mm256_setzero_si256()
    }

    #[inline(always)]
    unsafe fn xor(a: __m256i, b: __m256i) -> __m256i {
        _mm256_xor_si256(a, b)
    }

    #[inline(always)]
    unsafe fn deinterleave(a: __m256i, b: __m256i) -> (__m256i, __m256i) {
        // Per 128-bit lane: even bytes to the low 8, odd bytes to the high 8.
        let even_odd = _mm256_broadcastsi128_si256(_mm_setr_epi8(
            0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15,
        ));
        let a = _mm256_shuffle_epi8(a, even_odd);
        let b = _mm256_shuffle_epi8(b, even_odd);
        (_mm256_unpacklo_epi64(a, b), _mm256_unpackhi_epi64(a, b))
    }

    #[inline(always)]
    unsafe fn interleave(lo: __m256i, hi: __m256i) -> (__m256i, __m256i) {
        (_mm256_unpacklo_epi8(lo, hi), _mm256_unpackhi_epi8(lo, hi))
    }
}

impl Shuffle for Avx2 {
    #[inline(always)]
    unsafe fn lookup(t: &[u8; 16], idx: __m256i) -> __m256i {
        let t = _mm256_broadcastsi128_si256(_mm_loadu_si128(t.as_ptr().cast()));
        _mm256_shuffle_epi8(t, idx)
    }

    #[inline(always)]
    unsafe fn nibbles(x: __m256i) -> (__m256i, __m256i) {
        let mask = _mm256_set1_epi8(0x0f);
        (
            _mm256_and_si256(x, mask),
            _mm256_and_si256(_mm256_srli_epi16::<4>(x), mask),
        )
    }
}

/// Whether this CPU runs the AVX2 kernel.
pub(super) fn available() -> bool {
    is_x86_feature_detected!("avx2")
}

entry_points!("avx2", Nibble<Avx2>, available, dot8, dot16);

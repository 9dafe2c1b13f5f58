//! AVX-512BW: 512-bit split-nibble PSHUFB tables (the same 16-byte table in all four
//! lanes).

use std::arch::x86_64::*;

use super::simd::{entry_points, Nibble, Shuffle, Simd};

/// 512-bit vectors; also the base of the 512-bit GFNI kernel.
pub(super) struct Avx512;

// SAFETY (all methods): the trait's contract, AVX-512F and BW detected by the caller;
// pointers valid for 64 bytes, unaligned accesses only.
impl Simd for Avx512 {
    type V = __m512i;
    const W: usize = 64;
    const REGISTERS: usize = 32;

    #[inline(always)]
    unsafe fn load(p: *const u8) -> __m512i {
        _mm512_loadu_si512(p.cast())
    }

    #[inline(always)]
    unsafe fn store(p: *mut u8, v: __m512i) {
        _mm512_storeu_si512(p.cast(), v)
    }

    #[inline(always)]
    unsafe fn zero() -> __m512i {
        _mm512_setzero_si512()
    }

    #[inline(always)]
    unsafe fn xor(a: __m512i, b: __m512i) -> __m512i {
        _mm512_xor_si512(a, b)
    }

    #[inline(always)]
    unsafe fn deinterleave(a: __m512i, b: __m512i) -> (__m512i, __m512i) {
        // Per 128-bit lane: even bytes to the low 8, odd bytes to the high 8.
        let even_odd = _mm512_broadcast_i32x4(_mm_setr_epi8(
            0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15,
        ));
        let a = _mm512_shuffle_epi8(a, even_odd);
        let b = _mm512_shuffle_epi8(b, even_odd);
        (_mm512_unpacklo_epi64(a, b), _mm512_unpackhi_epi64(a, b))
    }

    #[inline(always)]
    unsafe fn interleave(lo: __m512i, hi: __m512i) -> (__m512i, __m512i) {
        (_mm512_unpacklo_epi8(lo, hi), _mm512_unpackhi_epi8(lo, hi))
    }
}

impl Shuffle for Avx512 {
    #[inline(always)]
    unsafe fn lookup(t: &[u8; 16], idx: __m512i) -> __m512i {
        let t = _mm512_broadcast_i32x4(_mm_loadu_si128(t.as_ptr().cast()));
        _mm512_shuffle_epi8(t, idx)
    }

    #[inline(always)]
    unsafe fn nibbles(x: __m512i) -> (__m512i, __m512i) {
        let mask = _mm512_set1_epi8(0x0f);
        (
            _mm512_and_si512(x, mask),
            _mm512_and_si512(_mm512_srli_epi16::<4>(x), mask),
        )
    }
}

/// Whether this CPU runs the AVX-512 kernel.
pub(super) fn available() -> bool {
    is_x86_feature_detected!("avx512f") && is_x86_feature_detected!("avx512bw")
}

entry_points!("avx512f,avx512bw", Nibble<Avx512>, available, dot8, dot16);

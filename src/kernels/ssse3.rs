//! SSSE3: 128-bit split-nibble PSHUFB tables.

use std::arch::x86_64::*;

use super::simd::{entry_points, Nibble, Shuffle, Simd};

/// 128-bit vectors.
pub(super) struct Sse;

// SAFETY (all methods): the trait's contract, SSSE3 detected by the caller; pointers
// valid for 16 bytes, unaligned accesses only.
impl Simd for Sse {
    type V = __m128i;
    const W: usize = 16;
    const REGISTERS: usize = 16;

    #[inline(always)]
    unsafe fn load(p: *const u8) -> __m128i {
        _mm_loadu_si128(p.cast())
    }

    #[inline(always)]
    unsafe fn store(p: *mut u8, v: __m128i) {
        _mm_storeu_si128(p.cast(), v)
    }

    #[inline(always)]
    unsafe fn zero() -> __m128i {
        _mm_setzero_si128()
    }

    #[inline(always)]
    unsafe fn xor(a: __m128i, b: __m128i) -> __m128i {
        _mm_xor_si128(a, b)
    }

    #[inline(always)]
    unsafe fn deinterleave(a: __m128i, b: __m128i) -> (__m128i, __m128i) {
        // Even bytes (low halves of the symbols) to the low 8 bytes, odd to the high 8.
        let even_odd = _mm_setr_epi8(0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15);
        let a = _mm_shuffle_epi8(a, even_odd);
        let b = _mm_shuffle_epi8(b, even_odd);
        (_mm_unpacklo_epi64(a, b), _mm_unpackhi_epi64(a, b))
    }

    #[inline(always)]
    unsafe fn interleave(lo: __m128i, hi: __m128i) -> (__m128i, __m128i) {
        (_mm_unpacklo_epi8(lo, hi), _mm_unpackhi_epi8(lo, hi))
    }
}

impl Shuffle for Sse {
    #[inline(always)]
    unsafe fn lookup(t: &[u8; 16], idx: __m128i) -> __m128i {
        _mm_shuffle_epi8(_mm_loadu_si128(t.as_ptr().cast()), idx)
    }

    #[inline(always)]
    unsafe fn nibbles(x: __m128i) -> (__m128i, __m128i) {
        let mask = _mm_set1_epi8(0x0f);
        (
            _mm_and_si128(x, mask),
            _mm_and_si128(_mm_srli_epi16::<4>(x), mask),
        )
    }
}

/// Whether this CPU runs the SSSE3 kernel.
pub(super) fn available() -> bool {
    is_x86_feature_detected!("ssse3")
}

/// Clears the upper halves of the vector registers on CPUs that have them.
///
/// Legacy-SSE instructions after AVX code that left those halves dirty (ISA-L's
/// AVX-512 kernels, for one, return without VZEROUPPER) pay a merge or transition
/// penalty on each instruction: measured 4× slower on Zen 4.
fn clear_upper() {
    #[target_feature(enable = "avx")]
    unsafe fn zeroupper() {
        _mm256_zeroupper()
    }
    if is_x86_feature_detected!("avx") {
        // SAFETY: AVX was just detected.
        unsafe { zeroupper() }
    }
}

entry_points!(
    "ssse3",
    Nibble<Sse>,
    available,
    dot8,
    dot16,
    before = clear_upper
);

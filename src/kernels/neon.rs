//! NEON (aarch64): 128-bit split-nibble TBL tables, through the same driver as the
//! x86 kernels (`simd.rs`).

use std::arch::aarch64::*;

use super::simd::{entry_points, Nibble, Shuffle, Simd};

/// 128-bit vectors (32 registers).
pub(super) struct Neon;

// SAFETY (all methods of both impls): the traits' contract. They run only inside
// the `#[target_feature(enable = "neon")]` functions that `entry_points!` makes,
// which the dispatch (`Kernel`) reaches only after `available()` detected NEON at
// run time; pointers are valid for 16 bytes (LD1/ST1 of bytes need no alignment),
// tables are 16-byte arrays.
impl Simd for Neon {
    type V = uint8x16_t;
    const W: usize = 16;
    const REGISTERS: usize = 32;

    #[inline(always)]
    unsafe fn load(p: *const u8) -> uint8x16_t {
        vld1q_u8(p)
    }

    #[inline(always)]
    unsafe fn store(p: *mut u8, v: uint8x16_t) {
        vst1q_u8(p, v)
    }

    #[inline(always)]
    unsafe fn zero() -> uint8x16_t {
        vdupq_n_u8(0)
    }

    #[inline(always)]
    unsafe fn xor(a: uint8x16_t, b: uint8x16_t) -> uint8x16_t {
        veorq_u8(a, b)
    }

    #[inline(always)]
    unsafe fn deinterleave(a: uint8x16_t, b: uint8x16_t) -> (uint8x16_t, uint8x16_t) {
        // UZP1/UZP2: the even bytes (low halves of the symbols) of a then b, the odd.
        (vuzp1q_u8(a, b), vuzp2q_u8(a, b))
    }

    #[inline(always)]
    unsafe fn interleave(lo: uint8x16_t, hi: uint8x16_t) -> (uint8x16_t, uint8x16_t) {
        (vzip1q_u8(lo, hi), vzip2q_u8(lo, hi))
    }
}

impl Shuffle for Neon {
    #[inline(always)]
    unsafe fn lookup(t: &[u8; 16], idx: uint8x16_t) -> uint8x16_t {
        vqtbl1q_u8(vld1q_u8(t.as_ptr()), idx)
    }

    #[inline(always)]
    unsafe fn nibbles(x: uint8x16_t) -> (uint8x16_t, uint8x16_t) {
        // A byte shift leaves only the high nibble: no mask needed for it.
        (vandq_u8(x, vdupq_n_u8(0x0f)), vshrq_n_u8::<4>(x))
    }
}

/// Whether this CPU runs the NEON kernel (every aarch64 Linux CPU does; asked at
/// run time all the same, like the x86 kernels, so the one dispatch point decides).
pub(super) fn available() -> bool {
    std::arch::is_aarch64_feature_detected!("neon")
}

entry_points!("neon", Nibble<Neon>, available, dot8, dot16);

//! What the benches share: timing and data.
#![allow(dead_code)] // each bench uses what it needs

use std::time::Instant;

/// Seconds per call: the best of several batches of ~30 ms (3 batches for calls of
/// over 0.3 s, else 10), since the cores may be shared and the best batch is the one
/// least disturbed.
pub fn time(mut f: impl FnMut()) -> f64 {
    f();
    let t = Instant::now();
    f();
    let one = t.elapsed().as_secs_f64().max(1e-9);
    let iters = ((0.03 / one) as usize).max(1);
    let batches = if one > 0.3 { 3 } else { 10 };
    (0..batches)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..iters {
                f();
            }
            t.elapsed().as_secs_f64() / iters as f64
        })
        .fold(f64::MAX, f64::min)
}

/// k pseudo-random blocks of `len` bytes (xorshift64, fixed seed).
pub fn data(k: usize, len: usize) -> Vec<Vec<u8>> {
    let mut x = 0x9E37_79B9_7F4A_7C15_u64;
    (0..k)
        .map(|_| {
            (0..len)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    x as u8
                })
                .collect()
        })
        .collect()
}

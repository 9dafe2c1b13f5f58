//! What the benches share: timing and data.
#![allow(dead_code)] // each bench uses what it needs

use std::fs::OpenOptions;
use std::io::Write;
use std::time::Instant;

/// Appends `row` as one JSON line to the file `BENCH_RESULTS` names, if that is set:
/// the machine-readable copy of a bench's table, which scripts/bench-report collects.
/// Nothing is written (and nothing timed differs) without it.
pub fn record(row: serde_json::Value) {
    let Some(path) = std::env::var_os("BENCH_RESULTS") else {
        return;
    };
    let mut f = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .unwrap_or_else(|e| panic!("BENCH_RESULTS={}: {e}", path.to_string_lossy()));
    writeln!(f, "{row}").unwrap_or_else(|e| panic!("BENCH_RESULTS: {e}"));
}

/// The CPU's model name, from /proc/cpuinfo ("unknown" elsewhere).
pub fn cpu_name() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into())
}

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

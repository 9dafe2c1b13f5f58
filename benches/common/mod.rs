//! What the benches share: timing and data.
#![allow(dead_code)] // each bench uses what it needs

use std::fs::OpenOptions;
use std::io::Write;

mod clock;
pub use clock::Clock;

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

/// Rounds of [`time_sides`]: each side's best of this many batches.
pub const ROUNDS: usize = 15;
/// Rounds when a call of some side takes over 0.3 s (a batch is then one call).
pub const LONG_ROUNDS: usize = 5;

/// Seconds per call of each of `sides`, the sides of one row, on `clock`: a batch of
/// each side (as many calls as take about 30 ms, at least one) in turn, [`ROUNDS`]
/// rounds ([`LONG_ROUNDS`] if a call takes over 0.3 s), and each side's best batch.
/// Taking the sides in turn puts a burst of load from other work on a shared machine
/// on all of them alike instead of on whichever side ran during it, and the best
/// batch is the one least disturbed.
pub fn time_sides(clock: Clock, sides: &mut [&mut dyn FnMut()]) -> Vec<f64> {
    let one: Vec<f64> = sides
        .iter_mut()
        .map(|f| {
            f();
            let t = clock.now();
            f();
            (clock.now() - t).max(1e-9)
        })
        .collect();
    let iters: Vec<usize> = one.iter().map(|s| ((0.03 / s) as usize).max(1)).collect();
    let rounds = match one.iter().any(|&s| s > 0.3) {
        true => LONG_ROUNDS,
        false => ROUNDS,
    };
    let mut best = vec![f64::MAX; sides.len()];
    for _ in 0..rounds {
        for ((f, &n), b) in sides.iter_mut().zip(&iters).zip(&mut best) {
            let t = clock.now();
            for _ in 0..n {
                f();
            }
            *b = b.min((clock.now() - t) / n as f64);
        }
    }
    best
}

/// How [`time_sides`] timed a row, for its results line.
pub fn timing(clock: Clock) -> serde_json::Value {
    serde_json::json!({
        "clock": clock.name(),
        "alternating": true,
        "statistic": "best batch",
        "rounds": ROUNDS,
        "rounds_over_0_3_s": LONG_ROUNDS,
    })
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

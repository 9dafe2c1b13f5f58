//! Known data protected, damaged as the fuzz input says, repaired: a successful repair
//! must return exactly the original bytes, and a `Damaged` one the original outside
//! the ranges it names (`check_edits`, shared with `tests/rs_file.rs`). The raw input
//! is also tried as a container: never a panic.
//!
//! ```text
//! cargo +nightly fuzz run rs_file
//! ```
#![no_main]

use algorithm_fec::rs::repair_file;
use libfuzzer_sys::fuzz_target;

#[path = "../../tests/rs_common/mod.rs"]
mod rs_common;

fuzz_target!(|data: &[u8]| {
    let mut out = Vec::new();
    if let Ok(report) = repair_file(data, &mut out) {
        assert_eq!(report.length, out.len() as u64);
    }
    rs_common::check_edits(data);
});

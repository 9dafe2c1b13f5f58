//! Arbitrary bytes as an RS-protected file (`fec rs-decode`'s input): never a panic.
//!
//! ```text
//! cargo +nightly fuzz run rs_file
//! ```
#![no_main]

use algorithm_fec::rs::repair_file;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut out = Vec::new();
    if let Ok(report) = repair_file(data, &mut out) {
        assert_eq!(report.length, out.len() as u64);
    }
});

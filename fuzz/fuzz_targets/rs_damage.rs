//! Known data protected, then damaged the way disks and careless copies do: zeroed
//! 4 KiB pages and stretches, swapped groups, groups from another protected file (same
//! parameters), flipped bytes. Never `Ok` with wrong bytes, never wrong bytes outside
//! the ranges a `Damaged` names (`check_damage`, shared with `tests/rs_file.rs`).
//!
//! ```text
//! cargo +nightly fuzz run rs_damage
//! ```
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../tests/rs_common/mod.rs"]
mod rs_common;

fuzz_target!(|data: &[u8]| {
    rs_common::check_damage(data);
});

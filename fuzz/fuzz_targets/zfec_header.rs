//! Arbitrary bytes as zfec share files: header parse, open, consistency checks,
//! decode and verify must never panic.
//!
//! ```text
//! cargo +nightly fuzz run zfec_header       # with cargo-fuzz
//! cargo build --release                      # plain stable build of the target
//! ```
#![no_main]

use std::io::Cursor;

use algorithm_fec::zfec::{Header, Share, ShareSet};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = Header::parse(data);
    // First byte: how many shares; the rest split evenly between them.
    let Some((&n, rest)) = data.split_first() else {
        return;
    };
    let n = usize::from(n % 8) + 1;
    let each = rest.len() / n;
    let files: Vec<&[u8]> = (0..n).map(|i| &rest[i * each..(i + 1) * each]).collect();
    let open = || {
        files
            .iter()
            .enumerate()
            .filter_map(|(i, f)| Share::open(format!("s{i}"), Cursor::new(*f), f.len() as u64).ok())
            .collect::<Vec<_>>()
    };
    if let Ok(set) = ShareSet::new(open()) {
        let mut out = Vec::new();
        let _ = set.decode(&mut out, &mut |_| {});
    }
    if let Ok(set) = ShareSet::new(open()) {
        let _ = set.verify(&mut |_| {});
    }
});

//! Arbitrary received words and erasure lists through the Reed–Solomon decoder: never
//! a panic, never more than k bytes, and any message returned re-encodes to a valid
//! codeword.
//!
//! ```text
//! cargo +nightly fuzz run rs_decode
//! ```
#![no_main]

use algorithm_fec::rs::RsCoder;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let [a, b, e, rest @ ..] = data else { return };
    let n = usize::from(*a).max(2);
    let k = usize::from(*b) % n;
    let Ok(rs) = RsCoder::new(n, k.max(1)) else {
        return;
    };
    let erasures: Vec<usize> = rest
        .iter()
        .take(usize::from(*e) % 8)
        .map(|&p| usize::from(p))
        .collect();
    if let Ok(m) = rs.decode(rest) {
        assert_eq!(m.len(), rs.k());
        assert!(rs.verify(&rs.encode(&m).unwrap()));
    }
    if let Ok(d) = rs.decode_with_erasures(rest, &erasures) {
        assert_eq!(d.message.len(), rs.k());
    }
    let _ = rs.verify(rest);
});

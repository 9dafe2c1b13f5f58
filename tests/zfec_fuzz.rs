//! Untrusted input never panics: random bytes as headers and share files, and
//! valid shares with random damage, through parse, open, check, decode and verify.

use std::io::Cursor;

use algorithm_fec::zfec::{self, Header, Share, ShareSet};
use proptest::prelude::*;

/// Opens every buffer as a share (with its true length, or a lying one), then
/// checks, decodes and verifies whatever got through. Errors are fine; panics are not.
/// Returns what a successful decode wrote.
fn exercise(files: Vec<Vec<u8>>, lie: Option<u64>) -> Option<Vec<u8>> {
    let mut shares = Vec::new();
    for (i, f) in files.iter().enumerate() {
        let len = lie.unwrap_or(f.len() as u64);
        if let Ok(s) = Share::open(format!("s{i}"), Cursor::new(f.clone()), len) {
            shares.push(s);
        }
    }
    let shares2: Vec<_> = files
        .iter()
        .enumerate()
        .filter_map(|(i, f)| {
            Share::open(format!("s{i}"), Cursor::new(f.clone()), f.len() as u64).ok()
        })
        .collect();
    let mut decoded = None;
    if let Ok(set) = ShareSet::new(shares) {
        let expect = set.output_len();
        let mut out = Vec::new();
        if set.decode(&mut out, &mut |_| {}).is_ok() {
            assert_eq!(out.len() as u64, expect);
            decoded = Some(out);
        }
    }
    if let Ok(set) = ShareSet::new(shares2) {
        let _ = set.verify(&mut |_| {});
    }
    decoded
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn header_parse_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..8)) {
        if let Ok((h, len)) = Header::parse(&bytes) {
            prop_assert_eq!(h.validate(), Ok(()));
            prop_assert_eq!(h.to_bytes().unwrap().len(), len);
            // Re-encoding gives back the same header (unused trailing bits aside).
            prop_assert_eq!(Header::parse(&h.to_bytes().unwrap()).unwrap().0, h);
        }
        let mut c = Cursor::new(bytes.clone());
        let _ = Header::read_from(&mut c);
    }

    #[test]
    fn random_share_files_never_panic(
        files in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..300), 1..6),
        lie in proptest::option::of(0u64..10_000),
    ) {
        let _ = exercise(files, lie);
    }

    /// Real shares with a few random byte changes (often in the header), random
    /// truncation, and random selection.
    #[test]
    fn damaged_real_shares_never_panic(
        k in 1usize..6,
        extra in 0usize..4,
        size in 0usize..20_000,
        damage in proptest::collection::vec((any::<u16>(), any::<u16>(), any::<u8>()), 0..4),
        cut in proptest::option::of((any::<u16>(), any::<u16>())),
        pick in proptest::collection::vec(any::<u8>(), 1..8),
    ) {
        let m = k + extra;
        let input: Vec<u8> = (0..size).map(|i| (i * 7 + 3) as u8).collect();
        let mut outs = vec![Cursor::new(Vec::new()); m];
        zfec::encode(k, m, &input[..], &mut outs, &mut |_| {}).unwrap();
        let intact = damage.is_empty() && cut.is_none();
        let mut files: Vec<Vec<u8>> = pick.iter().map(|&p| outs[p as usize % m].get_ref().clone()).collect();
        for (f, pos, val) in damage {
            let n = files.len();
            let file = &mut files[f as usize % n];
            if !file.is_empty() {
                let l = file.len();
                // Half the time hit the header.
                let at = if pos % 2 == 0 { (pos as usize / 2) % l.min(4) } else { pos as usize % l };
                file[at] = val;
            }
        }
        if let Some((f, at)) = cut {
            let n = files.len();
            let file = &mut files[f as usize % n];
            let l = file.len();
            file.truncate(at as usize % (l + 1));
        }
        let decoded = exercise(files, None);
        // Undamaged shares that decode give the input back.
        if intact {
            if let Some(out) = decoded {
                prop_assert!(out == input, "k={} m={} size={}: wrong bytes", k, m, size);
            }
        }
    }
}

//! The checksummed RS container (`rs::file`): the bytes against a model built from
//! the format's definition, repair up to the code's limits, and beyond them never a
//! silently wrong `Ok` (zeroed pages, swapped or foreign groups, weak codes).

mod rs_common;

use std::io::{self, Read, Write};
use std::ops::Range;

use algorithm_fec::rs::file::{
    protect_file_with_id, protected_len, FILE_ID_LEN, HEADER_LEN, MAX_DEPTH, TAG_LEN, TRAILER_LEN,
};
use algorithm_fec::rs::{protect_file, repair_file, FileError, RsCoder, RsError};
use proptest::prelude::*;
use rs_common::{check_damage, check_edits, check_repair, Outcome, Rng};

fn config(default: u32) -> ProptestConfig {
    ProptestConfig::with_cases(rs_common::cases(default))
}

/// The container as the module docs define it, built independently of the encoder,
/// and the container offsets of every body codeword's bytes (in data order).
fn model(
    data: &[u8],
    n: usize,
    k: usize,
    depth: usize,
    id: [u8; 16],
) -> (Vec<u8>, Vec<Vec<usize>>) {
    let mut header = b"AFECRS".to_vec();
    header.extend_from_slice(&[2, n as u8, k as u8, depth as u8, 0, 0, 0, 0, 0, 0]);
    header.extend_from_slice(&id);
    let mut out = RsCoder::new(64, 32).unwrap().encode(&header).unwrap();
    let key = blake3::derive_key("algorithm-fec RS container v2 group tag", &header);
    let rs = RsCoder::new(n, k).unwrap();
    let mut offsets = Vec::new();
    for (g, piece) in data.chunks(depth * k - 16).enumerate() {
        let d = (piece.len() + 16).div_ceil(k);
        let mut msg = piece.to_vec();
        msg.resize(d * k - 16, 0);
        let mut h = blake3::Hasher::new_keyed(&key);
        h.update(&(g as u64).to_le_bytes());
        h.update(&msg);
        msg.extend_from_slice(&h.finalize().as_bytes()[..16]);
        let start = out.len();
        out.resize(start + d * n, 0);
        for (j, m) in msg.chunks_exact(k).enumerate() {
            let word = rs.encode(m).unwrap();
            let at: Vec<usize> = (0..n).map(|i| start + i * d + j).collect();
            for (&p, &b) in at.iter().zip(&word) {
                out[p] = b;
            }
            offsets.push(at);
        }
    }
    let mut trailer = b"AFECLN\0\0".to_vec();
    trailer.extend_from_slice(&(data.len() as u64).to_le_bytes());
    trailer.extend_from_slice(&id);
    trailer.extend_from_slice(blake3::hash(data).as_bytes());
    out.extend(RsCoder::new(128, 64).unwrap().encode(&trailer).unwrap());
    (out, offsets)
}

fn protected(data: &[u8], n: usize, k: usize, depth: usize, id: u8) -> Vec<u8> {
    let mut out = Vec::new();
    protect_file_with_id(data, &mut out, n, k, depth, [id; 16]).unwrap();
    out
}

fn random(len: usize, seed: u64) -> Vec<u8> {
    let mut rng = Rng(seed);
    (0..len).map(|_| rng.next() as u8).collect()
}

/// RS(n, k) with 1 ≤ k < n − 1 (t ≥ 1 or k tiny) and a depth leaving room for the tag.
fn code_and_depth() -> impl Strategy<Value = (usize, usize, usize)> {
    (3usize..=255)
        .prop_flat_map(|n| (Just(n), 1..n - 1, 1usize..=32))
        .prop_map(|(n, k, d)| (n, k, d.max(TAG_LEN / k + 1)))
}

/// Data lengths at the edges of groups: 0, multiples of C = D·k − 16 and around them.
fn edge_len(capacity: usize, pick: usize, other: usize) -> usize {
    let g = other % 3;
    match pick % 5 {
        0 => 0,
        1 => (g * capacity).max(1),
        2 => g * capacity + 1,
        3 => (g * capacity + capacity).saturating_sub(1).max(1),
        _ => other % (3 * capacity + 1),
    }
}

proptest! {
    #![proptest_config(config(40))]

    #[test]
    fn container_matches_the_model_and_repairs_up_to_t(
        (n, k, depth) in code_and_depth(),
        pick in any::<usize>(),
        other in any::<usize>(),
        seed in any::<u64>(),
    ) {
        let rs = RsCoder::new(n, k).unwrap();
        let mut rng = Rng(seed);
        let len = edge_len(depth * k - TAG_LEN, pick, other).min(6000);
        let data = random(len, seed);
        let id = [seed as u8; FILE_ID_LEN];
        let mut p = Vec::new();
        let pr = protect_file_with_id(&data[..], &mut p, n, k, depth, id).unwrap();
        let (want, offsets) = model(&data, n, k, depth, id);
        prop_assert!(p == want, "container differs from the model");
        prop_assert_eq!(pr.written, p.len() as u64);
        prop_assert_eq!(pr.written, protected_len(len as u64, n, k, depth).unwrap());
        prop_assert_eq!(pr.codewords, offsets.len() as u64);
        prop_assert_eq!(pr.hash, *blake3::hash(&data).as_bytes());
        // Damage header (≤ 16), trailer (≤ 32) and every codeword (≤ t).
        let (h, t) = (rng.below(17), rng.below(33));
        for q in rng.positions(HEADER_LEN, h) {
            p[q] ^= rng.nonzero();
        }
        let end = p.len() - TRAILER_LEN;
        for q in rng.positions(TRAILER_LEN, t) {
            p[end + q] ^= rng.nonzero();
        }
        let mut total = 0;
        for at in &offsets {
            let e = rng.below(rs.max_errors() + 1);
            for q in rng.positions(n, e) {
                p[at[q]] ^= rng.nonzero();
            }
            total += e as u64;
        }
        let mut out = Vec::new();
        let r = repair_file(&p[..], &mut out).unwrap();
        prop_assert!(out == data);
        prop_assert_eq!((r.n, r.k, r.depth, r.length), (n, k, depth, len as u64));
        prop_assert_eq!((r.header_corrected, r.trailer_corrected), (h, t));
        prop_assert_eq!(r.corrected_bytes, total);
        prop_assert_eq!((r.codewords, r.groups), (pr.codewords, pr.groups));
        prop_assert_eq!(r.file_id, id);
    }

    #[test]
    fn a_burst_of_depth_times_t_in_full_groups_is_repaired(
        (n, k, depth) in code_and_depth(),
        seed in any::<u64>(),
    ) {
        let rs = RsCoder::new(n, k).unwrap();
        let mut rng = Rng(seed);
        let capacity = depth * k - TAG_LEN;
        let data = random(2 * capacity + 1 + rng.below(capacity), seed);
        let mut p = protected(&data, n, k, depth, 1);
        // Anywhere within the two full groups (also across their boundary).
        let burst = 1 + rng.below(depth * rs.max_errors());
        let start = HEADER_LEN + rng.below(2 * depth * n - burst + 1);
        for b in &mut p[start..start + burst] {
            *b ^= rng.nonzero();
        }
        let mut out = Vec::new();
        let r = repair_file(&p[..], &mut out).unwrap();
        prop_assert!(out == data);
        prop_assert_eq!(r.corrected_bytes, burst as u64);
    }

    #[test]
    fn beyond_t_the_lost_ranges_are_the_groups_with_too_many_errors(
        (n, k, depth) in code_and_depth(),
        extra in 1usize..64,
        seed in any::<u64>(),
    ) {
        let rs = RsCoder::new(n, k).unwrap();
        let mut rng = Rng(seed);
        let capacity = depth * k - TAG_LEN;
        let data = random(capacity * (1 + rng.below(4)) + rng.below(capacity), seed);
        let (good, offsets) = model(&data, n, k, depth, [3; 16]);
        let mut p = good.clone();
        let body = p.len() - HEADER_LEN - TRAILER_LEN;
        let burst = (depth * rs.max_errors() + extra).min(body);
        let start = HEADER_LEN + rng.below(body - burst + 1);
        for b in &mut p[start..start + burst] {
            *b ^= rng.nonzero();
        }
        // Groups with a codeword beyond t: the only ones that may be lost.
        let mut over = vec![false; data.len().div_ceil(capacity)];
        let mut cw = 0;
        for (g, flag) in over.iter_mut().enumerate() {
            let d = (data.len() - g * capacity).min(capacity) + TAG_LEN;
            for at in &offsets[cw..cw + d.div_ceil(k)] {
                *flag |= at.iter().filter(|&&q| p[q] != good[q]).count() > rs.max_errors();
            }
            cw += d.div_ceil(k);
        }
        let mut out = Vec::new();
        match repair_file(&p[..], &mut out) {
            Ok(_) => prop_assert!(out == data),
            Err(FileError::Damaged(r)) => {
                prop_assert_eq!(check_repair(&data, &p), Outcome::Damaged);
                for range in &r.unrepaired {
                    let (first, last) = (range.start as usize / capacity, (range.end as usize - 1) / capacity);
                    prop_assert!(over[first..=last].iter().all(|&o| o), "{:?} {:?}", range, over);
                }
            }
            Err(e) => prop_assert!(false, "unexpected {:?}", e),
        }
    }

    #[test]
    fn repair_of_arbitrary_bytes_never_panics(
        junk in prop::collection::vec(any::<u8>(), 0..3000),
        keep_header in any::<bool>(),
    ) {
        let mut input = junk;
        if keep_header {
            // A valid header followed by junk: exercises the body and trailer paths.
            let mut v = protected(b"x", 20, 13, 3, 1)[..HEADER_LEN].to_vec();
            v.extend_from_slice(&input);
            input = v;
        }
        let mut out = Vec::new();
        if let Ok(r) = repair_file(&input[..], &mut out) {
            prop_assert_eq!(r.length, out.len() as u64);
        }
    }

    /// The fuzz targets' checks (`fuzz/fuzz_targets/rs_file.rs`, `rs_damage.rs`) on
    /// random inputs.
    #[test]
    fn fuzz_checks_on_random_inputs(
        input in prop::collection::vec(any::<u8>(), 4..3000),
        seed in any::<u64>(),
    ) {
        // Edits concentrated on small containers: some repair, some fail.
        let mut input = input;
        input[3] = seed as u8;
        let _ = check_edits(&input);
        let _ = check_damage(&input);
    }
}

// ---- damage that a code alone cannot see -------------------------------------------

/// A file of `len` random bytes under the defaults: RS(255, 223), depth 16.
fn default_file(len: usize) -> (Vec<u8>, Vec<u8>) {
    let data = random(len, 42);
    let p = protected(&data, 255, 223, 16, 9);
    (data, p)
}

fn ranges(report: &FileError) -> Vec<Range<u64>> {
    match report {
        FileError::Damaged(r) | FileError::ChecksumMismatch(r) => r.unrepaired.clone(),
        e => panic!("not a damage report: {e:?}"),
    }
}

#[test]
fn a_zeroed_page_never_decodes_to_wrong_bytes() {
    // (tests/cli_rs.rs does the same to a 256 KiB file through the binary.)
    let (data, p) = default_file(64 * 1024);
    let mut seen = [0usize; 3];
    for page in 0..p.len().div_ceil(4096) {
        let mut bad = p.clone();
        let end = (page * 4096 + 4096).min(bad.len());
        bad[page * 4096..end].fill(0);
        seen[check_repair(&data, &bad) as usize] += 1;
    }
    // Header page and trailer page refused, every other page loses a group or two.
    assert_eq!(seen, [0, 17, 2], "exact, damaged, refused");
}

#[test]
fn a_zeroed_body_swapped_groups_and_foreign_groups_are_named() {
    let (data, p) = default_file(32 * 1024);
    let group = 16 * 255;
    let c = 16 * 223 - 16;
    let len = data.len() as u64;
    let at = |g: usize| HEADER_LEN + g * group;
    let mut out = Vec::new();

    let mut bad = p.clone();
    let body = HEADER_LEN..p.len() - TRAILER_LEN;
    bad[body].fill(0);
    let e = repair_file(&bad[..], &mut out).unwrap_err();
    assert_eq!(ranges(&e), vec![0..len]);
    assert!(e.to_string().contains("0..32768"), "{e}");

    let mut bad = p.clone();
    let (g2, g5) = (p[at(2)..at(3)].to_vec(), p[at(5)..at(6)].to_vec());
    bad[at(2)..at(3)].copy_from_slice(&g5);
    bad[at(5)..at(6)].copy_from_slice(&g2);
    let e = repair_file(&bad[..], &mut Vec::new()).unwrap_err();
    let c = c as u64;
    assert_eq!(ranges(&e), vec![2 * c..3 * c, 5 * c..6 * c]);

    // Group 3 of another file with the same parameters and length.
    let other = protected(&random(data.len(), 7), 255, 223, 16, 10);
    let mut bad = p.clone();
    bad[at(3)..at(4)].copy_from_slice(&other[at(3)..at(4)]);
    let e = repair_file(&bad[..], &mut Vec::new()).unwrap_err();
    assert_eq!(ranges(&e), vec![3 * c..4 * c]);
    assert_eq!(check_repair(&data, &bad), Outcome::Damaged);

    // Under the *same* file id the group passes its own check; the hash of the
    // whole data still refuses it (why ids are random).
    let twin = protected(&random(data.len(), 7), 255, 223, 16, 9);
    let mut bad = p.clone();
    bad[at(3)..at(4)].copy_from_slice(&twin[at(3)..at(4)]);
    let e = repair_file(&bad[..], &mut Vec::new()).unwrap_err();
    assert!(
        matches!(&e, FileError::ChecksumMismatch(r) if r.unrepaired.is_empty()),
        "{e:?}"
    );
    assert!(e.to_string().contains("integrity check failed"), "{e}");
}

#[test]
fn a_weak_code_never_accepts_a_miscorrection() {
    // RS(255, 253): t = 1, and 2 to 6 random errors in a codeword usually decode to
    // *another* codeword. The group checksums must catch every one.
    let data = random(3000, 5);
    let p = protected(&data, 255, 253, 4, 1);
    let mut rng = Rng(77);
    let mut seen = [0usize; 3];
    for _ in 0..400 {
        let mut bad = p.clone();
        let body = p.len() - HEADER_LEN - TRAILER_LEN;
        for _ in 0..2 + rng.below(5) {
            let q = HEADER_LEN + rng.below(body);
            bad[q] ^= rng.nonzero();
        }
        seen[check_repair(&data, &bad) as usize] += 1;
    }
    assert!(
        seen[0] > 0 && seen[1] > 0,
        "exact, damaged, refused: {seen:?}"
    );
    assert_eq!(seen[2], 0);
}

// ---- unhappy paths -------------------------------------------------------------------

#[test]
fn parameter_errors_write_nothing() {
    let mut sink = Vec::new();
    let r = protect_file(&b"abc"[..], &mut sink, 10, 10, 1);
    assert!(matches!(
        r,
        Err(FileError::Rs(RsError::InvalidParameters { n: 10, k: 10 }))
    ));
    for bad in [0, MAX_DEPTH + 1] {
        let r = protect_file(&b"abc"[..], &mut sink, 255, 223, bad);
        assert!(
            matches!(r, Err(FileError::InvalidDepth(d)) if d == bad),
            "{r:?}"
        );
    }
    // depth·k must exceed the 16-byte tag.
    let r = protect_file(&b"abc"[..], &mut sink, 20, 8, 2);
    assert!(
        matches!(
            r,
            Err(FileError::GroupTooSmall {
                n: 20,
                k: 8,
                depth: 2
            })
        ),
        "{r:?}"
    );
    assert!(r
        .unwrap_err()
        .to_string()
        .starts_with("RS(n=20, k=8) with interleave depth 2"));
    assert!(sink.is_empty());
    protected(b"abc", 20, 8, 3, 1);
    protected(b"abc", 255, 223, MAX_DEPTH, 1);
    assert!(matches!(
        protected_len(0, 20, 8, 2),
        Err(FileError::GroupTooSmall { .. })
    ));
}

#[test]
fn protected_len_counts_groups_and_saturates() {
    assert_eq!(protected_len(u64::MAX, 255, 20, 1).unwrap(), u64::MAX);
    assert_eq!(protected_len(0, 255, 223, 16).unwrap(), 192);
    // C = 16·223 − 16 = 3552: one full group, then one byte needs 1 codeword.
    assert_eq!(protected_len(3552, 255, 223, 16).unwrap(), 192 + 16 * 255);
    assert_eq!(protected_len(3553, 255, 223, 16).unwrap(), 192 + 17 * 255);
    // 208 bytes + tag fill 224 > 223: two codewords.
    assert_eq!(protected_len(207, 255, 223, 16).unwrap(), 192 + 255);
    assert_eq!(protected_len(208, 255, 223, 16).unwrap(), 192 + 510);
}

#[test]
fn header_layout_and_header_errors() {
    let p = protected(b"hello", 255, 223, 9, 0x5c);
    let meta = RsCoder::new(64, 32).unwrap();
    let msg = meta.decode(&p[..HEADER_LEN]).unwrap();
    assert_eq!(&msg[..16], b"AFECRS\x02\xff\xdf\x09\0\0\0\0\0\0");
    assert_eq!(msg[16..], [0x5c; 16]);
    let with_header = |m: &[u8]| {
        let mut v = meta.encode(m).unwrap();
        v.extend_from_slice(&p[HEADER_LEN..]);
        repair_file(&v[..], &mut Vec::new())
    };
    for (at, value) in [(9, 0), (8, 0), (7, 1), (12, 1), (0, b'X')] {
        let mut m = msg.clone();
        m[at] = value;
        let r = with_header(&m);
        assert!(
            matches!(r, Err(FileError::NotProtected)),
            "byte {at}: {r:?}"
        );
    }
    let mut m = msg.clone();
    m[6] = 3;
    assert!(matches!(
        with_header(&m),
        Err(FileError::UnsupportedVersion(3))
    ));
    // Another depth in an otherwise valid header: every group fails its check.
    let mut m = msg.clone();
    m[9] = 1;
    assert!(matches!(
        with_header(&m),
        Err(FileError::Truncated | FileError::Damaged(_))
    ));
    // The header beyond repair (17 bad bytes), or missing.
    let mut bad = p.clone();
    for b in &mut bad[..17] {
        *b ^= 0x33;
    }
    assert!(matches!(
        repair_file(&bad[..], &mut Vec::new()),
        Err(FileError::NotProtected)
    ));
    for input in [&b""[..], &[0x42; 500][..], &p[..HEADER_LEN - 1]] {
        assert!(matches!(
            repair_file(input, &mut Vec::new()),
            Err(FileError::NotProtected)
        ));
    }
}

#[test]
fn version_1_files_are_refused() {
    // Version 1: a 32-byte RS(32, 16) header "AFECRS" 1 n k D, no checksums.
    let v1 = RsCoder::new(32, 16).unwrap();
    let mut file = v1.encode(b"AFECRS\x01\xff\xdf\x10\0\0\0\0\0\0").unwrap();
    file.extend_from_slice(&RsCoder::new(255, 223).unwrap().encode_stream(b"old data"));
    file.extend(v1.encode(b"AFECLN\0\0\x08\0\0\0\0\0\0\0").unwrap());
    file[3] ^= 0x10; // still recognised when damaged
    let r = repair_file(&file[..], &mut Vec::new());
    assert!(matches!(r, Err(FileError::UnsupportedVersion(1))), "{r:?}");
    assert!(r
        .unwrap_err()
        .to_string()
        .contains("version 1 is not supported"));
}

#[test]
fn trailer_and_length_errors() {
    let data = random(10_000, 1);
    let good = protected(&data, 255, 223, 4, 1);
    let end = good.len() - TRAILER_LEN;
    let splice = |trailer: &[u8]| {
        let mut v = good[..end].to_vec();
        v.extend_from_slice(trailer);
        repair_file(&v[..], &mut Vec::new())
    };
    // Beyond repair (33 bad bytes), zeroed, or another file's.
    let mut t = good[end..].to_vec();
    for b in &mut t[..33] {
        *b ^= 0x33;
    }
    assert!(matches!(splice(&t), Err(FileError::BadTrailer)));
    assert!(matches!(
        splice(&[0; TRAILER_LEN]),
        Err(FileError::BadTrailer)
    ));
    let other = protected(&data, 255, 223, 4, 2);
    assert!(matches!(
        splice(&other[other.len() - TRAILER_LEN..]),
        Err(FileError::ForeignTrailer)
    ));
    // Same id, another length: the groups do not add up.
    let short = protected(&data[..5000], 255, 223, 4, 1);
    let r = splice(&short[short.len() - TRAILER_LEN..]);
    assert!(
        matches!(
            r,
            Err(FileError::LengthMismatch {
                length: 5000,
                groups: 12,
                codewords: 46
            })
        ),
        "{r:?}"
    );
    // Truncated: a partial codeword, or the trailer cut.
    for cut in [1, 100, 127, 128, 129, 300] {
        let r = repair_file(&good[..good.len() - cut], &mut Vec::new());
        assert!(
            matches!(r, Err(FileError::Truncated | FileError::BadTrailer)),
            "cut {cut}: {r:?}"
        );
    }
    assert!(matches!(
        repair_file(&good[..HEADER_LEN + 10], &mut Vec::new()),
        Err(FileError::Truncated)
    ));
    // A last group too short to hold a tag (RS(20,13): one codeword of 13 bytes).
    let p = protected(b"x", 20, 13, 3, 1);
    let mut bad = p[..HEADER_LEN + 20].to_vec();
    bad.extend_from_slice(&p[p.len() - TRAILER_LEN..]);
    assert!(matches!(
        repair_file(&bad[..], &mut Vec::new()),
        Err(FileError::Truncated)
    ));
}

#[test]
fn empty_and_exact_sizes_round_trip() {
    for (len, n, k, depth) in [
        (0, 255, 223, 16),
        (1, 2, 1, 17),
        (3552, 255, 223, 16),
        (3553, 255, 223, 16),
        (70_000, 255, 223, 16),
        (1000, 255, 223, 1),
    ] {
        let data = random(len, len as u64);
        let p = protected(&data, n, k, depth, 4);
        assert_eq!(
            p.len() as u64,
            protected_len(len as u64, n, k, depth).unwrap()
        );
        let mut out = Vec::new();
        let r = repair_file(&p[..], &mut out).unwrap();
        assert_eq!(out, data);
        assert_eq!(
            r.corrected_bytes + r.uncorrectable_codewords + r.bad_groups,
            0
        );
    }
}

/// A reader that returns one byte per call, to exercise partial reads.
struct Trickle<'a>(&'a [u8]);

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.0.is_empty() || buf.is_empty() {
            return Ok(0);
        }
        buf[0] = self.0[0];
        self.0 = &self.0[1..];
        Ok(1)
    }
}

#[test]
fn trickling_reader_and_random_ids() {
    let data = random(3000, 3);
    let mut p = Vec::new();
    let pr = protect_file(Trickle(&data), &mut p, 50, 40, 7).unwrap();
    let mut again = Vec::new();
    let pr2 = protect_file(&data[..], &mut again, 50, 40, 7).unwrap();
    assert_ne!(pr.file_id, pr2.file_id, "every file gets its own id");
    assert_eq!(p, model(&data, 50, 40, 7, pr.file_id).0);
    // A burst of 7·5 = 35 bytes across the boundary of the first two groups.
    for b in &mut p[HEADER_LEN + 7 * 50 - 20..HEADER_LEN + 7 * 50 + 15] {
        *b ^= 0xc3;
    }
    let mut out = Vec::new();
    let r = repair_file(Trickle(&p), &mut out).unwrap();
    assert_eq!(out, data);
    assert_eq!((r.corrected_bytes, r.corrected_codewords), (35, 14));
}

/// Fails every read or write once `.0` bytes have passed.
struct Failing(usize);

impl Failing {
    fn take(&mut self, want: usize) -> io::Result<usize> {
        if self.0 == 0 {
            return Err(io::Error::other("bad sector"));
        }
        let got = want.min(self.0);
        self.0 -= got;
        Ok(got)
    }
}

impl Read for Failing {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let got = self.take(buf.len())?;
        buf[..got].fill(1);
        Ok(got)
    }
}

impl Write for Failing {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.take(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn read_and_write_errors_are_told_apart() {
    let p = protected(&random(100_000, 2), 255, 223, 16, 1);
    let r = protect_file(Failing(5000), Vec::new(), 255, 223, 16);
    assert!(matches!(r, Err(FileError::Read(_))), "{r:?}");
    let r = protect_file(&p[..], Failing(5000), 255, 223, 16);
    assert!(matches!(r, Err(FileError::Write(_))), "{r:?}");
    let r = repair_file(Failing(5000), Vec::new());
    assert!(
        matches!(r, Err(FileError::NotProtected)),
        "junk header: {r:?}"
    );
    let r = repair_file(&p[..], Failing(5000));
    assert!(matches!(r, Err(FileError::Write(_))), "{r:?}");
    let mut head = p[..10_000].to_vec();
    head.extend(std::iter::repeat_n(0, 0));
    let r = repair_file(io::Read::chain(&head[..], Failing(0)), Vec::new());
    assert!(matches!(r, Err(FileError::Read(_))), "{r:?}");
}

//! Property tests and unhappy paths for the `rs` module.

use algorithm_fec::rs::{
    file::{protected_len, HEADER_LEN, MAX_DEPTH, TRAILER_LEN},
    protect_file, repair_file, FileError, RsCoder, RsError, StreamReport,
};
use proptest::prelude::*;

/// `default` cases, or `PROPTEST_CASES` from the environment for a longer soak.
fn config(default: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default);
    ProptestConfig::with_cases(cases)
}

/// SplitMix64: derives positions and error values from one proptest seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, m: usize) -> usize {
        (self.next() % m as u64) as usize
    }
    fn nonzero(&mut self) -> u8 {
        (self.below(255) + 1) as u8
    }
    /// `count` distinct positions in 0..n.
    fn positions(&mut self, n: usize, count: usize) -> Vec<usize> {
        let mut all: Vec<usize> = (0..n).collect();
        for i in 0..count {
            let j = i + self.below(n - i);
            all.swap(i, j);
        }
        all.truncate(count);
        all
    }
}

fn padded(message: &[u8], k: usize) -> Vec<u8> {
    let mut m = vec![0u8; k - message.len()];
    m.extend_from_slice(message);
    m
}

fn distance(a: &[u8], b: &[u8]) -> usize {
    a.iter().zip(b).filter(|(x, y)| x != y).count()
}

/// Any successful decode must be a genuine codeword within the radius of `received`.
fn check_genuine(
    rs: &RsCoder,
    received: &[u8],
    erasures: &[usize],
    message: &[u8],
    corrected: usize,
) {
    assert_eq!(message.len(), rs.k(), "never more (or less) than k bytes");
    let re = rs.encode(message).unwrap();
    assert!(rs.verify(&re));
    let changed: Vec<usize> = (0..rs.n()).filter(|&i| re[i] != received[i]).collect();
    assert_eq!(changed.len(), corrected);
    let errors = changed.iter().filter(|p| !erasures.contains(p)).count();
    assert!(2 * errors + erasures.len() <= rs.parity_len());
}

/// (n, k, message of at most k bytes, seed).
fn code_and_message() -> impl Strategy<Value = (usize, usize, Vec<u8>, u64)> {
    (2usize..=255)
        .prop_flat_map(|n| (Just(n), 1..n))
        .prop_flat_map(|(n, k)| {
            (
                Just(n),
                Just(k),
                prop::collection::vec(any::<u8>(), 0..=k),
                any::<u64>(),
            )
        })
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn encode_is_systematic_and_valid((n, k, message, _seed) in code_and_message()) {
        let rs = RsCoder::new(n, k).unwrap();
        let word = rs.encode(&message).unwrap();
        prop_assert_eq!(word.len(), n);
        prop_assert_eq!(&word[..k], &padded(&message, k)[..]);
        prop_assert!(rs.verify(&word));
        let mut out = vec![0xAAu8; n];
        rs.encode_into(&message, &mut out).unwrap();
        prop_assert_eq!(&out, &word);
        let d = rs.decode_report(&word).unwrap();
        prop_assert_eq!(d.corrected, 0);
        prop_assert_eq!(d.message, padded(&message, k));
    }

    #[test]
    fn corrects_up_to_t_errors((n, k, message, seed) in code_and_message()) {
        let rs = RsCoder::new(n, k).unwrap();
        let mut rng = Rng(seed);
        let word = rs.encode(&message).unwrap();
        let e = rng.below(rs.max_errors() + 1);
        let mut received = word.clone();
        for p in rng.positions(n, e) {
            received[p] ^= rng.nonzero();
        }
        prop_assert_eq!(rs.verify(&received), e == 0);
        let d = rs.decode_report(&received).unwrap();
        prop_assert_eq!(&d.message, &padded(&message, k));
        prop_assert_eq!(d.corrected, e);
        let stripped = rs.decode_stripped(&received).unwrap();
        let zeros = d.message.iter().take_while(|&&b| b == 0).count();
        prop_assert_eq!(&stripped[..], &d.message[zeros..]);
        let mut inplace = received.clone();
        prop_assert_eq!(rs.correct_in_place(&mut inplace, &[]).unwrap(), e);
        prop_assert_eq!(inplace, word);
    }

    #[test]
    fn corrects_errors_and_erasures((n, k, message, seed) in code_and_message()) {
        let rs = RsCoder::new(n, k).unwrap();
        let nsym = n - k;
        let mut rng = Rng(seed);
        let word = rs.encode(&message).unwrap();
        let s = rng.below(nsym + 1);
        let e = rng.below((nsym - s) / 2 + 1);
        let pos = rng.positions(n, s + e);
        let (erasures, errors) = pos.split_at(s);
        let mut received = word.clone();
        for &p in erasures {
            // An erased byte may or may not actually be wrong.
            received[p] = rng.next() as u8;
        }
        for &p in errors {
            received[p] ^= rng.nonzero();
        }
        let wrong = distance(&received, &word);
        let d = rs.decode_with_erasures(&received, erasures).unwrap();
        prop_assert_eq!(&d.message, &padded(&message, k));
        prop_assert_eq!(d.corrected, wrong);
    }

    #[test]
    fn beyond_t_errors_is_an_error_or_a_genuine_codeword((n, k, message, seed) in code_and_message()) {
        let rs = RsCoder::new(n, k).unwrap();
        let t = rs.max_errors();
        let mut rng = Rng(seed);
        let word = rs.encode(&message).unwrap();
        let e = t + 1 + rng.below(n - t);
        let mut received = word.clone();
        for p in rng.positions(n, e) {
            received[p] ^= rng.nonzero();
        }
        match rs.decode_report(&received) {
            Err(err) => prop_assert_eq!(err, RsError::Uncorrectable),
            Ok(d) => {
                check_genuine(&rs, &received, &[], &d.message, d.corrected);
                // It is a different codeword than the one sent.
                prop_assert_ne!(rs.encode(&d.message).unwrap(), word);
            }
        }
        // On failure the in-place variant leaves the word as it was.
        let mut inplace = received.clone();
        if rs.correct_in_place(&mut inplace, &[]).is_err() {
            prop_assert_eq!(inplace, received);
        }
    }

    #[test]
    fn beyond_bound_with_erasures((n, k, message, seed) in code_and_message()) {
        let rs = RsCoder::new(n, k).unwrap();
        let nsym = n - k;
        let mut rng = Rng(seed);
        let word = rs.encode(&message).unwrap();
        let s = rng.below(nsym + 1);
        // Errors outside the erasures with 2e + s > nsym.
        let min_e = (nsym - s) / 2 + 1;
        if s + min_e > n {
            return Ok(());
        }
        let e = min_e + rng.below(n - s - min_e + 1);
        let pos = rng.positions(n, s + e);
        let (erasures, errors) = pos.split_at(s);
        let mut received = word.clone();
        for &p in errors {
            received[p] ^= rng.nonzero();
        }
        if let Ok(d) = rs.decode_with_erasures(&received, erasures) {
            check_genuine(&rs, &received, erasures, &d.message, d.corrected);
        }
    }

    #[test]
    fn arbitrary_input_never_panics(
        n in 0usize..300,
        k in 0usize..300,
        received in prop::collection::vec(any::<u8>(), 0..300),
        erasures in prop::collection::vec(0usize..300, 0..40),
    ) {
        let Ok(rs) = RsCoder::new(n, k) else {
            prop_assert!(!(1 <= k && k < n && n <= 255));
            return Ok(());
        };
        let _ = rs.verify(&received);
        let _ = rs.decode_stripped(&received);
        if let Ok(d) = rs.decode_report(&received) {
            check_genuine(&rs, &received, &[], &d.message, d.corrected);
        }
        if let Ok(d) = rs.decode_with_erasures(&received, &erasures) {
            check_genuine(&rs, &received, &erasures, &d.message, d.corrected);
        }
        let _ = rs.encode(&received);
        let _ = rs.decode_stream(&received);
    }

    #[test]
    fn random_words_of_length_n_never_panic((n, k, _m, seed) in code_and_message(), erase in 0usize..8) {
        let rs = RsCoder::new(n, k).unwrap();
        let mut rng = Rng(seed);
        let received: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
        let erasures = rng.positions(n, erase.min(n - k));
        if let Ok(d) = rs.decode_with_erasures(&received, &erasures) {
            check_genuine(&rs, &received, &erasures, &d.message, d.corrected);
        }
    }
}

proptest! {
    #![proptest_config(config(48))]

    #[test]
    fn stream_round_trip_with_corruption(
        (n, k) in (2usize..=255).prop_flat_map(|n| (Just(n), 1..n)),
        data in prop::collection::vec(any::<u8>(), 0..3000),
        seed in any::<u64>(),
    ) {
        let rs = RsCoder::new(n, k).unwrap();
        let mut rng = Rng(seed);
        let mut coded = rs.encode_stream(&data);
        prop_assert_eq!(coded.len(), rs.encoded_len(data.len()));
        prop_assert_eq!(coded.len(), data.len().div_ceil(k) * n);
        let mut expect = StreamReport::default();
        for word in coded.chunks_exact_mut(n) {
            prop_assert!(rs.verify(word));
            let e = rng.below(rs.max_errors() + 1);
            for p in rng.positions(n, e) {
                word[p] ^= rng.nonzero();
            }
            expect.codewords += 1;
            expect.corrected_bytes += e as u64;
            expect.corrected_codewords += u64::from(e > 0);
        }
        let (decoded, report) = rs.decode_stream(&coded).unwrap();
        prop_assert_eq!(report, expect);
        prop_assert_eq!(decoded.len(), data.len().div_ceil(k) * k);
        prop_assert_eq!(&decoded[..data.len()], &data[..]);
        prop_assert!(decoded[data.len()..].iter().all(|&b| b == 0));
    }

    #[test]
    fn file_round_trip_with_corruption(
        (n, k) in (2usize..=255).prop_flat_map(|n| (Just(n), 1..n)),
        depth in 1usize..=32,
        data in prop::collection::vec(any::<u8>(), 0..5000),
        seed in any::<u64>(),
    ) {
        let rs = RsCoder::new(n, k).unwrap();
        let mut rng = Rng(seed);
        let mut protected = Vec::new();
        let pr = protect_file(&data[..], &mut protected, n, k, depth).unwrap();
        prop_assert_eq!(&protected[HEADER_LEN..protected.len() - TRAILER_LEN], &model_body(&rs, &data, depth)[..]);
        prop_assert_eq!(protected.len() as u64, pr.written);
        prop_assert_eq!(pr.written, protected_len(data.len() as u64, n, k));
        prop_assert_eq!(pr.length, data.len() as u64);
        // Damage header, trailer (up to 8 bytes each) and every codeword (up to t).
        let body_end = protected.len() - TRAILER_LEN;
        let mut total = 0u64;
        let h = rng.below(9);
        for p in rng.positions(HEADER_LEN, h) {
            protected[p] ^= rng.nonzero();
        }
        let t = rng.below(9);
        for p in rng.positions(TRAILER_LEN, t) {
            protected[body_end + p] ^= rng.nonzero();
        }
        let m = pr.codewords as usize;
        for cw in 0..m {
            let e = rng.below(rs.max_errors() + 1);
            for p in rng.positions(n, e) {
                protected[HEADER_LEN + body_pos(m, n, depth, cw, p)] ^= rng.nonzero();
            }
            total += e as u64;
        }
        let mut repaired = Vec::new();
        let report = repair_file(&protected[..], &mut repaired).unwrap();
        prop_assert_eq!(&repaired, &data);
        prop_assert_eq!(
            (report.n, report.k, report.depth, report.length),
            (n, k, depth, data.len() as u64)
        );
        prop_assert_eq!(report.body.corrected_bytes, total);
        prop_assert_eq!(report.body.codewords, pr.codewords);
    }

    #[test]
    fn repair_of_arbitrary_bytes_never_panics(
        junk in prop::collection::vec(any::<u8>(), 0..2000),
        keep_header in any::<bool>(),
    ) {
        let mut input = junk;
        if keep_header {
            // A valid header followed by junk: exercises the body/trailer paths.
            let mut protected = Vec::new();
            protect_file(&b"x"[..], &mut protected, 20, 13, 3).unwrap();
            let mut v = protected[..HEADER_LEN].to_vec();
            v.extend_from_slice(&input);
            input = v;
        }
        let mut out = Vec::new();
        let _ = repair_file(&input[..], &mut out);
    }
}

// ---- unhappy paths -------------------------------------------------------------------

#[test]
fn bad_parameters() {
    for (n, k) in [
        (0, 0),
        (10, 0),
        (10, 10),
        (10, 11),
        (256, 200),
        (300, 1),
        (1, 1),
    ] {
        let err = RsCoder::new(n, k).unwrap_err();
        assert_eq!(err, RsError::InvalidParameters { n, k });
        assert!(err.to_string().contains("1 <= k < n <= 255"));
    }
    assert!(RsCoder::new(255, 1).is_ok());
    assert!(RsCoder::new(255, 254).is_ok());
    assert!(RsCoder::new(2, 1).is_ok());
}

#[test]
fn message_too_long() {
    let rs = RsCoder::new(20, 13).unwrap();
    assert_eq!(
        rs.encode(&[1u8; 14]).unwrap_err(),
        RsError::MessageTooLong { len: 14, k: 13 }
    );
    let mut out = [0u8; 20];
    assert!(rs.encode_into(&[1u8; 14], &mut out).is_err());
}

#[test]
fn wrong_lengths() {
    let rs = RsCoder::new(20, 13).unwrap();
    for len in [0, 1, 13, 19, 21, 255] {
        let w = vec![0u8; len];
        assert_eq!(
            rs.decode(&w).unwrap_err(),
            RsError::WrongLength { len, n: 20 }
        );
        assert!(rs.decode_stripped(&w).is_err());
        assert!(rs.decode_with_erasures(&w, &[]).is_err());
        let mut v = w.clone();
        assert!(rs.correct_in_place(&mut v, &[]).is_err());
        assert!(!rs.verify(&w));
        if len <= 13 {
            let mut out = vec![0u8; len];
            assert_eq!(
                rs.encode_into(b"", &mut out).unwrap_err(),
                RsError::WrongLength { len, n: 20 }
            );
        }
    }
}

#[test]
fn bad_erasures() {
    let rs = RsCoder::new(20, 13).unwrap();
    let w = rs.encode(b"Hello").unwrap();
    assert_eq!(
        rs.decode_with_erasures(&w, &[3, 20]).unwrap_err(),
        RsError::ErasureOutOfRange {
            position: 20,
            n: 20
        }
    );
    assert_eq!(
        rs.decode_with_erasures(&w, &[3, 5, 3]).unwrap_err(),
        RsError::DuplicateErasure { position: 3 }
    );
    assert_eq!(
        rs.decode_with_erasures(&w, &[0, 1, 2, 3, 4, 5, 6, 7])
            .unwrap_err(),
        RsError::TooManyErasures { count: 8, max: 7 }
    );
    // Exactly n − k erasures, all wrong, is still fine.
    let mut r = w.clone();
    for b in &mut r[5..12] {
        *b ^= 0x5a;
    }
    let d = rs
        .decode_with_erasures(&r, &[5, 6, 7, 8, 9, 10, 11])
        .unwrap();
    assert_eq!(d.message, rs.decode(&w).unwrap());
    assert_eq!(d.corrected, 7);
}

#[test]
fn too_many_errors_is_detected() {
    let rs = RsCoder::new(255, 223).unwrap();
    let msg: Vec<u8> = (0..223u32).map(|i| (i * 37 + 11) as u8).collect();
    let mut w = rs.encode(&msg).unwrap();
    for p in 0..17 {
        w[p * 13] ^= 0x80 | p as u8;
    }
    assert_eq!(rs.decode(&w).unwrap_err(), RsError::Uncorrectable);
    assert!(rs.decode_stripped(&w).is_err());

    // In a stream, the error names the codeword.
    let data: Vec<u8> = (0..223 * 3).map(|i| i as u8).collect();
    let mut coded = rs.encode_stream(&data);
    coded[255..510].copy_from_slice(&w);
    coded[0] ^= 1;
    assert_eq!(
        rs.decode_stream(&coded).unwrap_err(),
        RsError::UncorrectableCodeword { index: 1 }
    );
    let mut out = Vec::new();
    let mut report = StreamReport::default();
    assert!(rs
        .decode_stream_into(&coded, &mut out, &mut report)
        .is_err());
    assert_eq!(out, &data[..223]);
    assert_eq!(report.codewords, 1);
    assert_eq!(report.corrected_bytes, 1);
}

#[test]
fn stream_length_must_be_whole_codewords() {
    let rs = RsCoder::new(20, 13).unwrap();
    assert_eq!(
        rs.decode_stream(&[0u8; 30]).unwrap_err(),
        RsError::StreamLength { len: 30, n: 20 }
    );
    assert_eq!(rs.encode_stream(b""), Vec::<u8>::new());
    assert_eq!(
        rs.decode_stream(b"").unwrap(),
        (Vec::new(), StreamReport::default())
    );
}

#[test]
fn stream_framing_pads_at_the_end() {
    let rs = RsCoder::new(20, 13).unwrap();
    let coded = rs.encode_stream(b"Hello, world!Hi");
    assert_eq!(coded.len(), 40);
    assert_eq!(&coded[..20], &rs.encode(b"Hello, world!").unwrap()[..]);
    let mut last = b"Hi".to_vec();
    last.resize(13, 0);
    assert_eq!(&coded[20..], &rs.encode(&last).unwrap()[..]);
}

fn protected(data: &[u8], n: usize, k: usize) -> Vec<u8> {
    protected_depth(data, n, k, 1)
}

fn protected_depth(data: &[u8], n: usize, k: usize, depth: usize) -> Vec<u8> {
    let mut out = Vec::new();
    protect_file(data, &mut out, n, k, depth).unwrap();
    out
}

#[test]
fn file_errors() {
    let mut sink = Vec::new();
    // Bad parameters.
    assert!(matches!(
        protect_file(&b"abc"[..], &mut sink, 10, 10, 1),
        Err(FileError::Rs(RsError::InvalidParameters { n: 10, k: 10 }))
    ));
    // Not a container.
    assert!(matches!(
        repair_file(&b""[..], &mut sink),
        Err(FileError::NotProtected)
    ));
    assert!(matches!(
        repair_file(&[0x42u8; 500][..], &mut sink),
        Err(FileError::NotProtected)
    ));
    let good = protected(&[7u8; 1000], 255, 223);
    // Truncated: missing trailer bytes, or a partial codeword.
    for cut in [1, 31, 32, 33, 100] {
        let r = repair_file(&good[..good.len() - cut], &mut Vec::new());
        assert!(
            matches!(r, Err(FileError::Truncated | FileError::BadTrailer)),
            "cut {cut}: {r:?}"
        );
    }
    // Header only.
    assert!(matches!(
        repair_file(&good[..HEADER_LEN], &mut Vec::new()),
        Err(FileError::Truncated)
    ));
    // Trailer destroyed.
    let mut bad = good.clone();
    let end = bad.len();
    for b in &mut bad[end - TRAILER_LEN..end - 10] {
        *b ^= 0x33;
    }
    assert!(matches!(
        repair_file(&bad[..], &mut Vec::new()),
        Err(FileError::BadTrailer)
    ));
    // Header destroyed.
    let mut bad = good.clone();
    for b in &mut bad[..20] {
        *b ^= 0x33;
    }
    assert!(matches!(
        repair_file(&bad[..], &mut Vec::new()),
        Err(FileError::NotProtected)
    ));
    // Length in the trailer disagrees with the body: splice another file's trailer.
    let other = protected(&[7u8; 5000], 255, 223);
    let mut bad = good[..good.len() - TRAILER_LEN].to_vec();
    bad.extend_from_slice(&other[other.len() - TRAILER_LEN..]);
    assert!(matches!(
        repair_file(&bad[..], &mut Vec::new()),
        Err(FileError::LengthMismatch {
            length: 5000,
            codewords: 5
        })
    ));
    // Uncorrectable body codeword.
    let mut bad = good.clone();
    for i in 0..40 {
        bad[HEADER_LEN + 255 + i * 3] ^= 0xa5;
    }
    let r = repair_file(&bad[..], &mut Vec::new());
    assert!(
        matches!(
            r,
            Err(FileError::Rs(RsError::UncorrectableCodeword { index: 1 }))
        ),
        "{r:?}"
    );
    // Unsupported version: re-encode a header with version 2.
    let meta = RsCoder::new(32, 16).unwrap();
    let mut msg = meta.decode(&good[..HEADER_LEN]).unwrap();
    msg[6] = 2;
    let mut bad = meta.encode(&msg).unwrap();
    bad.extend_from_slice(&good[HEADER_LEN..]);
    assert!(matches!(
        repair_file(&bad[..], &mut Vec::new()),
        Err(FileError::UnsupportedVersion(2))
    ));
    // Errors display.
    assert!(!FileError::Truncated.to_string().is_empty());
}

#[test]
fn file_empty_and_exact_sizes() {
    for (len, n, k) in [
        (0, 255, 223),
        (223, 255, 223),
        (446, 255, 223),
        (1, 2, 1),
        (70000, 255, 223),
    ] {
        let data: Vec<u8> = (0..len).map(|i| (i * 7 + 3) as u8).collect();
        let p = protected(&data, n, k);
        assert_eq!(p.len() as u64, protected_len(len as u64, n, k));
        let mut out = Vec::new();
        let report = repair_file(&p[..], &mut out).unwrap();
        assert_eq!(out, data);
        assert_eq!(report.body.corrected_bytes, 0);
        assert_eq!(report.header_corrected + report.trailer_corrected, 0);
    }
}

/// A reader that returns one byte per call, to exercise partial reads.
struct Trickle<'a>(&'a [u8]);

impl std::io::Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.0.is_empty() || buf.is_empty() {
            return Ok(0);
        }
        buf[0] = self.0[0];
        self.0 = &self.0[1..];
        Ok(1)
    }
}

#[test]
fn file_with_trickling_reader() {
    let data: Vec<u8> = (0..3000u32).map(|i| (i % 251) as u8).collect();
    let mut p = Vec::new();
    protect_file(Trickle(&data), &mut p, 50, 40, 1).unwrap();
    assert_eq!(p, protected(&data, 50, 40));
    p[HEADER_LEN + 7] ^= 1;
    let mut out = Vec::new();
    let report = repair_file(Trickle(&p), &mut out).unwrap();
    assert_eq!(out, data);
    assert_eq!(report.body.corrected_bytes, 1);
    assert_eq!(report.body.corrected_codewords, 1);
}

#[test]
fn beyond_t_can_only_land_on_a_genuine_codeword() {
    // RS(4, 2), t = 1: the all-zero codeword with 2 errors can sit at distance 1 from
    // another codeword. The decoder returns that codeword's message (k bytes), which is
    // all any decoder can do; it never returns anything that is not a codeword.
    let rs = RsCoder::new(4, 2).unwrap();
    let c = rs.encode(&[0, 1]).unwrap();
    let nz: Vec<usize> = (0..4).filter(|&i| c[i] != 0).collect();
    assert!(nz.len() >= 3, "minimum distance 3");
    let mut received = c.clone();
    received[nz[0]] = 0;
    assert_eq!(distance(&received, &[0; 4]), nz.len() - 1);
    let d = rs.decode_report(&received).unwrap();
    assert_eq!(d.message, [0, 1]);
    assert_eq!(d.corrected, 1);
}

#[test]
fn protected_len_saturates() {
    assert_eq!(protected_len(u64::MAX, 255, 1), u64::MAX);
    assert_eq!(protected_len(0, 255, 223), 64);
    assert_eq!(protected_len(224, 255, 223), 64 + 510);
}

// ---- interleaving --------------------------------------------------------------------

/// Offset in the body of byte `i` of codeword `cw` (m codewords of n bytes, groups of
/// `depth`), straight from the format's definition.
fn body_pos(m: usize, n: usize, depth: usize, cw: usize, i: usize) -> usize {
    let (g, j) = (cw / depth, cw % depth);
    let d = depth.min(m - g * depth);
    g * depth * n + i * d + j
}

/// The body as the module docs define it, built from the plain stream framing.
fn model_body(rs: &RsCoder, data: &[u8], depth: usize) -> Vec<u8> {
    let n = rs.n();
    let words = rs.encode_stream(data);
    let m = words.len() / n;
    let mut body = vec![0u8; words.len()];
    for (cw, word) in words.chunks_exact(n).enumerate() {
        for (i, &b) in word.iter().enumerate() {
            body[body_pos(m, n, depth, cw, i)] = b;
        }
    }
    body
}

/// Data lengths that hit the edges: 0, multiples of k and of depth·k, and around them.
fn edge_len(k: usize, depth: usize, pick: usize, other: usize) -> usize {
    let groups = other % 4;
    match pick % 6 {
        0 => 0,
        1 => groups * depth * k,
        2 => (groups * depth * k + 1).max(1),
        3 => (groups * depth * k + depth * k).saturating_sub(1),
        4 => (groups * depth + other % depth) * k,
        _ => other % (4 * depth * k + 1),
    }
}

proptest! {
    #![proptest_config(config(48))]

    #[test]
    fn file_interleaved_round_trip_at_edge_lengths(
        (n, k) in (2usize..=255).prop_flat_map(|n| (Just(n), 1..n)),
        depth in 1usize..=32,
        pick in any::<usize>(),
        other in any::<usize>(),
        seed in any::<u8>(),
    ) {
        let rs = RsCoder::new(n, k).unwrap();
        let len = edge_len(k, depth, pick, other);
        let data: Vec<u8> = (0..len).map(|i| (i * 31 + usize::from(seed)) as u8).collect();
        let p = protected_depth(&data, n, k, depth);
        prop_assert_eq!(p.len() as u64, protected_len(len as u64, n, k));
        prop_assert_eq!(&p[HEADER_LEN..p.len() - TRAILER_LEN], &model_body(&rs, &data, depth)[..]);
        let mut out = Vec::new();
        let report = repair_file(&p[..], &mut out).unwrap();
        prop_assert_eq!(out, data);
        prop_assert_eq!(report.depth, depth);
        prop_assert_eq!(report.body.codewords, len.div_ceil(k) as u64);
    }

    #[test]
    fn file_burst_up_to_depth_times_t_is_repaired(
        (n, k) in (3usize..=255).prop_flat_map(|n| (Just(n), 1..n - 1)),
        depth in 1usize..=32,
        len in 1usize..8000,
        seed in any::<u64>(),
    ) {
        let rs = RsCoder::new(n, k).unwrap();
        let t = rs.max_errors();
        let mut rng = Rng(seed);
        let data: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        let mut p = protected_depth(&data, n, k, depth);
        let body = p.len() - HEADER_LEN - TRAILER_LEN;
        // The last group holds d ≤ depth codewords, so only d·t of the burst may fall
        // in it (the format's guarantee); full groups take depth·t.
        let m = len.div_ceil(k);
        let last_start = (m - 1) / depth * depth * n;
        let d = m - (m - 1) / depth * depth;
        let mut burst = (1 + rng.below(depth * t)).min(body);
        if last_start == 0 {
            burst = burst.min(d * t);
        }
        let max_start = (body - burst).min(last_start + d * t - burst);
        let start = HEADER_LEN + rng.below(max_start + 1);
        for b in &mut p[start..start + burst] {
            *b ^= rng.nonzero();
        }
        let mut out = Vec::new();
        let report = repair_file(&p[..], &mut out).unwrap();
        prop_assert_eq!(out, data);
        prop_assert_eq!(report.body.corrected_bytes, burst as u64);
    }

    #[test]
    fn file_burst_beyond_depth_times_t_fails_or_lands_on_codewords(
        (n, k) in (3usize..=64).prop_flat_map(|n| (Just(n), 1..n - 1)),
        depth in 1usize..=32,
        extra in 1usize..64,
        seed in any::<u64>(),
    ) {
        let rs = RsCoder::new(n, k).unwrap();
        let t = rs.max_errors();
        let mut rng = Rng(seed);
        // A whole number of codewords: no padding, whose bytes a wrong decode could
        // change without changing the data.
        let len = k * (depth * 3 + rng.below(depth * 2));
        let data: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        let good = protected_depth(&data, n, k, depth);
        let mut p = good.clone();
        let body = p.len() - HEADER_LEN - TRAILER_LEN;
        let m = len.div_ceil(k);
        let burst = (depth * t + extra).min(body);
        let start = HEADER_LEN + rng.below(body - burst + 1);
        for b in &mut p[start..start + burst] {
            *b ^= rng.nonzero();
        }
        // Errors per codeword (in data order).
        let errors: Vec<usize> = (0..m)
            .map(|cw| (0..n).filter(|&i| {
                let q = HEADER_LEN + body_pos(m, n, depth, cw, i);
                p[q] != good[q]
            }).count())
            .collect();
        let mut out = Vec::new();
        match repair_file(&p[..], &mut out) {
            // Only a codeword with more than t errors can fail, and it is the first one
            // in data order that the decoder gives up on: everything before decoded.
            Err(FileError::Rs(RsError::UncorrectableCodeword { index })) => {
                let index = index as usize;
                prop_assert!(errors[index] > t, "codeword {} had {} errors", index, errors[index]);
                prop_assert!(out.len() <= index * k);
            }
            Err(e) => prop_assert!(false, "unexpected error {:?}", e),
            // Beyond t a decoder may land on another codeword (it can do no better):
            // then every codeword it returned is genuine and within t of what it read.
            Ok(report) => {
                prop_assert_eq!(out.len(), len);
                let again = protected_depth(&out, n, k, depth);
                let mut total = 0;
                for cw in 0..m {
                    let d = (0..n).filter(|&i| {
                        let q = HEADER_LEN + body_pos(m, n, depth, cw, i);
                        p[q] != again[q]
                    }).count();
                    prop_assert!(d <= t);
                    total += d;
                }
                prop_assert_eq!(report.body.corrected_bytes, total as u64);
                if errors.iter().any(|&e| e > t) {
                    prop_assert_ne!(out, data);
                }
            }
        }
    }
}

#[test]
fn file_header_layout_and_depth_limits() {
    let meta = RsCoder::new(32, 16).unwrap();
    let p = protected_depth(b"hello", 255, 223, 9);
    let msg = meta.decode(&p[..HEADER_LEN]).unwrap();
    assert_eq!(
        msg,
        [b'A', b'F', b'E', b'C', b'R', b'S', 1, 255, 223, 9, 0, 0, 0, 0, 0, 0]
    );
    let mut sink = Vec::new();
    for bad in [0, MAX_DEPTH + 1] {
        let r = protect_file(&b"abc"[..], &mut sink, 255, 223, bad);
        assert!(
            matches!(r, Err(FileError::InvalidDepth(d)) if d == bad),
            "{r:?}"
        );
        assert!(r.unwrap_err().to_string().contains("depth"));
    }
    assert!(sink.is_empty(), "nothing written for a bad depth");
    protected_depth(b"abc", 255, 223, MAX_DEPTH);
    // A header claiming depth 0 is not a container.
    let mut msg = msg;
    msg[9] = 0;
    let mut bad = meta.encode(&msg).unwrap();
    bad.extend_from_slice(&p[HEADER_LEN..]);
    assert!(matches!(
        repair_file(&bad[..], &mut Vec::new()),
        Err(FileError::NotProtected)
    ));
}

#[test]
fn file_burst_just_beyond_depth_times_t_is_an_error() {
    // RS(255, 223), t = 16, depth 8: 129 consecutive bad bytes from the start of the
    // second group give its first codeword (number 8) 17 errors, the others 16.
    let data: Vec<u8> = (0..20_000u32).map(|i| (i * 7 + i / 251) as u8).collect();
    let good = protected_depth(&data, 255, 223, 8);
    let start = HEADER_LEN + 8 * 255;
    let mut p = good.clone();
    for b in &mut p[start..start + 128] {
        *b ^= 0x5a;
    }
    let mut out = Vec::new();
    repair_file(&p[..], &mut out).unwrap();
    assert_eq!(out, data);
    p[start + 128] ^= 0x5a;
    let r = repair_file(&p[..], &mut Vec::new());
    assert!(
        matches!(
            r,
            Err(FileError::Rs(RsError::UncorrectableCodeword { index: 8 }))
        ),
        "{r:?}"
    );
    // The same 129 bytes without interleaving hit one codeword only: far beyond t.
    let mut p = protected_depth(&data, 255, 223, 1);
    for b in &mut p[start..start + 129] {
        *b ^= 0x5a;
    }
    assert!(repair_file(&p[..], &mut Vec::new()).is_err());
}

#[test]
fn file_interleaved_with_trickling_reader() {
    let data: Vec<u8> = (0..3000u32).map(|i| (i % 251) as u8).collect();
    let mut p = Vec::new();
    let pr = protect_file(Trickle(&data), &mut p, 50, 40, 7).unwrap();
    assert_eq!(pr.depth, 7);
    assert_eq!(p, protected_depth(&data, 50, 40, 7));
    // A burst of 7·5 = 35 bytes across the boundary of the first two groups.
    for b in &mut p[HEADER_LEN + 7 * 50 - 20..HEADER_LEN + 7 * 50 + 15] {
        *b ^= 0xc3;
    }
    let mut out = Vec::new();
    let report = repair_file(Trickle(&p), &mut out).unwrap();
    assert_eq!(out, data);
    assert_eq!(report.depth, 7);
    assert_eq!(report.body.corrected_bytes, 35);
    assert_eq!(report.body.corrected_codewords, 14);
}

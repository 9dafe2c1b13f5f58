//! Property tests and unhappy paths for the `rs` coder and its stream framing (the
//! file container is tested in `rs_file.rs`).

mod rs_common;

use algorithm_fec::rs::{RsCoder, RsError, StreamReport};
use proptest::prelude::*;
use rs_common::Rng;

fn config(default: u32) -> ProptestConfig {
    ProptestConfig::with_cases(rs_common::cases(default))
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
    assert_eq!(
        rs.encode_into(&[1u8; 14], &mut out).unwrap_err(),
        RsError::MessageTooLong { len: 14, k: 13 }
    );
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
        let wrong = RsError::WrongLength { len, n: 20 };
        assert_eq!(rs.decode_stripped(&w).unwrap_err(), wrong);
        assert_eq!(rs.decode_with_erasures(&w, &[]).unwrap_err(), wrong);
        let mut v = w.clone();
        assert_eq!(rs.correct_in_place(&mut v, &[]).unwrap_err(), wrong);
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
    assert_eq!(rs.decode_stripped(&w).unwrap_err(), RsError::Uncorrectable);

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
    assert_eq!(
        rs.decode_stream_into(&coded, &mut out, &mut report)
            .unwrap_err(),
        RsError::UncorrectableCodeword { index: 1 }
    );
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

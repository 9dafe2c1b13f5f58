//! The zfec share format against real zfec 1.5.2 output (`tests/data/zfec/`):
//! header bytes, decoding from several choices of k shares, re-encoding byte for byte.

use std::fs;
use std::io::Cursor;
use std::path::{Path, PathBuf};

use algorithm_fec::zfec::{self, Error, Header, HeaderError, Share, ShareSet};
use sha2::{Digest, Sha256};

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/zfec")
}

fn rows(file: &str) -> Vec<Vec<String>> {
    fs::read_to_string(data_dir().join(file))
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| l.split('\t').map(str::to_string).collect())
        .collect()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn sha(b: &[u8]) -> String {
    hex(&Sha256::digest(b))
}

#[path = "common/rng.rs"]
mod rng;
use rng::Rng;

#[test]
fn headers_tsv_build_and_parse() {
    let rows = rows("HEADERS.tsv");
    assert_eq!(rows.len(), 24);
    for r in rows {
        let n: Vec<usize> = r[..5].iter().map(|x| x.parse().unwrap()).collect();
        let (m, k, padlen, sharenum, bits) = (n[0], n[1], n[2], n[3], n[4]);
        let h = Header::new(m, k, padlen, sharenum).unwrap();
        let bytes = h.to_bytes().unwrap();
        assert_eq!(hex(&bytes), r[5], "build {r:?}");
        assert_eq!(bytes.len(), bits.div_ceil(8).max(2), "length rule {r:?}");
        assert_eq!(Header::len_for(m, k), bytes.len());
        let mut with_data = bytes.clone();
        with_data.extend_from_slice(&[0xff; 7]);
        assert_eq!(
            Header::parse(&with_data).unwrap(),
            (h, bytes.len()),
            "parse {r:?}"
        );
        let mut cur = Cursor::new(&with_data);
        assert_eq!(Header::read_from(&mut cur).unwrap().unwrap(), h);
        assert_eq!(cur.position() as usize, bytes.len());
    }
}

#[test]
fn header_round_trip_all_parameters() {
    let mut rng = Rng(0x5eed);
    let mut count = 0;
    for m in 1..=256usize {
        for k in 1..=m {
            let mut nums = vec![0, m - 1, m / 2];
            nums.push(rng.below(m));
            for padlen in 0..k {
                for &sharenum in &nums {
                    let h = Header::new(m, k, padlen, sharenum).unwrap();
                    let b = h.to_bytes().unwrap();
                    assert!((2..=4).contains(&b.len()));
                    assert_eq!(Header::parse(&b).unwrap(), (h, b.len()), "{h:?}");
                    assert_eq!(
                        Header::parse(&b[..b.len() - 1]),
                        Err(HeaderError::TooShort {
                            needed: if b.len() == 2 { 2 } else { b.len() },
                            got: b.len() - 1
                        })
                    );
                    count += 1;
                }
            }
        }
    }
    assert!(count > 2_000_000, "{count}");
}

#[test]
fn header_rejects_out_of_range_fields() {
    assert_eq!(
        Header::new(0, 1, 0, 0),
        Err(HeaderError::MOutOfRange { m: 0 })
    );
    assert_eq!(
        Header::new(257, 1, 0, 0),
        Err(HeaderError::MOutOfRange { m: 257 })
    );
    assert_eq!(
        Header::new(3, 4, 0, 0),
        Err(HeaderError::KOutOfRange { k: 4, m: 3 })
    );
    assert_eq!(
        Header::new(3, 0, 0, 0),
        Err(HeaderError::KOutOfRange { k: 0, m: 3 })
    );
    assert_eq!(
        Header::new(3, 2, 2, 0),
        Err(HeaderError::PadlenTooLarge { padlen: 2, k: 2 })
    );
    assert_eq!(
        Header::new(3, 2, 1, 3),
        Err(HeaderError::ShareNumOutOfRange { sharenum: 3, m: 3 })
    );
    // m=10: 4 bits for k, so k=11..16 and sharenum 10..15 can be stored; they must be rejected.
    // 0x09 | k-1=15 (1111) | padlen 4 bits | sharenum 4 bits
    assert_eq!(
        Header::parse(&[0x09, 0xf0, 0x00]),
        Err(HeaderError::KOutOfRange { k: 16, m: 10 })
    );
    // m=10, k=3 (0010), padlen=3 (11), sharenum=0 → padlen >= k
    assert_eq!(
        Header::parse(&[0x09, 0x2c, 0x00]),
        Err(HeaderError::PadlenTooLarge { padlen: 3, k: 3 })
    );
    // m=10, k=3, padlen=0, sharenum=12 (1100)
    assert_eq!(
        Header::parse(&[0x09, 0x23, 0x00]),
        Err(HeaderError::ShareNumOutOfRange {
            sharenum: 12,
            m: 10
        })
    );
    assert_eq!(
        Header::parse(&[]),
        Err(HeaderError::TooShort { needed: 2, got: 0 })
    );
    assert_eq!(
        Header::parse(&[7]),
        Err(HeaderError::TooShort { needed: 2, got: 1 })
    );
}

#[test]
fn file_names() {
    assert_eq!(
        zfec::share_file_name("in0.bin", 0, 10, ".fec"),
        "in0.bin.00_10.fec"
    );
    assert_eq!(
        zfec::share_file_name("in0.bin", 9, 10, ".fec"),
        "in0.bin.09_10.fec"
    );
    assert_eq!(zfec::share_file_name("f", 2, 3, ".fec"), "f.2_3.fec");
    assert_eq!(zfec::share_file_name("f", 7, 256, ""), "f.007_256");
}

struct Case {
    dir: PathBuf,
    input: Vec<u8>,
    k: usize,
    m: usize,
    padlen: usize,
    shares: Vec<(String, Vec<u8>)>,
}

fn cases() -> Vec<Case> {
    let rows = rows("MANIFEST.tsv");
    assert_eq!(rows.len(), 5);
    rows.into_iter()
        .map(|r| {
            let dir = data_dir().join(&r[0]);
            let input = fs::read(dir.join(&r[1])).unwrap();
            assert_eq!(input.len(), r[2].parse::<usize>().unwrap());
            assert_eq!(sha(&input), r[3]);
            let (k, m, padlen) = (
                r[4].parse().unwrap(),
                r[5].parse().unwrap(),
                r[6].parse().unwrap(),
            );
            let shares: Vec<(String, Vec<u8>)> = (0..m)
                .map(|i| {
                    let name = zfec::share_file_name(&r[1], i, m, ".fec");
                    let bytes = fs::read(dir.join(&name)).unwrap();
                    assert_eq!(bytes.len(), r[9].parse::<usize>().unwrap(), "{name}");
                    (name, bytes)
                })
                .collect();
            assert_eq!(hex(&shares[0].1[..r[8].parse().unwrap()]), r[7]);
            Case {
                dir,
                input,
                k,
                m,
                padlen,
                shares,
            }
        })
        .collect()
}

fn decode_from(case: &Case, pick: &[usize]) -> Result<Vec<u8>, Error> {
    let shares = pick
        .iter()
        .map(|&i| {
            let (name, bytes) = &case.shares[i];
            Share::open(name.clone(), Cursor::new(bytes.clone()), bytes.len() as u64)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let set = ShareSet::new(shares)?;
    assert_eq!(set.output_len(), case.input.len() as u64);
    assert_eq!(set.padlen(), case.padlen);
    let mut out = Vec::new();
    let n = set.decode(&mut out, &mut |_| {})?;
    assert_eq!(n, out.len() as u64);
    Ok(out)
}

#[test]
fn decode_real_zfec_shares() {
    let mut rng = Rng(42);
    for case in cases() {
        let (k, m) = (case.k, case.m);
        let mut picks = vec![(0..k).collect::<Vec<_>>(), (m - k..m).rev().collect()];
        for _ in 0..5 {
            let mut all: Vec<usize> = (0..m).collect();
            for i in (1..m).rev() {
                all.swap(i, rng.below(i + 1));
            }
            picks.push(all[..k].to_vec());
        }
        picks.push((0..m).rev().collect()); // all of them
        for pick in picks {
            let out = decode_from(&case, &pick).unwrap();
            assert_eq!(sha(&out), sha(&case.input), "{:?} {pick:?}", case.dir);
        }
    }
}

#[test]
fn encode_matches_real_zfec() {
    for case in cases() {
        let mut outs = vec![Cursor::new(Vec::new()); case.m];
        let e = zfec::encode(case.k, case.m, &case.input[..], &mut outs, &mut |_| {}).unwrap();
        assert_eq!(e.size, case.input.len() as u64);
        assert_eq!(e.padlen, case.padlen);
        for (o, (name, want)) in outs.iter().zip(&case.shares) {
            assert_eq!(o.get_ref(), want, "{:?} {name}", case.dir);
            assert_eq!(e.share_len, want.len() as u64);
        }
        // The sized (non-seeking) variant writes the same bytes.
        let mut outs = vec![Vec::new(); case.m];
        zfec::encode_sized(
            case.k,
            case.m,
            case.input.len() as u64,
            &case.input[..],
            &mut outs,
            &mut |_| {},
        )
        .unwrap();
        for (o, (_, want)) in outs.iter().zip(&case.shares) {
            assert_eq!(o, want);
        }
    }
}

#[test]
fn encode_sized_rejects_wrong_size() {
    let mut outs = vec![Vec::new(); 3];
    let err = zfec::encode_sized(2, 3, 10, &[1u8; 11][..], &mut outs, &mut |_| {}).unwrap_err();
    assert!(
        matches!(
            err,
            Error::InputSize {
                expected: 10,
                got: 11
            }
        ),
        "{err}"
    );
    let err = zfec::encode_sized(2, 3, 10, &[1u8; 9][..], &mut outs, &mut |_| {}).unwrap_err();
    assert!(
        matches!(
            err,
            Error::InputSize {
                expected: 10,
                got: 9
            }
        ),
        "{err}"
    );
}

#[test]
fn verify_real_zfec_shares() {
    for case in cases() {
        let shares = case
            .shares
            .iter()
            .map(|(n, b)| Share::open(n.clone(), Cursor::new(b.clone()), b.len() as u64).unwrap())
            .collect();
        let report = ShareSet::new(shares).unwrap().verify(&mut |_| {}).unwrap();
        assert!(report.is_consistent(), "{:?}: {report:?}", case.dir);
        assert_eq!(report.compared, case.m > case.k);
    }
}

/// Encode/decode round trips around the segment boundaries, several shapes, with
/// random k-subsets; every size also through verify.
#[test]
fn round_trips_around_segment_boundaries() {
    let mut rng = Rng(7);
    for (k, m) in [(1, 1), (1, 2), (2, 2), (3, 8), (5, 7), (16, 32), (100, 256)] {
        let seg = k * zfec::CHUNK_SIZE;
        let mut sizes = vec![
            0,
            1,
            k - 1,
            k,
            k + 1,
            seg - 1,
            seg,
            seg + 1,
            3 * seg + k / 2 + 1,
        ];
        sizes.retain(|&s| s < 4 << 20);
        sizes.sort();
        sizes.dedup();
        for size in sizes {
            let input: Vec<u8> = (0..size).map(|_| rng.next() as u8).collect();
            let mut outs = vec![Cursor::new(Vec::new()); m];
            let e = zfec::encode(k, m, &input[..], &mut outs, &mut |_| {}).unwrap();
            assert_eq!(e.padlen, zfec::padlen(size as u64, k));
            let mut all: Vec<usize> = (0..m).collect();
            rng.shuffle(&mut all);
            let files: Vec<Vec<u8>> = outs.into_iter().map(Cursor::into_inner).collect();
            let out = decode_vec(&files, &all[..k]);
            assert!(out == input, "k={k} m={m} size={size}");
        }
    }
}

fn encode_vec(k: usize, m: usize, input: &[u8]) -> Vec<Vec<u8>> {
    let mut outs = vec![Cursor::new(Vec::new()); m];
    zfec::encode(k, m, input, &mut outs, &mut |_| {}).unwrap();
    outs.into_iter().map(Cursor::into_inner).collect()
}

/// The share set of `files[i]` for each i in `pick`, read from memory.
fn share_set(files: &[Vec<u8>], pick: &[usize]) -> ShareSet<Cursor<Vec<u8>>> {
    let shares = pick
        .iter()
        .map(|&i| {
            let f = files[i].clone();
            let len = f.len() as u64;
            Share::open(format!("s{i}"), Cursor::new(f), len).unwrap()
        })
        .collect();
    ShareSet::new(shares).unwrap()
}

fn verify_vec(files: &[Vec<u8>], pick: &[usize]) -> zfec::VerifyReport {
    share_set(files, pick).verify(&mut |_| {}).unwrap()
}

fn decode_vec(files: &[Vec<u8>], pick: &[usize]) -> Vec<u8> {
    let mut out = Vec::new();
    share_set(files, pick)
        .decode(&mut out, &mut |_| {})
        .unwrap();
    out
}

#[test]
fn verify_blames_the_right_shares() {
    let input: Vec<u8> = (0..299_999u32).map(|i| (i * 31 + i / 7) as u8).collect();
    let (k, m) = (3, 7);
    let clean = encode_vec(k, m, &input);
    let all: Vec<usize> = (0..m).collect();
    assert!(verify_vec(&clean, &all).is_consistent());
    let hlen = Header::len_for(m, k); // 8+3+2+3 bits: 2 bytes
    assert_eq!(hlen, 2);
    // Two bad shares in different 4 KiB stretches of one batch: both found.
    let mut f = clean.clone();
    f[1][hlen + 10] ^= 1;
    f[5][hlen + 9000] ^= 0xff;
    f[5][hlen + 9001] ^= 0xff;
    let r = verify_vec(&f, &all);
    assert!(!r.is_consistent());
    assert!(r.unattributed.is_empty(), "{r:?}");
    let bad: Vec<(usize, u64, Option<u64>)> = r
        .bad_shares()
        .map(|s| (s.sharenum, s.bad_bytes, s.first_bad_offset))
        .collect();
    assert_eq!(
        bad,
        [
            (1, 1, Some(hlen as u64 + 10)),
            (5, 2, Some(hlen as u64 + 9000))
        ]
    );
    // Two bad shares in one stretch: found, not blamed.
    let mut f = clean.clone();
    f[0][hlen + 100] ^= 1;
    f[6][hlen + 200] ^= 1;
    let r = verify_vec(&f, &all);
    assert_eq!(r.bad_shares().count(), 0);
    assert_eq!(r.unattributed.len(), 1);
    assert_eq!(r.unattributed[0], 0..4096);
    // k + 1 shares: found, not blamed.
    let mut f = clean.clone();
    f[4][hlen + 5] ^= 1;
    let r = verify_vec(&f, &[0, 1, 2, 4]);
    assert!(!r.is_consistent() && r.bad_shares().count() == 0);
    // Non-zero padding (the last byte of data share 2) is caught even with only k shares.
    let mut f = clean.clone();
    let last = f[2].len() - 1;
    f[2][last] = 1;
    let r = verify_vec(&f, &[0, 1, 2]);
    assert!(!r.compared && !r.padding_ok && !r.is_consistent());
    let r = verify_vec(&f, &all);
    assert!(!r.padding_ok);
    assert_eq!(r.bad_shares().map(|s| s.sharenum).collect::<Vec<_>>(), [2]);
}

/// Every padlen 0..k−1 through both encoders. zfec's rule, computed here from the
/// size: padlen = (k − size mod k) mod k, stored in every share's header. Both
/// encoders write the same bytes, and any k shares decode to the input.
#[test]
fn every_padlen_through_both_encoders() {
    let mut rng = Rng(11);
    for (k, m) in [(2, 3), (3, 8), (5, 9), (7, 7), (16, 20), (100, 256)] {
        // Every padlen; for k = 100 the ends and a few between.
        let pads: Vec<usize> = match k {
            100 => vec![0, 1, 2, 37, 98, 99],
            _ => (0..k).collect(),
        };
        for pad in pads {
            // A few rows, and for some padlens more than one segment of k · 4096 bytes.
            let rows = if k <= 16 && (pad < 2 || pad == k - 1) {
                4096 + 3
            } else {
                3
            };
            let size = rows * k + (k - pad) % k;
            let input: Vec<u8> = (0..size).map(|_| rng.next() as u8).collect();
            let seeking = encode_vec(k, m, &input);
            let mut sized = vec![Vec::new(); m];
            let e =
                zfec::encode_sized(k, m, size as u64, &input[..], &mut sized, &mut |_| {}).unwrap();
            assert_eq!(e.padlen, pad, "k={k} size={size}");
            for (i, (a, b)) in seeking.iter().zip(&sized).enumerate() {
                let (h, hlen) = Header::parse(b).unwrap();
                assert_eq!(
                    h,
                    Header {
                        m,
                        k,
                        padlen: pad,
                        sharenum: i
                    },
                    "encode_sized, size={size}"
                );
                assert_eq!(
                    b.len() as u64,
                    hlen as u64 + (size as u64).div_ceil(k as u64)
                );
                assert!(a == b, "k={k} m={m} size={size}: share {i} differs");
            }
            // The last k shares (checks where there are any), in reverse.
            let pick: Vec<usize> = (m - k..m).rev().collect();
            let out = decode_vec(&sized, &pick);
            assert!(out == input, "k={k} m={m} size={size}: decoded data differ");
        }
    }
}

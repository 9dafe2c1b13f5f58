//! Shared by the `rs_*` tests and the `rs_file` / `rs_damage` fuzz targets: a seeded
//! generator, and the checks that a repaired container is never silently wrong.
#![allow(dead_code)]

use algorithm_fec::rs::file::{protect_file_with_id, HEADER_LEN, TAG_LEN, TRAILER_LEN};
use algorithm_fec::rs::{repair_file, FileError};

/// `default`, or `PROPTEST_CASES` from the environment for a longer soak.
pub fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// SplitMix64: derives positions and error values from one seed.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, m: usize) -> usize {
        (self.next() % m as u64) as usize
    }
    pub fn nonzero(&mut self) -> u8 {
        (self.below(255) + 1) as u8
    }
    /// `count` distinct positions in 0..n.
    pub fn positions(&mut self, n: usize, count: usize) -> Vec<usize> {
        let mut all: Vec<usize> = (0..n).collect();
        for i in 0..count {
            let j = i + self.below(n - i);
            all.swap(i, j);
        }
        all.truncate(count);
        all
    }
}

/// How a repair of a damaged container ended, once checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// `Ok`, with exactly the original bytes.
    Exact,
    /// `Damaged`: ranges named, everything outside them exact.
    Damaged,
    /// Any other error (nothing claimed about the data).
    Refused,
}

/// Repairs `container` and asserts it is never silently wrong: `Ok` gives exactly
/// `original`; `Damaged` gives the full length, sorted disjoint ranges inside it, and
/// the original bytes everywhere outside them. `ChecksumMismatch` means a group passed
/// its checksum with wrong bytes, which cannot happen when no other container under
/// the same file id was involved, so it fails the check too.
pub fn check_repair(original: &[u8], container: &[u8]) -> Outcome {
    let mut out = Vec::new();
    match repair_file(container, &mut out) {
        Ok(report) => {
            assert!(out == original, "Ok with wrong bytes");
            assert_eq!(report.length, original.len() as u64);
            assert!(report.unrepaired.is_empty());
            Outcome::Exact
        }
        Err(FileError::Damaged(report)) => {
            assert_eq!(out.len(), original.len(), "best effort has the full length");
            assert!(!report.unrepaired.is_empty());
            let mut pos = 0u64;
            for r in &report.unrepaired {
                assert!(pos <= r.start && r.start < r.end, "{:?}", report.unrepaired);
                let (s, e) = (pos as usize, r.start as usize);
                assert!(
                    out[s..e] == original[s..e],
                    "wrong bytes outside the ranges"
                );
                pos = r.end;
            }
            let tail = pos as usize;
            assert!(tail <= original.len());
            assert!(
                out[tail..] == original[tail..],
                "wrong bytes after the ranges"
            );
            Outcome::Damaged
        }
        Err(FileError::ChecksumMismatch(r)) => panic!("a wrong group passed its check: {r:?}"),
        Err(_) => Outcome::Refused,
    }
}

/// Parameters from three fuzz bytes: any RS(n, k), depth 1..=32 raised until a group
/// has room for its checksum.
fn params(a: u8, b: u8, c: u8) -> (usize, usize, usize) {
    let n = 2 + usize::from(a) % 254;
    let k = 1 + usize::from(b) % (n - 1);
    let depth = (1 + usize::from(c) % 32).max(TAG_LEN / k + 1);
    (n, k, depth)
}

/// Longest payload the checks protect, to keep each run fast.
const MAX_PAYLOAD: usize = 8192;

/// A fuzz input taken apart.
struct Plan<'a> {
    /// n, k, depth.
    code: (usize, usize, usize),
    /// Records of 4 bytes.
    ops: Vec<&'a [u8]>,
    payload: &'a [u8],
}

/// Splits fuzz bytes into parameters, up to 31 records of 4 bytes and a payload.
fn split(input: &[u8]) -> Option<Plan<'_>> {
    let [a, b, c, count, rest @ ..] = input else {
        return None;
    };
    let ops = (usize::from(*count) % 32).min(rest.len() / 4);
    let (ops, payload) = rest.split_at(ops * 4);
    Some(Plan {
        code: params(*a, *b, *c),
        ops: ops.chunks_exact(4).collect(),
        payload: &payload[..payload.len().min(MAX_PAYLOAD)],
    })
}

fn u24(b: &[u8]) -> usize {
    usize::from(b[0]) | usize::from(b[1]) << 8 | usize::from(b[2]) << 16
}

/// Fuzz input → protect a payload, XOR bytes of the container as the input says, repair
/// and [`check_repair`]. Layout: n, k, depth, edit count, then 4 bytes per edit (a
/// 24-bit position, an XOR value), then the payload.
pub fn check_edits(input: &[u8]) -> Option<Outcome> {
    let Plan {
        code: (n, k, depth),
        ops: edits,
        payload,
    } = split(input)?;
    let mut c = Vec::new();
    protect_file_with_id(payload, &mut c, n, k, depth, [0xA5; 16]).unwrap();
    for e in edits {
        let at = u24(e) % c.len();
        c[at] ^= e[3];
    }
    Some(check_repair(payload, &c))
}

/// Fuzz input → protect a payload (file A) and a same-sized other payload under
/// another id (file B), damage A as the input says, repair and [`check_repair`].
/// Layout: n, k, depth, op count, then 4 bytes per op (kind, three arguments), then the
/// payload. Ops: zero a 4 KiB page; zero a stretch; swap two groups; put B's group in
/// A (at its own or another position); XOR a byte.
pub fn check_damage(input: &[u8]) -> Option<Outcome> {
    let Plan {
        code: (n, k, depth),
        ops,
        payload,
    } = split(input)?;
    let other: Vec<u8> = payload.iter().map(|b| b.wrapping_add(1)).collect();
    let mut a = Vec::new();
    protect_file_with_id(payload, &mut a, n, k, depth, [1; 16]).unwrap();
    let mut b = Vec::new();
    protect_file_with_id(&other[..], &mut b, n, k, depth, [2; 16]).unwrap();
    let group = depth * n;
    // Full groups only: they all have the same size.
    let groups = (a.len() - HEADER_LEN - TRAILER_LEN) / group;
    let at = |g: usize| HEADER_LEN + g * group;
    for op in ops {
        let (x, y, z) = (usize::from(op[1]), usize::from(op[2]), usize::from(op[3]));
        match op[0] % 5 {
            0 => {
                let start = (x << 8 | y) * 4096 % a.len() / 4096 * 4096;
                let end = (start + 4096).min(a.len());
                a[start..end].fill(0);
            }
            1 => {
                let start = (x << 8 | y) % a.len();
                let end = (start + 1 + z * 8).min(a.len());
                a[start..end].fill(0);
            }
            2 if groups >= 2 => {
                let (i, j) = (x % groups, y % groups);
                for p in 0..group {
                    a.swap(at(i) + p, at(j) + p);
                }
            }
            3 if groups >= 1 => {
                let (from, to) = (x % groups, if z % 2 == 0 { x % groups } else { y % groups });
                a[at(to)..at(to) + group].copy_from_slice(&b[at(from)..at(from) + group]);
            }
            _ => {
                let p = (x << 8 | y) % a.len();
                a[p] ^= op[3];
            }
        }
    }
    Some(check_repair(payload, &a))
}

//! A checksummed file container: protect a whole file (or any `Read`/`Write` pair) in
//! constant memory, and get back exactly the bytes protected or an error.
//!
//! [`protect_file`] reads its input to the end and writes a self-describing container;
//! [`repair_file`] reads such a container, corrects what it can, checks everything and
//! writes the original bytes back. Neither needs to know the input length in advance or
//! to seek, so both work on pipes; memory use is a fixed buffer of about 64 KiB (at most
//! one interleave group, D·n ≤ 255·255 bytes, more).
//!
//! **`Ok` from [`repair_file`] means the bytes written are exactly the bytes protected**:
//! every group of codewords passed its own keyed checksum (which binds it to its
//! position and to its file) and the BLAKE3 hash of all the data matched the one
//! stored at protection time. A group that the code "corrects" into something that
//! fails its checksum counts as uncorrectable, so a miscorrection (several errors more
//! than the code's radius, an all-zero page, a group from elsewhere) is never accepted.
//!
//! ```
//! use algorithm_fec::rs::{protect_file, repair_file, FileError};
//!
//! let data = b"some file contents".repeat(100);
//! let mut protected = Vec::new();
//! protect_file(&data[..], &mut protected, 255, 223, 16)?;
//! protected[100] ^= 0xff; // damage
//! let mut repaired = Vec::new();
//! let report = repair_file(&protected[..], &mut repaired)?;
//! assert_eq!(repaired, data);
//! assert_eq!(report.corrected_bytes, 1);
//!
//! // Beyond repair: an error naming the byte ranges of the data that are lost.
//! let body = 64..protected.len() - 128;
//! protected[body].fill(0);
//! match repair_file(&protected[..], &mut Vec::new()) {
//!     Err(FileError::Damaged(report)) => assert_eq!(report.unrepaired, vec![0..1800]),
//!     other => panic!("{other:?}"),
//! }
//! # Ok::<(), algorithm_fec::rs::FileError>(())
//! ```
//!
//! # Container format (version 2)
//!
//! | offset | size | content |
//! |---|---|---|
//! | 0 | 64 | header: an RS(64, 32) codeword of the 32-byte header message |
//! | 64 | body | the groups: G = ⌈L/C⌉ groups of interleaved RS(n, k) codewords (below) |
//! | 64 + body | 128 | trailer: an RS(128, 64) codeword of the 64-byte trailer message |
//!
//! Header message (32 bytes):
//!
//! | offset | size | content |
//! |---|---|---|
//! | 0 | 6 | `"AFECRS"` |
//! | 6 | 1 | version `2` |
//! | 7 | 1 | n (2..=255) |
//! | 8 | 1 | k (1..n) |
//! | 9 | 1 | interleave depth D (1..=255; 1 = no interleaving) |
//! | 10 | 6 | zero |
//! | 16 | 16 | file id: random bytes, different for every protected file |
//!
//! Trailer message (64 bytes):
//!
//! | offset | size | content |
//! |---|---|---|
//! | 0 | 6 | `"AFECLN"` |
//! | 6 | 2 | zero |
//! | 8 | 8 | L, the original length in bytes, little-endian |
//! | 16 | 16 | the file id again |
//! | 32 | 32 | BLAKE3 hash of the L original bytes (what `b3sum` prints) |
//!
//! ## Groups
//!
//! The data is cut into pieces of C = D·k − 16 bytes (the last one shorter, at least 1
//! byte; an empty file has no groups). Piece g becomes the message of group g:
//!
//! | bytes of the message | content |
//! |---|---|
//! | 0 .. len | the piece (len = C, or what remains for the last piece) |
//! | len .. d·k − 16 | zero (only in the last group) |
//! | d·k − 16 .. d·k | tag: the first 16 bytes of BLAKE3 keyed with K, of g (u64, little-endian) followed by bytes 0 .. d·k − 16 |
//!
//! where d = ⌈(len + 16)/k⌉ is the number of codewords of the group (D for every group
//! but the last) and K = BLAKE3 `derive_key("algorithm-fec RS container v2 group tag",
//! header message)`. The message is cut into d messages of k bytes, each encoded as an
//! RS(n, k) codeword (message then parity), and the group is written as d·n bytes,
//! byte-interleaved: byte i of the group's codeword j (0 ≤ i < n, 0 ≤ j < d) is at
//! position i·d + j of the group. A reader finds the groups from D and n alone: every
//! group is D·n bytes, except the last, which is whatever body remains before the
//! trailer. The tag lives inside the codewords, so it is corrected with the data;
//! since it mixes in the group number and (through K) the whole header with its random
//! file id, a group moved to another position, taken from another file, or changed
//! into another valid codeword (a zeroed stretch is one) fails its check.
//!
//! Header and trailer use the same code (field, generator, byte order) as the body,
//! and survive up to 16 and 32 corrupted bytes. The length and hash live in the trailer
//! because a streaming writer only knows them at the end; the reader recognises the
//! trailer as the last 128 bytes.
//!
//! Corruption is corrected per codeword, up to t = ⌊(n − k)/2⌋ bytes in each. As D
//! consecutive bytes of a full group belong to D different codewords, any burst of up
//! to D·t consecutive corrupted body bytes (even one spanning two groups) touches each
//! codeword at most t times and is always repaired, provided at most d·t of them fall
//! in a short last group of d < D codewords. Scattered errors are repaired as long as
//! no codeword gets more than t.
//!
//! Version 1 (no checksums, no file id, a 32-byte header) was never released; it is
//! recognised and refused with [`FileError::UnsupportedVersion`]`(1)`.

use std::io::{self, Read, Write};
use std::ops::Range;

use super::{RsCoder, RsError};

/// Size of the protected header.
///
/// ```
/// use algorithm_fec::rs::file::{protected_len, HEADER_LEN, TRAILER_LEN};
///
/// // An empty file: a header and a trailer, no groups.
/// assert_eq!(protected_len(0, 255, 223, 16)?, (HEADER_LEN + TRAILER_LEN) as u64);
/// # Ok::<(), algorithm_fec::rs::FileError>(())
/// ```
pub const HEADER_LEN: usize = 64;
/// Size of the protected trailer.
///
/// ```
/// use algorithm_fec::rs::file::{protect_file, TRAILER_LEN, TRAILER_MAGIC};
///
/// let mut out = Vec::new();
/// protect_file(&b"data"[..], &mut out, 255, 223, 16)?;
/// let trailer = &out[out.len() - TRAILER_LEN..];
/// assert_eq!(trailer[..6], *TRAILER_MAGIC);
/// assert_eq!(trailer[8..16], 4u64.to_le_bytes()); // the length protected
/// # Ok::<(), algorithm_fec::rs::FileError>(())
/// ```
pub const TRAILER_LEN: usize = 128;
/// First six bytes of the header message.
///
/// ```
/// use algorithm_fec::rs::file::{protect_file, FORMAT_VERSION, HEADER_MAGIC};
///
/// let mut out = Vec::new();
/// protect_file(&b"data"[..], &mut out, 255, 223, 16)?;
/// // The header codeword is systematic: its message comes first.
/// assert_eq!(out[..6], *HEADER_MAGIC);
/// assert_eq!(out[6..10], [FORMAT_VERSION, 255, 223, 16]);
/// # Ok::<(), algorithm_fec::rs::FileError>(())
/// ```
pub const HEADER_MAGIC: &[u8; 6] = b"AFECRS";
/// First six bytes of the trailer message.
///
/// ```
/// use algorithm_fec::rs::file::{protect_file, HEADER_LEN, TRAILER_MAGIC};
///
/// // An empty file: the trailer comes right after the header.
/// let mut out = Vec::new();
/// protect_file(&b""[..], &mut out, 255, 223, 16)?;
/// assert_eq!(out[HEADER_LEN..HEADER_LEN + 6], *TRAILER_MAGIC);
/// # Ok::<(), algorithm_fec::rs::FileError>(())
/// ```
pub const TRAILER_MAGIC: &[u8; 6] = b"AFECLN";
/// The container version this module writes and reads.
///
/// ```
/// use algorithm_fec::rs::file::{repair_file, FileError, FORMAT_VERSION};
/// use algorithm_fec::rs::RsCoder;
///
/// assert_eq!(FORMAT_VERSION, 2);
/// // A header naming another version (1 was an unreleased format) is refused.
/// let mut header = b"AFECRS".to_vec();
/// header.extend_from_slice(&[1, 255, 223, 16]);
/// header.resize(32, 0);
/// let mut old = RsCoder::new(64, 32)?.encode(&header)?;
/// old.resize(64 + 128, 0);
/// assert!(matches!(repair_file(&old[..], Vec::new()), Err(FileError::UnsupportedVersion(1))));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub const FORMAT_VERSION: u8 = 2;
/// The largest interleave depth (it is stored in one byte).
///
/// ```
/// use algorithm_fec::rs::file::{protect_file, FileError, MAX_DEPTH};
///
/// let err = protect_file(&b"data"[..], Vec::new(), 255, 223, MAX_DEPTH + 1);
/// assert!(matches!(err, Err(FileError::InvalidDepth(256))));
/// ```
pub const MAX_DEPTH: usize = 255;
/// Size of the checksum at the end of every group's message.
///
/// ```
/// use algorithm_fec::rs::file::{protect_file, FileError, TAG_LEN};
///
/// // A group of depth · k message bytes must hold more than its tag.
/// let err = protect_file(&b"data"[..], Vec::new(), 20, TAG_LEN, 1);
/// assert!(matches!(err, Err(FileError::GroupTooSmall { n: 20, k: 16, depth: 1 })));
/// ```
pub const TAG_LEN: usize = 16;
/// Size of the random file id.
///
/// ```
/// use algorithm_fec::rs::file::{protect_file_with_id, FILE_ID_LEN};
///
/// let mut out = Vec::new();
/// let report = protect_file_with_id(&b"data"[..], &mut out, 255, 223, 16, [9; FILE_ID_LEN])?;
/// assert_eq!(report.file_id, [9; FILE_ID_LEN]);
/// assert_eq!(out[16..32], [9; FILE_ID_LEN]); // in the header message
/// # Ok::<(), algorithm_fec::rs::FileError>(())
/// ```
pub const FILE_ID_LEN: usize = 16;

/// Header and trailer messages, and the codes that protect them.
const HEADER_K: usize = HEADER_LEN / 2;
const TRAILER_K: usize = TRAILER_LEN / 2;
/// Context string of the group-tag key derivation.
const TAG_CONTEXT: &str = "algorithm-fec RS container v2 group tag";
/// Target size of the I/O buffers.
const BUFFER: usize = 64 * 1024;

/// Why [`protect_file`] or [`repair_file`] failed.
///
/// # Examples
///
/// ```
/// use algorithm_fec::rs::{repair_file, FileError};
///
/// // Not a container at all.
/// let err = repair_file(&b"just some bytes, not protected"[..], Vec::new()).unwrap_err();
/// assert!(matches!(err, FileError::NotProtected));
/// assert_eq!(err.to_string(), "not an RS-protected file (header missing or damaged beyond repair)");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FileError {
    /// Reading the input failed.
    #[error("read error: {0}")]
    Read(#[source] io::Error),
    /// Writing the output failed.
    #[error("write error: {0}")]
    Write(#[source] io::Error),
    /// No random file id could be had from the operating system.
    #[error("no random numbers from the operating system: {0}")]
    Random(getrandom::Error),
    /// Bad code parameters given to [`protect_file`].
    #[error(transparent)]
    Rs(#[from] RsError),
    /// The interleave depth given to [`protect_file`] is not in 1..=255.
    #[error("invalid interleave depth {0}: need 1 <= depth <= 255")]
    InvalidDepth(usize),
    /// A group of `depth` codewords carries `depth`·k bytes, which must exceed the
    /// 16 bytes of its checksum.
    #[error("RS(n={n}, k={k}) with interleave depth {depth} leaves no room for the {TAG_LEN}-byte group checksum: need depth * k > {TAG_LEN}")]
    GroupTooSmall {
        /// Codeword length.
        n: usize,
        /// Message bytes per codeword.
        k: usize,
        /// Interleave depth asked for.
        depth: usize,
    },
    /// The input does not start with a readable container header.
    #[error("not an RS-protected file (header missing or damaged beyond repair)")]
    NotProtected,
    /// The header is from another version of the format (`1`: an unreleased
    /// development format without checksums).
    #[error(
        "container format version {0} is not supported: this build reads version {FORMAT_VERSION}"
    )]
    UnsupportedVersion(u8),
    /// The input ends in the middle of a codeword, or misses its trailer.
    #[error("protected file is truncated: the body is not a whole number of codewords followed by a trailer")]
    Truncated,
    /// The last 128 bytes are not a readable trailer: the length and checksum of the
    /// data are lost, so nothing can be verified.
    #[error("the trailer (the last {TRAILER_LEN} bytes) is damaged beyond repair, or the file is truncated: the data's length and checksum are lost")]
    BadTrailer,
    /// The trailer carries another file's id.
    #[error(
        "the trailer belongs to another protected file (its file id differs from the header's)"
    )]
    ForeignTrailer,
    /// The trailer's length does not match the groups of the body.
    #[error("the trailer says {length} bytes, which does not match the {groups} groups ({codewords} codewords) of the body")]
    LengthMismatch {
        /// Original length from the trailer.
        length: u64,
        /// Groups found in the body.
        groups: u64,
        /// Codewords found in the body.
        codewords: u64,
    },
    /// Some groups could not be corrected, or corrected into something that fails
    /// their checksum; [`RepairReport::unrepaired`] lists the byte ranges of the
    /// original data they hold. The writer has received all the data anyway, with the
    /// listed ranges as found (after whatever correction succeeded): discard it, or
    /// keep it as a best effort.
    #[error("damaged beyond repair: {} of the original {} bytes could not be restored (ranges {})", unrepaired_bytes(&.0.unrepaired), .0.length, RangeList(&.0.unrepaired))]
    Damaged(Box<RepairReport>),
    /// Every group passed its check, yet the BLAKE3 hash of the data differs from the
    /// trailer's. The writer has received all the data.
    #[error("integrity check failed: the BLAKE3 hash of the {} restored bytes does not match the one recorded when the file was protected", .0.length)]
    ChecksumMismatch(Box<RepairReport>),
}

/// Total length of `ranges`.
fn unrepaired_bytes(ranges: &[Range<u64>]) -> u64 {
    ranges.iter().map(|r| r.end - r.start).sum()
}

/// `a..b, c..d, …`, at most 20 of them.
struct RangeList<'a>(&'a [Range<u64>]);

impl std::fmt::Display for RangeList<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        const SHOWN: usize = 20;
        for (i, r) in self.0.iter().take(SHOWN).enumerate() {
            let sep = if i == 0 { "" } else { ", " };
            write!(f, "{sep}{}..{}", r.start, r.end)?;
        }
        if self.0.len() > SHOWN {
            write!(f, " and {} more", self.0.len() - SHOWN)?;
        }
        Ok(())
    }
}

/// What [`protect_file`] wrote.
///
/// # Examples
///
/// ```
/// use algorithm_fec::rs::protect_file;
///
/// let mut out = Vec::new();
/// let r = protect_file(&[0u8; 1000][..], &mut out, 255, 223, 4)?;
/// // A group holds 4 · 223 − 16 = 876 bytes: 2 groups, 4 + 1 codewords.
/// assert_eq!((r.length, r.groups, r.codewords), (1000, 2, 5));
/// assert_eq!(r.written, out.len() as u64);
/// assert_eq!(r.hash, *blake3::hash(&[0u8; 1000]).as_bytes());
/// # Ok::<(), algorithm_fec::rs::FileError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProtectReport {
    /// Codeword length.
    pub n: usize,
    /// Message bytes per codeword.
    pub k: usize,
    /// Interleave depth (codewords per full group).
    pub depth: usize,
    /// The random id written into the header and trailer.
    pub file_id: [u8; FILE_ID_LEN],
    /// Bytes read (the original length).
    pub length: u64,
    /// Groups written.
    pub groups: u64,
    /// Body codewords written.
    pub codewords: u64,
    /// Total bytes written, header and trailer included.
    pub written: u64,
    /// BLAKE3 hash of the bytes read.
    pub hash: [u8; 32],
}

/// What [`repair_file`] found and did (returned on success, and inside
/// [`FileError::Damaged`] and [`FileError::ChecksumMismatch`]).
///
/// # Examples
///
/// ```
/// use algorithm_fec::rs::{protect_file, repair_file};
///
/// let mut protected = Vec::new();
/// protect_file(&[5u8; 1000][..], &mut protected, 255, 223, 4)?;
/// protected[0] ^= 1; // the header
/// protected[64..64 + 8].fill(0); // 8 bytes of the body, across 4 codewords
/// let mut out = Vec::new();
/// let r = repair_file(&protected[..], &mut out)?;
/// assert_eq!(out, [5u8; 1000]);
/// assert_eq!((r.header_corrected, r.corrected_bytes, r.corrected_codewords), (1, 8, 4));
/// assert!(r.unrepaired.is_empty());
/// # Ok::<(), algorithm_fec::rs::FileError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RepairReport {
    /// Codeword length from the header.
    pub n: usize,
    /// Message bytes per codeword from the header.
    pub k: usize,
    /// Interleave depth from the header.
    pub depth: usize,
    /// The file id from the header.
    pub file_id: [u8; FILE_ID_LEN],
    /// Original length from the trailer (= bytes written).
    pub length: u64,
    /// BLAKE3 hash of the original data, from the trailer.
    pub hash: [u8; 32],
    /// Groups in the body.
    pub groups: u64,
    /// Codewords in the body.
    pub codewords: u64,
    /// Codewords in which at least one byte was corrected.
    pub corrected_codewords: u64,
    /// Bytes corrected in the body (in groups that then passed their check).
    pub corrected_bytes: u64,
    /// Bytes corrected in the header.
    pub header_corrected: usize,
    /// Bytes corrected in the trailer.
    pub trailer_corrected: usize,
    /// Codewords with more errors than the code corrects.
    pub uncorrectable_codewords: u64,
    /// Groups that could not be restored (uncorrectable, or failing their checksum).
    pub bad_groups: u64,
    /// Byte ranges of the original data that could not be restored, in order and
    /// merged; empty on success.
    pub unrepaired: Vec<Range<u64>>,
}

/// The code, depth and group sizes of one container.
#[derive(Clone, Copy)]
struct Layout {
    n: usize,
    k: usize,
    depth: usize,
    /// Data bytes per full group, D·k − 16.
    capacity: usize,
}

impl Layout {
    fn new(n: usize, k: usize, depth: usize) -> Result<Layout, FileError> {
        if k == 0 || k >= n || n > super::MAX_N {
            return Err(RsError::InvalidParameters { n, k }.into());
        }
        if !(1..=MAX_DEPTH).contains(&depth) {
            return Err(FileError::InvalidDepth(depth));
        }
        if depth * k <= TAG_LEN {
            return Err(FileError::GroupTooSmall { n, k, depth });
        }
        Ok(Layout {
            n,
            k,
            depth,
            capacity: depth * k - TAG_LEN,
        })
    }

    /// Codewords of a group holding `len` data bytes.
    fn codewords(&self, len: usize) -> usize {
        (len + TAG_LEN).div_ceil(self.k)
    }

    /// Groups and codewords for `length` data bytes (saturating).
    fn count(&self, length: u64) -> (u64, u64) {
        let groups = length.div_ceil(self.capacity as u64);
        if groups == 0 {
            return (0, 0);
        }
        let last = length - (groups - 1) * self.capacity as u64;
        let codewords = (groups - 1)
            .saturating_mul(self.depth as u64)
            .saturating_add(self.codewords(last as usize) as u64);
        (groups, codewords)
    }
}

/// Size of the container for `length` input bytes under RS(n, k) with interleave depth
/// `depth`, saturating at `u64::MAX`; the same parameter errors as [`protect_file`].
///
/// ```
/// use algorithm_fec::rs::file::{protect_file, protected_len};
///
/// let mut out = Vec::new();
/// protect_file(&[1u8; 5000][..], &mut out, 255, 223, 16)?;
/// assert_eq!(protected_len(5000, 255, 223, 16)?, out.len() as u64);
/// # Ok::<(), algorithm_fec::rs::FileError>(())
/// ```
pub fn protected_len(length: u64, n: usize, k: usize, depth: usize) -> Result<u64, FileError> {
    let (_, codewords) = Layout::new(n, k, depth)?.count(length);
    Ok(codewords
        .saturating_mul(n as u64)
        .saturating_add((HEADER_LEN + TRAILER_LEN) as u64))
}

/// Reads until `buf` is full or the input ends; returns the bytes read.
fn read_full<R: Read>(r: &mut R, buf: &mut [u8]) -> Result<usize, FileError> {
    let mut filled = 0;
    while filled < buf.len() {
        match r.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(got) => filled = (filled + got).min(buf.len()),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(FileError::Read(e)),
        }
    }
    Ok(filled)
}

fn write_all<W: Write>(w: &mut W, bytes: &[u8]) -> Result<(), FileError> {
    w.write_all(bytes).map_err(FileError::Write)
}

/// The header message of a container.
fn header_message(l: &Layout, file_id: &[u8; FILE_ID_LEN]) -> [u8; HEADER_K] {
    let mut msg = [0u8; HEADER_K];
    msg[..6].copy_from_slice(HEADER_MAGIC);
    msg[6] = FORMAT_VERSION;
    msg[7] = l.n as u8;
    msg[8] = l.k as u8;
    msg[9] = l.depth as u8;
    msg[16..].copy_from_slice(file_id);
    msg
}

/// The trailer message of a container.
fn trailer_message(length: u64, file_id: &[u8; FILE_ID_LEN], hash: &[u8; 32]) -> [u8; TRAILER_K] {
    let mut msg = [0u8; TRAILER_K];
    msg[..6].copy_from_slice(TRAILER_MAGIC);
    msg[8..16].copy_from_slice(&length.to_le_bytes());
    msg[16..32].copy_from_slice(file_id);
    msg[32..].copy_from_slice(hash);
    msg
}

/// Checksum of group `g` whose message (tag excluded) is `body`.
fn group_tag(key: &[u8; 32], g: u64, body: &[u8]) -> [u8; TAG_LEN] {
    let mut h = blake3::Hasher::new_keyed(key);
    h.update(&g.to_le_bytes());
    h.update(body);
    let mut tag = [0u8; TAG_LEN];
    tag.copy_from_slice(&h.finalize().as_bytes()[..TAG_LEN]);
    tag
}

/// Byte `i` of codeword `j` of `words` (d codewords of n bytes, one after another) goes
/// to position i·d + j of `out` (d·n bytes).
fn interleave(words: &[u8], out: &mut [u8], n: usize) {
    let d = words.len() / n;
    if d == 1 {
        out.copy_from_slice(words);
        return;
    }
    for (j, word) in words.chunks_exact(n).enumerate() {
        for (i, &b) in word.iter().enumerate() {
            out[i * d + j] = b;
        }
    }
}

/// The inverse of [`interleave`]: `group` (d·n bytes) back to d codewords of n bytes
/// one after another in `words`.
fn deinterleave(group: &[u8], words: &mut [u8], n: usize) {
    let d = group.len() / n;
    if d == 1 {
        words.copy_from_slice(group);
        return;
    }
    for (i, column) in group.chunks_exact(d).enumerate() {
        for (j, &b) in column.iter().enumerate() {
            words[j * n + i] = b;
        }
    }
}

/// Reads all of `reader` and writes it to `writer` protected by RS(n, k), codewords
/// interleaved in groups of `depth` (1..=255; 1 = none; depth·k must exceed 16), in
/// the [container format](self), under a random file id. A burst of up to
/// `depth`·⌊(n − k)/2⌋ corrupted body bytes is then repairable (less in a short last
/// group: see the format). Memory use is constant (about 64 KiB plus the coder).
///
/// # Examples
///
/// ```
/// use algorithm_fec::rs::{protect_file, repair_file};
/// use std::fs::File;
///
/// let dir = tempfile::tempdir()?;
/// let data = b"file contents ".repeat(500);
/// let path = dir.path().join("data.rs");
/// protect_file(&data[..], File::create(&path)?, 255, 223, 16)?;
///
/// // A burst of 16 · 16 = 256 zeroed bytes (depth · t) is always repaired.
/// let mut protected = std::fs::read(&path)?;
/// protected[1000..1256].fill(0);
/// let mut repaired = Vec::new();
/// repair_file(&protected[..], &mut repaired)?;
/// assert_eq!(repaired, data);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn protect_file<R: Read, W: Write>(
    reader: R,
    writer: W,
    n: usize,
    k: usize,
    depth: usize,
) -> Result<ProtectReport, FileError> {
    let mut file_id = [0u8; FILE_ID_LEN];
    getrandom::fill(&mut file_id).map_err(FileError::Random)?;
    protect_file_with_id(reader, writer, n, k, depth, file_id)
}

/// [`protect_file`] with a given file id instead of a random one, for reproducible
/// output. Two files protected under the same id (and parameters) can have their
/// groups exchanged without [`repair_file`] noticing before the final hash check, so
/// ids should be unique.
///
/// ```
/// use algorithm_fec::rs::file::{protect_file_with_id, protected_len};
///
/// let mut a = Vec::new();
/// let report = protect_file_with_id(&b"hello"[..], &mut a, 255, 223, 16, [7; 16])?;
/// assert_eq!(report.written, protected_len(5, 255, 223, 16)?);
/// let mut b = Vec::new();
/// protect_file_with_id(&b"hello"[..], &mut b, 255, 223, 16, [7; 16])?;
/// assert_eq!(a, b);
/// # Ok::<(), algorithm_fec::rs::FileError>(())
/// ```
pub fn protect_file_with_id<R: Read, W: Write>(
    mut reader: R,
    mut writer: W,
    n: usize,
    k: usize,
    depth: usize,
    file_id: [u8; FILE_ID_LEN],
) -> Result<ProtectReport, FileError> {
    let l = Layout::new(n, k, depth)?;
    let rs = RsCoder::new(n, k)?;
    let header = header_message(&l, &file_id);
    write_all(
        &mut writer,
        &RsCoder::new(HEADER_LEN, HEADER_K)?.encode(&header)?,
    )?;
    let key = blake3::derive_key(TAG_CONTEXT, &header);

    // Whole groups per read; only the final read can end in a short group.
    let groups_per_read = (BUFFER / l.capacity).max(1);
    let mut input = vec![0u8; groups_per_read * l.capacity];
    let mut message = vec![0u8; depth * k];
    let mut words = Vec::with_capacity(depth * n);
    let mut output = vec![0u8; groups_per_read * depth * n];
    let mut hasher = blake3::Hasher::new();
    let (mut length, mut groups, mut codewords) = (0u64, 0u64, 0u64);
    loop {
        let got = read_full(&mut reader, &mut input)?;
        if got == 0 {
            break;
        }
        hasher.update(&input[..got]);
        let mut written = 0;
        for piece in input[..got].chunks(l.capacity) {
            let d = l.codewords(piece.len());
            let msg = &mut message[..d * k];
            let (body, tag) = msg.split_at_mut(d * k - TAG_LEN);
            body[..piece.len()].copy_from_slice(piece);
            body[piece.len()..].fill(0);
            tag.copy_from_slice(&group_tag(&key, groups, body));
            words.clear();
            rs.encode_stream_into(msg, &mut words);
            interleave(&words, &mut output[written..written + words.len()], n);
            written += words.len();
            groups += 1;
            codewords += d as u64;
        }
        write_all(&mut writer, &output[..written])?;
        length += got as u64;
        if got < input.len() {
            break;
        }
    }

    let hash = *hasher.finalize().as_bytes();
    let trailer = trailer_message(length, &file_id, &hash);
    write_all(
        &mut writer,
        &RsCoder::new(TRAILER_LEN, TRAILER_K)?.encode(&trailer)?,
    )?;
    writer.flush().map_err(FileError::Write)?;
    Ok(ProtectReport {
        n,
        k,
        depth,
        file_id,
        length,
        groups,
        codewords,
        written: (codewords * n as u64) + (HEADER_LEN + TRAILER_LEN) as u64,
        hash,
    })
}

/// Corrects and parses the header; recognises (and refuses) version 1.
fn read_header(header: &mut [u8; HEADER_LEN]) -> Result<(Layout, usize), FileError> {
    let Ok(corrected) = RsCoder::new(HEADER_LEN, HEADER_K)?.correct_in_place(header, &[]) else {
        // Version 1 had a 32-byte RS(32, 16) header.
        let mut v1 = [0u8; 32];
        v1.copy_from_slice(&header[..32]);
        let v1_ok = RsCoder::new(32, 16)?.correct_in_place(&mut v1, &[]).is_ok();
        if v1_ok && &v1[..6] == HEADER_MAGIC && v1[6] == 1 {
            return Err(FileError::UnsupportedVersion(1));
        }
        return Err(FileError::NotProtected);
    };
    if &header[..6] != HEADER_MAGIC {
        return Err(FileError::NotProtected);
    }
    if header[6] != FORMAT_VERSION {
        return Err(FileError::UnsupportedVersion(header[6]));
    }
    if header[10..16].iter().any(|&b| b != 0) {
        return Err(FileError::NotProtected);
    }
    let [n, k, depth] = [header[7], header[8], header[9]].map(usize::from);
    let layout = Layout::new(n, k, depth).map_err(|_| FileError::NotProtected)?;
    Ok((layout, corrected))
}

/// Decodes groups one by one, checks their tags and keeps the tally.
struct GroupRepairer {
    l: Layout,
    rs: RsCoder,
    key: [u8; 32],
    words: Vec<u8>,
    message: Vec<u8>,
    report: RepairReport,
    /// Numbers of the groups that failed.
    bad: Vec<u64>,
}

impl GroupRepairer {
    /// Repairs `group` (d·n bytes, the next group of the body) and returns its data
    /// bytes: restored, or as found if the group failed (it is then counted bad).
    fn repair(&mut self, group: &[u8]) -> &[u8] {
        let (n, k) = (self.l.n, self.l.k);
        let d = group.len() / n;
        let words = &mut self.words[..group.len()];
        deinterleave(group, words, n);
        let (mut ok, mut fixed_bytes, mut fixed_words) = (true, 0u64, 0u64);
        for (word, msg) in words
            .chunks_exact_mut(n)
            .zip(self.message.chunks_exact_mut(k))
        {
            match self.rs.correct_in_place(word, &[]) {
                Ok(0) => {}
                Ok(f) => {
                    fixed_bytes += f as u64;
                    fixed_words += 1;
                }
                Err(_) => {
                    ok = false;
                    self.report.uncorrectable_codewords += 1;
                }
            }
            msg.copy_from_slice(&word[..k]);
        }
        let g = self.report.groups;
        let (body, tag) = self.message[..d * k].split_at(d * k - TAG_LEN);
        if ok && group_tag(&self.key, g, body) == tag {
            self.report.corrected_bytes += fixed_bytes;
            self.report.corrected_codewords += fixed_words;
        } else {
            self.bad.push(g);
        }
        self.report.groups += 1;
        self.report.codewords += d as u64;
        body
    }
}

/// Reads a container written by [`protect_file`], corrects every codeword (header and
/// trailer included), checks every group and the whole data, and writes the original
/// bytes to `writer`. Memory use is constant.
///
/// `Ok` means the bytes written are exactly the bytes protected. Output is written as
/// the body is decoded, so on any error the writer may hold part or (for
/// [`FileError::Damaged`] and [`FileError::ChecksumMismatch`]) all of the data, not
/// verified: write to a temporary and keep it only on `Ok` (or knowingly, as a best
/// effort).
///
/// # Examples
///
/// ```
/// use algorithm_fec::rs::{protect_file, repair_file, FileError};
///
/// let mut protected = Vec::new();
/// protect_file(&b"precious"[..], &mut protected, 255, 223, 1)?;
/// protected[70] ^= 0x55;
/// let mut out = Vec::new();
/// let report = repair_file(&protected[..], &mut out)?;
/// assert_eq!((out.as_slice(), report.corrected_bytes), (&b"precious"[..], 1));
///
/// // One byte short: the body and trailer no longer fit the layout.
/// let cut = repair_file(&protected[..protected.len() - 1], Vec::new());
/// assert!(matches!(cut, Err(FileError::Truncated)));
/// # Ok::<(), FileError>(())
/// ```
pub fn repair_file<R: Read, W: Write>(
    mut reader: R,
    mut writer: W,
) -> Result<RepairReport, FileError> {
    let mut header = [0u8; HEADER_LEN];
    let got = read_full(&mut reader, &mut header)?;
    if got < HEADER_LEN {
        return Err(FileError::NotProtected);
    }
    let (l, header_corrected) = read_header(&mut header)?;
    let mut file_id = [0u8; FILE_ID_LEN];
    file_id.copy_from_slice(&header[16..HEADER_K]);
    let mut r = GroupRepairer {
        l,
        rs: RsCoder::new(l.n, l.k)?,
        key: blake3::derive_key(TAG_CONTEXT, &header[..HEADER_K]),
        words: vec![0u8; l.depth * l.n],
        message: vec![0u8; l.depth * l.k],
        report: RepairReport {
            n: l.n,
            k: l.k,
            depth: l.depth,
            file_id,
            length: 0,
            hash: [0; 32],
            groups: 0,
            codewords: 0,
            corrected_codewords: 0,
            corrected_bytes: 0,
            header_corrected,
            trailer_corrected: 0,
            uncorrectable_codewords: 0,
            bad_groups: 0,
            unrepaired: Vec::new(),
        },
        bad: Vec::new(),
    };

    // Groups are decoded only while at least TRAILER_LEN bytes follow them, so the
    // trailer is whatever remains at the end; a group shorter than D·n is decoded only
    // at the end of the input (it must be the last). The last group's data is held
    // back in `pending` until the trailer says how much of it is data.
    let group = l.depth * l.n;
    let groups_per_read = (BUFFER / group).max(1);
    let mut buf = vec![0u8; groups_per_read * group + TRAILER_LEN];
    let mut filled = 0;
    let mut pending: Vec<u8> = Vec::with_capacity(l.capacity);
    let mut hasher = blake3::Hasher::new();
    loop {
        filled += read_full(&mut reader, &mut buf[filled..])?;
        let eof = filled < buf.len();
        if eof && filled < TRAILER_LEN {
            return Err(FileError::Truncated);
        }
        let avail = filled - TRAILER_LEN.min(filled);
        // Full groups, plus at the end the short last group.
        let mut take = avail / group * group;
        if eof {
            // The short last group: whole codewords, with room for data and a tag.
            let rest = avail - take;
            if !rest.is_multiple_of(l.n) || (rest > 0 && rest / l.n * l.k <= TAG_LEN) {
                return Err(FileError::Truncated);
            }
            take = avail;
        }
        for g in buf[..take].chunks(group) {
            hasher.update(&pending);
            write_all(&mut writer, &pending)?;
            pending.clear();
            pending.extend_from_slice(r.repair(g));
        }
        buf.copy_within(take..filled, 0);
        filled -= take;
        if eof {
            break;
        }
    }

    let trailer = &mut buf[..TRAILER_LEN];
    let trailer_corrected = RsCoder::new(TRAILER_LEN, TRAILER_K)?
        .correct_in_place(trailer, &[])
        .map_err(|_| FileError::BadTrailer)?;
    if &trailer[..6] != TRAILER_MAGIC || trailer[6..8] != [0, 0] {
        return Err(FileError::BadTrailer);
    }
    if trailer[16..32] != file_id {
        return Err(FileError::ForeignTrailer);
    }
    let mut report = r.report;
    report.trailer_corrected = trailer_corrected;
    report.length = u64::from_le_bytes(trailer[8..16].try_into().expect("8 bytes"));
    report.hash.copy_from_slice(&trailer[32..TRAILER_K]);
    let (groups, codewords) = l.count(report.length);
    if (groups, codewords) != (report.groups, report.codewords) {
        return Err(FileError::LengthMismatch {
            length: report.length,
            groups: report.groups,
            codewords: report.codewords,
        });
    }
    // The last group's share of the length (1..=C); `pending` holds at least that.
    let last = report.length - groups.saturating_sub(1) * l.capacity as u64;
    pending.truncate(last as usize);
    hasher.update(&pending);
    write_all(&mut writer, &pending)?;
    writer.flush().map_err(FileError::Write)?;

    report.bad_groups = r.bad.len() as u64;
    for g in r.bad {
        let start = g * l.capacity as u64;
        let end = (start + l.capacity as u64).min(report.length);
        match report.unrepaired.last_mut() {
            Some(prev) if prev.end == start => prev.end = end,
            _ => report.unrepaired.push(start..end),
        }
    }
    if !report.unrepaired.is_empty() {
        return Err(FileError::Damaged(Box::new(report)));
    }
    if *hasher.finalize().as_bytes() != report.hash {
        return Err(FileError::ChecksumMismatch(Box::new(report)));
    }
    Ok(report)
}

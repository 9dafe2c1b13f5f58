//! zfec's share file format, byte for byte: the header, the file names, the segment
//! layout, and streaming encode / decode / verify over [`Read`] and [`Write`].
//!
//! A zfec share file is a short header followed by the share's data:
//!
//! * **Header**: a big-endian bit string `(m−1)` in 8 bits, `(k−1)` in ⌈log2 m⌉ bits,
//!   `padlen` in ⌈log2 k⌉ bits, `sharenum` in ⌈log2 m⌉ bits, then zero bits up to
//!   a whole number of bytes, at least 2 (so 2, 3 or 4 bytes). See [`Header`].
//! * **Data**: the input is cut into segments of `k · 4096` bytes, the last one
//!   shorter (`L` bytes). Each segment is cut into `k` blocks of `⌈L/k⌉` bytes, the
//!   last segment zero-padded at its end; block `j` of every segment is appended to
//!   share `j` (shares `0..k` hold the input verbatim, `k..m` parity from GF(2^8)).
//!   Every share thus holds `⌈size/k⌉` data bytes and `padlen = (k − size % k) % k`.
//! * **Names**: `PREFIX.NN_MM.fec`, see [`share_file_name`].
//!
//! Unlike zfec's own decoder, [`ShareSet`] checks everything it is given (headers,
//! sizes, duplicates) before reading any data, never hangs on duplicate shares, and
//! decodes from a single share when `k = 1`; [`ShareSet::decode_correcting`] also
//! uses shares beyond k to find and correct bad ones. Nothing here panics on bad
//! input.
//!
//! ```
//! use algorithm_fec::zfec::{self, Share, ShareSet};
//! use std::io::Cursor;
//!
//! let input = b"Erasure codes rebuild data from any k of m shares.".repeat(300);
//! let mut shares = vec![Cursor::new(Vec::new()); 5];
//! zfec::encode(2, 5, &input[..], &mut shares, &mut |_| {})?;
//!
//! // Any 2 of the 5 shares, here numbers 4 and 1.
//! let pick = [4, 1].map(|i| {
//!     let bytes = shares[i].get_ref().clone();
//!     let len = bytes.len() as u64;
//!     Share::open(format!("share {i}"), Cursor::new(bytes), len)
//! });
//! let set = ShareSet::new(pick.into_iter().collect::<Result<_, _>>()?)?;
//! let mut out = Vec::new();
//! set.decode(&mut out, &mut |_| {})?;
//! assert_eq!(out, input);
//! # Ok::<(), algorithm_fec::zfec::Error>(())
//! ```

use std::io::{self, Read};
// Only the module doc (its link to `Write`) uses it.
#[cfg(doc)]
use std::io::Write;

mod decode;
mod encode;
mod header;
mod names;
mod share;
mod share_set;
mod verify;

pub use decode::Decoded;
pub use encode::{encode, encode_sized, Encoded};
pub use header::Header;
pub use names::{padlen, share_data_len, share_file_name, share_file_os_name};
pub use share::Share;
pub use share_set::ShareSet;
pub use verify::{ShareVerdict, VerifyReport};

/// Most shares zfec allows (GF(2^8) has 256 points).
///
/// ```
/// use algorithm_fec::zfec::{self, MAX_SHARES};
///
/// let mut outs = vec![std::io::Cursor::new(Vec::new()); MAX_SHARES + 1];
/// let err = zfec::encode(2, MAX_SHARES + 1, &b"data"[..], &mut outs, &mut |_| {});
/// assert!(matches!(err, Err(zfec::Error::Params { k: 2, m: 257 })));
/// ```
pub const MAX_SHARES: usize = 256;

/// Bytes each share receives from a full segment; a segment is `k · CHUNK_SIZE`
/// input bytes.
///
/// ```
/// use algorithm_fec::zfec::{self, Header, CHUNK_SIZE};
/// use std::io::Cursor;
///
/// // A chunk of 0s then a chunk of 1s: with k = 2, one chunk for each data share.
/// let input: Vec<u8> = (0..2 * CHUNK_SIZE).map(|i| (i / CHUNK_SIZE) as u8).collect();
/// let mut shares = vec![Cursor::new(Vec::new()); 3];
/// zfec::encode(2, 3, &input[..], &mut shares, &mut |_| {})?;
/// let data = |i: usize| shares[i].get_ref()[Header::len_for(3, 2)..].to_vec();
/// assert_eq!((data(0), data(1)), (vec![0; CHUNK_SIZE], vec![1; CHUNK_SIZE]));
/// # Ok::<(), zfec::Error>(())
/// ```
pub const CHUNK_SIZE: usize = 4096;

/// Longest header: 8 + 8 + 8 + 8 bits.
///
/// ```
/// use algorithm_fec::zfec::{Header, MAX_HEADER_LEN};
///
/// assert_eq!(Header::len_for(256, 256), MAX_HEADER_LEN);
/// ```
pub const MAX_HEADER_LEN: usize = 4;

/// What is wrong with a header, or with header fields given to [`Header::new`].
///
/// # Examples
///
/// ```
/// use algorithm_fec::zfec::{Header, HeaderError};
///
/// // Padding is always less than k bytes.
/// assert_eq!(Header::new(3, 2, 2, 0), Err(HeaderError::PadlenTooLarge { padlen: 2, k: 2 }));
/// match Header::parse(&[7]) {
///     Err(HeaderError::TooShort { needed, got }) => assert_eq!((needed, got), (2, 1)),
///     other => panic!("expected TooShort, got {other:?}"),
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HeaderError {
    /// Fewer bytes than the header needs.
    #[error("too short to hold a zfec header: needs {needed} bytes, has {got}")]
    TooShort {
        /// Bytes the header needs (2 when m and k are not known yet).
        needed: usize,
        /// Bytes there are.
        got: usize,
    },
    /// m outside 1..=256.
    #[error("m={m} is not in 1..=256")]
    MOutOfRange {
        /// The m given.
        m: usize,
    },
    /// k outside 1..=m.
    #[error("k={k} is not in 1..=m (m={m})")]
    KOutOfRange {
        /// The k given or stored.
        k: usize,
        /// The m given or stored.
        m: usize,
    },
    /// padlen not below k.
    #[error("padlen={padlen} is not below k={k}")]
    PadlenTooLarge {
        /// The padlen given or stored.
        padlen: usize,
        /// The k given or stored.
        k: usize,
    },
    /// sharenum not below m.
    #[error("share number {sharenum} is not below m={m}")]
    ShareNumOutOfRange {
        /// The share number given or stored.
        sharenum: usize,
        /// The m given or stored.
        m: usize,
    },
    /// The header claims padding but the share has no data after it.
    #[error("the header says padlen={padlen}, but the share holds no data")]
    PaddingWithoutData {
        /// The stored padlen.
        padlen: usize,
    },
}

/// A bad header in words: fields out of range mean the file is no share at all.
fn header_problem(e: &HeaderError) -> String {
    match e {
        HeaderError::MOutOfRange { .. }
        | HeaderError::KOutOfRange { .. }
        | HeaderError::PadlenTooLarge { .. } => {
            format!("not a share file: it has no valid zfec header ({e})")
        }
        e => e.to_string(),
    }
}

/// Everything that can go wrong encoding, decoding or verifying shares.
///
/// # Examples
///
/// ```
/// # use algorithm_fec::zfec::{self, Share};
/// # use std::io::Cursor;
/// # fn shares(k: usize, m: usize, input: &[u8]) -> Result<Vec<Share<Cursor<Vec<u8>>>>, zfec::Error> {
/// #     let mut outs = vec![Cursor::new(Vec::new()); m];
/// #     zfec::encode(k, m, input, &mut outs, &mut |_| {})?;
/// #     (outs.into_iter().enumerate())
/// #         .map(|(i, c)| {
/// #             let len = c.get_ref().len() as u64;
/// #             Share::open(format!("s.{i}_{m}.fec"), Cursor::new(c.into_inner()), len)
/// #         })
/// #         .collect()
/// # }
/// // shares(k, m, input): the m shares of `input`, encoded and opened in memory.
/// use algorithm_fec::zfec::{Error, ShareSet};
///
/// let mut all = shares(2, 3, b"some data")?;
/// let again = shares(2, 3, b"some data")?.remove(0);
/// all.push(again); // share 0 twice
/// match ShareSet::new(all) {
///     Err(Error::DuplicateShare { sharenum, share, other }) => {
///         assert_eq!((sharenum, share.as_str(), other.as_str()), (0, "s.0_3.fec", "s.0_3.fec"));
///     }
///     other => panic!("expected DuplicateShare, got {other:?}"),
/// }
/// # Ok::<(), Error>(())
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// k and m outside 1 ≤ k ≤ m ≤ 256.
    #[error("invalid parameters k={k}, m={m}: need 1 <= k <= m <= 256")]
    Params {
        /// Required shares.
        k: usize,
        /// Total shares.
        m: usize,
    },
    /// The number of output writers differs from m.
    #[error("expected {expected} share outputs (m), got {got}")]
    OutputCount {
        /// m.
        expected: usize,
        /// Writers given.
        got: usize,
    },
    /// A share's header is truncated or invalid.
    #[error("{share}: {}", header_problem(source))]
    Header {
        /// The share's name.
        share: String,
        /// What is wrong.
        source: HeaderError,
    },
    /// Fewer distinct shares than k.
    #[error("need at least {k} shares to rebuild the file, got {got}")]
    TooFewShares {
        /// Shares needed.
        k: usize,
        /// Shares given.
        got: usize,
    },
    /// Two shares' headers disagree on m, k or padlen.
    #[error("{share} and {other} are not shares of the same file: {share} says {field}={value}, {other} says {field}={other_value}")]
    Mismatch {
        /// The share found to disagree.
        share: String,
        /// The share it was compared with.
        other: String,
        /// "m", "k" or "padlen".
        field: &'static str,
        /// `share`'s value.
        value: usize,
        /// `other`'s value.
        other_value: usize,
    },
    /// Two shares hold different amounts of data.
    #[error("{share} holds {len} data bytes but {other} holds {other_len}: shares of different files, or one of them is truncated")]
    SizeMismatch {
        /// The share found to disagree.
        share: String,
        /// Its data length.
        len: u64,
        /// The share it was compared with.
        other: String,
        /// That share's data length.
        other_len: u64,
    },
    /// One share disagrees with more than half of the shares given, which agree with
    /// each other: that share is corrupt (a damaged header, truncated or extended
    /// data) or belongs to another file.
    #[error("{}", outvoted_message(share, field, *value, *majority, *agree))]
    Outvoted {
        /// The share that disagrees.
        share: String,
        /// "m", "k", "padlen" or "data length".
        field: &'static str,
        /// Its value.
        value: u64,
        /// The value of the others.
        majority: u64,
        /// How many shares hold `majority`.
        agree: usize,
    },
    /// The same share number given twice.
    #[error(
        "{share} and {other} are both share number {sharenum}: each share may be given only once"
    )]
    DuplicateShare {
        /// The repeated share number.
        sharenum: usize,
        /// The second one.
        share: String,
        /// The first one.
        other: String,
    },
    /// A share ended before its expected length while being read.
    #[error("{share} ended after {got} data bytes, expected {expected}: truncated, or changed while being read")]
    Truncated {
        /// The share's name.
        share: String,
        /// Data bytes expected.
        expected: u64,
        /// Data bytes read.
        got: u64,
    },
    /// [`ShareSet::decode_correcting`] found the shares disagreeing where more of
    /// them are bad than its spare shares (those beyond k) can correct: a bad share
    /// takes two spares.
    #[error("{}", uncorrectable_message(shares, *k, *offset))]
    Uncorrectable {
        /// The names of all the shares given.
        shares: Vec<String>,
        /// Shares needed.
        k: usize,
        /// Offset in the share files of the first byte found that cannot be corrected.
        offset: u64,
    },
    /// [`encode_sized`]'s input had a different length than announced.
    #[error("the input has {got} bytes, not the {expected} announced (changed while being read?)")]
    InputSize {
        /// Announced size.
        expected: u64,
        /// Bytes read (at least).
        got: u64,
    },
    /// Reading the input or a share failed.
    #[error("cannot read {name}: {source}")]
    Read {
        /// What was being read.
        name: String,
        /// The I/O error.
        source: io::Error,
    },
    /// Writing a share or the output failed.
    #[error("cannot write {name}: {source}")]
    Write {
        /// What was being written.
        name: String,
        /// The I/O error.
        source: io::Error,
    },
}

fn uncorrectable_message(shares: &[String], k: usize, offset: u64) -> String {
    let spare = shares.len() - k;
    let names = shares.join(", ");
    let (who, can) = match spare / 2 {
        0 => (
            format!("at least one of {names} is bad"),
            format!("{spare} spare share (beyond k={k}) shows that but cannot correct it"),
        ),
        c => (
            format!("more than {c} of {names} are bad"),
            format!("{spare} spare shares (beyond k={k}) correct at most {c}"),
        ),
    };
    format!("the shares disagree at byte {offset} of their files (header included): {who} there; {can}: correcting a bad share takes two")
}

fn outvoted_message(share: &str, field: &str, value: u64, majority: u64, agree: usize) -> String {
    if field == DATA_LENGTH {
        let what = if value < majority {
            "truncated"
        } else {
            "longer than it should be"
        };
        format!(
            "{share} holds {value} data bytes, but {agree} other shares hold {majority}: \
             {share} is {what} (or a share of another file)"
        )
    } else {
        format!(
            "{share} says {field}={value}, but {agree} other shares say {field}={majority}: \
             {share} has a corrupt header (or is a share of another file)"
        )
    }
}

/// The field name [`Error::Outvoted`] gives a share's data length.
const DATA_LENGTH: &str = "data length";

/// Reads until `buf` is full or the stream ends; returns the bytes read.
fn read_full<R: Read + ?Sized>(r: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match r.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

/// Bytes of each share handled per batch: about 1 MiB of columns in all, a whole
/// number of chunks, at least 16 KiB per share. Keeping a batch within the L2
/// cache matters more than the size of each read and write: the kernel's copy
/// into the page cache from a multi-MiB buffer that has fallen out of cache cost
/// more than the encoding itself in measurements (1 GiB, k=3, m=10: system time
/// 1.6-3.6 s with 8 MiB batches, 1.2-1.3 s with 1 MiB).
fn column_bytes(shares: usize) -> usize {
    ((1 << 20) / shares.max(1)).clamp(16 << 10, 1 << 20) / CHUNK_SIZE * CHUNK_SIZE
}

/// Column length for share data of `data_len` bytes: no more than needed.
fn batch_len(col: usize, data_len: u64) -> usize {
    let need = data_len.div_ceil(CHUNK_SIZE as u64) * CHUNK_SIZE as u64;
    col.min(usize::try_from(need).unwrap_or(usize::MAX))
        .max(CHUNK_SIZE)
}

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

use std::io::{self, Read, Seek, SeekFrom, Write};
use std::ops::Range;

use crate::code::Code;
use crate::gf::Field;

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

/// ⌈log2 n⌉ for n ≥ 1 (0 for n ≤ 1), zfec's `log_ceil(n, 2)`.
fn log2_ceil(n: usize) -> usize {
    if n <= 1 {
        0
    } else {
        (usize::BITS - (n - 1).leading_zeros()) as usize
    }
}

/// `padlen` for an input of `size` bytes: zero bytes the encoder adds so that the
/// last segment splits into k equal blocks.
///
/// ```
/// use algorithm_fec::zfec::{padlen, share_data_len};
///
/// // 10 bytes in 3 shares: 4 bytes each, the last 2 of them padding.
/// assert_eq!((share_data_len(10, 3), padlen(10, 3)), (4, 2));
/// assert_eq!((share_data_len(9, 3), padlen(9, 3)), (3, 0));
/// ```
pub fn padlen(size: u64, k: usize) -> usize {
    let k = k.max(1) as u64;
    ((k - size % k) % k) as usize
}

/// Data bytes in each share of an input of `size` bytes: ⌈size / k⌉.
///
/// ```
/// use algorithm_fec::zfec::{self, Header};
/// use std::io::Cursor;
///
/// let mut outs = vec![Cursor::new(Vec::new()); 4];
/// zfec::encode(3, 4, &b"ten bytes!"[..], &mut outs, &mut |_| {})?;
/// let header = Header::len_for(4, 3) as u64;
/// assert_eq!(outs[0].get_ref().len() as u64, header + zfec::share_data_len(10, 3));
/// # Ok::<(), zfec::Error>(())
/// ```
pub fn share_data_len(size: u64, k: usize) -> u64 {
    size.div_ceil(k.max(1) as u64)
}

/// zfec's share file name: `PREFIX.NN_MM` + `suffix` (usually `.fec`), the share
/// number and m both zero-padded to as many digits as m has.
///
/// ```
/// assert_eq!(algorithm_fec::zfec::share_file_name("a.txt", 3, 10, ".fec"), "a.txt.03_10.fec");
/// assert_eq!(algorithm_fec::zfec::share_file_name("x", 0, 3, ".fec"), "x.0_3.fec");
/// ```
pub fn share_file_name(prefix: &str, sharenum: usize, m: usize, suffix: &str) -> String {
    let w = m.to_string().len();
    format!("{prefix}.{sharenum:0w$}_{m:0w$}{suffix}")
}

/// [`share_file_name`] for a prefix and suffix that need not be UTF-8 (a prefix
/// taken from a file name): their bytes are kept as they are, as zfec keeps them.
///
/// ```
/// use std::ffi::OsStr;
/// let name = algorithm_fec::zfec::share_file_os_name(OsStr::new("a"), 1, 3, OsStr::new(".fec"));
/// assert_eq!(name, "a.1_3.fec");
/// ```
pub fn share_file_os_name(
    prefix: &std::ffi::OsStr,
    sharenum: usize,
    m: usize,
    suffix: &std::ffi::OsStr,
) -> std::ffi::OsString {
    let mut name = prefix.to_os_string();
    name.push(share_file_name("", sharenum, m, ""));
    name.push(suffix);
    name
}

/// The parameters stored at the front of every share file.
///
/// # Examples
///
/// ```
/// use algorithm_fec::zfec::Header;
///
/// // zfec 1.5.2's header for share 7 of 8, k = 3, 2 bytes of padding (tests/data/zfec).
/// let h = Header::new(8, 3, 2, 7)?;
/// assert_eq!(h.to_bytes()?, [0x07, 0x57]);
/// assert_eq!(Header::parse(&[0x07, 0x57])?, (h, 2));
/// # Ok::<(), algorithm_fec::zfec::HeaderError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Header {
    /// Total shares, 1..=256.
    pub m: usize,
    /// Shares required, 1..=m.
    pub k: usize,
    /// Zero bytes the encoder appended, 0..k.
    pub padlen: usize,
    /// This share's number, 0..m.
    pub sharenum: usize,
}

impl Header {
    /// A checked header: 1 ≤ k ≤ m ≤ 256, padlen < k, sharenum < m.
    ///
    /// # Examples
    ///
    /// ```
    /// use algorithm_fec::zfec::{Header, HeaderError};
    ///
    /// let h = Header::new(10, 3, 2, 5)?;
    /// assert_eq!((h.m, h.k, h.padlen, h.sharenum), (10, 3, 2, 5));
    /// assert_eq!(Header::new(3, 4, 0, 0), Err(HeaderError::KOutOfRange { k: 4, m: 3 }));
    /// # Ok::<(), HeaderError>(())
    /// ```
    pub fn new(m: usize, k: usize, padlen: usize, sharenum: usize) -> Result<Header, HeaderError> {
        let h = Header {
            m,
            k,
            padlen,
            sharenum,
        };
        h.validate()?;
        Ok(h)
    }

    /// Checks the fields' ranges.
    ///
    /// ```
    /// use algorithm_fec::zfec::{Header, HeaderError};
    ///
    /// // The fields are public: a header built by hand is checked before use.
    /// let h = Header { m: 8, k: 3, padlen: 0, sharenum: 8 };
    /// assert_eq!(h.validate(), Err(HeaderError::ShareNumOutOfRange { sharenum: 8, m: 8 }));
    /// assert_eq!(h.to_bytes(), Err(HeaderError::ShareNumOutOfRange { sharenum: 8, m: 8 }));
    /// ```
    pub fn validate(&self) -> Result<(), HeaderError> {
        let Header {
            m,
            k,
            padlen,
            sharenum,
        } = *self;
        if !(1..=MAX_SHARES).contains(&m) {
            return Err(HeaderError::MOutOfRange { m });
        }
        if !(1..=m).contains(&k) {
            return Err(HeaderError::KOutOfRange { k, m });
        }
        if padlen >= k {
            return Err(HeaderError::PadlenTooLarge { padlen, k });
        }
        if sharenum >= m {
            return Err(HeaderError::ShareNumOutOfRange { sharenum, m });
        }
        Ok(())
    }

    /// Bits of the fields for (m, k), before padding to whole bytes.
    fn bits(m: usize, k: usize) -> usize {
        8 + 2 * log2_ceil(m) + log2_ceil(k)
    }

    /// Header length in bytes for given m and k: ⌈bits / 8⌉ but at least 2 (zfec
    /// packs into 2, 3 or 4 bytes). `m` and `k` are clamped to 1..=256.
    ///
    /// ```
    /// use algorithm_fec::zfec::Header;
    ///
    /// assert_eq!(Header::len_for(8, 3), 2); // 16 bits
    /// assert_eq!(Header::len_for(10, 3), 3); // 18 bits
    /// assert_eq!(Header::len_for(1, 1), 2); // 8 bits, but never less than 2 bytes
    /// ```
    pub fn len_for(m: usize, k: usize) -> usize {
        let m = m.clamp(1, MAX_SHARES);
        let k = k.clamp(1, MAX_SHARES);
        Self::bits(m, k).div_ceil(8).max(2)
    }

    /// This header's length in bytes.
    ///
    /// ```
    /// use algorithm_fec::zfec::Header;
    ///
    /// let h = Header::new(10, 3, 2, 5)?;
    /// assert_eq!(h.encoded_len(), h.to_bytes()?.len());
    /// assert_eq!(h.encoded_len(), 3);
    /// # Ok::<(), algorithm_fec::zfec::HeaderError>(())
    /// ```
    pub fn encoded_len(&self) -> usize {
        Self::len_for(self.m, self.k)
    }

    /// The header bytes, exactly as zfec's `_build_header` makes them.
    ///
    /// ```
    /// use algorithm_fec::zfec::Header;
    ///
    /// // Known answer from zfec 1.5.2 (tests/data/zfec/HEADERS.tsv).
    /// assert_eq!(Header::new(10, 3, 2, 5)?.to_bytes()?, [0x09, 0x29, 0x40]);
    /// # Ok::<(), algorithm_fec::zfec::HeaderError>(())
    /// ```
    pub fn to_bytes(&self) -> Result<Vec<u8>, HeaderError> {
        self.validate()?;
        let (kbits, pbits) = (log2_ceil(self.m), log2_ceil(self.k));
        let mut val = (self.m - 1) as u64;
        val = (val << kbits) | (self.k - 1) as u64;
        val = (val << pbits) | self.padlen as u64;
        val = (val << kbits) | self.sharenum as u64;
        let len = self.encoded_len();
        val <<= len * 8 - Self::bits(self.m, self.k);
        Ok(val.to_be_bytes()[8 - len..].to_vec())
    }

    /// Header length implied by the first two bytes of a share.
    fn len_from_prefix(b0: u8, b1: u8) -> usize {
        let m = usize::from(b0) + 1;
        let kbits = log2_ceil(m);
        let k = (usize::from(b1) >> (8 - kbits)) + 1;
        Self::len_for(m, k)
    }

    /// Parses a header from the front of `bytes` (which may hold more, e.g. a whole
    /// share); returns it with its length in bytes. Checks every field's range.
    ///
    /// ```
    /// use algorithm_fec::zfec::{Header, HeaderError};
    ///
    /// // The start of a share: 3 header bytes, then its data.
    /// let (h, len) = Header::parse(&[0x09, 0x29, 0x40, b'd', b'a'])?;
    /// assert_eq!((h, len), (Header::new(10, 3, 2, 5)?, 3));
    /// assert_eq!(Header::parse(&[0x09, 0x29]), Err(HeaderError::TooShort { needed: 3, got: 2 }));
    /// # Ok::<(), HeaderError>(())
    /// ```
    pub fn parse(bytes: &[u8]) -> Result<(Header, usize), HeaderError> {
        let (&b0, &b1) = match bytes {
            [b0, b1, ..] => (b0, b1),
            _ => {
                return Err(HeaderError::TooShort {
                    needed: 2,
                    got: bytes.len(),
                })
            }
        };
        let len = Self::len_from_prefix(b0, b1);
        let Some(head) = bytes.get(..len) else {
            return Err(HeaderError::TooShort {
                needed: len,
                got: bytes.len(),
            });
        };
        let val = head.iter().fold(0u64, |v, &b| (v << 8) | u64::from(b));
        let total = len * 8;
        let field = |start: usize, width: usize| -> usize {
            ((val >> (total - start - width)) & ((1u64 << width) - 1)) as usize
        };
        let m = usize::from(b0) + 1;
        let kbits = log2_ceil(m);
        let k = field(8, kbits) + 1;
        let pbits = log2_ceil(k);
        let padlen = field(8 + kbits, pbits);
        let sharenum = field(8 + kbits + pbits, kbits);
        // k > m is representable (m not a power of two), so is everything else.
        let h = Header {
            m,
            k,
            padlen,
            sharenum,
        };
        h.validate()?;
        Ok((h, len))
    }

    /// Reads and parses a header from the front of a stream, consuming exactly the
    /// header's bytes. `Ok(Err(_))` is a bad header, `Err(_)` an I/O error.
    ///
    /// ```
    /// use algorithm_fec::zfec::Header;
    /// use std::io::{Cursor, Read};
    ///
    /// let mut share = Cursor::new(vec![0x09, 0x29, 0x40, b'd', b'a']);
    /// let h = Header::read_from(&mut share)?.expect("a valid header");
    /// assert_eq!((h.k, h.m, h.sharenum), (3, 10, 5));
    /// let mut data = Vec::new();
    /// share.read_to_end(&mut data)?; // the reader stands at the data
    /// assert_eq!(data, b"da");
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn read_from<R: Read>(r: &mut R) -> io::Result<Result<Header, HeaderError>> {
        let mut buf = [0u8; MAX_HEADER_LEN];
        let got = read_full(r, &mut buf[..2])?;
        if got < 2 {
            return Ok(Err(HeaderError::TooShort { needed: 2, got }));
        }
        let len = Self::len_from_prefix(buf[0], buf[1]);
        let got = 2 + read_full(r, &mut buf[2..len])?;
        Ok(Header::parse(&buf[..got]).map(|(h, _)| h))
    }
}

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

/// Bytes per write of decoded output: large, yet small enough to stay in cache.
const OUT_PIECE: usize = 256 << 10;

/// Column length for share data of `data_len` bytes: no more than needed.
fn batch_len(col: usize, data_len: u64) -> usize {
    let need = data_len.div_ceil(CHUNK_SIZE as u64) * CHUNK_SIZE as u64;
    col.min(usize::try_from(need).unwrap_or(usize::MAX))
        .max(CHUNK_SIZE)
}

fn check_params(k: usize, m: usize) -> Result<Code, Error> {
    if !(1..=m).contains(&k) || m > MAX_SHARES {
        return Err(Error::Params { k, m });
    }
    Code::with_field(k, m, Field::Gf8).map_err(|_| Error::Params { k, m })
}

/// The code for an encoder's parameters, checked along with its number of outputs.
fn check_encoder(k: usize, m: usize, outputs: usize) -> Result<Code, Error> {
    let code = check_params(k, m)?;
    if outputs != m {
        return Err(Error::OutputCount {
            expected: m,
            got: outputs,
        });
    }
    Ok(code)
}

/// What [`encode`] and [`encode_sized`] produced.
///
/// # Examples
///
/// ```
/// use algorithm_fec::zfec::{self, Encoded};
///
/// let mut outs = vec![Vec::new(); 5];
/// let e = zfec::encode_sized(3, 5, 10, &b"ten bytes!"[..], &mut outs, &mut |_| {})?;
/// // 10 bytes = 3 shares of 4 with 2 bytes of padding; 2 header bytes each.
/// assert_eq!(e, Encoded { size: 10, padlen: 2, share_len: 6 });
/// assert!(outs.iter().all(|o| o.len() == 6));
/// # Ok::<(), zfec::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Encoded {
    /// Input bytes encoded.
    pub size: u64,
    /// Zero bytes of padding (stored in the headers).
    pub padlen: usize,
    /// Bytes written to each share, header included.
    pub share_len: u64,
}

fn write_name(sharenum: usize) -> impl Fn(io::Error) -> Error {
    move |source| Error::Write {
        name: format!("share {sharenum}"),
        source,
    }
}

/// Encodes all of `input` into m share streams (`outs[i]` receives share i, header
/// included), byte-identical to zfec. The input's length need not be known: each
/// header is written with padlen 0 first, then rewritten once the input has ended,
/// so the outputs must be seekable; they are left positioned at their end.
/// `progress` is called with the input bytes consumed so far.
///
/// Memory stays constant whatever the input size: about 2 MiB of buffers (4 MiB
/// more for m = 256).
///
/// # Examples
///
/// ```
/// use algorithm_fec::zfec::{self, Header};
/// use std::fs::File;
///
/// // Share files in a temporary directory, named as zfec names them.
/// let dir = tempfile::tempdir()?;
/// let mut files = (0..5)
///     .map(|i| File::create(dir.path().join(zfec::share_file_name("f", i, 5, ".fec"))))
///     .collect::<Result<Vec<_>, _>>()?;
/// let input = b"ten bytes!";
/// let e = zfec::encode(3, 5, &input[..], &mut files, &mut |_| {})?;
/// assert_eq!((e.size, e.padlen), (10, 2));
/// // The input's size was learnt at its end: the headers were rewritten with padlen 2.
/// let share4 = std::fs::read(dir.path().join("f.4_5.fec"))?;
/// assert_eq!(Header::parse(&share4)?.0, Header::new(5, 3, 2, 4)?);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn encode<R: Read, W: Write + Seek>(
    k: usize,
    m: usize,
    input: R,
    outs: &mut [W],
    progress: &mut dyn FnMut(u64),
) -> Result<Encoded, Error> {
    let code = check_encoder(k, m, outs.len())?;
    let starts: Vec<u64> = outs
        .iter_mut()
        .enumerate()
        .map(|(i, o)| o.stream_position().map_err(write_name(i)))
        .collect::<Result<_, _>>()?;
    write_headers(outs, k, m, 0)?;
    let size = encode_data(&code, input, outs, None, progress)?;
    let padlen = padlen(size, k);
    if padlen != 0 {
        for (i, (o, &start)) in outs.iter_mut().zip(&starts).enumerate() {
            o.seek(SeekFrom::Start(start)).map_err(write_name(i))?;
        }
        write_headers(outs, k, m, padlen)?;
        for (i, o) in outs.iter_mut().enumerate() {
            o.seek(SeekFrom::End(0)).map_err(write_name(i))?;
        }
    }
    for (i, o) in outs.iter_mut().enumerate() {
        o.flush().map_err(write_name(i))?;
    }
    Ok(Encoded {
        size,
        padlen,
        share_len: (Header::len_for(m, k) as u64) + share_data_len(size, k),
    })
}

/// Like [`encode`] for outputs that cannot seek: the input's `size` must be known in
/// advance (headers come first). Fails with [`Error::InputSize`] if the input turns
/// out longer or shorter.
///
/// # Examples
///
/// ```
/// use algorithm_fec::zfec::{self, Error};
/// use std::io::Cursor;
///
/// // Plain writers (a pipe, a socket, a Vec): the size comes first.
/// let input = b"ten bytes!";
/// let mut outs = vec![Vec::new(); 5];
/// zfec::encode_sized(3, 5, 10, &input[..], &mut outs, &mut |_| {})?;
/// // The same bytes as `encode` with seekable outputs.
/// let mut seekable = vec![Cursor::new(Vec::new()); 5];
/// zfec::encode(3, 5, &input[..], &mut seekable, &mut |_| {})?;
/// assert!(outs.iter().zip(&seekable).all(|(a, b)| a == b.get_ref()));
///
/// let wrong = zfec::encode_sized(3, 5, 12, &input[..], &mut vec![Vec::new(); 5], &mut |_| {});
/// assert!(matches!(wrong, Err(Error::InputSize { expected: 12, got: 10 })));
/// # Ok::<(), Error>(())
/// ```
pub fn encode_sized<R: Read, W: Write>(
    k: usize,
    m: usize,
    size: u64,
    input: R,
    outs: &mut [W],
    progress: &mut dyn FnMut(u64),
) -> Result<Encoded, Error> {
    let code = check_encoder(k, m, outs.len())?;
    let padlen = padlen(size, k);
    write_headers(outs, k, m, padlen)?;
    let got = encode_data(&code, input, outs, Some(size), progress)?;
    if got != size {
        return Err(Error::InputSize {
            expected: size,
            got,
        });
    }
    for (i, o) in outs.iter_mut().enumerate() {
        o.flush().map_err(write_name(i))?;
    }
    Ok(Encoded {
        size,
        padlen,
        share_len: (Header::len_for(m, k) as u64) + share_data_len(size, k),
    })
}

fn write_headers<W: Write>(outs: &mut [W], k: usize, m: usize, padlen: usize) -> Result<(), Error> {
    for (i, o) in outs.iter_mut().enumerate() {
        let h = Header::new(m, k, padlen, i)
            .and_then(|h| h.to_bytes())
            .map_err(|_| Error::Params { k, m })?;
        o.write_all(&h).map_err(write_name(i))?;
    }
    Ok(())
}

/// Streams the share data. Many segments are handled per call to the code: the
/// batch is transposed into one column per share (column j = block j of each
/// segment, i.e. exactly the bytes share j receives), and since the code works
/// byte position by byte position, encoding the columns in one call gives the same
/// bytes as encoding segment by segment. A final short segment (zero-padded
/// blocks of ⌈L/k⌉ bytes) simply extends the columns.
fn encode_data<R: Read, W: Write>(
    code: &Code,
    mut input: R,
    outs: &mut [W],
    limit: Option<u64>,
    progress: &mut dyn FnMut(u64),
) -> Result<u64, Error> {
    let (k, m) = (code.k(), code.n());
    let col = column_bytes(m);
    let seg = k * CHUNK_SIZE;
    let mut inbuf = vec![0u8; k * col];
    let mut cols = vec![vec![0u8; col]; m];
    let parity: Vec<usize> = (k..m).collect();
    let mut total = 0u64;
    loop {
        let n = read_full(&mut input, &mut inbuf).map_err(|source| Error::Read {
            name: "the input".into(),
            source,
        })?;
        if n == 0 {
            break;
        }
        if let Some(limit) = limit {
            if total + n as u64 > limit {
                return Err(Error::InputSize {
                    expected: limit,
                    got: total + n as u64,
                });
            }
        }
        let full = n / seg;
        for (s, segment) in inbuf[..full * seg].chunks_exact(seg).enumerate() {
            for (j, block) in segment.chunks_exact(CHUNK_SIZE).enumerate() {
                cols[j][s * CHUNK_SIZE..(s + 1) * CHUNK_SIZE].copy_from_slice(block);
            }
        }
        let mut len = full * CHUNK_SIZE;
        let rest = &inbuf[full * seg..n];
        if !rest.is_empty() {
            let b = rest.len().div_ceil(k);
            for (j, c) in cols.iter_mut().take(k).enumerate() {
                let dst = &mut c[len..len + b];
                let src = rest.get(j * b..).unwrap_or(&[]);
                let take = src.len().min(b);
                dst[..take].copy_from_slice(&src[..take]);
                dst[take..].fill(0);
            }
            len += b;
        }
        let (data, checks) = cols.split_at_mut(k);
        let data: Vec<&[u8]> = data.iter().map(|c| &c[..len]).collect();
        let mut checks: Vec<&mut [u8]> = checks.iter_mut().map(|c| &mut c[..len]).collect();
        code.encode_many(&data, &parity, &mut checks)
            .expect("shapes are consistent by construction");
        for (i, (o, c)) in outs.iter_mut().zip(&cols).enumerate() {
            o.write_all(&c[..len]).map_err(write_name(i))?;
        }
        total += n as u64;
        progress(total);
        if n < inbuf.len() {
            break;
        }
    }
    Ok(total)
}

/// One share file opened for decoding: its name (for messages), its header, and a
/// reader positioned at the start of its data.
///
/// # Examples
///
/// ```
/// use algorithm_fec::zfec::{self, Share};
/// use std::fs::File;
///
/// let dir = tempfile::tempdir()?;
/// let paths: Vec<_> = (0..3).map(|i| dir.path().join(zfec::share_file_name("f", i, 3, ".fec"))).collect();
/// let mut files = paths.iter().map(File::create).collect::<Result<Vec<_>, _>>()?;
/// zfec::encode(2, 3, &b"hello"[..], &mut files, &mut |_| {})?;
///
/// let file = File::open(&paths[2])?;
/// let len = file.metadata()?.len();
/// let share = Share::open(paths[2].display().to_string(), file, len)?;
/// // 5 bytes in 2 shares: 3 data bytes each, 1 of padding.
/// assert_eq!((share.header().sharenum, share.header().padlen, share.data_len()), (2, 1, 3));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Share<R> {
    name: String,
    header: Header,
    data_len: u64,
    reader: R,
}

impl<R: Read> Share<R> {
    /// Reads and checks the header of a share whose total length (header included)
    /// is `file_len` bytes. `name` is used in error messages.
    ///
    /// # Examples
    ///
    /// ```
    /// use algorithm_fec::zfec::{Error, HeaderError, Share};
    /// use std::io::Cursor;
    ///
    /// // Share 4 of 10, k = 3 (the header 09 29 40 from zfec), with 4 data bytes.
    /// let bytes = vec![0x09, 0x29, 0x40, 1, 2, 3, 4];
    /// let share = Share::open("s.4_10.fec", Cursor::new(bytes), 7)?;
    /// assert_eq!((share.header().k, share.data_len()), (3, 4));
    ///
    /// // One byte is no header.
    /// let err = Share::open("s.x", Cursor::new(vec![0x09]), 1).unwrap_err();
    /// assert!(matches!(err, Error::Header { source: HeaderError::TooShort { .. }, .. }));
    /// assert!(err.to_string().starts_with("s.x: "));
    /// # Ok::<(), Error>(())
    /// ```
    pub fn open(name: impl Into<String>, mut reader: R, file_len: u64) -> Result<Share<R>, Error> {
        let name = name.into();
        let bad = |name: &String, source| Error::Header {
            share: name.clone(),
            source,
        };
        let header = match Header::read_from(&mut reader) {
            Err(source) => return Err(Error::Read { name, source }),
            Ok(Err(e)) => return Err(bad(&name, e)),
            Ok(Ok(h)) => h,
        };
        let hlen = header.encoded_len() as u64;
        if file_len < hlen {
            return Err(bad(
                &name,
                HeaderError::TooShort {
                    needed: hlen as usize,
                    got: file_len as usize,
                },
            ));
        }
        let data_len = file_len - hlen;
        if data_len == 0 && header.padlen > 0 {
            return Err(bad(
                &name,
                HeaderError::PaddingWithoutData {
                    padlen: header.padlen,
                },
            ));
        }
        Ok(Share {
            name,
            header,
            data_len,
            reader,
        })
    }
}

impl<R> Share<R> {
    /// The share's name as given to [`Share::open`].
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
    /// let s = shares(2, 3, b"hello")?;
    /// assert_eq!(s[1].name(), "s.1_3.fec");
    /// # Ok::<(), zfec::Error>(())
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its header.
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
    /// use algorithm_fec::zfec::Header;
    ///
    /// let s = shares(2, 3, b"hello")?;
    /// assert_eq!(s[2].header(), Header::new(3, 2, 1, 2)?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn header(&self) -> Header {
        self.header
    }

    /// Data bytes after the header.
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
    /// let s = shares(2, 3, b"hello")?;
    /// assert_eq!(s[0].data_len(), 3); // ⌈5 / 2⌉
    /// # Ok::<(), zfec::Error>(())
    /// ```
    pub fn data_len(&self) -> u64 {
        self.data_len
    }
}

/// Shares checked to belong together: same m, k, padlen and data length, no share
/// number twice, at least k of them. Ready to [`decode`](ShareSet::decode) or
/// [`verify`](ShareSet::verify).
///
/// # Examples
///
/// ```
/// use algorithm_fec::zfec::{self, Share, ShareSet};
/// use std::fs::File;
///
/// let dir = tempfile::tempdir()?;
/// let paths: Vec<_> = (0..5).map(|i| dir.path().join(zfec::share_file_name("f", i, 5, ".fec"))).collect();
/// let mut files = paths.iter().map(File::create).collect::<Result<Vec<_>, _>>()?;
/// let input = b"Erasure codes rebuild data from any k of m shares.";
/// zfec::encode(3, 5, &input[..], &mut files, &mut |_| {})?;
///
/// // Shares 0 and 2 lost: open the other three, in any order.
/// let open = |i: usize| -> Result<Share<File>, Box<dyn std::error::Error>> {
///     let file = File::open(&paths[i])?;
///     let len = file.metadata()?.len();
///     Ok(Share::open(paths[i].display().to_string(), file, len)?)
/// };
/// let set = ShareSet::new(vec![open(4)?, open(1)?, open(3)?])?;
/// let mut out = Vec::new();
/// set.decode(&mut out, &mut |_| {})?;
/// assert_eq!(out, input);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct ShareSet<R> {
    /// Sorted by share number.
    shares: Vec<Share<R>>,
    m: usize,
    k: usize,
    padlen: usize,
    data_len: u64,
}

impl<R: Read> ShareSet<R> {
    /// Checks that the shares (any order) can be decoded together. Errors, in the
    /// order checked: [`Error::TooFewShares`] for none at all; then, for m, k,
    /// padlen and the data length in turn, if the shares differ:
    /// [`Error::Outvoted`] naming a share that more than half of the others
    /// contradict, else [`Error::Mismatch`] (m, k, padlen) or
    /// [`Error::SizeMismatch`]; then [`Error::DuplicateShare`],
    /// [`Error::TooFewShares`].
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
    /// // Shares of two files do not mix; two shares of a k = 3 file are too few.
    /// let mut mixed = shares(3, 5, b"one file")?;
    /// mixed[0] = shares(3, 5, b"another, longer file")?.remove(0);
    /// assert!(matches!(ShareSet::new(mixed), Err(Error::Outvoted { field: "data length", .. })));
    /// let two = shares(3, 5, b"one file")?.into_iter().take(2).collect();
    /// assert!(matches!(ShareSet::new(two), Err(Error::TooFewShares { k: 3, got: 2 })));
    /// # Ok::<(), Error>(())
    /// ```
    pub fn new(mut shares: Vec<Share<R>>) -> Result<ShareSet<R>, Error> {
        let Some(first) = shares.first() else {
            return Err(Error::TooFewShares { k: 1, got: 0 });
        };
        let (h0, len0, name0) = (first.header, first.data_len, first.name.clone());
        type Get<R> = fn(&Share<R>) -> u64;
        let fields: [(&'static str, Get<R>); 4] = [
            ("m", |s| s.header.m as u64),
            ("k", |s| s.header.k as u64),
            ("padlen", |s| s.header.padlen as u64),
            (DATA_LENGTH, |s| s.data_len),
        ];
        for (field, get) in fields {
            let Some(odd) = shares.iter().find(|s| get(s) != get(first)) else {
                continue;
            };
            let holding = |v: u64| shares.iter().filter(|s| get(s) == v).count();
            // A value more than half of the shares hold blames the others.
            if let Some(majority) = shares
                .iter()
                .map(get)
                .find(|&v| 2 * holding(v) > shares.len())
            {
                let s = shares
                    .iter()
                    .find(|s| get(s) != majority)
                    .expect("odd disagrees with the first");
                return Err(Error::Outvoted {
                    share: s.name.clone(),
                    field,
                    value: get(s),
                    majority,
                    agree: holding(majority),
                });
            }
            return Err(if field == DATA_LENGTH {
                Error::SizeMismatch {
                    share: odd.name.clone(),
                    len: odd.data_len,
                    other: name0,
                    other_len: len0,
                }
            } else {
                Error::Mismatch {
                    share: odd.name.clone(),
                    other: name0,
                    field,
                    value: get(odd) as usize,
                    other_value: get(first) as usize,
                }
            });
        }
        let mut seen: Vec<Option<&str>> = vec![None; h0.m];
        for s in &shares {
            // sharenum < m was checked when the header was parsed.
            match seen.get_mut(s.header.sharenum) {
                Some(Some(other)) => {
                    return Err(Error::DuplicateShare {
                        sharenum: s.header.sharenum,
                        share: s.name.clone(),
                        other: (*other).to_string(),
                    })
                }
                Some(slot) => *slot = Some(&s.name),
                None => {
                    return Err(Error::Header {
                        share: s.name.clone(),
                        source: HeaderError::ShareNumOutOfRange {
                            sharenum: s.header.sharenum,
                            m: h0.m,
                        },
                    })
                }
            }
        }
        if shares.len() < h0.k {
            return Err(Error::TooFewShares {
                k: h0.k,
                got: shares.len(),
            });
        }
        shares.sort_by_key(|s| s.header.sharenum);
        Ok(ShareSet {
            shares,
            m: h0.m,
            k: h0.k,
            padlen: h0.padlen,
            data_len: len0,
        })
    }

    /// Total shares of the file.
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
    /// use algorithm_fec::zfec::ShareSet;
    ///
    /// let mut all = shares(3, 5, b"one file")?;
    /// let set = ShareSet::new(vec![all.remove(4), all.remove(2), all.remove(0)])?;
    /// assert_eq!(set.m(), 5);
    /// # Ok::<(), zfec::Error>(())
    /// ```
    pub fn m(&self) -> usize {
        self.m
    }

    /// Shares needed.
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
    /// use algorithm_fec::zfec::ShareSet;
    ///
    /// let mut all = shares(3, 5, b"one file")?;
    /// let set = ShareSet::new(vec![all.remove(4), all.remove(2), all.remove(0)])?;
    /// assert_eq!(set.k(), 3);
    /// # Ok::<(), zfec::Error>(())
    /// ```
    pub fn k(&self) -> usize {
        self.k
    }

    /// Padding bytes.
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
    /// use algorithm_fec::zfec::ShareSet;
    ///
    /// let mut all = shares(3, 5, b"one file")?;
    /// let set = ShareSet::new(vec![all.remove(4), all.remove(2), all.remove(0)])?;
    /// assert_eq!(set.padlen(), 1); // 8 bytes in 3 shares of 3
    /// # Ok::<(), zfec::Error>(())
    /// ```
    pub fn padlen(&self) -> usize {
        self.padlen
    }

    /// Data bytes in each share.
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
    /// use algorithm_fec::zfec::ShareSet;
    ///
    /// let mut all = shares(3, 5, b"one file")?;
    /// let set = ShareSet::new(vec![all.remove(4), all.remove(2), all.remove(0)])?;
    /// assert_eq!(set.data_len(), 3);
    /// # Ok::<(), zfec::Error>(())
    /// ```
    pub fn data_len(&self) -> u64 {
        self.data_len
    }

    /// The shares, sorted by share number.
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
    /// use algorithm_fec::zfec::ShareSet;
    ///
    /// let mut all = shares(3, 5, b"one file")?;
    /// let set = ShareSet::new(vec![all.remove(4), all.remove(2), all.remove(0)])?;
    /// let nums: Vec<usize> = set.shares().iter().map(|s| s.header().sharenum).collect();
    /// assert_eq!(nums, [0, 2, 4]); // sorted
    /// # Ok::<(), zfec::Error>(())
    /// ```
    pub fn shares(&self) -> &[Share<R>] {
        &self.shares
    }

    /// Size of the original file: k · data length − padlen.
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
    /// use algorithm_fec::zfec::ShareSet;
    ///
    /// let mut all = shares(3, 5, b"one file")?;
    /// let set = ShareSet::new(vec![all.remove(4), all.remove(2), all.remove(0)])?;
    /// assert_eq!(set.output_len(), 8); // 3 · 3 − 1
    /// # Ok::<(), zfec::Error>(())
    /// ```
    pub fn output_len(&self) -> u64 {
        (self.k as u64 * self.data_len).saturating_sub(self.padlen as u64)
    }

    /// The share numbers [`decode`](ShareSet::decode) reads: the k lowest, so data
    /// shares (copied, not computed) are preferred.
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
    /// use algorithm_fec::zfec::ShareSet;
    ///
    /// // All five shares given: decode reads the data shares 0, 1 and 2, copies, no math.
    /// let set = ShareSet::new(shares(3, 5, b"one file")?)?;
    /// assert_eq!(set.chosen(), [0, 1, 2]);
    /// # Ok::<(), zfec::Error>(())
    /// ```
    pub fn chosen(&self) -> Vec<usize> {
        self.shares
            .iter()
            .take(self.k)
            .map(|s| s.header.sharenum)
            .collect()
    }

    fn code(&self) -> Code {
        Code::with_field(self.k, self.m, Field::Gf8).expect("checked when the headers were parsed")
    }

    /// Rebuilds the original file into `out` from the k lowest-numbered shares
    /// (the others are not read, as zfec does). `progress` gets output bytes
    /// written so far. Returns the bytes written. Fails with [`Error::Truncated`] if
    /// a share ends early. [`ShareSet::decode_correcting`] uses the others too.
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
    /// let input = b"Erasure codes rebuild data from any k of m shares.".repeat(100);
    /// let mut all = shares(3, 5, &input)?;
    /// // Only the two parity shares and share 1 are left.
    /// let set = ShareSet::new(all.drain(1..).filter(|s| s.header().sharenum != 2).collect())?;
    /// let mut out = Vec::new();
    /// let mut reported = 0;
    /// let written = set.decode(&mut out, &mut |done| reported = done)?;
    /// assert_eq!(out, input);
    /// assert_eq!((written, reported), (5000, 5000));
    /// # Ok::<(), Error>(())
    /// ```
    pub fn decode<W: Write>(mut self, out: W, progress: &mut dyn FnMut(u64)) -> Result<u64, Error> {
        let code = self.code();
        let k = self.k;
        self.shares.truncate(k);
        let nums: Vec<usize> = self.shares.iter().map(|s| s.header.sharenum).collect();
        let col = batch_len(column_bytes(k), self.data_len);
        let mut cols = vec![vec![0u8; col]; k];
        let mut out = Interleaver::new(out, k, self.output_len());
        let mut done = 0u64;
        while done < self.data_len {
            let len = col.min((self.data_len - done) as usize);
            read_columns(&mut self.shares, &mut cols, len, done, self.data_len)?;
            let mut blocks: Vec<&mut [u8]> = cols.iter_mut().map(|c| &mut c[..len]).collect();
            let mut idx = nums.clone();
            code.decode(&mut blocks, &mut idx)
                .expect("indices and sizes checked");
            done += len as u64;
            out.put(&blocks, len)?;
            progress(out.written);
        }
        out.finish()
    }

    /// Rebuilds the original file into `out` from all the shares given, checking
    /// them against each other: where, at some byte offset, at most ⌊(s − k)/2⌋ of
    /// s shares are bad, the file comes out right all the same and those shares
    /// are reported; where more are bad, fails with [`Error::Uncorrectable`] (with
    /// output already written to `out`: write it where it can be thrown away) —
    /// for sure up to s − k − ⌊(s − k)/2⌋ bad shares, and as a rule up to s − k
    /// (see [`Code::decode_correcting`](crate::Code::decode_correcting)). With exactly k shares
    /// nothing can be checked: this is [`ShareSet::decode`]. `progress` gets output
    /// bytes written so far.
    ///
    /// # Examples
    ///
    /// ```
    /// use algorithm_fec::zfec::{self, Header, Share, ShareSet, ShareVerdict};
    /// use std::io::Cursor;
    ///
    /// let input = b"Erasure codes rebuild data from any k of m shares.".repeat(100);
    /// let mut outs = vec![Cursor::new(Vec::new()); 5];
    /// zfec::encode(2, 5, &input[..], &mut outs, &mut |_| {})?;
    /// let hlen = Header::len_for(5, 2);
    /// outs[1].get_mut()[hlen + 10] ^= 0xff; // one bad byte in share 1
    ///
    /// let shares = (outs.into_iter().enumerate()).map(|(i, c)| {
    ///     let len = c.get_ref().len() as u64;
    ///     Share::open(format!("s.{i}_5.fec"), Cursor::new(c.into_inner()), len)
    /// });
    /// let set = ShareSet::new(shares.collect::<Result<_, _>>()?)?;
    /// let mut out = Vec::new();
    /// // 5 shares, k = 2: 3 spare shares correct one bad share.
    /// let done = set.decode_correcting(&mut out, &mut |_| {})?;
    /// assert_eq!(out, input);
    /// assert_eq!(done.written, 5000);
    /// let bad = ShareVerdict {
    ///     name: "s.1_5.fec".into(),
    ///     sharenum: 1,
    ///     bad_bytes: 1,
    ///     first_bad_offset: Some(hlen as u64 + 10),
    /// };
    /// assert_eq!(done.corrected, [bad]);
    /// # Ok::<(), zfec::Error>(())
    /// ```
    pub fn decode_correcting<W: Write>(
        mut self,
        out: W,
        progress: &mut dyn FnMut(u64),
    ) -> Result<Decoded, Error> {
        let code = self.code();
        let (k, n) = (self.k, self.shares.len());
        let nums: Vec<usize> = self.shares.iter().map(|s| s.header.sharenum).collect();
        let hlen = Header::len_for(self.m, self.k) as u64;
        let col = batch_len(column_bytes(n + k), self.data_len);
        let mut cols = vec![vec![0u8; col]; n];
        let mut data = vec![vec![0u8; col]; k];
        let mut verdicts: Vec<ShareVerdict> = (self.shares.iter())
            .map(|s| ShareVerdict {
                name: s.name.clone(),
                sharenum: s.header.sharenum,
                ..ShareVerdict::default()
            })
            .collect();
        let mut out = Interleaver::new(out, k, self.output_len());
        let mut done = 0u64;
        while done < self.data_len {
            let len = col.min((self.data_len - done) as usize);
            read_columns(&mut self.shares, &mut cols, len, done, self.data_len)?;
            let views: Vec<&[u8]> = cols.iter().map(|c| &c[..len]).collect();
            let mut blocks: Vec<&mut [u8]> = data.iter_mut().map(|d| &mut d[..len]).collect();
            match code.decode_correcting(&views, &nums, &mut blocks) {
                Ok(bad) => {
                    for b in bad {
                        let v = &mut verdicts[b.position];
                        v.bad_bytes += b.bytes as u64;
                        v.first_bad_offset
                            .get_or_insert(hlen + done + b.first as u64);
                    }
                }
                Err(crate::Error::Uncorrectable { offset, .. }) => {
                    return Err(Error::Uncorrectable {
                        shares: verdicts.into_iter().map(|v| v.name).collect(),
                        k,
                        offset: hlen + done + offset as u64,
                    })
                }
                Err(e) => unreachable!("shapes and indices checked: {e}"),
            }
            done += len as u64;
            out.put(&blocks, len)?;
            progress(out.written);
        }
        Ok(Decoded {
            written: out.finish()?,
            corrected: verdicts.into_iter().filter(|v| v.bad_bytes > 0).collect(),
        })
    }

    /// Checks every share against the others without writing anything: decodes from
    /// the k lowest-numbered shares, re-encodes the rest and compares them byte for
    /// byte; where they disagree, finds the one share whose removal makes the rest
    /// agree (possible with at least k + 2 shares and one bad share per 4 KiB
    /// stretch). Also checks that the padding decodes to zero bytes. `progress`
    /// gets bytes of the original file covered so far.
    ///
    /// # Examples
    ///
    /// ```
    /// use algorithm_fec::zfec::{self, Header, Share, ShareSet};
    /// use std::io::Cursor;
    ///
    /// let mut outs = vec![Cursor::new(Vec::new()); 5];
    /// zfec::encode(2, 5, &b"a file to check"[..], &mut outs, &mut |_| {})?;
    /// outs[3].get_mut()[Header::len_for(5, 2) + 2] ^= 1; // share 3, data byte 2
    ///
    /// let shares = (outs.into_iter().enumerate()).map(|(i, c)| {
    ///     let len = c.get_ref().len() as u64;
    ///     Share::open(format!("s.{i}_5.fec"), Cursor::new(c.into_inner()), len)
    /// });
    /// let report = ShareSet::new(shares.collect::<Result<_, _>>()?)?.verify(&mut |_| {})?;
    /// assert!(!report.is_consistent());
    /// let bad: Vec<_> = report.bad_shares().map(|s| (s.name.as_str(), s.bad_bytes)).collect();
    /// assert_eq!(bad, [("s.3_5.fec", 1)]);
    /// # Ok::<(), zfec::Error>(())
    /// ```
    pub fn verify(mut self, progress: &mut dyn FnMut(u64)) -> Result<VerifyReport, Error> {
        let code = self.code();
        let n = self.shares.len();
        let col = batch_len(column_bytes(n), self.data_len);
        let mut cols = vec![vec![0u8; col]; n];
        let nums: Vec<usize> = self.shares.iter().map(|s| s.header.sharenum).collect();
        let mut v = Verifier {
            code: &code,
            nums: &nums,
            shares: vec![ShareVerdict::default(); n],
            unattributed: Vec::new(),
        };
        let mut padding_ok = true;
        let mut done = 0u64;
        while done < self.data_len {
            let len = col.min((self.data_len - done) as usize);
            read_columns(&mut self.shares, &mut cols, len, done, self.data_len)?;
            let views: Vec<&[u8]> = cols.iter().map(|c| &c[..len]).collect();
            if n > self.k {
                v.locate(&views, 0..len, done, true);
            }
            done += len as u64;
            if done == self.data_len && self.padlen > 0 {
                // The last segment starts at the last chunk boundary.
                let start = (len - 1) / CHUNK_SIZE * CHUNK_SIZE;
                let basis: Vec<usize> = (0..self.k).collect();
                let data = v.decode_region(&views, &basis, start..len);
                let last = data.concat();
                padding_ok = last[last.len() - self.padlen..].iter().all(|&b| b == 0);
            }
            progress((done * self.k as u64).min(self.output_len()));
        }
        let hlen = Header::len_for(self.m, self.k) as u64;
        let shares = v
            .shares
            .into_iter()
            .zip(&self.shares)
            .map(|(mut verdict, s)| {
                verdict.name = s.name.clone();
                verdict.sharenum = s.header.sharenum;
                verdict.first_bad_offset = verdict.first_bad_offset.map(|o| o + hlen);
                verdict
            })
            .collect();
        Ok(VerifyReport {
            k: self.k,
            m: self.m,
            size: self.output_len(),
            compared: n > self.k,
            shares,
            unattributed: v.unattributed,
            padding_ok,
        })
    }
}

/// Writes decoded data blocks to the output in zfec's order (4 KiB of each block
/// in turn), gathered into pieces written while still in cache: the kernel's copy
/// from a cold multi-MiB buffer costs more than the decoding. Stops at the
/// file's size (the padding is not written).
struct Interleaver<W> {
    out: W,
    buf: Vec<u8>,
    total: u64,
    written: u64,
}

impl<W: Write> Interleaver<W> {
    fn new(out: W, k: usize, total: u64) -> Interleaver<W> {
        Interleaver {
            out,
            buf: Vec::with_capacity(OUT_PIECE + k * CHUNK_SIZE),
            total,
            written: 0,
        }
    }

    /// The next `len` bytes of every data block.
    fn put<B: AsRef<[u8]>>(&mut self, blocks: &[B], len: usize) -> Result<(), Error> {
        for start in (0..len).step_by(CHUNK_SIZE) {
            let end = len.min(start + CHUNK_SIZE);
            for b in blocks {
                self.buf.extend_from_slice(&b.as_ref()[start..end]);
            }
            if self.buf.len() >= OUT_PIECE || end == len {
                let keep = self.buf.len().min((self.total - self.written) as usize);
                self.out.write_all(&self.buf[..keep]).map_err(write_error)?;
                self.written += keep as u64;
                self.buf.clear();
            }
        }
        Ok(())
    }

    /// Flushes; returns the bytes written.
    fn finish(mut self) -> Result<u64, Error> {
        self.out.flush().map_err(write_error)?;
        Ok(self.written)
    }
}

fn write_error(source: io::Error) -> Error {
    Error::Write {
        name: "the output".into(),
        source,
    }
}

/// What [`ShareSet::decode_correcting`] did.
///
/// # Examples
///
/// ```
/// # use algorithm_fec::zfec::{self, Share};
/// # use std::io::Cursor;
/// # fn share_bytes(k: usize, m: usize, input: &[u8]) -> Result<Vec<Vec<u8>>, zfec::Error> {
/// #     let mut outs = vec![Cursor::new(Vec::new()); m];
/// #     zfec::encode(k, m, input, &mut outs, &mut |_| {})?;
/// #     Ok(outs.into_iter().map(Cursor::into_inner).collect())
/// # }
/// # fn open(bytes: Vec<Vec<u8>>) -> Result<Vec<Share<Cursor<Vec<u8>>>>, zfec::Error> {
/// #     let m = bytes.len();
/// #     (bytes.into_iter().enumerate())
/// #         .map(|(i, b)| Share::open(format!("s.{i}_{m}.fec"), Cursor::new(b.clone()), b.len() as u64))
/// #         .collect()
/// # }
/// // share_bytes(k, m, input): the bytes of the m share files; open(bytes): the shares.
/// use algorithm_fec::zfec::{Decoded, ShareSet};
///
/// let set = ShareSet::new(open(share_bytes(2, 4, b"all shares fine")?)?)?;
/// let done: Decoded = set.decode_correcting(std::io::sink(), &mut |_| {})?;
/// assert_eq!(done.written, 15);
/// assert!(done.corrected.is_empty());
/// # Ok::<(), zfec::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    /// Bytes written: the file's size.
    pub written: u64,
    /// The shares found bad (and decoded around): bytes wrong, the first of them.
    pub corrected: Vec<ShareVerdict>,
}

/// Reads the next `len` data bytes of every share into its column.
fn read_columns<R: Read>(
    shares: &mut [Share<R>],
    cols: &mut [Vec<u8>],
    len: usize,
    done: u64,
    expected: u64,
) -> Result<(), Error> {
    for (s, c) in shares.iter_mut().zip(cols.iter_mut()) {
        let got = read_full(&mut s.reader, &mut c[..len]).map_err(|source| Error::Read {
            name: s.name.clone(),
            source,
        })?;
        if got < len {
            return Err(Error::Truncated {
                share: s.name.clone(),
                expected,
                got: done + got as u64,
            });
        }
    }
    Ok(())
}

/// One share's result from [`ShareSet::verify`] or
/// [`ShareSet::decode_correcting`].
///
/// # Examples
///
/// ```
/// # use algorithm_fec::zfec::{self, Share};
/// # use std::io::Cursor;
/// # fn share_bytes(k: usize, m: usize, input: &[u8]) -> Result<Vec<Vec<u8>>, zfec::Error> {
/// #     let mut outs = vec![Cursor::new(Vec::new()); m];
/// #     zfec::encode(k, m, input, &mut outs, &mut |_| {})?;
/// #     Ok(outs.into_iter().map(Cursor::into_inner).collect())
/// # }
/// # fn open(bytes: Vec<Vec<u8>>) -> Result<Vec<Share<Cursor<Vec<u8>>>>, zfec::Error> {
/// #     let m = bytes.len();
/// #     (bytes.into_iter().enumerate())
/// #         .map(|(i, b)| Share::open(format!("s.{i}_{m}.fec"), Cursor::new(b.clone()), b.len() as u64))
/// #         .collect()
/// # }
/// // share_bytes(k, m, input): the bytes of the m share files; open(bytes): the shares.
/// use algorithm_fec::zfec::ShareSet;
///
/// let mut bytes = share_bytes(2, 4, b"all shares fine")?;
/// bytes[0][2..6].fill(0); // data bytes 0 to 3 of share 0
/// let report = ShareSet::new(open(bytes)?)?.verify(&mut |_| {})?;
/// let v = &report.shares[0];
/// assert_eq!((v.sharenum, v.bad_bytes, v.first_bad_offset), (0, 4, Some(2)));
/// assert_eq!(report.shares[1].bad_bytes, 0);
/// # Ok::<(), zfec::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShareVerdict {
    /// The share's name.
    pub name: String,
    /// Its share number.
    pub sharenum: usize,
    /// Bytes found to be wrong in this share.
    pub bad_bytes: u64,
    /// File offset (header included) of its first wrong byte.
    pub first_bad_offset: Option<u64>,
}

/// What [`ShareSet::verify`] found.
///
/// # Examples
///
/// ```
/// # use algorithm_fec::zfec::{self, Share};
/// # use std::io::Cursor;
/// # fn share_bytes(k: usize, m: usize, input: &[u8]) -> Result<Vec<Vec<u8>>, zfec::Error> {
/// #     let mut outs = vec![Cursor::new(Vec::new()); m];
/// #     zfec::encode(k, m, input, &mut outs, &mut |_| {})?;
/// #     Ok(outs.into_iter().map(Cursor::into_inner).collect())
/// # }
/// # fn open(bytes: Vec<Vec<u8>>) -> Result<Vec<Share<Cursor<Vec<u8>>>>, zfec::Error> {
/// #     let m = bytes.len();
/// #     (bytes.into_iter().enumerate())
/// #         .map(|(i, b)| Share::open(format!("s.{i}_{m}.fec"), Cursor::new(b.clone()), b.len() as u64))
/// #         .collect()
/// # }
/// // share_bytes(k, m, input): the bytes of the m share files; open(bytes): the shares.
/// use algorithm_fec::zfec::ShareSet;
///
/// let report = ShareSet::new(open(share_bytes(2, 4, b"all shares fine")?)?)?.verify(&mut |_| {})?;
/// assert_eq!((report.k, report.m, report.size), (2, 4, 15));
/// assert!(report.compared && report.padding_ok && report.unattributed.is_empty());
/// # Ok::<(), zfec::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    /// Shares needed.
    pub k: usize,
    /// Total shares.
    pub m: usize,
    /// Size of the original file.
    pub size: u64,
    /// Whether there was anything to compare (more than k shares given).
    pub compared: bool,
    /// Every share given, by share number.
    pub shares: Vec<ShareVerdict>,
    /// Ranges of share data (offsets after the header) where the shares disagree
    /// but no single share could be blamed: several bad shares, or only k + 1 given.
    pub unattributed: Vec<Range<u64>>,
    /// Whether the padding at the end decodes to zero bytes, as the encoder wrote it.
    pub padding_ok: bool,
}

impl VerifyReport {
    /// True when nothing disagrees.
    ///
    /// ```
    /// # use algorithm_fec::zfec::{self, Share};
    /// # use std::io::Cursor;
    /// # fn share_bytes(k: usize, m: usize, input: &[u8]) -> Result<Vec<Vec<u8>>, zfec::Error> {
    /// #     let mut outs = vec![Cursor::new(Vec::new()); m];
    /// #     zfec::encode(k, m, input, &mut outs, &mut |_| {})?;
    /// #     Ok(outs.into_iter().map(Cursor::into_inner).collect())
    /// # }
    /// # fn open(bytes: Vec<Vec<u8>>) -> Result<Vec<Share<Cursor<Vec<u8>>>>, zfec::Error> {
    /// #     let m = bytes.len();
    /// #     (bytes.into_iter().enumerate())
    /// #         .map(|(i, b)| Share::open(format!("s.{i}_{m}.fec"), Cursor::new(b.clone()), b.len() as u64))
    /// #         .collect()
    /// # }
    /// // share_bytes(k, m, input): the bytes of the m share files; open(bytes): the shares.
    /// use algorithm_fec::zfec::ShareSet;
    ///
    /// let verify = |bytes| -> Result<bool, zfec::Error> {
    ///     Ok(ShareSet::new(open(bytes)?)?.verify(&mut |_| {})?.is_consistent())
    /// };
    /// let mut bytes = share_bytes(2, 4, b"all shares fine")?;
    /// assert!(verify(bytes.clone())?);
    /// bytes[3][5] ^= 1;
    /// assert!(!verify(bytes)?);
    /// # Ok::<(), zfec::Error>(())
    /// ```
    pub fn is_consistent(&self) -> bool {
        self.padding_ok
            && self.unattributed.is_empty()
            && self.shares.iter().all(|s| s.bad_bytes == 0)
    }

    /// The shares found to be wrong.
    ///
    /// ```
    /// # use algorithm_fec::zfec::{self, Share};
    /// # use std::io::Cursor;
    /// # fn share_bytes(k: usize, m: usize, input: &[u8]) -> Result<Vec<Vec<u8>>, zfec::Error> {
    /// #     let mut outs = vec![Cursor::new(Vec::new()); m];
    /// #     zfec::encode(k, m, input, &mut outs, &mut |_| {})?;
    /// #     Ok(outs.into_iter().map(Cursor::into_inner).collect())
    /// # }
    /// # fn open(bytes: Vec<Vec<u8>>) -> Result<Vec<Share<Cursor<Vec<u8>>>>, zfec::Error> {
    /// #     let m = bytes.len();
    /// #     (bytes.into_iter().enumerate())
    /// #         .map(|(i, b)| Share::open(format!("s.{i}_{m}.fec"), Cursor::new(b.clone()), b.len() as u64))
    /// #         .collect()
    /// # }
    /// // share_bytes(k, m, input): the bytes of the m share files; open(bytes): the shares.
    /// use algorithm_fec::zfec::ShareSet;
    ///
    /// let mut bytes = share_bytes(2, 4, b"all shares fine")?;
    /// bytes[2][4] ^= 1;
    /// let report = ShareSet::new(open(bytes)?)?.verify(&mut |_| {})?;
    /// let bad: Vec<usize> = report.bad_shares().map(|s| s.sharenum).collect();
    /// assert_eq!(bad, [2]);
    /// # Ok::<(), zfec::Error>(())
    /// ```
    pub fn bad_shares(&self) -> impl Iterator<Item = &ShareVerdict> {
        self.shares.iter().filter(|s| s.bad_bytes > 0)
    }
}

struct Verifier<'a> {
    code: &'a Code,
    nums: &'a [usize],
    shares: Vec<ShareVerdict>,
    unattributed: Vec<Range<u64>>,
}

/// A share (position) that disagrees with a re-encoding: bytes wrong, first offset.
struct Diff {
    pos: usize,
    count: u64,
    first: usize,
}

impl Verifier<'_> {
    /// Decodes data blocks over `range` from the shares at positions `basis`.
    fn decode_region(&self, views: &[&[u8]], basis: &[usize], range: Range<usize>) -> Vec<Vec<u8>> {
        let mut blocks: Vec<Vec<u8>> = basis
            .iter()
            .map(|&p| views[p][range.clone()].to_vec())
            .collect();
        let mut idx: Vec<usize> = basis.iter().map(|&p| self.nums[p]).collect();
        // Put the vectors themselves in decode order, so block j ends up as data j.
        self.code
            .reorder(&mut blocks, &mut idx)
            .expect("distinct checked indices");
        let mut refs: Vec<&mut [u8]> = blocks.iter_mut().map(|b| b.as_mut_slice()).collect();
        self.code
            .decode(&mut refs, &mut idx)
            .expect("distinct checked indices");
        blocks
    }

    /// Re-encodes every share outside `basis` over `range` and lists those that differ.
    fn diffs(&self, views: &[&[u8]], basis: &[usize], range: Range<usize>) -> Vec<Diff> {
        let data = self.decode_region(views, basis, range.clone());
        let data: Vec<&[u8]> = data.iter().map(|d| d.as_slice()).collect();
        let others: Vec<usize> = (0..views.len()).filter(|p| !basis.contains(p)).collect();
        let idx: Vec<usize> = others.iter().map(|&p| self.nums[p]).collect();
        let mut bufs = vec![vec![0u8; range.len()]; others.len()];
        let mut outs: Vec<&mut [u8]> = bufs.iter_mut().map(|b| b.as_mut_slice()).collect();
        self.code
            .encode_many(&data, &idx, &mut outs)
            .expect("shapes consistent");
        others
            .iter()
            .zip(&bufs)
            .filter_map(|(&p, b)| {
                let have = &views[p][range.clone()];
                if have == b.as_slice() {
                    return None;
                }
                let mut count = 0u64;
                let mut first = None;
                for (i, (x, y)) in have.iter().zip(b).enumerate() {
                    if x != y {
                        count += 1;
                        first.get_or_insert(i);
                    }
                }
                first.map(|f| Diff {
                    pos: p,
                    count,
                    first: range.start + f,
                })
            })
            .collect()
    }

    fn blame(&mut self, d: &Diff, base: u64) {
        let v = &mut self.shares[d.pos];
        v.bad_bytes += d.count;
        v.first_bad_offset.get_or_insert(base + d.first as u64);
    }

    /// Checks `range` of the current batch (share data offset `base`), blaming one
    /// share where that explains every disagreement.
    fn locate(&mut self, views: &[&[u8]], range: Range<usize>, base: u64, split: bool) {
        let k = self.code.k();
        let n = views.len();
        let basis: Vec<usize> = (0..k).collect();
        let d0 = self.diffs(views, &basis, range.clone());
        if d0.is_empty() {
            return;
        }
        if n - k >= 2 {
            if let [d] = d0.as_slice() {
                self.blame(d, base);
                return;
            }
            // Every re-encoded share disagrees: the bad one is probably in the basis.
            for s in 0..k {
                let alt: Vec<usize> = (0..k).filter(|&p| p != s).chain([k]).collect();
                let d = self.diffs(views, &alt, range.clone());
                if let [d] = d.as_slice() {
                    if d.pos == s {
                        self.blame(d, base);
                        return;
                    }
                }
            }
        }
        if split && range.len() > CHUNK_SIZE {
            let mut start = range.start;
            while start < range.end {
                let end = range.end.min(start + CHUNK_SIZE);
                self.locate(views, start..end, base, false);
                start = end;
            }
            return;
        }
        let r = base + range.start as u64..base + range.end as u64;
        match self.unattributed.last_mut() {
            Some(last) if last.end == r.start => last.end = r.end,
            _ => self.unattributed.push(r),
        }
    }
}

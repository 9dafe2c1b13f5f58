use std::io::{self, Read};

use super::{read_full, HeaderError, MAX_HEADER_LEN, MAX_SHARES};

/// ⌈log2 n⌉ for n ≥ 1 (0 for n ≤ 1), zfec's `log_ceil(n, 2)`.
fn log2_ceil(n: usize) -> usize {
    if n <= 1 {
        0
    } else {
        (usize::BITS - (n - 1).leading_zeros()) as usize
    }
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

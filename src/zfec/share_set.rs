use std::io::Read;

use super::{Error, HeaderError, Share, DATA_LENGTH};
use crate::code::Code;
use crate::gf::Field;

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
    pub(super) shares: Vec<Share<R>>,
    pub(super) m: usize,
    pub(super) k: usize,
    pub(super) padlen: usize,
    pub(super) data_len: u64,
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

    pub(super) fn code(&self) -> Code {
        Code::with_field(self.k, self.m, Field::Gf8).expect("checked when the headers were parsed")
    }
}

use std::io::Read;
use std::ops::Range;

use super::share::read_columns;
use super::{batch_len, column_bytes, Error, Header, ShareSet, CHUNK_SIZE};
use crate::code::Code;

impl<R: Read> ShareSet<R> {
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

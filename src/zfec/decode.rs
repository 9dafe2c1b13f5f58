use std::io::{self, Read, Write};

use super::share::read_columns;
use super::{batch_len, column_bytes, Error, Header, ShareSet, ShareVerdict, CHUNK_SIZE};

impl<R: Read> ShareSet<R> {
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
}

/// Bytes per write of decoded output: large, yet small enough to stay in cache.
const OUT_PIECE: usize = 256 << 10;

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

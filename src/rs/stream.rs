//! Many codewords back to back: the usual "RS(255, 223) over a stream".
//!
//! # Framing
//!
//! The data is cut into k-byte chunks; the last chunk, if shorter, is padded with zero
//! bytes *at its end* to k bytes. Each chunk is encoded as one full k-byte message, so
//! the encoded stream is ⌈len/k⌉ codewords of n bytes each (an empty input gives an
//! empty output). Decoding returns ⌈len/k⌉·k bytes, padding included: the caller keeps
//! the original length and truncates (the file container of [`super::file`] stores it
//! for you).
//!
//! The `_into` variants append to a caller's buffer and can be called on consecutive
//! pieces of a stream (each a whole number of chunks/codewords), so a stream can be
//! processed with bounded memory; [`StreamReport`] numbers codewords across calls.
//!
//! # Examples
//!
//! ```
//! use algorithm_fec::rs::RsCoder;
//!
//! let rs = RsCoder::new(255, 223)?;
//! let data = b"0123456789".repeat(50); // 500 bytes: 3 codewords
//! let mut coded = rs.encode_stream(&data);
//! assert_eq!(coded.len(), 3 * 255);
//! coded[300] ^= 0xff; // a bad byte in codeword 1
//! let (mut decoded, report) = rs.decode_stream(&coded)?;
//! assert_eq!(decoded.len(), 3 * 223); // padding included:
//! decoded.truncate(data.len()); // the caller keeps the length
//! assert_eq!(decoded, data);
//! assert_eq!((report.corrected_codewords, report.corrected_bytes), (1, 1));
//! # Ok::<(), algorithm_fec::rs::RsError>(())
//! ```

use super::{RsCoder, RsError, Scratch, MAX_N, SCRATCH_LEN};

/// What [`RsCoder::decode_stream`] did.
///
/// # Examples
///
/// ```
/// use algorithm_fec::rs::{RsCoder, StreamReport};
///
/// let rs = RsCoder::new(10, 6)?; // 2 errors per codeword
/// let mut coded = rs.encode_stream(b"twelve bytes");
/// coded[11..13].fill(0); // two bad bytes in codeword 1
/// let (_, report) = rs.decode_stream(&coded)?;
/// let expected = StreamReport { codewords: 2, corrected_codewords: 1, corrected_bytes: 2 };
/// assert_eq!(report, expected);
/// # Ok::<(), algorithm_fec::rs::RsError>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StreamReport {
    /// Codewords decoded successfully.
    pub codewords: u64,
    /// Codewords in which at least one byte was corrected.
    pub corrected_codewords: u64,
    /// Bytes corrected in all codewords together.
    pub corrected_bytes: u64,
}

impl RsCoder {
    /// Length of the encoded stream for `data_len` input bytes: ⌈data_len/k⌉·n.
    ///
    /// ```
    /// use algorithm_fec::rs::RsCoder;
    ///
    /// let rs = RsCoder::new(255, 223)?;
    /// assert_eq!(rs.encoded_len(1000), 5 * 255); // ⌈1000 / 223⌉ codewords
    /// assert_eq!(rs.encode_stream(&[7; 1000]).len(), rs.encoded_len(1000));
    /// assert_eq!(rs.encoded_len(0), 0);
    /// # Ok::<(), algorithm_fec::rs::RsError>(())
    /// ```
    pub fn encoded_len(&self, data_len: usize) -> usize {
        data_len.div_ceil(self.k).saturating_mul(self.n)
    }

    /// Encodes `data` as consecutive codewords (see the [module docs](self) for the
    /// framing).
    ///
    /// ```
    /// use algorithm_fec::rs::RsCoder;
    ///
    /// let rs = RsCoder::new(10, 6)?;
    /// let coded = rs.encode_stream(b"eight by");
    /// // Two codewords; the second message is "by" padded at its end.
    /// assert_eq!(coded[..6], *b"eight ");
    /// assert_eq!(coded[10..16], *b"by\0\0\0\0");
    /// assert_eq!(coded[10..], rs.encode(b"by\0\0\0\0")?);
    /// # Ok::<(), algorithm_fec::rs::RsError>(())
    /// ```
    pub fn encode_stream(&self, data: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.encoded_len(data.len()));
        self.encode_stream_into(data, &mut out);
        out
    }

    /// Appends the codewords of `data` to `out`. To encode a long stream piecewise,
    /// pass pieces whose lengths are multiples of k (only the final piece may be
    /// shorter).
    ///
    /// ```
    /// use algorithm_fec::rs::RsCoder;
    ///
    /// let rs = RsCoder::new(255, 223)?;
    /// let data = vec![42u8; 1000];
    /// // Pieces of a whole number of messages (2 · 223 bytes), the last one shorter.
    /// let mut coded = Vec::new();
    /// for piece in data.chunks(2 * 223) {
    ///     rs.encode_stream_into(piece, &mut coded);
    /// }
    /// assert_eq!(coded, rs.encode_stream(&data));
    /// # Ok::<(), algorithm_fec::rs::RsError>(())
    /// ```
    pub fn encode_stream_into(&self, data: &[u8], out: &mut Vec<u8>) {
        let (n, k) = (self.n, self.k);
        let start = out.len();
        let count = data.len().div_ceil(k);
        out.resize(start + count * n, 0);
        let mut w: Scratch = [0; SCRATCH_LEN];
        for (chunk, word) in data.chunks(k).zip(out[start..].chunks_exact_mut(n)) {
            // A full k-byte message, zero-padded at its end.
            w[..chunk.len()].copy_from_slice(chunk);
            w[chunk.len()..k].fill(0);
            self.parity(&mut w);
            word[..chunk.len()].copy_from_slice(chunk);
            word[k..].copy_from_slice(&w[k..n]);
        }
    }

    /// Decodes a stream of whole codewords, returning ⌈len/k⌉·k bytes (padding
    /// included) and what was corrected. An uncorrectable codeword fails the whole
    /// call with [`RsError::UncorrectableCodeword`] naming it.
    ///
    /// ```
    /// use algorithm_fec::rs::{RsCoder, RsError};
    ///
    /// let rs = RsCoder::new(10, 6)?;
    /// let mut coded = rs.encode_stream(b"twelve bytes");
    /// assert_eq!(rs.decode_stream(&coded)?.0, b"twelve bytes");
    /// coded[10..13].fill(0); // three bad bytes in codeword 1: one too many
    /// assert_eq!(rs.decode_stream(&coded), Err(RsError::UncorrectableCodeword { index: 1 }));
    /// assert_eq!(rs.decode_stream(&coded[..15]), Err(RsError::StreamLength { len: 15, n: 10 }));
    /// # Ok::<(), RsError>(())
    /// ```
    pub fn decode_stream(&self, coded: &[u8]) -> Result<(Vec<u8>, StreamReport), RsError> {
        let mut out = Vec::with_capacity(coded.len() / self.n * self.k);
        let mut report = StreamReport::default();
        self.decode_stream_into(coded, &mut out, &mut report)?;
        Ok((out, report))
    }

    /// Decodes whole codewords from `coded`, appending k bytes per codeword to `out`
    /// and adding to `report`; codewords are numbered from `report.codewords`, so
    /// consecutive calls with the same report number them across the whole stream.
    ///
    /// On an uncorrectable codeword `out` holds the messages of the codewords before
    /// it and `report` counts them.
    ///
    /// ```
    /// use algorithm_fec::rs::{RsCoder, RsError, StreamReport};
    ///
    /// let rs = RsCoder::new(10, 6)?;
    /// let mut coded = rs.encode_stream(&[1; 30]); // 5 codewords
    /// coded[41] ^= 1;
    /// let (mut out, mut report) = (Vec::new(), StreamReport::default());
    /// rs.decode_stream_into(&coded[..20], &mut out, &mut report)?;
    /// rs.decode_stream_into(&coded[20..], &mut out, &mut report)?;
    /// assert_eq!(out, [1; 30]);
    /// assert_eq!((report.codewords, report.corrected_codewords), (5, 1));
    /// coded[40..43].fill(0);
    /// let err = rs.decode_stream_into(&coded[20..], &mut out, &mut report);
    /// assert_eq!(err, Err(RsError::UncorrectableCodeword { index: 5 + 2 })); // numbered on
    /// # Ok::<(), RsError>(())
    /// ```
    pub fn decode_stream_into(
        &self,
        coded: &[u8],
        out: &mut Vec<u8>,
        report: &mut StreamReport,
    ) -> Result<(), RsError> {
        let (n, k) = (self.n, self.k);
        if !coded.len().is_multiple_of(n) {
            return Err(RsError::StreamLength {
                len: coded.len(),
                n,
            });
        }
        out.reserve(coded.len() / n * k);
        let mut word = [0u8; MAX_N];
        for received in coded.chunks_exact(n) {
            let word = &mut word[..n];
            word.copy_from_slice(received);
            let fixed =
                self.correct_in_place(word, &[])
                    .map_err(|_| RsError::UncorrectableCodeword {
                        index: report.codewords,
                    })?;
            out.extend_from_slice(&word[..k]);
            report.codewords += 1;
            if fixed > 0 {
                report.corrected_codewords += 1;
                report.corrected_bytes += fixed as u64;
            }
        }
        Ok(())
    }
}

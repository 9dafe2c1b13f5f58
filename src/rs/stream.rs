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

use super::{RsCoder, RsError, Scratch, MAX_N, SCRATCH_LEN};

/// What [`RsCoder::decode_stream`] did.
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
    pub fn encoded_len(&self, data_len: usize) -> usize {
        data_len.div_ceil(self.k).saturating_mul(self.n)
    }

    /// Encodes `data` as consecutive codewords (see the [module docs](self) for the
    /// framing).
    pub fn encode_stream(&self, data: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.encoded_len(data.len()));
        self.encode_stream_into(data, &mut out);
        out
    }

    /// Appends the codewords of `data` to `out`. To encode a long stream piecewise,
    /// pass pieces whose lengths are multiples of k (only the final piece may be
    /// shorter).
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

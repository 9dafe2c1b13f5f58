//! Protecting whole files (any `Read`/`Write` pair) in constant memory.
//!
//! [`protect_file`] reads its input to the end and writes a self-describing container;
//! [`repair_file`] reads such a container, corrects what it can, and writes the original
//! bytes back. Neither needs to know the input length in advance or to seek, so both
//! work on pipes; memory use is a fixed buffer of about 64 KiB (at most one interleave
//! group, D·n ≤ 255·255 bytes, more).
//!
//! ```
//! use algorithm_fec::rs::{protect_file, repair_file};
//!
//! let data = b"some file contents".repeat(100);
//! let mut protected = Vec::new();
//! protect_file(&data[..], &mut protected, 255, 223, 16)?;
//! protected[100] ^= 0xff; // damage
//! let mut repaired = Vec::new();
//! let report = repair_file(&protected[..], &mut repaired)?;
//! assert_eq!(repaired, data);
//! assert_eq!(report.body.corrected_bytes, 1);
//! # Ok::<(), algorithm_fec::rs::FileError>(())
//! ```
//!
//! # Container format (version 1)
//!
//! | offset | size | content |
//! |---|---|---|
//! | 0 | 32 | header: an RS(32, 16) codeword of the 16-byte header message |
//! | 32 | m·n | body: m = ⌈L/k⌉ RS(n, k) codewords of the [stream framing](super::stream) of the data, interleaved in groups of D |
//! | 32 + m·n | 32 | trailer: an RS(32, 16) codeword of the 16-byte trailer message |
//!
//! Header message (16 bytes):
//!
//! | offset | size | content |
//! |---|---|---|
//! | 0 | 6 | `"AFECRS"` |
//! | 6 | 1 | version `1` |
//! | 7 | 1 | n (2..=255) |
//! | 8 | 1 | k (1..n) |
//! | 9 | 1 | interleave depth D (1..=255; 1 = no interleaving) |
//! | 10 | 6 | zero |
//!
//! Trailer message: `"AFECLN"` (6 bytes), 2 zero bytes, L = the original length in
//! bytes as a little-endian u64.
//!
//! ## Interleaving
//!
//! The m codewords c₀, c₁, … (codeword number = position in the data: cᵢ carries data
//! bytes i·k .. (i+1)·k, the last one zero-padded) are taken in groups of D: group g
//! holds c_{gD} .. c_{gD+d−1}, where d = D for every group but the last, and the last
//! group holds the remaining d = m − D·⌊(m−1)/D⌋ (1 ≤ d ≤ D) codewords. A group is
//! written as d·n bytes, byte-interleaved: byte i of the group's codeword j
//! (0 ≤ i < n, 0 ≤ j < d) is at position i·d + j of the group. With D = 1 (or d = 1)
//! the codewords are simply written one after another. A reader finds the groups from
//! D and n alone: every group is D·n bytes, except the last, which is whatever body
//! remains before the trailer (a whole number of codewords, at most D).
//!
//! Header and trailer use the same code (field, generator, byte order) as the body,
//! with n = 32 and k = 16, so each survives up to 8 corrupted bytes. The length lives
//! in the trailer because a streaming writer only knows it at the end; the reader
//! recognises the trailer as the last 32 bytes. The data in the last codeword is
//! zero-padded at its end and cut back to L on repair.
//!
//! Corruption is corrected per codeword, up to t = ⌊(n − k)/2⌋ bytes in each. As D
//! consecutive bytes of a full group belong to D different codewords, any burst of up
//! to D·t consecutive corrupted body bytes (even one spanning two groups) touches each
//! codeword at most t times and is always repaired, provided at most d·t of them fall
//! in a short last group of d < D codewords (a body of m < D codewords is one such
//! group and stands bursts of m·t bytes). Scattered errors are repaired as long as no
//! codeword gets more than t.

use std::io::{self, Read, Write};

use super::{RsCoder, RsError, StreamReport};

/// Size of the protected header.
pub const HEADER_LEN: usize = 32;
/// Size of the protected trailer.
pub const TRAILER_LEN: usize = 32;
/// First six bytes of the header message.
pub const HEADER_MAGIC: &[u8; 6] = b"AFECRS";
/// First six bytes of the trailer message.
pub const TRAILER_MAGIC: &[u8; 6] = b"AFECLN";
/// The container version this module writes and reads.
pub const FORMAT_VERSION: u8 = 1;
/// The largest interleave depth (it is stored in one byte).
pub const MAX_DEPTH: usize = 255;

/// Parameters of the code that protects header and trailer.
const META_N: usize = 32;
const META_K: usize = 16;
/// Target size of the I/O buffers.
const BUFFER: usize = 64 * 1024;

/// Why [`protect_file`] or [`repair_file`] failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FileError {
    /// Reading or writing failed.
    #[error("I/O error: {0}")]
    Io(#[from] io::Error),
    /// Bad code parameters, or (while repairing) an uncorrectable codeword; the
    /// latter is [`RsError::UncorrectableCodeword`] with the codeword's number.
    #[error(transparent)]
    Rs(#[from] RsError),
    /// The interleave depth given to [`protect_file`] is not in 1..=255.
    #[error("invalid interleave depth {0}: need 1 <= depth <= 255")]
    InvalidDepth(usize),
    /// The input does not start with a readable container header.
    #[error("not an RS-protected file (header missing or damaged beyond repair)")]
    NotProtected,
    /// The header is from a newer version of the format.
    #[error("unsupported container version {0}")]
    UnsupportedVersion(u8),
    /// The input ends in the middle of a codeword, or misses its trailer.
    #[error("protected file is truncated: the body is not a whole number of codewords followed by a trailer")]
    Truncated,
    /// The last 32 bytes are not a readable trailer.
    #[error("the trailer is damaged beyond repair (or the file is truncated)")]
    BadTrailer,
    /// The trailer's length does not match the number of codewords.
    #[error("the trailer says {length} bytes, which does not match the {codewords} codewords of the body")]
    LengthMismatch {
        /// Original length from the trailer.
        length: u64,
        /// Codewords found in the body.
        codewords: u64,
    },
}

/// What [`protect_file`] wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProtectReport {
    /// Codeword length.
    pub n: usize,
    /// Message bytes per codeword.
    pub k: usize,
    /// Interleave depth (codewords per group).
    pub depth: usize,
    /// Bytes read (the original length).
    pub length: u64,
    /// Body codewords written.
    pub codewords: u64,
    /// Total bytes written, header and trailer included.
    pub written: u64,
}

/// What [`repair_file`] found and did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RepairReport {
    /// Codeword length from the header.
    pub n: usize,
    /// Message bytes per codeword from the header.
    pub k: usize,
    /// Interleave depth from the header.
    pub depth: usize,
    /// Original length from the trailer (= bytes written).
    pub length: u64,
    /// Corrections in the body.
    pub body: StreamReport,
    /// Bytes corrected in the header.
    pub header_corrected: usize,
    /// Bytes corrected in the trailer.
    pub trailer_corrected: usize,
}

/// Size of the container for `length` input bytes under RS(n, k) (k ≥ 1), saturating
/// at `u64::MAX`. The interleave depth does not change it.
pub fn protected_len(length: u64, n: usize, k: usize) -> u64 {
    let k = k.max(1) as u64;
    length
        .div_ceil(k)
        .saturating_mul(n as u64)
        .saturating_add((HEADER_LEN + TRAILER_LEN) as u64)
}

/// Reads until `buf` is full or the input ends; returns the bytes read.
fn read_full<R: Read>(r: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match r.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(got) => filled = (filled + got).min(buf.len()),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

fn meta_coder() -> Result<RsCoder, RsError> {
    RsCoder::new(META_N, META_K)
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
/// interleaved in groups of `depth` (1..=255; 1 = none), in the
/// [container format](self). A burst of up to `depth`·⌊(n − k)/2⌋ corrupted body bytes
/// is then repairable (less in a short last group: see the format). Memory use is constant (about 64 KiB plus the coder).
pub fn protect_file<R: Read, W: Write>(
    mut reader: R,
    mut writer: W,
    n: usize,
    k: usize,
    depth: usize,
) -> Result<ProtectReport, FileError> {
    let rs = RsCoder::new(n, k)?;
    if !(1..=MAX_DEPTH).contains(&depth) {
        return Err(FileError::InvalidDepth(depth));
    }
    let meta = meta_coder()?;

    let mut msg = [0u8; META_K];
    msg[..6].copy_from_slice(HEADER_MAGIC);
    msg[6] = FORMAT_VERSION;
    msg[7] = n as u8;
    msg[8] = k as u8;
    msg[9] = depth as u8;
    writer.write_all(&meta.encode(&msg)?)?;

    // Whole groups per read; only the final read can end in a short group.
    let group_in = depth * k;
    let groups = (BUFFER / group_in).max(1);
    let mut input = vec![0u8; groups * group_in];
    let mut words = Vec::with_capacity(depth * n);
    let mut output = vec![0u8; groups * depth * n];
    let mut length = 0u64;
    let mut codewords = 0u64;
    loop {
        let got = read_full(&mut reader, &mut input)?;
        if got == 0 {
            break;
        }
        let mut written = 0;
        for chunk in input[..got].chunks(group_in) {
            words.clear();
            rs.encode_stream_into(chunk, &mut words);
            interleave(&words, &mut output[written..written + words.len()], n);
            written += words.len();
        }
        writer.write_all(&output[..written])?;
        length += got as u64;
        codewords += got.div_ceil(k) as u64;
        if got < input.len() {
            break;
        }
    }

    let mut msg = [0u8; META_K];
    msg[..6].copy_from_slice(TRAILER_MAGIC);
    msg[8..].copy_from_slice(&length.to_le_bytes());
    writer.write_all(&meta.encode(&msg)?)?;
    writer.flush()?;
    Ok(ProtectReport {
        n,
        k,
        depth,
        length,
        codewords,
        written: protected_len(length, n, k),
    })
}

/// Reads a container written by [`protect_file`], corrects every codeword (header and
/// trailer included) and writes the original bytes to `writer`. Memory use is constant.
///
/// Output is written as the body is decoded; if an error is returned part of the data
/// may already have been written.
pub fn repair_file<R: Read, W: Write>(
    mut reader: R,
    mut writer: W,
) -> Result<RepairReport, FileError> {
    let meta = meta_coder()?;

    let mut header = [0u8; HEADER_LEN];
    if read_full(&mut reader, &mut header)? < HEADER_LEN {
        return Err(FileError::NotProtected);
    }
    let header_corrected = meta
        .correct_in_place(&mut header, &[])
        .map_err(|_| FileError::NotProtected)?;
    if &header[..6] != HEADER_MAGIC {
        return Err(FileError::NotProtected);
    }
    if header[6] != FORMAT_VERSION {
        return Err(FileError::UnsupportedVersion(header[6]));
    }
    if header[9] == 0 || header[10..META_K].iter().any(|&b| b != 0) {
        return Err(FileError::NotProtected);
    }
    let (n, k) = (usize::from(header[7]), usize::from(header[8]));
    let depth = usize::from(header[9]);
    let rs = RsCoder::new(n, k).map_err(|_| FileError::NotProtected)?;

    // Groups are decoded only while at least TRAILER_LEN bytes follow them, so the
    // trailer is whatever remains at the end; a group shorter than D·n is decoded only
    // at the end of the input (it must be the last). The last decoded message is held
    // back in `out` until the trailer says how much of it is data.
    let group = depth * n;
    let groups = (BUFFER / group).max(1);
    let mut buf = vec![0u8; groups * group + TRAILER_LEN];
    let mut words = vec![0u8; group];
    let mut filled = 0;
    let mut out = Vec::with_capacity(groups * depth * k + k);
    let mut body = StreamReport::default();
    loop {
        let got = read_full(&mut reader, &mut buf[filled..])?;
        filled += got;
        let eof = filled < buf.len();
        if eof && filled < TRAILER_LEN {
            return Err(FileError::Truncated);
        }
        let avail = filled.saturating_sub(TRAILER_LEN);
        // Full groups, plus at the end the short last group.
        let mut take = avail / group * group;
        if eof {
            if !(avail - take).is_multiple_of(n) {
                return Err(FileError::Truncated);
            }
            take = avail;
        }
        if take > 0 {
            for g in buf[..take].chunks(group) {
                let words = &mut words[..g.len()];
                deinterleave(g, words, n);
                rs.decode_stream_into(words, &mut out, &mut body)?;
            }
            buf.copy_within(take..filled, 0);
            filled -= take;
            if out.len() > k {
                let ready = out.len() - k;
                writer.write_all(&out[..ready])?;
                out.drain(..ready);
            }
        }
        if eof {
            break;
        }
    }
    debug_assert_eq!(filled, TRAILER_LEN);

    let trailer = &mut buf[..TRAILER_LEN];
    let trailer_corrected = meta
        .correct_in_place(trailer, &[])
        .map_err(|_| FileError::BadTrailer)?;
    if &trailer[..6] != TRAILER_MAGIC || trailer[6..8] != [0, 0] {
        return Err(FileError::BadTrailer);
    }
    let mut len_bytes = [0u8; 8];
    len_bytes.copy_from_slice(&trailer[8..META_K]);
    let length = u64::from_le_bytes(len_bytes);
    if length.div_ceil(k as u64) != body.codewords {
        return Err(FileError::LengthMismatch {
            length,
            codewords: body.codewords,
        });
    }
    if body.codewords > 0 {
        // out holds exactly the last chunk (k bytes); 1 ≤ last ≤ k.
        let last = length - (body.codewords - 1) * k as u64;
        let last = usize::try_from(last).unwrap_or(k).min(out.len());
        writer.write_all(&out[..last])?;
    }
    writer.flush()?;
    Ok(RepairReport {
        n,
        k,
        depth,
        length,
        body,
        header_corrected,
        trailer_corrected,
    })
}

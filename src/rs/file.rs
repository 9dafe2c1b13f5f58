//! Protecting whole files (any `Read`/`Write` pair) in constant memory.
//!
//! [`protect_file`] reads its input to the end and writes a self-describing container;
//! [`repair_file`] reads such a container, corrects what it can, and writes the original
//! bytes back. Neither needs to know the input length in advance or to seek, so both
//! work on pipes; memory use is a fixed buffer of about 64 KiB.
//!
//! ```
//! use algorithm_fec::rs::{protect_file, repair_file};
//!
//! let data = b"some file contents".repeat(100);
//! let mut protected = Vec::new();
//! protect_file(&data[..], &mut protected, 255, 223)?;
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
//! | 32 | m·n | body: m = ⌈L/k⌉ RS(n, k) codewords, the [stream framing](super::stream) of the data |
//! | 32 + m·n | 32 | trailer: an RS(32, 16) codeword of the 16-byte trailer message |
//!
//! Header message: `"AFECRS"` (6 bytes), version `1` (1 byte), n (1 byte), k (1 byte),
//! 7 zero bytes. Trailer message: `"AFECLN"` (6 bytes), 2 zero bytes, L = the
//! original length in bytes as a little-endian u64.
//!
//! Header and trailer use the same code (field, generator, byte order) as the body,
//! with n = 32 and k = 16, so each survives up to 8 corrupted bytes. The length lives
//! in the trailer because a streaming writer only knows it at the end; the reader
//! recognises the trailer as the last 32 bytes. The data in the last codeword is
//! zero-padded at its end and cut back to L on repair.
//!
//! Corruption is corrected per codeword, so a burst of up to ⌊(n − k)/2⌋ bytes inside
//! one codeword is always repaired; longer bursts are not (there is no interleaving).

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
/// at `u64::MAX`.
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

/// Reads all of `reader` and writes it to `writer` protected by RS(n, k) in the
/// [container format](self). Memory use is constant (about 64 KiB plus the coder).
pub fn protect_file<R: Read, W: Write>(
    mut reader: R,
    mut writer: W,
    n: usize,
    k: usize,
) -> Result<ProtectReport, FileError> {
    let rs = RsCoder::new(n, k)?;
    let meta = meta_coder()?;

    let mut msg = [0u8; META_K];
    msg[..6].copy_from_slice(HEADER_MAGIC);
    msg[6] = FORMAT_VERSION;
    msg[7] = n as u8;
    msg[8] = k as u8;
    writer.write_all(&meta.encode(&msg)?)?;

    let chunks = (BUFFER / k).max(1);
    let mut input = vec![0u8; chunks * k];
    let mut output = Vec::with_capacity(chunks * n);
    let mut length = 0u64;
    let mut codewords = 0u64;
    loop {
        let got = read_full(&mut reader, &mut input)?;
        if got == 0 {
            break;
        }
        output.clear();
        rs.encode_stream_into(&input[..got], &mut output);
        writer.write_all(&output)?;
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
    if header[9..META_K].iter().any(|&b| b != 0) {
        return Err(FileError::NotProtected);
    }
    let (n, k) = (usize::from(header[7]), usize::from(header[8]));
    let rs = RsCoder::new(n, k).map_err(|_| FileError::NotProtected)?;

    // Codewords are decoded only while at least TRAILER_LEN bytes follow them, so the
    // trailer is whatever remains at the end. The last decoded chunk is held back in
    // `out` until the trailer says how much of it is data.
    let batch = (BUFFER / n).max(1);
    let mut buf = vec![0u8; batch * n + TRAILER_LEN];
    let mut filled = 0;
    let mut out = Vec::with_capacity(batch * k + k);
    let mut body = StreamReport::default();
    loop {
        let got = read_full(&mut reader, &mut buf[filled..])?;
        filled += got;
        let eof = filled < buf.len();
        let words = filled.saturating_sub(TRAILER_LEN) / n;
        if words > 0 {
            rs.decode_stream_into(&buf[..words * n], &mut out, &mut body)?;
            buf.copy_within(words * n..filled, 0);
            filled -= words * n;
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
    if filled != TRAILER_LEN {
        return Err(FileError::Truncated);
    }

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
        length,
        body,
        header_corrected,
        trailer_corrected,
    })
}

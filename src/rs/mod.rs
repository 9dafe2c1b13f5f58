//! Reed–Solomon error correction over GF(2^8), byte-compatible with Andrew Brown's
//! classic pure-Python coder (`rs.py`, 2010).
//!
//! Unlike the erasure code of [`crate::Code`], which needs to be told which blocks are
//! missing, this code finds and corrects *errors*: an RS(n, k) codeword of n bytes
//! carries k message bytes and n − k parity bytes, and any ⌊(n − k)/2⌋ corrupted bytes
//! in it are repaired without knowing where they are. Known-bad positions
//! ("erasures") cost only one parity byte each: 2·errors + erasures ≤ n − k.
//!
//! # The code
//!
//! * Field GF(2^8) modulo x^8 + x^4 + x^3 + x + 1 (0x11B), generator α = 3. This is
//!   *not* the field of [`crate::gf`] (0x11D, α = 2); the module keeps its own
//!   compile-time tables.
//! * Generator polynomial g(x) = ∏_{i=1}^{n−k} (x − α^i).
//! * Systematic: codeword = M ‖ P, where M is the message left-padded with zero bytes
//!   to k bytes and P = M(x)·x^(n−k) mod g(x). Byte 0 of a codeword is the coefficient
//!   of x^(n−1) (highest degree first).
//! * Decoding: syndromes, Berlekamp–Massey (with the erasure locator folded in),
//!   Chien search, Forney. A clean codeword costs one pass of the same division
//!   kernel the encoder uses, and returns early.
//!
//! # Differences from the original
//!
//! For every correctable word the bytes are the same as `rs.py`'s. When a word has
//! more errors than the code can correct, `rs.py` silently returns garbage (k bytes,
//! the uncorrected input, or even *more* than k bytes when it "corrects" positions
//! outside the codeword). This implementation instead returns
//! [`RsError::Uncorrectable`] unless it found a genuine codeword within the decoding
//! radius: the error locator's degree must match the Berlekamp–Massey length and the
//! number of roots Chien search finds inside the codeword, 2·errors + erasures must not
//! exceed n − k, and the corrected word must have all-zero syndromes. (With more errors
//! than that the received word may lie within the radius of a *different* codeword;
//! no decoder can notice that, and this one returns that codeword's message.)
//!
//! `rs.py`'s `decode(received)` strips all leading zero bytes of the message;
//! [`RsCoder::decode`] returns the full k bytes (`nostrip=True`) and
//! [`RsCoder::decode_stripped`] reproduces the default.
//!
//! ```
//! use algorithm_fec::rs::RsCoder;
//!
//! let rs = RsCoder::new(20, 13)?;
//! let mut word = rs.encode(b"Hello, world!")?;
//! assert_eq!(&word[13..], b"\x8d\x13\xf4\xf9\x43\x10\xe5");
//! word[0] = 0;
//! word[1] = 0;
//! word[2] = 0;
//! assert!(!rs.verify(&word));
//! let decoded = rs.decode_report(&word)?;
//! assert_eq!(decoded.message, b"Hello, world!");
//! assert_eq!(decoded.corrected, 3);
//! # Ok::<(), algorithm_fec::rs::RsError>(())
//! ```
//!
//! # Many codewords
//!
//! [`RsCoder::encode_stream`] / [`RsCoder::decode_stream`] cut a buffer into
//! consecutive codewords (see [`stream`] for the framing), and [`protect_file`] /
//! [`repair_file`] do the same for a `Read`/`Write` pair in constant memory, inside a
//! self-describing, checksummed container (format in [`mod@file`]): a repair either
//! returns exactly the bytes protected or fails, naming the byte ranges it lost.

mod decode;
mod field;
pub mod file;
pub mod stream;

pub use file::{protect_file, repair_file, FileError, ProtectReport, RepairReport};
pub use stream::StreamReport;

use std::fmt;

/// Largest codeword length: the number of non-zero elements of GF(2^8).
///
/// ```
/// use algorithm_fec::rs::{RsCoder, RsError, MAX_N};
///
/// assert_eq!(RsCoder::new(MAX_N, 223)?.n(), 255);
/// assert_eq!(RsCoder::new(MAX_N + 1, 223).unwrap_err(), RsError::InvalidParameters { n: 256, k: 223 });
/// # Ok::<(), RsError>(())
/// ```
pub const MAX_N: usize = 255;

/// Size the division tables of one coder may grow to.
const TABLE_BUDGET: usize = 64 * 1024;
/// Most bytes the division consumes per step.
const MAX_WIDTH: usize = 8;
/// Vector lane of the division kernel; table rows are padded to a multiple of it.
const LANE: usize = 16;
/// A codeword plus the slack the padded rows may spill into.
const SCRATCH_LEN: usize = 256 + LANE;
/// Working space of the division kernel.
type Scratch = [u8; SCRATCH_LEN];

/// Everything that can go wrong in the `rs` module (apart from I/O, see [`FileError`]).
///
/// # Examples
///
/// ```
/// use algorithm_fec::rs::{RsCoder, RsError};
///
/// let rs = RsCoder::new(10, 4)?; // corrects 3 bytes
/// let mut word = rs.encode(b"four")?;
/// word[..4].copy_from_slice(b"FOUR"); // 4 wrong bytes: too many
/// match rs.decode(&word) {
///     Err(RsError::Uncorrectable) => {}
///     other => panic!("expected Uncorrectable, got {other:?}"),
/// }
/// assert_eq!(rs.encode(b"fives"), Err(RsError::MessageTooLong { len: 5, k: 4 }));
/// # Ok::<(), RsError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RsError {
    /// The parameters do not describe a Reed–Solomon code over GF(2^8).
    #[error("invalid RS(n={n}, k={k}): need 1 <= k < n <= 255")]
    InvalidParameters {
        /// Codeword length asked for.
        n: usize,
        /// Message length asked for.
        k: usize,
    },
    /// A message longer than k bytes was given to the encoder.
    #[error("message of {len} bytes is longer than k = {k}")]
    MessageTooLong {
        /// The message's length.
        len: usize,
        /// The code's k.
        k: usize,
    },
    /// A received word (or an output buffer) is not exactly n bytes long.
    #[error("codeword must be exactly n = {n} bytes, got {len}")]
    WrongLength {
        /// The length given.
        len: usize,
        /// The code's n.
        n: usize,
    },
    /// An erasure position is not inside the codeword.
    #[error("erasure position {position} out of range, must be < n = {n}")]
    ErasureOutOfRange {
        /// The offending position.
        position: usize,
        /// The code's n.
        n: usize,
    },
    /// The same erasure position was given twice.
    #[error("duplicate erasure position {position}")]
    DuplicateErasure {
        /// The repeated position.
        position: usize,
    },
    /// More erasures than parity bytes.
    #[error("{count} erasures exceed the {max} parity bytes")]
    TooManyErasures {
        /// Erasures given.
        count: usize,
        /// n − k.
        max: usize,
    },
    /// The word has more errors than the code can correct (detected, nothing returned).
    #[error("too many errors: the word cannot be corrected")]
    Uncorrectable,
    /// One codeword of a stream could not be corrected.
    #[error("codeword #{index} (0-based) of the stream has too many errors to correct")]
    UncorrectableCodeword {
        /// 0-based number of the codeword in the stream.
        index: u64,
    },
    /// An encoded stream is not a whole number of codewords.
    #[error("encoded stream of {len} bytes is not a multiple of n = {n}")]
    StreamLength {
        /// The stream's length.
        len: usize,
        /// The code's n.
        n: usize,
    },
}

/// The result of a decode with its bookkeeping.
///
/// # Examples
///
/// ```
/// use algorithm_fec::rs::RsCoder;
///
/// let rs = RsCoder::new(12, 6)?;
/// let mut word = rs.encode(b"\0\0abcd")?;
/// word[2] = b'X';
/// let decoded = rs.decode_report(&word)?;
/// assert_eq!(decoded.message, b"\0\0abcd"); // k bytes, leading zeros kept
/// assert_eq!(decoded.corrected, 1);
/// # Ok::<(), algorithm_fec::rs::RsError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Decoded {
    /// The k message bytes (leading zero bytes kept).
    pub message: Vec<u8>,
    /// How many bytes of the received word were changed (errors plus erasures whose
    /// byte was actually wrong).
    pub corrected: usize,
}

/// An RS(n, k) coder: n-byte codewords carrying k message bytes each.
///
/// Construction precomputes the generator polynomial and tables of multiples of
/// x^(n−k+j) mod g(x) (at most 64 KiB, or 256 × (n − k) bytes if that is more); after that every method takes `&self`, so one coder can
/// be shared between threads.
///
/// # Examples
///
/// ```
/// use algorithm_fec::rs::RsCoder;
///
/// let rs = RsCoder::new(255, 223)?;
/// let mut word = rs.encode(b"hello, world")?; // left-padded to 223 bytes, + 32 parity
/// assert_eq!(word.len(), 255);
/// word[3] ^= 0xff; // two corrupted bytes
/// word[240] ^= 1;
/// let fixed = rs.decode_report(&word)?;
/// assert_eq!(fixed.corrected, 2);
/// assert_eq!(fixed.message[223 - 12..], *b"hello, world");
/// # Ok::<(), algorithm_fec::rs::RsError>(())
/// ```
#[derive(Clone)]
pub struct RsCoder {
    n: usize,
    k: usize,
    /// g(x), highest degree first; `gen[0] == 1`, length n − k + 1.
    gen: Vec<u8>,
    /// Bytes consumed per step of the division (1..=8), chosen so `table` stays
    /// within 64 KiB.
    width: usize,
    /// n − k rounded up to a whole number of lanes: the length of a table row.
    pad: usize,
    /// `width` tables of 256 rows of `pad` bytes: row `v` of table `j` is
    /// v · (x^(n−k+j) mod g(x)), highest degree first, then zeros. Table 0 is v · g(x)
    /// without its leading term.
    table: Vec<u8>,
}

impl fmt::Debug for RsCoder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RsCoder")
            .field("n", &self.n)
            .field("k", &self.k)
            .finish_non_exhaustive()
    }
}

impl RsCoder {
    /// An RS(n, k) coder. Needs 1 ≤ k < n ≤ 255.
    ///
    /// # Examples
    ///
    /// ```
    /// use algorithm_fec::rs::{RsCoder, RsError};
    ///
    /// let rs = RsCoder::new(255, 223)?; // the classic: 32 parity bytes, 16 errors
    /// assert_eq!((rs.parity_len(), rs.max_errors()), (32, 16));
    /// assert_eq!(RsCoder::new(10, 10).unwrap_err(), RsError::InvalidParameters { n: 10, k: 10 });
    /// # Ok::<(), RsError>(())
    /// ```
    pub fn new(n: usize, k: usize) -> Result<RsCoder, RsError> {
        if k == 0 || k >= n || n > MAX_N {
            return Err(RsError::InvalidParameters { n, k });
        }
        let nsym = n - k;
        let mut gen = Vec::with_capacity(nsym + 1);
        gen.push(1u8);
        for i in 1..=nsym {
            // gen · (x − α^i), highest degree first.
            let a = field::pow_alpha(i);
            gen.push(0);
            for j in (1..gen.len()).rev() {
                gen[j] ^= field::mul(gen[j - 1], a);
            }
        }
        let pad = nsym.div_ceil(LANE) * LANE;
        let width = (TABLE_BUDGET / (256 * pad)).clamp(1, MAX_WIDTH);
        let mut table = vec![0u8; width * 256 * pad];
        // p = x^(n−k+j) mod g(x), highest degree first, starting from j = 0.
        let mut p: Vec<u8> = gen[1..].to_vec();
        for t in table.chunks_exact_mut(256 * pad) {
            for (v, row) in t.chunks_exact_mut(pad).enumerate() {
                for (r, &c) in row.iter_mut().zip(&p) {
                    *r = field::mul(v as u8, c);
                }
            }
            // p ← x·p mod g.
            let top = p[0];
            for j in 0..nsym - 1 {
                p[j] = p[j + 1] ^ field::mul(top, gen[j + 1]);
            }
            p[nsym - 1] = field::mul(top, gen[nsym]);
        }
        Ok(RsCoder {
            n,
            k,
            gen,
            width,
            pad,
            table,
        })
    }

    /// Codeword length n.
    ///
    /// ```
    /// assert_eq!(algorithm_fec::rs::RsCoder::new(255, 223)?.n(), 255);
    /// # Ok::<(), algorithm_fec::rs::RsError>(())
    /// ```
    pub fn n(&self) -> usize {
        self.n
    }

    /// Message length k.
    ///
    /// ```
    /// assert_eq!(algorithm_fec::rs::RsCoder::new(255, 223)?.k(), 223);
    /// # Ok::<(), algorithm_fec::rs::RsError>(())
    /// ```
    pub fn k(&self) -> usize {
        self.k
    }

    /// Parity bytes per codeword, n − k.
    ///
    /// ```
    /// let rs = algorithm_fec::rs::RsCoder::new(255, 223)?;
    /// assert_eq!(rs.parity_len(), 32);
    /// assert_eq!(rs.encode(b"x")?[rs.k()..].len(), rs.parity_len());
    /// # Ok::<(), algorithm_fec::rs::RsError>(())
    /// ```
    pub fn parity_len(&self) -> usize {
        self.n - self.k
    }

    /// Errors correctable at unknown positions, t = ⌊(n − k)/2⌋.
    ///
    /// ```
    /// use algorithm_fec::rs::RsCoder;
    ///
    /// let rs = RsCoder::new(20, 13)?; // 7 parity bytes: 3 errors
    /// assert_eq!(rs.max_errors(), 3);
    /// let mut word = rs.encode(b"Hello, world!")?;
    /// word[..3].copy_from_slice(b"\0\0\0");
    /// assert_eq!(rs.decode(&word)?, b"Hello, world!");
    /// # Ok::<(), algorithm_fec::rs::RsError>(())
    /// ```
    pub fn max_errors(&self) -> usize {
        (self.n - self.k) / 2
    }

    /// The generator polynomial g(x), highest degree first (n − k + 1 bytes, leading 1).
    ///
    /// ```
    /// use algorithm_fec::rs::RsCoder;
    ///
    /// let rs = RsCoder::new(20, 13)?;
    /// let g = rs.generator();
    /// assert_eq!((g.len(), g[0]), (8, 1));
    /// // g(x) is divisible by itself: as an n-byte word it is a codeword.
    /// let mut word = vec![0; 20 - g.len()];
    /// word.extend_from_slice(g);
    /// assert!(rs.verify(&word));
    /// # Ok::<(), algorithm_fec::rs::RsError>(())
    /// ```
    pub fn generator(&self) -> &[u8] {
        &self.gen
    }

    /// Divides the n-byte word in `w[..n]` (as a polynomial) by g(x) in place:
    /// afterwards `w[k..n]` holds the remainder, `w[..k]` is garbage and the slack
    /// after n is unchanged.
    ///
    /// `width` leading coefficients u_0..u_{w−1} are reduced at once: their
    /// contribution u(x)·x^(n−k) mod g(x) is the XOR of one table row per coefficient,
    /// added into the next n − k bytes. The rows are independent, so the feedback
    /// chain is one step per `width` bytes. Rows are padded with zeros to whole
    /// 16-byte lanes (hence the slack), so the XOR runs on fixed-size lanes the
    /// compiler turns into vector instructions.
    fn divide(&self, w: &mut Scratch) {
        let (k, width, pad) = (self.k, self.width, self.pad);
        let stride = 256 * pad;
        let mut i = 0;
        while i + width <= k {
            let mut offs = [0usize; MAX_WIDTH];
            for (m, o) in offs[..width].iter_mut().enumerate() {
                *o = (width - 1 - m) * stride + usize::from(w[i + m]) * pad;
            }
            let offs = &offs[..width];
            let win = &mut w[i + width..i + width + pad];
            for (c, lane) in win.chunks_exact_mut(LANE).enumerate() {
                let mut x = [0u8; LANE];
                x.copy_from_slice(lane);
                for &o in offs {
                    let row = &self.table[o + c * LANE..o + (c + 1) * LANE];
                    for (a, b) in x.iter_mut().zip(row) {
                        *a ^= *b;
                    }
                }
                lane.copy_from_slice(&x);
            }
            i += width;
        }
        while i < k {
            let o = usize::from(w[i]) * pad;
            let row = &self.table[o..o + pad];
            for (a, b) in w[i + 1..i + 1 + pad].iter_mut().zip(row) {
                *a ^= *b;
            }
            i += 1;
        }
    }

    /// Writes the parity of the message in `w[..k]` into `w[k..n]`.
    fn parity(&self, w: &mut Scratch) {
        w[self.k..self.n].fill(0);
        self.divide(w);
    }

    /// Encodes `message` (at most k bytes, left-padded with zero bytes to k) into `out`,
    /// which must be exactly n bytes. Allocates nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// use algorithm_fec::rs::{RsCoder, RsError};
    ///
    /// let rs = RsCoder::new(20, 13)?;
    /// let mut word = [0; 20];
    /// rs.encode_into(b"Hello, world!", &mut word)?;
    /// assert_eq!(&word[13..], b"\x8d\x13\xf4\xf9\x43\x10\xe5"); // as rs.py's
    /// let short = rs.encode_into(b"Hello", &mut word[..19]);
    /// assert_eq!(short, Err(RsError::WrongLength { len: 19, n: 20 }));
    /// # Ok::<(), RsError>(())
    /// ```
    pub fn encode_into(&self, message: &[u8], out: &mut [u8]) -> Result<(), RsError> {
        if message.len() > self.k {
            return Err(RsError::MessageTooLong {
                len: message.len(),
                k: self.k,
            });
        }
        if out.len() != self.n {
            return Err(RsError::WrongLength {
                len: out.len(),
                n: self.n,
            });
        }
        let pad = self.k - message.len();
        let mut w: Scratch = [0; SCRATCH_LEN];
        w[pad..self.k].copy_from_slice(message);
        self.parity(&mut w);
        out[..pad].fill(0);
        out[pad..self.k].copy_from_slice(message);
        out[self.k..].copy_from_slice(&w[self.k..self.n]);
        Ok(())
    }

    /// Encodes `message` (at most k bytes, left-padded with zero bytes to k): the k
    /// message bytes followed by n − k parity bytes, always n bytes.
    ///
    /// # Examples
    ///
    /// ```
    /// use algorithm_fec::rs::RsCoder;
    ///
    /// let rs = RsCoder::new(20, 13)?;
    /// let word = rs.encode(b"Hi")?;
    /// // Left-padded to k = 13 bytes, then 7 parity bytes.
    /// assert_eq!(&word[..13], b"\0\0\0\0\0\0\0\0\0\0\0Hi");
    /// assert_eq!(word.len(), 20);
    /// assert_eq!(rs.decode_stripped(&word)?, b"Hi");
    /// # Ok::<(), algorithm_fec::rs::RsError>(())
    /// ```
    pub fn encode(&self, message: &[u8]) -> Result<Vec<u8>, RsError> {
        let mut out = vec![0u8; self.n];
        self.encode_into(message, &mut out)?;
        Ok(out)
    }

    /// The remainder of the n-byte `word` mod g(x) (n − k bytes, in `scratch`).
    fn remainder<'a>(&self, word: &[u8], scratch: &'a mut Scratch) -> &'a [u8] {
        scratch[..self.n].copy_from_slice(word);
        self.divide(scratch);
        &scratch[self.k..self.n]
    }

    /// Whether `codeword` is a valid codeword (n bytes, divisible by g(x)). A word of
    /// any other length is simply not valid.
    ///
    /// ```
    /// use algorithm_fec::rs::RsCoder;
    ///
    /// let rs = RsCoder::new(20, 13)?;
    /// let mut word = rs.encode(b"Hello, world!")?;
    /// assert!(rs.verify(&word));
    /// word[19] ^= 1;
    /// assert!(!rs.verify(&word));
    /// assert!(!rs.verify(&word[..19])); // not n bytes
    /// # Ok::<(), algorithm_fec::rs::RsError>(())
    /// ```
    pub fn verify(&self, codeword: &[u8]) -> bool {
        if codeword.len() != self.n {
            return false;
        }
        let mut scratch: Scratch = [0; SCRATCH_LEN];
        self.remainder(codeword, &mut scratch)
            .iter()
            .all(|&b| b == 0)
    }

    /// Corrects the n-byte `word` in place, treating the positions in `erasures` as
    /// known bad, and returns how many bytes were changed. On `Err` the word is left
    /// unchanged. Allocates nothing.
    ///
    /// Succeeds iff a codeword is found with 2·errors + erasures ≤ n − k.
    ///
    /// # Examples
    ///
    /// ```
    /// use algorithm_fec::rs::{RsCoder, RsError};
    ///
    /// let rs = RsCoder::new(20, 13)?;
    /// let good = rs.encode(b"Hello, world!")?;
    /// let mut word = good.clone();
    /// word[0..6].fill(b'?'); // 6 bytes known to be bad: one parity byte each
    /// assert_eq!(rs.correct_in_place(&mut word, &[0, 1, 2, 3, 4, 5])?, 6);
    /// assert_eq!(word, good);
    /// // Without their positions, 6 errors are beyond the 3 correctable: word untouched.
    /// word[0..6].fill(b'?');
    /// let damaged = word.clone();
    /// assert_eq!(rs.correct_in_place(&mut word, &[]), Err(RsError::Uncorrectable));
    /// assert_eq!(word, damaged);
    /// # Ok::<(), RsError>(())
    /// ```
    pub fn correct_in_place(&self, word: &mut [u8], erasures: &[usize]) -> Result<usize, RsError> {
        decode::correct(self, word, erasures)
    }

    /// Decodes an n-byte received word and returns the k message bytes, leading zero
    /// bytes included (`rs.py`'s `decode(r, nostrip=True)`).
    ///
    /// ```
    /// use algorithm_fec::rs::RsCoder;
    ///
    /// let rs = RsCoder::new(20, 13)?;
    /// let mut word = rs.encode(b"\0\0leading 0s!")?;
    /// word[5] = 0xff;
    /// assert_eq!(rs.decode(&word)?, b"\0\0leading 0s!");
    /// # Ok::<(), algorithm_fec::rs::RsError>(())
    /// ```
    pub fn decode(&self, received: &[u8]) -> Result<Vec<u8>, RsError> {
        Ok(self.decode_report(received)?.message)
    }

    /// Decodes like `rs.py`'s default `decode(r)`: the message with *all* leading zero
    /// bytes removed (so genuine leading zeros are lost, and an all-zero message gives
    /// an empty vector).
    ///
    /// ```
    /// use algorithm_fec::rs::RsCoder;
    ///
    /// let rs = RsCoder::new(20, 13)?;
    /// let word = rs.encode(b"\0\0leading 0s!")?;
    /// assert_eq!(rs.decode_stripped(&word)?, b"leading 0s!"); // as rs.py's decode(r)
    /// assert!(rs.decode_stripped(&[0; 20])?.is_empty());
    /// # Ok::<(), algorithm_fec::rs::RsError>(())
    /// ```
    pub fn decode_stripped(&self, received: &[u8]) -> Result<Vec<u8>, RsError> {
        let mut m = self.decode(received)?;
        let zeros = m.iter().take_while(|&&b| b == 0).count();
        m.drain(..zeros);
        Ok(m)
    }

    /// Decodes an n-byte received word, returning the k message bytes and the number
    /// of corrected bytes.
    ///
    /// ```
    /// use algorithm_fec::rs::RsCoder;
    ///
    /// let rs = RsCoder::new(20, 13)?;
    /// let mut word = rs.encode(b"Hello, world!")?;
    /// assert_eq!(rs.decode_report(&word)?.corrected, 0);
    /// word[7] ^= 0x20;
    /// word[15] = 0;
    /// let d = rs.decode_report(&word)?;
    /// assert_eq!((d.message.as_slice(), d.corrected), (&b"Hello, world!"[..], 2));
    /// # Ok::<(), algorithm_fec::rs::RsError>(())
    /// ```
    pub fn decode_report(&self, received: &[u8]) -> Result<Decoded, RsError> {
        self.decode_with_erasures(received, &[])
    }

    /// Errors-and-erasures decoding: `erasures` are 0-based byte positions known (or
    /// suspected) to be wrong. Succeeds when 2·errors + erasures ≤ n − k. Positions
    /// must be distinct and < n, and there may be at most n − k of them.
    ///
    /// # Examples
    ///
    /// ```
    /// use algorithm_fec::rs::{RsCoder, RsError};
    ///
    /// let rs = RsCoder::new(20, 13)?; // 7 parity bytes: 2·errors + erasures ≤ 7
    /// let mut word = rs.encode(b"Hello, world!")?;
    /// word[0..5].fill(0); // 5 bytes lost, their positions known...
    /// word[10] = 0; // ...and one error somewhere
    /// let d = rs.decode_with_erasures(&word, &[0, 1, 2, 3, 4])?;
    /// assert_eq!((d.message.as_slice(), d.corrected), (&b"Hello, world!"[..], 6));
    /// let twice = rs.decode_with_erasures(&word, &[3, 3]);
    /// assert_eq!(twice, Err(RsError::DuplicateErasure { position: 3 }));
    /// # Ok::<(), RsError>(())
    /// ```
    pub fn decode_with_erasures(
        &self,
        received: &[u8],
        erasures: &[usize],
    ) -> Result<Decoded, RsError> {
        if received.len() != self.n {
            return Err(RsError::WrongLength {
                len: received.len(),
                n: self.n,
            });
        }
        let mut word = received.to_vec();
        let corrected = self.correct_in_place(&mut word, erasures)?;
        word.truncate(self.k);
        Ok(Decoded {
            message: word,
            corrected,
        })
    }
}

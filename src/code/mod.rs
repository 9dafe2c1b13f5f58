//! The (k, n) code itself: which coefficients make which block, and how to solve for
//! lost data. All byte work is handed to [`crate::kernels`].
//!
//! Block r is the value at x_r of the polynomial of degree < k through the data
//! blocks (x_0 = 0, x_r = α^(r−1)). With barycentric weights w_j and
//! P(x) = Π_{m<k} (x − x_m), one coefficient is
//!
//! ```text
//! L_j(x_i) = w_j · P(x_i) / (x_i − x_j)
//! ```
//!
//! Because x_1 … x_{k−1} is a geometric progression, every w_j and every P(x_i) comes
//! from prefix sums of Zech logarithms Z(u) = log(1 + α^u): construction is O(n) and a
//! row costs O(k). Decoding e lost data blocks solves an e×e system whose matrix is a
//! Cauchy matrix scaled on both sides; its inverse has a closed form: 2e scale
//! factors (sums of logs over all pairs of points: O(e²) directly, or, for large e,
//! O(q log q) as a Zech-log convolution by NTT), then O(1) per entry. On the
//! convolution path a decode may instead interpolate through all k received blocks
//! in one product, whichever the cost model says is cheaper.
//!
//! # Examples
//!
//! Any k of the n blocks give the data back: here every pair of a (2, 4) code.
//!
//! ```
//! use algorithm_fec::Code;
//!
//! let code = Code::new(2, 4)?;
//! let data = [b"left".to_vec(), b"rite".to_vec()];
//! let refs: Vec<&[u8]> = data.iter().map(Vec::as_slice).collect();
//! let mut all = vec![vec![0; 4]; 4];
//! let mut outs: Vec<&mut [u8]> = all.iter_mut().map(Vec::as_mut_slice).collect();
//! code.encode_many(&refs, &[0, 1, 2, 3], &mut outs)?;
//! for (a, b) in [(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)] {
//!     let mut pair = [all[a].clone(), all[b].clone()];
//!     let mut blocks: Vec<&mut [u8]> = pair.iter_mut().map(Vec::as_mut_slice).collect();
//!     code.decode(&mut blocks, &mut [a, b])?;
//!     assert_eq!(blocks, data, "from blocks {a} and {b}");
//! }
//! # Ok::<(), algorithm_fec::Error>(())
//! ```

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::OnceLock;

use crate::conv;
use crate::error::Error;
use crate::gf::{Field, Tables};
use crate::kernels;

/// A systematic (k, n) erasure code: k data blocks, n blocks in all, any k of which
/// recover the data. Cheap to build (O(n)) and immutable; share it freely.
///
/// Large codes' one-pass encodes and decodes (the convolution path) need working
/// storage, megabytes for a 1000 + 500 code; a `Code` keeps the largest it has
/// used for its next call (threads calling at the same time get their own), and
/// the transforms its last few products were made with (the next encode of the
/// same checks reuses them; at most about 4 MiB), so drop the `Code` to release
/// them.
///
/// # Examples
///
/// ```
/// use algorithm_fec::Code;
///
/// let code = Code::new(2, 4)?;
/// let data = [b"hello ".to_vec(), b"world!".to_vec()];
/// let refs: Vec<&[u8]> = data.iter().map(Vec::as_slice).collect();
/// let (mut c2, mut c3) = (vec![0; 6], vec![0; 6]);
/// code.encode_many(&refs, &[2, 3], &mut [&mut c2, &mut c3])?;
///
/// // Both data blocks lost: check blocks 3 and 2 give them back, in place.
/// let mut blocks: Vec<&mut [u8]> = vec![&mut c3, &mut c2];
/// let mut indices = [3, 2];
/// code.decode(&mut blocks, &mut indices)?;
/// assert_eq!(blocks[0], b"hello ");
/// assert_eq!(blocks[1], b"world!");
/// # Ok::<(), algorithm_fec::Error>(())
/// ```
#[derive(Clone)]
pub struct Code {
    k: usize,
    n: usize,
    field: Field,
    t: Tables,
    /// log w_j for each data index j < k.
    wlog: Vec<u32>,
    /// log P(x_i) for each check index i in k..n (stored at i − k).
    plog: Vec<u32>,
    /// The convolution path's slots and transforms, kept from one call to the next.
    work: conv::Scratch,
}

impl std::fmt::Debug for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Code")
            .field("k", &self.k)
            .field("n", &self.n)
            .field("field", &self.field)
            .finish()
    }
}

/// One block handed to [`Code::decode_shards`]: data that is only read, or a buffer
/// that decoding may overwrite (a check block whose slot receives a data block).
///
/// # Examples
///
/// ```
/// use algorithm_fec::{Code, Error, Shard};
///
/// let code = Code::new(3, 5)?;
/// let (d0, d2) = (b"1".repeat(70), b"3".repeat(70));
/// let mut b3 = b"%".repeat(70); // block 3 of the README's example
///
/// // Block 3 stands in for data block 1: it is overwritten, so it must be writable.
/// let mut shards = [Shard::Read(&d0), Shard::Read(&b3), Shard::Read(&d2)];
/// let err = code.decode_shards(&mut shards, &[0, 3, 2]);
/// assert_eq!(err, Err(Error::ReadOnlyTarget { position: 1, index: 3 }));
///
/// code.decode_shards(&mut [Shard::Read(&d0), Shard::Write(&mut b3), Shard::Read(&d2)], &[0, 3, 2])?;
/// assert_eq!(b3, b"2".repeat(70));
/// # Ok::<(), algorithm_fec::Error>(())
/// ```
#[derive(Debug)]
pub enum Shard<'a> {
    /// Read only. Allowed where the position already holds its data block.
    Read(&'a [u8]),
    /// Readable and writable.
    Write(&'a mut [u8]),
}

impl Shard<'_> {
    fn len(&self) -> usize {
        match self {
            Shard::Read(b) => b.len(),
            Shard::Write(b) => b.len(),
        }
    }
}

/// A multiple of every kernel's step (two 64-byte vectors): stripes cut at multiples
/// of it keep every byte in the SIMD body instead of sending each stripe's tail to
/// the scalar code.
const KERNEL_STEP: usize = 128;

/// Coefficient memory (in entries) above which rows are made per stripe instead of
/// kept: keeps huge GF(2^16) decodes within a few MiB.
const MAX_CACHED_COEFFS: usize = 1 << 22;

/// Bytes of all blocks of one stripe on the convolution path. Every stripe prepares
/// every leaf's coefficients for the kernels again, which costs as much as the
/// products themselves at stripes of a few hundred bytes (measured in GF(2^16)):
/// stripes are made long, at the price of this much scratch memory.
const CONV_STRIPE_BUDGET: usize = 32 << 20;

/// The convolution path is taken when its estimated cost is below this share of the
/// quadratic path's: measured time over estimate differs between the paths (the
/// quadratic kernels make up to 8 outputs per pass over the sources; in GF(2^16)
/// they read hundreds of sources per pass, the convolution path's transforms work
/// in cache). Measured on Zen 1 (AVX2), the break-even lies near an estimated
/// ratio of 0.6 in GF(2^8) (k = 64 to 200, 16 KiB blocks); in GF(2^16) near 0.9
/// with 16 KiB blocks and 1.6 with 64 KiB (k = 250 to 1000, 4 to 20 checks), where
/// 1.0 keeps the small blocks' side (k = 1000 + 10 checks: 3.2× faster than before);
/// what depends on the size of the data, the encode's estimate takes from
/// [`LARGE_INPUT`].
fn conv_margin(field: Field) -> f64 {
    match field {
        Field::Gf8 => 0.6,
        Field::Gf16 => 1.0,
    }
}

/// Set by [`set_path`]: 0 = not set, else 1 + the [`Path`] as listed.
static PATH_SET: AtomicU8 = AtomicU8::new(0);

/// Forces the path for this process, overriding `ALGORITHM_FEC_PATH`: `"auto"`,
/// `"quadratic"` or `"convolution"`; for tests and benchmarks that compare the paths
/// in one process. The bytes written never depend on it.
///
/// # Panics
/// On any other name.
#[doc(hidden)]
pub fn set_path(name: &str) {
    PATH_SET.store(1 + parse_path(name) as u8, Ordering::Relaxed);
}

fn parse_path(name: &str) -> Path {
    try_parse_path(name).unwrap_or_else(|e| panic!("{e}"))
}

fn try_parse_path(name: &str) -> Result<Path, PathEnvError> {
    match name {
        "" | "auto" => Ok(Path::Auto),
        "quadratic" => Ok(Path::Quadratic),
        "convolution" => Ok(Path::Convolution),
        other => Err(PathEnvError(other.to_string())),
    }
}

/// `ALGORITHM_FEC_PATH` names no path.
///
/// # Examples
///
/// ```
/// use algorithm_fec::code::{check_path_env, PathEnvError};
///
/// // Read once per process: set before the first code is used.
/// std::env::set_var("ALGORITHM_FEC_PATH", "fastest");
/// let err = check_path_env().unwrap_err();
/// assert_eq!(err, PathEnvError("fastest".into()));
/// assert!(err.to_string().contains("valid values: auto, quadratic, convolution"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("ALGORITHM_FEC_PATH={0}: unknown path (valid values: auto, quadratic, convolution)")]
pub struct PathEnvError(pub String);

/// The path `ALGORITHM_FEC_PATH` asks for, read once per process.
fn env_path() -> &'static Result<Path, PathEnvError> {
    static PATH: OnceLock<Result<Path, PathEnvError>> = OnceLock::new();
    PATH.get_or_init(|| {
        let value = std::env::var("ALGORITHM_FEC_PATH").unwrap_or_default();
        try_parse_path(&value)
    })
}

/// Checks `ALGORITHM_FEC_PATH` without coding anything: programs and the C ABI call
/// it to report a bad value as an error instead of the panic at first use.
///
/// ```
/// assert!(algorithm_fec::code::check_path_env().is_ok());
/// ```
pub fn check_path_env() -> Result<(), PathEnvError> {
    env_path().as_ref().map(drop).map_err(Clone::clone)
}

/// How the products of encoding and decoding are computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
enum Path {
    /// Whichever the cost model says is cheaper.
    Auto,
    /// Every coefficient times every block: k·(n − k) block operations.
    Quadratic,
    /// Block scalings and Toeplitz products ([`crate::conv`]), where possible.
    Convolution,
}

/// The path, from the environment variable `ALGORITHM_FEC_PATH` (`auto`,
/// `quadratic` or `convolution`; read once). Panics at first use on any other value:
/// a test that asks for a path must not silently get another.
fn path() -> Path {
    match PATH_SET.load(Ordering::Relaxed) {
        1 => Path::Auto,
        2 => Path::Quadratic,
        3 => Path::Convolution,
        _ => *env_path().as_ref().unwrap_or_else(|e| panic!("{e}")),
    }
}

/// Whether to take the convolution path, given both estimated costs in block
/// multiply-adds.
fn convolve(field: Field, quadratic: f64, convolution: f64) -> bool {
    match path() {
        Path::Auto => cheaper_to_convolve(field, quadratic, convolution),
        Path::Quadratic => false,
        Path::Convolution => true,
    }
}

/// The cost model's choice.
fn cheaper_to_convolve(field: Field, quadratic: f64, convolution: f64) -> bool {
    convolution < conv_margin(field) * quadratic
}

/// Data of at least this many bytes make the quadratic GF(2^16) encode wait on memory:
/// its passes read hundreds of blocks a few hundred bytes each, which the caches no
/// longer hold. Measured on Zen 1 (AVX2), 2 to 4 checks from k = 250 to 2000 blocks
/// of 16 and 64 KiB: with 16 MiB of data the convolution path took 1.15× the
/// quadratic time at an estimated ratio of 1.18–1.27; from 31 MiB it took 0.66–0.82×
/// at estimates of 1.17–1.5.
const LARGE_INPUT: usize = 24 << 20;

/// How much the quadratic GF(2^16) encode's estimate grows on [`LARGE_INPUT`] data.
const LARGE_INPUT_FACTOR: f64 = 1.6;

/// Estimated costs (quadratic, convolution) of making `count` checks with indices in
/// lo..=hi from k data blocks of `len` bytes, in block multiply-adds.
fn encode_costs(
    field: Field,
    k: usize,
    lo: usize,
    hi: usize,
    count: usize,
    len: usize,
) -> (f64, f64) {
    let memory = match field == Field::Gf16 && k * len >= LARGE_INPUT {
        true => LARGE_INPUT_FACTOR,
        false => 1.0,
    };
    (
        (count * k) as f64 * memory,
        conv::cost(field, hi - lo + 1, k - 1) + (k + 2 * count) as f64,
    )
}

/// Stripe width for `blocks` blocks of `len` bytes on the convolution path: within
/// [`CONV_STRIPE_BUDGET`], a multiple of [`KERNEL_STEP`] (or the whole block).
fn conv_stripe(len: usize, blocks: usize) -> usize {
    let s = (CONV_STRIPE_BUDGET / blocks.max(1)) / KERNEL_STEP * KERNEL_STEP;
    len.min(s.max(KERNEL_STEP))
}

/// The first `width` bytes of each `stride`-byte slot of a stripe buffer.
fn slots(buf: &mut [u8], stride: usize, width: usize) -> Vec<&mut [u8]> {
    buf.chunks_mut(stride).map(|b| &mut b[..width]).collect()
}

/// The `span` outputs of a product over a span of indices: the `given` ones (by
/// their place in the span), and for each other place (a gap) the first `width`
/// bytes of the next `stride`-byte slot of `scratch`.
fn fill_gaps<'a>(
    span: usize,
    given: impl IntoIterator<Item = (usize, &'a mut [u8])>,
    scratch: &'a mut [u8],
    stride: usize,
    width: usize,
) -> Vec<&'a mut [u8]> {
    let mut outs: Vec<Option<&mut [u8]>> = (0..span).map(|_| None).collect();
    for (at, out) in given {
        outs[at] = Some(out);
    }
    let mut spare = scratch.chunks_mut(stride);
    outs.into_iter()
        .map(|o| o.unwrap_or_else(|| &mut spare.next().expect("a slot per gap")[..width]))
        .collect()
}

/// `dst = Σ coeffs[i] · srcs[i]`, one output block.
fn combine(field: Field, coeffs: &[u16], srcs: &[&[u8]], dst: &mut [u8]) {
    kernels::dot(field, coeffs, srcs, &mut [dst], false);
}

impl Code {
    /// A code with `k` data blocks and `n` blocks in all, in the field Algorithm::FEC
    /// picks: GF(2^8) for n ≤ 255, GF(2^16) for 256 ≤ n ≤ 65536.
    ///
    /// # Examples
    ///
    /// ```
    /// use algorithm_fec::{Code, Error, Field};
    ///
    /// assert_eq!(Code::new(3, 5)?.field(), Field::Gf8);
    /// assert_eq!(Code::new(3, 256)?.field(), Field::Gf16);
    /// assert_eq!(Code::new(0, 5).unwrap_err(), Error::NoDataBlocks { k: 0 });
    /// assert_eq!(Code::new(5, 3).unwrap_err(), Error::FewerBlocksThanData { k: 5, n: 3 });
    /// # Ok::<(), algorithm_fec::Error>(())
    /// ```
    pub fn new(k: usize, n: usize) -> Result<Code, Error> {
        Code::with_field(k, n, Field::for_blocks(n))
    }

    /// A code in a named field: GF(2^8) allows n ≤ 256 (as zfec does), GF(2^16)
    /// n ≤ 65536.
    ///
    /// # Examples
    ///
    /// ```
    /// use algorithm_fec::{Code, Error, Field};
    ///
    /// // zfec's largest code: 256 shares, still in GF(2^8).
    /// let code = Code::with_field(3, 256, Field::Gf8)?;
    /// assert_eq!((code.n(), code.field()), (256, Field::Gf8));
    /// let err = Code::with_field(3, 257, Field::Gf8).unwrap_err();
    /// assert_eq!(err, Error::TooManyBlocks { n: 257, max: 256, bits: 8 });
    /// # Ok::<(), algorithm_fec::Error>(())
    /// ```
    pub fn with_field(k: usize, n: usize, field: Field) -> Result<Code, Error> {
        if k < 1 {
            return Err(Error::NoDataBlocks { k });
        }
        if n < k {
            return Err(Error::FewerBlocksThanData { k, n });
        }
        if n > field.size() {
            return Err(Error::too_many(field, n));
        }
        let t = field.tables();
        let q = u64::from(t.q);
        // Every value below stays under 4q and is reduced by subtraction without
        // branches: divisions, then mispredicted branches, were most of the setup
        // of codes of tens of thousands of blocks.
        let reduce = |v: u64| {
            debug_assert!(v < 4 * q);
            let v = v.min(v.wrapping_sub(2 * q));
            v.min(v.wrapping_sub(q))
        };
        // K nonzero data points α^0 … α^(K−1).
        let kk = (k - 1) as u64;
        // za[m] = Σ_{u=1..m} Z(u), needed up to max(K−1, n−2) < q, so 1 + α^u ≠ 0;
        // zb[m] = Σ_{u=1..m} Z(−u).
        let za_len = (kk as usize).saturating_sub(1).max(n.saturating_sub(2));
        let mut za = vec![0u64; za_len + 1];
        for m in 1..=za_len {
            za[m] = reduce(za[m - 1] + u64::from(t.zech(m)));
        }
        let mut zb = vec![0u64; (kk as usize).max(1)];
        for m in 1..kk as usize {
            zb[m] = reduce(zb[m - 1] + u64::from(t.zech(q as usize - m)));
        }
        let tri = kk * kk.saturating_sub(1) / 2 % q; // Σ_{t<K} t
        let inv = |l: u64| reduce(q - reduce(l)) as u32;
        let mut wlog = Vec::with_capacity(k);
        // D_0 = Π_m x_m = α^(K(K−1)/2);
        // D_j = α^s · Π_{t≠s} (α^s + α^t) = α^(sK) · Π_{u=1..K−1−s} (1+α^u) · Π_{u=1..s} (1+α^−u).
        wlog.push(inv(tri));
        // s·K mod q, step by step.
        let mut sk = 0;
        for s in 0..kk {
            wlog.push(inv(sk + za[(kk - 1 - s) as usize] + zb[s as usize]));
            sk = reduce(sk + kk);
        }
        // P(x_i) = α^s · Π_{t<K} (α^s + α^t) = α^(s + K(K−1)/2) · Π_{u=s−K+1..s} (1+α^u).
        let plog = (k..n)
            .map(|i| {
                let s = (i - 1) as u64;
                reduce(s + tri + za[s as usize] + q - za[(s - kk) as usize]) as u32
            })
            .collect();
        Ok(Code {
            k,
            n,
            field,
            t,
            wlog,
            plog,
            work: conv::Scratch::default(),
        })
    }

    /// Data blocks.
    ///
    /// ```
    /// assert_eq!(algorithm_fec::Code::new(3, 5)?.k(), 3);
    /// # Ok::<(), algorithm_fec::Error>(())
    /// ```
    pub fn k(&self) -> usize {
        self.k
    }

    /// Blocks in all.
    ///
    /// ```
    /// assert_eq!(algorithm_fec::Code::new(3, 5)?.n(), 5);
    /// # Ok::<(), algorithm_fec::Error>(())
    /// ```
    pub fn n(&self) -> usize {
        self.n
    }

    /// The field the code works in. GF(2^16) blocks hold 16-bit symbols, so their
    /// length must be even.
    ///
    /// ```
    /// use algorithm_fec::Code;
    ///
    /// let field = Code::new(100, 1000)?.field();
    /// assert_eq!((field.bits(), field.symbol_bytes()), (16, 2));
    /// # Ok::<(), algorithm_fec::Error>(())
    /// ```
    pub fn field(&self) -> Field {
        self.field
    }

    fn point(&self, r: usize) -> u16 {
        self.field.point(r)
    }

    /// log of (x_a − x_b) for distinct indices.
    #[inline]
    fn log_diff(&self, xa: u16, xb: u16) -> u64 {
        u64::from(self.t.log(xa ^ xb))
    }

    /// α^l for any integer l.
    fn alpha(&self, l: i64) -> u16 {
        self.t.exp(l.rem_euclid(i64::from(self.t.q)) as u64)
    }

    /// h(t) = 1 / (α^t + 1), the sequence every product convolves with:
    /// 1 / (x_i − x_j) = α^−(j−1) · h(i − j) for i, j ≥ 1. h(0) (no such pair of
    /// points) is set to 0.
    /// One reduction mod q: a product's entries are h of every difference, and
    /// divisions were most of making them (65 535 of them for 2-byte blocks).
    fn h(&self, t: i64) -> u16 {
        let q = self.t.q as usize;
        match t.rem_euclid(q as i64) as usize {
            0 => 0,
            // α^t ≠ 0, 1, so Z(t), the log of 1 + α^t, is in 1..q and q − Z(t)
            // needs no reduction.
            t => self.t.exp[q - self.t.zech(t) as usize],
        }
    }

    /// Writes the k coefficients that make block `index` from the data blocks:
    /// `block_index = Σ_j row[j] · data_j`. O(k).
    ///
    /// # Examples
    ///
    /// The row of block 3, applied by hand to one byte of each data block, gives the
    /// byte [`Code::encode`] makes (addition in GF(2^8) is XOR).
    ///
    /// ```
    /// use algorithm_fec::Code;
    ///
    /// let code = Code::new(3, 5)?;
    /// let mut row = [0u16; 3];
    /// code.row(3, &mut row)?;
    /// let byte = b"123".iter().zip(row).fold(0, |acc, (&d, c)| acc ^ code.field().mul(c, d.into()));
    /// assert_eq!(byte, u16::from(b'%')); // block 3 of the README's example
    ///
    /// code.row(1, &mut row)?; // a data block is itself
    /// assert_eq!(row, [0, 1, 0]);
    /// # Ok::<(), algorithm_fec::Error>(())
    /// ```
    pub fn row(&self, index: usize, row: &mut [u16]) -> Result<(), Error> {
        self.check_index(index)?;
        self.check_count("row coefficients", row.len())?;
        self.fill_row(index, &(0..self.k).collect::<Vec<_>>(), row);
        Ok(())
    }

    /// Coefficients of block `index` over the data indices `cols` (a subset of 0..k).
    fn fill_row(&self, index: usize, cols: &[usize], row: &mut [u16]) {
        if index < self.k {
            for (c, &j) in row.iter_mut().zip(cols) {
                *c = u16::from(j == index);
            }
            return;
        }
        let xi = self.point(index);
        let base = u64::from(self.plog[index - self.k]);
        let q = u64::from(self.t.q);
        for (c, &j) in row.iter_mut().zip(cols) {
            let l = base + u64::from(self.wlog[j]) + q - self.log_diff(xi, self.point(j));
            *c = self.t.exp(l);
        }
    }

    /// Checks that a list has k entries.
    pub(crate) fn check_count(&self, what: &'static str, got: usize) -> Result<(), Error> {
        if got == self.k {
            Ok(())
        } else {
            Err(Error::WrongCount {
                what,
                expected: self.k,
                got,
            })
        }
    }

    fn check_index(&self, index: usize) -> Result<(), Error> {
        if index >= self.n {
            Err(Error::IndexOutOfRange { index, n: self.n })
        } else {
            Ok(())
        }
    }

    /// Checks that all lengths are equal and a whole number of symbols; returns it.
    fn common_len(&self, lens: impl IntoIterator<Item = usize>) -> Result<usize, Error> {
        let mut lens = lens.into_iter().enumerate();
        let first = lens.next().map_or(0, |(_, l)| l);
        for (position, got) in lens {
            if got != first {
                return Err(Error::WrongBlockSize {
                    position,
                    expected: first,
                    got,
                });
            }
        }
        if !first.is_multiple_of(self.field.symbol_bytes()) {
            return Err(Error::OddBlockSize { size: first });
        }
        Ok(first)
    }

    fn check_data(&self, data: &[&[u8]]) -> Result<usize, Error> {
        self.check_count("data blocks", data.len())?;
        self.common_len(data.iter().map(|d| d.len()))
    }

    /// Makes block `index` from the k data blocks into `out` (a copy of the data block
    /// when `index < k`).
    ///
    /// # Examples
    ///
    /// ```
    /// use algorithm_fec::{Code, Error};
    ///
    /// let code = Code::new(3, 5)?;
    /// let data = [b"1".repeat(70), b"2".repeat(70), b"3".repeat(70)];
    /// let refs: Vec<&[u8]> = data.iter().map(Vec::as_slice).collect();
    /// let mut block = vec![0; 70];
    /// code.encode(&refs, 3, &mut block)?;
    /// assert_eq!(block, b"%".repeat(70));
    ///
    /// // Only k data blocks of one length make a block.
    /// let err = code.encode(&refs[..2], 3, &mut block).unwrap_err();
    /// assert_eq!(err, Error::WrongCount { what: "data blocks", expected: 3, got: 2 });
    /// # Ok::<(), algorithm_fec::Error>(())
    /// ```
    pub fn encode(&self, data: &[&[u8]], index: usize, out: &mut [u8]) -> Result<(), Error> {
        self.encode_many(data, &[index], &mut [out])
    }

    /// Makes several blocks in one pass over the data: `outs[i]` receives block
    /// `indices[i]`. Faster than one `encode` per index when there are several.
    ///
    /// # Examples
    ///
    /// ```
    /// use algorithm_fec::Code;
    ///
    /// let code = Code::new(3, 5)?;
    /// let data = [b"1".repeat(70), b"2".repeat(70), b"3".repeat(70)];
    /// let refs: Vec<&[u8]> = data.iter().map(Vec::as_slice).collect();
    /// let (mut b3, mut b4) = (vec![0; 70], vec![0; 70]);
    /// code.encode_many(&refs, &[3, 4], &mut [&mut b3, &mut b4])?;
    /// assert_eq!((b3, b4), (b"%".repeat(70), b"Y".repeat(70)));
    /// # Ok::<(), algorithm_fec::Error>(())
    /// ```
    pub fn encode_many(
        &self,
        data: &[&[u8]],
        indices: &[usize],
        outs: &mut [&mut [u8]],
    ) -> Result<(), Error> {
        let len = self.check_data(data)?;
        if outs.len() != indices.len() {
            return Err(Error::WrongCount {
                what: "output buffers",
                expected: indices.len(),
                got: outs.len(),
            });
        }
        for &i in indices {
            self.check_index(i)?;
        }
        if let Some(got) = outs.iter().map(|o| o.len()).find(|&l| l != len) {
            return Err(Error::OutputSize { expected: len, got });
        }
        let cols: Vec<usize> = (0..self.k).collect();
        // Data indices are copies; the rest go through the kernels in row batches.
        let mut checks: Vec<(usize, &mut [u8])> = Vec::new();
        for (&i, out) in indices.iter().zip(outs.iter_mut()) {
            if i < self.k {
                out.copy_from_slice(data[i]);
            } else {
                checks.push((i, &mut **out));
            }
        }
        if let (Some(lo), Some(hi)) = (
            checks.iter().map(|c| c.0).min(),
            checks.iter().map(|c| c.0).max(),
        ) {
            let (quadratic, convolution) =
                encode_costs(self.field, self.k, lo, hi, checks.len(), len);
            if self.k > 1 && len > 0 && convolve(self.field, quadratic, convolution) {
                self.encode_conv_split(data, &mut checks, lo, hi, len);
                return Ok(());
            }
        }
        let batch = (MAX_CACHED_COEFFS / self.k).max(1);
        let mut coeffs = Vec::new();
        for chunk in checks.chunks_mut(batch) {
            coeffs.clear();
            coeffs.resize(chunk.len() * self.k, 0);
            for ((i, _), row) in chunk.iter().zip(coeffs.chunks_mut(self.k)) {
                self.fill_row(*i, &cols, row);
            }
            let mut dsts: Vec<&mut [u8]> = chunk.iter_mut().map(|(_, o)| &mut **o).collect();
            kernels::dot(self.field, &coeffs, data, &mut dsts, false);
        }
        Ok(())
    }

    /// [`Code::encode_conv`]; with the `parallel` feature a big call is cut by length
    /// across threads (each piece an independent encode of its bytes), as the
    /// quadratic path's kernel calls are.
    fn encode_conv_split(
        &self,
        data: &[&[u8]],
        checks: &mut [(usize, &mut [u8])],
        lo: usize,
        hi: usize,
        len: usize,
    ) {
        #[cfg(feature = "parallel")]
        {
            let idx: Vec<usize> = checks.iter().map(|c| c.0).collect();
            let mut outs: Vec<&mut [u8]> = checks.iter_mut().map(|c| &mut *c.1).collect();
            if kernels::split(len, len * self.k, &mut outs, |start, end, d| {
                let data: Vec<&[u8]> = data.iter().map(|b| &b[start..end]).collect();
                let mut piece: Vec<(usize, &mut [u8])> = idx
                    .iter()
                    .copied()
                    .zip(d.iter_mut().map(|b| &mut **b))
                    .collect();
                self.encode_conv(&data, &mut piece, lo, hi, end - start);
            }) {
                return;
            }
        }
        self.encode_conv(data, checks, lo, hi, len);
    }

    /// All `checks` (indices in lo..=hi, k ≥ 2) by the convolution path: with
    /// u_j = w_j·α^−(j−1)·d_j,
    ///
    /// ```text
    /// block_r = P(x_r) · ( Σ_{j=1}^{k−1} h(r − j)·u_j  +  w_0·α^−(r−1)·d_0 )
    /// ```
    ///
    /// the sum being one Toeplitz product for the rows lo..=hi, stripe by stripe.
    fn encode_conv(
        &self,
        data: &[&[u8]],
        checks: &mut [(usize, &mut [u8])],
        lo: usize,
        hi: usize,
        len: usize,
    ) {
        let (k, field) = (self.k, self.field);
        let (rows, cols) = (hi - lo + 1, k - 1);
        // Inputs, outputs, and the product's scratch (about 3 × the smaller side).
        let stripe = conv_stripe(len, cols + rows + 3 * rows.min(cols));
        let uscale: Vec<u16> = (1..k)
            .map(|j| self.alpha(i64::from(self.wlog[j]) - (j as i64 - 1)))
            .collect();
        // Each index's first output receives the product, scaled by P(x_i), on top of
        // its data-block-0 term; indices in lo..=hi not asked for go to scratch
        // (scale 0), repeated ones are copied from the first.
        let mut first = vec![None; rows];
        for (at, (i, _)) in checks.iter().enumerate() {
            first[*i - lo].get_or_insert(at);
        }
        let yscale: Vec<u16> = (lo..=hi)
            .map(|i| match first[i - lo] {
                Some(_) => self.alpha(i64::from(self.plog[i - k])),
                None => 0,
            })
            .collect();
        let gaps = first.iter().filter(|f| f.is_none()).count();
        let mut scratch = vec![0u8; gaps * stripe];
        let mut work = self.work.take();
        // Data block 0's term in each check, all checks in one kernel call.
        let zero: Vec<u16> = (checks.iter())
            .map(|(i, _)| {
                let p = i64::from(self.plog[*i - k]);
                self.alpha(p + i64::from(self.wlog[0]) - (*i as i64 - 1))
            })
            .collect();
        for start in (0..len).step_by(stripe) {
            let end = len.min(start + stripe);
            let mut outs: Vec<&mut [u8]> = (checks.iter_mut())
                .map(|(_, out)| &mut out[start..end])
                .collect();
            kernels::dot(field, &zero, &[&data[0][start..end]], &mut outs, false);
            let us: Vec<&[u8]> = data[1..].iter().map(|d| &d[start..end]).collect();
            {
                let given = checks
                    .iter_mut()
                    .enumerate()
                    .filter(|(at, (i, _))| first[*i - lo] == Some(*at))
                    .map(|(_, (i, out))| (*i - lo, &mut out[start..end]));
                let mut ys = fill_gaps(rows, given, &mut scratch, stripe, end - start);
                let scales = conv::Scales {
                    input: Some(&uscale),
                    output: Some(&yscale),
                    sum: false,
                };
                conv::mul(
                    field,
                    |d| self.h(lo as i64 - 1 + d as i64),
                    &us,
                    &mut ys,
                    scales,
                    true,
                    &mut work,
                );
            }
            for at in 0..checks.len() {
                let i = checks[at].0;
                if let Some(f) = first[i - lo].filter(|&f| f != at) {
                    let (a, b) = checks.split_at_mut(at);
                    b[0].1[start..end].copy_from_slice(&a[f].1[start..end]);
                }
            }
        }
        self.work.put(work);
    }

    /// Checks a decode's k indices: count, range, duplicates. Touches nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// use algorithm_fec::{Code, Error};
    ///
    /// let code = Code::new(3, 5)?;
    /// code.check_indices(&[4, 0, 2])?; // any order
    /// assert_eq!(code.check_indices(&[4, 0, 4]), Err(Error::DuplicateIndex { index: 4 }));
    /// assert_eq!(code.check_indices(&[0, 1, 5]), Err(Error::IndexOutOfRange { index: 5, n: 5 }));
    /// # Ok::<(), algorithm_fec::Error>(())
    /// ```
    pub fn check_indices(&self, indices: &[usize]) -> Result<(), Error> {
        self.check_count("indices", indices.len())?;
        for &i in indices {
            self.check_index(i)?;
        }
        let mut seen = vec![false; self.n];
        for &i in indices {
            if std::mem::replace(&mut seen[i], true) {
                return Err(Error::DuplicateIndex { index: i });
            }
        }
        Ok(())
    }

    /// Puts decode inputs in the order decoding needs, exactly as Algorithm::FEC's
    /// `shuffle` does, so that every supplied data block j ends up at position j:
    ///
    /// ```text
    /// for i in 0..k: while idx[i] < k and idx[i] != i: swap entries i and idx[i]
    /// ```
    ///
    /// `blocks` is permuted alongside. Everything is checked first (k entries each,
    /// indices below n, no duplicates): on error neither slice is touched.
    ///
    /// # Examples
    ///
    /// ```
    /// use algorithm_fec::Code;
    ///
    /// let code = Code::new(3, 5)?;
    /// let mut blocks = ["block 4", "block 0", "block 3"];
    /// let mut indices = [4, 0, 3];
    /// code.reorder(&mut blocks, &mut indices)?;
    /// // Data block 0 is at position 0; check blocks fill the other places.
    /// assert_eq!(indices, [0, 4, 3]);
    /// assert_eq!(blocks, ["block 0", "block 4", "block 3"]);
    /// # Ok::<(), algorithm_fec::Error>(())
    /// ```
    pub fn reorder<T>(&self, blocks: &mut [T], indices: &mut [usize]) -> Result<(), Error> {
        self.check_indices(indices)?;
        self.check_count("blocks", blocks.len())?;
        for i in 0..self.k {
            while indices[i] < self.k && indices[i] != i {
                let j = indices[i];
                indices.swap(i, j);
                blocks.swap(i, j);
            }
        }
        Ok(())
    }

    /// Decodes in place: given any k distinct blocks and their indices, reorders both
    /// slices (see [`Code::reorder`]) and overwrites each block that held check data
    /// with the data block of its position. Afterwards `blocks[j]` is data block j.
    /// The index slice is left as reordered (it still names the check blocks).
    ///
    /// Every check (counts, indices, sizes) runs before anything is moved or written.
    ///
    /// # Examples
    ///
    /// Data blocks 0 and 2 lost; blocks 3 and 4 (the README's known answers) and data
    /// block 1 bring them back.
    ///
    /// ```
    /// use algorithm_fec::Code;
    ///
    /// let code = Code::new(3, 5)?;
    /// let (mut b3, mut b4, mut b1) = (b"%".repeat(70), b"Y".repeat(70), b"2".repeat(70));
    /// let mut blocks: Vec<&mut [u8]> = vec![&mut b4, &mut b3, &mut b1];
    /// let mut indices = [4, 3, 1];
    /// code.decode(&mut blocks, &mut indices)?;
    /// assert_eq!(indices, [4, 1, 3]); // data block 1 moved to position 1
    /// assert_eq!(blocks, [b"1".repeat(70), b"2".repeat(70), b"3".repeat(70)]);
    /// # Ok::<(), algorithm_fec::Error>(())
    /// ```
    pub fn decode(&self, blocks: &mut [&mut [u8]], indices: &mut [usize]) -> Result<(), Error> {
        self.check_indices(indices)?;
        self.check_count("blocks", blocks.len())?;
        self.common_len(blocks.iter().map(|b| b.len()))?;
        self.reorder(blocks, indices)?;
        let mut shards: Vec<Shard<'_>> = blocks.iter_mut().map(|b| Shard::Write(b)).collect();
        self.decode_shards(&mut shards, indices)
    }

    /// Decodes blocks that are already in decode order (as [`Code::reorder`] leaves
    /// them), some of them read-only: a [`Shard::Read`] is allowed wherever the
    /// position holds its own data block; every other position is overwritten and
    /// must be a [`Shard::Write`]. All checks run before anything is written.
    ///
    /// # Examples
    ///
    /// The data blocks received stay read-only (a file mapped read-only, say); only
    /// the check block's buffer is written.
    ///
    /// ```
    /// use algorithm_fec::{Code, Shard};
    ///
    /// let code = Code::new(3, 5)?;
    /// let (d0, d1) = (b"1".repeat(70), b"2".repeat(70));
    /// let mut blocks = [&d1[..], &d0[..], &b"Y".repeat(70)[..]].map(|b| b.to_vec());
    /// let mut indices = [1, 0, 4];
    /// code.reorder(&mut blocks, &mut indices)?;
    /// assert_eq!(indices, [0, 1, 4]);
    /// let [b0, b1, b4] = &mut blocks;
    /// code.decode_shards(&mut [Shard::Read(b0), Shard::Read(b1), Shard::Write(b4)], &indices)?;
    /// assert_eq!(*b4, b"3".repeat(70));
    /// # Ok::<(), algorithm_fec::Error>(())
    /// ```
    pub fn decode_shards(&self, shards: &mut [Shard<'_>], indices: &[usize]) -> Result<(), Error> {
        self.decoder(indices)?.decode(shards)
    }

    /// Prepares the decode of blocks with these indices, which must be in decode order
    /// (as [`Code::reorder`] leaves them): solves the system for the lost data blocks
    /// once (O(e²) for e lost blocks, or O(q log q) in a field of q + 1 elements when e
    /// is large), so several equally placed sets of blocks (or stripes of one) can then
    /// be decoded with [`Decoder::decode`].
    ///
    /// # Examples
    ///
    /// One solve, then a long block decoded stripe by stripe.
    ///
    /// ```
    /// use algorithm_fec::{Code, Error, Shard};
    ///
    /// let code = Code::new(3, 5)?;
    /// let decoder = code.decoder(&[0, 3, 4])?; // data blocks 1 and 2 lost
    /// let d0 = b"1".repeat(70);
    /// let (mut b3, mut b4) = (b"%".repeat(70), b"Y".repeat(70));
    /// for (s3, s4) in b3.chunks_mut(32).zip(b4.chunks_mut(32)) {
    ///     let d = &d0[..s3.len()];
    ///     decoder.decode(&mut [Shard::Read(d), Shard::Write(s3), Shard::Write(s4)])?;
    /// }
    /// assert_eq!((b3, b4), (b"2".repeat(70), b"3".repeat(70)));
    ///
    /// // The indices must be in decode order (see `reorder`).
    /// let err = code.decoder(&[3, 0, 4]).err();
    /// assert_eq!(err, Some(Error::NotInDecodeOrder { index: 0, position: 1 }));
    /// # Ok::<(), algorithm_fec::Error>(())
    /// ```
    pub fn decoder(&self, indices: &[usize]) -> Result<Decoder<'_>, Error> {
        self.check_indices(indices)?;
        for (position, &index) in indices.iter().enumerate() {
            if index < self.k && index != position {
                return Err(Error::NotInDecodeOrder { index, position });
            }
        }
        let present: Vec<usize> = (0..self.k).filter(|&p| indices[p] == p).collect();
        let lost: Vec<usize> = (0..self.k).filter(|&p| indices[p] != p).collect();
        let checks: Vec<usize> = lost.iter().map(|&p| indices[p]).collect();
        Ok(Decoder {
            indices: indices.to_vec(),
            solver: Solver::new(self, &present, &lost, &checks),
        })
    }
}

/// A solved decode: which positions are lost and the inverse that rebuilds them.
/// Made by [`Code::decoder`].
///
/// # Examples
///
/// ```
/// use algorithm_fec::{Code, Shard};
///
/// let code = Code::new(3, 5)?;
/// let data = [b"1".repeat(70), b"2".repeat(70), b"3".repeat(70)];
/// let refs: Vec<&[u8]> = data.iter().map(Vec::as_slice).collect();
/// let mut b4 = vec![0; 70];
/// code.encode(&refs, 4, &mut b4)?;
///
/// // Data block 1 lost, block 4 in its place: solve once, then decode with the
/// // present blocks read-only (they could be read-only file mappings).
/// let decoder = code.decoder(&[0, 4, 2])?;
/// assert_eq!(decoder.lost(), [1]);
/// let mut shards = [Shard::Read(&data[0]), Shard::Write(&mut b4), Shard::Read(&data[2])];
/// decoder.decode(&mut shards)?;
/// assert_eq!(b4, data[1]);
/// # Ok::<(), algorithm_fec::Error>(())
/// ```
pub struct Decoder<'c> {
    indices: Vec<usize>,
    solver: Solver<'c>,
}

impl Decoder<'_> {
    /// The positions (= data indices) that decoding rebuilds, in increasing order.
    ///
    /// ```
    /// let code = algorithm_fec::Code::new(3, 5)?;
    /// assert_eq!(code.decoder(&[4, 1, 3])?.lost(), [0, 2]);
    /// assert!(code.decoder(&[0, 1, 2])?.lost().is_empty()); // nothing to rebuild
    /// # Ok::<(), algorithm_fec::Error>(())
    /// ```
    pub fn lost(&self) -> &[usize] {
        &self.solver.lost
    }

    /// Rebuilds the lost data blocks in place. `shards[p]` is the block at position p
    /// of the decoder's indices; a [`Shard::Read`] is allowed wherever the position
    /// holds its own data block, every other position is overwritten and must be a
    /// [`Shard::Write`]. All checks run before anything is written.
    ///
    /// # Examples
    ///
    /// One decoder serves every set of blocks placed alike, here two files coded
    /// with the same code and the same block lost.
    ///
    /// ```
    /// use algorithm_fec::{Code, Shard};
    ///
    /// let code = Code::new(2, 3)?;
    /// let decoder = code.decoder(&[0, 2])?;
    /// let files: [[&[u8]; 2]; 2] = [[b"ab", b"cd"], [b"xy", b"zw"]];
    /// for data in files {
    ///     let mut b2 = [0; 2];
    ///     code.encode(&data, 2, &mut b2)?;
    ///     decoder.decode(&mut [Shard::Read(data[0]), Shard::Write(&mut b2)])?;
    ///     assert_eq!(b2, data[1]);
    /// }
    /// # Ok::<(), algorithm_fec::Error>(())
    /// ```
    pub fn decode(&self, shards: &mut [Shard<'_>]) -> Result<(), Error> {
        let code = self.solver.code;
        code.check_count("blocks", shards.len())?;
        let len = code.common_len(shards.iter().map(|s| s.len()))?;
        for (position, &index) in self.indices.iter().enumerate() {
            if index != position && matches!(shards[position], Shard::Read(_)) {
                return Err(Error::ReadOnlyTarget { position, index });
            }
        }
        let mut srcs: Vec<&[u8]> = Vec::new();
        let mut dsts: Vec<&mut [u8]> = Vec::new();
        for (p, shard) in shards.iter_mut().enumerate() {
            if self.indices[p] == p {
                srcs.push(match shard {
                    Shard::Read(b) => b,
                    Shard::Write(b) => b,
                });
            } else if let Shard::Write(b) = shard {
                dsts.push(b);
            }
        }
        if !dsts.is_empty() && len > 0 {
            self.solver.run(&srcs, &mut dsts, len);
        }
        Ok(())
    }
}

mod correct;
mod log_sums;
mod solver;
#[cfg(test)]
mod tests;

pub use correct::BadBlock;
use solver::Solver;

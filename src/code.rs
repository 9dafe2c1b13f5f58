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
    pub fn new(k: usize, n: usize) -> Result<Code, Error> {
        Code::with_field(k, n, Field::for_blocks(n))
    }

    /// A code in a named field: GF(2^8) allows n ≤ 256 (as zfec does), GF(2^16)
    /// n ≤ 65536.
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
    pub fn k(&self) -> usize {
        self.k
    }

    /// Blocks in all.
    pub fn n(&self) -> usize {
        self.n
    }

    /// The field the code works in.
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
    pub fn encode(&self, data: &[&[u8]], index: usize, out: &mut [u8]) -> Result<(), Error> {
        self.encode_many(data, &[index], &mut [out])
    }

    /// Makes several blocks in one pass over the data: `outs[i]` receives block
    /// `indices[i]`. Faster than one `encode` per index when there are several.
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
    pub fn decode_shards(&self, shards: &mut [Shard<'_>], indices: &[usize]) -> Result<(), Error> {
        self.decoder(indices)?.decode(shards)
    }

    /// Prepares the decode of blocks with these indices, which must be in decode order
    /// (as [`Code::reorder`] leaves them): solves the system for the lost data blocks
    /// once (O(e²) for e lost blocks, or O(q log q) in a field of q + 1 elements when e
    /// is large), so several equally placed sets of blocks (or stripes of one) can then
    /// be decoded with [`Decoder::decode`].
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
    pub fn lost(&self) -> &[usize] {
        &self.solver.lost
    }

    /// Rebuilds the lost data blocks in place. `shards[p]` is the block at position p
    /// of the decoder's indices; a [`Shard::Read`] is allowed wherever the position
    /// holds its own data block, every other position is overwritten and must be a
    /// [`Shard::Write`]. All checks run before anything is written.
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

/// The two linear maps of one decode, with the same e lost data indices:
///
/// 1. c'_q = c_q ⊕ Σ_{m present} L_m(x_{check q}) · d_m  (removes the known data)
/// 2. d_lost = M⁻¹ · c', M[q][i] = L_{lost i}(x_{check q})
///
/// M = diag(P(a)) · C · diag(w_b) with C[q][i] = 1/(a_q − b_i) a Cauchy matrix, so
/// M⁻¹[i][q] = (1/w_{b_i}) · (A(b_i)/B'(b_i)) · 1/(a_q − b_i) · (B(a_q)/A'(a_q)) / P(a_q)
/// with A, B the polynomials with roots a (check points) and b (lost points).
struct Solver<'c> {
    code: &'c Code,
    present: Vec<usize>,
    lost: Vec<usize>,
    /// Points of the lost data indices (b) and of the checks replacing them (a).
    b: Vec<u16>,
    a: Vec<u16>,
    checks: Vec<usize>,
    /// Log-domain scale of row i and column q of M⁻¹.
    row_scale: Vec<u64>,
    col_scale: Vec<u64>,
    /// The scales of [`Solver::run_interp`], made at its first use.
    interp: OnceLock<Interp>,
}

impl<'c> Solver<'c> {
    fn new(code: &'c Code, present: &[usize], lost: &[usize], checks: &[usize]) -> Self {
        let q = u64::from(code.t.q);
        let a: Vec<u16> = checks.iter().map(|&c| code.point(c)).collect();
        let b: Vec<u16> = lost.iter().map(|&l| code.point(l)).collect();
        let e = a.len();
        let LogSums {
            a_of_b,
            b_of_a,
            da,
            db,
        } = LogSums::new(&code.t, &a, &b);
        let row_scale = (0..e)
            .map(|i| (a_of_b[i] + 2 * q - u64::from(code.wlog[lost[i]]) - db[i]) % q)
            .collect();
        let col_scale = (0..e)
            .map(|qi| (b_of_a[qi] + 2 * q - da[qi] - u64::from(code.plog[checks[qi] - code.k])) % q)
            .collect();
        Solver {
            code,
            present: present.to_vec(),
            lost: lost.to_vec(),
            b,
            a,
            checks: checks.to_vec(),
            row_scale,
            col_scale,
            interp: OnceLock::new(),
        }
    }

    fn e(&self) -> usize {
        self.a.len()
    }

    /// Stage 1 row for check q: its coefficients over the present data blocks.
    fn fill_stage1(&self, qi: usize, row: &mut [u16]) {
        self.code.fill_row(self.checks[qi], &self.present, row);
    }

    /// Stage 2 row for lost index i: M⁻¹[i][·].
    fn fill_stage2(&self, i: usize, row: &mut [u16]) {
        let t = &self.code.t;
        let q = u64::from(t.q);
        for (qi, c) in row.iter_mut().enumerate() {
            let l = self.row_scale[i] + self.col_scale[qi] + q
                - self.code.log_diff(self.a[qi], self.b[i]);
            *c = t.exp(l);
        }
    }

    /// Runs both stages; with the `parallel` feature a big decode is cut by length
    /// across threads (each piece an independent decode of its bytes).
    fn run(&self, srcs: &[&[u8]], dsts: &mut [&mut [u8]], len: usize) {
        #[cfg(feature = "parallel")]
        if kernels::split(len, len * self.code.k, dsts, |start, end, d| {
            let s: Vec<&[u8]> = srcs.iter().map(|s| &s[start..end]).collect();
            self.run_piece(&s, d, end - start);
        }) {
            return;
        }
        self.run_piece(srcs, dsts, len);
    }

    /// Decodes stripe by stripe, by the path the cost model picks: quadratic, or by
    /// convolution in two stages or in one interpolation.
    fn run_piece(&self, srcs: &[&[u8]], dsts: &mut [&mut [u8]], len: usize) {
        let Some(spans) = self.spans() else {
            return self.run_quadratic(srcs, dsts, len);
        };
        let symbols = len / spans.field.symbol_bytes();
        let (two, one) = (spans.cost(), spans.interp_cost(symbols));
        if !convolve(spans.field, self.quadratic_cost(), two.min(one)) {
            self.run_quadratic(srcs, dsts, len)
        } else if one < two {
            self.run_interp(&spans, srcs, dsts, len)
        } else {
            self.run_conv(&spans, srcs, dsts, len)
        }
    }

    /// Block multiply-adds of the quadratic path.
    fn quadratic_cost(&self) -> f64 {
        (self.e() * (self.present.len() + self.e())) as f64
    }

    /// The index ranges the convolution path works on; `None` when every lost block
    /// is data block 0 (nothing to convolve).
    fn spans(&self) -> Option<Spans> {
        let lost = *self.lost.iter().find(|&&l| l >= 1)?;
        let known = self.present.iter().find(|&&p| p >= 1).copied().unwrap_or(1);
        let (check, last) = (*self.checks.iter().min()?, *self.checks.iter().max()?);
        Some(Spans {
            receiveds: last + 1 - known,
            k: self.code.k,
            field: self.code.field,
            check,
            checks: last + 1 - check,
            known,
            knowns: self
                .present
                .last()
                .map_or(0, |&p| (p + 1).saturating_sub(known)),
            lost,
            losts: self.lost[self.e() - 1] + 1 - lost,
            e: self.e(),
            zero_known: self.present.first() == Some(&0),
        })
    }

    /// Both stages by block scalings and two Toeplitz products, stripe by stripe.
    /// With u_m = w_m·α^−(m−1)·d_m for the known data m ≥ 1 and cs_q the column
    /// scale of check q (at index C_q, point a_q), the quadratic path's stage 1 is
    ///
    /// ```text
    /// v_q = cs_q · ( c_q ⊕ P(a_q)·Σ_m h(C_q − m)·u_m ⊕ P(a_q)·w_0·α^−(C_q−1)·d_0 )
    /// ```
    ///
    /// (the d_0 term when data block 0 is known), and its stage 2, for a lost
    /// L ≥ 1 with row scale rs, since 1/(a_q − x_L) = α^−(L−1)·h(C_q − L):
    ///
    /// ```text
    /// d_L = rs·α^−(L−1) · Σ_q h(C_q − L)·v_q        d_0 = rs_0 · Σ_q α^−(C_q−1)·v_q
    /// ```
    fn run_conv(&self, sp: &Spans, srcs: &[&[u8]], dsts: &mut [&mut [u8]], len: usize) {
        let code = self.code;
        let (k, field) = (code.k, code.field);
        // The buffers, and the products' scratch (about 3 × their smaller sides).
        let stripe = conv_stripe(len, sp.knowns + 5 * sp.checks + sp.losts);
        // Stage 1's inputs: the known data ≥ 1 in the span, scaled; the lost ones are
        // read from a block of zeros (scale 0).
        let mut uscale = vec![0u16; sp.knowns];
        for &m in self.present.iter().filter(|&&m| m >= 1) {
            uscale[m - sp.known] = code.alpha(i64::from(code.wlog[m]) - (m as i64 - 1));
        }
        let zero = vec![0u8; stripe];
        // Its outputs, scaled by P(a_q)·cs_q, are added to v; the slots of indices
        // that are not among the checks get 0 and stay zero.
        let mut zscale = vec![0u16; sp.checks];
        for (qi, &c) in self.checks.iter().enumerate() {
            zscale[c - sp.check] =
                code.alpha(self.col_scale[qi] as i64 + i64::from(code.plog[c - k]));
        }
        // Stage 2's outputs go straight to the lost blocks ≥ 1, scaled; the indices
        // in the span that are not lost go to scratch (scale 0).
        let mut yscale = vec![0u16; sp.losts];
        for (i, &l) in self.lost.iter().enumerate().filter(|&(_, &l)| l >= 1) {
            yscale[l - sp.lost] = code.alpha(self.row_scale[i] as i64 - (l as i64 - 1));
        }
        let mut v = vec![0u8; sp.checks * stripe];
        let mut scratch = vec![0u8; self.lost_gaps(sp) * stripe];
        let mut work = code.work.take();
        for start in (0..len).step_by(stripe) {
            let end = len.min(start + stripe);
            let width = end - start;
            let mut us: Vec<&[u8]> = vec![&zero[..width]; sp.knowns];
            for (&m, s) in self.present.iter().zip(srcs) {
                if m >= 1 {
                    us[m - sp.known] = &s[start..end];
                }
            }
            let mut vs = slots(&mut v, stripe, width);
            for (qi, &c) in self.checks.iter().enumerate() {
                let cs = self.col_scale[qi] as i64;
                let csp = cs + i64::from(code.plog[c - k]);
                let coeffs = [
                    code.alpha(cs),
                    code.alpha(csp + i64::from(code.wlog[0]) - (c as i64 - 1)),
                ];
                let zero_src: &[u8] = match sp.zero_known {
                    true => &srcs[0][start..end],
                    false => &[],
                };
                let inputs = [&dsts[qi][start..end], zero_src];
                let n = if sp.zero_known { 2 } else { 1 };
                combine(field, &coeffs[..n], &inputs[..n], vs[c - sp.check]);
            }
            let shift = sp.check as i64 - sp.known as i64;
            let scales = conv::Scales {
                input: Some(&uscale),
                output: Some(&zscale),
                sum: false,
            };
            conv::mul(
                field,
                |d| code.h(shift + d as i64),
                &us,
                &mut vs,
                scales,
                true,
                &mut work,
            );
            let vs: Vec<&[u8]> = vs.into_iter().map(|b| &*b).collect();
            let (zero_lost, rest) = self.split_zero(dsts);
            {
                let mut ys = self.lost_span(sp, rest, start..end, &mut scratch, stripe);
                let shift = sp.check as i64 - sp.lost as i64;
                let scales = conv::Scales {
                    input: None,
                    output: Some(&yscale),
                    sum: false,
                };
                conv::mul(
                    field,
                    |d| code.h(shift - d as i64),
                    &vs,
                    &mut ys,
                    scales,
                    false,
                    &mut work,
                );
            }
            if let Some(dst) = zero_lost {
                let rs = self.row_scale[0] as i64;
                let coeffs: Vec<u16> = self
                    .checks
                    .iter()
                    .map(|&c| code.alpha(rs - (c as i64 - 1)))
                    .collect();
                let inputs: Vec<&[u8]> = self.checks.iter().map(|&c| vs[c - sp.check]).collect();
                combine(field, &coeffs, &inputs, &mut dst[start..end]);
            }
        }
        code.work.put(work);
    }

    /// Places in the span of the lost blocks ≥ 1 that hold no lost block.
    fn lost_gaps(&self, sp: &Spans) -> usize {
        sp.losts - self.lost.iter().filter(|&&l| l >= 1).count()
    }

    /// The outputs (one per lost block, in order) as data block 0's, if it is lost,
    /// and the others.
    fn split_zero<'a, 'b>(
        &self,
        dsts: &'a mut [&'b mut [u8]],
    ) -> (Option<&'a mut &'b mut [u8]>, &'a mut [&'b mut [u8]]) {
        match self.lost.first() {
            Some(0) => {
                let (first, rest) = dsts.split_at_mut(1);
                (first.first_mut(), rest)
            }
            _ => (None, dsts),
        }
    }

    /// Bytes `range` of the outputs over the span of the lost blocks ≥ 1: those of
    /// `rest` (the lost blocks ≥ 1, in order), and [`Solver::lost_gaps`] slots of
    /// `scratch` (`stride` bytes apart) for the places in between.
    fn lost_span<'a>(
        &self,
        sp: &Spans,
        rest: &'a mut [&mut [u8]],
        range: std::ops::Range<usize>,
        scratch: &'a mut [u8],
        stride: usize,
    ) -> Vec<&'a mut [u8]> {
        let width = range.len();
        let given = (self.lost.iter().filter(|&&l| l >= 1))
            .zip(rest.iter_mut())
            .map(|(&l, dst)| (l - sp.lost, &mut dst[range.clone()]));
        fill_gaps(sp.losts, given, scratch, stride, width)
    }

    /// The lost data by one Toeplitz product from all received blocks ([`Interp`]),
    /// stripe by stripe. The checks are copied out first: their buffers receive lost
    /// data.
    fn run_interp(&self, sp: &Spans, srcs: &[&[u8]], dsts: &mut [&mut [u8]], len: usize) {
        let (code, e) = (self.code, self.e());
        let field = code.field;
        let it = self.interp.get_or_init(|| Interp::new(self, sp));
        let stripe = conv_stripe(len, sp.receiveds + e + sp.losts);
        let zero = vec![0u8; stripe];
        let mut v = vec![0u8; e * stripe];
        let mut scratch = vec![0u8; self.lost_gaps(sp) * stripe];
        let mut work = code.work.take();
        for start in (0..len).step_by(stripe) {
            let end = len.min(start + stripe);
            let width = end - start;
            let mut vs = slots(&mut v, stripe, width);
            for (c, d) in vs.iter_mut().zip(dsts.iter()) {
                c.copy_from_slice(&d[start..end]);
            }
            let known = (self.present.iter().zip(srcs))
                .filter(|(&m, _)| m >= 1)
                .map(|(_, s)| &s[start..end]);
            let recv: Vec<&[u8]> = known.chain(vs.iter().map(|c| &**c)).collect();
            let mut us: Vec<&[u8]> = vec![&zero[..width]; sp.receiveds];
            for (&r, &block) in it.received.iter().zip(&recv) {
                us[r - sp.known] = block;
            }
            let (zero_lost, rest) = self.split_zero(dsts);
            let mut ys = self.lost_span(sp, rest, start..end, &mut scratch, stripe);
            // Data block 0, lost, is the sum's output.
            let sum = match zero_lost {
                Some(dst) => {
                    ys.push(&mut dst[start..end]);
                    true
                }
                None => false,
            };
            let shift = sp.lost as i64 - sp.known as i64;
            let scales = conv::Scales {
                input: Some(&it.input),
                output: Some(&it.output),
                sum,
            };
            conv::mul(
                field,
                |d| code.h(shift + d as i64),
                &us,
                &mut ys,
                scales,
                false,
                &mut work,
            );
            if self.present.first() == Some(&0) {
                let mut outs: Vec<&mut [u8]> =
                    rest.iter_mut().map(|d| &mut d[start..end]).collect();
                kernels::dot(
                    field,
                    &it.from_zero,
                    &[&srcs[0][start..end]],
                    &mut outs,
                    true,
                );
            }
        }
        code.work.put(work);
    }

    /// Runs both stages stripe by stripe; extra memory is e × stripe bytes.
    fn run_quadratic(&self, srcs: &[&[u8]], dsts: &mut [&mut [u8]], len: usize) {
        let e = self.e();
        let field = self.code.field;
        let m = self.present.len();
        let cache = |rows: usize, cols: usize, fill: &dyn Fn(usize, &mut [u16])| {
            (rows * cols <= MAX_CACHED_COEFFS).then(|| {
                let mut v = vec![0u16; rows * cols];
                for (r, row) in v.chunks_mut(cols.max(1)).enumerate() {
                    fill(r, row);
                }
                v
            })
        };
        let stage1 = cache(e, m, &|r, row| self.fill_stage1(r, row));
        let stage2 = cache(e, e, &|r, row| self.fill_stage2(r, row));
        let stripe = ((1 << 20) / e).clamp(1024, 64 * 1024) / KERNEL_STEP * KERNEL_STEP;
        let mut temp = vec![0u8; e * stripe.min(len)];
        let mut start = 0;
        while start < len {
            let end = len.min(start + stripe);
            let width = end - start;
            let mut d: Vec<&mut [u8]> = dsts.iter_mut().map(|d| &mut d[start..end]).collect();
            if m > 0 {
                let s: Vec<&[u8]> = srcs.iter().map(|s| &s[start..end]).collect();
                self.apply(
                    field,
                    stage1.as_deref(),
                    m,
                    &|r, row| self.fill_stage1(r, row),
                    &s,
                    &mut d,
                    true,
                );
            }
            let mut t: Vec<&mut [u8]> = temp.chunks_mut(width).take(e).collect();
            for (t, d) in t.iter_mut().zip(d.iter()) {
                t.copy_from_slice(d);
            }
            let t: Vec<&[u8]> = t.into_iter().map(|t| &*t).collect();
            self.apply(
                field,
                stage2.as_deref(),
                e,
                &|r, row| self.fill_stage2(r, row),
                &t,
                &mut d,
                false,
            );
            start = end;
        }
    }

    /// `dsts = [dsts ⊕] rows · srcs`, from cached rows or rows made batch by batch.
    #[allow(clippy::too_many_arguments)]
    fn apply(
        &self,
        field: Field,
        cached: Option<&[u16]>,
        cols: usize,
        fill: &dyn Fn(usize, &mut [u16]),
        srcs: &[&[u8]],
        dsts: &mut [&mut [u8]],
        add: bool,
    ) {
        if let Some(c) = cached {
            kernels::dot(field, c, srcs, dsts, add);
            return;
        }
        let batch = (MAX_CACHED_COEFFS / cols).max(1);
        let mut coeffs = vec![0u16; batch * cols];
        for (b, chunk) in dsts.chunks_mut(batch).enumerate() {
            let coeffs = &mut coeffs[..chunk.len() * cols];
            for (r, row) in coeffs.chunks_mut(cols).enumerate() {
                fill(b * batch + r, row);
            }
            kernels::dot(field, coeffs, srcs, chunk, add);
        }
    }
}

/// Where a decode's convolutions run: the first index and the length of the range of
/// the checks, of the known data ≥ 1 and of the lost data ≥ 1.
struct Spans {
    /// The received blocks ≥ 1 (known data and checks, from `known`: checks come
    /// after all data) for [`Solver::run_interp`].
    receiveds: usize,
    k: usize,
    field: Field,
    check: usize,
    checks: usize,
    known: usize,
    knowns: usize,
    lost: usize,
    losts: usize,
    e: usize,
    zero_known: bool,
}

impl Spans {
    /// Estimated block multiply-adds of [`Solver::run_conv`].
    fn cost(&self) -> f64 {
        conv::cost(self.field, self.checks, self.knowns)
            + conv::cost(self.field, self.losts, self.checks)
            + (self.knowns + 4 * self.e) as f64
    }

    /// Estimated block multiply-adds of [`Solver::run_interp`] on blocks of
    /// `symbols` symbols, with its setup: the log sums over all k received points
    /// (O(k²) directly, or a convolution costing about as much as at
    /// [`CONVOLVE_FROM_E`]), each sum term weighed as [`SCALAR_WEIGHT`] symbols of a
    /// block multiply-add. Infinite where the sums would overflow (k > 2^15 in
    /// GF(2^16)).
    fn interp_cost(&self, symbols: usize) -> f64 {
        let q = self.field.size() as u64 - 1;
        if (self.k as u64) * (q - 1) >= 1 << 31 {
            return f64::INFINITY;
        }
        let (k, e) = (self.k as f64, self.e as f64);
        let terms = match self.k.max(self.e) >= CONVOLVE_FROM_E {
            true => (CONVOLVE_FROM_E as f64).powi(2),
            false => k * e + (k * k + e * e) / 2.0,
        };
        conv::cost(self.field, self.losts, self.receiveds)
            + k
            + 2.0 * e
            + terms * SCALAR_WEIGHT / symbols.max(1) as f64
    }
}

/// The scales of the one-product decode ([`Solver::run_interp`]): the lost data are
/// the values at their points of the polynomial through all k received blocks
/// (Lagrange, with W = Π_{r received} (x − x_r)):
///
/// ```text
/// d_L = W(x_L) · Σ_r c_r / (W'(x_r)·(x_L − x_r)),   1/(x_L − x_r) = α^−(r−1)·h(L − r)
/// ```
///
/// one Toeplitz product from the received blocks ≥ 1 to the lost ones ≥ 1, with
/// input scales α^−(r−1)/W'(x_r) and output scales W(x_L); a received data block 0
/// (x_0 = 0) adds W(x_L)/(W'(0)·x_L)·d_0 to each, and a lost one is
/// W(0)·Σ_r c_r/(W'(x_r)·x_r): W(0) times the sum of the scaled inputs, which the
/// product gives as well ([`conv::Scales::sum`]).
struct Interp {
    /// The received indices ≥ 1: the known data, then the checks.
    received: Vec<usize>,
    /// Per place from the span's first received index: the input scale, 0 where
    /// nothing is received.
    input: Vec<u16>,
    /// Per place from the first lost index ≥ 1: W(x_L), 0 where nothing is lost;
    /// then W(0) if data block 0 is lost.
    output: Vec<u16>,
    /// With data block 0 received: its coefficient in each lost block (lost order).
    from_zero: Vec<u16>,
}

impl Interp {
    fn new(s: &Solver, sp: &Spans) -> Interp {
        let code = s.code;
        let received: Vec<usize> = (s.present.iter().copied().filter(|&m| m >= 1))
            .chain(s.checks.iter().copied())
            .collect();
        let a: Vec<u16> = received.iter().map(|&r| code.point(r)).collect();
        let LogSums { a_of_b, da, .. } = LogSums::new(&code.t, &a, &s.b);
        let log = |l: u64| l as i64;
        // log W'(x_r) and log W(x_L) gain log x when x_0 = 0 is among the received.
        let zero_in = s.present.first() == Some(&0);
        let z = i64::from(zero_in);
        let sum: i64 = received.iter().map(|&r| r as i64 - 1).sum();
        let mut input = vec![0u16; sp.receiveds];
        for (j, &r) in received.iter().enumerate() {
            let x = r as i64 - 1;
            input[r - sp.known] = code.alpha(-x - log(da[j]) - z * x);
        }
        let mut output = vec![0u16; sp.losts];
        for (i, &l) in s.lost.iter().enumerate().filter(|&(_, &l)| l >= 1) {
            output[l - sp.lost] = code.alpha(log(a_of_b[i]) + z * (l as i64 - 1));
        }
        let from_zero = match zero_in {
            true => a_of_b.iter().map(|&w| code.alpha(log(w) - sum)).collect(),
            false => Vec::new(),
        };
        if s.lost.first() == Some(&0) {
            output.push(code.alpha(log(a_of_b[0])));
        }
        Interp {
            received,
            input,
            output,
            from_zero,
        }
    }
}

/// A term of the log sums (a table lookup and an add) costs about as much as this many
/// symbols of a block multiply-add by the kernels (estimated, as the FFT's
/// preparation is).
const SCALAR_WEIGHT: f64 = 10.0;

/// Number of lost blocks from which [`LogSums::new`] convolves instead of summing
/// directly. Measured in GF(2^16) (release, x86-64): the direct sums take about
/// 1.6 ns·e² (10 ms at e = 2560, 15 ms at e = 3072), the convolution a flat 12 ms
/// (three NTTs of length 2^17), so they break even near e = 2800. GF(2^8) never
/// gets here (e ≤ 128, where the direct sums take 26 µs).
const CONVOLVE_FROM_E: usize = 2800;

/// A run and point of [`LogSums::by_runs`] costs about as much as this many terms
/// of the direct sums. Measured in GF(2^16) (release, Zen 1): about 3 ns against
/// 0.8 ns (e = 4000 lost in 500 bursts: 12 ms, as the convolution).
const RUN_WEIGHT: usize = 4;

/// How [`LogSums::new`] makes the sums.
#[derive(Debug, PartialEq)]
enum Way {
    Direct,
    Convolution,
    Runs,
}

impl Way {
    /// The cheapest for sets of `la` and `lb` points with `runs` runs in all, in
    /// terms of the direct sums.
    fn of(la: usize, lb: usize, runs: usize) -> Way {
        let (big, direct) = (
            la.max(lb) >= CONVOLVE_FROM_E,
            la * lb + (la * la + lb * lb) / 2,
        );
        let other = match big {
            true => 2 * CONVOLVE_FROM_E * CONVOLVE_FROM_E,
            false => direct,
        };
        match (RUN_WEIGHT * runs * (la + lb) < other, big) {
            (true, _) => Way::Runs,
            (false, true) => Way::Convolution,
            (false, false) => Way::Direct,
        }
    }
}

/// The exponents of the points a (all nonzero) and b (`None` for 0).
fn exponents(t: &Tables, a: &[u16], b: &[u16]) -> (Vec<usize>, Vec<Option<usize>>) {
    let s = a.iter().map(|&x| t.log(x) as usize).collect();
    let tb = b
        .iter()
        .map(|&x| (x != 0).then(|| t.log(x) as usize))
        .collect();
    (s, tb)
}

/// Maximal runs r0..r1 of consecutive values.
type Runs = Vec<(usize, usize)>;

/// The runs of the exponents [`exponents`] gives.
fn both_runs(s: &[usize], tb: &[Option<usize>]) -> (Runs, Runs) {
    let t: Vec<usize> = tb.iter().flatten().copied().collect();
    (runs(s), runs(&t))
}

/// The runs of `v` (distinct values).
fn runs(v: &[usize]) -> Runs {
    let mut v = v.to_vec();
    v.sort_unstable();
    let mut out: Runs = Vec::new();
    for x in v {
        match out.last_mut() {
            Some(r) if r.1 == x => r.1 += 1,
            _ => out.push((x, x + 1)),
        }
    }
    out
}

/// The four log-domain sums behind the scales of M⁻¹ (see [`Solver`]), for check
/// points a (all nonzero) and as many lost data points b, each reduced mod q; also
/// those of an interpolation through all received points a (nonzero) onto the
/// lost points b ([`Interp`]), sets of different sizes.
#[derive(Debug, PartialEq, Eq)]
struct LogSums {
    /// log A(b_i) = Σ_q log(b_i − a_q).
    a_of_b: Vec<u64>,
    /// log B(a_q) = Σ_i log(a_q − b_i).
    b_of_a: Vec<u64>,
    /// log A'(a_q) = Σ_{q'≠q} log(a_q − a_q').
    da: Vec<u64>,
    /// log B'(b_i) = Σ_{i'≠i} log(b_i − b_i').
    db: Vec<u64>,
}

impl LogSums {
    /// The sums, directly for small sets and by convolution for large ones, or
    /// from the runs of consecutive points where the sets have few of them (a
    /// burst of lost blocks, a range of checks).
    fn new(t: &Tables, a: &[u16], b: &[u16]) -> LogSums {
        let (s, tb) = exponents(t, a, b);
        let runs = both_runs(&s, &tb);
        match Way::of(a.len(), b.len(), runs.0.len() + runs.1.len()) {
            Way::Runs => LogSums::by_runs(t, &s, &tb, runs),
            Way::Convolution => LogSums::by_convolution(t, &s, &tb),
            Way::Direct => LogSums::direct(t, a, b),
        }
    }

    /// Every difference, one by one: O(e²).
    fn direct(t: &Tables, a: &[u16], b: &[u16]) -> LogSums {
        let q = u64::from(t.q);
        let log_diff = |x: u16, y: u16| u64::from(t.log(x ^ y));
        // Each term < q, at most 2^16 terms: no overflow before the final reduction.
        let mut a_of_b = vec![0u64; b.len()];
        let mut b_of_a = vec![0u64; a.len()];
        for (qi, &aq) in a.iter().enumerate() {
            for (i, &bi) in b.iter().enumerate() {
                let l = log_diff(aq, bi);
                a_of_b[i] += l;
                b_of_a[qi] += l;
            }
        }
        let mut da = vec![0u64; a.len()];
        let mut db = vec![0u64; b.len()];
        for (pts, acc) in [(a, &mut da), (b, &mut db)] {
            for i in 0..pts.len() {
                for j in i + 1..pts.len() {
                    let l = log_diff(pts[i], pts[j]);
                    acc[i] += l;
                    acc[j] += l;
                }
            }
        }
        for v in [&mut a_of_b, &mut b_of_a, &mut da, &mut db] {
            v.iter_mut().for_each(|x| *x %= q);
        }
        LogSums {
            a_of_b,
            b_of_a,
            da,
            db,
        }
    }

    /// Through Zech logarithms: O(e + q log q).
    ///
    /// For distinct nonzero points, log(α^s + α^t) = t + Z(s − t) with
    /// Z(u) = log(1 + α^u) (u mod q; set Z(0) = 0 so a point's own term vanishes).
    /// So for a set X of exponents, Σ_{y∈X} log(α^x + α^y) = Σ_{y∈X} y + C_X(x) with
    /// C_X = Z ∗ 1_X the cyclic convolution of length q. With S the exponents of a,
    /// T those of the nonzero b, and [0 ∈ b] the lost point x_0 = 0 (log(α^s − 0) = s):
    ///
    /// ```text
    /// log A(α^t)  = ΣS + C_S(t)                  log A(0)  = ΣS
    /// log B(α^s)  = ΣT + C_T(s) + [0 ∈ b]·s
    /// log A'(α^s) = ΣS − s + C_S(s)
    /// log B'(α^t) = ΣT − t + C_T(t) + [0 ∈ b]·t  log B'(0) = ΣT
    /// ```
    ///
    /// C_S and C_T come from one exact convolution of Z with 1_S + 2^31·1_T: both are
    /// below |set|·(q − 1) < 2^31 (at most 2^15 points in GF(2^16)), so the packed values stay
    /// below 2^62 and split apart again.
    /// The sequence Z (Z(0) = 0) of `t`'s field, transformed once per process for
    /// convolutions with indicators of length q (about 1 MiB each in GF(2^16)).
    fn zech(t: &Tables) -> &'static crate::ntt::Fixed {
        static FIXED: [OnceLock<crate::ntt::Fixed>; 2] = [OnceLock::new(), OnceLock::new()];
        FIXED[usize::from(t.q > 255)].get_or_init(|| {
            let qn = t.q as usize;
            let zech: Vec<u64> = (0..qn)
                .map(|u| match u {
                    0 => 0,
                    _ => u64::from(t.zech(u)),
                })
                .collect();
            crate::ntt::Fixed::new(&zech, qn)
        })
    }

    fn by_convolution(t: &Tables, s: &[usize], tb: &[Option<usize>]) -> LogSums {
        const SHIFT: u32 = 31;
        let qn = t.q as usize;
        let q = u64::from(t.q);
        assert!(
            (s.len().max(tb.len()) as u64) * (q - 1) < 1 << SHIFT,
            "packed convolution would overflow"
        );
        let mut ind = vec![0u64; qn];
        for &x in s {
            ind[x] += 1;
        }
        for &x in tb.iter().flatten() {
            ind[x] += 1 << SHIFT;
        }
        let lin = LogSums::zech(t).convolve(&ind);
        // Cyclic from linear: index x collects x and x + q.
        let c = |x: usize| lin[x] + lin.get(x + qn).copied().unwrap_or(0);
        LogSums::from_cyclic(t, s, tb, |x| c(x) & ((1 << SHIFT) - 1), |x| c(x) >> SHIFT)
    }

    /// C_S and C_T as sums over runs of consecutive exponents: a run r0..r1 of S
    /// adds Σ_{s=r0}^{r1−1} Z(x − s), a cyclic interval of Z, so a difference of
    /// two prefix sums of Z. O(runs · points), exact, no transform.
    fn by_runs(t: &Tables, s: &[usize], tb: &[Option<usize>], (rs, rt): (Runs, Runs)) -> LogSums {
        let qn = t.q as usize;
        let w = LogSums::zech_prefix(t);
        let sum = |runs: &[(usize, usize)], x: usize| -> u64 {
            runs.iter()
                .map(|&(r0, r1)| {
                    // u from x − (r1 − 1) to x − r0, mod q: r1 − r0 ≤ q terms
                    // (x, r1 − 1 < q).
                    let lo = x + qn - (r1 - 1);
                    let lo = if lo >= qn { lo - qn } else { lo };
                    match lo + (r1 - r0) <= qn {
                        true => w[lo + r1 - r0] - w[lo],
                        false => w[qn] - w[lo] + w[lo + r1 - r0 - qn],
                    }
                })
                .sum()
        };
        LogSums::from_cyclic(t, s, tb, |x| sum(&rs, x), |x| sum(&rt, x))
    }

    /// W(m) = Σ_{u<m} Z(u) for m ≤ q (Z(0) = 0) of `t`'s field, made once per
    /// process (512 KiB in GF(2^16)).
    fn zech_prefix(t: &Tables) -> &'static [u64] {
        static PREFIX: [OnceLock<Vec<u64>>; 2] = [OnceLock::new(), OnceLock::new()];
        PREFIX[usize::from(t.q > 255)].get_or_init(|| {
            let mut w = vec![0u64; t.q as usize + 1];
            for u in 1..t.q as usize {
                w[u + 1] = w[u] + u64::from(t.zech(u));
            }
            w
        })
    }

    /// The sums from C_S(x) and C_T(x), for S the exponents `s` of a and T those of
    /// the nonzero b (`None` for the point 0), see [`LogSums::zech`].
    fn from_cyclic(
        t: &Tables,
        s: &[usize],
        tb: &[Option<usize>],
        c_s: impl Fn(usize) -> u64,
        c_t: impl Fn(usize) -> u64,
    ) -> LogSums {
        let q = u64::from(t.q);
        let zero_lost = tb.contains(&None);
        let sum_s: u64 = s.iter().map(|&x| x as u64).sum();
        let sum_t: u64 = tb.iter().flatten().map(|&x| x as u64).sum();
        let zero = u64::from(zero_lost);

        let a_of_b = tb
            .iter()
            .map(|&ti| (sum_s + ti.map_or(0, &c_s)) % q)
            .collect();
        let b_of_a = s
            .iter()
            .map(|&sq| (sum_t + c_t(sq) + zero * sq as u64) % q)
            .collect();
        let da = s
            .iter()
            .map(|&sq| (sum_s - sq as u64 + c_s(sq)) % q)
            .collect();
        let db = tb
            .iter()
            .map(|&ti| match ti {
                Some(ti) => (sum_t - ti as u64 + c_t(ti) + zero * ti as u64) % q,
                None => sum_t % q,
            })
            .collect();
        LogSums {
            a_of_b,
            b_of_a,
            da,
            db,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// w_j and P(x_i) computed the slow, obvious way.
    #[test]
    fn weights_and_p_match_direct_products() {
        for (k, n, field) in [
            (1, 3, Field::Gf8),
            (2, 2, Field::Gf8),
            (3, 5, Field::Gf8),
            (10, 14, Field::Gf8),
            (200, 256, Field::Gf8),
            (256, 256, Field::Gf8),
            (7, 300, Field::Gf16),
            (300, 700, Field::Gf16),
            // Every point of the field: the sums run up to q − 1.
            (3, 65536, Field::Gf16),
        ]
        .into_iter()
        .filter(|&(k, n, _)| !cfg!(miri) || k * n < 5000)
        {
            let code = Code::with_field(k, n, field).unwrap();
            let t = field.tables();
            // Logs reduced: below q.
            assert!(code.wlog.iter().chain(&code.plog).all(|&l| l < t.q));
            for j in 0..k {
                let mut d = 1;
                for m in (0..k).filter(|&m| m != j) {
                    d = t.mul(d, field.point(j) ^ field.point(m));
                }
                let w = field.inv(d).unwrap();
                assert_eq!(t.exp(u64::from(code.wlog[j])), w, "w_{j} k={k} n={n}");
            }
            for i in k..n {
                let mut p = 1;
                for m in 0..k {
                    p = t.mul(p, field.point(i) ^ field.point(m));
                }
                assert_eq!(t.exp(u64::from(code.plog[i - k])), p, "P(x_{i}) k={k}");
            }
        }
    }

    /// The configs of ../shared/BENCH.md where the quadratic kernels are at their best
    /// (A–C, E) stay on the quadratic path; D, F and G convolve.
    #[test]
    fn cost_model_choices() {
        for (k, n, len, conv) in [
            (10, 14, 1 << 20, false),
            (32, 40, 64 << 10, false),
            (200, 255, 16 << 10, true),
            (1000, 1500, 64 << 10, true),
            // GF(2^16), few checks from many blocks (measured 3.3× and 2.5× faster).
            (1000, 1010, 64 << 10, true),
            (300, 310, 64 << 10, true),
            // Fewer still: by the size of the data (measured, see LARGE_INPUT).
            (1000, 1004, 64 << 10, true),
            (2000, 2004, 16 << 10, true),
            (1000, 1004, 16 << 10, false),
            (250, 254, 64 << 10, false),
        ] {
            let field = Field::for_blocks(n);
            let (q, c) = encode_costs(field, k, k, n - 1, n - k, len);
            assert_eq!(
                cheaper_to_convolve(field, q, c),
                conv,
                "encode {k}+{} of {len} bytes",
                n - k
            );
        }
        let decode = |k: usize, n: usize, lost: &[usize]| {
            let code = Code::new(k, n).unwrap();
            let mut idx: Vec<usize> = (0..k).collect();
            for (i, &l) in lost.iter().enumerate() {
                idx[l] = k + i;
            }
            let d = code.decoder(&idx).unwrap();
            let s = &d.solver;
            cheaper_to_convolve(code.field, s.quadratic_cost(), s.spans().unwrap().cost())
        };
        assert!(!decode(10, 14, &[1, 3, 5, 7]), "E");
        // Solving these takes hours under Miri (e² log sums, interpreted).
        if !cfg!(miri) {
            assert!(decode(1000, 1500, &(0..500).collect::<Vec<_>>()), "F-dec");
            assert!(decode(32768, 65535, &(0..16384).collect::<Vec<_>>()), "G");
        }
    }

    #[test]
    fn spec_small_check() {
        let code = Code::new(3, 5).unwrap();
        let data = [b"1".repeat(70), b"2".repeat(70), b"3".repeat(70)];
        let refs: Vec<&[u8]> = data.iter().map(|d| d.as_slice()).collect();
        let mut b3 = vec![0; 70];
        let mut b4 = vec![0; 70];
        code.encode_many(&refs, &[3, 4], &mut [&mut b3, &mut b4])
            .unwrap();
        assert_eq!(b3, b"%".repeat(70));
        assert_eq!(b4, b"Y".repeat(70));
    }
}

#[cfg(test)]
mod solver_tests {
    use super::*;

    /// The three decodes (quadratic, two products, one interpolation) give the data
    /// back on random codes of both fields: data block 0 lost or received, lost
    /// blocks and checks scattered (gaps in every span), blocks with a tail the
    /// kernels leave to field tables, and a code big enough that the interpolation's
    /// sums over all received points are convolved.
    #[test]
    fn every_decode_gives_the_data_back() {
        let mut rng = crate::test_rng::Rng(0x5DEE_CE66_D1CE_5EED);
        let cases: &[(usize, usize, usize)] = match cfg!(miri) {
            // Interpreted: small codes only.
            true => &[(3, 5, 1), (5, 9, 4)],
            false => &[
                (3, 5, 1),
                (5, 9, 4),
                (20, 40, 13),
                (100, 255, 80),
                (300, 700, 120),
                (3000, 3500, 40),
            ],
        };
        for &(k, n, e) in cases {
            let code = Code::new(k, n).unwrap();
            let len = 2 * KERNEL_STEP + 2;
            let data: Vec<Vec<u8>> = (0..k).map(|_| rng.bytes(len)).collect();
            let refs: Vec<&[u8]> = data.iter().map(|d| d.as_slice()).collect();
            let mut checks: Vec<Vec<u8>> = (k..n).map(|_| vec![0; len]).collect();
            let mut outs: Vec<&mut [u8]> = checks.iter_mut().map(|c| c.as_mut_slice()).collect();
            let all: Vec<usize> = (k..n).collect();
            code.encode_many(&refs, &all, &mut outs).unwrap();
            for zero in [true, false] {
                let mut order: Vec<usize> = (1..k).collect();
                rng.shuffle(&mut order);
                let mut lost: Vec<usize> = order[..e - usize::from(zero)].to_vec();
                lost.extend(zero.then_some(0));
                lost.sort_unstable();
                let present: Vec<usize> = (0..k).filter(|p| !lost.contains(p)).collect();
                let mut pick = all.clone();
                rng.shuffle(&mut pick);
                let used = &pick[..e];
                let s = Solver::new(&code, &present, &lost, used);
                let srcs: Vec<&[u8]> = present.iter().map(|&p| refs[p]).collect();
                let Some(spans) = s.spans() else {
                    continue;
                };
                for way in 0..3 {
                    let mut blocks: Vec<Vec<u8>> =
                        used.iter().map(|&c| checks[c - k].clone()).collect();
                    let mut dsts: Vec<&mut [u8]> =
                        blocks.iter_mut().map(|b| b.as_mut_slice()).collect();
                    match way {
                        0 => s.run_quadratic(&srcs, &mut dsts, len),
                        1 => s.run_conv(&spans, &srcs, &mut dsts, len),
                        _ => s.run_interp(&spans, &srcs, &mut dsts, len),
                    }
                    for (b, &l) in blocks.iter().zip(&lost) {
                        assert!(b == &data[l], "k={k} n={n} lost {l} way {way}");
                    }
                }
            }
        }
    }

    #[test]
    fn inverse_times_matrix_is_identity() {
        for (k, n, lost, checks) in [
            (3usize, 5usize, vec![0usize, 1], vec![3usize, 4]),
            (3, 5, vec![0, 2], vec![4, 3]),
            (3, 5, vec![1, 2], vec![3, 4]),
            (5, 9, vec![1, 3, 4], vec![8, 5, 6]),
        ] {
            let code = Code::new(k, n).unwrap();
            let present: Vec<usize> = (0..k).filter(|p| !lost.contains(p)).collect();
            let s = Solver::new(&code, &present, &lost, &checks);
            let e = lost.len();
            let t = code.t;
            for i in 0..e {
                let mut inv_row = vec![0u16; e];
                s.fill_stage2(i, &mut inv_row);
                for j in 0..e {
                    // (M⁻¹ M)[i][j] = Σ_q M⁻¹[i][q] · L_{lost j}(x_{check q})
                    let mut acc = 0;
                    for q in 0..e {
                        let mut row = vec![0u16; 1];
                        code.fill_row(checks[q], &[lost[j]], &mut row);
                        acc ^= t.mul(inv_row[q], row[0]);
                    }
                    assert_eq!(acc, u16::from(i == j), "k={k} lost={lost:?} i={i} j={j}");
                }
            }
        }
    }
}

#[cfg(test)]
mod log_sums_tests {
    use super::*;

    /// xorshift64*: deterministic test data without a dependency.
    fn rng(seed: u64) -> impl FnMut(usize) -> usize {
        let mut x = seed | 1;
        move |below| {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 32) as usize % below
        }
    }

    /// e check points and e lost data points, distinct; b holds x_0 = 0 if asked.
    fn points(
        field: Field,
        e: usize,
        zero: bool,
        r: &mut impl FnMut(usize) -> usize,
    ) -> (Vec<u16>, Vec<u16>) {
        let mut idx: Vec<usize> = (1..field.size()).collect();
        for i in 0..2 * e {
            let j = i + r(idx.len() - i);
            idx.swap(i, j);
        }
        let a = idx[..e].iter().map(|&i| field.point(i)).collect();
        let mut b: Vec<u16> = idx[e..2 * e].iter().map(|&i| field.point(i)).collect();
        if zero {
            let at = r(e);
            b[at] = 0;
        }
        (a, b)
    }

    /// The sums by all three ways, which must agree.
    fn three_ways(field: Field, a: &[u16], b: &[u16], what: &str) {
        let t = field.tables();
        let direct = LogSums::direct(&t, a, b);
        let (s, tb) = exponents(&t, a, b);
        let runs = both_runs(&s, &tb);
        assert_eq!(
            direct,
            LogSums::by_convolution(&t, &s, &tb),
            "{field:?} {what}"
        );
        assert_eq!(
            direct,
            LogSums::by_runs(&t, &s, &tb, runs),
            "{field:?} {what}"
        );
    }

    #[test]
    #[cfg_attr(miri, ignore = "too slow under Miri (NTT of 2^17 points / e = 2800)")]
    fn direct_convolution_and_runs_agree() {
        let mut r = rng(42);
        for (field, es) in [
            (Field::Gf8, &[1usize, 2, 3, 17, 64, 100, 127][..]),
            (Field::Gf16, &[1, 2, 5, 300, 1000][..]),
        ] {
            for &e in es {
                for zero in [false, true] {
                    let (a, b) = points(field, e, zero, &mut r);
                    three_ways(field, &a, &b, &format!("e={e} zero={zero}"));
                }
            }
        }
        // The ends of the exponent range (x_1 = α^0, x_65535 = α^(q−1)) and the largest
        // possible e in GF(2^8), checks next to the lost points: runs that touch
        // the ends, and intervals of Z that wrap around.
        let f = Field::Gf16;
        let a: Vec<u16> = (65535 - 40..65536).map(|i| f.point(i)).collect();
        let b: Vec<u16> = (0..41).map(|i| f.point(i)).collect();
        three_ways(f, &a, &b, "ends");
        let f = Field::Gf8;
        let a: Vec<u16> = (128..256).map(|i| f.point(i)).collect();
        let b: Vec<u16> = (0..128).map(|i| f.point(i)).collect();
        three_ways(f, &a, &b, "e = 128");
        // Bursts: a few runs of lost points among the data, the checks in runs
        // too, with and without the point 0.
        let f = Field::Gf16;
        let a: Vec<u16> = (40000..40300)
            .chain(50000..50100)
            .map(|i| f.point(i))
            .collect();
        for first in [0, 1] {
            let b: Vec<u16> = (first..first + 200)
                .chain(7000..7150)
                .chain(65400..65450)
                .map(|i| f.point(i))
                .collect();
            three_ways(f, &a, &b, &format!("bursts from {first}"));
        }
    }

    /// Few runs take the runs' way, scattered points the others (which
    /// [`direct_convolution_and_runs_agree`] holds to the same answers).
    #[test]
    fn runs_are_taken_for_bursts_only() {
        let f = Field::Gf16;
        let t = f.tables();
        let burst: Vec<u16> = (1..3001).map(|i| f.point(i)).collect();
        let checks: Vec<u16> = (40000..43000).map(|i| f.point(i)).collect();
        let scattered: Vec<u16> = (1..3001).map(|i| f.point(7 * i)).collect();
        let count = |a: &[u16], b: &[u16]| {
            let (s, tb) = exponents(&t, a, b);
            let (rs, rt) = both_runs(&s, &tb);
            rs.len() + rt.len()
        };
        assert_eq!(count(&checks, &burst), 2);
        assert_eq!(count(&checks, &scattered), 3001);
        assert_eq!(Way::of(3000, 3000, 2), Way::Runs);
        assert_eq!(Way::of(3000, 3000, 3001), Way::Convolution);
        assert_eq!(Way::of(16384, 16384, 2), Way::Runs);
        assert_eq!(Way::of(100, 100, 2), Way::Runs);
        assert_eq!(Way::of(100, 100, 101), Way::Direct);
        assert_eq!(runs(&[5, 3, 4, 9, 0, 10]), [(0, 1), (3, 6), (9, 11)]);
    }

    /// Spot rows of M⁻¹·M at an e that takes the convolution path.
    #[test]
    #[cfg_attr(miri, ignore = "too slow under Miri (NTT of 2^17 points / e = 2800)")]
    fn inverse_is_exact_on_the_convolution_path() {
        let e = CONVOLVE_FROM_E;
        let (k, n) = (2 * e + 3, 65536);
        let code = Code::new(k, n).unwrap();
        // Data 0 (the point 0) and every other block lost; checks from both ends.
        let lost: Vec<usize> = (0..k).filter(|p| p % 2 == 0).take(e).collect();
        let present: Vec<usize> = (0..k).filter(|p| !lost.contains(p)).collect();
        let checks: Vec<usize> = (k..k + e / 2).chain(n - e / 2..n).collect();
        let s = Solver::new(&code, &present, &lost, &checks);
        let t = code.t;
        for i in [0, 1, e / 2, e - 1] {
            let mut inv_row = vec![0u16; e];
            s.fill_stage2(i, &mut inv_row);
            for j in [0, 1, i, e / 2 + 1, e - 1] {
                let mut acc = 0;
                for qi in 0..e {
                    let mut row = [0u16; 1];
                    code.fill_row(checks[qi], &[lost[j]], &mut row);
                    acc ^= t.mul(inv_row[qi], row[0]);
                }
                assert_eq!(acc, u16::from(i == j), "i={i} j={j}");
            }
        }
    }

    /// A whole decode through the public API at an e on the convolution path, with data
    /// block 0 (the point 0) lost and checks up to the last point α^(q−1).
    ///
    /// To stay quick in debug builds, block j holds f(x_j) for two fixed polynomials f
    /// of low degree (one symbol each): the polynomial of degree < k through the data
    /// is then f itself, so every check block is f at its point, made in O(1).
    #[test]
    #[cfg_attr(miri, ignore = "too slow under Miri (NTT of 2^17 points / e = 2800)")]
    fn decode_on_the_convolution_path() {
        let f = Field::Gf16;
        let e = CONVOLVE_FROM_E;
        let (k, n) = (e + 30, 65536);
        let code = Code::new(k, n).unwrap();
        let polys: [&[u16]; 2] = [&[0x1234, 0xBEEF, 7, 0x8001], &[3, 0, 0x4242, 1, 0, 0xF00D]];
        let block = |i: usize| -> Vec<u8> {
            let x = f.point(i);
            polys
                .iter()
                .flat_map(|c| {
                    c.iter()
                        .rev()
                        .fold(0, |acc, &c| f.mul(acc, x) ^ c)
                        .to_le_bytes()
                })
                .collect()
        };
        let data: Vec<Vec<u8>> = (0..k).map(block).collect();
        let refs: Vec<&[u8]> = data.iter().map(|d| d.as_slice()).collect();
        // Lose data 0..e − 30 and every other block after it; supply checks from
        // the first and the last range, one of them reversed.
        let lost: Vec<usize> = (0..e - 30).chain((e - 30..k).step_by(2)).collect();
        assert_eq!(lost.len(), e);
        let checks: Vec<usize> = (n - e / 2..n).rev().chain(k..k + e - e / 2).collect();
        for &i in [checks[0], checks[e - 1]].iter() {
            let mut b = vec![0u8; 4];
            code.encode(&refs, i, &mut b).unwrap();
            assert_eq!(b, block(i), "check {i} is f(x_{i})");
        }
        let mut indices: Vec<usize> = (e - 29..k).step_by(2).collect();
        indices.extend(&checks);
        let mut blocks: Vec<Vec<u8>> = indices.iter().map(|&i| block(i)).collect();
        let mut block_refs: Vec<&mut [u8]> = blocks.iter_mut().map(|b| b.as_mut_slice()).collect();
        code.decode(&mut block_refs, &mut indices).unwrap();
        for (j, b) in block_refs.iter().enumerate() {
            assert_eq!(&**b, data[j].as_slice(), "data block {j}");
        }
    }
}

//! Decoding from more than k blocks, finding and correcting wrong ones.
//!
//! The s blocks given are the values at their s distinct points of one polynomial
//! of degree < k, symbol column by symbol column: a generalised Reed–Solomon code
//! of length s and dimension k, minimum distance s − k + 1. So in a column where
//! at most ⌊(s − k)/2⌋ blocks are wrong the data is the one polynomial that
//! agrees with all but that many, and a column with up to s − k − ⌊(s − k)/2⌋
//! wrong blocks is at least seen to be wrong (with up to s − k, as a rule).
//!
//! The common case costs one decode from k blocks and one encode of the others to
//! compare. Where they disagree, the wrong blocks of a column are located with
//! syndromes of the parity checks Σ_j v_j x_j^l y_j = 0 (l < s − k,
//! v_j = 1/Π_{i≠j}(x_j − x_i)), Berlekamp–Massey and a search over the s points;
//! those blocks are then left out of a decode of the whole stripe (a block wrong
//! throughout is found in one column), and only the columns that still disagree
//! are located one by one, and decoded in groups of equal wrong blocks. The result
//! is accepted only if, in every column, at most ⌊(s − k)/2⌋ blocks disagree with
//! it.

use std::borrow::Cow;
use std::collections::BTreeMap;

use super::{Code, Decoder, Shard, CONV_STRIPE_BUDGET, KERNEL_STEP};
use crate::error::Error;
use crate::gf::Tables;

/// A block that [`Code::decode_correcting`] found to be wrong, and decoded around.
///
/// # Examples
///
/// ```
/// use algorithm_fec::{BadBlock, Code};
///
/// let code = Code::new(1, 4)?; // three spare blocks: one wrong block is corrected
/// let mut blocks = vec![b"data".to_vec(); 4];
/// let mut outs: Vec<&mut [u8]> = blocks.iter_mut().map(Vec::as_mut_slice).collect();
/// code.encode_many(&[&b"data"[..]], &[0, 1, 2, 3], &mut outs)?;
/// blocks[2][1..3].fill(0); // two bytes of block 2 go bad
/// let given: Vec<&[u8]> = blocks.iter().map(Vec::as_slice).collect();
/// let mut data = [0; 4];
/// let bad = code.decode_correcting(&given, &[0, 1, 2, 3], &mut [&mut data])?;
/// assert_eq!(&data, b"data");
/// assert_eq!(bad, [BadBlock { position: 2, index: 2, bytes: 2, first: 1 }]);
/// # Ok::<(), algorithm_fec::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadBlock {
    /// Its position in the blocks given.
    pub position: usize,
    /// Its block index.
    pub index: usize,
    /// How many of its bytes differ from the block the decoded data makes.
    pub bytes: usize,
    /// The offset of the first of them.
    pub first: usize,
}

/// Least stripe length: below it the per-call work of the kernels shows.
const MIN_STRIPE: usize = 64 << 10;

impl Code {
    /// Decodes the data from `s ≥ k` blocks, using the `s − k` spare ones to find
    /// and correct wrong ones: `blocks[i]` is block `indices[i]` (distinct indices,
    /// any order), and `data[j]` receives data block j. Returns the blocks found
    /// wrong (none when all agree), in the order given.
    ///
    /// Where, in some symbol column, up to ⌊(s − k)/2⌋ blocks are wrong, the data
    /// comes out exact all the same, and those blocks are reported. Where more are
    /// wrong, up to s − k − ⌊(s − k)/2⌋, the blocks are seen to disagree and
    /// [`Error::Uncorrectable`] says where; `data` then holds unspecified bytes.
    /// Past that, up to s − k wrong blocks are seen as a rule, but a column may by
    /// chance lie within ⌊(s − k)/2⌋ of another codeword and be "corrected" to it:
    /// a decoder that corrects c errors per column detects only s − k − c for sure.
    /// (Beyond s − k wrong blocks in a column no code can tell.) With exactly k
    /// blocks there is nothing to compare: this is [`Code::decode`].
    ///
    /// With nothing wrong this costs a decode and an encode of the spare blocks.
    /// A block wrong throughout costs one more of each; locating costs O(s²) table
    /// lookups once per call and O(s·(s − k)) per symbol column located.
    /// Every other check (counts, indices, sizes) runs before anything is written.
    ///
    /// # Examples
    ///
    /// ```
    /// use algorithm_fec::{Code, Error};
    ///
    /// let code = Code::new(2, 5)?;
    /// let data = [b"hello ".to_vec(), b"world!".to_vec()];
    /// let refs: Vec<&[u8]> = data.iter().map(Vec::as_slice).collect();
    /// let mut blocks = vec![vec![0; 6]; 5];
    /// let mut outs: Vec<&mut [u8]> = blocks.iter_mut().map(Vec::as_mut_slice).collect();
    /// code.encode_many(&refs, &[0, 1, 2, 3, 4], &mut outs)?;
    /// blocks[1][3] ^= 0x20; // one byte of data block 1 goes bad
    ///
    /// // Five blocks, three spare: one wrong block is found and decoded around.
    /// let given: Vec<&[u8]> = blocks.iter().map(Vec::as_slice).collect();
    /// let (mut d0, mut d1) = (vec![0; 6], vec![0; 6]);
    /// let bad = code.decode_correcting(&given, &[0, 1, 2, 3, 4], &mut [&mut d0, &mut d1])?;
    /// assert_eq!((d0.as_slice(), d1.as_slice()), (&b"hello "[..], &b"world!"[..]));
    /// assert_eq!((bad[0].index, bad[0].bytes, bad[0].first), (1, 1, 3));
    ///
    /// // Three blocks, one spare: the disagreement is seen, not who is wrong.
    /// let err = code.decode_correcting(&given[..3], &[0, 1, 2], &mut [&mut d0, &mut d1]);
    /// assert!(matches!(err, Err(Error::Uncorrectable { offset: 3, .. })));
    /// # Ok::<(), algorithm_fec::Error>(())
    /// ```
    pub fn decode_correcting(
        &self,
        blocks: &[&[u8]],
        indices: &[usize],
        data: &mut [&mut [u8]],
    ) -> Result<Vec<BadBlock>, Error> {
        if indices.len() != blocks.len() {
            return Err(Error::WrongCount {
                what: "indices",
                expected: blocks.len(),
                got: indices.len(),
            });
        }
        let mut seen = vec![false; self.n];
        for &i in indices {
            self.check_index(i)?;
            if std::mem::replace(&mut seen[i], true) {
                return Err(Error::DuplicateIndex { index: i });
            }
        }
        if blocks.len() < self.k {
            return Err(Error::TooFewBlocks {
                k: self.k,
                got: blocks.len(),
            });
        }
        self.check_count("data buffers", data.len())?;
        let len = self.common_len(blocks.iter().map(|b| b.len()))?;
        if let Some(got) = data.iter().map(|d| d.len()).find(|&l| l != len) {
            return Err(Error::OutputSize { expected: len, got });
        }
        let c = Corrector::new(self, indices);
        let s = blocks.len();
        let stripe = (CONV_STRIPE_BUDGET / s).max(MIN_STRIPE) / KERNEL_STEP * KERNEL_STEP;
        let mut found: Vec<Option<BadBlock>> = vec![None; s];
        for start in (0..len).step_by(stripe) {
            let end = len.min(start + stripe);
            let part: Vec<&[u8]> = blocks.iter().map(|b| &b[start..end]).collect();
            let mut out: Vec<&mut [u8]> = data.iter_mut().map(|d| &mut d[start..end]).collect();
            let wrong = c
                .stripe(&part, &mut out)
                .map_err(|col| Error::Uncorrectable {
                    offset: start + col * self.field.symbol_bytes(),
                    spare: s - self.k,
                })?;
            for (p, w) in wrong.into_iter().enumerate() {
                if let Some((bytes, first)) = w {
                    let b = found[p].get_or_insert(BadBlock {
                        position: p,
                        index: indices[p],
                        bytes: 0,
                        first: start + first,
                    });
                    b.bytes += bytes;
                }
            }
        }
        Ok(found.into_iter().flatten().collect())
    }
}

/// A decode from k chosen positions, prepared once.
struct Basis<'c> {
    /// The chosen positions in decode order (data index j at place j).
    order: Vec<usize>,
    decoder: Decoder<'c>,
}

impl<'c> Basis<'c> {
    /// The k positions of `allowed` with the lowest indices (data blocks are copies).
    fn new(code: &'c Code, indices: &[usize], allowed: impl Iterator<Item = usize>) -> Basis<'c> {
        let k = code.k;
        let mut chosen: Vec<usize> = allowed.collect();
        chosen.sort_by_key(|&p| indices[p]);
        chosen.truncate(k);
        let mut order = vec![usize::MAX; k];
        let mut checks = Vec::new();
        for &p in &chosen {
            match indices[p] {
                i if i < k => order[i] = p,
                _ => checks.push(p),
            }
        }
        let mut checks = checks.into_iter();
        for slot in order.iter_mut().filter(|o| **o == usize::MAX) {
            *slot = checks.next().expect("k positions chosen");
        }
        let idx: Vec<usize> = order.iter().map(|&p| indices[p]).collect();
        let decoder = code
            .decoder(&idx)
            .expect("distinct indices in decode order");
        Basis { order, decoder }
    }

    fn contains(&self, p: usize) -> bool {
        self.order.contains(&p)
    }

    /// The data from the chosen blocks of `blocks` (one per position) into `data`.
    fn solve(&self, blocks: &[&[u8]], data: &mut [&mut [u8]]) {
        for (d, &p) in data.iter_mut().zip(&self.order) {
            d.copy_from_slice(blocks[p]);
        }
        let mut shards: Vec<Shard<'_>> = data.iter_mut().map(|d| Shard::Write(d)).collect();
        self.decoder.decode(&mut shards).expect("shapes checked");
    }
}

/// How the blocks at some positions compare with what the data makes.
struct Comparison {
    /// Per position: wrong bytes and the first of them, where any.
    wrong: Vec<Option<(usize, usize)>>,
    /// Per symbol column, how many of the positions are wrong there; empty when
    /// none are anywhere.
    columns: Vec<u32>,
}

impl Comparison {
    fn bad_columns(&self) -> impl Iterator<Item = usize> + '_ {
        self.columns
            .iter()
            .enumerate()
            .filter(|c| *c.1 > 0)
            .map(|c| c.0)
    }
}

/// One call's fixed parts: the code, the given indices, the first decode and, made
/// when first needed, the scales of the parity checks.
struct Corrector<'c> {
    code: &'c Code,
    indices: &'c [usize],
    base: Basis<'c>,
    checks: std::cell::OnceCell<Checks>,
}

/// The parity checks of the code on the given points: log x_j (`None` for 0) and
/// log v_j = −Σ_{i≠j} log(x_j − x_i).
struct Checks {
    logx: Vec<Option<u32>>,
    logv: Vec<u32>,
}

impl<'c> Corrector<'c> {
    fn new(code: &'c Code, indices: &'c [usize]) -> Corrector<'c> {
        Corrector {
            code,
            indices,
            base: Basis::new(code, indices, 0..indices.len()),
            checks: std::cell::OnceCell::new(),
        }
    }

    /// Spare blocks: how many more than k were given.
    fn spare(&self) -> usize {
        self.indices.len() - self.code.k
    }

    /// Decodes one stripe into `data`; returns per position its wrong bytes and the
    /// first of them, or the first column that cannot be corrected.
    fn stripe(
        &self,
        blocks: &[&[u8]],
        data: &mut [&mut [u8]],
    ) -> Result<Vec<Option<(usize, usize)>>, usize> {
        let s = blocks.len();
        self.base.solve(blocks, data);
        let spares: Vec<usize> = (0..s).filter(|&p| !self.base.contains(p)).collect();
        let Some(c0) = self.first_mismatch(blocks, data, &spares) else {
            return Ok(vec![None; s]);
        };
        // Left out of one decode of the whole stripe: the blocks wrong in its
        // first bad column (a block wrong throughout is then done with).
        let e0 = self.locate(blocks, c0).ok_or(c0)?;
        let keep: Vec<usize> = (0..s).filter(|p| !e0.contains(p)).collect();
        let basis = Basis::new(self.code, self.indices, keep.iter().copied());
        // (A wrong spare leaves the first decode as it was.)
        if basis.order != self.base.order {
            basis.solve(blocks, data);
        }
        let rest: Vec<usize> = keep.into_iter().filter(|&p| !basis.contains(p)).collect();
        let left: Vec<usize> = self.compare(blocks, data, &rest).bad_columns().collect();
        // The columns still in disagreement, located one by one and decoded in
        // groups with the same wrong blocks.
        let mut groups: BTreeMap<Vec<usize>, Vec<usize>> = BTreeMap::new();
        for c in left {
            groups
                .entry(self.locate(blocks, c).ok_or(c)?)
                .or_default()
                .push(c);
        }
        // The only judge: every column within the correcting radius. Without
        // groups, all but the blocks left out were just seen to agree (the basis
        // does by construction): only those are compared, for their counts.
        let judged: Vec<usize> = match groups.is_empty() {
            true => e0,
            false => (0..s).collect(),
        };
        for (wrong, cols) in groups {
            let keep = (0..s).filter(|p| !wrong.contains(p));
            self.solve_columns(
                &Basis::new(self.code, self.indices, keep),
                blocks,
                data,
                &cols,
            );
        }
        let last = self.compare(blocks, data, &judged);
        let radius = (self.spare() / 2) as u32;
        match last.columns.iter().position(|&n| n > radius) {
            Some(c) => Err(c),
            None => Ok(last.wrong),
        }
    }

    /// Decodes the symbol columns `cols` alone: gathered into short blocks,
    /// decoded from `basis`, and put back into `data`.
    fn solve_columns(
        &self,
        basis: &Basis,
        blocks: &[&[u8]],
        data: &mut [&mut [u8]],
        cols: &[usize],
    ) {
        let sb = self.code.field.symbol_bytes();
        let gather = |b: &[u8]| -> Vec<u8> {
            cols.iter()
                .flat_map(|&c| b[c * sb..][..sb].iter().copied())
                .collect()
        };
        let short: Vec<Vec<u8>> = (0..blocks.len())
            .map(|p| match basis.contains(p) {
                true => gather(blocks[p]),
                false => Vec::new(),
            })
            .collect();
        let refs: Vec<&[u8]> = short.iter().map(Vec::as_slice).collect();
        let mut out = vec![vec![0u8; cols.len() * sb]; data.len()];
        let mut outs: Vec<&mut [u8]> = out.iter_mut().map(Vec::as_mut_slice).collect();
        basis.solve(&refs, &mut outs);
        for (d, o) in data.iter_mut().zip(&out) {
            for (&c, sym) in cols.iter().zip(o.chunks_exact(sb)) {
                d[c * sb..][..sb].copy_from_slice(sym);
            }
        }
    }

    /// The blocks at `positions` as `data` makes them: data blocks as they are,
    /// check blocks encoded.
    fn remake<'a>(&self, data: &'a [&mut [u8]], positions: &[usize]) -> Vec<Cow<'a, [u8]>> {
        let k = self.code.k;
        let data: Vec<&[u8]> = data.iter().map(|d| &**d).collect();
        let checks: Vec<usize> = (positions.iter())
            .map(|&p| self.indices[p])
            .filter(|&i| i >= k)
            .collect();
        let mut made = vec![vec![0u8; data[0].len()]; checks.len()];
        let mut outs: Vec<&mut [u8]> = made.iter_mut().map(Vec::as_mut_slice).collect();
        (self.code.encode_many(&data, &checks, &mut outs)).expect("shapes checked");
        let mut made = made.into_iter();
        (positions.iter())
            .map(|&p| match self.indices[p] {
                i if i < k => Cow::Borrowed(data[i]),
                _ => Cow::Owned(made.next().expect("one per check")),
            })
            .collect()
    }

    /// The first symbol column where a block at `positions` differs from what
    /// `data` makes.
    fn first_mismatch(
        &self,
        blocks: &[&[u8]],
        data: &[&mut [u8]],
        positions: &[usize],
    ) -> Option<usize> {
        let sb = self.code.field.symbol_bytes();
        (positions.iter().zip(self.remake(data, positions)))
            .filter_map(|(&p, want)| first_diff(blocks[p], &want))
            .min()
            .map(|b| b / sb)
    }

    /// Compares the blocks at `positions` with the blocks `data` makes.
    fn compare(&self, blocks: &[&[u8]], data: &[&mut [u8]], positions: &[usize]) -> Comparison {
        let sb = self.code.field.symbol_bytes();
        let len = data[0].len();
        let mut result = Comparison {
            wrong: vec![None; blocks.len()],
            columns: Vec::new(),
        };
        for (&p, want) in positions.iter().zip(self.remake(data, positions)) {
            let have = blocks[p];
            let Some(first) = first_diff(have, &want) else {
                continue;
            };
            if result.columns.is_empty() {
                result.columns = vec![0; len / sb];
            }
            let mut bytes = 0;
            let from = first / sb * sb;
            for (c, (h, w)) in (have[from..].chunks_exact(sb))
                .zip(want[from..].chunks_exact(sb))
                .enumerate()
            {
                let n = h.iter().zip(w).filter(|(a, b)| a != b).count();
                bytes += n;
                result.columns[from / sb + c] += u32::from(n > 0);
            }
            result.wrong[p] = Some((bytes, first));
        }
        result
    }

    fn checks(&self) -> &Checks {
        self.checks.get_or_init(|| {
            let t = &self.code.t;
            let q = u64::from(t.q);
            let x: Vec<u16> = self.indices.iter().map(|&i| self.code.point(i)).collect();
            let logv = x
                .iter()
                .map(|&xj| {
                    let sum: u64 = x
                        .iter()
                        .filter(|&&xi| xi != xj)
                        .map(|&xi| u64::from(t.log(xi ^ xj)))
                        .sum();
                    ((q - sum % q) % q) as u32
                })
                .collect();
            let logx = x.iter().map(|&xj| (xj != 0).then(|| t.log(xj))).collect();
            Checks { logx, logv }
        })
    }

    /// The positions wrong in symbol column `col`, if at most ⌊(s − k)/2⌋ are, or
    /// `None` if more are (as far as can be seen: a wrong set found is confirmed by
    /// the caller's comparison).
    fn locate(&self, blocks: &[&[u8]], col: usize) -> Option<Vec<usize>> {
        let spare = self.spare();
        if spare < 2 {
            return None;
        }
        let t = &self.code.t;
        let q = t.q;
        let sb = self.code.field.symbol_bytes();
        let ch = self.checks();
        // S_l = Σ_j y_j v_j x_j^l, summed as logs: term j of S_l has log
        // log y_j + log v_j + l·log x_j; a point 0 adds to S_0 only.
        let mut syn = vec![0u16; spare];
        let mut terms: Vec<(u32, u32)> = Vec::new();
        for (j, b) in blocks.iter().enumerate() {
            let y = match sb {
                1 => u16::from(b[col]),
                _ => u16::from_le_bytes([b[2 * col], b[2 * col + 1]]),
            };
            if y == 0 {
                continue;
            }
            let l = (t.log(y) + ch.logv[j]) % q;
            match ch.logx[j] {
                Some(lx) => terms.push((l, lx)),
                None => syn[0] ^= t.exp[l as usize],
            }
        }
        for s in syn.iter_mut() {
            for (l, lx) in terms.iter_mut() {
                *s ^= t.exp[*l as usize];
                *l += *lx;
                if *l >= q {
                    *l -= q;
                }
            }
        }
        let (conn, errors) = berlekamp_massey(t, &syn);
        if 2 * errors > spare {
            return None;
        }
        // Λ(x) = x^L·C(1/x) has the wrong points as roots (0 as a root when C's
        // degree falls short of L by one).
        let mut lambda = vec![0u16; errors + 1];
        for (i, &c) in conn.iter().enumerate().take(errors + 1) {
            lambda[errors - i] = c;
        }
        let wrong: Vec<usize> = (0..blocks.len())
            .filter(|&j| {
                let x = self.code.point(self.indices[j]);
                lambda.iter().rev().fold(0, |acc, &c| t.mul(acc, x) ^ c) == 0
            })
            .collect();
        (wrong.len() == errors).then_some(wrong)
    }
}

/// The offset of the first byte where `a` and `b` differ: compared a few hundred
/// bytes at a time (memcmp), byte by byte only within the first that differ.
fn first_diff(a: &[u8], b: &[u8]) -> Option<usize> {
    const STEP: usize = 256;
    let at = (a.chunks(STEP).zip(b.chunks(STEP))).position(|(x, y)| x != y)?;
    let (x, y) = (&a[at * STEP..], &b[at * STEP..]);
    Some(
        at * STEP
            + x.iter()
                .zip(y)
                .position(|(p, q)| p != q)
                .expect("they differ"),
    )
}

/// The shortest linear recurrence of `s`: its connection polynomial C (C_0 = 1)
/// and length L, with s_n = Σ_{i=1..L} C_i·s_{n−i} (in characteristic 2).
fn berlekamp_massey(t: &Tables, s: &[u16]) -> (Vec<u16>, usize) {
    let q = t.q;
    let mut c = vec![0u16; s.len() + 1];
    let mut b = c.clone();
    c[0] = 1;
    b[0] = 1;
    let (mut l, mut m, mut bd) = (0usize, 1usize, 1u16);
    for n in 0..s.len() {
        let d = (1..=l).fold(s[n], |acc, i| acc ^ t.mul(c[i], s[n - i]));
        if d == 0 {
            m += 1;
            continue;
        }
        // coef = d / bd
        let coef = t.exp[((t.log(d) + q - t.log(bd)) % q) as usize];
        let prev = c.clone();
        for i in 0..=s.len() - m {
            c[i + m] ^= t.mul(coef, b[i]);
        }
        if 2 * l <= n {
            l = n + 1 - l;
            b = prev;
            bd = d;
            m = 1;
        } else {
            m += 1;
        }
    }
    (c, l)
}

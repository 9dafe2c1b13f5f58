//! `FecSession`: the stateful model of CPAN's Algorithm::FEC, call for call, over
//! blocks in memory or in mapped file regions.
//!
//! A session holds at most one set of blocks: the k blocks `encode` reads (set by
//! [`FecSession::set_encode_blocks`]), or the k blocks and indices `decode` works on
//! (set by [`FecSession::set_decode_blocks`]). `decode` and `copy` leave it empty, as
//! the original does.
//!
//! # Examples
//!
//! Blocks can be regions of a file: here a file that holds data block 0, check
//! block 4 in place of the lost data block 1, and data block 2 is decoded in place.
//!
//! ```
//! use algorithm_fec::{Block, FecSession};
//! use std::io::{Read, Seek, Write};
//!
//! let data = [b"1".repeat(70), b"2".repeat(70), b"3".repeat(70)];
//! let mut s = FecSession::new(3, 5, 70)?;
//! s.set_encode_blocks(data.iter().cloned().map(Block::Memory).collect())?;
//! let mut file = tempfile::tempfile()?;
//! file.write_all(&[data[0].clone(), s.encode(4)?, data[2].clone()].concat())?;
//!
//! let blocks = [0, 70, 140].map(|offset| Block::file(&file, offset)).into();
//! s.set_decode_blocks(blocks, &mut [0, 4, 2])?;
//! s.decode()?; // writes data block 1 over block 4, in the file
//! let mut back = Vec::new();
//! file.rewind()?;
//! file.read_to_end(&mut back)?;
//! assert_eq!(back, data.concat());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::block::{conflict, first_changed, Block, Conflict, Extent, Files, Region, RegionError};
use crate::code::{Code, Shard};
use crate::error::Error;
use crate::gf::Field;

/// Bytes processed per step when blocks are file regions: after each step the pages
/// are released, so peak memory stays small whatever the block size.
const FILE_CHUNK: usize = 4 << 20;

/// What can go wrong in a session call. Nothing has been written when one is returned,
/// except for [`SessionError::FileChanged`] and [`SessionError::Flush`], which are
/// found while or after writing.
///
/// # Examples
///
/// ```
/// use algorithm_fec::{Error, FecSession, SessionError};
///
/// let mut s = FecSession::new(3, 5, 70)?;
/// assert!(matches!(s.encode(3), Err(SessionError::NoEncodeBlocks)));
/// // Errors of the code itself come wrapped.
/// match s.shuffle(&mut [(); 3], &mut [0, 0, 1]) {
///     Err(SessionError::Code(Error::DuplicateIndex { index })) => assert_eq!(index, 0),
///     other => panic!("expected a duplicate index, got {other:?}"),
/// }
/// # Ok::<(), SessionError>(())
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    /// A code-level error: counts, indices, duplicates, sizes.
    #[error("{0}")]
    Code(#[from] Error),
    /// `encode`/`encode(index)` index outside 0..n (Algorithm::FEC's wording).
    #[error("encode: block_index {index} out of range, must be 0 <= block_index < {n}")]
    EncodeIndex {
        /// The index asked for.
        index: usize,
        /// The code's n.
        n: usize,
    },
    /// The block size is 0.
    #[error("the block size must be >= 1")]
    ZeroBlockSize,
    /// A block of the wrong size.
    #[error("block #{position} ({kind}) has size {got}, not {expected}")]
    BlockSize {
        /// Position in the list given.
        position: usize,
        /// "a string", "a buffer", ...
        kind: &'static str,
        /// Its size.
        got: usize,
        /// The session's block size.
        expected: usize,
    },
    /// A file region cannot be used.
    #[error("block #{position}: {source}")]
    Region {
        /// Position in the list given (or 0/1 for copy's source/destination).
        position: usize,
        /// Why.
        #[source]
        source: RegionError,
    },
    /// Writing decoded data back to a file failed.
    #[error("block #{position}: writing to the file failed: {source}")]
    Flush {
        /// Position of the block.
        position: usize,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The same file region given twice to `set_decode_blocks`.
    #[error("blocks #{first} and #{second} are the same region of one file")]
    SameRegion {
        /// The first position.
        first: usize,
        /// The second position.
        second: usize,
    },
    /// Two regions of one file overlap and one of them is written
    /// (`set_decode_blocks`: a block decode writes).
    #[error("blocks #{first} and #{second} overlap in one file, and one of them is written")]
    Overlap {
        /// The first position.
        first: usize,
        /// The second position.
        second: usize,
    },
    /// A mapped file changed under the call: it was shrunk while mapped (found by
    /// a page fault, SIGBUS, caught, or by asking the file its length after the
    /// work, for a shrink too small to fault), or a page could not be read (I/O
    /// error) or allocated (full file system where space could not be reserved).
    /// The call failed: it read zeros for the missing bytes, outputs are
    /// unspecified, and bytes it wrote into the file (decode's targets, copy's
    /// destination) may be incomplete or wrong. After a fault the session's mapping
    /// of the block stays unusable: set the blocks again.
    #[error("block #{position}: the file changed while it was mapped (shrunk by someone), or a page of it could not be read or allocated; the call failed")]
    FileChanged {
        /// Position of the block (for `copy`: 0 the source, 1 the destination).
        position: usize,
    },
    /// The output blocks of a call cannot be allocated: `count` blocks of `size`
    /// bytes (an absurd block size, or more than the system gives).
    #[error("out of memory: cannot allocate {count} block(s) of {size} bytes")]
    OutOfMemory {
        /// How many blocks.
        count: usize,
        /// Bytes each.
        size: usize,
    },
    /// `encode` without blocks from `set_encode_blocks`.
    #[error("no blocks specified by a preceding call to set_encode_blocks")]
    NoEncodeBlocks,
    /// `encode` while the session holds decode blocks.
    #[error(
        "encode: the session holds decode blocks (set_decode_blocks); call set_encode_blocks first"
    )]
    HoldsDecodeBlocks,
    /// `decode` without `set_decode_blocks` (or a second time).
    #[error("index array must be set by a prior call to set_decode_blocks")]
    NoDecodeBlocks,
    /// A block given as memory supplied per call (C ABI) is missing or read-only where
    /// it must be written.
    #[error("block #{position}: {what}")]
    External {
        /// Position of the block.
        position: usize,
        /// What is wrong.
        what: &'static str,
    },
}

/// One block as the session holds it.
#[derive(Debug)]
pub(crate) enum Slot {
    Memory(Vec<u8>),
    Mapped(Region),
    /// Memory the caller passes again with every call (the C ABI: Perl may move a
    /// string's buffer between calls, so no pointer is kept).
    External,
}

/// The blocks a C-ABI call passes, position by position: memory for the `External`
/// slots, a file block for the `Mapped` ones.
pub(crate) enum ExtBuf<'a> {
    Read(&'a [u8]),
    Write(&'a mut [u8]),
    /// A file region was passed here (its mapping is the session's).
    File,
}

enum State {
    Empty,
    Encode(Vec<Slot>),
    Decode {
        slots: Vec<Slot>,
        indices: Vec<usize>,
    },
}

/// The Algorithm::FEC object: a (k, n) code, a block size, and the blocks of the
/// current operation.
///
/// # Examples
///
/// ```
/// use algorithm_fec::{Block, FecSession};
///
/// let data = [b"1".repeat(70), b"2".repeat(70), b"3".repeat(70)];
/// let mut s = FecSession::new(3, 5, 70)?;
/// s.set_encode_blocks(data.iter().cloned().map(Block::Memory).collect())?;
/// let (b3, b4) = (s.encode(3)?, s.encode(4)?);
/// assert_eq!(b3, b"%".repeat(70));
///
/// // As Algorithm::FEC: the blocks and indices are reordered (data block 1 to
/// // position 1), then the check blocks are decoded in place.
/// let blocks = [b4, b3, data[1].clone()].map(Block::Memory).into();
/// let mut indices = vec![4, 3, 1];
/// s.set_decode_blocks(blocks, &mut indices)?;
/// assert_eq!(indices, [4, 1, 3]);
/// let decoded = s.decode()?;
/// assert_eq!(decoded, data.map(Some));
/// # Ok::<(), algorithm_fec::SessionError>(())
/// ```
pub struct FecSession {
    code: Code,
    block_size: usize,
    state: State,
}

impl std::fmt::Debug for FecSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FecSession")
            .field("code", &self.code)
            .field("block_size", &self.block_size)
            .finish()
    }
}

impl FecSession {
    /// A session for `k` data blocks, `n` blocks in all, of `block_size` bytes, in
    /// the field Algorithm::FEC picks (GF(2^8) for n ≤ 255, else GF(2^16), which needs
    /// an even block size).
    ///
    /// # Examples
    ///
    /// ```
    /// use algorithm_fec::{Error, FecSession, SessionError};
    ///
    /// let s = FecSession::new(3, 5, 70)?;
    /// assert_eq!((s.code().k(), s.code().n(), s.block_size()), (3, 5, 70));
    /// assert!(matches!(FecSession::new(3, 5, 0), Err(SessionError::ZeroBlockSize)));
    /// // 300 blocks need GF(2^16), whose symbols are 2 bytes.
    /// let odd = FecSession::new(3, 300, 71);
    /// assert!(matches!(odd, Err(SessionError::Code(Error::OddBlockSize { size: 71 }))));
    /// # Ok::<(), SessionError>(())
    /// ```
    pub fn new(k: usize, n: usize, block_size: usize) -> Result<FecSession, SessionError> {
        FecSession::with_field(k, n, block_size, Field::for_blocks(n))
    }

    /// A session in a named field.
    ///
    /// # Examples
    ///
    /// ```
    /// use algorithm_fec::{Block, FecSession, Field};
    ///
    /// // GF(2^16), which Algorithm::FEC takes from 256 blocks, for a small code:
    /// // 16-bit symbols, and any 3 of the 5 blocks still decode.
    /// let mut s = FecSession::with_field(3, 5, 70, Field::Gf16)?;
    /// assert_eq!(s.code().field(), Field::Gf16);
    /// let data = [b"1".repeat(70), b"2".repeat(70), b"3".repeat(70)];
    /// s.set_encode_blocks(data.iter().cloned().map(Block::Memory).collect())?;
    /// let (b3, b4) = (s.encode(3)?, s.encode(4)?);
    /// s.set_decode_blocks([b3, b4, data[2].clone()].map(Block::Memory).into(), &mut [3, 4, 2])?;
    /// assert_eq!(s.decode()?, data.map(Some));
    /// # Ok::<(), algorithm_fec::SessionError>(())
    /// ```
    pub fn with_field(
        k: usize,
        n: usize,
        block_size: usize,
        field: Field,
    ) -> Result<FecSession, SessionError> {
        let code = Code::with_field(k, n, field)?;
        if block_size == 0 {
            return Err(SessionError::ZeroBlockSize);
        }
        if !block_size.is_multiple_of(field.symbol_bytes()) {
            return Err(Error::OddBlockSize { size: block_size }.into());
        }
        Ok(FecSession {
            code,
            block_size,
            state: State::Empty,
        })
    }

    /// The code.
    ///
    /// ```
    /// let s = algorithm_fec::FecSession::new(3, 5, 70)?;
    /// let mut row = [0u16; 3];
    /// s.code().row(4, &mut row)?; // the coefficients that make block 4
    /// assert!(row.iter().all(|&c| c != 0));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn code(&self) -> &Code {
        &self.code
    }

    /// The block size in bytes.
    ///
    /// ```
    /// let s = algorithm_fec::FecSession::new(3, 5, 70)?;
    /// assert_eq!(s.block_size(), 70);
    /// # Ok::<(), algorithm_fec::SessionError>(())
    /// ```
    pub fn block_size(&self) -> usize {
        self.block_size
    }

    /// Turns blocks into slots: sizes checked, files mapped (writable where `write`
    /// says so). Fails on the first bad block; nothing is kept then.
    fn slots(
        &self,
        blocks: Vec<Block<'_>>,
        write: impl Fn(usize) -> bool,
    ) -> Result<Vec<Slot>, SessionError> {
        let mut files = Files::default();
        blocks
            .into_iter()
            .enumerate()
            .map(|(position, b)| match b {
                Block::Memory(v) if v.len() != self.block_size => Err(SessionError::BlockSize {
                    position,
                    kind: "a buffer",
                    got: v.len(),
                    expected: self.block_size,
                }),
                Block::Memory(v) => Ok(Slot::Memory(v)),
                Block::File { file, offset } => {
                    Region::map(&mut files, file, offset, self.block_size, write(position))
                        .map(Slot::Mapped)
                        .map_err(|source| SessionError::Region { position, source })
                }
            })
            .collect()
    }

    fn check_count(&self, what: &'static str, got: usize) -> Result<(), SessionError> {
        Ok(self.code.check_count(what, got)?)
    }

    /// Sets the k data blocks `encode` reads. An empty vector frees the blocks held
    /// (then `encode` fails). File regions are mapped read-only now and read when
    /// `encode` runs.
    ///
    /// # Examples
    ///
    /// ```
    /// use algorithm_fec::{Block, FecSession, SessionError};
    ///
    /// let mut s = FecSession::new(2, 3, 4)?;
    /// let short = s.set_encode_blocks(vec![Block::Memory(b"abcd".to_vec()), Block::Memory(b"ef".to_vec())]);
    /// assert!(matches!(
    ///     short,
    ///     Err(SessionError::BlockSize { position: 1, got: 2, expected: 4, .. })
    /// ));
    /// s.set_encode_blocks(vec![Block::Memory(b"abcd".to_vec()), Block::Memory(b"efgh".to_vec())])?;
    /// assert_eq!(s.encode(1)?, b"efgh");
    /// # Ok::<(), SessionError>(())
    /// ```
    pub fn set_encode_blocks(&mut self, blocks: Vec<Block<'_>>) -> Result<(), SessionError> {
        if blocks.is_empty() {
            self.state = State::Empty;
            return Ok(());
        }
        self.check_count("blocks", blocks.len())?;
        let slots = self.slots(blocks, |_| false)?;
        self.state = State::Encode(slots);
        Ok(())
    }

    pub(crate) fn set_encode_slots(&mut self, slots: Vec<Slot>) -> Result<(), SessionError> {
        if slots.is_empty() {
            self.state = State::Empty;
            return Ok(());
        }
        self.check_count("blocks", slots.len())?;
        self.state = State::Encode(slots);
        Ok(())
    }

    /// C ABI: the blocks a call passes must match, in number and position by
    /// position in kind (memory or file), the blocks held for `decode` (if `decode`)
    /// or `encode`. Holding the other kind, or nothing, is left to the call's own
    /// state error.
    pub(crate) fn check_call_blocks(
        &self,
        decode: bool,
        ext: &[ExtBuf<'_>],
    ) -> Result<(), SessionError> {
        let slots = match (&self.state, decode) {
            (State::Encode(slots), false) | (State::Decode { slots, .. }, true) => slots,
            _ => return Ok(()),
        };
        self.check_count("blocks", ext.len())?;
        let wrong = slots.iter().zip(ext).position(|(s, e)| match s {
            Slot::Mapped(_) => !matches!(e, ExtBuf::File),
            Slot::External => matches!(e, ExtBuf::File),
            Slot::Memory(_) => false,
        });
        match wrong.map(|p| (p, &slots[p])) {
            None => Ok(()),
            Some((position, Slot::Mapped(_))) => Err(SessionError::External {
                position,
                what: "it was set as a file region, but is given as memory",
            }),
            Some((position, _)) => Err(SessionError::External {
                position,
                what: "it was set as memory, but is given as a file region",
            }),
        }
    }

    /// Frees whatever blocks the session holds.
    ///
    /// ```
    /// use algorithm_fec::{Block, FecSession, SessionError};
    ///
    /// let mut s = FecSession::new(1, 2, 3)?;
    /// s.set_encode_blocks(vec![Block::Memory(b"abc".to_vec())])?;
    /// s.clear_blocks();
    /// assert!(matches!(s.encode(1), Err(SessionError::NoEncodeBlocks)));
    /// # Ok::<(), SessionError>(())
    /// ```
    pub fn clear_blocks(&mut self) {
        self.state = State::Empty;
    }

    /// Block `index` (a copy of the data block when `index < k`) as a new buffer.
    ///
    /// # Examples
    ///
    /// ```
    /// use algorithm_fec::{Block, FecSession, SessionError};
    ///
    /// let data = [b"1".repeat(70), b"2".repeat(70), b"3".repeat(70)];
    /// let mut s = FecSession::new(3, 5, 70)?;
    /// s.set_encode_blocks(data.iter().cloned().map(Block::Memory).collect())?;
    /// assert_eq!(s.encode(4)?, b"Y".repeat(70));
    /// assert_eq!(s.encode(1)?, data[1]);
    /// assert!(matches!(s.encode(5), Err(SessionError::EncodeIndex { index: 5, n: 5 })));
    /// # Ok::<(), SessionError>(())
    /// ```
    pub fn encode(&self, index: usize) -> Result<Vec<u8>, SessionError> {
        let mut out = self.encode_many(&[index])?;
        Ok(out.pop().expect("one block"))
    }

    /// Block `index` into `out` (`block_size` bytes).
    ///
    /// ```
    /// use algorithm_fec::{Block, FecSession};
    ///
    /// let data = [b"1".repeat(70), b"2".repeat(70), b"3".repeat(70)];
    /// let mut s = FecSession::new(3, 5, 70)?;
    /// s.set_encode_blocks(data.iter().cloned().map(Block::Memory).collect())?;
    /// let mut out = [0; 70];
    /// s.encode_into(3, &mut out)?;
    /// assert_eq!(out, [b'%'; 70]);
    /// # Ok::<(), algorithm_fec::SessionError>(())
    /// ```
    pub fn encode_into(&self, index: usize, out: &mut [u8]) -> Result<(), SessionError> {
        self.encode_many_into(&[index], &mut [out])
    }

    /// Several blocks in one pass over the data. The state and the indices are
    /// checked before the outputs are allocated, and an allocation that cannot be
    /// made is [`SessionError::OutOfMemory`], not an abort.
    ///
    /// ```
    /// use algorithm_fec::{Block, FecSession};
    ///
    /// let data = [b"1".repeat(70), b"2".repeat(70), b"3".repeat(70)];
    /// let mut s = FecSession::new(3, 5, 70)?;
    /// s.set_encode_blocks(data.iter().cloned().map(Block::Memory).collect())?;
    /// assert_eq!(s.encode_many(&[4, 3])?, [b"Y".repeat(70), b"%".repeat(70)]);
    /// # Ok::<(), algorithm_fec::SessionError>(())
    /// ```
    pub fn encode_many(&self, indices: &[usize]) -> Result<Vec<Vec<u8>>, SessionError> {
        self.encode_slots(indices)?;
        let mut outs = zeroed_blocks(indices.len(), self.block_size)?;
        let mut refs: Vec<&mut [u8]> = outs.iter_mut().map(|o| o.as_mut_slice()).collect();
        self.encode_many_into(indices, &mut refs)?;
        Ok(outs)
    }

    /// Several blocks in one pass, into caller buffers: `outs[i]` gets `indices[i]`.
    ///
    /// ```
    /// use algorithm_fec::{Block, Error, FecSession, SessionError};
    ///
    /// let data = [b"1".repeat(70), b"2".repeat(70), b"3".repeat(70)];
    /// let mut s = FecSession::new(3, 5, 70)?;
    /// s.set_encode_blocks(data.iter().cloned().map(Block::Memory).collect())?;
    /// let (mut b3, mut b4) = ([0; 70], [0; 70]);
    /// s.encode_many_into(&[3, 4], &mut [&mut b3, &mut b4])?;
    /// assert_eq!((b3, b4), ([b'%'; 70], [b'Y'; 70]));
    /// // Every buffer is one block long.
    /// let short = s.encode_many_into(&[3], &mut [&mut b3[..69]]);
    /// assert!(matches!(short, Err(SessionError::Code(Error::OutputSize { expected: 70, got: 69 }))));
    /// # Ok::<(), SessionError>(())
    /// ```
    pub fn encode_many_into(
        &self,
        indices: &[usize],
        outs: &mut [&mut [u8]],
    ) -> Result<(), SessionError> {
        self.encode_with(indices, outs, &[])
    }

    pub(crate) fn encode_with(
        &self,
        indices: &[usize],
        outs: &mut [&mut [u8]],
        ext: &[ExtBuf<'_>],
    ) -> Result<(), SessionError> {
        let slots = self.encode_slots(indices)?;
        if outs.len() != indices.len() {
            return Err(Error::WrongCount {
                what: "output buffers",
                expected: indices.len(),
                got: outs.len(),
            }
            .into());
        }
        if let Some(got) = outs.iter().map(|o| o.len()).find(|&l| l != self.block_size) {
            return Err(Error::OutputSize {
                expected: self.block_size,
                got,
            }
            .into());
        }
        let data = slots
            .iter()
            .enumerate()
            .map(|(p, s)| match s {
                Slot::Memory(v) => Ok(v.as_slice()),
                Slot::Mapped(r) => Ok(r.bytes()),
                Slot::External => external_read(ext, p, self.block_size),
            })
            .collect::<Result<Vec<&[u8]>, _>>()?;
        let mapped = slots.iter().any(|s| matches!(s, Slot::Mapped(_)));
        let step = if mapped { FILE_CHUNK } else { self.block_size };
        for start in (0..self.block_size).step_by(step) {
            let end = self.block_size.min(start + step);
            let d: Vec<&[u8]> = data.iter().map(|b| &b[start..end]).collect();
            let mut o: Vec<&mut [u8]> = outs.iter_mut().map(|o| &mut o[start..end]).collect();
            self.code.encode_many(&d, indices, &mut o)?;
            release(slots, start..end);
            check_faults(slots)?;
        }
        check_changed(slots)
    }

    /// The blocks `encode` reads, once the state and `indices` are checked.
    fn encode_slots(&self, indices: &[usize]) -> Result<&[Slot], SessionError> {
        let slots = self.encode_state()?;
        let n = self.code.n();
        if let Some(&index) = indices.iter().find(|&&i| i >= n) {
            return Err(SessionError::EncodeIndex { index, n });
        }
        Ok(slots)
    }

    /// The blocks `encode` reads, or the state error.
    pub(crate) fn encode_state(&self) -> Result<&[Slot], SessionError> {
        match &self.state {
            State::Encode(s) => Ok(s),
            State::Empty => Err(SessionError::NoEncodeBlocks),
            State::Decode { .. } => Err(SessionError::HoldsDecodeBlocks),
        }
    }

    /// Algorithm::FEC's `shuffle`: reorders `blocks` and `indices` (k each) exactly as
    /// `set_decode_blocks` would, keeping nothing. See [`Code::reorder`].
    ///
    /// ```
    /// let s = algorithm_fec::FecSession::new(3, 5, 70)?;
    /// let mut blocks = ["block 4", "block 3", "block 1"];
    /// let mut indices = [4, 3, 1];
    /// s.shuffle(&mut blocks, &mut indices)?;
    /// assert_eq!(indices, [4, 1, 3]);
    /// assert_eq!(blocks, ["block 4", "block 1", "block 3"]);
    /// # Ok::<(), algorithm_fec::SessionError>(())
    /// ```
    pub fn shuffle<T>(&self, blocks: &mut [T], indices: &mut [usize]) -> Result<(), SessionError> {
        Ok(self.code.reorder(blocks, indices)?)
    }

    /// Takes the k blocks and indices to decode from: checks everything (count,
    /// range, duplicates, sizes, file lengths, and that every file region decoding
    /// will write can be mapped writable), then reorders `indices` in place by SPEC's
    /// rule, and keeps the blocks in that order for [`FecSession::decode`].
    ///
    /// # Examples
    ///
    /// ```
    /// use algorithm_fec::{Block, Error, FecSession, SessionError};
    ///
    /// let mut s = FecSession::new(3, 5, 70)?;
    /// let blocks = || [b"%", b"Y", b"2"].map(|b| Block::Memory(b.repeat(70))).into();
    /// // Checked first: a repeated index keeps nothing and leaves the indices alone.
    /// let mut twice = [3, 3, 1];
    /// let err = s.set_decode_blocks(blocks(), &mut twice);
    /// assert!(matches!(err, Err(SessionError::Code(Error::DuplicateIndex { index: 3 }))));
    /// assert_eq!(twice, [3, 3, 1]);
    ///
    /// let mut indices = [3, 4, 1];
    /// s.set_decode_blocks(blocks(), &mut indices)?;
    /// assert_eq!(indices, [3, 1, 4]); // reordered: data block 1 at position 1
    /// assert_eq!(s.decode()?, [b"1", b"2", b"3"].map(|b| Some(b.repeat(70))));
    /// # Ok::<(), SessionError>(())
    /// ```
    pub fn set_decode_blocks(
        &mut self,
        blocks: Vec<Block<'_>>,
        indices: &mut [usize],
    ) -> Result<(), SessionError> {
        self.check_count("blocks", blocks.len())?;
        let (perm, reordered) = self.plan_decode(indices)?;
        let (k, bs) = (self.code.k(), self.block_size);
        let extents = blocks
            .iter()
            .enumerate()
            .filter_map(|(position, b)| match b {
                Block::File { file, offset } => Some(
                    Extent::of(position, file, *offset, bs, indices[position] >= k)
                        .map_err(|source| SessionError::Region { position, source }),
                ),
                Block::Memory(_) => None,
            })
            .collect::<Result<Vec<_>, _>>()?;
        check_regions(extents)?;
        let slots = self.slots(blocks, |p| {
            // Original position p ends at position q with perm[q] == p; it is written
            // when the index it holds is a check index.
            indices[p] >= self.code.k()
        })?;
        let mut slots: Vec<Option<Slot>> = slots.into_iter().map(Some).collect();
        let slots = perm
            .iter()
            .map(|&p| slots[p].take().expect("a permutation"))
            .collect();
        indices.copy_from_slice(&reordered);
        self.state = State::Decode {
            slots,
            indices: reordered,
        };
        Ok(())
    }

    /// Validates the indices and works out SPEC's reordering without applying it:
    /// (perm, reordered) with reordered[q] = indices[perm[q]].
    pub(crate) fn plan_decode(
        &self,
        indices: &[usize],
    ) -> Result<(Vec<usize>, Vec<usize>), SessionError> {
        let mut reordered = indices.to_vec();
        let mut perm: Vec<usize> = (0..indices.len()).collect();
        self.code.reorder(&mut perm, &mut reordered)?;
        Ok((perm, reordered))
    }

    pub(crate) fn set_decode_slots(&mut self, slots: Vec<Slot>, reordered: Vec<usize>) {
        self.state = State::Decode {
            slots,
            indices: reordered,
        };
    }

    /// Positions `decode` will overwrite (those holding check blocks), if decode
    /// blocks are set.
    ///
    /// ```
    /// use algorithm_fec::{Block, FecSession};
    ///
    /// let mut s = FecSession::new(3, 5, 70)?;
    /// assert_eq!(s.decode_targets(), None);
    /// let blocks = [b"Y", b"%", b"2"].map(|b| Block::Memory(b.repeat(70))).into();
    /// s.set_decode_blocks(blocks, &mut [4, 3, 1])?;
    /// // Reordered to [4, 1, 3]: positions 0 and 2 receive data blocks 0 and 2.
    /// assert_eq!(s.decode_targets(), Some(vec![true, false, true]));
    /// # Ok::<(), algorithm_fec::SessionError>(())
    /// ```
    pub fn decode_targets(&self) -> Option<Vec<bool>> {
        match &self.state {
            State::Decode { indices, .. } => {
                Some(indices.iter().enumerate().map(|(p, &i)| i != p).collect())
            }
            _ => None,
        }
    }

    /// Rebuilds the lost data blocks in place: afterwards position j of the blocks
    /// given to `set_decode_blocks` (in their reordered order) holds data block j —
    /// in memory, or written through the mapping into the file and flushed. Returns
    /// the memory blocks by position (`None` for file regions). The session is empty
    /// afterwards.
    ///
    /// # Examples
    ///
    /// ```
    /// use algorithm_fec::{Block, FecSession, SessionError};
    ///
    /// let mut s = FecSession::new(3, 5, 70)?;
    /// let blocks = [b"1", b"Y", b"%"].map(|b| Block::Memory(b.repeat(70))).into();
    /// s.set_decode_blocks(blocks, &mut [0, 4, 3])?;
    /// let decoded = s.decode()?;
    /// assert_eq!(decoded, [b"1", b"2", b"3"].map(|b| Some(b.repeat(70))));
    /// // The session holds nothing now.
    /// assert!(matches!(s.decode(), Err(SessionError::NoDecodeBlocks)));
    /// # Ok::<(), SessionError>(())
    /// ```
    pub fn decode(&mut self) -> Result<Vec<Option<Vec<u8>>>, SessionError> {
        self.decode_with(&mut [])?;
        match std::mem::replace(&mut self.state, State::Empty) {
            State::Decode { slots, .. } => Ok(slots
                .into_iter()
                .map(|s| match s {
                    Slot::Memory(v) => Some(v),
                    _ => None,
                })
                .collect()),
            _ => unreachable!("decode_with checked the state"),
        }
    }

    /// Decodes; on success the session keeps its (now decoded) slots until the
    /// caller clears them.
    pub(crate) fn decode_with(&mut self, ext: &mut [ExtBuf<'_>]) -> Result<(), SessionError> {
        let block_size = self.block_size;
        let (slots, indices) = match &mut self.state {
            State::Decode { slots, indices } => (slots, indices),
            _ => return Err(SessionError::NoDecodeBlocks),
        };
        let decoder = self.code.decoder(indices)?;
        // Check the per-call memory before anything is written.
        for (p, s) in slots.iter().enumerate() {
            if matches!(s, Slot::External) {
                let target = indices[p] != p;
                match ext.get(p) {
                    Some(ExtBuf::Read(b)) if !target && b.len() == block_size => {}
                    Some(ExtBuf::Write(b)) if b.len() == block_size => {}
                    Some(ExtBuf::Read(_)) if target => {
                        return Err(SessionError::External {
                            position: p,
                            what: "decode must write this block, but it is read-only",
                        })
                    }
                    _ => {
                        return Err(SessionError::External {
                            position: p,
                            what: "memory block missing or of the wrong size",
                        })
                    }
                }
            }
        }
        let mapped = slots.iter().any(|s| matches!(s, Slot::Mapped(_)));
        let step = if mapped { FILE_CHUNK } else { block_size };
        for start in (0..block_size).step_by(step) {
            let end = block_size.min(start + step);
            let mut ext_iter = ext.iter_mut();
            let mut shards: Vec<Shard<'_>> = slots
                .iter_mut()
                .map(|s| shard(s, ext_iter.next(), start..end))
                .collect();
            decoder.decode(&mut shards)?;
            drop(shards);
            release(slots, start..end);
            check_faults(slots)?;
        }
        // msync is by file range, so pages released above are written back too.
        for (position, s) in slots.iter().enumerate() {
            if let Slot::Mapped(r) = s {
                r.flush()
                    .map_err(|source| SessionError::Flush { position, source })?;
            }
        }
        // Last: a file shrunk during the call (even inside its last page, which
        // raises no fault) fails it, though the targets were written.
        check_changed(slots)
    }

    /// Finishes a C-ABI decode: the session is empty afterwards.
    pub(crate) fn end_decode(&mut self) {
        self.state = State::Empty;
    }

    /// Copies block `src` into block `dst` (memory or file, any mix); a file `dst` is
    /// mapped writable and flushed. The session is empty afterwards, as in the
    /// original.
    ///
    /// # Examples
    ///
    /// ```
    /// use algorithm_fec::{Block, FecSession};
    ///
    /// let mut s = FecSession::new(2, 3, 4)?;
    /// let file = tempfile::tempfile()?;
    /// file.set_len(8)?;
    /// // A block from memory into the second block of the file.
    /// s.copy(&Block::Memory(b"abcd".to_vec()), &mut Block::file(&file, 4))?;
    /// let mut out = Block::Memory(vec![0; 4]);
    /// s.copy(&Block::file(&file, 4), &mut out)?;
    /// assert!(matches!(out, Block::Memory(v) if v == b"abcd"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn copy(&mut self, src: &Block<'_>, dst: &mut Block<'_>) -> Result<(), SessionError> {
        let from = match src {
            Block::Memory(v) => Bytes::Memory(v),
            Block::File { file, offset } => Bytes::File(file, *offset),
        };
        let to = match dst {
            Block::Memory(v) => BytesMut::Memory(v),
            Block::File { file, offset } => BytesMut::File(file, *offset),
        };
        self.copy_bytes(from, to)
    }

    pub(crate) fn copy_bytes(
        &mut self,
        src: Bytes<'_>,
        dst: BytesMut<'_>,
    ) -> Result<(), SessionError> {
        let bs = self.block_size;
        let size = |position, got| SessionError::BlockSize {
            position,
            kind: "a string",
            got,
            expected: bs,
        };
        let mut files = Files::default();
        let mut region = |position, file, offset, len, write| {
            Region::map(&mut files, file, offset, len, write)
                .map_err(|source| SessionError::Region { position, source })
        };
        let unchanged = |r: &Region, position| match r.changed() {
            true => Err(SessionError::FileChanged { position }),
            false => Ok(()),
        };
        let written = |r: Region, position| {
            if r.faulted() {
                return Err(SessionError::FileChanged { position });
            }
            r.flush()
                .map_err(|source| SessionError::Flush { position, source })?;
            unchanged(&r, position)
        };
        if let (Bytes::File(sf, so), BytesMut::File(df, d_off)) = (&src, &dst) {
            let extent = |position, file, offset, written| {
                Extent::of(position, file, offset, bs, written)
                    .map_err(|source| SessionError::Region { position, source })
            };
            if extent(0, sf, *so, false)?.overlaps(&extent(1, df, *d_off, true)?) {
                // One file, overlapping: one mapping of both regions, moved as
                // memmove moves (two mappings of one page would alias).
                drop(region(0, sf, *so, bs, false)?); // the source's own checks
                let lo = (*so).min(*d_off);
                let (from, to) = ((*so - lo) as usize, (*d_off - lo) as usize);
                let mut r = region(1, df, lo, from.max(to) + bs, true)?;
                r.bytes_mut()
                    .expect("mapped writable")
                    .copy_within(from..from + bs, to);
                written(r, 1)?;
                self.state = State::Empty;
                return Ok(());
            }
        }
        let src_region = match src {
            Bytes::File(file, offset) => Some(region(0, file, offset, bs, false)?),
            Bytes::Memory(_) => None,
        };
        let from: &[u8] = match src {
            Bytes::Memory(v) if v.len() != bs => return Err(size(0, v.len())),
            Bytes::Memory(v) => v,
            Bytes::File(..) => src_region.as_ref().map_or(&[], Region::bytes),
        };
        match dst {
            BytesMut::Memory(v) if v.len() != bs => return Err(size(1, v.len())),
            BytesMut::Memory(v) => v.copy_from_slice(from),
            BytesMut::File(file, offset) => {
                let mut r = region(1, file, offset, bs, true)?;
                r.bytes_mut()
                    .expect("mapped writable")
                    .copy_from_slice(from);
                if src_region.as_ref().is_some_and(Region::faulted) {
                    return Err(SessionError::FileChanged { position: 0 });
                }
                written(r, 1)?;
            }
        }
        if let Some(r) = &src_region {
            unchanged(r, 0)?;
        }
        self.state = State::Empty;
        Ok(())
    }
}

/// A block to read for `copy`, borrowed.
#[derive(Clone, Copy)]
pub(crate) enum Bytes<'a> {
    Memory(&'a [u8]),
    File(&'a std::fs::File, u64),
}

/// A block to write for `copy`, borrowed.
pub(crate) enum BytesMut<'a> {
    Memory(&'a mut [u8]),
    File(&'a std::fs::File, u64),
}

/// The shard of one slot for the byte range of a step: written where it is a
/// target or writable anyway, read-only otherwise.
fn shard<'a>(
    slot: &'a mut Slot,
    ext: Option<&'a mut ExtBuf<'_>>,
    range: std::ops::Range<usize>,
) -> Shard<'a> {
    match slot {
        Slot::Memory(v) => Shard::Write(&mut v[range]),
        Slot::Mapped(r) => {
            if r.is_writable() {
                Shard::Write(&mut r.bytes_mut().expect("writable")[range])
            } else {
                Shard::Read(&r.bytes()[range])
            }
        }
        Slot::External => match ext {
            Some(ExtBuf::Write(b)) => Shard::Write(&mut b[range]),
            Some(ExtBuf::Read(b)) => Shard::Read(&b[range]),
            // Checked before decoding starts; an empty shard fails the size check.
            _ => Shard::Read(&[]),
        },
    }
}

/// The slice of a per-call memory block for reading.
fn external_read<'a>(ext: &'a [ExtBuf<'_>], p: usize, bs: usize) -> Result<&'a [u8], SessionError> {
    match ext.get(p) {
        Some(ExtBuf::Read(b)) if b.len() == bs => Ok(b),
        Some(ExtBuf::Write(b)) if b.len() == bs => Ok(b),
        _ => Err(SessionError::External {
            position: p,
            what: "memory block missing or of the wrong size",
        }),
    }
}

/// Refuses the same file region twice, and overlapping regions of one file where
/// one is written.
pub(crate) fn check_regions(mut extents: Vec<Extent>) -> Result<(), SessionError> {
    match conflict(&mut extents) {
        None => Ok(()),
        Some(Conflict::Same(first, second)) => Err(SessionError::SameRegion { first, second }),
        Some(Conflict::Overlap(first, second)) => Err(SessionError::Overlap { first, second }),
    }
}

/// Fails the running call if a page of a mapped slot faulted (after each step).
fn check_faults(slots: &[Slot]) -> Result<(), SessionError> {
    match slots
        .iter()
        .position(|s| matches!(s, Slot::Mapped(r) if r.faulted()))
    {
        Some(position) => Err(SessionError::FileChanged { position }),
        None => Ok(()),
    }
}

/// Fails the call if a mapped slot's file changed ([`Region::changed`]): asked last,
/// before the call reports success.
fn check_changed(slots: &[Slot]) -> Result<(), SessionError> {
    let mapped = slots.iter().enumerate().filter_map(|(p, s)| match s {
        Slot::Mapped(r) => Some((p, r)),
        _ => None,
    });
    match first_changed(mapped) {
        Some(position) => Err(SessionError::FileChanged { position }),
        None => Ok(()),
    }
}

/// `count` zeroed blocks of `size` bytes, or [`SessionError::OutOfMemory`]: the size
/// is the caller's, so an impossible one must be an error, not an abort.
fn zeroed_blocks(count: usize, size: usize) -> Result<Vec<Vec<u8>>, SessionError> {
    let oom = || SessionError::OutOfMemory { count, size };
    if count
        .checked_mul(size)
        .is_none_or(|t| t > isize::MAX as usize)
    {
        return Err(oom());
    }
    let mut outs = Vec::new();
    outs.try_reserve_exact(count).map_err(|_| oom())?;
    for _ in 0..count {
        let mut b = Vec::new();
        b.try_reserve_exact(size).map_err(|_| oom())?;
        b.resize(size, 0);
        outs.push(b);
    }
    Ok(outs)
}

/// Releases the pages of mapped slots under `range` once a step is done.
fn release(slots: &[Slot], range: std::ops::Range<usize>) {
    for s in slots {
        if let Slot::Mapped(r) = s {
            r.release(range.clone());
        }
    }
}

// Unix only: Windows refuses to shorten a mapped file (src/sigbus_windows.rs).
#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use crate::block::test_seam;
    use std::fs::File;
    use std::io::Write;

    /// A file of `len` bytes of a pattern, and the pattern.
    fn pattern_file(len: usize) -> (File, Vec<u8>) {
        let bytes: Vec<u8> = (0..len).map(|i| (i * 7 + i / 251) as u8).collect();
        let mut f = tempfile::tempfile().unwrap();
        f.write_all(&bytes).unwrap();
        (f, bytes)
    }

    /// Shrinks by `cut` bytes, in the middle of the call, the file of the
    /// `nth` (from 1) region the call maps.
    fn shrink_at_map(nth: usize, cut: u64) {
        let mut seen = 0;
        test_seam::set(move |f| {
            seen += 1;
            if seen == nth {
                let len = f.metadata().unwrap().len();
                f.set_len(len - cut).unwrap();
            }
        });
    }

    /// `copy` whose source (or destination) file shrinks during the call, after it
    /// was mapped and checked: by less than a page (no fault; only the file's length
    /// tells), and by more (a fault). The call fails, whatever the kinds of blocks.
    #[test]
    #[cfg_attr(miri, ignore = "maps files, which Miri cannot")]
    fn copy_fails_when_a_file_shrinks_during_the_call() {
        let bs = 3 * 4096;
        let page = crate::block::page_size();
        for cut in [1, 100, page - 1, page + 1] {
            let mut s = FecSession::new(1, 2, bs).unwrap();
            // File to memory: the source shrinks.
            let (src, _) = pattern_file(bs);
            shrink_at_map(1, cut);
            let mut out = Block::Memory(vec![0; bs]);
            let got = s.copy(&Block::file(&src, 0), &mut out);
            test_seam::clear();
            assert!(
                matches!(got, Err(SessionError::FileChanged { position: 0 })),
                "file to memory, cut {cut}: {got:?}"
            );
            // File to file: the source shrinks, then the destination.
            for (nth, position) in [(1, 0), (2, 1)] {
                let (src, _) = pattern_file(bs);
                let (dst, _) = pattern_file(bs);
                shrink_at_map(nth, cut);
                let got = s.copy(&Block::file(&src, 0), &mut Block::file(&dst, 0));
                test_seam::clear();
                assert!(
                    matches!(got, Err(SessionError::FileChanged { position: p }) if p == position),
                    "file to file, region {nth} cut {cut}: {got:?}"
                );
            }
            // Memory to file: the destination shrinks.
            let (dst, _) = pattern_file(bs);
            shrink_at_map(1, cut);
            let got = s.copy(&Block::Memory(vec![9; bs]), &mut Block::file(&dst, 0));
            test_seam::clear();
            assert!(
                matches!(got, Err(SessionError::FileChanged { position: 1 })),
                "memory to file, cut {cut}: {got:?}"
            );
            // Overlapping regions of one file: one mapping of both (the second made).
            let (f, _) = pattern_file(2 * bs);
            shrink_at_map(2, cut);
            let got = s.copy(
                &Block::file(&f, bs as u64 / 2),
                &mut Block::file(&f, bs as u64),
            );
            test_seam::clear();
            assert!(
                matches!(got, Err(SessionError::FileChanged { .. })),
                "overlapping, cut {cut}: {got:?}"
            );
        }
        // Without a change, the same copies work.
        let mut s = FecSession::new(1, 2, bs).unwrap();
        let (src, bytes) = pattern_file(bs);
        let mut out = Block::Memory(vec![0; bs]);
        s.copy(&Block::file(&src, 0), &mut out).unwrap();
        assert!(matches!(out, Block::Memory(v) if v == bytes));
    }
}

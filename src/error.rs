//! The one error type of the erasure code.

use crate::gf::Field;

/// Everything that can be wrong with a call into the code. Every check runs before
/// any output byte is written, so an `Err` means nothing was changed, but for
/// [`Error::Uncorrectable`], which is found while decoding.
///
/// # Examples
///
/// ```
/// use algorithm_fec::{Code, Error};
///
/// let code = Code::new(2, 3)?;
/// let mut out = [0; 4];
/// match code.encode(&[&b"abcd"[..], &b"abc"[..]], 2, &mut out) {
///     Err(Error::WrongBlockSize { position, expected, got }) => {
///         assert_eq!((position, expected, got), (1, 4, 3));
///     }
///     other => panic!("expected WrongBlockSize, got {other:?}"),
/// }
/// assert_eq!(out, [0; 4]); // nothing written
/// # Ok::<(), Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// k must be at least 1.
    #[error("the number of data blocks must be >= 1 (got {k})")]
    NoDataBlocks {
        /// The k that was asked for.
        k: usize,
    },
    /// n must be at least k.
    #[error(
        "the number of encoded blocks must be >= the number of data blocks (got n={n} < k={k})"
    )]
    FewerBlocksThanData {
        /// Data blocks.
        k: usize,
        /// Encoded blocks.
        n: usize,
    },
    /// n is larger than the field has points.
    #[error("the number of encoded blocks must be <= {max} in GF(2^{bits}) (got n={n})")]
    TooManyBlocks {
        /// Encoded blocks asked for.
        n: usize,
        /// The field's limit.
        max: usize,
        /// The field's symbol width.
        bits: u32,
    },
    /// A block index is not below n.
    #[error("block index {index} out of range, must be 0 <= index < {n}")]
    IndexOutOfRange {
        /// The offending index.
        index: usize,
        /// The code's n.
        n: usize,
    },
    /// The same index was given twice.
    #[error("duplicate block index {index}")]
    DuplicateIndex {
        /// The repeated index.
        index: usize,
    },
    /// A list of blocks or indices has the wrong length.
    #[error("expected {expected} {what}, got {got}")]
    WrongCount {
        /// What was counted ("data blocks", "indices", ...).
        what: &'static str,
        /// How many are needed.
        expected: usize,
        /// How many were given.
        got: usize,
    },
    /// Blocks of one call differ in length.
    #[error("block #{position} has size {got}, not {expected}")]
    WrongBlockSize {
        /// Position of the block in the list it was given in.
        position: usize,
        /// The size of the first block.
        expected: usize,
        /// This block's size.
        got: usize,
    },
    /// An output buffer's length differs from the data blocks'.
    #[error("output buffer has size {got}, not {expected} (the data block size)")]
    OutputSize {
        /// The data block size.
        expected: usize,
        /// The buffer's size.
        got: usize,
    },
    /// GF(2^16) works on whole 16-bit symbols.
    #[error("block size {size} is odd: GF(2^16) blocks must be a whole number of 16-bit symbols")]
    OddBlockSize {
        /// The rejected size.
        size: usize,
    },
    /// A block that decoding must overwrite was given read-only.
    #[error("block #{position} (index {index}) must be writable: decoding writes data block {position} into it")]
    ReadOnlyTarget {
        /// Its position after reordering.
        position: usize,
        /// The check index it held.
        index: usize,
    },
    /// [`Code::decode_correcting`](crate::Code::decode_correcting) needs at least k
    /// blocks.
    #[error("need at least {k} blocks to decode, got {got}")]
    TooFewBlocks {
        /// The code's k.
        k: usize,
        /// Blocks given.
        got: usize,
    },
    /// The blocks given to [`Code::decode_correcting`](crate::Code::decode_correcting)
    /// disagree, and more of them are wrong than the spare blocks (those beyond k)
    /// can correct: one wrong block takes two spare ones. The output buffers hold
    /// unspecified bytes.
    #[error("the blocks disagree at byte {offset} and cannot be corrected there: more are wrong than {spare} spare blocks can correct (at most {})", .spare / 2)]
    Uncorrectable {
        /// Offset in the blocks of the first symbol found that cannot be corrected.
        offset: usize,
        /// Blocks given beyond k.
        spare: usize,
    },
    /// `decode_shards` takes indices already in SPEC order.
    #[error("indices are not in decode order: data index {index} is at position {position}")]
    NotInDecodeOrder {
        /// The data index found out of place.
        index: usize,
        /// Where it was found.
        position: usize,
    },
}

impl Error {
    pub(crate) fn too_many(field: Field, n: usize) -> Error {
        Error::TooManyBlocks {
            n,
            max: field.size(),
            bits: field.bits(),
        }
    }
}

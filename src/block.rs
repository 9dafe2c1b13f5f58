//! Where a block's bytes live: a buffer in memory, or a region of a file that is
//! mapped with memmap2 so that huge files are encoded and decoded without being read
//! into memory.

use std::fs::File;
use std::io;

use memmap2::{Mmap, MmapMut, MmapOptions, UncheckedAdvice};

/// A block handed to a [`crate::FecSession`].
///
/// # Examples
///
/// ```
/// use algorithm_fec::{Block, FecSession};
/// use std::io::Write;
///
/// // Data blocks 0 and 1 are regions of one file, block 2 is in memory.
/// let mut file = tempfile::tempfile()?;
/// file.write_all(b"abcdefgh")?;
/// let mut s = FecSession::new(3, 4, 4)?;
/// s.set_encode_blocks(vec![
///     Block::file(&file, 0),
///     Block::file(&file, 4),
///     Block::Memory(b"ijkl".to_vec()),
/// ])?;
/// assert_eq!(s.encode(1)?, b"efgh");
/// assert_eq!(s.encode(3)?.len(), 4);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub enum Block<'f> {
    /// Bytes in memory. Decoding and copying write into them in place.
    Memory(Vec<u8>),
    /// `block_size` bytes of `file` starting at `offset` (any offset). The file is
    /// mapped when the block is set, read-only for encoding and read-write where
    /// decoding or copying writes; the session keeps the mapping, not the file.
    File {
        /// The file; must be open for writing if the block will be written.
        file: &'f File,
        /// Byte offset of the block in the file.
        offset: u64,
    },
}

impl Block<'_> {
    /// A file region block.
    pub fn file(file: &File, offset: u64) -> Block<'_> {
        Block::File { file, offset }
    }
}

/// Why a file region cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RegionError {
    /// The file ends before the region does.
    #[error(
        "the file is {len} bytes long, too short for a block at offset {offset} of {size} bytes"
    )]
    TooShort {
        /// The file's length.
        len: u64,
        /// The region's start.
        offset: u64,
        /// The region's length.
        size: usize,
    },
    /// Not a regular file (a pipe, socket, terminal ...): it cannot be mapped.
    #[error("not a regular file (pipes, sockets and devices cannot be mapped)")]
    NotAFile,
    /// The region does not fit in the address space.
    #[error("offset {offset} is too large")]
    BadOffset {
        /// The region's start.
        offset: u64,
    },
    /// Read-write mapping refused: the descriptor is not open for writing.
    #[error("cannot map it for writing (is the file opened read-write?): {0}")]
    NotWritable(io::Error),
    /// Any other failure from stat or mmap.
    #[error("{0}")]
    Io(#[from] io::Error),
}

enum Map {
    Read(Mmap),
    Write(MmapMut),
}

/// A mapped file region: the mapping starts at the page boundary at or below the
/// region, which begins `start` bytes into it.
pub(crate) struct Region {
    map: Map,
    start: usize,
    len: usize,
}

impl std::fmt::Debug for Region {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Region")
            .field("len", &self.len)
            .field("writable", &self.is_writable())
            .finish()
    }
}

fn page_size() -> u64 {
    // SAFETY: sysconf has no preconditions; it returns -1 only for unknown names.
    let p = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    u64::try_from(p).ok().filter(|&p| p > 0).unwrap_or(4096)
}

impl Region {
    /// Maps `len ≥ 1` bytes of `file` at `offset`, checking first that the file is a
    /// regular file long enough: a region past the end would otherwise fault (SIGBUS)
    /// on first access instead of failing here.
    pub fn map(
        file: &File,
        offset: u64,
        len: usize,
        writable: bool,
    ) -> Result<Region, RegionError> {
        let meta = file.metadata()?;
        if !meta.is_file() {
            return Err(RegionError::NotAFile);
        }
        let end = offset
            .checked_add(len as u64)
            .ok_or(RegionError::BadOffset { offset })?;
        if meta.len() < end {
            return Err(RegionError::TooShort {
                len: meta.len(),
                offset,
                size: len,
            });
        }
        let base = offset - offset % page_size();
        let start = (offset - base) as usize;
        let mut opts = MmapOptions::new();
        opts.offset(base).len(start + len);
        // SAFETY: the mapping is of a regular file checked to cover the whole range.
        // As with any mmap, another process truncating or rewriting the file while it
        // is mapped is outside what this library can prevent; the caller owns the
        // file, as the Perl original documents for its mmapped blocks.
        let map = if writable {
            match unsafe { opts.map_mut(file) } {
                Ok(m) => Map::Write(m),
                Err(e) if e.raw_os_error() == Some(libc::EACCES) => {
                    return Err(RegionError::NotWritable(e))
                }
                Err(e) => return Err(e.into()),
            }
        } else {
            Map::Read(unsafe { opts.map(file)? })
        };
        Ok(Region { map, start, len })
    }

    pub fn is_writable(&self) -> bool {
        matches!(self.map, Map::Write(_))
    }

    pub fn bytes(&self) -> &[u8] {
        let all: &[u8] = match &self.map {
            Map::Read(m) => m,
            Map::Write(m) => m,
        };
        &all[self.start..self.start + self.len]
    }

    /// The bytes, if mapped writable.
    pub fn bytes_mut(&mut self) -> Option<&mut [u8]> {
        match &mut self.map {
            Map::Write(m) => Some(&mut m[self.start..self.start + self.len]),
            Map::Read(_) => None,
        }
    }

    /// Writes changed pages back to the file and reports any I/O error.
    pub fn flush(&self) -> io::Result<()> {
        match &self.map {
            Map::Write(m) => m.flush_range(self.start, self.len),
            Map::Read(_) => Ok(()),
        }
    }

    /// Tells the kernel the pages under `range` (relative to the region) are not
    /// needed any more, so touching a multi-GiB file does not grow the resident set.
    /// Written data is kept: the mapping is shared, so the pages stay in the page
    /// cache and reach the file.
    pub fn release(&self, range: std::ops::Range<usize>) {
        let page = page_size() as usize;
        // Whole pages strictly inside the range, in mapping coordinates.
        let from = (self.start + range.start).div_ceil(page) * page;
        let to = (self.start + range.end.min(self.len)) / page * page;
        if to <= from {
            return;
        }
        // SAFETY: DontNeed on a MAP_SHARED file mapping only drops this process's
        // page-table entries; later reads fault the same file pages back in and dirty
        // pages are kept by the page cache, so no data is lost or changed. Nothing
        // holds a reference into the range while this runs (&self, no outstanding
        // borrows from `bytes`/`bytes_mut` across the call by construction of the
        // callers). Errors are only advisory and ignored.
        let _ = unsafe {
            match &self.map {
                Map::Read(m) => {
                    m.unchecked_advise_range(UncheckedAdvice::DontNeed, from, to - from)
                }
                Map::Write(m) => {
                    m.unchecked_advise_range(UncheckedAdvice::DontNeed, from, to - from)
                }
            }
        };
    }
}

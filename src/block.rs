//! Where a block's bytes live: a buffer in memory, or a region of a file that is
//! mapped with memmap2 so that huge files are encoded and decoded without being read
//! into memory.

use std::collections::HashMap;
use std::fs::File;
use std::io;
use std::sync::Arc;

#[cfg(unix)]
use memmap2::UncheckedAdvice;
use memmap2::{Mmap, MmapMut, MmapOptions};

use crate::sigbus::Guard;

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
    /// decoding or copying writes (the space of a written region is allocated
    /// then); the session keeps the mapping and a duplicate of the descriptor (one
    /// per file, to check the file's length after each call), not the `File`. See
    /// docs/sessions.md, "Files changed while mapped", for what happens if the file
    /// changes meanwhile.
    File {
        /// The file; must be open for writing if the block will be written.
        file: &'f File,
        /// Byte offset of the block in the file.
        offset: u64,
    },
}

impl Block<'_> {
    /// A file region block.
    ///
    /// ```
    /// use algorithm_fec::{Block, FecSession};
    ///
    /// let file = tempfile::tempfile()?;
    /// file.set_len(8)?;
    /// let block = Block::file(&file, 4);
    /// assert!(matches!(block, Block::File { offset: 4, .. }));
    /// let mut s = FecSession::new(1, 2, 4)?;
    /// s.copy(&Block::Memory(b"tail".to_vec()), &mut Block::file(&file, 4))?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn file(file: &File, offset: u64) -> Block<'_> {
        Block::File { file, offset }
    }
}

/// Why a file region cannot be used.
///
/// # Examples
///
/// ```
/// use algorithm_fec::block::RegionError;
/// use algorithm_fec::{Block, FecSession, SessionError};
///
/// let file = tempfile::tempfile()?;
/// file.set_len(10)?;
/// let mut s = FecSession::new(2, 3, 8)?;
/// // The second block would end at byte 16 of a 10-byte file.
/// match s.set_encode_blocks(vec![Block::file(&file, 0), Block::file(&file, 8)]) {
///     Err(SessionError::Region { position: 1, source: RegionError::TooShort { len, offset, size } }) => {
///         assert_eq!((len, offset, size), (10, 8, 8));
///     }
///     other => panic!("expected TooShort, got {other:?}"),
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
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
    /// The file system cannot allocate the region's space (full, or over quota):
    /// found when the region is set, instead of a crash (SIGBUS) when it is written.
    #[error(
        "no space on the file system for the region (it is sparse and cannot be allocated): {0}"
    )]
    NoSpace(io::Error),
    /// Too many regions mapped at once in this process (the fault guard's table is
    /// full).
    #[error("too many file regions mapped at once in this process")]
    TooManyMappings,
    /// Any other failure from stat or mmap.
    #[error("{0}")]
    Io(#[from] io::Error),
}

/// Where a file region lies, for overlap checks: the file (device and inode, so two
/// descriptors or hard links of one file are one file) and the byte range.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Extent {
    file: (u64, u64),
    start: u64,
    end: u64,
    /// Position of the block in the list it was given in.
    pub position: usize,
    /// Whether the call writes the region.
    pub written: bool,
}

impl Extent {
    /// The extent of `len` bytes of `file` at `offset`.
    pub fn of(
        position: usize,
        file: &File,
        offset: u64,
        len: usize,
        written: bool,
    ) -> Result<Extent, RegionError> {
        let meta = file.metadata()?;
        Ok(Extent {
            file: crate::sys::file_id(file, &meta)?,
            start: offset,
            end: offset.saturating_add(len as u64),
            position,
            written,
        })
    }

    /// Whether the two share a byte of one file.
    pub fn overlaps(&self, other: &Extent) -> bool {
        self.file == other.file && self.start < other.end && other.start < self.end
    }
}

/// Two regions of one call that must not be used together.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Conflict {
    /// The same region twice (positions, ascending).
    Same(usize, usize),
    /// Overlapping regions, one of them written (positions, ascending).
    Overlap(usize, usize),
}

/// The first conflict among `extents`: the same region twice, or two regions that
/// share bytes where one of them is written. Regions only read may overlap. Sorts
/// `extents`; O(n log n).
pub(crate) fn conflict(extents: &mut [Extent]) -> Option<Conflict> {
    extents.sort_unstable_by_key(|e| (e.file, e.start, e.end));
    let pair = |a: usize, b: usize| (a.min(b), a.max(b));
    // Furthest-reaching read and written regions so far in the current file.
    let mut reach: [Option<(u64, usize)>; 2] = [None, None];
    for (i, e) in extents.iter().enumerate() {
        let prev = i.checked_sub(1).map(|j| &extents[j]);
        match prev {
            Some(p) if p.file != e.file => reach = [None, None],
            Some(p) if (p.start, p.end) == (e.start, e.end) => {
                let (a, b) = pair(p.position, e.position);
                return Some(Conflict::Same(a, b));
            }
            _ => {}
        }
        for (written, r) in reach.iter().enumerate() {
            if let Some((end, j)) = *r {
                if e.start < end && (e.written || written == 1) {
                    let (a, b) = pair(j, e.position);
                    return Some(Conflict::Overlap(a, b));
                }
            }
        }
        let r = &mut reach[usize::from(e.written)];
        if r.is_none_or(|(end, _)| e.end > end) {
            *r = Some((e.end, e.position));
        }
    }
    None
}

enum Map {
    Read(Mmap),
    Write(MmapMut),
}

/// The files of the regions one call maps, each kept open once (a duplicated
/// descriptor per file, by device and inode): a region checks its file's length after
/// the work, and the caller may close its own descriptor meanwhile. One descriptor
/// per file, not per region, so k regions of one file cost one.
#[derive(Default)]
pub(crate) struct Files(HashMap<(u64, u64), Arc<File>>);

impl Files {
    fn keep(&mut self, file: &File, meta: &std::fs::Metadata) -> io::Result<Arc<File>> {
        use std::collections::hash_map::Entry;
        match self.0.entry(crate::sys::file_id(file, meta)?) {
            Entry::Occupied(e) => Ok(Arc::clone(e.get())),
            Entry::Vacant(e) => Ok(Arc::clone(e.insert(Arc::new(file.try_clone()?)))),
        }
    }
}

/// A mapped file region: the mapping starts at the page boundary at or below the
/// region, which begins `start` bytes into it.
pub(crate) struct Region {
    // Declared before `map`, so it is dropped (unregistered) before the unmapping.
    guard: Guard,
    map: Map,
    start: usize,
    len: usize,
    /// The file, and where the region ends in it: a shrink that stays inside the
    /// last page raises no fault (the page reads as zeros past the end), so
    /// [`Region::changed`] asks the file its length.
    file: Arc<File>,
    end: u64,
}

impl std::fmt::Debug for Region {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Region")
            .field("len", &self.len)
            .field("writable", &self.is_writable())
            .finish()
    }
}

/// The alignment of a mapping's file offset (crate::sys).
pub(crate) use crate::sys::page_size;

/// Allocates the holes of `[offset, offset + len)` (the file is already that long):
/// writing a sparse region through a mapping on a full file system would otherwise
/// fault (SIGBUS) instead of failing. Where the file system cannot reserve space
/// (EOPNOTSUPP: some network and FUSE file systems), nothing is reserved and a full
/// file system is caught by the fault guard instead, as a failed call.
fn reserve(file: &File, offset: u64, len: usize) -> Result<(), RegionError> {
    crate::sys::reserve(file, offset, len)
        .ok_or(RegionError::BadOffset { offset })?
        .map_err(|e| match e.kind() {
            io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded => RegionError::NoSpace(e),
            _ => RegionError::Io(e),
        })
}

impl Region {
    /// Maps `len ≥ 1` bytes of `file` at `offset`, checking first that the file is a
    /// regular file long enough: a region past the end would otherwise fault (SIGBUS)
    /// on first access instead of failing here. The file is kept open in `files`.
    pub fn map(
        files: &mut Files,
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
        // Someone rewriting the file while it is mapped is outside what this library
        // can prevent (the caller owns the file, as the Perl original documents for
        // its mmapped blocks); someone shrinking it makes a page fault, which the
        // guard registered below turns into a failed call (crate::sigbus).
        let map = if writable {
            match unsafe { opts.map_mut(file) } {
                Ok(m) => Map::Write(m),
                Err(e) if e.kind() == io::ErrorKind::PermissionDenied => {
                    return Err(RegionError::NotWritable(e))
                }
                Err(e) => return Err(e.into()),
            }
        } else {
            Map::Read(unsafe { opts.map(file)? })
        };
        if writable {
            reserve(file, offset, len)?;
        }
        let all: &[u8] = match &map {
            Map::Read(m) => m,
            Map::Write(m) => m,
        };
        let guard = Guard::register(all.as_ptr(), all.len()).ok_or(RegionError::TooManyMappings)?;
        let region = Region {
            guard,
            map,
            start,
            len,
            file: files.keep(file, &meta)?,
            end,
        };
        #[cfg(all(test, unix))]
        test_seam::after_map(file);
        Ok(region)
    }

    /// Whether the region no longer shows its file: a page faulted (see
    /// [`Region::faulted`]), or the file is now shorter than the region's end (or
    /// cannot be asked). Every call that read or wrote the region asks this last,
    /// before it reports success.
    pub fn changed(&self) -> bool {
        first_changed([self].into_iter().enumerate()).is_some()
    }

    /// Whether a page of the mapping faulted (the file shrank under it, or a page
    /// could not be allocated): its bytes are then not the file's, and whatever
    /// call touched it must fail.
    pub fn faulted(&self) -> bool {
        self.guard.faulted()
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
    #[cfg(unix)]
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

    /// Nothing to do: Windows has no such advice and trims the working set of
    /// mapped file pages by itself.
    #[cfg(windows)]
    pub fn release(&self, _range: std::ops::Range<usize>) {}
}

/// The position of the first of `regions` that [`Region::changed`]. Regions of one
/// file usually come together: each run of them asks the file its length once, so a
/// call over k regions of one file makes one `fstat`, not k.
pub(crate) fn first_changed<'a>(
    regions: impl Iterator<Item = (usize, &'a Region)>,
) -> Option<usize> {
    let mut last: Option<(*const File, Option<u64>)> = None;
    for (position, r) in regions {
        let file = Arc::as_ptr(&r.file);
        let len = match last {
            Some((f, len)) if f == file => len,
            _ => r.file.metadata().ok().map(|m| m.len()),
        };
        last = Some((file, len));
        if r.faulted() || len.is_none_or(|len| len < r.end) {
            return Some(position);
        }
    }
    None
}

/// A seam for unit tests: a hook that runs after each mapping is made, on the calling
/// thread, so a test can change the file in the middle of a call. Not in other builds,
/// nor on Windows, which refuses to shorten a mapped file.
#[cfg(all(test, unix))]
pub(crate) mod test_seam {
    use std::cell::RefCell;
    use std::fs::File;

    type Hook = Box<dyn FnMut(&File)>;

    thread_local! {
        static AFTER_MAP: RefCell<Option<Hook>> = RefCell::new(None);
    }

    /// Runs `hook` after every mapping made on this thread until `clear`.
    pub fn set(hook: impl FnMut(&File) + 'static) {
        AFTER_MAP.with(|h| *h.borrow_mut() = Some(Box::new(hook)));
    }

    pub fn clear() {
        AFTER_MAP.with(|h| *h.borrow_mut() = None);
    }

    pub(super) fn after_map(file: &File) {
        AFTER_MAP.with(|h| {
            if let Some(hook) = h.borrow_mut().as_mut() {
                hook(file);
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ext(position: usize, file: u64, start: u64, len: u64, written: bool) -> Extent {
        Extent {
            file: (1, file),
            start,
            end: start + len,
            position,
            written,
        }
    }

    /// Whether a and b must not be used together: by definition, pair by pair.
    fn clash(a: &Extent, b: &Extent) -> bool {
        a.file == b.file && (a.start, a.end) == (b.start, b.end)
            || a.overlaps(b) && (a.written || b.written)
    }

    #[test]
    fn conflict_finds_exactly_the_clashing_pairs() {
        let mut rng = crate::test_rng::Rng(0x2545_f491_4f6c_dd1d);
        let mut next = |m: u64| rng.next() % m;
        let (mut found, mut clean) = (0, 0);
        let rounds = if cfg!(miri) { 200 } else { 20_000 };
        for _ in 0..rounds {
            let n = 1 + next(6) as usize;
            let list: Vec<Extent> = (0..n)
                .map(|p| ext(p, next(2), next(40), 1 + next(12), next(3) == 0))
                .collect();
            let brute = (0..n).any(|i| (i + 1..n).any(|j| clash(&list[i], &list[j])));
            let mut sorted = list.clone();
            match conflict(&mut sorted) {
                None => {
                    assert!(!brute, "missed a clash in {list:?}");
                    clean += 1;
                }
                Some(Conflict::Same(a, b) | Conflict::Overlap(a, b)) => {
                    assert!(a < b && clash(&list[a], &list[b]), "{a} {b} in {list:?}");
                    found += 1;
                }
            }
        }
        // Both outcomes are common (about half each), so both branches are tested.
        assert!(found > rounds / 5 && clean > rounds / 5, "{found} {clean}");
    }
}

//! The file layer's platform calls on Unix.

use std::ffi::c_int;
use std::fs::{File, Metadata};
use std::io;
use std::mem::ManuallyDrop;
use std::os::fd::{AsRawFd, FromRawFd};
use std::os::unix::fs::MetadataExt;

use super::FileId;

/// The alignment of a mapping's file offset: the page size.
pub(crate) fn page_size() -> u64 {
    // SAFETY: sysconf has no preconditions; it returns -1 only for unknown names.
    let p = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    u64::try_from(p).ok().filter(|&p| p > 0).unwrap_or(4096)
}

/// Allocates the holes of `[offset, offset + len)` of `file` (already that long)
/// without changing its length. `Ok` also where the file system cannot reserve
/// space (EOPNOTSUPP, ENOSYS): nothing was reserved then. A full file system or
/// quota is an error of kind `StorageFull` or `QuotaExceeded`. `None` when the range
/// does not fit the platform's file offsets.
pub(crate) fn reserve(file: &File, offset: u64, len: usize) -> Option<io::Result<()>> {
    let off = libc::off_t::try_from(offset).ok()?;
    let len = libc::off_t::try_from(len).ok()?;
    Some(loop {
        break match allocate(file, off, len) {
            0 => Ok(()),
            libc::EINTR => continue,
            libc::EOPNOTSUPP | libc::ENOSYS => Ok(()),
            err => Err(io::Error::from_raw_os_error(err)),
        };
    })
}

/// One allocation attempt: 0 or an errno.
#[cfg(target_os = "linux")]
fn allocate(file: &File, off: libc::off_t, len: libc::off_t) -> c_int {
    // SAFETY: a plain system call on a descriptor the caller keeps open; KEEP_SIZE
    // never changes the file's length (it only allocates).
    match unsafe { libc::fallocate(file.as_raw_fd(), libc::FALLOC_FL_KEEP_SIZE, off, len) } {
        0 => 0,
        _ => errno(),
    }
}

/// One allocation attempt: 0 or an errno. macOS has no posix_fallocate and cannot
/// allocate a given range: F_PREALLOCATE gives the file more blocks past its
/// allocated end, without changing its length. It asks for what the region's holes
/// can need at most (the file's unallocated bytes, if fewer than the region's), so a
/// fully allocated file asks for nothing and a nearly full volume is no error for it.
/// (Not run here: this is type-checked only, see scripts/check-macos. A fault the
/// reservation did not prevent is still turned into a failed call by crate::sigbus.)
#[cfg(target_vendor = "apple")]
fn allocate(file: &File, _off: libc::off_t, len: libc::off_t) -> c_int {
    let Ok(meta) = file.metadata() else {
        return errno();
    };
    let holes = meta.len().saturating_sub(meta.blocks().saturating_mul(512));
    let need = libc::off_t::try_from(holes).map_or(len, |h| h.min(len));
    if need == 0 {
        return 0;
    }
    let mut store = libc::fstore_t {
        fst_flags: libc::F_ALLOCATEALL,
        fst_posmode: libc::F_PEOFPOSMODE,
        fst_offset: 0,
        fst_length: need,
        fst_bytesalloc: 0,
    };
    // SAFETY: a plain system call on a descriptor the caller keeps open, given a
    // valid fstore_t that lives across the call.
    match unsafe { libc::fcntl(file.as_raw_fd(), libc::F_PREALLOCATE, &mut store) } {
        -1 => errno(),
        _ => 0,
    }
}

/// One allocation attempt: 0 or an errno.
#[cfg(not(any(target_os = "linux", target_vendor = "apple")))]
fn allocate(file: &File, off: libc::off_t, len: libc::off_t) -> c_int {
    // SAFETY: a plain system call on a descriptor the caller keeps open; the range
    // lies inside the file, so its length does not change.
    unsafe { libc::posix_fallocate(file.as_raw_fd(), off, len) }
}

fn errno() -> c_int {
    io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

/// The identity of the open `file`, whose metadata is `meta`.
pub(crate) fn file_id(_file: &File, meta: &Metadata) -> io::Result<FileId> {
    Ok((meta.dev(), meta.ino()))
}

/// A borrowed `File` for the C ABI's descriptor `fd` (≥ 0); never closed.
///
/// # Safety
/// The caller must keep `fd` open while the result is used; a descriptor that is not
/// open makes the first system call fail with EBADF.
pub(crate) unsafe fn borrow_fd(fd: c_int) -> io::Result<ManuallyDrop<File>> {
    // SAFETY: the File is wrapped in ManuallyDrop and never dropped, so this does not
    // take ownership of (or close) the caller's descriptor.
    Ok(ManuallyDrop::new(unsafe { File::from_raw_fd(fd) }))
}

/// What only the output layer (feature `files`) needs.
#[cfg(feature = "files")]
mod files {
    use std::ffi::OsStr;
    use std::fs::{File, FileType, Metadata, Permissions};
    use std::io;
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
    use std::path::Path;

    use super::FileId;

    /// Makes the renames and new names in directory `dir` durable (fsync of the
    /// directory).
    pub(crate) fn sync_dir(dir: &Path) -> io::Result<()> {
        File::open(dir)?.sync_all()
    }

    /// Never: a Unix rename replaces its target atomically whoever else renames onto
    /// it, so a failure is final.
    pub(crate) fn rename_may_succeed_later(_e: &io::Error) -> bool {
        false
    }

    /// The identity of the file at `path` (links followed).
    pub(crate) fn path_id(path: &Path) -> io::Result<FileId> {
        let m = std::fs::metadata(path)?;
        Ok((m.dev(), m.ino()))
    }

    /// Whether a write to a file of this type reaches a reader at once: a FIFO or a
    /// character device, written into directly rather than replaced.
    pub(crate) fn is_stream(ft: FileType) -> bool {
        ft.is_fifo() || ft.is_char_device()
    }

    /// Whether `meta` is the null device's.
    pub(crate) fn is_null_device(meta: &Metadata) -> bool {
        std::fs::metadata("/dev/null").is_ok_and(|n| n.rdev() == meta.rdev())
    }

    /// What a special file is, for messages ("a FIFO"), if the platform has a name.
    pub(crate) fn special_kind(ft: FileType) -> Option<&'static str> {
        Some(if ft.is_fifo() {
            "a FIFO"
        } else if ft.is_char_device() {
            "a character device"
        } else if ft.is_block_device() {
            "a block device"
        } else if ft.is_socket() {
            "a socket"
        } else {
            return None;
        })
    }

    /// The permissions a new output file is made with, before the umask: those of a
    /// file made by `open(..., 0666)`, not tempfile's private 0600.
    pub(crate) fn new_file_permissions() -> Option<Permissions> {
        Some(Permissions::from_mode(0o666))
    }

    /// A file name read back from a journal record (any bytes but NUL are a name).
    pub(crate) fn name_from_bytes(b: &[u8]) -> Option<&OsStr> {
        Some(OsStr::from_bytes(b))
    }
}
#[cfg(feature = "files")]
pub(crate) use files::*;

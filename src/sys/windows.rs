//! The file layer's platform calls on Windows.

use std::ffi::c_int;
use std::fs::{File, Metadata};
use std::io;
use std::mem::ManuallyDrop;
use std::os::windows::io::{AsRawHandle, FromRawHandle, RawHandle};

use windows_sys::Win32::Foundation::ERROR_INVALID_HANDLE;
use windows_sys::Win32::Storage::FileSystem::{
    GetFileInformationByHandle, BY_HANDLE_FILE_INFORMATION,
};
use windows_sys::Win32::System::SystemInformation::{GetSystemInfo, SYSTEM_INFO};

use super::FileId;

/// The alignment of a mapping's file offset: the allocation granularity (64 KiB),
/// which on Windows is coarser than the page.
pub(crate) fn page_size() -> u64 {
    // SAFETY: GetSystemInfo fills the struct it is given and cannot fail.
    let info = unsafe {
        let mut info: SYSTEM_INFO = std::mem::zeroed();
        GetSystemInfo(&mut info);
        info
    };
    match info.dwAllocationGranularity {
        0 => 65536,
        g => u64::from(g),
    }
}

/// Nothing to do: a file that is not marked sparse has all its space allocated when
/// it is made longer, so writing through a mapping never needs new space (and a
/// mapped file cannot be shortened: `SetEndOfFile` fails while a mapping is live).
pub(crate) fn reserve(_file: &File, _offset: u64, _len: usize) -> Option<io::Result<()>> {
    Some(Ok(()))
}

/// The identity of the open `file`.
pub(crate) fn file_id(file: &File, _meta: &Metadata) -> io::Result<FileId> {
    // SAFETY: the handle is open for the call (borrowed from `file`); the struct is
    // plain data that the call fills.
    let info = unsafe {
        let mut info: BY_HANDLE_FILE_INFORMATION = std::mem::zeroed();
        if GetFileInformationByHandle(file.as_raw_handle(), &mut info) == 0 {
            return Err(io::Error::last_os_error());
        }
        info
    };
    let index = u64::from(info.nFileIndexHigh) << 32 | u64::from(info.nFileIndexLow);
    Ok((u64::from(info.dwVolumeSerialNumber), index))
}

/// A borrowed `File` for the C ABI's descriptor `fd` (≥ 0), a C runtime descriptor
/// (`_open`, `_fileno`) whose handle is asked with `_get_osfhandle`; never closed.
///
/// # Safety
/// The caller must keep `fd` open while the result is used.
pub(crate) unsafe fn borrow_fd(fd: c_int) -> io::Result<ManuallyDrop<File>> {
    // SAFETY: _get_osfhandle only looks the descriptor up; it returns -1 for one
    // that is not open.
    let h = unsafe { libc::get_osfhandle(fd) };
    if h == -1 {
        return Err(io::Error::from_raw_os_error(ERROR_INVALID_HANDLE as i32));
    }
    // SAFETY: the File is wrapped in ManuallyDrop and never dropped, so this does not
    // take ownership of (or close) the handle the C runtime owns.
    Ok(ManuallyDrop::new(unsafe {
        File::from_raw_handle(h as RawHandle)
    }))
}

/// What only the output layer (feature `files`) needs.
#[cfg(feature = "files")]
mod files {
    use std::ffi::OsStr;
    use std::fs::{FileType, Metadata, OpenOptions, Permissions};
    use std::io;
    use std::os::windows::fs::OpenOptionsExt;
    use std::path::Path;

    use windows_sys::Win32::Storage::FileSystem::FILE_FLAG_BACKUP_SEMANTICS;

    use super::{file_id, FileId};

    /// Nothing to do on Windows: std opens no directory as a `File` there (access
    /// denied), and NTFS logs renames and new names in its metadata journal.
    pub(crate) fn sync_dir(_dir: &Path) -> io::Result<()> {
        Ok(())
    }

    /// Whether a rename over an existing name that failed so may succeed when tried
    /// again: access denied is what Windows answers while another process renames
    /// onto the same name, or while the file replaced there is still being deleted.
    pub(crate) fn rename_may_succeed_later(e: &io::Error) -> bool {
        e.kind() == io::ErrorKind::PermissionDenied
    }

    /// The identity of the file at `path` (links followed): opened without asking for
    /// read or write access, so it works on files that are open elsewhere and on
    /// directories (backup semantics).
    pub(crate) fn path_id(path: &Path) -> io::Result<FileId> {
        let f = OpenOptions::new()
            .access_mode(0)
            .custom_flags(FILE_FLAG_BACKUP_SEMANTICS)
            .open(path)?;
        let meta = f.metadata()?;
        file_id(&f, &meta)
    }

    /// Windows has no FIFO or device files among its paths that std reports as such.
    pub(crate) fn is_stream(_ft: FileType) -> bool {
        false
    }

    /// Never: see [`is_stream`].
    pub(crate) fn is_null_device(_meta: &Metadata) -> bool {
        false
    }

    /// None: see [`is_stream`].
    pub(crate) fn special_kind(_ft: FileType) -> Option<&'static str> {
        None
    }

    /// New output files get the default permissions (tempfile sets none other there).
    pub(crate) fn new_file_permissions() -> Option<Permissions> {
        None
    }

    /// A file name read back from a journal record, written by `as_encoded_bytes`: only
    /// names that are valid Unicode are accepted back (others make the record invalid).
    pub(crate) fn name_from_bytes(b: &[u8]) -> Option<&OsStr> {
        std::str::from_utf8(b).ok().map(OsStr::new)
    }
}
#[cfg(feature = "files")]
pub(crate) use files::*;

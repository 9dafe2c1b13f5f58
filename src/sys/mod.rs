//! The platform calls of the file layer, one function per need: [`unix`] (Linux,
//! macOS and the BSDs) and `windows` give the same functions, so the modules that
//! use them (block, output, ffi) hold no `cfg`. Signals are the one exception, in
//! their own module (crate::sigbus), as Windows needs no counterpart there.

#[cfg(unix)]
mod unix;
#[cfg(unix)]
pub(crate) use unix::*;

#[cfg(windows)]
mod windows;
#[cfg(windows)]
pub(crate) use windows::*;

/// A file's identity: two open files or names are one file exactly when these are
/// equal (device and inode on Unix, volume serial number and file index on Windows).
pub(crate) type FileId = (u64, u64);

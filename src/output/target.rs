use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};

#[cfg(doc)]
use super::write_output;
use super::OutputError;
use crate::sys;

/// What is at an output path now.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Existing {
    Nothing,
    /// A regular file (the path to replace, symbolic links resolved).
    Regular,
    /// A FIFO or a character device: written into, never replaced.
    Stream,
}

/// An output path checked against the rules of this module.
pub(super) struct Target {
    /// As the caller gave it, for messages.
    pub(super) shown: PathBuf,
    /// Where to write: `shown` with symbolic links resolved.
    pub(super) path: PathBuf,
    pub(super) existing: Existing,
}

/// Whether what is written to `out` reaches a reader at once and cannot be taken
/// back: `out` is (through links) a FIFO or a character device that [`write_output`]
/// writes into directly, other than `/dev/null`. Work verified only at its end should
/// hold its output elsewhere until then.
///
/// ```
/// use algorithm_fec::output::is_live_stream;
///
/// let dir = tempfile::tempdir()?;
/// let file = dir.path().join("f");
/// std::fs::write(&file, b"")?;
/// assert!(!is_live_stream(&file)); // written through a temporary, renamed at the end
/// assert!(!is_live_stream(&dir.path().join("absent")));
/// #[cfg(unix)]
/// {
///     assert!(!is_live_stream("/dev/null".as_ref())); // nobody reads it
///     let fifo = dir.path().join("fifo");
///     assert!(std::process::Command::new("mkfifo").arg(&fifo).status()?.success());
///     assert!(is_live_stream(&fifo)); // a reader gets every byte at once
/// }
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn is_live_stream(out: &Path) -> bool {
    let Ok(meta) = fs::metadata(out) else {
        return false;
    };
    sys::is_stream(meta.file_type()) && !sys::is_null_device(&meta)
}

/// The identity of the open `file`, whose metadata is `meta`: equal for two open
/// files exactly when they are one file (device and inode on Unix, volume serial
/// number and file index on Windows), whatever names they were opened by.
///
/// # Examples
///
/// ```
/// use algorithm_fec::output::file_id;
/// let dir = tempfile::tempdir()?;
/// std::fs::write(dir.path().join("a"), b"x")?;
/// std::fs::hard_link(dir.path().join("a"), dir.path().join("b"))?;
/// let id = |n: &str| -> std::io::Result<_> {
///     let f = std::fs::File::open(dir.path().join(n))?;
///     file_id(&f, &f.metadata()?)
/// };
/// assert_eq!(id("a")?, id("b")?);
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn file_id(file: &File, meta: &fs::Metadata) -> io::Result<(u64, u64)> {
    sys::file_id(file, meta)
}

/// What a file that is not a regular one is, for messages ("a FIFO").
///
/// ```
/// use algorithm_fec::output::kind;
///
/// let dir = tempfile::tempdir()?;
/// assert_eq!(kind(std::fs::metadata(dir.path())?.file_type()), "a directory");
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn kind(ft: fs::FileType) -> &'static str {
    if ft.is_dir() {
        "a directory"
    } else {
        sys::special_kind(ft).unwrap_or("not a regular file")
    }
}

pub(super) fn inspect(shown: &Path) -> Result<Target, OutputError> {
    let cannot = |source| OutputError::Write {
        name: shown.display().to_string(),
        source,
    };
    let meta = match fs::symlink_metadata(shown) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Ok(Target {
                shown: shown.to_path_buf(),
                path: shown.to_path_buf(),
                existing: Existing::Nothing,
            })
        }
        r => r.map_err(cannot)?,
    };
    let (path, meta) = if meta.file_type().is_symlink() {
        match fs::metadata(shown) {
            // A regular file is replaced by renaming onto its real path. A stream is
            // opened through the link: `/dev/stdout` on a pipe resolves to
            // `pipe:[N]`, which is no path at all.
            Ok(m) if m.is_file() => (fs::canonicalize(shown).map_err(cannot)?, m),
            Ok(m) => (shown.to_path_buf(), m),
            Err(source) => {
                return Err(OutputError::BrokenLink {
                    path: shown.to_path_buf(),
                    source,
                })
            }
        }
    } else {
        (shown.to_path_buf(), meta)
    };
    let ft = meta.file_type();
    let existing = if ft.is_file() {
        Existing::Regular
    } else if sys::is_stream(ft) {
        Existing::Stream
    } else {
        return Err(OutputError::NotRegular {
            path: shown.to_path_buf(),
            kind: kind(ft),
        });
    };
    Ok(Target {
        shown: shown.to_path_buf(),
        path,
        existing,
    })
}

pub(super) fn exists_error(t: &Target, more: usize) -> OutputError {
    OutputError::Exists {
        path: t.shown.clone(),
        more,
    }
}

pub(super) fn parent(p: &Path) -> &Path {
    match p.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

//! Output files that appear whole or not at all (feature `files`): every output goes
//! to a temporary beside its target, is synced, and only then renamed into place; a
//! set of files (zfec's shares) is replaced all at once or not at all, under a lock
//! that serialises writers of the same names and, beside it, a journal that lets the
//! next holder of the lock finish or undo a run that died (see [`ShareSetOutput`]).
//! The `fec` tool and the Python binding write through this module.
//!
//! Rules for an output path:
//! * absent: created (atomically, by rename);
//! * a regular file: replaced only with [`Options::overwrite`], atomically;
//! * a symbolic link: followed — what it points to is treated by these rules (a
//!   regular file is replaced), the link stays; a link to nothing (dangling, a loop)
//!   is refused ([`OutputError::BrokenLink`]);
//! * a FIFO or character device (Unix: `/dev/null`, a named pipe): written into like a
//!   stream by [`write_output`], never removed or replaced; refused as a member of a
//!   [`ShareSetOutput`], whose files must be regular;
//! * anything else (a directory, a block device, a socket): refused.
//!
//! ```
//! use std::io::Write;
//! use algorithm_fec::output::{write_output, Options, OutputError};
//!
//! let dir = tempfile::tempdir()?;
//! let out = dir.path().join("out");
//! let opts = Options::default();
//! let n = write_output(&out, &opts, |w| -> Result<usize, OutputError> {
//!     w.write_all(b"hello").map_err(|source| OutputError::Write {
//!         name: "out".into(),
//!         source,
//!     })?;
//!     Ok(5)
//! })?;
//! assert_eq!((n, std::fs::read(&out)?), (5, b"hello".to_vec()));
//! // It exists now: without `overwrite` it is refused and left as it is.
//! let again = write_output(&out, &opts, |_| Ok::<(), OutputError>(()));
//! assert!(matches!(again, Err(OutputError::Exists { .. })));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::ffi::OsStr;
use std::fs::{self, File};
use std::io::{self, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use tempfile::NamedTempFile;

use crate::sys;

mod journal;
pub use journal::Recovered;
use journal::{Entry, Journal};

/// How outputs are written.
///
/// # Examples
///
/// ```
/// use algorithm_fec::output::{write_output, Options, OutputError};
/// use std::io::Write;
///
/// let dir = tempfile::tempdir()?;
/// let out = dir.path().join("out");
/// std::fs::write(&out, b"old")?;
/// // Replace the existing file; skip fsync (a crash of the machine may lose it).
/// let opts = Options { overwrite: true, fsync: false };
/// write_output(&out, &opts, |w| w.write_all(b"new").map_err(|source| OutputError::Write {
///     name: "out".into(),
///     source,
/// }))?;
/// assert_eq!(std::fs::read(&out)?, b"new");
/// assert_eq!(Options::default(), Options { overwrite: false, fsync: true });
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Replace an existing regular file (off: an existing file is an error).
    pub overwrite: bool,
    /// fsync each output before its rename and (on Unix) its directory after (on by
    /// default): without it, "all or nothing" holds for a crash of the program, not
    /// of the machine.
    pub fsync: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            overwrite: false,
            fsync: true,
        }
    }
}

/// What went wrong with an output; every variant names the file.
///
/// # Examples
///
/// ```
/// use algorithm_fec::output::{write_output, Options, OutputError};
///
/// let dir = tempfile::tempdir()?;
/// // A directory is never written over.
/// let r = write_output(dir.path(), &Options::default(), |_| Ok::<(), OutputError>(()));
/// match r {
///     Err(OutputError::NotRegular { path, kind }) => {
///         assert_eq!((path.as_path(), kind), (dir.path(), "a directory"));
///     }
///     other => panic!("expected NotRegular, got {other:?}"),
/// }
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OutputError {
    /// The output exists and [`Options::overwrite`] is off.
    #[error("{} exists{}", path.display(), and_more(*more))]
    Exists {
        /// The first existing output, as given.
        path: PathBuf,
        /// How many more outputs of the same set exist.
        more: usize,
    },
    /// A share file was created by someone else while the set was being written.
    #[error("{} appeared while the shares were written: not replaced", path.display())]
    Appeared {
        /// The output, as given.
        path: PathBuf,
    },
    /// The output is a directory, block device or socket.
    #[error(
        "{} is {kind}: only regular files are written (and FIFOs or character devices \
         written into)",
        path.display()
    )]
    NotRegular {
        /// The output, as given.
        path: PathBuf,
        /// What it is ("a directory").
        kind: &'static str,
    },
    /// A member of a share set is a FIFO or character device.
    #[error(
        "{} is not a regular file: share files are replaced, never written into",
        path.display()
    )]
    ShareNotRegular {
        /// The output, as given.
        path: PathBuf,
    },
    /// The output is a symbolic link to nothing reachable.
    #[error("{} is a symbolic link that cannot be followed: {source}", path.display())]
    BrokenLink {
        /// The output, as given.
        path: PathBuf,
        /// Why it cannot be followed.
        source: io::Error,
    },
    /// Writing (or syncing, or inspecting) the output failed.
    #[error("cannot write {name}: {source}")]
    Write {
        /// The output as shown to the user ("standard output" for a stream).
        name: String,
        /// The error.
        source: io::Error,
    },
    /// Renaming the finished temporary to the output failed.
    #[error("cannot create {}: {source}", path.display())]
    Create {
        /// The output, as given.
        path: PathBuf,
        /// The error.
        source: io::Error,
    },
    /// No temporary could be made beside the output.
    #[error("cannot create a temporary file in {}: {source}", dir.display())]
    Temp {
        /// The directory.
        dir: PathBuf,
        /// The error.
        source: io::Error,
    },
    /// The directory of a renamed output could not be synced.
    #[error("cannot sync directory {}: {source}", dir.display())]
    SyncDir {
        /// The directory.
        dir: PathBuf,
        /// The error.
        source: io::Error,
    },
    /// The lock file of a share set could not be made or locked.
    #[error("cannot lock {}: {source}", path.display())]
    Lock {
        /// The lock file.
        path: PathBuf,
        /// The error.
        source: io::Error,
    },
    /// The old file could not be moved aside to be replaced.
    #[error("cannot replace {}: {source}", path.display())]
    Replace {
        /// The output, as given.
        path: PathBuf,
        /// The error.
        source: io::Error,
    },
    /// Two names of a share set are one file (a symbolic or hard link): replacing
    /// both would leave one share under two names.
    #[error(
        "{} and {} are the same file: each share needs its own, nothing replaced",
        path.display(),
        other.display()
    )]
    Aliased {
        /// The second name, as given.
        path: PathBuf,
        /// The first name of the same file, as given.
        other: PathBuf,
    },
    /// The journal of a share set could not be written or read.
    #[error("cannot write the journal {}: {source}", path.display())]
    Journal {
        /// The journal file.
        path: PathBuf,
        /// The error.
        source: io::Error,
    },
    /// A run that died while replacing a share set could not be finished or undone.
    #[error(
        "cannot recover the interrupted replacement of a share set recorded in {}: {}",
        journal.display(),
        problems.join("; ")
    )]
    Recovery {
        /// Its journal, left for a later try.
        journal: PathBuf,
        /// What could not be done.
        problems: Vec<String>,
    },
    /// A share set's swap failed and some of its undo steps failed too: `problems`
    /// say which files are not as they were and where their old content is.
    #[error("{error}; {}", problems.join("; "))]
    RollbackFailed {
        /// Why the swap failed.
        #[source]
        error: Box<OutputError>,
        /// What could not be undone.
        problems: Vec<String>,
    },
}

fn and_more(more: usize) -> String {
    match more {
        0 => String::new(),
        n => format!(" (and {n} more share files)"),
    }
}

/// What an interrupted process must remove: temporaries not yet renamed, the
/// journals of its share sets being written, and the lock files it holds. One mutex,
/// also held while a share set is swapped in, so an interrupt cannot cut that swap in
/// half.
struct Pending {
    temps: Vec<PathBuf>,
    journals: Vec<PathBuf>,
    locks: Vec<PathBuf>,
    /// A share set was swapped in whole: this process's work is done.
    committed: bool,
}

static PENDING: Mutex<Pending> = Mutex::new(Pending {
    temps: Vec::new(),
    journals: Vec::new(),
    locks: Vec::new(),
    committed: false,
});

fn pending() -> MutexGuard<'static, Pending> {
    PENDING.lock().unwrap_or_else(|e| e.into_inner())
}

/// Held by a process that is about to exit on a signal (see
/// [`remove_pending_files`]): while it lives no output is renamed into place.
///
/// # Examples
///
/// ```
/// use algorithm_fec::output::{remove_pending_files, Options, ShareSetOutput};
///
/// let dir = tempfile::tempdir()?;
/// let names = [dir.path().join("s.0_2"), dir.path().join("s.1_2")];
/// let set = ShareSetOutput::create(&names, None, &Options::default())?;
/// // As an interrupt handler would, before exiting: the temporaries go.
/// let guard = remove_pending_files();
/// assert!(!guard.committed());
/// assert_eq!(std::fs::read_dir(dir.path())?.count(), 0);
/// drop(guard); // a handler keeps it until the process exits
/// drop(set);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Interrupted {
    guard: MutexGuard<'static, Pending>,
}

impl Interrupted {
    /// Whether this process swapped a share set in whole before the interrupt: its
    /// output is complete, and it should report success.
    ///
    /// ```
    /// use algorithm_fec::output::{remove_pending_files, Options, ShareSetOutput};
    ///
    /// let dir = tempfile::tempdir()?;
    /// let set = ShareSetOutput::create(&[dir.path().join("s.0_1")], None, &Options::default())?;
    /// set.commit()?;
    /// // An interrupt after the commit: the output is whole, report success.
    /// assert!(remove_pending_files().committed());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn committed(&self) -> bool {
        self.guard.committed
    }
}

/// For an interrupt handler: removes every temporary of this process's outputs in
/// progress (those of a share set through its journal, so none is missed) and the
/// share-set lock files it holds, and returns a guard that keeps any further rename
/// from happening. Hold it until the process exits. A share set being swapped in is
/// finished (or rolled back) first.
///
/// # Examples
///
/// ```
/// use algorithm_fec::output::{remove_pending_files, write_output, Options};
/// use std::io::Write;
///
/// let dir = tempfile::tempdir()?;
/// let out = dir.path().join("out");
/// write_output(&out, &Options::default(), |w| -> Result<(), Box<dyn std::error::Error>> {
///     w.write_all(b"half")?; // still in a temporary beside `out`
///     // An interrupt arrives: the handler removes the temporary...
///     let guard = remove_pending_files();
///     assert!(!guard.committed());
///     assert_eq!(std::fs::read_dir(dir.path())?.count(), 0);
///     drop(guard); // ...and would exit here
///     Err("interrupted".into())
/// })
/// .unwrap_err();
/// assert!(!out.exists());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn remove_pending_files() -> Interrupted {
    let p = pending();
    for j in &p.journals {
        let _ = journal::recover(j, true);
    }
    for f in p.temps.iter().chain(&p.locks) {
        let _ = fs::remove_file(f);
    }
    Interrupted { guard: p }
}

/// Test hook, in debug builds only: `ALGORITHM_FEC_TEST_CRASH_AT=N` makes the process
/// abort (no cleanup, as `kill -9` would) at the Nth step of replacing a share set;
/// `ALGORITHM_FEC_TEST_PAUSE_AT=N` makes it print `paused at N` on stderr there and
/// sleep a second (for a test to send a signal at that step). Steps of a run: the
/// journal written, each temporary made, the `swap` mark, each rename, the commit
/// point, each old file removed, the journal removed; of a recovery: the `abort`
/// mark, each share undone or old file or temporary removed, the journal removed.
#[cfg(debug_assertions)]
fn step() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static STEP: AtomicUsize = AtomicUsize::new(0);
    let n = STEP.fetch_add(1, Ordering::Relaxed) + 1;
    let at = |var| {
        std::env::var(var)
            .ok()
            .and_then(|v| v.parse::<usize>().ok())
            == Some(n)
    };
    if at("ALGORITHM_FEC_TEST_CRASH_AT") {
        std::process::abort();
    }
    if at("ALGORITHM_FEC_TEST_PAUSE_AT") {
        eprintln!("paused at {n}");
        std::thread::sleep(std::time::Duration::from_secs(1));
    }
}

#[cfg(not(debug_assertions))]
fn step() {}

fn forget_temp(p: &mut Pending, path: &Path) {
    p.temps.retain(|t| t != path);
}

/// What is at an output path now.
#[derive(Debug, PartialEq, Eq)]
enum Existing {
    Nothing,
    /// A regular file (the path to replace, symbolic links resolved).
    Regular,
    /// A FIFO or a character device: written into, never replaced.
    Stream,
}

/// An output path checked against the rules of this module.
struct Target {
    /// As the caller gave it, for messages.
    shown: PathBuf,
    /// Where to write: `shown` with symbolic links resolved.
    path: PathBuf,
    existing: Existing,
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

fn inspect(shown: &Path) -> Result<Target, OutputError> {
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

fn exists_error(t: &Target, more: usize) -> OutputError {
    OutputError::Exists {
        path: t.shown.clone(),
        more,
    }
}

fn parent(p: &Path) -> &Path {
    match p.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// A new file in `dir` named `prefix`, `rand` random characters and `suffix` (never
/// over an existing file), with the permissions a new file gets: a temporary,
/// removed on an interrupt.
fn temp_named(
    dir: &Path,
    prefix: &std::ffi::OsStr,
    rand: usize,
    suffix: &str,
) -> Result<NamedTempFile, OutputError> {
    // Made under the lock: an interrupt either removes it or comes before it exists.
    let mut p = pending();
    let mut builder = tempfile::Builder::new();
    builder.prefix(prefix).rand_bytes(rand).suffix(suffix);
    if let Some(p) = sys::new_file_permissions() {
        builder.permissions(p);
    }
    let tmp = builder
        .tempfile_in(dir)
        .map_err(|source| OutputError::Temp {
            dir: dir.to_path_buf(),
            source,
        })?;
    p.temps.push(tmp.path().to_path_buf());
    Ok(tmp)
}

/// A temporary `.NAME.XXXXXX.tmp` beside `target` to write its new content to.
fn temp_beside(target: &Path) -> Result<NamedTempFile, OutputError> {
    let mut prefix = std::ffi::OsString::from(".");
    prefix.push(target.file_name().unwrap_or_default());
    prefix.push(".");
    temp_named(parent(target), &prefix, 6, ".tmp")
}

/// A temporary that failed before its rename: deleted when dropped, so forgotten.
fn discard(tmp: NamedTempFile) {
    let mut p = pending();
    forget_temp(&mut p, tmp.path());
    drop(tmp);
}

fn sync_file(f: &File, shown: &Path, fsync: bool) -> Result<(), OutputError> {
    if fsync {
        f.sync_all().map_err(|source| OutputError::Write {
            name: shown.display().to_string(),
            source,
        })?;
    }
    Ok(())
}

/// Makes renames in `dirs` durable.
fn sync_dirs<'a>(dirs: impl IntoIterator<Item = &'a Path>, fsync: bool) -> Result<(), OutputError> {
    if !fsync {
        return Ok(());
    }
    let mut done: Vec<&Path> = Vec::new();
    for d in dirs {
        if done.contains(&d) {
            continue;
        }
        sys::sync_dir(d).map_err(|source| OutputError::SyncDir {
            dir: d.to_path_buf(),
            source,
        })?;
        done.push(d);
    }
    Ok(())
}

/// A copy of an I/O error (which is not `Clone`), keeping its errno.
fn copy_error(e: &io::Error) -> io::Error {
    match e.raw_os_error() {
        Some(code) => io::Error::from_raw_os_error(code),
        None => io::Error::new(e.kind(), e.to_string()),
    }
}

/// A writer that keeps the first error it returned, so a failure can be blamed on
/// the output whatever the code that wrote to it made of the error.
///
/// # Examples
///
/// ```
/// use algorithm_fec::output::{OutputError, Recorder};
/// use std::io::Write;
///
/// let dir = tempfile::tempdir()?;
/// std::fs::write(dir.path().join("f"), b"")?;
/// let read_only = std::fs::File::open(dir.path().join("f"))?;
/// let mut w = Recorder::new(read_only);
/// // Whatever the caller makes of the error, the recorder keeps it...
/// let _ = w.write_all(b"data");
/// // ...so the failure can be reported as the output's.
/// assert!(matches!(w.error("f"), Some(OutputError::Write { name, .. }) if name == "f"));
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct Recorder<W> {
    inner: W,
    error: Option<io::Error>,
}

impl<W> Recorder<W> {
    /// Wraps `inner`.
    ///
    /// ```
    /// use algorithm_fec::output::Recorder;
    /// use std::io::Write;
    ///
    /// let mut buf = Vec::new();
    /// let mut w = Recorder::new(&mut buf);
    /// w.write_all(b"abc")?;
    /// assert!(w.error("buffer").is_none());
    /// assert_eq!(buf, b"abc");
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn new(inner: W) -> Self {
        Recorder { inner, error: None }
    }

    fn note<T>(&mut self, r: io::Result<T>) -> io::Result<T> {
        if let Err(e) = &r {
            if self.error.is_none() && e.kind() != io::ErrorKind::Interrupted {
                self.error = Some(copy_error(e));
            }
        }
        r
    }

    /// The first error a call on this writer returned, as a write error of `name`.
    ///
    /// ```
    /// use algorithm_fec::output::{OutputError, Recorder};
    /// use std::io::Write;
    ///
    /// let dir = tempfile::tempdir()?;
    /// std::fs::write(dir.path().join("f"), b"")?;
    /// let mut w = Recorder::new(std::fs::File::open(dir.path().join("f"))?);
    /// assert!(w.error("f").is_none());
    /// assert!(w.write(b"x").is_err()); // opened for reading only
    /// let err = w.error("share 3").expect("recorded");
    /// assert!(err.to_string().starts_with("cannot write share 3: "));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn error(&self, name: &str) -> Option<OutputError> {
        self.error.as_ref().map(|e| OutputError::Write {
            name: name.to_string(),
            source: copy_error(e),
        })
    }
}

impl<W: Write> Write for Recorder<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let r = self.inner.write(buf);
        self.note(r)
    }

    fn flush(&mut self) -> io::Result<()> {
        let r = self.inner.flush();
        self.note(r)
    }
}

impl<W: Seek> Seek for Recorder<W> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        let r = self.inner.seek(pos);
        self.note(r)
    }
}

/// Runs `work` writing to `out` — a FIFO or character device directly, otherwise a
/// temporary beside it, synced and renamed to `out` at the end (only with
/// [`Options::overwrite`] if `out` exists; checked before `work` runs). A write
/// error is reported as [`OutputError::Write`] of `out`, whatever `work` made of
/// it; on any error nothing is left at `out`'s name that was not there before.
///
/// # Examples
///
/// ```
/// use algorithm_fec::output::{write_output, Options, OutputError};
/// use std::io::Write;
///
/// let dir = tempfile::tempdir()?;
/// let out = dir.path().join("out");
/// // The work fails half way: nothing appears at `out`.
/// let r = write_output(&out, &Options::default(), |w| -> Result<(), Box<dyn std::error::Error>> {
///     w.write_all(b"partial")?;
///     Err("the input went away".into())
/// });
/// assert!(r.is_err());
/// assert!(!out.exists());
/// assert_eq!(std::fs::read_dir(dir.path())?.count(), 0); // no temporary left
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_output<T, E: From<OutputError>>(
    out: &Path,
    opts: &Options,
    work: impl FnOnce(&mut dyn Write) -> Result<T, E>,
) -> Result<T, E> {
    let t = inspect(out)?;
    let shown = t.shown.display().to_string();
    match t.existing {
        Existing::Stream => {
            let f = fs::OpenOptions::new()
                .write(true)
                .open(&t.path)
                .map_err(|source| OutputError::Write {
                    name: shown.clone(),
                    source,
                })?;
            return write_to(f, &shown, work);
        }
        Existing::Regular if !opts.overwrite => return Err(exists_error(&t, 0).into()),
        _ => {}
    }
    let tmp = temp_beside(&t.path)?;
    let r = match write_to(tmp.as_file(), &shown, work).and_then(|r| {
        sync_file(tmp.as_file(), &t.shown, opts.fsync)?;
        Ok(r)
    }) {
        Ok(r) => r,
        Err(e) => {
            discard(tmp);
            return Err(e);
        }
    };
    let persisted = {
        let mut p = pending();
        forget_temp(&mut p, tmp.path());
        // With overwrite, also over a file someone created meanwhile.
        if opts.overwrite {
            tmp.persist(&t.path).map(drop)
        } else {
            tmp.persist_noclobber(&t.path).map(drop)
        }
    };
    persisted.map_err(|e| match e.error.kind() {
        io::ErrorKind::AlreadyExists => exists_error(&t, 0),
        _ => OutputError::Create {
            path: t.shown.clone(),
            source: e.error,
        },
    })?;
    sync_dirs([parent(&t.path)], opts.fsync)?;
    Ok(r)
}

/// Runs `work` over a buffered `w` and flushes it; write errors are blamed on
/// `name` (as [`OutputError::Write`]) whatever `work` made of them. For standard
/// output and other streams.
///
/// # Examples
///
/// ```
/// use algorithm_fec::output::{write_to, OutputError};
/// use std::io::Write;
///
/// let mut out = Vec::new();
/// let n = write_to(&mut out, "standard output", |w| -> Result<usize, OutputError> {
///     w.write_all(b"decoded").map_err(|source| OutputError::Write { name: "?".into(), source })?;
///     Ok(7)
/// })?;
/// assert_eq!((n, out.as_slice()), (7, &b"decoded"[..]));
///
/// // A stream that cannot be written: the error names it.
/// let dir = tempfile::tempdir()?;
/// std::fs::write(dir.path().join("f"), b"")?;
/// let read_only = std::fs::File::open(dir.path().join("f"))?;
/// let r = write_to(read_only, "standard output", |w| -> Result<(), OutputError> {
///     w.write_all(b"x").map_err(|source| OutputError::Write { name: "?".into(), source })
/// });
/// assert!(matches!(r, Err(OutputError::Write { name, .. }) if name == "standard output"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_to<W: Write, T, E: From<OutputError>>(
    w: W,
    name: &str,
    work: impl FnOnce(&mut dyn Write) -> Result<T, E>,
) -> Result<T, E> {
    let mut rec = Recorder::new(w);
    let r = {
        // Small writes (rs-*) are gathered; zfec's decode writes pieces of at least
        // this size, which go straight through without a copy.
        let mut buf = io::BufWriter::with_capacity(256 << 10, &mut rec);
        work(&mut buf).and_then(|r| {
            buf.flush().map(|()| r).map_err(|source| {
                OutputError::Write {
                    name: name.to_string(),
                    source,
                }
                .into()
            })
        })
    };
    match (r, rec.error(name)) {
        (Err(_), Some(e)) => Err(e.into()),
        (r, _) => r,
    }
}

/// An exclusive lock (`File::lock`: `flock` on Unix, `LockFileEx` on Windows) on a
/// lock file beside a share set. The file is removed when released: a waiter that then holds a lock on the removed file sees that the name
/// no longer leads to it and tries again.
struct Lock {
    path: PathBuf,
    _file: File,
}

impl Lock {
    fn acquire(path: PathBuf) -> Result<Lock, OutputError> {
        let err = |source| OutputError::Lock {
            path: path.clone(),
            source,
        };
        loop {
            let file = fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path)
                .map_err(err)?;
            file.lock().map_err(err)?;
            let held = file
                .metadata()
                .and_then(|m| sys::file_id(&file, &m))
                .map_err(err)?;
            match sys::path_id(&path) {
                Ok(now) if now == held => {
                    pending().locks.push(path.clone());
                    return Ok(Lock { path, _file: file });
                }
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(err(e)),
            }
        }
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        // Unlink while still holding the lock (the file closes after this).
        let mut p = pending();
        let _ = fs::remove_file(&self.path);
        p.locks.retain(|l| l != &self.path);
    }
}

/// The files of one share set: temporaries to write, then swapped in together.
///
/// With a lock file, the replacement is also crash-consistent: a journal beside the
/// lock file (`.P.lock` → `.P.journal`) names every share's temporary and old copy
/// before the first temporary exists, so if the process dies at any instant the next
/// holder of the lock ([`ShareSetOutput::create`], [`recover_share_set`]) finds the
/// names holding the whole old set or, past the commit point (the last new share
/// renamed in), the whole new set, and removes what the dead run left.
///
/// ```
/// use std::io::Write;
/// use algorithm_fec::output::{Options, ShareSetOutput};
///
/// let dir = tempfile::tempdir()?;
/// let names: Vec<_> = (0..3).map(|i| dir.path().join(format!("s.{i}_3"))).collect();
/// let set = ShareSetOutput::create(&names, Some(dir.path().join(".s.lock")), &Options::default())?;
/// for (i, mut w) in set.writers().into_iter().enumerate() {
///     write!(w, "share {i}")?;
/// }
/// set.commit()?;
/// assert_eq!(std::fs::read(&names[2])?, b"share 2");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct ShareSetOutput {
    entries: Vec<Entry>,
    temps: Vec<NamedTempFile>,
    journal: Option<Journal>,
    fsync: bool,
    _lock: Option<Lock>,
}

impl ShareSetOutput {
    /// Takes the lock file `lock` if given (waiting for another writer of the set to
    /// finish) and recovers a run on the set that died (see [`recover_share_set`]);
    /// checks every target — regular files or absent, existing ones only with
    /// [`Options::overwrite`], no two of them one file — writes the journal and
    /// creates a temporary for each.
    ///
    /// # Examples
    ///
    /// ```
    /// use algorithm_fec::output::{Options, OutputError, ShareSetOutput};
    ///
    /// let dir = tempfile::tempdir()?;
    /// let names: Vec<_> = (0..3).map(|i| dir.path().join(format!("s.{i}_3"))).collect();
    /// std::fs::write(&names[1], b"old share")?;
    /// std::fs::write(&names[2], b"old share")?;
    /// // Existing shares are refused without `overwrite`, all of them counted.
    /// let r = ShareSetOutput::create(&names, None, &Options::default());
    /// assert!(matches!(r, Err(OutputError::Exists { ref path, more: 1 }) if *path == names[1]));
    /// let overwrite = Options { overwrite: true, ..Options::default() };
    /// let set = ShareSetOutput::create(&names, None, &overwrite)?;
    /// assert_eq!(std::fs::read(&names[1])?, b"old share"); // untouched until commit
    /// # drop(set);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn create(
        names: &[PathBuf],
        lock: Option<PathBuf>,
        opts: &Options,
    ) -> Result<Self, OutputError> {
        let journal_path = lock.as_deref().map(journal::path_for);
        let lock = lock.map(Lock::acquire).transpose()?;
        if let Some(j) = &journal_path {
            journal::recover(j, opts.fsync)?;
        }
        let targets: Vec<Target> = names.iter().map(|n| inspect(n)).collect::<Result<_, _>>()?;
        if let Some(t) = targets.iter().find(|t| t.existing == Existing::Stream) {
            return Err(OutputError::ShareNotRegular {
                path: t.shown.clone(),
            });
        }
        if !opts.overwrite {
            let existing: Vec<&Target> = targets
                .iter()
                .filter(|t| t.existing == Existing::Regular)
                .collect();
            if let Some(first) = existing.first() {
                return Err(exists_error(first, existing.len() - 1));
            }
        }
        check_distinct(&targets)?;
        let run = run_id().map_err(|source| OutputError::Temp {
            dir: parent(&targets[0].path).to_path_buf(),
            source,
        })?;
        let entries: Vec<Entry> = targets
            .into_iter()
            .map(|t| Entry {
                backup: (t.existing == Existing::Regular)
                    .then(|| named_beside(&t.path, &run, "old")),
                temp: named_beside(&t.path, &run, "tmp"),
                live: t.path,
                shown: t.shown,
            })
            .collect();
        let journal = match journal_path {
            Some(j) => {
                let journal = Journal::create(&j, &entries, opts.fsync)?;
                pending().journals.push(j);
                step();
                Some(journal)
            }
            None => None,
        };
        let mut out = ShareSetOutput {
            entries,
            temps: Vec::new(),
            journal,
            fsync: opts.fsync,
            _lock: lock,
        };
        for e in &out.entries {
            // Dropped with `out` on an error: the temporaries and the journal go.
            out.temps.push(temp_at(&e.temp)?);
            step();
        }
        Ok(out)
    }

    /// The temporaries to write share i to, each wrapped to record its first error.
    ///
    /// ```
    /// use algorithm_fec::output::{Options, ShareSetOutput};
    /// use algorithm_fec::zfec;
    ///
    /// let dir = tempfile::tempdir()?;
    /// let names: Vec<_> = (0..4).map(|i| dir.path().join(zfec::share_file_name("f", i, 4, ".fec"))).collect();
    /// let set = ShareSetOutput::create(&names, None, &Options::default())?;
    /// let mut writers = set.writers();
    /// // zfec's shares go straight into the temporaries (a `Recorder<&File>` seeks too).
    /// zfec::encode(2, 4, &b"some data"[..], &mut writers, &mut |_| {})?;
    /// assert!(set.write_failure(&writers).is_none());
    /// drop(writers);
    /// set.commit()?;
    /// assert_eq!(std::fs::read(&names[3])?.len(), 2 + 5); // header + ⌈9 / 2⌉
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn writers(&self) -> Vec<Recorder<&File>> {
        self.temps
            .iter()
            .map(|t| Recorder::new(t.as_file()))
            .collect()
    }

    /// The error of the first share whose writer failed, if any.
    ///
    /// ```
    /// use algorithm_fec::output::{Options, ShareSetOutput};
    /// use std::io::Write;
    ///
    /// let dir = tempfile::tempdir()?;
    /// let set = ShareSetOutput::create(&[dir.path().join("s.0_1")], None, &Options::default())?;
    /// let mut writers = set.writers();
    /// writers[0].write_all(b"share 0")?;
    /// // After the writing, before the commit: did any share's writer fail?
    /// if let Some(e) = set.write_failure(&writers) {
    ///     return Err(e.into()); // dropping `set` leaves the old shares as they were
    /// }
    /// drop(writers);
    /// set.commit()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn write_failure(&self, writers: &[Recorder<&File>]) -> Option<OutputError> {
        writers
            .iter()
            .zip(&self.entries)
            .find_map(|(w, e)| w.error(&e.shown.display().to_string()))
    }

    /// Syncs every temporary, then swaps the whole set in: each existing file is
    /// renamed aside, the new one renamed in; if any step fails, every step done is
    /// undone, so the old set is left as it was. Once the last new share is in (the
    /// commit point) the old files and the journal are removed.
    ///
    /// ```
    /// use algorithm_fec::output::{Options, ShareSetOutput};
    /// use std::io::Write;
    ///
    /// let dir = tempfile::tempdir()?;
    /// let names: Vec<_> = (0..2).map(|i| dir.path().join(format!("s.{i}_2"))).collect();
    /// for n in &names {
    ///     std::fs::write(n, b"old")?;
    /// }
    /// let opts = Options { overwrite: true, ..Options::default() };
    /// let set = ShareSetOutput::create(&names, Some(dir.path().join(".s.lock")), &opts)?;
    /// for mut w in set.writers() {
    ///     w.write_all(b"new")?;
    /// }
    /// set.commit()?;
    /// for n in &names {
    ///     assert_eq!(std::fs::read(n)?, b"new");
    /// }
    /// // Nothing else is left: no temporaries, old copies, journal or lock file.
    /// assert_eq!(std::fs::read_dir(dir.path())?.count(), 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn commit(mut self) -> Result<(), OutputError> {
        for (tmp, e) in self.temps.iter().zip(&self.entries) {
            sync_file(tmp.as_file(), &e.shown, self.fsync)?;
        }
        // The temporaries' names durable before the journal says they are to be used.
        let dirs = self.entries.iter().map(|e| parent(&e.temp));
        let journal_dir = self.journal.as_ref().map(|j| parent(j.path()));
        sync_dirs(dirs.chain(journal_dir), self.fsync)?;
        // Held to the end: an interrupt waits until the set is whole again.
        let mut p = pending();
        if let Some(j) = &mut self.journal {
            j.mark_swap()?;
        }
        step();
        let temps = std::mem::take(&mut self.temps);
        for tmp in &temps {
            forget_temp(&mut p, tmp.path());
        }
        // Temporaries not renamed stay until the rollback has looked at them.
        let mut unused = temps.into_iter();
        let mut failed = Vec::new();
        let mut r = Ok(());
        for e in &self.entries {
            let tmp = unused.next().expect("one temporary per share");
            if let Err(error) = swap_in(tmp, e, &mut failed) {
                r = Err(error);
                break;
            }
        }
        let journal = self.journal.take();
        if let Some(j) = &journal {
            p.journals.retain(|x| x != j.path());
        }
        if let Err(error) = r {
            let mut journal = journal;
            // If the abort mark cannot be written the rollback goes on: once it is
            // done, a recovery finds every new temporary gone and keeps that set.
            if let Some(j) = &mut journal {
                let _ = j.mark_abort();
            }
            let problems = journal::roll_back(&self.entries);
            drop((unused, failed));
            if problems.is_empty() {
                journal.into_iter().for_each(Journal::remove);
                return Err(error);
            }
            // The journal stays: the next holder of the lock tries again.
            return Err(OutputError::RollbackFailed {
                error: Box::new(error),
                problems,
            });
        }
        p.committed = true;
        step();
        let r = sync_dirs(self.entries.iter().map(|e| parent(&e.live)), self.fsync);
        for b in self.entries.iter().filter_map(|e| e.backup.as_ref()) {
            let _ = fs::remove_file(b);
            step();
        }
        journal.into_iter().for_each(Journal::remove);
        step();
        drop(p);
        r
    }
}

impl Drop for ShareSetOutput {
    /// Without a commit the targets stay as they are; the temporaries and the journal
    /// go.
    fn drop(&mut self) {
        std::mem::take(&mut self.temps)
            .into_iter()
            .for_each(discard);
        if let Some(j) = self.journal.take() {
            pending().journals.retain(|x| x != j.path());
            j.remove();
        }
    }
}

/// For readers of a share set whose lock file is `lock`: if a run replacing that set
/// died (its journal is there), takes the lock and finishes or undoes that run, so
/// the names hold one whole set again; `None` if there was nothing to recover.
///
/// ```
/// use algorithm_fec::output::{recover_share_set, Options};
///
/// let dir = tempfile::tempdir()?;
/// assert_eq!(recover_share_set(&dir.path().join(".s.lock"), &Options::default())?, None);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn recover_share_set(lock: &Path, opts: &Options) -> Result<Option<Recovered>, OutputError> {
    let journal = journal::path_for(lock);
    if fs::symlink_metadata(&journal).is_err() {
        return Ok(None);
    }
    let _lock = Lock::acquire(lock.to_path_buf())?;
    journal::recover(&journal, opts.fsync)
}

/// The lock file of the share set `DIR/PREFIX.*`: `DIR/.PREFIX.lock`, the one
/// `fec encode` and Python's `filefec` take.
///
/// ```
/// use algorithm_fec::output::share_set_lock;
/// use std::path::Path;
///
/// assert_eq!(share_set_lock(Path::new("d"), "f.txt".as_ref()), Path::new("d/.f.txt.lock"));
/// ```
pub fn share_set_lock(dir: &Path, prefix: &OsStr) -> PathBuf {
    let mut name = std::ffi::OsString::from(".");
    name.push(prefix);
    name.push(".lock");
    dir.join(name)
}

/// For readers given share files by name: [`recover_share_set`] for every set that a
/// name of the form `DIR/PREFIX.NN_MM…` may belong to (every `.NN_MM` in the name
/// may end the prefix, which may hold one itself). Returns each set recovered, as
/// `DIR/PREFIX`, with what was done.
///
/// ```
/// use algorithm_fec::output::{recover_share_sets, Options};
///
/// let dir = tempfile::tempdir()?;
/// let share = dir.path().join("f.txt.0_8.fec");
/// assert!(recover_share_sets(&[share], &Options::default())?.is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn recover_share_sets<P: AsRef<Path>>(
    shares: &[P],
    opts: &Options,
) -> Result<Vec<(PathBuf, Recovered)>, OutputError> {
    let mut seen: Vec<PathBuf> = Vec::new();
    let mut recovered = Vec::new();
    for p in shares {
        let p = p.as_ref();
        let (Some(name), dir) = (p.file_name(), p.parent().unwrap_or(Path::new(""))) else {
            continue;
        };
        let name = name.as_encoded_bytes();
        let digits = |s: &[u8]| s.iter().take_while(|b| b.is_ascii_digit()).count();
        for i in (1..name.len()).filter(|&i| name[i] == b'.') {
            let rest = &name[i + 1..];
            let a = digits(rest);
            if a == 0 || rest.get(a) != Some(&b'_') || digits(&rest[a + 1..]) == 0 {
                continue;
            }
            // SAFETY: `name[..i]` is `name` cut just before an ASCII '.', a cut that
            // leaves a valid encoded OsStr on every platform.
            let prefix = unsafe { OsStr::from_encoded_bytes_unchecked(&name[..i]) };
            let lock = share_set_lock(dir, prefix);
            if seen.contains(&lock) {
                continue;
            }
            if let Some(what) = recover_share_set(&lock, opts)? {
                recovered.push((dir.join(prefix), what));
            }
            seen.push(lock);
        }
    }
    Ok(recovered)
}

/// Refuses a set in which two names are one file (a link to another share, or a
/// hard link): the second rename would leave one share under both names.
fn check_distinct(targets: &[Target]) -> Result<(), OutputError> {
    #[derive(PartialEq)]
    enum Id {
        Inode(sys::FileId),
        Path(PathBuf),
    }
    let id = |t: &Target| match sys::path_id(&t.path) {
        Ok(i) => Id::Inode(i),
        // Not there yet: where it would be made, the directory's links resolved.
        Err(_) => Id::Path(
            match (fs::canonicalize(parent(&t.path)), t.path.file_name()) {
                (Ok(d), Some(n)) => d.join(n),
                _ => t.path.clone(),
            },
        ),
    };
    let mut seen: Vec<(Id, &Target)> = Vec::with_capacity(targets.len());
    for t in targets {
        let i = id(t);
        if let Some((_, first)) = seen.iter().find(|(s, _)| *s == i) {
            return Err(OutputError::Aliased {
                path: t.shown.clone(),
                other: first.shown.clone(),
            });
        }
        seen.push((i, t));
    }
    Ok(())
}

/// Six random letters or digits naming one run's temporaries and old copies.
fn run_id() -> io::Result<String> {
    let mut bytes = [0u8; 6];
    getrandom::fill(&mut bytes).map_err(io::Error::other)?;
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    Ok(bytes
        .iter()
        .map(|&b| char::from(ALPHABET[usize::from(b) % ALPHABET.len()]))
        .collect())
}

/// `.NAME.RUN.EXT` beside `target`.
fn named_beside(target: &Path, run: &str, ext: &str) -> PathBuf {
    let mut name = std::ffi::OsString::from(".");
    name.push(target.file_name().unwrap_or_default());
    name.push(format!(".{run}.{ext}"));
    parent(target).join(name)
}

/// Creates the temporary `path` (never over an existing file).
fn temp_at(path: &Path) -> Result<NamedTempFile, OutputError> {
    temp_named(parent(path), path.file_name().unwrap_or_default(), 0, "")
}

/// Moves the old file of `e` (if any) aside and renames `new` to its live name. A
/// temporary that could not be renamed is kept in `failed` for the rollback to see.
fn swap_in(
    new: NamedTempFile,
    e: &Entry,
    failed: &mut Vec<NamedTempFile>,
) -> Result<(), OutputError> {
    if let Some(b) = &e.backup {
        if let Err(source) = fs::rename(&e.live, b) {
            failed.push(new);
            return Err(OutputError::Replace {
                path: e.shown.clone(),
                source,
            });
        }
        step();
    }
    // Never over anything: the old file, if any, is aside now.
    new.persist_noclobber(&e.live).map_err(|err| {
        let kind = err.error.kind();
        failed.push(err.file);
        match kind {
            io::ErrorKind::AlreadyExists => OutputError::Appeared {
                path: e.shown.clone(),
            },
            _ => OutputError::Create {
                path: e.shown.clone(),
                source: err.error,
            },
        }
    })?;
    step();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(unix)]
    use std::ffi::CString;
    #[cfg(unix)]
    use std::io::Read;
    #[cfg(unix)]
    use std::os::unix::ffi::OsStrExt;

    fn set(dir: &Path, contents: &[&[u8]]) -> Vec<PathBuf> {
        contents
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let p = dir.join(format!("s{i}"));
                fs::write(&p, c).unwrap();
                p
            })
            .collect()
    }

    fn listing(dir: &Path) -> Vec<String> {
        let mut left: Vec<_> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        left
    }

    const FORCE: Options = Options {
        overwrite: true,
        fsync: true,
    };

    /// A reader given share names finds the journal of each set they may belong to
    /// (a prefix may itself hold `.NN_MM`), recovers it once, and ignores other names.
    #[test]
    fn readers_recover_the_sets_their_share_names_belong_to() {
        let d = tempfile::tempdir().unwrap();
        let dir = d.path();
        for prefix in ["a.1_2.b", "c"] {
            let temp = dir.join(format!(".{prefix}.0_2.fec.R.tmp"));
            fs::write(&temp, b"half written").unwrap();
            let entry = Entry {
                live: dir.join(format!("{prefix}.0_2.fec")),
                shown: dir.join(format!("{prefix}.0_2.fec")),
                backup: None,
                temp,
            };
            let lock = share_set_lock(dir, prefix.as_ref());
            Journal::create(&journal::path_for(&lock), &[entry], true).unwrap();
        }
        let names = [
            dir.join("a.1_2.b.0_2.fec"),
            dir.join("a.1_2.b.1_2.fec"),
            dir.join("c.1_2.fec"),
            dir.join("unrelated.fec"),
        ];
        let got = recover_share_sets(&names, &FORCE).unwrap();
        assert_eq!(
            got,
            [
                (dir.join("a.1_2.b"), Recovered::Abandoned),
                (dir.join("c"), Recovered::Abandoned)
            ]
        );
        assert_eq!(listing(dir), Vec::<String>::new());
        assert!(recover_share_sets(&names, &FORCE).unwrap().is_empty());
    }

    fn write_all(out: &ShareSetOutput) {
        for (i, mut w) in out.writers().into_iter().enumerate() {
            write!(w, "new{i}").unwrap();
        }
    }

    /// A rename failing half-way through the swap (here: the third new share's
    /// temporary vanished) leaves the old set exactly as it was, and nothing else.
    /// Unix only: on Windows a temporary that is still open is only marked for
    /// deletion, so removing it does not make its rename fail.
    #[test]
    #[cfg(unix)]
    fn failed_swap_restores_the_old_set() {
        let d = tempfile::tempdir().unwrap();
        let names = set(d.path(), &[b"old0", b"old1", b"old2", b"old3"]);
        let out = ShareSetOutput::create(&names, Some(d.path().join(".s.lock")), &FORCE).unwrap();
        write_all(&out);
        fs::remove_file(out.temps[2].path()).unwrap();
        let e = out.commit().expect_err("the swap must fail");
        match &e {
            OutputError::Create { path, source } => {
                assert_eq!(path, &names[2]);
                assert_eq!(source.kind(), io::ErrorKind::NotFound);
            }
            e => panic!("wrong error: {e:?}"),
        }
        assert!(e.to_string().starts_with("cannot create "), "{e}");
        for (i, n) in names.iter().enumerate() {
            assert_eq!(fs::read(n).unwrap(), format!("old{i}").as_bytes());
        }
        assert_eq!(listing(d.path()), ["s0", "s1", "s2", "s3"]);
        let p = pending();
        let ours = |f: &PathBuf| f.starts_with(d.path());
        assert!(!p.temps.iter().chain(&p.locks).any(ours));
    }

    #[test]
    fn swap_replaces_and_creates() {
        let d = tempfile::tempdir().unwrap();
        let mut names = set(d.path(), &[b"old0", b"old1"]);
        names.push(d.path().join("s2"));
        let out = ShareSetOutput::create(&names, Some(d.path().join(".s.lock")), &FORCE).unwrap();
        write_all(&out);
        out.commit().unwrap();
        for (i, n) in names.iter().enumerate() {
            assert_eq!(fs::read(n).unwrap(), format!("new{i}").as_bytes());
        }
        assert_eq!(listing(d.path()), ["s0", "s1", "s2"]);
    }

    /// A directory where a share goes is refused before anything is written, even
    /// with overwrite; the other old shares stay.
    #[test]
    fn share_set_refuses_a_directory() {
        let d = tempfile::tempdir().unwrap();
        let mut names = set(d.path(), &[b"old0", b"old1"]);
        let dir = d.path().join("s2");
        fs::create_dir(&dir).unwrap();
        names.push(dir.clone());
        let e = ShareSetOutput::create(&names, None, &FORCE)
            .err()
            .expect("a directory must be refused");
        assert!(
            matches!(&e, OutputError::NotRegular { path, kind: "a directory" } if *path == dir),
            "{e:?}"
        );
        assert_eq!(fs::read(&names[0]).unwrap(), b"old0");
        assert_eq!(listing(d.path()), ["s0", "s1", "s2"]);
    }

    #[test]
    fn share_set_without_overwrite_counts_the_existing() {
        let d = tempfile::tempdir().unwrap();
        let mut names = set(d.path(), &[b"old0", b"old1"]);
        names.insert(0, d.path().join("new"));
        let e = ShareSetOutput::create(&names, None, &Options::default())
            .err()
            .expect("existing shares without overwrite");
        assert_eq!(
            e.to_string(),
            format!("{} exists (and 1 more share files)", names[1].display())
        );
        assert_eq!(listing(d.path()), ["s0", "s1"]);
    }

    #[test]
    fn write_output_refuses_a_directory_and_existing_files() {
        let d = tempfile::tempdir().unwrap();
        let never = |_: &mut dyn Write| -> Result<(), OutputError> { panic!("work ran") };
        let e = write_output(d.path(), &FORCE, never).unwrap_err();
        assert!(
            matches!(
                e,
                OutputError::NotRegular {
                    kind: "a directory",
                    ..
                }
            ),
            "{e:?}"
        );
        let f = d.path().join("f");
        fs::write(&f, b"old").unwrap();
        let e = write_output(&f, &Options::default(), never).unwrap_err();
        assert!(
            matches!(&e, OutputError::Exists { path, more: 0 } if *path == f),
            "{e:?}"
        );
        assert_eq!(fs::read(&f).unwrap(), b"old");
    }

    /// A failing `work` leaves neither the target nor a temporary.
    #[test]
    fn write_output_failure_leaves_nothing() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("f");
        let e = write_output(&f, &FORCE, |w| {
            w.write_all(b"partial").unwrap();
            Err::<(), _>(OutputError::Appeared { path: f.clone() })
        })
        .unwrap_err();
        assert!(matches!(e, OutputError::Appeared { .. }));
        assert!(listing(d.path()).is_empty());
    }

    /// FIFOs and devices other than /dev/null (through links too) are live streams.
    #[test]
    #[cfg(unix)]
    fn live_streams() {
        let d = tempfile::tempdir().unwrap();
        let fifo = d.path().join("pipe");
        let c = CString::new(fifo.as_os_str().as_bytes()).unwrap();
        // SAFETY: `c` is a valid NUL-terminated path that outlives the call.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        std::os::unix::fs::symlink("pipe", d.path().join("link")).unwrap();
        fs::write(d.path().join("file"), b"x").unwrap();
        assert!(is_live_stream(&fifo) && is_live_stream(&d.path().join("link")));
        assert!(is_live_stream(Path::new("/dev/zero")));
        for p in ["file", "missing", "."] {
            assert!(!is_live_stream(&d.path().join(p)), "{p}");
        }
        assert!(!is_live_stream(Path::new("/dev/null")));
    }

    /// A FIFO is written into, not replaced.
    #[test]
    #[cfg(unix)]
    fn write_output_writes_into_a_fifo() {
        let d = tempfile::tempdir().unwrap();
        let fifo = d.path().join("pipe");
        let c = CString::new(fifo.as_os_str().as_bytes()).unwrap();
        // SAFETY: `c` is a valid NUL-terminated path that outlives the call.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || {
                let mut got = Vec::new();
                File::open(fifo).unwrap().read_to_end(&mut got).unwrap();
                got
            })
        };
        write_output(&fifo, &Options::default(), |w| {
            w.write_all(b"through the pipe")
                .map_err(|source| OutputError::Write {
                    name: "pipe".into(),
                    source,
                })
        })
        .unwrap();
        assert_eq!(reader.join().unwrap(), b"through the pipe");
        use std::os::unix::fs::FileTypeExt;
        assert!(fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
        assert_eq!(listing(d.path()), ["pipe"]);
    }

    /// A write error is blamed on the output even when `work` reports another error.
    #[test]
    #[cfg(target_os = "linux")] // /dev/full
    fn write_errors_name_the_output() {
        let e = write_output(Path::new("/dev/full"), &Options::default(), |w| {
            w.write_all(&[0; 1 << 20])
                .map_err(|_| OutputError::Appeared { path: "x".into() })
        })
        .unwrap_err();
        match e {
            OutputError::Write { name, source } => {
                assert_eq!(name, "/dev/full");
                assert_eq!(source.raw_os_error(), Some(libc::ENOSPC));
            }
            e => panic!("wrong error: {e:?}"),
        }
    }
}

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

use std::io;
use std::path::PathBuf;

mod durable;
mod file;
mod journal;
mod lock;
mod pending;
mod recorder;
mod share_set;
mod target;
mod temp;
#[cfg(test)]
mod tests;

pub use file::{write_output, write_to};
pub use journal::Recovered;
pub use pending::{remove_pending_files, Interrupted};
pub use recorder::Recorder;
pub use share_set::{recover_share_set, recover_share_sets, share_set_lock, ShareSetOutput};
pub use target::{file_id, is_live_stream, kind};

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

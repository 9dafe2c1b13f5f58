use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use super::journal;

/// What an interrupted process must remove: temporaries not yet renamed, the
/// journals of its share sets being written, and the lock files it holds. One mutex,
/// also held while a share set is swapped in, so an interrupt cannot cut that swap in
/// half.
pub(super) struct Pending {
    pub(super) temps: Vec<PathBuf>,
    pub(super) journals: Vec<PathBuf>,
    pub(super) locks: Vec<PathBuf>,
    /// A share set was swapped in whole: this process's work is done.
    pub(super) committed: bool,
}

static PENDING: Mutex<Pending> = Mutex::new(Pending {
    temps: Vec::new(),
    journals: Vec::new(),
    locks: Vec::new(),
    committed: false,
});

pub(super) fn pending() -> MutexGuard<'static, Pending> {
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

pub(super) fn forget_temp(p: &mut Pending, path: &Path) {
    p.temps.retain(|t| t != path);
}

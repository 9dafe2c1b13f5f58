use std::ffi::OsStr;
use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

use super::durable::{sync_dirs, sync_file};
use super::journal::{self, Entry, Journal, Recovered};
use super::lock::Lock;
use super::pending::{forget_temp, pending};
use super::target::{exists_error, inspect, parent, Existing, Target};
use super::temp::{discard, temp_named};
use super::{step, Options, OutputError, Recorder};
use crate::sys;

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
    pub(super) temps: Vec<NamedTempFile>,
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

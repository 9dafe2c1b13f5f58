//! The journal of a share set being replaced: `.PREFIX.journal` beside the set's lock
//! file, written and synced before the run's first temporary exists. It names, for
//! every share, its live name, the name its old file is moved to during the swap
//! (`.NAME.RUN.old`, if there is an old file) and its new file's temporary
//! (`.NAME.RUN.tmp`); a `swap` mark follows once every temporary is written and
//! synced, an `abort` mark once the swap is being undone. Whoever next holds the lock
//! reads it and finishes or undoes the run that died ([`recover`]):
//!
//! * no `swap` mark: nothing was renamed; the temporaries are removed;
//! * `swap` and no `abort`, and every temporary gone and every live name present:
//!   the commit point (the last new share renamed in) was passed; the run is
//!   finished (the old files are removed);
//! * otherwise the run is undone: `abort` is marked first (so a second recovery,
//!   after this one dies, also undoes), every old file is renamed back and the new
//!   files and temporaries are removed.
//!
//! The journal is removed last. Its records are NUL-terminated fields (a path may
//! hold any byte but NUL); a path beside the journal is stored by its file name, so
//! the directory may be moved.

use std::ffi::OsStr;
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::durable::sync_dirs;
use super::target::parent;
use super::{step, OutputError};

const MAGIC: &[u8] = b"fec share-set journal 1";
const SHARE: &[u8] = b"share";
const SWAP: &[u8] = b"swap";
const ABORT: &[u8] = b"abort";

/// One share of a set being replaced.
#[derive(Debug)]
pub(super) struct Entry {
    /// Where the share lives (symbolic links resolved).
    pub live: PathBuf,
    /// The name as the caller gave it, for messages.
    pub shown: PathBuf,
    /// Where the old file goes during the swap, if there is one.
    pub backup: Option<PathBuf>,
    /// The new file's temporary.
    pub temp: PathBuf,
}

/// What the recovery of a run that died did (see [`super::recover_share_set`]).
///
/// # Examples
///
/// ```
/// use algorithm_fec::output::{recover_share_sets, Options, Recovered};
///
/// // A reader given share files first repairs any set whose writer died mid-way.
/// let dir = tempfile::tempdir()?;
/// let shares = [dir.path().join("f.0_3.fec"), dir.path().join("f.2_3.fec")];
/// for (set, what) in recover_share_sets(&shares, &Options::default())? {
///     let how = match what {
///         Recovered::Finished => "the new shares were kept",
///         Recovered::Undone => "the old shares are back",
///         Recovered::Abandoned => "an unfinished write was cleaned up",
///     };
///     eprintln!("{}: {how}", set.display());
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recovered {
    /// It had passed its commit point: its new set is kept, the old files removed.
    Finished,
    /// It was swapping the set in: the old set is back, the new files removed.
    Undone,
    /// It died before its swap: its temporaries are removed, the set is untouched.
    Abandoned,
}

/// The journal of the set whose lock file is `lock` (`.P.lock` → `.P.journal`).
pub(super) fn path_for(lock: &Path) -> PathBuf {
    let name = lock.file_name().unwrap_or_default().as_encoded_bytes();
    let stem = name.strip_suffix(b".lock").unwrap_or(name);
    let mut j = stem.to_vec();
    j.extend_from_slice(b".journal");
    // SAFETY: an encoded OsStr with an ASCII suffix cut off and another appended.
    lock.with_file_name(unsafe { OsStr::from_encoded_bytes_unchecked(&j) })
}

/// A journal being written by this process.
pub(super) struct Journal {
    path: PathBuf,
    file: File,
    fsync: bool,
}

fn journal_error(path: &Path, source: io::Error) -> OutputError {
    OutputError::Journal {
        path: path.to_path_buf(),
        source,
    }
}

impl Journal {
    /// Writes the journal of `entries` (refusing to replace one) and syncs it and its
    /// directory.
    pub fn create(path: &Path, entries: &[Entry], fsync: bool) -> Result<Journal, OutputError> {
        let err = |e| journal_error(path, e);
        let dir = parent(path);
        let mut rec = Vec::new();
        field(&mut rec, MAGIC);
        for e in entries {
            field(&mut rec, SHARE);
            field(&mut rec, stored(dir, &e.live).as_encoded_bytes());
            let b = e.backup.as_deref().map(|b| stored(dir, b));
            field(
                &mut rec,
                b.as_deref().map_or(&b""[..], OsStr::as_encoded_bytes),
            );
            field(&mut rec, stored(dir, &e.temp).as_encoded_bytes());
        }
        let file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
            .map_err(err)?;
        let mut j = Journal {
            path: path.to_path_buf(),
            file,
            fsync,
        };
        let written = j
            .file
            .write_all(&rec)
            .and_then(|()| match fsync {
                true => j.file.sync_all(),
                false => Ok(()),
            })
            .map_err(err)
            .and_then(|()| sync_dirs([dir], fsync));
        match written {
            Ok(()) => Ok(j),
            Err(e) => {
                j.remove();
                Err(e)
            }
        }
    }

    /// Appends the `swap` mark, synced: from here on a recovery finishes or undoes.
    pub fn mark_swap(&mut self) -> Result<(), OutputError> {
        self.mark(SWAP)
    }

    /// Appends the `abort` mark, synced: a recovery undoes.
    pub fn mark_abort(&mut self) -> Result<(), OutputError> {
        self.mark(ABORT)
    }

    fn mark(&mut self, tag: &[u8]) -> Result<(), OutputError> {
        let mut rec = Vec::new();
        field(&mut rec, tag);
        self.file
            .write_all(&rec)
            .and_then(|()| match self.fsync {
                true => self.file.sync_data(),
                false => Ok(()),
            })
            .map_err(|e| journal_error(&self.path, e))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Removes the journal (the run is over: done, or nothing of it left).
    pub fn remove(self) {
        let _ = fs::remove_file(&self.path);
        let _ = sync_dirs([parent(&self.path)], self.fsync);
    }
}

fn field(rec: &mut Vec<u8>, bytes: &[u8]) {
    rec.extend_from_slice(bytes);
    rec.push(0);
}

/// `p` as stored: its file name if it is in `dir`, else absolute.
fn stored(dir: &Path, p: &Path) -> std::ffi::OsString {
    match p.file_name() {
        Some(name) if parent(p) == dir => name.to_os_string(),
        _ => std::path::absolute(p)
            .unwrap_or_else(|_| p.to_path_buf())
            .into_os_string(),
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Phase {
    Writing,
    Swapping,
    Aborted,
}

/// The entries and phase of a journal's bytes; `None` if it is not a journal. A
/// record cut short (the journal's own write cut by a machine crash) ends it.
fn parse(bytes: &[u8], dir: &Path) -> Option<(Vec<Entry>, Phase)> {
    let mut fields = bytes
        .split_inclusive(|&b| b == 0)
        .filter_map(|f| f.strip_suffix(&[0]));
    if fields.next()? != MAGIC {
        return None;
    }
    // A name this platform cannot have written makes the journal invalid.
    let path = |f: &[u8]| Some(dir.join(crate::sys::name_from_bytes(f)?));
    let mut entries = Vec::new();
    let mut phase = Phase::Writing;
    while let Some(tag) = fields.next() {
        match tag {
            SHARE => {
                let (Some(live), Some(backup), Some(temp)) =
                    (fields.next(), fields.next(), fields.next())
                else {
                    break;
                };
                entries.push(Entry {
                    live: path(live)?,
                    shown: path(live)?,
                    backup: match backup {
                        b"" => None,
                        b => Some(path(b)?),
                    },
                    temp: path(temp)?,
                });
            }
            SWAP if phase == Phase::Writing => phase = Phase::Swapping,
            ABORT => phase = Phase::Aborted,
            _ => {}
        }
    }
    Some((entries, phase))
}

fn present(p: &Path) -> bool {
    fs::symlink_metadata(p).is_ok()
}

/// Whether a swap reached its commit point: every new share renamed in.
pub(super) fn committed(entries: &[Entry]) -> bool {
    entries
        .iter()
        .all(|e| !present(&e.temp) && present(&e.live))
}

/// Undoes a swap, whatever part of it was done: each old file renamed back, each new
/// one and each temporary removed. Returns what could not be undone.
pub(super) fn roll_back(entries: &[Entry]) -> Vec<String> {
    let mut problems = Vec::new();
    for e in entries.iter().rev() {
        let placed = !present(&e.temp);
        match &e.backup {
            // Only the swap makes it: the old file was moved there.
            Some(b) if present(b) => {
                if let Err(err) = fs::rename(b, &e.live) {
                    problems.push(format!(
                        "could not put back {}: {err}; its old content is in {}",
                        e.shown.display(),
                        b.display()
                    ));
                }
            }
            // A new share where there was none (its temporary renamed in).
            None if placed && present(&e.live) => {
                if let Err(err) = fs::remove_file(&e.live) {
                    problems.push(format!(
                        "could not remove the new {}: {err}",
                        e.shown.display()
                    ));
                }
            }
            _ => {}
        }
        remove_if_there(&e.temp, &mut problems);
        step();
    }
    problems
}

fn remove_if_there(p: &Path, problems: &mut Vec<String>) {
    match fs::remove_file(p) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => {
            problems.push(format!("could not remove {}: {e}", p.display()))
        }
        _ => {}
    }
}

/// Finishes or undoes the run whose journal is `path` (the caller holds the set's
/// lock), then removes the journal; `None` if there is none. Dying half-way through
/// leaves the journal for the next recovery to do the same.
pub(super) fn recover(path: &Path, fsync: bool) -> Result<Option<Recovered>, OutputError> {
    let bytes = match fs::read(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        r => r.map_err(|e| journal_error(path, e))?,
    };
    let dir = parent(path);
    let Some((entries, phase)) = parse(&bytes, dir) else {
        // Cut before its first record was whole: no temporary was made yet.
        fs::remove_file(path).map_err(|e| journal_error(path, e))?;
        return Ok(Some(Recovered::Abandoned));
    };
    let mut problems = Vec::new();
    let done = match phase {
        Phase::Writing => {
            for e in &entries {
                remove_if_there(&e.temp, &mut problems);
                step();
            }
            Recovered::Abandoned
        }
        Phase::Swapping if committed(&entries) => {
            for b in entries.iter().filter_map(|e| e.backup.as_deref()) {
                remove_if_there(b, &mut problems);
                step();
            }
            Recovered::Finished
        }
        _ => {
            if phase == Phase::Swapping {
                let mut f = fs::OpenOptions::new()
                    .append(true)
                    .open(path)
                    .map_err(|e| journal_error(path, e))?;
                let mut rec = Vec::new();
                field(&mut rec, ABORT);
                f.write_all(&rec)
                    .and_then(|()| f.sync_data())
                    .map_err(|e| journal_error(path, e))?;
                step();
            }
            problems = roll_back(&entries);
            Recovered::Undone
        }
    };
    if !problems.is_empty() {
        return Err(OutputError::Recovery {
            journal: path.to_path_buf(),
            problems,
        });
    }
    sync_dirs(entries.iter().map(|e| parent(&e.live)), fsync)?;
    fs::remove_file(path).map_err(|e| journal_error(path, e))?;
    sync_dirs([dir], fsync)?;
    step();
    Ok(Some(done))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn journal_names() {
        assert_eq!(path_for(Path::new("d/.f.lock")), Path::new("d/.f.journal"));
        assert_eq!(path_for(Path::new("x")), Path::new("x.journal"));
    }

    /// A journal reads back as written, paths beside it by name, others absolute; a
    /// torn last record is dropped.
    #[test]
    fn journal_round_trip() {
        let d = tempfile::tempdir().unwrap();
        let j = d.path().join(".s.journal");
        let e = |live: &str, old: bool| Entry {
            live: d.path().join(live),
            shown: d.path().join(live),
            backup: old.then(|| d.path().join(format!(".{live}.R.old"))),
            temp: d.path().join(format!(".{live}.R.tmp")),
        };
        let entries = [e("s.0_2", true), e("s.1_2", false)];
        let mut journal = Journal::create(&j, &entries, true).unwrap();
        journal.mark_swap().unwrap();
        let bytes = fs::read(&j).unwrap();
        assert!(bytes.windows(7).any(|w| w == b"\0s.0_2\0"));
        let (got, phase) = parse(&bytes, d.path()).unwrap();
        assert_eq!(phase, Phase::Swapping);
        assert_eq!(format!("{got:?}"), format!("{entries:?}"));
        let cut = bytes.len() - 30;
        let (got, phase) = parse(&bytes[..cut], d.path()).unwrap();
        assert_eq!((got.len(), phase), (1, Phase::Writing));
        assert!(parse(b"something else\0", d.path()).is_none());
        journal.remove();
        assert!(!j.exists());
    }
}

//! Where `fec` writes: every output goes to a temporary beside its target, is synced,
//! and only then renamed into place; a share set is replaced all at once or not at
//! all, under a lock that serialises runs on the same names.
//!
//! Rules for an output path (see README, "Output files"):
//! * absent: created (atomically, by rename);
//! * a regular file: replaced only with `-f`, atomically;
//! * a symbolic link: followed — the file it points to is what is created or
//!   replaced, the link stays;
//! * a FIFO or character device (`/dev/null`, a named pipe): written into like
//!   standard output, never removed or replaced (`decode -o`, `rs-* -o` only; share
//!   files must be regular files);
//! * anything else (a directory, a block device, a socket): refused.

use std::fs::{self, File};
use std::io::{self, Seek, SeekFrom, Write};
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};

use tempfile::NamedTempFile;

use crate::{failure, Failure};

/// Whether outputs and their directories are fsynced before success (`--no-fsync`
/// turns it off).
static FSYNC: AtomicBool = AtomicBool::new(true);

/// Sets whether outputs are synced to disk before they are renamed into place.
pub fn set_fsync(on: bool) {
    FSYNC.store(on, Ordering::Relaxed);
}

fn fsync_on() -> bool {
    FSYNC.load(Ordering::Relaxed)
}

/// What an interrupted run must remove: temporaries not yet renamed, and the lock
/// file it holds. One mutex, also held while a share set is being swapped in, so a
/// signal cannot cut that swap in half.
struct Cleanup {
    temps: Vec<PathBuf>,
    lock: Option<PathBuf>,
}

static CLEANUP: Mutex<Cleanup> = Mutex::new(Cleanup {
    temps: Vec::new(),
    lock: None,
});

fn cleanup() -> MutexGuard<'static, Cleanup> {
    CLEANUP.lock().unwrap_or_else(|e| e.into_inner())
}

/// Removes the temporaries and the held lock file, then exits 130 as a shell reports
/// an interrupted command. The mutex stays taken until the exit, so no rename can
/// follow; a share set being swapped in is finished first.
pub fn exit_interrupted() -> ! {
    let c = cleanup();
    for t in &c.temps {
        let _ = fs::remove_file(t);
    }
    if let Some(l) = &c.lock {
        let _ = fs::remove_file(l);
    }
    eprintln!("fec: interrupted; temporary files removed");
    std::process::exit(130);
}

fn forget_temp(c: &mut Cleanup, path: &Path) {
    c.temps.retain(|t| t != path);
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
    /// As the user gave it, for messages.
    shown: PathBuf,
    /// Where to write: `shown` with symbolic links resolved.
    path: PathBuf,
    existing: Existing,
}

/// What a file that is not a regular one is, for messages ("a FIFO").
pub fn kind(ft: fs::FileType) -> &'static str {
    if ft.is_dir() {
        "a directory"
    } else if ft.is_fifo() {
        "a FIFO"
    } else if ft.is_char_device() {
        "a character device"
    } else if ft.is_block_device() {
        "a block device"
    } else if ft.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    }
}

fn inspect(shown: &Path) -> Result<Target, Failure> {
    let cannot = |e: io::Error| failure(1, format!("cannot write {}: {e}", shown.display()));
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
            Ok(m) => (fs::canonicalize(shown).map_err(cannot)?, m),
            Err(e) => {
                return Err(failure(
                    1,
                    format!(
                        "{} is a symbolic link that cannot be followed: {e}",
                        shown.display()
                    ),
                ))
            }
        }
    } else {
        (shown.to_path_buf(), meta)
    };
    let ft = meta.file_type();
    let existing = if ft.is_file() {
        Existing::Regular
    } else if ft.is_fifo() || ft.is_char_device() {
        Existing::Stream
    } else {
        return Err(failure(
            1,
            format!(
                "{} is {}: fec writes only regular files (and into a FIFO or character device)",
                shown.display(),
                kind(ft)
            ),
        ));
    };
    Ok(Target {
        shown: shown.to_path_buf(),
        path,
        existing,
    })
}

fn exists_error(t: &Target, more: usize) -> Failure {
    let more = match more {
        0 => String::new(),
        n => format!(" (and {n} more share files)"),
    };
    failure(
        4,
        format!("{} exists{more}: give -f to overwrite", t.shown.display()),
    )
}

fn parent(p: &Path) -> &Path {
    match p.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// A fresh file beside `target` named `.NAME.XXXXXX.suffix`, with the permissions
/// a new file gets.
fn file_beside(target: &Path, suffix: &str) -> io::Result<NamedTempFile> {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let prefix = format!(".{name}.");
    let mut b = tempfile::Builder::new();
    b.prefix(&prefix)
        .suffix(suffix)
        .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    b.tempfile_in(parent(target))
}

/// A temporary to write `target`'s new content to, removed if the run is interrupted.
fn temp_beside(target: &Path) -> Result<NamedTempFile, Failure> {
    let tmp = file_beside(target, ".tmp").map_err(|e| {
        failure(
            1,
            format!(
                "cannot create a temporary file in {}: {e}",
                parent(target).display()
            ),
        )
    })?;
    cleanup().temps.push(tmp.path().to_path_buf());
    Ok(tmp)
}

fn sync_file(f: &File, shown: &Path) -> Result<(), Failure> {
    if fsync_on() {
        f.sync_all()
            .map_err(|e| failure(1, format!("cannot write {}: {e}", shown.display())))?;
    }
    Ok(())
}

/// Makes renames in `dirs` durable.
fn sync_dirs<'a>(dirs: impl IntoIterator<Item = &'a Path>) -> Result<(), Failure> {
    if !fsync_on() {
        return Ok(());
    }
    let mut done: Vec<&Path> = Vec::new();
    for d in dirs {
        if done.contains(&d) {
            continue;
        }
        File::open(d)
            .and_then(|f| f.sync_all())
            .map_err(|e| failure(1, format!("cannot sync directory {}: {e}", d.display())))?;
        done.push(d);
    }
    Ok(())
}

/// A writer that keeps the first error it returned, so a failure can be blamed on
/// the output whatever the code that wrote to it made of the error.
pub struct Recorder<W> {
    inner: W,
    error: Option<String>,
}

impl<W> Recorder<W> {
    fn new(inner: W) -> Self {
        Recorder { inner, error: None }
    }

    fn note<T>(&mut self, r: io::Result<T>) -> io::Result<T> {
        if let Err(e) = &r {
            if self.error.is_none() && e.kind() != io::ErrorKind::Interrupted {
                self.error = Some(e.to_string());
            }
        }
        r
    }

    /// The first write error, as a failure naming `shown`.
    fn failure(&self, shown: &str) -> Option<Failure> {
        self.error
            .as_ref()
            .map(|e| failure(1, format!("cannot write {shown}: {e}")))
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

/// Runs `work` writing to OUT — standard output for `-`, a FIFO or character device
/// directly, otherwise a temporary synced and renamed to OUT at the end (only with
/// `force` if OUT exists). A write error is reported as one of OUT, whatever `work`
/// made of it; on any error nothing is left at OUT's name.
pub fn write_output<T>(
    out: &Path,
    force: bool,
    work: impl FnOnce(&mut dyn Write) -> Result<T, Failure>,
) -> Result<T, Failure> {
    if out == Path::new("-") {
        return stream(io::stdout().lock(), "standard output", work);
    }
    let t = inspect(out)?;
    let shown = t.shown.display().to_string();
    match t.existing {
        Existing::Stream => {
            let f = fs::OpenOptions::new()
                .write(true)
                .open(&t.path)
                .map_err(|e| failure(1, format!("cannot write {shown}: {e}")))?;
            return stream(f, &shown, work);
        }
        Existing::Regular if !force => return Err(exists_error(&t, 0)),
        _ => {}
    }
    let tmp = temp_beside(&t.path)?;
    let r = stream(tmp.as_file(), &shown, work)?;
    sync_file(tmp.as_file(), &t.shown)?;
    let path = tmp.path().to_path_buf();
    let persisted = {
        let mut c = cleanup();
        forget_temp(&mut c, &path);
        // With -f, also over a file another run created meanwhile.
        if force {
            tmp.persist(&t.path).map(drop)
        } else {
            tmp.persist_noclobber(&t.path).map(drop)
        }
    };
    persisted.map_err(|e| match e.error.kind() {
        io::ErrorKind::AlreadyExists => exists_error(&t, 0),
        _ => failure(1, format!("cannot create {shown}: {}", e.error)),
    })?;
    sync_dirs([parent(&t.path)])?;
    Ok(r)
}

/// `work` over a buffered `w`, flushed; write errors blamed on `shown`.
fn stream<W: Write, T>(
    w: W,
    shown: &str,
    work: impl FnOnce(&mut dyn Write) -> Result<T, Failure>,
) -> Result<T, Failure> {
    let mut rec = Recorder::new(w);
    let r = {
        // Small writes (rs-*) are gathered; zfec's decode writes pieces of at least
        // this size, which go straight through without a copy.
        let mut buf = io::BufWriter::with_capacity(256 << 10, &mut rec);
        work(&mut buf).and_then(|r| {
            buf.flush()
                .map(|()| r)
                .map_err(|e| failure(1, format!("cannot write {shown}: {e}")))
        })
    };
    match (r, rec.failure(shown)) {
        (Err(_), Some(f)) => Err(f),
        (r, _) => r,
    }
}

/// An exclusive `flock` on `.PREFIX.lock` beside a share set. The file is removed
/// when released: a waiter that then holds a lock on the removed file sees that the
/// name no longer leads to it and tries again.
struct Lock {
    path: PathBuf,
    _file: File,
}

impl Lock {
    fn acquire(path: PathBuf) -> Result<Lock, Failure> {
        let err = |e: io::Error| failure(1, format!("cannot lock {}: {e}", path.display()));
        loop {
            let file = fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path)
                .map_err(err)?;
            file.lock().map_err(err)?;
            let held = file.metadata().map_err(err)?;
            match fs::metadata(&path) {
                Ok(now) if (now.dev(), now.ino()) == (held.dev(), held.ino()) => {
                    cleanup().lock = Some(path.clone());
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
        let mut c = cleanup();
        let _ = fs::remove_file(&self.path);
        c.lock = None;
    }
}

/// The share files of one `encode`: temporaries to write, then swapped in together.
pub struct ShareSetOutput {
    targets: Vec<Target>,
    temps: Vec<NamedTempFile>,
    _lock: Lock,
}

impl ShareSetOutput {
    /// Locks the set (`lock` is the lock file's path), checks every target — regular
    /// files or absent, existing ones only with `force` — and creates a temporary for
    /// each.
    pub fn create(names: &[PathBuf], lock: PathBuf, force: bool) -> Result<Self, Failure> {
        let lock = Lock::acquire(lock)?;
        let targets: Vec<Target> = names.iter().map(|n| inspect(n)).collect::<Result<_, _>>()?;
        if let Some(t) = targets.iter().find(|t| t.existing == Existing::Stream) {
            return Err(failure(
                1,
                format!(
                    "{} is not a regular file: share files are replaced, never written into",
                    t.shown.display()
                ),
            ));
        }
        if !force {
            let existing: Vec<&Target> = targets
                .iter()
                .filter(|t| t.existing == Existing::Regular)
                .collect();
            if let Some(first) = existing.first() {
                return Err(exists_error(first, existing.len() - 1));
            }
        }
        let temps = targets
            .iter()
            .map(|t| temp_beside(&t.path))
            .collect::<Result<_, _>>()?;
        Ok(ShareSetOutput {
            targets,
            temps,
            _lock: lock,
        })
    }

    /// The temporaries to write share i to, each wrapped to record its first error.
    pub fn writers(&self) -> Vec<Recorder<&File>> {
        self.temps
            .iter()
            .map(|t| Recorder::new(t.as_file()))
            .collect()
    }

    /// The failure for the first share whose writer failed, if any.
    pub fn write_failure(&self, writers: &[Recorder<&File>]) -> Option<Failure> {
        writers
            .iter()
            .zip(&self.targets)
            .find_map(|(w, t)| w.failure(&t.shown.display().to_string()))
    }

    /// Syncs every temporary, then swaps the whole set in: each existing share is
    /// renamed aside, the new one renamed in; if any step fails, every step done is
    /// undone, so the old set is left as it was.
    pub fn commit(self) -> Result<(), Failure> {
        for (tmp, t) in self.temps.iter().zip(&self.targets) {
            sync_file(tmp.as_file(), &t.shown)?;
        }
        // Held to the end: an interrupt waits until the set is whole again.
        let mut c = cleanup();
        for tmp in &self.temps {
            forget_temp(&mut c, tmp.path());
        }
        let mut steps: Vec<Step> = Vec::new();
        let mut r = Ok(());
        for (tmp, t) in self.temps.into_iter().zip(&self.targets) {
            if let Err(f) = swap_in(tmp, t, &mut steps) {
                r = Err(f);
                break;
            }
        }
        if let Err(f) = r {
            let mut msg = f.msg;
            for s in steps.iter().rev() {
                if let Err(e) = s.undo() {
                    msg.push_str(&format!("; {e}"));
                }
            }
            return Err(failure(f.code, msg));
        }
        let r = sync_dirs(self.targets.iter().map(|t| parent(&t.path)));
        for s in &steps {
            if let Some(b) = &s.backup {
                let _ = fs::remove_file(b);
            }
        }
        drop(c);
        r
    }
}

/// One share swapped (or half swapped) in.
struct Step {
    target: PathBuf,
    shown: PathBuf,
    /// Where the old share was moved to.
    backup: Option<PathBuf>,
    /// Whether the new share is in place.
    placed: bool,
}

impl Step {
    fn undo(&self) -> Result<(), String> {
        match &self.backup {
            Some(b) => fs::rename(b, &self.target).map_err(|e| {
                format!(
                    "could not put back {}: {e}; its old content is in {}",
                    self.shown.display(),
                    b.display()
                )
            }),
            None if self.placed => fs::remove_file(&self.target)
                .map_err(|e| format!("could not remove the new {}: {e}", self.shown.display())),
            None => Ok(()),
        }
    }
}

/// Moves the old file at `t` (if any) aside and renames `new` to `t` (a failed
/// temporary is deleted when dropped), recording
/// each step in `steps` as it succeeds.
fn swap_in(new: NamedTempFile, t: &Target, steps: &mut Vec<Step>) -> Result<(), Failure> {
    let shown = t.shown.display();
    let mut step = Step {
        target: t.path.clone(),
        shown: t.shown.clone(),
        backup: None,
        placed: false,
    };
    if t.existing == Existing::Regular {
        let aside = file_beside(&t.path, ".old")
            .and_then(|f| f.into_temp_path().keep().map_err(|e| e.error))
            .map_err(|e| {
                failure(
                    1,
                    format!("cannot replace {shown}: no room for its old copy: {e}"),
                )
            })?;
        if let Err(e) = fs::rename(&t.path, &aside) {
            let _ = fs::remove_file(&aside);
            return Err(failure(1, format!("cannot replace {shown}: {e}")));
        }
        step.backup = Some(aside);
    }
    steps.push(step);
    let step = steps.last_mut().expect("just pushed");
    // Never over anything: the old file, if any, is aside now.
    new.persist_noclobber(&t.path)
        .map_err(|e| match e.error.kind() {
            io::ErrorKind::AlreadyExists => failure(
                4,
                format!("{shown} appeared while the shares were written: not replaced"),
            ),
            _ => failure(1, format!("cannot create {shown}: {}", e.error)),
        })?;
    step.placed = true;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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

    /// A rename failing half-way through the swap (here: the third new share's
    /// temporary vanished) leaves the old set exactly as it was, and nothing else.
    #[test]
    fn failed_swap_restores_the_old_set() {
        let d = tempfile::tempdir().unwrap();
        let names = set(d.path(), &[b"old0", b"old1", b"old2", b"old3"]);
        let out = ShareSetOutput::create(&names, d.path().join(".s.lock"), true).unwrap();
        for (i, mut w) in out.writers().into_iter().enumerate() {
            write!(w, "new{i}").unwrap();
        }
        fs::remove_file(out.temps[2].path()).unwrap();
        let f = out.commit().expect_err("the swap must fail");
        assert_eq!(f.code, 1);
        assert!(f.msg.starts_with("cannot create "), "{}", f.msg);
        for (i, n) in names.iter().enumerate() {
            assert_eq!(fs::read(n).unwrap(), format!("old{i}").as_bytes());
        }
        let mut left: Vec<_> = fs::read_dir(d.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        left.sort();
        assert_eq!(left, ["s0", "s1", "s2", "s3"]);
    }

    #[test]
    fn swap_replaces_and_creates() {
        let d = tempfile::tempdir().unwrap();
        let mut names = set(d.path(), &[b"old0", b"old1"]);
        names.push(d.path().join("s2"));
        let out = ShareSetOutput::create(&names, d.path().join(".s.lock"), true).unwrap();
        for (i, mut w) in out.writers().into_iter().enumerate() {
            write!(w, "new{i}").unwrap();
        }
        out.commit().unwrap();
        for (i, n) in names.iter().enumerate() {
            assert_eq!(fs::read(n).unwrap(), format!("new{i}").as_bytes());
        }
        assert_eq!(fs::read_dir(d.path()).unwrap().count(), 3);
    }
}

use std::fs::{self, File};
use std::io;
use std::path::PathBuf;

use super::pending::pending;
use super::OutputError;
use crate::sys;

/// An exclusive lock (`File::lock`: `flock` on Unix, `LockFileEx` on Windows) on a
/// lock file beside a share set. The file is removed when released: a waiter that then holds a lock on the removed file sees that the name
/// no longer leads to it and tries again.
pub(super) struct Lock {
    path: PathBuf,
    _file: File,
}

impl Lock {
    pub(super) fn acquire(path: PathBuf) -> Result<Lock, OutputError> {
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

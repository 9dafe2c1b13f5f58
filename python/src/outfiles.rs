//! No partial output: files are written under temporary names beside their targets
//! and renamed into place only when everything succeeded (the `fec` tool's rule).

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use pyo3::exceptions::PyFileExistsError;
use pyo3::prelude::*;
use tempfile::NamedTempFile;

use crate::util::os_error;

/// A temporary file next to `target`, with the permissions a new file would get.
pub fn temp_beside(target: &Path) -> PyResult<NamedTempFile> {
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let prefix = format!(".{name}.");
    let mut b = tempfile::Builder::new();
    b.prefix(&prefix).suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        b.permissions(fs::Permissions::from_mode(0o666));
    }
    b.tempfile_in(dir).map_err(|e| {
        os_error(
            &format!("cannot create a temporary file in {}", dir.display()),
            &e,
        )
    })
}

/// Refuses targets that exist unless `overwrite`: checked before any work starts.
pub fn check_absent(targets: &[PathBuf], overwrite: bool) -> PyResult<()> {
    if overwrite {
        return Ok(());
    }
    match targets.iter().find(|t| fs::symlink_metadata(t).is_ok()) {
        Some(t) => Err(exists(t)),
        None => Ok(()),
    }
}

fn exists(t: &Path) -> PyErr {
    PyFileExistsError::new_err((
        libc::EEXIST,
        format!(
            "{} exists (pass overwrite/--force to replace it)",
            t.display()
        ),
    ))
}

/// Renames finished temporaries to their targets (never replacing an existing file
/// unless `overwrite`); on failure removes the ones already renamed (the others are
/// deleted when dropped).
pub fn persist_all(files: Vec<(NamedTempFile, PathBuf)>, overwrite: bool) -> PyResult<()> {
    let mut done: Vec<PathBuf> = Vec::new();
    for (tmp, target) in files {
        let r = if overwrite {
            tmp.persist(&target).map(drop)
        } else {
            tmp.persist_noclobber(&target).map(drop)
        };
        if let Err(e) = r {
            for d in &done {
                let _ = fs::remove_file(d);
            }
            return Err(if e.error.kind() == io::ErrorKind::AlreadyExists {
                exists(&target)
            } else {
                os_error(&format!("cannot create {}", target.display()), &e.error)
            });
        }
        done.push(target);
    }
    Ok(())
}

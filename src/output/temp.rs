use std::io;
use std::path::Path;
use std::thread::sleep;
use std::time::Duration;

use tempfile::NamedTempFile;

use super::pending::{forget_temp, pending};
use super::target::parent;
use super::OutputError;
use crate::sys;

/// A new file in `dir` named `prefix`, `rand` random characters and `suffix` (never
/// over an existing file), with the permissions a new file gets: a temporary,
/// removed on an interrupt.
pub(super) fn temp_named(
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
pub(super) fn temp_beside(target: &Path) -> Result<NamedTempFile, OutputError> {
    let mut prefix = std::ffi::OsString::from(".");
    prefix.push(target.file_name().unwrap_or_default());
    prefix.push(".");
    temp_named(parent(target), &prefix, 6, ".tmp")
}

/// A temporary that failed before its rename: deleted when dropped, so forgotten.
pub(super) fn discard(tmp: NamedTempFile) {
    let mut p = pending();
    forget_temp(&mut p, tmp.path());
    drop(tmp);
}

/// Renames a finished temporary to `path`: with `overwrite` also over a file someone
/// created meanwhile. Where the platform says a failure may be transient (Windows,
/// while another process renames onto the same name), tries again for about a
/// second. The interrupt lock is held throughout, so an interrupt finds the
/// temporary either still listed or renamed; one that never lands is deleted.
pub(super) fn persist(mut tmp: NamedTempFile, path: &Path, overwrite: bool) -> io::Result<()> {
    let mut p = pending();
    forget_temp(&mut p, tmp.path());
    let mut attempt = 0;
    loop {
        attempt += 1;
        let r = if overwrite {
            tmp.persist(path)
        } else {
            tmp.persist_noclobber(path)
        };
        match r {
            Ok(_) => return Ok(()),
            Err(e) if attempt < 20 && sys::rename_may_succeed_later(&e.error) => {
                tmp = e.file;
                sleep(Duration::from_millis(5 * attempt));
            }
            Err(e) => return Err(e.error),
        }
    }
}

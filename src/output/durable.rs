use std::fs::File;
use std::path::Path;

use super::OutputError;
use crate::sys;

pub(super) fn sync_file(f: &File, shown: &Path, fsync: bool) -> Result<(), OutputError> {
    if fsync {
        f.sync_all().map_err(|source| OutputError::Write {
            name: shown.display().to_string(),
            source,
        })?;
    }
    Ok(())
}

/// Makes renames in `dirs` durable.
pub(super) fn sync_dirs<'a>(
    dirs: impl IntoIterator<Item = &'a Path>,
    fsync: bool,
) -> Result<(), OutputError> {
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

//! Where `fec` writes: the library's all-or-nothing outputs ([`algorithm_fec::output`]),
//! with the tool's exit codes and messages, `--no-fsync`, standard output for `-`,
//! and the cleanup of temporaries on an interrupt.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use algorithm_fec::output::{self as lib, OutputError};
pub use algorithm_fec::output::{kind, Recovered, ShareSetOutput};

use crate::{failure, Failure};

/// Whether outputs and their directories are fsynced before success (`--no-fsync`
/// turns it off).
static FSYNC: AtomicBool = AtomicBool::new(true);

/// Sets whether outputs are synced to disk before they are renamed into place.
pub fn set_fsync(on: bool) {
    FSYNC.store(on, Ordering::Relaxed);
}

/// The library's options for this run, replacing existing files with `force`.
pub fn options(force: bool) -> lib::Options {
    lib::Options {
        overwrite: force,
        fsync: FSYNC.load(Ordering::Relaxed),
    }
}

/// Removes the temporaries and the held lock file, then exits 130 as a shell reports
/// an interrupted command. No rename can follow; a share set being swapped in is
/// finished first, and once it is in, the run succeeded: exit 0.
pub fn exit_interrupted() -> ! {
    let held = lib::remove_pending_files();
    if held.committed() {
        std::process::exit(0);
    }
    eprintln!("fec: interrupted; temporary files removed");
    std::process::exit(130);
}

/// Finishes or undoes the runs of `encode` that died mid-way on the share sets these
/// names belong to (see [`lib::recover_share_sets`]).
pub fn recover_share_sets(shares: &[PathBuf]) -> Result<Vec<(PathBuf, lib::Recovered)>, Failure> {
    Ok(lib::recover_share_sets(shares, &options(false))?)
}

impl From<OutputError> for Failure {
    fn from(e: OutputError) -> Failure {
        match e {
            OutputError::Exists { .. } => failure(4, format!("{e}: give -f to overwrite")),
            OutputError::Appeared { .. } => failure(4, e.to_string()),
            OutputError::NotRegular { path, kind } => failure(
                1,
                format!(
                    "{} is {kind}: fec writes only regular files (and into a FIFO or character device)",
                    path.display()
                ),
            ),
            OutputError::RollbackFailed { error, problems } => {
                let code = Failure::from(*error);
                failure(code.code, format!("{}; {}", code.msg, problems.join("; ")))
            }
            e => failure(1, e.to_string()),
        }
    }
}

/// Whether what is written to OUT cannot be taken back if the work then fails:
/// standard output, a FIFO, a device (not `/dev/null`).
pub fn is_stream(out: &Path) -> bool {
    out == Path::new("-") || lib::is_live_stream(out)
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
        return lib::write_to(io::stdout().lock(), "standard output", work);
    }
    lib::write_output(out, &options(force), work)
}

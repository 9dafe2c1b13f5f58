use std::fs;
use std::io::{self, Write};
use std::path::Path;

use super::durable::{sync_dirs, sync_file};
use super::target::{exists_error, inspect, parent, Existing};
use super::temp::{discard, persist, temp_beside};
use super::{Options, OutputError, Recorder};

/// Runs `work` writing to `out` — a FIFO or character device directly, otherwise a
/// temporary beside it, synced and renamed to `out` at the end (only with
/// [`Options::overwrite`] if `out` exists; checked before `work` runs). A write
/// error is reported as [`OutputError::Write`] of `out`, whatever `work` made of
/// it; on any error nothing is left at `out`'s name that was not there before.
///
/// # Examples
///
/// ```
/// use algorithm_fec::output::{write_output, Options, OutputError};
/// use std::io::Write;
///
/// let dir = tempfile::tempdir()?;
/// let out = dir.path().join("out");
/// // The work fails half way: nothing appears at `out`.
/// let r = write_output(&out, &Options::default(), |w| -> Result<(), Box<dyn std::error::Error>> {
///     w.write_all(b"partial")?;
///     Err("the input went away".into())
/// });
/// assert!(r.is_err());
/// assert!(!out.exists());
/// assert_eq!(std::fs::read_dir(dir.path())?.count(), 0); // no temporary left
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_output<T, E: From<OutputError>>(
    out: &Path,
    opts: &Options,
    work: impl FnOnce(&mut dyn Write) -> Result<T, E>,
) -> Result<T, E> {
    let t = inspect(out)?;
    let shown = t.shown.display().to_string();
    match t.existing {
        Existing::Stream => {
            let f = fs::OpenOptions::new()
                .write(true)
                .open(&t.path)
                .map_err(|source| OutputError::Write {
                    name: shown.clone(),
                    source,
                })?;
            return write_to(f, &shown, work);
        }
        Existing::Regular if !opts.overwrite => return Err(exists_error(&t, 0).into()),
        _ => {}
    }
    let tmp = temp_beside(&t.path)?;
    let r = match write_to(tmp.as_file(), &shown, work).and_then(|r| {
        sync_file(tmp.as_file(), &t.shown, opts.fsync)?;
        Ok(r)
    }) {
        Ok(r) => r,
        Err(e) => {
            discard(tmp);
            return Err(e);
        }
    };
    persist(tmp, &t.path, opts.overwrite).map_err(|e| match e.kind() {
        io::ErrorKind::AlreadyExists => exists_error(&t, 0),
        _ => OutputError::Create {
            path: t.shown.clone(),
            source: e,
        },
    })?;
    sync_dirs([parent(&t.path)], opts.fsync)?;
    Ok(r)
}

/// Runs `work` over a buffered `w` and flushes it; write errors are blamed on
/// `name` (as [`OutputError::Write`]) whatever `work` made of them. For standard
/// output and other streams.
///
/// # Examples
///
/// ```
/// use algorithm_fec::output::{write_to, OutputError};
/// use std::io::Write;
///
/// let mut out = Vec::new();
/// let n = write_to(&mut out, "standard output", |w| -> Result<usize, OutputError> {
///     w.write_all(b"decoded").map_err(|source| OutputError::Write { name: "?".into(), source })?;
///     Ok(7)
/// })?;
/// assert_eq!((n, out.as_slice()), (7, &b"decoded"[..]));
///
/// // A stream that cannot be written: the error names it.
/// let dir = tempfile::tempdir()?;
/// std::fs::write(dir.path().join("f"), b"")?;
/// let read_only = std::fs::File::open(dir.path().join("f"))?;
/// let r = write_to(read_only, "standard output", |w| -> Result<(), OutputError> {
///     w.write_all(b"x").map_err(|source| OutputError::Write { name: "?".into(), source })
/// });
/// assert!(matches!(r, Err(OutputError::Write { name, .. }) if name == "standard output"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_to<W: Write, T, E: From<OutputError>>(
    w: W,
    name: &str,
    work: impl FnOnce(&mut dyn Write) -> Result<T, E>,
) -> Result<T, E> {
    let mut rec = Recorder::new(w);
    let r = {
        // Small writes (rs-*) are gathered; zfec's decode writes pieces of at least
        // this size, which go straight through without a copy.
        let mut buf = io::BufWriter::with_capacity(256 << 10, &mut rec);
        work(&mut buf).and_then(|r| {
            buf.flush().map(|()| r).map_err(|source| {
                OutputError::Write {
                    name: name.to_string(),
                    source,
                }
                .into()
            })
        })
    };
    match (r, rec.error(name)) {
        (Err(_), Some(e)) => Err(e.into()),
        (r, _) => r,
    }
}

//! zfec's share files (`filefec`, `zfec`, `zunfec`) through the Rust `zfec` module:
//! the format, the checks and the streaming are all the core's.

use std::ffi::OsString;
use std::fs::File;
use std::io::{self, Read, Seek};
use std::path::{Path, PathBuf};

use algorithm_fec::output::{recover_share_sets, write_output, Options, ShareSetOutput};
use algorithm_fec::zfec::{self as core, Header, HeaderError, Share, ShareSet};
use pyo3::exceptions::{PyOSError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::pyio::{Pending, PyReader, PyWriter};
use crate::util::{os_error, output_error, Failed};
use crate::zfec::Error as ZfecError;

/// The Python exception for a core error; a Python exception raised by a file
/// object meanwhile wins.
fn to_py(py: Python<'_>, e: core::Error, pending: &Pending) -> PyErr {
    if let Some(p) = pending.take() {
        return p;
    }
    use core::Error as E;
    let filefec = || py.import("algorithm_fec.zfec.filefec");
    let class = |name: &str| filefec().and_then(|m| m.getattr(name));
    let made = match &e {
        E::Params { .. } => return ZfecError::new_err(e.to_string()),
        E::TooFewShares { k, got } => {
            class("InsufficientShareFilesError").and_then(|c| c.call1((*k, *got)))
        }
        E::Header { .. }
        | E::Mismatch { .. }
        | E::SizeMismatch { .. }
        | E::Truncated { .. }
        | E::Outvoted { .. }
        | E::DuplicateShare { .. } => class("CorruptedShareFilesError")
            .and_then(|c| c.call1((format!("Share files were corrupted -- {e}"),))),
        E::Read { name, source } | E::Write { name, source } => {
            return os_error(&format!("cannot access {name}"), source)
        }
        _ => return PyOSError::new_err(e.to_string()),
    };
    match made {
        Ok(exc) => PyErr::from_value(exc),
        Err(import_failed) => import_failed,
    }
}

/// zfec's share header for (m, k, padlen, sharenum).
#[pyfunction]
pub fn build_header(
    py: Python<'_>,
    m: usize,
    k: usize,
    pad: usize,
    sh: usize,
) -> PyResult<Bound<'_, PyBytes>> {
    let bytes = Header::new(m, k, pad, sh)
        .and_then(|h| h.to_bytes())
        .map_err(|e| PyValueError::new_err(e.to_string()))?;
    Ok(PyBytes::new(py, &bytes))
}

/// Parses a share header at the front of `data`: ((m, k, padlen, sharenum), length).
/// Too few bytes raise ValueError whose second argument is the length needed.
#[pyfunction]
pub fn parse_header(data: &[u8]) -> PyResult<((usize, usize, usize, usize), usize)> {
    match Header::parse(data) {
        Ok((h, len)) => Ok(((h.m, h.k, h.padlen, h.sharenum), len)),
        Err(e @ HeaderError::TooShort { needed, .. }) => {
            Err(PyValueError::new_err((e.to_string(), needed)))
        }
        Err(e) => Err(PyValueError::new_err((e.to_string(), 0usize))),
    }
}

/// zfec's share file name: PREFIX.NN_MM + suffix. Prefix and suffix are file name
/// strings (bytes that are not UTF-8, as Python decodes them from a file name, pass
/// through as zfec's do).
#[pyfunction]
pub fn share_file_name(prefix: OsString, sharenum: usize, m: usize, suffix: OsString) -> OsString {
    core::share_file_os_name(&prefix, sharenum, m, &suffix)
}

/// Encodes the file object `inf` (read with `read(n)`) into m share files at
/// `paths`. With `size` the input must have exactly that many bytes; without, it
/// is read to its end. The shares are written under temporary names, synced and
/// swapped in together at the end (the `fec` tool's output module): on any error
/// the files at `paths` are left as they were. Existing files are replaced only
/// with `overwrite`; `lock`, if given, is a lock file that serialises writers of
/// the same set. Returns the input size.
#[pyfunction]
#[pyo3(signature = (inf, size, paths, k, m, overwrite, lock = None))]
#[allow(clippy::too_many_arguments)]
pub fn encode_files(
    py: Python<'_>,
    inf: Py<PyAny>,
    size: Option<u64>,
    paths: Vec<PathBuf>,
    k: usize,
    m: usize,
    overwrite: bool,
    lock: Option<PathBuf>,
) -> PyResult<u64> {
    if !(1..=m).contains(&k) || m > core::MAX_SHARES || paths.len() != m {
        let e = core::Error::Params { k, m };
        return Err(ZfecError::new_err(e.to_string()));
    }
    let opts = Options {
        overwrite,
        ..Options::default()
    };
    let out = py
        .allow_threads(|| ShareSetOutput::create(&paths, lock, &opts))
        .map_err(output_error)?;
    let pending = Pending::default();
    let encoded = {
        let reader = PyReader::new(inf, &pending);
        let mut writers = out.writers();
        let r = py.allow_threads(|| match size {
            Some(size) => core::encode_sized(k, m, size, reader, &mut writers, &mut |_| {}),
            None => core::encode(k, m, reader, &mut writers, &mut |_| {}),
        });
        r.map_err(|e| match out.write_failure(&writers) {
            Some(f) => output_error(f),
            None => to_py(py, e, &pending),
        })?
    };
    py.allow_threads(|| out.commit()).map_err(output_error)?;
    Ok(encoded.size)
}

/// Opens shares given as (name, file object, bytes from its position to its end).
fn open_shares<R: Read>(
    py: Python<'_>,
    shares: Vec<(String, R, u64)>,
    pending: &Pending,
) -> PyResult<ShareSet<R>> {
    let opened = shares
        .into_iter()
        .map(|(name, r, len)| Share::open(name, r, len))
        .collect::<Result<Vec<_>, _>>()
        .and_then(ShareSet::new);
    opened.map_err(|e| to_py(py, e, pending))
}

/// Decodes shares given as (name, file object, bytes from its position to its end)
/// into the file object `outf` (written with `write`). Every share is checked
/// (headers, sizes, duplicates, at least k) before anything is written. Returns
/// the bytes written.
#[pyfunction]
pub fn decode_files(
    py: Python<'_>,
    shares: Vec<(String, Py<PyAny>, u64)>,
    outf: Py<PyAny>,
) -> PyResult<u64> {
    let pending = Pending::default();
    let readers = shares
        .into_iter()
        .map(|(name, f, len)| (name, PyReader::new(f, &pending), len))
        .collect();
    let set = open_shares(py, readers, &pending)?;
    let out = PyWriter::new(outf, &pending);
    py.allow_threads(|| set.decode(out, &mut |_| {}))
        .map_err(|e| to_py(py, e, &pending))
}

/// A share file and its length. Every length is checked before anything is written,
/// so a share that is not a regular file (a pipe, as `zunfec <(...)` gives, which
/// zfec reads) is first copied into an unnamed temporary file.
fn open_share(p: &Path) -> io::Result<(File, u64)> {
    let mut f = File::open(p)?;
    let meta = f.metadata()?;
    if meta.is_file() || meta.is_dir() {
        return Ok((f, meta.len()));
    }
    let mut spool = tempfile::tempfile()?;
    let len = io::copy(&mut f, &mut spool)?;
    spool.rewind()?;
    Ok((spool, len))
}

/// Decodes the share files at `paths` into the file `output` (written under a
/// temporary name, renamed at the end, replacing an existing file only with
/// `overwrite`), or into the file object `outf` when `output` is None. Returns the
/// bytes written.
#[pyfunction]
#[pyo3(signature = (paths, output, outf, overwrite))]
pub fn decode_paths(
    py: Python<'_>,
    paths: Vec<PathBuf>,
    output: Option<PathBuf>,
    outf: Option<Py<PyAny>>,
    overwrite: bool,
) -> PyResult<u64> {
    // A share set whose `encode` died mid-swap is finished or undone first (as `fec
    // decode` does), so the names hold one whole set.
    py.allow_threads(|| recover_share_sets(&paths, &Options::default()))
        .map_err(output_error)?;
    // Without the GIL: a FIFO's open waits for its writer, and a pipe is read to its
    // end, and that writer may be a thread of this process.
    let shares = py
        .allow_threads(|| {
            paths
                .iter()
                .map(|p| match open_share(p) {
                    Ok((f, len)) => Ok((p.display().to_string(), io::BufReader::new(f), len)),
                    Err(e) => Err((p, e)),
                })
                .collect::<Result<Vec<_>, _>>()
        })
        .map_err(|(p, e)| os_error(&format!("cannot read {}", p.display()), &e))?;
    let pending = Pending::default();
    let set = open_shares(py, shares, &pending)?;
    match (output, outf) {
        (Some(target), _) => {
            let opts = Options {
                overwrite,
                ..Options::default()
            };
            py.allow_threads(|| {
                write_output(&target, &opts, |w| {
                    set.decode(w, &mut |_| {}).map_err(Failed::Core)
                })
            })
            .map_err(|e| match e {
                Failed::Core(e) => to_py(py, e, &pending),
                Failed::Output(e) => output_error(e),
            })
        }
        (None, Some(outf)) => {
            let out = PyWriter::new(outf, &pending);
            py.allow_threads(|| set.decode(out, &mut |_| {}))
                .map_err(|e| to_py(py, e, &pending))
        }
        (None, None) => Err(PyValueError::new_err(
            "give an output path or a file object",
        )),
    }
}

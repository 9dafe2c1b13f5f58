//! Small conversions shared by the classes: sequences, integers, errors.

use std::error::Error as _;

use algorithm_fec::output::OutputError;
use pyo3::exceptions::{PyFileExistsError, PyIsADirectoryError, PyOSError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyInt, PyList, PyTuple};

/// The items of a list, tuple or any iterable (as `PySequence_Fast` takes them);
/// anything else raises `TypeError(msg)`.
pub fn items<'py>(obj: &Bound<'py, PyAny>, msg: &str) -> PyResult<Vec<Bound<'py, PyAny>>> {
    if let Ok(l) = obj.downcast::<PyList>() {
        return Ok(l.iter().collect());
    }
    if let Ok(t) = obj.downcast::<PyTuple>() {
        return Ok(t.iter().collect());
    }
    match obj.try_iter() {
        Ok(it) => it.collect(),
        Err(_) => Err(PyTypeError::new_err(msg.to_string())),
    }
}

/// An `int` (or `bool`) item's value, `None` for anything else. Values beyond i64
/// saturate, so range checks still reject them.
pub fn int_value(obj: &Bound<'_, PyAny>) -> Option<i64> {
    let i = obj.downcast::<PyInt>().ok()?;
    Some(i.extract::<i64>().unwrap_or_else(|_| {
        if i.lt(0).unwrap_or(false) {
            i64::MIN
        } else {
            i64::MAX
        }
    }))
}

/// An `OSError` for an I/O error about `what`, with its errno so Python picks the
/// subclass (`FileNotFoundError`, `PermissionError`, ...).
pub fn os_error(what: &str, e: &std::io::Error) -> PyErr {
    match e.raw_os_error() {
        Some(errno) => PyOSError::new_err((errno, format!("{what}: {e}"))),
        None => PyOSError::new_err(format!("{what}: {e}")),
    }
}

/// The Python exception for an output file error: `FileExistsError` for a file that
/// exists (without overwrite), `IsADirectoryError` for a directory, otherwise an
/// `OSError` with the errno of the I/O error behind it, if any.
pub fn output_error(e: OutputError) -> PyErr {
    match &e {
        OutputError::Exists { path, .. } | OutputError::Appeared { path } => {
            PyFileExistsError::new_err((
                libc::EEXIST,
                format!(
                    "{} exists (pass overwrite/--force to replace it)",
                    path.display()
                ),
            ))
        }
        OutputError::NotRegular {
            kind: "a directory",
            ..
        } => PyIsADirectoryError::new_err((libc::EISDIR, e.to_string())),
        _ => match errno(&e) {
            Some(n) => PyOSError::new_err((n, e.to_string())),
            None => PyOSError::new_err(e.to_string()),
        },
    }
}

/// The errno of the first I/O error in `e`'s chain of causes.
fn errno(e: &OutputError) -> Option<i32> {
    let mut cause = e.source();
    while let Some(c) = cause {
        if let Some(io) = c.downcast_ref::<std::io::Error>() {
            return io.raw_os_error();
        }
        cause = c.source();
    }
    None
}

/// What a write through the output module can fail with.
pub enum Failed<E> {
    /// The work's own error.
    Core(E),
    /// The output's.
    Output(OutputError),
}

impl<E> From<OutputError> for Failed<E> {
    fn from(e: OutputError) -> Self {
        Failed::Output(e)
    }
}

//! Small conversions shared by the classes: sequences, integers, errors.

use pyo3::exceptions::{PyOSError, PyTypeError};
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

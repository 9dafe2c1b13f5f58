//! `Read` and `Write` over Python file objects, for the Rust code that streams
//! shares. They may run without the GIL: each call takes it for the Python call only.
//! A Python exception is kept so the caller re-raises it unchanged.

use std::io;
use std::sync::Mutex;

use pyo3::exceptions::{PyBlockingIOError, PyValueError};
use pyo3::prelude::*;

use crate::buffer::Buf;

/// The first Python exception raised inside a read or write.
#[derive(Default)]
pub struct Pending(Mutex<Option<PyErr>>);

impl Pending {
    fn keep(&self, e: PyErr) -> io::Error {
        let msg = Python::with_gil(|py| e.value(py).to_string());
        if let Ok(mut slot) = self.0.lock() {
            slot.get_or_insert(e);
        }
        io::Error::other(msg)
    }

    /// The kept exception, if any.
    pub fn take(&self) -> Option<PyErr> {
        self.0.lock().ok().and_then(|mut slot| slot.take())
    }
}

/// Reads by calling the object's `read(n)`.
pub struct PyReader<'a> {
    obj: Py<PyAny>,
    pending: &'a Pending,
}

impl<'a> PyReader<'a> {
    /// A reader over `obj`, keeping exceptions in `pending`.
    pub fn new(obj: Py<PyAny>, pending: &'a Pending) -> Self {
        PyReader { obj, pending }
    }
}

impl io::Read for PyReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        Python::with_gil(|py| {
            let got = self.obj.bind(py).call_method1("read", (buf.len(),))?;
            let b = Buf::get(&got, false)?;
            let n = b.len();
            if n > buf.len() {
                return Err(PyValueError::new_err(format!(
                    "read({}) returned {n} bytes",
                    buf.len()
                )));
            }
            buf[..n].copy_from_slice(b.bytes());
            Ok(n)
        })
        .map_err(|e| self.pending.keep(e))
    }
}

/// Writes by calling the object's `write(b)` (until every byte is taken).
pub struct PyWriter<'a> {
    obj: Py<PyAny>,
    pending: &'a Pending,
}

impl<'a> PyWriter<'a> {
    /// A writer over `obj`, keeping exceptions in `pending`.
    pub fn new(obj: Py<PyAny>, pending: &'a Pending) -> Self {
        PyWriter { obj, pending }
    }
}

impl io::Write for PyWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        Python::with_gil(|py| {
            let bytes = pyo3::types::PyBytes::new(py, buf);
            let obj = self.obj.bind(py);
            let n = obj.call_method1("write", (bytes,))?;
            if n.is_none() {
                // A raw file in non-blocking mode says "would block" (nothing taken)
                // with None; any other writer (zfec ignores what write returns, and
                // duck-typed writers often return None) took the whole buffer.
                let raw = py.import("io")?.getattr("RawIOBase")?;
                if obj.is_instance(&raw)? {
                    return Err(PyBlockingIOError::new_err(
                        "the output is a non-blocking raw file and would block",
                    ));
                }
                return Ok(buf.len());
            }
            // Raw files may take fewer bytes, never more.
            let n = n.extract::<usize>()?;
            if n > buf.len() {
                return Err(PyValueError::new_err(format!(
                    "write() of {} bytes returned {n}",
                    buf.len()
                )));
            }
            Ok(n)
        })
        .map_err(|e| self.pending.keep(e))
    }

    fn flush(&mut self) -> io::Result<()> {
        Python::with_gil(|py| {
            let obj = self.obj.bind(py);
            if obj.hasattr("flush")? {
                obj.call_method0("flush")?;
            }
            Ok(())
        })
        .map_err(|e| self.pending.keep(e))
    }
}

//! Andrew Brown's `RSCoder` and the Rust file container, for `algorithm_fec.rs`.

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Seek, Write};
use std::path::{Path, PathBuf};

use algorithm_fec::output::{is_live_stream, write_output, Options};
use algorithm_fec::rs::{self, FileError, RsCoder, RsError};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyDict, PyString};

use crate::buffer::Buf;
use crate::util::{os_error, output_error, Failed};

pyo3::create_exception!(
    rs,
    UncorrectableError,
    pyo3::exceptions::PyException,
    "A codeword (or a set of blocks, for Code.decode_correcting) has more errors than the code can correct: nothing is returned."
);

fn rs_error(e: RsError) -> PyErr {
    match e {
        RsError::Uncorrectable | RsError::UncorrectableCodeword { .. } => {
            UncorrectableError::new_err(e.to_string())
        }
        e => PyValueError::new_err(e.to_string()),
    }
}

/// The input's kind, so the result comes back as the same type.
enum Kind {
    Str,
    ByteArray,
    Bytes,
}

/// Bytes of a message or word: a str (each character one byte, below 256, as in
/// the Python 2 original) or any buffer.
fn input(obj: &Bound<'_, PyAny>) -> PyResult<(Vec<u8>, Kind)> {
    if let Ok(s) = obj.downcast::<PyString>() {
        let text = s.to_cow()?;
        let bytes = text
            .chars()
            .map(|c| u8::try_from(u32::from(c)))
            .collect::<Result<Vec<u8>, _>>()
            .map_err(|_| {
                PyValueError::new_err(
                    "a str message must hold only characters below 256 (one byte each)",
                )
            })?;
        return Ok((bytes, Kind::Str));
    }
    let kind = if obj.is_instance_of::<PyByteArray>() {
        Kind::ByteArray
    } else {
        Kind::Bytes
    };
    let buf = Buf::get(obj, false)
        .map_err(|_| PyTypeError::new_err("expected bytes, bytearray, a buffer or str"))?;
    Ok((buf.bytes().to_vec(), kind))
}

fn output<'py>(py: Python<'py>, bytes: &[u8], kind: Kind) -> Bound<'py, PyAny> {
    match kind {
        Kind::Str => PyString::new(
            py,
            &bytes.iter().map(|&b| char::from(b)).collect::<String>(),
        )
        .into_any(),
        Kind::ByteArray => PyByteArray::new(py, bytes).into_any(),
        Kind::Bytes => PyBytes::new(py, bytes).into_any(),
    }
}

/// Reed–Solomon RS(n, k) over GF(2^8), byte-identical to Andrew Brown's `rs.py`:
/// n-byte codewords carrying k message bytes; up to (n-k)//2 corrupted bytes are
/// corrected. Needs 1 <= k < n <= 255 (ValueError otherwise). Messages and words
/// are bytes, bytearray, any buffer, or str (characters below 256); results have
/// the input's type (other buffers give bytes). Immutable: share it freely.
#[pyclass(name = "RSCoder", module = "algorithm_fec.rs", subclass, frozen)]
pub struct PyRsCoder {
    rs: RsCoder,
}

#[pymethods]
impl PyRsCoder {
    #[new]
    fn new(n: i64, k: i64) -> PyResult<Self> {
        if n < 0 || k < 0 {
            return Err(PyValueError::new_err("n and k must be positive"));
        }
        if n >= 256 {
            return Err(PyValueError::new_err("n must be at most 255"));
        }
        let rs = RsCoder::new(n as usize, k as usize).map_err(rs_error)?;
        Ok(PyRsCoder { rs })
    }

    /// Codeword length.
    #[getter]
    fn n(&self) -> usize {
        self.rs.n()
    }

    /// Message length.
    #[getter]
    fn k(&self) -> usize {
        self.rs.k()
    }

    /// Encodes a message of at most k bytes (left-padded with zero bytes to k) into
    /// an n-byte codeword: the k message bytes, then n-k parity bytes. `poly` is
    /// Brown's argument: only its default, False, is offered (True returned his
    /// Polynomial class).
    #[pyo3(signature = (message, poly = false))]
    fn encode<'py>(
        &self,
        py: Python<'py>,
        message: &Bound<'py, PyAny>,
        poly: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        if poly {
            return Err(PyValueError::new_err(
                "poly=True (a Polynomial result) is not offered: the codeword is returned as the message's type",
            ));
        }
        let (msg, kind) = input(message)?;
        if msg.len() > self.rs.k() {
            return Err(PyValueError::new_err(format!(
                "Message length is max {}. Message was {}",
                self.rs.k(),
                msg.len()
            )));
        }
        let word = self.rs.encode(&msg).map_err(rs_error)?;
        Ok(output(py, &word, kind))
    }

    /// Decodes an n-byte received word and returns its message: all k bytes with
    /// `nostrip`, else with every leading zero byte removed (as `rs.py` does).
    /// Raises UncorrectableError when the word has too many errors.
    #[pyo3(signature = (r, nostrip = false))]
    fn decode<'py>(
        &self,
        py: Python<'py>,
        r: &Bound<'py, PyAny>,
        nostrip: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (word, kind) = input(r)?;
        let msg = if nostrip {
            self.rs.decode(&word)
        } else {
            self.rs.decode_stripped(&word)
        }
        .map_err(rs_error)?;
        Ok(output(py, &msg, kind))
    }

    /// Whether `code` is a valid codeword (n bytes with all-zero syndromes).
    fn verify(&self, code: &Bound<'_, PyAny>) -> PyResult<bool> {
        let (word, _) = input(code)?;
        Ok(self.rs.verify(&word))
    }

    fn __repr__(&self) -> String {
        format!("RSCoder({}, {})", self.rs.n(), self.rs.k())
    }
}

/// The Python exception for a container error while reading `src` into `dst`.
fn file_error(e: FileError, src: &Path, dst: &Path) -> PyErr {
    match e {
        FileError::Read(e) => os_error(&format!("reading {}", src.display()), &e),
        FileError::Write(e) => os_error(&format!("writing {}", dst.display()), &e),
        FileError::Rs(e) => rs_error(e),
        // Lost groups, or a whole-data checksum that does not match: the message
        // names the byte ranges of the original that could not be restored.
        e @ (FileError::Damaged(_) | FileError::ChecksumMismatch(_)) => {
            UncorrectableError::new_err(e.to_string())
        }
        e => PyValueError::new_err(e.to_string()),
    }
}

/// Opens the input without the GIL: opening a FIFO waits for its writer, which may
/// be a thread of this process.
fn open(py: Python<'_>, path: &PathBuf) -> PyResult<BufReader<File>> {
    py.allow_threads(|| File::open(path))
        .map(BufReader::new)
        .map_err(|e| os_error(&format!("cannot read {}", path.display()), &e))
}

/// Writes `target` through the output module: a temporary beside it, synced and
/// renamed at the end; nothing at `target` on error.
fn write_via_temp<T>(
    py: Python<'_>,
    src: &Path,
    target: PathBuf,
    overwrite: bool,
    work: impl FnOnce(&mut dyn Write) -> Result<T, FileError> + Send,
) -> PyResult<T>
where
    T: Send,
{
    let opts = Options {
        overwrite,
        ..Options::default()
    };
    py.allow_threads(|| write_output(&target, &opts, |w| work(w).map_err(Failed::Core)))
        .map_err(|e| match e {
            Failed::Core(e) => file_error(e, src, &target),
            Failed::Output(e) => output_error(e),
        })
}

/// Protects the file `src` into `dst` with RS(n, k) codewords interleaved in
/// groups of `interleave` (the `fec rs-encode` container). Returns a dict with
/// "length" (bytes read) and "written".
#[pyfunction]
#[pyo3(signature = (src, dst, n = 255, k = 223, interleave = 16, overwrite = false))]
pub fn protect_file(
    py: Python<'_>,
    src: PathBuf,
    dst: PathBuf,
    n: usize,
    k: usize,
    interleave: usize,
    overwrite: bool,
) -> PyResult<Bound<'_, PyDict>> {
    let reader = open(py, &src)?;
    let report = write_via_temp(py, &src, dst, overwrite, |w| {
        rs::protect_file(reader, w, n, k, interleave)
    })?;
    let d = PyDict::new(py);
    d.set_item("length", report.length)?;
    d.set_item("written", report.written)?;
    Ok(d)
}

/// Repairs and unwraps the protected file `src` into `dst`. Returns a dict with
/// "length" (bytes written) and "corrected_bytes" (bytes fixed in the body).
/// Raises UncorrectableError when a codeword cannot be corrected (nothing is
/// written then, into a FIFO either), ValueError when `src` is not a protected file.
#[pyfunction]
#[pyo3(signature = (src, dst, overwrite = false))]
pub fn repair_file(
    py: Python<'_>,
    src: PathBuf,
    dst: PathBuf,
    overwrite: bool,
) -> PyResult<Bound<'_, PyDict>> {
    let reader = open(py, &src)?;
    // Verified only at the end: a FIFO or device (written into, not replaced) gets
    // the data from an unnamed temporary file once it is.
    let spool = is_live_stream(&dst);
    let report = write_via_temp(py, &src, dst, overwrite, |w| {
        if !spool {
            return rs::repair_file(reader, w);
        }
        let mut tmp = tempfile::tempfile().map_err(FileError::Write)?;
        let report = rs::repair_file(reader, BufWriter::new(&mut tmp))?;
        tmp.rewind().map_err(FileError::Write)?;
        io::copy(&mut tmp, w).map_err(FileError::Write)?;
        Ok(report)
    })?;
    let d = PyDict::new(py);
    d.set_item("length", report.length)?;
    d.set_item("corrected_bytes", report.corrected_bytes)?;
    Ok(d)
}

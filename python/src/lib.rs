//! The `algorithm_fec._native` extension module: the Rust core's codes for Python.
//! The pure-Python package around it (`algorithm_fec`) gives zfec's and Brown's
//! APIs their module layout.

mod buffer;
mod code;
mod pyio;
mod rs;
mod session;
mod sharefiles;
mod util;
mod zfec;

use pyo3::exceptions::PyImportError;
use pyo3::prelude::*;

/// The Rust core of algorithm_fec: zfec's Encoder/Decoder, Code, FecSession,
/// Brown's RSCoder, and the share-file and rs-container functions.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    // A bad ALGORITHM_FEC_KERNEL or ALGORITHM_FEC_PATH fails the import with its
    // message, rather than a PanicException (not an Exception) at the first call.
    algorithm_fec::kernels::check_env().map_err(|e| PyImportError::new_err(e.to_string()))?;
    algorithm_fec::code::check_path_env().map_err(|e| PyImportError::new_err(e.to_string()))?;
    let py = m.py();
    m.add_class::<zfec::Encoder>()?;
    m.add_class::<zfec::Decoder>()?;
    m.add("Error", py.get_type::<zfec::Error>())?;
    m.add_class::<code::Code>()?;
    m.add_class::<session::FecSession>()?;
    m.add_class::<rs::PyRsCoder>()?;
    m.add(
        "UncorrectableError",
        py.get_type::<rs::UncorrectableError>(),
    )?;
    m.add_function(wrap_pyfunction!(rs::protect_file, m)?)?;
    m.add_function(wrap_pyfunction!(rs::repair_file, m)?)?;
    m.add_function(wrap_pyfunction!(sharefiles::build_header, m)?)?;
    m.add_function(wrap_pyfunction!(sharefiles::parse_header, m)?)?;
    m.add_function(wrap_pyfunction!(sharefiles::share_file_name, m)?)?;
    m.add_function(wrap_pyfunction!(sharefiles::encode_files, m)?)?;
    m.add_function(wrap_pyfunction!(sharefiles::decode_files, m)?)?;
    m.add_function(wrap_pyfunction!(sharefiles::decode_paths, m)?)?;
    Ok(())
}

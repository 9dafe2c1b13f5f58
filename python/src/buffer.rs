//! Byte buffers of Python objects through the buffer protocol (PEP 3118).
//!
//! PyO3 exposes the buffer protocol only for CPython ≥ 3.11 under the stable ABI,
//! because `Py_buffer` joined the limited API then. The struct's layout and the two
//! functions are the same in every CPython 3, so this module declares them itself
//! and one abi3 build serves 3.9 and 3.10 too.

use std::ffi::{c_char, c_int, c_void};
use std::ptr;

use pyo3::exceptions::{PyBufferError, PyValueError};
use pyo3::ffi::{PyObject, Py_ssize_t};
use pyo3::prelude::*;

/// CPython's `Py_buffer`.
#[repr(C)]
struct RawBuffer {
    buf: *mut c_void,
    obj: *mut PyObject,
    len: Py_ssize_t,
    itemsize: Py_ssize_t,
    readonly: c_int,
    ndim: c_int,
    format: *mut c_char,
    shape: *mut Py_ssize_t,
    strides: *mut Py_ssize_t,
    suboffsets: *mut Py_ssize_t,
    internal: *mut c_void,
}

extern "C" {
    fn PyObject_GetBuffer(obj: *mut PyObject, view: *mut RawBuffer, flags: c_int) -> c_int;
    fn PyBuffer_Release(view: *mut RawBuffer);
}

/// `PyBUF_SIMPLE`: contiguous bytes, no shape or format needed.
const PYBUF_SIMPLE: c_int = 0;
/// `PyBUF_WRITABLE`.
const PYBUF_WRITABLE: c_int = 1;

/// A contiguous byte buffer exported by a Python object, held (so neither freed nor
/// resized) until dropped.
pub struct Buf {
    // Boxed: the exporter may keep pointers into the view until it is released.
    view: Box<RawBuffer>,
}

impl Buf {
    /// The object's bytes, read-only or writable. Objects that are not contiguous
    /// buffers (or not writable, when asked) raise the exporter's error
    /// (`TypeError`, `BufferError`).
    pub fn get(obj: &Bound<'_, PyAny>, writable: bool) -> PyResult<Buf> {
        let mut view = Box::new(RawBuffer {
            buf: ptr::null_mut(),
            obj: ptr::null_mut(),
            len: 0,
            itemsize: 0,
            readonly: 0,
            ndim: 0,
            format: ptr::null_mut(),
            shape: ptr::null_mut(),
            strides: ptr::null_mut(),
            suboffsets: ptr::null_mut(),
            internal: ptr::null_mut(),
        });
        let flags = if writable {
            PYBUF_WRITABLE
        } else {
            PYBUF_SIMPLE
        };
        // SAFETY: the GIL is held (we have a Bound), `obj` is a live object and
        // `view` points to a zeroed Py_buffer that outlives the call.
        if unsafe { PyObject_GetBuffer(obj.as_ptr(), &mut *view, flags) } != 0 {
            return Err(PyErr::fetch(obj.py()));
        }
        let buf = Buf { view };
        if writable && buf.view.readonly != 0 {
            return Err(PyBufferError::new_err("the buffer is read-only"));
        }
        Ok(buf)
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.view.len as usize
    }

    /// The address range of the bytes.
    fn range(&self) -> std::ops::Range<usize> {
        let start = self.view.buf as usize;
        start..start + self.len()
    }

    /// The bytes. The slice may be handed to code running without the GIL: the
    /// buffer stays exported (alive, not resized) while `self` lives.
    pub fn bytes(&self) -> &[u8] {
        if self.len() == 0 {
            return &[];
        }
        // SAFETY: PyBUF_SIMPLE gives `len` contiguous bytes at `buf`, valid until
        // the view is released in Drop. Another Python thread may write into a
        // mutable exporter meanwhile, exactly as with any C extension; the bytes
        // are then unspecified but the memory stays valid.
        unsafe { std::slice::from_raw_parts(self.view.buf as *const u8, self.len()) }
    }

    /// The bytes, writable. Only for buffers got with `writable`.
    pub fn bytes_mut(&mut self) -> &mut [u8] {
        assert!(self.view.readonly == 0, "writable buffer");
        if self.len() == 0 {
            return &mut [];
        }
        // SAFETY: as in `bytes`; the exporter granted write access (readonly == 0)
        // and `&mut self` makes this the only slice of this view.
        unsafe { std::slice::from_raw_parts_mut(self.view.buf as *mut u8, self.len()) }
    }
}

impl Drop for Buf {
    fn drop(&mut self) {
        // SAFETY: the view was filled by a successful PyObject_GetBuffer and is
        // released exactly once, with the GIL held.
        Python::with_gil(|_| unsafe { PyBuffer_Release(&mut *self.view) });
    }
}

/// Fails unless every writable buffer shares no byte with any other buffer: the
/// same bytearray given twice, or overlapping memoryviews of one buffer, would be
/// written through two paths at once.
/// `bufs` pairs each buffer with whether it will be written.
pub fn check_disjoint<'a>(bufs: impl IntoIterator<Item = (&'a Buf, bool)>) -> PyResult<()> {
    let mut spans: Vec<(std::ops::Range<usize>, bool)> = bufs
        .into_iter()
        .map(|(b, w)| (b.range(), w))
        .filter(|(r, _)| !r.is_empty())
        .collect();
    spans.sort_by_key(|(r, _)| r.start);
    // The span reaching furthest so far, and whether it is written.
    let mut reach: Option<(usize, bool)> = None;
    for (r, w) in spans {
        if let Some((end, written)) = reach {
            if r.start < end && (w || written) {
                return Err(PyValueError::new_err(
                    "a buffer to be written overlaps another block (the same object given twice?)",
                ));
            }
            if r.end > end {
                reach = Some((r.end, w));
            }
        } else {
            reach = Some((r.end, w));
        }
    }
    Ok(())
}

/// `count` new `bytes` objects of `len` bytes each, filled by `fill` without the
/// GIL: it gets writable views of their (uninitialised) storage, pages already
/// mapped in ([`prefault`]), and must write every byte. Its error comes back as
/// the inner `Err`, and the objects are dropped.
pub fn new_bytes_filled<'py, E: Send>(
    py: Python<'py>,
    count: usize,
    len: usize,
    fill: impl Send + FnOnce(&mut [&mut [u8]]) -> Result<(), E>,
) -> PyResult<Result<Vec<Bound<'py, PyAny>>, E>> {
    let mut objs = Vec::with_capacity(count);
    let mut views: Vec<&mut [u8]> = Vec::with_capacity(count);
    for _ in 0..count {
        // SAFETY: a NULL source asks CPython for an uninitialised object of `len`
        // bytes; the result is a new reference or NULL with an exception set.
        let obj = unsafe {
            Bound::from_owned_ptr_or_err(
                py,
                pyo3::ffi::PyBytes_FromStringAndSize(ptr::null(), len as Py_ssize_t),
            )?
        };
        // SAFETY: `obj` is a new bytes object of `len` bytes (plus a NUL), not yet
        // shared with Python code; `objs` keeps it alive until the views are
        // dropped below, and this view is the only access to its storage.
        let view = unsafe {
            let data = pyo3::ffi::PyBytes_AsString(obj.as_ptr()) as *mut u8;
            std::slice::from_raw_parts_mut(data, len)
        };
        objs.push(obj);
        views.push(view);
    }
    let filled = py.allow_threads(|| {
        prefault(&mut views);
        fill(&mut views)
    });
    drop(views);
    Ok(filled.map(|()| objs))
}

/// Outputs shorter than this usually sit on pages malloc already has; longer ones
/// get fresh pages from the kernel (glibc maps them, and unmaps them when freed).
#[cfg(target_os = "linux")]
const PREFAULT_MIN: usize = 128 * 1024;

/// Maps in the pages of fresh outputs with one system call each, before a kernel
/// writes them: otherwise every first touch of a 4 KiB page traps, which for 1 MiB
/// outputs on a VM costs a sixth of an encode (both this and zfec pay it). Only a
/// hint: contents are unchanged, and a Linux before 5.14 (no MADV_POPULATE_WRITE)
/// just returns an error, ignored.
#[cfg(target_os = "linux")]
fn prefault(outs: &mut [&mut [u8]]) {
    for out in outs.iter_mut().filter(|o| o.len() >= PREFAULT_MIN) {
        let start = out.as_mut_ptr() as usize;
        let first = start.next_multiple_of(4096);
        let end = (start + out.len()) & !4095;
        if end > first {
            // SAFETY: [first, end) lies inside `out`, which this function borrows
            // mutably; MADV_POPULATE_WRITE only maps pages in, as a write would,
            // without changing their contents.
            unsafe {
                libc::madvise(first as *mut c_void, end - first, libc::MADV_POPULATE_WRITE);
            }
        }
    }
}

/// Elsewhere no such hint is used.
#[cfg(not(target_os = "linux"))]
fn prefault(_outs: &mut [&mut [u8]]) {}

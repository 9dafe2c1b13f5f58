//! `algorithm_fec.FecSession`: Algorithm::FEC's object, call for call, over blocks
//! in memory or in file regions (mapped by the core, so huge files are encoded
//! without being read and decoded in place).

use std::fs::{File, OpenOptions};
use std::path::PathBuf;

use algorithm_fec::{Block, SessionError};
use pyo3::exceptions::{PyMemoryError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyString, PyTuple};

use crate::buffer::{check_disjoint, Buf};
use crate::code::indices;
use crate::util::{int_value, os_error};

fn session_error(e: SessionError) -> PyErr {
    match e {
        SessionError::Flush { source, .. } => os_error("writing the decoded block", &source),
        e @ SessionError::OutOfMemory { .. } => PyMemoryError::new_err(e.to_string()),
        e => PyValueError::new_err(e.to_string()),
    }
}

/// Where a block given from Python lives.
enum Spec<'py> {
    Memory(Bound<'py, PyAny>),
    File(File, u64),
}

/// Opens a file object (its descriptor, duplicated) or a path.
fn open_file(f: &Bound<'_, PyAny>, write: bool) -> PyResult<File> {
    if f.is_instance_of::<PyString>() || f.hasattr("__fspath__")? {
        let path: PathBuf = f.extract()?;
        // Opening a FIFO waits for its other end, uninterruptibly and with the GIL
        // held: refuse anything the core could not map anyway before opening it.
        if let Ok(meta) = std::fs::metadata(&path) {
            if !meta.is_file() && !meta.is_dir() {
                return Err(PyValueError::new_err(format!(
                    "{}: not a regular file (pipes, sockets and devices cannot be mapped)",
                    path.display()
                )));
            }
        }
        return OpenOptions::new()
            .read(true)
            .write(write)
            .open(&path)
            .map_err(|e| os_error(&format!("cannot open {}", path.display()), &e));
    }
    if f.hasattr("flush")? {
        // Bytes buffered by Python must reach the file before it is mapped.
        f.call_method0("flush")?;
    }
    let fd: i32 = f.call_method0("fileno")?.extract()?;
    dup_fd(fd)
}

#[cfg(unix)]
fn dup_fd(fd: i32) -> PyResult<File> {
    use std::os::fd::BorrowedFd;
    if fd < 0 {
        return Err(PyValueError::new_err("the file object is closed"));
    }
    // SAFETY: the descriptor belongs to a live file object whose fileno() just
    // returned it; it is only borrowed for the duplication.
    let fd = unsafe { BorrowedFd::borrow_raw(fd) };
    let owned = fd
        .try_clone_to_owned()
        .map_err(|e| os_error("cannot duplicate the file descriptor", &e))?;
    Ok(File::from(owned))
}

#[cfg(not(unix))]
fn dup_fd(_fd: i32) -> PyResult<File> {
    Err(PyTypeError::new_err(
        "file objects as blocks need a Unix system; pass a path",
    ))
}

/// A block argument: a buffer, a file object or path (offset 0), or a
/// `(file object or path, offset)` pair. `write`: opened for writing.
fn spec<'py>(obj: &Bound<'py, PyAny>, write: bool) -> PyResult<Spec<'py>> {
    if let Ok(t) = obj.downcast::<PyTuple>() {
        if t.len() != 2 {
            return Err(PyTypeError::new_err(
                "a file block is a (file or path, offset) pair",
            ));
        }
        let offset = match int_value(&t.get_item(1)?) {
            Some(o) if o >= 0 => o as u64,
            _ => {
                return Err(PyValueError::new_err(
                    "a block's offset must be an int >= 0",
                ))
            }
        };
        return Ok(Spec::File(open_file(&t.get_item(0)?, write)?, offset));
    }
    let is_path = obj.is_instance_of::<PyString>() || obj.hasattr("__fspath__")?;
    if is_path || (obj.hasattr("fileno")? && Buf::get(obj, false).is_err()) {
        return Ok(Spec::File(open_file(obj, write)?, 0));
    }
    Ok(Spec::Memory(obj.clone()))
}

/// The core's blocks for opened specs: memory is copied, files are borrowed.
fn blocks<'a>(specs: &'a [Spec<'_>]) -> PyResult<Vec<Block<'a>>> {
    specs
        .iter()
        .map(|s| match s {
            Spec::Memory(obj) => Ok(Block::Memory(copy_of(Buf::get(obj, false)?.bytes())?)),
            Spec::File(f, offset) => Ok(Block::file(f, *offset)),
        })
        .collect()
}

/// A copy of a buffer, allocated fallibly: a buffer can be larger than the memory
/// left (an mmap of a huge sparse file), and that is a MemoryError, not an abort.
fn copy_of(bytes: &[u8]) -> PyResult<Vec<u8>> {
    let mut v = Vec::new();
    v.try_reserve_exact(bytes.len()).map_err(|_| {
        PyMemoryError::new_err(format!(
            "out of memory: cannot copy a block of {} bytes",
            bytes.len()
        ))
    })?;
    v.extend_from_slice(bytes);
    Ok(v)
}

fn list<'a, 'py>(obj: &'a Bound<'py, PyAny>, what: &str) -> PyResult<&'a Bound<'py, PyList>> {
    obj.downcast::<PyList>().map_err(|_| {
        PyTypeError::new_err(format!("{what} must be a list (it is reordered in place)"))
    })
}

/// Algorithm::FEC's object: a (k, n) code, a block size, and the blocks of the
/// current operation.
///
/// A block is a buffer (bytes, bytearray, memoryview, numpy array, mmap; a
/// decode target or copy destination must be writable), a file object or path
/// (the block is at offset 0), or a ``(file object or path, offset)`` pair. File
/// blocks are mapped, never read into memory; a file that decoding writes must be
/// open read-write (paths are opened as needed). Buffers are copied when the blocks
/// are set (Algorithm::FEC reads Perl strings when encoding): set them again after
/// changing them. Errors raise ValueError (OSError for I/O, MemoryError for outputs
/// that cannot be allocated) before anything is written, except for a file shrunk
/// while mapped, by any amount: the call that read or wrote the cut block raises
/// ValueError ("the file changed while it was mapped") after its work, and a decode
/// has then already overwritten its targets. Not for two threads at once.
#[pyclass(module = "algorithm_fec")]
pub struct FecSession {
    inner: algorithm_fec::FecSession,
    /// After set_decode_blocks: the objects of memory blocks decode writes, by
    /// position (in decode order).
    targets: Vec<Option<Py<PyAny>>>,
}

#[pymethods]
impl FecSession {
    #[new]
    fn new(k: usize, n: usize, block_size: usize) -> PyResult<Self> {
        Ok(FecSession {
            inner: algorithm_fec::FecSession::new(k, n, block_size).map_err(session_error)?,
            targets: Vec::new(),
        })
    }

    /// Data blocks.
    #[getter]
    fn k(&self) -> usize {
        self.inner.code().k()
    }

    /// Blocks in all.
    #[getter]
    fn n(&self) -> usize {
        self.inner.code().n()
    }

    /// Bytes per block.
    #[getter]
    fn block_size(&self) -> usize {
        self.inner.block_size()
    }

    /// Sets the k data blocks `encode` reads; None or [] forgets the blocks.
    #[pyo3(signature = (blocks = None))]
    fn set_encode_blocks(&mut self, blocks: Option<&Bound<'_, PyAny>>) -> PyResult<()> {
        self.targets.clear();
        let objs = match blocks {
            None => Vec::new(),
            Some(b) => crate::util::items(b, "blocks must be a sequence")?,
        };
        let specs = objs
            .iter()
            .map(|o| spec(o, false))
            .collect::<PyResult<Vec<_>>>()?;
        let blocks = self::blocks(&specs)?;
        self.inner.set_encode_blocks(blocks).map_err(session_error)
    }

    /// Block `index` (an int) as new bytes, or, for a sequence of indices, a list
    /// of them made in one pass over the data.
    fn encode<'py>(
        &self,
        py: Python<'py>,
        index: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let single = int_value(index);
        let idx = match single {
            Some(i) if i < 0 => {
                return Err(PyValueError::new_err(format!(
                    "block index {i} is negative"
                )))
            }
            Some(i) => vec![i as usize],
            None => indices(index)?,
        };
        let inner = &self.inner;
        let out = py
            .allow_threads(|| inner.encode_many(&idx))
            .map_err(session_error)?;
        // new_with raises MemoryError where new would panic.
        let made = out
            .iter()
            .map(|b| {
                PyBytes::new_with(py, b.len(), |dst| {
                    dst.copy_from_slice(b);
                    Ok(())
                })
            })
            .collect::<PyResult<Vec<_>>>()?;
        match single {
            Some(_) => Ok(made.into_iter().next().expect("one block").into_any()),
            None => Ok(PyList::new(py, made)?.into_any()),
        }
    }

    /// Prepares a decode from k blocks and their indices. Both lists are reordered
    /// in place (Algorithm::FEC's rule: each data block present moves to the
    /// position of its index); after decode(), position j holds data block j.
    /// Everything is checked first; on error neither list is changed.
    fn set_decode_blocks(
        &mut self,
        blocks: &Bound<'_, PyAny>,
        indices: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        self.targets.clear();
        let (blocks, idx_list) = (list(blocks, "blocks")?, list(indices, "indices")?);
        let mut idx = self::indices(idx_list.as_any())?;
        let k = self.inner.code().k();
        let mut order: Vec<usize> = (0..blocks.len()).collect();
        let mut reordered = idx.clone();
        self.inner
            .shuffle(&mut order, &mut reordered)
            .map_err(session_error)?;
        let objs: Vec<Bound<'_, PyAny>> = blocks.iter().collect();
        let specs = objs
            .iter()
            .zip(&idx)
            .map(|(o, &i)| spec(o, i >= k))
            .collect::<PyResult<Vec<_>>>()?;
        // Memory targets must be writable buffers now, not at decode, and share no
        // byte with another block: decode writes each through its own copy, so one
        // buffer given twice would silently end up holding only one result.
        let mut memory = Vec::new();
        for (s, &i) in specs.iter().zip(&idx) {
            if let Spec::Memory(o) = s {
                memory.push((Buf::get(o, i >= k)?, i >= k));
            }
        }
        check_disjoint(memory.iter().map(|(b, w)| (b, *w)))?;
        drop(memory);
        let core_blocks = self::blocks(&specs)?;
        self.inner
            .set_decode_blocks(core_blocks, &mut idx)
            .map_err(session_error)?;
        self.targets = order
            .iter()
            .enumerate()
            .map(|(q, &p)| match &specs[p] {
                Spec::Memory(o) if idx[q] != q => Some(o.clone().unbind()),
                _ => None,
            })
            .collect();
        for (q, &p) in order.iter().enumerate() {
            blocks.set_item(q, &objs[p])?;
            idx_list.set_item(q, idx[q])?;
        }
        Ok(())
    }

    /// Rebuilds the missing data blocks in place: every position (in the reordered
    /// order) that held a check block now holds the data block of its position
    /// (buffers written in place, files through the mapping, flushed).
    fn decode(&mut self, py: Python<'_>) -> PyResult<()> {
        let bs = self.inner.block_size();
        let mut bufs = Vec::new();
        for (q, t) in self.targets.iter().enumerate() {
            if let Some(obj) = t {
                let b = Buf::get(obj.bind(py), true)?;
                if b.len() != bs {
                    return Err(PyValueError::new_err(format!(
                        "block #{q} has size {}, not {bs}",
                        b.len()
                    )));
                }
                bufs.push((q, b));
            }
        }
        let inner = &mut self.inner;
        let out = py.allow_threads(|| inner.decode()).map_err(session_error)?;
        self.targets.clear();
        for (q, mut b) in bufs {
            if let Some(Some(v)) = out.get(q) {
                b.bytes_mut().copy_from_slice(v);
            }
        }
        Ok(())
    }

    /// Reorders the lists `blocks` and `indices` in place exactly as
    /// set_decode_blocks would, and does nothing else.
    fn shuffle(&self, blocks: &Bound<'_, PyAny>, indices: &Bound<'_, PyAny>) -> PyResult<()> {
        let (blocks, idx_list) = (list(blocks, "blocks")?, list(indices, "indices")?);
        let mut idx = self::indices(idx_list.as_any())?;
        let mut objs: Vec<Bound<'_, PyAny>> = blocks.iter().collect();
        self.inner
            .shuffle(&mut objs, &mut idx)
            .map_err(session_error)?;
        for (q, o) in objs.iter().enumerate() {
            blocks.set_item(q, o)?;
            idx_list.set_item(q, idx[q])?;
        }
        Ok(())
    }

    /// Overwrites block `dst` with block `src` (each a buffer, file or
    /// (file, offset)); ends any encode or decode setup, as the original does.
    fn copy(&mut self, src: &Bound<'_, PyAny>, dst: &Bound<'_, PyAny>) -> PyResult<()> {
        self.targets.clear();
        let specs = [spec(src, false)?, spec(dst, true)?];
        let mut dst_buf = match &specs[1] {
            Spec::Memory(o) => Some(Buf::get(o, true)?),
            Spec::File(..) => None,
        };
        let mut blocks = self::blocks(&specs)?;
        let mut to = blocks.pop().expect("two blocks");
        let from = blocks.pop().expect("two blocks");
        self.inner.copy(&from, &mut to).map_err(session_error)?;
        if let (Some(b), Block::Memory(v)) = (dst_buf.as_mut(), &to) {
            b.bytes_mut().copy_from_slice(v);
        }
        Ok(())
    }
}

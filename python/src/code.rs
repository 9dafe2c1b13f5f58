//! `algorithm_fec.Code`: the (k, n) code over caller buffers, without copies.

use algorithm_fec::Shard;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyList;

use crate::buffer::{check_disjoint, new_bytes_filled, Buf};
use crate::rs::UncorrectableError;
use crate::util::{int_value, items};

/// A wrong block as Python gets it: (position, index, wrong bytes, first wrong byte).
type BadBlock = (usize, usize, usize, usize);

pub fn value_error(e: impl std::fmt::Display) -> PyErr {
    PyValueError::new_err(e.to_string())
}

/// Block indices from a sequence of ints (each checked against the code later).
pub fn indices(obj: &Bound<'_, PyAny>) -> PyResult<Vec<usize>> {
    items(obj, "indices must be a sequence of ints")?
        .iter()
        .map(|x| match int_value(x) {
            Some(v) if v >= 0 => Ok(v as usize),
            Some(v) => Err(value_error(format!("block index {v} is negative"))),
            None => Err(pyo3::exceptions::PyTypeError::new_err(
                "indices must be a sequence of ints",
            )),
        })
        .collect()
}

/// A systematic (k, n) erasure code: k data blocks, n blocks in all, any k of which
/// give the data back. GF(2^8) for n <= 255, GF(2^16) (even block sizes) up to
/// n = 65536, as Algorithm::FEC chooses. Immutable; share it between threads.
///
/// Blocks are any contiguous buffers (bytes, bytearray, memoryview, numpy arrays,
/// mmap); outputs must be writable. The GIL is released while coding.
#[pyclass(module = "algorithm_fec", frozen)]
pub struct Code {
    code: algorithm_fec::Code,
}

#[pymethods]
impl Code {
    #[new]
    fn new(k: usize, n: usize) -> PyResult<Self> {
        Ok(Code {
            code: algorithm_fec::Code::new(k, n).map_err(value_error)?,
        })
    }

    /// Data blocks.
    #[getter]
    fn k(&self) -> usize {
        self.code.k()
    }

    /// Blocks in all.
    #[getter]
    fn n(&self) -> usize {
        self.code.n()
    }

    /// Makes blocks `indices` from the k data blocks in one pass over the data.
    ///
    /// With `out` (a sequence of writable buffers, one per index, each the block
    /// size) the blocks are written there and None is returned; without, a list of
    /// new bytes is returned. Raises ValueError for wrong counts, sizes or indices.
    #[pyo3(signature = (data, indices, out = None))]
    fn encode<'py>(
        &self,
        py: Python<'py>,
        data: &Bound<'py, PyAny>,
        indices: &Bound<'py, PyAny>,
        out: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Option<Bound<'py, PyList>>> {
        let idx = self::indices(indices)?;
        let bufs = items(data, "data must be a sequence of buffers")?
            .iter()
            .map(|b| Buf::get(b, false))
            .collect::<PyResult<Vec<_>>>()?;
        let data: Vec<&[u8]> = bufs.iter().map(Buf::bytes).collect();
        let code = &self.code;
        match out {
            Some(out) => {
                let mut outs = items(out, "out must be a sequence of writable buffers")?
                    .iter()
                    .map(|b| Buf::get(b, true))
                    .collect::<PyResult<Vec<_>>>()?;
                check_disjoint(
                    bufs.iter()
                        .map(|b| (b, false))
                        .chain(outs.iter().map(|b| (b, true))),
                )?;
                let mut outs: Vec<&mut [u8]> = outs.iter_mut().map(Buf::bytes_mut).collect();
                py.allow_threads(|| code.encode_many(&data, &idx, &mut outs))
                    .map_err(value_error)?;
                Ok(None)
            }
            None => {
                let len = data.first().map_or(0, |d| d.len());
                let made = new_bytes_filled(py, idx.len(), len, |outs| {
                    code.encode_many(&data, &idx, outs)
                })?
                .map_err(value_error)?;
                Ok(Some(PyList::new(py, made)?))
            }
        }
    }

    /// Decodes in place: `blocks` are any k distinct blocks of the code and
    /// `indices` their block numbers. The blocks are put in Algorithm::FEC's order
    /// (each data block present at the position of its number) and every block that
    /// held a check block is overwritten with the data block of its position; these
    /// must be writable, the others may be read-only. Returns the block objects in
    /// data order: result[j] now holds data block j. The arguments are not changed.
    /// Raises ValueError (counts, indices, duplicates, sizes) before writing anything.
    fn decode<'py>(
        &self,
        py: Python<'py>,
        blocks: &Bound<'py, PyAny>,
        indices: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyList>> {
        let mut idx = self::indices(indices)?;
        let blocks = items(blocks, "blocks must be a sequence of buffers")?;
        let mut order: Vec<usize> = (0..blocks.len()).collect();
        self.code
            .reorder(&mut order, &mut idx)
            .map_err(value_error)?;
        let mut bufs = order
            .iter()
            .enumerate()
            .map(|(pos, &p)| Buf::get(&blocks[p], idx[pos] != pos))
            .collect::<PyResult<Vec<_>>>()?;
        check_disjoint(bufs.iter().enumerate().map(|(pos, b)| (b, idx[pos] != pos)))?;
        let mut shards: Vec<Shard<'_>> = bufs
            .iter_mut()
            .enumerate()
            .map(|(pos, b)| {
                if idx[pos] == pos {
                    Shard::Read(b.bytes())
                } else {
                    Shard::Write(b.bytes_mut())
                }
            })
            .collect();
        let code = &self.code;
        py.allow_threads(|| code.decoder(&idx)?.decode(&mut shards))
            .map_err(value_error)?;
        PyList::new(py, order.iter().map(|&p| &blocks[p]))
    }

    /// Decodes from `blocks` (k or more distinct blocks of the code, `indices`
    /// their block numbers, any order), checking them against each other: where, in
    /// some symbol column, at most (s - k) // 2 of the s blocks are wrong, the data
    /// still comes out exact and those blocks are reported. Returns `(data, bad)`:
    /// the k data blocks as new bytes, and per wrong block a tuple `(position,
    /// index, wrong_bytes, first_wrong_byte)`, position being its place in
    /// `blocks`. Where more are wrong (up to s - k), raises UncorrectableError
    /// (algorithm_fec.UncorrectableError); with exactly k blocks nothing can be
    /// checked. Raises ValueError for wrong counts, indices or sizes.
    fn decode_correcting<'py>(
        &self,
        py: Python<'py>,
        blocks: &Bound<'py, PyAny>,
        indices: &Bound<'py, PyAny>,
    ) -> PyResult<(Bound<'py, PyList>, Vec<BadBlock>)> {
        let idx = self::indices(indices)?;
        let bufs = items(blocks, "blocks must be a sequence of buffers")?
            .iter()
            .map(|b| Buf::get(b, false))
            .collect::<PyResult<Vec<_>>>()?;
        let blocks: Vec<&[u8]> = bufs.iter().map(Buf::bytes).collect();
        let len = blocks.first().map_or(0, |b| b.len());
        let code = &self.code;
        let mut bad = Vec::new();
        let data = new_bytes_filled(py, code.k(), len, |outs| {
            bad = code.decode_correcting(&blocks, &idx, outs)?;
            Ok(())
        })?
        .map_err(|e| match e {
            e @ algorithm_fec::Error::Uncorrectable { .. } => {
                UncorrectableError::new_err(e.to_string())
            }
            e => value_error(e),
        })?;
        let bad = bad
            .into_iter()
            .map(|b| (b.position, b.index, b.bytes, b.first))
            .collect();
        Ok((PyList::new(py, data)?, bad))
    }

    fn __repr__(&self) -> String {
        format!("Code(k={}, n={})", self.code.k(), self.code.n())
    }
}

//! zfec's `Encoder` and `Decoder` (its C extension `_fec`), on the Rust code.

use algorithm_fec::{Code, Field, Shard};
use pyo3::prelude::*;
use pyo3::types::PyList;

use crate::buffer::{new_bytes_filled, Buf};
use crate::util::{int_value, items};

pyo3::create_exception!(
    zfec,
    Error,
    pyo3::exceptions::PyException,
    "zfec's error: bad parameters, block counts, block sizes or block numbers."
);

fn err(msg: impl Into<String>) -> PyErr {
    Error::new_err(msg.into())
}

/// The code for zfec's (k, m), with zfec's checks and messages.
fn zfec_code(k: i64, m: i64) -> PyResult<Code> {
    if k < 1 {
        return Err(err(format!("Precondition violation: first argument is required to be greater than or equal to 1, but it was {k}")));
    }
    if m < 1 {
        return Err(err(format!("Precondition violation: second argument is required to be greater than or equal to 1, but it was {m}")));
    }
    if m > 256 {
        return Err(err(format!("Precondition violation: second argument is required to be less than or equal to 256, but it was {m}")));
    }
    if k > m {
        return Err(err(format!("Precondition violation: first argument is required to be less than or equal to the second argument, but they were {k} and {m} respectively")));
    }
    Code::with_field(k as usize, m as usize, Field::Gf8).map_err(|e| err(e.to_string()))
}

/// Buffers of the blocks, all of one length (zfec's message otherwise).
fn block_bufs(blocks: &[Bound<'_, PyAny>]) -> PyResult<(Vec<Buf>, usize)> {
    let bufs = blocks
        .iter()
        .map(|b| Buf::get(b, false))
        .collect::<PyResult<Vec<Buf>>>()?;
    let len = bufs.first().map_or(0, Buf::len);
    if let Some(b) = bufs.iter().find(|b| b.len() != len) {
        return Err(err(format!("Precondition violation: Input blocks are required to be all the same length.  length of one block was: {len}, length of another block was: {}", b.len())));
    }
    Ok((bufs, len))
}

/// Hold static encoder state (the code for k and m), and provide `encode()`.
///
/// k: the number of blocks required for reconstruction (1..=m);
/// m: the number of blocks produced (1..=256).
#[pyclass(module = "algorithm_fec.zfec", subclass, frozen)]
pub struct Encoder {
    code: Code,
}

#[pymethods]
impl Encoder {
    #[new]
    #[pyo3(signature = (k, m))]
    fn new(k: i64, m: i64) -> PyResult<Self> {
        Ok(Encoder {
            code: zfec_code(k, m)?,
        })
    }

    /// The number of blocks required for reconstruction.
    #[getter]
    fn k(&self) -> usize {
        self.code.k()
    }

    /// The number of blocks produced.
    #[getter]
    fn m(&self) -> usize {
        self.code.n()
    }

    /// Encode k blocks of data into the requested blocks (all m by default).
    ///
    /// inblocks: a sequence of k buffers (bytes, bytearray, memoryview, ...), all
    /// the same length. desired_blocks_nums: block numbers (0..m) to return, in
    /// that order; None for all m. Returns a list: a requested primary block (number
    /// < k) is the very object passed in, the others are new bytes. The GIL is
    /// released while coding.
    #[pyo3(signature = (inblocks, desired_blocks_nums = None))]
    fn encode<'py>(
        &self,
        py: Python<'py>,
        inblocks: &Bound<'py, PyAny>,
        desired_blocks_nums: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyList>> {
        let (k, m) = (self.code.k(), self.code.n());
        let wanted: Vec<usize> = match desired_blocks_nums {
            None => (0..m).collect(),
            Some(d) => items(d, "Second argument (optional) was not a sequence.")?
                .iter()
                .map(|x| match int_value(x) {
                    None => Err(err(
                        "Precondition violation: second argument is required to contain int.",
                    )),
                    Some(v) if v < 0 || v >= m as i64 => Err(err(format!(
                        "Precondition violation: block numbers are required to be in 0..m ({m}), but one was {v}"
                    ))),
                    Some(v) => Ok(v as usize),
                })
                .collect::<PyResult<_>>()?,
        };
        let blocks = items(inblocks, "First argument was not a sequence.")?;
        if blocks.len() != k {
            return Err(err(format!("Precondition violation: Wrong length -- first argument (the sequence of input blocks) is required to contain exactly k blocks.  len(first): {}, k: {k}", blocks.len())));
        }
        let (bufs, len) = block_bufs(&blocks)?;
        let checks: Vec<usize> = wanted.iter().copied().filter(|&i| i >= k).collect();
        let data: Vec<&[u8]> = bufs.iter().map(Buf::bytes).collect();
        let code = &self.code;
        let made = new_bytes_filled(py, checks.len(), len, |outs| {
            code.encode_many(&data, &checks, outs)
        })?
        .map_err(|e| err(e.to_string()))?;
        let mut made = made.into_iter();
        let result = wanted.iter().map(|&i| {
            if i < k {
                blocks[i].clone()
            } else {
                made.next().expect("one per check block")
            }
        });
        PyList::new(py, result)
    }
}

/// Hold static decoder state (the code for k and m), and provide `decode()`.
///
/// k: the number of blocks required for reconstruction (1..=m);
/// m: the number of blocks produced (1..=256).
#[pyclass(module = "algorithm_fec.zfec", subclass, frozen)]
pub struct Decoder {
    code: Code,
}

#[pymethods]
impl Decoder {
    #[new]
    #[pyo3(signature = (k, m))]
    fn new(k: i64, m: i64) -> PyResult<Self> {
        Ok(Decoder {
            code: zfec_code(k, m)?,
        })
    }

    /// The number of blocks required for reconstruction.
    #[getter]
    fn k(&self) -> usize {
        self.code.k()
    }

    /// The number of blocks produced.
    #[getter]
    fn m(&self) -> usize {
        self.code.n()
    }

    /// Decode k blocks into the k primary blocks.
    ///
    /// blocks: a sequence of k buffers, all the same length; sharenums: their block
    /// numbers, distinct, in 0..m. Returns the list of the k primary blocks in order
    /// (b"".join(result) is the data): a primary block that was given is the very
    /// object passed in, the others are new bytes. Duplicate or out-of-range numbers
    /// raise Error (zfec hangs or returns garbage). The GIL is released while coding.
    fn decode<'py>(
        &self,
        py: Python<'py>,
        blocks: &Bound<'py, PyAny>,
        sharenums: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyList>> {
        let (k, m) = (self.code.k(), self.code.n());
        let mut blocks = items(blocks, "First argument was not a sequence.")?;
        let nums = items(sharenums, "Second argument was not a sequence.")?;
        if blocks.len() != k {
            return Err(err(format!("Precondition violation: Wrong length -- first argument is required to contain exactly k blocks.  len(first): {}, k: {k}", blocks.len())));
        }
        if nums.len() != k {
            return Err(err(format!("Precondition violation: Wrong length -- blocknums is required to contain exactly k blocks.  len(blocknums): {}, k: {k}", nums.len())));
        }
        let mut idx = Vec::with_capacity(k);
        let mut seen = vec![false; m];
        for x in &nums {
            let v = int_value(x).ok_or_else(|| {
                err("Precondition violation: second argument is required to contain int.")
            })?;
            if !(0..=255).contains(&v) {
                return Err(err(format!("Precondition violation: block nums can't be less than zero or greater than 255.  {v}")));
            }
            if v >= m as i64 {
                return Err(err(format!(
                    "Precondition violation: block nums are required to be less than m ({m}), but one was {v}"
                )));
            }
            if std::mem::replace(&mut seen[v as usize], true) {
                return Err(err(format!(
                    "Precondition violation: block nums are required to be distinct, but {v} was given twice"
                )));
            }
            idx.push(v as usize);
        }
        let (bufs, len) = block_bufs(&blocks)?;
        let mut order: Vec<usize> = (0..k).collect();
        self.code
            .reorder(&mut order, &mut idx)
            .map_err(|e| err(e.to_string()))?;
        blocks = order.iter().map(|&p| blocks[p].clone()).collect();
        let srcs: Vec<&[u8]> = order.iter().map(|&p| bufs[p].bytes()).collect();
        let lost = (0..k).filter(|&pos| idx[pos] != pos).count();
        let code = &self.code;
        let made = new_bytes_filled(py, lost, len, |outs| {
            let mut outs = outs.iter_mut();
            let mut shards: Vec<Shard> = Vec::with_capacity(k);
            for (pos, src) in srcs.into_iter().enumerate() {
                if idx[pos] == pos {
                    shards.push(Shard::Read(src));
                } else {
                    // The check block is copied into the new object, which the
                    // decode then turns into the data block in place.
                    let out = outs.next().expect("one per rebuilt block");
                    out.copy_from_slice(src);
                    shards.push(Shard::Write(out));
                }
            }
            code.decoder(&idx)?.decode(&mut shards)
        })?
        .map_err(|e| err(e.to_string()))?;
        let mut made = made.into_iter();
        let result = (0..k).map(|pos| {
            if idx[pos] == pos {
                blocks[pos].clone()
            } else {
                made.next().expect("one per rebuilt block")
            }
        });
        PyList::new(py, result)
    }
}

"""Erasure and Reed-Solomon codes on the Rust core of algorithm-fec.

- ``algorithm_fec.zfec``: zfec 1.6's Python API, name for name
  (``import algorithm_fec.zfec as zfec`` is the whole migration).
- ``algorithm_fec.rs``: Andrew Brown's ``RSCoder`` and the ``rs`` file container.
- ``Code``: the (k, n) code over caller buffers: one-pass encode into them,
  in-place decode, no copies; ``Code.decode_correcting`` uses blocks beyond k
  to find and correct wrong ones (``UncorrectableError`` where it cannot).
- ``FecSession``: Algorithm::FEC's object over buffers and ``(file, offset)``
  regions, decoding huge files in place.
"""

from ._native import Code, FecSession, UncorrectableError
from . import rs, zfec

__version__ = "0.1.0"

__all__ = ["Code", "FecSession", "UncorrectableError", "rs", "zfec", "__version__"]

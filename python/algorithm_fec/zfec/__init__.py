"""zfec's Python API on the Rust core of algorithm-fec.

``Encoder(k, m).encode(inblocks, desired_blocks_nums=None)``,
``Decoder(k, m).decode(blocks, sharenums)`` and ``Error`` behave as zfec 1.6's,
with the same argument checks and exception types; where zfec hangs or returns
garbage (duplicate or out-of-range block numbers, blocks of different sizes) they
raise ``Error``. Submodules ``easyfec``, ``filefec``, ``cmdline_zfec`` and
``cmdline_zunfec`` match zfec's.
"""

import importlib

from .._native import Decoder, Encoder, Error
from . import easyfec, filefec

__version__ = "1.6.0.0+algorithm_fec"

__all__ = [
    "Encoder",
    "Decoder",
    "Error",
    "easyfec",
    "filefec",
    "cmdline_zfec",
    "cmdline_zunfec",
    "__version__",
]


def __getattr__(name):
    # The command-line modules load on first use rather than with the package, so
    # that ``python -m algorithm_fec.zfec.cmdline_zunfec`` runs a module not
    # imported yet (runpy warns otherwise).
    if name in ("cmdline_zfec", "cmdline_zunfec"):
        return importlib.import_module("." + name, __name__)
    raise AttributeError("module %r has no attribute %r" % (__name__, name))

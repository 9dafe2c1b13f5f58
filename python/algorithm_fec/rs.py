"""Andrew Brown's Reed-Solomon coder (``rs.RSCoder``) on the Rust core, byte for
byte, plus file protection with the ``fec rs-encode`` container.

    >>> from algorithm_fec.rs import RSCoder
    >>> coder = RSCoder(20, 13)
    >>> c = coder.encode(b"Hello, world!")
    >>> coder.decode(b"\\0\\0\\0" + c[3:])
    b'Hello, world!'

Unlike the original, a word with more errors than the code can correct raises
``UncorrectableError`` instead of returning wrong bytes.
"""

from ._native import RSCoder, UncorrectableError, protect_file, repair_file

__all__ = ["RSCoder", "UncorrectableError", "protect_file", "repair_file"]

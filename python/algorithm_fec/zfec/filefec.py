"""zfec's ``filefec``: share files on disk and segment-by-segment encoding.

The share format (headers, layout, checks) is the Rust core's ``zfec`` module:
``encode_to_files`` and ``decode_from_files`` stream through it, writing share
files under temporary names renamed only at the end (no partial output), and
checking every share (headers, sizes, duplicates) before anything is written.
"""

from __future__ import print_function

import os
import shutil
import tempfile

from .. import _native
from .._native import Encoder as _Encoder
from .._native import Error
from . import easyfec

CHUNKSIZE = 4096
FORMAT_FORMAT = "%%s.%%0%dd_%%0%dd%%s"
RE_FORMAT = "%s.[0-9]+_[0-9]+%s"
MILLION_BYTES = 10 ** 6


class InsufficientShareFilesError(Error):
    """Fewer share files than k were given."""

    def __init__(self, k, kb, *args, **kwargs):
        Error.__init__(self, *args, **kwargs)
        self.k = k
        self.kb = kb

    def __repr__(self):
        return ("Insufficient share files -- %d share files are required to recover "
                "this file, but only %d were given" % (self.k, self.kb))

    def __str__(self):
        return self.__repr__()


class CorruptedShareFilesError(Error):
    """Share files that do not belong together or are damaged: bad or truncated
    headers, different m/k/padlen or sizes, a share number given twice."""


def pad_size(n, k):
    """The smallest number that has to be added to n to equal a multiple of k."""
    return (k - n % k) % k


def log_ceil(n, b):
    """The smallest integer e such that b**e >= n."""
    p, e = 1, 0
    while p < n:
        p *= b
        e += 1
    return e


def _build_header(m, k, pad, sh):
    """The 2 to 4 byte share header for m, k, padding and share number."""
    try:
        return _native.build_header(m, k, pad, sh)
    except ValueError as e:
        raise Error(str(e))


def _parse_header(inf):
    """Read a share header from the file object ``inf`` (consuming exactly its
    bytes) and return (m, k, pad, sh)."""
    data = inf.read(2)
    while True:
        try:
            return _native.parse_header(data)[0]
        except ValueError as e:
            msg, needed = e.args
            if needed > len(data) and len(data) >= 2:
                more = inf.read(needed - len(data))
                if more:
                    data += more
                    continue
            raise CorruptedShareFilesError(
                "Share files were corrupted -- share file %r: %s"
                % (getattr(inf, "name", inf), msg))


def _share_names(dirname, prefix, m, suffix):
    return [os.path.join(dirname, _native.share_file_name(prefix, sh, m, suffix))
            for sh in range(m)]


def encode_to_files(inf, fsize, dirname, prefix, k, m, suffix=".fec",
                    overwrite=False, verbose=False):
    """Encode the file object ``inf`` into m share files named
    ``dirname/prefix.NN_MM<suffix>``, any k of which rebuild it.

    ``fsize`` is the number of bytes ``inf`` yields (None: read to its end, for
    pipes). Returns 0, or 1 after printing the error when a file cannot be read or
    written or already exists (without ``overwrite``); the files at the share
    names are then left as they were (an overwrite replaces the whole set or
    nothing). Runs on the same names wait for each other (a lock file
    ``.prefix.lock`` beside the shares, the one ``fec encode`` takes).
    Bad k or m raise Error.
    """
    _Encoder(k, m)  # zfec's checks and messages for k and m, before any name is made
    names = _share_names(dirname, prefix, m, suffix)
    if verbose:
        for fn in names:
            print("Creating share file %r..." % (fn,))
    try:
        # Where `fec encode` takes it: beside the shares (the prefix may hold a directory).
        lock = os.path.join(os.path.dirname(names[0]), ".%s.lock" % (os.path.basename(prefix),))
        _native.encode_files(inf, fsize, names, k, m, overwrite, lock)
    except EnvironmentError as le:
        print("Cannot complete because of exception: ")
        print(le)
        return 1
    if verbose:
        print()
        print("Done!")
    return 0


def _remaining(f):
    """Bytes from ``f``'s position to its end."""
    pos = f.tell()
    end = f.seek(0, 2)
    f.seek(pos)
    return end - pos


def _measured(f, i, spools):
    """(name, file, bytes left) for share ``f``. The core checks every share's
    length before writing anything, so a share that cannot seek (a pipe, a socket,
    an object with only ``read``, all of which zfec takes) is first copied into a
    temporary file, added to ``spools``."""
    name = str(getattr(f, "name", "share %d" % i))
    try:
        return name, f, _remaining(f)
    except (AttributeError, OSError, ValueError):
        spool = tempfile.TemporaryFile()
        spools.append(spool)
        shutil.copyfileobj(f, spool)
        size = spool.tell()
        spool.seek(0)
        return name, spool, size


def decode_from_files(outf, infiles, verbose=False):
    """Decode the original file from the share file objects ``infiles`` (any k or
    more, any order; files, pipes, anything with ``read``) into the file object
    ``outf``.

    Every share is checked first: InsufficientShareFilesError for fewer than k,
    CorruptedShareFilesError for shares that do not belong together (different
    m, k, padding or size, a bad header, one share number twice). Then the file
    is written from the k lowest-numbered shares.
    """
    spools = []
    try:
        shares = [_measured(f, i, spools) for i, f in enumerate(infiles)]
        written = _native.decode_files(shares, outf)
    finally:
        for spool in spools:
            spool.close()
    if verbose:
        print("%d bytes written" % (written,))
        print("Done!")


def encode_file(inf, cb, k, m, chunksize=4096):
    """Read ``inf`` in segments of k blocks of ``chunksize`` bytes, encode each and
    call ``cb(blocks, length)`` with the m result blocks and the number of input
    bytes in the segment (the last segment is zero-padded).

    As in zfec, the first k blocks are mutable arrays (bytearray) reused for the
    next segment: copy them in ``cb`` to keep them.
    """
    enc = _Encoder(k, m)
    _check_chunksize(chunksize)
    blocks = tuple(bytearray(chunksize) for _ in range(k))
    views = [memoryview(b) for b in blocks]
    full = k * chunksize
    indatasize = full
    while indatasize == full:
        indatasize = 0
        for view in views:
            got = _readinto(inf, view) if indatasize % chunksize == 0 else 0
            view[got:] = bytes(chunksize - got)
            indatasize += got
        cb(enc.encode(blocks), indatasize)


def _check_chunksize(chunksize):
    """Empty chunks would never reach the end of the input (zfec loops forever)."""
    if chunksize < 1:
        raise ValueError("chunksize must be at least 1, not %r" % (chunksize,))


def _readinto(inf, view):
    """Fill ``view`` from ``inf`` as far as it goes; returns the bytes read."""
    got = 0
    while got < len(view):
        data = inf.read(len(view) - got)
        if not data:
            break
        view[got:got + len(data)] = data
        got += len(data)
    return got


def encode_file_stringy(inf, cb, k, m, chunksize=4096):
    """Like ``encode_file``, with each segment's blocks as new bytes objects."""
    enc = _Encoder(k, m)
    _check_chunksize(chunksize)
    full = k * chunksize
    indatasize = full
    while indatasize == full:
        blocks = []
        indatasize = 0
        for _ in range(k):
            data = inf.read(chunksize) if indatasize % chunksize == 0 else b""
            indatasize += len(data)
            blocks.append(bytes(data).ljust(chunksize, b"\x00"))
        cb(enc.encode(blocks), indatasize)


def encode_file_stringy_easyfec(inf, cb, k, m, chunksize=4096):
    """Read ``inf`` k*chunksize bytes at a time, encode each piece with easyfec
    (split into k blocks, zero-padded) and call ``cb(blocks, length)``."""
    enc = easyfec.Encoder(k, m)
    readsize = k * chunksize
    indata = inf.read(readsize)
    while indata:
        cb(enc.encode(indata), len(indata))
        indata = inf.read(readsize)

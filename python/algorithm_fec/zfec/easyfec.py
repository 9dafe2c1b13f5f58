"""zfec's ``easyfec``: encode one byte string into m blocks (zero-padded to a
multiple of k), and decode k of them back."""

from .._native import Decoder as _Decoder
from .._native import Encoder as _Encoder


def div_ceil(n, d):
    """The smallest integer q such that q*d >= n."""
    return -(-n // d)


class Encoder(object):
    """Encoder(k, m).encode(data) -> m blocks, any k of which give data back."""

    def __init__(self, k, m):
        self.fec = _Encoder(k, m)

    def encode(self, data):
        """Split ``data`` (bytes-like) into k blocks of ceil(len/k) bytes, the last
        zero-padded, and return the m blocks of the code (a list)."""
        # memoryview, not bytes(): bytes(5) would silently encode five zero bytes.
        data = memoryview(data).tobytes()
        k = self.fec.k
        size = div_ceil(len(data), k)
        blocks = [data[i * size:(i + 1) * size].ljust(size, b"\x00") for i in range(k)]
        return self.fec.encode(blocks)


class Decoder(object):
    """Decoder(k, m).decode(blocks, sharenums, padlen) -> the data."""

    def __init__(self, k, m):
        self.fec = _Decoder(k, m)

    def decode(self, blocks, sharenums, padlen):
        """Decode k blocks with their share numbers and strip ``padlen`` bytes of
        padding (k * block size - the data's length) from the end."""
        data = b"".join(self.fec.decode(blocks, sharenums))
        return data[:len(data) - padlen] if padlen else data

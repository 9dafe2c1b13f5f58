from typing import List, Sequence

from typing_extensions import Buffer

from .._native import Decoder as _Decoder
from .._native import Encoder as _Encoder

def div_ceil(n: int, d: int) -> int: ...

class Encoder:
    fec: _Encoder
    def __init__(self, k: int, m: int) -> None: ...
    def encode(self, data: Buffer) -> List[Buffer]: ...

class Decoder:
    fec: _Decoder
    def __init__(self, k: int, m: int) -> None: ...
    def decode(self, blocks: Sequence[Buffer], sharenums: Sequence[int], padlen: int) -> bytes: ...

"""algorithm_fec.Code.decode_correcting: blocks beyond k find and correct wrong ones."""

import random

import pytest

from algorithm_fec import Code, UncorrectableError


def encoded(k, n, size, seed):
    rng = random.Random(seed)
    data = [rng.randbytes(size) for _ in range(k)]
    return data, Code(k, n).encode(data, list(range(n)))


@pytest.mark.parametrize("k, n, size", [(3, 8, 1000), (5, 300, 2000)])
def test_corrects_up_to_half_the_spares(k, n, size):
    data, blocks = encoded(k, n, size, k)
    rng = random.Random(n)
    idx = rng.sample(range(n), k + 5)  # five spares: two wrong blocks corrected
    given = [bytearray(blocks[i]) for i in idx]
    given[1] = bytearray(rng.randbytes(size))  # wrong throughout
    given[4][size // 2] ^= 0x11  # one wrong byte
    wrong1 = sum(a != b for a, b in zip(given[1], blocks[idx[1]]))
    first1 = next(i for i, (a, b) in enumerate(zip(given[1], blocks[idx[1]])) if a != b)
    out, bad = Code(k, n).decode_correcting(given, idx)
    assert out == data
    assert all(type(b) is bytes for b in out)
    assert bad == [(1, idx[1], wrong1, first1), (4, idx[4], 1, size // 2)]
    # Nothing wrong: nothing reported.
    out, bad = Code(k, n).decode_correcting([blocks[i] for i in idx], idx)
    assert out == data and bad == []


def test_detects_what_it_cannot_correct():
    k, n, size = 3, 8, 1000
    data, blocks = encoded(k, n, size, 7)
    given = [bytearray(b) for b in blocks[:4]]  # one spare
    given[0][998] ^= 0x40
    with pytest.raises(UncorrectableError, match="disagree at byte 998"):
        Code(k, n).decode_correcting(given, [0, 1, 2, 3])
    # Exactly k blocks: nothing to check, the wrong byte comes out.
    out, bad = Code(k, n).decode_correcting(given[:3], [0, 1, 2])
    assert bad == [] and out[0] != data[0]


def test_argument_errors():
    code = Code(2, 4)
    with pytest.raises(ValueError, match="need at least 2 blocks"):
        code.decode_correcting([b"ab"], [0])
    with pytest.raises(ValueError, match="duplicate block index 1"):
        code.decode_correcting([b"ab", b"cd", b"ef"], [0, 1, 1])
    with pytest.raises(ValueError, match="expected 3 indices, got 2"):
        code.decode_correcting([b"ab", b"cd", b"ef"], [0, 1])

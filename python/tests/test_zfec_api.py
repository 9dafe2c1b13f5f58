"""algorithm_fec.zfec's Encoder/Decoder: round trips, zfec's argument checks,
the no-copy rule, buffers and threads."""

import mmap
import random
import threading

import pytest

import algorithm_fec.zfec as zfec


def blocks_for(k, size, rng):
    return [bytes(rng.getrandbits(8) for _ in range(size)) for _ in range(k)]


def test_round_trip_every_k_m():
    """Every 1 <= k <= m <= 256, short and empty blocks, one random erasure
    pattern each: decoding any k blocks gives the data blocks back."""
    rng = random.Random(1)
    cases = 0
    for m in range(1, 257):
        for k in range(1, m + 1):
            size = (k + m) % 4  # 0..3 bytes: empty and short blocks
            data = [rng.randbytes(size) for _ in range(k)]
            nums = rng.sample(range(m), k)
            # Only the blocks the decoder gets: the code's rows cost O(k) each.
            picked = zfec.Encoder(k, m).encode(data, nums)
            assert len(picked) == k
            got = zfec.Decoder(k, m).decode(picked, nums)
            assert got == data, (k, m, nums)
            cases += 1
    assert cases == 256 * 257 // 2


def test_known_answer():
    # README.md of this project: k=3, m=5, blocks "1"x70, "2"x70, "3"x70.
    data = [b"1" * 70, b"2" * 70, b"3" * 70]
    out = zfec.Encoder(3, 5).encode(data)
    assert out[3] == b"%" * 70 and out[4] == b"Y" * 70
    assert zfec.Encoder(3, 5).encode(data, [4, 0]) == [b"Y" * 70, data[0]]


def test_no_copy_rule():
    data = [bytearray(b"ab"), bytearray(b"cd"), bytearray(b"ef")]
    out = zfec.Encoder(3, 5).encode(data)
    assert all(out[i] is data[i] for i in range(3))
    nums = [4, 1, 3]
    got = zfec.Decoder(3, 5).decode([out[4], data[1], out[3]], nums)
    assert got[1] is data[1]
    assert [bytes(b) for b in got] == [bytes(b) for b in data]
    assert nums == [4, 1, 3]  # arguments untouched


def test_buffers():
    rng = random.Random(2)
    data = blocks_for(4, 100, rng)
    expect = zfec.Encoder(4, 7).encode(data)
    mm = mmap.mmap(-1, 100)
    mm.write(data[3])
    kinds = [bytearray(data[0]), memoryview(data[1]), data[2], mm]
    assert zfec.Encoder(4, 7).encode(kinds)[4:] == expect[4:]
    got = zfec.Decoder(4, 7).decode(
        [memoryview(expect[6]), bytearray(expect[1]), expect[5], expect[4]], [6, 1, 5, 4])
    assert [bytes(b) for b in got] == data


def test_numpy_buffers():
    np = pytest.importorskip("numpy")
    arr = np.arange(300, dtype=np.uint8).reshape(3, 100)
    out = zfec.Encoder(3, 5).encode(list(arr))
    assert out[3:] == zfec.Encoder(3, 5).encode([r.tobytes() for r in arr])[3:]
    with pytest.raises((ValueError, BufferError)):  # numpy's refusal: not contiguous
        zfec.Encoder(1, 2).encode([arr[:, 0]])


def test_threads_share_one_encoder():
    enc, dec = zfec.Encoder(10, 14), zfec.Decoder(10, 14)
    rng = random.Random(3)
    data = blocks_for(10, 4096, rng)
    expect = enc.encode(data)
    errors = []

    def work():
        try:
            for _ in range(20):
                assert enc.encode(data) == expect
                assert dec.decode(expect[4:], list(range(4, 14))) == data
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


@pytest.mark.parametrize("call, exc", [
    (lambda: zfec.Encoder(0, 3), zfec.Error),
    (lambda: zfec.Encoder(1, 0), zfec.Error),
    (lambda: zfec.Encoder(3, 257), zfec.Error),
    (lambda: zfec.Encoder(4, 3), zfec.Error),
    (lambda: zfec.Decoder(4, 3), zfec.Error),
    (lambda: zfec.Encoder("a", 3), TypeError),
    (lambda: zfec.Encoder(2.5, 3), TypeError),
    (lambda: zfec.Encoder(3, 5).encode([b"a", b"b"]), zfec.Error),
    (lambda: zfec.Encoder(2, 5).encode([b"a", b"bb"]), zfec.Error),
    (lambda: zfec.Encoder(2, 5).encode([b"", b"bb"]), zfec.Error),
    (lambda: zfec.Encoder(2, 5).encode(5), TypeError),
    (lambda: zfec.Encoder(2, 5).encode(["a", "b"]), TypeError),
    (lambda: zfec.Encoder(2, 5).encode([b"a", b"b"], ["x"]), zfec.Error),
    (lambda: zfec.Encoder(2, 5).encode([b"a", b"b"], 3), TypeError),
    (lambda: zfec.Encoder(2, 5).encode([b"a", b"b"], [5]), zfec.Error),   # zfec: garbage
    (lambda: zfec.Encoder(2, 5).encode([b"a", b"b"], [-1]), zfec.Error),  # zfec: garbage
    (lambda: zfec.Decoder(2, 5).decode([b"a"], [0]), zfec.Error),
    (lambda: zfec.Decoder(2, 5).decode([b"a", b"b"], [0]), zfec.Error),
    (lambda: zfec.Decoder(2, 5).decode([b"a", b"b"], [0, "1"]), zfec.Error),
    (lambda: zfec.Decoder(2, 5).decode([b"a", b"b"], [0, 256]), zfec.Error),
    (lambda: zfec.Decoder(2, 5).decode([b"a", b"b"], [0, -1]), zfec.Error),
    (lambda: zfec.Decoder(2, 5).decode([b"a", b"b"], [0, 5]), zfec.Error),  # zfec: garbage
    (lambda: zfec.Decoder(2, 5).decode([b"a", b"b"], [3, 3]), zfec.Error),  # zfec: hangs
    (lambda: zfec.Decoder(2, 5).decode([b"a", b"b"], [1, 1]), zfec.Error),  # zfec: hangs
    (lambda: zfec.Decoder(2, 5).decode([b"a", b"bb"], [0, 1]), zfec.Error),
    (lambda: zfec.Decoder(2, 5).decode(3, [0, 1]), TypeError),
    (lambda: zfec.Decoder(2, 5).decode([b"a", b"b"], 3), TypeError),
    (lambda: zfec.Decoder(2, 5).decode([1, 2], [0, 1]), TypeError),
])
def test_bad_arguments(call, exc):
    with pytest.raises(exc):
        call()


def test_error_is_an_exception():
    assert issubclass(zfec.Error, Exception)
    assert zfec.Encoder(2, 3).k == 2 and zfec.Decoder(2, 3).m == 3


def test_easyfec():
    rng = random.Random(4)
    for size in (0, 1, 2, 3, 10, 1000):
        data = rng.randbytes(size)
        for k, m in ((1, 1), (1, 3), (3, 5), (7, 10)):
            blocks = zfec.easyfec.Encoder(k, m).encode(data)
            nums = rng.sample(range(m), k)
            padlen = k * len(blocks[0]) - size
            got = zfec.easyfec.Decoder(k, m).decode([blocks[i] for i in nums], nums, padlen)
            assert got == data


@pytest.mark.parametrize("data", [5, [1, 2, 3], "abc", None])
def test_easyfec_refuses_non_bytes(data):
    # zfec raises TypeError here; bytes(5) would have encoded five zero bytes.
    with pytest.raises(TypeError):
        zfec.easyfec.Encoder(3, 5).encode(data)

"""algorithm_fec.Code over caller buffers and FecSession over files, in place."""

import mmap
import os
import random

import pytest

import algorithm_fec.zfec as zfec
from algorithm_fec import Code, FecSession


def rand_blocks(k, size, seed):
    rng = random.Random(seed)
    return [rng.randbytes(size) for _ in range(k)]


def test_code_encode_into_buffers_and_decode_in_place():
    k, n, size = 4, 7, 1000
    data = rand_blocks(k, size, 1)
    outs = [bytearray(size), bytearray(size), bytearray(size)]
    assert Code(k, n).encode(data, [4, 5, 6], outs) is None
    assert [bytes(o) for o in outs] == zfec.Encoder(k, n).encode(data, [4, 5, 6])
    assert Code(k, n).encode(data, [6, 0]) == [bytes(outs[2]), data[0]]
    # Lose data blocks 0 and 2; blocks 5 and 6 are in writable buffers.
    b5, b6 = bytearray(outs[1]), bytearray(outs[2])
    order = Code(k, n).decode([b6, data[1], b5, data[3]], [6, 1, 5, 3])
    assert order[0] is b6 and order[2] is b5
    assert bytes(b6) == data[0] and bytes(b5) == data[2]


def test_code_mmap_in_place(tmp_path):
    k, n, size = 3, 5, 4096
    data = rand_blocks(k, size, 2)
    checks = Code(k, n).encode(data, [3, 4])
    path = tmp_path / "blocks"
    path.write_bytes(checks[0] + data[1] + checks[1])
    with open(path, "r+b") as f, mmap.mmap(f.fileno(), 0) as mm:
        views = [memoryview(mm)[i * size:(i + 1) * size] for i in range(3)]
        Code(k, n).decode(views, [3, 1, 4])
        for v in views:
            v.release()
    assert path.read_bytes() == b"".join(data)


def test_code_numpy_in_place():
    np = pytest.importorskip("numpy")
    k, n = 5, 9
    data = np.random.default_rng(3).integers(0, 256, (k, 512), dtype=np.uint8)
    checks = np.zeros((4, 512), dtype=np.uint8)
    Code(k, n).encode(list(data), [5, 6, 7, 8], list(checks))
    blocks = [checks[0], data[1], checks[3], data[3], checks[2]]
    Code(k, n).decode(blocks, [5, 1, 8, 3, 7])
    assert (checks[0] == data[0]).all() and (checks[3] == data[2]).all() and (checks[2] == data[4]).all()


def test_code_gf16():
    code = Code(300, 400)
    data = rand_blocks(300, 4, 4)
    got = code.encode(data, [350, 399])
    blocks = [bytearray(b) for b in got] + [bytes(b) for b in data[2:]]
    order = code.decode(blocks, [350, 399] + list(range(2, 300)))
    assert [bytes(b) for b in order] == data
    with pytest.raises(ValueError):  # GF(2^16) symbols are two bytes
        code.encode([b"x"] * 300, [350])


@pytest.mark.parametrize("call, exc", [
    (lambda: Code(0, 3), ValueError),
    (lambda: Code(4, 3), ValueError),
    (lambda: Code(3, 70000), ValueError),
    (lambda: Code(3, 5).encode([b"a", b"b"], [3]), ValueError),
    (lambda: Code(2, 5).encode([b"a", b"bb"], [3]), ValueError),
    (lambda: Code(2, 5).encode([b"a", b"b"], [5]), ValueError),
    (lambda: Code(2, 5).encode([b"a", b"b"], [-1]), ValueError),
    (lambda: Code(2, 5).encode([b"a", b"b"], ["x"]), TypeError),
    (lambda: Code(2, 5).encode([b"a", b"b"], [3], [bytearray(2)]), ValueError),
    (lambda: Code(2, 5).encode([b"a", b"b"], [3], [b"x"]), BufferError),
    (lambda: Code(2, 5).encode([b"a", b"b"], [3, 4], [bytearray(1)]), ValueError),
    (lambda: Code(2, 5).decode([bytearray(b"a"), b"b"], [3, 3]), ValueError),
    (lambda: Code(2, 5).decode([b"a", b"b"], [3, 1]), BufferError),  # check block read-only
    (lambda: Code(2, 5).decode([bytearray(b"a"), b"bb"], [3, 1]), ValueError),
    (lambda: Code(2, 5).decode([bytearray(b"a")], [3]), ValueError),
])
def test_code_bad_input(call, exc):
    with pytest.raises(exc):
        call()


def test_code_refuses_aliased_outputs():
    buf = bytearray(b"ab")
    with pytest.raises(ValueError, match="overlaps"):
        Code(2, 5).decode([buf, buf], [3, 4])
    with pytest.raises(ValueError, match="overlaps"):
        Code(2, 5).encode([buf, b"cd"], [3], [buf])
    whole = bytearray(6)
    view = memoryview(whole)
    with pytest.raises(ValueError, match="overlaps"):
        Code(2, 5).encode([b"ab", b"cd"], [3, 4], [view[0:2], view[1:3]])
    Code(2, 5).encode([b"ab", b"cd"], [3, 4], [view[0:2], view[2:4]])  # adjacent is fine
    assert bytes(whole[:4]) == b"".join(Code(2, 5).encode([b"ab", b"cd"], [3, 4]))


def test_code_errors_write_nothing():
    target = bytearray(b"abc")
    with pytest.raises(ValueError):
        Code(2, 5).decode([target, b"xy"], [3, 1])
    assert target == b"abc"


def make_file(path, blocks):
    path.write_bytes(b"".join(blocks))


def test_session_encode_and_decode_file_in_place(tmp_path):
    k, n, bs = 4, 7, 3000
    data = rand_blocks(k, bs, 5)
    path = tmp_path / "f"
    make_file(path, data)
    s = FecSession(k, n, bs)
    with open(path, "rb") as f:
        s.set_encode_blocks([(f, j * bs) for j in range(k)])
    checks = s.encode([4, 5, 6])
    assert checks == zfec.Encoder(k, n).encode(data, [4, 5, 6])
    assert s.encode(1) == data[1]
    # Lose data blocks 1 and 3 in the file; put check blocks in their place.
    make_file(path, [data[0], checks[2], data[2], checks[0]])
    blocks = [(str(path), j * bs) for j in range(k)]
    idx = [0, 6, 2, 4]
    s.set_decode_blocks(blocks, idx)
    assert idx == [0, 6, 2, 4]
    s.decode()
    assert path.read_bytes() == b"".join(data)
    with pytest.raises(ValueError):
        s.decode()  # consumed


def test_session_memory_blocks_and_shuffle():
    k, n, bs = 3, 5, 64
    data = rand_blocks(k, bs, 6)
    s = FecSession(k, n, bs)
    s.set_encode_blocks(data)
    c3, c4 = s.encode([3, 4])
    blocks = [bytearray(c4), bytearray(c3), data[1]]
    idx = [4, 3, 1]
    s.set_decode_blocks(blocks, idx)
    assert idx == [4, 1, 3]  # Algorithm::FEC's order
    assert blocks[1] is data[1]
    s.decode()
    assert [bytes(b) for b in blocks] == data
    bl, ix = ["a", "b", "c"], [2, 1, 0]
    s.shuffle(bl, ix)
    assert (bl, ix) == (["c", "b", "a"], [0, 1, 2])
    dst = bytearray(bs)
    s.copy(data[2], dst)
    assert dst == data[2]


def test_session_errors(tmp_path):
    k, n, bs = 3, 5, 64
    s = FecSession(k, n, bs)
    with pytest.raises(ValueError):
        s.encode(3)  # no blocks set
    with pytest.raises(ValueError):
        FecSession(3, 5, 0)
    with pytest.raises(ValueError):
        s.set_encode_blocks([b"x" * 64, b"x" * 64])
    with pytest.raises(ValueError):
        s.set_encode_blocks([b"x" * 64, b"x" * 64, b"x" * 63])
    s.set_encode_blocks([b"x" * 64] * 3)
    with pytest.raises(ValueError):
        s.encode(5)
    short = tmp_path / "short"
    short.write_bytes(b"x" * 100)
    with pytest.raises(ValueError):  # beyond the end of the file: no SIGBUS
        s.set_encode_blocks([(str(short), 0), (str(short), 64), (str(short), 128)])
    blocks, idx = [bytearray(64), b"y" * 64, bytearray(64)], [3, 1, 3]
    with pytest.raises(ValueError):
        s.set_decode_blocks(blocks, idx)
    assert idx == [3, 1, 3] and blocks[1] == b"y" * 64  # untouched
    with pytest.raises(BufferError):  # a check block to overwrite, read-only
        s.set_decode_blocks([b"z" * 64, b"y" * 64, bytearray(64)], [3, 1, 4])
    with pytest.raises(TypeError):
        s.set_decode_blocks((bytearray(64),) * 3, [3, 1, 4])
    # One buffer as two blocks that decode writes (or writes and reads): refused,
    # as Code.decode does, not decoded into one of them only.
    x = bytearray(64)
    for blocks in ([x, b"y" * 64, x], [x, b"y" * 64, memoryview(x)],
                   [bytearray(64), memoryview(x)[:64], x]):
        idx = [3, 1, 4]
        with pytest.raises(ValueError, match="overlaps"):
            s.set_decode_blocks(blocks, idx)
        assert idx == [3, 1, 4]
    ro = tmp_path / "ro"
    ro.write_bytes(b"x" * 192)
    with open(ro, "rb") as f:
        with pytest.raises(ValueError):  # decode would write a read-only file
            s.set_decode_blocks([(f, 0), (f, 64), (f, 128)], [3, 1, 4])
    with pytest.raises(FileNotFoundError):
        s.set_encode_blocks([(str(tmp_path / "missing"), 0)] * 3)


def test_session_refuses_a_fifo_without_waiting(tmp_path, child):
    # Opening a FIFO blocks until a writer comes (uninterruptibly, GIL held): the
    # path is refused first. In a child process, so a regression fails, not hangs.
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    code = ("import sys\n"
            "from algorithm_fec import FecSession\n"
            "try:\n"
            "    FecSession(3, 5, 64).set_encode_blocks([(sys.argv[1], 0)] * 3)\n"
            "except ValueError as e:\n"
            "    print(e)\n")
    assert "not a regular file" in child(code, fifo)


@pytest.mark.parametrize("var, value", [("ALGORITHM_FEC_KERNEL", "bogus"), ("ALGORITHM_FEC_PATH", "sideways")])
def test_a_bad_environment_fails_the_import_with_an_exception(var, value):
    """A bad kernel or path name is an ImportError (an Exception) naming the value,
    not a PanicException at the first call."""
    import subprocess
    import sys
    code = ("import sys\n"
            "try:\n    import algorithm_fec\nexcept Exception as e:\n"
            "    print(type(e).__name__, e); sys.exit(3)\n")
    r = subprocess.run([sys.executable, "-c", code], env=dict(os.environ, **{var: value}),
                       capture_output=True, text=True)
    assert r.returncode == 3, r.stderr
    assert r.stdout.startswith("ImportError " + var + "=" + value), r.stdout


@pytest.mark.parametrize("cut", [1, 100, mmap.PAGESIZE - 1])
def test_session_file_shrunk_inside_its_last_page(tmp_path, cut):
    # The bytes past the new end read as zeros, with no SIGBUS: the call must still
    # fail, however small the shrink. (64 KiB blocks end on a page boundary.)
    k, n, bs = 3, 6, 65536
    data = rand_blocks(k, bs, 7)
    path = tmp_path / "blocks"
    path.write_bytes(b"".join(data))
    s = FecSession(k, n, bs)
    with open(path, "r+b") as f:
        s.set_encode_blocks([(f, j * bs) for j in range(k)])
        os.truncate(path, k * bs - cut)
        with pytest.raises(ValueError, match="block #2: the file changed while it was mapped"):
            s.encode(4)
        with pytest.raises(ValueError, match="the file changed while it was mapped"):
            s.encode([0, 5])
    # Decode: the last region written (check 5 -> data 2), or only read (data 2).
    checks = Code(k, n).encode(data, [4, 5])
    for idx, blocks in (([4, 1, 5], [checks[0], data[1], checks[1]]),
                        ([4, 5, 2], [checks[0], checks[1], data[2]])):
        path.write_bytes(b"".join(blocks))
        with open(path, "r+b") as f:
            s.set_decode_blocks([(f, j * bs) for j in range(k)], list(idx))
            os.truncate(path, k * bs - cut)
            with pytest.raises(ValueError, match="block #2: the file changed while it was mapped"):
                s.decode()
    # Copy from or to a file too short for the block: refused.
    path.write_bytes(data[0][:bs - cut])
    with pytest.raises(ValueError, match="too short"):
        s.copy((str(path), 0), bytearray(bs))
    with pytest.raises(ValueError, match="too short"):
        s.copy(data[1], (str(path), 0))


@pytest.mark.parametrize("bs", [2**40, 2**62, 2**63 - 1])
def test_session_absurd_block_size_is_an_error(bs):
    # The state is checked before anything is allocated (this used to abort).
    s = FecSession(2, 3, bs)
    with pytest.raises(ValueError, match="no blocks specified"):
        s.encode(2)
    with pytest.raises(ValueError, match="no blocks specified"):
        s.encode([0, 2])
    with pytest.raises(ValueError, match="index array must be set"):
        s.decode()


def test_session_output_that_cannot_be_allocated(tmp_path, child):
    # Blocks of 2**40 bytes, regions of a sparse file: the output cannot be allocated
    # and that is a MemoryError. In a child whose address space is limited to the
    # mappings and a margin, so the allocation fails whatever the overcommit policy.
    path = tmp_path / "sparse"
    with open(path, "wb") as f:
        f.truncate(2 * 2**40)
    code = ("import resource, sys\n"
            "from algorithm_fec import FecSession\n"
            "bs = 2**40\n"
            "resource.setrlimit(resource.RLIMIT_AS, (2 * bs + 2**36, resource.RLIM_INFINITY))\n"
            "s = FecSession(2, 3, bs)\n"
            "s.set_encode_blocks([(sys.argv[1], 0), (sys.argv[1], bs)])\n"
            "for idx in (2, [0, 1, 2]):\n"
            "    try:\n"
            "        s.encode(idx)\n"
            "    except MemoryError as e:\n"
            "        print('MemoryError', e)\n")
    out = child(code, path)
    assert out.splitlines() == [
        "MemoryError out of memory: cannot allocate 1 block(s) of 1099511627776 bytes",
        "MemoryError out of memory: cannot allocate 3 block(s) of 1099511627776 bytes",
    ], out

"""algorithm_fec.rs: Brown's RSCoder byte for byte (tests/data/rs.tsv, made by his
original coder), property tests, and the file container."""

import os
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from algorithm_fec.rs import RSCoder, UncorrectableError, protect_file, repair_file


def unhex(s):
    return b"" if s == "-" else bytes.fromhex(s)


def rows(data_dir):
    with open(os.path.join(data_dir, "rs.tsv")) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            yield line.rstrip("\n").split("\t")


def test_known_answers(data_dir):
    seen = {"ENC": 0, "DEC": 0}
    for kind, n, k, msg, code, _nerr, _pos, recv, verify, nostrip, default, _outcome, _note in rows(data_dir):
        c = RSCoder(int(n), int(k))
        seen[kind] += 1
        assert c.encode(unhex(msg)) == unhex(code)
        assert c.verify(unhex(recv)) == (verify == "true")
        assert c.decode(unhex(recv), nostrip=True) == unhex(nostrip)
        assert c.decode(unhex(recv)) == unhex(default)
    assert seen["ENC"] > 5 and seen["DEC"] > 5


def test_readme_example_and_types():
    c = RSCoder(20, 13)
    word = c.encode("Hello, world!")
    assert word == "Hello, world!\x8d\x13\xf4\xf9\x43\x10\xe5"
    assert c.decode("\0\0\0" + word[3:]) == "Hello, world!"
    assert c.verify(word) and not c.verify("\0" + word[1:])
    assert isinstance(c.encode(b"Hi"), bytes)
    got = c.encode(bytearray(b"Hi"))
    assert isinstance(got, bytearray) and bytes(got) == c.encode(b"Hi")
    assert c.encode(memoryview(b"Hi")) == c.encode(b"Hi")
    assert isinstance(c.decode(bytearray(c.encode(b"Hi"))), bytearray)
    assert c.decode(c.encode(b"\0\0Hi"), nostrip=True) == b"\0" * 11 + b"Hi"
    assert (c.n, c.k) == (20, 13)
    # Brown's signature: encode(message, poly=False).
    assert c.encode(b"Hi", poly=False) == c.encode(b"Hi", False) == c.encode(b"Hi")
    with pytest.raises(ValueError, match="poly=True"):
        c.encode(b"Hi", poly=True)


@pytest.mark.parametrize("call, exc", [
    (lambda: RSCoder(256, 223), ValueError),
    (lambda: RSCoder(-1, 3), ValueError),
    (lambda: RSCoder(10, 10), ValueError),
    (lambda: RSCoder(10, 0), ValueError),
    (lambda: RSCoder(20, 13).encode(b"x" * 14), ValueError),
    (lambda: RSCoder(20, 13).encode("\u0100"), ValueError),
    (lambda: RSCoder(20, 13).encode(5), TypeError),
    (lambda: RSCoder(20, 13).decode(b"x" * 19), ValueError),
    (lambda: RSCoder(20, 13).decode(b"\x01" * 20), UncorrectableError),
])
def test_bad_input(call, exc):
    with pytest.raises(exc):
        call()
    assert issubclass(UncorrectableError, Exception)


@st.composite
def corrupted(draw):
    n = draw(st.integers(2, 255))
    k = draw(st.integers(1, n - 1))
    msg = draw(st.binary(min_size=k, max_size=k))
    t = (n - k) // 2
    pos = draw(st.lists(st.integers(0, n - 1), unique=True, max_size=t))
    flips = [draw(st.integers(1, 255)) for _ in pos]
    return n, k, msg, dict(zip(pos, flips))


@settings(max_examples=100, deadline=None)
@given(corrupted())
def test_corrects_up_to_t_errors(case):
    n, k, msg, errors = case
    c = RSCoder(n, k)
    word = bytearray(c.encode(msg))
    assert c.verify(bytes(word))
    for p, x in errors.items():
        word[p] ^= x
    assert c.verify(bytes(word)) == (not errors)
    assert bytes(c.decode(word, nostrip=True)) == msg


@settings(max_examples=40, deadline=None)
@given(st.binary(min_size=223, max_size=223), st.lists(st.integers(0, 254), unique=True, min_size=17, max_size=40))
def test_beyond_t_never_silently_wrong_radius(msg, pos):
    c = RSCoder(255, 223)
    word = bytearray(c.encode(msg))
    for p in pos:
        word[p] ^= 0x5A
    try:
        got = c.decode(bytes(word), nostrip=True)
    except UncorrectableError:
        return
    near = c.encode(got)
    assert sum(a != b for a, b in zip(near, word)) <= 16


def test_protect_and_repair_file(tmp_path):
    src = tmp_path / "in.bin"
    data = os.urandom(100000)
    src.write_bytes(data)
    prot = tmp_path / "in.rs"
    rep = protect_file(str(src), str(prot))
    assert rep["length"] == len(data)
    prot_bytes = prot.read_bytes()
    blob = bytearray(prot_bytes)
    for i in range(1000, 1200):  # a 200-byte burst
        blob[i] ^= 0xFF
    prot.write_bytes(bytes(blob))
    out = tmp_path / "out.bin"
    got = repair_file(str(prot), str(out))
    assert out.read_bytes() == data
    assert got["length"] == len(data) and got["corrected_bytes"] == 200
    with pytest.raises(FileExistsError):
        repair_file(str(prot), str(out))
    # Destroyed beyond repair: UncorrectableError, and no output file.
    for i in range(1000, 3000):
        blob[i] ^= 0x33
    prot.write_bytes(bytes(blob))
    with pytest.raises(UncorrectableError):
        repair_file(str(prot), str(tmp_path / "none"))
    assert not (tmp_path / "none").exists()
    # A zeroed 4 KiB page is a run of valid codewords: the group checksums refuse it.
    blob = bytearray(prot_bytes)
    blob[8192:12288] = bytes(4096)
    prot.write_bytes(bytes(blob))
    with pytest.raises(UncorrectableError, match="could not be restored"):
        repair_file(str(prot), str(tmp_path / "none"))
    assert not (tmp_path / "none").exists()
    with pytest.raises(ValueError):
        repair_file(str(src), str(tmp_path / "none"))
    with pytest.raises(ValueError):
        protect_file(str(src), str(tmp_path / "none"), n=255, k=255)
    with pytest.raises(FileNotFoundError):
        protect_file(str(tmp_path / "missing"), str(tmp_path / "none"))
    # An input that cannot be read is named as the input, not as the output.
    with pytest.raises(IsADirectoryError, match="reading .*%s" % tmp_path.name):
        repair_file(str(tmp_path), str(tmp_path / "none"))
    assert not (tmp_path / "none").exists()


def test_container_output_is_never_a_directory(tmp_path):
    # The output module refuses a directory as the output, even with overwrite,
    # and leaves it as it was.
    src = tmp_path / "in.bin"
    src.write_bytes(b"data" * 100)
    dst = tmp_path / "dst"
    dst.mkdir()
    with pytest.raises(IsADirectoryError, match="dst is a directory"):
        protect_file(str(src), str(dst), overwrite=True)
    assert dst.is_dir() and not os.listdir(dst)
    assert sorted(os.listdir(tmp_path)) == ["dst", "in.bin"]


def test_repair_into_a_fifo_writes_only_verified_bytes(tmp_path):
    # A FIFO is written into, not replaced: it gets the data only once verified
    # (it used to get the damaged bytes while repair_file raised).
    data = os.urandom(50000)
    src = tmp_path / "in.bin"
    src.write_bytes(data)
    prot = tmp_path / "in.rs"
    protect_file(str(src), str(prot))
    blob = bytearray(prot.read_bytes())
    for i in range(1000, 4000):
        blob[i] ^= 0x5A
    bad = tmp_path / "bad.rs"
    bad.write_bytes(bytes(blob))
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    for name, want in ((bad, b""), (prot, data)):
        got = []
        reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
        reader.start()
        try:
            if want:
                assert repair_file(str(name), str(fifo))["length"] == len(data)
            else:
                with pytest.raises(UncorrectableError):
                    repair_file(str(name), str(fifo))
        finally:
            reader.join()
        assert got == [want]



# A thread of the process writes the FIFO, after a pause; the call must not hold
# the GIL while it waits for that writer (it did: a deadlock).
FIFO_FROM_A_THREAD = """
import os, sys, threading, time
from algorithm_fec.rs import protect_file
d = sys.argv[1]
fifo = os.path.join(d, "pipe")
os.mkfifo(fifo)
def writer():
    time.sleep(0.3)
    with open(fifo, "wb") as f:
        f.write(b"x" * 10000)
threading.Thread(target=writer).start()
print(protect_file(fifo, os.path.join(d, "out.rs"))["length"])
"""


def test_protect_a_fifo_written_by_a_thread(tmp_path, child):
    assert child(FIFO_FROM_A_THREAD, tmp_path).split() == ["10000"]

"""filefec and the zfec/zunfec command lines against the project's zfec share
files (made by the real zfec 1.5.2; zfec 1.6 makes the same bytes)."""

import csv
import glob
import hashlib
import io
import os
import shutil
import sys

import pytest

import algorithm_fec.zfec as zfec
from algorithm_fec.zfec import cmdline_zfec, cmdline_zunfec, filefec


def manifest(data_dir):
    with open(os.path.join(data_dir, "zfec", "MANIFEST.tsv")) as f:
        rows = [line for line in f if not line.startswith("#")]
    return list(csv.DictReader(rows, delimiter="\t", fieldnames=[
        "case", "input_file", "input_size", "input_sha256", "k", "m", "padlen"], restkey="rest"))


@pytest.fixture
def cases(data_dir):
    rows = manifest(data_dir)
    assert len(rows) == 5
    return [(os.path.join(data_dir, "zfec", r["case"]), r) for r in rows]


def shares_of(case_dir, row):
    return sorted(glob.glob(os.path.join(case_dir, row["input_file"] + ".*_*.fec")))


def test_decode_from_files_every_case(cases, tmp_path):
    for case_dir, row in cases:
        k = int(row["k"])
        names = shares_of(case_dir, row)
        assert len(names) == int(row["m"])
        for pick in (names[:k], names[-k:]):
            fs = [open(n, "rb") for n in pick]
            out = io.BytesIO()
            filefec.decode_from_files(out, fs)
            for f in fs:
                f.close()
            assert hashlib.sha256(out.getvalue()).hexdigest() == row["input_sha256"]
            assert len(out.getvalue()) == int(row["input_size"])


def test_encode_to_files_byte_identical(cases, tmp_path):
    for case_dir, row in cases:
        k, m = int(row["k"]), int(row["m"])
        src = os.path.join(case_dir, row["input_file"])
        outdir = tmp_path / row["case"]
        outdir.mkdir()
        with open(src, "rb") as inf:
            rc = filefec.encode_to_files(inf, os.path.getsize(src), str(outdir),
                                         row["input_file"], k, m)
        assert rc == 0
        made = sorted(os.listdir(outdir))
        expect = [os.path.basename(n) for n in shares_of(case_dir, row)]
        assert made == expect
        for name in made:
            with open(outdir / name, "rb") as a, open(os.path.join(case_dir, name), "rb") as b:
                assert a.read() == b.read(), name


def test_encode_from_a_pipe_without_size(tmp_path):
    data = os.urandom(30000)
    r, w = os.pipe()
    os.write(w, data)
    os.close(w)
    with os.fdopen(r, "rb") as inf:
        assert filefec.encode_to_files(inf, None, str(tmp_path), "p", 3, 5) == 0
    names = sorted(str(p) for p in tmp_path.iterdir())
    out = io.BytesIO()
    filefec.decode_from_files(out, [open(n, "rb") for n in names[2:]])
    assert out.getvalue() == data


def test_encode_refuses_existing_and_leaves_nothing(tmp_path, capsys):
    (tmp_path / "x.3_5.fec").write_bytes(b"keep")
    rc = filefec.encode_to_files(io.BytesIO(b"abc" * 100), 300, str(tmp_path), "x", 3, 5)
    assert rc == 1
    assert "exists" in capsys.readouterr().out
    assert sorted(os.listdir(tmp_path)) == ["x.3_5.fec"]
    assert (tmp_path / "x.3_5.fec").read_bytes() == b"keep"
    assert filefec.encode_to_files(io.BytesIO(b"abc" * 100), 300, str(tmp_path), "x", 3, 5,
                                   overwrite=True) == 0
    assert len(os.listdir(tmp_path)) == 5


def test_encode_wrong_size_leaves_nothing(tmp_path, capsys):
    rc = filefec.encode_to_files(io.BytesIO(b"abc"), 10, str(tmp_path), "x", 2, 3)
    assert rc == 1
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("k, m", [(4, 3), (1, 257), (1, 0), (2, -1), (0, 3), (-1, 3)])
def test_encode_bad_parameters(tmp_path, k, m):
    # Error, as zfec's checks say (m < 1 was an IndexError, k < 0 an OverflowError).
    with pytest.raises(zfec.Error, match="Precondition violation"):
        filefec.encode_to_files(io.BytesIO(b"abc"), 3, str(tmp_path), "x", k, m)
    assert os.listdir(tmp_path) == []


def share_set(tmp_path, data=b"hello world" * 1000, k=3, m=6):
    assert filefec.encode_to_files(io.BytesIO(data), len(data), str(tmp_path), "s", k, m) == 0
    return sorted(str(p) for p in tmp_path.iterdir())


def decode(names):
    out = io.BytesIO()
    fs = [open(n, "rb") for n in names]
    try:
        filefec.decode_from_files(out, fs)
    finally:
        for f in fs:
            f.close()
    return out.getvalue()


def test_decode_errors(tmp_path):
    names = share_set(tmp_path)
    assert decode(names[3:]) == b"hello world" * 1000
    with pytest.raises(filefec.InsufficientShareFilesError) as e:
        decode(names[:2])
    assert (e.value.k, e.value.kb) == (3, 2)
    with pytest.raises(filefec.CorruptedShareFilesError, match="share number"):
        decode([names[0], names[1], names[1]])  # zfec hangs here
    short = tmp_path / "short"
    short.write_bytes(open(names[2], "rb").read()[:-1])
    with pytest.raises(filefec.CorruptedShareFilesError):
        decode([names[0], names[1], str(short)])
    other = tmp_path / "other"
    other.mkdir()
    foreign = share_set(other, data=b"x" * 11000, k=3, m=7)
    with pytest.raises(filefec.CorruptedShareFilesError):
        decode([names[0], names[1], foreign[2]])
    hdr = tmp_path / "hdr"
    hdr.write_bytes(b"\x05")
    with pytest.raises(filefec.CorruptedShareFilesError):
        decode([names[0], names[1], str(hdr)])
    assert issubclass(filefec.CorruptedShareFilesError, zfec.Error)


def test_headers(data_dir):
    with open(os.path.join(data_dir, "zfec", "HEADERS.tsv")) as f:
        rows = [line.split("\t") for line in f if not line.startswith("#")]
    assert len(rows) >= 20
    for m, k, pad, sh, _bits, hexed in rows:
        m, k, pad, sh = int(m), int(k), int(pad), int(sh)
        hdr = filefec._build_header(m, k, pad, sh)
        assert hdr.hex() == hexed.strip()
        assert filefec._parse_header(io.BytesIO(hdr + b"data")) == (m, k, pad, sh)
    with pytest.raises(zfec.Error):
        filefec._build_header(3, 4, 0, 0)
    with pytest.raises(filefec.CorruptedShareFilesError):
        filefec._parse_header(io.BytesIO(b"\xff"))


def test_segment_encoders_agree():
    data = os.urandom(3 * 4096 * 2 + 5000)
    seen = {}
    for fn in (filefec.encode_file, filefec.encode_file_stringy):
        got = []
        fn(io.BytesIO(data), lambda blocks, n: got.append(([bytes(b) for b in blocks], n)), 3, 5)
        seen[fn.__name__] = got
    assert seen["encode_file"] == seen["encode_file_stringy"]
    sizes = [n for _, n in seen["encode_file"]]
    assert sizes == [3 * 4096, 3 * 4096, 5000]
    joined = b"".join(b"".join(blocks[:3]) for blocks, _ in seen["encode_file"])
    assert joined[:len(data)] == data and set(joined[len(data):]) <= {0}
    easy = []
    filefec.encode_file_stringy_easyfec(io.BytesIO(data), lambda b, n: easy.append(n), 3, 5)
    assert easy == sizes
    assert filefec.RE_FORMAT == "%s.[0-9]+_[0-9]+%s" and filefec.CHUNKSIZE == 4096


@pytest.mark.parametrize("fn", [filefec.encode_file, filefec.encode_file_stringy])
def test_segment_encoders_refuse_empty_chunks(fn):
    # Chunks of 0 bytes never reach the end of the input: zfec calls cb forever.
    calls = []

    def cb(blocks, n):
        calls.append(n)
        if len(calls) > 100:
            raise RuntimeError("endless")

    with pytest.raises(ValueError, match="chunksize"):
        fn(io.BytesIO(b"data"), cb, 3, 5, chunksize=0)
    assert calls == []


def run(monkeypatch, main, argv, stdin=None):
    monkeypatch.setattr(sys, "argv", argv)
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", stdin)
    return main()


def test_cmdline_on_a_file(monkeypatch, tmp_path, capsys):
    monkeypatch.chdir(tmp_path)
    src = tmp_path / "in.bin"
    data = os.urandom(20000)
    src.write_bytes(data)
    d = tmp_path / "sh"
    d.mkdir()
    # As zfec: the prefix defaults to the input's name as given.
    assert run(monkeypatch, cmdline_zfec.main,
               ["zfec", "-k", "2", "-m", "4", "-d", "sh", "-q", "in.bin"]) == 0
    names = sorted(str(p) for p in d.iterdir())
    assert [os.path.basename(n) for n in names] == ["in.bin.%d_4.fec" % i for i in range(4)]
    out = tmp_path / "out.bin"
    assert run(monkeypatch, cmdline_zunfec.main, ["zunfec", "-o", str(out)] + names[2:]) == 0
    assert out.read_bytes() == data
    # zfec's return codes: exists 2, too few files 1, too few shares 3.
    assert run(monkeypatch, cmdline_zunfec.main, ["zunfec", "-o", str(out)] + names[2:]) == 2
    assert run(monkeypatch, cmdline_zunfec.main, ["zunfec", "-o", str(tmp_path / "o2")] + names[:1]) == 1
    three = d / "three"
    assert filefec.encode_to_files(io.BytesIO(data), len(data), str(three.parent), "t", 3, 4) == 0
    t = sorted(str(p) for p in d.glob("t.*"))
    assert run(monkeypatch, cmdline_zunfec.main, ["zunfec", "-o", str(tmp_path / "o3")] + t[:2]) == 3
    assert not (tmp_path / "o3").exists()
    # Duplicate shares: an error and no output (zfec hangs).
    assert run(monkeypatch, cmdline_zunfec.main,
               ["zunfec", "-o", str(tmp_path / "o4"), names[0], names[0]]) == 1
    assert not (tmp_path / "o4").exists()
    assert run(monkeypatch, cmdline_zunfec.main, ["zunfec", "-f", "-o", str(out)] + names[:2]) == 0
    assert out.read_bytes() == data
    # Existing shares without -f: 1, and nothing changed.
    before = [open(n, "rb").read() for n in names]
    src.write_bytes(b"other")
    assert run(monkeypatch, cmdline_zfec.main,
               ["zfec", "-k", "2", "-m", "4", "-d", str(d), "-p", str(src.name), "-q", str(src)]) == 1
    assert [open(n, "rb").read() for n in names] == before


def test_cmdline_bad_parameters(monkeypatch, tmp_path, capsys):
    src = tmp_path / "in.bin"
    src.write_bytes(b"x")
    with pytest.raises(SystemExit) as e:
        run(monkeypatch, cmdline_zfec.main, ["zfec", "-k", "5", "-m", "4", str(src)])
    assert e.value.code == 1
    assert "requiredshares" in capsys.readouterr().out
    with pytest.raises(SystemExit) as e:
        run(monkeypatch, cmdline_zfec.main, ["zfec", "-m", "300", str(src)])
    assert e.value.code == 1
    with pytest.raises(SystemExit) as e:
        run(monkeypatch, cmdline_zfec.main, ["zfec", str(tmp_path / "missing")])
    assert e.value.code == 2


class FakeStdin(io.TextIOWrapper):
    """A text stdin over bytes, as a test harness or a pipe gives it."""


@pytest.mark.parametrize("seekable", [True, False])
def test_cmdline_on_stdin(monkeypatch, tmp_path, seekable):
    data = os.urandom(50000)
    if seekable:
        stdin = FakeStdin(io.BytesIO(data))
    else:
        r, w = os.pipe()
        os.write(w, data)
        os.close(w)
        stdin = os.fdopen(r, "r")
    d = tmp_path / "sh"
    d.mkdir()
    try:
        rc = run(monkeypatch, cmdline_zfec.main, ["zfec", "-k", "3", "-m", "5", "-d", str(d), "-p", "in", "-"],
                 stdin=stdin)
    finally:
        stdin.close()
    assert rc == 0
    names = sorted(str(p) for p in d.iterdir())
    assert [os.path.basename(n) for n in names] == ["in.%d_5.fec" % i for i in range(5)]

    class Out(object):
        buffer = io.BytesIO()
    monkeypatch.setattr(sys, "stdout", Out)
    assert run(monkeypatch, cmdline_zunfec.main, ["zunfec", "-o", "-"] + names[1:4]) == 0
    assert Out.buffer.getvalue() == data


class Boom(Exception):
    pass


class FailingReader(object):
    """Yields some data, then raises."""

    def __init__(self):
        self.calls = 0

    def read(self, n):
        self.calls += 1
        if self.calls > 1:
            raise Boom("disk on fire")
        return b"x" * min(n, 100)


class FailingWriter(object):
    def write(self, b):
        raise Boom("no space")


def test_python_exceptions_pass_through(tmp_path):
    with pytest.raises(Boom):
        filefec.encode_to_files(FailingReader(), None, str(tmp_path), "b", 2, 3)
    assert os.listdir(tmp_path) == []
    names = share_set(tmp_path)
    fs = [open(n, "rb") for n in names[:3]]
    try:
        with pytest.raises(Boom):
            filefec.decode_from_files(FailingWriter(), fs)
    finally:
        for f in fs:
            f.close()


def test_failed_overwrite_keeps_the_old_set(tmp_path, capsys):
    # Issue 10: an overwrite that cannot finish (share 3's name is a directory)
    # leaves every old share byte-identical, and no temporary or lock file behind.
    old = os.urandom(3000)
    assert filefec.encode_to_files(io.BytesIO(old), len(old), str(tmp_path), "x", 3, 5) == 0
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    (tmp_path / "x.3_5.fec").unlink()
    del before["x.3_5.fec"]
    (tmp_path / "x.3_5.fec").mkdir()
    new = os.urandom(3000)
    rc = filefec.encode_to_files(io.BytesIO(new), len(new), str(tmp_path), "x", 3, 5,
                                 overwrite=True)
    assert rc == 1
    assert "x.3_5.fec is a directory" in capsys.readouterr().out
    assert sorted(os.listdir(tmp_path)) == sorted(list(before) + ["x.3_5.fec"])
    assert {n: (tmp_path / n).read_bytes() for n in before} == before
    out = io.BytesIO()
    filefec.decode_from_files(out, [open(str(tmp_path / n), "rb") for n in sorted(before)[:3]])
    assert out.getvalue() == old


class CollectingWriter(object):
    """A duck-typed writer whose write() returns None, as zfec allows."""

    def __init__(self):
        self.parts = []

    def write(self, b):
        self.parts.append(bytes(b))


class OverclaimingWriter(io.BytesIO):
    def write(self, b):
        return io.BytesIO.write(self, b) + 1


class WouldBlockWriter(io.RawIOBase):
    def writable(self):
        return True

    def write(self, b):
        return None


def test_decode_into_any_writer(tmp_path):
    # zfec ignores what write() returns: a writer returning None gets the file.
    data = os.urandom(5000)
    names = share_set(tmp_path, data)
    fs = [open(n, "rb") for n in names[:3]]
    try:
        w = CollectingWriter()
        filefec.decode_from_files(w, fs)
        assert b"".join(w.parts) == data
        # A count above what was given is an error, not a crash (PanicException).
        for f in fs:
            f.seek(0)
        with pytest.raises(ValueError, match="returned"):
            filefec.decode_from_files(OverclaimingWriter(), fs)
        # A raw file that would block is an error, never bytes silently dropped.
        for f in fs:
            f.seek(0)
        with pytest.raises(BlockingIOError):
            filefec.decode_from_files(WouldBlockWriter(), fs)
    finally:
        for f in fs:
            f.close()


class ReadOnlyStream(object):
    """A share with only read(), as zfec accepts."""

    def __init__(self, data):
        self.b = io.BytesIO(data)

    def read(self, n=-1):
        return self.b.read(n)


def piped(data):
    """The read end of a pipe holding ``data`` (less than a pipe buffer)."""
    r, w = os.pipe()
    os.write(w, data)
    os.close(w)
    return r


def test_shares_from_pipes(monkeypatch, tmp_path, capsys):
    # zfec reads shares from pipes (zunfec <(...)) and read-only streams; their
    # lengths cannot be known up front, so they are spooled, not refused.
    data = os.urandom(6000)
    names = share_set(tmp_path, data)
    blobs = [open(n, "rb").read() for n in names[1:4]]
    fs = [os.fdopen(piped(blobs[0]), "rb"), ReadOnlyStream(blobs[1]),
          io.BufferedReader(io.FileIO(piped(blobs[2]), "rb"))]
    out = io.BytesIO()
    try:
        filefec.decode_from_files(out, fs)
    finally:
        for f in (fs[0], fs[2]):
            f.close()
    assert out.getvalue() == data
    fds = [piped(b) for b in blobs]
    try:
        target = tmp_path / "out.bin"
        args = ["zunfec", "-o", str(target)] + ["/dev/fd/%d" % fd for fd in fds]
        assert run(monkeypatch, cmdline_zunfec.main, args) == 0
    finally:
        for fd in fds:
            os.close(fd)
    assert target.read_bytes() == data


def test_file_names_that_are_not_utf8(monkeypatch, tmp_path, capsys):
    # zfec names shares after the input's bytes; the native name function took
    # only UTF-8 and raised UnicodeEncodeError for such a name.
    monkeypatch.chdir(tmp_path)
    name = os.fsdecode(b"caf\xe9.bin")
    data = os.urandom(3000)
    with open(name, "wb") as f:
        f.write(data)
    assert run(monkeypatch, cmdline_zfec.main, ["zfec", "-k", "2", "-m", "3", "-q", name]) == 0
    assert sorted(os.listdir(b".")) == [b"caf\xe9.bin"] + [
        b"caf\xe9.bin.%d_3.fec" % i for i in range(3)]
    shares = [name + ".0_3.fec", name + ".2_3.fec"]
    out = os.fsdecode(b"out\xff")
    assert run(monkeypatch, cmdline_zunfec.main, ["zunfec", "-o", out] + shares) == 0
    with open(out, "rb") as f:
        assert f.read() == data


# zunfec on a share in a FIFO that a thread of the process writes after a pause:
# the share must be opened and read without holding the GIL (it was: a deadlock).
ZUNFEC_FIFO_FROM_A_THREAD = """
import os, sys, threading, time
from algorithm_fec.zfec import cmdline_zunfec
d, shares = sys.argv[1], sys.argv[2:]
fifo = os.path.join(d, "pipe")
os.mkfifo(fifo)
def writer():
    time.sleep(0.3)
    with open(shares[0], "rb") as src, open(fifo, "wb") as f:
        f.write(src.read())
threading.Thread(target=writer).start()
sys.argv = ["zunfec", "-o", os.path.join(d, "out")] + [fifo] + shares[1:]
print(cmdline_zunfec.main())
"""


def test_zunfec_share_in_a_fifo_written_by_a_thread(tmp_path, child):
    data = os.urandom(6000)
    names = share_set(tmp_path, data)
    assert child(ZUNFEC_FIFO_FROM_A_THREAD, tmp_path, *names[:3]).split() == ["0"]
    assert (tmp_path / "out").read_bytes() == data


def test_commands_are_installed_as_zfecs():
    """``pip install`` brings ``zfec`` and ``zunfec`` console scripts, as zfec 1.6's."""
    from importlib.metadata import distribution
    eps = {ep.name: ep for ep in distribution("algorithm_fec").entry_points if ep.group == "console_scripts"}
    assert eps["zfec"].load() is cmdline_zfec.main
    assert eps["zunfec"].load() is cmdline_zunfec.main


def test_python_dash_m_runs_both_commands(tmp_path):
    """``python -m algorithm_fec.zfec`` is zfec and ``-m …cmdline_zunfec`` zunfec, with
    no warning on stderr."""
    import subprocess
    data = os.urandom(30000)
    (tmp_path / "in.bin").write_bytes(data)
    (tmp_path / "sh").mkdir()
    run_m = lambda *args: subprocess.run([sys.executable, "-m"] + list(args), cwd=tmp_path,
                                         capture_output=True, check=True)
    r = run_m("algorithm_fec.zfec", "-q", "-k", "2", "-m", "3", "-d", "sh", "in.bin")
    assert r.stderr == b""
    r = run_m("algorithm_fec.zfec.cmdline_zunfec", "-o", "out.bin", "sh/in.bin.0_3.fec", "sh/in.bin.2_3.fec")
    assert r.stderr == b""
    assert (tmp_path / "out.bin").read_bytes() == data
    r = run_m("algorithm_fec.zfec.cmdline_zfec", "-q", "-f", "-k", "2", "-m", "3", "-d", "sh", "in.bin")
    assert r.stderr == b""

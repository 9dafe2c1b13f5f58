"""algorithm_fec.zfec against PyPI's zfec on random inputs (skipped without it)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import algorithm_fec.zfec as ours

pypi = pytest.importorskip("zfec", reason="PyPI zfec is not installed: no cross-check")


@st.composite
def cases(draw):
    m = draw(st.integers(1, 256))
    k = draw(st.integers(1, m))
    size = draw(st.integers(0, 64))
    data = [draw(st.binary(min_size=size, max_size=size)) for _ in range(k)]
    # Distinct numbers only: zfec's C code overflows its stack arrays on more than
    # m numbers or repeated check numbers (ours is checked on those below).
    want = draw(st.none() | st.lists(st.integers(0, m - 1), unique=True, max_size=m))
    nums = draw(st.permutations(range(m)))[:k]
    return k, m, data, want, nums


@settings(max_examples=60, deadline=None)
@given(cases())
def test_same_blocks_as_zfec(case):
    k, m, data, want, nums = case
    mine = ours.Encoder(k, m).encode(data, want)
    # zfec takes an explicit None as "not a sequence": leave it out.
    theirs = pypi.Encoder(k, m).encode(*([data] if want is None else [data, want]))
    assert mine == theirs
    blocks = ours.Encoder(k, m).encode(data)
    picked = [blocks[i] for i in nums]
    assert ours.Decoder(k, m).decode(picked, nums) == pypi.Decoder(k, m).decode(picked, nums) == data


@settings(max_examples=30, deadline=None)
@given(cases(), st.lists(st.integers(0, 255), max_size=600))
def test_repeated_and_long_block_lists(case, picks):
    """Any list of block numbers, repeats included: block i of the full encode."""
    k, m, data, _, _ = case
    want = [p % m for p in picks]
    full = pypi.Encoder(k, m).encode(data)
    assert ours.Encoder(k, m).encode(data, want) == [full[i] for i in want]


@settings(max_examples=50, deadline=None)
@given(st.binary(max_size=3000), st.integers(1, 20), st.integers(0, 10))
def test_easyfec_same_as_zfec(data, k, extra):
    m = k + extra
    assert ours.easyfec.Encoder(k, m).encode(data) == pypi.easyfec.Encoder(k, m).encode(data)


def _zfec_main_in(module, directory, argv, stdin_path, monkeypatch):
    """Runs ``module.main()`` in `directory` with ``sys.stdin`` an opened file (as a
    caller that redirects it in-process does); returns the files it made."""
    monkeypatch.chdir(directory)
    monkeypatch.setattr("sys.argv", argv)
    with open(stdin_path) as replaced:
        monkeypatch.setattr("sys.stdin", replaced)
        assert module.main() == 0
    return {p.relative_to(directory).as_posix(): p.read_bytes()
            for p in directory.rglob("*") if p.is_file() and p.name != "in.bin"}


@pytest.mark.parametrize("argv", [["zfec", "-q", "-k", "2", "-m", "3", "-"],
                                  ["zfec", "-q", "-k", "3", "-m", "5", "-d", "sh", "-"]])
def test_command_line_names_shares_after_a_replaced_stdin(tmp_path, monkeypatch, argv):
    """zfec 1.6 takes "-" as ``sys.stdin.buffer`` and the prefix from its name: a
    ``sys.stdin`` replaced by an opened file names the shares after that file."""
    from zfec import cmdline_zfec as theirs_cmd

    from algorithm_fec.zfec import cmdline_zfec as ours_cmd
    made = {}
    for name, module in (("ours", ours_cmd), ("theirs", theirs_cmd)):
        d = tmp_path / name
        (d / "sh").mkdir(parents=True)
        (d / "in.bin").write_bytes(bytes(range(256)) * 40)
        made[name] = _zfec_main_in(module, d, argv, "in.bin", monkeypatch)
    assert made["ours"] == made["theirs"]
    m = int(argv[argv.index("-m") + 1])
    where = "sh/" if "-d" in argv else ""
    assert sorted(made["ours"]) == [where + "in.bin.%d_%d.fec" % (i, m) for i in range(m)]


def test_command_line_on_the_process_stdin_uses_no_prefix(tmp_path):
    """The process's own standard input is named "<stdin>": the empty prefix, so the
    shares are ".0_3.fec" ... in the current directory, as zfec 1.6 makes them."""
    import subprocess
    import sys
    src = tmp_path / "in.bin"
    src.write_bytes(b"standard input, " * 700)
    made = {}
    for name, module in (("ours", "algorithm_fec.zfec.cmdline_zfec"), ("theirs", "zfec.cmdline_zfec")):
        d = tmp_path / name
        d.mkdir()
        code = ("import sys; from %s import main; "
                "sys.argv = ['zfec', '-q', '-k', '2', '-m', '3', '-']; sys.exit(main())" % module)
        with open(src, "rb") as stdin:
            subprocess.run([sys.executable, "-c", code], cwd=d, stdin=stdin, check=True)
        made[name] = {p.name: p.read_bytes() for p in d.iterdir()}
    assert made["ours"] == made["theirs"]
    assert sorted(made["ours"]) == [".%d_3.fec" % i for i in range(3)]

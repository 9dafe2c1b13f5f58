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

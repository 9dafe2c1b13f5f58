#!/usr/bin/env python3
"""Speed of algorithm_fec against the originals, in one run (ratios, not times,
are what compare across machines; see the project's BENCH.md).

- zfec: ``Encoder(10, 14).encode`` of ten 1 MiB blocks, algorithm_fec.zfec vs
  PyPI's zfec (its C extension), the same call.
- RS(255, 223): encode and decode of 1 MiB of messages (4703 codewords of 223
  message bytes), algorithm_fec.rs.RSCoder (Brown's API, one call per codeword)
  vs reedsolo's RSCodec(32) (one call for the whole MiB: it cuts it itself).

Usage: python bench.py [--quick]   (needs zfec and reedsolo installed; build the
package in release mode, as ``pip install ./python`` does).
"""

import os
import random
import sys
import time

MIB = 1 << 20

# This script sits beside the package's sources, which lack the built extension:
# import the installed package instead.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]


def best(fn, repeat, budget=3.0):
    """Best wall time of ``fn()`` over ``repeat`` runs (fewer if over budget)."""
    times = []
    start = time.perf_counter()
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
        if time.perf_counter() - start > budget:
            break
    return min(times)


def line(what, ours, theirs, nbytes):
    print("%-44s %9.1f MB/s  vs %9.2f MB/s   x%.0f" % (
        what, nbytes / ours / 1e6, nbytes / theirs / 1e6, theirs / ours))
    return theirs / ours


def bench_zfec(quick):
    import zfec as pypi

    import algorithm_fec.zfec as ours
    blocks = [os.urandom(MIB) for _ in range(10)]
    assert ours.Encoder(10, 14).encode(blocks) == pypi.Encoder(10, 14).encode(blocks)
    e_ours, e_pypi = ours.Encoder(10, 14), pypi.Encoder(10, 14)
    n = 3 if quick else 20
    t_ours = best(lambda: e_ours.encode(blocks), n)
    t_pypi = best(lambda: e_pypi.encode(blocks), n)
    return line("zfec Encoder(10,14).encode 10 x 1 MiB", t_ours, t_pypi, 10 * MIB)


def bench_rs(quick):
    from reedsolo import RSCodec

    from algorithm_fec.rs import RSCoder
    size = MIB // (8 if quick else 1)
    data = os.urandom(size)
    msgs = [data[i:i + 223] for i in range(0, size, 223)]
    ours = RSCoder(255, 223)
    theirs = RSCodec(32)
    words = [ours.encode(m) for m in msgs]
    t_enc = best(lambda: [ours.encode(m) for m in msgs], 5)
    t_enc_rs = best(lambda: theirs.encode(data), 1 if not quick else 1)
    r1 = line("RS(255,223) encode 1 MiB", t_enc, t_enc_rs, size)
    coded = theirs.encode(data)
    t_dec = best(lambda: [ours.decode(w, nostrip=True) for w in words], 5)
    t_dec_rs = best(lambda: theirs.decode(coded), 1)
    r2 = line("RS(255,223) decode 1 MiB, clean", t_dec, t_dec_rs, size)
    # Corrupted: 8 bad bytes in every codeword (half the correction capacity).
    rng = random.Random(1)
    part = len(words) // (8 if quick else 4)

    def spoil(ws, n):
        out = []
        for w in ws[:part]:
            b = bytearray(w)
            for p in rng.sample(range(n), 8):
                b[p] ^= 0xA5
            out.append(bytes(b))
        return out
    bad = spoil(words, 255)
    bad_rs = b"".join(spoil([coded[i:i + 255] for i in range(0, len(coded), 255)], 255))
    t_bad = best(lambda: [ours.decode(w, nostrip=True) for w in bad], 5)
    t_bad_rs = best(lambda: theirs.decode(bad_rs), 1)
    r3 = line("RS(255,223) decode, 8 errors per codeword", t_bad, t_bad_rs, part * 223)
    return min(r1, r2, r3)


def main():
    quick = "--quick" in sys.argv
    print("algorithm_fec vs zfec (PyPI C extension) and reedsolo (PyPI), same run")
    z = bench_zfec(quick)
    r = bench_rs(quick)
    print("zfec encode ratio x%.1f (target >= 10, goal 20); RS worst ratio x%.0f (target >= 100)" % (z, r))


if __name__ == "__main__":
    main()

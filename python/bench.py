#!/usr/bin/env python3
"""Speed of algorithm_fec against the originals, in one run (ratios, not times,
are what compare across machines; see the project's BENCH.md).

- zfec: algorithm_fec.zfec vs PyPI's zfec (its C extension), the same call on the
  same inputs: ``Encoder(k, n).encode`` (all n blocks) for BENCH.md's configs A
  (ten 1 MiB blocks, 160 MiB of data rotated: cold), A-hot (one set), B, C and D
  (hot), and ``Decoder.decode`` with data blocks 1, 3, 5, 7 lost (config E, cold).
  One thread; the two sides' batches of calls (about 30 ms each) in turn, 10 rounds
  (about 8 s a row at most), the median of each side's calls in the thread's CPU
  time (``time.thread_time``), which leaves out the time other work on a shared
  machine holds the CPU.
- Tahoe-LAFS's shape: ``Encoder(3, 10).encode`` of a 128 KiB segment (hot).
- ``algorithm_fec.Code.encode(..., out=...)`` into four buffers allocated once,
  against the same zfec call (cold).
- RS(255, 223): encode and decode of 1 MiB of messages (4703 codewords of 223
  message bytes), algorithm_fec.rs.RSCoder (Brown's API, one call per codeword)
  vs reedsolo's RSCodec(32) (one call for the whole MiB: it cuts it itself). Not
  taken in turn (reedsolo takes seconds a call; the ratios are in the hundreds): ours
  the median of 5 calls, reedsolo one call, in the thread's CPU time.

Usage: python bench.py [--quick]   (needs zfec and reedsolo installed; build the
package in release mode, as ``pip install ./python`` does). With BENCH_RESULTS=file
each row is also appended to that file as a JSON line (config, both sides' MB/s,
ratio), for scripts/bench-report.
"""

import json
import os
import random
import sys
import time

KIB = 1 << 10
MIB = 1 << 20

# BENCH.md's encode configs that zfec can run (n <= 256): name, k, n, block size,
# whether cold (16 sets rotated, 160 MiB at A) or hot (one set).
ENCODE_CONFIGS = (
    ("A", 10, 14, MIB, True),
    ("A-hot", 10, 14, MIB, False),
    ("B", 10, 14, 64 * KIB, False),
    ("C", 32, 40, 64 * KIB, False),
    ("D", 200, 255, 16 * KIB, False),
)

# "no-trim" in the run with NO_TRIM's malloc settings (see main).
VARIANT = "no-trim" if "--no-trim" in sys.argv else "default"

# This script sits beside the package's sources, which lack the built extension:
# import the installed package instead.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]


def median(fn, repeat, budget=4.0):
    """Median thread CPU time of ``fn(i)`` for i = 0, 1, ... (fewer runs if over
    budget)."""
    times = []
    start = time.perf_counter()
    for i in range(repeat):
        t = time.thread_time()
        fn(i)
        times.append(time.thread_time() - t)
        if time.perf_counter() - start > budget and len(times) >= 3:
            break
    times.sort()
    return times[len(times) // 2]


# Rounds of ``medians``, and the length of a side's batch in each (CPU seconds).
ROUNDS, BATCH = 10, 0.03


def medians(fns, rounds=ROUNDS, budget=8.0):
    """Median thread CPU time of a call of each of ``fns``: ``rounds`` rounds, in each a
    batch of calls of every function in turn (as many as take about BATCH, at least
    one), so that load from other work falls on all alike; fewer rounds (at least 3)
    if over the wall-time budget. Function j is called on i = 0, 1, ... over its
    batches. A batch of one call each would hand every call the other side's caches
    and heap: that slowed ours by half at config C."""
    at = [0] * len(fns)
    times = [[] for _ in fns]

    def call(j):
        t = time.thread_time()
        fns[j](at[j])
        at[j] += 1
        return time.thread_time() - t

    batch = [max(1, int(BATCH / max(call(j), 1e-9))) for j in range(len(fns))]
    start = time.perf_counter()
    for r in range(rounds):
        for j in range(len(fns)):
            times[j] += [call(j) for _ in range(batch[j])]
        if time.perf_counter() - start > budget and r >= 2:
            break
    return [sorted(ts)[len(ts) // 2] for ts in times]


def line(what, ours, theirs, nbytes, config=None, baseline="zfec", alternating=True):
    """Prints a row (and records it under ``config`` if given, with whether its sides
    were timed in turn); returns ours / theirs in speed."""
    print("%-46s %8.0f MB/s  vs %8.2f MB/s   x%.1f" % (
        what, nbytes / ours / 1e6, nbytes / theirs / 1e6, theirs / ours))
    path = os.environ.get("BENCH_RESULTS")
    if config and path:
        row = {"bench": "python", "config": config, "row": what, "baseline": baseline,
               "variant": VARIANT, "bytes": nbytes, "ours_s": ours, "base_s": theirs,
               "ours_mbs": nbytes / ours / 1e6, "base_mbs": nbytes / theirs / 1e6,
               "ratio": theirs / ours,
               "timing": {"clock": "thread CPU time", "alternating": alternating,
                          "statistic": "median of calls",
                          "rounds": ROUNDS if alternating else None}}
        with open(path, "a") as f:
            f.write(json.dumps(row, sort_keys=True) + "\n")
    return theirs / ours


def bench_zfec(quick):
    import zfec as pypi

    import algorithm_fec.zfec as ours
    n = 3 if quick else ROUNDS
    # Tahoe-LAFS's shape: 3-of-10, a 128 KiB segment cut into 3 blocks (hot). First,
    # before the big sets below make glibc keep freed memory (its dynamic thresholds).
    seg = [os.urandom(43691) for _ in range(3)]
    s_ours, s_pypi = ours.Encoder(3, 10), pypi.Encoder(3, 10)
    assert s_ours.encode(seg) == s_pypi.encode(seg)
    line("zfec Encoder(3,10).encode 3 x 43691 B, hot",
         *medians([lambda i: s_ours.encode(seg), lambda i: s_pypi.encode(seg)], n),
         3 * 43691, "tahoe-3-10")
    # Config A of BENCH.md: 16 sets of ten 1 MiB blocks (160 MiB), rotated so the
    # data is not in cache; A-hot: one set of them. B, C, D: one set of their own.
    sets = [[os.urandom(MIB) for _ in range(10)] for _ in range(2 if quick else 16)]
    ratios = {}
    for name, k, m, size, cold in ENCODE_CONFIGS:
        own = sets if size == MIB and k == 10 else [[os.urandom(size) for _ in range(k)]]
        pick = (lambda i: own[i % len(own)]) if cold else (lambda i: own[0])
        e_ours, e_pypi = ours.Encoder(k, m), pypi.Encoder(k, m)
        assert e_ours.encode(own[0]) == e_pypi.encode(own[0])
        t_ours, t_pypi = medians([lambda i: e_ours.encode(pick(i)),
                                  lambda i: e_pypi.encode(pick(i))], n)
        what = "%s: zfec Encoder(%d,%d).encode %d x %d KiB, %s" % (
            name, k, m, k, size // KIB, "cold" if cold else "hot")
        ratios[name] = line(what, t_ours, t_pypi, k * size, name)
    e_ours, e_pypi = ours.Encoder(10, 14), pypi.Encoder(10, 14)
    # The fast path: Code.encode into buffers allocated once, against the same zfec call.
    import algorithm_fec
    code, outs = algorithm_fec.Code(10, 14), [bytearray(MIB) for _ in range(4)]
    code.encode(sets[0], [10, 11, 12, 13], out=outs)
    assert [bytes(o) for o in outs] == e_pypi.encode(sets[0])[10:]
    t_out, t_pypi = medians([
        lambda i: code.encode(sets[i % len(sets)], [10, 11, 12, 13], out=outs),
        lambda i: e_pypi.encode(sets[i % len(sets)])], n)
    line("Code.encode(out=reused) vs zfec encode, cold", t_out, t_pypi, 10 * MIB, "A-out")
    # Config E: data blocks 1, 3, 5, 7 lost, checks 10-13 given.
    d_ours, d_pypi = ours.Decoder(10, 14), pypi.Decoder(10, 14)
    coded = [e_ours.encode(s) for s in sets]
    nums = [0, 10, 2, 11, 4, 12, 6, 13, 8, 9]
    given = [[c[j] for j in nums] for c in coded]
    assert d_ours.decode(given[0], nums) == d_pypi.decode(given[0], nums) == sets[0]
    t_ours, t_pypi = medians([lambda i: d_ours.decode(given[i % len(given)], nums),
                              lambda i: d_pypi.decode(given[i % len(given)], nums)], n)
    ratios["E"] = line("E: zfec Decoder(10,14).decode 4 lost, cold", t_ours, t_pypi, 10 * MIB, "E")
    return ratios


def bench_rs(quick):
    from reedsolo import RSCodec

    from algorithm_fec.rs import RSCoder
    size = MIB // (8 if quick else 1)
    data = os.urandom(size)
    msgs = [data[i:i + 223] for i in range(0, size, 223)]
    ours = RSCoder(255, 223)
    theirs = RSCodec(32)
    words = [ours.encode(m) for m in msgs]
    t_enc = median(lambda i: [ours.encode(m) for m in msgs], 5)
    t_enc_rs = median(lambda i: theirs.encode(data), 1)
    r1 = line("RS(255,223) encode 1 MiB", t_enc, t_enc_rs, size, "RS-encode", "reedsolo", False)
    coded = theirs.encode(data)
    t_dec = median(lambda i: [ours.decode(w, nostrip=True) for w in words], 5)
    t_dec_rs = median(lambda i: theirs.decode(coded), 1)
    r2 = line("RS(255,223) decode 1 MiB, clean", t_dec, t_dec_rs, size, "RS-decode", "reedsolo", False)
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
    t_bad = median(lambda i: [ours.decode(w, nostrip=True) for w in bad], 5)
    t_bad_rs = median(lambda i: theirs.decode(bad_rs), 1)
    r3 = line("RS(255,223) decode, 8 errors per codeword", t_bad, t_bad_rs, part * 223,
              "RS-decode-errors", "reedsolo", False)
    return min(r1, r2, r3)


# glibc returns freed MiB blocks to the kernel, so every encode's new bytes objects
# fault their pages in again (1024 faults per call for 4 MiB); on a VM that costs
# more than the encoding. These settings keep freed memory in the heap.
NO_TRIM = {"MALLOC_TRIM_THRESHOLD_": str(1 << 30), "MALLOC_MMAP_THRESHOLD_": str(1 << 30)}


def main():
    quick = "--quick" in sys.argv
    if "--zfec-only" in sys.argv:
        bench_zfec(quick)
        return
    print("algorithm_fec vs zfec (PyPI C extension) and reedsolo (PyPI), same run")
    z = bench_zfec(quick)
    print("-- the same with %s (both libraries):" % " ".join("%s=%s" % kv for kv in NO_TRIM.items()))
    sys.stdout.flush()
    import subprocess
    subprocess.run([sys.executable, os.path.abspath(__file__), "--zfec-only", "--no-trim"]
                   + sys.argv[1:],
                   env=dict(os.environ, **NO_TRIM), check=True)
    r = bench_rs(quick)
    print("zfec encode ratios x%.1f cold, x%.1f hot (target >= 10, goal 20); decode x%.1f; "
          "RS worst ratio x%.0f (target >= 100)" % (z["A"], z["A-hot"], z["E"], r))


if __name__ == "__main__":
    main()

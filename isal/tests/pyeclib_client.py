"""A real client of libisal.so.2: PyECLib over liberasurecode, whose isa_l_rs_vand
and isa_l_rs_cauchy backends dlopen "libisal.so.2" by name (so LD_LIBRARY_PATH picks
the library). Run with the system python3 (Debian's python3-pyeclib) by
scripts/test-isal:

    python3 pyeclib_client.py roundtrip   # k=10 m=4: decode from random 10-of-14
                                          # subsets, reconstruct 4 lost fragments
    python3 pyeclib_client.py digest      # SHA-256 of every fragment of fixed data

`digest` under this library and under Intel's must print the same lines: the
fragments are byte-identical.
"""

import hashlib
import random
import sys

from pyeclib.ec_iface import ECDriver

BACKENDS = ["isa_l_rs_vand", "isa_l_rs_cauchy"]
K, M = 10, 4
# Sizes: tiny, unaligned, around a fragment of 64 bytes, large.
SIZES = [1, 10, 639, 640, 641, 4099, 100_000, (1 << 20) + 7]


def roundtrip():
    rng = random.Random(20261207)
    checks = 0
    for backend in BACKENDS:
        driver = ECDriver(k=K, m=M, ec_type=backend)
        for size in SIZES:
            payload = rng.randbytes(size)
            frags = driver.encode(payload)
            assert len(frags) == K + M, (backend, size, len(frags))
            for _ in range(20):
                subset = rng.sample(frags, K)
                assert driver.decode(subset) == payload, (backend, size, "decode")
                lost = sorted(rng.sample(range(K + M), M))
                kept = [f for i, f in enumerate(frags) if i not in lost]
                rng.shuffle(kept)
                rebuilt = driver.reconstruct(kept, lost)
                assert rebuilt == [frags[i] for i in lost], (backend, size, lost)
                checks += 2
    print(f"pyeclib: {checks} decodes and reconstructions of k={K} m={M} passed "
          f"({', '.join(BACKENDS)})")


def digest():
    rng = random.Random(7)
    for backend in BACKENDS:
        driver = ECDriver(k=K, m=M, ec_type=backend)
        for size in SIZES:
            frags = driver.encode(rng.randbytes(size))
            h = hashlib.sha256(b"".join(frags)).hexdigest()
            print(backend, size, h)


if __name__ == "__main__":
    {"roundtrip": roundtrip, "digest": digest}[sys.argv[1]]()

import os
import subprocess
import sys

import pytest
from hypothesis import settings

# No example database in the source tree; examples are not kept between runs.
settings.register_profile("ci", database=None)
settings.load_profile("ci")

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "data")


@pytest.fixture
def data_dir():
    return DATA


@pytest.fixture
def child():
    """Runs Python `code` (with `args` in sys.argv[1:]) in a child process and
    returns its standard output; fails the test if it has not ended within `timeout`
    seconds (for calls that would otherwise hang the test run)."""

    def run(code, *args, timeout=20):
        try:
            return subprocess.run([sys.executable, "-c", code] + [str(a) for a in args],
                                  capture_output=True, text=True, timeout=timeout).stdout
        except subprocess.TimeoutExpired:
            pytest.fail("the child did not end within %s s" % timeout)

    return run

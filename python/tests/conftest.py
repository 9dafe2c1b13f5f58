import os

import pytest

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "data")


@pytest.fixture
def data_dir():
    return DATA

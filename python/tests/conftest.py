import os

import pytest
from hypothesis import settings

# No example database in the source tree; examples are not kept between runs.
settings.register_profile("ci", database=None)
settings.load_profile("ci")

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "data")


@pytest.fixture
def data_dir():
    return DATA

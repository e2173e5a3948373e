import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))
import kldlab  # noqa: E402


@pytest.fixture
def lab(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("topology tests need root (network namespaces)")
    lab = kldlab.Lab(tmp_path)
    try:
        yield lab
    finally:
        lab.close()

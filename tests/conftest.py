"""Fixtures shared by the tests."""

import numpy as np
import pytest


@pytest.fixture
def rng():
    """A fresh, seeded generator for each test, so tests do not depend on each other's draws."""
    return np.random.default_rng(0)

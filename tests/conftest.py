"""Fixtures shared by the tests."""

from pathlib import Path

import numpy as np
import pytest

from nnbook.reference import ReferenceStore

TESTS = Path(__file__).resolve().parent
# PyTorch's results for the cross-checks, one folder per test file (``make references``).
REFERENCES = TESTS / "references"


@pytest.fixture
def rng():
    """A fresh, seeded generator for each test, so tests do not depend on each other's draws."""
    return np.random.default_rng(0)


@pytest.fixture
def reference_store(request) -> ReferenceStore:
    """The strict store of recorded PyTorch results for the requesting test file."""
    return ReferenceStore(REFERENCES / Path(request.node.path).relative_to(TESTS).with_suffix(""))


@pytest.fixture
def torch_reference(reference_store):
    """``torch_reference(fn, *args, **kwargs)``: what ``fn`` (which runs PyTorch) returns.

    PyTorch runs live where it is installed, and the recorded result must agree with it; without
    PyTorch the recorded result is used. A missing record fails the test in both cases (a
    strict store), so every run compares against PyTorch and nothing is skipped.
    """
    return lambda fn, *args, **kwargs: reference_store.get(fn, *args, **kwargs).value

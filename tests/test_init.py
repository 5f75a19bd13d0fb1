"""Weight initialisers: explicit generators, torch's bounds, the requested dtype."""

import numpy as np
import pytest

from nnbook.init import make_rng, uniform, xavier_uniform


def test_make_rng_passes_a_generator_through_and_seeds_ints():
    rng = np.random.default_rng(3)
    assert make_rng(rng) is rng  # layers built from one generator share its stream
    assert make_rng(7).random() == np.random.default_rng(7).random()
    assert isinstance(make_rng(None), np.random.Generator)
    with pytest.raises(
        TypeError, match="rng must be a numpy.random.Generator, an int seed or None"
    ):
        make_rng(1.5)


def test_uniform_bound_shape_and_dtype():
    w = uniform(0, (200, 300), 0.25, np.float32)
    assert w.shape == (200, 300) and w.dtype == np.float32
    assert -0.25 <= w.min() < -0.24 and 0.24 < w.max() <= 0.25  # the whole interval is used
    assert abs(w.mean()) < 0.01


def _torch_xavier_uniform(shape, seed):
    """A weight drawn by torch.nn.init.xavier_uniform_ (seeded, so a record can match it)."""
    import torch

    torch.manual_seed(seed)
    t = torch.empty(*shape, dtype=torch.float64)
    torch.nn.init.xavier_uniform_(t)
    return t.numpy()


def test_xavier_uniform_uses_fan_in_and_fan_out(torch_reference):
    # A weight (fan_out, fan_in) = (30, 20): U(-a, a) with a = sqrt(6 / (20 + 30)), the bound
    # torch.nn.init.xavier_uniform_ also stays within.
    w = xavier_uniform(0, (30, 20))
    bound = np.sqrt(6.0 / (20 + 30))
    assert bound * 0.98 < np.abs(w).max() <= bound
    t = torch_reference(_torch_xavier_uniform, (30, 20), 0)
    assert np.abs(t).max() <= bound

"""Weight initialisers. Each takes an explicit random generator; nothing global is touched."""

from __future__ import annotations

import numpy as np


def make_rng(rng=None) -> np.random.Generator:
    """Return a ``numpy.random.Generator`` from a Generator, an int seed or ``None``."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or isinstance(rng, (int, np.integer)):
        return np.random.default_rng(rng)
    raise TypeError(
        f"rng must be a numpy.random.Generator, an int seed or None, got {type(rng).__name__}"
    )


def uniform(rng, shape, bound: float, dtype=np.float64) -> np.ndarray:
    """Samples from U(-bound, bound), the scheme torch uses for Linear, Conv2d and RNN weights.

    ``torch.nn.Linear`` draws weights and biases from U(-1/sqrt(fan_in), 1/sqrt(fan_in))
    (Kaiming-uniform with a = sqrt(5) reduces to exactly this bound).
    """
    return make_rng(rng).uniform(-bound, bound, size=shape).astype(dtype, copy=False)


def xavier_uniform(rng, shape, dtype=np.float64) -> np.ndarray:
    """Glorot & Bengio (2010): U(-a, a) with a = sqrt(6 / (fan_in + fan_out)), for a 2-D weight."""
    fan_out, fan_in = shape[0], int(np.prod(shape[1:]))
    return uniform(rng, shape, np.sqrt(6.0 / (fan_in + fan_out)), dtype)

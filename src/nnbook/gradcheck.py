"""Finite-difference gradient checks.

A hand-written backward pass is only as good as its check. The check here compares it with
central differences,

.. math::

    \\frac{\\partial L}{\\partial \\theta_i} \\approx
    \\frac{L(\\theta + \\varepsilon e_i) - L(\\theta - \\varepsilon e_i)}{2\\varepsilon},

whose error is :math:`O(\\varepsilon^2)`. In float64 with :math:`\\varepsilon = 10^{-6}` a correct
backward pass agrees to a relative error far below :math:`10^{-6}`.

See the chapter :doc:`/backpropagation`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .init import make_rng
from .module import Module


def numerical_gradient(f: Callable[[], float], x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central-difference gradient of the scalar ``f()`` with respect to the array ``x``.

    ``x`` is perturbed in place, one element at a time, and restored afterwards; ``f`` must read
    ``x`` each time it is called.

    Parameters
    ----------
    f : callable
        Takes no argument, returns a float.
    x : numpy.ndarray
        The array to differentiate with respect to (float64 recommended).
    eps : float
        The step.

    Returns
    -------
    numpy.ndarray
        Same shape as ``x``.
    """
    grad = np.zeros_like(x, dtype=np.float64)
    flat, gflat = x.reshape(-1), grad.reshape(-1)
    if not np.shares_memory(flat, x):
        raise ValueError("numerical_gradient: x must be contiguous so it can be perturbed in place")
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        f_plus = f()
        flat[i] = old - eps
        f_minus = f()
        flat[i] = old
        gflat[i] = (f_plus - f_minus) / (2 * eps)
    return grad


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """``||a - b|| / (||a|| + ||b||)``, and 0 when both are zero."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"relative_error: shapes differ, {a.shape} vs {b.shape}")
    denom = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if denom == 0 else float(np.linalg.norm(a - b) / denom)


# Mixed into integer seeds so the projections never coincide with inputs drawn from the same seed.
_PROJECTION_SEED = 0x9C0D


def _map(fn, tree):
    """Apply ``fn`` to every array in a nest of tuples/lists of arrays."""
    if isinstance(tree, (tuple, list)):
        return type(tree)(_map(fn, t) for t in tree)
    return fn(tree)


def _dot(a, b) -> float:
    if isinstance(a, (tuple, list)):
        return sum(_dot(x, y) for x, y in zip(a, b, strict=True))
    return float(np.sum(a * b))


def check_module(
    module: Module,
    *inputs: np.ndarray,
    select: Callable | None = None,
    eps: float = 1e-6,
    rng=0,
    **kwargs,
) -> dict[str, float]:
    """Compare ``module.backward`` with finite differences for every input and parameter.

    The scalar checked is :math:`L = \\sum_k \\langle R_k, y_k \\rangle`, where :math:`y_k` are
    the selected outputs and :math:`R_k` fixed random arrays, so every output element matters.
    ``module.backward`` is called with the :math:`R_k` (its upstream gradients) as positional
    arguments; the gradients it returns are matched, in order, with the first inputs.

    Parameters
    ----------
    module : Module
        The module; use float64 parameters. Put dropout in eval mode first.
    *inputs : numpy.ndarray or tuple of numpy.ndarray
        The forward inputs. A tuple (such as an LSTM cell's ``(h, c)`` state) is checked item by
        item against the matching tuple ``backward`` returns. Non-float inputs (masks, indices)
        are passed through unchecked.
    select : callable, optional
        Maps what ``forward`` returns to the output(s) that enter the loss. Its result is passed
        to ``backward`` as one argument per item if it is a tuple. Default: the whole output, or
        the first item if ``forward`` returns a tuple (e.g. attention's ``(output, weights)``).
    eps : float
        The finite-difference step.
    rng : numpy.random.Generator or int, optional
        Draws the projections :math:`R_k`. An int seeds a stream of its own, so inputs drawn
        from ``default_rng`` with the same seed are not also the projections (which would make
        some true gradients nearly zero, and the check meaningless).
    **kwargs
        Passed on to ``forward`` (e.g. masks).

    Returns
    -------
    dict
        ``{"input0": err, "input1.0": err, ..., "<param name>": err}``: the relative error of
        each gradient (``input1.0`` is the first item of a tuple input).
    """
    if isinstance(rng, (int, np.integer)):
        rng = np.random.default_rng([int(rng), _PROJECTION_SEED])
    rng = make_rng(rng)
    if select is None:

        def select(out):
            return out[0] if isinstance(out, tuple) else out

    def outputs():
        return select(module(*inputs, **kwargs))

    def draw(y):
        # A scalar output (a loss) gets a plain float: losses' backward takes a number.
        return rng.standard_normal(np.shape(y)) if np.ndim(y) else float(rng.standard_normal())

    proj = _map(draw, outputs())

    def loss() -> float:
        return _dot(proj, outputs())

    # Analytic gradients.
    module.zero_grad()
    outputs()
    grads = module.backward(*proj) if isinstance(proj, tuple) else module.backward(proj)
    if not isinstance(grads, tuple):
        grads = (grads,)
    errors = {}

    def check_input(name, grad, value):
        if grad is None:
            return
        if isinstance(grad, (tuple, list)):
            for j, (g, v) in enumerate(zip(grad, value, strict=True)):
                check_input(f"{name}.{j}", g, v)
        else:
            errors[name] = relative_error(grad, numerical_gradient(loss, value, eps))

    if any(g is not None for g in grads[len(inputs) :]):
        raise ValueError(
            f"check_module: {type(module).__name__}.backward returned {len(grads)} gradients "
            f"but {len(inputs)} inputs were passed positionally; pass every input that gets a "
            "gradient (e.g. a cell's state) positionally"
        )
    for i, g in enumerate(grads):
        if g is not None:  # e.g. a cell called without a state returns None for the state
            check_input(f"input{i}", g, inputs[i])
    for name, p in module.named_parameters():
        analytic = p.grad.copy()
        errors[name] = relative_error(analytic, numerical_gradient(loss, p.data, eps))
    return errors

"""Training utilities that act on the parameters' gradients.

See the chapter :doc:`/rnn`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from .module import Parameter


def clip_grad_norm_(
    parameters: Parameter | Iterable[Parameter], max_norm: float, norm_type: float = 2.0
) -> float:
    """Rescale the gradients in place so that their joint norm is at most ``max_norm``.

    As ``torch.nn.utils.clip_grad_norm_``: the norm is taken over all gradients together, as if
    they were one long vector, and every gradient is multiplied by the same factor, so the
    direction of the update is kept. Recurrent networks use it against exploding gradients.

    Parameters
    ----------
    parameters : Parameter or iterable of Parameter
        E.g. ``model.parameters()``.
    max_norm : float
        The largest norm allowed.
    norm_type : float
        The :math:`p` of the :math:`p`-norm; ``float('inf')`` for the largest absolute value.

    Returns
    -------
    float
        The total norm of the gradients *before* clipping.

    Notes
    -----
    With :math:`\\nu = \\lVert (\\lVert g_1 \\rVert_p, \\ldots, \\lVert g_k \\rVert_p)
    \\rVert_p` (the :math:`p`-norm of all gradients together), every gradient is multiplied by

    .. math::

        \\min\\!\\left(1, \\frac{\\text{max\\_norm}}{\\nu + 10^{-6}}\\right),

    the :math:`10^{-6}` keeping the division finite when every gradient is zero.

    See the chapter :doc:`/rnn`.
    """
    if isinstance(parameters, Parameter):
        parameters = [parameters]
    parameters = list(parameters)
    for p in parameters:
        if not isinstance(p, Parameter):
            raise TypeError(
                f"clip_grad_norm_: expected Parameters, got a {type(p).__name__} "
                "(pass model.parameters())"
            )
    max_norm, norm_type = float(max_norm), float(norm_type)
    if not max_norm >= 0:
        raise ValueError(f"clip_grad_norm_: max_norm must be >= 0, got {max_norm}")
    if not norm_type > 0:
        raise ValueError(f"clip_grad_norm_: norm_type must be > 0 or inf, got {norm_type}")
    if not parameters:
        return 0.0
    norms = np.array(
        [np.linalg.norm(p.grad.reshape(-1).astype(np.float64), ord=norm_type) for p in parameters]
    )
    total = float(np.linalg.norm(norms, ord=norm_type))
    # Like torch, always multiply (by 1 when within bounds). A NaN norm makes every gradient NaN;
    # an inf norm zeroes the finite entries and turns the infinite ones into NaN.
    scale = min(max_norm / (total + 1e-6), 1.0) if total == total else math.nan
    with np.errstate(invalid="ignore"):  # inf * 0 is the documented NaN, not a surprise
        for p in parameters:
            p.grad *= scale
    return total

"""Stateless math shared by the layers: numerically stable activations and softmax.

See the chapters :doc:`/feedforward` and :doc:`/backpropagation`.
"""

from __future__ import annotations

import numpy as np


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Logistic function :math:`\\sigma(x) = 1 / (1 + e^{-x})`, stable for large :math:`|x|`.

    The output lies in the open interval (0, 1) for finite input (it rounds to 0 or 1 only once
    :math:`|x|` exceeds about 37 in float64).
    """
    # exp of a non-positive number never overflows.
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(x.dtype, copy=False)


def softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """:math:`\\mathrm{softmax}(x)_i = e^{x_i - m} / \\sum_j e^{x_j - m}` with :math:`m = \\max_j x_j`."""
    shifted = x - np.max(x, axis=axis, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=axis, keepdims=True)


def log_softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """:math:`\\log \\mathrm{softmax}(x)`, computed as :math:`x - m - \\log \\sum_j e^{x_j - m}`."""
    shifted = x - np.max(x, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))

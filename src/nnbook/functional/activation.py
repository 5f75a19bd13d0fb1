"""Numerically stable sigmoid, softmax and log-softmax.

See the chapters :doc:`/feedforward` and :doc:`/backpropagation`.
"""

from __future__ import annotations

import numpy as np


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Logistic function :math:`\\sigma(x) = 1 / (1 + e^{-x})`, stable for large :math:`|x|`.

    The output lies in the open interval (0, 1) for finite input. In float64 it rounds to 1 once
    :math:`x` exceeds about 37, and to 0 only below about -745, where :math:`e^x` underflows.
    """
    # exp of a non-positive number never overflows.
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(x.dtype, copy=False)


def softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """Softmax along ``axis``, shifted by the maximum so that ``exp`` never overflows.

    .. math:: \\mathrm{softmax}(x)_i = e^{x_i - m} / \\sum_j e^{x_j - m}, \\quad m = \\max_j x_j
    """
    with np.errstate(invalid="ignore"):  # an inf in a row gives NaN (as torch), not a warning
        shifted = x - np.max(x, axis=axis, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=axis, keepdims=True)


def log_softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """:math:`\\log \\mathrm{softmax}(x)`, computed as :math:`x - m - \\log \\sum_j e^{x_j - m}`."""
    with np.errstate(invalid="ignore"):  # an inf in a row gives NaN (as torch), not a warning
        shifted = x - np.max(x, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))

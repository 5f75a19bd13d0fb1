"""Sinusoidal positional encoding.

See the chapter :doc:`/transformer`.
"""

from __future__ import annotations

import numpy as np

from .._validation import check_array, check_dtype, check_grad, check_positive_int
from ..module import Module
from .dropout import Dropout


def sinusoidal_positional_encoding(max_len, d_model, dtype=np.float64):
    """The table :math:`PE` of Vaswani et al. (2017), shape (max_len, d_model).

    .. math::

        PE_{pos, 2i} = \\sin\\!\\left(\\frac{pos}{10000^{2i/d}}\\right), \\qquad
        PE_{pos, 2i+1} = \\cos\\!\\left(\\frac{pos}{10000^{2i/d}}\\right).

    Sines fill the even columns and cosines the odd ones (interleaved, as in the paper).

    See the chapter :doc:`/transformer`.
    """
    max_len = check_positive_int("sinusoidal_positional_encoding", max_len, "max_len")
    d_model = check_positive_int("sinusoidal_positional_encoding", d_model, "d_model")
    pos = np.arange(max_len, dtype=np.float64)[:, None]  # (max_len, 1)
    two_i = np.arange(0, d_model, 2, dtype=np.float64)  # (ceil(d/2),)
    angle = pos / 10000.0 ** (two_i / d_model)  # (max_len, ceil(d/2))
    pe = np.empty((max_len, d_model), dtype=np.float64)
    pe[:, 0::2] = np.sin(angle)
    pe[:, 1::2] = np.cos(angle[:, : d_model // 2])  # an odd d_model has one sine more
    return pe.astype(dtype, copy=False)


class PositionalEncoding(Module):
    """Adds the fixed sinusoidal position code to a batch of sequences, then applies dropout.

    Parameters
    ----------
    d_model : int
        The embedding size :math:`d`.
    max_len : int
        The longest sequence supported.
    dropout : float
        Dropout applied after the addition (as in the paper).
    rng : numpy.random.Generator or int, optional
        The dropout generator.
    dtype : float32 or float64

    Attributes
    ----------
    pe : numpy.ndarray, shape (max_len, d_model)
        The table from
        :func:`~nnbook.layers.positional.sinusoidal_positional_encoding`. A plain array, not a
        ``Parameter``: it is not learned and not in ``state_dict``.
    dropout : Dropout

    Shape
    -----
    x : (N, T, d_model)  ->  y : (N, T, d_model), with T <= max_len

    Notes
    -----
    :math:`y = \\mathrm{dropout}(x + PE_{0:T})`, so :math:`\\partial L/\\partial x` is the
    dropout backward of the upstream gradient.

    See the chapter :doc:`/transformer`.
    """

    def __init__(self, d_model, max_len=5000, dropout=0.0, *, rng=None, dtype=np.float64):
        super().__init__()
        self.d_model = check_positive_int(self, d_model, "d_model")
        self.max_len = check_positive_int(self, max_len, "max_len")
        self.dtype = check_dtype(self, dtype)
        self.pe = sinusoidal_positional_encoding(self.max_len, self.d_model, self.dtype)
        self.dropout = Dropout(dropout, rng=rng)
        self._x_shape = None  # the last input's shape (the output's too)

    def forward(self, x):
        check_array(self, x, dtype=self.dtype, ndim=3)
        if x.shape[2] != self.d_model or x.shape[1] > self.max_len:
            raise ValueError(
                f"PositionalEncoding: expected input of shape (N, T <= "
                f"{self.max_len}, {self.d_model}), got shape {x.shape}"
            )
        self._x_shape = x.shape
        return self.dropout(x + self.pe[: x.shape[1]])

    def backward(self, grad_output):
        check_grad(self, grad_output, self._require_cache(self._x_shape), self.dtype)
        return self.dropout.backward(grad_output)

    def extra_repr(self) -> str:
        return f"d_model={self.d_model}, max_len={self.max_len}"

"""Dropout.

See the chapter :doc:`/transformer`.
"""

from __future__ import annotations

import numpy as np

from .._validation import check_array, check_grad
from ..init import make_rng
from ..module import Module


class Dropout(Module):
    """Inverted dropout, as ``torch.nn.Dropout``.

    In training mode each element is zeroed with probability :math:`p` and the survivors are
    scaled by :math:`1/(1-p)`, so the expected output equals the input,

    .. math::

        y = \\frac{m \\odot x}{1 - p}, \\qquad m_i \\sim \\mathrm{Bernoulli}(1 - p).

    In evaluation mode (``module.eval()``) it is the identity. The backward pass multiplies the
    upstream gradient by the same :math:`m / (1 - p)`.

    Parameters
    ----------
    p : float
        The probability of zeroing an element, in [0, 1].
    rng : numpy.random.Generator or int, optional
        The module's own generator for the masks (nothing global is used).

    Shape
    -----
    x : any shape  ->  y : same shape

    See the chapter :doc:`/transformer`.
    """

    def __init__(self, p=0.5, *, rng=None):
        super().__init__()
        if isinstance(p, bool) or not isinstance(p, (int, float, np.floating)) or not 0 <= p <= 1:
            raise ValueError(f"Dropout: p must be a probability in [0, 1], got {p!r}")
        self.p = float(p)
        self._rng = make_rng(rng)
        self._scale = None  # m / (1 - p) from the last forward, or 1.0 for the identity
        self._like = None  # the shape and dtype of the last input (and output)

    def forward(self, x):
        check_array(self, x)
        self._like = (x.shape, x.dtype)
        if not self.training or self.p == 0.0:
            self._scale = 1.0
            return x
        if self.p == 1.0:
            self._scale = np.zeros_like(x)
        else:
            keep = self._rng.random(x.shape, dtype=x.dtype) >= self.p
            self._scale = keep * x.dtype.type(1.0 / (1.0 - self.p))  # (x.shape), x's dtype
        return x * self._scale

    def backward(self, grad_output):
        check_grad(self, grad_output, *self._require_cache(self._like))
        scale = self._scale
        return grad_output * scale if not np.isscalar(scale) else grad_output

    def extra_repr(self) -> str:
        return f"p={self.p}"

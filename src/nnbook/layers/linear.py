"""The fully connected (affine) layer."""

from __future__ import annotations

import numpy as np

from .._validation import check_array, check_dtype, check_grad, check_last_dim, check_positive_int
from ..init import make_rng, uniform
from ..module import Module, Parameter


class Linear(Module):
    """Affine map :math:`y = x W^\\top + b`, as ``torch.nn.Linear``.

    Parameters
    ----------
    in_features, out_features : int
        Sizes of each input and output sample.
    bias : bool
        Whether to learn the additive bias :math:`b`.
    rng : numpy.random.Generator or int, optional
        Draws the initial weights from :math:`U(-1/\\sqrt{\\text{in}}, 1/\\sqrt{\\text{in}})`.
    dtype : float32 or float64

    Attributes
    ----------
    weight : Parameter, shape (out_features, in_features)
    bias : Parameter, shape (out_features,)

    Shape
    -----
    x : (..., in_features)  ->  y : (..., out_features)

    Notes
    -----
    With :math:`G = \\partial L / \\partial y`, the backward pass is
    :math:`\\partial L / \\partial x = G W`, :math:`\\partial L / \\partial W = G^\\top x` and
    :math:`\\partial L / \\partial b = \\sum G`, sums running over every leading dimension.

    See the chapter :doc:`/feedforward`.
    """

    def __init__(self, in_features, out_features, bias=True, *, rng=None, dtype=np.float64):
        super().__init__()
        self.in_features = check_positive_int(self, in_features, "in_features")
        self.out_features = check_positive_int(self, out_features, "out_features")
        dtype = check_dtype(self, dtype)
        rng = make_rng(rng)
        bound = 1.0 / np.sqrt(self.in_features)
        self.weight = Parameter(uniform(rng, (self.out_features, self.in_features), bound, dtype))
        self.bias = Parameter(uniform(rng, (self.out_features,), bound, dtype)) if bias else None
        self._x = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        check_array(self, x, dtype=self.weight.dtype)
        check_last_dim(self, x, self.in_features)
        self._x = x  # cached for backward
        y = x @ self.weight.data.T  # (..., out_features)
        if self.bias is not None:
            y = y + self.bias.data
        return y

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        x = self._require_cache(self._x)
        check_grad(self, grad_output, x.shape[:-1] + (self.out_features,), x.dtype)
        g = grad_output.reshape(-1, self.out_features)  # (M, out), M = product of leading dims
        self.weight.grad += g.T @ x.reshape(-1, self.in_features)
        if self.bias is not None:
            self.bias.grad += g.sum(axis=0)
        return grad_output @ self.weight.data  # (..., in_features)

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )

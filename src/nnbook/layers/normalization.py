"""Layer normalisation.

See the chapter :doc:`/transformer`.
"""

from __future__ import annotations

import numpy as np

from .._validation import check_array, check_dtype, check_grad, check_positive_int
from ..module import Module, Parameter


class LayerNorm(Module):
    """Normalise over the last dimension(s), as ``torch.nn.LayerNorm``.

    .. math::

        y = \\frac{x - \\mu}{\\sqrt{\\sigma^2 + \\varepsilon}} \\odot \\gamma + \\beta,

    where :math:`\\mu` and the *biased* variance :math:`\\sigma^2` are taken over the trailing
    ``normalized_shape`` dimensions of each sample, and :math:`\\varepsilon` sits inside the
    square root (unlike the Annotated Transformer's version).

    Parameters
    ----------
    normalized_shape : int or tuple of int
        The trailing dimensions to normalise over.
    eps : float
        Added to the variance for numerical stability.
    elementwise_affine : bool
        Whether to learn :math:`\\gamma` (``weight``, ones) and :math:`\\beta` (``bias``, zeros).
    bias : bool
        Whether to learn :math:`\\beta` (only with ``elementwise_affine``).
    dtype : float32 or float64

    Attributes
    ----------
    weight, bias : Parameter, shape normalized_shape (or None)

    Shape
    -----
    x : (..., \\*normalized_shape)  ->  y : same shape

    Notes
    -----
    With :math:`\\hat x = (x - \\mu) / s`, :math:`s = \\sqrt{\\sigma^2 + \\varepsilon}`,
    :math:`g = \\gamma \\odot \\partial L / \\partial y` and means over the :math:`D` normalised
    elements,

    .. math::

        \\frac{\\partial L}{\\partial x} = \\frac{1}{s}\\left(g - \\overline{g}
        - \\hat x\\, \\overline{g \\hat x}\\right),\\qquad
        \\frac{\\partial L}{\\partial \\gamma} = \\sum \\frac{\\partial L}{\\partial y}
        \\hat x,\\qquad
        \\frac{\\partial L}{\\partial \\beta} = \\sum \\frac{\\partial L}{\\partial y}.

    See the chapter :doc:`/transformer`.
    """

    def __init__(
        self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True, *, dtype=np.float64
    ):
        super().__init__()
        shape = (
            (normalized_shape,)
            if isinstance(normalized_shape, (int, np.integer))
            else (normalized_shape)
        )
        try:
            shape = tuple(shape)
        except TypeError:
            raise TypeError(
                f"LayerNorm: normalized_shape must be an int or a tuple of ints, "
                f"got {type(normalized_shape).__name__}"
            ) from None
        if not shape:
            raise ValueError("LayerNorm: normalized_shape must not be empty")
        self.normalized_shape = tuple(
            check_positive_int(self, s, "normalized_shape") for s in shape
        )
        if not eps > 0:
            raise ValueError(f"LayerNorm: eps must be positive, got {eps}")
        self.eps = float(eps)
        self.elementwise_affine = bool(elementwise_affine)
        dtype = check_dtype(self, dtype)
        self.dtype = dtype
        self.weight = (
            Parameter(np.ones(self.normalized_shape, dtype)) if elementwise_affine else None
        )
        self.bias = (
            Parameter(np.zeros(self.normalized_shape, dtype))
            if elementwise_affine and bias
            else None
        )
        self._cache = None

    def forward(self, x):
        check_array(self, x, dtype=self.dtype)
        k = len(self.normalized_shape)
        if x.shape[x.ndim - k :] != self.normalized_shape or x.ndim < k:
            raise ValueError(
                f"LayerNorm: expected input of shape (..., "
                f"{', '.join(map(str, self.normalized_shape))}), got shape {x.shape}"
            )
        axes = tuple(range(x.ndim - k, x.ndim))
        mean = x.mean(axis=axes, keepdims=True)
        centred = x - mean
        var = np.mean(centred * centred, axis=axes, keepdims=True)  # biased, as torch
        inv_std = 1.0 / np.sqrt(var + self.eps)
        x_hat = centred * inv_std  # (..., *normalized_shape)
        self._cache = (x_hat, inv_std, axes)
        y = x_hat
        if self.weight is not None:
            y = y * self.weight.data
        if self.bias is not None:
            y = y + self.bias.data
        return y

    def backward(self, grad_output):
        x_hat, inv_std, axes = self._require_cache(self._cache)
        check_grad(self, grad_output, x_hat.shape, x_hat.dtype)
        lead = tuple(range(x_hat.ndim - len(axes)))
        if self.weight is not None:
            self.weight.grad += np.sum(grad_output * x_hat, axis=lead)
            g = grad_output * self.weight.data
        else:
            g = grad_output
        if self.bias is not None:
            self.bias.grad += np.sum(grad_output, axis=lead)
        mean_g = g.mean(axis=axes, keepdims=True)
        mean_gx = np.mean(g * x_hat, axis=axes, keepdims=True)
        return (g - mean_g - x_hat * mean_gx) * inv_std

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"
        )

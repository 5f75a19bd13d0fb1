"""Element-wise activations and the softmax, each with its hand-written backward pass.

See the chapter :doc:`/feedforward`.
"""

from __future__ import annotations

import math

import numpy as np

from .._validation import check_array, check_grad
from ..functional import sigmoid, softmax
from ..module import Module

# math.erf is correctly rounded to within an ulp or so, which is what makes the exact GELU agree
# with torch.nn.GELU to ~1e-16. NumPy has no vectorised erf, so it is applied element by element
# (about 0.15 microseconds per element: fine for the book's sizes; approximate="tanh" is faster).
_erf = np.vectorize(math.erf, otypes=[np.float64])


class ReLU(Module):
    """Rectified linear unit :math:`\\mathrm{ReLU}(x) = \\max(0, x)`, as ``torch.nn.ReLU``.

    Shape
    -----
    x : (*)  ->  y : (*), same shape and dtype.

    Notes
    -----
    :math:`\\partial y / \\partial x = 1` where :math:`x > 0` and 0 elsewhere (PyTorch's choice
    at the kink :math:`x = 0` as well).

    See the chapter :doc:`/feedforward`.
    """

    def __init__(self) -> None:
        super().__init__()
        self._mask = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        check_array(self, x)
        self._mask, self._dtype = x > 0, x.dtype  # cached for backward
        return np.where(self._mask, x, 0).astype(x.dtype, copy=False)

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        mask = self._require_cache(self._mask)
        check_grad(self, grad_output, mask.shape, self._dtype)
        return np.where(mask, grad_output, 0).astype(grad_output.dtype, copy=False)


class Tanh(Module):
    """Hyperbolic tangent, as ``torch.nn.Tanh``.

    Shape
    -----
    x : (*)  ->  y : (*), same shape and dtype.

    Notes
    -----
    :math:`\\partial y / \\partial x = 1 - \\tanh^2(x) = 1 - y^2`, so only the output is cached.

    See the chapter :doc:`/feedforward`.
    """

    def __init__(self) -> None:
        super().__init__()
        self._y = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        check_array(self, x)
        self._y = np.tanh(x)
        return self._y

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        y = self._require_cache(self._y)
        check_grad(self, grad_output, y.shape, y.dtype)
        return grad_output * (1 - y * y)


class Sigmoid(Module):
    """Logistic sigmoid :math:`\\sigma(x) = 1 / (1 + e^{-x})`, as ``torch.nn.Sigmoid``.

    Shape
    -----
    x : (*)  ->  y : (*), same shape and dtype.

    Notes
    -----
    :math:`\\partial y / \\partial x = \\sigma(x)(1 - \\sigma(x)) = y (1 - y)`. The forward pass
    uses :func:`nnbook.functional.sigmoid`, which never overflows.

    See the chapter :doc:`/feedforward`.
    """

    def __init__(self) -> None:
        super().__init__()
        self._y = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        check_array(self, x)
        self._y = sigmoid(x)
        return self._y

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        y = self._require_cache(self._y)
        check_grad(self, grad_output, y.shape, y.dtype)
        return grad_output * y * (1 - y)


class Softmax(Module):
    """Softmax along one dimension, as ``torch.nn.Softmax(dim)``.

    Parameters
    ----------
    dim : int
        The dimension that sums to one (default: the last).

    Shape
    -----
    x : (*)  ->  y : (*), same shape and dtype.

    Notes
    -----
    .. math::

        y_i = \\frac{e^{x_i}}{\\sum_j e^{x_j}}, \\qquad
        \\frac{\\partial L}{\\partial x_i} = y_i \\Big(g_i - \\sum_j g_j y_j\\Big),

    with :math:`g = \\partial L / \\partial y`: the Jacobian
    :math:`\\mathrm{diag}(y) - y y^\\top` is never formed. For classification, feed logits to
    :class:`nnbook.CrossEntropyLoss` instead, which is more accurate than softmax then log.

    See the chapter :doc:`/feedforward`.
    """

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
            raise TypeError(f"Softmax: dim must be an int, got {type(dim).__name__}")
        self.dim = int(dim)
        self._y = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        check_array(self, x)
        if not -x.ndim <= self.dim < x.ndim:
            raise ValueError(
                f"Softmax: dim={self.dim} is out of range for input of shape {x.shape}"
            )
        self._y = softmax(x, axis=self.dim)
        return self._y

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        y = self._require_cache(self._y)
        check_grad(self, grad_output, y.shape, y.dtype)
        return y * (grad_output - np.sum(grad_output * y, axis=self.dim, keepdims=True))

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class GELU(Module):
    """Gaussian error linear unit (Hendrycks & Gimpel, 2016), as ``torch.nn.GELU``.

    Parameters
    ----------
    approximate : {"none", "tanh"}
        ``"none"`` (the default) is the exact form with the error function; ``"tanh"`` is the
        cheaper approximation some models (e.g. GPT-2) were trained with.

    Shape
    -----
    x : (*)  ->  y : (*), same shape and dtype.

    Notes
    -----
    The exact form multiplies :math:`x` by the standard normal CDF :math:`\\Phi`:

    .. math::

        \\mathrm{GELU}(x) = x\\,\\Phi(x) = \\tfrac{x}{2}\\big(1 + \\mathrm{erf}(x/\\sqrt{2})\\big),
        \\qquad \\frac{d}{dx} = \\Phi(x) + x\\,\\varphi(x),

    with :math:`\\varphi(x) = e^{-x^2/2}/\\sqrt{2\\pi}`. The tanh form is
    :math:`\\tfrac{x}{2}(1 + \\tanh u)` with
    :math:`u = \\sqrt{2/\\pi}\\,(x + 0.044715\\,x^3)`, whose derivative is
    :math:`\\tfrac12(1 + \\tanh u) + \\tfrac{x}{2}(1 - \\tanh^2 u)\\,u'(x)`.

    See the chapter :doc:`/feedforward`.
    """

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate
        self._x = None
        self._aux = None  # Phi(x) for the exact form, tanh(u) for the approximation

    def forward(self, x: np.ndarray) -> np.ndarray:
        check_array(self, x)
        self._x = x
        if self.approximate == "tanh":
            u = math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)
            self._aux = np.tanh(u)
        else:
            self._aux = (0.5 * (1 + _erf(x * math.sqrt(0.5)))).astype(x.dtype, copy=False)
        return x * self._aux if self.approximate == "none" else 0.5 * x * (1 + self._aux)

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        x = self._require_cache(self._x)
        check_grad(self, grad_output, x.shape, x.dtype)
        if self.approximate == "tanh":
            t = self._aux
            du = math.sqrt(2 / math.pi) * (1 + 3 * 0.044715 * x**2)
            return grad_output * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du)
        pdf = np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)
        return grad_output * (self._aux + x * pdf)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"

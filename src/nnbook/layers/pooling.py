"""Pooling and flattening: ``MaxPool2d``, ``AvgPool2d`` and ``Flatten``."""

from __future__ import annotations

import numpy as np

from .._validation import check_array, check_grad
from ..functional.conv import _geometry, _pair
from ..module import Module


class _Pool2d(Module):
    """What max and average pooling share: arguments, checks and the strided windows."""

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        name = type(self).__name__
        self.kernel_size = _pair(kernel_size, "kernel_size", name, minimum=1)
        self.stride = (
            self.kernel_size if stride is None else _pair(stride, "stride", name, minimum=1)
        )
        self.padding = _pair(padding, "padding", name, minimum=0)
        if any(2 * p > k for p, k in zip(self.padding, self.kernel_size, strict=True)):
            raise ValueError(
                f"{name}: padding must be at most half the kernel size, got "
                f"padding={self.padding} for kernel_size={self.kernel_size}"
            )
        self._x = None
        self._out = None

    def _check(self, x):
        check_array(self, x, ndim=4)
        return _geometry(x.shape, self.kernel_size, self.stride, self.padding, type(self).__name__)

    def _windows(self, a, out_size):
        """For each kernel offset (i, j) in row-major scan order, the (N, C, H_out, W_out)
        strided view of ``a`` that holds offset (i, j) of every window."""
        (kh, kw), (sh, sw), (ho, wo) = self.kernel_size, self.stride, out_size
        for i in range(kh):
            for j in range(kw):
                yield a[:, :, i : i + (ho - 1) * sh + 1 : sh, j : j + (wo - 1) * sw + 1 : sw]

    def _pad(self, x, value):
        (ph, pw) = self.padding
        if ph or pw:
            return np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=value)
        return x

    def _padded_shape(self, x_shape):
        """The shape of the padded input, without padding it."""
        (ph, pw), (n, c, h, w) = self.padding, x_shape
        return (n, c, h + 2 * ph, w + 2 * pw)

    def _crop(self, grad_padded, x_shape):
        (ph, pw), (h, w) = self.padding, x_shape[2:]
        if ph or pw:
            return np.ascontiguousarray(grad_padded[:, :, ph : ph + h, pw : pw + w])
        return grad_padded

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxPool2d(_Pool2d):
    """Maximum over each window, as ``torch.nn.MaxPool2d``.

    Parameters
    ----------
    kernel_size : int or pair of int
    stride : int or pair of int, optional
        Defaults to ``kernel_size`` (non-overlapping windows), as in torch.
    padding : int or pair of int
        Implicit :math:`-\\infty` padding on each side; at most half the kernel size.

    Shape
    -----
    x : (N, C, H, W)  ->  y : (N, C, H_out, W_out), ``H_out = (H + 2 pH - kH) // sH + 1``.

    Notes
    -----
    :math:`y_{n,c,u,v} = \\max_{i,j} x^{\\text{pad}}_{n,c,\\,u s_H + i,\\,v s_W + j}`. The max is
    piecewise the identity on one element, so the backward pass sends each window's gradient to
    its maximum and nothing to the others; where windows overlap, the gradients add up.
    On ties it routes like torch: to the **first** maximal element of the window in row-major
    scan order (and, in a window containing NaN, to its last NaN). The layer has no parameters.

    See the chapter :doc:`/cnn`.
    """

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__(kernel_size, stride, padding)
        self._winner = None  # the offset of each window's maximum, from forward to backward

    def forward(self, x: np.ndarray) -> np.ndarray:
        _, _, _, out_size = self._check(x)
        xp = self._pad(x, -np.inf)  # (N, C, H + 2pH, W + 2pW)
        windows = self._windows(xp, out_size)
        out = next(windows).copy()  # (N, C, H_out, W_out)
        # The offset (in scan order) of each window's maximum, for the backward pass.
        offsets = self.kernel_size[0] * self.kernel_size[1]
        winner = np.zeros(out.shape, dtype=np.min_scalar_type(offsets - 1))
        for k, view in enumerate(windows, start=1):
            # Strictly greater: on a tie the earlier offset keeps the window, as in torch. As k
            # only grows, a maximum with k * wins records the last offset that won.
            wins = np.greater(view, out)
            np.maximum(winner, np.multiply(wins, k, dtype=winner.dtype), out=winner)
            np.maximum(out, view, out=out)  # NaN propagates, as in torch
        self._x, self._out, self._winner = x, out, winner
        return out

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        x = self._require_cache(self._x)
        out, winner = self._out, self._winner
        check_grad(self, grad_output, out.shape, out.dtype)
        grad = np.zeros(self._padded_shape(x.shape), dtype=x.dtype)  # (N, C, H + 2pH, W + 2pW)
        grad_windows = list(self._windows(grad, out.shape[2:]))
        nan_window = np.isnan(out)
        has_nan = nan_window.any()
        # Without overlap every input element lies in exactly one window, so each offset's
        # gradient can be written straight into its (still zero) view: no temporary, no add.
        overlap = any(k > s for k, s in zip(self.kernel_size, self.stride, strict=True))
        for k, gs in enumerate(grad_windows):
            hit = winner == k
            if has_nan:
                np.greater(hit, nan_window, out=hit)  # windows holding a NaN are routed below
            if overlap:
                gs += grad_output * hit
            else:
                np.multiply(grad_output, hit, out=gs)
        if has_nan:
            # torch keeps the last NaN it meets: scan the offsets backwards, take the first.
            pending = nan_window
            xp = self._pad(x, -np.inf)
            pairs = zip(self._windows(xp, out.shape[2:]), grad_windows, strict=True)
            for xs, gs in reversed(list(pairs)):
                hit = np.isnan(xs) & pending
                pending &= ~hit
                gs += grad_output * hit
        return self._crop(grad, x.shape)  # (N, C, H, W)


class AvgPool2d(_Pool2d):
    """Mean over each window, as ``torch.nn.AvgPool2d`` (with ``count_include_pad=True``).

    Parameters
    ----------
    kernel_size : int or pair of int
    stride : int or pair of int, optional
        Defaults to ``kernel_size``, as in torch.
    padding : int or pair of int
        Zero padding on each side, counted in the mean; at most half the kernel size.

    Shape
    -----
    x : (N, C, H, W)  ->  y : (N, C, H_out, W_out), ``H_out = (H + 2 pH - kH) // sH + 1``.

    Notes
    -----
    .. math::

        y_{n,c,u,v} = \\frac{1}{k_H k_W}
                      \\sum_{i,j} x^{\\text{pad}}_{n,c,\\,u s_H + i,\\,v s_W + j},

    so every element of a window receives :math:`1/(k_H k_W)` of the window's gradient. The
    original LeNet-5 "subsampling" layers summed each window, multiplied the sum by a trainable
    coefficient, added a trainable bias and applied a sigmoid.

    See the chapter :doc:`/cnn`.
    """

    def forward(self, x: np.ndarray) -> np.ndarray:
        _, _, _, out_size = self._check(x)
        xp = self._pad(x, 0.0)
        out = np.zeros(x.shape[:2] + out_size, dtype=x.dtype)  # (N, C, H_out, W_out)
        for view in self._windows(xp, out_size):
            out += view
        out /= self.kernel_size[0] * self.kernel_size[1]
        self._x = x
        self._out = out
        return out

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        x = self._require_cache(self._x)
        check_grad(self, grad_output, self._out.shape, x.dtype)
        share = grad_output / (self.kernel_size[0] * self.kernel_size[1])
        grad = np.zeros(self._padded_shape(x.shape), dtype=x.dtype)
        for view in self._windows(grad, grad_output.shape[2:]):
            view += share
        return self._crop(grad, x.shape)  # (N, C, H, W)


class Flatten(Module):
    """Merges the dimensions ``start_dim`` to ``end_dim`` into one, as ``torch.nn.Flatten``.

    Parameters
    ----------
    start_dim, end_dim : int
        The first and last dimension to merge (negative values count from the end).

    Shape
    -----
    x : (N, C, H, W)  ->  y : (N, C * H * W) with the defaults.

    Notes
    -----
    A reshape moves no number, so the backward pass reshapes the gradient back.

    See the chapter :doc:`/cnn`.
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1):
        super().__init__()
        for name, value in (("start_dim", start_dim), ("end_dim", end_dim)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
                raise TypeError(f"Flatten: {name} must be an int, got {value!r}")
        self.start_dim, self.end_dim = int(start_dim), int(end_dim)
        self._x_shape = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        check_array(self, x)
        start, end = self.start_dim, self.end_dim
        if not (-x.ndim <= start < x.ndim and -x.ndim <= end < x.ndim):
            raise ValueError(
                f"Flatten: start_dim={start} and end_dim={end} must lie in "
                f"[{-x.ndim}, {x.ndim - 1}] for an input of shape {x.shape}"
            )
        start, end = start % x.ndim, end % x.ndim
        if start > end:
            raise ValueError(
                f"Flatten: start_dim={self.start_dim} comes after "
                f"end_dim={self.end_dim} for an input of shape {x.shape}"
            )
        # The flattened size is computed, not -1: NumPy cannot infer it for a batch of 0.
        flat = int(np.prod(x.shape[start : end + 1]))
        out = x.reshape(x.shape[:start] + (flat,) + x.shape[end + 1 :])
        self._x_shape, self._out_shape, self._dtype = x.shape, out.shape, x.dtype
        return out

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        x_shape = self._require_cache(self._x_shape)
        check_grad(self, grad_output, self._out_shape, self._dtype)
        return grad_output.reshape(x_shape)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"

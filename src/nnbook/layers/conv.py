"""The 2-D convolution layer, computed as one matrix product per batch via im2col."""

from __future__ import annotations

import numpy as np

from .._validation import check_array, check_dtype, check_positive_int
from ..functional import _geometry, _pair, col2im, im2col
from ..init import make_rng, uniform
from ..module import Module, Parameter


class Conv2d(Module):
    """2-D convolution (cross-correlation) over images, as ``torch.nn.Conv2d``.

    Parameters
    ----------
    in_channels, out_channels : int
        Channels :math:`C_{in}` of the input and :math:`C_{out}` of the output.
    kernel_size : int or pair of int
        :math:`(k_H, k_W)`; an int means a square kernel.
    stride : int or pair of int
        Step between neighbouring windows.
    padding : int or pair of int
        Zeros added on each side of the height and width before the windows are taken.
    bias : bool
        Whether to learn an additive bias per output channel.
    rng : numpy.random.Generator or int, optional
        Draws the weights and bias from :math:`U(-1/\\sqrt{F}, 1/\\sqrt{F})` with fan-in
        :math:`F = C_{in} k_H k_W`, as torch does.
    dtype : float32 or float64

    Attributes
    ----------
    weight : Parameter, shape (out_channels, in_channels, kH, kW)
    bias : Parameter, shape (out_channels,), or None

    Shape
    -----
    x : (N, C_in, H, W)  ->  y : (N, C_out, H_out, W_out), with
    ``H_out = (H + 2 pH - kH) // sH + 1`` (:func:`nnbook.functional.conv_output_size`).

    Notes
    -----
    .. math::

        y_{n,o,u,v} = b_o + \\sum_{c=1}^{C_{in}} \\sum_{i=1}^{k_H} \\sum_{j=1}^{k_W}
        w_{o,c,i,j}\\, x^{\\text{pad}}_{n,c,\\,u s_H + i,\\,v s_W + j}

    With the columns :math:`X_n = \\mathrm{im2col}(x)_n` of shape
    :math:`(C_{in} k_H k_W, H_{out} W_{out})` and :math:`W` flattened to
    :math:`(C_{out}, C_{in} k_H k_W)`, the forward pass is :math:`Y_n = W X_n + b`. Writing
    :math:`G_n = \\partial L / \\partial Y_n`, the backward pass is

    .. math::

        \\frac{\\partial L}{\\partial W} = \\sum_n G_n X_n^\\top, \\qquad
        \\frac{\\partial L}{\\partial b_o} = \\sum_{n,u,v} G_{n,o,u,v}, \\qquad
        \\frac{\\partial L}{\\partial x} = \\mathrm{col2im}(W^\\top G_n).

    The weight gradient is a sum over every position because the same kernel is used at every
    position (weight sharing); ``col2im`` adds up the contributions of overlapping windows.
    The columns are kept from forward to backward, and their buffer is reused between calls.

    See the chapter :doc:`/cnn`.
    """

    def __init__(
        self,
        in_channels,
        out_channels,
        kernel_size,
        stride=1,
        padding=0,
        bias=True,
        *,
        rng=None,
        dtype=np.float64,
    ):
        super().__init__()
        self.in_channels = check_positive_int(self, in_channels, "in_channels")
        self.out_channels = check_positive_int(self, out_channels, "out_channels")
        self.kernel_size = _pair(kernel_size, "kernel_size", "Conv2d", minimum=1)
        self.stride = _pair(stride, "stride", "Conv2d", minimum=1)
        self.padding = _pair(padding, "padding", "Conv2d", minimum=0)
        dtype = check_dtype(self, dtype)
        rng = make_rng(rng)
        shape = (self.out_channels, self.in_channels, *self.kernel_size)
        bound = 1.0 / np.sqrt(self.in_channels * self.kernel_size[0] * self.kernel_size[1])
        self.weight = Parameter(uniform(rng, shape, bound, dtype))
        self.bias = Parameter(uniform(rng, (self.out_channels,), bound, dtype)) if bias else None
        self._x_shape = None
        self._y_shape = None
        self._cols = None  # the columns of the last input: cache for backward, reused buffer
        self._dcols = None  # reused buffer for the gradient of the columns

    def forward(self, x: np.ndarray) -> np.ndarray:
        check_array(self, x, dtype=self.weight.dtype, ndim=4)
        if x.shape[1] != self.in_channels:
            raise ValueError(
                f"Conv2d: expected input with {self.in_channels} channels "
                f"(N, {self.in_channels}, H, W), got shape {x.shape}"
            )
        _, _, _, (h_out, w_out) = _geometry(
            x.shape, self.kernel_size, self.stride, self.padding, "Conv2d"
        )
        n = x.shape[0]
        shape = (n, self.weight.data[0].size, h_out * w_out)  # (N, C_in kH kW, H_out W_out)
        if self._cols is None or self._cols.shape != shape:
            self._cols = np.empty(shape, dtype=x.dtype)
        cols = im2col(x, self.kernel_size, self.stride, self.padding, out=self._cols)
        self._x_shape = x.shape
        self._y_shape = (n, self.out_channels, h_out, w_out)
        w = self.weight.data.reshape(self.out_channels, -1)  # (C_out, C_in kH kW)
        y = np.matmul(w, cols)  # (N, C_out, H_out W_out)
        if self.bias is not None:
            y += self.bias.data[:, None]
        return y.reshape(self._y_shape)

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        x_shape = self._require_cache(self._x_shape)
        cols = self._cols
        n, _, length = cols.shape
        check_array(self, grad_output, name="grad_output", dtype=self.weight.dtype)
        if grad_output.shape != self._y_shape:
            raise ValueError(
                f"Conv2d: expected grad_output of shape {self._y_shape} (the "
                f"output's), got {grad_output.shape}"
            )
        g = grad_output.reshape(n, self.out_channels, length)  # (N, C_out, H_out W_out)
        # sum_n G_n X_n^T: a batch of products, then a sum over the batch.
        grad_w = np.matmul(g, cols.transpose(0, 2, 1)).sum(axis=0)  # (C_out, C_in kH kW)
        self.weight.grad += grad_w.reshape(self.weight.shape)
        if self.bias is not None:
            self.bias.grad += g.sum(axis=(0, 2))
        if self._dcols is None or self._dcols.shape != cols.shape:
            self._dcols = np.empty_like(cols)
        w = self.weight.data.reshape(self.out_channels, -1)
        dcols = np.matmul(w.T, g, out=self._dcols)  # (N, C_in kH kW, H_out W_out)
        return col2im(dcols, x_shape, self.kernel_size, self.stride, self.padding)  # (N,C,H,W)

    def extra_repr(self) -> str:
        return (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}, padding={self.padding}, bias={self.bias is not None}"
        )

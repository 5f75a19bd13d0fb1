"""The 1-D convolution layer, over sequences, computed for the whole batch as one matrix product."""

from __future__ import annotations

import numpy as np

from .._validation import check_array, check_dtype, check_grad, check_positive_int
from ..functional.conv1d import _single, col2im_1d, conv1d_output_size, im2col_1d
from ..init import make_rng, uniform
from ..module import Module, Parameter


class Conv1d(Module):
    """1-D convolution (cross-correlation) along the time axis, as ``torch.nn.Conv1d``.

    Parameters
    ----------
    in_channels, out_channels : int
        Channels :math:`C_{in}` of the input and :math:`C_{out}` of the output.
    kernel_size : int
        :math:`k`, the number of taps of the kernel.
    stride : int
        :math:`s`, the step between neighbouring windows.
    padding : int
        :math:`p`, the zeros added at both ends of the sequence before the windows are taken.
    dilation : int
        :math:`d`, the distance between neighbouring taps: the kernel spans
        :math:`d (k - 1) + 1` positions.
    bias : bool
        Whether to learn an additive bias per output channel.
    rng : numpy.random.Generator or int, optional
        Draws the weights and bias from :math:`U(-1/\\sqrt{F}, 1/\\sqrt{F})` with fan-in
        :math:`F = C_{in} k`, as torch does (its Kaiming-uniform with :math:`a = \\sqrt{5}`).
    dtype : float32 or float64

    Attributes
    ----------
    weight : Parameter, shape (out_channels, in_channels, kernel_size)
    bias : Parameter, shape (out_channels,), or None

    Shape
    -----
    x : (N, C_in, L)  ->  y : (N, C_out, L_out), with
    ``L_out = (L + 2p - d (k - 1) - 1) // s + 1`` (:func:`nnbook.functional.conv1d_output_size`).

    Notes
    -----
    .. math::

        y[n, o, t] = b[o] + \\sum_{c=0}^{C_{in}-1} \\sum_{j=0}^{k-1}
        W[o, c, j] \\cdot x[n, c, t s + j d - p],

    where :math:`x` counts as zero outside :math:`0 \\le t s + j d - p < L` (the padding).
    Every output position is computed from its own window of the input, independently of the
    other outputs, and with the same weights at every position.

    With the columns :math:`X = \\mathrm{im2col}(x)` of shape :math:`(C_{in} k, N L_{out})`
    (:func:`nnbook.functional.im2col_1d`), one per output position of every sample, and
    :math:`W` flattened to :math:`(C_{out}, C_{in} k)`, the forward pass is the single product
    :math:`Y = W X + b`. Writing :math:`G = \\partial L / \\partial Y`, of the shape of
    :math:`Y`, the backward pass is

    .. math::

        \\frac{\\partial L}{\\partial W} = G X^\\top, \\qquad
        \\frac{\\partial L}{\\partial b_o} = \\sum_{n,t} G_{o,(n,t)}, \\qquad
        \\frac{\\partial L}{\\partial x} = \\mathrm{col2im}(W^\\top G),

    as for :class:`~nnbook.Conv2d`: the product :math:`G X^\\top` sums over every position
    because the kernel is shared, and ``col2im`` adds up the contributions of overlapping
    windows.

    See the chapter :doc:`/transformer`.
    """

    def __init__(
        self,
        in_channels,
        out_channels,
        kernel_size,
        stride=1,
        padding=0,
        dilation=1,
        bias=True,
        *,
        rng=None,
        dtype=np.float64,
    ):
        super().__init__()
        self.in_channels = check_positive_int(self, in_channels, "in_channels")
        self.out_channels = check_positive_int(self, out_channels, "out_channels")
        self.kernel_size = _single(kernel_size, "kernel_size", "Conv1d", minimum=1)
        self.stride = _single(stride, "stride", "Conv1d", minimum=1)
        self.padding = _single(padding, "padding", "Conv1d", minimum=0)
        self.dilation = _single(dilation, "dilation", "Conv1d", minimum=1)
        dtype = check_dtype(self, dtype)
        rng = make_rng(rng)
        shape = (self.out_channels, self.in_channels, self.kernel_size)
        bound = 1.0 / np.sqrt(self.in_channels * self.kernel_size)
        self.weight = Parameter(uniform(rng, shape, bound, dtype))
        self.bias = Parameter(uniform(rng, (self.out_channels,), bound, dtype)) if bias else None
        self._x_shape = None
        self._y_shape = None
        self._cols = None  # the columns of the last input: cache for backward

    def _output_length(self, x: np.ndarray) -> int:
        try:
            return conv1d_output_size(
                x.shape[2], self.kernel_size, self.stride, self.padding, self.dilation
            )
        except ValueError as err:
            raise ValueError(
                f"Conv1d: input of shape {x.shape} is too short: {str(err).split(': ', 1)[1]}"
            ) from None

    def forward(self, x: np.ndarray) -> np.ndarray:
        check_array(self, x, dtype=self.weight.dtype, ndim=3)
        if x.shape[1] != self.in_channels:
            raise ValueError(
                f"Conv1d: expected input with {self.in_channels} channels "
                f"(N, {self.in_channels}, L), got shape {x.shape}"
            )
        n, l_out = x.shape[0], self._output_length(x)
        self._cols = im2col_1d(x, self.kernel_size, self.stride, self.padding, self.dilation)
        self._x_shape = x.shape
        self._y_shape = (n, self.out_channels, l_out)
        weight = self.weight.data.reshape(self.out_channels, -1)  # (C_out, C_in k)
        y = weight @ self._cols  # (C_out, N L_out): all positions of all samples at once
        if self.bias is not None:
            y += self.bias.data[:, None]
        return y.reshape(self.out_channels, n, l_out).transpose(1, 0, 2).copy()  # (N, C_out, L_out)

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        x_shape = self._require_cache(self._x_shape)
        check_grad(self, grad_output, self._y_shape, self.weight.dtype)
        cols = self._cols
        g = grad_output.transpose(1, 0, 2).reshape(self.out_channels, -1)  # (C_out, N L_out)
        # G X^T: one product sums over every position of every sample (the kernel is shared).
        self.weight.grad += (g @ cols.T).reshape(self.weight.shape)
        if self.bias is not None:
            self.bias.grad += g.sum(axis=1)
        weight = self.weight.data.reshape(self.out_channels, -1)  # (C_out, C_in k)
        dcols = weight.T @ g  # (C_in k, N L_out), like cols
        return col2im_1d(
            dcols, x_shape, self.kernel_size, self.stride, self.padding, self.dilation
        )  # (N, C_in, L)

    def extra_repr(self) -> str:
        return (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}, padding={self.padding}, dilation={self.dilation}, "
            f"bias={self.bias is not None}"
        )

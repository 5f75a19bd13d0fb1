"""The 2-D convolution layer, computed for the whole batch as one matrix product via im2col."""

from __future__ import annotations

import numpy as np

from .._validation import check_array, check_dtype, check_grad, check_positive_int
from ..functional.conv import _geometry, _pair, col2im, im2col
from ..init import make_rng, uniform
from ..module import Module, Parameter

# The input gradient is computed a chunk of samples at a time, its column gradient at most this
# large: well inside the 32 MiB last-level cache of the machine the benchmarks ran on, which a
# whole batch of the larger benchmark layer (43 MB) is not.
_CHUNK_BYTES = 8 * 2**20


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

        y_{n,o,u,v} = b_o + \\sum_{c=0}^{C_{in}-1} \\sum_{i=0}^{k_H-1} \\sum_{j=0}^{k_W-1}
        w_{o,c,i,j}\\, x^{\\text{pad}}_{n,c,\\,u s_H + i,\\,v s_W + j}

    With the columns :math:`X = \\mathrm{im2col}(x)` of shape
    :math:`(C_{in} k_H k_W, N H_{out} W_{out})`, one per output position of every sample, and
    :math:`W` flattened to :math:`(C_{out}, C_{in} k_H k_W)`, the forward pass is the single
    product :math:`Y = W X + b`. Writing :math:`G = \\partial L / \\partial Y`, of the shape of
    :math:`Y`, the backward pass is

    .. math::

        \\frac{\\partial L}{\\partial W} = G X^\\top, \\qquad
        \\frac{\\partial L}{\\partial b_o} = \\sum_{n,u,v} G_{o,(n,u,v)}, \\qquad
        \\frac{\\partial L}{\\partial x} = \\mathrm{col2im}(W^\\top G).

    The product :math:`G X^\\top` sums over every position of every sample because the same
    kernel is used at every position (weight sharing); ``col2im`` adds up the contributions of
    overlapping windows. The columns are kept from forward to backward. The large scratch
    arrays (the columns, the padded input, the gradient buffers) are kept between calls of the
    same shape rather than allocated, padded and zeroed anew at every step. For stride 1 the
    backward pass lays the column gradient out so that ``col2im`` becomes a few long contiguous
    adds (``_input_grad_stride1``).

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
        self._cols = None  # the columns of the last input: cache for backward
        self._scratch = {}  # reused arrays, by name (see _buffer)

    def _buffer(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """The scratch array ``name`` of this shape, kept for the next call of the same shape.

        A new buffer is zero-filled, and callers rely on the parts they never write (the padding
        border, the zero gradient columns) staying zero. Never return a buffer to the caller: the
        next call would overwrite it.
        """
        buffer = self._scratch.get(name)
        if buffer is None or buffer.shape != shape:
            buffer = self._scratch[name] = np.zeros(shape, dtype=self.weight.dtype)
        return buffer

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
        n, c, h, w = x.shape
        (ph, pw) = self.padding
        if ph or pw:
            # Pad into a kept buffer: its border was zeroed once and is never written.
            padded = self._buffer("x_padded", (n, c, h + 2 * ph, w + 2 * pw))
            padded[:, :, ph : ph + h, pw : pw + w] = x  # (N, C_in, H + 2pH, W + 2pW)
            x = padded
        shape = (self.weight.data[0].size, n * h_out * w_out)  # (C_in kH kW, N H_out W_out)
        self._cols = im2col(x, self.kernel_size, self.stride, 0, out=self._buffer("cols", shape))
        self._x_shape = (n, c, h, w)
        self._y_shape = (n, self.out_channels, h_out, w_out)
        weight = self.weight.data.reshape(self.out_channels, -1)  # (C_out, C_in kH kW)
        y = np.matmul(weight, self._cols, out=self._buffer("y", (self.out_channels, shape[1])))
        y = y.reshape(self.out_channels, n, h_out * w_out).transpose(1, 0, 2)  # (N, C_out, L)
        out = np.empty((n, self.out_channels, h_out * w_out), dtype=y.dtype)
        if self.bias is None:
            np.copyto(out, y)
        else:
            np.add(y, self.bias.data[:, None], out=out)  # the transpose and the bias in one pass
        return out.reshape(self._y_shape)

    def backward(self, grad_output: np.ndarray) -> np.ndarray:
        x_shape = self._require_cache(self._x_shape)
        cols = self._cols
        check_grad(self, grad_output, self._y_shape, self.weight.dtype)
        n, c_out, h_out, w_out = grad_output.shape
        # Channels first, like the columns of Y: G is (C_out, N H_out W_out).
        g_image = self._buffer("g", (c_out, n, h_out, w_out))
        np.copyto(g_image, grad_output.transpose(1, 0, 2, 3))
        g = g_image.reshape(c_out, -1)  # (C_out, N H_out W_out)
        # G X^T: one product sums over every position of every sample.
        self.weight.grad += np.matmul(g, cols.T).reshape(self.weight.shape)
        if self.bias is not None:
            self.bias.grad += g.sum(axis=1)
        if self.stride == (1, 1):
            return self._input_grad_stride1(g_image)
        weight = self.weight.data.reshape(self.out_channels, -1)
        dcols = np.matmul(weight.T, g, out=self._buffer("dcols", cols.shape))  # like cols
        return col2im(dcols, x_shape, self.kernel_size, self.stride, self.padding)  # (N,C,H,W)

    def _input_grad_stride1(self, g: np.ndarray) -> np.ndarray:
        """:math:`\\partial L / \\partial x` for stride 1, with :math:`k_H k_W` long shifted adds.

        ``col2im`` adds the column gradient :math:`W^\\top G` back onto the padded images, one
        kernel offset :math:`(i, j)` at a time. With one column per output position, each add is
        made of :math:`C_{in} N H_{out}` runs of only :math:`W_{out}` numbers (10 in LeNet's
        second layer), and NumPy spends its time starting runs rather than adding. So lay the
        gradient out like the padded input instead: the gradient of output :math:`(u, v)` sits
        at pixel :math:`(u, v)` of an :math:`H_p \\times W_p` image that is zero elsewhere, and
        the images of every channel and sample lie end to end. Kernel offset :math:`(i, j)` then
        moves every contribution by the same :math:`i W_p + j` places, so its add is one slice
        per channel. The zeros cost :math:`H_p W_p / (H_{out} W_{out})` times the
        multiply-adds of :math:`W^\\top G`; wherever a shift carries them, they add zero.

        The products and adds go a few samples at a time, so that the column gradient of one
        chunk (at most ``_CHUNK_BYTES``) is still in the cache when the adds read it back. A
        chunk can be summed on its own: no shift carries a real gradient from one sample's image
        into the next, as the numbers that cross over come from the zeros of ``g`` below row
        :math:`H_{out}` and right of column :math:`W_{out}`.

        ``g`` is :math:`G` as images, channels first: shape (C_out, N, H_out, W_out).
        """
        n, c, h, w = self._x_shape
        (kh, kw), (ph, pw) = self.kernel_size, self.padding
        c_out, _, h_out, w_out = g.shape  # (C_out, N, H_out, W_out)
        hp, wp = h + 2 * ph, w + 2 * pw
        image = hp * wp
        g_padded = self._buffer("g_padded", (c_out, n, hp, wp))  # zero outside [:h_out, :w_out]
        g_padded[:, :, :h_out, :w_out] = g
        g_flat = g_padded.reshape(c_out, n * image)
        # Rows ordered (i, j, c): the rows of one kernel offset form one block.
        weight = self.weight.data.transpose(2, 3, 1, 0).reshape(kh * kw * c, c_out)
        rows = kh * kw * c
        per_chunk = max(1, min(n, _CHUNK_BYTES // (rows * image * g.itemsize)))
        dcols_flat = self._buffer("dcols_padded", (rows * per_chunk * image,))
        grad = self._buffer("grad_padded", (c, n, hp, wp))
        grad_flat = grad.reshape(c, n * image)  # a view: the adds land in grad
        for start in range(0, n, per_chunk):
            first, size = start * image, (min(n, start + per_chunk) - start) * image
            dcols = np.matmul(
                weight,
                g_flat[:, first : first + size],
                out=dcols_flat[: rows * size].reshape(rows, size),
            ).reshape(kh, kw, c, size)  # laid out like target below, once per offset
            target = grad_flat[:, first : first + size]  # (C_in, samples of the chunk)
            np.copyto(target, dcols[0, 0])  # offset (0, 0) shifts nothing: it starts the sum
            for i in range(kh):
                for j in range(kw):
                    shift = i * wp + j
                    if shift:
                        # The last `shift` numbers would fall off the end; they come from
                        # zeros of g.
                        target[:, shift:] += dcols[i, j, :, : size - shift]
        return grad[:, :, ph : ph + h, pw : pw + w].transpose(1, 0, 2, 3).copy()  # (N, C, H, W)

    def extra_repr(self) -> str:
        return (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}, padding={self.padding}, bias={self.bias is not None}"
        )

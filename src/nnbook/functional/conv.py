"""Convolution as matrix products: im2col, col2im, the output size, a naive reference.

See the chapter :doc:`/cnn`.
"""

from __future__ import annotations

import numpy as np

# -- convolution helpers ------------------------------------------------------------------------
# Layout used throughout: images are (N, C, H, W). The "columns" of a batch form ONE matrix of
# shape (C * kH * kW, N * H_out * W_out): a row per kernel entry, ordered (c, i, j) like
# ``weight.reshape(C_out, -1)``, and a column per output position of every sample, ordered
# (n, u, v). A convolution of the whole batch is then one large product
# ``weight.reshape(C_out, -1) @ cols``, which BLAS runs far better than N small ones.


def _pair(value, name: str, owner: str, *, minimum: int) -> tuple[int, int]:
    """``value`` as a pair of ints (an int means the same for height and width)."""
    pair = tuple(value) if isinstance(value, (tuple, list)) else (value, value)
    if len(pair) != 2 or any(
        isinstance(v, bool) or not isinstance(v, (int, np.integer)) for v in pair
    ):
        raise TypeError(f"{owner}: {name} must be an int or a pair of ints, got {value!r}")
    if any(v < minimum for v in pair):
        raise ValueError(f"{owner}: {name} must be >= {minimum}, got {value!r}")
    return int(pair[0]), int(pair[1])


def conv_output_size(size: int, kernel_size: int, stride: int = 1, padding: int = 0) -> int:
    """Length of a convolution's (or pooling's) output along one spatial axis.

    .. math::

        O = \\left\\lfloor \\frac{W - K + 2P}{S} \\right\\rfloor + 1

    with input size :math:`W`, kernel size :math:`K`, stride :math:`S` and zero padding :math:`P`
    on each side. For LeNet's first layer, :math:`(32 - 5 + 0)/1 + 1 = 28`; for its 2×2 pooling
    with stride 2, :math:`\\lfloor (28 - 2)/2 \\rfloor + 1 = 14`.

    Raises
    ------
    ValueError
        If the kernel is larger than the padded input (there is no complete window), or an
        argument is out of range.

    See the chapter :doc:`/cnn`.
    """
    for name, value, minimum in (
        ("size", size, 1),
        ("kernel_size", kernel_size, 1),
        ("stride", stride, 1),
        ("padding", padding, 0),
    ):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise TypeError(f"conv_output_size: {name} must be an int, got {value!r}")
        if value < minimum:
            raise ValueError(f"conv_output_size: {name} must be >= {minimum}, got {value}")
    padded = size + 2 * padding
    if kernel_size > padded:
        raise ValueError(
            f"conv_output_size: kernel size {kernel_size} is larger than the padded input "
            f"({size} + 2*{padding} = {padded})"
        )
    return (padded - kernel_size) // stride + 1


def _geometry(x_shape, kernel_size, stride, padding, owner):
    """Pairs (kH, kW), (sH, sW), (pH, pW) and the output size (H_out, W_out)."""
    kernel = _pair(kernel_size, "kernel_size", owner, minimum=1)
    strides = _pair(stride, "stride", owner, minimum=1)
    pads = _pair(padding, "padding", owner, minimum=0)
    try:
        out = tuple(
            conv_output_size(int(s), k, st, p)
            for s, k, st, p in zip(x_shape[2:], kernel, strides, pads, strict=True)
        )
    except ValueError as err:
        raise ValueError(
            f"{owner}: input of shape {tuple(x_shape)} is too small: {str(err).split(': ', 1)[1]}"
        ) from None
    return kernel, strides, pads, out


# Output rows at least this long are copied in one go by im2col, shorter ones in two copies with
# longer runs; the crossover measured on a 2-core x86-64 machine lay between 20 and 24.
_LONG_ROW = 20


def im2col(x: np.ndarray, kernel_size, stride=1, padding=0, *, out=None) -> np.ndarray:
    """Unfold every receptive field of a batch of images into a column of one matrix.

    Parameters
    ----------
    x : numpy.ndarray, shape (N, C, H, W)
    kernel_size, stride, padding : int or pair of int
        Zero padding of ``padding`` pixels is added on each side first.
    out : numpy.ndarray, optional
        A C-contiguous buffer of the result's shape and dtype to write into (saves allocating
        a large array at every call).

    Returns
    -------
    numpy.ndarray, shape (C * kH * kW, N * H_out * W_out)
        ``cols[(c, i, j), (n, u, v)] = x_padded[n, c, u * sH + i, v * sW + j]``: one column per
        window, the windows of sample 0 first. ``torch.nn.functional.unfold`` returns the same
        numbers as ``cols.reshape(C * kH * kW, N, -1).transpose(1, 0, 2)``.

    Notes
    -----
    A convolution with weight :math:`W` of shape (C_out, C, kH, kW) is then the single matrix
    product :math:`Y = W_{\\text{flat}}\\, \\mathrm{cols}` for the whole batch, of shape
    (C_out, N * H_out * W_out). The columns are up to :math:`kH \\cdot kW` times larger
    than the input (exactly that for stride 1 with "same" padding): that is the memory price of
    turning a convolution into one matrix product.

    See the chapter :doc:`/cnn`.
    """
    if x.ndim != 4:
        raise ValueError(f"im2col: expected a 4-D input (N, C, H, W), got shape {x.shape}")
    (kh, kw), (sh, sw), (ph, pw), (ho, wo) = _geometry(
        x.shape, kernel_size, stride, padding, "im2col"
    )
    n, c = x.shape[:2]
    if ph or pw:
        x = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))  # (N, C, H + 2pH, W + 2pW)
    shape = (c * kh * kw, n * ho * wo)
    if out is None:
        out = np.empty(shape, dtype=x.dtype)
    elif out.shape != shape or out.dtype != x.dtype or not out.flags.c_contiguous:
        raise ValueError(f"im2col: out must be a C-contiguous {x.dtype} array of shape {shape}")
    cols = out.reshape(c, kh, kw, n, ho, wo)
    if wo >= _LONG_ROW:
        # A strided view of every window, (N, C, H_out, W_out, kH, kW); one copy puts the
        # offsets (i, j) and the samples in front of the output positions (u, v).
        windows = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(2, 3))
        windows = windows[:, :, : (ho - 1) * sh + 1 : sh, : (wo - 1) * sw + 1 : sw]
        np.copyto(cols, windows.transpose(1, 4, 5, 0, 2, 3))
        return out
    # That copy moves runs of only W_out numbers, and for short rows NumPy spends its time
    # starting runs. Two copies with longer runs are then faster: first each column offset j of
    # every image row, then each row offset i, which for stride 1 takes H_out consecutive rows,
    # H_out * W_out numbers in a row.
    rows = np.empty((kw, c, n, x.shape[2], wo), dtype=x.dtype)
    for j in range(kw):
        # rows[j, c, n, r, v] = x_padded[n, c, r, v * sW + j]
        rows[j] = x[:, :, :, j : j + (wo - 1) * sw + 1 : sw].transpose(1, 0, 2, 3)
    for i in range(kh):
        cols[:, i] = rows[:, :, :, i : i + (ho - 1) * sh + 1 : sh].transpose(1, 0, 2, 3, 4)
    return out


def col2im(cols: np.ndarray, input_shape, kernel_size, stride=1, padding=0) -> np.ndarray:
    """The adjoint of :func:`im2col`: add every column back onto the pixels it was taken from.

    Parameters
    ----------
    cols : numpy.ndarray, shape (C * kH * kW, N * H_out * W_out)
    input_shape : tuple (N, C, H, W)
        The shape of the images ``cols`` was (or would be) made from.
    kernel_size, stride, padding : int or pair of int

    Returns
    -------
    numpy.ndarray, shape (N, C, H, W)
        A pixel that lies in several windows receives the sum of their entries, which is why
        ``col2im(im2col(x))`` is not ``x`` but ``x`` times the number of windows covering each
        pixel. This sum is exactly the gradient of :func:`im2col`.

    See the chapter :doc:`/cnn`.
    """
    n, c, h, w = input_shape
    (kh, kw), (sh, sw), (ph, pw), (ho, wo) = _geometry(
        input_shape, kernel_size, stride, padding, "col2im"
    )
    if cols.shape != (c * kh * kw, n * ho * wo):
        raise ValueError(
            f"col2im: expected cols of shape {(c * kh * kw, n * ho * wo)}, got {cols.shape}"
        )
    cols = cols.reshape(c, kh, kw, n, ho, wo)
    padded = np.zeros((c, n, h + 2 * ph, w + 2 * pw), dtype=cols.dtype)
    # One strided add per kernel offset: within one offset no two windows share a pixel.
    for i in range(kh):
        for j in range(kw):
            padded[:, :, i : i + (ho - 1) * sh + 1 : sh, j : j + (wo - 1) * sw + 1 : sw] += cols[
                :, i, j
            ]
    padded = padded[:, :, ph : ph + h, pw : pw + w]  # (C, N, H, W)
    return np.ascontiguousarray(padded.transpose(1, 0, 2, 3))  # (N, C, H, W)


def conv2d_naive(x, weight, bias=None, stride=1, padding=0) -> np.ndarray:
    """Convolution straight from its definition, one output value at a time. **Slow.**

    .. math::

        y_{n,o,u,v} = b_o + \\sum_{c,i,j} w_{o,c,i,j}\\;
                      x^{\\text{pad}}_{n,c,\\,u S_H + i,\\,v S_W + j}

    Kept as the correctness oracle for the vectorised :class:`~nnbook.Conv2d` (tests and the
    book); never use it for training. (Like every deep-learning library, "convolution" here is a
    cross-correlation: the kernel is not flipped.)

    Parameters
    ----------
    x : numpy.ndarray, shape (N, C, H, W)
    weight : numpy.ndarray, shape (C_out, C, kH, kW)
    bias : numpy.ndarray, shape (C_out,), optional
    stride, padding : int or pair of int

    Returns
    -------
    numpy.ndarray, shape (N, C_out, H_out, W_out)

    See the chapter :doc:`/cnn`.
    """
    if x.ndim != 4 or weight.ndim != 4 or x.shape[1] != weight.shape[1]:
        raise ValueError(
            f"conv2d_naive: expected x (N, C, H, W) and weight (C_out, C, kH, kW), "
            f"got {x.shape} and {weight.shape}"
        )
    c_out, _, kh, kw = weight.shape
    _, (sh, sw), (ph, pw), (ho, wo) = _geometry(x.shape, (kh, kw), stride, padding, "conv2d_naive")
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    y = np.zeros((x.shape[0], c_out, ho, wo), dtype=np.result_type(x, weight))
    for n in range(x.shape[0]):
        for o in range(c_out):
            for u in range(ho):
                for v in range(wo):
                    window = xp[n, :, u * sh : u * sh + kh, v * sw : v * sw + kw]  # (C, kH, kW)
                    y[n, o, u, v] = np.sum(window * weight[o])
            if bias is not None:
                y[n, o] += bias[o]
    return y

"""1-D convolution as one matrix product: the output length, im2col and col2im along time.

The layout is that of the 2-D helpers in :mod:`nnbook.functional.conv`: the "columns" of a batch
of sequences ``x`` of shape (N, C, L) form ONE matrix of shape (C * k, N * L_out), a row per
kernel entry, ordered (c, j) like ``weight.reshape(C_out, -1)``, and a column per output
position of every sample, ordered (n, t).

See the chapter :doc:`/transformer`.
"""

from __future__ import annotations

import numpy as np


def _single(value, name: str, owner: str, *, minimum: int) -> int:
    """``value`` as an int; an int or a tuple of one int, as torch's 1-D layers accept."""
    if isinstance(value, (tuple, list)) and len(value) == 1:
        value = value[0]
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{owner}: {name} must be an int or a tuple of one int, got {value!r}")
    if value < minimum:
        raise ValueError(f"{owner}: {name} must be >= {minimum}, got {value!r}")
    return int(value)


def conv1d_output_size(length, kernel_size, stride=1, padding=0, dilation=1, *, owner=None) -> int:
    """Length of a 1-D convolution's output.

    .. math::

        L_{out} = \\left\\lfloor \\frac{L + 2P - D (K - 1) - 1}{S} \\right\\rfloor + 1

    with input length :math:`L`, kernel size :math:`K`, stride :math:`S`, zero padding
    :math:`P` on each side and dilation :math:`D`. A dilated kernel has gaps of :math:`D - 1`
    positions between its taps, so it spans :math:`D (K - 1) + 1` input positions.

    Parameters
    ----------
    length, kernel_size, stride, padding, dilation : int
    owner : str, optional
        The name used in error messages (default ``conv1d_output_size``).

    Raises
    ------
    ValueError
        If the dilated kernel is longer than the padded input (there is no complete window),
        or an argument is out of range.

    See the chapter :doc:`/transformer`.
    """
    who = owner or "conv1d_output_size"
    length = _single(length, "length", who, minimum=1)
    kernel_size = _single(kernel_size, "kernel_size", who, minimum=1)
    stride = _single(stride, "stride", who, minimum=1)
    padding = _single(padding, "padding", who, minimum=0)
    dilation = _single(dilation, "dilation", who, minimum=1)
    span = dilation * (kernel_size - 1) + 1  # input positions one window covers
    padded = length + 2 * padding
    if span > padded:
        raise ValueError(
            f"{who}: the kernel spans {span} positions (kernel_size {kernel_size}, "
            f"dilation {dilation}), more than the padded length {length} + 2*{padding} = {padded}"
        )
    return (padded - span) // stride + 1


def im2col_1d(x: np.ndarray, kernel_size, stride=1, padding=0, dilation=1) -> np.ndarray:
    """Unfold every window of a batch of sequences into a column of one matrix.

    Parameters
    ----------
    x : numpy.ndarray, shape (N, C, L)
    kernel_size, stride, padding, dilation : int
        Zero padding of ``padding`` positions is added at both ends first.

    Returns
    -------
    numpy.ndarray, shape (C * k, N * L_out)
        ``cols[(c, j), (n, t)] = x_padded[n, c, t * stride + j * dilation]``: one column per
        window, the windows of sample 0 first.

    See the chapter :doc:`/transformer`.
    """
    if x.ndim != 3:
        raise ValueError(f"im2col_1d: expected a 3-D input (N, C, L), got shape {x.shape}")
    n, c, length = x.shape
    l_out = conv1d_output_size(length, kernel_size, stride, padding, dilation, owner="im2col_1d")
    x = np.pad(x, ((0, 0), (0, 0), (padding, padding)))  # (N, C, L + 2P)
    # positions[j, t]: the padded position that tap j of window t reads.
    positions = np.arange(kernel_size)[:, None] * dilation + np.arange(l_out)[None, :] * stride
    windows = x[:, :, positions]  # (N, C, k, L_out)
    return windows.transpose(1, 2, 0, 3).reshape(c * kernel_size, n * l_out)


def col2im_1d(cols: np.ndarray, input_shape, kernel_size, stride=1, padding=0, dilation=1):
    """The adjoint of :func:`im2col_1d`: add every column back onto the positions it came from.

    Parameters
    ----------
    cols : numpy.ndarray, shape (C * k, N * L_out)
    input_shape : tuple (N, C, L)
    kernel_size, stride, padding, dilation : int

    Returns
    -------
    numpy.ndarray, shape (N, C, L)
        A position that lies in several windows receives the sum of their entries: this sum
        is the gradient of :func:`im2col_1d`.

    See the chapter :doc:`/transformer`.
    """
    n, c, length = input_shape
    l_out = conv1d_output_size(length, kernel_size, stride, padding, dilation, owner="col2im_1d")
    if cols.shape != (c * kernel_size, n * l_out):
        raise ValueError(
            f"col2im_1d: expected cols of shape {(c * kernel_size, n * l_out)}, got {cols.shape}"
        )
    cols = cols.reshape(c, kernel_size, n, l_out)
    padded = np.zeros((n, c, length + 2 * padding), dtype=cols.dtype)
    # One strided add per kernel tap: within one tap no two windows read the same position.
    for j in range(kernel_size):
        first = j * dilation
        last = first + (l_out - 1) * stride + 1
        padded[:, :, first:last:stride] += cols[:, j].transpose(1, 0, 2)  # (N, C, L_out)
    return padded[:, :, padding : padding + length].copy()  # (N, C, L)

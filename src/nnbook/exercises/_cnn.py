"""Exercises of the convolution chapter: ``conv_output_size`` and ``maxpool2x2``.

See the exercises at the end of each chapter.
"""

from __future__ import annotations

import numpy as np

from ..functional import conv_output_size as _conv_output_size
from ..layers.pooling import MaxPool2d
from ._core import TOLERANCE, CheckFailed, Exercise, expect_array, expect_close, expect_shape

# (size, kernel, stride, padding): LeNet's first convolution and pooling, a padded "same"
# convolution, strides that do not divide evenly, and ResNet's first layer.
SIZE_CASES = [
    (32, 5, 1, 0),
    (28, 2, 2, 0),
    (5, 3, 1, 1),
    (7, 3, 2, 1),
    (10, 3, 3, 0),
    (6, 4, 3, 1),
    (224, 7, 2, 3),
]


def _size_variants(w, k, s, p):
    """What common mistakes compute, each with its hint."""
    return [
        (
            (w - k) // s + 1,
            "the padding is missing: the padded input has W + 2P pixels, so "
            "O = (W - K + 2P) // S + 1.",
        ),
        ((w - k + p) // s + 1, "the padding is counted once; it is added on both sides: 2P."),
        (
            (w - k + 2 * p) // s,
            "the +1 is missing: the first window sits at position 0, and "
            "(W - K + 2P) // S more windows follow it.",
        ),
        (
            -(-(w - k + 2 * p) // s) + 1,
            "rounded up: a window that does not fit in the padded "
            "input is dropped, so round down (floor division //).",
        ),
        (w - k + 2 * p + 1, "the stride is ignored: divide by S (O = (W - K + 2P) // S + 1)."),
    ]


def _expect_int(value, args) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer, float, np.floating)):
        raise CheckFailed(f"conv_output_size{args} returned {value!r:.60}; return an int.")
    if not isinstance(value, (int, np.integer)):
        if float(value).is_integer():
            raise CheckFailed(
                f"conv_output_size{args} returned {value!r}, a float: use floor division // "
                "so that the size is an int."
            )
        raise CheckFailed(
            f"conv_output_size{args} returned {value!r}: a size is a whole number of windows, "
            "O = (W - K + 2P) // S + 1 with floor division."
        )
    return int(value)


def _conv_output_size_checks(call, rng):
    _expect_int(call(*SIZE_CASES[0]), SIZE_CASES[0])
    yield "runs and returns an int"
    for args in SIZE_CASES:
        got = _expect_int(call(*args), args)
        want = _conv_output_size(*args)
        if got != want:
            named = [hint for wrong, hint in _size_variants(*args) if wrong == got != want]
            hint = named[0] if named else "O = (W - K + 2P) // S + 1."
            raise CheckFailed(
                f"conv_output_size(size={args[0]}, kernel={args[1]}, stride={args[2]}, "
                f"padding={args[3]}) returned {got}, expected {want}: {hint}"
            )
    yield f"matches nnbook.functional.conv_output_size on {len(SIZE_CASES)} cases"


POOL_ERROR = (
    "If a reshape failed, note that H or W may be odd: like torch, drop the last row or column "
    "first, x[:, :, : H // 2 * 2, : W // 2 * 2]."
)


def _pool_shape_mistakes(n, c, h, w):
    return [
        (
            (n, c, h - 1, w - 1),
            "the windows overlap (stride 1): with stride 2 each pixel belongs to one window.",
        ),
        ((n, c, h, w), "the output has the input's size: each 2×2 window becomes one value."),
        ((n, c, w // 2, h // 2), "height and width are swapped."),
        ((n, c, h // 2, w), "only the height was pooled; pool the width too."),
        ((n, c, h, w // 2), "only the width was pooled; pool the height too."),
        ((n, c), "the maximum was taken over the whole image; take it over each 2×2 window."),
        (
            (n, c, -(-h // 2), -(-w // 2)),
            "rounded up: like torch, an odd last row or column "
            "that does not fill a window is dropped.",
        ),
    ]


def _pool_value_mistakes(x, ref):
    n, c, h, w = x.shape
    x = x[:, :, : h // 2 * 2, : w // 2 * 2]
    return [
        (
            x.reshape(n, c, h // 2, 2, w // 2, 2).mean(axis=(3, 5)),
            "that is the average over each window (AvgPool2d); max pooling takes the maximum.",
        ),
        (
            np.maximum(ref, 0),
            "negative maxima became 0: start the maximum from the window's "
            "first element (or -inf), not from 0.",
        ),
        (
            x.reshape(n, c, h // 2, w // 2, 2, 2).max(axis=(4, 5)),
            "the reshape mixes pixels of "
            "different windows: reshape to (N, C, H/2, 2, W/2, 2) and take the max over axes 3 "
            "and 5.",
        ),
        (x.reshape(n, c, h // 2, 2, w // 2, 2).min(axis=(3, 5)), "that is the minimum."),
    ]


def _maxpool_checks(call, rng):
    x = rng.standard_normal((2, 3, 4, 6))
    x[0, 0, :2, :2] = -np.abs(x[0, 0, :2, :2]) - 0.1  # a window of negative numbers only
    y = expect_array(call(x), "the output")
    yield "runs and returns an ndarray"
    expect_shape(y, (2, 3, 2, 3), "the output", _pool_shape_mistakes(*x.shape))
    yield "the output has shape (N, C, H/2, W/2)"
    ref = MaxPool2d(2)(x)
    expect_close(y, ref, "the output", _pool_value_mistakes(x, ref))
    yield f"values match nnbook.MaxPool2d(2) ({TOLERANCE})"
    x = rng.standard_normal((1, 2, 5, 7))
    y = expect_array(call(x), "the output for H = 5, W = 7")
    expect_shape(y, (1, 2, 2, 3), "the output for H = 5, W = 7", _pool_shape_mistakes(*x.shape))
    ref = MaxPool2d(2)(x)
    expect_close(y, ref, "the output for H = 5, W = 7", _pool_value_mistakes(x, ref))
    yield "odd sizes are floored as in torch (5 × 7 gives 2 × 3)"


EXERCISES = [
    Exercise(
        name="conv_output_size",
        chapter="cnn",
        signature="conv_output_size(size, kernel, stride, padding) -> int",
        summary="the output length of a convolution or pooling along one axis",
        task=(
            "Compute how many positions a window of length `kernel`, moved by `stride`, takes on "
            "an input of length `size` with `padding` zeros added on each side.\n\n"
            "All four arguments are ints (size, kernel, stride ≥ 1; padding ≥ 0; the kernel "
            "fits in the padded input).\n"
            "Return an int: O = floor((W - K + 2P) / S) + 1. For LeNet's first layer, "
            "conv_output_size(32, 5, 1, 0) is 28."
        ),
        checks=_conv_output_size_checks,
        error_hint="The arguments are plain ints.",
    ),
    Exercise(
        name="maxpool2x2",
        chapter="cnn",
        signature="maxpool2x2(x) -> y",
        summary="2×2 max pooling with stride 2 on a batch of images",
        task=(
            "Take the maximum over each non-overlapping 2×2 window, as torch.nn.MaxPool2d(2).\n\n"
            "x : (N, C, H, W).\n"
            "Return y : (N, C, H // 2, W // 2) with y[n, c, u, v] = max of "
            "x[n, c, 2u : 2u + 2, 2v : 2v + 2].\n"
            "If H or W is odd, the last row or column is dropped (as in torch). Hint: a reshape "
            "to (N, C, H/2, 2, W/2, 2) needs no loop."
        ),
        checks=_maxpool_checks,
        error_hint=POOL_ERROR,
    ),
]

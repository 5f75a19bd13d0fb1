"""conv_output_size, im2col, col2im and the naive convolution oracle."""

import numpy as np
import pytest
from torch_helpers import to_torch

from nnbook.functional import col2im, conv2d_naive, conv_output_size, im2col
from nnbook.functional.conv import _LONG_ROW

# (kernel_size, stride, padding): square and non-square, stride 1 and 2, padding 0, 1 and 2.
GEOMETRIES = [
    (3, 1, 0),
    ((3, 2), 1, 1),
    (3, 2, 1),
    ((2, 3), (2, 1), (1, 2)),
    (1, 1, 0),
    (5, 2, 2),
]


@pytest.mark.parametrize(
    ("size", "kernel", "stride", "padding", "expected"),
    [
        (32, 5, 1, 0, 28),
        (28, 2, 2, 0, 14),
        (7, 3, 1, 1, 7),
        (7, 3, 2, 1, 4),
        (5, 5, 1, 0, 1),
        (1, 3, 1, 1, 1),
        (10, 3, 3, 0, 3),
    ],
)
def test_conv_output_size(size, kernel, stride, padding, expected):
    assert conv_output_size(size, kernel, stride, padding) == expected


def test_conv_output_size_errors():
    with pytest.raises(ValueError, match=r"kernel size 6 is larger than the padded input \(5"):
        conv_output_size(5, 6)
    with pytest.raises(ValueError, match=r"larger than the padded input \(2 \+ 2\*1 = 4\)"):
        conv_output_size(2, 5, 1, 1)
    with pytest.raises(ValueError, match="stride must be >= 1, got 0"):
        conv_output_size(5, 3, 0)
    with pytest.raises(ValueError, match="padding must be >= 0, got -1"):
        conv_output_size(5, 3, 1, -1)
    with pytest.raises(TypeError, match="kernel_size must be an int"):
        conv_output_size(5, 2.0)
    with pytest.raises(TypeError, match="size must be an int"):
        conv_output_size(True, 1)


def test_im2col_small_example():
    x = np.arange(9.0).reshape(1, 1, 3, 3)
    cols = im2col(x, 2)
    assert cols.shape == (4, 4)  # 4 kernel offsets x 4 windows
    # Row (i, j) lists x[u + i, v + j] over the windows (u, v) in row-major order.
    np.testing.assert_array_equal(cols[0], [0, 1, 3, 4])
    np.testing.assert_array_equal(cols[3], [4, 5, 7, 8])
    np.testing.assert_array_equal(cols[:, 0], [0, 1, 3, 4])  # the first window, flattened


def test_im2col_puts_the_samples_side_by_side(rng):
    x = rng.standard_normal((3, 2, 5, 4))
    cols = im2col(x, 3, 1, 1)
    assert cols.shape == (2 * 9, 3 * 5 * 4)
    for n in range(3):
        np.testing.assert_array_equal(cols[:, n * 20 : (n + 1) * 20], im2col(x[n : n + 1], 3, 1, 1))


def _unfold_layout(cols, n):
    """im2col's (C kH kW, N L) matrix in torch.nn.functional.unfold's (N, C kH kW, L) layout."""
    return cols.reshape(cols.shape[0], n, -1).transpose(1, 0, 2)


def _from_unfold_layout(cols):
    return cols.transpose(1, 0, 2).reshape(cols.shape[1], -1)


def _torch_unfold(x, kernel, stride, padding):
    """torch.nn.functional.unfold: (N, C kH kW, L)."""
    import torch

    return torch.nn.functional.unfold(to_torch(x), kernel, padding=padding, stride=stride).numpy()


def _torch_fold(cols, output_size, kernel, stride, padding):
    """torch.nn.functional.fold of (N, C kH kW, L) columns into (N, C, H, W)."""
    import torch

    folded = torch.nn.functional.fold(
        to_torch(cols), output_size, kernel, padding=padding, stride=stride
    )
    return folded.numpy()


def _torch_conv2d(x, weight, bias, stride, padding):
    """torch.nn.functional.conv2d."""
    import torch

    F = torch.nn.functional
    return F.conv2d(to_torch(x), to_torch(weight), to_torch(bias), stride, padding).numpy()


@pytest.mark.parametrize(("kernel", "stride", "padding"), GEOMETRIES)
def test_im2col_and_col2im_match_torch_unfold_and_fold(
    kernel, stride, padding, rng, torch_reference
):
    x = rng.standard_normal((2, 3, 6, 7))
    expected = torch_reference(_torch_unfold, x, kernel, stride, padding)
    cols = im2col(x, kernel, stride, padding)
    np.testing.assert_array_equal(_unfold_layout(cols, 2), expected)
    g = rng.standard_normal(expected.shape)
    folded = torch_reference(_torch_fold, g, (6, 7), kernel, stride, padding)
    np.testing.assert_allclose(
        col2im(_from_unfold_layout(g), x.shape, kernel, stride, padding),
        folded,
        rtol=1e-13,
        atol=1e-13,
    )


@pytest.mark.parametrize(
    ("kernel", "stride", "padding"), [(3, 1, 0), ((3, 2), (2, 1), 1), (5, 2, 2)]
)
def test_im2col_matches_torch_unfold_on_long_rows(kernel, stride, padding, rng, torch_reference):
    # Output rows of 20 or more numbers take im2col's one-copy path; the tests above, two copies.
    x = rng.standard_normal((2, 3, 5, 44))
    expected = torch_reference(_torch_unfold, x, kernel, stride, padding)
    assert expected.shape[2] // 3 >= _LONG_ROW  # 3 output rows in each case
    np.testing.assert_array_equal(_unfold_layout(im2col(x, kernel, stride, padding), 2), expected)


@pytest.mark.parametrize(("kernel", "stride", "padding"), GEOMETRIES)
def test_col2im_is_the_adjoint_of_im2col(kernel, stride, padding, rng):
    # <im2col(x), g> = <x, col2im(g)>: col2im is exactly the gradient of im2col.
    x = rng.standard_normal((2, 3, 6, 7))
    cols = im2col(x, kernel, stride, padding)
    g = rng.standard_normal(cols.shape)
    back = col2im(g, x.shape, kernel, stride, padding)
    assert back.shape == x.shape and back.flags.c_contiguous
    np.testing.assert_allclose(np.sum(cols * g), np.sum(x * back), rtol=1e-12)


def test_im2col_writes_into_out_and_checks_it(rng):
    x = rng.standard_normal((2, 3, 5, 5))
    out = np.empty((27, 18))
    assert im2col(x, 3, out=out) is out
    np.testing.assert_array_equal(out, im2col(x, 3))
    with pytest.raises(ValueError, match=r"out must be a C-contiguous float64 array of shape"):
        im2col(x, 3, out=np.empty((27, 19)))
    with pytest.raises(ValueError, match="out must be"):
        im2col(x, 3, out=np.empty((27, 18), dtype=np.float32))
    with pytest.raises(ValueError, match="out must be"):
        im2col(x, 3, out=np.empty((18, 27)).T)


def test_im2col_col2im_errors(rng):
    with pytest.raises(ValueError, match=r"im2col: expected a 4-D input \(N, C, H, W\), got shape"):
        im2col(rng.standard_normal((3, 5, 5)), 3)
    with pytest.raises(
        ValueError,
        match=r"im2col: input of shape \(1, 1, 4, 4\) is too small: "
        r"kernel size 5 is larger than the padded input",
    ):
        im2col(rng.standard_normal((1, 1, 4, 4)), 5)
    with pytest.raises(ValueError, match=r"col2im: expected cols of shape \(9, 4\), got"):
        col2im(np.zeros((9, 5)), (1, 1, 4, 4), 3)
    with pytest.raises(TypeError, match="kernel_size must be an int or a pair of ints"):
        im2col(rng.standard_normal((1, 1, 4, 4)), (1, 2, 3))


@pytest.mark.parametrize(("kernel", "stride", "padding"), GEOMETRIES)
def test_naive_oracle_matches_torch_and_the_matmul_form(
    kernel, stride, padding, rng, torch_reference
):
    k = (kernel, kernel) if isinstance(kernel, int) else kernel
    x = rng.standard_normal((2, 3, 6, 7))
    w = rng.standard_normal((4, 3, *k))
    b = rng.standard_normal(4)
    naive = conv2d_naive(x, w, b, stride, padding)
    expected = torch_reference(_torch_conv2d, x, w, b, stride, padding)
    np.testing.assert_allclose(naive, expected, rtol=1e-12, atol=1e-12)
    matmul = np.matmul(w.reshape(4, -1), im2col(x, kernel, stride, padding))  # (C_out, N L)
    matmul = matmul.reshape(4, 2, *naive.shape[2:]).transpose(1, 0, 2, 3)  # (N, C_out, Ho, Wo)
    np.testing.assert_allclose(matmul + b[:, None, None], naive, rtol=1e-12, atol=1e-12)


def test_naive_oracle_errors(rng):
    with pytest.raises(ValueError, match="conv2d_naive: expected x"):
        conv2d_naive(rng.standard_normal((1, 2, 5, 5)), rng.standard_normal((3, 4, 3, 3)))

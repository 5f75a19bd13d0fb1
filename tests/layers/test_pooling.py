"""MaxPool2d, AvgPool2d and Flatten: shapes, gradient checks, torch cross-checks, ties, errors."""

import numpy as np
import pytest
from torch_helpers import module_reference

import nnbook
from nnbook.gradcheck import check_module

# (kernel_size, stride, padding): the default stride, overlapping windows, non-square, padding.
CONFIGS = [
    (2, None, 0),
    (3, None, 1),
    (3, 2, 1),
    (3, 1, 1),
    ((2, 3), (1, 2), (1, 0)),
    ((3, 2), 2, (1, 1)),
]
POOLS = [nnbook.MaxPool2d, nnbook.AvgPool2d]


def _run_torch(torch_reference, module, x, g):
    """The output and input gradient of ``module``'s torch counterpart."""
    expected = module_reference(torch_reference, module, [x], [g])
    return expected["output"][0], expected["inputs"][0]


@pytest.mark.parametrize("cls", POOLS)
@pytest.mark.parametrize(
    ("kernel", "stride", "padding", "hw", "expected"),
    [
        (2, None, 0, (28, 28), (14, 14)),
        (2, None, 0, (7, 9), (3, 4)),
        (3, 1, 1, (5, 6), (5, 6)),
        ((2, 3), (1, 2), (1, 0), (4, 7), (5, 3)),
    ],
)
def test_output_shape(cls, kernel, stride, padding, hw, expected, rng):
    pool = cls(kernel, stride, padding)
    x = rng.standard_normal((2, 3, *hw))
    y = pool(x)
    assert y.shape == (2, 3, *expected)
    assert pool.backward(np.ones_like(y)).shape == x.shape
    assert pool.num_parameters() == 0 and pool.state_dict() == {}


@pytest.mark.parametrize("cls", POOLS)
def test_stride_defaults_to_kernel_size(cls):
    assert cls(3).stride == (3, 3)
    assert cls((2, 3)).stride == (2, 3)
    assert cls(3, 1).stride == (1, 1)


@pytest.mark.parametrize("cls", POOLS)
@pytest.mark.parametrize(("kernel", "stride", "padding"), CONFIGS)
def test_gradcheck(cls, kernel, stride, padding, rng):
    # Normal draws have no ties, so the max is differentiable at x.
    errors = check_module(cls(kernel, stride, padding), rng.standard_normal((2, 2, 6, 7)))
    assert errors.keys() == {"input0"}
    assert errors["input0"] < 1e-6


@pytest.mark.parametrize("cls", POOLS)
@pytest.mark.parametrize(("kernel", "stride", "padding"), CONFIGS)
def test_matches_torch(cls, kernel, stride, padding, rng, torch_reference):
    pool = cls(kernel, stride, padding)
    x = rng.standard_normal((2, 3, 7, 8))
    y = pool(x)
    g = rng.standard_normal(y.shape)
    y_ref, dx_ref = _run_torch(torch_reference, pool, x, g)
    np.testing.assert_allclose(y, y_ref, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(pool.backward(g), dx_ref, rtol=1e-12, atol=1e-12)


def test_max_pool_tie_goes_to_the_first_element_in_scan_order():
    x = np.array(
        [[[[1.0, 1.0, 2.0, 2.0], [1.0, 1.0, 2.0, 2.0], [0.0, 3.0, 5.0, 4.0], [3.0, 0.0, 5.0, 5.0]]]]
    )
    pool = nnbook.MaxPool2d(2)
    np.testing.assert_array_equal(pool(x), [[[[1.0, 2.0], [3.0, 5.0]]]])
    expected = np.array(
        [[[[1.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 1.0, 1.0, 0.0], [0.0, 0.0, 0.0, 0.0]]]]
    )
    np.testing.assert_array_equal(pool.backward(np.ones((1, 1, 2, 2))), expected)


def test_max_pool_routes_through_kernels_with_more_than_256_offsets():
    # 17 x 17 = 289 offsets: the recorded winner needs more than 8 bits.
    x = np.zeros((1, 1, 17, 17))
    x[0, 0, 16, 15] = 1.0  # offset 16 * 17 + 15 = 287
    pool = nnbook.MaxPool2d(17)
    assert pool(x).item() == 1.0
    expected = np.zeros_like(x)
    expected[0, 0, 16, 15] = 2.5
    np.testing.assert_array_equal(pool.backward(np.full((1, 1, 1, 1), 2.5)), expected)


@pytest.mark.parametrize(("kernel", "stride", "padding"), CONFIGS)
def test_max_pool_ties_match_torch(kernel, stride, padding, rng, torch_reference):
    # Values from {0, 1, 2}: nearly every window has ties; overlapping windows share them.
    x = rng.integers(0, 3, size=(2, 3, 7, 8)).astype(np.float64)
    pool = nnbook.MaxPool2d(kernel, stride, padding)
    y = pool(x)
    g = rng.standard_normal(y.shape)
    y_ref, dx_ref = _run_torch(torch_reference, pool, x, g)
    np.testing.assert_array_equal(y, y_ref)
    np.testing.assert_allclose(pool.backward(g), dx_ref, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(("kernel", "stride", "padding"), [(2, None, 0), (3, 1, 1)])
def test_max_pool_nan_matches_torch(kernel, stride, padding, rng, torch_reference):
    x = rng.standard_normal((1, 2, 6, 6))
    x[0, 0, 0, 1] = x[0, 0, 1, 0] = x[0, 1, 3, 3] = np.nan  # two NaN in one window, one alone
    pool = nnbook.MaxPool2d(kernel, stride, padding)
    y = pool(x)
    g = rng.standard_normal(y.shape)
    y_ref, dx_ref = _run_torch(torch_reference, pool, x, g)
    np.testing.assert_array_equal(np.isnan(y), np.isnan(y_ref))
    assert np.isnan(y).any()
    np.testing.assert_allclose(y[~np.isnan(y)], y_ref[~np.isnan(y_ref)])
    np.testing.assert_allclose(pool.backward(g), dx_ref, rtol=1e-12, atol=1e-12)


def test_avg_pool_small_example():
    x = np.array([[[[1.0, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]]]])
    np.testing.assert_allclose(nnbook.AvgPool2d(2)(x), [[[[3.25, 5.25], [2.0, 2.0]]]])
    np.testing.assert_allclose(nnbook.MaxPool2d(2)(x), [[[[6.0, 8.0], [3.0, 4.0]]]])


@pytest.mark.parametrize("cls", POOLS)
def test_float32_end_to_end(cls, rng):
    x = rng.standard_normal((2, 3, 8, 8))
    pool = cls(3, 2, 1)
    y64 = pool(x)
    g = rng.standard_normal(y64.shape)
    dx64 = pool.backward(g)
    y = pool(x.astype(np.float32))
    dx = pool.backward(g.astype(np.float32))
    assert y.dtype == np.float32 and dx.dtype == np.float32
    np.testing.assert_allclose(y, y64, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(dx, dx64, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("cls", POOLS)
def test_errors(cls, rng):
    name = cls.__name__
    with pytest.raises(ValueError, match=f"{name}: padding must be at most half the kernel size"):
        cls(2, padding=2)
    with pytest.raises(ValueError, match=f"{name}: kernel_size must be >= 1"):
        cls(0)
    with pytest.raises(ValueError, match=f"{name}: stride must be >= 1"):
        cls(2, 0)
    with pytest.raises(TypeError, match=f"{name}: kernel_size must be an int or a pair"):
        cls(2.0)
    pool = cls(3)
    with pytest.raises(RuntimeError, match=f"{name}.backward called before forward"):
        pool.backward(np.ones((1, 1, 1, 1)))
    with pytest.raises(
        ValueError,
        match=rf"{name}: input of shape \(1, 1, 2, 5\) is too small: "
        r"kernel size 3 is larger than the padded input",
    ):
        pool(rng.standard_normal((1, 1, 2, 5)))
    with pytest.raises(ValueError, match=rf"{name}: expected 4-D input, got shape \(4, 4\)"):
        pool(rng.standard_normal((4, 4)))
    with pytest.raises(TypeError, match=f"{name}: expected input to be a numpy.ndarray"):
        pool([[[[1.0]]]])
    with pytest.raises(TypeError, match="floating-point dtype, got int64"):
        pool(np.ones((1, 1, 6, 6), dtype=np.int64))
    pool(rng.standard_normal((1, 1, 6, 6)))
    with pytest.raises(ValueError, match=r"expected grad_output of shape \(1, 1, 2, 2\)"):
        pool.backward(np.ones((1, 1, 4)))
    with pytest.raises(TypeError, match="expected grad_output of dtype float64"):
        pool.backward(np.ones((1, 1, 2, 2), dtype=np.float32))


@pytest.mark.parametrize(
    ("start", "end", "shape", "expected"),
    [
        (1, -1, (2, 3, 4, 5), (2, 60)),
        (0, -1, (2, 3, 4), (24,)),
        (1, 2, (2, 3, 4, 5), (2, 12, 5)),
        (-2, -1, (2, 3, 4), (2, 12)),
        (2, 2, (2, 3, 4), (2, 3, 4)),
    ],
)
def test_flatten_matches_torch(start, end, shape, expected, rng, torch_reference):
    flatten = nnbook.Flatten(start, end)
    x = rng.standard_normal(shape)
    y = flatten(x)
    assert y.shape == expected
    g = rng.standard_normal(expected)
    y_ref, dx_ref = _run_torch(torch_reference, flatten, x, g)
    np.testing.assert_array_equal(y, y_ref)
    np.testing.assert_array_equal(flatten.backward(g), dx_ref)
    errors = check_module(flatten, x)
    assert errors["input0"] < 1e-6


def test_flatten_float32_and_errors(rng):
    flatten = nnbook.Flatten()
    x = rng.standard_normal((2, 3, 4)).astype(np.float32)
    assert flatten(x).dtype == np.float32
    assert flatten.backward(np.ones((2, 12), dtype=np.float32)).dtype == np.float32
    with pytest.raises(
        ValueError,
        match=r"Flatten: start_dim=1 and end_dim=-1 must lie in "
        r"\[-1, 0\] for an input of shape \(4,\)",
    ):
        flatten(np.ones(4))
    with pytest.raises(ValueError, match="Flatten: start_dim=2 comes after end_dim=1"):
        nnbook.Flatten(2, 1)(np.ones((2, 3, 4)))
    with pytest.raises(TypeError, match="Flatten: start_dim must be an int"):
        nnbook.Flatten(1.0)
    with pytest.raises(TypeError, match="Flatten: expected input to be a numpy.ndarray"):
        flatten([1.0])
    with pytest.raises(RuntimeError, match="Flatten.backward called before forward"):
        nnbook.Flatten().backward(np.ones((2, 3)))
    expected = r"Flatten: expected grad_output of shape \(2, 12\) \(the output's\), got "
    with pytest.raises(ValueError, match=expected + r"\(5,\)"):
        flatten.backward(np.ones(5, dtype=np.float32))
    with pytest.raises(ValueError, match=expected + r"\(12, 2\)"):  # the right size is not enough
        flatten.backward(np.ones((12, 2), dtype=np.float32))
    with pytest.raises(
        TypeError, match="Flatten: expected grad_output of dtype float32, got float64"
    ):
        flatten.backward(np.ones((2, 12)))


def test_flatten_an_empty_batch():
    """Regression: NumPy cannot infer a reshape's -1 for a batch of 0 samples."""
    flatten = nnbook.Flatten()
    assert flatten(np.zeros((0, 3, 2, 2))).shape == (0, 12)
    assert flatten.backward(np.zeros((0, 12))).shape == (0, 3, 2, 2)

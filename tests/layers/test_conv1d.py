"""Conv1d: shapes, initialisation, gradient checks, torch cross-check, the definition, errors."""

import numpy as np
import pytest
from torch_helpers import assert_grads_equal, module_reference

import nnbook
from nnbook.functional import col2im_1d, conv1d_output_size, im2col_1d
from nnbook.gradcheck import check_module

# (kernel_size, stride, padding, dilation): stride 1, 2 and 3, padding 0 to 3, dilation 1 to 3,
# and a kernel of 1.
CONFIGS = [
    (3, 1, 0, 1),
    (3, 1, 1, 1),
    (3, 2, 1, 1),
    (3, 1, 2, 2),
    (2, 1, 0, 3),
    (3, 2, 0, 2),
    (2, 2, 0, 1),  # on odd lengths the stride skips the last position: its gradient is 0
    (4, 3, 3, 1),
    (1, 1, 0, 1),
    (1, 2, 1, 1),
]


def conv1d_definition(x, weight, bias, stride, padding, dilation):
    """The layer's equation, one output value at a time (the correctness oracle)."""
    n, c_in, length = x.shape
    c_out, _, k = weight.shape
    l_out = (length + 2 * padding - dilation * (k - 1) - 1) // stride + 1
    y = np.zeros((n, c_out, l_out))
    for b in range(n):
        for o in range(c_out):
            for t in range(l_out):
                total = 0.0 if bias is None else bias[o]
                for c in range(c_in):
                    for j in range(k):
                        pos = t * stride + j * dilation - padding
                        if 0 <= pos < length:
                            total += weight[o, c, j] * x[b, c, pos]
                y[b, o, t] = total
    return y


@pytest.mark.parametrize(
    ("kernel", "stride", "padding", "dilation", "length", "expected"),
    [
        (3, 1, 0, 1, 10, 8),
        (3, 1, 1, 1, 10, 10),
        (3, 2, 1, 1, 10, 5),
        (3, 1, 0, 2, 10, 6),
        (3, 1, 2, 2, 10, 10),  # "same" length with dilation 2
        (5, 3, 2, 1, 11, 4),
        (2, 1, 0, 4, 5, 1),  # the dilated kernel spans exactly the input
        ((3,), (2,), (1,), (1,), 7, 4),  # 1-tuples, as torch accepts
    ],
)
def test_output_shape(kernel, stride, padding, dilation, length, expected, rng):
    layer = nnbook.Conv1d(2, 4, kernel, stride, padding, dilation, rng=0)
    x = rng.standard_normal((3, 2, length))
    y = layer(x)
    assert y.shape == (3, 4, expected)
    assert conv1d_output_size(length, kernel, stride, padding, dilation) == expected
    assert layer.backward(np.ones_like(y)).shape == x.shape


def test_parameter_shapes_and_torch_init_bound():
    layer = nnbook.Conv1d(3, 8, 5, rng=0)
    assert layer.weight.shape == (8, 3, 5) and layer.bias.shape == (8,)
    bound = 1 / np.sqrt(3 * 5)
    for p in (layer.weight.data, layer.bias.data):
        assert np.abs(p).max() <= bound
        assert np.abs(p).max() > 0.5 * bound
    assert list(layer.state_dict()) == ["weight", "bias"]
    assert nnbook.Conv1d(3, 8, 3, bias=False, rng=0).bias is None
    assert list(nnbook.Conv1d(3, 8, 3, bias=False, rng=0).state_dict()) == ["weight"]


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize(("kernel", "stride", "padding", "dilation"), CONFIGS)
def test_gradcheck(kernel, stride, padding, dilation, bias, rng):
    layer = nnbook.Conv1d(2, 3, kernel, stride, padding, dilation, bias=bias, rng=1)
    errors = check_module(layer, rng.standard_normal((2, 2, 9)))
    assert errors.keys() == {"input0", "weight"} | ({"bias"} if bias else set())
    for name, err in errors.items():
        assert err < 1e-6, (name, err)


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize(("kernel", "stride", "padding", "dilation"), CONFIGS)
def test_matches_torch(kernel, stride, padding, dilation, bias, rng, torch_reference):
    layer = nnbook.Conv1d(3, 4, kernel, stride, padding, dilation, bias=bias, rng=1)
    x = rng.standard_normal((2, 3, 11))
    y = layer(x)
    g = rng.standard_normal(y.shape)
    expected = module_reference(torch_reference, layer, [x], [g])
    np.testing.assert_allclose(y, expected["output"][0], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(layer.backward(g), expected["inputs"][0], rtol=1e-10, atol=1e-12)
    assert_grads_equal(layer, expected["params"])


@pytest.mark.parametrize(("kernel", "stride", "padding", "dilation"), [(3, 1, 1, 1), (3, 2, 2, 2)])
def test_matches_torch_float32(kernel, stride, padding, dilation, rng, torch_reference):
    layer = nnbook.Conv1d(3, 4, kernel, stride, padding, dilation, rng=1, dtype=np.float32)
    assert layer.weight.dtype == np.float32
    x = rng.standard_normal((2, 3, 12)).astype(np.float32)
    y = layer(x)
    g = rng.standard_normal(y.shape).astype(np.float32)
    expected = module_reference(torch_reference, layer, [x], [g])
    dx = layer.backward(g)
    assert y.dtype == dx.dtype == layer.weight.grad.dtype == layer.bias.grad.dtype == np.float32
    np.testing.assert_allclose(y, expected["output"][0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(dx, expected["inputs"][0], rtol=1e-5, atol=1e-6)
    assert_grads_equal(layer, expected["params"], atol=1e-5, rtol=1e-5)


def test_an_empty_batch():
    """Regression: a batch of 0 samples divided by zero in the backward pass."""
    layer = nnbook.Conv1d(2, 3, 3, padding=1, rng=0)
    assert layer(np.zeros((0, 2, 5))).shape == (0, 3, 5)
    assert layer.backward(np.zeros((0, 3, 5))).shape == (0, 2, 5)
    assert not layer.weight.grad.any() and not layer.bias.grad.any()


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize(("kernel", "stride", "padding", "dilation"), CONFIGS)
def test_vectorised_equals_the_definition(kernel, stride, padding, dilation, bias, rng):
    layer = nnbook.Conv1d(3, 5, kernel, stride, padding, dilation, bias=bias, rng=2)
    x = rng.standard_normal((2, 3, 10))
    b = layer.bias.data if bias else None
    expected = conv1d_definition(x, layer.weight.data, b, stride, padding, dilation)
    np.testing.assert_allclose(layer(x), expected, rtol=1e-12, atol=1e-12)


def test_col2im_is_the_adjoint_of_im2col(rng):
    """<im2col(x), c> = <x, col2im(c)> for every x and c: col2im is im2col's transpose."""
    x = rng.standard_normal((2, 3, 10))
    cols = im2col_1d(x, 3, 2, 2, 2)
    c = rng.standard_normal(cols.shape)
    back = col2im_1d(c, x.shape, 3, 2, 2, 2)
    assert back.shape == x.shape
    np.testing.assert_allclose(np.sum(cols * c), np.sum(x * back), rtol=1e-12)


def test_backward_accumulates_and_follows_the_last_forward(rng):
    layer = nnbook.Conv1d(2, 3, 3, padding=1, rng=0)
    x, g = rng.standard_normal((2, 2, 7)), rng.standard_normal((2, 3, 7))
    layer(x)
    layer.backward(g)
    once_w, once_b = layer.weight.grad.copy(), layer.bias.grad.copy()
    layer(x)
    layer.backward(g)
    np.testing.assert_allclose(layer.weight.grad, 2 * once_w)
    np.testing.assert_allclose(layer.bias.grad, 2 * once_b)
    layer.zero_grad()
    layer(rng.standard_normal((4, 2, 9)))
    layer(x)
    layer.backward(g)
    np.testing.assert_allclose(layer.weight.grad, once_w)


def test_float32_end_to_end(rng):
    x = rng.standard_normal((2, 3, 12))
    reference = nnbook.Conv1d(3, 4, 3, 2, 1, 2, rng=0)
    layer = nnbook.Conv1d(3, 4, 3, 2, 1, 2, rng=0, dtype=np.float32)
    assert layer.weight.dtype == np.float32 and layer.bias.dtype == np.float32
    y = layer(x.astype(np.float32))
    g = rng.standard_normal(y.shape)
    dx = layer.backward(g.astype(np.float32))
    assert y.dtype == np.float32 and dx.dtype == np.float32
    assert layer.weight.grad.dtype == np.float32 and layer.bias.grad.dtype == np.float32
    np.testing.assert_allclose(y, reference(x), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(dx, reference.backward(g), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(layer.weight.grad, reference.weight.grad, rtol=1e-4, atol=1e-4)


def test_input_errors(rng):
    layer = nnbook.Conv1d(3, 4, 3, padding=1, dilation=3, rng=0)
    with pytest.raises(
        ValueError,
        match=r"^Conv1d: input of shape \(1, 3, 4\) is too short: the kernel spans 7 positions "
        r"\(kernel_size 3, dilation 3\), more than the padded length 4 \+ 2\*1 = 6$",
    ):
        layer(rng.standard_normal((1, 3, 4)))
    with pytest.raises(
        ValueError,
        match=r"^Conv1d: expected input with 3 channels \(N, 3, L\), got shape \(1, 2, 8\)$",
    ):
        layer(rng.standard_normal((1, 2, 8)))
    with pytest.raises(ValueError, match=r"^Conv1d: expected 3-D input, got shape \(3, 8\)$"):
        layer(rng.standard_normal((3, 8)))
    with pytest.raises(TypeError, match=r"^Conv1d: expected input of dtype float64, got float32$"):
        layer(rng.standard_normal((1, 3, 8)).astype(np.float32))
    with pytest.raises(
        TypeError, match=r"^Conv1d: expected input to be a numpy.ndarray, got list$"
    ):
        layer([[[1.0]]])
    with pytest.raises(
        TypeError, match=r"^Conv1d: expected input with a floating-point dtype, got int64$"
    ):
        layer(np.ones((1, 3, 8), dtype=np.int64))


def test_backward_errors(rng):
    layer = nnbook.Conv1d(3, 4, 3, rng=0)
    with pytest.raises(RuntimeError, match=r"^Conv1d.backward called before forward$"):
        layer.backward(np.ones((1, 4, 3)))
    layer(rng.standard_normal((1, 3, 5)))
    with pytest.raises(
        ValueError,
        match=r"^Conv1d: expected grad_output of shape \(1, 4, 3\) \(the output's\), "
        r"got \(1, 4, 5\)$",
    ):
        layer.backward(np.ones((1, 4, 5)))
    with pytest.raises(
        TypeError, match=r"^Conv1d: expected grad_output of dtype float64, got float32$"
    ):
        layer.backward(np.ones((1, 4, 3), dtype=np.float32))


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"in_channels": 0}, ValueError, "in_channels must be positive, got 0"),
        ({"out_channels": 2.5}, TypeError, "out_channels must be an int, got float"),
        ({"kernel_size": 0}, ValueError, "kernel_size must be >= 1, got 0"),
        (
            {"kernel_size": (3, 3)},
            TypeError,
            r"kernel_size must be an int or a tuple of one int, got \(3, 3\)",
        ),
        ({"stride": 0}, ValueError, "stride must be >= 1, got 0"),
        ({"padding": -1}, ValueError, "padding must be >= 0, got -1"),
        (
            {"padding": "same"},
            TypeError,
            "padding must be an int or a tuple of one int, got 'same'",
        ),
        ({"dilation": 0}, ValueError, "dilation must be >= 1, got 0"),
        ({"dtype": np.int32}, TypeError, "dtype must be float32 or float64, got int32"),
    ],
)
def test_constructor_errors(kwargs, error, match):
    args = {"in_channels": 3, "out_channels": 4, "kernel_size": 3} | kwargs
    with pytest.raises(error, match=f"^Conv1d: {match}$"):
        nnbook.Conv1d(**args)


def test_functional_errors(rng):
    with pytest.raises(
        ValueError, match=r"^im2col_1d: expected a 3-D input \(N, C, L\), got shape \(2, 5\)$"
    ):
        im2col_1d(rng.standard_normal((2, 5)), 3)
    with pytest.raises(
        ValueError, match=r"^col2im_1d: expected cols of shape \(6, 6\), got \(6, 5\)$"
    ):
        col2im_1d(np.zeros((6, 5)), (2, 2, 5), 3)
    with pytest.raises(ValueError, match=r"^conv1d_output_size: the kernel spans 5 positions"):
        conv1d_output_size(4, 3, dilation=2)

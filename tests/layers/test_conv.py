"""Conv2d: shapes, initialisation, gradient checks, torch cross-check, the naive oracle, errors."""

import numpy as np
import pytest
from torch_helpers import assert_grads_equal, module_reference

import nnbook
from nnbook.functional import conv2d_naive
from nnbook.gradcheck import check_module

# (kernel_size, stride, padding): square and non-square kernels, stride 1, 2 and 3 (also mixed),
# padding 0, 1 and 2.
CONFIGS = [
    (3, 1, 0),
    (3, 1, 1),
    ((3, 2), 1, 1),
    (3, 2, 1),
    ((2, 3), (2, 1), (1, 2)),
    (5, 2, 2),
    (1, 1, 0),
    (3, 2, 0),  # the stride skips real pixels (the last row or column): their gradient is 0
    (2, 3, 0),
]


@pytest.mark.parametrize(
    ("kernel", "stride", "padding", "hw", "expected"),
    [
        (5, 1, 0, (32, 32), (28, 28)),
        (3, 1, 1, (8, 9), (8, 9)),
        (3, 2, 1, (7, 8), (4, 4)),
        ((3, 1), (2, 1), (0, 2), (7, 5), (3, 9)),
        (5, 1, 0, (5, 5), (1, 1)),
    ],
)
def test_output_shape(kernel, stride, padding, hw, expected, rng):
    layer = nnbook.Conv2d(2, 4, kernel, stride, padding, rng=0)
    x = rng.standard_normal((3, 2, *hw))
    y = layer(x)
    assert y.shape == (3, 4, *expected)
    assert layer.backward(np.ones_like(y)).shape == x.shape


def test_parameter_shapes_and_torch_init_bound():
    layer = nnbook.Conv2d(3, 8, (5, 3), rng=0)
    assert layer.weight.shape == (8, 3, 5, 3) and layer.bias.shape == (8,)
    bound = 1 / np.sqrt(3 * 5 * 3)
    for p in (layer.weight.data, layer.bias.data):
        assert np.abs(p).max() <= bound
        assert np.abs(p).max() > 0.5 * bound
    assert sorted(layer.state_dict()) == ["bias", "weight"]
    assert nnbook.Conv2d(3, 8, 3, bias=False, rng=0).bias is None


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize(("kernel", "stride", "padding"), CONFIGS)
def test_gradcheck(kernel, stride, padding, bias, rng):
    layer = nnbook.Conv2d(2, 3, kernel, stride, padding, bias=bias, rng=1)
    errors = check_module(layer, rng.standard_normal((2, 2, 6, 5)))
    assert errors.keys() == {"input0", "weight"} | ({"bias"} if bias else set())
    for name, err in errors.items():
        assert err < 1e-6, (name, err)


def _assert_matches_torch(
    kernel, stride, padding, bias, batch, rng, torch_reference, samples_per_chunk=None
):
    """Output and every gradient agree with torch; optionally in input-gradient chunks."""
    from nnbook.layers import conv

    layer = nnbook.Conv2d(3, 4, kernel, stride, padding, bias=bias, rng=1)
    x = rng.standard_normal((batch, 3, 7, 6))
    y = layer(x)
    g = rng.standard_normal(y.shape)
    expected = module_reference(torch_reference, layer, [x], [g])
    np.testing.assert_allclose(y, expected["output"][0], rtol=1e-10, atol=1e-12)
    with pytest.MonkeyPatch.context() as patch:
        if samples_per_chunk is not None:
            # One padded image's column gradient: C_in kH kW rows of H_p W_p float64 numbers.
            (kh, kw), (ph, pw) = layer.kernel_size, layer.padding
            one_sample = 3 * kh * kw * (7 + 2 * ph) * (6 + 2 * pw) * 8
            patch.setattr(conv, "_CHUNK_BYTES", samples_per_chunk * one_sample)
        dx = layer.backward(g)
    np.testing.assert_allclose(dx, expected["inputs"][0], rtol=1e-10, atol=1e-12)
    assert_grads_equal(layer, expected["params"])


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize(("kernel", "stride", "padding"), CONFIGS)
def test_matches_torch(kernel, stride, padding, bias, rng, torch_reference):
    _assert_matches_torch(kernel, stride, padding, bias, 2, rng, torch_reference)


@pytest.mark.parametrize("samples_per_chunk", [1, 2])
@pytest.mark.parametrize(("kernel", "padding"), [(3, 0), (3, 1), ((2, 3), (1, 2))])
def test_input_gradient_in_chunks_matches_torch(
    kernel, padding, samples_per_chunk, rng, torch_reference
):
    """Large batches take the input gradient a few samples at a time; force that on 5 samples."""
    _assert_matches_torch(kernel, 1, padding, True, 5, rng, torch_reference, samples_per_chunk)


@pytest.mark.parametrize(("kernel", "stride", "padding"), CONFIGS)
def test_vectorised_equals_naive_loop(kernel, stride, padding, rng):
    layer = nnbook.Conv2d(3, 5, kernel, stride, padding, rng=2)
    x = rng.standard_normal((2, 3, 8, 7))
    expected = conv2d_naive(x, layer.weight.data, layer.bias.data, stride, padding)
    np.testing.assert_allclose(layer(x), expected, rtol=1e-12, atol=1e-12)


def test_backward_accumulates_and_follows_the_last_forward(rng):
    layer = nnbook.Conv2d(2, 3, 3, padding=1, rng=0)
    x, g = rng.standard_normal((2, 2, 5, 5)), rng.standard_normal((2, 3, 5, 5))
    layer(x)
    layer.backward(g)
    once_w, once_b = layer.weight.grad.copy(), layer.bias.grad.copy()
    layer(x)
    layer.backward(g)
    np.testing.assert_allclose(layer.weight.grad, 2 * once_w)
    np.testing.assert_allclose(layer.bias.grad, 2 * once_b)
    # A forward with another batch size re-sizes the reused buffers.
    layer.zero_grad()
    layer(rng.standard_normal((4, 2, 6, 6)))
    layer(x)
    layer.backward(g)
    np.testing.assert_allclose(layer.weight.grad, once_w)


def test_float32_end_to_end(rng):
    x = rng.standard_normal((2, 3, 8, 8))
    g = rng.standard_normal((2, 4, 4, 4))
    reference = nnbook.Conv2d(3, 4, 3, 2, 1, rng=0)
    layer = nnbook.Conv2d(3, 4, 3, 2, 1, rng=0, dtype=np.float32)
    assert layer.weight.dtype == np.float32 and layer.bias.dtype == np.float32
    y = layer(x.astype(np.float32))
    dx = layer.backward(g.astype(np.float32))
    assert y.dtype == np.float32 and dx.dtype == np.float32
    assert layer.weight.grad.dtype == np.float32 and layer.bias.grad.dtype == np.float32
    np.testing.assert_allclose(y, reference(x), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(dx, reference.backward(g), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(layer.weight.grad, reference.weight.grad, rtol=1e-4, atol=1e-4)


def test_input_errors(rng):
    layer = nnbook.Conv2d(3, 4, 5, padding=1, rng=0)
    with pytest.raises(
        ValueError,
        match=r"Conv2d: input of shape \(1, 3, 2, 2\) is too small: "
        r"kernel size 5 is larger than the padded input",
    ):
        layer(rng.standard_normal((1, 3, 2, 2)))
    with pytest.raises(
        ValueError,
        match=r"Conv2d: expected input with 3 channels "
        r"\(N, 3, H, W\), got shape \(1, 2, 8, 8\)",
    ):
        layer(rng.standard_normal((1, 2, 8, 8)))
    with pytest.raises(ValueError, match=r"Conv2d: expected 4-D input, got shape \(3, 8, 8\)"):
        layer(rng.standard_normal((3, 8, 8)))
    with pytest.raises(TypeError, match="Conv2d: expected input of dtype float64, got float32"):
        layer(rng.standard_normal((1, 3, 8, 8)).astype(np.float32))
    with pytest.raises(TypeError, match="Conv2d: expected input to be a numpy.ndarray, got list"):
        layer([[[[1.0]]]])
    with pytest.raises(TypeError, match="floating-point dtype, got int64"):
        layer(np.ones((1, 3, 8, 8), dtype=np.int64))


def test_backward_errors(rng):
    layer = nnbook.Conv2d(3, 4, 3, rng=0)
    with pytest.raises(RuntimeError, match="Conv2d.backward called before forward"):
        layer.backward(np.ones((1, 4, 3, 3)))
    layer(rng.standard_normal((1, 3, 5, 5)))
    with pytest.raises(ValueError, match=r"expected grad_output of shape \(1, 4, 3, 3\)"):
        layer.backward(np.ones((1, 4, 9)))


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"in_channels": 0}, ValueError, "in_channels must be positive"),
        ({"out_channels": 2.5}, TypeError, "out_channels must be an int"),
        ({"kernel_size": 0}, ValueError, "kernel_size must be >= 1"),
        ({"kernel_size": (3,)}, TypeError, "kernel_size must be an int or a pair of ints"),
        ({"stride": 0}, ValueError, "stride must be >= 1"),
        ({"padding": -1}, ValueError, "padding must be >= 0"),
        ({"padding": "same"}, TypeError, "padding must be an int or a pair of ints"),
        ({"dtype": np.int32}, TypeError, "dtype must be float32 or float64"),
    ],
)
def test_constructor_errors(kwargs, error, match):
    args = {"in_channels": 3, "out_channels": 4, "kernel_size": 3} | kwargs
    with pytest.raises(error, match=f"Conv2d: {match}"):
        nnbook.Conv2d(**args)

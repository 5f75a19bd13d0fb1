"""Linear: shapes, initialisation, gradient checks, torch cross-check, errors."""

import numpy as np
import pytest
from torch_helpers import assert_grads_equal, module_reference

import nnbook
from nnbook.gradcheck import check_module


@pytest.mark.parametrize(
    ("in_features", "out_features", "shape"),
    [(3, 4, (5, 3)), (1, 1, (2, 1)), (6, 2, (2, 3, 6)), (4, 7, (4,))],
)
def test_output_shape(in_features, out_features, shape, rng):
    layer = nnbook.Linear(in_features, out_features, rng=0)
    y = layer(rng.standard_normal(shape))
    assert y.shape == shape[:-1] + (out_features,)
    assert layer.backward(np.ones_like(y)).shape == shape


def test_parameter_shapes_and_init_bound():
    layer = nnbook.Linear(16, 8, rng=0)
    assert layer.weight.shape == (8, 16) and layer.bias.shape == (8,)
    bound = 1 / np.sqrt(16)
    assert np.abs(layer.weight.data).max() <= bound
    assert np.abs(layer.bias.data).max() <= bound
    assert np.abs(layer.weight.data).max() > 0.8 * bound  # drawn from the whole interval
    assert sorted(layer.state_dict()) == ["bias", "weight"]


def test_same_seed_same_weights():
    a, b, c = nnbook.Linear(4, 3, rng=7), nnbook.Linear(4, 3, rng=7), nnbook.Linear(4, 3, rng=8)
    np.testing.assert_array_equal(a.weight.data, b.weight.data)
    assert not np.array_equal(a.weight.data, c.weight.data)


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("shape", [(5, 3), (2, 4, 3)])
def test_gradcheck(bias, shape, rng):
    layer = nnbook.Linear(3, 4, bias=bias, rng=1)
    errors = check_module(layer, rng.standard_normal(shape))
    expected = {"input0", "weight"} | ({"bias"} if bias else set())
    assert errors.keys() == expected
    for name, err in errors.items():
        assert err < 1e-6, (name, err)


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("shape", [(5, 3), (2, 4, 3)])
def test_matches_torch(bias, shape, rng, torch_reference):
    layer = nnbook.Linear(3, 4, bias=bias, rng=1)
    x = rng.standard_normal(shape)
    g = rng.standard_normal(shape[:-1] + (4,))
    expected = module_reference(torch_reference, layer, [x], [g])
    np.testing.assert_allclose(layer(x), expected["output"][0], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(layer.backward(g), expected["inputs"][0], rtol=1e-10, atol=1e-12)
    assert_grads_equal(layer, expected["params"])


def test_backward_accumulates(rng):
    layer = nnbook.Linear(3, 2, rng=0)
    x, g = rng.standard_normal((4, 3)), rng.standard_normal((4, 2))
    layer(x)
    layer.backward(g)
    once = layer.weight.grad.copy()
    layer(x)
    layer.backward(g)
    np.testing.assert_allclose(layer.weight.grad, 2 * once)


def test_float32_end_to_end(rng):
    x = rng.standard_normal((5, 3))
    g = rng.standard_normal((5, 4))
    l64 = nnbook.Linear(3, 4, rng=0)
    l32 = nnbook.Linear(3, 4, rng=0, dtype=np.float32)
    assert l32.weight.dtype == np.float32 and l32.bias.dtype == np.float32
    y32 = l32(x.astype(np.float32))
    gx32 = l32.backward(g.astype(np.float32))
    assert y32.dtype == np.float32 and gx32.dtype == np.float32
    assert l32.weight.grad.dtype == np.float32
    np.testing.assert_allclose(y32, l64(x), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(gx32, l64.backward(g), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(l32.weight.grad, l64.weight.grad, rtol=1e-5, atol=1e-5)


def test_errors():
    layer = nnbook.Linear(3, 4)
    with pytest.raises(RuntimeError, match="Linear.backward called before forward"):
        layer.backward(np.ones((2, 4)))
    message = r"Linear: expected input with last dimension 3, got shape \(2, 5\)"
    with pytest.raises(ValueError, match=message):
        layer(np.ones((2, 5)))
    with pytest.raises(TypeError, match="Linear: expected input to be a numpy.ndarray, got list"):
        layer([[1.0, 2.0, 3.0]])
    with pytest.raises(TypeError, match="expected input of dtype float64, got float32"):
        layer(np.ones((2, 3), dtype=np.float32))
    with pytest.raises(TypeError, match="floating-point dtype, got int64"):
        layer(np.ones((2, 3), dtype=np.int64))


def test_constructor_errors():
    with pytest.raises(ValueError, match="Linear: in_features must be positive, got 0"):
        nnbook.Linear(0, 3)
    with pytest.raises(TypeError, match="Linear: out_features must be an int, got float"):
        nnbook.Linear(3, 2.0)
    with pytest.raises(TypeError, match="Linear: dtype must be float32 or float64, got int32"):
        nnbook.Linear(3, 2, dtype=np.int32)
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator"):
        nnbook.Linear(3, 2, rng="seed")


def _torch_linear_state(in_features, out_features):
    """The state_dict of a torch.nn.Linear, initialised by torch."""
    import torch

    torch.manual_seed(0)
    module = torch.nn.Linear(in_features, out_features).double()
    return {key: value.numpy() for key, value in module.state_dict().items()}


def test_loads_torch_state_dict_and_rejects_wrong_shapes(torch_reference):
    state = torch_reference(_torch_linear_state, 3, 4)
    layer = nnbook.Linear(3, 4)
    layer.load_state_dict(state)
    np.testing.assert_array_equal(layer.weight.data, state["weight"])
    np.testing.assert_array_equal(layer.bias.data, state["bias"])
    with pytest.raises(ValueError, match=r"weight expects shape \(4, 3\), got \(3, 4\)"):
        layer.load_state_dict(torch_reference(_torch_linear_state, 4, 3))

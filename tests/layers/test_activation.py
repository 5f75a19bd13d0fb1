"""ReLU, Tanh, Sigmoid, Softmax and GELU: shapes, gradient checks, torch cross-checks, errors."""

import numpy as np
import pytest
from torch_helpers import module_reference

import nnbook
from nnbook.counterpart import torch_spec
from nnbook.gradcheck import check_module

# (nnbook factory, name of the torch.nn class, its constructor kwargs)
CASES = [
    (lambda: nnbook.ReLU(), "ReLU", {}),
    (lambda: nnbook.Tanh(), "Tanh", {}),
    (lambda: nnbook.Sigmoid(), "Sigmoid", {}),
    (lambda: nnbook.Softmax(), "Softmax", {"dim": -1}),
    (lambda: nnbook.Softmax(dim=1), "Softmax", {"dim": 1}),
    (lambda: nnbook.Softmax(dim=0), "Softmax", {"dim": 0}),
    (lambda: nnbook.GELU(), "GELU", {}),
    (lambda: nnbook.GELU(approximate="tanh"), "GELU", {"approximate": "tanh"}),
]
IDS = ["relu", "tanh", "sigmoid", "softmax-1", "softmax1", "softmax0", "gelu", "gelu-tanh"]


def _input(rng, shape=(3, 4, 5)):
    x = 2.0 * rng.standard_normal(shape)
    # Keep ReLU's kink away from the finite-difference step.
    return np.where(np.abs(x) < 1e-3, 0.5, x)


@pytest.mark.parametrize(("make", "torch_name", "kwargs"), CASES, ids=IDS)
@pytest.mark.parametrize("shape", [(3, 4, 5), (2, 7, 3), (6, 2, 2, 3)])
def test_shape_and_dtype_are_preserved(make, torch_name, kwargs, shape, rng):
    layer = make()
    x = _input(rng, shape)
    y = layer(x)
    assert y.shape == shape and y.dtype == np.float64
    assert layer.backward(np.ones_like(y)).shape == shape


@pytest.mark.parametrize(("make", "torch_name", "kwargs"), CASES, ids=IDS)
def test_gradcheck(make, torch_name, kwargs, rng):
    errors = check_module(make(), _input(rng))
    assert errors.keys() == {"input0"}
    for name, err in errors.items():
        assert err < 1e-6, (name, err)


@pytest.mark.parametrize(("make", "torch_name", "kwargs"), CASES, ids=IDS)
def test_matches_torch(make, torch_name, kwargs, rng, torch_reference):
    layer = make()
    # The counterpart is the torch module this case names, with its arguments.
    spec = torch_spec(layer)
    assert spec["module"] == torch_name and kwargs.items() <= spec["kwargs"].items()
    x = _input(rng)
    g = rng.standard_normal(x.shape)
    expected = module_reference(torch_reference, layer, [x], [g])
    np.testing.assert_allclose(layer(x), expected["output"][0], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(layer.backward(g), expected["inputs"][0], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(("make", "torch_name", "kwargs"), CASES, ids=IDS)
def test_float32_end_to_end(make, torch_name, kwargs, rng):
    x = _input(rng)
    g = rng.standard_normal(x.shape)
    layer64, layer32 = make(), make()
    y64, y32 = layer64(x), layer32(x.astype(np.float32))
    gx64, gx32 = layer64.backward(g), layer32.backward(g.astype(np.float32))
    assert y32.dtype == np.float32 and gx32.dtype == np.float32
    np.testing.assert_allclose(y32, y64, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(gx32, gx64, rtol=1e-5, atol=1e-6)


def test_extreme_inputs_stay_finite():
    x = np.array([[-1e4, -50.0, 0.0, 50.0, 1e4]])
    for layer in (nnbook.Sigmoid(), nnbook.Tanh(), nnbook.Softmax(), nnbook.GELU()):
        y = layer(x)
        assert np.all(np.isfinite(y)), type(layer).__name__
        assert np.all(np.isfinite(layer.backward(np.ones_like(y)))), type(layer).__name__
    np.testing.assert_allclose(nnbook.Softmax()(x).sum(), 1.0)


def test_softmax_rows_sum_to_one(rng):
    y = nnbook.Softmax(dim=1)(rng.standard_normal((2, 5, 3)))
    np.testing.assert_allclose(y.sum(axis=1), np.ones((2, 3)))
    assert np.all(y > 0)


def test_relu_gradient_is_zero_at_the_kink():
    layer = nnbook.ReLU()
    layer(np.array([-1.0, 0.0, 2.0]))
    np.testing.assert_array_equal(layer.backward(np.ones(3)), [0.0, 0.0, 1.0])


@pytest.mark.parametrize(("make", "torch_name", "kwargs"), CASES, ids=IDS)
def test_errors(make, torch_name, kwargs, rng):
    layer = make()
    with pytest.raises(RuntimeError, match="backward called before forward"):
        layer.backward(np.ones((3, 4, 5)))
    with pytest.raises(TypeError, match=f"{torch_name}: expected input to be a numpy.ndarray"):
        layer([[1.0, 2.0]])
    with pytest.raises(TypeError, match="floating-point dtype, got int64"):
        layer(np.ones((2, 3), dtype=np.int64))
    layer(_input(rng))
    with pytest.raises(
        ValueError, match=r"grad_output of shape \(3, 4, 5\) \(the output's\), got \(3, 4\)"
    ):
        layer.backward(np.ones((3, 4)))


def test_constructor_errors():
    with pytest.raises(ValueError, match="GELU: approximate must be 'none' or 'tanh'"):
        nnbook.GELU(approximate="erf")
    with pytest.raises(TypeError, match="Softmax: dim must be an int"):
        nnbook.Softmax(dim=1.0)
    message = r"Softmax: dim=2 is out of range for input of shape \(3, 4\)"
    with pytest.raises(ValueError, match=message):
        nnbook.Softmax(dim=2)(np.ones((3, 4)))
    with pytest.raises(ValueError, match="out of range"):
        nnbook.Softmax()(np.array(1.0))


def test_sequential_mlp_gradcheck(rng):
    model = nnbook.Sequential(
        nnbook.Linear(3, 5, rng=1), nnbook.GELU(), nnbook.Linear(5, 4, rng=2), nnbook.Softmax()
    )
    for name, err in check_module(model, rng.standard_normal((6, 3))).items():
        assert err < 1e-6, (name, err)

"""LayerNorm: shapes, statistics, gradient checks, torch cross-check, errors."""

import numpy as np
import pytest
from torch_helpers import assert_grads_equal, module_reference

import nnbook
from nnbook.gradcheck import check_module


@pytest.mark.parametrize(
    ("normalized_shape", "shape"), [(4, (3, 4)), (5, (2, 3, 5)), ((3, 4), (2, 3, 4)), (6, (6,))]
)
def test_shapes_and_statistics(normalized_shape, shape, rng):
    norm = nnbook.LayerNorm(normalized_shape)
    x = 3.0 + 2.0 * rng.standard_normal(shape)
    y = norm(x)
    assert y.shape == shape
    axes = tuple(range(-norm.weight.data.ndim, 0))
    np.testing.assert_allclose(y.mean(axis=axes), 0.0, atol=1e-12)
    np.testing.assert_allclose(y.var(axis=axes), 1.0, rtol=1e-4)  # eps shrinks it a little
    assert norm.backward(np.ones_like(y)).shape == shape


def test_parameters():
    norm = nnbook.LayerNorm((2, 3))
    assert list(norm.state_dict()) == ["weight", "bias"]
    np.testing.assert_array_equal(norm.weight.data, np.ones((2, 3)))
    np.testing.assert_array_equal(norm.bias.data, np.zeros((2, 3)))
    assert nnbook.LayerNorm(3, elementwise_affine=False).state_dict() == {}
    assert list(nnbook.LayerNorm(3, bias=False).state_dict()) == ["weight"]


def test_eps_inside_square_root_and_biased_variance():
    x = np.array([[1.0, 2.0, 3.0, 6.0]])
    y = nnbook.LayerNorm(4, eps=0.5)(x)
    expected = (x - x.mean()) / np.sqrt(x.var(ddof=0) + 0.5)
    np.testing.assert_allclose(y, expected, atol=1e-15)


AFFINE = [
    {"elementwise_affine": True},
    {"elementwise_affine": False},
    {"elementwise_affine": True, "bias": False},
]


@pytest.mark.parametrize("options", AFFINE)
@pytest.mark.parametrize(("normalized_shape", "shape"), [(4, (3, 4)), ((2, 3), (2, 2, 3))])
def test_gradcheck(normalized_shape, shape, options, rng):
    norm = nnbook.LayerNorm(normalized_shape, **options)
    for p in norm.parameters():
        p.data[...] = rng.standard_normal(p.shape)
    # rng=1: the projections must not equal the input (both would be seed 0's first draw), as
    # the input direction is exactly the one LayerNorm's gradient nearly annihilates.
    errors = check_module(norm, rng.standard_normal(shape), rng=1)
    assert errors.keys() == {"input0"} | set(norm.state_dict())
    assert len(errors) == 1 + len(norm.parameters())
    for name, err in errors.items():
        assert err < 1e-6, (name, err)


def _torch_layer_norm_keys(normalized_shape, options):
    """The state_dict keys of torch.nn.LayerNorm, in torch's order."""
    import torch

    return list(torch.nn.LayerNorm(normalized_shape, **options).state_dict())


@pytest.mark.parametrize("options", AFFINE)
@pytest.mark.parametrize(("normalized_shape", "shape"), [(4, (3, 4)), ((2, 3), (4, 2, 3))])
def test_matches_torch(normalized_shape, shape, options, rng, torch_reference):
    norm = nnbook.LayerNorm(normalized_shape, eps=1e-3, **options)
    assert list(norm.state_dict()) == torch_reference(
        _torch_layer_norm_keys, normalized_shape, options
    )
    for p in norm.parameters():  # not the initial ones and zeros
        p.data[...] = rng.standard_normal(p.shape)
    x, g = rng.standard_normal(shape), rng.standard_normal(shape)
    expected = module_reference(torch_reference, norm, [x], [g])
    np.testing.assert_allclose(norm(x), expected["output"][0], atol=1e-12)
    np.testing.assert_allclose(norm.backward(g), expected["inputs"][0], atol=1e-10)
    assert_grads_equal(norm, expected["params"])


def test_float32(rng):
    x = rng.standard_normal((3, 5))
    y32 = nnbook.LayerNorm(5, dtype=np.float32)(x.astype(np.float32))
    assert y32.dtype == np.float32
    np.testing.assert_allclose(y32, nnbook.LayerNorm(5)(x), atol=1e-5)


def test_constant_input_is_finite():
    y = nnbook.LayerNorm(3)(np.full((2, 3), 7.0))
    np.testing.assert_array_equal(y, 0.0)


def test_errors(rng):
    with pytest.raises(ValueError, match="normalized_shape must be positive"):
        nnbook.LayerNorm(0)
    with pytest.raises(TypeError, match="normalized_shape must be an int"):
        nnbook.LayerNorm(2.5)
    with pytest.raises(ValueError, match="eps must be positive"):
        nnbook.LayerNorm(3, eps=0)
    with pytest.raises(TypeError, match="dtype"):
        nnbook.LayerNorm(3, dtype=np.int64)
    norm = nnbook.LayerNorm(4)
    with pytest.raises(RuntimeError, match="backward called before forward"):
        norm.backward(np.ones((2, 4)))
    with pytest.raises(ValueError, match=r"expected input of shape \(\.\.\., 4\), got shape"):
        norm(rng.standard_normal((2, 3)))
    with pytest.raises(TypeError, match="LayerNorm: expected input of dtype float64, got float32"):
        norm(np.ones((2, 4), np.float32))
    with pytest.raises(
        TypeError, match="LayerNorm: expected input to be a numpy.ndarray, got list"
    ):
        norm([[1.0, 2.0, 3.0, 4.0]])
    norm(np.ones((2, 4)))
    message = r"LayerNorm: expected grad_output of shape \(2, 4\) \(the output's\), got \(3, 4\)"
    with pytest.raises(ValueError, match=message):
        norm.backward(np.ones((3, 4)))

"""clip_grad_norm_: the same total norm and the same rescaled gradients as torch."""

import numpy as np
import pytest
from torch_helpers import to_torch

import nnbook
from nnbook.module import Parameter


def _params(rng, scale=1.0, dtype=np.float64):
    params = [Parameter(np.zeros(s, dtype=dtype)) for s in [(3, 4), (4,), (2, 2, 2)]]
    for p in params:
        p.grad[...] = scale * rng.standard_normal(p.shape)
    return params


def _torch_clip_grad_norm(grads, max_norm, norm_type=2.0):
    """torch.nn.utils.clip_grad_norm_ on parameters with these gradients.

    Returns the total norm (a float) and the gradients after clipping.
    """
    import torch

    tensors = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads]
    for t, g in zip(tensors, grads, strict=True):
        t.grad = to_torch(g)
    total = torch.nn.utils.clip_grad_norm_(tensors, max_norm, norm_type)
    return total.item(), [t.grad.numpy() for t in tensors]


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, float("inf")])
@pytest.mark.parametrize("max_norm", [0.5, 1e3])
def test_matches_torch(norm_type, max_norm, rng, torch_reference):
    params = _params(rng)
    grads = [p.grad.copy() for p in params]
    expected, expected_grads = torch_reference(_torch_clip_grad_norm, grads, max_norm, norm_type)
    total = nnbook.clip_grad_norm_(params, max_norm, norm_type)
    assert isinstance(total, float)
    np.testing.assert_allclose(total, expected, rtol=1e-12)
    for p, g in zip(params, expected_grads, strict=True):
        np.testing.assert_allclose(p.grad, g, rtol=1e-12, atol=1e-15)


def test_clips_to_max_norm_and_keeps_direction(rng):
    params = _params(rng, scale=10.0)
    before = np.concatenate([p.grad.ravel() for p in params])
    total = nnbook.clip_grad_norm_(params, 1.0)
    after = np.concatenate([p.grad.ravel() for p in params])
    np.testing.assert_allclose(total, np.linalg.norm(before))
    np.testing.assert_allclose(np.linalg.norm(after), 1.0, rtol=1e-5)
    np.testing.assert_allclose(after * total, before, rtol=1e-5)


def test_small_gradients_are_left_alone(rng):
    params = _params(rng, scale=1e-3)
    before = [p.grad.copy() for p in params]
    nnbook.clip_grad_norm_(params, 1.0)
    for p, b in zip(params, before, strict=True):
        np.testing.assert_array_equal(p.grad, b)


def test_model_parameters_single_parameter_and_empty(rng):
    lstm = nnbook.LSTM(2, 3, rng=0)
    lstm(rng.standard_normal((2, 4, 2)))
    lstm.backward(100 * np.ones((2, 4, 3)))
    assert nnbook.clip_grad_norm_(lstm.parameters(), 1.0) > 1.0
    total = np.sqrt(sum(np.sum(p.grad**2) for p in lstm.parameters()))
    np.testing.assert_allclose(total, 1.0, rtol=1e-5)
    p = Parameter(np.zeros(3))
    p.grad[:] = [3.0, 4.0, 0.0]
    assert nnbook.clip_grad_norm_(p, 1.0) == 5.0
    np.testing.assert_allclose(p.grad, [0.6, 0.8, 0.0], rtol=1e-5)
    assert nnbook.clip_grad_norm_([], 1.0) == 0.0


def test_float32_gradients_stay_float32(rng):
    params = _params(rng, scale=10.0, dtype=np.float32)
    nnbook.clip_grad_norm_(params, 1.0)
    assert all(p.grad.dtype == np.float32 for p in params)


def test_zero_gradients_stay_zero():
    p = Parameter(np.zeros(4))
    assert nnbook.clip_grad_norm_([p], 1.0) == 0.0
    np.testing.assert_array_equal(p.grad, 0)


def test_errors():
    with pytest.raises(TypeError, match="clip_grad_norm_: expected Parameters, got a ndarray"):
        nnbook.clip_grad_norm_([np.zeros(3)], 1.0)
    with pytest.raises(ValueError, match="max_norm must be >= 0, got -1.0"):
        nnbook.clip_grad_norm_([Parameter(np.zeros(3))], -1.0)
    with pytest.raises(ValueError, match="norm_type must be > 0 or inf, got 0.0"):
        nnbook.clip_grad_norm_([Parameter(np.zeros(3))], 1.0, norm_type=0)


@pytest.mark.filterwarnings("error")  # the NaN that results is documented: no warning
@pytest.mark.parametrize("bad", [float("inf"), float("nan")])
def test_non_finite_gradients_as_torch(bad, rng, torch_reference):
    params = _params(rng)
    params[1].grad[2] = bad
    grads = [p.grad.copy() for p in params]
    expected, expected_grads = torch_reference(_torch_clip_grad_norm, grads, 1.0)
    total = nnbook.clip_grad_norm_(params, 1.0)
    np.testing.assert_equal(total, expected)
    for p, g in zip(params, expected_grads, strict=True):
        np.testing.assert_array_equal(p.grad, g)  # NaN where torch has NaN

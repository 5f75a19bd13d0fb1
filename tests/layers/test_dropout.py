"""Dropout: statistics in training, identity in evaluation, backward, errors."""

import numpy as np
import pytest

import nnbook


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_training_statistics(p):
    drop = nnbook.Dropout(p, rng=0)
    x = np.ones((400, 500))
    y = drop(x)
    zeroed = np.mean(y == 0)
    assert abs(zeroed - p) < 0.01  # 200,000 draws: the standard error is below 0.0012
    np.testing.assert_allclose(np.unique(y), [0.0, 1 / (1 - p)])
    assert abs(y.mean() - 1.0) < 0.03  # inverted dropout keeps the expectation


def test_backward_uses_the_same_mask(rng):
    drop = nnbook.Dropout(0.5, rng=1)
    x = rng.standard_normal((20, 30))
    y = drop(x)
    g = rng.standard_normal(x.shape)
    grad = drop.backward(g)
    np.testing.assert_array_equal(grad == 0, y == 0)
    np.testing.assert_allclose(grad[y != 0], 2.0 * g[y != 0])


def test_eval_is_identity(rng):
    drop = nnbook.Dropout(0.7, rng=0).eval()
    x = rng.standard_normal((3, 4))
    assert drop(x) is x
    g = rng.standard_normal((3, 4))
    assert drop.backward(g) is g
    drop.train()
    assert (drop(x) == 0).any()


def test_p_zero_and_one(rng):
    x = rng.standard_normal((5, 6))
    np.testing.assert_array_equal(nnbook.Dropout(0.0)(x), x)
    drop = nnbook.Dropout(1.0)
    np.testing.assert_array_equal(drop(x), 0.0)
    np.testing.assert_array_equal(drop.backward(x), 0.0)


def test_own_generator_is_reproducible(rng):
    x = rng.standard_normal((10, 10))
    a, b = nnbook.Dropout(0.5, rng=3), nnbook.Dropout(0.5, rng=3)
    np.testing.assert_array_equal(a(x), b(x))
    assert not np.array_equal(a(x), nnbook.Dropout(0.5, rng=4)(x))
    assert nnbook.Dropout().state_dict() == {}


def test_float32(rng):
    y = nnbook.Dropout(0.5, rng=0)(rng.standard_normal((4, 4)).astype(np.float32))
    assert y.dtype == np.float32


def test_errors():
    for p in (-0.1, 1.5, "0.5", True):
        with pytest.raises(ValueError, match=r"Dropout: p must be a probability in \[0, 1\]"):
            nnbook.Dropout(p)
    drop = nnbook.Dropout(0.5)
    with pytest.raises(RuntimeError, match="backward called before forward"):
        drop.backward(np.ones(3))
    with pytest.raises(TypeError, match="Dropout: expected input to be a numpy.ndarray, got list"):
        drop([1.0, 2.0])
    with pytest.raises(TypeError, match="Dropout: expected input with a floating-point dtype"):
        drop(np.ones(3, dtype=int))
    drop(np.ones((2, 3)))
    message = r"Dropout: expected grad_output of shape \(2, 3\) \(the output's\), got \(3, 2\)"
    with pytest.raises(ValueError, match=message):
        drop.backward(np.ones((3, 2)))

"""The perceptron learns a linearly separable set and cannot learn XOR."""

import numpy as np
import pytest

import nnbook
from nnbook import data


def test_learns_a_linearly_separable_set():
    X, y = data.linearly_separable(200, rng=0)
    p = nnbook.Perceptron(2)
    mistakes = p.fit(X, y, epochs=1000)
    assert mistakes[-1] == 0 and len(mistakes) < 1000
    assert mistakes[0] > 0
    np.testing.assert_array_equal(p.predict(X), y)


def test_fails_on_xor():
    X, y = data.xor()
    p = nnbook.Perceptron(2)
    mistakes = p.fit(X, y, epochs=100)
    assert len(mistakes) == 100
    assert min(mistakes) > 0
    assert np.mean(p.predict(X) == y) <= 0.75  # no line gets all four points right


def test_learns_and_but_not_xor():
    X, _ = data.xor()
    y_and = np.array([0, 0, 0, 1])
    p = nnbook.Perceptron(2)
    assert p.fit(X, y_and, epochs=50)[-1] == 0
    np.testing.assert_array_equal(p.predict(X), y_and)


def test_one_update_by_hand():
    p = nnbook.Perceptron(2, lr=0.5)
    # w = 0, b = 0: the step gives 1 for the first point, whose label is 0.
    mistakes = p.fit(np.array([[1.0, 2.0]]), np.array([0]), epochs=1)
    assert mistakes == [1]
    np.testing.assert_allclose(p.weight, [-0.5, -1.0])
    assert p.bias == -0.5
    np.testing.assert_allclose(p.decision_function(np.array([[1.0, 2.0]])), [-3.0])
    assert p.predict(np.array([[1.0, 2.0]])).dtype == np.int64


def test_is_not_a_module():
    assert not isinstance(nnbook.Perceptron(2), nnbook.Module)
    assert repr(nnbook.Perceptron(3)) == "Perceptron(in_features=3, lr=1.0)"


def test_errors():
    p = nnbook.Perceptron(2)
    message = r"Perceptron: expected X with last dimension 2, got shape \(4, 3\)"
    with pytest.raises(ValueError, match=message):
        p.predict(np.zeros((4, 3)))
    with pytest.raises(ValueError, match="Perceptron: expected 2-D X"):
        p.predict(np.zeros(2))
    with pytest.raises(TypeError, match="expected X to be a numpy.ndarray"):
        p.fit([[0.0, 1.0]], np.array([1]))
    with pytest.raises(ValueError, match=r"expected y of shape \(2,\), got \(3,\)"):
        p.fit(np.zeros((2, 2)), np.array([0, 1, 1]))
    with pytest.raises(ValueError, match="labels y must be 0 or 1"):
        p.fit(np.zeros((2, 2)), np.array([-1, 1]))
    with pytest.raises(ValueError, match="Perceptron: epochs must be positive"):
        p.fit(np.zeros((2, 2)), np.array([0, 1]), epochs=0)
    with pytest.raises(ValueError, match="Perceptron: in_features must be positive"):
        nnbook.Perceptron(0)
    with pytest.raises(ValueError, match="Perceptron: lr must be positive, got 0"):
        nnbook.Perceptron(2, lr=0)

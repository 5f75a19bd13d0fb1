"""The gradient checker itself: it is right on known functions and it catches a wrong backward."""

import numpy as np
import pytest

import nnbook
from nnbook.gradcheck import check_module, numerical_gradient, relative_error


def test_numerical_gradient_of_a_known_function(rng):
    x = rng.standard_normal((3, 4))
    a = rng.standard_normal((3, 4))
    # f(x) = sum(a * x^3) + sum(sin x) has gradient 3 a x^2 + cos x.
    numeric = numerical_gradient(lambda: float(np.sum(a * x**3) + np.sum(np.sin(x))), x)
    np.testing.assert_allclose(numeric, 3 * a * x**2 + np.cos(x), rtol=1e-7, atol=1e-8)


def test_numerical_gradient_restores_x(rng):
    x = rng.standard_normal(5)
    before = x.copy()
    numerical_gradient(lambda: float(np.sum(x**2)), x)
    np.testing.assert_array_equal(x, before)


def test_numerical_gradient_rejects_non_contiguous_views():
    x = np.zeros((3, 4)).T  # a transposed view cannot be flattened without a copy
    with pytest.raises(ValueError, match="x must be contiguous"):
        numerical_gradient(lambda: 0.0, x)


def test_relative_error():
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert relative_error(np.ones(3), np.ones(3)) == 0.0
    assert relative_error(np.array([1.0]), np.array([-1.0])) == 1.0
    assert relative_error(np.array([1.0, 0.0]), np.array([1.0 + 1e-8, 0.0])) == pytest.approx(
        5e-9, rel=1e-6
    )
    with pytest.raises(ValueError, match=r"shapes differ, \(2,\) vs \(3,\)"):
        relative_error(np.zeros(2), np.zeros(3))


def test_check_module_passes_a_correct_layer(rng):
    errors = check_module(nnbook.Linear(3, 2, rng=0), rng.standard_normal((4, 3)))
    assert set(errors) == {"input0", "weight", "bias"}
    assert max(errors.values()) < 1e-6


class _WrongTanh(nnbook.Tanh):
    """Forgets the chain rule's factor (1 - y^2): the kind of bug the check exists for."""

    def backward(self, grad_output):
        self._require_cache(self._y)
        return grad_output


class _WrongLinear(nnbook.Linear):
    """Right input gradient, but the weight gradient is transposed-and-scaled wrong."""

    def backward(self, grad_output):
        grad_input = super().backward(grad_output)
        self.weight.grad *= 2
        return grad_input


def test_check_module_catches_a_wrong_input_gradient(rng):
    errors = check_module(_WrongTanh(), rng.standard_normal((4, 3)))
    assert errors["input0"] > 1e-2


def test_check_module_catches_a_wrong_parameter_gradient(rng):
    errors = check_module(_WrongLinear(3, 2, rng=0), rng.standard_normal((4, 3)))
    assert errors["input0"] < 1e-6 and errors["bias"] < 1e-6
    assert errors["weight"] > 0.1


def test_check_module_in_a_sequential_points_at_the_faulty_layer(rng):
    model = nnbook.Sequential(nnbook.Linear(3, 4, rng=0), _WrongTanh(), nnbook.Linear(4, 2, rng=1))
    errors = check_module(model, rng.standard_normal((5, 3)))
    assert errors["2.weight"] < 1e-6 and errors["2.bias"] < 1e-6  # after the bug: fine
    assert errors["0.weight"] > 1e-2 and errors["input0"] > 1e-2  # before it: wrong


@pytest.mark.parametrize(
    "loss_fn, target",
    [
        (nnbook.MSELoss(), np.linspace(-1, 1, 12).reshape(4, 3)),
        (nnbook.CrossEntropyLoss(), np.array([0, 2, 1, 1])),
        (nnbook.BCEWithLogitsLoss(), np.linspace(0, 1, 12).reshape(4, 3)),
    ],
)
def test_check_module_handles_losses(loss_fn, target, rng):
    errors = check_module(loss_fn, rng.standard_normal((4, 3)), target)
    assert set(errors) == {"input0"}
    assert errors["input0"] < 1e-6


def test_tuple_inputs_are_checked_item_by_item(rng):
    cell = nnbook.LSTMCell(3, 4, rng=0)
    x, h, c = rng.standard_normal((2, 3)), rng.standard_normal((2, 4)), rng.standard_normal((2, 4))
    errors = check_module(cell, x, (h, c))
    assert {"input0", "input1.0", "input1.1", "weight_hh"} <= set(errors)
    assert max(errors.values()) < 1e-6


def test_projections_do_not_repeat_inputs_drawn_from_the_same_seed():
    # With the projection equal to the input, LayerNorm's input gradient is nearly zero and a
    # relative error means nothing; the check must draw its projections from its own stream.
    x = np.random.default_rng(0).standard_normal((3, 5))
    errors = check_module(nnbook.LayerNorm(5), x, rng=0)
    assert errors["input0"] < 1e-6


def test_a_gradient_for_a_keyword_input_is_refused(rng):
    cell = nnbook.LSTMCell(3, 4, rng=0)
    state = (rng.standard_normal((2, 4)), rng.standard_normal((2, 4)))
    message = "LSTMCell.backward returned 2 gradients but 1 inputs were passed positionally"
    with pytest.raises(ValueError, match=message):
        check_module(cell, rng.standard_normal((2, 3)), state=state)
    check_module(cell, rng.standard_normal((2, 3)), state)  # positionally, it is checked

"""MSELoss, BCEWithLogitsLoss, CrossEntropyLoss: values and gradients against finite
differences and torch, stability for huge logits, and error messages."""

import warnings

import numpy as np
import pytest
from torch_helpers import to_torch

import nnbook
from nnbook.gradcheck import numerical_gradient, relative_error


def _float_case(rng, shape, big=1.0):
    x = big * rng.standard_normal(shape)
    return x, rng.uniform(0.0, 1.0, shape)


def _class_case(rng, shape, big=1.0):
    """Logits of ``shape`` (class axis 1, or 0 for 1-D) and matching integer targets."""
    x = big * rng.standard_normal(shape)
    classes = shape[0] if len(shape) == 1 else shape[1]
    target_shape = () if len(shape) == 1 else shape[:1] + shape[2:]
    return x, rng.integers(0, classes, size=target_shape)


# (nnbook class, torch functional name, case maker, input shapes)
CASES = [
    (nnbook.MSELoss, "mse_loss", _float_case, [(5,), (4, 3), (2, 3, 4)]),
    (
        nnbook.BCEWithLogitsLoss,
        "binary_cross_entropy_with_logits",
        _float_case,
        [(5,), (4, 1), (2, 3, 4)],
    ),
    (nnbook.CrossEntropyLoss, "cross_entropy", _class_case, [(5,), (4, 3), (6, 10), (2, 3, 4, 5)]),
]
PARAMS = [(cls, fn, make, shape) for cls, fn, make, shapes in CASES for shape in shapes]
IDS = [f"{cls.__name__}-{shape}" for cls, _, _, shape in PARAMS]


@pytest.mark.parametrize(("cls", "torch_fn", "make", "shape"), PARAMS, ids=IDS)
def test_value_is_a_float_and_gradient_has_input_shape(cls, torch_fn, make, shape, rng):
    x, t = make(rng, shape)
    loss = cls()
    value = loss(x, t)
    assert type(value) is float and np.isfinite(value)
    grad = loss.backward()
    assert grad.shape == x.shape and grad.dtype == x.dtype


@pytest.mark.parametrize(("cls", "torch_fn", "make", "shape"), PARAMS, ids=IDS)
def test_gradcheck(cls, torch_fn, make, shape, rng):
    x, t = make(rng, shape)
    loss = cls()
    loss(x, t)
    analytic = loss.backward()
    numeric = numerical_gradient(lambda: loss(x, t), x)
    assert relative_error(analytic, numeric) < 1e-6


@pytest.mark.parametrize("big", [1.0, 1e4])
@pytest.mark.parametrize(("cls", "torch_fn", "make", "shape"), PARAMS, ids=IDS)
def test_matches_torch(cls, torch_fn, make, shape, big, rng, torch_reference):
    value, grad, expected, expected_grad = _both(
        torch_reference, cls, torch_fn, *make(rng, shape, big)
    )
    assert np.isfinite(value) and np.all(np.isfinite(grad))
    np.testing.assert_allclose(value, expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(grad, expected_grad, rtol=1e-10, atol=1e-14)


def _torch_loss(torch_fn, x, t, **kwargs):
    """``torch.nn.functional.<torch_fn>(x, t, **kwargs)``: the value and the gradient of x."""
    import torch

    xt = to_torch(x, requires_grad=True)
    value = getattr(torch.nn.functional, torch_fn)(xt, to_torch(t), **kwargs)
    value.backward()
    return value.item(), xt.grad.numpy()


def _both(torch_reference, cls, torch_fn, x, t):
    """The loss and its input gradient from nnbook and from torch's functional form."""
    loss = cls()
    value = loss(x, t)
    grad = loss.backward()
    expected, expected_grad = torch_reference(_torch_loss, torch_fn, x, t)
    return value, grad, expected, expected_grad


@pytest.mark.parametrize("scale", [2.0, -0.5, 0.0])
@pytest.mark.parametrize(
    ("cls", "make"), [(c, m) for c, _, m, _ in CASES], ids=lambda v: getattr(v, "__name__", "")
)
def test_backward_scales_with_grad_output(cls, make, scale, rng):
    x, t = make(rng, (4, 3))
    loss = cls()
    loss(x, t)
    np.testing.assert_allclose(loss.backward(scale), scale * loss.backward())


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize(
    ("cls", "torch_fn", "make", "shape"), PARAMS[:2] + PARAMS[3:5], ids=IDS[:2] + IDS[3:5]
)
def test_nan_input_gives_nan_as_torch(cls, torch_fn, make, shape, rng, torch_reference):
    _compare_non_finite(torch_reference, cls, torch_fn, make, shape, np.nan, rng)


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_cross_entropy_with_a_non_finite_logit_as_torch(bad, rng, torch_reference):
    _compare_non_finite(
        torch_reference, nnbook.CrossEntropyLoss, "cross_entropy", _class_case, (4, 3), bad, rng
    )


def _compare_non_finite(torch_reference, cls, torch_fn, make, shape, bad, rng):
    x, t = make(rng, shape)
    x.reshape(-1)[0] = bad
    value, grad, expected, expected_grad = _both(torch_reference, cls, torch_fn, x, t)
    assert np.isnan(value) and np.isnan(expected)
    np.testing.assert_array_equal(np.isnan(grad), np.isnan(expected_grad))


def test_known_values():
    # Uniform logits over 4 classes: the loss is log 4 whatever the label.
    assert nnbook.CrossEntropyLoss()(np.zeros((3, 4)), np.array([0, 1, 3])) == pytest.approx(
        np.log(4)
    )
    assert nnbook.MSELoss()(np.array([1.0, 3.0]), np.array([0.0, 0.0])) == pytest.approx(5.0)
    assert nnbook.BCEWithLogitsLoss()(np.zeros(2), np.array([0.0, 1.0])) == pytest.approx(np.log(2))
    # A confident wrong answer costs about the logit itself, not inf.
    assert nnbook.BCEWithLogitsLoss()(np.array([1e4]), np.array([0.0])) == pytest.approx(1e4)
    assert nnbook.CrossEntropyLoss()(np.array([[1e4, -1e4]]), np.array([1])) == pytest.approx(2e4)


@pytest.mark.parametrize("cls", [nnbook.MSELoss, nnbook.BCEWithLogitsLoss])
def test_an_empty_input_gives_nan_and_no_warning_as_torch(cls):
    """Regression: an empty input divided by zero (MSE) or warned "Mean of empty slice"."""
    loss = cls()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value = loss(np.zeros((0, 3)), np.zeros((0, 3)))
    assert np.isnan(value)
    assert loss.backward().shape == (0, 3)


def test_cross_entropy_accepts_a_python_int_target_for_one_sample():
    loss = nnbook.CrossEntropyLoss()
    x = np.array([1.0, 2.0, 0.5])
    assert loss(x, 1) == loss(x, np.array(1))


@pytest.mark.parametrize("cls", [nnbook.MSELoss, nnbook.BCEWithLogitsLoss, nnbook.CrossEntropyLoss])
def test_float32_end_to_end(cls, rng):
    make = _class_case if cls is nnbook.CrossEntropyLoss else _float_case
    x, t = make(rng, (6, 4))
    t32 = t if cls is nnbook.CrossEntropyLoss else t.astype(np.float32)
    loss64, loss32 = cls(), cls()
    v64, v32 = loss64(x, t), loss32(x.astype(np.float32), t32)
    g32 = loss32.backward()
    assert type(v32) is float and g32.dtype == np.float32
    assert v32 == pytest.approx(v64, rel=1e-5)
    np.testing.assert_allclose(g32, loss64.backward(), rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("cls", [nnbook.MSELoss, nnbook.BCEWithLogitsLoss])
def test_float_target_errors(cls):
    name = cls.__name__
    loss = cls()
    with pytest.raises(RuntimeError, match=f"{name}.backward called before forward"):
        loss.backward()
    with pytest.raises(TypeError, match=f"{name}: expected input to be a numpy.ndarray"):
        loss([1.0], np.ones(1))
    message = rf"{name}: expected target of shape \(4, 1\) \(the input's\), got \(4,\)"
    with pytest.raises(ValueError, match=message):
        loss(np.ones((4, 1)), np.ones(4))
    with pytest.raises(TypeError, match="expected target of dtype float64, got float32"):
        loss(np.ones(3), np.ones(3, dtype=np.float32))
    with pytest.raises(TypeError, match="expected target with a floating-point dtype, got int64"):
        loss(np.ones(3), np.ones(3, dtype=np.int64))
    loss(np.ones(3), np.ones(3))
    with pytest.raises(TypeError, match="grad_output must be a real number"):
        loss.backward(np.ones(3))


def test_cross_entropy_errors():
    loss = nnbook.CrossEntropyLoss()
    with pytest.raises(RuntimeError, match="CrossEntropyLoss.backward called before forward"):
        loss.backward()
    with pytest.raises(
        TypeError, match="expected integer class indices as target, got dtype float"
    ):
        loss(np.zeros((2, 3)), np.array([0.0, 1.0]))
    with pytest.raises(TypeError, match="expected target to be a numpy.ndarray of class indices"):
        loss(np.zeros((2, 3)), [0, 1])
    message = r"target values must lie in \[0, 3\) for 3 classes, got values from 0 to 3"
    with pytest.raises(ValueError, match=message):
        loss(np.zeros((2, 3)), np.array([0, 3]))
    with pytest.raises(ValueError, match=r"got values from -1 to 1"):
        loss(np.zeros((2, 3)), np.array([-1, 1]))
    message = r"expected target of shape \(2,\) for input of shape \(2, 3\), got \(3,\)"
    with pytest.raises(ValueError, match=message):
        loss(np.zeros((2, 3)), np.array([0, 1, 2]))
    with pytest.raises(ValueError, match="got a scalar"):
        loss(np.array(1.0), np.array(0))
    with pytest.raises(TypeError, match="floating-point dtype, got int64"):
        loss(np.zeros((2, 3), dtype=np.int64), np.array([0, 1]))


@pytest.mark.parametrize("ignore_index", [-100, 0, 7])
@pytest.mark.parametrize("shape", [(6, 4), (3, 4, 5)])
def test_cross_entropy_ignore_index_matches_torch(shape, ignore_index, rng, torch_reference):
    # 0 is also a class (ignoring a padding class); 7 is outside the 4 classes, like -100.
    x, t = _class_case(rng, shape)
    t.flat[[0, 2, 3]] = ignore_index
    loss = nnbook.CrossEntropyLoss(ignore_index=ignore_index)
    value = loss(x, t)
    grad = loss.backward()
    expected, expected_grad = torch_reference(
        _torch_loss, "cross_entropy", x, t, ignore_index=ignore_index
    )
    np.testing.assert_allclose(value, expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(grad, expected_grad, rtol=1e-10, atol=1e-14)
    assert not np.moveaxis(grad, 1, -1)[t == ignore_index].any()
    numeric = numerical_gradient(lambda: loss(x, t), x)
    assert relative_error(grad, numeric) < 1e-6
    # The mean is over the kept targets: the same as the loss of those targets alone.
    kept = t != ignore_index
    alone = nnbook.CrossEntropyLoss()(np.moveaxis(x, 1, -1)[kept], t[kept])
    assert value == pytest.approx(alone, rel=1e-12)


def test_cross_entropy_all_ignored_is_nan_as_in_torch(rng, torch_reference):
    x = rng.standard_normal((3, 4))
    t = np.full(3, -100)
    loss = nnbook.CrossEntropyLoss()
    value = loss(x, t)
    expected, expected_grad = torch_reference(_torch_loss, "cross_entropy", x, t)
    assert np.isnan(value) and np.isnan(expected)
    np.testing.assert_array_equal(loss.backward(), expected_grad)  # zeros
    assert np.isnan(loss(x[0], -100)) and not loss.backward().any()  # one sample, ignored


def test_cross_entropy_ignore_index_errors():
    loss = nnbook.CrossEntropyLoss(ignore_index=-1)
    assert loss(np.zeros((2, 3)), np.array([-1, 1])) == pytest.approx(np.log(3))
    message = r"got values from 1 to 3 \(besides ignore_index=-1\)"
    with pytest.raises(ValueError, match=message):
        loss(np.zeros((3, 3)), np.array([-1, 1, 3]))
    with pytest.raises(ValueError, match="got values from -100 to 1"):
        loss(np.zeros((2, 3)), np.array([-100, 1]))
    with pytest.raises(TypeError, match="CrossEntropyLoss: ignore_index must be an int, got float"):
        nnbook.CrossEntropyLoss(ignore_index=-1.0)
    with pytest.raises(TypeError, match="ignore_index must be an int, got bool"):
        nnbook.CrossEntropyLoss(ignore_index=True)
    with pytest.raises(TypeError):
        nnbook.CrossEntropyLoss(-100)  # keyword-only: torch's first positional is weight


def test_softmax_then_log_underflows_where_cross_entropy_does_not():
    # The reason the loss takes logits: log(softmax) is -inf for a large logit gap.
    x = np.array([[0.0, 1000.0]])
    with np.errstate(divide="ignore"):
        naive = -np.log(nnbook.functional.softmax(x)[0, 0])
    assert np.isinf(naive)
    assert nnbook.CrossEntropyLoss()(x, np.array([0])) == pytest.approx(1000.0)

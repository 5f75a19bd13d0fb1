"""RNNCell, LSTMCell and GRUCell: shapes, gradient checks, torch cross-checks, errors."""

import numpy as np
import pytest
from rnn_helpers import CELLS
from torch_helpers import assert_grads_equal, module_reference

import nnbook
from nnbook.gradcheck import check_module
from nnbook.module import Module

ALL = list(CELLS)


def _make(kind, D, H, bias=True, dtype=np.float64, rng=0):
    cls, _, extra = CELLS[kind]
    return cls(D, H, bias, rng=rng, dtype=dtype, **extra)


class FlatLSTMCell(Module):
    """``LSTMCell`` as forward(x, h, c) -> selected of (h', c'), backward -> (gx, gh, gc)."""

    def __init__(self, cell, use_h=True, use_c=True):
        super().__init__()
        self.cell, self.use_h, self.use_c = cell, use_h, use_c

    def forward(self, x, h, c):
        h_new, c_new = self.cell(x, (h, c))
        return ((h_new,) if self.use_h else ()) + ((c_new,) if self.use_c else ())

    def backward(self, *grads):
        grads = list(grads)
        grad_h = grads.pop(0) if self.use_h else None
        grad_c = grads.pop(0) if self.use_c else None
        grad_x, (grad_h_prev, grad_c_prev) = self.cell.backward(grad_h, grad_c)
        return grad_x, grad_h_prev, grad_c_prev


@pytest.mark.parametrize("kind", ALL)
@pytest.mark.parametrize("N, D, H", [(1, 1, 1), (4, 3, 5)])
def test_shapes(kind, N, D, H, rng):
    cell = _make(kind, D, H)
    G = {"lstm": 4, "gru": 3}.get(kind, 1)
    assert cell.weight_ih.shape == (G * H, D) and cell.weight_hh.shape == (G * H, H)
    assert cell.bias_ih.shape == cell.bias_hh.shape == (G * H,)
    out = cell(rng.standard_normal((N, D)))
    for state in out if kind == "lstm" else (out,):
        assert state.shape == (N, H)
    grad_x, grad_state = cell.backward(np.ones((N, H)))
    assert grad_x.shape == (N, D)
    assert grad_state is None  # forward had no state: nothing to differentiate


@pytest.mark.parametrize("kind", ALL)
@pytest.mark.parametrize("bias", [True, False])
def test_gradcheck(kind, bias, rng):
    cell = _make(kind, 3, 4, bias)
    x, h = rng.standard_normal((2, 3)), rng.standard_normal((2, 4))
    if kind == "lstm":
        errors = check_module(
            FlatLSTMCell(cell), x, h, rng.standard_normal((2, 4)), select=lambda out: out
        )
        n_inputs = 3
    else:
        errors = check_module(cell, x, h)
        n_inputs = 2
    assert len(errors) == n_inputs + (4 if bias else 2)
    for name, err in errors.items():
        assert err < 1e-6, (name, err)


@pytest.mark.parametrize("use_h, use_c", [(True, False), (False, True)])
def test_lstm_cell_gradcheck_through_h_or_c_only(use_h, use_c, rng):
    cell = FlatLSTMCell(_make("lstm", 3, 4), use_h, use_c)
    errors = check_module(
        cell,
        rng.standard_normal((2, 3)),
        rng.standard_normal((2, 4)),
        rng.standard_normal((2, 4)),
        select=lambda out: out,
    )
    for name, err in errors.items():
        assert err < 1e-6, (name, err)


@pytest.mark.parametrize("kind", ALL)
def test_gradcheck_without_state(kind, rng):
    errors = check_module(_make(kind, 3, 4), rng.standard_normal((2, 3)), select=lambda out: out)
    assert "input0" in errors
    for name, err in errors.items():
        assert err < 1e-6, (name, err)


@pytest.mark.parametrize("kind", ALL)
@pytest.mark.parametrize("with_state", [False, True])
@pytest.mark.parametrize("bias", [True, False])
def test_matches_torch(kind, with_state, bias, rng, torch_reference):
    cell = _make(kind, 3, 5, bias, rng=1)
    x = rng.standard_normal((4, 3))
    state = tuple(rng.standard_normal((4, 5)) for _ in range(2 if kind == "lstm" else 1))
    grads = tuple(rng.standard_normal((4, 5)) for _ in state)
    if kind == "lstm":
        state_arg = state if with_state else None
        out = cell(x, state_arg)
        grad_x, grad_state = cell.backward(*grads)
    else:
        state_arg = state[0] if with_state else None
        out = (cell(x, state_arg),)
        grad_x, grad_state = cell.backward(grads[0])
        grad_state = (grad_state,) if with_state else None
    # torch's output leaves are h' (or h', c'), each with its upstream gradient in the loss.
    expected = module_reference(
        torch_reference, cell, [x, state_arg], list(grads), chosen=range(len(grads))
    )
    t_grad_x, *t_grad_state = expected["inputs"]  # the gradients of x and of each state
    for ours, theirs in zip(out, expected["output"], strict=True):
        np.testing.assert_allclose(ours, theirs, atol=1e-12, rtol=1e-10)
    np.testing.assert_allclose(grad_x, t_grad_x, atol=1e-10, rtol=1e-8)
    if with_state:
        for ours, theirs in zip(grad_state, t_grad_state, strict=True):
            np.testing.assert_allclose(ours, theirs, atol=1e-10, rtol=1e-8)
    else:
        assert grad_state is None
    assert_grads_equal(cell, expected["params"])


@pytest.mark.parametrize("kind", ALL)
def test_float32(kind, rng):
    c64, c32 = _make(kind, 3, 4), _make(kind, 3, 4, dtype=np.float32)
    c32.load_state_dict(c64.state_dict())
    x = rng.standard_normal((2, 3))
    out64, out32 = c64(x), c32(x.astype(np.float32))
    g = np.ones((2, 4))
    gx64, _ = c64.backward(g)
    gx32, _ = c32.backward(g.astype(np.float32))
    out64 = out64 if kind == "lstm" else (out64,)
    out32 = out32 if kind == "lstm" else (out32,)
    for a32, a64 in zip(out32, out64, strict=True):
        assert a32.dtype == np.float32
        np.testing.assert_allclose(a32, a64, atol=1e-6)
    assert gx32.dtype == np.float32
    np.testing.assert_allclose(gx32, gx64, atol=1e-5)
    for p in c32.parameters():
        assert p.grad.dtype == np.float32


@pytest.mark.parametrize("kind", ALL)
def test_errors(kind, rng):
    cell = _make(kind, 3, 4)
    name = type(cell).__name__
    with pytest.raises(RuntimeError, match=f"{name}.backward called before forward"):
        cell.backward(np.ones((2, 4)))
    with pytest.raises(ValueError, match=r"expected 2-D input, got shape \(3,\)"):
        cell(rng.standard_normal(3))
    with pytest.raises(ValueError, match=r"last dimension 3, got shape \(2, 2\)"):
        cell(rng.standard_normal((2, 2)))
    with pytest.raises(TypeError, match="expected input of dtype float64.*got float32"):
        cell(rng.standard_normal((2, 3)).astype(np.float32))
    bad = rng.standard_normal((3, 4))  # batch of 3, input batch of 2
    with pytest.raises(
        ValueError,
        match=r"expected h of shape \(N, hidden_size\) = \(2, 4\), "
        r"got \(3, 4\)",
    ):
        cell(rng.standard_normal((2, 3)), (bad, bad) if kind == "lstm" else bad)
    with pytest.raises(ValueError, match=f"{name}: input_size must be positive"):
        type(cell)(0, 4)
    with pytest.raises(TypeError, match="dtype must be float32 or float64"):
        type(cell)(3, 4, dtype=np.int32)


def test_cell_specific_errors(rng):
    with pytest.raises(ValueError, match="RNNCell: nonlinearity must be 'tanh' or 'relu'"):
        nnbook.RNNCell(3, 4, nonlinearity="sigmoid")
    with pytest.raises(TypeError, match=r"LSTMCell: expected state to be a tuple \(h, c\)"):
        nnbook.LSTMCell(3, 4)(rng.standard_normal((2, 3)), rng.standard_normal((2, 4)))

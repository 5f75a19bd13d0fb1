"""What only the LSTM has: the cell state, its calling convention and the constant-error path.

The shared checks (shapes, gradients, torch, float32, errors) run for the LSTM in test_rnn.py.
"""

import numpy as np
import pytest

import nnbook


def _saturate(weight_ih, weight_hh, bias_ih, H, big=50.0):
    """Forget gate forced to 1 and input gate to 0: large biases, no input or recurrent weight."""
    for w in (weight_ih, weight_hh):
        w.data[: 2 * H] = 0  # rows of i and f
    bias_ih.data[:H] = -big  # input gate -> sigma(-50) = 0
    bias_ih.data[H : 2 * H] = big  # forget gate -> sigma(50) = 1


def test_cell_state_is_carried_unchanged_when_forget_is_1_and_input_is_0(rng):
    N, T, D, H = 3, 20, 4, 5
    lstm = nnbook.LSTM(D, H, rng=0)
    _saturate(lstm.weight_ih_l0, lstm.weight_hh_l0, lstm.bias_ih_l0, H)
    x = rng.standard_normal((N, T, D))
    c0 = rng.standard_normal((1, N, H))
    output, (h_n, c_n) = lstm(x, (rng.standard_normal((1, N, H)), c0))
    np.testing.assert_allclose(c_n, c0, rtol=0, atol=1e-15)
    # ... and the gradient of c_n reaches c0 unchanged: no vanishing through the cell state.
    grad_c_n = rng.standard_normal((1, N, H))
    lstm.backward(None, (None, grad_c_n))
    np.testing.assert_allclose(lstm.grad_state[1], grad_c_n, rtol=0, atol=1e-15)
    # The hidden state still moves: only the memory is frozen.
    assert not np.allclose(output[:, 0], output[:, -1])


def test_cell_state_unchanged_at_every_step_with_cells(rng):
    D, H = 4, 5
    cell = nnbook.LSTMCell(D, H, rng=0)
    _saturate(cell.weight_ih, cell.weight_hh, cell.bias_ih, H)
    h, c0 = rng.standard_normal((2, H)), rng.standard_normal((2, H))
    c = c0
    for _ in range(10):
        h, c = cell(rng.standard_normal((2, D)), (h, c))
        np.testing.assert_allclose(c, c0, rtol=0, atol=1e-15)


def test_gates_are_stacked_i_f_g_o(rng):
    """Only the rows H:2H act as the forget gate (torch's order i, f, g, o)."""
    H = 3
    lstm = nnbook.LSTM(2, H, rng=0)
    lstm.weight_ih_l0.data[:] = 0
    lstm.weight_hh_l0.data[:] = 0
    lstm.bias_ih_l0.data[:] = 0
    lstm.bias_hh_l0.data[:] = 0
    lstm.bias_ih_l0.data[H : 2 * H] = 50  # f = 1; i = o = 1/2, g = 0
    c0 = rng.standard_normal((1, 1, H))
    _, (h_n, c_n) = lstm(rng.standard_normal((1, 1, 2)), (np.zeros((1, 1, H)), c0))
    np.testing.assert_allclose(c_n, c0, atol=1e-15)
    np.testing.assert_allclose(h_n, 0.5 * np.tanh(c0), atol=1e-15)


def test_state_errors(rng):
    lstm = nnbook.LSTM(3, 4)
    x = rng.standard_normal((2, 5, 3))
    h0 = np.zeros((1, 2, 4))
    with pytest.raises(TypeError, match=r"LSTM: expected state to be a tuple \(h0, c0\)"):
        lstm(x, h0)
    with pytest.raises(TypeError, match="LSTM: state must hold both h0 and c0"):
        lstm(x, (h0, None))
    with pytest.raises(ValueError, match=r"expected c0 of shape .* = \(1, 2, 4\), got \(1, 2, 3\)"):
        lstm(x, (h0, np.zeros((1, 2, 3))))
    lstm(x)
    with pytest.raises(TypeError, match=r"grad_state to be a tuple \(grad_h_n, grad_c_n\)"):
        lstm.backward(None, np.zeros((1, 2, 4)))
    with pytest.raises(
        ValueError, match=r"grad_c_n of shape \(1, 2, 4\) \(the output's\), got \(2, 4\)"
    ):
        lstm.backward(None, (None, np.zeros((2, 4))))


def test_many_to_one_gradient_only_through_h_n(rng):
    """grad_output=None: the loss sees only the last hidden state (sequence classification)."""
    lstm = nnbook.LSTM(3, 4, rng=0)
    x = rng.standard_normal((2, 6, 3))
    lstm(x)
    grad_x = lstm.backward(None, (np.ones((1, 2, 4)), None))
    assert lstm.grad_state is None  # no state was passed to forward
    # Every step influences h_n, the last one most directly.
    assert np.all(np.abs(grad_x).sum(axis=(0, 2)) > 0)

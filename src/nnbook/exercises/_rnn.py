"""Exercises of the recurrent chapters: ``rnn_step`` (rnn) and ``lstm_step`` (lstm).

See the exercises at the end of each chapter.
"""

from __future__ import annotations

import numpy as np

from ..functional import sigmoid
from ..layers.rnn_cells import LSTMCell, RNNCell
from ._core import (
    TOLERANCE,
    CheckFailed,
    Exercise,
    expect_array,
    expect_close,
    expect_shape,
    expect_tuple,
)


def _weights(rng, gates, d, h):
    """Random W_ih (G*H, D), W_hh (G*H, H), b_ih, b_hh (G*H,), as a torch cell's state dict."""
    shapes = {"weight_ih": (gates * h, d), "weight_hh": (gates * h, h)}
    shapes.update(bias_ih=(gates * h,), bias_hh=(gates * h,))
    return {name: rng.uniform(-1, 1, shape) for name, shape in shapes.items()}


def _rnn_case(rng, n, d, h):
    x, h0 = rng.standard_normal((n, d)), rng.standard_normal((n, h))
    p = _weights(rng, 1, d, h)
    cell = RNNCell(d, h)
    cell.load_state_dict(p)
    args = (x, h0, p["weight_ih"], p["weight_hh"], p["bias_ih"], p["bias_hh"])
    return args, cell(x, h0)


def _rnn_mistakes(x, h, W_ih, W_hh, b_ih, b_hh):
    pre = x @ W_ih.T + b_ih + h @ W_hh.T + b_hh
    mistakes = [
        (pre, "the tanh is missing: h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)."),
        (sigmoid(pre), "that is a sigmoid; torch's RNNCell uses tanh."),
        (np.maximum(pre, 0), "that is a ReLU; torch's RNNCell uses tanh by default."),
        (np.tanh(pre - b_hh), "b_hh is missing: torch's cell has two biases, b_ih and b_hh."),
        (np.tanh(pre - b_ih), "b_ih is missing: torch's cell has two biases, b_ih and b_hh."),
        (np.tanh(x @ W_ih.T + b_ih + b_hh), "the previous state h is not used: add h W_hh^T."),
    ]
    if W_ih.shape[0] == W_ih.shape[1]:
        mistakes.append(
            (
                np.tanh(x @ W_ih + b_ih + h @ W_hh + b_hh),
                "the weights are "
                "transposed: torch stores W_ih as (H, D), so the product is x @ W_ih.T.",
            )
        )
    return mistakes


def _rnn_checks(call, rng):
    n, d, h = 3, 4, 5
    args, ref = _rnn_case(rng, n, d, h)
    out = expect_array(call(*args), "h'")
    yield "runs and returns an ndarray"
    expect_shape(out, (n, h), "h'", [((h, n), "h' is transposed: one row per sample, (N, H).")])
    yield f"h' has shape (N, H) = {(n, h)}"
    expect_close(out, ref, "h'", _rnn_mistakes(*args))
    yield f"values match nnbook.RNNCell ({TOLERANCE})"
    # With D = H a transposed weight has the right shape, so only the values tell.
    args, ref = _rnn_case(rng, n, h, h)
    out = expect_array(call(*args), "h' (with D = H)")
    expect_shape(out, (n, h), "h' (with D = H)")
    expect_close(out, ref, "h' (with D = H)", _rnn_mistakes(*args))
    yield "right with D = H too, where transposed weights have the right shape"


# Gate orders other libraries or texts use, and the hint each gets.
GATE_ORDERS = {
    "figo": "the gate order is wrong: torch stacks the rows of W_ih, W_hh and the biases as "
    "i, f, g, o (input, forget, cell, output), not f, i, g, o.",
    "fgio": "the gate order is wrong: torch stacks i, f, g, o, not f, g, i, o (the order of "
    "'Deep Learning from Scratch 2').",
    "ifog": "the gate order is wrong: torch stacks i, f, g, o; the candidate g is the third "
    "block and the output gate o the fourth.",
}


def _lstm_variant(args, order="ifgo", g_act=np.tanh, tanh_c=True, use_i=True):
    """The LSTM step computed with a deliberate mistake; returns (h', c')."""
    x, h, c, W_ih, W_hh, b_ih, b_hh = args
    blocks = np.split(x @ W_ih.T + b_ih + h @ W_hh.T + b_hh, 4, axis=1)  # 4 × (N, H)
    z = dict(zip(order, blocks, strict=True))
    i, f, g, o = sigmoid(z["i"]), sigmoid(z["f"]), g_act(z["g"]), sigmoid(z["o"])
    c_new = f * c + (i * g if use_i else g)
    return o * (np.tanh(c_new) if tanh_c else c_new), c_new


def _lstm_case(rng, n, d, h):
    x, h0, c0 = (rng.standard_normal(shape) for shape in ((n, d), (n, h), (n, h)))
    p = _weights(rng, 4, d, h)
    cell = LSTMCell(d, h)
    cell.load_state_dict(p)
    args = (x, h0, c0, p["weight_ih"], p["weight_hh"], p["bias_ih"], p["bias_hh"])
    return args, cell(x, (h0, c0))


def _lstm_checks(call, rng):
    n, d, h = 3, 4, 5
    args, (ref_h, ref_c) = _lstm_case(rng, n, d, h)
    out = expect_tuple(call(*args), ["h'", "c'"])
    new_h, new_c = expect_array(out[0], "h'"), expect_array(out[1], "c'")
    yield "runs and returns a tuple (h', c') of ndarrays"
    stacked = (
        (n, 4 * h),
        "these are the stacked gate pre-activations, (N, 4H): split them "
        "into the four gates with np.split(..., 4, axis=1).",
    )
    expect_shape(new_h, (n, h), "h'", [stacked])
    expect_shape(new_c, (n, h), "c'", [stacked])
    yield f"h' and c' have shape (N, H) = {(n, h)}"
    if np.allclose(new_h, ref_c) and np.allclose(new_c, ref_h) and not np.allclose(new_h, ref_h):
        raise CheckFailed("h' and c' are swapped: return (h', c'), the hidden state first.")
    variants = [(_lstm_variant(args, order), hint) for order, hint in GATE_ORDERS.items()]
    variants += [
        (_lstm_variant(args, g_act=sigmoid), "the candidate g uses tanh, not a sigmoid."),
        (_lstm_variant(args, use_i=False), "the input gate is missing: c' = f * c + i * g."),
    ]
    expect_close(new_c, ref_c, "c'", [(vc, hint) for (_, vc), hint in variants])
    yield f"c' matches nnbook.LSTMCell ({TOLERANCE})"
    variants.append((_lstm_variant(args, tanh_c=False), "h' = o * tanh(c'): the tanh is missing."))
    expect_close(new_h, ref_h, "h'", [(vh, hint) for (vh, _), hint in variants])
    yield f"h' matches nnbook.LSTMCell ({TOLERANCE})"


LSTM_ERROR = (
    "W_ih is (4H, D) and W_hh (4H, H), the four gates' rows stacked: the pre-activations "
    "x @ W_ih.T + b_ih + h @ W_hh.T + b_hh are (N, 4H), and np.split(..., 4, axis=1) gives "
    "i, f, g, o."
)

EXERCISES = [
    Exercise(
        name="rnn_step",
        chapter="rnn",
        signature="rnn_step(x, h, W_ih, W_hh, b_ih, b_hh) -> h_new",
        summary="one time step of an Elman RNN, as torch.nn.RNNCell",
        task=(
            "Compute one step of a tanh RNN with torch's weight layout.\n\n"
            "x : (N, D), the inputs at this step; h : (N, H), the previous hidden state.\n"
            "W_ih : (H, D); W_hh : (H, H); b_ih, b_hh : (H,).\n"
            "Return h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh), shape (N, H)."
        ),
        checks=_rnn_checks,
        error_hint="W_ih is (H, D) and W_hh (H, H) in torch's layout: x @ W_ih.T is (N, H).",
    ),
    Exercise(
        name="lstm_step",
        chapter="lstm",
        signature="lstm_step(x, h, c, W_ih, W_hh, b_ih, b_hh) -> (h_new, c_new)",
        summary="one time step of an LSTM, as torch.nn.LSTMCell (gates i, f, g, o)",
        task=(
            "Compute one step of an LSTM with torch's weight layout and gate order.\n\n"
            "x : (N, D); h, c : (N, H), the previous hidden and cell states.\n"
            "W_ih : (4H, D); W_hh : (4H, H); b_ih, b_hh : (4H,). Their rows are four blocks of "
            "H, for the gates in the order i, f, g, o.\n"
            "With z = x W_ih^T + b_ih + h W_hh^T + b_hh split into four (N, H) blocks:\n"
            "i = σ(z_i), f = σ(z_f), g = tanh(z_g), o = σ(z_o),\n"
            "c' = f * c + i * g, h' = o * tanh(c').\n"
            "Return (h', c'), each (N, H)."
        ),
        checks=_lstm_checks,
        error_hint=LSTM_ERROR,
    ),
]

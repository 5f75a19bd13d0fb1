"""Every layer's backward pass rejects an upstream gradient of the wrong shape or dtype.

The message names the layer, the expected shape (the forward output's) and the actual one, or
the expected and actual dtype, instead of failing later inside a NumPy operation or, worse,
broadcasting a wrong gradient silently.
"""

import re

import numpy as np
import pytest

import nnbook

rng = np.random.default_rng(0)
x2 = rng.standard_normal((2, 3))
x3 = rng.standard_normal((2, 4, 6))
img = rng.standard_normal((2, 3, 6, 6))

# name -> (module, forward arguments, name of the gradient argument)
CASES = {
    "Linear": (nnbook.Linear(3, 5, rng=0), (x2,), "grad_output"),
    "Linear 3-D": (nnbook.Linear(6, 5, rng=0), (x3,), "grad_output"),
    "ReLU": (nnbook.ReLU(), (x3,), "grad_output"),
    "Conv2d": (nnbook.Conv2d(3, 4, 3, padding=1, rng=0), (img,), "grad_output"),
    "MaxPool2d": (nnbook.MaxPool2d(2), (img,), "grad_output"),
    "AvgPool2d": (nnbook.AvgPool2d(2), (img,), "grad_output"),
    "Flatten": (nnbook.Flatten(), (img,), "grad_output"),
    "LayerNorm": (nnbook.LayerNorm(6), (x3,), "grad_output"),
    "Dropout train": (nnbook.Dropout(0.5, rng=0), (x3,), "grad_output"),
    "Dropout eval": (nnbook.Dropout(0.5, rng=0).eval(), (x3,), "grad_output"),
    "Embedding": (nnbook.Embedding(5, 3, rng=0), (np.array([[0, 1], [2, 4]]),), "grad_output"),
    "PositionalEncoding": (nnbook.PositionalEncoding(6, 10), (x3,), "grad_output"),
    "MultiheadAttention": (nnbook.MultiheadAttention(6, 2, rng=0), (x3, x3, x3), "grad_output"),
    "TransformerEncoderLayer": (
        nnbook.TransformerEncoderLayer(6, 2, 8, dropout=0.0, rng=0),
        (x3,),
        "grad_output",
    ),
    "TransformerEncoderLayer norm_first": (
        nnbook.TransformerEncoderLayer(6, 2, 8, dropout=0.0, norm_first=True, rng=0),
        (x3,),
        "grad_output",
    ),
    "TransformerDecoderLayer": (
        nnbook.TransformerDecoderLayer(6, 2, 8, dropout=0.0, rng=0),
        (x3, x3[:, :3]),
        "grad_output",
    ),
    "RNNCell": (nnbook.RNNCell(3, 5, rng=0), (x2,), "grad_h"),
    "LSTMCell": (nnbook.LSTMCell(3, 5, rng=0), (x2,), "grad_h"),
    "GRUCell": (nnbook.GRUCell(3, 5, rng=0), (x2,), "grad_h"),
    "RNN": (nnbook.RNN(6, 5, rng=0), (x3,), "grad_output"),
    "LSTM": (nnbook.LSTM(6, 5, rng=0), (x3,), "grad_output"),
    "GRU": (nnbook.GRU(6, 5, rng=0), (x3,), "grad_output"),
}


def _output(out):
    """The array the gradient argument of backward is shaped like."""
    return out[0] if isinstance(out, tuple) else out


@pytest.mark.parametrize("case", list(CASES))
def test_wrong_shape_and_dtype(case):
    module, args, name = CASES[case]
    out = _output(module(*args))
    owner = type(module).__name__
    good = np.ones_like(out)
    module.backward(good)  # the right gradient passes
    module(*args)
    bad_shape = np.ones(out.shape[:-1] + (out.shape[-1] + 1,))
    message = f"{owner}: expected {name} of shape {out.shape} (the output's), got {bad_shape.shape}"
    with pytest.raises(ValueError, match=re.escape(message)):
        module.backward(bad_shape)
    with pytest.raises(ValueError, match=re.escape(f"got {out.shape[1:]}")):
        module.backward(np.ones(out.shape[1:]))  # one axis short: never broadcast
    with pytest.raises(TypeError, match=f"{owner}: expected {name} of dtype float64, got float32"):
        module.backward(good.astype(np.float32))


def test_lstm_cell_checks_grad_c():
    cell = nnbook.LSTMCell(3, 5, rng=0)
    cell(x2)
    with pytest.raises(
        ValueError, match=re.escape("expected grad_c of shape (2, 5) (the output's)")
    ):
        cell.backward(np.ones((2, 5)), np.ones((1, 5)))

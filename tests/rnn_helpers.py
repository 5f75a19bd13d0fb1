"""Shared by the recurrent-layer tests: build each kind of module, flatten its state for checks."""

import numpy as np

import nnbook
from nnbook.module import Module

# kind -> (nnbook class, torch class name, extra constructor arguments)
KINDS = {
    "rnn_tanh": (nnbook.RNN, "RNN", {"nonlinearity": "tanh"}),
    "rnn_relu": (nnbook.RNN, "RNN", {"nonlinearity": "relu"}),
    "lstm": (nnbook.LSTM, "LSTM", {}),
    "gru": (nnbook.GRU, "GRU", {}),
}
CELLS = {
    "rnn_tanh": (nnbook.RNNCell, "RNNCell", {"nonlinearity": "tanh"}),
    "rnn_relu": (nnbook.RNNCell, "RNNCell", {"nonlinearity": "relu"}),
    "lstm": (nnbook.LSTMCell, "LSTMCell", {}),
    "gru": (nnbook.GRUCell, "GRUCell", {}),
}


def num_states(kind):
    return 2 if kind == "lstm" else 1


def make(kind, input_size, hidden_size, num_layers=1, bias=True, rng=0, dtype=np.float64):
    cls, _, extra = KINDS[kind]
    return cls(input_size, hidden_size, num_layers, bias=bias, rng=rng, dtype=dtype, **extra)


def torch_state_shapes(kind, input_size, hidden_size, num_layers, bias):
    """The ``(name, shape)`` of each entry of torch's ``state_dict`` for this module, in order.

    A torch function (see torch_helpers.py): plain arguments in, plain results out.
    """
    import torch

    _, name, extra = KINDS[kind]
    module = getattr(torch.nn, name)(
        input_size, hidden_size, num_layers, bias=bias, batch_first=True, **extra
    )
    return [(key, tuple(value.shape)) for key, value in module.state_dict().items()]


def random_states(kind, rng, shape):
    return tuple(rng.standard_normal(shape) for _ in range(num_states(kind)))


class Flat(Module):
    """A sequence module seen as ``forward(x, *init) -> selected outputs`` and
    ``backward(*grads) -> (grad_x, *grad_init)``, so that ``check_module`` checks the gradients
    of the initial state too and can put only the final state into the loss.

    ``use_output`` / ``use_final`` choose what the forward returns (and what backward receives).
    """

    def __init__(self, inner, use_output=True, use_final=True):
        super().__init__()
        self.inner = inner
        self.lstm = isinstance(inner, nnbook.LSTM)
        self.use_output, self.use_final = use_output, use_final

    def forward(self, x, *init):
        if self.lstm:
            output, final = self.inner(x, tuple(init) if init else None)
        else:
            output, final = self.inner(x, init[0] if init else None)
            final = (final,)
        return ((output,) if self.use_output else ()) + (tuple(final) if self.use_final else ())

    def backward(self, *grads):
        grads = list(grads)
        grad_output = grads.pop(0) if self.use_output else None
        if self.lstm:
            grad_x = self.inner.backward(grad_output, tuple(grads) if grads else None)
            grad_init = self.inner.grad_state
        else:
            grad_x = self.inner.backward(grad_output, grads[0] if grads else None)
            grad_init = None if self.inner.grad_h0 is None else (self.inner.grad_h0,)
        return (grad_x,) + (tuple(grad_init) if grad_init is not None else ())

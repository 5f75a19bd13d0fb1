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


def make_torch(kind, input_size, hidden_size, num_layers=1, bias=True):
    import torch

    _, name, extra = KINDS[kind]
    torch.manual_seed(0)
    module = getattr(torch.nn, name)(
        input_size, hidden_size, num_layers, bias=bias, batch_first=True, **extra
    )
    return module.double()


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


def torch_run(torch_module, x, init, grad_output, grad_final):
    """Forward and backward in torch; returns (output, finals, grad_x, grad_init) as numpy."""
    import torch
    from torch_helpers import to_torch

    xt = to_torch(x, requires_grad=True)
    init_t = [to_torch(s, requires_grad=True) for s in init]
    if isinstance(torch_module, torch.nn.LSTM):
        output, finals = torch_module(xt, tuple(init_t) if init_t else None)
    else:
        output, finals = torch_module(xt, init_t[0] if init_t else None)
        finals = (finals,)
    loss = 0
    if grad_output is not None:
        loss = loss + (output * to_torch(grad_output)).sum()
    for f, g in zip(finals, grad_final, strict=True):
        if g is not None:
            loss = loss + (f * to_torch(g)).sum()
    loss.backward()
    return (
        output.detach().numpy(),
        tuple(f.detach().numpy() for f in finals),
        xt.grad.numpy(),
        tuple(s.grad.numpy() for s in init_t),
    )

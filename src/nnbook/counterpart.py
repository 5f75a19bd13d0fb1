"""The ``torch.nn`` module that computes what an nnbook module computes, and running it.

:func:`torch_spec` describes the counterpart as plain data (a dict naming the ``torch.nn``
class and its arguments), without importing torch. That description, the nnbook module's
``state_dict``, its inputs and the upstream gradients are all :func:`torch_results` needs to
run the counterpart; being plain data, they also name a recorded result in a
:class:`~nnbook.reference.ReferenceStore`, so the comparison runs where PyTorch is not installed.

See the chapter :doc:`/backpropagation`.
"""

from __future__ import annotations

import numpy as np

from .layers.activation import GELU, ReLU, Sigmoid, Softmax, Tanh
from .layers.attention import MultiheadAttention
from .layers.conv import Conv2d
from .layers.conv1d import Conv1d
from .layers.dropout import Dropout
from .layers.embedding import Embedding
from .layers.linear import Linear
from .layers.lstm import GRU, LSTM
from .layers.normalization import LayerNorm
from .layers.pooling import AvgPool2d, Flatten, MaxPool2d
from .layers.rnn import RNN
from .layers.rnn_cells import GRUCell, LSTMCell, RNNCell
from .layers.transformer import (
    TransformerDecoder,
    TransformerDecoderLayer,
    TransformerEncoder,
    TransformerEncoderLayer,
)
from .module import Sequential


class NoCounterpart(LookupError):
    """``torch.nn`` has no module equivalent to this nnbook module."""


def _spec(name: str, *args, **kwargs) -> dict:
    return {"module": name, "args": list(args), "kwargs": kwargs}


def _transformer_layer(m) -> dict:
    decoder = isinstance(m, TransformerDecoderLayer)
    return _spec(
        "TransformerDecoderLayer" if decoder else "TransformerEncoderLayer",
        m.d_model,
        m.self_attn.num_heads,
        m.linear1.out_features,
        dropout=0.0,
        activation="gelu" if isinstance(m.activation, GELU) else "relu",
        layer_norm_eps=float(m.norm1.eps),
        batch_first=True,
        norm_first=bool(m.norm_first),
        bias=m.linear1.bias is not None,
    )


def _transformer_stack(m) -> dict:
    norm = None if m.norm is None else _describe(m.norm)
    layer = _describe(m.layers[0])
    if isinstance(m, TransformerEncoder):
        return _spec("TransformerEncoder", layer, len(m.layers), norm, enable_nested_tensor=False)
    return _spec("TransformerDecoder", layer, len(m.layers), norm)


def _recurrent(m) -> dict:
    extra = {"nonlinearity": m.nonlinearity} if isinstance(m, RNN) else {}
    return _spec(
        _base(m).__name__,  # RNN, LSTM, GRU: torch's names
        m.input_size,
        m.hidden_size,
        m.num_layers,
        bias=bool(m.bias),
        batch_first=True,
        **extra,
    )


def _cell(m) -> dict:
    extra = {"nonlinearity": m.nonlinearity} if isinstance(m, RNNCell) else {}
    return _spec(
        _base(m).__name__, m.input_size, m.hidden_size, bias=m.bias_ih is not None, **extra
    )


def _ints(value):
    return [int(v) for v in value] if isinstance(value, (tuple, list)) else int(value)


# For each nnbook class, a function: module -> the description of its torch counterpart.
_DESCRIBE = {
    Linear: lambda m: _spec("Linear", m.in_features, m.out_features, bias=m.bias is not None),
    ReLU: lambda m: _spec("ReLU"),
    Tanh: lambda m: _spec("Tanh"),
    Sigmoid: lambda m: _spec("Sigmoid"),
    Softmax: lambda m: _spec("Softmax", dim=int(m.dim)),
    GELU: lambda m: _spec("GELU", approximate=m.approximate),
    Conv1d: lambda m: _spec(
        "Conv1d",
        m.in_channels,
        m.out_channels,
        m.kernel_size,
        m.stride,
        m.padding,
        m.dilation,
        bias=m.bias is not None,
    ),
    Conv2d: lambda m: _spec(
        "Conv2d",
        m.in_channels,
        m.out_channels,
        _ints(m.kernel_size),
        _ints(m.stride),
        _ints(m.padding),
        bias=m.bias is not None,
    ),
    MaxPool2d: lambda m: _spec(
        "MaxPool2d", _ints(m.kernel_size), _ints(m.stride), _ints(m.padding)
    ),
    AvgPool2d: lambda m: _spec(
        "AvgPool2d", _ints(m.kernel_size), _ints(m.stride), _ints(m.padding)
    ),
    Flatten: lambda m: _spec("Flatten", m.start_dim, m.end_dim),
    Dropout: lambda m: _spec("Dropout", 0.0),  # compared in eval mode, where dropout is identity
    Embedding: lambda m: _spec(
        "Embedding", m.num_embeddings, m.embedding_dim, padding_idx=m.padding_idx
    ),
    LayerNorm: lambda m: _spec(
        "LayerNorm",
        _ints(m.normalized_shape),
        float(m.eps),
        bool(m.elementwise_affine),
        bias=m.bias is not None,
    ),
    MultiheadAttention: lambda m: _spec(
        "MultiheadAttention",
        m.embed_dim,
        m.num_heads,
        dropout=0.0,
        bias=m.in_proj_bias is not None,
        batch_first=True,
    ),
    RNNCell: _cell,
    LSTMCell: _cell,
    GRUCell: _cell,
    RNN: _recurrent,
    LSTM: _recurrent,
    GRU: _recurrent,
    TransformerEncoderLayer: _transformer_layer,
    TransformerDecoderLayer: _transformer_layer,
    TransformerEncoder: _transformer_stack,
    TransformerDecoder: _transformer_stack,
    Sequential: lambda m: _spec("Sequential", *(_describe(child) for child in m)),
}
_RECURRENT = (RNNCell, LSTMCell, GRUCell, RNN, LSTM, GRU)
# nnbook's names for a recurrent module's initial state; torch calls it hx.
_STATE_NAMES = ("h0", "h", "state")


def _base(m) -> type:
    """The nearest class of ``m`` (itself or a base class) that has a torch counterpart."""
    for cls in type(m).__mro__:
        if cls in _DESCRIBE:
            return cls
    raise NoCounterpart(f"torch.nn has no counterpart of {type(m).__name__}.")


def _describe(m) -> dict:
    return _DESCRIBE[_base(m)](m)


def torch_spec(module) -> dict:
    """Describe the ``torch.nn`` module equivalent to ``module``, as plain data.

    Returns
    -------
    dict
        ``{"module": class name, "args": [...], "kwargs": {...}, "call": {...}}``; an argument
        that is itself a module (a Transformer stack's layer, a ``Sequential``'s children) is
        such a dict too. ``"call"`` says how to call it: which keyword arguments torch names
        differently (a recurrent initial state is ``hx``) and which it needs in addition
        (``average_attn_weights=False``: nnbook returns per-head attention weights).

    Raises
    ------
    NoCounterpart
        If ``torch.nn`` has no such module (e.g. for :class:`~nnbook.PositionalEncoding`).
    """
    spec = _describe(module)
    rename = {name: "hx" for name in _STATE_NAMES} if isinstance(module, _RECURRENT) else {}
    extra = {"average_attn_weights": False} if isinstance(module, MultiheadAttention) else {}
    spec["call"] = {"rename": rename, "extra": extra}
    return spec


def leaves(tree) -> list:
    """The arrays (or other leaves) in a nest of tuples/lists, in order, without the Nones."""
    if isinstance(tree, (tuple, list)):
        return [leaf for item in tree for leaf in leaves(item)]
    return [] if tree is None else [tree]


def _build(spec, nn):
    if not (isinstance(spec, dict) and "module" in spec):
        return spec
    args = [_build(a, nn) for a in spec["args"]]
    return getattr(nn, spec["module"])(*args, **spec["kwargs"])


def build_torch(spec, state):
    """The torch module ``spec`` describes, in eval mode, holding the weights ``state``.

    Its dtype is that of ``state`` (float32 or float64; float64 if it holds no array).
    """
    import torch

    torch_module = _build(spec, torch.nn)
    dtypes = {np.asarray(v).dtype for v in state.values()}
    dtype = torch.float32 if dtypes == {np.dtype(np.float32)} else torch.float64
    torch_module = torch_module.to(dtype).eval()
    torch_module.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in state.items()})
    return torch_module


def to_torch_inputs(spec, inputs, kwargs, requires_grad=True):
    """``inputs`` and ``kwargs`` as torch tensors and the keyword arguments torch expects.

    Floating-point inputs require gradients; keyword inputs (masks, an initial state) do not.
    """
    import torch

    def to_torch(x, grad=False):
        if isinstance(x, (tuple, list)):
            return type(x)(to_torch(v, grad) for v in x)
        if not isinstance(x, np.ndarray):
            return x
        t = torch.from_numpy(np.array(x))
        return t.requires_grad_(True) if grad and t.is_floating_point() else t

    call = spec.get("call", {"rename": {}, "extra": {}})
    t_kwargs = {call["rename"].get(k, k): to_torch(v) for k, v in kwargs.items()}
    t_kwargs.update(call["extra"])
    return to_torch(tuple(inputs), requires_grad), t_kwargs


def torch_results(spec, state, inputs, kwargs, grad_outputs, chosen) -> dict:
    """Run ``spec``'s torch module in eval mode: forward, then backward of a linear loss.

    Parameters
    ----------
    spec : dict
        From :func:`torch_spec`.
    state : dict of str to numpy.ndarray
        The nnbook module's ``state_dict``; its dtype (float32 or float64) is the torch
        module's dtype.
    inputs : tuple
        The positional inputs (arrays, tuples of arrays, or None).
    kwargs : dict
        Keyword inputs (masks, an initial state), passed on without gradients.
    grad_outputs : list of numpy.ndarray
        The upstream gradient of each chosen output.
    chosen : list of int
        Which leaves of the forward output (in :func:`leaves` order) enter the loss: the sum
        over ``i`` of ``(grad_outputs[i] * output[chosen[i]]).sum()``.

    Returns
    -------
    dict
        ``"output"``: every leaf of the forward output; ``"inputs"``: the gradient of each
        leaf of ``inputs`` (None for non-float leaves); ``"params"``: each parameter's gradient
        by its ``state_dict`` name.
    """
    import torch

    torch_module = build_torch(spec, state)
    t_inputs, t_kwargs = to_torch_inputs(spec, inputs, kwargs)
    out = leaves(torch_module(*t_inputs, **t_kwargs))
    pairs = zip(chosen, grad_outputs, strict=True)
    loss = sum((out[i] * torch.from_numpy(np.array(g))).sum() for i, g in pairs)
    loss.backward()

    def grad(t):  # a tensor that did not reach the loss has no .grad: its gradient is zero
        if not isinstance(t, torch.Tensor) or not t.is_floating_point():
            return None
        return np.zeros_like(t.detach().numpy()) if t.grad is None else t.grad.numpy()

    params = dict(torch_module.named_parameters())
    return {
        "output": [t.detach().numpy() for t in out],
        "inputs": [grad(t) for t in leaves(t_inputs)],
        "params": {name: grad(params[name]) for name in state if name in params},
    }

"""Verify a layer: a gradient check, and a comparison with the same PyTorch module.

The book shows the result as a "Verified" box under each layer's section, computed when the book
is built, so the claim "this backward pass is right" is checked on every build:

* the hand-written backward pass agrees with central differences
  (:func:`nnbook.gradcheck.check_module`), for the input(s) and every parameter;
* where ``torch.nn`` has the same module, PyTorch, given the same weights and inputs, computes the
  same output and the same gradients.

PyTorch is optional: without it only the gradient check runs.

See the chapter :doc:`/backpropagation`.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .gradcheck import _map, check_module
from .init import make_rng
from .layers.activation import GELU, ReLU, Sigmoid, Softmax, Tanh
from .layers.attention import MultiheadAttention
from .layers.conv import Conv2d
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
from .module import Module, Sequential

GRADCHECK_TOLERANCE = 1e-6  # largest relative error of a float64 central-difference check
TORCH_TOLERANCE = 1e-8  # largest absolute difference from PyTorch in float64


@dataclass
class Verification:
    """The outcome of :func:`nnbook.verify.verify`: what was checked and how closely it agreed.

    ``str(result)`` is a short plain-text summary; in a notebook the result shows as a small
    box ("Verified: Linear"), or as a warning box saying what failed.

    Parameters
    ----------
    name : str
        The module's class name.
    gradcheck : dict of str to float
        The relative error of each gradient, keyed as by
        :func:`nnbook.gradcheck.check_module`: ``"input0"``, ..., then the parameter names.
    torch_max_abs_diff : float or None
        The largest absolute difference from PyTorch over the forward output, the input
        gradient(s) and every parameter gradient; None if PyTorch was not compared.
    torch_version : str or None
        The PyTorch version compared with.
    note : str
        Why PyTorch was not compared, if it was not.
    torch_diffs : dict of str to float
        The largest absolute difference of each compared item (``"output"``, ``"input0"``, ...,
        the parameter names): the details behind ``torch_max_abs_diff``.

    See the chapter :doc:`/backpropagation`.
    """

    name: str
    gradcheck: dict[str, float]
    torch_max_abs_diff: float | None = None
    torch_version: str | None = None
    note: str = ""
    torch_diffs: dict[str, float] = field(default_factory=dict)

    @property
    def max_gradcheck_error(self) -> float:
        """The largest relative error of the gradient check (NaN propagates)."""
        return float(np.max(list(self.gradcheck.values()))) if self.gradcheck else float("nan")

    @property
    def passed(self) -> bool:
        """Gradient check below 1e-6 and, if PyTorch was compared, every difference below 1e-8."""
        gradcheck_ok = self.max_gradcheck_error < GRADCHECK_TOLERANCE
        return gradcheck_ok and (
            self.torch_max_abs_diff is None or self.torch_max_abs_diff < TORCH_TOLERANCE
        )

    def _title(self) -> str:
        return f"{'Verified' if self.passed else 'Verification failed'}: {self.name}"

    def _sentences(self) -> list[str]:
        n_inputs = sum(1 for key in self.gradcheck if re.fullmatch(r"input[\d.]+", key))
        n_params = len(self.gradcheck) - n_inputs
        checked = " and ".join(
            part
            for part in (
                {0: "", 1: "the input"}.get(n_inputs, f"the {n_inputs} inputs"),
                {0: "", 1: "1 parameter"}.get(n_params, f"{n_params} parameters"),
            )
            if part
        )
        head = "Gradient check (float64, central differences)"
        error = self.max_gradcheck_error
        if error < GRADCHECK_TOLERANCE:
            first = f"{head}: largest relative error {_fmt(error)} over {checked}."
        else:
            worst = _worst(self.gradcheck)
            first = (
                f"{head} failed: relative error {_fmt(error)} for {_describe(worst)}, above "
                f"{GRADCHECK_TOLERANCE:g} (checked {checked})."
            )
        diff = self.torch_max_abs_diff
        if diff is None:
            second = f"Not compared with PyTorch: {self.note}"
        elif diff < TORCH_TOLERANCE:
            second = (
                f"PyTorch {self.torch_version}: largest absolute difference {_fmt(diff)} "
                "in the output and all gradients."
            )
        else:
            worst = _worst(self.torch_diffs) if self.torch_diffs else "output"
            what = "the output" if worst == "output" else f"the gradient of {_describe(worst)}"
            second = (
                f"PyTorch {self.torch_version} disagrees: absolute difference {_fmt(diff)} in "
                f"{what}, above {TORCH_TOLERANCE:g}."
            )
        return [first, second]

    def __str__(self) -> str:
        return "\n".join([self._title(), *("  " + s for s in self._sentences())])

    def _repr_html_(self) -> str:
        css = "admonition verified" if self.passed else "admonition warning"
        text = html.escape(" ".join(self._sentences()))
        return (
            f'<div class="{css}"><p class="admonition-title">{html.escape(self._title())}</p>'
            f"<p>{text}</p></div>"
        )


def _fmt(x: float) -> str:
    return "0" if x == 0 else f"{x:.1e}"


def _describe(key: str) -> str:
    match = re.fullmatch(r"input([\d.]+)", key)
    return f"input {match.group(1)}" if match else f"parameter {key}"


def _worst(values: dict[str, float]) -> str:
    """The key of the largest value, NaN counting as largest."""
    return max(values, key=lambda k: np.inf if np.isnan(values[k]) else values[k])


def verify(
    module,
    *inputs,
    select: Callable | None = None,
    rng=0,
    **forward_kwargs,
) -> Verification:
    """Gradient-check ``module`` and compare it with the same PyTorch module.

    1. :func:`nnbook.gradcheck.check_module` compares ``backward`` with central differences for
       every floating-point input and every parameter.
    2. If PyTorch is installed and ``torch.nn`` has the same module (Linear, the activations,
       Conv2d, the pools, Flatten, the recurrent cells and layers, MultiheadAttention,
       LayerNorm, Embedding, Dropout, the Transformer layers and stacks, and ``Sequential``
       models made of these, such as :class:`~nnbook.LeNet5`), the torch module is built in
       float64 with dropout 0 and nnbook's weights (``state_dict`` keys are identical). Both
       run the same forward pass and back-propagate the same random projection of the selected
       output(s); the forward outputs, the input gradients and every parameter gradient are
       compared.

    Parameters
    ----------
    module : Module
        A module with float64 parameters. It runs in eval mode (dropout off); its previous
        modes are restored afterwards and its gradients are zeroed.
    *inputs : numpy.ndarray
        The forward inputs, float64 (masks and indices may be bool or int). Each floating-point
        input is copied first, so an array passed twice (self-attention's ``x, x, x``) gets
        each argument's own gradient checked.
    select : callable, optional
        Maps what ``forward`` returns to the output(s) that enter the loss, as in
        :func:`nnbook.gradcheck.check_module`; default: the whole output, or its first item if
        it is a tuple (the sequence output of a recurrent layer, attention's output).
    rng : numpy.random.Generator or int
        Draws the random projections of the output.
    **forward_kwargs
        Passed on to ``forward`` (masks, an initial state). For the recurrent modules ``h0``,
        ``h`` and ``state`` are passed to torch as ``hx``.

    Returns
    -------
    Verification

    Raises
    ------
    TypeError
        If ``module`` is not a Module, or a parameter or input is not float64 (a float32
        gradient check cannot reach a relative error of 1e-6).
    ValueError
        If there is nothing to check (no parameter and no floating-point input gradient).

    Notes
    -----
    The gradient check costs two forward passes per element of every input and parameter:
    a fraction of a second for a small layer, minutes for a whole LeNet-5 (61,706 parameters),
    so the book verifies each layer at a small size. A gradient that is zero by design
    (the ``padding_idx`` row of an :class:`~nnbook.Embedding`) fails the check, since the
    finite differences see the row's effect on the output.

    Examples
    --------
    >>> import numpy as np, nnbook
    >>> x = np.random.default_rng(0).standard_normal((4, 3))
    >>> result = nnbook.verify.verify(nnbook.Linear(3, 2, rng=0), x)
    >>> result.passed
    True

    See the chapter :doc:`/backpropagation`.
    """
    if not isinstance(module, Module):
        raise TypeError(f"verify: expected an nnbook Module, got {type(module).__name__}")
    name = type(module).__name__
    for pname, p in module.named_parameters():
        if p.dtype != np.float64:
            raise TypeError(
                f"verify: {name} parameter {pname} has dtype {p.dtype}; build the module with "
                "dtype=np.float64 (float32 is too coarse for a gradient check)"
            )
    for i, x in enumerate(_leaves(inputs)):
        if _is_float_array(x) and x.dtype != np.float64:
            raise TypeError(f"verify: {name} input {i} has dtype {x.dtype}, expected float64")
    inputs = _map(lambda x: np.array(x, order="C") if _is_float_array(x) else x, inputs)
    modes = [(m, m.training) for m in module.modules()]
    module.eval()
    try:
        errors = check_module(module, *inputs, select=select, rng=rng, **forward_kwargs)
        if not errors:
            raise ValueError(f"verify: {name} has no parameter and no input gradient to check")
        diffs, version, note = _compare_with_torch(module, inputs, select, rng, forward_kwargs)
    finally:
        for m, mode in modes:
            m.training = mode
        module.zero_grad()
    return Verification(
        name=name,
        gradcheck=errors,
        torch_max_abs_diff=float(np.max(list(diffs.values()))) if diffs else None,
        torch_version=version,
        note=note,
        torch_diffs=diffs,
    )


# -- PyTorch ---------------------------------------------------------------------------------------
class _NoCounterpart(Exception):
    """Raised while building the torch module when torch has no equivalent."""


def _transformer_layer(m, nn):
    cls = nn.TransformerEncoderLayer
    if isinstance(m, TransformerDecoderLayer):
        cls = nn.TransformerDecoderLayer
    activation = "gelu" if isinstance(m.activation, GELU) else "relu"
    return cls(
        m.d_model,
        m.self_attn.num_heads,
        m.linear1.out_features,
        dropout=0.0,
        activation=activation,
        layer_norm_eps=m.norm1.eps,
        batch_first=True,
        norm_first=m.norm_first,
        bias=m.linear1.bias is not None,
    )


def _transformer_stack(m, nn):
    norm = None if m.norm is None else _counterpart(m.norm, nn)
    layer = _counterpart(m.layers[0], nn)
    if isinstance(m, TransformerEncoder):
        return nn.TransformerEncoder(layer, len(m.layers), norm, enable_nested_tensor=False)
    return nn.TransformerDecoder(layer, len(m.layers), norm)


def _recurrent(m, nn):
    extra = {"nonlinearity": m.nonlinearity} if isinstance(m, RNN) else {}
    cls = getattr(nn, _base(m).__name__)  # RNN, LSTM, GRU: torch's names
    return cls(m.input_size, m.hidden_size, m.num_layers, bias=m.bias, batch_first=True, **extra)


def _cell(m, nn):
    extra = {"nonlinearity": m.nonlinearity} if isinstance(m, RNNCell) else {}
    cls = getattr(nn, _base(m).__name__)  # RNNCell, LSTMCell, GRUCell: torch's names
    return cls(m.input_size, m.hidden_size, bias=m.bias_ih is not None, **extra)


# For each nnbook class, a function (module, torch.nn) -> the equivalent torch module.
_BUILDERS = {
    Linear: lambda m, nn: nn.Linear(m.in_features, m.out_features, bias=m.bias is not None),
    ReLU: lambda m, nn: nn.ReLU(),
    Tanh: lambda m, nn: nn.Tanh(),
    Sigmoid: lambda m, nn: nn.Sigmoid(),
    Softmax: lambda m, nn: nn.Softmax(dim=m.dim),
    GELU: lambda m, nn: nn.GELU(approximate=m.approximate),
    Conv2d: lambda m, nn: nn.Conv2d(
        m.in_channels, m.out_channels, m.kernel_size, m.stride, m.padding, bias=m.bias is not None
    ),
    MaxPool2d: lambda m, nn: nn.MaxPool2d(m.kernel_size, m.stride, m.padding),
    AvgPool2d: lambda m, nn: nn.AvgPool2d(m.kernel_size, m.stride, m.padding),
    Flatten: lambda m, nn: nn.Flatten(m.start_dim, m.end_dim),
    Dropout: lambda m, nn: nn.Dropout(0.0),
    Embedding: lambda m, nn: nn.Embedding(
        m.num_embeddings, m.embedding_dim, padding_idx=m.padding_idx
    ),
    LayerNorm: lambda m, nn: nn.LayerNorm(
        m.normalized_shape, m.eps, m.elementwise_affine, bias=m.bias is not None
    ),
    MultiheadAttention: lambda m, nn: nn.MultiheadAttention(
        m.embed_dim, m.num_heads, dropout=0.0, bias=m.in_proj_bias is not None, batch_first=True
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
    Sequential: lambda m, nn: nn.Sequential(*(_counterpart(child, nn) for child in m)),
}
# nnbook's name for an initial state -> torch's, for the recurrent modules.
_STATE_NAMES = {"h0": "hx", "h": "hx", "state": "hx"}


def _base(m) -> type:
    """The nearest class of ``m`` (itself or a base class) that has a torch counterpart."""
    for cls in type(m).__mro__:
        if cls in _BUILDERS:
            return cls
    raise _NoCounterpart(f"torch.nn has no counterpart of {type(m).__name__}.")


def _counterpart(m, nn):
    return _BUILDERS[_base(m)](m, nn)


def _is_float_array(x) -> bool:
    return isinstance(x, np.ndarray) and np.issubdtype(x.dtype, np.floating)


def _leaves(tree) -> list:
    """The arrays or tensors in a nest of tuples/lists, in order, without the Nones."""
    if isinstance(tree, (tuple, list)):
        return [leaf for item in tree for leaf in _leaves(item)]
    return [] if tree is None else [tree]


def _max_abs_diff(ours: list, theirs: list) -> float:
    """The largest absolute difference between two lists of arrays (NaN propagates)."""
    largest = [0.0]
    for a, b in zip(ours, theirs, strict=True):
        if np.shape(a) != np.shape(b):
            raise ValueError(f"verify: shapes differ from torch's, {np.shape(a)} vs {np.shape(b)}")
        if np.size(a):
            largest.append(np.max(np.abs(a - b)))
    return float(np.max(largest))


def _compare_with_torch(module, inputs, select, rng, kwargs):
    """Return ``(differences, torch version, note)``; no differences if torch was not used."""
    try:
        import torch
    except ImportError:
        return {}, None, "PyTorch is not installed."
    try:
        with torch.random.fork_rng(devices=[]):  # torch's initialisation draws; we overwrite it
            reference = _counterpart(module, torch.nn)
    except _NoCounterpart as exc:
        return {}, None, str(exc)
    reference = reference.double().eval()
    reference.load_state_dict({k: torch.from_numpy(v) for k, v in module.state_dict().items()})

    def to_torch(x, requires_grad=False):
        if not isinstance(x, np.ndarray):
            return x
        t = torch.from_numpy(x.copy())
        return t.requires_grad_(True) if requires_grad and _is_float_array(x) else t

    t_inputs = _map(lambda x: to_torch(x, requires_grad=True), inputs)
    recurrent = isinstance(module, (RNNCell, LSTMCell, GRUCell, RNN, LSTM, GRU))
    t_kwargs = {
        (_STATE_NAMES.get(k, k) if recurrent else k): _map(to_torch, v) for k, v in kwargs.items()
    }
    if isinstance(module, MultiheadAttention):
        t_kwargs["average_attn_weights"] = False  # per-head weights, as nnbook returns them
    if select is None:

        def select(out):
            return out[0] if isinstance(out, tuple) else out

    # The same loss for both: a fixed random projection of the selected output(s).
    module.zero_grad()
    out = module(*inputs, **kwargs)
    chosen = select(out)
    gen = make_rng(rng)
    proj = _map(lambda y: gen.standard_normal(np.shape(y)), chosen)
    grads = module.backward(*proj) if isinstance(proj, tuple) else module.backward(proj)
    grads = grads if isinstance(grads, tuple) else (grads,)
    t_out = reference(*t_inputs, **t_kwargs)
    t_chosen = select(t_out)
    loss = sum(
        (t * torch.from_numpy(p)).sum()
        for t, p in zip(_leaves(t_chosen), _leaves(proj), strict=True)
    )
    loss.backward()

    def grad(t):  # a tensor that did not reach the loss has no .grad: its gradient is zero
        return np.zeros(tuple(t.shape)) if t.grad is None else t.grad.numpy()

    diffs = {"output": _max_abs_diff(_leaves(out), [t.detach().numpy() for t in _leaves(t_out)])}
    for i, g in enumerate(grads[: len(inputs)]):
        if g is not None:
            diffs[f"input{i}"] = _max_abs_diff(_leaves(g), [grad(t) for t in _leaves(t_inputs[i])])
    t_params = dict(reference.named_parameters())
    for name, p in module.named_parameters():
        diffs[name] = _max_abs_diff([p.grad], [grad(t_params[name])])
    return diffs, torch.__version__.split("+")[0], ""

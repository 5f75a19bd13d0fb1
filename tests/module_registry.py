"""Every public nnbook module, with what the module contract needs to exercise it.

``tests/test_module_contract.py`` runs one suite of checks over every entry here, as PyTorch's
``ModuleInfo`` database does for its modules. A new module is covered once it has an entry, and
``test_every_public_module_is_registered`` fails while one is missing.

An entry says how to build the module (``build(dtype, seed)``) and how to make its inputs
(``inputs(rng, dtype, batch, size)`` returns the positional inputs and the keyword inputs;
``size`` is a sequence length or an image size, and ``sizes`` lists two of them for the
shape-change check). ``select`` picks the outputs that enter the loss, as in
:func:`nnbook.gradcheck.check_module`. ``torch`` says what PyTorch compares with: ``"module"``
(the counterpart from :func:`nnbook.counterpart.torch_spec`), a loss's ``torch.nn.functional``
name, or None with the reason in ``no_torch``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

import nnbook

F64, F32 = np.float64, np.float32


@dataclass(frozen=True)
class Entry:
    name: str
    cls: type
    build: Callable  # (dtype, seed) -> module
    inputs: Callable | None  # (rng, dtype, batch, size) -> (args, kwargs); None: no forward
    sizes: tuple = (3, 5)
    select: Callable | None = None
    torch: str | None = "module"
    no_torch: str = ""  # why there is no PyTorch comparison
    dtypes: tuple = (F64, F32)
    # A wrong input: (args, kwargs) -> (args, kwargs); None where every shape is valid.
    wrong_input: Callable | None = None
    mode: str = "train"  # the mode the checks run in ("eval" where training draws at random)
    empty_batch: str = "torch"  # "torch": as PyTorch does; "works" or "raises" where it has none
    notes: dict = field(default_factory=dict)


def _x(shape_fn):
    """Inputs of one float array whose shape depends on (batch, size)."""

    def make(rng, dtype, batch, size):
        return (rng.standard_normal(shape_fn(batch, size)).astype(dtype),), {}

    return make


def _extra_dim(args, kwargs):
    """The first input with one more leading dimension."""
    return (args[0][None], *args[1:]), kwargs


def _last_dim_plus_one(args, kwargs):
    x = args[0]
    return (np.concatenate([x, x[..., :1]], axis=-1), *args[1:]), kwargs


def _tokens(rng, batch, size, vocab=7, low=0):
    return rng.integers(low, vocab, size=(batch, size))


def _seq2seq_inputs(rng, dtype, batch, size):
    # Token 0 is the models' padding: its embedding row gets no gradient, by design, while
    # finite differences would see it change the output, so the inputs leave it out.
    return (_tokens(rng, batch, size, low=1), _tokens(rng, batch, size + 1, low=1)), {}


def _loss_inputs(kind):
    def make(rng, dtype, batch, size):
        if kind == "class":
            return (
                rng.standard_normal((batch, 4, size)).astype(dtype),
                rng.integers(0, 4, size=(batch, size)),
            ), {}
        x = rng.standard_normal((batch, size)).astype(dtype)
        return (x, rng.uniform(0, 1, (batch, size)).astype(dtype)), {}

    return make


def _mha_inputs(rng, dtype, batch, size):
    q = rng.standard_normal((batch, size, 4)).astype(dtype)
    kv = [rng.standard_normal((batch, size + 2, 4)).astype(dtype) for _ in range(2)]
    mask = np.zeros((batch, size + 2), dtype=bool)
    mask[:, -1] = True  # the last key is padding
    return (q, *kv), {"key_padding_mask": mask}


def _decoder_inputs(rng, dtype, batch, size):
    tgt = rng.standard_normal((batch, size, 4)).astype(dtype)
    memory = rng.standard_normal((batch, size + 1, 4)).astype(dtype)
    return (tgt, memory), {"tgt_mask": nnbook.generate_square_subsequent_mask(size)}


def _cell_inputs(states):
    def make(rng, dtype, batch, size):
        x = rng.standard_normal((batch, 3)).astype(dtype)
        state = tuple(rng.standard_normal((batch, 4)).astype(dtype) for _ in range(states))
        return (x, state if states == 2 else state[0]), {}

    return make


def _recurrent_inputs(states):
    def make(rng, dtype, batch, size):
        x = rng.standard_normal((batch, size, 3)).astype(dtype)
        h0 = tuple(rng.standard_normal((2, batch, 4)).astype(dtype) for _ in range(states))
        return (x,), {("state" if states == 2 else "h0"): h0 if states == 2 else h0[0]}

    return make


def _bahdanau_inputs(rng, dtype, batch, size):
    query = rng.standard_normal((batch, 3)).astype(dtype)
    keys = rng.standard_normal((batch, size, 5)).astype(dtype)
    return (query, keys), {}


def _encoder_layer(dtype, seed, norm_first=False):
    return nnbook.TransformerEncoderLayer(
        4, 2, 8, dropout=0.0, norm_first=norm_first, rng=seed, dtype=dtype
    )


def _decoder_layer(dtype, seed):
    return nnbook.TransformerDecoderLayer(4, 2, 8, dropout=0.0, rng=seed, dtype=dtype)


def _layer_norm(dtype, seed):
    """A LayerNorm with random weight and bias, so that their gradients are not special."""
    norm = nnbook.LayerNorm(4, dtype=dtype)
    rng = np.random.default_rng(seed)
    norm.weight.data[...] = rng.uniform(0.5, 1.5, 4)
    norm.bias.data[...] = rng.uniform(-0.5, 0.5, 4)
    return norm


def _without_arguments(cls):
    return lambda dtype, seed: cls()


def BOTH_STATES(out):  # noqa: N802 - a constant, read as one
    """The whole output: a cell's (h', c'), or a recurrent layer's output and final state."""
    return out


ENTRIES = [
    Entry(
        "Linear",
        nnbook.Linear,
        lambda dtype, seed: nnbook.Linear(3, 4, rng=seed, dtype=dtype),
        _x(lambda n, t: (n, t, 3)),
        wrong_input=_last_dim_plus_one,
    ),
    Entry(
        "Conv1d",
        nnbook.Conv1d,
        lambda dtype, seed: nnbook.Conv1d(
            2, 3, 3, stride=2, padding=1, dilation=2, rng=seed, dtype=dtype
        ),
        _x(lambda n, t: (n, 2, 2 * t + 3)),
        wrong_input=_extra_dim,
    ),
    Entry(
        "Conv2d",
        nnbook.Conv2d,
        lambda dtype, seed: nnbook.Conv2d(2, 3, 3, stride=1, padding=1, rng=seed, dtype=dtype),
        _x(lambda n, s: (n, 2, s + 2, s + 3)),
        wrong_input=_extra_dim,
    ),
    Entry(
        "Conv2d-strided",
        nnbook.Conv2d,
        lambda dtype, seed: nnbook.Conv2d(2, 3, 2, stride=2, padding=0, rng=seed, dtype=dtype),
        _x(lambda n, s: (n, 2, s + 3, s + 2)),
        wrong_input=_extra_dim,
    ),
    Entry(
        "MaxPool2d",
        nnbook.MaxPool2d,
        lambda dtype, seed: nnbook.MaxPool2d(2),
        _x(lambda n, s: (n, 2, s + 2, s + 3)),
        wrong_input=_extra_dim,
    ),
    Entry(
        "AvgPool2d",
        nnbook.AvgPool2d,
        lambda dtype, seed: nnbook.AvgPool2d(3, stride=2, padding=1),
        _x(lambda n, s: (n, 2, s + 2, s + 3)),
        wrong_input=_extra_dim,
    ),
    Entry(
        "Flatten",
        nnbook.Flatten,
        lambda dtype, seed: nnbook.Flatten(),
        _x(lambda n, s: (n, 2, s, 3)),
        wrong_input=lambda args, kwargs: ((args[0][0, 0, 0],), kwargs),  # 1-D: no dim 1
    ),
    *(
        Entry(
            cls.__name__,
            cls,
            _without_arguments(cls),
            _x(lambda n, t: (n, t, 3)),
        )
        for cls in (nnbook.ReLU, nnbook.Tanh, nnbook.Sigmoid, nnbook.GELU)
    ),
    Entry(
        "Softmax",
        nnbook.Softmax,
        lambda dtype, seed: nnbook.Softmax(dim=1),
        _x(lambda n, t: (n, t, 3)),
        wrong_input=lambda args, kwargs: ((args[0][0, 0],), kwargs),  # 1-D: no dim 1
    ),
    Entry(
        "Dropout",
        nnbook.Dropout,
        lambda dtype, seed: nnbook.Dropout(0.5, rng=seed),
        _x(lambda n, t: (n, t, 3)),
        mode="eval",
    ),
    Entry(
        "LayerNorm",
        nnbook.LayerNorm,
        lambda dtype, seed: _layer_norm(dtype, seed),
        _x(lambda n, t: (n, t, 4)),
        wrong_input=_last_dim_plus_one,
    ),
    Entry(
        "Embedding",
        nnbook.Embedding,
        lambda dtype, seed: nnbook.Embedding(7, 4, rng=seed, dtype=dtype),
        lambda rng, dtype, batch, size: ((_tokens(rng, batch, size),), {}),
        wrong_input=lambda args, kwargs: ((args[0] + 7,), kwargs),  # an index out of range
    ),
    Entry(
        "PositionalEncoding",
        nnbook.PositionalEncoding,
        lambda dtype, seed: nnbook.PositionalEncoding(4, max_len=16, dtype=dtype),
        _x(lambda n, t: (n, t, 4)),
        torch=None,
        no_torch="torch.nn has no positional encoding module",
        wrong_input=_last_dim_plus_one,
        empty_batch="works",
    ),
    Entry(
        "MultiheadAttention",
        nnbook.MultiheadAttention,
        lambda dtype, seed: nnbook.MultiheadAttention(4, 2, rng=seed, dtype=dtype),
        _mha_inputs,
        wrong_input=_last_dim_plus_one,
    ),
    Entry(
        "RNNCell",
        nnbook.RNNCell,
        lambda dtype, seed: nnbook.RNNCell(3, 4, rng=seed, dtype=dtype),
        _cell_inputs(1),
        wrong_input=_last_dim_plus_one,
    ),
    Entry(
        "LSTMCell",
        nnbook.LSTMCell,
        lambda dtype, seed: nnbook.LSTMCell(3, 4, rng=seed, dtype=dtype),
        _cell_inputs(2),
        select=BOTH_STATES,
        wrong_input=_last_dim_plus_one,
    ),
    Entry(
        "GRUCell",
        nnbook.GRUCell,
        lambda dtype, seed: nnbook.GRUCell(3, 4, rng=seed, dtype=dtype),
        _cell_inputs(1),
        wrong_input=_last_dim_plus_one,
    ),
    Entry(
        "RNN",
        nnbook.RNN,
        lambda dtype, seed: nnbook.RNN(3, 4, num_layers=2, rng=seed, dtype=dtype),
        _recurrent_inputs(1),
        select=BOTH_STATES,
        wrong_input=_last_dim_plus_one,
    ),
    Entry(
        "LSTM",
        nnbook.LSTM,
        lambda dtype, seed: nnbook.LSTM(3, 4, num_layers=2, rng=seed, dtype=dtype),
        _recurrent_inputs(2),
        select=BOTH_STATES,
        wrong_input=_last_dim_plus_one,
    ),
    Entry(
        "GRU",
        nnbook.GRU,
        lambda dtype, seed: nnbook.GRU(3, 4, num_layers=2, rng=seed, dtype=dtype),
        _recurrent_inputs(1),
        select=BOTH_STATES,
        wrong_input=_last_dim_plus_one,
    ),
    Entry(
        "TransformerEncoderLayer",
        nnbook.TransformerEncoderLayer,
        _encoder_layer,
        lambda rng, dtype, batch, size: (
            (rng.standard_normal((batch, size, 4)).astype(dtype),),
            {"src_mask": nnbook.generate_square_subsequent_mask(size)},
        ),
        wrong_input=_last_dim_plus_one,
    ),
    Entry(
        "TransformerEncoderLayer-norm_first",
        nnbook.TransformerEncoderLayer,
        lambda dtype, seed: _encoder_layer(dtype, seed, norm_first=True),
        _x(lambda n, t: (n, t, 4)),
        wrong_input=_last_dim_plus_one,
    ),
    Entry(
        "TransformerDecoderLayer",
        nnbook.TransformerDecoderLayer,
        _decoder_layer,
        _decoder_inputs,
        wrong_input=_last_dim_plus_one,
    ),
    Entry(
        "TransformerEncoder",
        nnbook.TransformerEncoder,
        lambda dtype, seed: nnbook.TransformerEncoder(
            _encoder_layer(dtype, seed), 2, _layer_norm(dtype, seed)
        ),
        _x(lambda n, t: (n, t, 4)),
        wrong_input=_last_dim_plus_one,
    ),
    Entry(
        "TransformerDecoder",
        nnbook.TransformerDecoder,
        lambda dtype, seed: nnbook.TransformerDecoder(_decoder_layer(dtype, seed), 2),
        _decoder_inputs,
        wrong_input=_last_dim_plus_one,
    ),
    Entry(
        "Sequential",
        nnbook.Sequential,
        lambda dtype, seed: nnbook.Sequential(
            nnbook.Linear(3, 5, rng=seed, dtype=dtype),
            nnbook.Tanh(),
            nnbook.Linear(5, 2, rng=seed + 1, dtype=dtype),
        ),
        _x(lambda n, t: (n, t, 3)),
        wrong_input=_last_dim_plus_one,
    ),
    Entry(
        "ModuleList",
        nnbook.ModuleList,
        lambda dtype, seed: nnbook.ModuleList(
            [nnbook.Linear(3, 2, rng=seed, dtype=dtype), nnbook.LayerNorm(2, dtype=dtype)]
        ),
        None,  # a container: it holds modules but has no forward of its own (as in torch)
        torch=None,
        no_torch="a container without a forward pass",
    ),
    Entry(
        "LeNet5",
        nnbook.LeNet5,
        lambda dtype, seed: nnbook.LeNet5(rng=seed, dtype=dtype),
        _x(lambda n, s: (n, 1, 32, 32)),
        sizes=(32, 32),  # LeNet-5 takes 32x32 images only
        wrong_input=lambda args, kwargs: ((args[0][:, :, :28, :28],), kwargs),
    ),
    Entry(
        "MSELoss",
        nnbook.MSELoss,
        lambda dtype, seed: nnbook.MSELoss(),
        _loss_inputs("float"),
        torch="mse_loss",
        wrong_input=lambda args, kwargs: ((args[0], args[1][:, :-1]), kwargs),
    ),
    Entry(
        "BCEWithLogitsLoss",
        nnbook.BCEWithLogitsLoss,
        lambda dtype, seed: nnbook.BCEWithLogitsLoss(),
        _loss_inputs("float"),
        torch="binary_cross_entropy_with_logits",
        wrong_input=lambda args, kwargs: ((args[0], args[1][:, :-1]), kwargs),
    ),
    Entry(
        "CrossEntropyLoss",
        nnbook.CrossEntropyLoss,
        lambda dtype, seed: nnbook.CrossEntropyLoss(),
        _loss_inputs("class"),
        torch="cross_entropy",
        wrong_input=lambda args, kwargs: ((args[0], args[1][:, :-1]), kwargs),
    ),
    Entry(
        "BahdanauAttention",
        nnbook.BahdanauAttention,
        lambda dtype, seed: nnbook.BahdanauAttention(3, 5, 6, rng=seed, dtype=dtype),
        _bahdanau_inputs,
        torch=None,
        no_torch="torch.nn has no additive attention module",
        wrong_input=_last_dim_plus_one,
        empty_batch="works",
    ),
    Entry(
        "Seq2SeqRNN",
        nnbook.Seq2SeqRNN,
        lambda dtype, seed: nnbook.Seq2SeqRNN(7, 7, 4, 5, 6, padding_idx=0, rng=seed, dtype=dtype),
        _seq2seq_inputs,
        torch=None,
        no_torch="a model of the book's own; its parts are compared with PyTorch one by one",
        wrong_input=lambda args, kwargs: ((args[0][0], args[1]), kwargs),
        empty_batch="works",
    ),
    Entry(
        "Seq2SeqTransformer",
        nnbook.Seq2SeqTransformer,
        lambda dtype, seed: nnbook.Seq2SeqTransformer(
            7,
            7,
            d_model=4,
            nhead=2,
            num_encoder_layers=1,
            num_decoder_layers=1,
            dim_feedforward=8,
            dropout=0.0,
            max_len=16,
            padding_idx=0,
            rng=seed,
            dtype=dtype,
        ),
        _seq2seq_inputs,
        torch=None,
        no_torch="a model of the book's own; its parts are compared with PyTorch one by one",
        wrong_input=lambda args, kwargs: ((args[0][0], args[1]), kwargs),
        empty_batch="works",
    ),
]


BY_NAME = {entry.name: entry for entry in ENTRIES}

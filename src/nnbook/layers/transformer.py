"""Transformer encoder and decoder layers, their stacks, and the causal mask.

See the chapter :doc:`/transformer`.
"""

from __future__ import annotations

import copy

import numpy as np

from .._validation import check_array, check_dtype, check_grad, check_last_dim, check_positive_int
from ..init import make_rng
from ..module import Module, ModuleList
from .activation import GELU, ReLU
from .attention import MultiheadAttention
from .dropout import Dropout
from .linear import Linear
from .normalization import LayerNorm


def generate_square_subsequent_mask(size):
    """The causal mask: a (size, size) bool array, True above the diagonal (future positions).

    Position :math:`i` may attend to positions :math:`j \\le i` only. (torch's
    ``nn.Transformer.generate_square_subsequent_mask`` returns the same pattern as a float mask
    of 0 and -inf; both forbid the same entries.)

    See the chapter :doc:`/transformer`.
    """
    size = check_positive_int("generate_square_subsequent_mask", size, "size")
    return np.triu(np.ones((size, size), dtype=bool), k=1)


def _activation(owner, activation):
    if activation == "relu":
        return ReLU()
    if activation == "gelu":
        return GELU()
    raise ValueError(f"{owner}: activation must be 'relu' or 'gelu', got {activation!r}")


class _TransformerLayer(Module):
    """What the encoder and decoder layers share: the feed-forward block and the checks."""

    def _build_common(
        self, d_model, nhead, dim_feedforward, dropout, batch_first, norm_first, bias, rng, dtype
    ):
        name = type(self).__name__
        self.d_model = check_positive_int(self, d_model, "d_model")
        check_positive_int(self, nhead, "nhead")
        dim_feedforward = check_positive_int(self, dim_feedforward, "dim_feedforward")
        if batch_first is not True:
            raise ValueError(f"{name}: only batch_first=True is supported (inputs are (N, T, E))")
        self.dtype = check_dtype(self, dtype)
        self.norm_first = bool(norm_first)
        rng = make_rng(rng)
        # Attribute order follows torch's, so state_dict keys come out in the same order.
        self.self_attn = MultiheadAttention(d_model, nhead, dropout, bias, rng=rng, dtype=dtype)
        return rng, dim_feedforward

    def _build_feedforward(self, dim_feedforward, dropout, bias, rng, dtype):
        self.linear1 = Linear(self.d_model, dim_feedforward, bias, rng=rng, dtype=dtype)
        self.dropout = Dropout(dropout, rng=rng)
        self.linear2 = Linear(dim_feedforward, self.d_model, bias, rng=rng, dtype=dtype)

    def _check(self, x, name):
        check_array(self, x, name=name, dtype=self.dtype, ndim=3)
        check_last_dim(self, x, self.d_model, name=name)

    def _ff_block(self, x, dropout_out):
        """``dropout_out(linear2(dropout(activation(linear1(x)))))``, the position-wise FFN."""
        hidden = self.dropout(self.activation(self.linear1(x)))  # (N, T, dim_feedforward)
        return dropout_out(self.linear2(hidden))  # (N, T, d_model)

    def _ff_backward(self, grad, dropout_out):
        grad = self.linear2.backward(dropout_out.backward(grad))
        return self.linear1.backward(self.activation.backward(self.dropout.backward(grad)))

    def _self_attn_block(self, x, attn_mask, key_padding_mask):
        out, self.self_attn_weights = self.self_attn(x, x, x, attn_mask, key_padding_mask)
        return self.dropout1(out)

    def _self_attn_backward(self, grad):
        # One array was query, key and value, so its gradient is the sum of the three.
        grad_q, grad_k, grad_v = self.self_attn.backward(self.dropout1.backward(grad))
        return grad_q + grad_k + grad_v


class TransformerEncoderLayer(_TransformerLayer):
    """One encoder block, as ``torch.nn.TransformerEncoderLayer(batch_first=True)``.

    Post-norm (``norm_first=False``, the original paper):

    .. math::

        x \\leftarrow \\mathrm{LN}_1(x + \\mathrm{SA}(x)), \\qquad
        x \\leftarrow \\mathrm{LN}_2(x + \\mathrm{FF}(x));

    pre-norm (``norm_first=True``): :math:`x \\leftarrow x + \\mathrm{SA}(\\mathrm{LN}_1(x))`,
    then :math:`x \\leftarrow x + \\mathrm{FF}(\\mathrm{LN}_2(x))`, where
    :math:`\\mathrm{FF}(x) = W_2\\,\\mathrm{act}(W_1 x + b_1) + b_2` acts on each position alone.
    Dropout follows the attention, the activation and the feed-forward output.

    Parameters
    ----------
    d_model : int
        The model width :math:`E`.
    nhead : int
        The number of attention heads.
    dim_feedforward : int
        The hidden width of the feed-forward block.
    dropout : float
        The dropout probability (attention weights and the three dropout layers).
    activation : {"relu", "gelu"}
    layer_norm_eps : float
    batch_first : True
        Accepted for torch compatibility; only batch-first inputs are supported.
    norm_first : bool
        Pre-norm if True, post-norm otherwise.
    bias : bool
        Whether the linear layers, the attention and the layer norms have biases.
    rng : numpy.random.Generator or int, optional
        Draws the weights and the dropout masks.
    dtype : float32 or float64

    Attributes
    ----------
    self_attn : MultiheadAttention
    linear1, linear2 : Linear
    norm1, norm2 : LayerNorm
    dropout, dropout1, dropout2 : Dropout
    self_attn_weights : numpy.ndarray, shape (N, nhead, T, T)
        The attention weights of the last forward pass (for plots).

    Shape
    -----
    src : (N, T, d_model)  ->  (N, T, d_model)

    See the chapter :doc:`/transformer`.
    """

    def __init__(
        self,
        d_model,
        nhead,
        dim_feedforward=2048,
        dropout=0.1,
        activation="relu",
        layer_norm_eps=1e-5,
        batch_first=True,
        norm_first=False,
        bias=True,
        *,
        rng=None,
        dtype=np.float64,
    ):
        super().__init__()
        rng, dim_ff = self._build_common(
            d_model, nhead, dim_feedforward, dropout, batch_first, norm_first, bias, rng, dtype
        )
        self._build_feedforward(dim_ff, dropout, bias, rng, dtype)
        self.norm1 = LayerNorm(d_model, layer_norm_eps, bias=bias, dtype=dtype)
        self.norm2 = LayerNorm(d_model, layer_norm_eps, bias=bias, dtype=dtype)
        self.dropout1 = Dropout(dropout, rng=rng)
        self.dropout2 = Dropout(dropout, rng=rng)
        self.activation = _activation(self, activation)
        self.self_attn_weights = None
        self._out_shape = None

    def forward(self, src, src_mask=None, src_key_padding_mask=None):
        """Encode ``src`` (N, T, d_model); masks as in :class:`MultiheadAttention`."""
        self._check(src, "src")
        x = src
        if self.norm_first:
            x = x + self._self_attn_block(self.norm1(x), src_mask, src_key_padding_mask)
            x = x + self._ff_block(self.norm2(x), self.dropout2)
        else:
            x = self.norm1(x + self._self_attn_block(x, src_mask, src_key_padding_mask))
            x = self.norm2(x + self._ff_block(x, self.dropout2))
        self._out_shape = x.shape
        return x

    def backward(self, grad_output):
        """Return the gradient with respect to ``src``."""
        check_grad(self, grad_output, self._require_cache(self._out_shape), self.dtype)
        g = grad_output
        if self.norm_first:
            g = g + self.norm2.backward(self._ff_backward(g, self.dropout2))
            return g + self.norm1.backward(self._self_attn_backward(g))
        g = self.norm2.backward(g)
        g = g + self._ff_backward(g, self.dropout2)
        g = self.norm1.backward(g)
        return g + self._self_attn_backward(g)

    def extra_repr(self) -> str:
        return f"norm_first={self.norm_first}"


class TransformerDecoderLayer(_TransformerLayer):
    """One decoder block, as ``torch.nn.TransformerDecoderLayer(batch_first=True)``.

    Post-norm (``norm_first=False``):

    .. math::

        x \\leftarrow \\mathrm{LN}_1(x + \\mathrm{SA}(x)), \\quad
        x \\leftarrow \\mathrm{LN}_2(x + \\mathrm{CA}(x, m)), \\quad
        x \\leftarrow \\mathrm{LN}_3(x + \\mathrm{FF}(x)),

    where SA is (usually causally masked) self-attention and CA attends from the target to the
    encoder output ("memory") :math:`m`. Pre-norm applies each :math:`\\mathrm{LN}_i` to the
    sub-layer's input instead: :math:`x \\leftarrow x + \\mathrm{SA}(\\mathrm{LN}_1(x))`, etc.

    Parameters
    ----------
    d_model, nhead, dim_feedforward, dropout, activation, layer_norm_eps, batch_first, \
norm_first, bias, rng, dtype
        As in :class:`TransformerEncoderLayer`.

    Attributes
    ----------
    self_attn, multihead_attn : MultiheadAttention
    linear1, linear2 : Linear
    norm1, norm2, norm3 : LayerNorm
    dropout, dropout1, dropout2, dropout3 : Dropout
    self_attn_weights : (N, nhead, T, T); cross_attn_weights : (N, nhead, T, S)
        The attention weights of the last forward pass.

    Shape
    -----
    tgt : (N, T, d_model), memory : (N, S, d_model)  ->  (N, T, d_model)

    See the chapter :doc:`/transformer`.
    """

    def __init__(
        self,
        d_model,
        nhead,
        dim_feedforward=2048,
        dropout=0.1,
        activation="relu",
        layer_norm_eps=1e-5,
        batch_first=True,
        norm_first=False,
        bias=True,
        *,
        rng=None,
        dtype=np.float64,
    ):
        super().__init__()
        rng, dim_ff = self._build_common(
            d_model, nhead, dim_feedforward, dropout, batch_first, norm_first, bias, rng, dtype
        )
        self.multihead_attn = MultiheadAttention(
            d_model, nhead, dropout, bias, rng=rng, dtype=dtype
        )
        self._build_feedforward(dim_ff, dropout, bias, rng, dtype)
        self.norm1 = LayerNorm(d_model, layer_norm_eps, bias=bias, dtype=dtype)
        self.norm2 = LayerNorm(d_model, layer_norm_eps, bias=bias, dtype=dtype)
        self.norm3 = LayerNorm(d_model, layer_norm_eps, bias=bias, dtype=dtype)
        self.dropout1 = Dropout(dropout, rng=rng)
        self.dropout2 = Dropout(dropout, rng=rng)
        self.dropout3 = Dropout(dropout, rng=rng)
        self.activation = _activation(self, activation)
        self.self_attn_weights = self.cross_attn_weights = None
        self._out_shape = None

    def _cross_attn_block(self, x, memory, attn_mask, key_padding_mask):
        out, self.cross_attn_weights = self.multihead_attn(
            x, memory, memory, attn_mask, key_padding_mask
        )
        return self.dropout2(out)

    def _cross_attn_backward(self, grad):
        """Return (gradient of the query, gradient of the memory)."""
        grad_q, grad_k, grad_v = self.multihead_attn.backward(self.dropout2.backward(grad))
        return grad_q, grad_k + grad_v

    def forward(
        self,
        tgt,
        memory,
        tgt_mask=None,
        memory_mask=None,
        tgt_key_padding_mask=None,
        memory_key_padding_mask=None,
    ):
        """Decode ``tgt`` (N, T, d_model) against ``memory`` (N, S, d_model).

        ``tgt_mask`` (T, T) is usually :func:`generate_square_subsequent_mask`; ``memory_mask``
        is (T, S); the padding masks are (N, T) and (N, S), True at padding.
        """
        self._check(tgt, "tgt")
        self._check(memory, "memory")
        if memory.shape[0] != tgt.shape[0]:
            raise ValueError(
                f"TransformerDecoderLayer: tgt and memory must have the same batch "
                f"size, got shapes {tgt.shape} and {memory.shape}"
            )
        x = tgt
        if self.norm_first:
            x = x + self._self_attn_block(self.norm1(x), tgt_mask, tgt_key_padding_mask)
            x = x + self._cross_attn_block(
                self.norm2(x), memory, memory_mask, memory_key_padding_mask
            )
            x = x + self._ff_block(self.norm3(x), self.dropout3)
        else:
            x = self.norm1(x + self._self_attn_block(x, tgt_mask, tgt_key_padding_mask))
            x = self.norm2(
                x + self._cross_attn_block(x, memory, memory_mask, memory_key_padding_mask)
            )
            x = self.norm3(x + self._ff_block(x, self.dropout3))
        self._out_shape = x.shape
        return x

    def backward(self, grad_output):
        """Return ``(grad_tgt, grad_memory)``."""
        check_grad(self, grad_output, self._require_cache(self._out_shape), self.dtype)
        g = grad_output
        if self.norm_first:
            g = g + self.norm3.backward(self._ff_backward(g, self.dropout3))
            grad_q, grad_memory = self._cross_attn_backward(g)
            g = g + self.norm2.backward(grad_q)
            return g + self.norm1.backward(self._self_attn_backward(g)), grad_memory
        g = self.norm3.backward(g)
        g = g + self._ff_backward(g, self.dropout3)
        g = self.norm2.backward(g)
        grad_q, grad_memory = self._cross_attn_backward(g)
        g = self.norm1.backward(g + grad_q)
        return g + self._self_attn_backward(g), grad_memory

    def extra_repr(self) -> str:
        return f"norm_first={self.norm_first}"


def _clones(owner, layer, num_layers, rng):
    """``num_layers`` layers: deep copies of a layer (as torch does), or calls of a factory."""
    num_layers = check_positive_int(owner, num_layers, "num_layers")
    if isinstance(layer, Module):
        layers = [copy.deepcopy(layer) for _ in range(num_layers)]
        # Copies start from the same weights (as in torch) but must not draw the same dropout
        # masks: give each its own generator, spawned from ``rng`` (default: the layer's own).
        if rng is None:
            rng = next((m._rng for m in layer.modules() if hasattr(m, "_rng")), None)
        for clone, child in zip(layers, make_rng(rng).spawn(num_layers), strict=True):
            for module in clone.modules():
                if hasattr(module, "_rng"):
                    module._rng = child
        return ModuleList(layers)
    if callable(layer):
        return ModuleList(layer() for _ in range(num_layers))
    raise TypeError(
        f"{owner}: expected a layer (Module) or a factory returning one, got {type(layer).__name__}"
    )


class TransformerEncoder(Module):
    """A stack of encoder layers, as ``torch.nn.TransformerEncoder``.

    Parameters
    ----------
    encoder_layer : TransformerEncoderLayer or callable
        A layer, deep-copied ``num_layers`` times (so all layers start from the same weights,
        as in torch), or a function returning a fresh layer on each call.
    num_layers : int
    norm : LayerNorm, optional
        Applied after the last layer (needed with pre-norm layers).
    rng : numpy.random.Generator or int, optional
        Seeds the dropout generators of the copies.

    Attributes
    ----------
    layers : ModuleList
        State-dict keys ``layers.0.self_attn.in_proj_weight`` etc., as torch's.

    Shape
    -----
    src : (N, T, d_model)  ->  (N, T, d_model)

    See the chapter :doc:`/transformer`.
    """

    def __init__(self, encoder_layer, num_layers, norm=None, *, rng=None):
        super().__init__()
        self.layers = _clones(self, encoder_layer, num_layers, rng)
        self.num_layers = len(self.layers)
        self.norm = norm

    def forward(self, src, mask=None, src_key_padding_mask=None):
        x = src
        for layer in self.layers:
            x = layer(x, src_mask=mask, src_key_padding_mask=src_key_padding_mask)
        return self.norm(x) if self.norm is not None else x

    def backward(self, grad_output):
        g = self.norm.backward(grad_output) if self.norm is not None else grad_output
        for layer in reversed(list(self.layers)):
            g = layer.backward(g)
        return g


class TransformerDecoder(Module):
    """A stack of decoder layers, as ``torch.nn.TransformerDecoder``.

    Every layer attends to the same ``memory``, so its gradient is the sum over the layers.
    Arguments as in :class:`TransformerEncoder`.

    Shape
    -----
    tgt : (N, T, d_model), memory : (N, S, d_model)  ->  (N, T, d_model)

    See the chapter :doc:`/transformer`.
    """

    def __init__(self, decoder_layer, num_layers, norm=None, *, rng=None):
        super().__init__()
        self.layers = _clones(self, decoder_layer, num_layers, rng)
        self.num_layers = len(self.layers)
        self.norm = norm

    def forward(
        self,
        tgt,
        memory,
        tgt_mask=None,
        memory_mask=None,
        tgt_key_padding_mask=None,
        memory_key_padding_mask=None,
    ):
        x = tgt
        for layer in self.layers:
            x = layer(
                x, memory, tgt_mask, memory_mask, tgt_key_padding_mask, memory_key_padding_mask
            )
        return self.norm(x) if self.norm is not None else x

    def backward(self, grad_output):
        """Return ``(grad_tgt, grad_memory)``."""
        g = self.norm.backward(grad_output) if self.norm is not None else grad_output
        grad_memory = None
        for layer in reversed(list(self.layers)):
            g, gm = layer.backward(g)
            grad_memory = gm if grad_memory is None else grad_memory + gm
        return g, grad_memory

"""Multi-head attention, with its backward pass (the attention itself is in functional).

See the chapter :doc:`/transformer`.
"""

from __future__ import annotations

import numpy as np

from .._validation import check_array, check_dtype, check_grad, check_last_dim, check_positive_int
from ..functional.attention import (
    _as_additive,
    _check_mask,
    scaled_dot_product_attention,
    scaled_dot_product_attention_backward,
)
from ..init import make_rng, xavier_uniform
from ..module import Module, Parameter
from .linear import Linear


class MultiheadAttention(Module):
    """Multi-head attention, as ``torch.nn.MultiheadAttention(batch_first=True)``.

    Each of the ``num_heads`` heads attends with its own slice of the projections,

    .. math::

        \\mathrm{head}_i = \\mathrm{softmax}\\!\\left(\\frac{Q W_i^Q (K W_i^K)^\\top}
        {\\sqrt{d}}\\right) V W_i^V, \\qquad
        \\mathrm{MHA}(Q, K, V) = [\\mathrm{head}_1, \\dots, \\mathrm{head}_h]\\, W^O + b^O,

    with :math:`d = E / h` (biases of the input projections omitted above).

    Parameters
    ----------
    embed_dim : int
        :math:`E`, the size of query, key and value vectors and of the output.
    num_heads : int
        :math:`h`; must divide ``embed_dim``.
    dropout : float
        Dropout on the attention weights (training mode only).
    bias : bool
        Whether the input and output projections have biases.
    rng : numpy.random.Generator or int, optional
        Draws the initial weights and the dropout masks.
    dtype : float32 or float64

    Attributes
    ----------
    in_proj_weight : Parameter, shape (3E, E)
        :math:`W^Q, W^K, W^V` stacked (rows ``[0:E]``, ``[E:2E]``, ``[2E:3E]``), applied as
        ``x @ W.T``; Xavier-uniform initialised as in torch.
    in_proj_bias : Parameter, shape (3E,)
        Zero initialised (``None`` if ``bias=False``).
    out_proj : Linear(E, E)
        :math:`W^O` and :math:`b^O` (bias zero initialised).

    Shape
    -----
    query : (N, T_q, E), key and value : (N, T_k, E)  ->  output : (N, T_q, E),
    weights : (N, num_heads, T_q, T_k)

    Notes
    -----
    Differences from torch: inputs are always batch-first; the weights are returned per head
    (torch's ``average_attn_weights=False``); a query whose keys are all masked gets a zero output
    (torch gives NaN when it returns weights). ``kdim``, ``vdim``, ``add_bias_kv`` and
    ``add_zero_attn`` are not supported.

    ``backward`` returns three gradients, one per argument. In self-attention, where ``query``,
    ``key`` and ``value`` are the same array, the gradient of that array is their sum (the caller
    adds them up).

    See the chapter :doc:`/transformer`.
    """

    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, *, rng=None, dtype=np.float64):
        super().__init__()
        self.embed_dim = check_positive_int(self, embed_dim, "embed_dim")
        self.num_heads = check_positive_int(self, num_heads, "num_heads")
        if self.embed_dim % self.num_heads:
            raise ValueError(
                f"MultiheadAttention: embed_dim ({embed_dim}) must be divisible by "
                f"num_heads ({num_heads})"
            )
        if not 0.0 <= dropout <= 1.0:
            raise ValueError(f"MultiheadAttention: dropout must be in [0, 1], got {dropout}")
        self.dropout = float(dropout)
        self.head_dim = self.embed_dim // self.num_heads
        dtype = check_dtype(self, dtype)
        self._rng = make_rng(rng)
        E = self.embed_dim
        self.in_proj_weight = Parameter(xavier_uniform(self._rng, (3 * E, E), dtype))
        self.in_proj_bias = Parameter(np.zeros(3 * E, dtype=dtype)) if bias else None
        self.out_proj = Linear(E, E, bias=bias, rng=self._rng, dtype=dtype)
        if bias:
            self.out_proj.bias.data[...] = 0.0
        self._cache = None

    def _merge_masks(self, attn_mask, key_padding_mask, N, T_q, T_k):
        """One mask broadcastable to the scores (N, h, T_q, T_k), or None."""
        dtype, h = self.in_proj_weight.dtype, self.num_heads
        masks = []
        if attn_mask is not None:
            if not isinstance(attn_mask, np.ndarray) or attn_mask.shape not in (
                (T_q, T_k),
                (N * h, T_q, T_k),
            ):
                got = attn_mask.shape if isinstance(attn_mask, np.ndarray) else type(attn_mask)
                raise ValueError(
                    f"MultiheadAttention: expected attn_mask of shape {(T_q, T_k)} "
                    f"or {(N * h, T_q, T_k)}, got {got}"
                )
            _check_mask("MultiheadAttention", attn_mask, dtype, attn_mask.shape)
            masks.append(attn_mask.reshape(-1, h, T_q, T_k) if attn_mask.ndim == 3 else attn_mask)
        if key_padding_mask is not None:
            if not isinstance(key_padding_mask, np.ndarray) or key_padding_mask.shape != (N, T_k):
                got = (
                    key_padding_mask.shape
                    if isinstance(key_padding_mask, np.ndarray)
                    else type(key_padding_mask)
                )
                raise ValueError(
                    f"MultiheadAttention: expected key_padding_mask of shape {(N, T_k)}, got {got}"
                )
            _check_mask(
                "MultiheadAttention", key_padding_mask, dtype, (N, T_k), name="key_padding_mask"
            )
            masks.append(key_padding_mask[:, None, None, :])  # (N, 1, 1, T_k)
        if len(masks) < 2:
            return masks[0] if masks else None
        a, b = masks
        if a.dtype == np.bool_ and b.dtype == np.bool_:
            return a | b
        return _as_additive(a, dtype) + _as_additive(b, dtype)

    def forward(self, query, key, value, attn_mask=None, key_padding_mask=None, need_weights=True):
        """Attend from ``query`` to ``key``/``value``.

        Parameters
        ----------
        query : (N, T_q, E)
        key, value : (N, T_k, E)
        attn_mask : (T_q, T_k) or (N * num_heads, T_q, T_k), bool or float, optional
            Bool: True where attention is not allowed. Float: added to the scores.
        key_padding_mask : (N, T_k), bool or float, optional
            Bool: True for keys to ignore (padding).
        need_weights : bool
            If False, return ``None`` instead of the weights.

        Returns
        -------
        output : (N, T_q, E)
        weights : (N, num_heads, T_q, T_k) or None
        """
        dtype, E, h, d = self.in_proj_weight.dtype, self.embed_dim, self.num_heads, self.head_dim
        for name, x in (("query", query), ("key", key), ("value", value)):
            check_array(self, x, name=name, dtype=dtype, ndim=3)
            check_last_dim(self, x, E, name=name)
        N, T_q, _ = query.shape
        T_k = key.shape[1]
        if key.shape[0] != N or value.shape[:2] != key.shape[:2]:
            raise ValueError(
                f"MultiheadAttention: expected query (N, T_q, E) and key, value "
                f"(N, T_k, E), got {query.shape}, {key.shape} and {value.shape}"
            )
        mask = self._merge_masks(attn_mask, key_padding_mask, N, T_q, T_k)
        W = self.in_proj_weight.data  # (3E, E)
        b = self.in_proj_bias.data if self.in_proj_bias is not None else None
        self_attention = query is key and key is value
        # The products are taken on (N*T, E) matrices: one large matrix product is faster than
        # NumPy's loop over N products of (T, E) matrices.
        if self_attention:
            qkv = query.reshape(N * T_q, E) @ W.T  # (N*T, 3E): one product for all three
            if b is not None:
                qkv += b
            qkv = qkv.reshape(N, T_q, 3 * E)  # (N, T, 3E)
            q, k, v = qkv[..., :E], qkv[..., E : 2 * E], qkv[..., 2 * E :]
        else:
            q, k, v = (
                (x.reshape(-1, E) @ W[i * E : (i + 1) * E].T).reshape(x.shape)
                for i, x in enumerate((query, key, value))
            )  # (N, T, E) each
            if b is not None:
                q, k, v = q + b[:E], k + b[E : 2 * E], v + b[2 * E :]
        # Split the heads: (N, T, E) -> (N, h, T, d), as strided views (no copy).
        q = q.reshape(N, T_q, h, d).transpose(0, 2, 1, 3)  # (N, h, T_q, d)
        k = k.reshape(N, T_k, h, d).transpose(0, 2, 1, 3)  # (N, h, T_k, d)
        v = v.reshape(N, T_k, h, d).transpose(0, 2, 1, 3)  # (N, h, T_k, d)
        p = self.dropout if self.training else 0.0
        heads, weights, sdpa_cache = scaled_dot_product_attention(
            q, k, v, mask, p, rng=self._rng, return_cache=True
        )  # (N, h, T_q, d), (N, h, T_q, T_k)
        concat = heads.transpose(0, 2, 1, 3).reshape(N * T_q, E)  # (N*T_q, E)
        output = self.out_proj(concat).reshape(N, T_q, E)
        self._cache = (query, key, value, self_attention, sdpa_cache)
        return output, (weights if need_weights else None)

    def backward(self, grad_output):
        """Return ``(grad_query, grad_key, grad_value)``; add into every parameter's ``.grad``.

        In self-attention (one array passed as query, key and value) its gradient is the sum
        of the three.
        """
        query, key, value, self_attention, sdpa_cache = self._require_cache(self._cache)
        E, h, d = self.embed_dim, self.num_heads, self.head_dim
        N, T_q, _ = query.shape
        T_k = key.shape[1]
        check_grad(self, grad_output, (N, T_q, E), query.dtype)
        grad_concat = self.out_proj.backward(grad_output.reshape(N * T_q, E))  # (N*T_q, E)
        grad_heads = grad_concat.reshape(N, T_q, h, d).transpose(0, 2, 1, 3)  # (N, h, T_q, d)
        W = self.in_proj_weight.data
        if self_attention:
            # The three projection gradients go straight into one (N*T, 3E) array, through
            # head-split views of it: one product each for the weight and the input gradients.
            grad_qkv = np.empty((N, T_q, 3, h, d), dtype=W.dtype)  # (N, T, 3, h, d)
            views = tuple(grad_qkv[:, :, i].transpose(0, 2, 1, 3) for i in range(3))
            scaled_dot_product_attention_backward(grad_heads, sdpa_cache, out=views)
            grad_qkv = grad_qkv.reshape(N * T_q, 3 * E)  # (N*T, 3E)
            self.in_proj_weight.grad += grad_qkv.T @ query.reshape(N * T_q, E)
            if self.in_proj_bias is not None:
                self.in_proj_bias.grad += grad_qkv.sum(axis=0)
            return tuple(
                (grad_qkv[:, i * E : (i + 1) * E] @ W[i * E : (i + 1) * E]).reshape(N, T_q, E)
                for i in range(3)
            )
        gq, gk, gv = scaled_dot_product_attention_backward(grad_heads, sdpa_cache)
        grads = []
        for i, (g, x, T) in enumerate(((gq, query, T_q), (gk, key, T_k), (gv, value, T_k))):
            g = g.transpose(0, 2, 1, 3).reshape(N * T, E)  # (N*T, E)
            rows = slice(i * E, (i + 1) * E)
            self.in_proj_weight.grad[rows] += g.T @ x.reshape(N * T, E)
            if self.in_proj_bias is not None:
                self.in_proj_bias.grad[rows] += g.sum(axis=0)
            grads.append((g @ W[rows]).reshape(N, T, E))
        return tuple(grads)

    def extra_repr(self) -> str:
        return (
            f"embed_dim={self.embed_dim}, num_heads={self.num_heads}, "
            f"dropout={self.dropout}, bias={self.in_proj_bias is not None}"
        )

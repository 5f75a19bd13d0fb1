"""An RNN encoder-decoder with additive (Bahdanau) attention (Bahdanau, Cho & Bengio, 2015).

See the chapter :doc:`/transformer`.
"""

from __future__ import annotations

import numpy as np

from .._validation import (
    check_array,
    check_dtype,
    check_grad,
    check_positive_int,
    check_token_batches,
)
from ..functional.attention import _softmax_
from ..init import make_rng, uniform
from ..layers.embedding import Embedding
from ..layers.linear import Linear
from ..layers.rnn_cells import GRUCell
from ..module import Module, Parameter


class BahdanauAttention(Module):
    """Additive attention: a small MLP scores each key against the query.

    .. math::

        e_j = w^\\top \\tanh(W_q q + W_k k_j), \\qquad \\alpha = \\mathrm{softmax}(e), \\qquad
        c = \\sum_j \\alpha_j k_j.

    A decoder calls it once per output step with the same keys, so every call pushes its cache
    on a stack and every ``backward`` pops the latest one: call ``backward`` in the reverse
    order of the forward calls (as backpropagation through time does).

    Masked keys (``key_padding_mask`` True) get the score :math:`-\\infty`, hence the weight
    :math:`\\alpha_j = 0`: they add nothing to :math:`c` and receive no gradient, through
    :math:`\\alpha` or through :math:`c`.

    Parameters
    ----------
    query_dim, key_dim, hidden : int
        Sizes of :math:`q`, :math:`k_j` and of the scoring MLP's hidden layer.
    rng : numpy.random.Generator or int, optional
        Draws the weights from :math:`U(-1/\\sqrt{\\text{fan\\_in}}, 1/\\sqrt{\\text{fan\\_in}})`.
    dtype : float32 or float64

    Attributes
    ----------
    query_weight : Parameter, shape (hidden, query_dim)
        :math:`W_q`.
    key_weight : Parameter, shape (hidden, key_dim)
        :math:`W_k`.
    score_weight : Parameter, shape (hidden,)
        :math:`w`.

    Shape
    -----
    ``forward(query, keys, key_padding_mask=None)``: query (N, query_dim), keys (N, S, key_dim),
    mask (N, S) bool (True = ignore) -> context (N, key_dim), weights (N, S).

    ``backward(grad_context)`` -> ``(grad_query, grad_keys)``.

    See the chapter :doc:`/transformer`.
    """

    def __init__(self, query_dim, key_dim, hidden, *, rng=None, dtype=np.float64):
        super().__init__()
        self.query_dim = check_positive_int(self, query_dim, "query_dim")
        self.key_dim = check_positive_int(self, key_dim, "key_dim")
        self.hidden = check_positive_int(self, hidden, "hidden")
        dtype = check_dtype(self, dtype)
        rng = make_rng(rng)
        self.query_weight = Parameter(
            uniform(rng, (hidden, query_dim), 1 / np.sqrt(query_dim), dtype)
        )
        self.key_weight = Parameter(uniform(rng, (hidden, key_dim), 1 / np.sqrt(key_dim), dtype))
        self.score_weight = Parameter(uniform(rng, (hidden,), 1 / np.sqrt(hidden), dtype))
        self._caches = []

    def forward(self, query, keys, key_padding_mask=None):
        dtype = self.query_weight.dtype
        check_array(self, query, name="query", dtype=dtype, ndim=2)
        check_array(self, keys, name="keys", dtype=dtype, ndim=3)
        N, S, _ = keys.shape
        if query.shape != (N, self.query_dim) or keys.shape[2] != self.key_dim:
            raise ValueError(
                f"BahdanauAttention: expected query (N, {self.query_dim}) and keys "
                f"(N, S, {self.key_dim}), got {query.shape} and {keys.shape}"
            )
        if key_padding_mask is not None and (
            not isinstance(key_padding_mask, np.ndarray)
            or key_padding_mask.dtype != np.bool_
            or key_padding_mask.shape != (N, S)
        ):
            raise ValueError(
                f"BahdanauAttention: expected key_padding_mask as a bool array of shape {(N, S)}"
            )
        hidden = np.tanh(
            (keys @ self.key_weight.data.T)  # (N, S, hidden)
            + (query @ self.query_weight.data.T)[:, None, :]
        )
        scores = hidden @ self.score_weight.data  # (N, S)
        if key_padding_mask is not None:
            scores[key_padding_mask] = -np.inf
        weights = _softmax_(scores, masked=key_padding_mask is not None)  # (N, S)
        context = (weights[:, None, :] @ keys)[:, 0]  # (N, key_dim)
        self._caches.append((query, keys, hidden, weights))
        return context, weights

    def backward(self, grad_context):
        if not self._caches:
            raise RuntimeError(
                "BahdanauAttention.backward called before forward (or more often than forward)"
            )
        query, keys, hidden, weights = self._caches[-1]
        check_grad(
            self, grad_context, (keys.shape[0], self.key_dim), keys.dtype, name="grad_context"
        )
        self._caches.pop()
        grad_weights = (keys @ grad_context[:, :, None])[..., 0]  # (N, S)
        grad_keys = weights[:, :, None] * grad_context[:, None, :]  # (N, S, key_dim)
        grad_scores = weights * (
            grad_weights - np.sum(weights * grad_weights, axis=-1, keepdims=True)
        )  # (N, S)
        self.score_weight.grad += np.einsum("ns,nsh->h", grad_scores, hidden)
        grad_pre = grad_scores[:, :, None] * self.score_weight.data * (1 - hidden**2)
        grad_pre_q = grad_pre.sum(axis=1)  # (N, hidden): the query term is shared by all keys
        self.query_weight.grad += grad_pre_q.T @ query
        self.key_weight.grad += grad_pre.reshape(-1, self.hidden).T @ keys.reshape(-1, self.key_dim)
        grad_keys += grad_pre @ self.key_weight.data
        return grad_pre_q @ self.query_weight.data, grad_keys

    def reset(self):
        """Forget the cached steps (e.g. after inference without a backward pass)."""
        self._caches = []


class Seq2SeqRNN(Module):
    """GRU encoder, GRU decoder with Bahdanau attention, and a vocabulary projection.

    The encoder reads the embedded source into states :math:`h_1..h_S`. The decoder starts
    from :math:`s_0 = h_S`; at step :math:`t` it attends with its previous state over the
    encoder states, :math:`c_t = \\mathrm{Attn}(s_{t-1}, h)`, updates
    :math:`s_t = \\mathrm{GRU}([E_t[y_{t-1}]; c_t], s_{t-1})`, and predicts the next token from
    :math:`[s_t; c_t]` with ``generator``.

    Parameters
    ----------
    src_vocab, tgt_vocab : int
    embed_dim, hidden_size, attention_dim : int
    padding_idx : int, optional
        The padding token of both vocabularies. The encoder skips source padding (its state is
        carried over unchanged) and the attention gives it zero weight, so a sequence's result
        does not depend on how much padding it has or where. None: padding is an ordinary
        token (only ``src_key_padding_mask`` hides source positions from the attention).
    rng : numpy.random.Generator or int, optional
    dtype : float32 or float64

    Attributes
    ----------
    src_emb, tgt_emb : Embedding
    encoder_cell : GRUCell(embed_dim, hidden_size)
    decoder_cell : GRUCell(embed_dim + hidden_size, hidden_size)
    attention : BahdanauAttention(hidden_size, hidden_size, attention_dim)
    generator : Linear(2 * hidden_size, tgt_vocab)
    attention_weights : numpy.ndarray, shape (N, T, S)
        The attention weights of the last forward pass or :meth:`greedy_decode`, for plots.

    Shape
    -----
    src_ids (N, S) int, tgt_ids_in (N, T) int  ->  logits (N, T, tgt_vocab)

    Notes
    -----
    With ``padding_idx`` set, a padding step leaves the encoder state as it was,

    .. math::

        h_t = m_t h_{t-1} + (1 - m_t)\\,\\mathrm{GRU}(x_t, h_{t-1}), \\qquad
        m_t = [\\text{src}_t = \\text{pad}],

    so :math:`h_S` is the state after the last real token wherever the padding is, and the
    decoder starts from it. Backwards, on a padding step the gradient of :math:`h_t` passes to
    :math:`h_{t-1}` unchanged and nothing enters the cell (its weights and :math:`x_t` get
    none).

    Backpropagation through time runs the decoder steps backwards, adding each step's key
    gradient into the encoder states' gradient, then runs the encoder steps backwards. The cells
    are reused at every step through ``GRUCell.step``, which hands back each step's cache;
    the caches are kept here for ``GRUCell.step_backward``.

    See the chapter :doc:`/transformer`.
    """

    def __init__(
        self,
        src_vocab,
        tgt_vocab,
        embed_dim=16,
        hidden_size=32,
        attention_dim=32,
        *,
        padding_idx=None,
        rng=None,
        dtype=np.float64,
    ):
        super().__init__()
        dtype = check_dtype(self, dtype)
        rng = make_rng(rng)
        self.hidden_size = check_positive_int(self, hidden_size, "hidden_size")
        self.embed_dim = check_positive_int(self, embed_dim, "embed_dim")
        self.src_emb = Embedding(src_vocab, embed_dim, padding_idx, rng=rng, dtype=dtype)
        self.tgt_emb = Embedding(tgt_vocab, embed_dim, padding_idx, rng=rng, dtype=dtype)
        self.padding_idx = self.src_emb.padding_idx  # a negative index made non-negative
        self.encoder_cell = GRUCell(embed_dim, hidden_size, rng=rng, dtype=dtype)
        self.decoder_cell = GRUCell(embed_dim + hidden_size, hidden_size, rng=rng, dtype=dtype)
        self.attention = BahdanauAttention(
            hidden_size, hidden_size, attention_dim, rng=rng, dtype=dtype
        )
        self.generator = Linear(2 * hidden_size, tgt_vocab, rng=rng, dtype=dtype)
        self.attention_weights = None
        self._cache = None

    def _encode(self, src_ids):
        """Encoder states (N, S, H), the cell's per-step caches and the padding (N, S) or None."""
        x = self.src_emb(src_ids)  # (N, S, E); also checks the indices
        N, S, _ = x.shape
        pad = None if self.padding_idx is None else src_ids == self.padding_idx  # (N, S)
        h = np.zeros((N, self.hidden_size), dtype=x.dtype)
        states, caches = [], []
        for t in range(S):
            h_new, cache = self.encoder_cell.step(x[:, t], h)  # (N, H)
            h = h_new if pad is None else np.where(pad[:, t, None], h, h_new)
            states.append(h)
            caches.append(cache)
        return np.stack(states, axis=1), caches, pad  # (N, S, H)

    def _key_mask(self, pad, src_key_padding_mask):
        """The attention's mask: the source padding and the caller's mask, either may be None."""
        if pad is None or src_key_padding_mask is None:
            return src_key_padding_mask if pad is None else pad
        mask = src_key_padding_mask
        if not isinstance(mask, np.ndarray) or mask.dtype != np.bool_ or mask.shape != pad.shape:
            raise ValueError(
                f"Seq2SeqRNN: expected src_key_padding_mask as a bool array of shape "
                f"{pad.shape} (the source's), got {getattr(mask, 'shape', type(mask).__name__)}"
            )
        return pad | mask

    def _decode_step(self, y_emb, s, keys, key_padding_mask):
        """One decoder step: the new state, the context, the weights and the cell's cache."""
        context, weights = self.attention(s, keys, key_padding_mask)  # (N, H), (N, S)
        s, cache = self.decoder_cell.step(np.concatenate([y_emb, context], axis=1), s)  # (N, H)
        return s, context, weights, cache

    def forward(self, src_ids, tgt_ids_in, src_key_padding_mask=None):
        """Teacher-forced logits (N, T, tgt_vocab); the mask hides source positions from the
        attention (source padding is hidden anyway when ``padding_idx`` is set)."""
        check_token_batches(self, src_ids, tgt_ids_in)
        self.attention.reset()
        keys, enc_caches, pad = self._encode(src_ids)  # (N, S, H)
        mask = self._key_mask(pad, src_key_padding_mask)
        y = self.tgt_emb(tgt_ids_in)  # (N, T, E)
        s = keys[:, -1]  # the state after the last real token, padding or not
        features, dec_caches, all_weights = [], [], []
        for t in range(y.shape[1]):
            s, context, weights, cache = self._decode_step(y[:, t], s, keys, mask)
            dec_caches.append(cache)
            features.append(np.concatenate([s, context], axis=1))  # (N, 2H)
            all_weights.append(weights)
        self.attention_weights = np.stack(all_weights, axis=1)  # (N, T, S)
        self._cache = (keys.shape, y.shape, enc_caches, dec_caches, pad)
        return self.generator(np.stack(features, axis=1))  # (N, T, tgt_vocab)

    def backward(self, grad_logits):
        """Backpropagation through time; adds every parameter's gradient and returns None."""
        cache = self._require_cache(self._cache)
        # The cells and the attention add their gradients step by step. Summed from zero and
        # added to .grad once, a second backward adds exactly what the first one did.
        earlier = [(p, p.grad.copy()) for p in self.parameters()]
        self.zero_grad()
        try:
            self._backward_through_time(grad_logits, *cache)
        finally:
            for p, grad in earlier:
                p.grad += grad
        return None

    def _backward_through_time(self, grad_logits, keys_shape, y_shape, enc_caches, dec_caches, pad):
        H, E = self.hidden_size, self.embed_dim
        grad_features = self.generator.backward(grad_logits)  # (N, T, 2H)
        grad_keys = np.zeros(keys_shape, dtype=grad_features.dtype)  # (N, S, H)
        grad_y = np.zeros(y_shape, dtype=grad_features.dtype)  # (N, T, E)
        grad_s = np.zeros_like(grad_features[:, 0, :H])  # from the steps after t
        for t in reversed(range(y_shape[1])):
            grad_in, grad_s_prev = self.decoder_cell.step_backward(
                grad_features[:, t, :H] + grad_s, dec_caches[t]
            )
            grad_y[:, t] = grad_in[:, :E]
            grad_query, grad_k = self.attention.backward(grad_in[:, E:] + grad_features[:, t, H:])
            grad_keys += grad_k
            grad_s = grad_s_prev + grad_query
        self.tgt_emb.backward(grad_y)
        grad_keys[:, -1] += grad_s  # s_0 = h_S
        grad_x = np.zeros(keys_shape[:2] + (E,), dtype=grad_keys.dtype)  # (N, S, E)
        grad_h = np.zeros_like(grad_s)
        for t in reversed(range(keys_shape[1])):
            grad = grad_keys[:, t] + grad_h  # (N, H)
            if pad is None:
                grad_x[:, t], grad_h = self.encoder_cell.step_backward(grad, enc_caches[t])
                continue
            # h_t = h_{t-1} on padding: its gradient skips the cell and goes straight back.
            skip = pad[:, t, None]  # (N, 1)
            grad_x[:, t], grad_h = self.encoder_cell.step_backward(
                np.where(skip, 0.0, grad), enc_caches[t]
            )
            grad_h += np.where(skip, grad, 0.0)
        self.src_emb.backward(grad_x)

    def greedy_decode(self, src_ids, bos, eos, max_len, src_key_padding_mask=None):
        """Generate (N, L <= max_len) token ids starting with ``bos``, most likely token first.

        After its ``eos`` a sequence is filled with ``eos``. The attention weights of every
        generated step are left in ``attention_weights`` (N, L - 1, S).
        """
        max_len = check_positive_int(self, max_len, "max_len")
        self.attention.reset()
        keys, _, pad = self._encode(src_ids)
        mask = self._key_mask(pad, src_key_padding_mask)
        N = keys.shape[0]
        s = keys[:, -1]
        ys = np.full((N, 1), bos, dtype=np.int64)
        done = np.zeros(N, dtype=bool)
        all_weights = []
        while ys.shape[1] < max_len and not done.all():
            s, context, weights, _ = self._decode_step(self.tgt_emb(ys[:, -1]), s, keys, mask)
            logits = self.generator(np.concatenate([s, context], axis=1))  # (N, V)
            nxt = np.where(done, eos, logits.argmax(axis=-1))
            ys = np.concatenate([ys, nxt[:, None]], axis=1)
            done |= nxt == eos
            all_weights.append(weights)
        self.attention.reset()
        self._cache = None  # the step caches do not belong to a forward pass
        if all_weights:
            self.attention_weights = np.stack(all_weights, axis=1)  # (N, L - 1, S)
        return ys

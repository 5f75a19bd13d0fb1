"""An encoder-decoder Transformer for sequence-to-sequence tasks (Vaswani et al., 2017).

See the chapter :doc:`/transformer`.
"""

from __future__ import annotations

import numpy as np

from .._validation import check_dtype, check_positive_int, check_token_batches
from ..init import make_rng
from ..layers.embedding import Embedding
from ..layers.linear import Linear
from ..layers.normalization import LayerNorm
from ..layers.positional import PositionalEncoding
from ..layers.transformer import (
    TransformerDecoder,
    TransformerDecoderLayer,
    TransformerEncoder,
    TransformerEncoderLayer,
    generate_square_subsequent_mask,
)
from ..module import Module


class Seq2SeqTransformer(Module):
    """Token embeddings, positional encoding, an encoder, a decoder and a vocabulary projection.

    .. math::

        m = \\mathrm{Enc}\\big(\\sqrt{d}\\,E_s[x] + PE\\big), \\qquad
        \\text{logits} = \\mathrm{Dec}\\big(\\sqrt{d}\\,E_t[y_{<t}] + PE,\\ m\\big)\\,W_g^\\top
        + b_g,

    where the decoder's self-attention is causally masked, so position :math:`t` sees only the
    target tokens before it (teacher forcing in training, its own outputs in
    :meth:`greedy_decode`). The embeddings are scaled by :math:`\\sqrt{d}` as in the paper.
    The encoder and decoder end with a ``LayerNorm``, as ``torch.nn.Transformer``.

    Parameters
    ----------
    src_vocab, tgt_vocab : int
        Vocabulary sizes.
    d_model, nhead, num_encoder_layers, num_decoder_layers, dim_feedforward, dropout : int/float
        As in ``torch.nn.Transformer``.
    max_len : int
        The longest source or target sequence.
    norm_first : bool
        Pre-norm layers if True.
    padding_idx : int, optional
        The padding token of both vocabularies (its embedding row stays zero).
    rng : numpy.random.Generator or int, optional
    dtype : float32 or float64

    Attributes
    ----------
    src_tok_emb, tgt_tok_emb : Embedding
    src_positional_encoding, tgt_positional_encoding : PositionalEncoding
        Two instances of the same fixed table, so each keeps its own dropout mask for backward.
    encoder : TransformerEncoder
    decoder : TransformerDecoder
    generator : Linear(d_model, tgt_vocab)

    Shape
    -----
    src_ids : (N, S) int, tgt_ids_in : (N, T) int  ->  logits : (N, T, tgt_vocab)

    Notes
    -----
    The attention weights of the last forward pass are in
    ``model.encoder.layers[i].self_attn_weights`` (N, nhead, S, S),
    ``model.decoder.layers[i].self_attn_weights`` (N, nhead, T, T) and
    ``model.decoder.layers[i].cross_attn_weights`` (N, nhead, T, S).

    See the chapter :doc:`/transformer`.
    """

    def __init__(
        self,
        src_vocab,
        tgt_vocab,
        d_model=32,
        nhead=4,
        num_encoder_layers=2,
        num_decoder_layers=2,
        dim_feedforward=64,
        dropout=0.1,
        max_len=256,
        *,
        norm_first=False,
        padding_idx=None,
        rng=None,
        dtype=np.float64,
    ):
        super().__init__()
        src_vocab = check_positive_int(self, src_vocab, "src_vocab")
        tgt_vocab = check_positive_int(self, tgt_vocab, "tgt_vocab")
        self.d_model = check_positive_int(self, d_model, "d_model")
        self.dtype = check_dtype(self, dtype)
        rng = make_rng(rng)
        self.src_tok_emb = Embedding(src_vocab, d_model, padding_idx, rng=rng, dtype=dtype)
        self.tgt_tok_emb = Embedding(tgt_vocab, d_model, padding_idx, rng=rng, dtype=dtype)
        self.src_positional_encoding = PositionalEncoding(
            d_model, max_len, dropout, rng=rng, dtype=dtype
        )
        self.tgt_positional_encoding = PositionalEncoding(
            d_model, max_len, dropout, rng=rng, dtype=dtype
        )
        layer_args = (d_model, nhead, dim_feedforward, dropout)
        layer_kwargs = {"norm_first": norm_first, "rng": rng, "dtype": dtype}
        self.encoder = TransformerEncoder(
            lambda: TransformerEncoderLayer(*layer_args, **layer_kwargs),
            num_encoder_layers,
            norm=LayerNorm(d_model, dtype=dtype),
        )
        self.decoder = TransformerDecoder(
            lambda: TransformerDecoderLayer(*layer_args, **layer_kwargs),
            num_decoder_layers,
            norm=LayerNorm(d_model, dtype=dtype),
        )
        self.generator = Linear(d_model, tgt_vocab, rng=rng, dtype=dtype)
        self._scale = self.dtype.type(np.sqrt(d_model))
        self._done_forward = None

    def encode(self, src_ids, src_key_padding_mask=None):
        """The memory (N, S, d_model) of the encoder."""
        src = self.src_tok_emb(src_ids) * self._scale  # (N, S, d_model)
        src = self.src_positional_encoding(src)
        return self.encoder(src, None, src_key_padding_mask)

    def decode(self, tgt_ids_in, memory, tgt_key_padding_mask=None, memory_key_padding_mask=None):
        """The logits (N, T, tgt_vocab) for the next token at each target position."""
        tgt = self.tgt_tok_emb(tgt_ids_in) * self._scale  # (N, T, d_model)
        tgt = self.tgt_positional_encoding(tgt)
        causal = generate_square_subsequent_mask(tgt.shape[1])  # (T, T)
        out = self.decoder(
            tgt, memory, causal, None, tgt_key_padding_mask, memory_key_padding_mask
        )  # (N, T, d_model)
        return self.generator(out)  # (N, T, tgt_vocab)

    def forward(self, src_ids, tgt_ids_in, src_key_padding_mask=None, tgt_key_padding_mask=None):
        """Teacher-forced logits: ``tgt_ids_in`` is the target shifted right (starting with BOS).

        The padding masks are (N, S) and (N, T) bool, True at padding; the source mask also
        hides padded source positions from the decoder's cross-attention.
        """
        check_token_batches(self, src_ids, tgt_ids_in)
        memory = self.encode(src_ids, src_key_padding_mask)
        logits = self.decode(tgt_ids_in, memory, tgt_key_padding_mask, src_key_padding_mask)
        self._done_forward = True
        return logits

    def backward(self, grad_logits):
        """Add every parameter's gradient; token ids have none, so it returns None."""
        self._require_cache(self._done_forward)
        grad_out = self.generator.backward(grad_logits)
        grad_tgt, grad_memory = self.decoder.backward(grad_out)
        grad_tgt = self.tgt_positional_encoding.backward(grad_tgt)
        self.tgt_tok_emb.backward(grad_tgt * self._scale)
        grad_src = self.src_positional_encoding.backward(self.encoder.backward(grad_memory))
        self.src_tok_emb.backward(grad_src * self._scale)
        return None

    def greedy_decode(self, src_ids, bos, eos, max_len, src_key_padding_mask=None):
        """Generate targets token by token, each time taking the most likely next token.

        Runs in evaluation mode (no dropout) and restores the previous mode afterwards. Stops
        when every sequence has produced ``eos`` or after ``max_len`` tokens (BOS included);
        after its ``eos`` a sequence is filled with ``eos``.

        Returns
        -------
        numpy.ndarray of int, shape (N, L), L <= max_len
            Starting with ``bos``.
        """
        max_len = check_positive_int(self, max_len, "max_len")
        was_training = self.training
        self.eval()
        try:
            memory = self.encode(src_ids, src_key_padding_mask)
            ys = np.full((src_ids.shape[0], 1), bos, dtype=np.int64)  # (N, 1)
            done = np.zeros(src_ids.shape[0], dtype=bool)
            while ys.shape[1] < max_len and not done.all():
                logits = self.decode(ys, memory, None, src_key_padding_mask)  # (N, t, V)
                nxt = np.where(done, eos, logits[:, -1].argmax(axis=-1))  # (N,)
                ys = np.concatenate([ys, nxt[:, None]], axis=1)  # (N, t + 1)
                done |= nxt == eos
        finally:
            self.train(was_training)
        return ys

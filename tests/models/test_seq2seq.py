"""Sequence-to-sequence models: the Transformer and the GRU with Bahdanau attention."""

import numpy as np
import pytest
from dropout_helpers import Reseeded

import nnbook
from nnbook.gradcheck import check_module
from nnbook.models.seq2seq_rnn import BahdanauAttention, Seq2SeqRNN
from nnbook.models.transformer_seq2seq import Seq2SeqTransformer

PAD, BOS, EOS = 0, 1, 2


def _reverse_batch(rng, n, length, vocab):
    """Source: random tokens; target: the same tokens reversed, then EOS."""
    src = rng.integers(3, vocab, (n, length))
    tgt = np.concatenate([np.full((n, 1), BOS), src[:, ::-1], np.full((n, 1), EOS)], axis=1)
    return src, tgt[:, :-1], tgt[:, 1:]  # src, decoder input, decoder target


def _train(model, rng, steps, lr, vocab=8, length=4, batch=32):
    loss_fn = nnbook.CrossEntropyLoss()
    opt = nnbook.Adam(model.parameters(), lr=lr)
    for _ in range(steps):
        src, tgt_in, tgt_out = _reverse_batch(rng, batch, length, vocab)
        logits = model(src, tgt_in)  # (N, T, V)
        loss = loss_fn(logits.transpose(0, 2, 1), tgt_out)  # classes on axis 1, as torch
        opt.zero_grad()
        model.backward(loss_fn.backward().transpose(0, 2, 1))
        opt.step()
    src, _, tgt_out = _reverse_batch(rng, 300, length, vocab)
    out = model.greedy_decode(src, BOS, EOS, length + 2)
    return loss, np.mean(np.all(out[:, 1:] == tgt_out, axis=1))


def _assert_small(errors):
    for name, err in errors.items():
        assert err < 1e-6, (name, err)


# -- Transformer ---------------------------------------------------------------------------------


def test_transformer_shapes_and_keys(rng):
    model = Seq2SeqTransformer(
        7,
        9,
        d_model=8,
        nhead=2,
        num_encoder_layers=2,
        num_decoder_layers=1,
        dim_feedforward=16,
        dropout=0.1,
        max_len=20,
        rng=0,
    )
    logits = model(rng.integers(0, 7, (3, 5)), rng.integers(0, 9, (3, 4)))
    assert logits.shape == (3, 4, 9)
    assert model.backward(np.ones_like(logits)) is None
    keys = set(model.state_dict())
    assert {
        "src_tok_emb.weight",
        "encoder.layers.1.norm2.bias",
        "encoder.norm.weight",
        "decoder.layers.0.multihead_attn.in_proj_weight",
        "generator.weight",
    } <= keys
    assert model.decoder.layers[0].cross_attn_weights.shape == (3, 2, 4, 5)
    assert nnbook.Seq2SeqTransformer is Seq2SeqTransformer


@pytest.mark.parametrize("norm_first", [False, True])
def test_transformer_gradcheck(norm_first, rng):
    model = Seq2SeqTransformer(
        5,
        6,
        d_model=4,
        nhead=2,
        num_encoder_layers=1,
        num_decoder_layers=1,
        dim_feedforward=4,
        dropout=0.0,
        max_len=8,
        norm_first=norm_first,
        rng=0,
    )
    src = np.array([[3, 4, 1], [2, 0, 0]])
    tgt = np.array([[1, 5, 2], [1, 3, 0]])
    errors = check_module(
        model, src, tgt, rng=1, src_key_padding_mask=src == PAD, tgt_key_padding_mask=tgt == PAD
    )
    assert errors.keys() == set(model.state_dict())
    _assert_small(errors)


def test_transformer_padding_row_learns_nothing(rng):
    # With padding_idx the PAD rows get no gradient (torch's Embedding convention), so they are
    # left out of the finite-difference check above.
    model = Seq2SeqTransformer(5, 6, d_model=4, nhead=2, dim_feedforward=4, padding_idx=PAD, rng=0)
    src, tgt = np.array([[3, 4, 0]]), np.array([[1, 5, 0]])
    logits = model(src, tgt, src == PAD, tgt == PAD)
    model.backward(rng.standard_normal(logits.shape))
    assert not model.src_tok_emb.weight.grad[PAD].any()
    assert not model.tgt_tok_emb.weight.grad[PAD].any()
    assert model.tgt_tok_emb.weight.grad[5].any()


def test_transformer_causal_decoder(rng):
    # Changing a later target token must not change the logits of earlier positions.
    model = Seq2SeqTransformer(6, 6, d_model=8, nhead=2, dim_feedforward=8, rng=0).eval()
    src = rng.integers(0, 6, (2, 4))
    tgt = rng.integers(0, 6, (2, 5))
    changed = tgt.copy()
    changed[:, 3] = (changed[:, 3] + 1) % 6
    np.testing.assert_allclose(model(src, tgt)[:, :3], model(src, changed)[:, :3], atol=1e-12)


def test_transformer_learns_to_reverse(rng):
    model = Seq2SeqTransformer(
        8,
        8,
        d_model=16,
        nhead=2,
        num_encoder_layers=1,
        num_decoder_layers=1,
        dim_feedforward=32,
        dropout=0.0,
        max_len=8,
        norm_first=True,
        rng=0,
    )
    loss, accuracy = _train(model, rng, steps=300, lr=1e-2)
    assert loss < 0.1
    assert accuracy > 0.9  # whole reversed sequences right, decoded greedily


def test_transformer_greedy_decode_restores_mode_and_fills_eos(rng):
    model = Seq2SeqTransformer(6, 6, d_model=8, nhead=2, dim_feedforward=8, rng=0)
    out = model.greedy_decode(rng.integers(0, 6, (4, 3)), BOS, EOS, 6)
    assert model.training and out.shape[0] == 4 and out.shape[1] <= 6
    assert (out[:, 0] == BOS).all()
    for row in out:
        hits = np.flatnonzero(row[1:] == EOS)
        if hits.size:
            assert (row[1 + hits[0] :] == EOS).all()


def test_transformer_float32(rng):
    model = Seq2SeqTransformer(
        6, 6, d_model=8, nhead=2, dim_feedforward=8, dropout=0.0, rng=0, dtype=np.float32
    )
    ref = Seq2SeqTransformer(6, 6, d_model=8, nhead=2, dim_feedforward=8, dropout=0.0, rng=0)
    ref.load_state_dict(model.state_dict())
    src, tgt = rng.integers(0, 6, (2, 4)), rng.integers(0, 6, (2, 3))
    logits = model(src, tgt)
    assert logits.dtype == np.float32
    np.testing.assert_allclose(logits, ref(src, tgt), atol=1e-4)
    model.backward(np.ones_like(logits))
    assert all(p.grad.dtype == np.float32 for p in model.parameters())


def test_transformer_errors(rng):
    model = Seq2SeqTransformer(6, 6, d_model=8, nhead=2, dim_feedforward=8, max_len=4, rng=0)
    with pytest.raises(RuntimeError, match="Seq2SeqTransformer.backward called before forward"):
        model.backward(np.ones((1, 2, 6)))
    with pytest.raises(ValueError, match="indices must be in"):
        model(np.array([[1, 7]]), np.array([[1]]))
    with pytest.raises(ValueError, match="T <= 4"):
        model(np.ones((1, 5), int), np.array([[1]]))
    with pytest.raises(ValueError, match="src_vocab must be positive"):
        Seq2SeqTransformer(0, 6)


# -- GRU encoder-decoder with Bahdanau attention -------------------------------------------------


def test_bahdanau_attention_gradcheck_and_weights(rng):
    attn = BahdanauAttention(3, 4, 5, rng=0)
    query, keys = rng.standard_normal((2, 3)), rng.standard_normal((2, 6, 4))
    context, weights = attn(query, keys)
    assert context.shape == (2, 4) and weights.shape == (2, 6)
    np.testing.assert_allclose(weights.sum(-1), 1.0)
    scores = np.tanh(keys @ attn.key_weight.data.T + (query @ attn.query_weight.data.T)[:, None])
    scores = scores @ attn.score_weight.data
    np.testing.assert_allclose(weights, nnbook.functional.softmax(scores), atol=1e-14)
    attn.reset()
    _assert_small(check_module(attn, query, keys, rng=1))
    mask = np.zeros((2, 6), bool)
    mask[0, 4:] = True
    attn.reset()
    _assert_small(check_module(attn, query, keys, key_padding_mask=mask, rng=1))
    _, weights = attn(query, keys, mask)
    np.testing.assert_array_equal(weights[0, 4:], 0.0)


def test_bahdanau_attention_errors(rng):
    attn = BahdanauAttention(3, 4, 5)
    with pytest.raises(RuntimeError, match="backward called before forward"):
        attn.backward(np.ones((2, 4)))
    with pytest.raises(ValueError, match=r"expected query \(N, 3\) and keys \(N, S, 4\)"):
        attn(rng.standard_normal((2, 3)), rng.standard_normal((2, 6, 5)))
    with pytest.raises(ValueError, match="key_padding_mask"):
        attn(rng.standard_normal((2, 3)), rng.standard_normal((2, 6, 4)), np.zeros((2, 5), bool))


def test_bahdanau_attention_checks_its_gradient(rng):
    """Regression: a gradient of the wrong shape failed deep inside NumPy's broadcasting."""
    attn = BahdanauAttention(3, 4, 5)
    attn(rng.standard_normal((2, 3)), rng.standard_normal((2, 6, 4)))
    message = r"BahdanauAttention: expected grad_context of shape \(2, 4\) \(the output's\)"
    with pytest.raises(ValueError, match=message):
        attn.backward(np.ones((3, 4)))
    with pytest.raises(TypeError, match="BahdanauAttention: expected grad_context of dtype"):
        attn.backward(np.ones((2, 4), dtype=np.float32))


@pytest.mark.parametrize("model", ["rnn", "transformer"])
def test_token_inputs_are_checked(model, rng):
    """Regression: 1-D token ids failed with NumPy's unpacking error, not one naming the model."""
    if model == "rnn":
        net = Seq2SeqRNN(5, 5, 3, 4, 3, rng=0)
    else:
        net = Seq2SeqTransformer(5, 5, d_model=4, nhead=2, dim_feedforward=8, max_len=8, rng=0)
    name = type(net).__name__
    with pytest.raises(ValueError, match=rf"{name}: expected src_ids of shape \(N, length\)"):
        net(np.ones(3, int), np.ones((1, 2), int))
    with pytest.raises(TypeError, match=rf"{name}: expected tgt_ids_in as an integer ndarray"):
        net(np.ones((1, 3), int), np.ones((1, 2)))
    with pytest.raises(ValueError, match=rf"{name}: src_ids and tgt_ids_in hold different"):
        net(np.ones((2, 3), int), np.ones((1, 2), int))


def test_rnn_second_backward_adds_exactly_the_same_gradient(rng):
    """Regression: the cells added their gradients into .grad step by step, so a second
    backward without zero_grad rounded differently from the first."""
    model = Seq2SeqRNN(7, 7, 4, 5, 6, rng=0)
    src, tgt = rng.integers(0, 7, (2, 4)), rng.integers(0, 7, (2, 5))
    grad = rng.standard_normal((2, 5, 7))
    model(src, tgt)
    model.backward(grad)
    once = {name: p.grad.copy() for name, p in model.named_parameters()}
    model(src, tgt)
    model.backward(grad)
    for name, p in model.named_parameters():
        np.testing.assert_array_equal(p.grad, 2 * once[name], err_msg=name)


def test_rnn_shapes_gradcheck_and_attention_weights(rng):
    model = Seq2SeqRNN(6, 7, embed_dim=3, hidden_size=4, attention_dim=3, rng=0)
    # The query enters every score through the same W_q q, which the softmax cancels except
    # through tanh's curvature: at the initial scale its gradient is ~1e-4, where finite
    # differences lose digits. Larger weights make it O(1) for the check.
    model.attention.query_weight.data *= 4.0
    model.attention.key_weight.data *= 4.0
    src, tgt = rng.integers(0, 6, (2, 4)), rng.integers(0, 7, (2, 3))
    mask = np.zeros((2, 4), bool)
    mask[1, 3] = True
    logits = model(src, tgt, src_key_padding_mask=mask)
    assert logits.shape == (2, 3, 7)
    assert model.attention_weights.shape == (2, 3, 4)
    np.testing.assert_array_equal(model.attention_weights[1, :, 3], 0.0)
    errors = check_module(model, src, tgt, rng=1, src_key_padding_mask=mask)
    assert errors.keys() == set(model.state_dict())
    _assert_small(errors)


def _pad(rows, width, left=False):
    """The rows as one (N, width) batch, padded with PAD on the right (or the left)."""
    batch = np.full((len(rows), width), PAD)
    for i, row in enumerate(rows):
        if left:
            batch[i, width - len(row) :] = row
        else:
            batch[i, : len(row)] = row
    return batch


@pytest.mark.parametrize("left", [False, True])
def test_rnn_padding_does_not_change_a_sequence(left, rng):
    # A source decodes the same alone as inside a padded batch, wherever the padding is.
    model = Seq2SeqRNN(9, 9, embed_dim=4, hidden_size=6, attention_dim=5, padding_idx=PAD, rng=0)
    rows = [rng.integers(3, 9, n) for n in (2, 5, 3)]
    src = _pad(rows, 7, left)  # at least two padding tokens in every row
    tgt = rng.integers(1, 9, (3, 4))
    logits = model(src, tgt)
    weights = model.attention_weights  # (N, T, S)
    out = model.greedy_decode(src, BOS, EOS, 8)
    for i, row in enumerate(rows):
        real = src[i] != PAD
        alone = model(row[None], tgt[i : i + 1])
        np.testing.assert_allclose(logits[i], alone[0], rtol=0, atol=1e-12)
        np.testing.assert_allclose(weights[i][:, real], model.attention_weights[0], atol=1e-12)
        np.testing.assert_array_equal(weights[i][:, ~real], 0.0)
        decoded = model.greedy_decode(row[None], BOS, EOS, 8)[0]
        np.testing.assert_array_equal(out[i, : decoded.size], decoded)
        assert (out[i, decoded.size :] == EOS).all()  # the batch ran on for longer rows
    # Without padding_idx the padding is read like any token, and the results differ.
    plain = Seq2SeqRNN(9, 9, embed_dim=4, hidden_size=6, attention_dim=5, rng=0)
    plain.load_state_dict(model.state_dict())
    assert np.abs(plain(src, tgt)[0] - plain(rows[0][None], tgt[:1])[0]).max() > 1e-3


def test_rnn_gradcheck_with_padding(rng):
    model = Seq2SeqRNN(6, 7, embed_dim=3, hidden_size=4, attention_dim=3, padding_idx=PAD, rng=0)
    model.attention.query_weight.data *= 4.0  # as in the check above
    model.attention.key_weight.data *= 4.0
    # Right, left and inner padding. The target has none: a padding token in the decoder input
    # does change the logits, yet its embedding row gets no gradient (torch's convention).
    src = np.array([[3, 4, 5, PAD, PAD], [PAD, PAD, 4, 3, 5], [5, PAD, 4, PAD, 3]])
    tgt = rng.integers(1, 7, (3, 3))
    errors = check_module(model, src, tgt, rng=1)
    assert errors.keys() == set(model.state_dict())
    _assert_small(errors)
    assert not model.src_emb.weight.grad[PAD].any()
    # The caller's mask adds to the padding: position 0 of row 0 gets no weight either.
    mask = np.zeros((3, 5), bool)
    mask[0, 0] = True
    _assert_small(check_module(model, src, tgt, rng=2, src_key_padding_mask=mask))
    np.testing.assert_array_equal(model.attention_weights[0, :, [0, 3, 4]], 0.0)


def test_rnn_learns_to_reverse(rng):
    model = Seq2SeqRNN(8, 8, embed_dim=16, hidden_size=32, attention_dim=32, rng=0)
    loss, accuracy = _train(model, rng, steps=250, lr=1e-2)
    assert loss < 0.1
    assert accuracy > 0.9
    # The attention learnt to read the source backwards: output step t looks at L - 1 - t.
    model.greedy_decode(_reverse_batch(rng, 50, 4, 8)[0], BOS, EOS, 6)
    peaks = model.attention_weights[:, :4].argmax(axis=-1)  # (N, 4)
    assert np.mean(peaks == np.arange(4)[::-1]) > 0.6


def test_rnn_float32_and_errors(rng):
    model = Seq2SeqRNN(5, 5, 3, 4, 3, rng=0, dtype=np.float32)
    logits = model(rng.integers(0, 5, (2, 3)), rng.integers(0, 5, (2, 2)))
    assert logits.dtype == np.float32
    model.backward(np.ones_like(logits))
    assert all(p.grad.dtype == np.float32 for p in model.parameters())
    fresh = Seq2SeqRNN(5, 5, 3, 4, 3, rng=0)
    with pytest.raises(RuntimeError, match="Seq2SeqRNN.backward called before forward"):
        fresh.backward(np.ones((2, 2, 5)))
    with pytest.raises(ValueError, match="hidden_size must be positive"):
        Seq2SeqRNN(5, 5, 3, 0)
    padded = Seq2SeqRNN(5, 5, 3, 4, 3, padding_idx=PAD, rng=0)
    with pytest.raises(ValueError, match=r"Seq2SeqRNN: expected src_key_padding_mask .*\(2, 3\)"):
        padded(np.ones((2, 3), int), np.ones((2, 2), int), src_key_padding_mask=np.zeros((2, 2)))


def test_rnn_float32_with_padding(rng):
    model = Seq2SeqRNN(5, 5, 3, 4, 3, padding_idx=PAD, rng=0, dtype=np.float32)
    ref = Seq2SeqRNN(5, 5, 3, 4, 3, padding_idx=PAD, rng=0)
    ref.load_state_dict(model.state_dict())
    src, tgt = np.array([[3, 4, PAD], [PAD, 2, 3]]), rng.integers(1, 5, (2, 2))
    logits = model(src, tgt)
    assert logits.dtype == np.float32
    np.testing.assert_allclose(logits, ref(src, tgt), atol=1e-5)
    model.backward(np.ones_like(logits))
    assert all(p.grad.dtype == np.float32 for p in model.parameters())


# What each row of a three-row batch "predicts" at decoding steps 1, 2, 3, ...: row 0 ends at
# once, row 2 after one token, row 1 after two. After its end a row still prefers token 4, which
# greedy decoding must overwrite with EOS; and once every row has ended, decoding must stop.
SCRIPT = np.array([[EOS, 4, 4, 4], [3, 3, EOS, 4], [5, EOS, 3, 4]])
DECODED = np.array([[BOS, EOS, EOS, EOS], [BOS, 3, 3, EOS], [BOS, 5, EOS, EOS]])


def _scripted_logits(step):
    return np.eye(6)[SCRIPT[:, step]] * 10.0  # (3, V): the scripted token wins


def test_transformer_greedy_decode_stops_and_fills_with_eos(rng, monkeypatch):
    model = Seq2SeqTransformer(6, 6, d_model=8, nhead=2, dim_feedforward=8, rng=0)

    def decode(ys, memory, tgt_mask=None, memory_key_padding_mask=None):
        logits = np.zeros(ys.shape + (6,))
        logits[:, -1] = _scripted_logits(ys.shape[1] - 1)
        return logits

    monkeypatch.setattr(model, "decode", decode)
    out = model.greedy_decode(rng.integers(3, 6, (3, 4)), BOS, EOS, max_len=8)
    np.testing.assert_array_equal(out, DECODED)


def test_rnn_greedy_decode_stops_and_fills_with_eos(rng, monkeypatch):
    model = Seq2SeqRNN(6, 6, embed_dim=4, hidden_size=5, attention_dim=3, rng=0)
    steps = iter(range(len(SCRIPT[0])))
    monkeypatch.setattr(model, "generator", lambda features: _scripted_logits(next(steps)))
    out = model.greedy_decode(rng.integers(3, 6, (3, 4)), BOS, EOS, max_len=8)
    np.testing.assert_array_equal(out, DECODED)
    assert model.attention_weights.shape == (3, 3, 4)  # (N, L - 1, S)


def test_transformer_gradcheck_in_training_mode(rng):
    # Every random stream re-seeded before each forward pass fixes every dropout mask, those of
    # the two positional encodings included (two instances, so each keeps its own mask: with
    # S == T below, one shared instance would reuse the target's mask for the source).
    model = Seq2SeqTransformer(
        5, 6, d_model=4, nhead=2, num_encoder_layers=1, num_decoder_layers=1,
        dim_feedforward=4, dropout=0.3, max_len=8, rng=0,
    )  # fmt: skip
    src, tgt = np.array([[3, 4, 1], [2, 3, 4]]), np.array([[1, 5, 2], [1, 3, 4]])
    wrapped = Reseeded(model)
    assert not np.allclose(wrapped(src, tgt), model.eval()(src, tgt))  # dropout was active
    model.train()
    errors = check_module(wrapped, src, tgt, rng=1)
    assert errors.keys() == {"module." + name for name in model.state_dict()}
    _assert_small(errors)


def test_transformer_source_padding_changes_nothing(rng):
    model = Seq2SeqTransformer(9, 9, d_model=8, nhead=2, dim_feedforward=8, dropout=0.0, rng=0)
    rows = [rng.integers(3, 9, n) for n in (3, 5)]
    src = np.array([np.pad(row, (0, 5 - len(row))) for row in rows])  # padded on the right
    tgt = rng.integers(3, 9, (2, 4))
    logits = model(src, tgt, src_key_padding_mask=src == PAD)
    decoded = model.greedy_decode(src, BOS, EOS, 7, src_key_padding_mask=src == PAD)
    for i, row in enumerate(rows):
        np.testing.assert_allclose(logits[i], model(row[None], tgt[i : i + 1])[0], atol=1e-12)
        alone = model.greedy_decode(row[None], BOS, EOS, 7)[0]
        np.testing.assert_array_equal(decoded[i, : alone.size], alone)


@pytest.mark.parametrize("name", ["transformer", "rnn"])
def test_backward_after_greedy_decode_is_refused(name, rng):
    if name == "transformer":
        model = Seq2SeqTransformer(6, 6, d_model=8, nhead=2, dim_feedforward=8, rng=0)
    else:
        model = Seq2SeqRNN(6, 6, embed_dim=4, hidden_size=5, attention_dim=3, rng=0)
    model.greedy_decode(rng.integers(3, 6, (2, 4)), BOS, EOS, 5)  # leaves no forward cache
    with pytest.raises(
        RuntimeError, match=f"{type(model).__name__}.backward called before forward"
    ):
        model.backward(np.ones((2, 4, 6)))

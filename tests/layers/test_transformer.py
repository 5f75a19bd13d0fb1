"""Positional encoding, Transformer encoder/decoder layers and stacks: gradients and torch."""

import numpy as np
import pytest
from dropout_helpers import Reseeded
from torch_helpers import assert_grads_equal, module_reference, to_torch

import nnbook
from nnbook.gradcheck import check_module
from nnbook.layers.positional import sinusoidal_positional_encoding

N, T, S, D, H, FF = 2, 4, 3, 6, 2, 8


def _assert_small(errors):
    for name, err in errors.items():
        assert err < 1e-6, (name, err)


def _randomise_norms(module, rng):
    """LayerNorms start at weight 1, bias 0; random values make their gradients count."""
    for name, p in module.named_parameters():
        if "norm" in name:
            p.data[...] = (
                rng.uniform(0.5, 1.5, p.shape)
                if name.endswith("weight")
                else (rng.standard_normal(p.shape))
            )


def _enc_masks(rng, kind):
    if kind is None:
        return {}
    pad = np.zeros((N, T), bool)
    pad[0, -1] = True
    return {"src_mask": nnbook.generate_square_subsequent_mask(T), "src_key_padding_mask": pad}


def _dec_masks(rng, kind):
    if kind is None:
        return {}
    tgt_pad = np.zeros((N, T), bool)
    tgt_pad[1, -1] = True
    mem_pad = np.zeros((N, S), bool)
    mem_pad[0, -1] = True
    return {
        "tgt_mask": nnbook.generate_square_subsequent_mask(T),
        "memory_mask": rng.standard_normal((T, S)),
        "tgt_key_padding_mask": tgt_pad,
        "memory_key_padding_mask": mem_pad,
    }


# -- positional encoding and the causal mask ----------------------------------------------------


@pytest.mark.parametrize("d_model", [6, 7])
def test_positional_encoding_values(d_model):
    pe = sinusoidal_positional_encoding(10, d_model)
    for pos in range(10):
        for i in range(d_model):
            angle = pos / 10000 ** ((i - i % 2) / d_model)
            expected = np.sin(angle) if i % 2 == 0 else np.cos(angle)
            assert pe[pos, i] == pytest.approx(expected, abs=1e-14)


def test_positional_encoding_module(rng):
    layer = nnbook.PositionalEncoding(8, max_len=20)
    x = rng.standard_normal((2, 5, 8))
    np.testing.assert_allclose(layer(x), x + layer.pe[:5])
    assert isinstance(layer.pe, np.ndarray) and layer.pe.shape == (20, 8)
    assert layer.state_dict() == {}
    g = rng.standard_normal(x.shape)
    np.testing.assert_array_equal(layer.backward(g), g)
    y32 = nnbook.PositionalEncoding(8, dtype=np.float32)(x.astype(np.float32))
    assert y32.dtype == np.float32
    dropped = nnbook.PositionalEncoding(8, dropout=0.5, rng=0)
    assert (dropped(x) == 0).any()
    assert (dropped.backward(g) == 0).any()


def test_positional_encoding_errors(rng):
    layer = nnbook.PositionalEncoding(8, max_len=4)
    with pytest.raises(RuntimeError, match="PositionalEncoding.backward called before forward"):
        layer.backward(np.ones((1, 2, 8)))
    with pytest.raises(ValueError, match=r"expected input of shape \(N, T <= 4, 8\)"):
        layer(rng.standard_normal((1, 5, 8)))
    with pytest.raises(ValueError, match=r"expected input of shape \(N, T <= 4, 8\)"):
        layer(rng.standard_normal((1, 2, 7)))
    with pytest.raises(
        ValueError, match=r"PositionalEncoding: expected 3-D input, got shape \(2, 8\)"
    ):
        layer(rng.standard_normal((2, 8)))
    with pytest.raises(ValueError, match="d_model must be positive"):
        nnbook.PositionalEncoding(0)


def test_square_subsequent_mask():
    mask = nnbook.generate_square_subsequent_mask(3)
    np.testing.assert_array_equal(
        mask, [[False, True, True], [False, False, True], [False, False, False]]
    )
    with pytest.raises(ValueError, match="size must be positive"):
        nnbook.generate_square_subsequent_mask(0)


# -- encoder and decoder layers -----------------------------------------------------------------


def _torch_layer_keys(name, d_model, nhead, dim_feedforward, bias=True):
    """The state_dict keys of torch.nn.<name> (an encoder or decoder layer), in order."""
    import torch

    layer = getattr(torch.nn, name)(d_model, nhead, dim_feedforward, batch_first=True, bias=bias)
    return list(layer.state_dict())


def test_layer_names_match_torch(torch_reference):
    enc = nnbook.TransformerEncoderLayer(D, H, FF, rng=0)
    dec = nnbook.TransformerDecoderLayer(D, H, FF, rng=0)
    assert [n for n, _ in enc.named_children()][:7] == [
        "self_attn",
        "linear1",
        "dropout",
        "linear2",
        "norm1",
        "norm2",
        "dropout1",
    ]
    assert {"multihead_attn", "norm3", "dropout3"} <= {n for n, _ in dec.named_children()}
    assert list(enc.state_dict()) == torch_reference(
        _torch_layer_keys, "TransformerEncoderLayer", D, H, FF
    )
    assert list(dec.state_dict()) == torch_reference(
        _torch_layer_keys, "TransformerDecoderLayer", D, H, FF
    )


@pytest.mark.parametrize("activation", ["relu", "gelu"])
@pytest.mark.parametrize("masks", [None, "all"])
@pytest.mark.parametrize("norm_first", [False, True])
def test_encoder_layer_gradcheck(norm_first, masks, activation, rng):
    layer = nnbook.TransformerEncoderLayer(
        D, H, FF, dropout=0.0, activation=activation, norm_first=norm_first, rng=1
    )
    _randomise_norms(layer, rng)
    x = rng.standard_normal((N, T, D))
    errors = check_module(layer, x, rng=1, **_enc_masks(rng, masks))
    assert errors.keys() == {"input0"} | set(layer.state_dict())
    _assert_small(errors)


@pytest.mark.parametrize("masks", [None, "all"])
@pytest.mark.parametrize("norm_first", [False, True])
def test_decoder_layer_gradcheck(norm_first, masks, rng):
    layer = nnbook.TransformerDecoderLayer(D, H, FF, dropout=0.1, norm_first=norm_first, rng=1)
    layer.eval()  # dropout off
    _randomise_norms(layer, rng)
    tgt, memory = rng.standard_normal((N, T, D)), rng.standard_normal((N, S, D))
    errors = check_module(layer, tgt, memory, rng=1, **_dec_masks(rng, masks))
    assert errors.keys() == {"input0", "input1"} | set(layer.state_dict())
    _assert_small(errors)


@pytest.mark.parametrize("activation", ["relu", "gelu"])
@pytest.mark.parametrize("masks", [None, "all"])
@pytest.mark.parametrize("norm_first", [False, True])
def test_encoder_layer_matches_torch(norm_first, masks, activation, rng, torch_reference):
    layer = nnbook.TransformerEncoderLayer(
        D, H, FF, dropout=0.0, activation=activation, norm_first=norm_first, rng=0
    )
    _randomise_norms(layer, rng)
    m = _enc_masks(rng, masks)
    x, g = rng.standard_normal((N, T, D)), rng.standard_normal((N, T, D))
    expected = module_reference(torch_reference, layer, [x], [g], **m)
    np.testing.assert_allclose(layer(x, **m), expected["output"][0], atol=1e-12)
    np.testing.assert_allclose(layer.backward(g), expected["inputs"][0], atol=1e-10)
    assert_grads_equal(layer, expected["params"])


@pytest.mark.filterwarnings("ignore:Support for mismatched key_padding_mask")
@pytest.mark.parametrize("masks", [None, "all"])
@pytest.mark.parametrize("norm_first", [False, True])
def test_decoder_layer_matches_torch(norm_first, masks, rng, torch_reference):
    layer = nnbook.TransformerDecoderLayer(D, H, FF, dropout=0.0, norm_first=norm_first, rng=0)
    _randomise_norms(layer, rng)
    m = _dec_masks(rng, masks)
    tgt, memory = rng.standard_normal((N, T, D)), rng.standard_normal((N, S, D))
    g = rng.standard_normal((N, T, D))
    expected = module_reference(torch_reference, layer, [tgt, memory], [g], **m)
    np.testing.assert_allclose(layer(tgt, memory, **m), expected["output"][0], atol=1e-12)
    grad_tgt, grad_memory = layer.backward(g)
    np.testing.assert_allclose(grad_tgt, expected["inputs"][0], atol=1e-10)
    np.testing.assert_allclose(grad_memory, expected["inputs"][1], atol=1e-10)
    assert_grads_equal(layer, expected["params"])


def test_layers_keep_attention_weights(rng):
    dec = nnbook.TransformerDecoderLayer(D, H, FF, rng=0).eval()
    dec(
        rng.standard_normal((N, T, D)),
        rng.standard_normal((N, S, D)),
        tgt_mask=nnbook.generate_square_subsequent_mask(T),
    )
    assert dec.self_attn_weights.shape == (N, H, T, T)
    assert dec.cross_attn_weights.shape == (N, H, T, S)
    np.testing.assert_array_equal(dec.self_attn_weights[..., 0, 1:], 0.0)  # causal


def test_dropout_train_vs_eval(rng):
    layer = nnbook.TransformerEncoderLayer(D, H, FF, dropout=0.5, rng=0)
    x = rng.standard_normal((N, T, D))
    a, b = layer(x), layer(x)
    assert not np.allclose(a, b)
    layer.eval()
    np.testing.assert_array_equal(layer(x), layer(x))


def test_float32(rng):
    layer64 = nnbook.TransformerDecoderLayer(D, H, FF, dropout=0.0, norm_first=True, rng=0)
    layer32 = nnbook.TransformerDecoderLayer(
        D, H, FF, dropout=0.0, norm_first=True, rng=0, dtype=np.float32
    )
    layer32.load_state_dict(layer64.state_dict())
    tgt, memory = rng.standard_normal((N, T, D)), rng.standard_normal((N, S, D))
    y32 = layer32(tgt.astype(np.float32), memory.astype(np.float32))
    assert y32.dtype == np.float32
    np.testing.assert_allclose(y32, layer64(tgt, memory), atol=1e-5)
    grads = layer32.backward(np.ones_like(y32))
    assert all(g.dtype == np.float32 for g in grads)
    assert all(p.grad.dtype == np.float32 for p in layer32.parameters())


def test_layer_errors(rng):
    with pytest.raises(ValueError, match="activation must be 'relu' or 'gelu'"):
        nnbook.TransformerEncoderLayer(D, H, activation="tanh")
    with pytest.raises(ValueError, match="batch_first=True"):
        nnbook.TransformerEncoderLayer(D, H, batch_first=False)
    with pytest.raises(ValueError, match="divisible"):
        nnbook.TransformerDecoderLayer(D, 4)
    with pytest.raises(ValueError, match="dim_feedforward must be positive"):
        nnbook.TransformerEncoderLayer(D, H, 0)
    enc = nnbook.TransformerEncoderLayer(D, H, FF, rng=0)
    dec = nnbook.TransformerDecoderLayer(D, H, FF, rng=0)
    with pytest.raises(RuntimeError, match="TransformerEncoderLayer.backward called before"):
        enc.backward(np.ones((N, T, D)))
    with pytest.raises(RuntimeError, match="TransformerDecoderLayer.backward called before"):
        dec.backward(np.ones((N, T, D)))
    with pytest.raises(ValueError, match=r"expected src with last dimension 6"):
        enc(rng.standard_normal((N, T, 5)))
    with pytest.raises(TypeError, match="TransformerEncoderLayer: expected src of dtype float64"):
        enc(np.ones((N, T, D), np.float32))
    message = r"TransformerDecoderLayer: expected 3-D memory, got shape \(3, 6\)"
    with pytest.raises(ValueError, match=message):
        dec(rng.standard_normal((N, T, D)), rng.standard_normal((S, D)))
    message = (
        r"TransformerDecoderLayer: tgt and memory must have the same batch size, "
        r"got shapes \(2, 4, 6\) and \(3, 3, 6\)"
    )
    with pytest.raises(ValueError, match=message):
        dec(rng.standard_normal((N, T, D)), rng.standard_normal((N + 1, S, D)))


# -- stacks ---------------------------------------------------------------------------------------


def test_stack_copies_layer_and_keys(rng):
    layer = nnbook.TransformerEncoderLayer(D, H, FF, dropout=0.5, rng=0)
    stack = nnbook.TransformerEncoder(layer, 3, norm=nnbook.LayerNorm(D))
    assert len(stack.layers) == 3 and stack.layers[0] is not layer
    keys = list(stack.state_dict())
    assert keys[0] == "layers.0.self_attn.in_proj_weight" and keys[-1] == "norm.bias"
    np.testing.assert_array_equal(
        stack.layers[0].linear1.weight.data, stack.layers[2].linear1.weight.data
    )  # copies, as torch
    # ... but the copies draw different dropout masks.
    x = np.ones((1, 50, D))
    assert not np.array_equal(stack.layers[0].dropout1(x), stack.layers[1].dropout1(x))
    factory = nnbook.TransformerEncoder(lambda: nnbook.TransformerEncoderLayer(D, H, FF), 2)
    assert not np.array_equal(
        factory.layers[0].linear1.weight.data, factory.layers[1].linear1.weight.data
    )
    with pytest.raises(TypeError, match="expected a layer"):
        nnbook.TransformerEncoder(3, 2)
    with pytest.raises(ValueError, match="num_layers must be positive"):
        nnbook.TransformerDecoder(layer, 0)


@pytest.mark.parametrize("norm_first", [False, True])
def test_stacks_gradcheck(norm_first, rng):
    d, h, ff = 4, 2, 4  # small: every parameter of two stacked layers is perturbed

    enc = nnbook.TransformerEncoder(
        lambda: nnbook.TransformerEncoderLayer(d, h, ff, 0.0, norm_first=norm_first, rng=rng),
        2,
        norm=nnbook.LayerNorm(d),
    )
    dec = nnbook.TransformerDecoder(
        lambda: nnbook.TransformerDecoderLayer(d, h, ff, 0.0, norm_first=norm_first, rng=rng),
        2,
        norm=nnbook.LayerNorm(d),
    )
    x, memory = rng.standard_normal((1, 3, d)), rng.standard_normal((1, 2, d))
    causal = nnbook.generate_square_subsequent_mask(3)
    enc_errors = check_module(enc, x, rng=1, mask=causal)
    assert len(enc_errors) == 1 + len(enc.state_dict())
    _assert_small(enc_errors)
    dec_errors = check_module(dec, x, memory, rng=1, tgt_mask=causal)
    assert len(dec_errors) == 2 + len(dec.state_dict())
    _assert_small(dec_errors)


def _torch_stacks(sizes, norm_first, enc_state, dec_state, src, tgt, src_pad, causal, g):
    """A 2-layer encoder stack feeding a 2-layer decoder stack in torch, with the given weights.

    ``sizes`` is (d_model, nhead, dim_feedforward); dropout is 0. Returns the decoder's output,
    the gradients of src and tgt for the loss sum(g * output), and each stack's parameter
    gradients by name.
    """
    import torch

    nn = torch.nn
    d_model, nhead, dim_ff = sizes
    t_enc = nn.TransformerEncoder(
        nn.TransformerEncoderLayer(
            d_model, nhead, dim_ff, 0.0, batch_first=True, norm_first=norm_first
        ),
        2,
        norm=nn.LayerNorm(d_model),
        enable_nested_tensor=False,
    ).double()
    t_dec = nn.TransformerDecoder(
        nn.TransformerDecoderLayer(
            d_model, nhead, dim_ff, 0.0, batch_first=True, norm_first=norm_first
        ),
        2,
        norm=nn.LayerNorm(d_model),
    ).double()
    t_enc.load_state_dict({k: to_torch(v) for k, v in enc_state.items()})
    t_dec.load_state_dict({k: to_torch(v) for k, v in dec_state.items()})
    st, tt = to_torch(src, requires_grad=True), to_torch(tgt, requires_grad=True)
    memory_t = t_enc(st, src_key_padding_mask=to_torch(src_pad))
    out_t = t_dec(
        tt, memory_t, tgt_mask=to_torch(causal), memory_key_padding_mask=to_torch(src_pad)
    )
    out_t.backward(to_torch(g))
    return {
        "output": out_t.detach().numpy(),
        "grad_src": st.grad.numpy(),
        "grad_tgt": tt.grad.numpy(),
        "encoder": {name: p.grad.numpy() for name, p in t_enc.named_parameters()},
        "decoder": {name: p.grad.numpy() for name, p in t_dec.named_parameters()},
    }


@pytest.mark.parametrize("norm_first", [False, True])
def test_stacks_match_torch(norm_first, rng, torch_reference):
    enc = nnbook.TransformerEncoder(
        nnbook.TransformerEncoderLayer(D, H, FF, 0.0, norm_first=norm_first, rng=0),
        2,
        norm=nnbook.LayerNorm(D),
    )
    dec = nnbook.TransformerDecoder(
        nnbook.TransformerDecoderLayer(D, H, FF, 0.0, norm_first=norm_first, rng=1),
        2,
        norm=nnbook.LayerNorm(D),
    )
    for p in enc.parameters() + dec.parameters():  # make the layers differ (copies start equal)
        p.data += 0.1 * rng.standard_normal(p.shape)
    src, tgt = rng.standard_normal((N, S, D)), rng.standard_normal((N, T, D))
    src_pad = np.zeros((N, S), bool)
    src_pad[1, -1] = True
    causal = nnbook.generate_square_subsequent_mask(T)
    g = rng.standard_normal((N, T, D))
    expected = torch_reference(
        _torch_stacks,
        (D, H, FF),
        norm_first,
        enc.state_dict(),
        dec.state_dict(),
        src,
        tgt,
        src_pad,
        causal,
        g,
    )
    memory = enc(src, src_key_padding_mask=src_pad)
    out = dec(tgt, memory, tgt_mask=causal, memory_key_padding_mask=src_pad)
    np.testing.assert_allclose(out, expected["output"], atol=1e-12)
    grad_tgt, grad_memory = dec.backward(g)
    grad_src = enc.backward(grad_memory)
    np.testing.assert_allclose(grad_tgt, expected["grad_tgt"], atol=1e-10)
    np.testing.assert_allclose(grad_src, expected["grad_src"], atol=1e-10)
    assert_grads_equal(enc, expected["encoder"])
    assert_grads_equal(dec, expected["decoder"])


def _randomise_all(module, rng):
    """Every parameter away from its initial value, biases of the attention included."""
    for name, p in module.named_parameters():
        if "norm" in name and name.endswith("weight"):
            p.data[...] = rng.uniform(0.5, 1.5, p.shape)
        else:
            p.data[...] = 0.3 * rng.standard_normal(p.shape)


def _layer_pair(kind, norm_first, **options):
    cls = nnbook.TransformerEncoderLayer if kind == "encoder" else nnbook.TransformerDecoderLayer
    return cls(D, H, FF, norm_first=norm_first, rng=0, **options)


def _inputs(kind, rng):
    if kind == "encoder":
        return (rng.standard_normal((N, T, D)),)
    return rng.standard_normal((N, T, D)), rng.standard_normal((N, S, D))


@pytest.mark.parametrize("kind", ["encoder", "decoder"])
@pytest.mark.parametrize("norm_first", [False, True])
def test_layers_without_bias(kind, norm_first, rng, torch_reference):
    layer = _layer_pair(kind, norm_first, dropout=0.0, bias=False)
    _randomise_all(layer, rng)
    assert not any(name.endswith("bias") for name in layer.state_dict())
    inputs = _inputs(kind, rng)
    errors = check_module(layer, *inputs, rng=1)
    assert errors.keys() == {f"input{i}" for i in range(len(inputs))} | set(layer.state_dict())
    _assert_small(errors)
    keys = torch_reference(_torch_layer_keys, type(layer).__name__, D, H, FF, bias=False)
    assert keys == list(layer.state_dict())
    g = rng.standard_normal((N, T, D))
    layer.zero_grad()  # the gradient check accumulated into .grad
    expected = module_reference(torch_reference, layer, inputs, [g])
    np.testing.assert_allclose(layer(*inputs), expected["output"][0], rtol=0, atol=1e-12)
    grads = layer.backward(g)
    grads = grads if isinstance(grads, tuple) else (grads,)
    for mine, theirs in zip(grads, expected["inputs"], strict=True):
        np.testing.assert_allclose(mine, theirs, rtol=0, atol=1e-10)
    assert_grads_equal(layer, expected["params"])


@pytest.mark.parametrize("kind", ["encoder", "decoder"])
@pytest.mark.parametrize("norm_first", [False, True])
def test_layers_in_training_mode_gradcheck(kind, norm_first, rng):
    # Re-seeding every random stream before each forward pass fixes all the dropout masks (the
    # sub-layers' and the attention weights'), so finite differences apply to training mode.
    layer = _layer_pair(kind, norm_first, dropout=0.3)
    _randomise_all(layer, rng)
    wrapped = Reseeded(layer)
    assert len(wrapped.random_parts) >= 4
    inputs = _inputs(kind, rng)
    out = wrapped(*inputs)
    assert not np.allclose(out, layer.eval()(*inputs))  # dropout was active
    layer.train()
    _assert_small(check_module(wrapped, *inputs, rng=1))


@pytest.mark.parametrize("norm_first", [False, True])
def test_decoder_layer_gelu_and_eps_match_torch(norm_first, rng, torch_reference):
    options = {"activation": "gelu", "layer_norm_eps": 0.1, "dropout": 0.0}
    layer = nnbook.TransformerDecoderLayer(D, H, FF, norm_first=norm_first, rng=0, **options)
    _randomise_all(layer, rng)
    tgt, memory = rng.standard_normal((N, T, D)), rng.standard_normal((N, S, D))
    g = rng.standard_normal((N, T, D))
    expected = module_reference(torch_reference, layer, [tgt, memory], [g])
    np.testing.assert_allclose(layer(tgt, memory), expected["output"][0], rtol=0, atol=1e-12)
    grad_tgt, grad_memory = layer.backward(g)
    np.testing.assert_allclose(grad_tgt, expected["inputs"][0], rtol=0, atol=1e-10)
    np.testing.assert_allclose(grad_memory, expected["inputs"][1], rtol=0, atol=1e-10)
    assert_grads_equal(layer, expected["params"])
    # eps = 0.1 is large enough to matter: the default would give another output.
    layer_default = nnbook.TransformerDecoderLayer(
        D, H, FF, activation="gelu", dropout=0.0, norm_first=norm_first, rng=0
    )
    layer_default.load_state_dict(layer.state_dict())
    assert not np.allclose(layer_default(tgt, memory), layer(tgt, memory))

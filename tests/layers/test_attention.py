"""Scaled dot-product attention and MultiheadAttention: shapes, masks, gradient checks, torch."""

import re

import numpy as np
import pytest
from dropout_helpers import Reseeded
from torch_helpers import assert_grads_equal, module_reference, to_torch

import nnbook
from nnbook.functional import (
    scaled_dot_product_attention,
    scaled_dot_product_attention_backward,
    softmax,
)
from nnbook.gradcheck import check_module
from nnbook.module import Module


class _SDPA(Module):
    """The functional pair wrapped as a module, so ``check_module`` can check it."""

    def __init__(self, attn_mask=None):
        super().__init__()
        self.attn_mask = attn_mask
        self.cache = None

    def forward(self, q, k, v):
        out, _, self.cache = scaled_dot_product_attention(
            q, k, v, self.attn_mask, return_cache=True
        )
        return out

    def backward(self, grad):
        return scaled_dot_product_attention_backward(grad, self.cache)


class _SelfAttention(Module):
    """``mha(x, x, x)``, whose input gradient is the sum of the three returned gradients."""

    def __init__(self, mha):
        super().__init__()
        self.mha = mha

    def forward(self, x, **masks):
        return self.mha(x, x, x, **masks)[0]

    def backward(self, grad):
        return sum(self.mha.backward(grad))


def _loop_attention(q, k, v, mask):
    """Attention one query at a time, written from the definition (the reference)."""
    out = np.zeros(q.shape[:-1] + (v.shape[-1],))
    for idx in np.ndindex(q.shape[:-2]):
        for i in range(q.shape[-2]):
            scores = np.array([q[idx][i] @ k[idx][j] for j in range(k.shape[-2])])
            scores = scores / np.sqrt(q.shape[-1])
            scores[mask[i]] = -np.inf
            weights = np.exp(scores - scores.max())
            weights /= weights.sum()
            out[idx][i] = sum(w * v[idx][j] for j, w in enumerate(weights))
    return out


def _assert_small(errors):
    for name, err in errors.items():
        assert err < 1e-6, (name, err)


def _torch_sdpa(q, k, v, attn_mask, grad_output, scale=None):
    """torch's scaled_dot_product_attention: its output and the gradients of q, k and v.

    ``attn_mask`` follows torch's functional convention: a bool mask is True where a query
    *may* attend.
    """
    import torch

    tq, tk, tv = (to_torch(a, requires_grad=True) for a in (q, k, v))
    mask = None if attn_mask is None else to_torch(attn_mask)
    out = torch.nn.functional.scaled_dot_product_attention(tq, tk, tv, attn_mask=mask, scale=scale)
    out.backward(to_torch(grad_output))
    return {"output": out.detach().numpy(), "grads": [t.grad.numpy() for t in (tq, tk, tv)]}


def _torch_mha_state_keys(embed_dim, num_heads, bias):
    """The state_dict keys of torch.nn.MultiheadAttention, in torch's order."""
    import torch

    return list(torch.nn.MultiheadAttention(embed_dim, num_heads, bias=bias).state_dict())


# -- the functional form -------------------------------------------------------------------------


@pytest.mark.parametrize("lead", [(), (3,), (2, 3)])
def test_sdpa_shapes_and_rows_sum_to_one(lead, rng):
    q, k, v = (rng.standard_normal(lead + s) for s in ((4, 5), (6, 5), (6, 7)))
    out, weights = scaled_dot_product_attention(q, k, v)
    assert out.shape == lead + (4, 7) and weights.shape == lead + (4, 6)
    np.testing.assert_allclose(weights.sum(-1), 1.0)


def test_sdpa_loop_equals_matrix_form(rng):
    q, k, v = (
        rng.standard_normal((2, 5, 4)),
        rng.standard_normal((2, 6, 4)),
        rng.standard_normal((2, 6, 3)),
    )
    mask = rng.random((5, 6)) < 0.3
    mask[:, 0] = False  # every query keeps at least one key
    out, _ = scaled_dot_product_attention(q, k, v, mask)
    np.testing.assert_allclose(out, _loop_attention(q, k, v, mask), rtol=1e-12, atol=1e-12)


def test_sdpa_paper_numbers():
    # Alammar's worked example: scores 112 and 96, divided by sqrt(64) = 8, give 14 and 12.
    q = np.full((1, 64), 2.0)
    k = np.stack([np.full(64, 0.875), np.full(64, 0.75)])
    _, weights = scaled_dot_product_attention(q, k, np.eye(2))
    np.testing.assert_allclose(weights[0], softmax(np.array([14.0, 12.0])))
    assert round(weights[0, 0], 2) == 0.88


def test_sdpa_bool_mask_equals_float_mask(rng):
    q, k, v = (rng.standard_normal((2, 4, 3)) for _ in range(3))
    mask = np.triu(np.ones((4, 4), bool), 1)
    additive = np.where(mask, -np.inf, 0.0)
    a = scaled_dot_product_attention(q, k, v, mask)
    b = scaled_dot_product_attention(q, k, v, additive)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1][:, mask], 0.0)


def test_sdpa_fully_masked_row_gives_zeros_without_warning(rng):
    q, k, v = (rng.standard_normal((3, 2)) for _ in range(3))
    mask = np.zeros((3, 3), bool)
    mask[1] = True
    with np.errstate(all="raise"):
        out, weights, cache = scaled_dot_product_attention(q, k, v, mask, return_cache=True)
        grads = scaled_dot_product_attention_backward(np.ones_like(out), cache)
    np.testing.assert_array_equal(out[1], 0.0)
    np.testing.assert_array_equal(weights[1], 0.0)
    assert all(np.isfinite(g).all() for g in grads)
    np.testing.assert_array_equal(grads[0][1], 0.0)


@pytest.mark.parametrize("mask_kind", [None, "bool", "float"])
def test_sdpa_gradcheck(mask_kind, rng):
    q, k, v = (
        rng.standard_normal((2, 3, 4)),
        rng.standard_normal((2, 5, 4)),
        rng.standard_normal((2, 5, 3)),
    )
    mask = None
    if mask_kind == "bool":
        mask = rng.random((3, 5)) < 0.4
        mask[:, 0] = False
    elif mask_kind == "float":
        mask = rng.standard_normal((2, 3, 5))
    errors = check_module(_SDPA(mask), q, k, v)
    assert errors.keys() == {"input0", "input1", "input2"}
    _assert_small(errors)


@pytest.mark.parametrize("mask_kind", [None, "bool", "float"])
def test_sdpa_matches_torch(mask_kind, rng, torch_reference):
    q, k, v = (
        rng.standard_normal((2, 3, 4, 5)),
        rng.standard_normal((2, 3, 6, 5)),
        (rng.standard_normal((2, 3, 6, 7))),
    )
    mask = torch_mask = None
    if mask_kind == "bool":
        mask = rng.random((4, 6)) < 0.4
        mask[2] = True  # a fully masked row: zeros in both libraries
        torch_mask = ~mask  # torch's functional form: True = may attend
    elif mask_kind == "float":
        mask = rng.standard_normal((4, 6))
        torch_mask = mask
    out, _, cache = scaled_dot_product_attention(q, k, v, mask, return_cache=True)
    g = rng.standard_normal(out.shape)
    grads = scaled_dot_product_attention_backward(g, cache)
    expected = torch_reference(_torch_sdpa, q, k, v, torch_mask, g)
    np.testing.assert_allclose(out, expected["output"], atol=1e-12)
    for mine, theirs in zip(grads, expected["grads"], strict=True):
        np.testing.assert_allclose(mine, theirs, atol=1e-12)


def test_sdpa_dropout_keeps_expectation(rng):
    q, k, v = (rng.standard_normal((4, 3)) for _ in range(3))
    base, base_weights = scaled_dot_product_attention(q, k, v)
    runs = [scaled_dot_product_attention(q, k, v, dropout_p=0.5, rng=i)[0] for i in range(2000)]
    np.testing.assert_allclose(np.mean(runs, axis=0), base, atol=0.1)
    out, weights = scaled_dot_product_attention(q, k, v, dropout_p=0.5, rng=0)
    # The returned weights are the ones applied: the softmax, zeroed or scaled by 1 / (1 - p).
    np.testing.assert_allclose(out, weights @ v)
    kept = weights != 0
    assert kept.any() and not kept.all()
    np.testing.assert_allclose(weights[kept], 2.0 * base_weights[kept])


def test_sdpa_errors(rng):
    q = rng.standard_normal((3, 4))
    with pytest.raises(TypeError, match="query to be a numpy.ndarray"):
        scaled_dot_product_attention([[1.0]], q, q)
    message = "scaled_dot_product_attention: expected key of dtype float64, got float32"
    with pytest.raises(TypeError, match=message):
        scaled_dot_product_attention(q, q.astype(np.float32), q)
    message = "expected key with last dimension 4, got shape (3, 5)"
    with pytest.raises(ValueError, match=re.escape(message)):
        scaled_dot_product_attention(q, rng.standard_normal((3, 5)), q)
    message = "with the same leading dimensions, got (3, 4), (3, 4) and (2, 4)"
    with pytest.raises(ValueError, match=re.escape(message)):
        scaled_dot_product_attention(q, q, rng.standard_normal((2, 4)))
    message = "attn_mask of shape (2, 3) does not broadcast to the attention scores' shape (3, 3)"
    with pytest.raises(ValueError, match=re.escape(message)):
        scaled_dot_product_attention(q, q, q, np.zeros((2, 3), bool))
    with pytest.raises(TypeError, match="bool or float64"):
        scaled_dot_product_attention(q, q, q, np.zeros((3, 3), int))
    with pytest.raises(ValueError, match="dropout_p"):
        scaled_dot_product_attention(q, q, q, dropout_p=1.5)


# -- MultiheadAttention -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("E", "h", "N", "T_q", "T_k"), [(8, 2, 3, 4, 5), (6, 3, 1, 1, 7), (4, 1, 2, 3, 3)]
)
def test_mha_shapes(E, h, N, T_q, T_k, rng):
    mha = nnbook.MultiheadAttention(E, h, rng=0)
    q, kv = rng.standard_normal((N, T_q, E)), rng.standard_normal((N, T_k, E))
    out, weights = mha(q, kv, kv)
    assert out.shape == (N, T_q, E) and weights.shape == (N, h, T_q, T_k)
    assert mha(q, kv, kv, need_weights=False)[1] is None
    grads = mha.backward(np.ones_like(out))
    assert [g.shape for g in grads] == [q.shape, kv.shape, kv.shape]


def test_mha_parameters_and_init():
    mha = nnbook.MultiheadAttention(16, 4, rng=0)
    assert list(mha.state_dict()) == [
        "in_proj_weight",
        "in_proj_bias",
        "out_proj.weight",
        "out_proj.bias",
    ]
    assert mha.in_proj_weight.shape == (48, 16)
    bound = np.sqrt(6 / (48 + 16))  # Xavier-uniform on the stacked (3E, E) weight, as torch
    assert bound * 0.8 < np.abs(mha.in_proj_weight.data).max() <= bound
    assert not mha.in_proj_bias.data.any() and not mha.out_proj.bias.data.any()
    assert np.abs(mha.out_proj.weight.data).max() <= 1 / 4
    assert list(nnbook.MultiheadAttention(4, 2, bias=False).state_dict()) == [
        "in_proj_weight",
        "out_proj.weight",
    ]


def _masks(kind, rng, N, h, T_q, T_k):
    attn_mask = key_padding_mask = None
    if kind in ("attn", "both"):
        attn_mask = rng.random((T_q, T_k)) < 0.3
        attn_mask[:, 0] = False
    if kind in ("padding", "both"):
        key_padding_mask = np.zeros((N, T_k), bool)
        key_padding_mask[0, T_k - 2 :] = True
    if kind == "float3d":
        attn_mask = rng.standard_normal((N * h, T_q, T_k))
    if kind == "float_and_bool":
        attn_mask = rng.standard_normal((T_q, T_k))
        key_padding_mask = np.zeros((N, T_k), bool)
        key_padding_mask[1, -1] = True
    return {"attn_mask": attn_mask, "key_padding_mask": key_padding_mask}


MASKS = [None, "attn", "padding", "both", "float3d", "float_and_bool"]


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("masks", MASKS)
def test_mha_gradcheck(masks, bias, rng):
    N, T_q, T_k, E, h = 2, 3, 4, 6, 2
    mha = nnbook.MultiheadAttention(E, h, bias=bias, rng=1)
    q, k, v = (rng.standard_normal((N, T, E)) for T in (T_q, T_k, T_k))
    errors = check_module(mha, q, k, v, **_masks(masks, rng, N, h, T_q, T_k))
    expected = {"input0", "input1", "input2", "in_proj_weight", "out_proj.weight"}
    if bias:
        expected |= {"in_proj_bias", "out_proj.bias"}
    assert errors.keys() == expected
    _assert_small(errors)


@pytest.mark.parametrize("masks", [None, "both"])
def test_mha_self_attention_gradcheck(masks, rng):
    mha = nnbook.MultiheadAttention(6, 3, rng=2)
    x = rng.standard_normal((2, 4, 6))
    errors = check_module(_SelfAttention(mha), x, **_masks(masks, rng, 2, 3, 4, 4))
    assert len(errors) == 5
    _assert_small(errors)


def test_mha_self_attention_path_equals_general_path(rng):
    mha = nnbook.MultiheadAttention(8, 2, rng=3)
    x = rng.standard_normal((2, 5, 8))
    g = rng.standard_normal((2, 5, 8))
    out_self, w_self = mha(x, x, x)
    grads_self = mha.backward(g)
    p_self = [p.grad.copy() for p in mha.parameters()]
    mha.zero_grad()
    out, w = mha(x, x.copy(), x.copy())  # distinct arrays take the general path
    grads = mha.backward(g)
    np.testing.assert_allclose(out_self, out, atol=1e-14)
    np.testing.assert_allclose(w_self, w, atol=1e-14)
    for a, b in zip(
        grads_self + tuple(p_self), grads + tuple(p.grad for p in mha.parameters()), strict=True
    ):
        np.testing.assert_allclose(a, b, atol=1e-13)


def test_mha_heads_equal_per_head_loop(rng):
    E, h = 8, 2
    d = E // h
    mha = nnbook.MultiheadAttention(E, h, rng=4)
    q, k = rng.standard_normal((1, 3, E)), rng.standard_normal((1, 5, E))
    out, weights = mha(q, k, k)
    W, b = mha.in_proj_weight.data, mha.in_proj_bias.data
    heads = []
    for i in range(h):
        rows = slice(i * d, (i + 1) * d)
        qi = q[0] @ W[:E][rows].T + b[:E][rows]
        ki = k[0] @ W[E : 2 * E][rows].T + b[E : 2 * E][rows]
        vi = k[0] @ W[2 * E :][rows].T + b[2 * E :][rows]
        wi = softmax(qi @ ki.T / np.sqrt(d))
        np.testing.assert_allclose(weights[0, i], wi, atol=1e-14)
        heads.append(wi @ vi)
    expected = np.concatenate(heads, axis=-1) @ mha.out_proj.weight.data.T + mha.out_proj.bias.data
    np.testing.assert_allclose(out[0], expected, atol=1e-14)


@pytest.mark.filterwarnings("ignore:Support for mismatched key_padding_mask")
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("self_attention", [False, True])
@pytest.mark.parametrize("masks", MASKS)
def test_mha_matches_torch(masks, self_attention, bias, rng, torch_reference):
    N, T, E, h = 3, 4, 8, 2
    T_k = T if self_attention else 5
    mha = nnbook.MultiheadAttention(E, h, bias=bias, rng=0)
    assert list(mha.state_dict()) == torch_reference(_torch_mha_state_keys, E, h, bias)
    if bias:  # both libraries start with zero biases; make them count
        mha.in_proj_bias.data[...] = rng.standard_normal(mha.in_proj_bias.shape)
        mha.out_proj.bias.data[...] = rng.standard_normal(mha.out_proj.bias.shape)
    m = _masks(masks, rng, N, h, T, T_k)
    if self_attention:
        x = rng.standard_normal((N, T, E))
        q = k = v = x
    else:
        q, k, v = (rng.standard_normal((N, t, E)) for t in (T, T_k, T_k))
    out, weights = mha(q, k, v, **m)
    g = rng.standard_normal(out.shape)
    grads = mha.backward(g)
    # torch receives q, k and v as three tensors; in self-attention x's gradient is their sum.
    expected = module_reference(torch_reference, mha, [q, k, v], [g], **m)
    t_out, t_weights = expected["output"]
    np.testing.assert_allclose(out, t_out, atol=1e-12)
    np.testing.assert_allclose(weights, t_weights, atol=1e-12)
    if self_attention:
        np.testing.assert_allclose(sum(grads), sum(expected["inputs"]), atol=1e-10)
    else:
        for mine, theirs in zip(grads, expected["inputs"], strict=True):
            np.testing.assert_allclose(mine, theirs, atol=1e-10)
    assert_grads_equal(mha, expected["params"])


def test_mha_fully_padded_sequence_gives_zero_attention(rng):
    # torch returns NaN here when it returns weights; nnbook gives zero weights, so the output
    # is the out_proj bias and every gradient is finite.
    mha = nnbook.MultiheadAttention(4, 2, rng=0)
    x = rng.standard_normal((2, 3, 4))
    pad = np.zeros((2, 3), bool)
    pad[1] = True
    out, weights = mha(x, x, x, key_padding_mask=pad)
    np.testing.assert_array_equal(weights[1], 0.0)
    np.testing.assert_allclose(out[1], np.broadcast_to(mha.out_proj.bias.data, (3, 4)))
    assert all(np.isfinite(g).all() for g in mha.backward(np.ones_like(out)))


def test_mha_dropout_train_and_eval(rng):
    mha = nnbook.MultiheadAttention(4, 2, dropout=0.5, rng=0)
    x = rng.standard_normal((2, 6, 4))
    _, w_train = mha(x, x, x)
    assert (w_train == 0).any()
    assert not np.allclose(w_train.sum(-1), 1.0)  # dropped weights no longer sum to one
    mha.eval()
    _, w_eval = mha(x, x, x)
    np.testing.assert_allclose(w_eval.sum(-1), 1.0)


def test_mha_dropout_gradcheck_with_fixed_mask(rng):
    # Re-seeding before each forward pass fixes the dropout mask, so finite differences apply.
    mha = nnbook.MultiheadAttention(4, 2, dropout=0.3, rng=0)
    q, k = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 5, 4))
    _assert_small(check_module(Reseeded(mha, select=lambda out: out[0]), q, k, k.copy()))


def test_mha_float32(rng):
    mha64 = nnbook.MultiheadAttention(8, 2, rng=0)
    mha32 = nnbook.MultiheadAttention(8, 2, rng=0, dtype=np.float32)
    mha32.load_state_dict(mha64.state_dict())
    x = rng.standard_normal((2, 5, 8))
    mask = nnbook.generate_square_subsequent_mask(5)
    out64, w64 = mha64(x, x, x, attn_mask=mask)
    out32, w32 = mha32(x.astype(np.float32), *(x.astype(np.float32),) * 2, attn_mask=mask)
    assert out32.dtype == w32.dtype == np.float32
    np.testing.assert_allclose(out32, out64, atol=1e-5)
    grads = mha32.backward(np.ones_like(out32))
    assert all(g.dtype == np.float32 for g in grads)
    assert all(p.grad.dtype == np.float32 for p in mha32.parameters())


def test_mha_errors(rng):
    with pytest.raises(
        ValueError, match=re.escape("embed_dim (6) must be divisible by num_heads (4)")
    ):
        nnbook.MultiheadAttention(6, 4)
    with pytest.raises(ValueError, match="embed_dim must be positive"):
        nnbook.MultiheadAttention(0, 1)
    with pytest.raises(TypeError, match="num_heads must be an int"):
        nnbook.MultiheadAttention(4, 2.0)
    with pytest.raises(ValueError, match=re.escape("dropout must be in [0, 1], got -0.1")):
        nnbook.MultiheadAttention(4, 2, dropout=-0.1)
    with pytest.raises(TypeError, match="dtype must be float32 or float64, got int32"):
        nnbook.MultiheadAttention(4, 2, dtype=np.int32)
    mha = nnbook.MultiheadAttention(4, 2, rng=0)
    x = rng.standard_normal((2, 3, 4))
    with pytest.raises(RuntimeError, match="backward called before forward"):
        mha.backward(x)
    with pytest.raises(ValueError, match=r"expected 3-D query, got shape \(3, 4\)"):
        mha(x[0], x, x)
    message = "MultiheadAttention: expected key with last dimension 4, got shape (2, 3, 3)"
    with pytest.raises(ValueError, match=re.escape(message)):
        mha(x, x[..., :3], x)
    message = "MultiheadAttention: expected query of dtype float64, got float32"
    with pytest.raises(TypeError, match=message):
        mha(x.astype(np.float32), x, x)
    with pytest.raises(TypeError, match="expected query to be a numpy.ndarray, got list"):
        mha(x.tolist(), x, x)
    message = (
        "MultiheadAttention: expected query (N, T_q, E) and key, value (N, T_k, E), "
        "got (2, 3, 4), (1, 3, 4) and (1, 3, 4)"
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        mha(x, x[:1], x[:1])
    with pytest.raises(ValueError, match=r"attn_mask of shape \(3, 3\) or \(4, 3, 3\)"):
        mha(x, x, x, attn_mask=np.zeros((3, 4), bool))
    with pytest.raises(ValueError, match=r"key_padding_mask of shape \(2, 3\)"):
        mha(x, x, x, key_padding_mask=np.zeros((3, 2), bool))
    with pytest.raises(TypeError, match="bool or float64"):
        mha(x, x, x, attn_mask=np.zeros((3, 3), np.float32))
    out, _ = mha(x, x, x)
    message = "expected grad_output of shape (2, 3, 4) (the output's), got (1, 3, 4)"
    with pytest.raises(ValueError, match=re.escape(message)):
        mha.backward(out[:1])


def test_sdpa_with_a_given_scale_matches_torch(rng, torch_reference):
    q, k, v = (
        rng.standard_normal((2, 4, 5)),
        rng.standard_normal((2, 6, 5)),
        rng.standard_normal((2, 6, 3)),
    )
    out, _, cache = scaled_dot_product_attention(q, k, v, scale=0.7, return_cache=True)
    g = rng.standard_normal(out.shape)
    grads = scaled_dot_product_attention_backward(g, cache)
    expected = torch_reference(_torch_sdpa, q, k, v, None, g, scale=0.7)
    np.testing.assert_allclose(out, expected["output"], rtol=0, atol=1e-12)
    for mine, theirs in zip(grads, expected["grads"], strict=True):
        np.testing.assert_allclose(mine, theirs, rtol=0, atol=1e-12)
    default, _ = scaled_dot_product_attention(q, k, v)
    assert not np.allclose(out, default)  # the scale was used, not 1/sqrt(5)

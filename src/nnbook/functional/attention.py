"""Scaled dot-product attention and its backward pass.

See the chapter :doc:`/transformer`.
"""

from __future__ import annotations

import numpy as np

from .._validation import check_array, check_grad, check_last_dim
from ..init import make_rng

_SDPA = "scaled_dot_product_attention"


def _check_mask(owner, mask, dtype, shape, name="attn_mask"):
    """Return ``mask`` if it is a bool array, or a float array of ``dtype``, that broadcasts to
    ``shape``."""
    if not isinstance(mask, np.ndarray):
        raise TypeError(
            f"{owner}: expected {name} to be a numpy.ndarray, got {type(mask).__name__}"
        )
    if mask.dtype != np.bool_ and mask.dtype != dtype:
        raise TypeError(f"{owner}: expected {name} of dtype bool or {dtype}, got {mask.dtype}")
    try:
        broadcast = np.broadcast_shapes(mask.shape, shape)
    except ValueError:
        broadcast = None
    if broadcast != tuple(shape):
        raise ValueError(
            f"{owner}: {name} of shape {mask.shape} does not broadcast to the "
            f"attention scores' shape {tuple(shape)}"
        )
    return mask


def scaled_dot_product_attention(
    query, key, value, attn_mask=None, dropout_p=0.0, *, scale=None, rng=None, return_cache=False
):
    """Attention :math:`\\mathrm{softmax}(QK^\\top/\\sqrt{d} + M)\\,V`, returning its weights too.

    Parameters
    ----------
    query : numpy.ndarray, shape (..., T_q, d)
    key : numpy.ndarray, shape (..., T_k, d)
    value : numpy.ndarray, shape (..., T_k, d_v)
        The leading dimensions ``...`` (e.g. batch and head) must be the same in all three.
    attn_mask : numpy.ndarray, optional
        Broadcastable to (..., T_q, T_k). A **bool** mask is True where attention is **not**
        allowed (the convention of ``torch.nn.MultiheadAttention`` and the Transformer layers;
        note that ``torch.nn.functional.scaled_dot_product_attention`` uses the opposite one).
        A float mask (of the inputs' dtype) is added to the scores, e.g. ``-inf`` to forbid.
    dropout_p : float
        Probability of zeroing each attention weight (inverted dropout); 0 disables it.
    scale : float, optional
        The factor applied to :math:`QK^\\top`; default :math:`1/\\sqrt{d}`.
    rng : numpy.random.Generator or int, optional
        Draws the dropout mask (only used when ``dropout_p > 0``).
    return_cache : bool
        Also return what :func:`scaled_dot_product_attention_backward` needs.

    Returns
    -------
    output : numpy.ndarray, shape (..., T_q, d_v)
    weights : numpy.ndarray, shape (..., T_q, T_k)
        The weights that multiply ``value``: the softmax, after dropout if any (as torch's
        ``MultiheadAttention`` returns them).
    cache : tuple
        Only if ``return_cache``.

    Notes
    -----
    With :math:`S = \\alpha Q K^\\top + M`, :math:`P = \\mathrm{softmax}(S)` row by row and
    :math:`O = P V`, the backward pass is :math:`dV = P^\\top dO`, :math:`dP = dO\\,V^\\top`,
    :math:`dS_{ij} = P_{ij}(dP_{ij} - D_i)` with :math:`D_i = \\sum_j P_{ij} dP_{ij} =
    dO_i \\cdot O_i`, then :math:`dQ = \\alpha\\,dS\\,K` and :math:`dK = \\alpha\\,dS^\\top Q`.

    A row whose keys are all masked gets zero weights and a zero output (as torch's
    ``scaled_dot_product_attention``; ``torch.nn.MultiheadAttention`` gives NaN there when it
    returns weights), and zero gradients.

    See the chapter :doc:`/transformer`.
    """
    for name, x in (("query", query), ("key", key), ("value", value)):
        check_array(_SDPA, x, name=name, dtype=None if name == "query" else query.dtype)
        if x.ndim < 2:
            raise ValueError(
                f"{_SDPA}: expected {name} with at least 2 dimensions (..., T, d), "
                f"got shape {x.shape}"
            )
    check_last_dim(_SDPA, key, query.shape[-1], name="key")
    if key.shape[:-1] != value.shape[:-1] or query.shape[:-2] != key.shape[:-2]:
        raise ValueError(
            f"{_SDPA}: expected query (..., T_q, d), key (..., T_k, d) and value "
            f"(..., T_k, d_v) with the same leading dimensions, got {query.shape}, "
            f"{key.shape} and {value.shape}"
        )
    if not 0.0 <= dropout_p <= 1.0:
        raise ValueError(f"{_SDPA}: dropout_p must be in [0, 1], got {dropout_p}")
    if scale is None:
        scale = 1.0 / np.sqrt(query.shape[-1])
    # Scaling the (T_q, d) query is cheaper than scaling the (T_q, T_k) scores. Contiguous
    # copies of the (strided, head-split) inputs make the batched products about twice as fast.
    query = np.multiply(query, query.dtype.type(scale), order="C")  # (..., T_q, d), contiguous
    key, value = np.ascontiguousarray(key), np.ascontiguousarray(value)
    scores = query @ np.swapaxes(key, -1, -2)  # (..., T_q, T_k)
    if attn_mask is not None:
        _check_mask(_SDPA, attn_mask, query.dtype, scores.shape)
        if attn_mask.dtype == np.bool_:
            np.copyto(scores, -np.inf, where=attn_mask)
        else:
            scores += attn_mask
    weights = _softmax_(scores, masked=attn_mask is not None)  # (..., T_q, T_k)
    keep = None
    if dropout_p > 0.0:
        # Inverted dropout: kept weights are scaled by 1/(1-p), so nothing changes at eval time.
        draw = make_rng(rng).random(weights.shape, dtype=weights.dtype)
        keep = (draw >= dropout_p).astype(weights.dtype)
        keep *= 0.0 if dropout_p == 1.0 else 1.0 / (1.0 - dropout_p)
        used = weights * keep
    else:
        used = weights
    output = used @ value  # (..., T_q, d_v)
    if return_cache:
        return output, used, (query, key, value, weights, keep, output, scale)  # scaled query
    return output, used


def _softmax_(scores, masked):
    """Softmax over the last axis, in place; rows of ``-inf`` only become zeros."""
    row_max = scores.max(axis=-1, keepdims=True)
    if masked:
        # A fully masked row has max -inf; shifting by 0 instead avoids (-inf) - (-inf) = NaN.
        row_max[np.isneginf(row_max)] = 0.0
    scores -= row_max
    np.exp(scores, out=scores)
    # einsum's row sums (no pairwise summation) take a third of np.sum's time on short rows.
    total = np.einsum("...j->...", scores)[..., None]  # (..., T_q, 1)
    if masked:
        total[total == 0.0] = 1.0
    scores *= 1.0 / total  # one division per row, then products
    return scores


def scaled_dot_product_attention_backward(grad_output, cache, *, out=None):
    """Gradients of :func:`scaled_dot_product_attention` with respect to query, key and value.

    Parameters
    ----------
    grad_output : numpy.ndarray, shape (..., T_q, d_v)
        The gradient of the loss with respect to the attention output.
    cache : tuple
        The third value returned by the forward pass with ``return_cache=True``.
    out : tuple of three numpy.ndarray, optional
        Arrays (of the shapes of query, key and value) to write the gradients into, e.g.
        strided views of one buffer, which saves gathering them afterwards.

    Returns
    -------
    grad_query, grad_key, grad_value : numpy.ndarray
        Shapes of query, key and value (the arrays of ``out`` if given).

    See the chapter :doc:`/transformer`.
    """
    query, key, value, weights, keep, output, scale = cache
    check_grad(f"{_SDPA}_backward", grad_output, output.shape, output.dtype)
    # A contiguous copy of a head-split (strided) gradient makes the products below faster.
    grad_output = np.ascontiguousarray(grad_output)
    used = weights if keep is None else weights * keep
    out_q, out_k, out_v = (None, None, None) if out is None else out
    grad_value = np.matmul(np.swapaxes(used, -1, -2), grad_output, out=out_v)  # (..., T_k, d_v)
    grad_weights = grad_output @ np.swapaxes(value, -1, -2)  # (..., T_q, T_k)
    if keep is not None:
        grad_weights *= keep
    # Softmax backward: dS = P * (dP - D), where D = rowsum(P * dP) = rowsum(dO * O): the
    # second form costs T_q * d_v instead of T_q * T_k (and einsum needs no dO * O temporary).
    grad_weights -= np.einsum("...j,...j->...", grad_output, output)[..., None]  # (..., T_q, 1)
    grad_weights *= weights  # now dS, (..., T_q, T_k), in place: no (T_q, T_k) temporary
    grad_query = np.matmul(grad_weights, key, out=out_q)  # (..., T_q, d)
    grad_query *= grad_query.dtype.type(scale)  # a float64 scale would make a float64 pass
    # (..., T_k, d); the cached query is already scaled
    grad_key = np.matmul(np.swapaxes(grad_weights, -1, -2), query, out=out_k)
    return grad_query, grad_key, grad_value


def _as_additive(mask, dtype):
    """A bool mask (True = forbidden) as a float mask of 0 and -inf."""
    if mask.dtype != np.bool_:
        return mask
    out = np.zeros(mask.shape, dtype=dtype)
    out[mask] = -np.inf
    return out

"""Exercises of the Transformer chapter: ``softmax`` and ``attention``.

See the exercises at the end of each chapter.
"""

from __future__ import annotations

import numpy as np

from ..functional import softmax as _softmax
from ..functional.attention import scaled_dot_product_attention as _sdpa
from ._core import TOLERANCE, Exercise, expect_array, expect_close, expect_shape, expect_tuple

SOFTMAX_STABLE = (
    "exp overflows for scores near 1000. Subtract each row's maximum before exp "
    "(x - x.max(axis=-1, keepdims=True)): the result is the same, and the largest exponent is 0."
)


def _softmax_mistakes(x):
    e = np.exp(x - x.max())
    mistakes = []
    if x.ndim == 3:  # before the general wrong-axis hint, which matches the same result
        axis1 = "the softmax runs over axis 1: use axis=-1, the last axis for any number of "
        mistakes.append((_softmax(x, axis=1), axis1 + "leading dimensions."))
    wrong_axis = "the softmax runs over the wrong axis: each row (the last axis) must sum to 1."
    whole = "the whole array is normalised at once: normalise each row separately, "
    mistakes += [
        (_softmax(x, axis=-2), wrong_axis + " Use axis=-1."),
        (e / e.sum(), whole + "e / e.sum(axis=-1, keepdims=True)."),
    ]
    unnormalised = "the exponentials are not normalised: divide by their sum over the last axis."
    shifts = (x.max(), x.max(axis=-1, keepdims=True), 0.0)  # whichever shift was (or was not) used
    mistakes += [(np.exp(x - shift), unnormalised) for shift in shifts]
    if x.ndim == 2 and x.shape[0] == x.shape[1]:
        ex = np.exp(x - x.max(axis=-1, keepdims=True))
        keepdims = "keepdims=True is missing: without it the row sums, shape (N,), broadcast "
        mistakes.append((ex / ex.sum(axis=-1), keepdims + "along the rows, not the columns."))
    return mistakes


def _softmax_checks(call, rng):
    x = 2 * rng.standard_normal((4, 5))
    y = expect_array(call(x), "the output")
    yield "runs and returns an ndarray"
    expect_shape(y, x.shape, "the output", [((4,), "return the probabilities, not their sum.")])
    yield f"the output has x's shape {x.shape}"
    for shape in ((4, 5), (5, 5), (2, 3, 5)):
        x = 2 * rng.standard_normal(shape)
        what = f"the output for x of shape {shape}"
        y = expect_array(call(x), what)
        expect_close(y, _softmax(x), what, _softmax_mistakes(x))
    yield f"values match nnbook.functional.softmax on (4, 5), (5, 5), (2, 3, 5) ({TOLERANCE})"
    big = np.array([[1000.0, 1001.0, 1002.0], [-1000.0, -999.0, -1000.5], [0.0, 0.0, 0.0]])
    y = expect_array(call(big, stable=SOFTMAX_STABLE), "the output")
    expect_close(y, _softmax(big), "the output for scores of ±1000", hint=SOFTMAX_STABLE)
    yield "finite and warning-free for inputs of ±1000"


def _scores_softmax_axis(Q, K, V):
    scores = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])
    w = _softmax(scores, axis=-2)
    return w @ V, w


def _attention_mistakes(Q, K, V):
    """(output, weights) of common mistakes, with their hints."""
    d, d_v = Q.shape[-1], V.shape[-1]
    return [
        (_sdpa(Q, K, V, scale=1 / d), "the scores are divided by d_k instead of sqrt(d_k)."),
        (_sdpa(Q, K, V, scale=1.0), "the scores are not scaled: divide Q K^T by sqrt(d_k)."),
        (_sdpa(Q, K, V, scale=np.sqrt(d)), "the scores are multiplied by sqrt(d_k); divide."),
        (
            _sdpa(Q, K, V, scale=1 / np.sqrt(d_v)),
            "the scale uses the last dimension of V; d_k is the last dimension of Q and K.",
        ),
        (
            _scores_softmax_axis(Q, K, V),
            "the softmax runs over the wrong axis: each query's "
            "weights over the keys (the last axis) must sum to 1.",
        ),
    ]


def _masked_mistakes(Q, K, V, mask):
    d = Q.shape[-1]
    scores = Q @ np.swapaxes(K, -1, -2) / np.sqrt(d)
    after = _softmax(scores) * ~mask
    added = _softmax(scores + mask)
    return [
        (_sdpa(Q, K, V), "the mask is ignored: set the scores where mask is True to -inf."),
        (
            _sdpa(Q, K, V, ~mask),
            "the mask is inverted: True marks a key that may NOT be "
            "attended to (torch's convention), so set the scores where mask is True to -inf.",
        ),
        (
            (after @ V, after),
            "the mask is applied after the softmax, so the weights no longer "
            "sum to 1: set the masked scores to -inf before the softmax.",
        ),
        (
            (added @ V, added),
            "the boolean mask was added to the scores (True counts as 1): set "
            "the masked scores to -inf instead, np.where(mask, -np.inf, scores).",
        ),
    ]


ATTENTION_ERROR = (
    "Q, K, V are batched, (N, T, d): transpose K's last two axes with np.swapaxes(K, -1, -2) "
    "(K.T reverses all three). The mask may be (T_q, T_k) or (N, T_q, T_k): "
    "np.where(mask, -np.inf, scores) broadcasts it, scores[mask] does not."
)


def _expect_attention(out, n, t_q, t_k, d_v, label=""):
    output, weights = expect_tuple(out, ["output", "weights"])
    output = expect_array(output, "the output" + label)
    weights = expect_array(weights, "the weights" + label)
    expect_shape(
        weights,
        (n, t_q, t_k),
        "the weights" + label,
        [
            (
                (n, t_k, t_q),
                "the weights are transposed: the scores are Q K^T, (T_q, T_k), one row per query.",
            ),
        ],
    )
    expect_shape(output, (n, t_q, d_v), "the output" + label)
    return output, weights


def _attention_checks(call, rng):
    n, t_q, t_k, d, d_v = 2, 3, 5, 4, 6
    Q, K = rng.standard_normal((n, t_q, d)), rng.standard_normal((n, t_k, d))
    V = rng.standard_normal((n, t_k, d_v))
    out = expect_tuple(call(Q, K, V), ["output", "weights"])
    expect_array(out[0], "the output")
    expect_array(out[1], "the weights")
    yield "runs and returns a tuple (output, weights) of ndarrays"
    output, weights = _expect_attention(out, n, t_q, t_k, d_v)
    yield f"shapes: output (N, T_q, d_v) = {(n, t_q, d_v)}, weights (N, T_q, T_k)"
    ref_out, ref_w = _sdpa(Q, K, V)
    mistakes = _attention_mistakes(Q, K, V)
    expect_close(weights, ref_w, "the weights", [(w, hint) for (_, w), hint in mistakes])
    expect_close(output, ref_out, "the output", hint="the output is weights @ V.")
    yield f"values match nnbook.functional.scaled_dot_product_attention ({TOLERANCE})"
    # A mask of the scores' full shape, every row with an allowed and a forbidden key.
    mask = rng.random((n, t_q, t_k)) < 0.4
    mask[..., 0], mask[..., -1] = False, True
    label = " with a (N, T_q, T_k) mask"
    output, weights = _expect_attention(call(Q, K, V, mask), n, t_q, t_k, d_v, label)
    ref_out, ref_w = _sdpa(Q, K, V, mask)
    mistakes = _masked_mistakes(Q, K, V, mask)
    expect_close(weights, ref_w, "the weights" + label, [(w, h) for (_, w), h in mistakes])
    expect_close(output, ref_out, "the output" + label, [(o, h) for (o, _), h in mistakes])
    # A causal (T, T) mask, broadcast over the batch, as in a Transformer decoder.
    causal = np.triu(np.ones((t_k, t_k), dtype=bool), k=1)
    Qc = rng.standard_normal((n, t_k, d))
    label = " with a causal (T, T) mask"
    output, weights = _expect_attention(call(Qc, K, V, causal), n, t_k, t_k, d_v, label)
    ref_out, ref_w = _sdpa(Qc, K, V, causal)
    # Inverting a causal mask leaves the last row without any key: that variant is left out.
    mistakes = [m for m in _masked_mistakes(Qc, K, V, causal) if "inverted" not in m[1]]
    expect_close(weights, ref_w, "the weights" + label, [(w, h) for (_, w), h in mistakes])
    expect_close(output, ref_out, "the output" + label, [(o, h) for (o, _), h in mistakes])
    yield "masks (True = not allowed) of shape (N, T_q, T_k) and (T, T) are applied"
    # Q scaled so that the largest score is 2000: exp(2000) overflows, exp(2000 - max) does not.
    Qb = Q * (2000 / np.max(Q @ np.swapaxes(K, -1, -2) / np.sqrt(d)))
    label = " for scores in the thousands"
    out = call(Qb, K, V, stable=SOFTMAX_STABLE)
    output, weights = _expect_attention(out, n, t_q, t_k, d_v, label)
    ref_out, ref_w = _sdpa(Qb, K, V)
    expect_close(weights, ref_w, "the weights" + label, hint=SOFTMAX_STABLE)
    expect_close(output, ref_out, "the output" + label)
    yield "finite and warning-free for scores in the thousands"


EXERCISES = [
    Exercise(
        name="softmax",
        chapter="transformer",
        signature="softmax(x) -> y",
        summary="softmax over the last axis, stable for inputs of ±1000",
        task=(
            "Compute the softmax over the last axis: y_i = exp(x_i) / Σ_j exp(x_j), for each "
            "row.\n\n"
            "x : ndarray of shape (..., K), any number of leading dimensions.\n"
            "Return y of the same shape; every row (last axis) is positive and sums to 1.\n"
            "It must stay finite and raise no NumPy warning when x holds values like ±1000."
        ),
        checks=_softmax_checks,
        error_hint="Sum over the last axis with keepdims=True so the sums broadcast back: "
        "e.sum(axis=-1, keepdims=True).",
    ),
    Exercise(
        name="attention",
        chapter="transformer",
        signature="attention(Q, K, V, mask=None) -> (output, weights)",
        summary="scaled dot-product attention with an optional boolean mask (True = not allowed)",
        task=(
            "Compute scaled dot-product attention, batched.\n\n"
            "Q : (N, T_q, d_k); K : (N, T_k, d_k); V : (N, T_k, d_v).\n"
            "mask : None, or a bool array broadcastable to (N, T_q, T_k) (e.g. (T_q, T_k)); "
            "True where a query may NOT attend to a key (torch's convention). Every row of "
            "the mask leaves at least one key allowed.\n"
            "weights = softmax(Q K^T / sqrt(d_k)) over the keys (last axis), with masked scores "
            "set to -inf first; output = weights V.\n"
            "Return (output, weights): (N, T_q, d_v) and (N, T_q, T_k). It must stay finite and "
            "warning-free when the scores are in the thousands."
        ),
        checks=_attention_checks,
        error_hint=ATTENTION_ERROR,
    ),
]

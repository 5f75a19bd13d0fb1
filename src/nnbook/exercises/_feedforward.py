"""Exercises of the feedforward chapter: ``sigmoid``, ``linear_forward``, ``perceptron_update``.

See the exercises at the end of each chapter.
"""

from __future__ import annotations

import numpy as np

from ..functional import sigmoid as _sigmoid
from ..layers.linear import Linear
from ..perceptron import Perceptron
from ._core import (
    TOLERANCE,
    CheckFailed,
    Exercise,
    expect_array,
    expect_close,
    expect_shape,
    expect_tuple,
)

SIGMOID_STABLE = (
    "np.exp(-x) overflows for x near -1000. Use exp(-|x|), which never overflows: "
    "σ(x) = 1 / (1 + exp(-|x|)) for x ≥ 0 and exp(-|x|) / (1 + exp(-|x|)) for x < 0. "
    "np.where computes both of its branches on every element, so each must be safe everywhere."
)


def _sigmoid_checks(call, rng):
    x = 3 * rng.standard_normal((3, 4))
    y = expect_array(call(x), "the output")
    yield "runs and returns an ndarray"
    expect_shape(y, x.shape, "the output", [((), "apply the sigmoid elementwise, do not reduce")])
    yield f"the output has x's shape {x.shape}"
    with np.errstate(all="ignore"):
        mistakes = [
            (1 / (1 + np.exp(x)), "the sign of the exponent is flipped: σ(x) = 1 / (1 + exp(-x))."),
            (np.tanh(x), "that is tanh; the sigmoid is σ(x) = 1 / (1 + exp(-x))."),
            (1 / (1 - np.exp(-x)), "σ(x) = 1 / (1 + exp(-x)), with a plus in the denominator."),
        ]
    expect_close(y, _sigmoid(x), "the output", mistakes)
    yield f"values match nnbook.functional.sigmoid ({TOLERANCE})"
    big = np.array([-1000.0, -50.0, -1.0, 0.0, 1.0, 50.0, 1000.0])
    y = expect_array(call(big, stable=SIGMOID_STABLE), "the output")
    expect_close(y, _sigmoid(big), "the output for x = [-1000, -50, -1, 0, 1, 50, 1000]")
    yield "finite and warning-free for inputs of ±1000"


def _linear(x, W, b):
    """The reference: nnbook.Linear with the given weight and bias."""
    layer = Linear(W.shape[1], W.shape[0])
    layer.load_state_dict({"weight": W, "bias": b})
    return layer(x)


LINEAR_ERROR = (
    "W has torch's layout (out_features, in_features), so the product is x @ W.T: "
    "(N, in) @ (in, out) gives (N, out)."
)


def _linear_forward_checks(call, rng):
    n, d_in, d_out = 5, 3, 4
    x, W, b = (
        rng.standard_normal((n, d_in)),
        rng.standard_normal((d_out, d_in)),
        rng.standard_normal(d_out),
    )
    y = expect_array(call(x, W, b), "y")
    yield "runs and returns an ndarray"
    expect_shape(
        y,
        (n, d_out),
        "y",
        [
            (
                (d_out, n),
                "the output is transposed (W @ x.T gives (out, N)); return x @ W.T + b, "
                "one row per sample.",
            ),
            ((d_out,), "y has one row per sample: do not sum over the batch."),
        ],
    )
    yield f"y has shape (N, out_features) = {(n, d_out)}"
    mistakes = [
        (x @ W.T, "the bias b is missing: y = x @ W.T + b."),
        (x @ W.T - b, "the bias is subtracted: y = x @ W.T + b."),
    ]
    expect_close(y, _linear(x, W, b), "y", mistakes)
    yield f"values match nnbook.Linear ({TOLERANCE})"
    # With a square weight a transposed W has the right shape, so only the values tell.
    x, W, b = rng.standard_normal((n, 4)), rng.standard_normal((4, 4)), rng.standard_normal(4)
    y = expect_array(call(x, W, b), "y")
    expect_shape(y, (n, 4), "y (with a square W)")
    mistakes = [
        (
            x @ W + b,
            "the weight is transposed. W has torch's layout (out_features, "
            "in_features), so y = x @ W.T + b, not x @ W + b.",
        ),
        (x @ W.T, "the bias b is missing: y = x @ W.T + b."),
    ]
    expect_close(y, _linear(x, W, b), "y (with a square W)", mistakes)
    yield "right with a square W too, where a transposed weight has the right shape"


def _perceptron_reference(w, b, x, y, lr):
    """The reference: one sample of nnbook.Perceptron.fit from the given weights."""
    model = Perceptron(w.size, lr=lr)
    model.weight[...] = w
    model.bias = float(b)
    model.fit(x[None, :], np.array([y]), epochs=1)
    return model.weight, model.bias


def _perceptron_variants(w, b, x, y, lr):
    """What common mistakes compute, each with its hint."""
    score = w @ x + b
    y_hat = 1 if score >= 0 else 0
    strict = 1 if score > 0 else 0
    err = y - y_hat
    return [
        (
            (w - lr * err * x, b - lr * err),
            "the update has the wrong sign: it is w + lr (y - ŷ) x, which moves w towards x "
            "when the true label is 1.",
        ),
        ((w + lr * err * x, b), "the bias is not updated: b + lr (y - ŷ)."),
        ((w + err * x, b + err), "the learning rate lr is not used: w + lr (y - ŷ) x."),
        (
            (w + lr * (y - strict) * x, b + lr * (y - strict)),
            "the threshold: a score w·x + b of exactly 0 predicts ŷ = 1 (ŷ = 1 when "
            "w·x + b ≥ 0), as in nnbook.Perceptron.",
        ),
        (
            (w + lr * (2 * y - 1) * x, b + lr * (2 * y - 1)),
            "the weights changed although the prediction was right: the rule updates only on "
            "a mistake, through the factor (y - ŷ).",
        ),
    ]


def _perceptron_checks(call, rng):
    d, lr = 3, 0.5
    w = rng.standard_normal(d)
    x_pos = rng.standard_normal(d)
    x_pos *= np.sign(x_pos @ w)  # w·x > 0
    b = -(w @ x_pos) - 0.5  # so the score of x_pos is -0.5
    cases = [
        ("a positive sample predicted 0 (y = 1, w·x + b = -0.5)", w, b, x_pos, 1),
        ("a negative sample predicted 1 (y = 0, w·x + b = 0.5)", w, b + 1.0, x_pos, 0),
        ("a sample already classified right (y = 1, w·x + b = 0.5)", w, b + 1.0, x_pos, 1),
        ("a score of exactly 0 with y = 0 (w = 0, b = 0)", np.zeros(d), 0.0, x_pos, 0),
    ]
    w_new, b_new = expect_tuple(call(w, b, x_pos, 1, lr), ["w", "b"])
    expect_array(w_new, "the new w")
    yield "runs and returns a tuple (w, b)"
    _expect_wb(w_new, b_new, d)
    yield f"w has shape (D,) = {(d,)} and b is a number"
    for label, w0, b0, x, y in cases:
        w_new, b_new = expect_tuple(call(w0, b0, x, y, lr), ["w", "b"])
        _expect_wb(expect_array(w_new, "the new w"), b_new, d)
        expected = np.append(*_perceptron_reference(w0, b0, x, y, lr))
        mistakes = [
            (np.append(wv, bv), hint) for (wv, bv), hint in _perceptron_variants(w0, b0, x, y, lr)
        ]
        got = np.append(w_new, b_new)
        expect_close(got, expected, f"(w, b) after {label} with lr = {lr}", mistakes)
    yield f"matches nnbook.Perceptron's rule on {len(cases)} cases ({TOLERANCE})"


def _expect_wb(w, b, d):
    expect_shape(w, (d,), "the new w", [((1, d), "keep w one-dimensional, shape (D,).")])
    if not isinstance(b, (int, float, np.number, np.ndarray)) or np.ndim(b) != 0:
        raise CheckFailed(f"the new b should be a single number, got {b!r:.60}.")


EXERCISES = [
    Exercise(
        name="sigmoid",
        chapter="feedforward",
        signature="sigmoid(x) -> y",
        summary="the logistic function, elementwise and stable for inputs of ±1000",
        task=(
            "Compute σ(x) = 1 / (1 + exp(-x)) elementwise.\n\n"
            "x : ndarray of any shape (float64).\n"
            "Return y : ndarray of the same shape, each value in [0, 1].\n\n"
            "It must stay finite and raise no NumPy warning for x = ±1000 (the naive formula "
            "overflows in exp for large negative x)."
        ),
        checks=_sigmoid_checks,
        error_hint="x is an array: use np.exp (math.exp only takes single numbers).",
    ),
    Exercise(
        name="linear_forward",
        chapter="feedforward",
        signature="linear_forward(x, W, b) -> y",
        summary="the affine map y = x W^T + b with torch's weight layout",
        task=(
            "Compute the output of a fully connected layer, as torch.nn.Linear does.\n\n"
            "x : (N, in_features), one sample per row.\n"
            "W : (out_features, in_features), torch's layout.\n"
            "b : (out_features,).\n"
            "Return y = x W^T + b, shape (N, out_features)."
        ),
        checks=_linear_forward_checks,
        error_hint=LINEAR_ERROR,
    ),
    Exercise(
        name="perceptron_update",
        chapter="feedforward",
        signature="perceptron_update(w, b, x, y, lr) -> (w, b)",
        summary="one step of Rosenblatt's perceptron learning rule",
        task=(
            "Apply Rosenblatt's perceptron rule to one sample.\n\n"
            "w : (D,) weights; b : float bias; x : (D,) one sample; y : its label, 0 or 1; "
            "lr : the learning rate.\n"
            "Predict ŷ = 1 if w·x + b ≥ 0 else 0, then return the updated\n"
            "(w + lr (y - ŷ) x, b + lr (y - ŷ)): w of shape (D,) and b a number.\n"
            "Nothing changes when the prediction is right. Changing w in place is allowed."
        ),
        checks=_perceptron_checks,
        error_hint="x and w are 1-D arrays of shape (D,): their dot product is w @ x.",
        modifies_inputs=True,
    ),
]

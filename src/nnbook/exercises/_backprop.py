"""Exercises of the backpropagation chapter: ``sigmoid_backward`` and ``linear_backward``.

A backward exercise is first checked against central finite differences of the forward pass
(the check a reader can always do without a reference), then against nnbook's own backward.

See the exercises at the end of each chapter.
"""

from __future__ import annotations

import numpy as np

from ..functional import sigmoid as _sigmoid
from ..layers.activation import Sigmoid
from ..layers.linear import Linear
from ._core import (
    GRAD_TOL,
    TOLERANCE,
    Exercise,
    expect_array,
    expect_close,
    expect_gradient,
    expect_shape,
    expect_tuple,
)
from ._feedforward import SIGMOID_STABLE


def _sigmoid_backward_reference(x, grad_out):
    layer = Sigmoid()
    layer(x)
    return layer.backward(grad_out)


def _sigmoid_backward_checks(call, rng):
    x = 2 * rng.standard_normal((4, 3))
    g = rng.standard_normal((4, 3))
    dx = expect_array(call(x, g), "grad_in")
    yield "runs and returns an ndarray"
    expect_shape(
        dx, x.shape, "grad_in", [((), "the gradient has one entry per input; do not sum.")]
    )
    yield f"grad_in has x's shape {x.shape}"
    s = _sigmoid(x)
    mistakes = [
        (
            s * (1 - s),
            "grad_out is missing. The chain rule multiplies the local derivative "
            "σ(x)(1 - σ(x)) by the upstream gradient: grad_in = grad_out * σ(x) * (1 - σ(x)).",
        ),
        (
            g * x * (1 - x),
            "s (1 - s) is applied to x; it is the derivative when s = σ(x), "
            "so compute s = σ(x) first.",
        ),
        (g * s, "the derivative of σ is σ(x)(1 - σ(x)), not σ(x)."),
        (g * (1 - s), "the derivative of σ is σ(x)(1 - σ(x)): a factor σ(x) is missing."),
        (g * s * (1 + s), "the derivative of σ is σ(x)(1 - σ(x)), with a minus."),
    ]
    xc = x.copy()  # perturbed in place by the finite differences
    err = expect_gradient(dx, lambda: float(np.sum(g * _sigmoid(xc))), xc, "grad_in", mistakes)
    yield f"grad_in matches finite differences (relative error {err:.1e} < {GRAD_TOL:g})"
    expect_close(dx, _sigmoid_backward_reference(x, g), "grad_in", mistakes)
    yield f"values match nnbook.Sigmoid.backward ({TOLERANCE})"
    big = np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0])
    ones = np.ones_like(big)
    dx = expect_array(call(big, ones, stable=SIGMOID_STABLE), "grad_in")
    expect_close(dx, _sigmoid_backward_reference(big, ones), "grad_in for x = ±1000")
    yield "finite and warning-free for inputs of ±1000"


def _linear_reference(x, W, b, grad_y):
    layer = Linear(W.shape[1], W.shape[0])
    layer.load_state_dict({"weight": W, "bias": b})
    layer(x)
    dx = layer.backward(grad_y)
    return dx, layer.weight.grad, layer.bias.grad


def _linear_backward_checks(call, rng):
    n, d_in, d_out = 5, 3, 4
    x, W = rng.standard_normal((n, d_in)), rng.standard_normal((d_out, d_in))
    b, gy = rng.standard_normal(d_out), rng.standard_normal((n, d_out))
    grads = expect_tuple(call(x, W, gy), ["dx", "dW", "db"])
    dx, dW, db = (expect_array(a, name) for a, name in zip(grads, ["dx", "dW", "db"], strict=True))
    yield "runs and returns a tuple (dx, dW, db) of ndarrays"
    expect_shape(dx, x.shape, "dx", [((n, d_out), "dx must have x's shape (N, in_features).")])
    expect_shape(
        dW,
        W.shape,
        "dW",
        [
            (
                (d_in, d_out),
                "dW is transposed (x.T @ grad_y gives (in, out)); it must have W's "
                "shape (out_features, in_features): grad_y.T @ x.",
            ),
        ],
    )
    expect_shape(
        db,
        (d_out,),
        "db",
        [
            ((n,), "db is summed over the wrong axis: sum grad_y over the batch, axis 0."),
            ((1, d_out), "db keeps a batch axis: sum with axis=0 and without keepdims."),
            ((), "db is summed over every axis: sum over the batch only, axis=0."),
        ],
    )
    yield f"shapes: dx {x.shape}, dW {W.shape}, db {(d_out,)}"
    # Finite differences of L = sum(grad_y * (x W^T + b)), through nnbook.Linear's forward.
    xc, Wc, bc = x.copy(), W.copy(), b.copy()

    def loss():
        layer = Linear(d_in, d_out)
        layer.load_state_dict({"weight": Wc, "bias": bc})
        return float(np.sum(gy * layer(xc)))

    errs = [
        expect_gradient(dx, loss, xc, "dx", hint="dx = grad_y @ W: (N, out) @ (out, in)."),
        expect_gradient(
            dW,
            loss,
            Wc,
            "dW",
            [
                (
                    gy.T @ x / n,
                    "dW is divided by the batch size: the gradient of a sum over the "
                    "batch is the sum, grad_y.T @ x.",
                )
            ],
            hint="dW = grad_y.T @ x, summed over the batch by the product.",
        ),
        expect_gradient(
            db,
            loss,
            bc,
            "db",
            [
                (
                    gy.mean(axis=0),
                    "db is the mean over the batch; b is added to every sample, so "
                    "its gradient is the sum, grad_y.sum(axis=0).",
                )
            ],
        ),
    ]
    yield f"dx, dW, db match finite differences (largest relative error {max(errs):.1e})"
    for got, want, name in zip(
        (dx, dW, db), _linear_reference(x, W, b, gy), ("dx", "dW", "db"), strict=True
    ):
        expect_close(got, want, name)
    yield f"values match nnbook.Linear.backward ({TOLERANCE})"


EXERCISES = [
    Exercise(
        name="sigmoid_backward",
        chapter="backpropagation",
        signature="sigmoid_backward(x, grad_out) -> grad_in",
        summary="the gradient of the sigmoid, by the chain rule",
        task=(
            "Backpropagate through y = σ(x), elementwise.\n\n"
            "x : the input of the forward pass, any shape.\n"
            "grad_out : dL/dy, the same shape.\n"
            "Return grad_in = dL/dx = grad_out * σ(x) * (1 - σ(x)), the same shape.\n"
            "It must stay finite and warning-free for x = ±1000."
        ),
        checks=_sigmoid_backward_checks,
        error_hint="x and grad_out are arrays of the same shape: use NumPy's elementwise "
        "operations and np.exp.",
    ),
    Exercise(
        name="linear_backward",
        chapter="backpropagation",
        signature="linear_backward(x, W, grad_y) -> (dx, dW, db)",
        summary="the three gradients of y = x W^T + b",
        task=(
            "Backpropagate through y = x W^T + b (torch's layout).\n\n"
            "x : (N, in_features), the input of the forward pass.\n"
            "W : (out_features, in_features).\n"
            "grad_y : dL/dy, (N, out_features).\n"
            "Return (dx, dW, db) = (dL/dx, dL/dW, dL/db), with the shapes of x, W and b "
            "(out_features,). L is a sum over the batch, so the parameter gradients sum over it."
        ),
        checks=_linear_backward_checks,
        error_hint="Write down the shapes: x (N, in), W (out, in), grad_y (N, out). dx must be "
        "(N, in), dW (out, in), db (out,): which products give those?",
    ),
]

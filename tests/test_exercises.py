"""Tests of nnbook.exercises: correct solutions pass, and each known mistake gets its hint.

The correct solutions live here, not in the package: the package's reference is its own code.
"""

import numpy as np
import pytest

from nnbook import exercises
from nnbook.exercises import check

# -- correct solutions ---------------------------------------------------------------------------


def sigmoid(x):
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def linear_forward(x, W, b):
    return x @ W.T + b


def perceptron_update(w, b, x, y, lr):
    y_hat = 1 if w @ x + b >= 0 else 0
    return w + lr * (y - y_hat) * x, b + lr * (y - y_hat)


def sigmoid_backward(x, grad_out):
    s = sigmoid(x)
    return grad_out * s * (1 - s)


def linear_backward(x, W, grad_y):
    return grad_y @ W, grad_y.T @ x, grad_y.sum(axis=0)


def conv_output_size(size, kernel, stride, padding):
    return (size - kernel + 2 * padding) // stride + 1


def maxpool2x2(x):
    n, c, h, w = x.shape
    x = x[:, :, : h // 2 * 2, : w // 2 * 2]
    return x.reshape(n, c, h // 2, 2, w // 2, 2).max(axis=(3, 5))


def rnn_step(x, h, W_ih, W_hh, b_ih, b_hh):
    return np.tanh(x @ W_ih.T + b_ih + h @ W_hh.T + b_hh)


def lstm_step(x, h, c, W_ih, W_hh, b_ih, b_hh, order="ifgo"):
    blocks = np.split(x @ W_ih.T + b_ih + h @ W_hh.T + b_hh, 4, axis=1)
    z = dict(zip(order, blocks, strict=True))
    i, f, g, o = sigmoid(z["i"]), sigmoid(z["f"]), np.tanh(z["g"]), sigmoid(z["o"])
    c_new = f * c + i * g
    return o * np.tanh(c_new), c_new


def attention(Q, K, V, mask=None, scale=None, softmax_fn=softmax):
    scale = 1 / np.sqrt(Q.shape[-1]) if scale is None else scale
    scores = Q @ np.swapaxes(K, -1, -2) * scale
    if mask is not None:
        scores = np.where(mask, -np.inf, scores)
    weights = softmax_fn(scores)
    return weights @ V, weights


SOLUTIONS = {
    "sigmoid": sigmoid,
    "linear_forward": linear_forward,
    "perceptron_update": perceptron_update,
    "sigmoid_backward": sigmoid_backward,
    "linear_backward": linear_backward,
    "conv_output_size": conv_output_size,
    "maxpool2x2": maxpool2x2,
    "rnn_step": rnn_step,
    "lstm_step": lstm_step,
    "softmax": softmax,
    "attention": attention,
}


def test_every_exercise_has_a_solution_here():
    assert list(exercises.list_exercises()) == list(SOLUTIONS)


@pytest.mark.parametrize("name", SOLUTIONS)
def test_correct_solution_passes(name):
    report = check(name, SOLUTIONS[name])
    assert report.passed, str(report)
    assert bool(report)
    assert str(report) == f"✓ {name}: all {len(report.messages)} checks passed"
    assert repr(report) == str(report)
    assert len(report.messages) >= 2


@pytest.mark.parametrize("seed", [1, 7])
@pytest.mark.parametrize("name", ["lstm_step", "attention", "perceptron_update", "maxpool2x2"])
def test_correct_solution_passes_for_other_inputs(name, seed):
    assert check(name, SOLUTIONS[name], rng=np.random.default_rng(seed)).passed
    assert check(name, SOLUTIONS[name], rng=seed).passed


# -- each common mistake gets its own hint -------------------------------------------------------


def naive_sigmoid(x):
    return 1 / (1 + np.exp(-x))


def naive_softmax(x):
    e = np.exp(x)
    return e / e.sum(axis=-1, keepdims=True)


def perceptron_strict(w, b, x, y, lr):
    y_hat = 1 if w @ x + b > 0 else 0
    return w + lr * (y - y_hat) * x, b + lr * (y - y_hat)


def perceptron_rule(sign=1, bias=True, use_lr=True):
    def update(w, b, x, y, lr):
        y_hat = 1 if w @ x + b >= 0 else 0
        step = sign * (lr if use_lr else 1) * (y - y_hat)
        return w + step * x, (b + step if bias else b)

    return update


def maxpool_zero_start(x):
    n, c, h, w = x.shape
    x = x[:, :, : h // 2 * 2, : w // 2 * 2]
    out = np.zeros((n, c, h // 2, w // 2))
    for i in range(2):
        for j in range(2):
            out = np.maximum(out, x[:, :, i::2, j::2])
    return out


def lstm_variant(**kwargs):
    def step(x, h, c, W_ih, W_hh, b_ih, b_hh):
        z = np.split(x @ W_ih.T + b_ih + h @ W_hh.T + b_hh, 4, axis=1)
        i, f, o = sigmoid(z[0]), sigmoid(z[1]), sigmoid(z[3])
        g = sigmoid(z[2]) if kwargs.get("g_sigmoid") else np.tanh(z[2])
        c_new = f * c + (g if kwargs.get("no_input_gate") else i * g)
        h_new = o * (c_new if kwargs.get("no_tanh") else np.tanh(c_new))
        return (c_new, h_new) if kwargs.get("swap") else (h_new, c_new)

    return step


def softmax_axis(axis):
    def fn(x):
        e = np.exp(x - x.max(axis=axis, keepdims=True))
        return e / e.sum(axis=axis, keepdims=True)

    return fn


def attention_mask_after(Q, K, V, mask=None):
    weights = softmax(Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1]))
    if mask is not None:
        weights = weights * ~mask
    return weights @ V, weights


def attention_bool_index(Q, K, V, mask=None):
    scores = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1])
    if mask is not None:
        scores[mask] = -np.inf
    weights = softmax(scores)
    return weights @ V, weights


def square_only(wrong, right):
    """Right for non-square weights, wrong for square ones: reaches the square-weight checks."""

    def fn(*args):
        W = args[2] if len(args) == 6 else args[1]
        return wrong(*args) if W.shape[0] == W.shape[1] else right(*args)

    return fn


MISTAKES = [
    ("sigmoid", lambda x: 1 / (1 + np.exp(x)), "sign of the exponent is flipped"),
    ("sigmoid", np.tanh, "that is tanh"),
    ("sigmoid", lambda x: np.sum(sigmoid(x)), "got a single number (float64)"),
    ("sigmoid", naive_sigmoid, "not numerically stable"),
    ("sigmoid", naive_sigmoid, "overflow encountered in exp"),
    ("linear_forward", lambda x, W, b: x @ W.T, "the bias b is missing"),
    ("linear_forward", lambda x, W, b: W @ x.T + b[:, None], "the output is transposed"),
    ("linear_forward", lambda x, W, b: x @ W + b, "W has torch's layout (out_features"),
    (
        "linear_forward",
        square_only(lambda x, W, b: x @ W + b, linear_forward),
        "the weight is transposed",
    ),
    ("perceptron_update", perceptron_rule(sign=-1), "the update has the wrong sign"),
    ("perceptron_update", perceptron_rule(bias=False), "the bias is not updated"),
    ("perceptron_update", perceptron_rule(use_lr=False), "the learning rate lr is not used"),
    ("perceptron_update", perceptron_strict, "a score w·x + b of exactly 0 predicts ŷ = 1"),
    (
        "perceptron_update",
        lambda w, b, x, y, lr: (w + lr * (2 * y - 1) * x, b + lr * (2 * y - 1)),
        "the weights changed although the prediction was right",
    ),
    ("perceptron_update", lambda w, b, x, y, lr: w, "should return a tuple (w, b)"),
    ("sigmoid_backward", lambda x, g: sigmoid(x) * (1 - sigmoid(x)), "grad_out is missing"),
    ("sigmoid_backward", lambda x, g: g * x * (1 - x), "s (1 - s) is applied to x"),
    ("sigmoid_backward", lambda x, g: 1.01 * sigmoid_backward(x, g), "relative error"),
    (
        "sigmoid_backward",
        lambda x, g: g * naive_sigmoid(x) * (1 - naive_sigmoid(x)),
        "not numerically stable",
    ),
    (
        "linear_backward",
        lambda x, W, g: (g @ W, x.T @ g, g.sum(axis=0)),
        "dW is transposed",
    ),
    ("linear_backward", lambda x, W, g: (g @ W, g.T @ x, g.sum(axis=1)), "the wrong axis"),
    (
        "linear_backward",
        lambda x, W, g: (g @ W, g.T @ x, g.sum(axis=0, keepdims=True)),
        "without keepdims",
    ),
    ("linear_backward", lambda x, W, g: (g @ W, g.T @ x, g.mean(axis=0)), "db is the mean"),
    (
        "linear_backward",
        lambda x, W, g: (g @ W, g.T @ x / len(x), g.sum(axis=0)),
        "dW is divided by the batch size",
    ),
    ("linear_backward", lambda x, W, g: (g @ W.T, g.T @ x, g.sum(axis=0)), "which products"),
    ("conv_output_size", lambda w, k, s, p: (w - k) // s + 1, "the padding is missing"),
    ("conv_output_size", lambda w, k, s, p: (w - k + p) // s + 1, "the padding is counted once"),
    ("conv_output_size", lambda w, k, s, p: (w - k + 2 * p) // s, "the +1 is missing"),
    ("conv_output_size", lambda w, k, s, p: -(-(w - k + 2 * p) // s) + 1, "rounded up"),
    ("conv_output_size", lambda w, k, s, p: (w - k + 2 * p) / s + 1, "a float: use floor"),
    ("conv_output_size", lambda w, k, s, p: w - k + 2 * p + 1, "the stride is ignored"),
    (
        "maxpool2x2",
        lambda x: x.reshape(*x.shape[:2], x.shape[2] // 2, 2, x.shape[3] // 2, 2).mean((3, 5)),
        "AvgPool2d",
    ),
    ("maxpool2x2", maxpool_zero_start, "negative maxima became 0"),
    (
        "maxpool2x2",
        lambda x: x.reshape(*x.shape[:2], x.shape[2] // 2, x.shape[3] // 2, 2, 2).max((4, 5)),
        "the reshape mixes pixels of different windows",
    ),
    (
        "maxpool2x2",
        lambda x: np.lib.stride_tricks.sliding_window_view(x, (2, 2), axis=(2, 3)).max((4, 5)),
        "the windows overlap (stride 1)",
    ),
    (
        "maxpool2x2",
        lambda x: x.reshape(*x.shape[:2], x.shape[2] // 2, 2, x.shape[3] // 2, 2).max((3, 5)),
        "drop the last row or column",
    ),
    (
        "rnn_step",
        lambda x, h, Wi, Wh, bi, bh: x @ Wi.T + bi + h @ Wh.T + bh,
        "the tanh is missing",
    ),
    (
        "rnn_step",
        lambda x, h, Wi, Wh, bi, bh: np.tanh(x @ Wi.T + h @ Wh.T + bi),
        "b_hh is missing",
    ),
    (
        "rnn_step",
        lambda x, h, Wi, Wh, bi, bh: np.tanh(x @ Wi.T + bi + bh),
        "the previous state h is not used",
    ),
    (
        "rnn_step",
        square_only(lambda x, h, Wi, Wh, bi, bh: np.tanh(x @ Wi + bi + h @ Wh + bh), rnn_step),
        "the weights are transposed",
    ),
    (
        "lstm_step",
        lambda *args: lstm_step(*args, order="figo"),
        "torch stacks the rows of W_ih, W_hh and the biases as i, f, g, o",
    ),
    ("lstm_step", lambda *args: lstm_step(*args, order="fgio"), "not f, g, i, o"),
    ("lstm_step", lstm_variant(no_tanh=True), "h' = o * tanh(c'): the tanh is missing"),
    ("lstm_step", lstm_variant(g_sigmoid=True), "the candidate g uses tanh"),
    ("lstm_step", lstm_variant(swap=True), "h' and c' are swapped"),
    ("softmax", softmax_axis(0), "the softmax runs over the wrong axis"),
    ("softmax", softmax_axis(1), "the softmax runs over axis 1"),
    ("softmax", lambda x: np.exp(x) / np.exp(x).sum(), "the whole array is normalised"),
    ("softmax", lambda x: np.exp(x) / np.exp(x).sum(axis=-1), "keepdims=True"),
    ("softmax", naive_softmax, "not numerically stable"),
    ("softmax", naive_softmax, "Subtract each row's maximum"),
    (
        "attention",
        lambda Q, K, V, mask=None: attention(Q, K, V, mask, scale=1 / Q.shape[-1]),
        "divided by d_k instead of sqrt(d_k)",
    ),
    (
        "attention",
        lambda Q, K, V, mask=None: attention(Q, K, V, mask, scale=1.0),
        "the scores are not scaled",
    ),
    (
        "attention",
        lambda Q, K, V, mask=None: attention(Q, K, V, mask, softmax_fn=softmax_axis(-2)),
        "the softmax runs over the wrong axis",
    ),
    (
        "attention",
        lambda Q, K, V, mask=None: attention(Q, K, V, None if mask is None else ~mask),
        "the mask is inverted",
    ),
    ("attention", attention_mask_after, "the mask is applied after the softmax"),
    (
        "attention",
        lambda Q, K, V, mask=None: (
            attention(Q, K, V, None) if mask is None else attention(Q, K, V, np.zeros(mask.shape))
        ),
        "the mask is ignored",
    ),
    ("attention", attention_bool_index, "scores[mask] does not"),
    ("attention", lambda Q, K, V, mask=None: attention(Q, K.T, V, mask), "np.swapaxes(K, -1, -2)"),
    (
        "attention",
        lambda Q, K, V, mask=None: attention(Q, K, V, mask, softmax_fn=naive_softmax),
        "not numerically stable",
    ),
    ("attention", lambda Q, K, V: attention(Q, K, V), "cannot be called as attention(Q, K, V"),
    # -- the remaining hints, one wrong solution each --------------------------------------------
    ("sigmoid", lambda x: 1 / (1 - np.exp(-x)), "with a plus in the denominator"),
    ("sigmoid", lambda x: np.array(np.sum(sigmoid(x))), "apply the sigmoid elementwise"),
    ("linear_forward", lambda x, W, b: (x @ W.T + b).sum(axis=0), "do not sum over the batch"),
    ("linear_forward", lambda x, W, b: x @ W.T - b, "the bias is subtracted"),
    (
        "perceptron_update",
        lambda w, b, x, y, lr: (perceptron_update(w, b, x, y, lr)[0][None], b),
        "keep w one-dimensional",
    ),
    (
        "perceptron_update",
        lambda w, b, x, y, lr: (perceptron_update(w, b, x, y, lr)[0], [b]),
        "the new b should be a single number",
    ),
    (
        "sigmoid_backward",
        lambda x, g: np.array(np.sum(sigmoid_backward(x, g))),  # a 0-d array: summed
        "do not sum",
    ),
    ("sigmoid_backward", lambda x, g: g * sigmoid(x), "not σ(x)."),
    ("sigmoid_backward", lambda x, g: g * (1 - sigmoid(x)), "a factor σ(x) is missing"),
    ("sigmoid_backward", lambda x, g: g * sigmoid(x) * (1 + sigmoid(x)), "with a minus"),
    ("linear_backward", lambda x, W, g: (g, g.T @ x, g.sum(axis=0)), "dx must have x's shape"),
    (
        "linear_backward",
        lambda x, W, g: (g @ W, g.T @ x, np.array(g.sum())),
        "summed over every axis",
    ),
    ("maxpool2x2", lambda x: x.copy(), "the output has the input's size"),
    ("maxpool2x2", lambda x: np.swapaxes(maxpool2x2(x), 2, 3), "height and width are swapped"),
    (
        "maxpool2x2",
        lambda x: maxpool2x2(np.repeat(x, 2, axis=3))[..., : x.shape[3]],
        "only the height was pooled",
    ),
    (
        "maxpool2x2",
        lambda x: maxpool2x2(np.repeat(x, 2, axis=2))[:, :, : x.shape[2]],
        "only the width was pooled",
    ),
    ("maxpool2x2", lambda x: x.max(axis=(2, 3)), "the maximum was taken over the whole image"),
    (
        "maxpool2x2",
        lambda x: (
            np.pad(
                x,
                ((0, 0), (0, 0), (0, x.shape[2] % 2), (0, x.shape[3] % 2)),
                constant_values=-np.inf,
            )
            .reshape(*x.shape[:2], -(-x.shape[2] // 2), 2, -(-x.shape[3] // 2), 2)
            .max((3, 5))
        ),
        "rounded up",
    ),
    ("maxpool2x2", lambda x: -maxpool2x2(-x), "that is the minimum"),
    (
        "rnn_step",
        lambda x, h, Wi, Wh, bi, bh: sigmoid(x @ Wi.T + bi + h @ Wh.T + bh),
        "that is a sigmoid",
    ),
    (
        "rnn_step",
        lambda x, h, Wi, Wh, bi, bh: np.maximum(x @ Wi.T + bi + h @ Wh.T + bh, 0),
        "that is a ReLU",
    ),
    ("rnn_step", lambda x, h, Wi, Wh, bi, bh: np.tanh(x @ Wi.T + h @ Wh.T + bh), "b_ih is missing"),
    ("rnn_step", lambda *args: rnn_step(*args).T, "h' is transposed"),
    ("lstm_step", lambda *args: lstm_step(*args, order="ifog"), "torch stacks i, f, g, o"),
    (
        "lstm_step",
        lambda x, h, c, Wi, Wh, bi, bh: (x @ Wi.T + bi + h @ Wh.T + bh,) * 2,
        "these are the stacked gate pre-activations",
    ),
    ("lstm_step", lstm_variant(no_input_gate=True), "the input gate is missing"),
    ("softmax", lambda x: np.exp(x - x.max(axis=-1, keepdims=True)), "not normalised"),
    ("softmax", lambda x: softmax(x).sum(axis=-1), "return the probabilities, not their sum"),
    (
        "attention",
        lambda Q, K, V, mask=None: attention(Q, K, V, mask, scale=np.sqrt(Q.shape[-1])),
        "the scores are multiplied by sqrt(d_k)",
    ),
    (
        "attention",
        lambda Q, K, V, mask=None: attention(Q, K, V, mask, scale=1 / np.sqrt(V.shape[-1])),
        "the scale uses the last dimension of V",
    ),
    (
        "attention",
        lambda Q, K, V, mask=None: (
            attention(Q, K, V, mask)[0],
            np.swapaxes(attention(Q, K, V, mask)[1], -1, -2),
        ),
        "the weights are transposed",
    ),
]


@pytest.mark.parametrize(
    ("name", "fn", "hint"), MISTAKES, ids=[f"{m[0]}-{i}" for i, m in enumerate(MISTAKES)]
)
def test_mistake_gets_its_hint(name, fn, hint):
    report = check(name, fn)
    assert not report.passed
    assert not report
    assert str(report).startswith(f"✗ {name}: ")
    assert hint in str(report), str(report)
    assert report.messages[-1] in str(report)


def test_added_boolean_mask_is_named():
    def added(Q, K, V, mask=None):
        if mask is None:
            return attention(Q, K, V)
        scores = Q @ np.swapaxes(K, -1, -2) / np.sqrt(Q.shape[-1]) + mask
        weights = softmax(scores)
        return weights @ V, weights

    assert "the boolean mask was added to the scores" in str(check("attention", added))


def test_messages_count_the_checks_that_passed():
    report = check("softmax", naive_softmax)
    # runs, shape and values pass; stability fails.
    assert len(report.messages) == 4
    assert "stable" in report.messages[-1]


def test_shape_hint_names_expected_and_actual_shapes():
    report = check("linear_forward", lambda x, W, b: W @ x.T + b[:, None])
    assert "wrong shape for y: (4, 5), expected (5, 4)" in str(report)


def test_value_hint_says_where_values_differ():
    report = check("softmax", lambda x: softmax(x) + 1e-3)
    assert "at index" in str(report) and "rtol=1e-06" in str(report)


def test_nan_output_is_reported():
    report = check("sigmoid", lambda x: np.full_like(x, np.nan))
    assert "NaN or inf" in str(report)


# -- the reader's errors are reported, never raised ----------------------------------------------


def test_exception_in_readers_function_is_reported():
    def broken(x):
        raise RuntimeError("boom")

    report = check("sigmoid", broken)
    assert not report.passed
    assert "raised RuntimeError: boom" in str(report)
    assert "x shape (3, 4)" in str(report)
    assert "np.exp" in str(report)  # the exercise's hint


def test_math_exp_is_reported_with_a_hint():
    import math

    report = check("sigmoid", lambda x: 1 / (1 + math.exp(-x)))
    assert "raised TypeError" in str(report)
    assert "math.exp only takes single numbers" in str(report)


def test_floating_point_error_outside_stability_check_is_reported():
    def strict(x):
        with np.errstate(all="raise"):
            return np.log(x - 100)

    report = check("sigmoid", strict)
    assert "raised FloatingPointError" in str(report)


def test_missing_return_is_reported():
    report = check("softmax", lambda x: None)
    assert "did you forget `return`" in str(report)


def test_list_instead_of_array_is_reported():
    report = check("sigmoid", lambda x: sigmoid(x).tolist())
    assert "should be a numpy.ndarray, got a list" in str(report)


def test_in_place_change_of_an_input_is_reported():
    def in_place(x):
        x -= x.max(axis=-1, keepdims=True)
        e = np.exp(x)
        return e / e.sum(axis=-1, keepdims=True)

    report = check("softmax", in_place)
    assert "changed its argument x in place" in str(report)


def test_perceptron_may_update_w_in_place():
    def in_place(w, b, x, y, lr):
        y_hat = 1 if w @ x + b >= 0 else 0
        w += lr * (y - y_hat) * x
        return w, b + lr * (y - y_hat)

    assert check("perceptron_update", in_place).passed


def test_non_callable_is_reported():
    x = np.zeros(3)
    report = check("sigmoid", sigmoid(x))
    assert not report.passed
    assert "Pass the function, without calling it" in str(report)


def test_wrong_number_of_arguments_is_reported():
    report = check("linear_forward", lambda x, W: x @ W.T)
    assert "cannot be called as linear_forward(x, W, b)" in str(report)


# -- registry -------------------------------------------------------------------------------------


def test_unknown_name_raises_key_error_listing_names():
    with pytest.raises(KeyError, match="no exercise named 'sigmod'.*sigmoid, linear_forward"):
        check("sigmod", sigmoid)
    with pytest.raises(KeyError, match="attention"):
        exercises.describe("nope")


def test_list_exercises_and_chapter_filter():
    every = exercises.list_exercises()
    assert every["attention"].startswith("attention(Q, K, V, mask=None) -> (output, weights): ")
    assert list(exercises.list_exercises("cnn")) == ["conv_output_size", "maxpool2x2"]
    assert list(exercises.list_exercises("lstm")) == ["lstm_step"]
    assert exercises.list_exercises("no such chapter") == {}


@pytest.mark.parametrize("name", SOLUTIONS)
def test_describe_gives_signature_and_how_to_check(name):
    text = exercises.describe(name)
    assert text.startswith(name + "(")
    assert f"nnbook.exercises.check({name!r}, your_function)" in text
    assert max(len(line) for line in text.splitlines()) <= 100


def test_reachable_from_top_level():
    import nnbook

    assert nnbook.exercises.check is check


def test_stability_check_catches_a_warning_too():
    def warns(x):
        with np.errstate(over="warn"):  # the reader's own setting: a warning, not an error
            return naive_sigmoid(x)

    report = check("sigmoid", warns)
    assert "not numerically stable" in str(report) and "overflow" in str(report)

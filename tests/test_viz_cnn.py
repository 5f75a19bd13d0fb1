"""The convolution chapter's figures: they show the numbers they are given, in the right places,
and what they call darker is drawn darker."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.image import AxesImage

from nnbook.functional import conv2d_naive, im2col
from nnbook.viz import convolution, images, vision


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def _texts(fig):
    return [t.get_text() for ax in fig.axes for t in ax.texts]


def test_face_embeddings_have_unit_length_and_one_id_per_row():
    emb, ids = images.face_embeddings(rng=0, identities=3, per_identity=4, dim=16)
    assert emb.shape == (12, 16) and ids.tolist() == [0] * 4 + [1] * 4 + [2] * 4
    np.testing.assert_allclose(np.linalg.norm(emb, axis=1), 1.0, rtol=1e-12)
    again, _ = images.face_embeddings(rng=0, identities=3, per_identity=4, dim=16)
    np.testing.assert_array_equal(emb, again)


def test_variability_figure_draws_the_darker_letter_darker():
    letter = images.glyph("F")
    views = images.variants(letter, rng=0)
    fig = vision.fig_cv_variability(views)
    shown = {}
    for ax in fig.axes:
        (image,) = [a for a in ax.get_children() if isinstance(a, AxesImage)]
        rgb = image.to_rgba(image.get_array())[..., :3]  # the colours as drawn
        shown[ax.get_title().split("\n")[0]] = rgb.mean(axis=-1)
    on_letter = letter == 1
    assert shown["darker (x0.4)"][on_letter].mean() < shown["original"][on_letter].mean()
    # The background stays black, and the letter is the bright part of the original.
    assert shown["original"][~on_letter].max() == 0
    assert shown["original"][on_letter].min() == 1


def test_conv_window_figure_adds_the_channel_sums_and_the_bias():
    rng = np.random.default_rng(2)
    x = rng.integers(0, 4, size=(1, 2, 5, 5)).astype(float)
    w = rng.integers(-1, 2, size=(2, 2, 3, 3)).astype(float)
    b = np.array([1.0, -2.0])
    y = conv2d_naive(x, w, b)[0]
    u, v = 1, 0
    fig = convolution.fig_conv_window(x[0], w, b, y, (u, v), out_channel=0)
    sums = [np.sum(w[0, c] * x[0, c, u : u + 3, v : v + 3]) for c in range(2)]
    texts = _texts(fig)
    for s in sums:
        assert f"sum = {s:g}" in texts
    (total,) = [t for t in texts if t.startswith("the 2 sums")]
    assert total.endswith(f"= {sums[0]:g} + {sums[1]:g} + {b[0]:g}\n= {y[0, u, v]:g}")
    assert sums[0] + sums[1] + b[0] == y[0, u, v]


def test_im2col_figure_writes_the_columns_and_the_product():
    x = np.arange(1.0, 17.0).reshape(4, 4)
    kernel = np.array([[1.0, 0, -1], [0, 2, 0], [-1, 0, 1]])
    cols = im2col(x[None, None], 3)
    y = (kernel.reshape(1, -1) @ cols).reshape(2, 2)
    fig = convolution.fig_im2col(x, kernel, cols, y)
    texts = _texts(fig)
    # Every entry of X, W, Y, the kernel, the four copies of x and the output is written once.
    numbers = [t for t in texts if t.lstrip("-").isdigit()]
    assert len(numbers) == cols.size + 2 * kernel.size + 4 * x.size + 2 * y.size
    for k in range(4):
        assert f"window {k} → column {k}" in texts
    assert "X = im2col(x): 9 × 4\none column per window" in texts

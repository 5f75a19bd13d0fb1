"""The figure modules' helpers that compute values (the figures themselves are drawn by the
docs build): image transforms and the receptive field of stacked 1-D convolutions; and the
attention figures' labels."""

import numpy as np
import pytest

from nnbook.viz import images
from nnbook.viz.sequence_reach import receptive_field


@pytest.fixture
def img():
    return np.random.default_rng(0).random((7, 6))


@pytest.mark.parametrize(("dy", "dx"), [(2, -1), (-3, 2), (0, 0)])
def test_shift_moves_content_and_fills_with_zeros(img, dy, dx):
    out = images.shift(img, dy, dx)
    rolled = np.roll(img, (dy, dx), axis=(0, 1))
    rows = slice(max(dy, 0), 7 + min(dy, 0))
    cols = slice(max(dx, 0), 6 + min(dx, 0))
    np.testing.assert_array_equal(out[rows, cols], rolled[rows, cols])  # moved content
    kept = np.zeros_like(img, dtype=bool)
    kept[rows, cols] = True
    assert not out[~kept].any()  # what was shifted in is zero, nothing wraps around
    assert not images.shift(img, 7, 0).any()


@pytest.mark.parametrize("size", [6, 7])
def test_rotate_by_quarter_turns_is_exact(size):
    square = np.random.default_rng(1).random((size, size))
    np.testing.assert_array_equal(images.rotate(square, 90), np.rot90(square))
    np.testing.assert_array_equal(images.rotate(square, 180), np.rot90(square, 2))
    np.testing.assert_array_equal(images.rotate(square, 0), square)


def test_rescale_by_one_is_the_identity_and_zoom_keeps_the_centre(img):
    np.testing.assert_array_equal(images.rescale(img, 1.0), img)
    dot = np.zeros((9, 9))
    dot[4, 4] = 1.0
    assert images.rescale(dot, 3.0)[3:6, 3:6].all()  # a 3x zoom makes the centre pixel 3x3
    assert images.rescale(dot, 3.0).sum() == 9


def test_receptive_field_grows_by_kernel_minus_one_per_layer():
    field = receptive_field(21, 3, 3)
    assert field.shape == (4, 21)
    assert [row.sum() for row in field] == [7, 5, 3, 1]  # 1 + 2 per layer, downwards
    assert np.flatnonzero(field[0]).tolist() == list(range(7, 14))  # centred on 10


def test_dilated_receptive_field_doubles():
    field = receptive_field(41, 3, 3, dilated=True)
    lowest = np.flatnonzero(field[0])
    assert lowest.tolist() == list(range(13, 28))  # 2^(3+1) - 1 = 15 positions, no gaps
    assert receptive_field(5, 3, 3)[0].all()  # clipped at the borders


def test_attention_heatmaps_name_query_and_key_axes():
    import matplotlib.pyplot as plt

    from nnbook.viz import attention, attention_maps

    w = np.full((2, 3, 4, 4), 0.25)
    tokens = list("abcd")
    grid = attention_maps.fig_attention_grid(w, tokens, tokens)
    axes = grid.axes[:6]  # the colour bar comes last
    assert [ax.get_ylabel() for ax in axes[::3]] == ["query token"] * 2  # left column
    assert [ax.get_xlabel() for ax in axes[3:]] == ["key token"] * 3  # bottom row
    kinds = attention_maps.fig_attention_kinds([(w[0, 0], tokens, tokens, "t")] * 2)
    assert all(ax.get_ylabel() == "query token" for ax in kinds.axes[:2])
    assert all(ax.get_xlabel() == "key token" for ax in kinds.axes[:2])
    concat, out = np.arange(8.0) - 4, np.linspace(-1, 1, 8)
    multi = attention.fig_multihead(tokens, w[0, :2], concat, out)
    assert multi.axes[0].get_ylabel() == "query position"
    assert all(ax.get_xlabel() == "key position" for ax in multi.axes[:2])
    # The concatenated head outputs and the output after W^O print their values.
    for ax, vec in zip(multi.axes[2:], (concat, out), strict=True):
        assert [t.get_text() for t in ax.texts] == [f"{v:.2f}" for v in vec]
    plt.close("all")


def test_transformer_diagram_keeps_its_labels_clear_of_the_arrows():
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrowPatch

    from nnbook.viz import transformer_diagram

    fig = transformer_diagram.fig_transformer_diagram()
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    arrows = [p.get_window_extent(renderer) for p in ax.patches if isinstance(p, FancyArrowPatch)]
    labels = [t for t in ax.texts if t.get_text() in ("× N", "keys and values")]
    assert len(labels) == 3
    for label in labels:
        box = label.get_window_extent(renderer)
        assert not any(box.overlaps(a) for a in arrows), label.get_text()
    plt.close(fig)

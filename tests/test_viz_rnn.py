"""The figures of the recurrent chapters: cell diagrams (nnbook.viz.cells) and the LSTM chapter's
plots (nnbook.viz.lstm) draw what their docstrings say, and reject a bad ``highlight``."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402

from nnbook.viz import cells, lstm  # noqa: E402
from nnbook.viz._pen import MUTED  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def texts(ax):
    return [t.get_text() for t in ax.texts]


def line_colors(ax):
    return [to_hex(line.get_color()) for line in ax.lines]


@pytest.mark.parametrize(
    ("draw", "bad"),
    [
        (cells.rnn_chain, "cell"),
        (cells.lstm_cell, "state"),
        (cells.lstm_chain, "reset"),
        (cells.gru_cell, "forget"),
    ],
)
def test_unknown_highlight_is_a_value_error_naming_the_drawing(draw, bad):
    with pytest.raises(ValueError, match=rf"{draw.__name__}: highlight must be one of"):
        draw(highlight=bad)


def test_rnn_chain_has_one_tanh_layer_per_cell():
    for n in (1, 3, 5):
        ax = cells.rnn_chain(n_cells=n)
        assert texts(ax).count(r"$\tanh$") == n
        assert len(ax.patches) == 2 * n + 2 * n  # a cell and a layer box; two junction dots
    ax = cells.rnn_chain(n_cells=3)
    assert {"$x_{t-1}$", "$x_{t}$", "$x_{t+1}$", "$h_{t-2}$"} <= set(texts(ax))
    with pytest.raises(ValueError, match="n_cells must be at least 1"):
        cells.rnn_chain(n_cells=0)


def test_rnn_chain_highlights_the_state_path_and_greys_the_inputs():
    ax = cells.rnn_chain(n_cells=3, highlight="state")
    colors = line_colors(ax)
    assert colors.count(to_hex(cells.RNN_COLORS["state"])) == 3 * 3  # in, up and on, per cell
    assert colors.count(to_hex(MUTED)) == 3  # the three inputs x


def test_lstm_chain_draws_the_cell_state_straight_across_every_cell():
    n = 3
    ax = cells.lstm_chain(n_cells=n, highlight="cell")
    orange = to_hex(cells.LSTM_COLORS["cell"])
    on_line = [line for line in ax.lines if to_hex(line.get_color()) == orange]
    assert len(on_line) == 3 * n  # three segments per cell, between the two operations
    for line in on_line:
        assert np.allclose(line.get_ydata(), on_line[0].get_ydata()[0])  # all at one height
    xs = np.concatenate([line.get_xdata() for line in on_line])
    assert xs.min() < 0.5 and xs.max() > 10.4 * (n - 1) + 10.5  # from the left end to the right
    # Everything else is grey.
    assert set(line_colors(ax)) == {orange, to_hex(MUTED)}
    assert texts(ax).count(r"$\tanh$") == n


def test_lstm_cell_labels_its_gates_and_writes_the_highlighted_equation():
    ax = cells.lstm_cell(highlight="forget")
    assert {"$f_t$", "$i_t$", "$g_t$", "$o_t$", "$c_{t-1}$", "$h_{t-1}$", "$x_{t}$"} <= set(
        texts(ax)
    )
    assert cells.LSTM_EQUATIONS["forget"] in texts(ax)
    assert cells.LSTM_EQUATIONS["forget"].count("W_") == 2  # the gate has its own weights


@pytest.mark.parametrize("highlight", [None, "reset", "update", "candidate"])
def test_gru_cell_has_torchs_equations_and_parts(highlight):
    ax = cells.gru_cell(highlight=highlight)
    labels = texts(ax)
    assert {"$z_t$", "$r_t$", "$n_t$", "1−", "linear"} <= set(labels)
    assert cells.GRU_EQUATIONS[highlight] in labels
    if highlight is not None:
        color = to_hex(cells.GRU_COLORS[highlight])
        assert color in line_colors(ax)
        others = {to_hex(c) for k, c in cells.GRU_COLORS.items() if k != highlight}
        assert not others & set(line_colors(ax))


def test_gru_update_equation_is_torchs():
    assert r"(1 - z_t) \odot n_t + z_t \odot h_{t-1}" in cells.GRU_EQUATIONS[None]
    assert r"r_t \odot (h_{t-1} W_{hn}^\top + b_{hn})" in cells.GRU_EQUATIONS["candidate"]


def test_gate_roles_writes_the_numbers_of_forget_write_and_read():
    c_prev, f = np.array([2.0, -1.0]), np.array([0.9, 0.1])
    i, g, o = np.array([0.1, 0.9]), np.array([0.5, 0.8]), np.array([0.9, 0.1])
    fig = lstm.gate_roles(c_prev, f, i, g, o)
    labels = texts(fig.axes[0])
    c = f * c_prev + i * g  # [1.85, 0.62]
    h = o * np.tanh(c)
    for value in (*(f * c_prev), *c, *h):
        assert f"{value:.2f}".replace("-", "\u2212") in labels
    assert "\u22121.00" in labels  # negative numbers with a true minus sign
    squares = [p for p in fig.axes[0].patches if isinstance(p, plt.Rectangle)]
    assert len(squares) == 10 * 2  # ten columns of two slots


def test_gate_roles_fades_all_but_the_highlighted_panel_and_checks_its_input():
    args = (np.zeros(3), np.full(3, 0.5), np.full(3, 0.5), np.zeros(3), np.full(3, 0.5))
    fig = lstm.gate_roles(*args, highlight="read")
    alphas = {t.get_text(): t.get_alpha() for t in fig.axes[0].texts}
    assert alphas[r"read: $o_t \odot \tanh(c_t)$"] == 1.0
    assert alphas["forget: multiply by $f_t$"] == 0.25
    with pytest.raises(ValueError, match="gate_roles: highlight must be one of"):
        lstm.gate_roles(*args, highlight="keep")
    with pytest.raises(ValueError, match=r"gate_roles: expected five vectors of one shape"):
        lstm.gate_roles(np.zeros(3), np.zeros(2), *args[2:])


def test_gate_activations_marks_the_two_ranges_and_the_points():
    fig = lstm.gate_activations(points=[4.0, -4.0])
    ax_s, ax_t = fig.axes
    for ax, fn, (low, high) in ((ax_s, None, (0, 1)), (ax_t, np.tanh, (-1, 1))):
        curve = max(ax.lines, key=lambda line: len(line.get_xdata()))
        y = curve.get_ydata()
        assert low < y.min() < low + 0.01 and high - 0.01 < y.max() < high
        if fn is not None:
            np.testing.assert_allclose(y, fn(curve.get_xdata()))
        dashed = {line.get_ydata()[0] for line in ax.lines if line.get_linestyle() == "--"}
        assert dashed == {low, high}
        assert ax.get_xlabel() == "pre-activation $a$"
    marked = [t.get_text() for t in ax_s.texts]
    assert r"$\sigma(4) = 0.98$" in marked and r"$\sigma(-4) = 0.02$" in marked

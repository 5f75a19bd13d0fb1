"""Figures for the chapter on LSTM and GRU: the LSTM cell with one part highlighted at a time,
gradient norms against distance, gate traces over time, and training curves.

See the chapter :doc:`/lstm`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Circle, Ellipse, FancyBboxPatch

from .style import BLUE, GREEN, ORANGE, PURPLE, SKY, VERMILION, YELLOW

# One colour per part of the cell; everything not highlighted is drawn in grey.
PART_COLORS = {
    "cell": ORANGE,  # the cell-state line c
    "forget": VERMILION,
    "input": BLUE,  # input gate and candidate
    "update": GREEN,  # c_t = f c + i g
    "output": PURPLE,
}
HIGHLIGHTS = (None, *PART_COLORS)
LAYER_FACE = YELLOW  # the four learned layers
MUTED = "#C8C8C8"
INK = "#222222"

_EQUATIONS = {
    None: r"$c_t = f_t \odot c_{t-1} + i_t \odot g_t, \quad h_t = o_t \odot \tanh(c_t)$",
    "cell": r"the cell state $c_{t-1} \to c_t$: only an element-wise product and a sum",
    "forget": r"$f_t = \sigma(x_t W_{if}^\top + b_{if} + h_{t-1} W_{hf}^\top + b_{hf})$",
    "input": (
        r"$i_t = \sigma(x_t W_{ii}^\top + b_{ii} + h_{t-1} W_{hi}^\top + b_{hi}),\quad$"
        r"$g_t = \tanh(x_t W_{ig}^\top + b_{ig} + h_{t-1} W_{hg}^\top + b_{hg})$"
    ),
    "update": r"$c_t = f_t \odot c_{t-1} + i_t \odot g_t$",
    "output": (
        r"$o_t = \sigma(x_t W_{io}^\top + b_{io} + h_{t-1} W_{ho}^\top + b_{ho}),\quad$"
        r"$h_t = o_t \odot \tanh(c_t)$"
    ),
}

# Geometry (data units): the cell-state line on top, the [h_{t-1}, x_t] bus at the bottom.
_Y_C, _Y_MID, _Y_LAYER, _Y_BUS = 4.6, 3.6, 2.5, 1.2
_X_F, _X_I, _X_G, _X_O, _X_OUT, _X_UP = 3.0, 4.4, 5.6, 7.0, 8.2, 9.1


def _color(part, highlight):
    if highlight is None:
        return INK
    return PART_COLORS[part] if part == highlight else MUTED


def _line(ax, xs, ys, part, highlight, *, arrow=False):
    color = _color(part, highlight)
    width = 3.0 if part == highlight else 1.6
    ax.plot(xs, ys, color=color, linewidth=width, solid_capstyle="round", zorder=1)
    if arrow:
        ax.annotate(
            "",
            xy=(xs[-1], ys[-1]),
            xytext=(xs[-2], ys[-2]),
            zorder=1,
            arrowprops={
                "arrowstyle": "-|>",
                "color": color,
                "lw": width,
                "shrinkA": 0,
                "shrinkB": 0,
            },
        )


def _layer(ax, x, label, part, highlight):
    on = highlight is None or part == highlight
    edge = PART_COLORS[part] if part == highlight else (INK if on else MUTED)
    ax.add_patch(
        FancyBboxPatch(
            (x - 0.46, _Y_LAYER - 0.3),
            0.92,
            0.6,
            boxstyle="round,pad=0.0,rounding_size=0.08",
            zorder=2,
            facecolor=LAYER_FACE if on else "#F7F3C4",
            edgecolor=edge,
            linewidth=2.5 if part == highlight else 1.0,
        )
    )
    ax.text(
        x,
        _Y_LAYER,
        label,
        ha="center",
        va="center",
        fontsize=11 if "tanh" in label else 12,  # the word is wider than the letter sigma
        zorder=3,
        color=INK if on else "#999999",
    )


def _op(ax, x, y, symbol, part, highlight):
    on = highlight is None or part == highlight
    color = PART_COLORS[part] if part == highlight else (INK if on else MUTED)
    shape = Ellipse((x, y), 0.8, 0.48) if len(symbol) > 1 else Circle((x, y), 0.24)
    shape.set(
        facecolor="white", edgecolor=color, zorder=2, linewidth=2.5 if part == highlight else 1.2
    )
    ax.add_patch(shape)
    ax.text(
        x,
        y,
        symbol,
        ha="center",
        va="center",
        fontsize=11 if len(symbol) > 1 else 14,
        zorder=3,
        color=INK if on else "#999999",
    )


def lstm_cell(ax=None, highlight: str | None = None, *, equation: bool = True):
    """Draw one LSTM cell, optionally with one part highlighted and its equation underneath.

    Parameters
    ----------
    ax : matplotlib Axes, optional
    highlight : {None, 'cell', 'forget', 'input', 'update', 'output'}
        The part drawn in colour; the rest is greyed out. ``None`` draws the whole cell in black.
    equation : bool
        Write the highlighted part's equation (torch's gate names i, f, g, o) under the cell.

    Returns
    -------
    matplotlib Axes
    """
    if highlight not in HIGHLIGHTS:
        raise ValueError(f"lstm_cell: highlight must be one of {HIGHLIGHTS}, got {highlight!r}")
    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 4.6))
    hl = highlight
    ax.add_patch(
        FancyBboxPatch(
            (1.2, 0.75),
            8.5,
            4.45,
            boxstyle="round,pad=0.0,rounding_size=0.3",
            facecolor="#F4F4F4",
            edgecolor="#999999",
            zorder=0,
        )
    )
    # The cell-state line: c_{t-1} -> x (forget) -> + (write) -> c_t.
    for xs, part in (
        ((0.2, _X_F - 0.24), "cell"),
        ((_X_F + 0.24, _X_G - 0.24), "cell"),
        ((_X_G + 0.24, 10.6), "cell"),
    ):
        _line(
            ax,
            list(xs),
            [_Y_C, _Y_C],
            "update" if hl == "update" else part,
            hl,
            arrow=xs[1] == 10.6,
        )
    _op(ax, _X_F, _Y_C, "×", "forget" if hl == "forget" else "update", hl)
    _op(ax, _X_G, _Y_C, "+", "update", hl)
    # The bus [h_{t-1}, x_t] feeding the four layers.
    # The bus feeds every gate: it takes the colour of whichever gate is highlighted.
    bus = hl if hl in ("forget", "input", "output") else "bus"
    _line(ax, [0.2, _X_O], [_Y_BUS, _Y_BUS], bus, hl)
    _line(ax, [1.8, 1.8], [-0.3, _Y_BUS], bus, hl)
    for x, part in ((_X_F, "forget"), (_X_I, "input"), (_X_G, "input"), (_X_O, "output")):
        _line(ax, [x, x], [_Y_BUS, _Y_LAYER - 0.3], part, hl)
    # Layer outputs.
    _line(ax, [_X_F, _X_F], [_Y_LAYER + 0.3, _Y_C - 0.24], "forget", hl, arrow=True)
    _line(ax, [_X_I, _X_I, _X_G - 0.24], [_Y_LAYER + 0.3, _Y_MID, _Y_MID], "input", hl, arrow=True)
    _line(ax, [_X_G, _X_G], [_Y_LAYER + 0.3, _Y_MID - 0.24], "input", hl, arrow=True)
    _op(ax, _X_G, _Y_MID, "×", "input", hl)
    _line(ax, [_X_G, _X_G], [_Y_MID + 0.24, _Y_C - 0.24], "update", hl, arrow=True)
    # Output: tanh(c_t) gated by o_t gives h_t, which leaves to the right and upwards.
    _line(ax, [_X_OUT, _X_OUT], [_Y_C, _Y_MID + 0.24], "output", hl, arrow=True)
    _op(ax, _X_OUT, _Y_MID, "tanh", "output", hl)
    _line(ax, [_X_OUT, _X_OUT], [_Y_MID - 0.24, _Y_LAYER + 0.24], "output", hl, arrow=True)
    _line(ax, [_X_O + 0.46, _X_OUT - 0.24], [_Y_LAYER, _Y_LAYER], "output", hl, arrow=True)
    _op(ax, _X_OUT, _Y_LAYER, "×", "output", hl)
    _line(ax, [_X_OUT, _X_OUT, 10.6], [_Y_LAYER - 0.24, _Y_BUS, _Y_BUS], "output", hl, arrow=True)
    _line(ax, [_X_UP, _X_UP], [_Y_BUS, 5.75], "output", hl, arrow=True)
    _layer(ax, _X_F, r"$\sigma$", "forget", hl)
    _layer(ax, _X_I, r"$\sigma$", "input", hl)
    _layer(ax, _X_G, r"$\tanh$", "input", hl)
    _layer(ax, _X_O, r"$\sigma$", "output", hl)
    # Labels of the gates and of the signals.
    for x, name, part in (
        (_X_F, "$f_t$", "forget"),
        (_X_I, "$i_t$", "input"),
        (_X_G, "$g_t$", "input"),
        (_X_O, "$o_t$", "output"),
    ):
        ax.text(x + 0.3, _Y_LAYER + 0.5, name, fontsize=11, color=_color(part, hl) if hl else INK)
    ax.text(0.15, _Y_C + 0.2, "$c_{t-1}$", fontsize=13, va="bottom")
    ax.text(10.55, _Y_C + 0.2, "$c_t$", fontsize=13, va="bottom", ha="right")
    ax.text(0.15, _Y_BUS + 0.2, "$h_{t-1}$", fontsize=13, va="bottom")
    ax.text(10.55, _Y_BUS - 0.2, "$h_t$", fontsize=13, va="top", ha="right")
    ax.text(_X_UP + 0.15, 5.6, "$h_t$", fontsize=13, va="top")
    ax.text(1.95, -0.3, "$x_t$", fontsize=13, va="bottom")
    if equation:
        ax.text(
            5.4,
            -0.75,
            _EQUATIONS[hl],
            ha="center",
            va="top",
            fontsize=11,
            color=PART_COLORS.get(hl, INK) if hl else INK,
        )
    ax.set_xlim(0, 10.8)
    ax.set_ylim(-1.5 if equation else -0.5, 6.0)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax


def gradient_norms(
    ax, curves: Mapping[str, np.ndarray], *, title: str = "", ylabel: str = r"gradient norm"
):
    """Gradient norms (log scale) against the distance :math:`T - t`, one line per model.

    Parameters
    ----------
    ax : matplotlib Axes
    curves : mapping of label -> (D,) array
        The norm at distance 0, 1, ..., D - 1.
    title, ylabel : str

    Returns
    -------
    matplotlib Axes
    """
    colors = (BLUE, VERMILION, GREEN, PURPLE, ORANGE)
    styles = ("-", "--", "-.", ":", "-")
    for (label, norms), color, style in zip(curves.items(), colors, styles, strict=False):
        ax.semilogy(np.arange(len(norms)), norms, style, color=color, linewidth=2, label=label)
    ax.set_xlabel("distance $T - t$ (steps back in time)")
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=11)
    ax.legend(frameon=False, fontsize=9)
    ax.grid(alpha=0.3, which="both")
    return ax


def gate_traces(series: Mapping[str, np.ndarray], *, events: Sequence[tuple[int, str]] = ()):
    """Stacked time series of one LSTM unit: inputs, gates, cell state and hidden state.

    Parameters
    ----------
    series : mapping of label -> (T,) array, or (T, k) array for several lines
        One panel per entry, top to bottom.
    events : sequence of (t, text)
        Vertical marks drawn on every panel, labelled on the top one.

    Returns
    -------
    matplotlib Figure
    """
    fig, axes = plt.subplots(len(series), 1, figsize=(8, 1.15 * len(series) + 0.6), sharex=True)
    colors = (BLUE, VERMILION, GREEN, PURPLE, ORANGE, SKY)
    for k, (ax, (label, values)) in enumerate(zip(axes, series.items(), strict=True)):
        values = np.asarray(values)
        t = np.arange(len(values))
        ax.step(t, values, where="mid", color=colors[k % len(colors)], linewidth=2)
        ax.set_ylabel(label, rotation=0, ha="right", va="center", fontsize=11)
        ax.set_ylim(-0.1, 1.1)
        ax.set_yticks([0, 1])
        ax.grid(alpha=0.3)
        for te, text in events:
            ax.axvline(te, color="#999999", linewidth=1, linestyle=":")
            if k == 0:
                ax.text(te, 1.25, text, ha="center", va="bottom", fontsize=9)
    axes[-1].set_xlabel("time step $t$")
    fig.tight_layout()
    return fig


def training_curves(
    ax,
    curves: Mapping[str, Sequence[float]],
    *,
    every: int = 1,
    baseline: float | None = None,
    target: float | None = None,
):
    """Validation MSE (log scale) against training step, one line per model.

    Parameters
    ----------
    ax : matplotlib Axes
    curves : mapping of label -> sequence of float
        One value every ``every`` steps.
    every : int
        Steps between two values.
    baseline : float, optional
        The MSE of always predicting the mean, drawn dashed.
    target : float, optional
        The MSE to reach, drawn dotted.

    Returns
    -------
    matplotlib Axes
    """
    colors = (BLUE, VERMILION, GREEN, PURPLE)
    styles = ("-", "--", "-.", ":")
    for (label, values), color, style in zip(curves.items(), colors, styles, strict=False):
        values = np.asarray(values)
        ax.semilogy(
            np.arange(len(values)) * every, values, style, color=color, linewidth=2, label=label
        )
    if baseline is not None:
        ax.axhline(baseline, color="#555555", linestyle="--", linewidth=1, label="always predict 1")
    if target is not None:
        ax.axhline(target, color="#555555", linestyle=":", linewidth=1.5, label="target")
    ax.set_xlabel("training step")
    ax.set_ylabel("validation MSE")
    ax.legend(frameon=False, fontsize=9)
    ax.grid(alpha=0.3, which="both")
    return ax

"""Figures for the chapter on LSTM and GRU: the sigmoid and tanh side by side, what the gates do to
a small memory, gradient norms against distance, gate traces over time, and training curves.

The diagrams of the cells themselves are in :mod:`nnbook.viz.cells`.

See the chapter :doc:`/lstm`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np

from ..functional import sigmoid
from .style import BLUE, GREEN, GREY, ORANGE, PURPLE, SKY, VERMILION

INK = "#222222"


def gate_activations(points: Sequence[float] = ()):
    """The sigmoid beside tanh, with the range of each marked.

    The sigmoid's values lie in (0, 1), which makes it a gate: a factor between "let nothing
    through" and "let everything through". tanh's values lie in (-1, 1): content of either sign.

    Parameters
    ----------
    points : sequence of float
        Pre-activations marked on the sigmoid's curve, each with its value.

    Returns
    -------
    matplotlib Figure
    """
    fig, axes = plt.subplots(1, 2, figsize=(9.5, 3.6), sharey=True)
    a = np.linspace(-6, 6, 241)
    panels = (
        (r"sigmoid $\sigma(a)$: a gate", sigmoid(a), (0, 1), BLUE, "range 0 to 1"),
        (r"$\tanh(a)$: content", np.tanh(a), (-1, 1), VERMILION, "range −1 to 1"),
    )
    for ax, (title, values, (low, high), color, note) in zip(axes, panels, strict=True):
        ax.axhspan(low, high, color=color, alpha=0.1, linewidth=0)
        for level in (low, high):
            ax.axhline(level, color=color, linestyle="--", linewidth=1)
        ax.axhline(0, color=GREY, linewidth=0.6)
        ax.axvline(0, color=GREY, linewidth=0.6)
        ax.plot(a, values, color=color, linewidth=2.5)
        ax.annotate(
            "",
            xy=(-5.2, high),
            xytext=(-5.2, low),
            arrowprops={
                "arrowstyle": "<|-|>",
                "color": color,
                "lw": 1.2,
                "shrinkA": 0,
                "shrinkB": 0,
            },
        )
        ax.text(-4.95, low + 0.75 * (high - low), note, color=color, fontsize=10, va="center")
        ax.set_title(title, fontsize=11)
        ax.set_xlabel("pre-activation $a$")
        ax.set_xlim(-6, 6)
        ax.set_ylim(-1.3, 1.3)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("output")
    points = np.asarray(points, dtype=float)
    if points.size:
        axes[0].plot(points, sigmoid(points), "o", color=INK, markersize=6, zorder=3)
        for p in points:
            # Right of and below the curve for p > 0, where it flattens; left of 0 above it.
            offset, align = ((8, -14), "left") if p > 0 else ((-8, 6), "right")
            if p < 0:
                offset, align = (6, 8), "left"
            axes[0].annotate(
                f"$\\sigma({p:g}) = {sigmoid(np.array(p)):.2f}$",
                xy=(p, sigmoid(np.array(p))),
                xytext=offset,
                textcoords="offset points",
                ha=align,
                fontsize=9,
            )
    fig.tight_layout()
    return fig


# The three things the gates do to the memory, left to right.
GATE_ROLES = ("forget", "write", "read")


def _vector(ax, x, values, label, *, gate, alpha):
    """One vector as a column of squares, its numbers written in them and its name below.

    Gate values (0 to 1) are shaded from white to blue; content (any sign) with a diverging
    map, orange for negative and purple for positive.
    """
    values = np.asarray(values, dtype=float)
    for k, v in enumerate(values):
        if gate:
            face = plt.get_cmap("Blues")(0.05 + 0.45 * v)
        else:
            face = plt.get_cmap("PuOr")(0.5 + 0.12 * np.clip(v, -2, 2))
        y = -k
        ax.add_patch(
            plt.Rectangle(
                (x - 0.4, y - 0.4), 0.8, 0.8, facecolor=face, edgecolor=INK, lw=0.8, alpha=alpha
            )
        )
        text = f"{v:.2f}".replace("-", "\u2212")  # a true minus sign
        ax.text(x, y, text, ha="center", va="center", fontsize=10, alpha=alpha)
    ax.text(x, -len(values) + 0.35, label, ha="center", va="top", fontsize=12, alpha=alpha)


def gate_roles(c_prev, f, i, g, o, *, highlight: str | None = None):
    """What the three gates of an LSTM do to a small memory, with every number written out.

    Three panels, left to right:

    - forget: :math:`f \\odot c_{t-1}`, the part of the old memory that is kept;
    - write: :math:`c_t = f \\odot c_{t-1} + i \\odot g`;
    - read: :math:`h_t = o \\odot \\tanh(c_t)`.

    Parameters
    ----------
    c_prev, f, i, g, o : (K,) array
        The old memory, the forget gate, the input gate, the candidate and the output gate.
    highlight : {None, 'forget', 'write', 'read'}
        Draw this panel at full strength and fade the others.

    Returns
    -------
    matplotlib Figure
    """
    if highlight not in (None, *GATE_ROLES):
        raise ValueError(
            f"gate_roles: highlight must be one of {(None, *GATE_ROLES)}, got {highlight!r}"
        )
    c_prev, f, i, g, o = (np.asarray(v, dtype=float) for v in (c_prev, f, i, g, o))
    if not c_prev.ndim == 1 or any(v.shape != c_prev.shape for v in (f, i, g, o)):
        shapes = [np.shape(v) for v in (c_prev, f, i, g, o)]
        raise ValueError(f"gate_roles: expected five vectors of one shape (K,), got {shapes}")
    kept = f * c_prev
    c = kept + i * g
    squashed = np.tanh(c)
    h = o * squashed
    panels = {  # name: (title, [(x, values, label, is_gate)], [(x, operator)])
        "forget": (
            "forget: multiply by $f_t$",
            [
                (0.0, c_prev, "$c_{t-1}$", False),
                (1.8, f, "$f_t$", True),
                (3.6, kept, r"$f_t \odot c_{t-1}$", False),
            ],
            [(0.9, "⊙"), (2.7, "=")],
        ),
        "write": (
            r"write: add $i_t \odot g_t$",
            [
                (5.8, kept, r"$f_t \odot c_{t-1}$", False),
                (7.6, i, "$i_t$", True),
                (9.4, g, "$g_t$", False),
                (11.2, c, "$c_t$", False),
            ],
            [(6.7, "+"), (8.5, "⊙"), (10.3, "=")],
        ),
        "read": (
            r"read: $o_t \odot \tanh(c_t)$",
            [
                (13.4, o, "$o_t$", True),
                (15.2, squashed, r"$\tanh(c_t)$", False),
                (17.0, h, "$h_t$", False),
            ],
            [(14.3, "⊙"), (16.1, "=")],
        ),
    }
    fig, ax = plt.subplots(figsize=(11, 0.75 * len(c_prev) + 1.6))
    for name, (title, columns, operators) in panels.items():
        alpha = 1.0 if highlight in (None, name) else 0.25
        xs = [x for x, *_ in columns]
        ax.text((xs[0] + xs[-1]) / 2, 0.75, title, ha="center", fontsize=12, alpha=alpha)
        for x, values, label, is_gate in columns:
            _vector(ax, x, values, label, gate=is_gate, alpha=alpha)
        for x, op in operators:
            y = -(len(c_prev) - 1) / 2
            ax.text(x, y, op, ha="center", va="center", fontsize=16, alpha=alpha)
    for k in range(len(c_prev)):
        ax.text(-0.6, -k, f"{k + 1}", ha="right", va="center", fontsize=9, color=GREY)
    ax.text(-0.6, 0.75, "slot", ha="right", fontsize=9, color=GREY)
    ax.set_xlim(-1.2, 17.6)
    ax.set_ylim(-len(c_prev) - 0.5, 1.3)
    ax.set_aspect("equal")
    ax.axis("off")
    return fig


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

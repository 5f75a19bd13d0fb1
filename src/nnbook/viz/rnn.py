"""Figures for the chapter on recurrent networks: the unrolled recurrence, loss curves, hidden
states as a heatmap, and the predictions of a sequence model.

See the chapter :doc:`/rnn`.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import FancyArrowPatch

# Inputs, states and outputs coloured as in the chapter on sequential data.
from .sequences import INPUT_COLOR, OUTPUT_COLOR, STATE_COLOR
from .style import GREY, ORANGE, arrow, box

ACCENT_COLOR = ORANGE


_box = partial(
    box, size=(0.9, 0.7), rounding=0.1, linewidth=1.0, color="white", fontsize=12, fontweight="bold"
)


def _arrow(ax, start, end, *, color="black", label=None, label_offset=(0, 0.18)):
    """An arrow with an optional label beside its middle, in the arrow's colour."""
    arrow(ax, start, end, colour=color, width=1.3, head=12)
    if label:
        mx, my = (start[0] + end[0]) / 2, (start[1] + end[1]) / 2
        ax.text(
            mx + label_offset[0],
            my + label_offset[1],
            label,
            ha="center",
            va="bottom",
            fontsize=10,
            color=color,
        )


def unrolled(ax=None, steps: int = 4):
    """The recurrence folded (a cell with a loop) and unrolled over ``steps`` time steps.

    Every unrolled cell is the same cell: the arrows labelled :math:`W_{hh}` and
    :math:`W_{ih}` are the same matrices at every step.

    Parameters
    ----------
    ax : matplotlib Axes, optional
    steps : int
        Number of unrolled steps drawn.

    Returns
    -------
    matplotlib Axes
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(2.2 + 1.6 * steps, 3.4))
    y_x, y_h, y_y = 0.0, 1.4, 2.8
    # Folded form: one cell whose output loops back into itself.
    _box(ax, (0.0, y_x), "$x_t$", INPUT_COLOR)
    _box(ax, (0.0, y_h), "$h_t$", STATE_COLOR)
    _box(ax, (0.0, y_y), "$y_t$", OUTPUT_COLOR)
    _arrow(ax, (0.0, y_x + 0.35), (0.0, y_h - 0.35), label=r"$W_{ih}$", label_offset=(0.33, -0.15))
    _arrow(ax, (0.0, y_h + 0.35), (0.0, y_y - 0.35), label=r"$W_{hy}$", label_offset=(0.33, -0.15))
    ax.add_patch(
        FancyArrowPatch(
            (0.45, y_h + 0.2),
            (0.45, y_h - 0.2),
            arrowstyle="-|>",
            mutation_scale=12,
            color=ACCENT_COLOR,
            linewidth=1.6,
            connectionstyle="arc,angleA=0,angleB=0,armA=28,armB=28,rad=8",
            shrinkA=0,
            shrinkB=0,
        )
    )
    ax.text(0.85, y_h - 0.65, r"$W_{hh}$", ha="center", fontsize=10, color=ACCENT_COLOR)
    ax.text(1.55, y_h, "=", ha="center", va="center", fontsize=22)
    # Unrolled form: one column per time step, h_0 on the left.
    x0 = 3.6
    _box(ax, (x0 - 1.3, y_h), "$h_0$", GREY, size=(0.7, 0.7))
    for k in range(steps):
        cx = x0 + 1.6 * k
        t = f"{k + 1}" if k < steps - 1 else "T"
        _box(ax, (cx, y_x), f"$x_{t}$", INPUT_COLOR)
        _box(ax, (cx, y_h), f"$h_{t}$", STATE_COLOR)
        _box(ax, (cx, y_y), f"$y_{t}$", OUTPUT_COLOR)
        _arrow(ax, (cx, y_x + 0.35), (cx, y_h - 0.35))
        _arrow(ax, (cx, y_h + 0.35), (cx, y_y - 0.35))
        start = cx - 1.6 + 0.45 if k else x0 - 1.3 + 0.35
        _arrow(
            ax,
            (start, y_h),
            (cx - 0.45, y_h),
            color=ACCENT_COLOR,
            label=r"$W_{hh}$" if k in (1, 2) else None,
        )
    if steps > 3:
        ax.text(
            x0 + 1.6 * (steps - 1.5),
            y_h + 0.1,
            "···",
            ha="center",
            va="bottom",
            fontsize=14,
            color=ACCENT_COLOR,
        )
    ax.set_xlim(-0.7, x0 + 1.6 * (steps - 1) + 0.7)
    ax.set_ylim(-0.6, 3.4)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax


def loss_curve(
    ax,
    losses: Sequence[float],
    *,
    reference: float | None = None,
    reference_label: str = "",
    label: str = "training loss",
    smooth: int = 1,
):
    """Loss against step, optionally smoothed by a running mean and with a horizontal reference.

    Parameters
    ----------
    ax : matplotlib Axes
    losses : sequence of float
        One value per step.
    reference : float, optional
        Drawn as a dashed line (e.g. the loss of uniform guessing, log V).
    reference_label : str
    label : str
    smooth : int
        Width of the running mean (1: no smoothing).

    Returns
    -------
    matplotlib Axes
    """
    losses = np.asarray(losses, dtype=float)
    steps = np.arange(len(losses))
    ax.plot(steps, losses, color=OUTPUT_COLOR, alpha=0.3 if smooth > 1 else 1.0, linewidth=1)
    if smooth > 1:
        kernel = np.ones(smooth) / smooth
        ax.plot(
            steps[smooth - 1 :],
            np.convolve(losses, kernel, mode="valid"),
            color=OUTPUT_COLOR,
            linewidth=2,
            label=f"{label} (running mean of {smooth})",
        )
    else:
        ax.lines[-1].set_label(label)
    if reference is not None:
        ax.axhline(
            reference, color=INPUT_COLOR, linestyle="--", linewidth=1.5, label=reference_label
        )
    ax.set_xlabel("training step")
    ax.set_ylabel("loss")
    ax.legend(frameon=False)
    ax.grid(alpha=0.3)
    return ax


def hidden_heatmap(
    ax,
    states: np.ndarray,
    chars: Sequence[str],
    *,
    units: Sequence[int] | None = None,
    cmap: str = "PuOr",
):
    """Hidden units (rows) against time (columns), one column per input character.

    Parameters
    ----------
    ax : matplotlib Axes
    states : (T, H) array
        The hidden state at each step, values in [-1, 1] for a tanh network.
    chars : sequence of str
        The T input characters, written under the columns (a space is shown as ``␣``).
    units : sequence of int, optional
        The unit numbers of the H rows, written beside them (default: 0 to H - 1).
    cmap : str
        A diverging colour map (the default is safe for colour-vision deficiencies).

    Returns
    -------
    matplotlib image
    """
    states = np.asarray(states)
    image = ax.imshow(states.T, aspect="auto", cmap=cmap, vmin=-1, vmax=1, interpolation="nearest")
    ax.set_xticks(np.arange(len(chars)))
    ax.set_xticklabels(["␣" if c == " " else c for c in chars], fontsize=9, family="monospace")
    if units is not None:
        ax.set_yticks(np.arange(len(units)))
        ax.set_yticklabels([str(u) for u in units], fontsize=8)
    ax.set_xlabel("input character (time →)")
    ax.set_ylabel("hidden unit")
    return image


def sine_prediction(ax, noisy: np.ndarray, clean: np.ndarray, predicted: np.ndarray):
    """A noisy input sequence, the clean next values and the model's one-step predictions.

    Parameters
    ----------
    ax : matplotlib Axes
    noisy : (T,) array
        The input x_1..x_T.
    clean : (T,) array
        The clean signal one step ahead (what the model should predict at each step).
    predicted : (T,) array
        The model's output at each step.

    Returns
    -------
    matplotlib Axes
    """
    t = np.arange(len(noisy))
    ax.plot(t, noisy, "o", color=GREY, markersize=3, label="noisy input $x_t$")
    ax.plot(t, clean, color=STATE_COLOR, linewidth=2, label="clean next value")
    ax.plot(t, predicted, "--", color=INPUT_COLOR, linewidth=2, label="RNN prediction $y_t$")
    ax.set_xlabel("time step $t$")
    ax.legend(frameon=False, ncol=3, loc="upper center", bbox_to_anchor=(0.5, 1.18))
    ax.grid(alpha=0.3)
    return ax

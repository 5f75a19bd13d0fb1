"""Figures for the chapter on sequential data: the five input/output patterns, and what a
waveform, a video and a sentence look like as arrays.

See the chapter :doc:`/sequential-data`.
"""

from __future__ import annotations

from functools import partial

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import FancyBboxPatch

from .style import BLUE, GREEN, VERMILION, YELLOW, arrow, box, hide_ticks

# Each box also carries a letter (x, h, y) and a row, so colour is never the only cue.
INPUT_COLOR = VERMILION  # input x_t
STATE_COLOR = GREEN  # state h_t
OUTPUT_COLOR = BLUE  # output y_t

# Each pattern: (key, title, example task, number of steps, input steps, output steps).
PATTERNS = (
    ("one-to-one", "one-to-one", "image\nclassification", 1, (0,), (0,)),
    ("one-to-many", "one-to-many", "image\ncaptioning", 3, (0,), (0, 1, 2)),
    ("many-to-one", "many-to-one", "sentiment of\na review", 3, (0, 1, 2), (2,)),
    ("seq2seq", "many-to-many\n(seq2seq)", "machine\ntranslation", 5, (0, 1, 2), (3, 4)),
    ("synced", "many-to-many\n(synced)", "labelling\nvideo frames", 3, (0, 1, 2), (0, 1, 2)),
)
PATTERN_KEYS = tuple(p[0] for p in PATTERNS)

_BOX = 0.62  # box side, in units of the step spacing
_ROWS = {"x": 0.0, "h": 1.15, "y": 2.3}  # vertical position of each row's centre


_box = partial(
    box,
    size=(_BOX, _BOX),
    rounding=0.08,
    linewidth=1.0,
    color="white",
    fontsize=11,
    fontweight="bold",
)
_arrow = partial(arrow, width=1.2, head=11)


def _draw_pattern(ax, x0, steps, inputs, outputs, alpha):
    """Draw one panel with its first column centred at ``x0``; return its right edge."""
    half = _BOX / 2
    for t in range(steps):
        cx = x0 + t
        _box(ax, (cx, _ROWS["h"]), "h", STATE_COLOR, alpha=alpha)
        if t in inputs:
            _box(ax, (cx, _ROWS["x"]), "x", INPUT_COLOR, alpha=alpha)
            _arrow(ax, (cx, _ROWS["x"] + half), (cx, _ROWS["h"] - half), alpha=alpha)
        if t in outputs:
            _box(ax, (cx, _ROWS["y"]), "y", OUTPUT_COLOR, alpha=alpha)
            _arrow(ax, (cx, _ROWS["h"] + half), (cx, _ROWS["y"] - half), alpha=alpha)
        if t > 0:  # the state is carried from one step to the next
            _arrow(ax, (cx - 1 + half, _ROWS["h"]), (cx - half, _ROWS["h"]), alpha=alpha)
    return x0 + steps - 1 + half


def io_patterns(ax=None, highlight=None):
    """Karpathy's five input/output patterns as coloured boxes, side by side.

    Each column is one time step: an input box (x) at the bottom, a state box (h) in the middle,
    an output box (y) at the top. Arrows show what feeds what, including the state carried from
    one step to the next.

    Parameters
    ----------
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new wide figure is made if omitted.
    highlight : str or sequence of str, optional
        Keys of the panels to emphasise (see ``PATTERN_KEYS``); the others are drawn faintly.
        ``None`` draws all five at full strength.

    Returns
    -------
    matplotlib.axes.Axes
    """
    if highlight is None:
        chosen = set(PATTERN_KEYS)
    else:
        chosen = {highlight} if isinstance(highlight, str) else set(highlight)
        unknown = chosen - set(PATTERN_KEYS)
        if unknown:
            raise ValueError(
                f"io_patterns: unknown pattern(s) {sorted(unknown)}; "
                f"expected some of {PATTERN_KEYS}"
            )
    if ax is None:
        _, ax = plt.subplots(figsize=(11, 3.6))
    x0 = 0.0
    for key, title, task, steps, inputs, outputs in PATTERNS:
        alpha = 1.0 if key in chosen else 0.2
        right = _draw_pattern(ax, x0, steps, inputs, outputs, alpha)
        centre = (x0 - _BOX / 2 + right) / 2
        ax.text(
            centre,
            _ROWS["y"] + 0.55,
            title,
            ha="center",
            va="bottom",
            fontsize=11,
            fontweight="bold",
            alpha=alpha,
        )
        ax.text(
            centre,
            _ROWS["x"] - 0.5,
            task,
            ha="center",
            va="top",
            fontsize=10,
            style="italic",
            alpha=alpha,
        )
        x0 = right + 1.6 + _BOX / 2
    ax.set_xlim(-0.8, x0 - 1.2)
    ax.set_ylim(_ROWS["x"] - 1.25, _ROWS["y"] + 1.45)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax


def sequence_arrays(waveform, sample_rate, frames, token_ids, tokens):
    """Three sequences as arrays: a waveform, the frames of a video, a sentence as token ids.

    Parameters
    ----------
    waveform : numpy.ndarray, shape (T_audio,)
        Audio samples.
    sample_rate : int
        Samples per second, for the time axis.
    frames : numpy.ndarray, shape (T_video, H, W)
        Grey-scale video frames with values in [0, 1].
    token_ids : sequence of int
        The sentence as integer ids.
    tokens : sequence of str
        The words the ids stand for (same length as ``token_ids``).

    Returns
    -------
    matplotlib.figure.Figure
    """
    frames = np.asarray(frames)
    n_frames = frames.shape[0]
    fig = plt.figure(figsize=(10, 5.6))
    grid = fig.add_gridspec(3, n_frames, height_ratios=(1.3, 1.0, 0.8), hspace=0.75)

    ax = fig.add_subplot(grid[0, :])
    t = np.arange(len(waveform)) / sample_rate
    ax.plot(t * 1000, waveform, color=OUTPUT_COLOR, linewidth=0.8)
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("amplitude")
    ax.set_title(f"audio: waveform of shape {tuple(np.shape(waveform))}", loc="left")
    ax.spines[["top", "right"]].set_visible(False)

    for i in range(n_frames):
        ax = fig.add_subplot(grid[1, i])
        ax.imshow(frames[i], cmap="gray_r", vmin=0, vmax=1)
        hide_ticks(ax)
        ax.set_xlabel(f"t={i}", fontsize=9)
        if i == 0:
            ax.set_title(f"video: frames of shape {frames.shape}", loc="left")

    ax = fig.add_subplot(grid[2, :])
    for i, (idx, word) in enumerate(zip(token_ids, tokens, strict=True)):
        ax.add_patch(
            FancyBboxPatch(
                (i + 0.06, 0.1),
                0.88,
                0.8,
                boxstyle="round,pad=0.0,rounding_size=0.06",
                facecolor=YELLOW,
                edgecolor="black",
            )
        )
        ax.text(i + 0.5, 0.62, str(idx), ha="center", va="center", fontsize=12, fontweight="bold")
        ax.text(i + 0.5, 0.3, repr(word), ha="center", va="center", fontsize=9)
    ax.set_xlim(0, len(tokens))
    ax.set_ylim(0, 1)
    ax.axis("off")
    ax.set_title(f"text: token ids of shape ({len(tokens)},)", loc="left")
    return fig

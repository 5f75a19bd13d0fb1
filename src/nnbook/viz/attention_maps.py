"""Figures of trained attention models: heatmaps of their weights, lines between tokens, and
their training curves.

See the chapter :doc:`/transformer`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np

from .heatmaps import heat, label_attention_axes
from .style import BLUE, GREY, VERMILION


def fig_attention_grid(
    weights,
    cols,
    rows,
    *,
    row_titles=None,
    col_titles=None,
    size=2.3,
    query_label="query token",
    key_label="key token",
):
    """A grid of attention heatmaps: ``weights`` (R, C, T_q, T_k), query labels ``rows``, key
    labels ``cols``; the left column names the query axis, the bottom row the key axis."""
    weights = np.asarray(weights)
    R, C = weights.shape[:2]
    fig, axes = plt.subplots(R, C, figsize=(size * C + 0.9, size * R * 0.9 + 0.7), squeeze=False)
    for r in range(R):
        for c in range(C):
            ax = axes[r, c]
            title = " · ".join(t[i] for t, i in ((row_titles, r), (col_titles, c)) if t)
            im = heat(
                ax, weights[r, c], title, rows=rows if c == 0 else None, cols=cols, annotate=False
            )
            if c == 0:
                ax.set_ylabel(query_label, fontsize=9)
            if r == R - 1:
                ax.set_xlabel(key_label, fontsize=9)
    fig.tight_layout()
    fig.colorbar(im, ax=axes, fraction=0.03, pad=0.02, label="attention weight")
    return fig


def fig_attention_kinds(panels: Sequence[tuple[np.ndarray, Sequence[str], Sequence[str], str]]):
    """Side-by-side heatmaps of different shapes: ``(weights, key labels, query labels, title)``.

    Each panel names its own axes (query token, key token): the panels have different tokens.
    """
    widths = [len(cols) for _, cols, _, _ in panels]
    fig, axes = plt.subplots(
        1, len(panels), figsize=(0.45 * sum(widths) + 3.0, 3.6), width_ratios=widths
    )
    for ax, (weights, cols, rows, title) in zip(axes, panels, strict=True):
        im = heat(ax, weights, title, rows=rows, cols=cols, annotate=False)
        label_attention_axes(ax)
    fig.tight_layout()
    fig.colorbar(im, ax=axes, fraction=0.03, pad=0.02, label="attention weight")
    return fig


def fig_attention_lines(panels: Sequence[tuple[Sequence[str], np.ndarray, str]]):
    """Tokens listed twice, a line from each query (left) to each key (right), width ∝ weight.

    ``panels`` holds ``(tokens, weights, title)`` with ``weights`` (T, T); rows with all zeros
    are not drawn (so one query's row can be shown alone).
    """
    width = 4.2 if len(panels) < 3 else 3.0
    fig, axes = plt.subplots(1, len(panels), figsize=(width * len(panels), 4.4), squeeze=False)
    for ax, (tokens, weights, title) in zip(axes[0], panels, strict=True):
        n = len(tokens)
        for i in range(n):
            for j in range(n):
                if weights[i, j] > 0.01:
                    ax.plot(
                        [0, 1],
                        [-i, -j],
                        color=BLUE,
                        lw=0.5 + 5 * weights[i, j],
                        alpha=0.15 + 0.85 * weights[i, j],
                        solid_capstyle="round",
                    )
        for i, tok in enumerate(tokens):
            bold = weights[i].sum() > 0 and weights.sum() <= weights[i].sum() + 1e-9
            ax.text(
                -0.04,
                -i,
                tok,
                ha="right",
                va="center",
                fontsize=10,
                fontweight="bold" if bold else "normal",
            )
            ax.text(1.04, -i, tok, ha="left", va="center", fontsize=10)
        ax.set_xlim(-0.6, 1.6)
        ax.set_ylim(-n + 0.5, 1.3)
        ax.text(0, 0.7, "query", ha="center", fontsize=8, color=GREY)
        ax.text(1, 0.7, "key", ha="center", fontsize=8, color=GREY)
        ax.set_title(title, fontsize=10)
        ax.axis("off")
    fig.tight_layout()
    return fig


def fig_training(curves: Mapping[str, Sequence[float]], *, smooth=20):
    """Training loss against step (a running mean over ``smooth`` steps), log scale."""
    fig, ax = plt.subplots(figsize=(6, 3.4))
    for (name, loss), colour, style in zip(
        curves.items(), (BLUE, VERMILION), ("-", "--"), strict=False
    ):
        loss = np.asarray(loss)
        k = min(smooth, len(loss))
        mean = np.convolve(loss, np.ones(k) / k, mode="valid")
        ax.semilogy(np.arange(k, len(loss) + 1), mean, style, color=colour, label=name)
    ax.set_xlabel("training step")
    ax.set_ylabel("cross-entropy per token")
    ax.grid(True, alpha=0.3)
    ax.legend(frameon=False)
    fig.tight_layout()
    return fig

"""Figures for the chapter on attention: self-attention step by step, several heads, positions.

Every function draws with matplotlib and returns the figure; the caller shows it. Line colours
come from the Okabe-Ito palette, which stays distinguishable under the common colour-vision
deficiencies; heatmaps come from :mod:`nnbook.viz.heatmaps`. The figures of trained models are
in :mod:`nnbook.viz.attention_maps`, the Transformer's block diagram in
:mod:`nnbook.viz.transformer_diagram`, receptive fields and path lengths in
:mod:`nnbook.viz.sequence_reach`.

See the chapter :doc:`/transformer`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial

import matplotlib.pyplot as plt
import numpy as np

from .heatmaps import SIGNED_CMAP, heat, label_attention_axes
from .style import BLUE, GREEN, GREY, ORANGE, VERMILION, arrow, box

# Arrows between boxes stop a little short of them.
_arrow = partial(arrow, colour=GREY, shrink=4.0)


def fig_qkv(tokens, X, weights: Mapping[str, np.ndarray], outputs: Mapping[str, np.ndarray]):
    """The input rows X, the projection matrices and the query, key and value rows."""
    fig, axes = plt.subplots(
        2, 4, figsize=(11, 5.2), gridspec_kw={"height_ratios": [X.shape[1], X.shape[0] + 1]}
    )
    dims = [f"{j}" for j in range(X.shape[1])]
    heat(axes[0, 0], X, f"X: inputs {X.shape}", rows=tokens, cols=dims, signed=True, vmax=2)
    for ax, (name, w) in zip(axes[0, 1:], weights.items(), strict=True):
        heat(ax, w, f"{name} {w.shape}", rows=dims, signed=True, vmax=2)
    axes[1, 0].axis("off")
    equations = "$Q = X W_Q$\n$K = X W_K$\n$V = X W_V$"
    axes[1, 0].text(0.5, 0.5, equations, ha="center", va="center", fontsize=11)
    for ax, (name, m) in zip(axes[1, 1:], outputs.items(), strict=True):
        heat(ax, m, f"{name} {m.shape}", rows=tokens, signed=True, vmax=2)
    fig.tight_layout()
    return fig


def fig_worked_example(scores, divisor, weights, values, z, labels=("x₁", "x₂")):
    """Scores, scaled scores, softmax weights, and the weighted sum of two value vectors."""
    fig, axes = plt.subplots(1, 4, figsize=(12, 3.2), gridspec_kw={"width_ratios": [1, 1, 1, 2.2]})
    colours = (BLUE, ORANGE)
    for ax, vals, title, fmt in (
        (axes[0], scores, "1. scores $q_1 \\cdot k_j$", "{:.0f}"),
        (
            axes[1],
            np.asarray(scores) / divisor,
            f"2. divided by $\\sqrt{{d_k}}$ = {divisor:g}",
            "{:.0f}",
        ),
        (axes[2], weights, "3. softmax", "{:.3f}"),
    ):
        bars = ax.bar(range(len(vals)), vals, color=colours)
        for bar, v in zip(bars, vals, strict=True):
            ax.text(
                bar.get_x() + bar.get_width() / 2,
                v,
                fmt.format(v),
                ha="center",
                va="bottom",
                fontsize=9,
            )
        ax.set_xticks(range(len(vals)), [f"j = {i + 1}\n{lab}" for i, lab in enumerate(labels)])
        ax.set_ylim(0, max(vals) * 1.2)
        ax.set_title(title, fontsize=10)
    ax = axes[3]
    values = np.asarray(values)
    d = values.shape[1]
    width = 0.27
    xs = np.arange(d)
    for j, colour in enumerate(colours):
        ax.bar(
            xs + (j - 1) * width,
            weights[j] * values[j],
            width,
            color=colour,
            label=f"{weights[j]:.2f} · $v_{j + 1}$",
        )
    ax.bar(xs + width, z, width, color=GREY, label="$z_1$ (sum)")
    ax.axhline(0, color="black", lw=0.6)
    ax.set_xticks(xs, [f"dim {i}" for i in xs])
    ax.set_title("4. weight each value, then sum", fontsize=10)
    ax.legend(frameon=False, fontsize=8, ncols=3, loc="lower center", bbox_to_anchor=(0.5, 1.08))
    fig.tight_layout()
    return fig


def fig_scaling(
    d_ks,
    variance,
    max_weight: Mapping[str, Sequence[float]],
    grad_norm: Mapping[str, Sequence[float]],
):
    """(a) Var(q·k) against d_k; (b) the largest softmax weight; (c) the softmax's gradient."""
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.4))
    axes[0].loglog(d_ks, variance, "o", color=VERMILION, label="measured")
    axes[0].loglog(d_ks, d_ks, "-", color=GREY, lw=1, label="$d_k$")
    axes[0].set_title("(a) variance of $q \\cdot k$", fontsize=10)
    for ax, curves, title in (
        (axes[1], max_weight, "(b) mean largest softmax weight"),
        (axes[2], grad_norm, "(c) mean softmax gradient norm"),
    ):
        for (name, ys), colour, marker in zip(curves.items(), (VERMILION, BLUE), "os", strict=True):
            ax.semilogx(d_ks, ys, marker=marker, color=colour, label=name)
        ax.set_title(title, fontsize=10)
    axes[2].set_yscale("log")
    for ax in axes:
        ax.set_xticks(d_ks, [str(d) for d in d_ks])
        ax.minorticks_off()
        ax.set_xlabel("$d_k$")
        ax.grid(True, alpha=0.3)
        ax.legend(frameon=False, fontsize=8)
    fig.tight_layout()
    return fig


def fig_parallel(weights):
    """Left: an RNN, whose outputs come one after another. Right: self-attention, all at once."""
    n = weights.shape[0]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.4))
    for ax in (left, right):
        ax.set_xlim(-0.6, n - 0.4)
        ax.set_ylim(-0.5, 2.6)
        ax.axis("off")
    for i in range(n):
        for ax in (left, right):
            box(ax, (i, 0), f"$a^{i + 1}$", "#f3c8a8", size=(0.5, 0.4))
            box(ax, (i, 2), f"$b^{i + 1}$", "#a9cfe8", size=(0.5, 0.4))
        box(left, (i, 1), f"$h_{i + 1}$", "#b8e0d2", size=(0.5, 0.4))
        _arrow(left, (i, 0.2), (i, 0.8))
        _arrow(left, (i, 1.2), (i, 1.8))
        if i + 1 < n:
            _arrow(left, (i + 0.25, 1), (i + 0.75, 1), colour=VERMILION, width=1.6)
            left.text(i + 0.5, 1.12, f"step {i + 1}", ha="center", fontsize=8, color=VERMILION)
        for j in range(n):
            _arrow(
                right,
                (j, 0.2),
                (i, 1.8),
                colour=BLUE,
                width=0.5 + 3 * weights[i, j],
                alpha=0.25 + 0.75 * weights[i, j],
                shrink=2,
            )
    left.set_title(f"RNN: {n - 1} steps one after another", fontsize=10)
    right.set_title(
        "self-attention: every $b^i$ at once (width ∝ $\\hat\\alpha_{i,j}$)", fontsize=10
    )
    fig.tight_layout()
    return fig


def fig_matrix_form(mats: Mapping[str, np.ndarray], rows: Sequence[str]):
    """A row of heatmaps, one per matrix of the chain X -> Q, K, V -> A -> Â -> O.

    The score matrix A and the weights Â have a row per query position and a column per key
    position, and their axes say so.
    """
    fig, axes = plt.subplots(1, len(mats), figsize=(2.0 * len(mats), 3.0))
    for ax, (name, m) in zip(axes, mats.items(), strict=True):
        weights = name.startswith("Â")
        heat(
            ax,
            m,
            f"{name}\n{m.shape}",
            rows=rows if ax is axes[0] else None,
            signed=not weights,
            annotate=False,
        )
        if weights or name.startswith("A "):
            ax.set_xticks(range(m.shape[1]), rows)
            ax.set_yticks(range(m.shape[0]), rows)
            label_attention_axes(ax, what="position")
    fig.tight_layout()
    return fig


def fig_multihead(tokens, head_weights, concat, output, query=0):
    """Each head's attention matrix, then one position's head outputs, concatenated, then W^O.

    The two vectors print their values and share one diverging colour scale.
    """
    h = len(head_weights)
    fig = plt.figure(figsize=(3.0 * h + 5.0, 3.6))
    grid = fig.add_gridspec(1, h + 2, width_ratios=[3] * h + [1.3, 1.3])
    for k, w in enumerate(head_weights):
        ax = fig.add_subplot(grid[0, k])
        heat(ax, w, f"head {k + 1}: $\\hat A^{{({k + 1})}}$", rows=tokens, cols=tokens)
        label_attention_axes(ax, what="position", query=k == 0)
        ax.add_patch(
            plt.Rectangle(
                (-0.5, query - 0.5), len(tokens), 1, fill=False, edgecolor=VERMILION, lw=2
            )
        )
    d = concat.shape[0] // h
    lim = float(max(np.abs(concat).max(), np.abs(output).max()))  # one scale for both
    for col, (vec, title) in enumerate(((concat, "concat"), (output, "$\\times W^O$"))):
        ax = fig.add_subplot(grid[0, h + col])
        heat(
            ax,
            vec[:, None],
            f"{title}\n$b^{{{query + 1}}}$" if col else f"{title}\n$[b^{{{query + 1},1}}; …]$",
            signed=True,
            annotate=True,
            vmax=lim,
        )
        ax.set_xlabel("value", fontsize=9)
        if col == 0:
            ax.set_yticks(
                [d * k + d / 2 - 0.5 for k in range(h)], [f"head {k + 1}" for k in range(h)]
            )
            for k in range(1, h):
                ax.axhline(d * k - 0.5, color="black", lw=1.5)
        else:
            ax.set_ylabel("dimension of $b^{" + str(query + 1) + "}$", fontsize=9)
    fig.tight_layout()
    return fig


def fig_positional(pe, dims=(0, 16, 32, 64)):
    """(a) The sinusoidal table as a heatmap; (b) a few of its columns against position."""
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 3.6), gridspec_kw={"width_ratios": [1.4, 1]})
    im = a.imshow(pe, cmap=SIGNED_CMAP, vmin=-1, vmax=1, aspect="auto", interpolation="nearest")
    a.set_xlabel("dimension $2i$ (sine), $2i+1$ (cosine)")
    a.set_ylabel("position")
    a.set_title(
        f"(a) positional encoding, {pe.shape[0]} positions × {pe.shape[1]} dims", fontsize=10
    )
    fig.colorbar(im, ax=a, fraction=0.04)
    for dim, colour, style in zip(
        dims, (BLUE, ORANGE, GREEN, VERMILION), ("-", "--", "-.", ":"), strict=False
    ):
        b.plot(pe[:, dim], style, color=colour, label=f"dim {dim}")
    b.set_xlabel("position")
    b.set_title("(b) four columns: the wavelength grows with the dimension", fontsize=10)
    b.legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    return fig

"""Figures for the chapter on attention and the Transformer.

Every function draws with matplotlib and returns the figure; the caller shows it. Line colours
come from the Okabe-Ito palette, which stays distinguishable under the common colour-vision
deficiencies; heatmaps use perceptually uniform maps (cividis for weights in [0, 1], a diverging
map for signed values) and print their values when the matrix is small.

Importing this module registers the NanumGothic font (from ``koreanize-matplotlib``) so that
Hangul labels render; the font family is then set to DejaVu Sans first, NanumGothic second, so
Latin letters, digits and symbols keep DejaVu's glyphs and only Hangul falls back to NanumGothic.

See the chapter :doc:`/transformer`.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from functools import partial

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import FancyBboxPatch

from .style import BLUE, GREEN, GREY, ORANGE, PURPLE, VERMILION, arrow, box

with warnings.catch_warnings():
    # koreanize-matplotlib imports distutils, which warns on import (Python >= 3.10).
    warnings.simplefilter("ignore", DeprecationWarning)
    import koreanize_matplotlib  # noqa: F401  (registers NanumGothic on import)

mpl.rcParams["font.family"] = ["DejaVu Sans", "NanumGothic"]
mpl.rcParams["axes.unicode_minus"] = True  # koreanize turns it off; DejaVu has U+2212

WEIGHT_CMAP, SIGNED_CMAP = "cividis", "RdBu_r"


def _heat(
    ax, m, title="", *, rows=None, cols=None, signed=False, annotate=None, fmt=".2f", vmax=None
):
    """A heatmap of matrix ``m`` on ``ax``; values printed if ``annotate`` (default: small)."""
    m = np.asarray(m, dtype=float)
    if signed:
        lim = vmax if vmax is not None else max(float(np.abs(m).max()), 1e-12)
        im = ax.imshow(m, cmap=SIGNED_CMAP, vmin=-lim, vmax=lim)
    else:
        im = ax.imshow(m, cmap=WEIGHT_CMAP, vmin=0.0, vmax=1.0 if vmax is None else vmax)
    if annotate is None:
        annotate = m.size <= 64
    if annotate:
        for (i, j), val in np.ndenumerate(m):
            light = im.norm(val)
            dark_text = light > 0.6 if not signed else abs(light - 0.5) < 0.3
            ax.text(
                j,
                i,
                format(val, fmt),
                ha="center",
                va="center",
                fontsize=8,
                color="black" if dark_text else "white",
            )
    ax.set_xticks(range(m.shape[1]), cols if cols is not None else [""] * m.shape[1])
    ax.set_yticks(range(m.shape[0]), rows if rows is not None else [""] * m.shape[0])
    ax.tick_params(length=0)
    ax.set_title(title, fontsize=10)
    return im


# Arrows between boxes stop a little short of them.
_arrow = partial(arrow, colour=GREY, shrink=4.0)


def fig_timing(lengths, panels: Mapping[str, Mapping[str, Sequence[float]]]):
    """Seconds against sequence length, log-log: one panel per entry of ``panels``, each a
    mapping from a curve's name to its times (plotted in milliseconds)."""
    fig, axes = plt.subplots(
        1, len(panels), figsize=(5.5 * len(panels), 3.8), sharey=True, squeeze=False
    )
    for ax, (title, times) in zip(axes[0], panels.items(), strict=True):
        for (name, t), colour, marker in zip(
            times.items(), (VERMILION, BLUE, GREEN), "os^", strict=False
        ):
            ax.loglog(lengths, np.asarray(t) * 1e3, marker=marker, color=colour, label=name)
        ax.set_xticks(lengths, [str(n) for n in lengths])
        ax.minorticks_off()
        ax.set_xlabel("sequence length $T$")
        ax.set_title(title, fontsize=10)
        ax.grid(True, which="major", alpha=0.3)
        ax.legend(frameon=False, fontsize=8)
    axes[0, 0].set_ylabel("time (ms)")
    fig.tight_layout()
    return fig


def receptive_field(n, kernel, layers, *, dilated=False, centre=None):
    """For each layer 0..layers, the input positions that output ``centre`` depends on.

    A stack of 1-D convolutions with odd ``kernel`` and 'same' padding; with ``dilated`` the
    dilation doubles at each layer (1, 2, 4, ...). Returns a (layers + 1, n) bool array whose
    row ``l`` marks the positions of layer ``l`` inside the field of the top output.
    """
    centre = n // 2 if centre is None else centre
    field = np.zeros((layers + 1, n), dtype=bool)
    field[layers, centre] = True
    half = kernel // 2
    for layer in range(layers, 0, -1):
        step = 2 ** (layer - 1) if dilated else 1
        for pos in np.flatnonzero(field[layer]):
            lo, hi = pos - half * step, pos + half * step
            field[layer - 1, max(lo, 0) : hi + 1 : step] = True
    return field


def fig_receptive_field(n=17, kernel=3, layers=3):
    """Three panels: plain convolutions, dilated convolutions, one self-attention layer."""
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.0))
    attention = np.zeros((2, n), dtype=bool)
    attention[1, n // 2] = attention[0] = True
    panels = (
        (receptive_field(n, kernel, layers), f"(a) {layers} conv layers, kernel {kernel}"),
        (
            receptive_field(n, kernel, layers, dilated=True),
            f"(b) {layers} dilated conv layers (1, 2, 4)",
        ),
        (attention, "(c) 1 self-attention layer"),
    )
    for ax, (field, title) in zip(axes, panels, strict=True):
        depth = field.shape[0] - 1
        for layer in range(depth + 1):
            for pos in range(n):
                inside = field[layer, pos]
                ax.scatter(
                    pos,
                    layer,
                    s=38,
                    zorder=3,
                    marker="o" if inside else ".",
                    color=VERMILION if inside else "#bbbbbb",
                )
        for layer in range(depth, 0, -1):
            for top in np.flatnonzero(field[layer]):
                for bottom in np.flatnonzero(field[layer - 1]):
                    step = 2 ** (layer - 1) if "dilated" in title else 1
                    reach = abs(bottom - top) <= (kernel // 2) * step
                    if depth == 1 or (reach and (bottom - top) % step == 0):
                        ax.plot([bottom, top], [layer - 1, layer], color=BLUE, lw=0.6, alpha=0.6)
        ax.set_yticks(range(depth + 1), ["input"] + [f"layer {i}" for i in range(1, depth + 1)])
        ax.set_xticks([])
        ax.set_title(f"{title}: sees {int(field[0].sum())} of {n}", fontsize=10)
        for side in ("top", "right", "bottom"):
            ax.spines[side].set_visible(False)
    fig.tight_layout()
    return fig


def fig_qkv(tokens, X, weights: Mapping[str, np.ndarray], outputs: Mapping[str, np.ndarray]):
    """The input rows X, the projection matrices and the query, key and value rows."""
    fig, axes = plt.subplots(
        2, 4, figsize=(11, 5.2), gridspec_kw={"height_ratios": [X.shape[1], X.shape[0] + 1]}
    )
    dims = [f"{j}" for j in range(X.shape[1])]
    _heat(axes[0, 0], X, f"X: inputs {X.shape}", rows=tokens, cols=dims, signed=True, vmax=2)
    for ax, (name, w) in zip(axes[0, 1:], weights.items(), strict=True):
        _heat(ax, w, f"{name} {w.shape}", rows=dims, signed=True, vmax=2)
    axes[1, 0].axis("off")
    equations = "$Q = X W_Q$\n$K = X W_K$\n$V = X W_V$"
    axes[1, 0].text(0.5, 0.5, equations, ha="center", va="center", fontsize=11)
    for ax, (name, m) in zip(axes[1, 1:], outputs.items(), strict=True):
        _heat(ax, m, f"{name} {m.shape}", rows=tokens, signed=True, vmax=2)
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
    """A row of heatmaps, one per matrix of the chain X -> Q, K, V -> A -> Â -> O."""
    fig, axes = plt.subplots(1, len(mats), figsize=(2.0 * len(mats), 2.8))
    for ax, (name, m) in zip(axes, mats.items(), strict=True):
        weights = name.startswith("Â")
        _heat(
            ax,
            m,
            f"{name}\n{m.shape}",
            rows=rows if ax is axes[0] else None,
            signed=not weights,
            annotate=False,
        )
        if weights or name.startswith("A "):
            ax.set_xticks(range(m.shape[1]), rows)
    fig.tight_layout()
    return fig


def fig_multihead(tokens, head_weights, concat, output, query=0):
    """Each head's attention matrix, then one position's head outputs, concatenated, then W^O."""
    h = len(head_weights)
    fig = plt.figure(figsize=(3.0 * h + 5.5, 3.3))
    grid = fig.add_gridspec(1, h + 2, width_ratios=[3] * h + [1.4, 1.4])
    for k, w in enumerate(head_weights):
        ax = fig.add_subplot(grid[0, k])
        _heat(ax, w, f"head {k + 1}: $\\hat A^{{({k + 1})}}$", rows=tokens, cols=tokens)
        ax.add_patch(
            plt.Rectangle(
                (-0.5, query - 0.5), len(tokens), 1, fill=False, edgecolor=VERMILION, lw=2
            )
        )
    d = concat.shape[0] // h
    for col, (vec, title) in enumerate(((concat, "concat"), (output, "$\\times W^O$"))):
        ax = fig.add_subplot(grid[0, h + col])
        _heat(
            ax,
            vec[:, None],
            f"{title}\n$b^{{{query + 1}}}$" if col else f"{title}\n$[b^{{{query + 1},1}}; …]$",
            signed=True,
            annotate=False,
        )
        if col == 0:
            ax.set_yticks(
                [d * k + d / 2 - 0.5 for k in range(h)], [f"head {k + 1}" for k in range(h)]
            )
            for k in range(1, h):
                ax.axhline(d * k - 0.5, color="black", lw=1.5)
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


def fig_transformer_diagram():
    """Boxes and arrows of the encoder-decoder Transformer (one encoder and one decoder layer)."""
    fig, ax = plt.subplots(figsize=(9, 6.4))
    ax.set_xlim(-0.2, 11)
    ax.set_ylim(-0.5, 10.2)
    ax.axis("off")
    enc_x, dec_x, w = 2.6, 7.6, 3.0
    norm, attn, ff, io = "#fbe6c2", "#f3c8a8", "#a9cfe8", "#eeeeee"
    enc = [
        ("source tokens\n→ embedding + positional enc.", io),
        ("multi-head self-attention", attn),
        ("add & LayerNorm", norm),
        ("feed-forward (per position)", ff),
        ("add & LayerNorm", norm),
    ]
    dec = [
        ("target tokens (shifted right)\n→ embedding + positional enc.", io),
        ("masked multi-head self-attention", attn),
        ("add & LayerNorm", norm),
        ("multi-head cross-attention", "#d9c2e6"),
        ("add & LayerNorm", norm),
        ("feed-forward (per position)", ff),
        ("add & LayerNorm", norm),
        ("linear → softmax\nnext-token probabilities", io),
    ]
    ys = [0.3, 2.2, 3.1, 4.1, 5.0, 6.0, 6.9, 8.9]
    for x, column in ((enc_x, enc), (dec_x, dec)):
        for y, (text, colour) in zip(ys, column, strict=False):
            box(ax, (x, y), text, colour, size=(w, 0.85 if "\n" in text else 0.55))
        for y0, y1 in zip(ys[: len(column) - 1], ys[1 : len(column)], strict=True):
            _arrow(ax, (x, y0 + 0.3), (x, y1 - 0.3), colour="black")
        # Residual connections: each sub-layer's input skips to its add & LayerNorm box.
        for sub in range(1, len(column) - 1, 2):
            if column[sub][1] == norm:
                continue
            y_in, y_norm = ys[sub] - 0.55, ys[sub + 1]
            ax.plot([x, x + w / 2 + 0.3, x + w / 2 + 0.3], [y_in, y_in, y_norm], color=GREY, lw=0.9)
            _arrow(ax, (x + w / 2 + 0.3, y_norm), (x + w / 2, y_norm), colour=GREY, shrink=0)
        top = ys[len(enc) - 1] if x == enc_x else ys[6]
        ax.add_patch(
            FancyBboxPatch(
                (x - w / 2 - 0.25, 1.5),
                w + 0.9,
                top - 1.1,
                boxstyle="round,pad=0.05",
                fill=False,
                ls="--",
                edgecolor=GREY,
            )
        )
        ax.text(x - w / 2 - 0.35, (top + 1.5) / 2, "× N", ha="right", va="center", fontsize=11)
        ax.text(
            x - w / 2 - 0.2,
            top + 0.5,
            "encoder layer" if x == enc_x else "decoder layer",
            ha="left",
            va="bottom",
            fontsize=9,
            color=GREY,
        )
    _arrow(ax, (enc_x, ys[4] + 0.3), (enc_x, 6.5), colour="black")
    ax.text(enc_x, 6.75, "memory (encoder output)", ha="center", fontsize=9)
    _arrow(ax, (enc_x + 0.9, 6.85), (dec_x - w / 2, ys[3]), colour=PURPLE, width=2, rad=-0.3)
    ax.text(4.3, 7.25, "keys and values", ha="left", fontsize=9, color=PURPLE)
    ax.text(
        dec_x - w / 2 - 0.1,
        ys[3] - 0.55,
        "queries from\nthe decoder",
        ha="right",
        va="center",
        fontsize=8,
        color=PURPLE,
    )
    fig.tight_layout()
    return fig


def fig_attention_grid(weights, cols, rows, *, row_titles=None, col_titles=None, size=2.3):
    """A grid of attention heatmaps: ``weights`` (R, C, T_q, T_k), query labels ``rows``."""
    weights = np.asarray(weights)
    R, C = weights.shape[:2]
    fig, axes = plt.subplots(R, C, figsize=(size * C + 0.6, size * R * 0.9 + 0.4), squeeze=False)
    for r in range(R):
        for c in range(C):
            ax = axes[r, c]
            title = " · ".join(t[i] for t, i in ((row_titles, r), (col_titles, c)) if t)
            im = _heat(
                ax, weights[r, c], title, rows=rows if c == 0 else None, cols=cols, annotate=False
            )
    fig.tight_layout()
    fig.colorbar(im, ax=axes, fraction=0.03, pad=0.02, label="attention weight")
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


def fig_attention_kinds(panels: Sequence[tuple[np.ndarray, Sequence[str], Sequence[str], str]]):
    """Side-by-side heatmaps of different shapes: ``(weights, key labels, query labels, title)``."""
    widths = [len(cols) for _, cols, _, _ in panels]
    fig, axes = plt.subplots(
        1, len(panels), figsize=(0.45 * sum(widths) + 2.5, 3.4), width_ratios=widths
    )
    for ax, (weights, cols, rows, title) in zip(axes, panels, strict=True):
        im = _heat(ax, weights, title, rows=rows, cols=cols, annotate=False)
    fig.tight_layout()
    fig.colorbar(im, ax=axes, fraction=0.03, pad=0.02, label="attention weight")
    return fig

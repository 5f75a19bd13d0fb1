"""Figures for the chapter on feed-forward networks: diagrams, decision regions, gradient descent
and the optimisers' loss curves, gradient norms.

Every function draws with matplotlib and returns the figure; the caller shows it. Colours come
from the Okabe-Ito palette, which stays distinguishable under the common colour-vision
deficiencies; the two classes also differ by marker shape.

See the chapter :doc:`/feedforward`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Circle, FancyArrowPatch
from matplotlib.path import Path

from .style import BLUE, GREEN, GREY, ORANGE, PURPLE, SKY, VERMILION, arrow, hide_ticks

CLASS_COLOURS = (BLUE, ORANGE)
CLASS_MARKERS = ("o", "^")
REGION_COLOURS = ("#cfe3f1", "#fbe6c2")  # light tints of BLUE and ORANGE

_LAYER_COLOURS = (SKY, GREEN, GREEN, VERMILION)


# Arrows between nodes stop short of the circles.
_arrow = partial(arrow, colour=GREY, width=0.8, head=9, shrink=9.0)


def _node(ax, xy, label="", *, colour=SKY, radius=0.16, fontsize=10):
    ax.add_patch(Circle(xy, radius, facecolor=colour, edgecolor="black", lw=0.8, zorder=3))
    if label:
        ax.text(*xy, label, ha="center", va="center", fontsize=fontsize, zorder=4)


def _blank(ax, xlim, ylim):
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    ax.axis("off")


def draw_mlp(ax, sizes: Sequence[int], *, names: Sequence[str] | None = None, radius=0.16):
    """Draw a fully connected network with ``sizes[i]`` units in layer ``i``, left to right.

    Every unit of a layer sends an arrow to every unit of the next one, and no arrow points
    back: the graph has no cycle.
    """
    gap = 1.3
    columns = []
    for i, size in enumerate(sizes):
        ys = np.linspace(-(size - 1) / 2, (size - 1) / 2, size) * 0.55
        columns.append([(i * gap, y) for y in ys[::-1]])
    for left, right in zip(columns[:-1], columns[1:], strict=True):
        for a in left:
            for b in right:
                _arrow(ax, a, b, width=0.5, shrink=radius * 60)
    for i, column in enumerate(columns):
        colour = _LAYER_COLOURS[min(i, 1) if i < len(columns) - 1 else -1]
        for xy in column:
            _node(ax, xy, colour=colour, radius=radius)
    if names is not None:
        low = min(y for column in columns for _, y in column)
        for i, name in enumerate(names):
            ax.text(i * gap, low - 0.5, name, ha="center", va="top", fontsize=10)
    height = max(sizes) * 0.55 / 2 + 0.3
    _blank(ax, (-0.5, (len(sizes) - 1) * gap + 0.5), (-height - 0.6, height))


def draw_recurrent_unit(ax):
    """Draw one recurrent unit: input below, output above, and a self-loop carrying the state."""
    x, h, y = (0.0, -1.2), (0.0, 0.0), (0.0, 1.2)
    _arrow(ax, x, h, shrink=14)
    _arrow(ax, h, y, shrink=14)
    # The loop leaves the unit on the right and comes back: the state feeds the next step.
    loop = Path.arc(-140, 140)  # unit circle arc, counter-clockwise
    centre, r = np.array([0.5, 0.0]), 0.36
    vertices = loop.vertices[::-1] * r + centre  # clockwise: out at the top, back in below
    ax.add_patch(
        FancyArrowPatch(
            path=Path(vertices, loop.codes),
            arrowstyle="-|>",
            mutation_scale=12,
            color=VERMILION,
            lw=1.8,
        )
    )
    _node(ax, x, "$x_t$", colour=SKY, radius=0.24, fontsize=11)
    _node(ax, h, "$h_t$", colour=GREEN, radius=0.24, fontsize=11)
    _node(ax, y, "$y_t$", colour=VERMILION, radius=0.24, fontsize=11)
    ax.text(0.95, 0.0, "  $W_{hh}$", color=VERMILION, fontsize=12, va="center")
    ax.text(0.6, -0.75, "$h_{t-1}$ comes back in", fontsize=9, color=GREY, ha="left")
    _blank(ax, (-1.3, 1.9), (-1.6, 1.6))


def fig_ffn_vs_rnn():
    """A 3-4-4-2 multilayer perceptron beside a recurrent unit with a self-loop."""
    fig, (left, right) = plt.subplots(
        1, 2, figsize=(8.5, 3.6), gridspec_kw={"width_ratios": [2.2, 1]}
    )
    draw_mlp(left, [3, 4, 4, 2], names=["input", "hidden 1", "hidden 2", "output"])
    left.set_title("(a) feed-forward: arrows only go right", fontsize=11)
    draw_recurrent_unit(right)
    right.set_title("(b) recurrent: a loop", fontsize=11)
    fig.tight_layout()
    return fig


def draw_perceptron(ax):
    """Draw Rosenblatt's perceptron: inputs and a bias, a weighted sum, a step, the output."""
    inputs = [((0.0, 0.8), "$x_1$"), ((0.0, 0.0), "$x_2$"), ((0.0, -0.8), "$1$")]
    weights = ["$w_1$", "$w_2$", "$b$"]
    s, out = (1.6, 0.0), (3.2, 0.0)
    for (xy, label), w in zip(inputs, weights, strict=True):
        _arrow(ax, xy, s, shrink=13)
        mid = ((xy[0] + s[0]) / 2, (xy[1] + s[1]) / 2 + 0.14)
        ax.text(*mid, w, ha="center", fontsize=10)
        _node(ax, xy, label, colour=SKY, radius=0.22)
    _arrow(ax, s, out, shrink=16)
    ax.add_patch(Circle(s, 0.32, facecolor=GREEN, edgecolor="black", lw=0.8, zorder=3))
    # A small step function drawn inside the unit.
    ax.plot([1.42, 1.6, 1.6, 1.78], [-0.12, -0.12, 0.12, 0.12], color="black", lw=1.4, zorder=4)
    ax.text(1.6, -0.55, r"step$(w\cdot x + b)$", ha="center", fontsize=9)
    _node(ax, out, r"$\hat y$", colour=VERMILION, radius=0.22)
    _blank(ax, (-0.4, 3.6), (-1.2, 1.2))


def plot_decision_regions(
    ax,
    score: Callable[[np.ndarray], np.ndarray],
    X: np.ndarray,
    y: np.ndarray,
    *,
    extent: tuple[float, float, float, float],
    threshold: float = 0.0,
    resolution: int = 200,
    marker_size: float = 30,
    edge: str = "black",
    label_points: bool = True,
):
    """Shade where ``score(points) > threshold`` (class 1) and scatter the labelled points.

    ``score`` maps an (M, 2) array to M scores (any shape with M elements).
    """
    x0, x1, y0, y1 = extent
    gx, gy = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    grid = np.column_stack([gx.ravel(), gy.ravel()])  # (resolution**2, 2)
    s = np.asarray(score(grid), dtype=np.float64).reshape(gx.shape)
    ax.contourf(
        gx, gy, (s > threshold).astype(float), levels=[-0.5, 0.5, 1.5], colors=REGION_COLOURS
    )
    if s.min() < threshold < s.max():
        ax.contour(gx, gy, s, levels=[threshold], colors="black", linewidths=1.2)
    for k in (0, 1):
        pts = X[y == k]
        ax.scatter(
            pts[:, 0],
            pts[:, 1],
            s=marker_size,
            c=CLASS_COLOURS[k],
            marker=CLASS_MARKERS[k],
            edgecolors=edge,
            linewidths=0.6,
            label=f"class {k}" if label_points else None,
            zorder=3,
        )
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal")


def fig_perceptron_vs_mlp(perceptron_sep, X_sep, y_sep, perceptron_xor, mlp_xor, X_xor, y_xor):
    """The 2x2 grid: a perceptron and an MLP (top); what each learned (bottom).

    Bottom left: the perceptron on linearly separable data, a straight boundary. Bottom right:
    XOR, shaded by the MLP's curved regions, with the perceptron's last line dashed.
    ``mlp_xor`` maps an (M, 2) array to logits.
    """
    fig, axes = plt.subplots(2, 2, figsize=(8.5, 7.6), gridspec_kw={"height_ratios": [1, 1.5]})
    draw_perceptron(axes[0, 0])
    axes[0, 0].set_title("single-layer perceptron", fontsize=11)
    draw_mlp(axes[0, 1], [2, 4, 1], names=["input", "hidden", "output"], radius=0.15)
    axes[0, 1].set_title("multilayer perceptron (2-4-1)", fontsize=11)

    ax = axes[1, 0]
    plot_decision_regions(
        ax,
        perceptron_sep.decision_function,
        X_sep,
        y_sep,
        extent=(-1.1, 1.1, -1.1, 1.1),
        marker_size=16,
    )
    ax.set_title("perceptron, separable data: a line", fontsize=11)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")

    ax = axes[1, 1]
    extent = (-0.5, 1.5, -0.5, 1.5)
    plot_decision_regions(ax, mlp_xor, X_xor, y_xor, extent=extent, marker_size=110)
    gx = np.linspace(extent[0], extent[1], 2)
    w, b = perceptron_xor.weight, perceptron_xor.bias
    style = {"ls": "--", "color": VERMILION, "lw": 1.8, "label": "perceptron's last line"}
    if abs(w[1]) >= abs(w[0]) and w[1] != 0:  # w . x + b = 0 solved for x2
        ax.plot(gx, -(w[0] * gx + b) / w[1], **style)
    elif w[0] != 0:  # a steep line: solve for x1 instead
        ax.plot(-(w[1] * gx + b) / w[0], gx, **style)
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    ax.set_xticks([-0.5, 0, 0.5, 1, 1.5])
    ax.set_yticks([-0.5, 0, 0.5, 1, 1.5])
    ax.set_title("XOR: MLP regions, perceptron line", fontsize=11)
    ax.set_xlabel("$x_1$")
    ax.legend(loc="upper center", fontsize=8, framealpha=0.9, ncol=2, bbox_to_anchor=(0.5, -0.16))
    fig.tight_layout()
    return fig


def fig_sigmoid_vs_step():
    """The sigmoid against the Heaviside step on [-6, 6], with the 0.5 threshold and the band."""
    from ..functional import sigmoid

    x = np.linspace(-6, 6, 601)
    fig, ax = plt.subplots(figsize=(6.4, 3.4))
    ax.axhspan(0, 1, color=SKY, alpha=0.12, lw=0, label="open interval (0, 1)")
    ax.plot(
        x,
        np.where(x >= 0, 1.0, 0.0),
        color=VERMILION,
        lw=2,
        ls="-",
        drawstyle="steps-post",
        label=r"step$(z)$: only 0 or 1",
    )
    ax.plot(x, sigmoid(x), color=BLUE, lw=2.4, label=r"sigmoid $\sigma(z)$")
    ax.axhline(0.5, color=GREY, ls="--", lw=1)
    ax.text(-5.9, 0.53, "threshold 0.5", color=GREY, fontsize=9)
    ax.axhline(0, color="black", lw=0.6)
    ax.axhline(1, color="black", lw=0.6)
    ax.set_xlabel("$z = w \\cdot x + b$")
    ax.set_ylim(-0.1, 1.1)
    ax.set_xlim(-6, 6)
    ax.legend(loc="center right", fontsize=9, framealpha=0.95)
    fig.tight_layout()
    return fig


def fig_decision_boundary(score, X_train, y_train, X_test, y_test, *, title=""):
    """Decision regions of a trained binary classifier with training and held-out points.

    Training points are filled; held-out points are drawn larger, so the two sets
    stay apart. ``score`` maps an (M, 2) array to logits.
    """
    X = np.concatenate([X_train, X_test])
    pad = 0.4
    extent = (X[:, 0].min() - pad, X[:, 0].max() + pad, X[:, 1].min() - pad, X[:, 1].max() + pad)
    fig, axes = plt.subplots(1, 2, figsize=(9.5, 3.9), sharey=True)
    plot_decision_regions(axes[0], score, X_train, y_train, extent=extent, marker_size=14)
    axes[0].set_title("training points", fontsize=11)
    plot_decision_regions(axes[1], score, X_test, y_test, extent=extent, marker_size=22)
    axes[1].set_title("held-out points", fontsize=11)
    for ax in axes:
        ax.set_xlabel("$x_1$")
    axes[0].set_ylabel("$x_2$")
    axes[1].legend(loc="lower left", fontsize=9, framealpha=0.9)
    if title:
        fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return fig


def fig_gradient_norms(norms: dict[str, Sequence[float]]):
    """Per-layer weight-gradient norms (log scale), layer 1 nearest the input."""
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    styles = [(VERMILION, "o"), (BLUE, "s"), (GREEN, "^"), (PURPLE, "D")]
    for (name, values), (colour, marker) in zip(norms.items(), styles, strict=False):
        layers = np.arange(1, len(values) + 1)
        ax.semilogy(layers, values, marker=marker, color=colour, lw=1.8, label=name)
    ax.set_xlabel("layer (1 = next to the input)")
    ax.set_ylabel(r"$\|\partial L / \partial W\|$ (log scale)")
    ax.set_xticks(np.arange(1, max(len(v) for v in norms.values()) + 1))
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=9)
    fig.tight_layout()
    return fig


def fig_permuted_digits(images, permutation, labels, *, side: int = 8):
    """Digits as a person sees them (top) and after a fixed shuffle of their pixels (bottom)."""
    count = len(images)
    fig, axes = plt.subplots(2, count, figsize=(1.45 * count, 3.3))
    for j in range(count):
        flat = np.asarray(images[j]).reshape(-1)
        axes[0, j].imshow(flat.reshape(side, side), cmap="gray_r")
        axes[1, j].imshow(flat[permutation].reshape(side, side), cmap="gray_r")
        axes[0, j].set_title(f"label {labels[j]}", fontsize=10)
    hide_ticks(*axes.ravel())
    axes[0, 0].set_ylabel("original", fontsize=10)
    axes[1, 0].set_ylabel("shuffled", fontsize=10)
    fig.tight_layout()
    return fig


def gradient_descent_1d(grad: Callable[[float], float], theta0: float, lr: float, steps: int):
    """The iterates :math:`\\theta_0, \\dots, \\theta_{steps}` of
    :math:`\\theta \\leftarrow \\theta - \\eta\\, L'(\\theta)` for a function of one variable.

    ``grad`` is :math:`L'`; returns an array of ``steps + 1`` floats.
    """
    thetas = [float(theta0)]
    for _ in range(steps):
        thetas.append(thetas[-1] - lr * grad(thetas[-1]))
    return np.array(thetas)


def fig_learning_rates(
    lrs: Sequence[float] = (0.05, 0.3, 1.05),
    notes: Sequence[str] = ("too small: slow", "moderate: fast", "too large: diverges"),
    *,
    theta0=1.6,
    steps=8,
):
    """Gradient descent on :math:`L(\\theta) = \\theta^2` with one learning rate per panel.

    Each step multiplies :math:`\\theta` by :math:`1 - 2\\eta`: a small :math:`\\eta` crawls, a
    moderate one converges fast, and :math:`\\eta > 1` overshoots further every step.
    ``notes`` (one per panel) are added to the panel titles.
    """
    fig, axes = plt.subplots(1, len(lrs), figsize=(3.2 * len(lrs), 3.2), sharey=True)
    axes = np.atleast_1d(axes)
    grid = np.linspace(-2.6, 2.6, 201)
    for ax, lr, note in zip(axes, lrs, notes, strict=True):
        thetas = gradient_descent_1d(lambda th: 2 * th, theta0, lr, steps)
        ax.plot(grid, grid**2, color=GREY, lw=1.4)
        shown = np.abs(thetas) <= 2.6  # a diverging run leaves the plot: draw what fits
        pts = thetas[shown]
        for a, b in zip(pts[:-1], pts[1:], strict=True):
            arrow(ax, (a, a**2), (b, b**2), colour=VERMILION, width=1.2, head=9, shrink=3)
        ax.scatter(pts, pts**2, s=22, color=VERMILION, zorder=3)
        ax.scatter(pts[:1], pts[:1] ** 2, s=60, color=BLUE, zorder=4, label="start")
        ax.set_title(f"$\\eta = {lr:g}$ ({note})" if note else f"$\\eta = {lr:g}$", fontsize=11)
        ax.set_xlabel(r"parameter $\theta$")
        ax.set_xlim(-2.6, 2.6)
        ax.set_ylim(-0.3, 7.0)
        ax.grid(True, alpha=0.3)
    axes[0].set_ylabel(r"loss $L(\theta) = \theta^2$")
    axes[0].legend(loc="upper center", fontsize=9)
    fig.tight_layout()
    return fig


def fig_optimiser_losses(losses: dict[str, Sequence[float]], *, threshold: float | None = None):
    """Training-loss curves (log scale) of the same model under several optimisers.

    ``losses`` maps a label to the loss before each step. ``threshold``, if given, is drawn as a
    dotted horizontal line.
    """
    fig, ax = plt.subplots(figsize=(6.6, 3.7))
    styles = [(GREY, "-"), (BLUE, "--"), (VERMILION, "-."), (GREEN, ":")]
    for (name, values), (colour, ls) in zip(losses.items(), styles, strict=False):
        steps = np.arange(len(values))
        ax.semilogy(steps, values, color=colour, ls=ls, lw=2.2, label=name)
    if threshold is not None:
        ax.axhline(threshold, color="black", lw=0.8, ls=":")
        last = max(len(v) for v in losses.values()) - 1
        ax.text(last, threshold * 0.9, f"loss {threshold:g}", fontsize=9, ha="right", va="top")
    ax.set_xlabel("step (one full-batch gradient step each)")
    ax.set_ylabel("training loss (log scale)")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=9, loc="upper right")
    fig.tight_layout()
    return fig

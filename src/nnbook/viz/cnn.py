"""Figures of the network in the chapter on convolutional networks: LeNet-5 and its fully
connected half, pooling and invariance, and what training produced.

Every ``fig_*`` function draws with matplotlib and returns the figure, and the caller shows it.
The convolution itself (one output value, weight sharing, the output size, im2col, the shared
weight's gradient) is drawn by :mod:`nnbook.viz.convolution`; what CNNs are for and why vision
is hard, by :mod:`nnbook.viz.vision`, with the synthetic images of :mod:`nnbook.viz.images`.

See the chapter :doc:`/cnn`.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator

from .style import BLUE, GREY, ORANGE, PALETTE, SKY, VERMILION, show_image


# -- LeNet-5 ---------------------------------------------------------------------------------------
def fig_lenet5(layers: Sequence[tuple[str, int, int]]):
    """LeNet-5 as stacks of planes, sized by their side, with the two brackets of the notes.

    ``layers`` lists ``(label, channels, side)``; ``side == 1`` draws a vector of ``channels``
    units. The first five entries (input to S4) form the feature extractor.
    """
    fig, ax = plt.subplots(figsize=(12, 4.2))
    x, scale = 0.0, 0.09
    colours = [GREY, BLUE, SKY, BLUE, SKY, ORANGE, ORANGE, VERMILION]
    for k, (label, channels, side) in enumerate(layers):
        colour = colours[k % len(colours)]
        if side > 1:
            s = side * scale
            shown = min(channels, 6)
            for j in range(shown):
                ax.add_patch(
                    Rectangle(
                        (x + 0.12 * j, -s / 2 - 0.12 * j),
                        s,
                        s,
                        fc=colour,
                        ec="black",
                        lw=0.6,
                        alpha=0.9,
                    )
                )
            width = s + 0.12 * (shown - 1)
            ax.text(x + width / 2, -1.95, label, ha="center", va="top", fontsize=8.5)
        else:
            h = 0.011 * channels
            ax.add_patch(Rectangle((x, -h / 2), 0.22, h, fc=colour, ec="black", lw=0.6))
            width = 0.22
            ax.text(x + width / 2, -1.95, label, ha="center", va="top", fontsize=8.5)
        gap = 0.65 if side > 1 and k + 1 < len(layers) and layers[k + 1][2] > 1 else 1.0
        if k + 1 < len(layers):
            ax.annotate(
                "",
                (x + width + gap - 0.1, 0),
                (x + width + 0.1, 0),
                arrowprops={"arrowstyle": "-|>", "color": GREY},
            )
        if k == 4:
            split = x + width + gap / 2
        x += width + gap
    for x0, x1, text in (
        (-0.05, split - 0.1, "automatic feature extractor (conv + pooling)"),
        (split + 0.1, x - 0.6, "regular classifier\n(fully connected)"),
    ):
        ax.plot([x0, x0, x1, x1], [1.75, 1.9, 1.9, 1.75], color="black", lw=1)
        ax.text((x0 + x1) / 2, 1.98, text, ha="center", va="bottom", fontsize=10)
    ax.set_xlim(-0.2, x - 0.4)
    ax.set_ylim(-2.6, 2.4)
    ax.set_aspect("equal")
    ax.axis("off")
    return fig


def fig_fc_layer_computation(s4, flat, weight, hidden1, hidden2, probs):
    """The classifier half of LeNet-5 on one image: S4 maps -> 400 -> W -> 120 -> 84 -> 10."""
    fig = plt.figure(figsize=(12, 4))
    grid = fig.add_gridspec(4, 12, wspace=0.5, hspace=0.5)
    for k in range(16):
        ax = fig.add_subplot(grid[k // 4, k % 4])
        show_image(ax, s4[k], cmap="RdBu_r", vmin=-1, vmax=1)
    fig.text(0.21, 0.95, f"S4 output: 16@5×5 {s4.shape}", ha="center", fontsize=9)
    ax = fig.add_subplot(grid[0, 4:7])
    show_image(ax, flat[None, :], cmap="RdBu_r", aspect="auto", vmin=-1, vmax=1)
    ax.set_title(f"flattened x: {flat.shape}", fontsize=9)
    ax = fig.add_subplot(grid[1:, 4:7])
    lim = np.abs(weight).max()
    show_image(ax, weight, cmap="RdBu_r", aspect="auto", vmin=-lim, vmax=lim)
    ax.set_title(f"W of F5: {weight.shape}", fontsize=9)
    for cols, values, title in (
        ((7, 9), hidden1, "tanh(Wx + b): 120"),
        ((9, 11), hidden2, "F6: 84"),
        ((11, 12), probs, "softmax: 10"),
    ):
        ax = fig.add_subplot(grid[:, cols[0] : cols[1]])
        ax.barh(np.arange(len(values)), values, color=ORANGE if len(values) > 10 else VERMILION)
        ax.invert_yaxis()
        ax.set_title(title, fontsize=9)
        ax.tick_params(labelsize=7)
        if len(values) == 10:
            ax.set_yticks(range(10))
    return fig


# -- equivariance, invariance and pooling ---------------------------------------------------------
def fig_invariance(
    inputs: dict[str, np.ndarray],
    maps: dict[str, np.ndarray],
    pooled: dict[str, np.ndarray],
    global_max: dict[str, np.ndarray],
    channel_names: Sequence[str],
    channel: int = 0,
):
    """Rows: an input and its transformed copies. Columns: the input, one feature map
    (``maps[name]`` is (C, H, W)), its 2x2 max-pool, and the global max of every channel."""
    fig, axes = plt.subplots(
        len(inputs),
        4,
        figsize=(10, 2.3 * len(inputs)),
        gridspec_kw={"width_ratios": [1, 1, 1, 1.6]},
    )
    lim = max(np.abs(m[channel]).max() for m in maps.values())
    positions = np.arange(len(channel_names))
    top = max(v.max() for v in global_max.values())
    for row, name in enumerate(inputs):
        show_image(axes[row, 0], inputs[name], name)
        show_image(
            axes[row, 1],
            maps[name][channel],
            f"feature map '{channel_names[channel]}'",
            cmap="RdBu_r",
            vmin=-lim,
            vmax=lim,
        )
        show_image(
            axes[row, 2],
            pooled[name][channel],
            "2×2 max-pooled",
            cmap="RdBu_r",
            vmin=-lim,
            vmax=lim,
        )
        bars = axes[row, 3]
        if row:
            bars.bar(positions, global_max["original"], color=GREY, alpha=0.4, label="original")
        bars.bar(positions, global_max[name], width=0.5, color=BLUE, label=name)
        bars.set_xticks(positions, [f"'{c}'" for c in channel_names], fontsize=9)
        bars.set_title("global max of each of the 4 maps", fontsize=9)
        bars.set_ylim(0, 1.4 * top)
        if row:
            bars.legend(fontsize=7, loc="upper center", ncol=2)
    fig.tight_layout()
    return fig


def fig_pooling(x, max_out, avg_out, x_moved, max_moved):
    """Max and average pooling of a 4x4 map, and a peak moved inside its window."""
    fig, axes = plt.subplots(1, 5, figsize=(12, 2.9), gridspec_kw={"width_ratios": [4, 2, 2, 4, 2]})
    tints = ["#cfe3f1", "#fbe6c2", "#cdeee4", "#f6d5c0"]  # one light tint per 2x2 window
    panels = (
        (x, "input 4×4", True),
        (max_out, "max-pool 2×2", False),
        (avg_out, "average-pool 2×2", False),
        (x_moved, "peak 6 moved within window", True),
        (max_moved, "max-pool: unchanged", False),
    )
    for ax, (grid, title, windows) in zip(axes, panels, strict=True):
        for (r, c), v in np.ndenumerate(grid):
            w = (r // 2) * 2 + c // 2 if windows else r * 2 + c
            ax.add_patch(Rectangle((c, -r - 1), 1, 1, fc=tints[w], ec="black", lw=0.6))
            ax.text(c + 0.5, -r - 0.5, f"{v:g}", ha="center", va="center", fontsize=11)
        ax.set_xlim(-0.1, grid.shape[1] + 0.1)
        ax.set_ylim(-grid.shape[0] - 0.1, 0.1)
        ax.set_aspect("equal")
        ax.axis("off")
        ax.set_title(title, fontsize=9)
    fig.tight_layout()
    return fig


# -- training LeNet-5 -----------------------------------------------------------------------------
def fig_learning_curve(history):
    """Loss and accuracy per epoch, on the training batches and on the held-out set."""
    epochs = np.arange(1, len(history.loss) + 1)
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 3.4))
    a.plot(epochs, history.loss, "o-", color=BLUE, ms=3, label="training")
    a.plot(epochs, history.val_loss, "s--", color=ORANGE, ms=3, label="held-out")
    a.set_yscale("log")
    a.set_ylabel("cross-entropy loss")
    b.plot(epochs, history.metric, "o-", color=BLUE, ms=3, label="training")
    b.plot(epochs, history.val_metric, "s--", color=ORANGE, ms=3, label="held-out")
    b.set_ylabel("accuracy")
    b.set_ylim(np.floor(min(history.metric + history.val_metric) * 20) / 20, 1.002)
    for ax in (a, b):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("epoch")
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def fig_filters(weight: np.ndarray):
    """The kernels of a first convolution layer, (C_out, 1, kH, kW), one panel each."""
    fig, axes = plt.subplots(1, len(weight), figsize=(1.6 * len(weight), 1.9))
    lim = np.abs(weight).max()
    for k, ax in enumerate(axes):
        show_image(ax, weight[k, 0], f"kernel {k}", cmap="RdBu_r", vmin=-lim, vmax=lim)
    fig.tight_layout()
    return fig


def fig_feature_maps(image: np.ndarray, stages: dict[str, np.ndarray]):
    """An input image and the feature maps of each stage, one row per stage."""
    rows = len(stages) + 1
    cols = max(m.shape[0] for m in stages.values())
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 0.85, rows * 1.05))
    for ax in axes.flat:
        ax.axis("off")
    axes[0, 0].imshow(image, cmap="gray_r")
    axes[0, 0].set_title("input", fontsize=8, loc="left")
    for r, (name, maps) in enumerate(stages.items(), start=1):
        for k, m in enumerate(maps):
            axes[r, k].imshow(m, cmap="RdBu_r", vmin=-np.abs(maps).max(), vmax=np.abs(maps).max())
        axes[r, 0].set_title(f"{name} {maps.shape}", fontsize=8, loc="left")
    fig.tight_layout(pad=0.3)
    return fig


def fig_confusion(matrix: np.ndarray):
    """A confusion matrix: rows are true classes, columns predictions, counts written in."""
    fig, ax = plt.subplots(figsize=(4.8, 4.2))
    ax.imshow(np.log1p(matrix), cmap="Blues")
    for (r, c), v in np.ndenumerate(matrix):
        if v:
            ax.text(
                c,
                r,
                v,
                ha="center",
                va="center",
                fontsize=8,
                color="white" if v > matrix.max() / 3 else "black",
            )
    ax.set_xticks(range(len(matrix)))
    ax.set_yticks(range(len(matrix)))
    ax.set_xlabel("predicted digit")
    ax.set_ylabel("true digit")
    fig.tight_layout()
    return fig


def fig_robustness(curves: dict[str, tuple[Sequence[float], Sequence[float]]]):
    """Accuracy of a trained network against the size of each input transformation."""
    fig, axes = plt.subplots(1, len(curves), figsize=(3.6 * len(curves), 3.1), sharey=True)
    for ax, (name, (amounts, accs)), colour in zip(axes, curves.items(), PALETTE, strict=False):
        ax.plot(amounts, accs, "o-", color=colour)
        ax.set_xlabel(name)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("held-out accuracy")
    axes[0].set_ylim(0, 1.02)
    fig.tight_layout()
    return fig

"""Figures for the chapter on convolutional networks: LeNet-5, sparse connectivity and weight
sharing, the output-size formula, equivariance and pooling, and training.

Every ``fig_*`` function draws with matplotlib and returns the figure, and the caller shows it.
The figures of the chapter's first part (what CNNs are for, why vision is hard) are in
:mod:`nnbook.viz.vision`, its synthetic images in :mod:`nnbook.viz.images`.

See the chapter :doc:`/cnn`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Circle, Rectangle
from matplotlib.ticker import MaxNLocator

from .style import BLUE, GREEN, GREY, ORANGE, PALETTE, SKY, VERMILION, show_image


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


def fig_weight_sharing(x, kernel, y, fc_params: int, conv_params: int):
    """(a) One 3x3 kernel at two positions of a 7x7 input; (b) parameter counts, log scale."""
    fig, axes = plt.subplots(1, 4, figsize=(12, 3.4), gridspec_kw={"width_ratios": [7, 3, 5, 6]})
    spots = (((0, 0), BLUE), ((2, 3), VERMILION))
    for ax, grid, title in (
        (axes[0], x, "input 7×7"),
        (axes[1], kernel, "kernel 3×3\n(shared)"),
        (axes[2], y, "output 5×5"),
    ):
        ax.imshow(np.zeros_like(grid), cmap="gray_r", vmin=0, vmax=1)
        for (r, c), v in np.ndenumerate(grid):
            ax.text(c, r, f"{v:g}", ha="center", va="center", fontsize=8)
        ax.set_xticks(np.arange(-0.5, grid.shape[1], 1), minor=True)
        ax.set_yticks(np.arange(-0.5, grid.shape[0], 1), minor=True)
        ax.grid(which="minor", color=GREY, lw=0.5)
        ax.tick_params(which="both", length=0, labelbottom=False, labelleft=False)
        ax.set_title(title, fontsize=9)
    for (r, c), colour in spots:
        axes[0].add_patch(Rectangle((c - 0.5, r - 0.5), 3, 3, fill=False, ec=colour, lw=2.5))
        axes[2].add_patch(Rectangle((c - 0.5, r - 0.5), 1, 1, fill=False, ec=colour, lw=2.5))
    axes[3].bar(
        ["fully\nconnected", "convolution"],
        [fc_params, conv_params],
        color=[ORANGE, BLUE],
        log=True,
    )
    for k, v in enumerate((fc_params, conv_params)):
        axes[3].text(k, v * 1.3, f"{v:,}", ha="center", fontsize=9)
    axes[3].set_ylim(10, fc_params * 20)
    axes[3].set_title("1@32×32 → 6@28×28 (log scale):\nweights vs all parameters", fontsize=9)
    fig.tight_layout()
    return fig


def fig_conv_output_size(output_size: Callable[..., int]):
    """(a) Kernel positions on a padded 1-D input for stride 1 and 2; (b) O against K."""
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 3.6), gridspec_kw={"width_ratios": [1.1, 1]})
    width, k, pad = 7, 3, 1
    for row, stride in ((0, 1), (1, 2)):
        y0 = -row * 3.2
        for i in range(width + 2 * pad):
            zero = i < pad or i >= width + pad
            a.add_patch(
                Rectangle(
                    (i, y0),
                    1,
                    1,
                    fc="white" if zero else SKY,
                    ec="black",
                    hatch="//" if zero else None,
                )
            )
        n_out = output_size(width, k, stride, pad)
        for j in range(n_out):
            start = j * stride
            a.plot(
                [start + 0.1, start + k - 0.1], [y0 - 0.3 - 0.22 * j] * 2, color=PALETTE[j], lw=2
            )
        a.text(
            width + 2 * pad + 0.4,
            y0 + 0.5,
            f"S = {stride}: O = ⌊(7 − 3 + 2)/{stride}⌋ + 1 = {n_out}",
            va="center",
            fontsize=9,
        )
    a.set_xlim(-0.5, 18)
    a.set_ylim(-5.2, 1.6)
    a.set_title("(a) W = 7, K = 3, P = 1 (hatched: zero padding)", fontsize=10)
    a.axis("off")
    ks = np.arange(1, 12)
    for label, kw, colour in (
        ("P = 0, S = 1", {}, BLUE),
        ("'same' P = (K − 1)/2, S = 1", "same", GREEN),
        ("P = 0, S = 2", {"stride": 2}, ORANGE),
    ):
        odd = ks[ks % 2 == 1] if kw == "same" else ks
        sizes = [
            output_size(32, int(k), padding=(int(k) - 1) // 2)
            if kw == "same"
            else output_size(32, int(k), **kw)
            for k in odd
        ]
        b.plot(odd, sizes, "o-", color=colour, label=label, ms=4)
    b.annotate(
        "LeNet C1: K = 5 → 28",
        (5, output_size(32, 5)),
        (6.5, 20),
        arrowprops={"arrowstyle": "->"},
        fontsize=9,
    )
    b.set_xlabel("kernel size K")
    b.set_ylabel("output size O (input W = 32)")
    b.set_title(
        f"(b) W = 32; LeNet's 2×2 pooling, stride 2: 28 → {output_size(28, 2, 2)}", fontsize=10
    )
    b.legend(fontsize=8)
    fig.tight_layout()
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


def fig_shared_weight_grad(x, w, grads: dict[str, np.ndarray]):
    """(a) A 1-D convolution with a 2-tap kernel: every edge carries w1 or w2. (b) Each
    weight's gradient computed three ways."""
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 3.6), gridspec_kw={"width_ratios": [1.2, 1]})
    n_out = len(x) - len(w) + 1
    for i in range(len(x)):
        a.add_patch(Circle((i, 0), 0.22, fc=SKY, ec="black"))
        a.text(i, 0, f"$x_{i + 1}$", ha="center", va="center", fontsize=10)
    for i in range(n_out):
        a.add_patch(Circle((i + 0.5, 1.6), 0.22, fc=ORANGE, ec="black"))
        a.text(i + 0.5, 1.6, f"$y_{i + 1}$", ha="center", va="center", fontsize=10)
        for k, colour in enumerate((BLUE, VERMILION)):
            a.annotate(
                "",
                (i + 0.5, 1.36),
                (i + k, 0.24),
                arrowprops={"arrowstyle": "-|>", "color": colour, "lw": 1.8},
            )
    a.text(-0.4, 1.0, "$w_1$", color=BLUE, fontsize=12)
    a.text(len(x) - 0.8, 1.0, "$w_2$", color=VERMILION, fontsize=12)
    a.set_xlim(-0.6, len(x) - 0.4)
    a.set_ylim(-0.5, 2.1)
    a.set_aspect("equal")
    a.axis("off")
    a.set_title("(a) $y_i = w_1 x_i + w_2 x_{i+1}$: each weight on every output", fontsize=10)
    width = 0.8 / len(grads)
    for j, ((name, g), colour) in enumerate(zip(grads.items(), (GREEN, BLUE, ORANGE), strict=True)):
        b.bar(
            np.arange(len(w)) + (j - (len(grads) - 1) / 2) * width,
            g,
            width,
            color=colour,
            label=name,
        )
    b.axhline(0, color="black", lw=0.6)
    b.set_xticks(range(len(w)), [f"$\\partial L/\\partial w_{k + 1}$" for k in range(len(w))])
    b.set_title("(b) the gradient of each shared weight, three ways", fontsize=10)
    b.legend(fontsize=8)
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

"""Figures of the convolution itself: one output value taken apart, weight sharing, the
output-size formula, im2col, and the gradient of a shared weight.

Every ``fig_*`` function draws with matplotlib and returns the figure, and the caller shows it.
The numbers in the grids are the caller's: the chapter computes them with ``nnbook`` and hands
them over, so a figure shows what the package computed.

See the chapter :doc:`/cnn`.
"""

from __future__ import annotations

from collections.abc import Callable

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Circle, Rectangle

from .style import BLUE, GREEN, GREY, ORANGE, PALETTE, SKY, VERMILION, arrow

# Light tints of BLUE, ORANGE, GREEN and VERMILION, for cells that hold numbers.
TINTS = ("#cfe3f1", "#fbe6c2", "#cdeee4", "#f6d5c0")


def _grid(ax, values, top_left, *, cell=1.0, fill=None, fontsize=10):
    """Write the 2-D array ``values`` as a table of numbers whose top-left corner is at
    ``top_left`` (rows go down). ``fill`` maps (row, column) to a face colour."""
    x0, y0 = top_left
    fill = fill or {}
    for (r, c), v in np.ndenumerate(np.asarray(values)):
        ax.add_patch(
            Rectangle(
                (x0 + c * cell, y0 - (r + 1) * cell),
                cell,
                cell,
                fc=fill.get((r, c), "white"),
                ec=GREY,
                lw=0.6,
            )
        )
        ax.text(
            x0 + (c + 0.5) * cell,
            y0 - (r + 0.5) * cell,
            f"{v + 0.0:g}",  # + 0.0 turns a -0.0 into 0
            ha="center",
            va="center",
            fontsize=fontsize,
        )


def _outline(ax, top_left, row, col, height, width, colour, *, cell=1.0, lw=2.5):
    """A thick frame around ``height`` x ``width`` cells of a grid drawn by :func:`_grid`."""
    x0, y0 = top_left
    ax.add_patch(
        Rectangle(
            (x0 + col * cell, y0 - (row + height) * cell),
            width * cell,
            height * cell,
            fill=False,
            ec=colour,
            lw=lw,
            zorder=3,
        )
    )


def _blank(ax, xlim, ylim):
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    ax.axis("off")


def _diagram(width, xlim, ylim):
    """A figure ``width`` inches wide holding one bare axes over ``xlim`` x ``ylim`` in equal
    units, its height chosen so that the drawing fills it."""
    height = width * (ylim[1] - ylim[0]) / (xlim[1] - xlim[0])
    fig = plt.figure(figsize=(width, height))
    ax = fig.add_axes((0, 0, 1, 1))
    _blank(ax, xlim, ylim)
    return fig, ax


# -- what a convolution computes -----------------------------------------------------------------
def fig_conv_window(x, weight, bias, y, position, out_channel: int = 0):
    """One output value of a convolution: window, kernel, products and sums, channel by channel.

    Parameters
    ----------
    x : numpy.ndarray, shape (C_in, H, W)
        One input image.
    weight : numpy.ndarray, shape (C_out, C_in, kH, kW)
    bias : numpy.ndarray, shape (C_out,)
    y : numpy.ndarray, shape (C_out, H_out, W_out)
        The layer's output for ``x`` (stride 1, no padding).
    position : (int, int)
        The output entry ``(u, v)`` to take apart.
    out_channel : int
        The output channel ``o``.

    One row per input channel ``c``: the channel with its window outlined, the kernel
    ``weight[o, c]``, their element-wise products and the sum of the products. Arrows carry the
    sums to the output map, where they and the bias add up to ``y[o, u, v]``. The arrows enter
    the output cell from the left, so the figure reads best for ``v = 0``.
    """
    c_in, h, w = x.shape
    kh, kw = weight.shape[2:]
    (u, v), o = position, out_channel
    row_height = h + 2.4
    k_left = w + 1.6  # the kernel's left edge
    p_left = k_left + kw + 1.6  # the products' left edge
    s_x = p_left + kw + 1.0  # where each row's sum is written
    out_left = s_x + 5.0
    h_out, w_out = y.shape[1:]
    fig, ax = _diagram(
        10, (-0.3, out_left + w_out + 1.6), (-(c_in - 1) * row_height - h - 0.3, 0.9)
    )
    sums = []
    for c in range(c_in):
        top = -c * row_height
        window = x[c, u : u + kh, v : v + kw]
        products = window * weight[o, c]
        sums.append(products.sum())
        in_window = {(u + i, v + j): TINTS[0] for i in range(kh) for j in range(kw)}
        _grid(ax, x[c], (0, top), fill=in_window, fontsize=12)
        _outline(ax, (0, top), u, v, kh, kw, BLUE)
        ax.text(w / 2, top + 0.35, f"input channel {c}", ha="center", fontsize=12)
        k_top = top - u  # the kernel sits level with the window
        mid = k_top - kh / 2
        ax.text(w + 0.8, mid, "×", ha="center", va="center", fontsize=16)
        tint = dict.fromkeys(np.ndindex(kh, kw), TINTS[1])
        _grid(ax, weight[o, c], (k_left, k_top), fill=tint, fontsize=12)
        ax.text(k_left + kw / 2, k_top + 0.35, f"kernel w[{o}, {c}]", ha="center", fontsize=12)
        ax.text(p_left - 0.8, mid, "=", ha="center", va="center", fontsize=16)
        tint = dict.fromkeys(np.ndindex(kh, kw), TINTS[2])
        _grid(ax, products, (p_left, k_top), fill=tint, fontsize=12)
        ax.text(p_left + kw / 2, k_top + 0.35, "products", ha="center", fontsize=12)
        ax.text(s_x, mid, f"sum = {sums[-1]:g}", ha="left", va="center", fontsize=13)
    out_top = -((c_in - 1) * row_height + h) / 2 + h_out / 2  # centred on the rows
    _grid(ax, y[o], (out_left, out_top), fill={(u, v): TINTS[3]}, fontsize=12)
    _outline(ax, (out_left, out_top), u, v, 1, 1, VERMILION)
    ax.text(out_left + w_out / 2, out_top + 0.35, f"output channel {o}", ha="center", fontsize=12)
    target = (out_left + v, out_top - u - 0.5)  # the left edge of the output cell
    for c in range(c_in):
        start = (s_x + 3.1, -c * row_height - u - kh / 2)
        arrow(ax, start, target, colour=GREY, width=1.0, head=12, shrink=12)
    terms = " + ".join(f"{s:g}" for s in sums)
    ax.text(
        out_left + w_out / 2,
        out_top - h_out - 0.6,
        f"the {c_in} sums + bias b[{o}]\n= {terms} + {bias[o]:g}\n= {y[o, u, v]:g}",
        ha="center",
        va="top",
        fontsize=12,
    )
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
        _grid(ax, grid, (0, 0), fontsize=8)
        _blank(ax, (-0.1, grid.shape[1] + 0.1), (-grid.shape[0] - 0.1, 0.1))
        ax.set_title(title, fontsize=9)
    for (r, c), colour in spots:
        _outline(axes[0], (0, 0), r, c, 3, 3, colour)
        _outline(axes[2], (0, 0), r, c, 1, 1, colour)
    axes[3].bar(
        ["fully\nconnected", "convolution"],
        [fc_params, conv_params],
        color=[ORANGE, BLUE],
        log=True,
    )
    for k, v in enumerate((fc_params, conv_params)):
        axes[3].text(k, v * 1.3, f"{v:,}", ha="center", fontsize=9)
    axes[3].set_ylim(10, fc_params * 20)
    axes[3].set_ylabel("number of weights (log scale)", fontsize=9)
    axes[3].set_title("1@32×32 → 6@28×28:\nweights vs all parameters", fontsize=9)
    fig.tight_layout()
    return fig


# -- the output size -----------------------------------------------------------------------------
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


# -- one matrix product: im2col ------------------------------------------------------------------
def fig_im2col(x, kernel, cols, y):
    """How im2col turns a convolution into one matrix product, on one small image.

    Parameters
    ----------
    x : numpy.ndarray, shape (H, W)
        A one-channel image.
    kernel : numpy.ndarray, shape (kH, kW)
    cols : numpy.ndarray, shape (kH * kW, H_out * W_out)
        ``im2col`` of ``x``: one column per window (at most four windows are coloured apart).
    y : numpy.ndarray, shape (H_out, W_out)
        The convolution's output, the product ``kernel.reshape(1, -1) @ cols`` reshaped.

    Left, the image once per window, the window coloured; middle, the columns laid out as in
    a written matrix product (``X`` above, the weight row ``W`` to its left, ``Y = W X`` below
    ``X``); right, ``Y`` reshaped to the output image.
    """
    h, w = x.shape
    kh, kw = kernel.shape
    h_out, w_out = y.shape
    n_win = h_out * w_out
    cell = 0.62
    colours = [PALETTE[k % 4] for k in range(n_win)]
    tints = [TINTS[k % 4] for k in range(n_win)]
    # The written product: X (rows, n_win) on top, W (1, rows) to the left of Y (1, n_win).
    rows = kh * kw
    x_left = rows * cell + 1.2 + 0.2
    y_top = 0.0  # top of the W and Y rows
    x_top = y_top + 0.45 + rows * cell  # top of X
    k_left = x_left - 0.2 - rows * cell - 1.0 - kw * cell  # the kernel's left edge
    o_left = x_left + n_win * cell + 1.3  # the output's left edge
    fig, ax = _diagram(
        10, (k_left - 0.2, o_left + w_out * cell + 0.6), (y_top - cell - 1.5, x_top + 0.95)
    )
    _grid(ax, cols, (x_left, x_top), cell=cell, fill=_by_column(rows, tints), fontsize=10)
    ax.text(
        x_left + n_win * cell / 2,
        x_top + 0.25,
        f"X = im2col(x): {rows} × {n_win}\none column per window",
        ha="center",
        va="bottom",
        fontsize=11,
    )
    w_left = x_left - 0.2 - rows * cell
    _grid(ax, kernel.reshape(1, -1), (w_left, y_top), cell=cell, fontsize=10)
    ax.text(
        w_left + rows * cell / 2,
        y_top - cell - 0.25,
        f"W: the kernel as one row, 1 × {rows}",
        ha="center",
        va="top",
        fontsize=11,
    )
    _grid(ax, y.reshape(1, -1), (x_left, y_top), cell=cell, fill=_by_column(1, tints), fontsize=10)
    ax.text(
        x_left + n_win * cell / 2,
        y_top - cell - 0.25,
        f"Y = W X: 1 × {n_win}",
        ha="center",
        va="top",
        fontsize=11,
    )
    # The kernel, left of W, flattened row by row into it.
    k_top = y_top + (kh - 1) * cell / 2
    _grid(ax, kernel, (k_left, k_top), cell=cell, fontsize=10)
    ax.text(k_left + kw * cell / 2, k_top + 0.2, "kernel", ha="center", va="bottom", fontsize=11)
    arrow(ax, (k_left + kw * cell + 0.1, y_top - cell / 2), (w_left - 0.1, y_top - cell / 2))
    # The image once per window, above W, two windows to a row.
    small = cell * 0.78
    per_row = 2
    gap = 0.7
    block_left = w_left + (rows * cell - (per_row * w * small + (per_row - 1) * gap)) / 2
    for k in range(n_win):
        r, c = divmod(k, per_row)
        left = block_left + c * (w * small + gap)
        top = x_top - 0.1 - r * (h * small + 0.75)
        u, v = divmod(k, w_out)
        inside = {(u + i, v + j): tints[k] for i in range(kh) for j in range(kw)}
        _grid(ax, x, (left, top), cell=small, fill=inside, fontsize=9)
        _outline(ax, (left, top), u, v, kh, kw, colours[k], cell=small, lw=2)
        ax.text(
            left + w * small / 2,
            top - h * small - 0.08,
            f"window {k} → column {k}",
            ha="center",
            va="top",
            fontsize=9,
            color=colours[k],
        )
    ax.text(
        block_left + (per_row * w * small + gap) / 2,
        x_top + 0.25,
        f"x: one channel, {h} × {w}, and its {kh} × {kw} windows",
        ha="center",
        va="bottom",
        fontsize=11,
    )
    # Y reshaped to the output image.
    o_top = y_top + (h_out - 1) * cell / 2
    arrow(ax, (x_left + n_win * cell + 0.1, y_top - cell / 2), (o_left - 0.1, y_top - cell / 2))
    inside = {divmod(k, w_out): tints[k] for k in range(n_win)}
    _grid(ax, y, (o_left, o_top), cell=cell, fill=inside, fontsize=10)
    ax.text(
        o_left + w_out * cell / 2,
        o_top - h_out * cell - 0.25,
        f"reshaped:\noutput {h_out} × {w_out}",
        ha="center",
        va="top",
        fontsize=11,
    )
    return fig


def _by_column(n_rows, tints):
    """A ``fill`` for :func:`_grid` that colours column k of an (n_rows, len(tints)) table."""
    return {(r, k): tint for r in range(n_rows) for k, tint in enumerate(tints)}


# -- the gradient of a shared weight -------------------------------------------------------------
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
    _blank(a, (-0.6, len(x) - 0.4), (-0.5, 2.1))
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
    b.set_ylabel("gradient")
    b.set_title("(b) the gradient of each shared weight, three ways", fontsize=10)
    b.legend(fontsize=8)
    fig.tight_layout()
    return fig

"""How far a sequence layer reaches: receptive fields of stacked 1-D convolutions, against one
self-attention layer, and what depth a convolutional stack needs to relate distant positions.

See the chapter :doc:`/transformer`.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

from .style import BLUE, GREY, VERMILION


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


def fig_conv_depth(results, distance):
    """Receptive field and accuracy against depth, for stacks of 1-D convolutions.

    ``results`` maps a stack's name to ``(layers, fields, accuracies)``, three sequences of the
    same length: the number of convolutional layers, the receptive field of one output, and the
    accuracy reached. ``distance`` is how far back the task looks: a field of ``distance + 1``
    positions is needed.
    """
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 3.6))
    for (name, (layers, fields, accuracies)), colour, marker in zip(
        results.items(), (BLUE, VERMILION), "os", strict=False
    ):
        a.plot(layers, fields, marker=marker, color=colour, label=name)
        b.plot(layers, accuracies, marker=marker, color=colour, label=name)
    a.axhline(distance + 1, color=GREY, ls="--", lw=1)
    a.text(
        0.02,
        distance + 1.5,
        f"needed: {distance + 1} positions",
        color=GREY,
        fontsize=8,
        transform=a.get_yaxis_transform(),
    )
    a.set_ylabel("receptive field (positions)")
    a.set_title("(a) how far one output sees", fontsize=10)
    b.axhline(0.5, color=GREY, ls=":", lw=1)
    b.text(0.02, 0.53, "chance", color=GREY, fontsize=8, transform=b.get_yaxis_transform())
    b.set_ylim(0.4, 1.05)
    b.set_ylabel("accuracy on new sequences")
    b.set_title(f"(b) repeating the input from {distance} steps back", fontsize=10)
    for ax in (a, b):
        ax.set_xlabel("convolutional layers")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(True, alpha=0.3)
    a.legend(frameon=False, fontsize=8, loc="lower right")
    b.legend(frameon=False, fontsize=8, loc="center left")  # clear of the chance line
    fig.tight_layout()
    return fig

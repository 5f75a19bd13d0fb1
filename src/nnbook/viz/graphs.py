"""Computational-graph drawings for the chapter on backpropagation.

A graph is drawn from plain data: node positions and labels, a list of edges, and optionally the
forward value and the gradient of each node, so the numbers in a figure are the ones a cell
computed. ``highlight`` thickens and colours some edges, e.g. every path from one weight.

See the chapter :doc:`/backpropagation`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import matplotlib.pyplot as plt

from .style import BLUE, GREEN, GREY, SKY, VERMILION

#: The regularised neuron of the chapter: L = 1/2 (sigmoid(w x + b) - t)^2 + 1/2 lambda w^2.
#: name -> (x, y, label); leaves are the inputs and parameters.
NEURON_NODES = {
    "x": (0.0, 2.2, "$x$"),
    "w": (0.0, 0.8, "$w$"),
    "b": (2.0, 2.9, "$b$"),
    "m": (2.0, 1.5, "$m = w\\,x$"),
    "z": (4.0, 1.5, "$z = m + b$"),
    "h": (6.0, 1.5, "$h = \\sigma(z)$"),
    "l": (8.0, 1.5, "$\\ell = \\frac{1}{2}(h - t)^2$"),
    "r": (5.0, -0.6, "$r = \\frac{\\lambda}{2} w^2$"),
    "L": (10.0, 0.5, "$L = \\ell + r$"),
}
NEURON_EDGES = [
    ("x", "m"),
    ("w", "m"),
    ("w", "r"),
    ("m", "z"),
    ("b", "z"),
    ("z", "h"),
    ("h", "l"),
    ("l", "L"),
    ("r", "L"),
]


def draw_graph(
    ax,
    nodes: Mapping[str, tuple[float, float, str]],
    edges: Iterable[tuple[str, str]],
    *,
    values: Mapping[str, float] | None = None,
    grads: Mapping[str, float] | None = None,
    highlight: Iterable[tuple[str, str]] = (),
    leaves: Iterable[str] = (),
):
    """Draw boxes for ``nodes`` and arrows for ``edges``, annotated with values and gradients.

    Parameters
    ----------
    ax : matplotlib Axes
    nodes : name -> (x, y, label)
    edges : (source, target) pairs; the arrow points the way the forward pass goes.
    values : name -> forward value, written in black above the box.
    grads : name -> :math:`\\partial L / \\partial \\text{node}`, written in vermilion below it.
    highlight : edges drawn thick and coloured.
    leaves : nodes drawn as inputs/parameters (light blue) rather than operations.
    """
    values, grads = values or {}, grads or {}
    highlight, leaves = set(highlight), set(leaves)
    boxes = {}
    for name, (x, y, label) in nodes.items():
        face = SKY if name in leaves else "#e8f4ee"
        edge = GREEN if name not in leaves else BLUE
        boxes[name] = ax.text(
            x,
            y,
            label,
            ha="center",
            va="center",
            fontsize=13,
            zorder=3,
            bbox={"boxstyle": "round,pad=0.45", "fc": face, "ec": edge, "lw": 1.2},
        )
        if name in values:
            ax.text(x, y + 0.42, f"{values[name]:.4g}", ha="center", va="bottom", fontsize=12)
        if name in grads:
            symbol = label.strip("$").split("=")[0].strip()
            ax.text(
                x,
                y - 0.42,
                f"$\\bar{{{symbol}}}$ = {grads[name]:.4g}",
                ha="center",
                va="top",
                fontsize=12,
                color=VERMILION,
            )
    for src, dst in edges:
        strong = (src, dst) in highlight
        ax.annotate(
            "",
            xy=nodes[dst][:2],
            xytext=nodes[src][:2],
            arrowprops={
                "arrowstyle": "-|>",
                "color": VERMILION if strong else GREY,
                "lw": 2.6 if strong else 1.1,
                "mutation_scale": 14,
                "patchA": boxes[src].get_bbox_patch(),
                "patchB": boxes[dst].get_bbox_patch(),
                "shrinkA": 3,
                "shrinkB": 3,
            },
            zorder=2,
        )
    xs = [p[0] for p in nodes.values()]
    ys = [p[1] for p in nodes.values()]
    ax.set_xlim(min(xs) - 0.9, max(xs) + 0.9)
    ax.set_ylim(min(ys) - 0.9, max(ys) + 0.8)
    ax.axis("off")


def fig_neuron_graph(values=None, grads=None, *, highlight=(), title="", note=""):
    """The chapter's regularised neuron as a computational graph (see ``NEURON_NODES``).

    ``note`` is written in the top right corner (e.g. the constants :math:`t` and :math:`\\lambda`).
    """
    fig, ax = plt.subplots(figsize=(9.6, 4.4))
    draw_graph(
        ax,
        NEURON_NODES,
        NEURON_EDGES,
        values=values,
        grads=grads,
        highlight=highlight,
        leaves=("x", "w", "b"),
    )
    if title:
        ax.set_title(title, fontsize=11)
    if note:
        ax.text(10.9, 3.6, note, ha="right", va="top", fontsize=12)
    legend = "black: forward value    vermilion: gradient $\\bar v = \\partial L/\\partial v$"
    ax.text(10.9, -1.45, legend, ha="right", fontsize=11, color=GREY)
    fig.tight_layout()
    return fig

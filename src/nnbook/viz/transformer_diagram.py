"""The block diagram of the encoder-decoder Transformer.

See the chapter :doc:`/transformer`.
"""

from __future__ import annotations

from functools import partial

import matplotlib.pyplot as plt
from matplotlib.patches import FancyBboxPatch

from .style import GREY, PURPLE, arrow, box

# Arrows between boxes stop a little short of them.
_arrow = partial(arrow, colour=GREY, shrink=4.0)


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
        ("multi-head cross-attention\n(queries from the decoder)", "#d9c2e6"),
        ("add & LayerNorm", norm),
        ("feed-forward (per position)", ff),
        ("add & LayerNorm", norm),
        ("linear → softmax\nnext-token probabilities", io),
    ]
    ys = [0.3, 2.2, 3.1, 4.2, 5.3, 6.2, 7.1, 9.0]
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
        # "× N" outside the dashed frame, on the side no arrow comes from.
        if x == enc_x:
            ax.text(x - w / 2 - 0.4, (top + 1.5) / 2, "× N", ha="right", va="center", fontsize=11)
        else:
            ax.text(x + w / 2 + 0.8, (top + 1.5) / 2, "× N", ha="left", va="center", fontsize=11)
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
    # From the end of the memory label to the left edge of the cross-attention box.
    _arrow(ax, (enc_x + 1.25, 6.85), (dec_x - w / 2, ys[3]), colour=PURPLE, width=2, rad=-0.3)
    ax.text(3.9, 7.3, "keys and values", ha="left", fontsize=9, color=PURPLE)
    fig.tight_layout()
    return fig

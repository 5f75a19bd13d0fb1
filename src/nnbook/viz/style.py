"""What the book's figures share: the colours, small images on bare axes, boxes and arrows.

The colours are the Okabe-Ito palette (Okabe & Ito, 2008, "Color Universal Design"), which stays
distinguishable under the common colour-vision deficiencies. ``GREY`` is the book's own neutral,
for lines and text that should recede.
"""

from __future__ import annotations

from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

BLUE, ORANGE, GREEN, VERMILION = "#0072B2", "#E69F00", "#009E73", "#D55E00"
SKY, PURPLE, YELLOW = "#56B4E9", "#CC79A7", "#F0E442"
GREY = "#606060"
PALETTE = (BLUE, ORANGE, GREEN, VERMILION, SKY, PURPLE, YELLOW, GREY)


def hide_ticks(*axes):
    """Remove the ticks of each of ``axes`` (for images, where pixel indices say nothing)."""
    for ax in axes:
        ax.set_xticks([])
        ax.set_yticks([])


def show_image(ax, img, title="", cmap="gray_r", **kw):
    """Draw ``img`` on ``ax`` with a small title and no ticks; ``kw`` goes to ``imshow``."""
    ax.imshow(img, cmap=cmap, **kw)
    ax.set_title(title, fontsize=9)
    hide_ticks(ax)


def box(ax, centre, text, colour, *, size, rounding=None, alpha=1.0, linewidth=0.8, **text_kw):
    """A filled box of ``size`` (width, height) centred at ``centre``, with ``text`` inside.

    ``rounding`` is the corner radius in data units; by default the corners are rounded by a
    small padding around the box instead. ``alpha`` fades box and text together; ``text_kw``
    goes to ``ax.text`` (default size 9).
    """
    (x, y), (w, h) = centre, size
    style = "round,pad=0.02" if rounding is None else f"round,pad=0.0,rounding_size={rounding}"
    ax.add_patch(
        FancyBboxPatch(
            (x - w / 2, y - h / 2),
            w,
            h,
            boxstyle=style,
            facecolor=colour,
            edgecolor="black",
            linewidth=linewidth,
            alpha=alpha,
        )
    )
    ax.text(x, y, text, ha="center", va="center", alpha=alpha, **{"fontsize": 9, **text_kw})


def arrow(ax, start, end, *, colour="black", width=1.0, head=10, rad=0.0, alpha=1.0, shrink=0.0):
    """An arrow from ``start`` to ``end``, bent by ``rad`` (0 is straight).

    ``head`` scales the arrow head; ``shrink`` (in points) stops it short of both ends, e.g.
    at the edge of a node drawn there.
    """
    ax.add_patch(
        FancyArrowPatch(
            start,
            end,
            arrowstyle="-|>",
            mutation_scale=head,
            color=colour,
            linewidth=width,
            alpha=alpha,
            shrinkA=shrink,
            shrinkB=shrink,
            connectionstyle=f"arc3,rad={rad}",
        )
    )

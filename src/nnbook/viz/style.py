"""What the book's figures share: the colours, and showing a small image on bare axes.

The colours are the Okabe-Ito palette (Okabe & Ito, 2008, "Color Universal Design"), which stays
distinguishable under the common colour-vision deficiencies. ``GREY`` is the book's own neutral,
for lines and text that should recede.
"""

from __future__ import annotations

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

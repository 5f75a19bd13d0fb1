"""The pen that draws the cell diagrams of :mod:`nnbook.viz.cells`: wires, learned layers,
element-wise operations and labels, in colour where highlighted and in grey elsewhere."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from matplotlib.patches import Circle, Ellipse, FancyBboxPatch

from .style import YELLOW

LAYER_FACE, LAYER_FACE_MUTED = YELLOW, "#F7F3C4"
CELL_FACE, CELL_EDGE = "#F4F4F4", "#999999"
MUTED, MUTED_TEXT = "#C8C8C8", "#999999"
INK = "#222222"


@dataclass
class Pen:
    """Draws the parts of a cell on ``ax``, shifted right by ``dx``, in the highlight's colours."""

    ax: object
    colors: Mapping[str, str]
    highlight: str | None
    dx: float = 0.0
    font: float = 1.0  # scales the labels' font size (a long chain is drawn smaller on the page)

    def on(self, part):
        return self.highlight is None or part == self.highlight

    def color(self, part):
        if self.highlight is None:
            return INK
        return self.colors[part] if part == self.highlight else MUTED

    def width(self, part, normal):
        return normal * 1.8 if part == self.highlight else normal

    def line(self, xs, ys, part, *, arrow=False):
        xs = [x + self.dx for x in xs]
        color, width = self.color(part), self.width(part, 1.6)
        self.ax.plot(xs, ys, color=color, linewidth=width, solid_capstyle="round", zorder=1)
        if arrow:
            props = {"arrowstyle": "-|>", "color": color, "lw": width, "shrinkA": 0, "shrinkB": 0}
            self.ax.annotate(
                "", xy=(xs[-1], ys[-1]), xytext=(xs[-2], ys[-2]), zorder=1, arrowprops=props
            )

    def dot(self, x, y, part):
        """A junction: two wires that meet here are joined (a crossing without a dot is not)."""
        self.ax.add_patch(Circle((x + self.dx, y), 0.07, color=self.color(part), zorder=2))

    def cell(self, x0, y0, width, height):
        """The grey background of one cell."""
        self.ax.add_patch(
            FancyBboxPatch(
                (x0 + self.dx, y0),
                width,
                height,
                boxstyle="round,pad=0.0,rounding_size=0.3",
                facecolor=CELL_FACE,
                edgecolor=CELL_EDGE,
                zorder=0,
            )
        )

    def layer(self, x, y, label, part, *, width=0.92):
        """A learned layer: a yellow box."""
        on = self.on(part)
        edge = self.colors[part] if part == self.highlight else (INK if on else MUTED)
        self.ax.add_patch(
            FancyBboxPatch(
                (x + self.dx - width / 2, y - 0.3),
                width,
                0.6,
                boxstyle="round,pad=0.0,rounding_size=0.08",
                zorder=2,
                facecolor=LAYER_FACE if on else LAYER_FACE_MUTED,
                edgecolor=edge,
                linewidth=2.5 if part == self.highlight else 1.0,
            )
        )
        size = 12 if label == r"$\sigma$" else 11  # the letter sigma is narrower than a word
        self.ax.text(
            x + self.dx,
            y,
            label,
            ha="center",
            va="center",
            fontsize=size,
            zorder=3,
            color=INK if on else MUTED_TEXT,
        )

    def op(self, x, y, symbol, part):
        """An element-wise operation: a white circle (an ellipse for a word such as tanh)."""
        on = self.on(part)
        color = self.colors[part] if part == self.highlight else (INK if on else MUTED)
        wide = len(symbol) > 1
        shape = Ellipse((x + self.dx, y), 0.8, 0.48) if wide else Circle((x + self.dx, y), 0.24)
        shape.set(facecolor="white", edgecolor=color, zorder=2, linewidth=self.width(part, 1.2))
        self.ax.add_patch(shape)
        self.ax.text(
            x + self.dx,
            y,
            symbol,
            ha="center",
            va="center",
            fontsize=11 if wide else 14,
            zorder=3,
            color=INK if on else MUTED_TEXT,
        )

    def text(self, x, y, s, part=None, *, size=13, **kw):
        """A label; a gate's name takes its part's colour when something is highlighted.

        The labels of signals (``part=None``) are scaled by ``font``; those inside the cell are
        not, since the cell's shapes do not grow with them.
        """
        if part is None:
            color, size = INK, size * self.font
        else:
            color = INK if self.highlight is None else self.color(part)
        self.ax.text(x + self.dx, y, s, fontsize=size, color=color, **kw)


def check_highlight(name, highlight, colors):
    """Raise a ValueError naming the drawing unless ``highlight`` is None or a key of ``colors``."""
    allowed = (None, *colors)
    if highlight not in allowed:
        raise ValueError(f"{name}: highlight must be one of {allowed}, got {highlight!r}")


def equation_text(ax, x, y, text, color):
    """An equation centred at ``x``, hanging from ``y``."""
    ax.text(x, y, text, ha="center", va="top", fontsize=11, color=color)


def finish(ax, xlim, ylim):
    """Set the limits, equal scales on both axes, and no axes drawn; return ``ax``."""
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax

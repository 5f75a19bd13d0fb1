"""Diagrams of recurrent cells in one style: the plain RNN's chain of tanh layers, the LSTM cell
and a chain of LSTM cells, and the GRU cell.

Yellow boxes are learned layers (a matrix product and a nonlinearity); white circles are
element-wise operations. Every drawing takes ``highlight=``: the named part is drawn in colour and
the rest in grey, so the same picture can be reused to point at one path at a time.

See the chapters :doc:`/rnn` and :doc:`/lstm`.
"""

from __future__ import annotations

import matplotlib.pyplot as plt

from ._pen import INK, Pen, check_highlight, equation_text, finish
from .style import BLUE, GREEN, ORANGE, PURPLE, VERMILION

# One colour per part of each cell; everything not highlighted is drawn in grey.
RNN_COLORS = {"state": ORANGE}
LSTM_COLORS = {
    "cell": ORANGE,  # the cell-state line c
    "forget": VERMILION,
    "input": BLUE,  # input gate and candidate
    "update": GREEN,  # c_t = f c + i g
    "output": PURPLE,
}
GRU_COLORS = {"reset": VERMILION, "update": GREEN, "candidate": BLUE}

RNN_EQUATION = r"$h_t = \tanh(x_t W_{ih}^\top + b_{ih} + h_{t-1} W_{hh}^\top + b_{hh})$"
LSTM_EQUATIONS = {
    None: r"$c_t = f_t \odot c_{t-1} + i_t \odot g_t, \quad h_t = o_t \odot \tanh(c_t)$",
    "cell": r"the cell state $c_{t-1} \to c_t$: only an element-wise product and a sum",
    "forget": r"$f_t = \sigma(x_t W_{if}^\top + b_{if} + h_{t-1} W_{hf}^\top + b_{hf})$",
    "input": (
        r"$i_t = \sigma(x_t W_{ii}^\top + b_{ii} + h_{t-1} W_{hi}^\top + b_{hi}),\quad$"
        r"$g_t = \tanh(x_t W_{ig}^\top + b_{ig} + h_{t-1} W_{hg}^\top + b_{hg})$"
    ),
    "update": r"$c_t = f_t \odot c_{t-1} + i_t \odot g_t$",
    "output": (
        r"$o_t = \sigma(x_t W_{io}^\top + b_{io} + h_{t-1} W_{ho}^\top + b_{ho}),\quad$"
        r"$h_t = o_t \odot \tanh(c_t)$"
    ),
}
GRU_EQUATIONS = {
    None: r"$h_t = (1 - z_t) \odot n_t + z_t \odot h_{t-1}$",
    "reset": r"$r_t = \sigma(x_t W_{ir}^\top + b_{ir} + h_{t-1} W_{hr}^\top + b_{hr})$",
    "update": (
        r"$z_t = \sigma(x_t W_{iz}^\top + b_{iz} + h_{t-1} W_{hz}^\top + b_{hz}),\quad$"
        r"$h_t = (1 - z_t) \odot n_t + z_t \odot h_{t-1}$"
    ),
    "candidate": (
        r"$n_t = \tanh(x_t W_{in}^\top + b_{in} + r_t \odot (h_{t-1} W_{hn}^\top + b_{hn}))$"
    ),
}


def _step(k, n_cells):
    """The subscript of cell ``k`` of ``n_cells``, the middle one being t: 't-1', 't', 't+1'."""
    offset = k - (n_cells - 1) // 2
    return "t" if offset == 0 else f"t{offset:+d}"


# ---- the plain RNN -------------------------------------------------------------------------

_RNN_DX = 4.6  # distance between two cells of the chain


def rnn_chain(ax=None, n_cells: int = 3, highlight: str | None = None, *, equation: bool = True):
    """A plain RNN as a chain of identical cells, each holding one tanh layer (after Olah, 2015).

    In every cell the previous state :math:`h_{t-1}` and the input :math:`x_t` meet and go through
    the one layer; its output :math:`h_t` leaves upwards and to the next cell.

    Parameters
    ----------
    ax : matplotlib Axes, optional
    n_cells : int
        Number of cells; the middle one is step :math:`t`.
    highlight : {None, 'state'}
        ``'state'`` draws the hidden state's path in colour: it passes through the tanh layer
        of every cell.
    equation : bool
        Write the cell's equation under the chain.

    Returns
    -------
    matplotlib Axes
    """
    check_highlight("rnn_chain", highlight, RNN_COLORS)
    if n_cells < 1:
        raise ValueError(f"rnn_chain: n_cells must be at least 1, got {n_cells}")
    if ax is None:
        _, ax = plt.subplots(figsize=(1.0 + 2.6 * n_cells, 3.6))
    y_bus, y_layer, y_out, y_top = 1.3, 2.3, 3.3, 4.6
    for k in range(n_cells):
        pen = Pen(ax, RNN_COLORS, highlight, dx=k * _RNN_DX)
        t = _step(k, n_cells)
        pen.cell(0.6, 0.7, 3.0, 3.2)
        # h_{t-1} comes in from the left and meets x_t; both go into the layer.
        pen.line([-0.5, 2.1, 2.1], [y_bus, y_bus, y_layer - 0.3], "state", arrow=True)
        pen.line([1.3, 1.3], [-0.3, y_bus], "input")
        pen.dot(1.3, y_bus, "state")
        pen.layer(2.1, y_layer, r"$\tanh$", "state")
        # h_t leaves upwards (the output) and to the right (the next cell).
        pen.line([2.1, 2.1], [y_layer + 0.3, y_top], "state", arrow=True)
        right = [2.1, 4.1, 4.1] if k < n_cells - 1 else [2.1, 4.3]
        ys = [y_out, y_out, y_bus] if k < n_cells - 1 else [y_out, y_out]
        pen.line(right, ys, "state", arrow=k == n_cells - 1)
        pen.dot(2.1, y_out, "state")
        pen.text(1.45, -0.3, f"$x_{{{t}}}$", va="bottom")
        pen.text(2.25, y_top, f"$h_{{{t}}}$", va="top")
    first = _step(-1, n_cells)
    ax.text(-0.5, y_bus + 0.15, f"$h_{{{first}}}$", fontsize=13, va="bottom")
    width = _RNN_DX * (n_cells - 1) + 4.4
    if equation:
        color = RNN_COLORS["state"] if highlight else INK
        equation_text(ax, width / 2 - 0.5, -0.6, RNN_EQUATION, color)
    return finish(ax, (-0.7, width), (-1.3 if equation else -0.5, 4.9))


# ---- the LSTM ------------------------------------------------------------------------------

# Geometry (data units): the cell-state line on top, the [h_{t-1}, x_t] bus at the bottom.
_Y_C, _Y_MID, _Y_LAYER, _Y_BUS = 4.6, 3.6, 2.5, 1.2
_X_F, _X_I, _X_G, _X_O, _X_OUT, _X_UP = 3.0, 4.4, 5.6, 7.0, 8.2, 9.1
_LSTM_DX = 10.4  # distance between two cells of a chain


def _draw_lstm(pen, t="t"):
    """One LSTM cell, with the labels of its gates, its input x_t and its upward output h_t."""
    hl = pen.highlight
    pen.cell(1.2, 0.75, 8.5, 4.45)
    # The cell-state line: c_{t-1} -> x (forget) -> + (write) -> c_t.
    line_part = "update" if hl == "update" else "cell"
    pen.line([0.2, _X_F - 0.24], [_Y_C, _Y_C], line_part)
    pen.line([_X_F + 0.24, _X_G - 0.24], [_Y_C, _Y_C], line_part)
    pen.line([_X_G + 0.24, 10.6], [_Y_C, _Y_C], line_part, arrow=True)
    pen.op(_X_F, _Y_C, "×", "forget" if hl == "forget" else "update")
    pen.op(_X_G, _Y_C, "+", "update")
    # The bus [h_{t-1}, x_t] feeds every layer: it takes the colour of whichever gate is
    # highlighted.
    bus = hl if hl in ("forget", "input", "output") else "bus"
    pen.line([0.2, _X_O], [_Y_BUS, _Y_BUS], bus)
    pen.line([1.8, 1.8], [-0.3, _Y_BUS], bus)
    for x, part in ((_X_F, "forget"), (_X_I, "input"), (_X_G, "input"), (_X_O, "output")):
        pen.line([x, x], [_Y_BUS, _Y_LAYER - 0.3], part)
    # Layer outputs.
    pen.line([_X_F, _X_F], [_Y_LAYER + 0.3, _Y_C - 0.24], "forget", arrow=True)
    pen.line([_X_I, _X_I, _X_G - 0.24], [_Y_LAYER + 0.3, _Y_MID, _Y_MID], "input", arrow=True)
    pen.line([_X_G, _X_G], [_Y_LAYER + 0.3, _Y_MID - 0.24], "input", arrow=True)
    pen.op(_X_G, _Y_MID, "×", "input")
    pen.line([_X_G, _X_G], [_Y_MID + 0.24, _Y_C - 0.24], "update", arrow=True)
    # Output: tanh(c_t) gated by o_t gives h_t, which leaves to the right and upwards.
    pen.line([_X_OUT, _X_OUT], [_Y_C, _Y_MID + 0.24], "output", arrow=True)
    pen.op(_X_OUT, _Y_MID, "tanh", "output")
    pen.line([_X_OUT, _X_OUT], [_Y_MID - 0.24, _Y_LAYER + 0.24], "output", arrow=True)
    pen.line([_X_O + 0.46, _X_OUT - 0.24], [_Y_LAYER, _Y_LAYER], "output", arrow=True)
    pen.op(_X_OUT, _Y_LAYER, "×", "output")
    pen.line([_X_OUT, _X_OUT, 10.6], [_Y_LAYER - 0.24, _Y_BUS, _Y_BUS], "output", arrow=True)
    pen.line([_X_UP, _X_UP], [_Y_BUS, 5.75], "output", arrow=True)
    pen.layer(_X_F, _Y_LAYER, r"$\sigma$", "forget")
    pen.layer(_X_I, _Y_LAYER, r"$\sigma$", "input")
    pen.layer(_X_G, _Y_LAYER, r"$\tanh$", "input")
    pen.layer(_X_O, _Y_LAYER, r"$\sigma$", "output")
    for x, name, part in (
        (_X_F, "$f_t$", "forget"),
        (_X_I, "$i_t$", "input"),
        (_X_G, "$g_t$", "input"),
        (_X_O, "$o_t$", "output"),
    ):
        pen.text(x + 0.3, _Y_LAYER + 0.5, name, part, size=11)
    pen.text(1.95, -0.3, f"$x_{{{t}}}$", va="bottom")
    pen.text(_X_UP + 0.15, 5.6, f"$h_{{{t}}}$", va="top")


def lstm_cell(ax=None, highlight: str | None = None, *, equation: bool = True):
    """Draw one LSTM cell, optionally with one part highlighted and its equation underneath.

    Parameters
    ----------
    ax : matplotlib Axes, optional
    highlight : {None, 'cell', 'forget', 'input', 'update', 'output'}
        The part drawn in colour; the rest is greyed out. ``None`` draws the whole cell in black.
    equation : bool
        Write the highlighted part's equation (torch's gate names i, f, g, o) under the cell.

    Returns
    -------
    matplotlib Axes
    """
    check_highlight("lstm_cell", highlight, LSTM_COLORS)
    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 4.6))
    _draw_lstm(Pen(ax, LSTM_COLORS, highlight))
    ax.text(0.15, _Y_C + 0.2, "$c_{t-1}$", fontsize=13, va="bottom")
    ax.text(10.55, _Y_C + 0.2, "$c_t$", fontsize=13, va="bottom", ha="right")
    ax.text(0.15, _Y_BUS + 0.2, "$h_{t-1}$", fontsize=13, va="bottom")
    ax.text(10.55, _Y_BUS - 0.2, "$h_t$", fontsize=13, va="top", ha="right")
    if equation:
        color = LSTM_COLORS.get(highlight, INK) if highlight else INK
        equation_text(ax, 5.4, -0.75, LSTM_EQUATIONS[highlight], color)
    return finish(ax, (0, 10.8), (-1.5 if equation else -0.5, 6.0))


def lstm_chain(ax=None, n_cells: int = 3, highlight: str | None = None):
    """A chain of identical LSTM cells (after Olah, 2015), one part highlighted in all of them.

    Parameters
    ----------
    ax : matplotlib Axes, optional
    n_cells : int
        Number of cells; the middle one is step :math:`t`.
    highlight : {None, 'cell', 'forget', 'input', 'update', 'output'}
        With ``'cell'`` the cell state is one coloured line along the top of every cell.

    Returns
    -------
    matplotlib Axes
    """
    check_highlight("lstm_chain", highlight, LSTM_COLORS)
    if n_cells < 1:
        raise ValueError(f"lstm_chain: n_cells must be at least 1, got {n_cells}")
    right = _LSTM_DX * (n_cells - 1) + 10.8
    if ax is None:
        _, ax = plt.subplots(figsize=(0.42 * right, 0.42 * 6.5))
    font = 1.0 + 0.15 * (n_cells - 1)  # a wide chain is shrunk to the page: larger labels
    for k in range(n_cells):
        _draw_lstm(Pen(ax, LSTM_COLORS, highlight, dx=k * _LSTM_DX, font=font), _step(k, n_cells))
    first = _step(-1, n_cells)
    for y, name in ((_Y_C, "c"), (_Y_BUS, "h")):
        ax.text(0.15, y + 0.35, f"${name}_{{{first}}}$", fontsize=13 * font, va="bottom")
    return finish(ax, (0, right), (-0.5, 6.0))


# ---- the GRU -------------------------------------------------------------------------------

# The state line h on top; below it, separate wires for h_{t-1} and x_t (torch's candidate reads
# them differently: the reset gate scales only the state's side).
_GY_H, _GY_MID, _GY_RH, _GY_LAYER, _GY_HW, _GY_XW = 5.0, 4.2, 3.4, 2.5, 1.5, 0.8
_GX_Z, _GX_R, _GX_ONE, _GX_LIN, _GX_RM, _GX_N, _GX_UP = 2.6, 3.9, 4.9, 5.1, 6.2, 7.3, 9.1


def gru_cell(ax=None, highlight: str | None = None, *, equation: bool = True):
    """Draw one GRU cell with torch's formulas, optionally with one part highlighted.

    The state line runs along the top: :math:`h_{t-1}` is scaled by the update gate
    :math:`z_t`, and :math:`(1 - z_t) \\odot n_t` is added. The candidate's layer reads
    :math:`x_t` directly and the state through its own linear map, scaled by the reset gate
    :math:`r_t` (torch applies :math:`r_t` after the matrix product).

    Parameters
    ----------
    ax : matplotlib Axes, optional
    highlight : {None, 'reset', 'update', 'candidate'}
        The part drawn in colour; the rest is greyed out.
    equation : bool
        Write the highlighted part's equation under the cell.

    Returns
    -------
    matplotlib Axes
    """
    check_highlight("gru_cell", highlight, GRU_COLORS)
    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 5.0))
    pen = Pen(ax, GRU_COLORS, highlight)
    pen.cell(1.2, 0.35, 8.5, 5.05)
    # The state line: h_{t-1} -> x z_t -> + (1 - z_t) n_t -> h_t, out to the right and upwards.
    pen.line([0.2, _GX_Z - 0.24], [_GY_H, _GY_H], "update")
    pen.line([_GX_Z + 0.24, _GX_N - 0.24], [_GY_H, _GY_H], "update")
    pen.line([_GX_N + 0.24, 10.6], [_GY_H, _GY_H], "update", arrow=True)
    pen.line([_GX_UP, _GX_UP], [_GY_H, 6.1], "update", arrow=True)
    pen.op(_GX_Z, _GY_H, "×", "update")
    pen.op(_GX_N, _GY_H, "+", "update")

    # Below: h_{t-1} branches down to its own wire; x_t has its own wire. A stretch of wire is
    # coloured when the highlighted part reads it.
    def reader(*parts):
        return highlight if highlight in parts else "-"

    everyone, r_or_n = reader(*GRU_COLORS), reader("reset", "candidate")
    pen.line([0.7, 0.7, _GX_Z], [_GY_H, _GY_HW, _GY_HW], everyone)
    pen.dot(0.7, _GY_H, everyone)
    pen.line([_GX_Z, _GX_R], [_GY_HW, _GY_HW], r_or_n)
    pen.line([_GX_R, _GX_LIN], [_GY_HW, _GY_HW], "candidate")
    pen.line([1.8, 1.8, _GX_Z], [-0.3, _GY_XW, _GY_XW], everyone)
    pen.line([_GX_Z, _GX_R], [_GY_XW, _GY_XW], r_or_n)
    pen.line([_GX_R, _GX_N], [_GY_XW, _GY_XW], "candidate")
    # The two gates read both wires.
    for x, part in ((_GX_Z, "update"), (_GX_R, "reset")):
        pen.line([x, x], [_GY_XW, _GY_LAYER - 0.3], part)
        pen.dot(x, _GY_XW, part)
        pen.dot(x, _GY_HW, part)
    pen.layer(_GX_Z, _GY_LAYER, r"$\sigma$", "update")
    pen.layer(_GX_R, _GY_LAYER, r"$\sigma$", "reset")
    # z_t scales the old state; 1 - z_t scales the candidate.
    pen.line([_GX_Z, _GX_Z], [_GY_LAYER + 0.3, _GY_H - 0.24], "update", arrow=True)
    pen.line([_GX_Z, _GX_ONE - 0.4], [_GY_MID, _GY_MID], "update", arrow=True)
    pen.dot(_GX_Z, _GY_MID, "update")
    pen.op(_GX_ONE, _GY_MID, "1−", "update")
    pen.line([_GX_ONE + 0.4, _GX_N - 0.24], [_GY_MID, _GY_MID], "update", arrow=True)
    pen.op(_GX_N, _GY_MID, "×", "update")
    pen.line([_GX_N, _GX_N], [_GY_MID + 0.24, _GY_H - 0.24], "update", arrow=True)
    # The candidate: tanh(x W_in + b_in + r * (h W_hn + b_hn)).
    pen.layer(_GX_LIN, _GY_LAYER - 0.0, "linear", "candidate", width=1.0)
    pen.line([_GX_LIN, _GX_LIN], [_GY_HW, _GY_LAYER - 0.3], "candidate")
    pen.line([_GX_R, _GX_R, _GX_RM], [_GY_LAYER + 0.3, _GY_RH, _GY_RH], "reset")
    pen.line([_GX_RM, _GX_RM], [_GY_RH, _GY_LAYER + 0.24], "reset", arrow=True)
    pen.line([_GX_LIN + 0.5, _GX_RM - 0.24], [_GY_LAYER, _GY_LAYER], "candidate", arrow=True)
    pen.op(_GX_RM, _GY_LAYER, "×", "reset" if highlight == "reset" else "candidate")
    pen.line([_GX_RM + 0.24, _GX_N - 0.46], [_GY_LAYER, _GY_LAYER], "candidate", arrow=True)
    pen.line([_GX_N, _GX_N], [_GY_XW, _GY_LAYER - 0.3], "candidate", arrow=True)
    pen.layer(_GX_N, _GY_LAYER, r"$\tanh$", "candidate")
    pen.line([_GX_N, _GX_N], [_GY_LAYER + 0.3, _GY_MID - 0.24], "candidate", arrow=True)
    for x, y, name, part in (
        (_GX_Z - 0.62, _GY_LAYER + 0.45, "$z_t$", "update"),
        (_GX_R + 0.12, _GY_LAYER + 0.45, "$r_t$", "reset"),
        (_GX_N + 0.12, _GY_LAYER + 0.45, "$n_t$", "candidate"),
    ):
        pen.text(x, y, name, part, size=11)
    ax.text(0.15, _GY_H + 0.2, "$h_{t-1}$", fontsize=13, va="bottom")
    ax.text(10.55, _GY_H + 0.2, "$h_t$", fontsize=13, va="bottom", ha="right")
    ax.text(_GX_UP + 0.15, 6.0, "$h_t$", fontsize=13, va="top")
    ax.text(1.95, -0.3, "$x_t$", fontsize=13, va="bottom")
    if equation:
        color = GRU_COLORS.get(highlight, INK) if highlight else INK
        equation_text(ax, 5.4, -0.6, GRU_EQUATIONS[highlight], color)
    return finish(ax, (0, 10.8), (-1.4 if equation else -0.5, 6.3))

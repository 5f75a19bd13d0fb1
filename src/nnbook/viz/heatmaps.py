"""Heatmaps of matrices and attention weights, shared by the attention and Transformer figures.

Heatmaps use perceptually uniform maps: cividis for weights in [0, 1], a diverging map for signed
values; they print their values when the matrix is small. An attention heatmap has one row per
query and one column per key, and says so on its axes.

Importing this module registers the NanumGothic font, which the package ``koreanize-matplotlib``
ships, so that Hangul labels render; the font family is then set to DejaVu Sans first,
NanumGothic second, so Latin letters, digits and symbols keep DejaVu's glyphs and only Hangul
falls back to NanumGothic. Only the font file is used: the package's own code imports
``distutils``, which Python 3.12 no longer has.

See the chapter :doc:`/transformer`.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import matplotlib as mpl
import numpy as np
from matplotlib import font_manager


def _register_hangul_font() -> None:
    """Add koreanize-matplotlib's NanumGothic fonts (regular, bold, ...) to matplotlib's fonts,
    without running the package's code."""
    spec = importlib.util.find_spec("koreanize_matplotlib")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("nnbook.viz.heatmaps needs the koreanize-matplotlib package (its font)")
    folder = Path(next(iter(spec.submodule_search_locations))) / "fonts"
    for path in sorted(folder.glob("NanumGothic*.ttf")):
        font_manager.fontManager.addfont(str(path))


_register_hangul_font()
mpl.rcParams["font.family"] = ["DejaVu Sans", "NanumGothic"]

WEIGHT_CMAP, SIGNED_CMAP = "cividis", "RdBu_r"


def heat(
    ax, m, title="", *, rows=None, cols=None, signed=False, annotate=None, fmt=".2f", vmax=None
):
    """A heatmap of matrix ``m`` on ``ax``; values printed if ``annotate`` (default: small).

    ``signed`` uses the diverging map, symmetric about 0 up to ``vmax`` (default: the largest
    magnitude); otherwise the map runs from 0 to ``vmax`` (default 1). Returns the image, for
    a colour bar.
    """
    m = np.asarray(m, dtype=float)
    if signed:
        lim = vmax if vmax is not None else max(float(np.abs(m).max()), 1e-12)
        im = ax.imshow(m, cmap=SIGNED_CMAP, vmin=-lim, vmax=lim)
    else:
        im = ax.imshow(m, cmap=WEIGHT_CMAP, vmin=0.0, vmax=1.0 if vmax is None else vmax)
    if annotate is None:
        annotate = m.size <= 64
    if annotate:
        for (i, j), val in np.ndenumerate(m):
            light = im.norm(val)
            dark_text = light > 0.6 if not signed else abs(light - 0.5) < 0.3
            ax.text(
                j,
                i,
                format(val, fmt),
                ha="center",
                va="center",
                fontsize=8,
                color="black" if dark_text else "white",
            )
    ax.set_xticks(range(m.shape[1]), cols if cols is not None else [""] * m.shape[1])
    ax.set_yticks(range(m.shape[0]), rows if rows is not None else [""] * m.shape[0])
    ax.tick_params(length=0)
    ax.set_title(title, fontsize=10)
    return im


def label_attention_axes(ax, *, what="token", query=True, key=True):
    """Name the axes of an attention heatmap: rows are queries, columns are keys.

    ``what`` is "token" or "position"; ``query``/``key`` False leave that axis unnamed (inner
    panels of a grid, whose neighbours carry the label).
    """
    if query:
        ax.set_ylabel(f"query {what}", fontsize=9)
    if key:
        ax.set_xlabel(f"key {what}", fontsize=9)

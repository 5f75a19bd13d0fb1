"""The build-time math step (docs/_ext/svgmath.py): the smaller SVG and MathML it writes draw and
say the same as MathJax's own."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from file_module import load_module

SVGMATH = Path(__file__).resolve().parents[1] / "docs" / "_ext" / "svgmath.py"

# Shaped like MathJax's SVG output: a group per MathML node, each moved or scaled; glyphs (<use>)
# and rules (<rect>) are what is drawn; a coloured group must stay.
MATHJAX_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
    'width="5ex" height="2ex" viewBox="0 -750 2000 1000">'
    '<g stroke="currentColor" fill="currentColor" stroke-width="0" transform="scale(1,-1)">'
    '<g transform="translate(100,0)"><use xlink:href="#MJX-TEX-I-1D465"/>'
    '<g transform="translate(572,413) scale(0.707)"><use xlink:href="#MJX-TEX-N-32"/>'
    '<rect width="10" height="60" x="5" y="220"/></g></g>'
    '<g fill="red" stroke="red"><g transform="translate(900,0)">'
    '<use xlink:href="#MJX-TEX-N-3D"/></g></g>'
    '<g transform="translate(1500,-20)"><rect width="400" height="60" x="120" y="220"/></g>'
    "</g></svg>"
)


@pytest.fixture(scope="module")
def svgmath():
    return load_module(SVGMATH)


def _drawn(svg: str) -> list[tuple]:
    """Every glyph and rule of an SVG with where it ends up: (what, colour, sx, sy, tx, ty),
    worked out here from the transforms and x, y as SVG defines them."""
    found = []

    def walk(element, matrix, colour):
        sx, sy, tx, ty = matrix
        for kind, args in re.findall(r"(translate|scale)\(([^)]*)\)", element.get("transform", "")):
            a, *rest = (float(v) for v in re.split(r"[\s,]+", args.strip()))
            b = rest[0] if rest else (a if kind == "scale" else 0.0)
            if kind == "translate":
                tx, ty = tx + sx * a, ty + sy * b
            else:
                sx, sy = sx * a, sy * b
        colour = element.get("fill", colour)
        tag = element.tag.rsplit("}", 1)[-1]
        if tag in ("use", "rect"):
            x, y = float(element.get("x", 0)), float(element.get("y", 0))
            href = element.get("href") or element.get("{http://www.w3.org/1999/xlink}href")
            what = href.replace("#MJX-TEX-", "#M") if href else element.get("width")
            found.append((what, colour, *(round(v, 3) for v in (sx, sy, tx + sx * x, ty + sy * y))))
        for child in element:
            walk(child, (sx, sy, tx, ty), colour)

    walk(ET.fromstring(svg), (1.0, 1.0, 0.0, 0.0), None)
    return found


def test_flattened_math_draws_the_same_glyphs_in_the_same_places(svgmath):
    small = svgmath.shorten(svgmath.flatten(MATHJAX_SVG))
    # The formula's colour now comes from the stylesheet, not the group (see EXTRA_CSS).
    expected = [
        (what, "red" if colour == "red" else None, *where)
        for what, colour, *where in _drawn(MATHJAX_SVG)
    ]
    assert _drawn(small) == expected
    assert len(expected) == 5
    assert small.count("<g") == 2  # the formula's group and the coloured one; no mover is left
    assert 'stroke="currentColor"' not in small
    assert "fill: currentColor" in svgmath.EXTRA_CSS
    assert len(small) < 0.75 * len(MATHJAX_SVG)


def test_shortened_mathml_keeps_what_must_stay_escaped(svgmath):
    mathml = (
        '<mjx-assistive-mml unselectable="on" display="inline">'
        '<math xmlns="http://www.w3.org/1998/Math/MathML"><mi>&#x3B8;</mi><mo>&#x3C;</mo>'
        "<mo>&#x26;</mo><mo>&#x2061;</mo><mi>&#x2202;</mi></math></mjx-assistive-mml>"
    )
    assert svgmath.shorten(mathml) == (
        '<mjx-assistive-mml display="inline"><math><mi>θ</mi><mo>&#x3C;</mo>'
        "<mo>&#x26;</mo><mo>&#x2061;</mo><mi>∂</mi></math></mjx-assistive-mml>"
    )
    glyphs = '<defs><path id="MJX-TEX-I-1D465" d="M0 0"/></defs>'
    assert svgmath.shorten(glyphs) == '<defs><path id="MI-1D465" d="M0 0"/></defs>'

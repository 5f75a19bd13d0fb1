"""Typeset the book's math when the book is built, so that no page loads math code.

Each formula becomes the SVG that MathJax would draw in the reader's browser, computed here by
MathJax 3 itself (the files of the ``sphinx-mathjax-offline`` package) running in V8
(``mini-racer``). The page then shows its math at first paint, with nothing to download, run or
reflow. Beside each SVG, hidden from view, MathJax's MathML of the formula is kept for screen
readers, as MathJax's own "assistive MathML" does. The glyphs a page uses are defined once, at the
top of the page, and every formula refers to them.

The work is done in a child process (``python svgmath.py`` reads formulas as JSON and writes the
HTML), once per build and only for pages whose formulas changed: V8 must not live in the Sphinx
process, whose parallel writers are forked.

Used from ``conf.py``: ``svgmath.setup(app)`` registers the ``svg`` math renderer.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import re
import subprocess
import sys
import unicodedata
import xml.etree.ElementTree as ET
from html import escape
from pathlib import Path

from docutils import nodes

MATHJAX = Path(
    importlib.metadata.distribution("sphinx-mathjax-offline").locate_file(
        "sphinx-mathjax-offline/static/mathjax"
    )
)
# MathJax's components for TeX in, SVG out, with the DOM of the non-browser "liteDOM" adaptor.
COMPONENTS = (
    "startup.js",
    "core.js",
    "adaptors/liteDOM.js",
    "input/tex-full.js",
    "output/svg.js",
    "output/svg/fonts/tex.js",
)
CONFIG = """var MathJax = {
  loader: {load: [], source: {}},
  startup: {typeset: false},
  svg: {fontCache: 'global'},
};"""
# Typesets one page: its formulas share one cache of glyph paths, which becomes the page's defs.
PAGE = r"""function typesetPage(formulas) {
  const adaptor = MathJax.startup.adaptor;
  MathJax.startup.output.clearFontCache();
  const html = formulas.map(([tex, display]) => {
    const container = MathJax.tex2svg(tex, {display: display});
    const svg = adaptor.firstChild(container);
    // The SVG is for the eyes; the MathML beside it is what a screen reader reads.
    adaptor.removeAttribute(svg, 'role');
    adaptor.removeAttribute(svg, 'focusable');
    adaptor.setAttribute(svg, 'aria-hidden', 'true');
    const mml = MathJax.tex2mml(tex, {display: display}).replace(/\n\s*/g, '');
    const wrapper = '<mjx-assistive-mml unselectable="on" display="' +
      (display ? 'block' : 'inline') + '">' + mml + '</mjx-assistive-mml>';
    return adaptor.outerHTML(container).replace(/<\/mjx-container>$/, wrapper + '</mjx-container>');
  });
  const defs = adaptor.outerHTML(MathJax.startup.output.fontCache.getCache());
  return JSON.stringify({html: html, defs: defs});
}
function styleSheet() {
  return MathJax.startup.adaptor.textContent(MathJax.svgStylesheet());
}"""
DATA_ATTRIBUTE = re.compile(r' data-[a-z-]+="[^"]*"')
SVG = re.compile(r"<svg .*</svg>", re.S)
# What the formulas need beyond MathJax's own stylesheet: the colour of each formula's group
# (``shorten`` takes it off every group), and how MathJax hides its assistive MathML: out of
# sight, still read aloud. The hidden MathML is there to be read, not seen, so its letters stay as
# written: a browser draws a one-letter <mi> in italic by swapping it for a mathematical italic
# character ("𝑡" for "t"), which costs a search of the system's fonts for each, and which a
# screen reader then names ("mathematical italic small t").
EXTRA_CSS = """mjx-container[jax="SVG"] > svg > g {
  stroke: currentColor; fill: currentColor; stroke-width: 0; }
mjx-container[jax="SVG"] { position: relative; }
mjx-assistive-mml { position: absolute !important; top: 0; left: 0; clip: rect(1px, 1px, 1px, 1px);
  padding: 1px 0 0 0 !important; border: 0 !important; display: block !important;
  width: auto !important; overflow: hidden !important; user-select: none; }
mjx-assistive-mml[display="block"] { width: 100% !important; }
mjx-assistive-mml mi { text-transform: none; }
"""


# -- the child process -----------------------------------------------------------------------------
def _typeset(pages: dict[str, list[list]]) -> dict:
    """``{page: [[tex, display], ...]}`` -> ``{"pages": {page: {"html": [...], "defs": ...}},
    "css": ...}``."""
    from py_mini_racer import MiniRacer

    context = MiniRacer()
    context.eval(CONFIG)
    for component in COMPONENTS:
        context.eval((MATHJAX / component).read_text(encoding="utf-8"))
    context.eval("MathJax.startup.getComponents(); MathJax.startup.makeMethods();")
    context.eval(PAGE)
    out = {}
    for name, formulas in pages.items():
        page = json.loads(context.call("typesetPage", formulas))
        # MathJax's data-* attributes serve its in-browser tools only; a static page drops them.
        page["html"] = [
            shorten(SVG.sub(lambda m: flatten(m.group(0)), DATA_ATTRIBUTE.sub("", html)))
            for html in page["html"]
        ]
        page["defs"] = shorten(page["defs"])
        out[name] = page
    return {"pages": out, "css": context.call("styleSheet") + EXTRA_CSS}


# -- fewer elements: MathJax's nested groups flattened -------------------------------------------
# MathJax draws a formula as a tree of <g> elements, one per MathML node, each moved by a
# translate() or scale(). A page of formulas holds thousands of them, and the browser styles and
# lays out each one. Only the glyphs (<use>) and rules (<rect>) draw anything, so each one can
# carry its whole transform and the groups that only move things can go. Groups that set colours
# or widths stay.
XLINK = "{http://www.w3.org/1999/xlink}href"
TRANSFORM = re.compile(r"(translate|scale)\(([^)]*)\)")


def _matrix(transform: str | None) -> tuple[float, float, float, float]:
    """``(sx, sy, tx, ty)`` of a chain of translate() and scale(): x -> sx x + tx."""
    sx, sy, tx, ty = 1.0, 1.0, 0.0, 0.0
    for kind, args in TRANSFORM.findall(transform or ""):
        values = [float(v) for v in re.split(r"[\s,]+", args.strip())]
        a, b = values[0], values[1] if len(values) > 1 else (values[0] if kind == "scale" else 0)
        if kind == "translate":  # applied after what is on its left: x -> S (x + t)
            tx, ty = tx + sx * a, ty + sy * b
        else:
            sx, sy = sx * a, sy * b
    return sx, sy, tx, ty


def _compose(outer, inner):
    sx, sy, tx, ty = outer
    isx, isy, itx, ity = inner
    return sx * isx, sy * isy, tx + sx * itx, ty + sy * ity


def _format(matrix) -> str:
    sx, sy, tx, ty = (round(v, 3) for v in matrix)
    parts = []
    if (tx, ty) != (0, 0):
        parts.append(f"translate({tx:g},{ty:g})")
    if (sx, sy) != (1, 1):
        parts.append(f"scale({sx:g},{sy:g})")
    return " ".join(parts)


# What MathJax writes on the group that holds each formula; the stylesheet says it once instead.
FORMULA_GROUP = {"stroke": "currentColor", "fill": "currentColor", "stroke-width": "0"}


def _attributes(element, matrix=(1.0, 1.0, 0.0, 0.0)) -> str:
    attrs = {
        ("href" if k == XLINK else k): v for k, v in element.attrib.items() if k != "transform"
    }
    if FORMULA_GROUP.items() <= attrs.items():
        attrs = {k: v for k, v in attrs.items() if k not in FORMULA_GROUP}
    sx, sy, tx, ty = matrix
    if (sx, sy) == (1, 1) and element.tag.rsplit("}", 1)[-1] in ("use", "rect"):
        # A glyph or a rule that is only moved is drawn at x, y: shorter than a transform.
        for name, shift in (("x", tx), ("y", ty)):
            value = round(float(attrs.get(name, 0)) + shift, 3)
            attrs.pop(name, None)
            if value:
                attrs[name] = f"{value:g}"
    elif transform := _format(matrix):
        attrs["transform"] = transform
    return "".join(f' {k}="{escape(v, quote=True)}"' for k, v in attrs.items())


def _leaves(element, matrix) -> str:
    """``element``'s drawing, with every transform-only group dissolved into its children."""
    tag = element.tag.rsplit("}", 1)[-1]
    here = _compose(matrix, _matrix(element.get("transform")))
    if tag == "g" and set(element.attrib) <= {"transform"}:
        return "".join(_leaves(child, here) for child in element)
    inner = "".join(_leaves(child, (1.0, 1.0, 0.0, 0.0)) for child in element)
    text = escape(element.text or "")
    if not (text or inner):
        return f"<{tag}{_attributes(element, here)}/>"
    return f"<{tag}{_attributes(element, here)}>{text}{inner}</{tag}>"


def flatten(svg: str) -> str:
    """The same picture as MathJax's ``<svg>``, with far fewer elements."""
    root = ET.fromstring(svg)
    inner = "".join(_leaves(child, (1.0, 1.0, 0.0, 0.0)) for child in root)
    return f"<svg{_attributes(root)}>{inner}</svg>"


# -- fewer bytes: the page's glyph names, and its MathML ------------------------------------------
GLYPH_ID = re.compile(r'(id="|href="#)MJX-TEX-')
CHARACTER = re.compile(r"&#x([0-9A-Fa-f]+);")


def shorten(html: str) -> str:
    """A formula's HTML (or a page's glyphs) in fewer bytes, for the same drawing and MathML:
    glyph names without MathJax's prefix, MathML's characters written as themselves, and no
    attribute a browser reading HTML does without (the MathML namespace, which the parser
    supplies, and Internet Explorer's ``unselectable``)."""

    def character(match) -> str:
        char = chr(int(match.group(1), 16))
        visible = unicodedata.category(char)[0] in "LNPS" and char not in "&<>\"'"
        return char if visible else match.group(0)

    html = GLYPH_ID.sub(r"\1M", html)
    html = html.replace(' xmlns="http://www.w3.org/1998/Math/MathML"', "")
    html = html.replace(' unselectable="on"', "")
    return CHARACTER.sub(character, html)


def _run_child(pages: dict) -> dict:
    proc = subprocess.run(
        [sys.executable, __file__],
        input=json.dumps(pages),
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"svgmath: typesetting failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout)


# -- Sphinx ----------------------------------------------------------------------------------------
def _tex(node) -> str:
    """A formula's TeX; a displayed one joined as Sphinx's MathJax renderer joins it."""
    if isinstance(node, nodes.math) or node.get("no-wrap", node.get("nowrap", False)):
        return node.astext()
    parts = [part for part in node.astext().split("\n\n") if part.strip()]
    body = r"\\".join(
        r"\begin{split}" + part + r"\end{split}" if r"\\" in part else part for part in parts
    )
    if len(parts) > 1:
        return r"\begin{align}\begin{aligned}" + body + r"\end{aligned}\end{align}"
    return body


def _key(tex: str, display: bool) -> str:
    """How a page's typeset formulas are looked up: inline and displayed ones differ."""
    return f"{int(display)}:{tex}"


def _formula(node) -> tuple[str, bool]:
    return _tex(node), isinstance(node, nodes.math_block)


def _formulas(doctree) -> list[list]:
    """The distinct formulas of a page, in document order, as ``[tex, display]``."""
    found = {}
    for node in doctree.findall(lambda n: isinstance(n, (nodes.math, nodes.math_block))):
        tex, display = _formula(node)
        found.setdefault(_key(tex, display), [tex, display])
    return list(found.values())


def _cache_path(app) -> Path:
    return Path(app.doctreedir) / "svgmath.json"


def _typeset_all(app, env) -> None:
    """Before writing: typeset the formulas of every page whose formulas changed."""
    cache_file = _cache_path(app)
    version = app.config.svgmath_version
    cache = json.loads(cache_file.read_text()) if cache_file.is_file() else {}
    if cache.get("version") != version:
        cache = {"version": version, "pages": {}}
    wanted, todo = {}, {}
    for docname in sorted(env.found_docs):
        formulas = _formulas(env.get_doctree(docname))
        if not formulas:
            continue
        key = hashlib.sha256(json.dumps(formulas).encode()).hexdigest()
        wanted[docname] = key
        if cache["pages"].get(docname, {}).get("key") != key:
            todo[docname] = formulas
    if todo or "css" not in cache:
        result = _run_child(todo)
        for docname, page in result["pages"].items():
            keys = [_key(tex, display) for tex, display in todo[docname]]
            html = dict(zip(keys, page["html"], strict=True))
            cache["pages"][docname] = {"key": wanted[docname], "html": html, "defs": page["defs"]}
        cache["css"] = result["css"]
        cache_file.write_text(json.dumps(cache))
    app.builder.svgmath = {name: cache["pages"][name] for name in wanted}  # the writers read it
    app.builder.svgmath_css = cache["css"]


def _svg(self, node) -> str:
    """The typeset HTML of a formula of the page being written."""
    return self.builder.svgmath[self.builder.current_docname]["html"][_key(*_formula(node))]


def visit_math(self, node: nodes.math) -> None:
    self.body.append(self.starttag(node, "span", "", CLASS="math notranslate nohighlight"))
    self.body.append(_svg(self, node) + "</span>")
    raise nodes.SkipNode


def visit_displaymath(self, node: nodes.math_block) -> None:
    from sphinx.util.math import get_node_equation_number

    self.body.append(self.starttag(node, "div", CLASS="math notranslate nohighlight"))
    if node["number"]:
        self.body.append(f'<span class="eqno">({get_node_equation_number(self, node)})')
        self.add_permalink_ref(node, "Link to this equation")
        self.body.append("</span>")
    self.body.append(_svg(self, node) + "</div>\n")
    raise nodes.SkipNode


def _page_defs(app, pagename, templatename, context, doctree) -> None:
    """Put the glyphs of the page's formulas at the top of its body."""
    page = getattr(app.builder, "svgmath", {}).get(pagename)
    if page and context.get("body"):
        defs = page["defs"].replace("<defs>", '<defs id="svgmath-glyphs">', 1)
        hidden = '<svg style="display:none" aria-hidden="true">'
        context["body"] = hidden + defs + "</svg>" + context["body"]


def _write_css(app, exception) -> None:
    if exception is None and hasattr(app.builder, "svgmath_css"):
        static = Path(app.outdir) / "_static"
        static.mkdir(exist_ok=True)
        (static / "svgmath.css").write_text(app.builder.svgmath_css, encoding="utf-8")


def setup(app):
    # A change of this file or of MathJax is a change of the configuration: every page is read,
    # typeset and written again.
    version = hashlib.sha256(Path(__file__).read_bytes() + str(MATHJAX).encode()).hexdigest()
    app.add_config_value("svgmath_version", version[:16], "env")
    app.add_html_math_renderer("svg", (visit_math, None), (visit_displaymath, None))
    app.connect("env-updated", _typeset_all)
    app.connect("html-page-context", _page_defs)
    app.connect("build-finished", _write_css)
    app.add_css_file("svgmath.css")


if __name__ == "__main__":
    json.dump(_typeset(json.load(sys.stdin)), sys.stdout)

"""What makes the book's pages load like static text pages: no script blocks the first paint,
no figure below the fold is fetched before the reader scrolls near it, and nothing moves when
one arrives.

* Every script file is loaded with ``defer``: it runs after the page is parsed, in order, so the
  text and figures show first. (Inline scripts, which only set a few variables, still run at once.)
* A dropdown admonition (``:class: dropdown``, the exercises' solutions) becomes a native
  ``<details>`` element: closed without any script, so no script has to hide it after the first
  paint and shift the page. This replaces sphinx-togglebutton.
* Each figure gets its width and height, read from the SVG file, so the browser reserves its box
  before the file arrives, and is loaded lazily: the browser fetches it when the reader scrolls
  near (a figure already near the top is fetched as soon as the page is laid out).
* Code blocks, displayed formulas, and the paragraphs and boxes that start below the first view
  are laid out only when the reader nears them (CSS ``content-visibility: auto``, in
  ``nnbook.css``), which spares a long chapter most of its layout work before the first paint.
  Code blocks and formulas get the height they will have (from their number of lines, or the
  formula's height); a paragraph's height is guessed, so nothing in the first view waits.
  Never a whole section, nor anything holding a button or a link outside running text: a skipped
  element's contents have no real position, and a target must always have one.
* The stylesheets are served as one file, ``_static/site.css``: one request blocks the first
  paint instead of seven. Rules for the colours of terminal output, which no page has, are left
  out of it.
* Code blocks, outputs and displayed formulas that may scroll sideways (on a phone most do) can be
  reached with the keyboard (``tabindex="0"``), set here rather than by a script measuring every
  block as the page loads.
* Each code block's "Copy" button is written into the page here, hidden, after the code; one
  small script (``_static/copy.js``) shows it while the reader points at, touches or focuses the
  block (one button at a time), and handles every click. This replaces sphinx-copybutton, whose
  script built a button for every block after the page had loaded.

Used from ``conf.py``: ``pagespeed.setup(app)``.
"""

from __future__ import annotations

import hashlib
import html
import re
import zlib
from pathlib import Path

from docutils import nodes
from sphinx import addnodes
from sphinx.builders.html._assets import _CascadingStyleSheet, _JavaScript
from sphinx.transforms.post_transforms import SphinxPostTransform

# -- scripts -------------------------------------------------------------------------------------


# The theme's script takes the class "no-js" off <html> once the page is parsed, and so has the
# style of every element of the page computed again; taken off before the body is read, it costs
# nothing. (The theme hides its light/dark switch while the class is there.)
NO_JS = '<script>document.documentElement.classList.remove("no-js")</script>'


def _defer_scripts(app, pagename, templatename, context, doctree) -> None:
    context["metatags"] = NO_JS + "\n" + context.get("metatags", "")
    if pagename == "search":  # its template adds the search scripts, which need doctools.js first
        return
    scripts = []
    for script in context.get("script_files", []):
        attributes = dict(script.attributes)
        if script.filename and not {"async", "defer"} & set(attributes):
            script = _JavaScript(
                script.filename, priority=script.priority, defer="defer", **attributes
            )
        scripts.append(script)
    context["script_files"] = scripts


# -- dropdowns -----------------------------------------------------------------------------------
class dropdown(nodes.General, nodes.Element):  # noqa: N801 - docutils names nodes in lower case
    """An admonition that opens on a click: ``<details>``."""


class dropdown_title(nodes.General, nodes.TextElement):  # noqa: N801
    """Its always-visible title: ``<summary>``."""


class Dropdowns(SphinxPostTransform):
    """Turn admonitions with the class ``dropdown`` into :class:`dropdown` nodes."""

    default_priority = 200
    formats = ("html",)

    def run(self, **kwargs) -> None:
        for node in list(self.document.findall(nodes.Admonition)):
            if "dropdown" not in node["classes"]:
                continue
            details = dropdown("", classes=["admonition", *node["classes"]], ids=node["ids"])
            for child in node.children:
                if isinstance(child, nodes.title):
                    child = dropdown_title("", "", *child.children)
                details += child
            node.replace_self(details)


def _visit_dropdown(self, node) -> None:
    self.body.append(self.starttag(node, "details"))


def _depart_dropdown(self, node) -> None:
    self.body.append("</details>\n")


def _visit_dropdown_title(self, node) -> None:
    self.body.append(self.starttag(node, "summary", "", CLASS="admonition-title"))


def _depart_dropdown_title(self, node) -> None:
    self.body.append("</summary>\n")


# -- figures ---------------------------------------------------------------------------------------
IMG = re.compile(r'<img ([^>]*?)src="([^"]*?_images/[^"]+\.svg)"([^>]*)/?>')
SVG_SIZE = re.compile(r'<svg[^>]*?\bwidth="([\d.]+)(pt|px)?"[^>]*?\bheight="([\d.]+)(pt|px)?"')
PX_PER_PT = 96 / 72


def _svg_size(path: Path) -> tuple[int, int] | None:
    match = SVG_SIZE.search(path.read_text(encoding="utf-8", errors="replace")[:2000])
    if not match:
        return None
    width, w_unit, height, h_unit = match.groups()
    scale = {None: 1.0, "px": 1.0, "pt": PX_PER_PT}
    return round(float(width) * scale[w_unit]), round(float(height) * scale[h_unit])


def _size_and_defer_figures(app, pagename, templatename, context, doctree) -> None:
    body = context.get("body")
    if not body:
        return
    # The builder knows where each image it copies to _images/ comes from.
    sources = {Path(dest).name: Path(app.srcdir) / src for src, dest in app.builder.images.items()}

    def attributes(match) -> str:
        before, src, after = match.groups()
        tag = match.group(0)
        if "loading=" in tag:
            return tag
        extra = []
        source = sources.get(Path(src).name)
        size = _svg_size(source) if source and source.is_file() else None
        if size:
            extra.append(f'width="{size[0]}" height="{size[1]}"')
        extra.append('loading="lazy" decoding="async"')
        return f'<img {before}src="{src}" {" ".join(extra)}{after.rstrip(" /")} />'

    context["body"] = IMG.sub(attributes, body)


# -- stylesheets -----------------------------------------------------------------------------------
BUNDLE = "site.css"
SOURCE_MAP = re.compile(r"/\*# sourceMappingURL=.*?\*/")


def _bundle_stylesheets(app, pagename, templatename, context, doctree) -> None:
    sheets = context.get("css_files", [])
    if not sheets:
        return
    # Every page has the same stylesheets; the first page written (by this process) names them.
    if not hasattr(app.builder, "pagespeed_css"):
        app.builder.pagespeed_css = [str(sheet.filename) for sheet in sheets]
    context["css_files"] = [_CascadingStyleSheet(f"_static/{BUNDLE}", priority=500)]


# myst-nb's stylesheet colours the output of programs that write terminal colour codes: 529 rules
# for the classes "-Color-..." of its outputs, a quarter of all the site's rules. The browser reads
# and indexes every rule before the first paint, so they are left out while no page has one.
TERMINAL_COLOURS = re.compile(r"[^{}]*\.-Color[^{}]*\{[^{}]*\}")


def _without_unused_rules(css: str, pages) -> str:
    """``css`` without the terminal-colour rules, unless one of ``pages`` (their HTML) uses
    them."""
    if any("-Color" in text for text in pages):
        return css
    return TERMINAL_COLOURS.sub("", css)


def _write_bundle(app, exception) -> None:
    """Concatenate the stylesheets, in their order, once every static file is in place, and
    version the pages' links to it."""
    names = getattr(app.builder, "pagespeed_css", None)
    if exception is not None or not names:
        return
    outdir = Path(app.outdir)
    parts = []
    for name in names:
        path = outdir / name if name.startswith("_static/") else outdir / "_static" / name
        parts.append(f"/* {path.relative_to(outdir)} */\n" + SOURCE_MAP.sub("", path.read_text()))
    # Each page is read once: to see which rules it needs, then to version its links.
    pages = {page: page.read_text(encoding="utf-8") for page in outdir.rglob("*.html")}
    css = _without_unused_rules("\n".join(parts), pages.values())
    bundle = outdir / "_static" / BUNDLE
    bundle.write_text(css, encoding="utf-8")
    # The page for a missing address (sphinx-notfound-page) links from the site's root URL.
    root_url = getattr(app.config, "notfound_urls_prefix", None) or "/"
    _version_links(pages, outdir, bundle, root_url)


LINK = re.compile(r'href="([^"]*_static/site\.css)(?:\?v=[0-9a-f]+)?"')


def _version_links(pages: dict[Path, str], outdir: Path, bundle: Path, root_url: str = "/") -> None:
    """Make the links of ``pages`` (path -> HTML) to ``bundle`` carry its checksum
    (``site.css?v=...``), and write the pages that change.

    Sphinx versions a stylesheet's link with the checksum of the file it finds as the page is
    written, and the bundle is written after the pages: the links would name the previous build's
    stylesheet (or none, in a fresh build), and a browser could keep an old copy of the new one.
    A link from ``root_url`` is to ``outdir``; a page of another edition, with its own bundle, is
    left alone."""
    version = f"{zlib.crc32(bundle.read_bytes()):08x}"
    for page, text in pages.items():

        def link(match, page=page) -> str:
            href = match.group(1)
            if href.startswith("/"):
                target = outdir / href.removeprefix(root_url) if href.startswith(root_url) else None
            else:
                target = page.parent / href
            if target is None or target.resolve() != bundle.resolve():
                return match.group(0)
            return f'href="{href}?v={version}"'

        versioned = LINK.sub(link, text)
        if versioned != text:
            page.write_text(versioned, encoding="utf-8")


# -- keyboard access to what scrolls --------------------------------------------------------------
SCROLLS = re.compile(r'<(pre|div class="(?:math-wrapper|table-wrapper)[^"]*")(?![^>]*tabindex)')


def _focusable_scrollers(app, pagename, templatename, context, doctree) -> None:
    if context.get("body"):
        context["body"] = SCROLLS.sub(lambda m: f'<{m.group(1)} tabindex="0"', context["body"])


# -- content laid out when near ------------------------------------------------------------------
PRE = re.compile(r"<pre([^>]*)>(.*?)</pre>", re.S)
MATH_BLOCK = re.compile(r'<div class="math-wrapper([^"]*)"([^>]*)>(.*?</mjx-container>)', re.S)
SVG_HEIGHT = re.compile(r'<svg[^>]*? height="([\d.]+)ex"')


# A paragraph or box that starts after this much text lies below the first view, even in a wide
# desktop window; only those are laid out when near (their height is guessed until then).
FIRST_VIEW_CHARS = 4000
LATER = re.compile(r'<p(?=[ >])([^>]*)>|<div class="(admonition (?![^"]*dropdown)[^"]*)"')
TAG = re.compile(r"<[^>]*>")


def _text_before(body: str):
    """A function that tells how many characters of text ``body`` has before a position; asked
    about positions in increasing order, it reads each part of the page once."""
    seen = {"text": 0, "end": 0}

    def upto(position: int) -> int:
        seen["text"] += len(TAG.sub("", body[seen["end"] : position]))
        seen["end"] = position
        return seen["text"]

    return upto


# An API entry's description (its <dd>) below the first view is laid out when near; until then it
# keeps a height the build guesses from its text. The guess must not fall short: the lines of a
# description taller than its guess would lie over the next entry's links (Lighthouse's
# target-size audit lays out what it checks). So it counts this many characters to a line, fewer
# than a phone's narrow column holds, and more lines for each block. A guess too tall only makes
# the scroll bar run ahead. The signature (<dt>) stays: the contents list links to it, and the
# theme finds where each link's target lies as the page loads.
ENTRY_CHARS_PER_LINE = 32
DL = re.compile(r'<dl class="py [a-z]+">|<dl\b[^>]*>|</dl>')
BLOCK = re.compile(r"<(?:p|li|dt|dd|pre|div|table|tr)\b")


def _mark_later_entries(body: str) -> str:
    """Mark the descriptions of the API entries (top-level ``dl.py``) below the first view with
    the class ``later`` and the number of lines they may take (``--lines``)."""
    depth, start, entries = 0, None, []
    for match in DL.finditer(body):
        if match.group(0) == "</dl>":
            depth -= 1
            if depth == 0 and start is not None:
                entries.append((start, match.end()))
                start = None
            continue
        if depth == 0 and match.group(0).startswith('<dl class="py'):
            start = match.start()
        depth += 1
    out, end, text_before = [], 0, _text_before(body)
    for first, last in entries:
        description = body.find("<dd>", first, last)
        if description < 0 or text_before(description) < FIRST_VIEW_CHARS:
            continue
        content = body[description:last]
        lines = len(TAG.sub("", content)) // ENTRY_CHARS_PER_LINE + 2 * len(BLOCK.findall(content))
        lines += sum(int(n) for n in re.findall(r'style="--lines: (\d+)"', content))
        lines += sum(round(float(ex)) for ex in re.findall(r'style="--ex: ([\d.]+)"', content))
        out += [body[end:description], f'<dd class="later" style="--lines: {lines}">']
        end = description + len("<dd>")
    return "".join(out) + body[end:]


def _members_out_of_contents(app, doctree) -> None:
    """The contents of an API page list its classes and functions, not each of their members.

    The theme finds, as the page loads, where every link of the contents points; a member's
    entry lies inside a description that is laid out only when near (above), and finding it
    would lay them all out at once."""
    for desc in doctree.findall(addnodes.desc):
        if isinstance(desc.parent, addnodes.desc_content):
            desc["no-contents-entry"] = True


def _mark_later(body: str) -> str:
    """Mark the paragraphs and boxes below the first view with the class ``later``.

    On the API pages, the entries' whole descriptions, with a height guessed from their text:
    the lines of a paragraph there that spilled past its own guessed height would lie over the
    links of the next entry until the reader came near."""
    if '<dl class="py' in body:
        return _mark_later_entries(body)
    text_before = _text_before(body)

    def mark(match) -> str:
        if text_before(match.start()) < FIRST_VIEW_CHARS:
            return match.group(0)
        if match.group(2) is not None:  # an admonition
            return f'<div class="{match.group(2)} later"'
        attributes = match.group(1)
        if 'class="' in attributes:
            return "<p" + attributes.replace('class="', 'class="later ', 1) + ">"
        return f'<p class="later"{attributes}>'

    return LATER.sub(mark, body)


def _lazy_layout(app, pagename, templatename, context, doctree) -> None:
    """Give code blocks and displayed formulas the size they will have once laid out, and mark
    the paragraphs and boxes below the first view."""
    body = context.get("body")
    if not body:
        return

    def pre(match) -> str:
        attributes, content = match.groups()
        lines = max(content.count("\n"), 1)
        return f'<pre{attributes} style="--lines: {lines}">{content}</pre>'

    def math(match) -> str:
        classes, attributes, content = match.groups()
        height = SVG_HEIGHT.search(content)
        style = f' style="--ex: {height.group(1)}"' if height else ""
        return f'<div class="math-wrapper{classes}"{attributes}{style}>{content}'

    context["body"] = _mark_later(MATH_BLOCK.sub(math, PRE.sub(pre, body)))


# -- copy buttons ----------------------------------------------------------------------------------
# Code (cells' inputs, listings), not outputs: an output's box starts "output ... highlight-...".
CODE = re.compile(
    r'(<div class="highlight-[\w-]+ notranslate"><div class="highlight"><pre.*?</pre>)', re.S
)
# The button's words; an edition in another language sets pagespeed_copy_words to its own.
COPY_WORDS = {"copy": "Copy", "copied": "Copied", "failed": "Copy failed"}


def _copy_buttons(app, pagename, templatename, context, doctree) -> None:
    words = {key: html.escape(value) for key, value in app.config.pagespeed_copy_words.items()}
    button = (  # copy.js shows it, and says what happened in the words given here
        f'<button class="copy-code" type="button" data-copied="{words["copied"]}" '
        f'data-failed="{words["failed"]}" hidden>{words["copy"]}</button>'
    )
    if context.get("body"):
        context["body"] = CODE.sub(lambda m: m.group(1) + button, context["body"])


def setup(app):
    # A change of this file changes every page (and what is read from them): a change of the
    # configuration that re-reads every page.
    version = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]
    app.add_config_value("pagespeed_version", version, "env")
    app.add_config_value("pagespeed_copy_words", COPY_WORDS, "html")
    app.add_node(dropdown, html=(_visit_dropdown, _depart_dropdown))
    app.add_node(dropdown_title, html=(_visit_dropdown_title, _depart_dropdown_title))
    app.add_post_transform(Dropdowns)
    app.connect("html-page-context", _defer_scripts)
    app.connect("html-page-context", _size_and_defer_figures)
    app.connect("html-page-context", _copy_buttons)
    app.connect("html-page-context", _lazy_layout)
    app.connect("doctree-read", _members_out_of_contents, priority=400)  # before the contents
    app.connect("html-page-context", _focusable_scrollers)
    app.add_js_file("copy.js")
    app.connect("html-page-context", _bundle_stylesheets, priority=900)  # after furo adds its own
    app.connect("build-finished", _write_bundle, priority=900)  # after furo rewrites pygments.css

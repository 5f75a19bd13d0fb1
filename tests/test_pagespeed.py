"""The page-speed build step (docs/_ext/pagespeed.py): what it marks to be laid out only when
the reader comes near."""

from __future__ import annotations

import zlib
from pathlib import Path

import pytest
from file_module import load_module

PAGESPEED = Path(__file__).resolve().parents[1] / "docs" / "_ext" / "pagespeed.py"


@pytest.fixture
def pagespeed():
    return load_module(PAGESPEED)


def test_only_what_starts_below_the_first_view_is_marked(pagespeed):
    first_view = "<p>" + "x" * pagespeed.FIRST_VIEW_CHARS + "</p>"
    body = (
        first_view
        + '<p id="a">later text</p>'
        + '<p class="rubric">a heading-like paragraph</p>'
        + '<div class="admonition note">a box</div>'
        + '<details class="dropdown admonition"><div class="admonition dropdown">folded</div>'
        + "<pre>not a paragraph</pre>"
    )
    marked = pagespeed._mark_later(body)
    assert marked.startswith(first_view)  # in view at first: laid out at once, never guessed
    assert '<p class="later" id="a">' in marked
    assert '<p class="later rubric">' in marked
    assert '<div class="admonition note later">' in marked
    assert '<div class="admonition dropdown">' in marked  # folded boxes are not marked
    assert "<pre>not a paragraph</pre>" in marked


def test_text_before_the_threshold_is_counted_without_markup(pagespeed):
    markup = '<span class="' + "m" * 10 * pagespeed.FIRST_VIEW_CHARS + '">x</span>'
    body = f"<p>{markup}</p><p>soon</p>"
    assert pagespeed._mark_later(body) == body  # a page of markup is not a page of text


def test_api_pages_are_left_alone(pagespeed):
    body = "<p>" + "x" * 2 * pagespeed.FIRST_VIEW_CHARS + '</p><dl class="py function"><p>e</p>'
    assert pagespeed._mark_later(body) == body


def test_terminal_colour_rules_are_dropped_while_no_page_uses_them(pagespeed, tmp_path):
    css = (
        "div.cell { margin: 0 }\n"
        "/* Font colors for translated ANSI escape sequences */\n"
        "div.highlight .-Color-Bold { font-weight: bold; }\n"
        "div.highlight .-Color[class*=-C90] { color: #870087 }\n"
        "@media print { div.cell { max-height: unset } }\n"
    )
    pages = ['<pre class="output">plain</pre>']
    kept = pagespeed._without_unused_rules(css, pages)
    assert "-Color" not in kept and "ANSI" not in kept
    assert "div.cell { margin: 0 }" in kept and "@media print { div.cell" in kept
    pages.append('<span class="-Color -C90">x</span>')
    assert pagespeed._without_unused_rules(css, pages) == css


def test_links_to_the_stylesheet_carry_its_checksum(pagespeed, tmp_path):
    """The bundle is written after the pages, so the pages' links get its checksum then."""
    bundle = tmp_path / "_static" / "site.css"
    bundle.parent.mkdir()
    bundle.write_text("body { margin: 0 }", encoding="utf-8")
    (tmp_path / "api").mkdir()
    (tmp_path / "index.html").write_text('<link href="_static/site.css?v=0badc0de" />', "utf-8")
    (tmp_path / "api" / "core.html").write_text('<link href="../_static/site.css" />', "utf-8")
    (tmp_path / "404.html").write_text('<link href="/book/_static/site.css" />', "utf-8")
    other = tmp_path / "ko" / "index.html"  # another edition, with its own bundle
    (tmp_path / "ko" / "_static").mkdir(parents=True)
    other.write_text('<link href="_static/site.css?v=0badc0de" />', "utf-8")
    (tmp_path / "ko" / "404.html").write_text('<link href="/book/ko/_static/site.css" />', "utf-8")
    pages = {page: page.read_text(encoding="utf-8") for page in tmp_path.rglob("*.html")}
    pagespeed._version_links(pages, tmp_path, bundle, "/book/")
    version = f"{zlib.crc32(b'body { margin: 0 }'):08x}"
    assert (tmp_path / "index.html").read_text() == f'<link href="_static/site.css?v={version}" />'
    assert f'"../_static/site.css?v={version}"' in (tmp_path / "api" / "core.html").read_text()
    assert f'"/book/_static/site.css?v={version}"' in (tmp_path / "404.html").read_text()
    assert other.read_text() == '<link href="_static/site.css?v=0badc0de" />'
    assert "?v=" not in (tmp_path / "ko" / "404.html").read_text()

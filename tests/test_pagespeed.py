"""The page-speed build step (docs/_ext/pagespeed.py): what it marks to be laid out only when
the reader comes near."""

from __future__ import annotations

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

"""The runner of the book's live code cells (docs/_static/live/runner.py), under CPython.

In the browser it runs in Pyodide; its logic is plain Python, so it is tested here: what reaches
the page for printed text, a last expression, a figure, an error, glue and display.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from file_module import load_module

RUNNER = Path(__file__).resolve().parents[1] / "docs" / "_static" / "live" / "runner.py"


@pytest.fixture
def session(monkeypatch):
    # The stand-ins go into sys.modules only where the real modules are absent, as in the
    # browser; here myst_nb and IPython are installed, so hide them for the test.
    for name in ("myst_nb", "IPython", "IPython.display"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    runner = load_module(RUNNER)
    events: list[tuple[str, str]] = []
    session = runner.Session(lambda kind, data: events.append((kind, data)))
    session.prepare_matplotlib()
    monkeypatch.setitem(sys.modules, "myst_nb", sys.modules["myst_nb"])
    session.events = events
    yield session
    for name in ("myst_nb", "IPython", "IPython.display"):
        sys.modules.pop(name, None)


def test_printed_text_and_the_last_expression(session):
    assert session.run("x = 2\nprint('x is', x)\nx * 21")
    assert session.events == [("stdout", "x is"), ("stdout", " "), ("stdout", "2"),
                              ("stdout", "\n"), ("text", "42")]  # fmt: skip


def test_cells_share_one_namespace_and_a_semicolon_hides_the_value(session):
    session.run("a = [1, 2]")
    session.run("a.append(3);")
    session.run("len(a)")
    assert session.events == [("text", "3")]


def test_a_value_with_html_is_shown_as_html(session):
    session.run("class Box:\n    def _repr_html_(self):\n        return '<b>hi</b>'\nBox()")
    assert session.events == [("html", "<b>hi</b>")]


def test_an_error_shows_the_cells_own_lines(session):
    assert not session.run("def f(x):\n    return 1 / x\n\nf(0)", name="<cell 3>")
    ((kind, text),) = session.events
    assert kind == "error"
    assert text.startswith("Traceback (most recent call last):\n")
    assert 'File "<cell 3>", line 4' in text and "return 1 / x" in text
    assert text.rstrip().endswith("ZeroDivisionError: division by zero")
    assert "runner.py" not in text


def test_a_syntax_error_is_reported(session):
    assert not session.run("print(1", name="<cell 1>")
    ((kind, text),) = session.events
    assert kind == "error" and "SyntaxError" in text


def test_figures_are_sent_as_svg_when_shown_and_at_the_end(session):
    session.run("import matplotlib.pyplot as plt\nplt.plot([1, 2])\nplt.show()\nprint('after')")
    kinds = [kind for kind, _ in session.events]
    assert kinds == ["figure", "stdout", "stdout"]
    assert session.events[0][1].lstrip().startswith(("<?xml", "<svg"))
    session.events.clear()
    session.run("plt.figure(); plt.plot([3, 4]);")  # not shown: sent when the cell ends
    assert [kind for kind, _ in session.events] == ["figure"]


def test_glue_and_display_stand_ins(session):
    session.run("from myst_nb import glue\nglue('k', 5, display=False)\nglue('k', 6)")
    session.run("from IPython.display import display, HTML\ndisplay(HTML('<i>x</i>'), 7)")
    assert session.events == [("text", "6"), ("html", "<i>x</i>"), ("text", "7")]

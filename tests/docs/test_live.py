"""Live code: the chapters' cells run, and can be edited, in the reader's browser.

Serves the built site over http and drives headless Chromium: on every chapter the first cell
and the first cell that draws a figure run in the browser (Pyodide, from the site's own files);
an edited cell runs the reader's code; an exercise gives its verdict on a wrong and a right
answer; nnbook's own checks pass under the browser's Python 3.12 and NumPy 2.0. No request may
leave the site: every other host is routed away, and Chromium cannot even resolve one.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from chromium import ONLY_THIS_MACHINE

RUN_TIMEOUT_MS = 180_000  # a cold start and the cells above a figure, on a slow machine


@pytest.fixture(scope="module")
def context(launch):
    """One browser profile for the module, as one reader: its HTTP cache warms up."""
    context = launch(ONLY_THIS_MACHINE).new_context()
    context.outside = []  # requests to any host but the site's
    context.errors = []
    return context


def _open(context, server, name):
    origin = urlsplit(server).netloc
    page = context.new_page()

    def guard(route):
        url = route.request.url
        if urlsplit(url).netloc == origin or url.startswith(("data:", "blob:", "about:")):
            route.continue_()
        else:
            context.outside.append(url)
            route.abort()

    page.route("**/*", guard)
    page.on("pageerror", lambda exc: context.errors.append(f"{name}: {exc}"))
    page.goto(f"{server}/{name}.html", wait_until="load")
    return page


def _run(page, cell):
    """Click the cell's Run button and wait until the browser has run it; its output."""
    # The page forgets an earlier run's verdict when the click is handled, but the click may
    # return before that (on a busy machine): forget it here first, so that only this run counts.
    cell.locator(".live-output").evaluate_all("outs => outs.forEach(o => delete o.dataset.done)")
    cell.locator("button.live-run").click()
    output = cell.locator(".live-output[data-done]")
    output.wait_for(timeout=RUN_TIMEOUT_MS, state="attached")
    return output


def _set_code(page, cell, code):
    editor = cell.locator("div.cell_input pre")
    assert editor.get_attribute("contenteditable") == "plaintext-only"
    editor.evaluate("(pre, code) => { pre.textContent = code; }", code)


def test_every_chapter_runs_its_first_cell_and_a_figure(site, server, context, chapters):
    for name in chapters:
        page = _open(context, server, name)
        first = page.locator("div.cell[data-cell]:has(button.live-run)").first
        output = _run(page, first)
        assert output.get_attribute("data-done") == "ok", f"{name}: {output.inner_text()}"
        # The first cell whose static output is a figure, drawn again by the browser.
        drawing = page.locator("div.cell[data-cell]:has(button.live-run):has(.cell_output img)")
        if drawing.count():
            output = _run(page, drawing.first)
            assert output.get_attribute("data-done") == "ok", f"{name}: {output.inner_text()}"
            assert output.locator("img.live-figure").count() >= 1, name
        page.close()
    assert not context.outside, context.outside
    assert not context.errors, context.errors


def test_an_edited_cell_runs_the_readers_code(site, server, context):
    page = _open(context, server, "preface")
    cell = page.locator("div.cell[data-cell]:has(button.live-run)").first
    _run(page, cell)  # starts the session; the code becomes editable
    _set_code(page, cell, "answer = 6 * 7\nprint('the answer is', answer)\nanswer + 1")
    output = _run(page, cell)
    assert output.inner_text().split() == ["the", "answer", "is", "42", "43"]
    assert not context.outside


def test_an_exercise_gives_its_verdict_in_the_page(site, server, context):
    page = _open(context, server, "backpropagation")
    cell = page.locator("div.cell[data-cell]:has-text('def sigmoid_backward_attempt')").first
    check = "\nprint(exercises.check('sigmoid_backward', sigmoid_backward_attempt))"
    _run(page, cell)  # the chapter's own wrong attempt, and every cell above it
    wrong = "def sigmoid_backward_attempt(x, grad_out):\n    return grad_out * x * (1 - x)\n"
    _set_code(page, cell, wrong + check)
    assert "✗ sigmoid_backward" in _run(page, cell).inner_text()
    right = (
        "def sigmoid_backward_attempt(x, grad_out):\n"
        "    s = nnbook.functional.sigmoid(x)\n"
        "    return grad_out * s * (1 - s)\n"
    )
    _set_code(page, cell, right + check)
    assert "✓ sigmoid_backward" in _run(page, cell).inner_text()
    assert not context.outside


def test_nnbook_passes_its_checks_on_the_browsers_python(site, server, context):
    """nnbook works on Python 3.12 with NumPy 2.0, what Pyodide 0.27 has."""
    page = _open(context, server, "preface")
    cell = page.locator("div.cell[data-cell]:has(button.live-run)").first
    _run(page, cell)
    _set_code(
        page,
        cell,
        "import sys, numpy as np, nnbook\n"
        "from nnbook.gradcheck import check_module\n"
        "print(sys.version_info[:2], np.__version__)\n"
        "rng = np.random.default_rng(0)\n"
        "modules = [(nnbook.Linear(3, 4, rng=0), (5, 3)), (nnbook.LSTM(3, 4, rng=0), (2, 5, 3)),\n"
        "           (nnbook.Conv2d(2, 3, 3, padding=1, rng=0), (2, 2, 5, 5)),\n"
        "           (nnbook.MultiheadAttention(4, 2, rng=0), None)]\n"
        "worst = 0.0\n"
        "for module, shape in modules:\n"
        "    if shape is None:\n"
        "        x = rng.standard_normal((2, 3, 4))\n"
        "        errors = check_module(module, x, x.copy(), x.copy())\n"
        "    else:\n"
        "        errors = check_module(module, rng.standard_normal(shape))\n"
        "    worst = max(worst, *errors.values())\n"
        "print('worst relative error', worst < 1e-6)\n",
    )
    text = _run(page, cell).inner_text()
    assert "(3, 12) 2.0.2" in text and "worst relative error True" in text, text


def test_a_page_opened_as_a_file_says_to_serve_it(site, context):
    page = context.new_page()
    page.goto(Path(site / "preface.html").as_uri())
    cell = page.locator("div.cell[data-cell]:has(button.live-run)").first
    cell.locator("button.live-run").click()
    message = cell.locator(".live-output .live-status")
    message.wait_for(timeout=10_000)
    assert "make serve" in message.inner_text()
    page.close()


def test_the_korean_edition_runs_cells_from_the_english_sites_pyodide(site, server, context):
    """The Korean pages (ko/) run their cells with the English site's copy of Pyodide, and say
    so in Korean."""
    assert not (site / "ko" / "_live" / "pyodide").exists(), "the Korean edition copies Pyodide"
    page = _open(context, server, "ko/feedforward")
    fetched = []
    page.on("request", lambda request: fetched.append(urlsplit(request.url).path))
    cell = page.locator("div.cell[data-cell]:has(button.live-run)").first
    assert cell.locator("button.live-run").inner_text() == "실행"
    output = _run(page, cell)
    assert output.get_attribute("data-done") == "ok", output.inner_text()
    assert any(path.startswith("/_live/pyodide/") for path in fetched), fetched
    assert "실행 완료" in page.locator(".live-session").inner_text()
    assert not context.outside, context.outside
    page.close()

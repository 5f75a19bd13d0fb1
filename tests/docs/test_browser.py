"""A reader's smoke test: every page of the built site in headless Chromium.

Fails on a request to another host, a console error, an HTTP error, math left unrendered, an
image without alt text, or a critical or serious accessibility violation found by axe-core.
Needs Python playwright and a system Chromium (``.ci/run`` installs Debian's); without them it
is skipped with the reason.
"""

from __future__ import annotations

import functools
import shutil
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# Run in the page once MathJax has finished: every TeX source must have become an SVG.
CHECK_MATH = """async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
  }
  const math = [...document.querySelectorAll('.math')];
  const raw = math.filter(el => !el.querySelector('mjx-container')).map(el => el.textContent);
  return {count: math.length, raw: raw.slice(0, 5), loaded: Boolean(window.MathJax)};
}"""

CHECK_IMAGES = """() => [...document.images]
  .filter(img => !(img.getAttribute('alt') || '').trim()
                 || /\\.(svg|png|jpe?g)$/i.test(img.getAttribute('alt')))
  .map(img => img.getAttribute('src'))"""


# npm's axe-core, pinned in package.json beside this file (`make test` installs it with npm).
AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"


def _axe_script() -> str:
    """axe-core's browser script."""
    if not AXE.is_file():
        pytest.skip("axe-core is not installed: npm ci --prefix tests/docs (make test does it)")
    return AXE.read_text(encoding="utf-8")


RUN_AXE = """async () => {
  // MathJax's SVG output is thousands of nodes with its own accessible label; skip inside it.
  const results = await axe.run({exclude: [['mjx-container svg']]}, {resultTypes: ['violations']});
  return results.violations
    .filter(v => v.impact === 'critical' || v.impact === 'serious')
    .map(v => `${v.impact} ${v.id}: ` +
              v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '));
}"""


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest's output clean
        pass


@pytest.fixture(scope="module")
def server(site):
    handler = functools.partial(_QuietHandler, directory=str(site))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    thread.join()


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("no chromium on PATH (Debian: apt-get install chromium)")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _pages(site) -> list[str]:
    skip = ("_static", "_sources", "_downloads", "_images", "_modules")
    return sorted(
        p.relative_to(site).as_posix()
        for p in site.rglob("*.html")
        if not p.relative_to(site).as_posix().startswith(skip)
    )


def test_every_page_loads_cleanly(site, server, browser):
    axe_script = _axe_script()
    pages = _pages(site)
    assert len(pages) >= 5, pages
    origin = urlsplit(server).netloc
    failures: dict[str, list[str]] = {}
    for page_name in pages:
        problems: list[str] = []
        context = browser.new_context()
        page = context.new_page()

        def guard(route, problems=problems):
            if urlsplit(route.request.url).netloc == origin or route.request.url.startswith(
                ("data:", "blob:", "about:")
            ):
                route.continue_()
            else:
                problems.append(f"request to another host: {route.request.url}")
                route.abort()

        page.route("**/*", guard)
        page.on(
            "console",
            lambda msg, problems=problems: (
                msg.type == "error" and problems.append(f"console error: {msg.text}")
            ),
        )
        page.on("pageerror", lambda exc, problems=problems: problems.append(f"page error: {exc}"))
        page.on(
            "response",
            lambda r, problems=problems: (
                r.status >= 400 and problems.append(f"HTTP {r.status}: {r.url}")
            ),
        )
        response = page.goto(f"{server}/{page_name}", wait_until="load")
        if response is None or response.status != 200:
            problems.append(f"page answered {response and response.status}")
        math = page.evaluate(CHECK_MATH)
        if math["raw"]:
            problems.append(f"unrendered math: {math['raw']}")
        if math["count"] and not math["loaded"]:
            problems.append("MathJax did not load")
        missing_alt = page.evaluate(CHECK_IMAGES)
        if missing_alt:
            problems.append(f"images without alt text: {missing_alt}")
        page.evaluate(axe_script)
        problems.extend(page.evaluate(RUN_AXE))
        context.close()
        if problems:
            failures[page_name] = problems
    assert not failures, "\n".join(f"{k}: {v}" for k, v in failures.items())


def test_math_renders_on_a_chapter(site, server, browser):
    """A positive check, so that a page with no math at all cannot pass the math test silently."""
    page = browser.new_page()
    page.goto(f"{server}/preface.html", wait_until="load")
    math = page.evaluate(CHECK_MATH)
    assert math["count"] > 0 and not math["raw"]
    assert page.locator("mjx-container svg").count() > 0
    page.close()

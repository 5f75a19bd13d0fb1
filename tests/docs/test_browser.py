"""A reader's smoke test: every page of the built site in headless Chromium.

Fails on a request to another host, a console error, an HTTP error, math left untypeset, an
image without alt text, a critical or serious accessibility violation found by axe-core, or a
page that does not load the way a static text page should (see ``_speed_problems``). The site is
served compressed, as static hosts serve it (``site_server.py``).
Needs Python playwright and a system Chromium (``.ci/run`` installs Debian's); without them it
is skipped with the reason.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest

# The math is typeset when the book is built: every formula arrives as an SVG, with no script.
CHECK_MATH = """() => {
  const math = [...document.querySelectorAll('.math')];
  const raw = math.filter(el => !el.querySelector('mjx-container > svg')).map(el => el.textContent);
  return {count: math.length, raw: raw.slice(0, 5), script: Boolean(window.MathJax)};
}"""

# What a page's first view costs and does, measured in the page after it has loaded.
SPEED = """() => {
  const article = document.querySelector('article');
  const images = [...(article ? article.querySelectorAll('img[src*="_images/"]') : [])];
  return {
    blockingScripts: [...document.scripts].filter(s => s.src && !s.defer && !s.async)
      .map(s => s.src),
    stylesheets: document.querySelectorAll('link[rel="stylesheet"]').length,
    unsized: images.filter(i => !i.getAttribute('width') || !i.getAttribute('height'))
      .map(i => i.getAttribute('src')),
    eager: images.filter(i => i.loading !== 'lazy').map(i => i.getAttribute('src')),
    // Chromium fetches lazy images up to 2500 px below the view at once; farther ones must wait.
    farBelow: images.filter(i => i.getBoundingClientRect().top > innerHeight + 3000)
      .map(i => new URL(i.getAttribute('src'), location.href).href),
    layoutShift: window.layoutShift,
  };
}"""
# Layout shifts reach only an observer (the performance timeline does not keep them): count
# them from the start, as Lighthouse does.
OBSERVE_SHIFTS = """window.layoutShift = 0;
new PerformanceObserver(list => {
  for (const e of list.getEntries()) if (!e.hadRecentInput) window.layoutShift += e.value;
}).observe({type: 'layout-shift', buffered: true});"""
FIRST_VIEW_BUDGET = 500 * 1024  # bytes transferred before the reader scrolls (issue: fast pages)
LAYOUT_SHIFT_BUDGET = 0.05
# The phone Lighthouse emulates by default: what shifts, and what is too small to tap, differs
# from a desktop window.
PHONE = {
    "viewport": {"width": 412, "height": 823},
    "device_scale_factor": 1.75,
    "is_mobile": True,
    "has_touch": True,
}

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
  // target-size (WCAG 2.2: 24 px to tap) is off in axe by default; Lighthouse turns it on.
  const results = await axe.run({exclude: [['mjx-container svg']]},
    {resultTypes: ['violations'], rules: {'target-size': {enabled: true}}});
  return results.violations
    .filter(v => v.impact === 'critical' || v.impact === 'serious')
    .map(v => `${v.impact} ${v.id}: ` +
              v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '));
}"""


@pytest.fixture(scope="module")
def browser(launch):
    return launch()


def _pages(site) -> list[str]:
    skip = ("_static", "_sources", "_downloads", "_images", "_modules", "_live")
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
        context = browser.new_context(**PHONE)
        page = context.new_page()
        page.add_init_script(OBSERVE_SHIFTS)

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
        fetched: list = []
        page.on("requestfinished", lambda request, fetched=fetched: fetched.append(request))
        response = page.goto(f"{server}/{page_name}", wait_until="load")
        page.wait_for_timeout(300)  # what is laid out only when in view shifts in the next frames
        if response is None or response.status != 200:
            problems.append(f"page answered {response and response.status}")
        problems.extend(_speed_problems(page, fetched))
        math = page.evaluate(CHECK_MATH)
        if math["raw"]:
            problems.append(f"untypeset math: {math['raw']}")
        if math["script"]:
            problems.append("a math script was loaded; the math is typeset when the book is built")
        missing_alt = page.evaluate(CHECK_IMAGES)
        if missing_alt:
            problems.append(f"images without alt text: {missing_alt}")
        page.evaluate(axe_script)
        problems.extend(page.evaluate(RUN_AXE))
        context.close()
        if problems:
            failures[page_name] = problems
    assert not failures, "\n".join(f"{k}: {v}" for k, v in failures.items())


def _speed_problems(page, fetched) -> list[str]:
    """Why the page, just loaded, does not load like a static text page should."""
    speed = page.evaluate(SPEED)
    # Sphinx's search page is a tool, not reading: its index scripts must run in their order.
    blocking = [] if page.url.endswith("/search.html") else speed["blockingScripts"]
    problems = [f"script blocks the first paint: {src}" for src in blocking]
    if speed["stylesheets"] > 1:
        problems.append(f"{speed['stylesheets']} stylesheets block the first paint, not one")
    if speed["unsized"]:
        problems.append(f"figures without width and height: {speed['unsized']}")
    if speed["eager"]:
        problems.append(f"figures not loaded lazily: {speed['eager']}")
    early = {r.url for r in fetched} & set(speed["farBelow"])
    if early:
        problems.append(f"figures far below the fold were fetched at once: {sorted(early)}")
    if speed["layoutShift"] > LAYOUT_SHIFT_BUDGET:
        problems.append(f"layout shift {speed['layoutShift']:.3f} > {LAYOUT_SHIFT_BUDGET}")
    sent = sum(r.sizes()["responseBodySize"] + r.sizes()["responseHeadersSize"] for r in fetched)
    if sent > FIRST_VIEW_BUDGET:
        problems.append(f"first view transfers {sent / 1024:.0f} KB > {FIRST_VIEW_BUDGET // 1024}")
    return problems


def test_math_is_typeset_on_a_chapter(site, server, browser):
    """A positive check, so that a page with no math at all cannot pass the math test silently:
    the formulas are SVG drawings of a real size, with MathML beside them for screen readers."""
    page = browser.new_page()
    page.goto(f"{server}/backpropagation.html", wait_until="load")
    math = page.evaluate(CHECK_MATH)
    assert math["count"] > 50 and not math["raw"] and not math["script"]
    box = page.locator("div.math mjx-container > svg").first.bounding_box()
    assert box and box["width"] > 20 and box["height"] > 10
    assert page.locator("mjx-assistive-mml math").count() == math["count"]
    assert page.locator("#svgmath-glyphs path").count() > 20  # the glyphs the formulas use
    # A screen reader is given the letters as written: "t", not the mathematical italic "𝑡" a
    # browser draws for a one-letter <mi> (and that a reader would hear named in full).
    cdp = page.context.new_cdp_session(page)
    tree = cdp.send("Accessibility.getFullAXTree")["nodes"]
    said = "".join(
        node.get("name", {}).get("value", "")
        for node in tree
        if node.get("role", {}).get("value") == "StaticText"
    )
    assert "θ" in said and "∂" in said
    swapped = sorted({c for c in said if 0x1D400 <= ord(c) <= 0x1D7FF or c == "ℎ"})
    assert not swapped, swapped
    page.close()


def test_a_page_without_figures_is_light_and_lazy_figures_wait(site, server, browser):
    """The budget holds with room to spare, and a figure far below loads once scrolled to."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.add_init_script(OBSERVE_SHIFTS)
    fetched: list = []
    page.on("requestfinished", lambda request, fetched=fetched: fetched.append(request))
    page.goto(f"{server}/preface.html", wait_until="load")
    assert not _speed_problems(page, fetched)
    sent = sum(r.sizes()["responseBodySize"] for r in fetched)
    assert sent < 150 * 1024, sent
    page.goto(f"{server}/cnn.html", wait_until="load")
    last = page.locator("article img").last
    src = last.get_attribute("src")
    assert not any(r.url.endswith(src.rsplit("/", 1)[-1]) for r in fetched)
    with page.expect_request_finished(lambda r: r.url.endswith(src.rsplit("/", 1)[-1])):
        last.scroll_into_view_if_needed()
    context.close()


# Where a link's target lies once the page has settled: a smooth scroll takes a while, and parts
# of the page laid out on the way must not move the target out of view.
TARGET_TOP = """async (id) => {
  await new Promise(done => setTimeout(done, 2500));
  return document.getElementById(id).getBoundingClientRect().top;
}"""
FOLLOW = """(id) => {
  const link = document.createElement('a');
  link.href = '#' + id;
  document.querySelector('article').prepend(link);
  link.click();
}"""


@pytest.mark.parametrize("size", [{"width": 1280, "height": 900}, PHONE["viewport"]])
def test_a_link_deep_into_a_page_lands_on_its_target(site, server, browser, size):
    """Opened with a fragment, or followed from the same page, a link shows its target at the
    top of the view: parts of the page laid out only when near (``content-visibility``, see
    ``docs/_ext/pagespeed.py``) have guessed heights, and the scroll must not use them."""
    targets = [
        "cnn.html#fig-cnn-weight-sharing",
        "lstm.html#exercises",
        "ko/cnn.html#fig-cnn-weight-sharing",
        "api/functions.html#nnbook.functional.col2im",
    ]
    missed = []
    for target in targets:
        name, fragment = target.split("#")
        page = browser.new_page(viewport=size)
        page.goto(f"{server}/{target}", wait_until="load")
        opened = page.evaluate(TARGET_TOP, fragment)
        page.goto(f"{server}/{name}", wait_until="load")
        page.evaluate(FOLLOW, fragment)
        followed = page.evaluate(TARGET_TOP, fragment)
        page.close()
        # At the top, below the sticky header a phone has (the target's scroll margin).
        if not (0 <= opened < 120 and 0 <= followed < 120):
            missed.append(f"{target}: opened at {opened:.0f} px, followed to {followed:.0f} px")
    assert len(missed) == 0, missed


# The words of a page's title wider than its column: the browser would break them anywhere.
TOO_WIDE = """() => {
  const h1 = document.querySelector('article h1');
  const style = getComputedStyle(h1);
  const measure = document.createElement('canvas').getContext('2d');
  measure.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
  return h1.firstChild.textContent.trim().split(/\\s+/)
    .filter(word => measure.measureText(word).width > h1.clientWidth);
}"""


def test_every_title_fits_a_phone_word_by_word(site, server, browser):
    """At 390 px, no word of a page's title is wider than the column (it was, for
    "Backpropagation", broken as "Backpropagatio / n")."""
    page = browser.new_page(viewport={"width": 390, "height": 844})
    too_wide = {}
    for name in _pages(site):
        page.goto(f"{server}/{name}", wait_until="load")
        if page.locator("article h1").count() and (words := page.evaluate(TOO_WIDE)):
            too_wide[name] = words
    page.close()
    assert not too_wide, too_wide

"""How fast the chapters' code runs in the reader's browser, next to a native Python (part of
``make bench``).

For each chapter, every code cell runs with the same runner (``_static/live/runner.py``) both
natively, in this Python, and in headless Chromium, by the page's own live code (Pyodide in a
web worker, from the built site served over http). On a cold browser profile it measures the
time from the first click on "Run" to the first cell's output, and a re-run of that cell; the
chapter's total counts that re-run, not the first run, on both sides, so that it measures the
code and not the start of Python and the first imports.

Writes ``benchmarks/results/live.json``: the Performance page draws it, and the build reads each
cell's browser time to tell the reader, before a long cell runs, how long it takes.

Needs a built site (``make html``) and Chromium on PATH.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import time
from pathlib import Path

from chromium import CHROMIUM_ARGS, ONLY_THIS_MACHINE
from file_module import load_module
from site_server import serve

ROOT = Path(__file__).resolve().parents[1]


def native_seconds(cells: list[dict]) -> list[float]:
    """Each cell's time when this Python runs it with the browser's runner, in the browser's
    order: the first cell twice (the second run is the one counted), then the rest."""
    runner = load_module(ROOT / "docs" / "_static" / "live" / "runner.py")
    session = runner.Session(lambda kind, data: None)
    session.prepare_matplotlib()
    times = []
    for i, cell in enumerate(cells):
        if i == 0:
            session.run(cell["source"], "<cell 1>")
        start = time.perf_counter()
        session.run(cell["source"], f"<cell {i + 1}>")
        times.append(time.perf_counter() - start)
    session.show_figures()
    return times


def browser_seconds(context, base: str, page_name: str, n_cells: int) -> dict:
    """Run every cell of the page in the browser; per-cell times, first result, a re-run."""
    page = context.new_page()
    page.goto(f"{base}/{page_name}.html", wait_until="load")
    first = page.locator("div.cell[data-cell]:has(button.live-run)").first
    start = time.perf_counter()
    first.locator("button.live-run").click()
    first.locator(".live-output[data-done]").wait_for(timeout=600_000, state="attached")
    first_result = time.perf_counter() - start
    start = time.perf_counter()
    first.locator("button.live-run").click()
    first.locator(".live-output[data-done]").wait_for(timeout=600_000, state="attached")
    rerun = time.perf_counter() - start
    last = page.locator("div.cell[data-cell]:has(button.live-run)").last
    last.locator("button.live-run").click()  # runs every cell above it first
    last.locator(".live-output[data-done]").wait_for(timeout=1_800_000, state="attached")
    seconds = page.evaluate("window.nnbookLive.seconds")
    page.close()
    return {
        "first_result_s": first_result,
        "rerun_s": rerun,
        "cells": [seconds.get(str(i)) for i in range(n_cells)],
    }


def main(argv=None) -> int:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, default=ROOT / "_build" / "html")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    parser.add_argument("--only", default="", help="one chapter")
    args = parser.parse_args(argv)
    chapters = sorted(p.stem for p in (args.site / "_live" / "cells").glob(f"{args.only}*.json"))
    results = {"chapters": {}}
    with serve(args.site) as base, sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=shutil.which("chromium"), args=[*CHROMIUM_ARGS, ONLY_THIS_MACHINE]
        )
        for name in chapters:
            cells = json.loads((args.site / "_live" / "cells" / f"{name}.json").read_text())
            cells = cells["cells"]
            native = native_seconds(cells)
            context = browser.new_context()  # a cold profile for each chapter
            measured = browser_seconds(context, base, name, len(cells))
            context.close()
            results["chapters"][name] = {
                "native_s": sum(native),
                "browser_s": sum(t for t in measured["cells"] if t is not None),
                "first_result_s": measured["first_result_s"],
                "rerun_s": measured["rerun_s"],
                "cells": [
                    {
                        "sha256": hashlib.sha256(cell["source"].encode()).hexdigest(),
                        "native_s": n,
                        "browser_s": b,
                    }
                    for cell, n, b in zip(cells, native, measured["cells"], strict=True)
                ],
            }
            print(name, {k: v for k, v in results["chapters"][name].items() if k != "cells"})
        browser.close()
    pyodide = args.site / "_live" / "pyodide"
    results["site_added_mb"] = sum(f.stat().st_size for f in pyodide.iterdir()) / 2**20
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "live.json").write_text(json.dumps(results, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

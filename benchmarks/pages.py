"""How fast the built book's pages load: Lighthouse on every page (part of ``make bench``).

Serves ``_build/html`` compressed, as a static host does (``site_server.py``), and runs
Lighthouse 12 (npm, pinned in ``tests/docs/package.json``) with its default mobile emulation
and throttling on each page, ``--runs`` times. Lighthouse's timings move with whatever else the
machine is doing, so each page's runs are interleaved with the other pages' and the median is
reported, with the spread. Writes ``benchmarks/results/pages.json``, which the Performance page
draws.

Needs a built site (``make html``), Chromium on PATH, and npm's Lighthouse
(``npm ci --prefix tests/docs``, which ``make test`` runs).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
from pathlib import Path

from chromium import CHROMIUM_ARGS
from site_server import serve

ROOT = Path(__file__).resolve().parents[1]
LIGHTHOUSE = ROOT / "tests" / "docs" / "node_modules" / ".bin" / "lighthouse"
CHROME_FLAGS = " ".join(CHROMIUM_ARGS)
# Lighthouse's audits -> the figures reported, with their units.
METRICS = {
    "largest-contentful-paint": ("lcp_s", 1e-3),
    "first-contentful-paint": ("fcp_s", 1e-3),
    "total-blocking-time": ("tbt_ms", 1.0),
    "cumulative-layout-shift": ("cls", 1.0),
    "total-byte-weight": ("transfer_kb", 1 / 1024),
}
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")


def pages(site: Path) -> list[str]:
    """Every page a reader opens: the chapters, the reference pages, the API pages, in both
    editions (the Korean one under ko/)."""
    tools = ("genindex.html", "search.html", "404.html")
    return sorted(
        p.relative_to(site).as_posix()
        for p in site.rglob("*.html")
        if not any(part.startswith("_") for part in p.relative_to(site).parts)
        and p.name not in tools
    )


def lighthouse(url: str) -> dict:
    """One Lighthouse run of ``url``: the category scores and the metrics."""
    env = dict(os.environ, CHROME_PATH=shutil.which("chromium") or "chromium")
    proc = subprocess.run(
        [
            str(LIGHTHOUSE),
            url,
            f"--only-categories={','.join(CATEGORIES)}",
            "--output=json",
            "--quiet",
            f"--chrome-flags={CHROME_FLAGS}",
        ],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    report = json.loads(proc.stdout)
    result = {c: round(100 * report["categories"][c]["score"]) for c in CATEGORIES}
    for audit, (name, scale) in METRICS.items():
        result[name] = report["audits"][audit]["numericValue"] * scale
    return result


def summarise(runs: list[dict]) -> dict:
    """The median of each figure over the runs, and its range."""
    summary = {}
    for key in runs[0]:
        values = [run[key] for run in runs]
        summary[key] = statistics.median(values)
        summary[f"{key}_range"] = [min(values), max(values)]
    return summary


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, default=ROOT / "_build" / "html")
    parser.add_argument("--runs", type=int, default=3, help="Lighthouse runs per page")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args(argv)
    if not LIGHTHOUSE.is_file():
        raise SystemExit("Lighthouse is missing: npm ci --prefix tests/docs")
    names = pages(args.site)
    runs: dict[str, list[dict]] = {name: [] for name in names}
    with serve(args.site) as base:
        for round_ in range(args.runs):
            for name in names:  # pages interleaved, so a slow spell touches all of them alike
                runs[name].append(lighthouse(f"{base}/{name}"))
                print(f"run {round_ + 1}/{args.runs} {name}: {runs[name][-1]}", flush=True)
    results = {"runs": args.runs, "pages": {name: summarise(r) for name, r in runs.items()}}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "pages.json").write_text(json.dumps(results, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

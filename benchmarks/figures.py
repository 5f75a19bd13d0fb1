"""How many bytes the book's figures cost as SVG, and what a raster at twice the pixels would
cost instead (part of ``make bench``).

The chapters' figures are SVG: vector lines and letters drawn as outlines, with heatmaps and
images embedded in them as PNG. For each figure a page shows, this measures its SVG as served
(gzip, as the site's server and any common host send it) next to the same figure rasterised by
Chromium at twice its full size (sharp on a 2× screen) and saved as optimised PNG and as WebP
(lossless, and lossy at quality 90). A raster does not compress further on the wire.

Writes ``benchmarks/results/figures.json``. Needs a built site (``make html``) and Chromium.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import re
import shutil
from pathlib import Path

from chromium import CHROMIUM_ARGS
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
FIGURE = re.compile(r'<img[^>]* src="(_images/[^"]+\.svg)"[^>]*>')
SIZE = re.compile(r'(width|height)="(\d+)"')


def figures(site: Path) -> dict[str, list[tuple[str, int, int]]]:
    """Each page's figures: (path, full width, full height) in CSS pixels, from the sizes the
    build writes on each figure."""
    found = {}
    for page in sorted(site.glob("*.html")):
        shown = []
        for match in FIGURE.finditer(page.read_text(encoding="utf-8")):
            size = dict(SIZE.findall(match.group(0)))
            shown.append((match.group(1), int(size["width"]), int(size["height"])))
        if shown:
            found[page.stem] = shown
    return found


def raster_sizes(png: bytes) -> dict[str, int]:
    """The bytes of the same pixels as optimised PNG, lossless WebP and WebP at quality 90."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    sizes = {}
    for name, options in (
        ("png", {"format": "PNG", "optimize": True}),
        ("webp_lossless", {"format": "WEBP", "lossless": True, "method": 6}),
        ("webp_q90", {"format": "WEBP", "quality": 90, "method": 6}),
    ):
        buffer = io.BytesIO()
        image.save(buffer, **options)
        sizes[name] = buffer.tell()
    return sizes


def main(argv=None) -> int:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, default=ROOT / "_build" / "html")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args(argv)
    pages = figures(args.site)
    measured: dict[str, dict] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
        page = browser.new_page(device_scale_factor=2)
        for shown in pages.values():
            for path, width, height in shown:
                if path in measured:
                    continue
                svg = (args.site / path).read_bytes()
                page.set_viewport_size({"width": width, "height": height})
                page.goto((args.site / path).as_uri())
                png = page.screenshot(clip={"x": 0, "y": 0, "width": width, "height": height})
                measured[path] = {
                    "width": width,
                    "height": height,
                    "svg": len(svg),
                    "svg_gzip": len(gzip.compress(svg, 9)),
                    **raster_sizes(png),
                }
        browser.close()
    kinds = ("svg_gzip", "png", "webp_lossless", "webp_q90")
    totals = {
        name: {kind: sum(measured[path][kind] for path, _, _ in shown) for kind in kinds}
        for name, shown in pages.items()
    }
    results = {"figures": measured, "pages": {n: [p for p, _, _ in s] for n, s in pages.items()}}
    results["page_totals"] = totals
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "figures.json").write_text(json.dumps(results, indent=1) + "\n")
    print(f"{'page':24} " + " ".join(f"{k:>14}" for k in kinds))
    for name, total in totals.items():
        print(f"{name:24} " + " ".join(f"{total[k] / 1e3:12.0f}kB" for k in kinds))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

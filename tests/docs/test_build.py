"""The docs build is a test: every cell runs, and any warning fails it."""

from __future__ import annotations

import json
import re
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_build_has_no_warnings(build):
    problems = [
        line for line in build.log.splitlines() if re.search(r"WARNING|ERROR|Traceback", line)
    ]
    assert build.returncode == 0 and not problems, "\n".join(problems) or build.log[-4000:]


def test_no_execution_reports_are_published(site):
    # myst-nb writes a report per failing notebook under reports/; the site must have none.
    assert not (site / "reports").exists()


def test_every_chapter_is_built_and_downloadable(site, chapters):
    names = chapters
    assert len(names) >= 4
    for name in names:
        assert (site / f"{name}.html").is_file(), name
        notebook = json.loads((site / "_downloads" / f"{name}.ipynb").read_text(encoding="utf-8"))
        code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
        assert code, f"{name}: no code cells in the download"
        assert any(c["outputs"] for c in code), f"{name}: the download has no outputs"
        source = (site / "_downloads" / f"{name}.md").read_text(encoding="utf-8")
        assert source == (ROOT / "docs" / f"{name}.md").read_text(encoding="utf-8")
        page = (site / f"{name}.html").read_text(encoding="utf-8")
        assert f'href="_downloads/{name}.ipynb"' in page, f"{name}: no download link"


def test_every_page_has_a_meta_description(site):
    for page in site.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        found = re.findall(r'<meta name="description" content="([^"]+)"', text)
        assert len(found) == 1 and len(found[0]) > 20, page.name


def test_every_link_to_a_stylesheet_names_its_version(site):
    """A page names each stylesheet with its checksum (``?v=``), so that a browser holding an
    older copy fetches the new one; in both editions, fresh or incremental builds alike."""
    stale = []
    for page in site.rglob("*.html"):
        if any(part.startswith("_") for part in page.relative_to(site).parts):
            continue
        text = page.read_text("utf-8")
        for href, version in re.findall(r'<link[^>]*href="([^"?]+\.css)\?v=([0-9a-f]+)"', text):
            # The page for a missing address links from the root: the site is served there.
            served = (site / href[1:] if href.startswith("/") else page.parent / href).read_bytes()
            if f"{zlib.crc32(served):08x}" != version:
                stale.append(f"{page.relative_to(site)}: {href}")
        assert re.search(r'href="[^"]*site\.css\?v=', text), page
    assert len(stale) == 0, stale[:5]


def test_figures_are_svg(site):
    images = list((site / "_images").glob("*"))
    assert images, "the book has no figures"
    raster = [p.name for p in images if p.suffix.lower() in {".png", ".jpg", ".jpeg"}]
    assert not raster, f"figures should be SVG: {raster}"


def test_publishing_files(site):
    assert (site / "404.html").is_file()
    sitemap = (site / "sitemap.xml").read_text(encoding="utf-8")
    listed = set(re.findall(r"<loc>[^<]*?([^/<]+\.html)</loc>", sitemap))
    # Every top-level page, also after an incremental build that rewrote only some of them.
    pages = {page.name for page in site.glob("*.html")}
    assert "preface.html" in listed and pages <= listed, sorted(pages - listed)
    assert '<meta property="og:title"' in (site / "preface.html").read_text(encoding="utf-8")


def test_every_verified_box_compares_with_pytorch(site):
    """Every box names the PyTorch version compared with; none lacks a recorded result."""
    box = re.compile(r'<div class="admonition (?:verified|warning)[^"]*">(.*?)</div>')
    boxes = []
    for page in sorted(site.glob("*.html")):
        text = page.read_text(encoding="utf-8")
        boxes += [(page.name, b) for b in box.findall(text) if "Gradient check (float64" in b]
    assert len(boxes) >= 20, boxes
    for name, box in boxes:
        assert "Verified:" in box, (name, box)
        assert "Not compared with PyTorch" not in box, (name, box)
        # "recorded result" without PyTorch; "run now, equal to the recorded result" with it.
        assert re.search(
            r"PyTorch \d+\.\d+\.\d+ \((run now, equal to the )?recorded result\)", box
        ), (
            name,
            box,
        )

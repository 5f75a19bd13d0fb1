"""Fixtures for the tests of the built book: one build per test session."""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from chromium import CHROMIUM_ARGS
from site_server import serve

ROOT = Path(__file__).resolve().parents[2]
HTML = ROOT / "_build" / "html"


KOREAN = ROOT / "_build" / "ko"
SPHINX = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-n", "-j", "2", "-c", "."]


@dataclass
class Build:
    returncode: int
    log: str
    html: Path
    korean_returncode: int
    korean_log: str


@pytest.fixture(scope="session")
def build() -> Build:
    """Run the same builds as ``make html``: the English site (executions are cached, so an
    unchanged book is quick), then the Korean edition, built afresh (``-E``: an incremental build
    re-reads only changed pages and can hide a warning), copied to ``html/ko/``."""
    english = subprocess.run(
        [*SPHINX, "-b", "html", "docs", str(HTML)], cwd=ROOT, capture_output=True, text=True
    )
    korean = subprocess.run(
        [*SPHINX, "-E", "-b", "html", "-D", "language=ko", "-d", str(KOREAN / "doctrees")]
        + ["docs", str(KOREAN / "html")],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if english.returncode == 0 and korean.returncode == 0:
        merge = [sys.executable, "docs/_ext/editions.py", str(HTML), str(KOREAN / "html")]
        subprocess.run(merge, cwd=ROOT, check=True)
    return Build(
        english.returncode,
        english.stdout + english.stderr,
        HTML,
        korean.returncode,
        korean.stdout + korean.stderr,
    )


@pytest.fixture(scope="session")
def site(build) -> Path:
    """The built site; the tests that read it fail early if the build failed."""
    if build.returncode != 0 or build.korean_returncode != 0:
        pytest.fail("the docs build failed; see test_build for its log", pytrace=False)
    return build.html


@pytest.fixture(scope="session")
def chapters() -> list[str]:
    """The names of every downloadable chapter: a MyST notebook in docs/ whose front matter does
    not say ``download: false`` (the Performance page reads the repository's benchmark files)."""
    heads = {p.stem: p.read_text(encoding="utf-8")[:800] for p in (ROOT / "docs").glob("*.md")}
    return sorted(
        name
        for name, head in heads.items()
        if "format_name: myst" in head and "\ndownload: false\n" not in head
    )


@pytest.fixture(scope="module")
def server(site):
    """The built site on 127.0.0.1, served compressed as a static host serves it."""
    with serve(site) as url:
        yield url


@pytest.fixture(scope="module")
def launch():
    """Start Debian's headless Chromium with the project's flags and any extra ones; skipped
    where playwright or Chromium is missing. The browsers close with the module."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("no chromium on PATH (Debian: apt-get install chromium)")
    with sync_api.sync_playwright() as p:
        browsers = []

        def start(*extra_args):
            browsers.append(
                p.chromium.launch(executable_path=chromium, args=[*CHROMIUM_ARGS, *extra_args])
            )
            return browsers[-1]

        yield start
        for browser in browsers:
            browser.close()

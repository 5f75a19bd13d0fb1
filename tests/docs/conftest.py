"""Fixtures for the tests of the built book: one build per test session."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HTML = ROOT / "_build" / "html"


@dataclass
class Build:
    returncode: int
    log: str
    html: Path


@pytest.fixture(scope="session")
def build() -> Build:
    """Run the same build as ``make html``; executions are cached, so an unchanged book is quick."""
    cmd = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-n", "-j", "2"]
    cmd += ["-b", "html", "-c", ".", "docs", str(HTML)]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    return Build(proc.returncode, proc.stdout + proc.stderr, HTML)


@pytest.fixture(scope="session")
def site(build) -> Path:
    """The built site; the tests that read it fail early if the build failed."""
    if build.returncode != 0:
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

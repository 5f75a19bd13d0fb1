"""The "Notes on the notes" page lists every correction the chapters make."""

import re
from pathlib import Path

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_every_correction_is_listed():
    labels = {
        label
        for chapter in DOCS.glob("*.md")
        for label in re.findall(r"^\((corr-[\w-]+)\)=$", chapter.read_text(encoding="utf-8"), re.M)
    }
    assert len(labels) >= 30
    page = (DOCS / "notes-on-the-notes.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"<(corr-[\w-]+)>`", page))
    assert labels - listed == set(), "corrections missing from notes-on-the-notes.md"
    assert listed - labels == set(), "notes-on-the-notes.md links to corrections that do not exist"

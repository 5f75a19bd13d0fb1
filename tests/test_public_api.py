"""The public API: every name is exported, documented in the reference and has a docstring."""

import inspect
from pathlib import Path

import nnbook

API_DOCS = Path(__file__).resolve().parents[1] / "docs" / "api"


def test_every_public_name_is_documented_in_the_reference():
    text = "\n".join(p.read_text(encoding="utf-8") for p in API_DOCS.glob("*.md"))
    for name in nnbook.__all__:
        obj = getattr(nnbook, name)
        if inspect.ismodule(obj):
            documented = f"automodule:: nnbook.{name}" in text
        else:
            documented = f":: nnbook.{name}\n" in text
        assert documented, f"nnbook.{name} is missing from docs/api/"


def test_every_public_class_and_function_has_a_docstring_with_a_chapter():
    for name in nnbook.__all__:
        obj = getattr(nnbook, name)
        if inspect.ismodule(obj):
            continue
        doc = inspect.getdoc(obj) or ""
        assert len(doc) > 40, f"nnbook.{name} has no real docstring"
        assert ":doc:`/" in doc, f"nnbook.{name}'s docstring does not link to its chapter"

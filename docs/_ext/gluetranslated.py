"""Glued numbers inside translated paragraphs.

A chapter writes a computed number into its prose with ``{glue:text}`key```. In a translation
Sphinx parses each translated message as a document of its own, which has none of the page's
glue data, so the role finds no key (myst-nb issues #587 and #600). Here the role of a translated
message refers to its page explicitly (``page.md::key``, myst-nb's own cross-document form): the
value is then read from the glue data the page's execution left in the build folder.

This relies on two details of myst-nb 1.x, pinned in pyproject.toml and kept by
tests/docs/test_korean.py: ``PasteTextRole`` reads its content from ``self.text``, and Sphinx
names a translated message's document ``<source>:<line>:<translated>``.
"""

from __future__ import annotations

from myst_nb.ext.glue.roles import PasteTextRole


class TranslatedPasteTextRole(PasteTextRole):
    """``{glue:text}`` that, in a translated message, takes its value from the page."""

    def run(self):
        source = self.document.get("source") or ""
        if source.endswith("<translated>") and "::" not in self.text:
            env = self.document.settings.env
            key, _, spec = self.text.partition(":")
            # "page.md::key:spec": a cross-document reference needs the format spec written out.
            self.text = f"/{env.doc2path(env.docname, False)}::{key}:{spec or 's'}"
        return super().run()


def setup(app):
    app.add_role_to_domain("glue", "text", TranslatedPasteTextRole(), override=True)

"""Check the Korean edition's catalogs against a fresh extraction of the English pages.

A catalog is complete when every English message of its page has a translation that is neither
empty nor fuzzy, it holds no message the page no longer has, and every translation keeps what
must not change: the targets of ``{term}``, ``{ref}``, ``{numref}``, ``{doc}`` and ``{cite}``
roles, glue keys, math and inline code, and link targets.

Run on its own to see what is missing or broken, page by page::

    python tests/catalogs.py _build/gettext locales/ko/LC_MESSAGES [page ...]

The test of the Korean edition (tests/docs/test_korean.py) runs the same checks.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import polib

# A role with its content: {name}`content`. The content is what the role points at (a term, a
# label, a document, citation keys, a glue key), written "text <target>" when it has its own text.
ROLE = re.compile(r"\{([a-z:]+)\}`([^`]*)`")
# Math: $$...$$ before $...$, so that a display formula is one span.
MATH = re.compile(r"\$\$.+?\$\$|\$[^$\n]+?\$", re.S)
CODE = re.compile(r"(?<![`}])``?([^`]+?)``?(?!`)")
LINK = re.compile(r"\]\(([^)\s]+)\)")
# Roles whose target must be kept; others (e.g. {sub}) carry only text.
KEPT_ROLES = ("term", "ref", "numref", "doc", "cite", "cite:p", "cite:t", "eq", "glue", "glue:text")
# Words of the English text that a Korean message may keep as they are.
LATIN_WORD = re.compile(r"[A-Za-z]{3,}")


def _target(role: str, content: str) -> str:
    match = re.fullmatch(r"(?s)(.*?)\s*<([^<>]+)>", content)
    if match and role not in ("glue", "glue:text"):
        return match.group(2).strip()
    return content.strip()


def kept_parts(text: str) -> Counter:
    """What a translation must carry over unchanged, as a multiset."""
    parts: Counter = Counter()
    rest = text
    for name, content in ROLE.findall(text):
        if name in KEPT_ROLES:
            target = _target(name, content)
            if name.startswith("cite"):
                for key in target.split(","):
                    parts[("cite", key.strip())] += 1
            else:
                parts[(name, target)] += 1
    rest = ROLE.sub(" ", rest)
    for span in MATH.findall(rest):
        parts[("math", span)] += 1
    rest = MATH.sub(" ", rest)
    for span in CODE.findall(rest):
        parts[("code", span)] += 1
    for url in LINK.findall(rest):
        parts[("link", url)] += 1
    return parts


def _prose(text: str) -> str:
    """The message without roles, math, code and links: the words a reader reads as prose."""
    for pattern in (ROLE, MATH, CODE, LINK):
        text = pattern.sub(" ", text)
    return text


@dataclass
class Report:
    page: str
    messages: int
    translated: int
    problems: list[str]

    @property
    def coverage(self) -> float:
        return self.translated / self.messages if self.messages else 1.0


DOCS = Path(__file__).parents[1] / "docs"
DISPLAY_MATH = re.compile(r"^[ \t]*\$\$\n?(.+?)\n?[ \t]*\$\$", re.S | re.M)


def _spaced(text: str) -> str:
    return " ".join(text.split())


def display_math(page: str) -> set[str]:
    """The page's displayed formulas: messages that a translation copies unchanged."""
    path = DOCS / f"{page}.md"
    if not path.is_file():
        return set()
    return {_spaced(m) for m in DISPLAY_MATH.findall(path.read_text(encoding="utf-8"))}


def check_page(pot_path: Path, po_path: Path, keep_english: set[str] = frozenset()) -> Report:
    """Compare one page's catalog with the page's fresh template.

    ``keep_english`` lists messages that stay as they are in Korean (the glossary's English
    headwords, which are the targets of every ``{term}`` role); displayed formulas stay too.
    """
    page = pot_path.stem
    template = polib.pofile(str(pot_path))
    problems: list[str] = []
    if not po_path.is_file():
        return Report(page, len(template), 0, [f"{page}: no catalog {po_path}"])
    catalog = polib.pofile(str(po_path))
    entries = {entry.msgid: entry for entry in catalog if not entry.obsolete}
    wanted = {entry.msgid for entry in template}
    keep_english = set(keep_english) | display_math(page)
    translated = 0
    for msgid in (entry.msgid for entry in template):
        entry = entries.get(msgid)
        short = msgid[:70].replace("\n", " ")
        if entry is None or not entry.msgstr.strip():
            problems.append(f"{page}: not translated: {short!r}")
            continue
        if entry.fuzzy:
            problems.append(f"{page}: fuzzy: {short!r}")
            continue
        msgstr = entry.msgstr
        lost = kept_parts(msgid) - kept_parts(msgstr)
        added = kept_parts(msgstr) - kept_parts(msgid)
        if lost or added:
            what = ", ".join(
                [f"lost {k}: {v!r}" for k, v in lost] + [f"added {k}: {v!r}" for k, v in added]
            )
            problems.append(f"{page}: {what} in {short!r}")
            continue
        if (
            msgstr == msgid
            and _spaced(msgid) not in keep_english
            and LATIN_WORD.search(_prose(msgid))
        ):
            problems.append(f"{page}: left in English: {short!r}")
            continue
        translated += 1
    stale = [entry.msgid for entry in catalog if entry.obsolete or entry.msgid not in wanted]
    problems += [f"{page}: stale (no longer on the page): {m[:70]!r}" for m in stale]
    return Report(page, len(template), translated, problems)


def glossary_headwords(pot_dir: Path) -> set[str]:
    """The glossary's terms: they stay English, since every {term} role points at them."""
    path = pot_dir / "glossary.pot"
    if not path.is_file():
        return set()
    text = (Path(__file__).parents[1] / "docs" / "glossary.md").read_text(encoding="utf-8")
    block = text.split("```{glossary}", 1)[1].split("```", 1)[0]
    return {line.strip() for line in block.splitlines() if line and not line[0].isspace()} - {
        ":sorted:"
    }


def check_all(pot_dir: Path, po_dir: Path, pages: list[str] | None = None) -> list[Report]:
    keep = glossary_headwords(pot_dir)
    pots = sorted(pot_dir.glob("*.pot"))
    if pages:
        pots = [p for p in pots if p.stem in pages]
    return [check_page(pot, po_dir / f"{pot.stem}.po", keep) for pot in pots]


def main(argv: list[str]) -> int:
    pot_dir, po_dir, *pages = argv
    reports = check_all(Path(pot_dir), Path(po_dir), pages or None)
    failed = False
    for report in reports:
        for problem in report.problems:
            print(problem)
        failed |= bool(report.problems)
    for report in reports:
        print(f"{report.page:20s} {report.translated:4d}/{report.messages:4d} translated")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

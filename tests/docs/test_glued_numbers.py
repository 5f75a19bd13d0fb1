"""Every number the book's prose reports from a computation is glued, never typed.

A chapter that measures something (an accuracy, a loss, a time, a count its cells compute) puts
the value in the prose with ``{glue:text}``, so the text always shows what the last build
computed. This test reads the prose of every page (not code, math or inline code; captions and
alt texts are prose) and looks for what a measurement looks like: a decimal such as 0.91, a
percentage, a number grouped in thousands, or a number with a unit of time or throughput. Each
one must be glued, or be listed below with the reason it is not a measurement (a threshold the
text sets, a setting of an experiment, a quotation, arithmetic on definitions).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"

MEASURE = re.compile(
    r"(?<![\w.\-^_/])"
    r"(\d+(?:\.\d+)?\s?%"  # 99%
    r"|\d+(?:\.\d+)?\s(?:ms|µs|s|seconds?|minutes?|GFLOP/s|[kKMG]B)\b"  # 3 s, 40 GFLOP/s
    r"|\d{1,3}(?:,\d{3})+"  # 61,706
    r"|\d+\.\d+(?!\.\d))"  # 0.91, but not a version such as 2.13.0
    r"(?![\w.]*\d)"
)

# Typed numbers that are not measurements, by page: the exact text, and why it may be typed.
NOT_MEASURED = {
    "cnn": {
        "0.5": "the distance threshold the text chooses",
        "1,024": "32 × 32 pixels, arithmetic on the input size",
        "3.25": "an average of the fixed example map the pooling figure draws",
        "5.25": "an average of the fixed example map the pooling figure draws",
    },
    "feedforward": {
        "0.5": "the classification threshold, and sigma(0) = 0.5 by definition",
        "2,000": "the number of training steps the experiment sets",
        "0.9": "the usual momentum factor, a convention",
        "0.1": "the loss level the text uses to compare optimisers",
        "30%": "the share of points the experiment holds out",
        "1.6": "the starting point the learning-rate figure sets",
        "0.05": "a learning rate the figure sets",
        "0.3": "a learning rate the figure sets",
        "1.05": "a learning rate the figure sets",
    },
    "lstm": {
        "0.5": "a factor rho the figure sets",
        "0.9": "a factor rho the figure sets",
        "1.1": "a factor rho the figure sets",
        "1.3": "the range of the figure's vertical axis",
        "2.00": "a value of the hand-made memory example",
        "1.50": "a value of the hand-made memory example",
        "0.00": "a value of the hand-made memory example",
        "0.90": "a gate value of the hand-made memory example",
        "0.10": "a gate value of the hand-made memory example",
        "0.50": "a gate value of the hand-made memory example",
        "20,000": "the number of samples the experiment draws",
        "0.01": "the error level the text asks the models to reach",
        "0.02": "the learning rate the experiment sets",
    },
    "performance": {
        "0.2 s": "the least time each case is timed for, a setting of make bench",
        "2.5 s": "the largest-paint target the page states",
        "150 ms": "the blocked-time target the page states",
        "0.05": "the layout-shift target the page states",
        "3.12": "the version of CPython that Pyodide 0.27.7 compiles",
        "2.0": "the version of NumPy that Pyodide 0.27.7 ships",
    },
    "rnn": {"0.2": "the standard deviation of the noise the task adds"},
    "sequential-data": {"50 ms": "the length of the synthetic signal the figure draws"},
    "transformer": {
        "0.5": "chance accuracy on a two-class task",
        "0.88": "a value quoted from the notes",
        "0.881": "softmax of the worked example's scores 14 and 12, by hand",
        "0.119": "softmax of the worked example's scores 14 and 12, by hand",
        "0.12": "the notes' rounding of 0.119",
        "2,000": "the number of random queries the experiment draws",
        "99,999": "the range of numbers the task uses",
        "1,000": "the number of held-out numbers the task sets",
    },
}


def _prose(text: str) -> list[tuple[int, str]]:
    """The prose lines of a MyST page, with their numbers; captions and alt texts included."""
    lines, fence = [], None
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if fence:
            if stripped.startswith(fence) and not stripped.strip("`~"):
                fence = None
            elif re.match(r"(caption|alt):", stripped):  # a figure's words, in a cell's options
                lines.append((number, stripped.split(":", 1)[1]))
            continue
        opening = re.match(r"(`{3,}|~{3,})\s*(\{[^}]*\})?", stripped)
        if opening:
            directive = opening.group(2) or ""
            # Admonitions, figures and the like hold prose; code, math and includes do not.
            if not directive or re.search(r"code|literalinclude|math|eval-rst|raw", directive):
                fence = opening.group(1)
            continue
        if re.match(r":[\w-]+:", stripped):  # a directive's option
            continue
        lines.append((number, line))
    return lines


def _typed_measurements(text: str) -> list[tuple[int, str, str]]:
    text = re.sub(r"^---\n.*?\n---\n", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    text = re.sub(r"\$\$.*?\$\$", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
    found = []
    for number, line in _prose(text):
        bare = re.sub(r"\$[^$]*\$", " ", line)  # inline math
        bare = re.sub(r"\{[\w:-]+\}`[^`]*`", " ", bare)  # roles: glue, term, ref, cite, ...
        bare = re.sub(r"`[^`]*`", " ", bare)  # inline code
        bare = re.sub(r"\]\([^)]*\)", "]", bare)  # link targets
        found += [(number, m.group(1), line.strip()) for m in MEASURE.finditer(bare)]
    return found


PAGES = sorted(DOCS.rglob("*.md"))


@pytest.mark.parametrize("page", PAGES, ids=[p.relative_to(DOCS).as_posix() for p in PAGES])
def test_measured_numbers_are_glued(page):
    allowed = NOT_MEASURED.get(page.stem, {})
    typed = [
        f"line {number}: {value!r} in: {line[:100]}"
        for number, value, line in _typed_measurements(page.read_text(encoding="utf-8"))
        if value not in allowed
    ]
    assert not typed, "typed numbers that look measured; glue them:\n" + "\n".join(typed)


def test_every_allowance_is_still_needed():
    for name, allowed in NOT_MEASURED.items():
        text = (DOCS / f"{name}.md").read_text(encoding="utf-8")
        values = {value for _, value, _ in _typed_measurements(text)}
        assert set(allowed) <= values, (name, sorted(set(allowed) - values))


def test_the_scan_finds_a_typed_measurement():
    """The scan itself works: it flags typed figures, and not glued or coded ones."""
    page = (
        "The model reached 98.4% after 12.5 s, with 61,706 parameters.\n"
        "It reached {glue:text}`acc` in `0.25` s; $x = 0.5$.\n"
        "```{code-cell} ipython3\nprint(0.75)\n```\n"
    )
    assert [value for _, value, _ in _typed_measurements(page)] == ["98.4%", "12.5 s", "61,706"]

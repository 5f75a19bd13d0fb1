"""Each chapter's downloaded notebook runs to the end on its own, as on a reader's machine.

The build executes the chapters with the settings of ``conf.py`` (BLAS limited to one thread, an
IPython profile that draws SVG, the chapter's folder as working directory). A reader's kernel has
none of these. So each downloaded ``.ipynb`` is executed again here in a fresh kernel, in an
empty folder, with a fresh IPython profile and without the build's environment variables.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# What the build sets for its kernels, and a reader's machine does not.
BUILD_ONLY = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "IPYTHONDIR")

RUN = """
import sys, nbformat, nbclient
notebook = nbformat.read(sys.argv[1], as_version=4)
nbclient.NotebookClient(notebook, timeout=900, kernel_name="python3").execute()
"""

# Calls that read a clock.
TIMERS = {"perf_counter", "process_time", "monotonic", "time", "timeit", "perf_counter_ns"}


def _clock_asserts(source: str) -> list[str]:
    """The asserts of a chapter's code that test a value derived from a clock reading.

    A value is timed if it comes from a clock (``time.perf_counter()``), from a function that
    reads one, or from another timed value, by assignment, by ``append``/``extend``, or through
    the lists a loop variable walks over.
    """
    tree = ast.parse(source)
    timers, timed = set(TIMERS), set()

    def reads_clock(node) -> bool:
        for sub in ast.walk(node):
            if isinstance(sub, ast.Call):
                func = sub.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if name in timers:
                    return True
            if isinstance(sub, ast.Name) and sub.id in timed:
                return True
        return False

    def names(target) -> set[str]:
        return {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}

    for _ in range(5):  # until nothing new is found, in practice
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and any(reads_clock(s) for s in node.body):
                timers.add(node.name)
            elif isinstance(node, (ast.Assign, ast.AugAssign)) and reads_clock(node.value):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                timed.update(*(names(target) for target in targets))
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("append", "extend")
                and any(reads_clock(arg) for arg in node.args)
            ):
                timed.update(names(node.func.value))
            elif isinstance(node, ast.For) and names(node.target) & timed:
                # `for fn, times in ((a, a_times), ...)`: the lists behind the loop variable.
                timed.update(_behind(node.target, node.iter, timed))
    return [
        ast.unparse(node)
        for node in ast.walk(tree)
        if isinstance(node, ast.Assert) and reads_clock(node.test)
    ]


def _behind(target, iterable, timed) -> set[str]:
    """The names in ``iterable`` that a timed loop variable in ``target`` takes as values."""
    items = iterable.elts if isinstance(iterable, (ast.Tuple, ast.List)) else None
    if isinstance(target, ast.Name) and target.id in timed:
        return {n.id for n in ast.walk(iterable) if isinstance(n, ast.Name)}
    if not isinstance(target, ast.Tuple) or items is None:
        return set()
    found = set()
    for item in items:
        if isinstance(item, (ast.Tuple, ast.List)) and len(item.elts) == len(target.elts):
            for part, value in zip(target.elts, item.elts, strict=True):
                if isinstance(part, ast.Name) and part.id in timed:
                    found |= {n.id for n in ast.walk(value) if isinstance(n, ast.Name)}
    return found


def _cells(chapter: str) -> list[str]:
    notebook = json.loads(
        (ROOT / "_build" / "html" / "_downloads" / f"{chapter}.ipynb").read_text()
    )
    return ["".join(cell["source"]) for cell in notebook["cells"] if cell["cell_type"] == "code"]


def test_every_chapter_notebook_runs_in_a_fresh_kernel(site, chapters, tmp_path):
    env = {key: value for key, value in os.environ.items() if key not in BUILD_ONLY}
    env["IPYTHONDIR"] = str(tmp_path / "ipython")  # a new, default profile
    failures = {}
    for chapter in chapters:
        notebook = site / "_downloads" / f"{chapter}.ipynb"
        workdir = tmp_path / chapter
        workdir.mkdir()
        proc = subprocess.run(
            [sys.executable, "-c", RUN, str(notebook)],
            cwd=workdir,
            env=env,
            capture_output=True,
            text=True,
        )
        if proc.returncode != 0:
            failures[chapter] = proc.stderr[-3000:]
    assert not failures, "\n\n".join(f"{name}:\n{err}" for name, err in failures.items())


def test_no_cell_asserts_on_a_clock(site, chapters):
    """A chapter may time something and show it, but never assert on the time it measured."""
    offending = [
        f"{chapter}: {check}"
        for chapter in chapters
        for check in _clock_asserts("\n".join(_cells(chapter)))  # a value may cross cells
    ]
    assert not offending, offending


def test_the_clock_check_finds_a_timed_assert():
    cell = (
        "start = time.perf_counter()\nrun()\nseconds = time.perf_counter() - start\n"
        "accuracy = 0.99\nassert accuracy > 0.9\nassert seconds < 60\n"
    )
    assert _clock_asserts(cell) == ["assert seconds < 60"]
    # Through a timing function and a list of its results, as the book once did.
    cell = (
        "def cpu_time(fn):\n    start = time.process_time()\n    fn()\n"
        "    return time.process_time() - start\n"
        "a_t, b_t = [], []\nfor fn, times in ((a, a_t), (b, b_t)):\n"
        "    times.append(cpu_time(fn))\n"
        "a_t = np.array(a_t)\nassert a_t[-1] > 2 * b_t[-1]\nassert fn is b\n"
    )
    assert _clock_asserts(cell) == ["assert a_t[-1] > 2 * b_t[-1]"]

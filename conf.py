"""Sphinx configuration for the nnbook site.

Build with ``make html`` (``sphinx-build -W --keep-going -n -c . docs _build/html``). Sources live
in ``docs/``; this file lives at the root so that it can see ``src/`` and ``pyproject.toml``.
"""

from __future__ import annotations

import hashlib
import html
import importlib.metadata
import importlib.util
import os
import re
import shutil
from functools import partial
from pathlib import Path

import sphinx_sitemap

ROOT = Path(__file__).resolve().parent
DOCS = ROOT / "docs"

project = "nnbook"
author = "The nnbook authors"
copyright = "2026, the nnbook authors"
release = importlib.metadata.version("nnbook")
version = release

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinxcontrib.bibtex",
    "sphinx_sitemap",
    "sphinxext.opengraph",
    "notfound.extension",
]
numfig = True

# Each chapter keeps its references in its own file under docs/refs/.
bibtex_bibfiles = sorted(p.relative_to(ROOT).as_posix() for p in (DOCS / "refs").glob("*.bib"))
bibtex_default_style = "plain"
bibtex_reference_style = "author_year"

exclude_patterns = ["_build", "**.ipynb_checkpoints", "_static", "_ipython", "_ext"]
nitpicky = True
# With no network there is no inventory for Python's or NumPy's own types, and numpydoc type
# fields hold words such as "optional" or "int or pair": only references to nnbook are checked.
nitpick_ignore_regex = [("py:class", r"(?!nnbook\.).*"), ("py:obj", r"(?!nnbook\.).*")]

# -- Notebook execution ---------------------------------------------------------------------------
# myst-nb caches executions by cell source only. The cache folder is named after a hash of the
# package's source, so any change in src/nnbook is a config change: every chapter re-executes and
# no stale output is ever published.
_SRC = ROOT / "src" / "nnbook"
_src_hash = hashlib.sha256()
# The recorded PyTorch results that the Verified boxes compare with count as source too.
for _path in sorted(p for p in _SRC.rglob("*") if p.suffix in {".py", ".npz"}):
    _src_hash.update(_path.relative_to(_SRC).as_posix().encode())
    _src_hash.update(_path.read_bytes())
# NNBOOK_CACHE_DIR lets two builds of one checkout run side by side without sharing a cache.
_CACHE_ROOT = Path(os.environ.get("NNBOOK_CACHE_DIR", ROOT / "_build" / ".jupyter_cache"))
nb_execution_cache_path = str(_CACHE_ROOT / _src_hash.hexdigest()[:16])
if _CACHE_ROOT.is_dir():  # drop caches of older sources
    for _old in _CACHE_ROOT.iterdir():
        if _old.is_dir() and str(_old) != nb_execution_cache_path:
            shutil.rmtree(_old, ignore_errors=True)

nb_execution_mode = "cache"
nb_execution_timeout = 600
# False lists every failing notebook with its traceback; -W still fails the build.
nb_execution_raise_on_error = False
nb_execution_show_tb = True
nb_output_stderr = "warn"  # a library warning printed in a cell fails the build under -W
nb_kernel_rgx_aliases = {".*": "python3"}
nb_ipywidgets_js = {}  # no widgets, and nothing loaded from a CDN
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3

# The kernel reads this IPython profile: SVG figures, and no per-kernel log noise.
os.environ["IPYTHONDIR"] = str(DOCS / "_ipython")
# The chapters train small models. For matrices this size BLAS threads cost more than they gain,
# and `-j 2` already executes two chapters at once; the kernels inherit these settings.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")


# -- The book's own extensions, in docs/_ext -------------------------------------------------------
def _local_extension(name: str):
    """Load ``docs/_ext/<name>.py`` from its file; ``setup()`` below calls its ``setup(app)``."""
    spec = importlib.util.spec_from_file_location(name, DOCS / "_ext" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# svgmath typesets every formula to MathJax's SVG at build time: no page loads math code.
# pagespeed defers scripts, folds dropdowns without a script and sizes and lazy-loads figures.
# livecode lets the reader run and edit every code cell of the chapters in the browser.
# editions makes the Korean edition (switcher, hreflang, its settings); gluetranslated lets its
# translated paragraphs show glued numbers; koreansearch indexes Korean words without particles.
_LOCAL_EXTENSIONS = {
    name: _local_extension(name)
    for name in ("svgmath", "pagespeed", "livecode", "editions", "gluetranslated", "koreansearch")
}
editions = _LOCAL_EXTENSIONS["editions"]
html_math_renderer = "svg"

# -- The Korean edition ---------------------------------------------------------------------------
# `make html` builds the English book, then the Korean one (-D language=ko) from the catalogs in
# locales/ko/LC_MESSAGES, one .po per page. Translation touches no code cell, so the Korean build
# executes nothing: it reads the outputs the English build left in the execution cache.
locale_dirs = [str(ROOT / "locales")]
gettext_compact = False  # one catalog per page
gettext_uuid = False
gettext_location = False  # no line numbers: an edit elsewhere on a page changes no catalog
# myst-nb has no output priorities for the gettext builder; without these it drops every figure,
# and with them their captions and alt texts.
nb_mime_priority_overrides = [
    ("gettext", mime, priority)
    for priority, mime in enumerate(("text/html", "image/svg+xml", "image/png", "text/plain"))
]

# -- Publishing -----------------------------------------------------------------------------------
# Where the site is served. Read the Docs sets READTHEDOCS_CANONICAL_URL; the GitHub Pages workflow
# sets NNBOOK_BASEURL and NNBOOK_URL_PREFIX. A local build serves from the root of a local server.
html_baseurl = os.environ.get(
    "READTHEDOCS_CANONICAL_URL", os.environ.get("NNBOOK_BASEURL", "https://nnbook.readthedocs.io/")
)
# The editions: English at html_baseurl, Korean in its ko/ folder. Published apart (Read the Docs
# serves a translation as a project of its own; see the README), each names the other.
editions_site_url = os.environ.get("NNBOOK_ENGLISH_URL", html_baseurl)
editions_korean_url = os.environ.get("NNBOOK_KOREAN_URL", "")
sitemap_url_scheme = "{link}"
ogp_site_url = html_baseurl
ogp_site_name = "nnbook"
ogp_social_cards = {"enable": False}  # no generated images, no external fonts
ogp_enable_meta_description = False  # each page sets its own, from its front matter
notfound_urls_prefix = os.environ.get("NNBOOK_URL_PREFIX", "/")

# -- HTML -----------------------------------------------------------------------------------------
html_theme = "furo"
html_title = "nnbook: neural networks from scratch"
html_static_path = ["docs/_static"]
templates_path = ["docs/_templates"]  # the language switcher
html_css_files = ["nnbook.css"]
html_favicon = "docs/_static/favicon.svg"
html_copy_source = True
html_show_sourcelink = False
# No Python module index: the API reference lists the modules, and the index page's 11 px
# toggle images are too coarse for a phone's screen.
html_domain_indices = False
html_theme_options = {
    "source_repository": "",
    "navigation_with_keys": True,
}

autodoc_member_order = "bysource"
autodoc_default_options = {"members": True}
napoleon_numpy_docstring = True
napoleon_google_docstring = False
napoleon_custom_sections = [
    ("Shape", "notes_style"),
    ("Contract", "notes_style"),
    ("Chapter", "notes_style"),
]


def _chapter_section(app, what, name, obj, options, lines):
    """Give each docstring's closing "See the chapter ..." line a section of its own.

    The package's docstrings end with that line; without a header napoleon would read it as part
    of the section before it (Parameters, Raises, ...).
    """
    for i, line in enumerate(lines):
        if line.startswith("See the chapter"):
            end = next((j for j in range(i, len(lines)) if not lines[j].strip()), len(lines))
            lines[i:end] = ["", "Chapter", "-------", *lines[i:end], ""]
            return


# -- Chapter downloads ----------------------------------------------------------------------------
def _is_downloadable(docname: str) -> bool:
    """A MyST notebook that runs on its own: not one whose front matter says ``download: false``
    (the Performance page, which reads the benchmark results of the repository)."""
    path = DOCS / f"{docname}.md"
    if not path.is_file():
        return False
    head = path.read_text(encoding="utf-8")[:800]
    return "format_name: myst" in head and "\ndownload: false\n" not in head


# The chapters (downloadable notebooks) are the pages whose code cells run in the browser.
livecode_pages = sorted(p.stem for p in DOCS.glob("*.md") if _is_downloadable(p.stem))


def _write_downloads(app, docname: str) -> None:
    """Write the chapter as an .ipynb with its outputs (from the execution cache) and as MyST."""
    import jupytext
    from jupyter_cache import get_cache

    src = DOCS / f"{docname}.md"
    target = Path(app.outdir) / "_downloads"
    target.mkdir(exist_ok=True)
    notebook = jupytext.read(src, fmt="md:myst")
    try:
        _, merged = get_cache(nb_execution_cache_path).merge_match_into_notebook(notebook)
    except KeyError:  # the chapter failed to execute; that failure already fails the build
        return
    jupytext.write(merged, target / f"{Path(docname).name}.ipynb", fmt="ipynb")
    shutil.copyfile(src, target / f"{Path(docname).name}.md")


_DEFAULT_DESCRIPTION = "nnbook: an executable textbook on neural networks."
_DESCRIPTION = re.compile(r'<meta content="([^"]*)" name="description"(?: translated="True")? />')


def _page_context(app, pagename, templatename, context, doctree):
    """Add the meta description and, on chapters, the download links."""
    # Sphinx renders toctree captions as role="heading" without the aria-level that ARIA
    # requires (axe: aria-required-attr, critical); furo puts them in its navigation tree.
    # docutils marks bibliography entries role="doc-biblioentry", a role DPUB-ARIA 1.1 withdrew,
    # inside a role="list": a list must hold list items (axe: aria-required-children, critical).
    for key in ("furo_navigation_tree", "body"):
        if context.get(key):
            context[key] = (
                context[key]
                .replace('role="heading">', 'role="heading" aria-level="2">')
                .replace('role="doc-biblioentry"', 'role="listitem"')
                # myst-nb labels each "Show code cell source" toggle "Toggle hidden content",
                # a name that does not contain its visible text (axe: label-content-name-
                # mismatch, serious); without the label the visible text names it.
                .replace('<summary aria-label="Toggle hidden content">', "<summary>")
            )
    # A page's description is in its front matter (myst: html_meta:), where the Korean
    # edition's catalogs can translate it; a page without one gets the book's. docutils writes
    # it as <meta content=".." name="description" [translated="True"] />: name first, and no
    # attribute that HTML does not have.
    metatags, found = _DESCRIPTION.subn(
        r'<meta name="description" content="\1" />', context.get("metatags", "")
    )
    if not found:
        metatags += f'\n<meta name="description" content="{html.escape(_DEFAULT_DESCRIPTION)}" />'
    context["metatags"] = metatags
    if doctree is None or not _is_downloadable(pagename):
        return
    name = Path(pagename).name
    prefix = editions.english_root(app.config, pagename)  # the Korean pages offer these too
    if app.config.language != "ko":
        _write_downloads(app, pagename)
    text = partial(editions.text, app)
    links = (
        f'<p class="chapter-downloads">{text("Download this chapter:")} '
        f'<a href="{prefix}_downloads/{name}.ipynb" download>'
        f"{text('notebook with outputs (.ipynb)')}</a>"
        f' · <a href="{prefix}_downloads/{name}.md" download>{text("MyST source (.md)")}</a></p>'
    )
    context["body"] = links + context.get("body", "")


def _complete_sitemap(app, exception):
    """Add the pages this build did not rewrite to sphinx-sitemap's list.

    sphinx-sitemap lists the pages written by the current build only, so a second, incremental
    ``make html`` would publish a sitemap without the unchanged chapters
    (jdillard/sphinx-sitemap#13). Runs just before its ``build-finished`` handler.
    """
    links = getattr(app, "sitemap_links", None)
    if exception or links is None:
        return
    found = []
    while not links.empty():
        found.append(links.get())
    listed = {link for link, _ in found}
    # The English site's sitemap lists the Korean edition's pages too, when it holds them.
    korean = app.config.language != "ko" and editions.together(app.config)
    for docname in sorted(app.env.found_docs):
        link = app.builder.get_target_uri(docname)
        if sphinx_sitemap.is_excluded(link, app.config.sitemap_excludes):
            continue
        if link not in listed:
            found.append((link, None))
        if korean and not docname.startswith(editions.UNTRANSLATED):
            found.append((editions.EDITIONS["ko"][1] + link, None))
    for item in found:
        links.put(item)


# The Performance page draws the committed results of `make bench`. myst-nb's cache knows a page
# by its code only, so the page gets one more, hidden cell that names the results by their hash:
# new results re-read the page and execute it anew, and the Korean edition finds it in the cache.
_BENCH_RESULTS = sorted((ROOT / "benchmarks" / "results").glob("*.json"))


def _note_bench_results(app, docname: str, source: list[str]) -> None:
    if docname == "performance":
        digest = hashlib.sha256()
        for path in _BENCH_RESULTS:
            app.env.note_dependency(str(path))
            digest.update(path.read_bytes())
        source[0] += (
            "\n```{code-cell} ipython3\n:tags: [remove-cell]\n\n"
            f"# the benchmark results drawn above: sha256 {digest.hexdigest()}\n```\n"
        )


def setup(app):
    app.connect("source-read", _note_bench_results)
    for extension in _LOCAL_EXTENSIONS.values():
        extension.setup(app)
    app.connect("html-page-context", _page_context, priority=900)  # after furo's own handler
    app.connect("autodoc-process-docstring", _chapter_section, priority=400)  # before napoleon
    app.connect("build-finished", _complete_sitemap, priority=400)  # before sphinx-sitemap's
    return {"parallel_read_safe": True, "parallel_write_safe": True}

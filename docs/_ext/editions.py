"""The book's two editions: English at the site's root, Korean under ``ko/``.

`make html` builds the English site, then the Korean one (``-D language=ko``, from the catalogs in
``locales/ko/LC_MESSAGES``) into its own folder, and copies it to ``<site>/ko/``. This extension
gives every page of either edition:

* a language switcher in the sidebar that links to the same page in the other edition;
* ``<link rel="alternate" hreflang>`` for both editions and ``x-default`` (the English page);
* in the Korean edition: the site's own interface text in Korean, the title, and a link to the
  API reference, which stays English and is not part of the Korean build (``api/`` is excluded;
  its toctree entry is dropped without a warning). The Korean pages use the English site's copy
  of Pyodide and its chapter downloads.

Where the editions are published: ``editions_site_url`` (the English site) and
``editions_korean_url`` (by default ``<site>/ko/``). Published together, as `make html` lays them
out, the editions link to each other by relative links; published apart (Read the Docs serves a
translation as a project of its own), by these URLs.

Used from ``conf.py``: ``editions.setup(app)``.
"""

from __future__ import annotations

import html
import shutil
from pathlib import Path
from urllib.parse import urlsplit

# The editions: language code, the name a reader picks it by, the folder under the site's root.
EDITIONS = {"en": ("English", ""), "ko": ("한국어", "ko/")}
UNTRANSLATED = "api/"  # pages (docnames starting with this) that only the English edition has

# Text of the project's own interface (conf.py, livecode, pagespeed), by language. The theme's and
# Sphinx's interface text is in locales/ko/LC_MESSAGES/sphinx.po.
TEXT = {
    "ko": {
        "title": "nnbook: 밑바닥부터 만드는 신경망",
        "Download this chapter:": "이 장 내려받기 (영어판):",
        "notebook with outputs (.ipynb)": "출력이 담긴 노트북 (.ipynb)",
        "MyST source (.md)": "MyST 원본 (.md)",
        "Show code cell {type}": "코드 보기",
        "Hide code cell {type}": "코드 숨기기",
        "Language": "언어",
        "API reference (English)": "API 레퍼런스 (영어)",
    },
}
# The Korean words of the Run bars (livecode) and the copy buttons (pagespeed).
LIVECODE_WORDS = {
    "ko": {
        "run": "실행",
        "run_cell": "셀 {n} 실행",
        "takes": "브라우저에서 약 {seconds:.0f}초 걸림",
    }
}
COPY_WORDS = {"ko": {"copy": "복사", "copied": "복사했다", "failed": "복사하지 못했다"}}


def text(app, english: str) -> str:
    """``english`` in the language of the edition being built."""
    return TEXT.get(app.config.language or "en", {}).get(english, english)


def _configure(app, config) -> None:
    """Settings that differ in the Korean edition."""
    if not config.editions_korean_url:
        config.editions_korean_url = config.editions_site_url + EDITIONS["ko"][1]
    if config.language != "ko":
        return
    config.html_title = TEXT["ko"]["title"]
    config.html_baseurl = config.ogp_site_url = config.editions_korean_url
    config.exclude_patterns = [*config.exclude_patterns, UNTRANSLATED + "*"]
    config.suppress_warnings = [*config.suppress_warnings, "toc.excluded"]
    config.nb_code_prompt_show = TEXT["ko"]["Show code cell {type}"]
    config.nb_code_prompt_hide = TEXT["ko"]["Hide code cell {type}"]
    if together(config):
        config.notfound_urls_prefix += EDITIONS["ko"][1]
    else:
        config.notfound_urls_prefix = urlsplit(config.editions_korean_url).path
    config.livecode_words = LIVECODE_WORDS["ko"]
    config.pagespeed_copy_words = COPY_WORDS["ko"]
    config.livecode_pyodide = english_root(config) + config.livecode_pyodide


def together(config) -> bool:
    """Whether the Korean edition is published in the English site's ko/ folder."""
    return config.editions_korean_url == config.editions_site_url + EDITIONS["ko"][1]


def english_root(config, pagename: str = "") -> str:
    """The English site's root, as a link from a page of the edition being built."""
    up = "../" * pagename.count("/")
    if (config.language or "en") == "en":
        return up
    return up + "../" if together(config) else config.editions_site_url


def _root(config, pagename: str, code: str) -> str:
    """Edition ``code``'s root, as a link from ``pagename`` of the edition being built."""
    if code == (config.language or "en"):
        return "../" * pagename.count("/")
    if together(config):
        return english_root(config, pagename) + EDITIONS[code][1]
    return config.editions_site_url if code == "en" else config.editions_korean_url


def _has(language: str, pagename: str) -> bool:
    return language == "en" or not pagename.startswith(UNTRANSLATED)


def _page_context(app, pagename, templatename, context, doctree) -> None:
    config = app.config
    language = config.language or "en"
    page = app.builder.get_target_uri(pagename)
    editions = []
    for code, (name, _) in EDITIONS.items():
        here = _has(code, pagename)
        editions.append(
            {
                "code": code,
                "name": name,
                "current": code == language,
                # The same page, or where it does not exist, the edition's front page.
                "href": _root(config, pagename, code) + (page if here else "index.html"),
                "same_page": here,
            }
        )
    context["nnbook_editions"] = editions
    context["nnbook_language_label"] = text(app, "Language")
    if language != "en":
        context["nnbook_api"] = (
            english_root(config, pagename) + UNTRANSLATED + "index.html",
            text(app, "API reference (English)"),
        )
    if all(edition["same_page"] for edition in editions):
        urls = {"en": config.editions_site_url, "ko": config.editions_korean_url}
        links = [
            f'<link rel="alternate" hreflang="{code}" href="{html.escape(url + page)}" />'
            for code, url in urls.items()
        ]
        links.append(
            f'<link rel="alternate" hreflang="x-default" href="{html.escape(urls["en"] + page)}" />'
        )
        context["metatags"] = context.get("metatags", "") + "\n" + "\n".join(links)


def _sidebar(app, config) -> None:
    """Put the switcher below the site's name in furo's sidebar."""
    if "**" not in config.html_sidebars:
        config.html_sidebars = {
            **config.html_sidebars,
            "**": [
                "sidebar/brand.html",
                "sidebar/editions.html",
                "sidebar/search.html",
                "sidebar/scroll-start.html",
                "sidebar/navigation.html",
                "sidebar/scroll-end.html",
            ],
        }


def merge(english: Path, korean: Path) -> None:
    """Copy a Korean build into ``<english>/ko/`` (what `make html` runs after both builds).

    The Korean build's own sitemap is left out: the English one lists both editions.
    """
    target = english / EDITIONS["ko"][1]
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(
        korean, target, ignore=shutil.ignore_patterns(".doctrees", ".buildinfo*", "sitemap.xml")
    )


def setup(app):
    app.add_config_value("editions_site_url", "", "html")
    app.add_config_value("editions_korean_url", "", "html")
    app.connect("config-inited", _configure, priority=400)
    app.connect("config-inited", _sidebar, priority=400)
    app.connect("html-page-context", _page_context)


if __name__ == "__main__":
    import sys

    merge(Path(sys.argv[1]), Path(sys.argv[2]))

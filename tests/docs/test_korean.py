"""The Korean edition: complete and current catalogs, a clean build that executes nothing, the
same computed numbers as the English pages, both editions linked to each other, and a search that
finds Korean nouns whatever particle follows them.

The site checks of test_browser and test_links (links and anchors, axe-core, no outside request,
alt text) walk every page of the built site, the Korean pages under ko/ included.
"""

from __future__ import annotations

import html
import re
import subprocess
import sys
from pathlib import Path

import pytest
from catalogs import check_all

ROOT = Path(__file__).resolve().parents[2]
CATALOGS = ROOT / "locales" / "ko" / "LC_MESSAGES"
KO = "ko"


def _korean_pages(site: Path) -> list[Path]:
    return sorted((site / KO).glob("*.html"))


def _text(page: Path) -> str:
    """The page's article as plain text."""
    source = page.read_text(encoding="utf-8")
    article = source[source.find("<article") : source.rfind("</article>")] or source
    return html.unescape(re.sub(r"<[^>]+>", " ", article))


# -- the catalogs ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def templates(site, tmp_path_factory) -> Path:
    """A fresh extraction of the English messages (after the English build: its executions are
    cached, so this executes nothing)."""
    out = tmp_path_factory.mktemp("gettext") / "gettext"
    cmd = [sys.executable, "-m", "sphinx", "-q", "-b", "gettext", "-c", ".", "docs", str(out)]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out


def test_every_message_is_translated_and_current(templates):
    reports = check_all(templates, CATALOGS)
    pages = {report.page for report in reports}
    assert {"preface", "feedforward", "cnn", "transformer", "glossary"} <= pages, pages
    problems = [problem for report in reports for problem in report.problems]
    coverage = ", ".join(f"{r.page} {r.translated}/{r.messages}" for r in reports)
    print(f"Korean catalogs: {coverage}")
    assert not problems, "\n".join(problems[:60]) + f"\n({len(problems)} problems)"
    # The API reference stays English: it has no catalog, and nothing is translated from it.
    assert not list(CATALOGS.glob("api*")), "the API reference has no Korean catalog"


def test_catalog_headers_are_final():
    """A catalog whose header is marked fuzzy is skipped whole by some compilers (Babel's)."""
    for po in sorted(CATALOGS.glob("*.po")):
        head = po.read_text(encoding="utf-8").split('msgid ""', 1)[0]
        assert "#, fuzzy" not in head, f"{po.name}: the header is marked fuzzy"


def test_the_checker_catches_what_a_translator_can_break():
    """The checks above can fail: a typed number for a glued one, lost math, a changed target."""
    from catalogs import kept_parts

    english = "The loss is {glue:text}`rnn_loss` after $T$ steps; see {term}`loss <loss function>`."
    good = "{term}`손실 <loss function>`은 $T$ 단계 뒤에 {glue:text}`rnn_loss` 정도다."
    assert kept_parts(english) == kept_parts(good)
    for broken in (
        "손실은 $T$ 단계 뒤에 2.31 정도다. {term}`손실 <loss function>`",  # glue typed
        "{term}`손실 <loss function>`은 T 단계 뒤에 {glue:text}`rnn_loss` 정도다.",  # math lost
        "{term}`손실 <손실 함수>`은 $T$ 단계 뒤에 {glue:text}`rnn_loss` 정도다.",  # target changed
    ):
        assert kept_parts(english) != kept_parts(broken), broken


# -- the build -------------------------------------------------------------------------------------
def test_korean_build_has_no_warnings_and_executes_nothing(build):
    log = build.korean_log
    problems = [line for line in log.splitlines() if re.search(r"WARNING|ERROR|Traceback", line)]
    assert build.korean_returncode == 0 and not problems, "\n".join(problems) or log[-4000:]
    # jupyter's client logs each execution; the Korean edition reads the English outputs.
    assert "Executing notebook" not in log, "the Korean build executed a notebook"


def test_every_page_but_the_api_reference_is_in_korean(site):
    english = {p.name for p in site.glob("*.html")}
    korean = {p.name for p in _korean_pages(site)}
    assert english == korean, sorted(english ^ korean)
    assert not (site / KO / "api").exists(), "the API reference is English only"
    for page in _korean_pages(site):
        if page.name in ("genindex.html", "search.html", "404.html"):
            continue
        source = page.read_text(encoding="utf-8")
        assert '<html class="no-js" lang="ko"' in source, page.name
        title = re.search(r"<h1>(.*?)</h1>", source, re.S).group(1)
        assert re.search(r"[가-힣]", title), f"{page.name}: title {title!r}"
        description = re.findall(r'<meta name="description" content="([^"]+)"', source)
        assert len(description) == 1 and re.search(r"[가-힣]", description[0]), page.name
        # The prose is Korean: paragraphs, without code, math and the bibliography's entries.
        source = re.sub(r'<div class="citation".*?</div>', " ", source, flags=re.S)
        prose = " ".join(re.findall(r"<p\b[^>]*>(.*?)</p>", source, re.S))
        prose = re.sub(r"<(code|svg|math|cite)\b.*?</\1>", " ", prose, flags=re.S)
        prose = re.sub(r"<[^>]+>", " ", prose)
        hangul, latin = len(re.findall(r"[가-힣]", prose)), len(re.findall(r"[A-Za-z]", prose))
        assert hangul > latin, f"{page.name}: {hangul} Hangul and {latin} Latin letters"


def test_the_interface_is_korean(site):
    page = (site / KO / "cnn.html").read_text(encoding="utf-8")
    for korean in (
        "본문으로 건너뛰기",
        "맨 위로",
        "이 페이지의 내용",
        "코드 보기",
        "밑바닥부터 만드는 신경망",
    ):
        assert korean in page, korean
    for english in ("Skip to content", "Back to top", "On this page", "Show code cell source"):
        assert english not in page, english
    # The chapter offers the English notebooks (the executed code is the same).
    assert 'href="../_downloads/cnn.ipynb"' in page
    assert (site / "_downloads" / "cnn.ipynb").is_file()
    assert re.search(
        r'<button type="button" class="live-run" aria-label="셀 \d+ 실행">실행</button>', page
    )
    assert ">Run</button>" not in page
    assert 'data-copied="복사했다"' in page and ">Copy</button>" not in page


def test_glued_numbers_are_the_english_pages(site):
    """Every number a Korean page shows from the executed chapter is one its English page shows."""
    pasted = re.compile(r'<span class="pasted-text">([^<]*)</span>')
    for page in _korean_pages(site):
        english = sorted(pasted.findall((site / page.name).read_text(encoding="utf-8")))
        korean = sorted(pasted.findall(page.read_text(encoding="utf-8")))
        assert korean == english, page.name


def test_editions_link_to_each_other(site):
    for page in _korean_pages(site):
        name = page.name
        korean = page.read_text(encoding="utf-8")
        english = (site / name).read_text(encoding="utf-8")
        for source in (korean, english):
            alternates = dict(
                re.findall(r'<link rel="alternate" hreflang="([\w-]+)" href="([^"]+)"', source)
            )
            assert alternates.get("en", "").endswith(f"/{name}"), (name, alternates)
            assert alternates.get("ko", "").endswith(f"/ko/{name}"), (name, alternates)
            assert alternates.get("x-default") == alternates["en"], name
        assert f'href="../{name}" hreflang="en" lang="en">English</a>' in korean, name
        assert f'href="ko/{name}" hreflang="ko" lang="ko">한국어</a>' in english, name
    # English-only pages link to the Korean front page, and the Korean pages to the API reference.
    api = (site / "api" / "index.html").read_text(encoding="utf-8")
    assert 'href="../ko/index.html" hreflang="ko"' in api
    assert 'href="../api/index.html" hreflang="en">API 레퍼런스' in (
        site / KO / "cnn.html"
    ).read_text(encoding="utf-8")
    sitemap = (site / "sitemap.xml").read_text(encoding="utf-8")
    listed = re.findall(r"<loc>([^<]+)</loc>", sitemap)
    for page in _korean_pages(site):
        if page.name not in ("genindex.html", "search.html", "404.html"):
            assert any(url.endswith(f"/ko/{page.name}") for url in listed), page.name
            assert any(url.endswith(f"/{page.name}") and "/ko/" not in url for url in listed)


# -- search ----------------------------------------------------------------------------------------
# Nouns a reader of the Korean edition searches for. A page is relevant to a query when its
# article contains the noun, with whatever particle or ending follows it.
QUERIES = (
    "신경망 퍼셉트론 활성화 가중치 편향 손실 학습률 미니배치 역전파 순전파 기울기 합성곱 필터 "
    "풀링 패딩 스트라이드 은닉 순환 어텐션 인코더 디코더 임베딩 소프트맥스 드롭아웃 정규화 "
    "시그모이드 행렬 트랜스포머"
).split()
SEARCH = """async (query) => {
  while (!Search.hasIndex()) await new Promise((resolve) => setTimeout(resolve, 50));
  const [searchQuery, searchTerms, excluded, highlight, objectTerms] = Search._parseQuery(query);
  const results = Search._performSearch(searchQuery, searchTerms, excluded, highlight, objectTerms);
  return [...new Set(results.map((result) => result[0]))];
}"""


@pytest.mark.browser
def test_korean_search_finds_nouns_whatever_particle_follows(site, server, launch):
    pages = {p.stem: _text(p) for p in _korean_pages(site)}
    pages = {k: v for k, v in pages.items() if k not in ("genindex", "search", "404")}
    browser = launch()
    page = browser.new_page()
    page.goto(f"{server}/{KO}/search.html")
    found_total = relevant_total = 0
    misses = []
    for query in QUERIES:
        relevant = {name for name, text in pages.items() if query in text}
        found = set(page.evaluate(SEARCH, query))
        found_total += len(relevant & found)
        relevant_total += len(relevant)
        if relevant - found:
            misses.append(f"{query}: missed {sorted(relevant - found)}")
    recall = found_total / relevant_total
    print(
        f"Korean search recall over {len(QUERIES)} queries: {recall:.3f} "
        f"({found_total}/{relevant_total}); " + "; ".join(misses)
    )
    assert recall >= 0.95, "\n".join(misses)
    # The same noun with a particle finds the same pages (the query's particle is removed).
    for noun, with_particle in (
        ("신경망", "신경망은"),
        ("신경망", "신경망을"),
        ("기울기", "기울기의"),
    ):
        found = set(page.evaluate(SEARCH, with_particle))
        assert found == set(page.evaluate(SEARCH, noun)), with_particle
    # A word that is only ever written with a particle is found: 신경망 in "신경망은" etc.
    assert any(
        "신경망은" in text or "신경망을" in text or "신경망의" in text for text in pages.values()
    )
    assert len(page.evaluate(SEARCH, "신경망")) >= 5
    page.close()

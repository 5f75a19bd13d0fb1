"""Full-text search for the Korean edition.

Sphinx has no Korean search language: it would fall back to English and index each space-separated
word with its particle attached ("신경망은", "신경망을"), so a search for 신경망 misses them. Korean
attaches particles and endings to the word before, so this indexes, for every page:

* the nouns and roots found by Kiwi (``kiwipiepy``), a Korean morphological analyser;
  the Korean names of the glossary's terms are added to its dictionary, so that 합성곱 stays one
  word rather than 합성 + 곱;
* every space-separated Korean word with one trailing particle removed (신경망은 → 신경망), which
  catches the words the analyser splits differently.

The browser's half (``Stemmer`` in the page's ``language_data.js``) removes the same particle from
each word of a query, so 신경망을 finds what 신경망 finds. Latin words (LSTM, Conv2d) are indexed
and stemmed as in the English edition.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import snowballstemmer
from sphinx.search import SearchLanguage
from sphinx.search._stopwords.en import ENGLISH_STOPWORDS

HANGUL = re.compile(r"[가-힣]+")
LATIN = re.compile(r"[A-Za-z0-9_]+")
# What a Korean word of the book's prose ends with after the word itself, longest first.
PARTICLES = (
    "에서는 으로는 이라는 에서의 으로써 으로서 에게서 까지는 부터는 이라고 "
    "에서 으로 에게 까지 부터 보다 처럼 마다 라는 이다 이며 이고 이나 에는 로는 와의 과의 만의 "
    "의 은 는 이 가 을 를 에 와 과 도 만 로"
).split()
# A particle is removed only from a word that keeps at least this many syllables: 길이 stays 길이.
MIN_STEM = 2
# Kiwi's tags of the morphemes worth finding: nouns, roots and Hanja. (The book's verbs are mostly
# a noun and 하다, 계산한다 = 계산 + 하 + ㄴ다: the noun is what a reader searches for.)
INDEXED_TAGS = {"NNG", "NNP", "XR", "SH"}

GLOSSARY = Path(__file__).parents[1] / "glossary.md"


def strip_particle(word: str) -> str:
    for particle in PARTICLES:
        if word.endswith(particle) and len(word) - len(particle) >= MIN_STEM:
            return word[: -len(particle)]
    return word


STEMMER_JS = (
    "var Stemmer = function () {\n"
    "  const english = new EnglishStemmer();\n"
    f"  const particles = {json.dumps(PARTICLES, ensure_ascii=False)};\n"
    "  this.stemWord = function (word) {\n"
    "    if (!/[\\uac00-\\ud7a3]/.test(word)) return english.stemWord(word);\n"
    "    for (const particle of particles) {\n"
    f"      if (word.endsWith(particle) && word.length - particle.length >= {MIN_STEM})\n"
    "        return word.slice(0, -particle.length);\n"
    "    }\n"
    "    return word;\n"
    "  };\n"
    "};\n"
)


def _minified(name: str) -> str:
    import sphinx.search

    return (Path(sphinx.search.__file__).parent / "minified-js" / name).read_text(encoding="utf-8")


def glossary_words() -> set[str]:
    """The Korean words of the glossary's term names ("활성화 함수. …" gives 활성화, 함수)."""
    text = GLOSSARY.read_text(encoding="utf-8")
    heads = re.findall(r"^  ([^.\n]*?)[.(]", text, re.M)
    return {word for head in heads for word in HANGUL.findall(head) if len(word) >= 2}


class SearchKorean(SearchLanguage):
    """Korean: Kiwi's morphemes and particle-free words; English rules for Latin words."""

    lang = "ko"
    language_name = "Korean"
    stopwords = ENGLISH_STOPWORDS
    js_stemmer_code = "\n".join(
        (_minified("base-stemmer.js"), _minified("english-stemmer.js"), STEMMER_JS)
    )

    def __init__(self, options: dict[str, str]) -> None:
        super().__init__(options)
        from kiwipiepy import Kiwi

        self.kiwi = Kiwi()
        for word in sorted(glossary_words()):
            self.kiwi.add_user_word(word, "NNG")
        self.english = snowballstemmer.stemmer("english")

    def split(self, input: str) -> list[str]:
        words = HANGUL.findall(input)
        korean = " ".join(words)
        morphemes = [t.form for t in self.kiwi.tokenize(korean) if t.tag in INDEXED_TAGS]
        return words + morphemes + LATIN.findall(input)

    def stem(self, word: str) -> str:
        if HANGUL.search(word):
            return strip_particle(word)
        return self.english.stemWord(word.lower())

    def word_filter(self, word: str) -> bool:
        # One syllable can be a whole Korean noun (층, 셀); one Latin letter is noise.
        if HANGUL.fullmatch(word):
            return True
        return len(word) > 1 and not word.isdigit() and word not in self.stopwords


def setup(app):
    app.add_search_language(SearchKorean)

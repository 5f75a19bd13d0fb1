"""A translation task made in code: Sino-Korean number words to digits (삼백이십일 -> 321).

Sino-Korean numerals name a number with nine digit words and four place words:

======  ==  ==  ==  ==  ==  ==  ==  ==  ==  ==  ===  ====  ======
digit   1   2   3   4   5   6   7   8   9   10  100  1000  10 000
word    일  이  삼  사  오  육  칠  팔  구  십  백   천    만
======  ==  ==  ==  ==  ==  ==  ==  ==  ==  ==  ===  ====  ======

A number is read digit by digit from the left, each non-zero digit followed by its place word;
zero digits are not read at all (301 is 삼백일, "three hundred one"), and a 1 in front of a
place word is dropped (10 is 십, 110 is 백십, 1000 is 천, 10 000 is 만). Above 만 the same
rules name the number of ten-thousands, then 만, then the rest (123 456 is 십이만삼천사백오십육).

Translating the words back into digits is a small sequence-to-sequence problem: the output is
not a word-by-word substitution (zeros appear where a place word is *missing*, and a place word
alone stands for a 1), yet it is deterministic, so a model can be scored by exact match.

Everything here is plain NumPy: the vocabularies, the encoding of word strings and numbers as
padded arrays of token ids, and a split of the numbers into a training set and a held-out set.

See the chapter :doc:`/transformer`.
"""

from __future__ import annotations

import numpy as np

from ._validation import check_positive_int
from .init import make_rng

DIGIT_WORDS = "일이삼사오육칠팔구"  # 1..9
PLACE_WORDS = "십백천"  # 10, 100, 1000 inside a group of four digits
MAN = "만"  # 10 000
MAX_VALUE = 10**8 - 1  # the largest number these rules name (9999만 9999)

PAD, BOS, EOS = 0, 1, 2
SPECIALS = ("<pad>", "<bos>", "<eos>")
SOURCE_TOKENS = SPECIALS + tuple(DIGIT_WORDS + PLACE_WORDS + MAN)
TARGET_TOKENS = SPECIALS + tuple("0123456789")

_SOURCE_ID = {tok: i for i, tok in enumerate(SOURCE_TOKENS)}
_TARGET_ID = {tok: i for i, tok in enumerate(TARGET_TOKENS)}


def _check_number(n):
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"korean_numbers: expected an int, got {type(n).__name__}")
    if not 1 <= n <= MAX_VALUE:
        raise ValueError(f"korean_numbers: expected a number in [1, {MAX_VALUE}], got {n}")
    return int(n)


def _group_words(n):
    """Words for 1 <= n <= 9999, one group of four digits."""
    words = []
    for place, unit in zip((1000, 100, 10), "천백십", strict=True):
        digit = n // place % 10
        if digit:
            words.append(("" if digit == 1 else DIGIT_WORDS[digit - 1]) + unit)
    if n % 10:
        words.append(DIGIT_WORDS[n % 10 - 1])
    return "".join(words)


def number_to_words(n):
    """The Sino-Korean reading of ``n`` (1 <= n < 10**8), e.g. 321 -> "삼백이십일".

    A 1 before a place word is dropped (10 -> "십", 1000 -> "천", 10 000 -> "만").
    """
    n = _check_number(n)
    high, low = divmod(n, 10_000)
    words = ""
    if high:
        words = ("" if high == 1 else _group_words(high)) + MAN
    return words + (_group_words(low) if low else "")


def words_to_number(words):
    """The inverse of :func:`number_to_words`: "삼백이십일" -> 321.

    Raises ValueError for a string that is not a reading :func:`number_to_words` produces.
    """
    if not isinstance(words, str):
        raise TypeError(f"korean_numbers: expected a str, got {type(words).__name__}")
    total = group = digit = 0
    for ch in words:
        if ch in DIGIT_WORDS:
            digit = DIGIT_WORDS.index(ch) + 1
        elif ch in PLACE_WORDS:
            group += (digit or 1) * 10 ** (PLACE_WORDS.index(ch) + 1)
            digit = 0
        elif ch == MAN:
            total += ((group + digit) or 1) * 10_000
            group = digit = 0
        else:
            raise ValueError(f"korean_numbers: unexpected character {ch!r} in {words!r}")
    n = total + group + digit
    # Only the canonical reading is accepted, so the two functions are exact inverses.
    if n < 1 or n > MAX_VALUE or number_to_words(n) != words:
        raise ValueError(f"korean_numbers: {words!r} is not a canonical Sino-Korean number")
    return n


def encode_source(numbers):
    """Token ids of the number words, right-padded with ``PAD``: an int64 array (N, S).

    S is the longest reading in ``numbers``; no BOS or EOS is added.
    """
    rows = [[_SOURCE_ID[ch] for ch in number_to_words(n)] for n in numbers]
    return _pad(rows)


def encode_target(numbers):
    """Token ids ``BOS d1 d2 ... EOS``, right-padded with ``PAD``: an int64 array (N, T)."""
    rows = [[BOS] + [_TARGET_ID[ch] for ch in str(_check_number(n))] + [EOS] for n in numbers]
    return _pad(rows)


def _pad(rows):
    if not rows:
        raise ValueError("korean_numbers: expected at least one number")
    out = np.full((len(rows), max(map(len, rows))), PAD, dtype=np.int64)
    for i, row in enumerate(rows):
        out[i, : len(row)] = row
    return out


def decode_target(ids):
    """Digit strings from target ids (N, L): the tokens after BOS up to the first EOS or PAD."""
    ids = np.asarray(ids)
    if ids.ndim != 2:
        raise ValueError(f"korean_numbers: expected target ids of shape (N, L), got {ids.shape}")
    out = []
    for row in ids:
        chars = []
        for tok in row[1 if row.size and row[0] == BOS else 0 :]:
            if tok in (EOS, PAD):
                break
            chars.append(TARGET_TOKENS[tok])
        out.append("".join(chars))
    return out


def source_tokens(n):
    """The reading of ``n`` as a list of one-character tokens (labels for plots)."""
    return list(number_to_words(n))


def train_test_split(max_value, n_test, *, rng=None):
    """Split 1..max_value into training and held-out numbers, disjoint, both sorted.

    Parameters
    ----------
    max_value : int
        The largest number in the task.
    n_test : int
        How many numbers to hold out; they never appear in the training set.
    rng : numpy.random.Generator or int, optional
        Chooses the held-out numbers.

    Returns
    -------
    train, test : numpy.ndarray of int64
    """
    max_value = _check_number(max_value)
    n_test = check_positive_int("train_test_split", n_test, "n_test")
    if n_test >= max_value:
        raise ValueError(
            f"train_test_split: n_test ({n_test}) must be smaller than max_value ({max_value})"
        )
    numbers = np.arange(1, max_value + 1, dtype=np.int64)
    held_out = np.zeros(max_value, dtype=bool)
    held_out[make_rng(rng).choice(max_value, size=n_test, replace=False)] = True
    return numbers[~held_out], numbers[held_out]

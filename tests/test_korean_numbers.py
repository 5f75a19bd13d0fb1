"""Tests for the Sino-Korean number-word task in nnbook.korean_numbers."""

import numpy as np
import pytest

from nnbook import korean_numbers as kn


@pytest.mark.parametrize(
    ("n", "words"),
    [
        (1, "일"),
        (9, "구"),
        (10, "십"),
        (11, "십일"),
        (20, "이십"),
        (100, "백"),
        (101, "백일"),
        (110, "백십"),
        (321, "삼백이십일"),
        (1000, "천"),
        (1001, "천일"),
        (2024, "이천이십사"),
        (10000, "만"),
        (10001, "만일"),
        (11000, "만천"),
        (21000, "이만천"),
        (99999, "구만구천구백구십구"),
        (100000, "십만"),
        (123456, "십이만삼천사백오십육"),
        (10000000, "천만"),
    ],
)
def test_number_to_words_known_readings(n, words):
    assert kn.number_to_words(n) == words
    assert kn.words_to_number(words) == n


def test_round_trip_is_exact_and_injective():
    numbers = range(1, 100_000)
    readings = [kn.number_to_words(n) for n in numbers]
    assert len(set(readings)) == len(readings)  # no two numbers share a reading
    assert all(kn.words_to_number(w) == n for n, w in zip(numbers, readings, strict=True))
    assert all(set(w) <= set(kn.SOURCE_TOKENS[3:]) for w in readings)
    assert max(map(len, readings)) == 9


def test_largest_number():
    words = kn.number_to_words(kn.MAX_VALUE)
    assert words == "구천구백구십구만구천구백구십구"
    assert kn.words_to_number(words) == kn.MAX_VALUE


@pytest.mark.parametrize("bad", [0, -5, kn.MAX_VALUE + 1])
def test_number_out_of_range(bad):
    with pytest.raises(ValueError, match=r"expected a number in \[1, 99999999\]"):
        kn.number_to_words(bad)


@pytest.mark.parametrize("bad", [3.0, "321", True, None])
def test_number_wrong_type(bad):
    with pytest.raises(TypeError, match="expected an int"):
        kn.number_to_words(bad)


@pytest.mark.parametrize("bad", ["일십", "일백", "삼삼", "십십", "", "일만"])
def test_words_to_number_rejects_non_canonical(bad):
    with pytest.raises(ValueError, match=f"korean_numbers: '{bad}' is not a canonical Sino-Korean"):
        kn.words_to_number(bad)


def test_words_to_number_rejects_other_characters():
    with pytest.raises(ValueError, match="korean_numbers: unexpected character 'x' in '삼x'"):
        kn.words_to_number("삼x")


def test_words_to_number_wrong_type():
    with pytest.raises(TypeError, match="expected a str"):
        kn.words_to_number(321)


def test_encode_source_and_target():
    src = kn.encode_source([321, 10])
    assert src.dtype == np.int64 and src.shape == (2, 5)
    assert [kn.SOURCE_TOKENS[i] for i in src[0]] == list("삼백이십일")
    assert [kn.SOURCE_TOKENS[i] for i in src[1]] == ["십"] + ["<pad>"] * 4
    tgt = kn.encode_target([321, 10])
    assert tgt.shape == (2, 5)
    np.testing.assert_array_equal(tgt[0], [kn.BOS, 6, 5, 4, kn.EOS])  # "3" is id 6
    np.testing.assert_array_equal(tgt[1], [kn.BOS, 4, 3, kn.EOS, kn.PAD])
    assert kn.decode_target(tgt) == ["321", "10"]


def test_decode_target_stops_at_eos_and_accepts_missing_bos():
    ids = np.array([[kn.BOS, 4, kn.EOS, 5, 5], [6, 7, kn.PAD, kn.PAD, kn.PAD]])
    assert kn.decode_target(ids) == ["1", "34"]
    with pytest.raises(ValueError, match=r"shape \(N, L\)"):
        kn.decode_target(np.array([1, 2, 3]))


def test_encode_rejects_empty_and_bad_numbers():
    with pytest.raises(ValueError, match="at least one number"):
        kn.encode_source([])
    with pytest.raises(ValueError, match="expected a number"):
        kn.encode_target([0])


def test_source_tokens():
    assert kn.source_tokens(321) == ["삼", "백", "이", "십", "일"]


def test_train_test_split_is_disjoint_and_seeded():
    train, test = kn.train_test_split(999, 100, rng=0)
    assert len(train) == 899 and len(test) == 100
    assert np.intersect1d(train, test).size == 0
    np.testing.assert_array_equal(np.union1d(train, test), np.arange(1, 1000))
    again_train, again_test = kn.train_test_split(999, 100, rng=0)
    np.testing.assert_array_equal(test, again_test)
    np.testing.assert_array_equal(train, again_train)
    _, other = kn.train_test_split(999, 100, rng=1)
    assert not np.array_equal(test, other)


def test_train_test_split_bad_arguments():
    with pytest.raises(ValueError, match="must be smaller than max_value"):
        kn.train_test_split(10, 10)
    with pytest.raises(ValueError, match="n_test must be positive"):
        kn.train_test_split(10, 0)
    with pytest.raises(TypeError, match="n_test must be an int"):
        kn.train_test_split(10, 2.5)

"""The grammar corpus behind the character-level language model."""

import pytest

from nnbook import corpus


def test_sentences_follow_the_grammar():
    for seed in range(50):
        words = corpus.sentence(seed).rstrip(".").split()
        assert words[0] in corpus.DETERMINERS
        assert set(words) <= corpus.WORDS
        assert corpus.sentence(seed).endswith(".")


def test_text_is_deterministic_under_a_seed():
    assert corpus.text(20, rng=3) == corpus.text(20, rng=3)
    assert corpus.text(20, rng=3) != corpus.text(20, rng=4)


def test_valid_word_fraction_counts_real_words():
    assert corpus.valid_word_fraction(corpus.text(30, rng=0)) == 1.0
    # the first and last pieces may be cut-off words, so they are not counted
    assert corpus.valid_word_fraction("xx the cat xyzzy dog yy") == pytest.approx(3 / 4)


def test_bad_arguments_are_rejected():
    with pytest.raises(ValueError, match="n_sentences"):
        corpus.text(0)

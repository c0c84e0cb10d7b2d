"""The shingle metric of bench/extraction.py (tests/shingles.py) on hand-computed cases."""

from __future__ import annotations

import pytest

from shingles import match, mean_prf, prf, shingles


def test_shingles_are_four_word_runs_and_short_texts_are_one_shingle() -> None:
    assert shingles("a b, c d. e") == [("a", "b", "c", "d"), ("b", "c", "d", "e")]
    assert shingles("Hello, world!") == [("Hello", "world")]
    assert shingles("  ...  ") == []


def test_identical_text_scores_one() -> None:
    text = "The council approved the budget on Thursday after a long debate."
    assert match(text, text) == (1.0, 0.0, 0.0)
    assert prf(text, text) == (1.0, 1.0, 1.0)


def test_disjoint_text_scores_zero() -> None:
    assert prf("the council approved the budget", "rain is expected over the weekend") == (0, 0, 0)
    assert prf("Hello world", "hello world") == (0, 0, 0)  # case counts, as in evaluate.py


def test_partial_overlap() -> None:
    # true: [a b c d] [b c d e]; pred: [a b c d] [b c d x] -> tp 1, fp 1, fn 1, each 1/3.
    assert match("a b c d e", "a b c d x") == pytest.approx((1 / 3, 1 / 3, 1 / 3))
    assert prf("a b c d e", "a b c d x") == pytest.approx((0.5, 0.5, 0.5))
    # 3 true shingles, 1 predicted and right: precision 1, recall 1/3, F1 2 * 1/3 / (4/3).
    assert prf("one two three four five six", "one two three four") == pytest.approx(
        (1.0, 1 / 3, 0.5)
    )
    # repeated shingles are counted: the second [a b c d] is a false positive, like the three
    # shingles across the join -> tp 1, fp 4: precision 1/5, recall 1, F1 0.4 / 1.2.
    assert prf("a b c d", "a b c d a b c d") == pytest.approx((1 / 5, 1.0, 1 / 3))


def test_mean_over_pages_skips_empty_predictions_for_precision_only() -> None:
    pages = [match("a b c d e", "a b c d x"), match("a b c d e", "")]
    # precision: mean over the one predicted page = 0.5; recall: mean(0.5, 0) = 0.25.
    assert mean_prf(pages) == pytest.approx((0.5, 0.25, 2 * 0.5 * 0.25 / 0.75))
    assert mean_prf([]) == (0.0, 0.0, 0.0)

"""The one word error rate the self-test, the tests and the benchmarks share."""

from __future__ import annotations

import jiwer
import pytest

from wavescribe.core.word_error import normalise_words, word_error_rate


def test_normalised_words_ignore_case_and_punctuation() -> None:
    assert normalise_words("Welcome to Wavescribe. It’s OK!") == [
        "welcome", "to", "wavescribe", "it's", "ok",
    ]  # fmt: skip
    assert normalise_words("Der Zug fährt, müde.") == ["der", "zug", "fährt", "müde"]


def test_word_error_rate_counts_each_kind_of_edit() -> None:
    ref = ["a", "b", "c", "d"]
    assert word_error_rate(ref, ref) == 0
    assert word_error_rate(ref, ["a", "x", "c", "d"]) == 0.25  # substitution
    assert word_error_rate(ref, ["a", "b", "c"]) == 0.25  # deletion
    assert word_error_rate(ref, ["a", "b", "b", "c", "d"]) == 0.25  # insertion
    assert word_error_rate([], []) == 0 and word_error_rate([], ["a"]) == 1
    assert word_error_rate("The cat, sat.", "the hat sat") == pytest.approx(1 / 3)


@pytest.mark.parametrize(
    "reference, hypothesis",
    [
        ("welcome to wavescribe", "welcome to wave scribe"),
        ("the quick brown fox jumps over the lazy dog", "a quick brown fox jumped over lazy dogs"),
        ("subtitles made on this computer", "some titles made on the computer today"),
        ("one two three", "three two one"),
    ],
)
def test_agrees_with_jiwer(reference: str, hypothesis: str) -> None:
    assert word_error_rate(reference, hypothesis) == pytest.approx(jiwer.wer(reference, hypothesis))

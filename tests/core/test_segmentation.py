"""Cutting timed words into cues, breaking lines, and display timing: pure logic, no audio."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wavescribe.core.refine import line_breaks
from wavescribe.core.refine.display_timing import apply_timing_rules
from wavescribe.core.refine.regroup import build_cues, group_words
from wavescribe.core.subtitle_rules import SubtitleRules, cps, cue_violations, reading_chars
from wavescribe.core.transcript import Segment, Word

RULES = SubtitleRules()


def timed(text: str, start: int = 0, ms_per_char: int = 60, gap: int = 0) -> list[Word]:
    """Words of ``text`` spoken back to back (``gap`` ms between them) at a steady rate.
    A ``|`` between words inserts a 700 ms pause."""
    words: list[Word] = []
    t = start
    pause = False
    for tok in text.split():
        if tok == "|":
            pause = True
            continue
        if pause:
            t += 700
            pause = False
        end = t + ms_per_char * len(tok)
        words.append(Word(t, end, " " + tok))
        t = end + gap
    return words


def texts(groups: list[list[Word]]) -> list[str]:
    return ["".join(w.text for w in g).strip() for g in groups]


def violations(cues: list[Segment], rules: SubtitleRules = RULES) -> list[tuple[str, list[str]]]:
    out = []
    for i, c in enumerate(cues):
        v = cue_violations(
            c.start,
            c.end,
            c.text,
            rules,
            prev_end=cues[i - 1].end if i else None,
            next_start=cues[i + 1].start if i + 1 < len(cues) else None,
        )
        if v:
            out.append((c.text, v))
    return out


# --- line breaking ------------------------------------------------------------------------


def test_text_that_fits_stays_on_one_line() -> None:
    assert line_breaks.break_lines([" Hello", " there."], 42, 2) == ["Hello there."]


def test_long_text_is_broken_into_balanced_lines() -> None:
    words = [
        " " + w
        for w in [
            "The",
            "weather",
            "today",
            "is",
            "cold",
            "and",
            "windy",
            "with",
            "a",
            "chance",
            "of",
            "rain.",
        ]
    ]
    lines = line_breaks.break_lines(words, 42, 2)
    assert len(lines) == 2
    assert all(len(ln) <= 42 for ln in lines)
    assert abs(len(lines[0]) - len(lines[1])) <= 12
    assert " ".join(lines) == "The weather today is cold and windy with a chance of rain."


def test_a_line_never_ends_on_an_article_when_it_can_be_avoided() -> None:
    words = [
        " " + w
        for w in [
            "I",
            "saw",
            "him",
            "yesterday",
            "at",
            "the",
            "station",
            "near",
            "the",
            "old",
            "market.",
        ]
    ]
    lines = line_breaks.break_lines(words, 36, 2)
    assert not line_breaks.is_weak(lines[0].split()[-1])
    assert lines == ["I saw him yesterday", "at the station near the old market."]


def test_breaking_after_a_comma_is_preferred() -> None:
    words = [
        " " + w
        for w in [
            "When",
            "the",
            "rain",
            "stopped,",
            "we",
            "walked",
            "home",
            "along",
            "the",
            "river.",
        ]
    ]
    assert line_breaks.break_lines(words, 42, 2)[0] == "When the rain stopped,"


def test_a_word_longer_than_a_line_gets_its_own_line_and_nothing_is_lost() -> None:
    long_word = " " + "x" * 60
    lines = line_breaks.break_lines([" short", long_word, " tail"], 42, 2)
    assert "".join(lines).replace(" ", "") == "short" + "x" * 60 + "tail"
    assert not line_breaks.fits([" short", long_word, " tail"], 42, 2)


def test_unspaced_scripts_are_joined_without_spaces() -> None:
    words = list("今日はとても良い天気ですね")
    assert line_breaks.break_lines(words, 42, 2) == ["今日はとても良い天気ですね"]
    lines = line_breaks.break_lines(words, 8, 2)
    assert "".join(lines) == "今日はとても良い天気ですね" and all(len(x) <= 8 for x in lines)


# --- grouping words into cues ---------------------------------------------------------------


def test_cues_end_at_sentence_ends() -> None:
    text = "The rain kept falling all afternoon. We stayed at home and read our books."
    assert texts(group_words(timed(text), RULES)) == [
        "The rain kept falling all afternoon.",
        "We stayed at home and read our books.",
    ]


def test_cues_split_at_long_pauses() -> None:
    groups = group_words(timed("so we waited for the bus | and then we walked home"), RULES)
    assert texts(groups) == ["so we waited for the bus", "and then we walked home"]


def test_abbreviations_do_not_end_a_sentence() -> None:
    groups = group_words(timed("Mr. Smith went to Washington by train."), RULES)
    assert texts(groups) == ["Mr. Smith went to Washington by train."]


def test_a_long_sentence_is_split_at_its_comma_into_cues_that_fit() -> None:
    text = (
        "When we finally reached the top of the mountain after walking for hours, "
        "everyone sat down and looked at the valley below us in complete silence."
    )
    cues = build_cues(timed(text, ms_per_char=50), RULES)
    assert len(cues) == 2
    assert cues[0].text.replace("\n", " ").endswith("hours,")
    assert violations(apply_timing_rules(cues, RULES)) == []


def test_speech_longer_than_max_duration_is_split() -> None:
    cues = build_cues(timed("one two three four five six seven eight", ms_per_char=300), RULES)
    assert len(cues) >= 2
    assert all(c.duration <= RULES.max_duration_ms for c in cues)


def test_a_tiny_fragment_is_merged_into_its_neighbour() -> None:
    words = timed("Yes. I think that is exactly right.", ms_per_char=70)
    groups = group_words(words, RULES)
    assert texts(groups) == ["Yes. I think that is exactly right."]


def test_a_fragment_across_a_long_silence_is_not_merged() -> None:
    words = [Word(0, 300, " Yes."), *timed("I think that is exactly right.", start=3000)]
    assert texts(group_words(words, RULES)) == ["Yes.", "I think that is exactly right."]


def test_cue_text_is_line_broken_and_keeps_every_word() -> None:
    words = timed("The weather today is cold and windy with a chance of rain.")
    (cue,) = build_cues(words, RULES)
    assert "\n" in cue.text
    assert (
        cue.text.replace("\n", " ") == "The weather today is cold and windy with a chance of rain."
    )
    assert [w.text for w in cue.words] == [w.text for w in words]
    assert (cue.start, cue.end) == (words[0].start, words[-1].end)


# --- display timing ---------------------------------------------------------------------------


def cue(start: int, end: int, text: str) -> Segment:
    return Segment(start, end, text, [Word(start, end, " " + text)])


def test_a_short_cue_is_held_for_the_minimum_duration_when_there_is_room() -> None:
    cues = apply_timing_rules([cue(1000, 1300, "Yes."), cue(5000, 6500, "Then we left.")], RULES)
    assert cues[0].end - cues[0].start == RULES.min_duration_ms
    assert cues[0].start == 1000


def test_minimum_duration_never_overlaps_the_next_cue() -> None:
    cues = apply_timing_rules([cue(1000, 1300, "Yes."), cue(1500, 2800, "Then we left.")], RULES)
    assert cues[0].end == 1500 - RULES.min_gap_ms
    assert cues[0].start < 1000  # it took the rest from the pause before it
    assert violations(cues) == []


def test_fast_text_stays_up_longer_for_reading_speed() -> None:
    text = "A rather long sentence that is spoken far too quickly."
    cues = apply_timing_rules([cue(0, 2000, text), cue(9000, 10000, "Next.")], RULES)
    assert cps(cues[0].text, cues[0].duration) <= RULES.max_cps
    assert cues[0].start == 0


def test_touching_cues_get_the_minimum_gap() -> None:
    cues = apply_timing_rules([cue(0, 2000, "First part"), cue(2000, 4000, "second part")], RULES)
    assert cues[1].start - cues[0].end >= RULES.min_gap_ms
    assert all(w.end <= cues[0].end for w in cues[0].words)


def test_reading_chars_counts_spaces_and_line_breaks_as_spaces() -> None:
    assert reading_chars("Hello there,\nfriend.") == len("Hello there, friend.")


def test_cue_violations_excuse_what_one_word_alone_causes() -> None:
    assert cue_violations(0, 9000, "Supercalifragilistic" * 3, RULES) == []
    assert cue_violations(0, 9000, "two words", RULES) != []


# --- properties -----------------------------------------------------------------------------

_token = st.text(alphabet="abcdefghij", min_size=1, max_size=14)
_punct = st.sampled_from(["", "", "", ",", ".", "?", "!"])
_word = st.tuples(_token, _punct, st.integers(20, 900), st.integers(0, 1500))


@st.composite
def word_lists(draw: st.DrawFn) -> list[Word]:
    items = draw(st.lists(_word, min_size=1, max_size=60))
    t = draw(st.integers(0, 5000))
    words = []
    for tok, p, dur, gap in items:
        words.append(Word(t, t + dur, " " + tok + p))
        t += dur + gap
    return words


_rules = st.builds(
    SubtitleRules,
    max_chars_per_line=st.integers(12, 50),
    max_lines=st.integers(1, 3),
    max_duration_ms=st.integers(2000, 8000),
    min_duration_ms=st.integers(300, 1500),
    min_gap_ms=st.integers(0, 200),
    max_cps=st.floats(8, 25),
)


@settings(max_examples=150, deadline=None)
@given(word_lists(), _rules)
def test_cues_never_overlap_keep_every_word_in_order_and_keep_the_rules(
    words: list[Word], rules: SubtitleRules
) -> None:
    cues = apply_timing_rules(build_cues(words, rules), rules)
    assert [w.text for c in cues for w in c.words] == [w.text for w in words]
    for a, b in itertools.pairwise(cues):
        assert a.end + rules.min_gap_ms <= b.start
    for c in cues:
        assert c.start <= c.end
        assert all(c.start <= w.start <= w.end <= c.end for w in c.words)
        assert c.text.replace("\n", " ") == "".join(w.text for w in c.words).strip()
    assert violations(cues, rules) == []


@settings(max_examples=150, deadline=None)
@given(st.lists(_token, min_size=1, max_size=25), st.integers(10, 50), st.integers(1, 3))
def test_line_breaking_keeps_the_words_and_the_limits_when_it_can(
    tokens: list[str], width: int, max_lines: int
) -> None:
    words = [" " + t for t in tokens]
    lines = line_breaks.break_lines(words, width, max_lines)
    assert " ".join(lines).split() == tokens
    if line_breaks.fits(words, width, max_lines):
        assert len(lines) <= max_lines
        assert all(len(ln) <= width for ln in lines)


@pytest.mark.parametrize("n_words", [1, 2, 500])
def test_grouping_handles_tiny_and_large_inputs(n_words: int) -> None:
    words = timed(" ".join(f"word{i}" + ("." if i % 17 == 16 else "") for i in range(n_words)))
    groups = group_words(words, RULES)
    assert sum(len(g) for g in groups) == n_words

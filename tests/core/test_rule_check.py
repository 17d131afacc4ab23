"""Rule warnings: each broken rule gets a kind, numbers and a message; cue_violations decides."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wavescribe.core.editing.rule_check import Rule, check, check_all, check_at
from wavescribe.core.subtitle_rules import SubtitleRules, cue_violations
from wavescribe.core.transcript import Segment, SourceInfo, Transcript

RULES = SubtitleRules(
    max_chars_per_line=20, max_lines=2, max_duration_ms=5000, min_duration_ms=1000, max_cps=15
)
LONG_LINE = "a line that is much too long"


def _rules_of(violations) -> list[Rule]:
    return [v.rule for v in violations]


def test_a_cue_that_keeps_the_rules_has_no_violations():
    assert check(Segment(0, 2000, "Hello there.\nGeneral Kenobi."), RULES) == []


@pytest.mark.parametrize(
    ("segment", "next_segment", "rule", "value", "limit", "message"),
    [
        (
            Segment(0, 4000, "one\ntwo\nthree"),
            None,
            Rule.TOO_MANY_LINES,
            3,
            2,
            "3 lines (at most 2)",
        ),
        (
            Segment(0, 4000, LONG_LINE),
            None,
            Rule.LINE_TOO_LONG,
            28,
            20,
            "a line of 28 characters (at most 20)",
        ),
        (
            Segment(0, 6500, "two words"),
            None,
            Rule.TOO_LONG,
            6500,
            5000,
            "on screen for 6.5 s (at most 5 s)",
        ),
        (
            Segment(0, 600, "hi you"),
            None,
            Rule.TOO_SHORT,
            600,
            1000,
            "on screen for only 0.6 s (at least 1 s)",
        ),
        (
            Segment(0, 1200, "far too many words here"),
            None,
            Rule.TOO_FAST,
            pytest.approx(19.2, abs=0.05),
            15,
            "19.2 characters a second (at most 15)",
        ),
        (
            Segment(0, 2000, "fine"),
            Segment(2030, 3000, "next"),
            Rule.GAP_TOO_SMALL,
            30,
            80,
            "only 30 ms before the next cue (at least 80)",
        ),
        (
            Segment(0, 2000, "fine"),
            Segment(1900, 3000, "next"),
            Rule.OVERLAPS_NEXT,
            None,
            None,
            "overlaps the next cue",
        ),
    ],
)
def test_each_rule_has_a_kind_numbers_and_a_short_message(
    segment, next_segment, rule, value, limit, message
):
    found = [v for v in check(segment, RULES, next_segment) if v.rule == rule]
    assert len(found) == 1
    v = found[0]
    assert (v.value, v.limit, v.message) == (value, limit, message)
    assert v.phrase in cue_violations(
        segment.start,
        segment.end,
        segment.text,
        RULES,
        next_start=next_segment.start if next_segment else None,
    )


def test_a_cue_blocked_by_the_next_is_not_told_to_be_longer():
    short = Segment(0, 600, "hi you")
    assert check(short, RULES, Segment(680, 2000, "next")) == []  # no room to grow: excused
    assert _rules_of(check(short, RULES, Segment(1500, 2000, "next"))) == [Rule.TOO_SHORT]


def test_a_zero_length_cue_reads_infinitely_fast():
    v = [v for v in check(Segment(0, 0, "ab cd"), RULES) if v.rule == Rule.TOO_FAST]
    assert v and v[0].message == "no time to read (at most 15)"


def test_check_all_gives_indices_neighbours_and_the_media_end():
    t = Transcript(
        [
            Segment(0, 2000, "fine"),
            Segment(2020, 3000, LONG_LINE),
            Segment(2900, 3500, "x y"),
            Segment(9500, 9800, "the end of it"),  # short, but the media ends at 9800: excused
        ],
        source=SourceInfo("a.wav", 9800),
    )
    found = [(v.index, v.rule) for v in check_all(t, RULES)]
    assert found == [
        (0, Rule.GAP_TOO_SMALL),
        (1, Rule.LINE_TOO_LONG),
        (1, Rule.OVERLAPS_NEXT),
        (1, Rule.TOO_FAST),  # no room to stay longer, but still too fast to read
        (2, Rule.TOO_SHORT),
        (2, Rule.OVERLAPS_PREVIOUS),
        (3, Rule.TOO_FAST),  # its shortness is excused by the media's end, its speed is not
    ]
    assert check_at(t.segments, 2, RULES)[0].index == 2


def test_an_unknown_phrase_is_kept_not_dropped(monkeypatch):
    import wavescribe.core.editing.rule_check as rc

    monkeypatch.setattr(rc, "cue_violations", lambda *a, **k: ["something new"])
    (v,) = rc.check(Segment(0, 1000, "x"), RULES)
    assert (v.rule, v.message, v.value) == (Rule.OTHER, "something new", None)


@given(
    start=st.integers(0, 5000),
    length=st.integers(-100, 9000),
    text=st.text("ab \n", max_size=60),
    gap=st.one_of(st.none(), st.integers(-500, 500)),
)
def test_every_phrase_of_cue_violations_is_recognised(start, length, text, gap):
    seg = Segment(start, start + length, text)
    nxt = None if gap is None else Segment(seg.end + gap, seg.end + gap + 1000, "n")
    found = check(seg, RULES, nxt, prev_segment=Segment(0, start + 10, "p"))
    assert Rule.OTHER not in _rules_of(found)
    want = cue_violations(
        seg.start,
        seg.end,
        text,
        RULES,
        prev_end=start + 10,
        next_start=None if nxt is None else nxt.start,
    )
    own = [v for v in found if v.phrase not in want]  # the editor's one addition, see rule_check
    assert [v.phrase for v in found if v not in own] == want
    assert [v.rule for v in own] in ([], [Rule.TOO_FAST])


def test_a_too_fast_cue_that_touches_the_next_is_still_flagged():
    fast = Segment(0, 1000, "too many words\nfor a second")  # 27 characters a second
    flagged = check(fast, RULES, Segment(1080, 3000, "next"))  # blocked: gap 80 ms, no room
    assert _rules_of(flagged) == [Rule.TOO_FAST]
    assert flagged[0].value == pytest.approx(27.0) and flagged[0].limit == 15
    assert "shorten the text" in flagged[0].message
    # with room to stay longer it is flagged as before, without the advice
    roomy = check(fast, RULES, Segment(5000, 6000, "next"))
    assert _rules_of(roomy) == [Rule.TOO_FAST] and "shorten" not in roomy[0].message

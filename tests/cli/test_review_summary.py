"""The CLI's one-line review summary: suspect cues and speech that gave no text."""

from __future__ import annotations

from wavescribe.cli.transcribe_cmd import review_summary
from wavescribe.core.transcript import Segment, Transcript


def test_nothing_to_review_says_nothing():
    assert review_summary(Transcript(segments=[Segment(0, 1000, "Hello.")])) is None


def test_suspect_cues_and_silent_speech_are_counted_with_where_to_look():
    tr = Transcript(
        segments=[
            Segment(0, 1000, "Hello."),
            Segment(83_000, 84_000, "Again again.", suspect="repeats text decoded just before"),
            Segment(90_000, 91_000, "Again."),
            Segment(95_000, 96_000, "More.", suspect="improbable text"),
        ],
        metadata={"decoding": {"speech_without_text": [[125_000, 127_000]]}},
    )
    line = review_summary(tr)
    assert line == (
        "review: 2 suspect cues (first at 0:01:23: repeats text decoded just before); "
        "1 speech region gave no text (0:02:05)"
    )

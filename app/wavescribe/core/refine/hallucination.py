"""Whisper segments that nobody said: text decoded from silence, a tone or noise.

Whisper's best-known failure is text in quiet parts ("Thank you for watching.", or the previous
sentence again, see NOTES: whisper.cpp repeated one four times inside a long silence). A segment
is dropped when the voice-activity map finds (almost) no speech under it, or when it has little
speech under it and also shows one of Whisper's own tells: it repeats a recent segment, its words
are improbable, the decoder's no-speech probability is high, or it is a stock phrase. A segment
that is only a sound label ("[BLANK_AUDIO]", "[Music]", "(music)", "*laughs*") is dropped too:
it is not speech, whatever is under it.

Words inside kept segments that still lie far from any speech are dealt with word by word in
:mod:`word_placement` (they may be dropped there).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from wavescribe.core.refine.vad import SpeechMap
from wavescribe.core.transcript import Segment

MIN_SPEECH_MS = 150  # less speech than this under a segment: nothing was said there
SUSPECT_SPEECH_SHARE = 0.5  # below this share of speech, a tell is enough to drop it
LOW_PROBABILITY = 0.4
HIGH_NO_SPEECH = 0.6
REPEAT_WINDOW = 3

_STOCK_PHRASES = (
    "thank you for watching",
    "thanks for watching",
    "please subscribe",
    "like and subscribe",
    "subtitles by",
    "transcribed by",
    "see you next time",
    "see you in the next video",
    "amara.org",
)


# A cue that is only a sound label, not speech: "[BLANK_AUDIO]", "[Music]", "(music)",
# "[ Silence ]", "*laughs*", "♪♪" (one or more such parts, with nothing else).
_MARKER = r"(\[[^\]]*\]|\([^)]*\)|\*[^*]*\*|[♪♫]+)"
_MARKERS_ONLY = re.compile(rf"^\s*(?:{_MARKER}[\s.,!?-]*)+$")


def is_non_speech_marker(text: str) -> bool:
    """Whether ``text`` is only bracketed sound labels such as ``[BLANK_AUDIO]`` or ``(music)``."""
    return bool(_MARKERS_ONLY.match(text))


@dataclass(frozen=True, slots=True)
class DroppedSegment:
    segment: Segment
    reason: str


def normalised(text: str) -> str:
    return " ".join(re.sub(r"[^\w' ]+", " ", text.lower()).split())


def mean_probability(seg: Segment) -> float | None:
    """The mean of the words' probabilities, or None when no word has one."""
    probs = [w.probability for w in seg.words if w.probability is not None]
    return sum(probs) / len(probs) if probs else None


def _span(seg: Segment) -> tuple[int, int]:
    if seg.words:
        return min(seg.start, seg.words[0].start), max(seg.end, seg.words[-1].end)
    return seg.start, seg.end


def tell(seg: Segment, recent: Sequence[str]) -> str | None:
    """Whisper's own sign that ``seg`` may be made up, or None."""
    text = normalised(seg.text)
    if not text:
        return "no text"
    if text in recent:
        return "repeats a recent segment"
    if any(p in text for p in _STOCK_PHRASES):
        return "stock phrase"
    prob = mean_probability(seg)
    if prob is not None and prob < LOW_PROBABILITY:
        return f"improbable words (mean p={prob:.2f})"
    if seg.no_speech_prob is not None and seg.no_speech_prob > HIGH_NO_SPEECH:
        return f"no-speech probability {seg.no_speech_prob:.2f}"
    return None


def drop_unspoken(
    segments: Sequence[Segment], speech: SpeechMap
) -> tuple[list[Segment], list[DroppedSegment]]:
    """Segments worth keeping, and those dropped with the reason (see module doc)."""
    kept: list[Segment] = []
    dropped: list[DroppedSegment] = []
    recent: list[str] = []
    for seg in segments:
        a, b = _span(seg)
        spoken = speech.speech_ms_in(a, b)
        reason = None
        if is_non_speech_marker(seg.text):
            reason = "a non-speech marker, not speech"
        elif spoken < min(MIN_SPEECH_MS, max(1, (b - a) // 2)):
            reason = "no speech under it"
        elif spoken < SUSPECT_SPEECH_SHARE * max(b - a, 1):
            t = tell(seg, recent)
            if t:
                reason = f"little speech under it and {t}"
        if reason:
            dropped.append(DroppedSegment(seg, reason))
            continue
        kept.append(seg)
        recent = [*recent, normalised(seg.text)][-REPEAT_WINDOW:]
    return kept, dropped

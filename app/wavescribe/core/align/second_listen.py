"""Listen again where the engine heard (almost) nothing in speech.

whisper.cpp sometimes skips whole sentences of long-form audio (its window seeks past them),
and refinement then spreads the few words it did hear over the speech left empty. Transcribing
is the only way to know what was said; aligning knows more: the script says words are missing.
So when the first pass leaves script words unmatched, each speech region (Silero) where the
engine heard far fewer words than speech of that length holds is transcribed again on its own
(``TranscribeOptions.span_ms``), and its words replace what the first pass put there. This costs
extra engine time only for the speech that was missed.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from wavescribe.core.refine.vad import SpeechMap
from wavescribe.core.transcript import Segment, Transcript

MIN_REGION_MS = 1500  # shorter speech is not worth another engine call
WORDS_PER_S = 0.8  # read speech runs at 2-3 words a second; far fewer means words were missed
PAD_MS = 200
JOIN_MS = 1000


def sparse_spans(heard: Transcript, speech: SpeechMap) -> list[tuple[int, int]]:
    """Speech spans (ms) where ``heard`` has fewer than ``WORDS_PER_S`` words a second, joined
    when close, padded a little."""
    starts = sorted(w.start for s in heard.segments for w in s.words if w.text.strip())
    spans: list[tuple[int, int]] = []
    for a, b in speech.regions:
        if b - a < MIN_REGION_MS:
            continue
        inside = sum(1 for t in starts if a <= t < b)
        if inside < WORDS_PER_S * (b - a) / 1000:
            lo, hi = max(0, a - PAD_MS), min(speech.duration_ms, b + PAD_MS)
            if spans and lo - spans[-1][1] <= JOIN_MS:
                spans[-1] = (spans[-1][0], hi)
            else:
                spans.append((lo, hi))
    return spans


def listen_again(
    engine: Any,
    media: str | os.PathLike[str],
    options: Any,
    heard: Transcript,
    spans: list[tuple[int, int]],
    cancelled: Callable[[], bool] | None = None,
) -> Transcript:
    """``heard`` with each span transcribed again: the span's words (and segments) replaced by
    the new ones, segments kept in time order."""
    segments = list(heard.segments)
    for a, b in spans:
        if cancelled is not None and cancelled():
            break
        again = engine.transcribe(media, replace(options, refine=True, span_ms=(a, b)))
        kept: list[Segment] = []
        for seg in segments:
            words = [w for w in seg.words if not a <= w.start < b]
            if len(words) == len(seg.words):
                kept.append(seg)
            elif words:
                text = "".join(w.text for w in words).strip()
                kept.append(Segment(words[0].start, words[-1].end, text, words))
        segments = sorted(kept + list(again.segments), key=lambda s: (s.start, s.end))
    return Transcript(segments, heard.language, heard.source, heard.model, dict(heard.metadata))

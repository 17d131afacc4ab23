"""Align typed or pasted text to one span of a file (the editor's "Align text to selection").

The engine has transcribed just the span (refined, in source time); the text's words are timed
to the span's audio by :func:`~wavescribe.core.align.aligner.align_transcript`, as a whole file
would be, and come back in source time, ready to replace the span's cues.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from wavescribe.core.align.aligner import align_transcript
from wavescribe.core.align.script import parse_text
from wavescribe.core.subtitle_rules import SubtitleRules
from wavescribe.core.transcript import Segment, Transcript

RATE = 16_000


def align_text_to_span(
    text: str,
    heard: Transcript,
    samples: np.ndarray,
    span: tuple[int, int],
    rules: SubtitleRules,
    cancelled: Callable[[], bool] | None = None,
) -> Transcript:
    """``text`` (plain text: paragraphs or lines force cue breaks) timed to ``span`` (ms) of
    ``samples`` (the whole file, 16 kHz mono), using ``heard``: the engine's refined
    transcription of that span, in source time. The result is in source time; cues holding
    words that were not heard are flagged ``suspect``. Raises ``errors.InputError`` when the
    text has no words or almost none of it was heard."""
    from wavescribe.core import errors

    script = parse_text(text)
    if not script.words:
        raise errors.InputError("there is no text to align")
    lo, hi = span
    audio = samples[lo * RATE // 1000 : hi * RATE // 1000]
    local = Transcript(
        [_shifted(s, -lo) for s in heard.segments],
        language=heard.language,
        source=heard.source,
        model=heard.model,
        metadata=dict(heard.metadata),
    )
    result = align_transcript(script, local, audio, rules, cancelled=cancelled)
    result.segments = [_shifted(s, lo) for s in result.segments]
    return result


def _shifted(seg: Segment, by: int) -> Segment:
    from wavescribe.core.editing.document import clone_segment

    out = clone_segment(seg)
    out.start, out.end = out.start + by, out.end + by
    for w in out.words:
        w.start, w.end = w.start + by, w.end + by
    return out

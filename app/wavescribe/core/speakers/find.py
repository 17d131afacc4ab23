"""Find speakers for a transcript: speech regions, diarization, and speakers onto its cues.

The one entry point the engine worker, the CLI and the GUI's "Find speakers" share.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from wavescribe.core.speakers.assign import assign_speakers
from wavescribe.core.speakers.count import AUTO, SpeakerCount
from wavescribe.core.speakers.diarize import Diarization, diarize
from wavescribe.core.transcript import Segment, Speaker, Transcript


@dataclass(slots=True)
class SpeakerResult:
    """New cues (split at speaker changes), the speaker table, and what the diarization found."""

    segments: list[Segment]
    speakers: dict[str, Speaker]
    diarization: Diarization
    seconds: float


def find_speakers(
    transcript: Transcript,
    audio: np.ndarray,
    count: SpeakerCount = AUTO,
    *,
    regions: Sequence[tuple[int, int]] | None = None,
    cancelled: Callable[[], bool] | None = None,
    progress: Callable[[float], None] | None = None,
) -> SpeakerResult:
    """Speakers for ``transcript``'s cues from 16 kHz mono ``audio``; the transcript is unchanged.

    Without ``regions``, Silero VAD finds the speech, on ONNX Runtime even where torch is there:
    the same probabilities (tests/core/test_vad_onnx.py) in a quarter of torch's time here.
    """
    began = time.perf_counter()
    if regions is None:
        from wavescribe.core.refine.vad import detect_speech

        regions = detect_speech(audio, cancelled=cancelled).regions
    d = diarize(audio, regions, count, cancelled=cancelled, progress=progress)
    segments, speakers = assign_speakers(transcript.segments, d)
    return SpeakerResult(segments, speakers, d, time.perf_counter() - began)


def apply_in_place(transcript: Transcript, result: SpeakerResult) -> None:
    """Put a result into ``transcript`` (for a fresh transcription; editors use a command)."""
    transcript.segments = result.segments
    transcript.speakers = result.speakers
    transcript.metadata["speakers"] = {
        "found": result.diarization.n_speakers,
        "windows": result.diarization.windows,
        "seconds": round(result.seconds, 3),
    }

"""What a transcription request asks of the engine; plain data that crosses the process boundary."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from typing import Any

from wavescribe.core.subtitle_rules import SubtitleRules


def default_threads() -> int:
    """All cores the process may use (whisper.cpp scales well up to the physical core count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


@dataclass(slots=True)
class TranscribeOptions:
    """Decoding options for one job. ``language`` is ``"auto"`` or an ISO code such as ``"en"``."""

    language: str = "auto"
    translate: bool = False
    initial_prompt: str | None = None
    threads: int = field(default_factory=default_threads)
    beam_size: int = 5
    refine: bool = True
    # Refinement force-aligns the words inside each speech region (English; refine/
    # forced_alignment.py). Script alignment turns it off for its transcription: it aligns the
    # script's own words afterwards, and doing both cost 9 % more than transcribing.
    word_alignment: bool = True
    rules: SubtitleRules = field(default_factory=SubtitleRules)
    # Where the engine loads the model: the build's GPU when there is one (a CPU build ignores
    # it). Read by whoever makes the Engine (it is a load-time choice), not by the decoder.
    use_gpu: bool = True
    # Transcribe only this part of the source, (start, end) in ms; the result keeps source times
    # (re-transcribing a region from the editor). None: the whole file.
    span_ms: tuple[int, int] | None = None
    # With span_ms: time this text to the span (core/align/span.py) and return that instead of
    # what was heard; done here in the worker, where a native crash costs only the job.
    align_text: str | None = None
    # Find the speech first (Silero) and decode only speech, window by window, with a loop guard
    # (core/engine/speech_first.py). False: whisper.cpp over the whole file, as before.
    speech_first: bool = True
    # Parallel decoders for speech-first windows (each a context of the model, sharing the
    # threads); 0 = automatic: one below 8 threads. See engine/decoder_pool.py.
    decoders: int = 0
    # Find who speaks (core/speakers) after refinement: "auto", "N" or "A-B"; None: off.
    speakers: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TranscribeOptions:
        d = dict(d)
        d["rules"] = SubtitleRules(**d.get("rules", {}))
        if d.get("span_ms") is not None:
            d["span_ms"] = (int(d["span_ms"][0]), int(d["span_ms"][1]))
        return cls(**d)

"""A transcription job: one file, its state, progress, elapsed time and ETA (the queue's row).

Plain data with no Qt: the GUI's ``JobQueueModel`` shows and updates these; anything that runs jobs
(a batch tool, tests) can use them as they are.
"""

from __future__ import annotations

import enum
import time
from dataclasses import dataclass, field
from pathlib import Path

from wavescribe.core.engine.options import TranscribeOptions
from wavescribe.core.transcript import Segment, Transcript

# Share of the whole job each stage covers, for one progress bar across stages (decoding is quick,
# refinement takes about a tenth of the transcription on CPU).
_STAGE_SPAN = {"decode": (0.0, 0.08), "transcribe": (0.08, 0.9), "refine": (0.9, 1.0)}
_STAGE_SPAN_NO_REFINE = {"decode": (0.0, 0.08), "transcribe": (0.08, 1.0)}


# What each stage of the work is called where a person reads it (the CLI's progress line, the
# GUI's queue): the engine's stages, and the model's preparation and download before them.
STAGE_LABELS = {
    "download": "Downloading model",
    "model": "Preparing model",
    "convert": "Preparing model",
    "load": "Loading model",
    "decode": "Reading audio",
    "transcribe": "Transcribing",
    "refine": "Refining timings",
    "speakers": "Finding speakers",
    "align": "Timing words",
}


class JobState(enum.Enum):
    QUEUED = "Queued"
    PREPARING_MODEL = STAGE_LABELS["model"]
    LOADING_MODEL = STAGE_LABELS["load"]
    DECODING = STAGE_LABELS["decode"]
    TRANSCRIBING = STAGE_LABELS["transcribe"]
    REFINING = STAGE_LABELS["refine"]
    FINDING_SPEAKERS = STAGE_LABELS["speakers"]
    CANCELLING = "Cancelling…"
    DONE = "Done"
    FAILED = "Failed"
    CANCELLED = "Cancelled"

    @property
    def finished(self) -> bool:
        return self in (JobState.DONE, JobState.FAILED, JobState.CANCELLED)

    @property
    def running(self) -> bool:
        return not self.finished and self is not JobState.QUEUED


STAGE_STATE = {
    "model": JobState.PREPARING_MODEL,
    "load": JobState.LOADING_MODEL,
    "decode": JobState.DECODING,
    "transcribe": JobState.TRANSCRIBING,
    "refine": JobState.REFINING,
    "speakers": JobState.FINDING_SPEAKERS,
}


@dataclass(eq=False)
class Job:
    """One file to transcribe (or a transcript opened from a project: ``DONE`` from the start)."""

    id: int
    path: Path
    options: TranscribeOptions
    model: str | None = None
    state: JobState = JobState.QUEUED
    progress: float = 0.0  # of the whole job, 0..1
    stage_progress: float = 0.0  # of the current stage (shown while preparing the model)
    duration_ms: int | None = None
    started_at: float | None = None  # time.monotonic()
    finished_at: float | None = None
    segments: list[Segment] = field(default_factory=list)  # as decoded, until finished
    transcript: Transcript | None = None
    error: BaseException | None = None
    warnings: list[str] = field(default_factory=list)
    revision: int = 0  # bumped by each edit of the transcript, so autosave sees the change

    @property
    def name(self) -> str:
        return self.path.name

    def elapsed(self, now: float | None = None) -> float | None:
        if self.started_at is None:
            return None
        end = self.finished_at if self.finished_at is not None else (now or time.monotonic())
        return max(0.0, end - self.started_at)

    def eta(self, now: float | None = None) -> float | None:
        """Seconds left, from the pace so far; None until there is enough progress to judge."""
        if self.state not in (JobState.TRANSCRIBING, JobState.REFINING) or self.progress < 0.12:
            return None
        elapsed = self.elapsed(now) or 0.0
        return elapsed * (1.0 - self.progress) / self.progress

    def visible_segments(self) -> list[Segment]:
        return self.transcript.segments if self.transcript is not None else self.segments


def overall_progress(stage: str, fraction: float, refine: bool) -> float | None:
    """Map a stage's fraction onto the whole job; None for stages outside the bar (model, load)."""
    spans = _STAGE_SPAN if refine else _STAGE_SPAN_NO_REFINE
    if stage not in spans:
        return None
    lo, hi = spans[stage]
    return lo + (hi - lo) * min(1.0, max(0.0, fraction))

"""The editor's actions on a region of the transcript, each run off the GUI thread and applied as
one undo step: re-transcribe it, align typed text to it, re-time its cues to the speech.

A mixin of :class:`~wavescribe.gui.editor.editor_widget.EditorPanel`: it works on the panel's
stack, waveform, selection and background workers (``retranscriber``, ``aligner``, ``retimer``),
which the panel creates and connects to ``_retranscribed``, ``_aligned_text`` and ``_retimed``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from wavescribe.core.editing.commands import ReplaceSpan, covering_span
from wavescribe.core.engine.options import TranscribeOptions
from wavescribe.core.transcript import Transcript
from wavescribe.gui.editor.align_text import AlignJob, ask_text
from wavescribe.gui.editor.align_text import command_for as align_command
from wavescribe.gui.editor.retime import RATE as RETIME_RATE
from wavescribe.gui.editor.retime import Retimed, RetimeJob
from wavescribe.gui.editor.retime import command_for as retime_command
from wavescribe.gui.editor.retime import plan as plan_retime
from wavescribe.gui.editor.retranscribe import RegionJob, ask_options, span_label

if TYPE_CHECKING:
    import numpy as np

    from wavescribe.core.subtitle_rules import SubtitleRules
    from wavescribe.gui.editor.align_text import SpanAligner
    from wavescribe.gui.editor.retime import Retimer
    from wavescribe.gui.editor.retranscribe import Retranscriber
    from wavescribe.gui.editor.timeline.waveform_view import WaveformView
    from wavescribe.gui.editor.undo import EditStack


class RegionActions:
    """Re-transcribe, align text to, and re-time a region (see the module docstring)."""

    stack: EditStack | None
    waveform: WaveformView
    audio_path: str | None
    samples: np.ndarray | None
    rules: SubtitleRules
    retranscriber: Retranscriber
    aligner: SpanAligner
    retimer: Retimer
    message: Any  # the panel's Signal(str)

    def selected_rows(self) -> list[int]:
        raise NotImplementedError  # the panel's

    def select(self, row: int) -> None:
        raise NotImplementedError  # the panel's

    # --- re-transcribing a region ------------------------------------------------------------
    def region(self) -> tuple[int, int] | None:
        """What Re-transcribe works on: the waveform's span, else the selected cues; grown to
        cover every cue it cuts. None: nothing is selected."""
        if self.stack is None:
            return None
        segs = self.stack.doc.segments
        if self.waveform.span is not None:
            a, b = self.waveform.span
        else:
            rows = self.selected_rows()
            if not rows:
                return None
            a, b = segs[rows[0]].start, max(segs[r].end for r in rows)
        if b <= a:
            return None
        return covering_span(segs, a, b)

    def retranscribe(self) -> None:
        """Ask for the options, then re-decode the selected region (see ``retranscribe``)."""
        span = self.region()
        if self.stack is None or span is None:
            self.message.emit("Select cues, or Shift+drag on the waveform, to re-transcribe")
            return
        if self.audio_path is None:
            self.message.emit("This transcript has no audio file to re-transcribe from")
            return
        if self.retranscriber.busy:
            self.message.emit("A region is already being re-transcribed")
            return
        a, b = span
        cues = sum(1 for s in self.stack.doc.segments if s.start < b and s.end > a)
        ask_options(self, span, cues, lambda o, m: self.start_retranscribe(span, o, m))

    def start_retranscribe(
        self, span: tuple[int, int], options: TranscribeOptions, model: str | None = None
    ) -> RegionJob | None:
        """Re-decode ``span`` off the GUI thread; its cues are replaced when it finishes."""
        if self.stack is None or self.audio_path is None or self.retranscriber.busy:
            return None
        return self.retranscriber.start(self.audio_path, self.stack.doc, span, options, model)

    def _retranscribed(self, job: RegionJob, transcript: Transcript) -> None:
        if self.stack is None or job.doc is not self.stack.doc:
            return  # another transcript was opened meanwhile
        command = ReplaceSpan(*job.span, transcript.segments)
        self._push_span(command, transcript, f"Re-transcribed {span_label(job.span)}", "suspect")

    def _push_span(
        self, command: ReplaceSpan, transcript: Transcript, done: str, flagged_as: str
    ) -> None:
        """Push a span's new cues as one step, select the first, and say what changed."""
        if self.stack is None or not self.stack.push(command):
            return
        self.waveform.set_span(None)
        if command.added:
            self.select(command.first)
        flagged = sum(1 for s in transcript.segments if s.suspect is not None)
        doubt = f", {flagged} {flagged_as}" if flagged else ""
        self.message.emit(f"{done}: {command.replaced} cues replaced by {command.added}{doubt}")

    def _still_current(self, job: AlignJob | RetimeJob, task: str) -> bool:
        """Whether a finished ``task``'s job still applies: same transcript, no edit since."""
        if self.stack is None or job.doc is not self.stack.doc:
            what = task.capitalize()
            self.message.emit(f"{what} finished for another transcript: nothing changed")
            return False
        if job.doc.revision != job.revision:
            self.message.emit(f"The cues were edited meanwhile: {task} not applied")
            return False
        return True

    # --- aligning text to a span ------------------------------------------------------------
    def align_text(self) -> None:
        """Ask for the text, then time it to the selected region (see ``align_text``)."""
        span = self.region()
        if self.stack is None or span is None:
            self.message.emit("Select cues, or Shift+drag on the waveform, to align text to")
            return
        if self.audio_path is None or self.samples is None:
            self.message.emit("The audio is not loaded yet: align text once the waveform shows")
            return
        if self.aligner.busy:
            self.message.emit("Text is already being aligned")
            return
        a, b = span
        inside = [s for s in self.stack.doc.segments if s.start < b and s.end > a]
        current = "\n".join(" ".join(s.text.split()) for s in inside if s.text.strip())
        ask_text(self, span, current, lambda text: self.start_align_text(span, text))

    def start_align_text(
        self, span: tuple[int, int], text: str, options: TranscribeOptions | None = None
    ) -> AlignJob | None:
        """Time ``text`` to ``span`` off the GUI thread; the span's cues are replaced when it
        finishes. ``options``: the transcription's (default: the user's defaults)."""
        if self.stack is None or self.audio_path is None or self.samples is None:
            return None
        if self.aligner.busy or not text.split():
            if not text.split():
                self.message.emit("No text to align: nothing changed")
            return None
        model = None
        if options is None:
            from wavescribe.gui.options import load_defaults

            options, model = load_defaults()
        options = replace(options, rules=self.rules)
        return self.aligner.start(self.audio_path, self.stack.doc, span, text, options, model)

    def _aligned_text(self, job: AlignJob, transcript: Transcript) -> None:
        if not self._still_current(job, "alignment"):
            return
        self._push_span(
            align_command(job, transcript),
            transcript,
            f"Aligned text to {span_label(job.span)}",
            "flagged (not heard: F8 finds them)",
        )

    # --- re-timing cues to the speech ---------------------------------------------------------
    def retime_selected(self) -> None:
        """Snap the selected cues (first to last) to the speech, off the GUI thread; one step."""
        if self.stack is None or not self.selected_rows():
            self.message.emit("Select the cues to re-time")
            return
        if self.samples is None:
            self.message.emit("The audio is not loaded yet: re-time once the waveform shows")
            return
        if self.retimer.busy:
            self.message.emit("Cues are already being re-timed")
            return
        duration = len(self.samples) * 1000 // RETIME_RATE
        job = plan_retime(self.stack.doc, self.selected_rows(), duration)
        if job is None:
            self.message.emit(
                "Not changed: a neighbouring cue overlaps the selection; fix it first"
            )
            return
        self.retimer.start(job, self.samples, self.rules, self.audio_path)

    def _retimed(self, job: RetimeJob, result: Retimed) -> None:
        if not self._still_current(job, "re-timing"):
            return
        command = retime_command(job, result.cues)
        if self.stack.push(command):
            self.select(command.first)
            note = f"; {result.warning}" if result.warning else ""
            self.message.emit(f"{command.label}: done (Undo puts the old times back){note}")

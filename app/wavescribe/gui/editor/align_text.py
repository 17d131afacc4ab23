"""Align text to a selection in the editor: type or paste the words, they are timed to its audio.

The span is the editor's region (a Shift+dragged span or the selected cues, grown to whole
cues). Two steps run off the GUI thread, each cancellable from the same bar: the engine
transcribes the span (refined) on this aligner's own bridge, then
``core.align.span.align_text_to_span`` times the text's words against what was heard on the
task pool. The result replaces the span's cues as one ``ReplaceSpan`` undo step; words that
were not heard are flagged on their cues (F8 reaches them). An edit meanwhile voids the result.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from wavescribe.core import errors
from wavescribe.core.editing.commands import ReplaceSpan
from wavescribe.core.editing.document import SubtitleDocument
from wavescribe.core.engine.options import TranscribeOptions
from wavescribe.core.subtitle_rules import SubtitleRules
from wavescribe.core.transcript import Transcript
from wavescribe.gui.editor.retranscribe import RegionJob, Retranscriber, span_label
from wavescribe.gui.engine_bridge import run_task


@dataclass
class AlignJob:
    """One alignment: the document, the span (ms), the text and the document's revision."""

    doc: SubtitleDocument
    span: tuple[int, int]
    text: str
    revision: int
    region: RegionJob | None = None  # the span's transcription, while it runs


def command_for(job: AlignJob, transcript: Transcript) -> ReplaceSpan:
    command = ReplaceSpan(*job.span, transcript.segments)
    command.label = f"Align text to {span_label(job.span)}"
    return command


class SpanAligner(QObject):
    """Runs one alignment at a time; its signals match
    :class:`~wavescribe.gui.editor.retranscribe.Retranscriber`'s, so the same bar shows it."""

    progress = Signal(str, float)
    done = Signal(object, object)  # AlignJob, Transcript (source time)
    ended = Signal(str)  # cancelled or failed: why
    running_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._listener = Retranscriber(self, doing="Aligning text: listening to")
        self._listener.progress.connect(self.progress)
        self._listener.done.connect(self._heard)
        self._listener.ended.connect(self._not_heard)
        self.job: AlignJob | None = None
        self._cancel = threading.Event()
        self._samples: np.ndarray | None = None
        self._rules = SubtitleRules()

    @property
    def busy(self) -> bool:
        return self.job is not None

    def start(
        self,
        audio_path: str,
        samples: np.ndarray,
        doc: SubtitleDocument,
        span: tuple[int, int],
        text: str,
        options: TranscribeOptions,
        model: str | None = None,
    ) -> AlignJob:
        """Transcribe ``span`` of ``audio_path`` (``samples``: its 16 kHz audio, already
        decoded by the editor), then align ``text`` to it with ``options.rules``."""
        if self.job is not None:
            raise RuntimeError("text is already being aligned")
        self.job = job = AlignJob(doc, span, text, doc.revision)
        self._cancel, self._samples, self._rules = threading.Event(), samples, options.rules
        self.running_changed.emit(True)
        heard_options = replace(options, refine=True, word_alignment=False)  # aligned below
        job.region = self._listener.start(audio_path, doc, span, heard_options, model)
        return job

    def cancel(self) -> None:
        if self.job is None:
            return
        self._cancel.set()
        if self._listener.busy:
            self._listener.cancel()

    def shutdown(self) -> None:
        self._cancel.set()
        self._listener.shutdown()
        self.job = None

    def _heard(self, region: RegionJob, heard: Transcript) -> None:
        job = self.job
        if job is None or job.region is not region:
            return
        if self._cancel.is_set():
            self._end(job, "Alignment cancelled: nothing changed")
            return
        samples, rules, cancel = self._samples, self._rules, self._cancel
        assert samples is not None
        self.progress.emit(f"Aligning text to {span_label(job.span)}", -1.0)
        from wavescribe.core.align.span import align_text_to_span

        run_task(
            lambda: align_text_to_span(job.text, heard, samples, job.span, rules, cancel.is_set),
            lambda result: self._aligned(job, result),
            lambda exc: self._failed(job, exc),
        )

    def _not_heard(self, why: str) -> None:
        if self.job is not None:
            reason = why.split(": ", 1)[-1]
            cancelled = "cancelled" in why
            why = "cancelled: nothing changed" if cancelled else f"failed: {reason}"
            self._end(self.job, f"Alignment {why}")

    def _aligned(self, job: AlignJob, result: Transcript) -> None:
        if job is self.job and self._cancel.is_set():
            self._end(job, "Alignment cancelled: nothing changed")
        elif job is self.job:
            self.job = None
            self.running_changed.emit(False)
            self.done.emit(job, result)

    def _failed(self, job: AlignJob, exc: BaseException) -> None:
        if isinstance(exc, errors.Cancelled):
            self._end(job, "Alignment cancelled: nothing changed")
        else:
            self._end(job, f"Alignment failed: {exc}")

    def _end(self, job: AlignJob, why: str) -> None:
        if job is self.job:
            self.job = None
            self.running_changed.emit(False)
            self.ended.emit(why)


def ask_text(
    parent: QWidget,
    span: tuple[int, int],
    current: str,
    on_accept: Callable[[str], Any],
) -> QDialog:
    """A window-modal box for the text to align to ``span``, holding the span's ``current``
    text to edit or paste over; ``on_accept`` gets the text."""
    dialog = QDialog(parent)
    dialog.setObjectName("alignTextDialog")
    dialog.setWindowTitle(f"Align Text to {span_label(span)}")
    note = QLabel(
        "Type or paste what is said here. Its words are timed to this audio and replace the "
        "cues in it (one undo step); a blank line or a line break starts a new cue."
    )
    note.setWordWrap(True)
    edit = QPlainTextEdit(current)
    edit.setObjectName("alignText")
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
    )
    buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Align")
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    layout = QVBoxLayout(dialog)
    layout.addWidget(note)
    layout.addWidget(edit, 1)
    layout.addWidget(buttons)
    dialog.resize(520, 320)
    dialog.accepted.connect(lambda: on_accept(edit.toPlainText()))
    dialog.finished.connect(dialog.deleteLater)
    dialog.open()
    return dialog

"""Align text to a selection in the editor: type or paste the words, they are timed to its audio.

The span is the editor's region (a Shift+dragged span or the selected cues, grown to whole
cues). One engine job on this aligner's own bridge, off the GUI thread and cancellable from the
bar, transcribes the span (refined) and then times the text's words against what was heard
(``core.align.span.align_text_to_span``, ``TranscribeOptions.align_text``), both in the
engine's worker process, where a native crash in whisper.cpp or the forced aligner costs the
job and not the editor. The result replaces the span's cues as one ``ReplaceSpan`` undo step;
words that were not heard are flagged on their cues (F8 reaches them). An edit meanwhile voids
the result.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from wavescribe.core.editing.commands import ReplaceSpan
from wavescribe.core.editing.document import SubtitleDocument
from wavescribe.core.engine.options import TranscribeOptions
from wavescribe.core.transcript import Transcript
from wavescribe.gui.editor.retranscribe import RegionJob, Retranscriber, span_label


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
        self._listener = Retranscriber(self, doing="Aligning text to")
        self._listener.progress.connect(self.progress)
        self._listener.done.connect(self._heard)
        self._listener.ended.connect(self._not_heard)
        self.job: AlignJob | None = None
        self._cancel = threading.Event()

    @property
    def busy(self) -> bool:
        return self.job is not None

    def start(
        self,
        audio_path: str,
        doc: SubtitleDocument,
        span: tuple[int, int],
        text: str,
        options: TranscribeOptions,
        model: str | None = None,
    ) -> AlignJob:
        """Transcribe ``span`` of ``audio_path``, then align ``text`` to it with
        ``options.rules``: one job in the engine's worker."""
        if self.job is not None:
            raise RuntimeError("text is already being aligned")
        self.job = job = AlignJob(doc, span, text, doc.revision)
        self._cancel = threading.Event()
        self.running_changed.emit(True)
        # The heard words are not force-aligned: the text's own words are, afterwards.
        job_options = replace(options, refine=True, word_alignment=False, align_text=text)
        job.region = self._listener.start(audio_path, doc, span, job_options, model)
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

    def _heard(self, region: RegionJob, aligned: Transcript) -> None:
        job = self.job
        if job is None or job.region is not region:
            return
        self._aligned(job, aligned)

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

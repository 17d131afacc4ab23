"""Re-transcribe a region of the file from the editor: pick the options, decode, replace.

The region is a Shift+dragged span on the waveform or the selected cues, grown to cover every
cue it cuts (``core.editing.commands.covering_span``): cues partly inside are replaced whole. The
engine decodes only that audio (``TranscribeOptions.span_ms``) on the editor's own
:class:`EngineBridge`, so the GUI thread never waits and the job queue never sees it; the result
replaces the region's cues as one ``ReplaceSpan`` undo step. Cancel leaves the transcript alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from wavescribe.core.editing.document import SubtitleDocument
from wavescribe.core.engine.options import TranscribeOptions
from wavescribe.core.transcript import Transcript
from wavescribe.gui.editor.transcript_view import format_ms
from wavescribe.gui.engine_bridge import EngineBridge
from wavescribe.gui.options import OptionsDialog, load_defaults

STAGES = {
    "model": "preparing the model",
    "load": "loading the model",
    "decode": "reading audio",
    "align": "aligning the text",
}


def span_label(span: tuple[int, int]) -> str:
    return f"{format_ms(span[0])} – {format_ms(span[1])}"


@dataclass
class RegionJob:
    """One re-transcription: which document and region it is for."""

    job_id: int
    doc: SubtitleDocument
    span: tuple[int, int]


class Retranscriber(QObject):
    """Runs one region at a time on a bridge made on first use (its engine keeps the model
    loaded for the next region); every signal arrives on the GUI thread."""

    progress = Signal(str, float)  # what it is doing, fraction (-1: unknown)
    done = Signal(object, object)  # RegionJob, Transcript
    ended = Signal(str)  # cancelled or failed: why, for the status bar
    running_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None, doing: str = "Re-transcribing") -> None:
        """``doing``: how the progress line names the work (the span aligner says "Listening")."""
        super().__init__(parent)
        self.doing = doing
        self._bridge: EngineBridge | None = None
        self.job: RegionJob | None = None
        self._next_id = 0

    @property
    def busy(self) -> bool:
        return self.job is not None

    def start(
        self,
        audio_path: str,
        doc: SubtitleDocument,
        span: tuple[int, int],
        options: TranscribeOptions,
        model: str | None = None,
    ) -> RegionJob:
        if self.job is not None:
            raise RuntimeError("a region is already being re-transcribed")
        bridge = self._ensure_bridge()
        self._next_id += 1
        self.job = RegionJob(self._next_id, doc, span)
        bridge.submit(self.job.job_id, audio_path, replace(options, span_ms=span), model)
        self.running_changed.emit(True)
        self.progress.emit(f"{self.doing} {span_label(span)}", -1.0)
        return self.job

    def cancel(self) -> None:
        if self.job is not None and self._bridge is not None:
            self._bridge.cancel(self.job.job_id)

    def shutdown(self) -> None:
        if self._bridge is not None:
            self._bridge.shutdown()
            self._bridge = None
        self.job = None

    def _ensure_bridge(self) -> EngineBridge:
        if self._bridge is None:
            bridge = self._bridge = EngineBridge(self, max_engines=1)
            bridge.progress.connect(self._on_progress)
            bridge.finished.connect(self._on_finished)
            bridge.cancelled.connect(
                lambda job_id: self._end(job_id, "Re-transcription cancelled: nothing changed")
            )
            bridge.failed.connect(
                lambda job_id, exc: self._end(job_id, f"Re-transcription failed: {exc}")
            )
        return self._bridge

    def _mine(self, job_id: int) -> RegionJob | None:
        return self.job if self.job is not None and self.job.job_id == job_id else None

    def _on_progress(self, job_id: int, stage: str, fraction: float) -> None:
        job = self._mine(job_id)
        if job is not None:
            what = STAGES.get(stage, "re-transcribing")
            self.progress.emit(f"{span_label(job.span)}: {what}", fraction)

    def _on_finished(self, job_id: int, transcript: Transcript) -> None:
        job = self._mine(job_id)
        if job is not None:
            self._finish()
            self.done.emit(job, transcript)

    def _end(self, job_id: int, why: str) -> None:
        if self._mine(job_id) is not None:
            self._finish()
            self.ended.emit(why)

    def _finish(self) -> None:
        self.job = None
        self.running_changed.emit(False)


class RetranscribeBar(QWidget):
    """What a running re-transcription is doing, with its Cancel; hidden when none runs."""

    def __init__(self, runner: Retranscriber, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("retranscribeBar")
        self.label = QLabel()
        self.bar = QProgressBar()
        self.bar.setMaximumWidth(180)
        self.bar.setTextVisible(False)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("cancelRetranscribe")
        self.cancel_button.clicked.connect(runner.cancel)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 2, 6, 2)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel_button)
        runner.progress.connect(self._show)
        runner.running_changed.connect(self.setVisible)
        self.hide()

    def _show(self, what: str, fraction: float) -> None:
        self.label.setText(what)
        if fraction < 0:
            self.bar.setRange(0, 0)  # busy, how long unknown
        else:
            self.bar.setRange(0, 1000)
            self.bar.setValue(round(fraction * 1000))


def ask_options(
    parent: QWidget,
    span: tuple[int, int],
    cues: int,
    on_accept: Callable[[TranscribeOptions, str | None], Any],
) -> OptionsDialog:
    """The transcription options dialog (model, language, prompt, beam, ...) for one region;
    ``on_accept`` gets the choice. Opened window-modal, so nothing waits on it."""
    options, model = load_defaults()
    dialog = OptionsDialog(options, model, parent, title=f"Re-transcribe {span_label(span)}")
    dialog.setObjectName("retranscribeDialog")
    what = f"{cues} cue{'s' if cues != 1 else ''}" if cues else "no cues yet"
    note = QLabel(f"Decode {span_label(span)} again ({what}) and replace its cues, one undo step.")
    note.setWordWrap(True)
    layout = dialog.layout()
    if isinstance(layout, QVBoxLayout):
        layout.insertWidget(0, note)
    dialog.accepted.connect(lambda: on_accept(dialog.options(), dialog.model()))
    dialog.finished.connect(dialog.deleteLater)
    dialog.open()
    return dialog

""" "Find speakers" on an open transcript: off the GUI thread, with progress and Cancel; one step.

The editor's decoded samples (16 kHz mono, already loaded for playback and the waveform) go to
``core.speakers.find.find_speakers`` in a worker thread; progress comes back through the bridge
into a progress dialog whose Cancel stops the run at the next batch of windows. The result is
applied with one :class:`~wavescribe.core.editing.speaker_commands.ReplaceSpeakers`, so one Undo
takes it all back. Edits made while it ran would be overwritten, so the result is dropped (with a
message) if the document changed meanwhile.
"""

from __future__ import annotations

import threading

import numpy as np
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QInputDialog, QProgressDialog, QWidget

from wavescribe.core import errors
from wavescribe.core.editing.speaker_commands import ReplaceSpeakers
from wavescribe.core.speakers.count import SpeakerCount, parse_speaker_count
from wavescribe.core.speakers.find import SpeakerResult, find_speakers
from wavescribe.gui.editor.undo import EditStack
from wavescribe.gui.engine_bridge import install, run_task


class SpeakerFinder(QObject):
    """Runs one "Find speakers" at a time for an editor."""

    finished = Signal(str)  # a message for the status bar

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self._widget = parent
        self._cancel = threading.Event()
        self.busy = False
        self.dialog: QProgressDialog | None = None

    def ask(self, stack: EditStack, samples: np.ndarray) -> None:
        """Ask for the number of speakers (auto, N or A-B), then start."""
        text, ok = QInputDialog.getText(
            self._widget,
            "Find speakers",
            "How many speakers (auto, a number, or 2-4):",
            text="auto",
        )
        if not ok:
            return
        try:
            count = parse_speaker_count(text)
        except ValueError as exc:
            self.finished.emit(str(exc))
            return
        self.start(stack, samples, count)

    def start(self, stack: EditStack, samples: np.ndarray, count: SpeakerCount) -> bool:
        """Find speakers off the GUI thread; False if one is already running."""
        if self.busy:
            return False
        self.busy = True
        self._cancel.clear()
        doc = stack.doc
        revision = doc.revision
        transcript = doc.transcript
        dialog = self.dialog = QProgressDialog("Finding speakers…", "Cancel", 0, 100, self._widget)
        dialog.setWindowModality(Qt.WindowModality.NonModal)
        dialog.setMinimumDuration(0)
        dialog.canceled.connect(self._cancel.set)
        dialog.show()
        to_gui = install().to_gui  # looked up here, on the GUI thread

        def progress(fraction: float) -> None:
            to_gui(self._progress, fraction)

        def work() -> SpeakerResult:
            return find_speakers(
                transcript, samples, count, cancelled=self._cancel.is_set, progress=progress
            )

        def done(result: SpeakerResult) -> None:
            self._close()
            if doc.revision != revision:
                self.finished.emit("Speakers not applied: the transcript changed meanwhile")
                return
            if stack.push(ReplaceSpeakers(result.segments, result.speakers)):
                self.finished.emit(f"Found {len(result.speakers)} speaker(s)")

        def failed(exc: BaseException) -> None:
            self._close()
            cancelled = isinstance(exc, errors.Cancelled)
            self.finished.emit("Finding speakers cancelled" if cancelled else f"{exc}")

        run_task(work, done, failed)
        return True

    def cancel(self) -> None:
        self._cancel.set()

    def _progress(self, fraction: float) -> None:
        if self.dialog is not None:
            self.dialog.setValue(round(fraction * 100))

    def _close(self) -> None:
        self.busy = False
        if self.dialog is not None:
            self.dialog.canceled.disconnect()
            self.dialog.close()
            self.dialog.deleteLater()
            self.dialog = None

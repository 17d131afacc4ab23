"""Helpers for the GUI tests: real drops, job waits, dialog lookups, a stall meter."""

from __future__ import annotations

import gc
import json
import time
from pathlib import Path

from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QTimer, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from shared_data import JFK
from wavescribe.core.jobs import Job, JobState
from wavescribe.core.transcript import Segment, SourceInfo, Transcript, Word


def drop_files(window: QWidget, *paths: Path) -> None:
    """Drag files over the middle of the window and drop them, through Qt's event delivery.

    The events go to the widget under the cursor; Qt passes them up to the first ancestor that
    accepts drops, as it does for a drop from a file manager.
    """
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    pos = window.rect().center()
    target = window.childAt(pos) or window
    local = target.mapFrom(window, pos)
    actions, button = Qt.DropAction.CopyAction, Qt.MouseButton.LeftButton
    modifiers = Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(QPointF(local), actions, mime, button, modifiers)
    QApplication.sendEvent(target, enter)
    assert enter.isAccepted(), "the window refused the drag"
    drop = QDropEvent(QPointF(local), actions, mime, button, modifiers)
    QApplication.sendEvent(target, drop)
    assert drop.isAccepted(), "the window refused the drop"


def wait_state(qtbot, job: Job, *states: JobState, timeout: float = 120) -> None:
    qtbot.waitUntil(lambda: job.state in states, timeout=int(timeout * 1000))


def visible_boxes(name: str) -> list[QMessageBox]:
    return [
        w
        for w in QApplication.topLevelWidgets()
        if isinstance(w, QMessageBox) and w.objectName() == name and w.isVisible()
    ]


def cell_center(view, row: int, column: int) -> QPoint:
    return view.visualRect(view.model().index(row, column)).center()


# The longest GUI-thread freeze a test accepts while work runs off it. Blocking work on the GUI
# thread (decoding, a model conversion, whisper.cpp) freezes it for seconds; a loaded 2-core CI
# machine stretches ordinary event handling (building the editor's table) past 100 ms.
MAX_STALL_S = 0.25


class StallMeter:
    """The longest gap between ticks of a 10 ms timer on the GUI thread: how long it froze.

    The test session's own objects (pytest, hypothesis, every earlier test) are frozen out of the
    garbage collector while measuring: a full collection over them took up to 80 ms here and would
    be charged to the app, whose own heap is a fraction of that (the app freezes its start-up
    objects the same way, see ``gui.app``).
    """

    def __init__(self) -> None:
        gc.collect()
        gc.freeze()
        self.worst = 0.0
        self.ticks = 0
        self._last = time.monotonic()
        self._timer = QTimer()
        self._timer.setInterval(10)
        self._timer.timeout.connect(self._tick)
        self._timer.start()

    def _tick(self) -> None:
        now = time.monotonic()
        self.worst = max(self.worst, now - self._last)
        self._last = now
        self.ticks += 1

    def stop(self) -> float:
        self._timer.stop()
        self._tick()
        gc.unfreeze()
        return self.worst


def show_editor(
    qtbot,
    transcript,
    audio: str | None = None,
    *,
    width: int = 1000,
    ms_per_px: float | None = 10.0,
    activate: bool = False,
    record_messages: bool = False,
):
    """A shown EditorPanel editing ``transcript``; at ``ms_per_px`` 10, x = ms / 10 from 0.

    ``record_messages`` collects the status-bar messages in ``panel.messages``. The caller
    calls ``panel.shutdown()`` when done (fixtures do it after their yield).
    """
    from wavescribe.gui.editor.editor_widget import EditorPanel

    panel = EditorPanel()
    qtbot.addWidget(panel)
    panel.resize(width, 600)
    panel.show()
    qtbot.waitExposed(panel)
    if activate:
        panel.activateWindow()
        qtbot.waitUntil(panel.isActiveWindow)
    panel.load(transcript, audio)
    if audio is not None:
        qtbot.waitUntil(lambda: panel.samples is not None, timeout=10_000)
    if ms_per_px is not None:
        wf = panel.waveform
        wf.viewport.ms_per_px, wf.viewport.start_ms = ms_per_px, 0.0
        wf.update()
    if record_messages:
        panel.messages = []
        panel.message.connect(panel.messages.append)
    return panel


# --- a JFK transcript whose middle is wrong (re-transcribe, align text) --------------------
def hand_transcript() -> Transcript:
    """JFK's words with the middle two cues wrong, as if the decoder had looped there."""
    segs = [
        Segment(300, 2600, "And so my fellow Americans,", [Word(300, 700, " And", 0.9)]),
        Segment(3000, 5000, "the the the the", [], 0.4, "repeats the cue before"),
        Segment(5200, 7800, "the the the the", [], 0.4, "repeats the cue before"),
        Segment(8000, 11000, "ask what you can do for your country."),
    ]
    return Transcript(segs, "en", SourceInfo(str(JFK), 11_000))


def dump(seg: Segment) -> str:
    return json.dumps(seg.to_dict(), sort_keys=True)


def shift_drag(qtbot, wf, from_ms: int, to_ms: int) -> None:
    """Shift+drag on the waveform from one time to another: a time span, no cue."""
    left, shift, y = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ShiftModifier, 80
    x0, x1 = round(wf.x_of(from_ms)), round(wf.x_of(to_ms))
    qtbot.mousePress(wf, left, shift, QPoint(x0, y))
    for i in range(1, 5):
        qtbot.mouseMove(wf, QPoint(x0 + (x1 - x0) * i // 4, y))
    qtbot.mouseRelease(wf, left, shift, QPoint(x1, y))

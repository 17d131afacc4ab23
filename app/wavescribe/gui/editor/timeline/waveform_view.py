"""The waveform timeline: peaks, a ruler, cues as regions, the playhead; edits by mouse.

Painting touches only what is visible: ``PeakPyramid.slice`` gives one min/max pair per pixel
column (cached as a pixmap until the view moves, so a drag repaints only the cues), and cues are
found by bisection. Gestures become commands through the ``TimingController`` (snapping, limits)
and go on the undo stack; a drag is one step because the stack is sealed on release. While a drag
snaps or is stopped, ``markers`` show where and why; a double-click (or F2 / Enter) edits a cue's
text in place, and a right-click offers the cue gestures, splitting at the word under the mouse.
Shift+drag selects a time span instead of creating a cue (to re-transcribe it); Esc drops it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
from PySide6.QtCore import QLineF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QAction,
    QColor,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPixmap,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from wavescribe.core.audio.peaks import PeakPyramid
from wavescribe.core.editing.document import HistoryEvent, SubtitleDocument
from wavescribe.core.editing.timing_controller import (
    Snapping,
    SnapTarget,
    TimingController,
    TimingResult,
)
from wavescribe.gui.editor.timeline.context_menu import WORDS_BELOW_MS_PER_PX, CueMenus
from wavescribe.gui.editor.timeline.cue_text_editor import CueTextEditor, TextInPlace
from wavescribe.gui.editor.timeline.display_gain import effective_gain
from wavescribe.gui.editor.timeline.geometry import Viewport
from wavescribe.gui.editor.timeline.markers import EditMarkers, RefusedMarker
from wavescribe.gui.editor.timeline.paint import (
    PLAYHEAD,
    RULER_PX,
    paint_cue,
    paint_narrow,
    paint_span,
    paint_speaker_band,
    paint_suspect_band,
    render_wave,
)
from wavescribe.gui.editor.transcript_view import format_ms
from wavescribe.gui.editor.undo import EditStack

EDGE_PX = 5  # how near an edge the mouse must be to grab it
DRAG_PX = 3  # movement before a press becomes a drag
SNAP_PX = 8


@dataclass
class _Drag:
    kind: Literal["start", "end", "body", "create", "press", "span"]
    index: int | None
    press_x: float
    press_ms: int
    offset_ms: int = 0  # body drags: where in the cue it was grabbed
    active: bool = False
    now_ms: int = 0


class WaveformView(CueMenus, QWidget):
    cue_clicked = Signal(int)  # the cue selected on the waveform (-1: none)
    seek_requested = Signal(int)  # ms: a click on the waveform (on a cue or not)
    message = Signal(str)  # why an edit stopped short or was refused
    view_changed = Signal()  # zoom or scroll moved
    span_changed = Signal(object)  # the Shift+dragged span, (start, end) ms, or None

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("waveformView")
        self.setMinimumHeight(120)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.viewport = Viewport()
        self.pyramid: PeakPyramid | None = None
        self.doc: SubtitleDocument | None = None
        self.stack: EditStack | None = None
        self.controller: TimingController | None = None
        self.selected = -1
        self.span: tuple[int, int] | None = None  # a time span selected with Shift+drag
        self.playhead_ms: int | None = None
        self.follow_playhead = True
        self._drag: _Drag | None = None
        self.markers = EditMarkers(self.update, self)
        self._text = TextInPlace(self)
        self._editor_actions: Mapping[str, QAction] = {}
        self._wave_cache: tuple[tuple[object, ...], QPixmap] | None = None
        self.display_gain: float | str = 1.0  # a factor or display_gain.AUTO; drawing only
        self._times_cache: tuple[tuple[int, int], np.ndarray, np.ndarray] | None = None

    # --- what is shown -----------------------------------------------------------------------
    def set_document(self, stack: EditStack, controller: TimingController) -> None:
        self._text.close()
        self.stack, self.doc, self.controller = stack, stack.doc, controller
        self.selected = -1
        self.set_span(None)
        stack.changed.connect(self._on_doc_changed)
        if not self.viewport.duration_ms:
            end = max((s.end for s in self.doc.segments), default=0)
            self.set_duration(controller.media_end_ms or end)

    def set_duration(self, duration_ms: int) -> None:
        self.viewport.duration_ms = int(duration_ms)
        self.viewport.resize(self.width())
        self.viewport.fit_all()
        self._changed_view()

    def set_display_gain(self, mode: float | str) -> None:
        """Draw the wave ``mode`` times taller (or display_gain.AUTO); the audio is unchanged."""
        self.display_gain = mode
        self.update()

    def set_peaks(self, pyramid: PeakPyramid | None) -> None:
        self.pyramid = pyramid
        self._wave_cache = None
        if pyramid is not None and pyramid.duration_ms != self.viewport.duration_ms:
            self.set_duration(pyramid.duration_ms)
        self.update()

    def select(self, index: int, reveal: bool = True) -> None:
        if self.doc is None or not 0 <= index < len(self.doc):
            index = -1
        self.selected = index
        if reveal and index >= 0:
            seg = self.doc[index]  # type: ignore[index]
            before = self.viewport.start_ms
            self.viewport.ensure_visible(seg.start, seg.end)
            if before != self.viewport.start_ms:
                self._changed_view()
        self.update()

    def set_span(self, span: tuple[int, int] | None) -> None:
        """Select the time span ``(start, end)`` in ms (None: no span); an empty one is none."""
        if span is not None:
            a, b = sorted((max(0, int(span[0])), max(0, int(span[1]))))
            span = (a, b) if b > a else None
        if span != self.span:
            self.span = span
            self.span_changed.emit(span)
            self.update()

    def set_playhead(self, ms: int | None) -> None:
        self.playhead_ms = ms
        if self.controller is not None:
            self.controller.playhead_ms = ms
        vp = self.viewport
        if ms is not None and self.follow_playhead and not vp.start_ms <= ms < vp.end_ms:
            vp.scroll_to(ms - vp.visible_ms * 0.05)
            self._changed_view()
        self.update()

    # --- zoom and scroll ---------------------------------------------------------------------
    def zoom(self, steps: float, anchor_x: float | None = None) -> None:
        self.viewport.zoom_by(steps, anchor_x)
        self._changed_view()

    def zoom_to_selection(self) -> None:
        if self.doc is not None and self.selected >= 0:
            seg = self.doc[self.selected]
            self.viewport.show_range(seg.start, seg.end)
            self._changed_view()

    def fit_all(self) -> None:
        self.viewport.fit_all()
        self._changed_view()

    def scroll_to(self, start_ms: float) -> None:
        if start_ms != self.viewport.start_ms:
            self.viewport.scroll_to(start_ms)
            self._changed_view()

    def _changed_view(self) -> None:
        self._text.place()
        self.view_changed.emit()
        self.update()

    def _on_doc_changed(self, _event: HistoryEvent) -> None:
        self._text.document_changed()
        if self._drag is None:  # an undo, say: the flashed edge is no longer there
            self.markers.clear_refused()
        self.update()

    @property
    def snap_marker(self) -> SnapTarget | None:
        """Where the edge being dragged snapped, while it does."""
        return self.markers.snap

    @property
    def refused_marker(self) -> RefusedMarker | None:
        """The edge an edit was just stopped at or refused at (shown briefly)."""
        return self.markers.refused

    def x_of(self, ms: float) -> float:
        return self.viewport.x_of(ms)

    # --- painting ----------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        w, h = self.width(), self.height()
        p.drawPixmap(0, 0, self._wave_pixmap(w, h))
        self._paint_cues(p, h)
        d = self._drag
        if d is not None and d.kind == "create" and d.active:
            a, b = sorted((self.x_of(d.press_ms), self.x_of(d.now_ms)))
            p.fillRect(QRectF(a, RULER_PX, b - a, h - RULER_PX), QColor(120, 220, 120, 70))
        if d is not None and d.kind == "span" and d.active:
            paint_span(p, self.x_of(d.press_ms), self.x_of(d.now_ms), h)
        elif self.span is not None:
            paint_span(p, self.x_of(self.span[0]), self.x_of(self.span[1]), h)
        self.markers.paint(p, self.x_of, RULER_PX, h)
        if self.playhead_ms is not None:
            x = self.x_of(self.playhead_ms)
            p.setPen(QPen(PLAYHEAD, 1))
            p.drawLine(QLineF(x, 0, x, h))
        p.end()

    def _wave_pixmap(self, w: int, h: int) -> QPixmap:
        vp = self.viewport
        gain = effective_gain(self.display_gain, self.pyramid)
        key = (vp.start_ms, vp.ms_per_px, w, h, id(self.pyramid), self.devicePixelRatioF(), gain)
        if self._wave_cache is None or self._wave_cache[0] != key:
            self._wave_cache = (key, render_wave(self.pyramid, vp, w, h, gain))
        return self._wave_cache[1]

    def _cue_times(self) -> tuple[np.ndarray, np.ndarray]:
        """Starts and ends as arrays, rebuilt only after an edit (painting needs them often)."""
        doc = self.doc
        key = (id(doc), doc.revision if doc is not None else -1)
        if self._times_cache is None or self._times_cache[0] != key:
            segs = doc.segments if doc is not None else []
            starts = np.fromiter((s.start for s in segs), np.int64, len(segs))
            ends = np.fromiter((s.end for s in segs), np.int64, len(segs))
            self._times_cache = (key, starts, ends)
        return self._times_cache[1], self._times_cache[2]

    def _visible_range(self) -> range:
        if self.doc is None:
            return range(0)
        starts, ends = self._cue_times()
        vp = self.viewport
        first = max(0, int(np.searchsorted(ends, vp.start_ms, "right")) - 1)
        stop = int(np.searchsorted(starts, vp.end_ms, "left"))
        return range(first, max(first, stop))

    def _paint_cues(self, p: QPainter, h: int) -> None:
        if self.doc is None:
            return
        vp, shown = self.viewport, self._visible_range()
        if not shown:
            return
        starts, ends = self._cue_times()
        x0s = (starts[shown.start : shown.stop] - vp.start_ms) / vp.ms_per_px
        x1s = (ends[shown.start : shown.stop] - vp.start_ms) / vp.ms_per_px
        narrow = (x1s - x0s) < 4
        if 0 <= self.selected - shown.start < len(narrow):
            narrow[self.selected - shown.start] = False
        paint_narrow(p, x0s[narrow], x1s[narrow], self.width(), h)
        speakers = self.doc.transcript.speakers
        for j in np.flatnonzero(narrow).tolist():  # zoomed out, a flag must still show
            if self.doc[shown.start + j].suspect is not None:
                paint_suspect_band(p, float(x0s[j]), float(x1s[j]))
            if self.doc[shown.start + j].speaker in speakers:  # and so must who speaks
                colour = speakers[self.doc[shown.start + j].speaker or ""].colour
                paint_speaker_band(p, float(x0s[j]), float(x1s[j]), h, colour)
        words = vp if vp.ms_per_px <= WORDS_BELOW_MS_PER_PX else None
        for j in np.flatnonzero(~narrow).tolist():
            i = shown.start + j
            seg = self.doc[i]
            paint_cue(
                p, seg, float(x0s[j]), float(x1s[j]), h, selected=i == self.selected, vp=words
            )
            if seg.speaker in speakers:
                paint_speaker_band(p, float(x0s[j]), float(x1s[j]), h, speakers[seg.speaker].colour)

    # --- hit testing -------------------------------------------------------------------------
    def hit(self, x: float) -> tuple[Literal["start", "end", "body"] | None, int | None]:
        """What is under pixel ``x``: a cue's edge (nearest within a few pixels), body, or none."""
        if self.doc is None:
            return None, None
        best: tuple[float, Literal["start", "end"], int] | None = None
        for i in self._visible_range():
            seg = self.doc[i]
            for edge, ms in (("start", seg.start), ("end", seg.end)):
                d = abs(self.x_of(ms) - x)
                if d <= EDGE_PX and (best is None or d < best[0]):
                    best = (d, edge, i)  # type: ignore[assignment]
        if best is not None:
            return best[1], best[2]
        ms = self.viewport.ms_at(x)
        for i in self._visible_range():
            if self.doc[i].start <= ms < self.doc[i].end:
                return "body", i
        return None, None

    # --- the mouse ---------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton or self.doc is None:
            return super().mousePressEvent(event)
        x = event.position().x()
        ms = self.viewport.ms_at(x)
        if event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            self._drag = _Drag("span", None, x, ms, now_ms=ms)
            return
        self.set_span(None)
        part, index = self.hit(x)
        if index is not None:
            self.select(index, reveal=False)
            self.cue_clicked.emit(index)
            offset = ms - self.doc[index].start
            self._drag = _Drag(part or "body", index, x, ms, offset, now_ms=ms)
        else:
            self._drag = _Drag("create", None, x, ms, now_ms=ms)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        x = event.position().x()
        d = self._drag
        if d is None:
            part, _ = self.hit(x)
            shape = (
                Qt.CursorShape.SizeHorCursor
                if part in ("start", "end")
                else Qt.CursorShape.ArrowCursor
            )
            self.setCursor(shape)
            return
        if not d.active and abs(x - d.press_x) < DRAG_PX:
            return
        d.active = True
        d.now_ms = self.viewport.ms_at(x)
        if d.kind in ("create", "span"):
            self.update()
            return
        self._drag_to(d)

    def _drag_to(self, d: _Drag) -> None:
        ctl, stack = self.controller, self.stack
        if ctl is None or stack is None or d.index is None:
            return
        ctl.snapping = _with_tolerance(ctl, SNAP_PX * self.viewport.ms_per_px)
        if d.kind == "body":
            result = ctl.drag_body(d.index, d.now_ms - d.offset_ms)
        else:
            result = ctl.drag_edge(d.index, d.kind, d.now_ms)  # type: ignore[arg-type]
        if result.command is not None:
            stack.push(result.command)
        self._mark(d, result)

    def _mark(self, d: _Drag, result: TimingResult) -> None:
        """Show what the drag snapped to, or flash the edge that was stopped, and say why."""
        self.markers.set_snap(result.snapped if not result.limit else None)
        if not result.limit or self.doc is None or d.index is None:
            return
        seg = self.doc[d.index]
        edge = d.kind
        if edge == "body":  # held back while moving left: the start hit something
            edge = "start" if d.now_ms - d.offset_ms < seg.start else "end"
        ms = seg.start if edge == "start" else seg.end
        self.markers.flash_refused(RefusedMarker(d.index, ms, result.limit))
        self.message.emit(f"Stopped by {result.limit}")

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        d, self._drag = self._drag, None
        if d is None or event.button() != Qt.MouseButton.LeftButton:
            return super().mouseReleaseEvent(event)
        self.markers.set_snap(None)
        if self.stack is not None:
            self.stack.seal()
        if d.kind == "span":
            self.set_span((d.press_ms, d.now_ms) if d.active else None)
            if self.span is not None:
                a, b = self.span
                self.message.emit(f"Selected {format_ms(a)} – {format_ms(b)}")
        elif d.kind == "create":
            if d.active:
                self._create(d.press_ms, d.now_ms)
            else:
                self.select(-1, reveal=False)
                self.cue_clicked.emit(-1)
                self.seek_requested.emit(d.press_ms)
        elif not d.active:  # a click on a cue (not a drag): it is selected, the playhead goes
            self.seek_requested.emit(d.press_ms)
        self.update()

    def _create(self, a: int, b: int) -> None:
        if self.controller is None or self.stack is None:
            return
        ctl = self.controller
        ctl.snapping = _with_tolerance(ctl, SNAP_PX * self.viewport.ms_per_px)
        result = ctl.create_cue(min(a, b), max(a, b))
        if self.stack.push(result.command, result.limit) and result.command is not None:
            index = result.command.index  # type: ignore[attr-defined]
            self.select(index, reveal=False)
            self.cue_clicked.emit(index)
            if result.limit:
                self.message.emit(f"New cue fitted to {result.limit}")

    def wheelEvent(self, event: QWheelEvent) -> None:
        steps = event.angleDelta().y() / 120 or event.angleDelta().x() / 120
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.zoom(steps, event.position().x())
        else:
            self.scroll_to(self.viewport.start_ms - steps * self.viewport.visible_ms / 8)
        event.accept()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom(1)
        elif key == Qt.Key.Key_Minus:
            self.zoom(-1)
        elif key in (Qt.Key.Key_F2, Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.edit_text(self.selected)
        elif key == Qt.Key.Key_Escape and self.span is not None:
            self.set_span(None)
        else:
            super().keyPressEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        _, index = self.hit(event.position().x())
        if event.button() != Qt.MouseButton.LeftButton or index is None:
            return super().mouseDoubleClickEvent(event)  # on empty waveform: a second press
        self._drag = None
        self.edit_text(index)

    # --- text in place ---------------------------------------------------------------------
    @property
    def text_editor(self) -> CueTextEditor | None:
        """The in-place text editor, while one is open."""
        return self._text.editor

    def edit_text(self, index: int) -> None:
        """Open a text editor over cue ``index``; Enter commits one ``SetText``, Esc cancels."""
        self._text.open(index)

    def resizeEvent(self, event: QResizeEvent) -> None:
        whole = self.viewport.ms_per_px >= self.viewport.max_ms_per_px
        self.viewport.resize(self.width())
        if whole:
            self.viewport.fit_all()
        self._changed_view()
        super().resizeEvent(event)


def _with_tolerance(ctl: TimingController, tolerance_ms: float) -> Snapping:
    """Snapping reaches a few pixels, whatever the zoom."""
    return replace(ctl.snapping, tolerance_ms=max(1, round(tolerance_ms)))

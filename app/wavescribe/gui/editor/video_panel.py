"""The video panel: the frame at the playhead, the current cue drawn over it as a viewer sees it.

Frames are decoded on one worker thread (``FrameDecoder``) with the Qt-free
:class:`~wavescribe.core.video.frames.FrameReader`; a request replaces any that has not started,
so a playhead that moves faster than frames decode never builds a queue, and the GUI thread only
swaps in a ready ``QImage``. The cue is painted by the widget at the size a player would use
(bottom centre, wrapped to the picture's width, white with a dark outline and shadow), so moving
the playhead or editing the text never waits for the decoder.
"""

from __future__ import annotations

import re
import threading
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QImage,
    QPainter,
    QPaintEvent,
    QRegion,
    QResizeEvent,
    QTextLayout,
    QTextOption,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from wavescribe.gui.engine_bridge import install

if TYPE_CHECKING:
    from wavescribe.core.video.frames import Frame, VideoInfo

_TAG = re.compile(r"<[^>]*>|\{\\[^}]*\}")  # HTML-ish and ASS override tags
SUBTITLE_HEIGHT = 1 / 20  # text size as a share of the picture's height: ~42 characters a line fit
MIN_FONT_PX = 9.0
MARGIN = 0.05  # from the picture's bottom, as a share of its height
TEXT_WIDTH = 0.9  # lines wrap at this share of the picture's width


def visible_text(text: str) -> tuple[str, bool]:
    """What a viewer reads (tags stripped) and whether it is all in italics."""
    italic = bool(re.fullmatch(r"\s*<i>.*</i>\s*", text, re.S)) or "{\\i1}" in text
    return _TAG.sub("", text).strip(), italic


def to_qimage(rgb: np.ndarray) -> QImage:
    """An RGB array as a QImage that owns its pixels (safe to hand to the GUI thread)."""
    rgb = np.ascontiguousarray(rgb)
    h, w = rgb.shape[:2]
    return QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


class FrameDecoder:
    """Decodes frames of one file on its own thread; the newest request wins.

    ``on_info`` gets the file's ``VideoInfo`` (or an exception) once it is open; ``on_frame``
    gets ``(ticket, Frame, QImage)`` for each request served. Both run on the GUI thread.
    """

    def __init__(self, path: str, on_info: Any, on_frame: Any) -> None:
        self.path = path
        self._on_info, self._on_frame = on_info, on_frame
        self._cond = threading.Condition()
        self._pending: tuple[int, int, tuple[int, int]] | None = None
        self._closed = False
        self.served = 0
        # The app's task runner carries results to the GUI thread (made on this one if new).
        self._to_gui = install().to_gui
        self._thread = threading.Thread(target=self._run, name="wavescribe-video", daemon=True)
        self._thread.start()

    def request(self, ticket: int, ms: int, size: tuple[int, int]) -> None:
        with self._cond:
            self._pending = (ticket, ms, size)
            self._cond.notify()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify()

    def _run(self) -> None:
        from wavescribe.core.video.frames import FrameReader

        try:
            reader = FrameReader(self.path)
        except Exception as exc:
            self._to_gui(self._on_info, exc)
            return
        self._to_gui(self._on_info, reader.info)
        try:
            while True:
                with self._cond:
                    while self._pending is None and not self._closed:
                        self._cond.wait()
                    if self._closed:
                        return
                    ticket, ms, size = self._pending  # type: ignore[misc]
                    self._pending = None
                try:
                    frame = reader.frame_at(ms, size)
                    image = to_qimage(frame.rgb)
                except Exception:
                    continue  # a damaged spot: the last good frame stays on screen
                self.served += 1
                self._to_gui(self._on_frame, ticket, frame, image)
        finally:
            reader.close()


class VideoPanel(QWidget):
    """Shows the frame at ``set_time`` with ``set_cue_text`` over it; hidden for audio files."""

    info_changed = Signal(object)  # the open file's VideoInfo, or None (audio, or none open)
    frame_shown = Signal(int)  # the start (ms) of the frame now on screen

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("videoPanel")
        self.setMinimumSize(160, 90)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.info: VideoInfo | None = None
        self.frame: Frame | None = None
        self.image: QImage | None = None
        self.cue_text = ""
        self.time_ms = 0
        self.enabled_by_user = True  # the View menu's toggle
        self._decoder: FrameDecoder | None = None
        self._ticket = 0
        self._asked: tuple[int, tuple[int, int]] | None = None
        self._overlay: tuple[tuple[str, int, int], QImage] | None = None
        self.hide()

    # --- what is shown -----------------------------------------------------------------------
    def set_source(self, path: str | None) -> None:
        """Show the video of ``path`` (found out off-thread; an audio file hides the panel)."""
        self.close_source()
        if path is None:
            return
        self._ticket += 1
        ticket = self._ticket
        self._decoder = FrameDecoder(path, lambda info: self._opened(ticket, info), self._arrived)

    def close_source(self) -> None:
        if self._decoder is not None:
            self._decoder.close()
        self._decoder, self.info, self.frame, self.image, self._asked = None, None, None, None, None
        self._ticket += 1
        self.hide()
        self.info_changed.emit(None)

    def _opened(self, ticket: int, info: object) -> None:
        if ticket != self._ticket:
            return
        if isinstance(info, BaseException):  # an audio file, or a video FFmpeg cannot read
            self._decoder = None
            self.info_changed.emit(None)
            return
        self.info = info  # type: ignore[assignment]
        self.setVisible(self.enabled_by_user)
        self.info_changed.emit(info)
        self._request()

    @property
    def has_video(self) -> bool:
        return self.info is not None

    def set_enabled_by_user(self, on: bool) -> None:
        """The View menu's "Video" toggle: shown only when it is on and there is a video."""
        self.enabled_by_user = on
        self.setVisible(on and self.has_video)
        self._request()

    def set_time(self, ms: int) -> None:
        self.time_ms = max(0, int(ms))
        self._request()

    def set_cue_text(self, text: str) -> None:
        if text != self.cue_text:
            self.cue_text = text
            self.update()

    def frame_size(self) -> tuple[int, int]:
        """The picture's size in device pixels: the video's aspect, fitted to the panel."""
        from wavescribe.core.video.frames import fit_size

        assert self.info is not None
        dpr = self.devicePixelRatioF()
        w, h = round(self.width() * dpr), round(self.height() * dpr)
        return fit_size(self.info.width, self.info.height, w, h)

    def _request(self) -> None:
        if self._decoder is None or self.info is None or not self.isVisible():
            return
        f = self.frame
        size = self.frame_size()
        if f is not None and f.start_ms <= self.time_ms < f.end_ms and f.rgb.shape[1] == size[0]:
            return  # that picture is on screen already
        asked = (self.time_ms, size)
        if asked != self._asked:
            self._asked = asked
            self._decoder.request(self._ticket, self.time_ms, size)

    def _arrived(self, ticket: int, frame: Frame, image: QImage) -> None:
        if ticket != self._ticket:
            return
        self.frame, self.image = frame, image
        self.update()
        self.frame_shown.emit(frame.start_ms)

    # --- painting ----------------------------------------------------------------------------
    def picture_rect(self) -> QRectF:
        """Where the picture is drawn (letterboxed in the panel), in widget coordinates."""
        if self.info is None:
            return QRectF(self.rect())
        dpr = self.devicePixelRatioF()
        fw, fh = self.frame_size()
        w, h = fw / dpr, fh / dpr
        # whole pixels: the picture is blitted as decoded, never resampled by the painter
        return QRectF((self.width() - w) // 2, (self.height() - h) // 2, w, h)

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        rect = self.picture_rect()
        if self.image is None:
            p.fillRect(self.rect(), Qt.GlobalColor.black)
        else:  # the bars around the picture, then the picture (already at its size)
            outside = QRegion(self.rect()).subtracted(QRegion(rect.toAlignedRect()))
            for bar in outside:
                p.fillRect(bar, Qt.GlobalColor.black)
            p.drawImage(rect, self.image)
        if self.cue_text:
            p.drawImage(rect.topLeft(), self._subtitle_image(rect))
        p.end()

    def _subtitle_image(self, rect: QRectF) -> QImage:
        """The cue drawn on a transparent picture-sized image, redrawn only when the text or
        the size changes (painting outlined text on every frame would cost milliseconds)."""
        key = (self.cue_text, round(rect.width()), round(rect.height()))
        if self._overlay is None or self._overlay[0] != key:
            image = QImage(key[1], key[2], QImage.Format.Format_ARGB32_Premultiplied)
            image.fill(Qt.GlobalColor.transparent)
            painter = QPainter(image)
            painter.setFont(self.font())
            paint_subtitle(painter, self.cue_text, QRectF(0, 0, key[1], key[2]))
            painter.end()
            self._overlay = (key, image)
        return self._overlay[1]

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._request()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self._request()

    def sizeHint(self) -> QSize:
        return QSize(400, 225)

    def shutdown(self) -> None:
        self.close_source()


def subtitle_lines(text: str, font: QFont, width: float) -> list[str]:
    """``text``'s lines as a player breaks them: its own line breaks, then word wrap at
    ``width`` pixels."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        layout = QTextLayout(paragraph, font)
        option = QTextOption()
        option.setWrapMode(QTextOption.WrapMode.WordWrap)
        layout.setTextOption(option)
        layout.beginLayout()
        while True:
            line = layout.createLine()
            if not line.isValid():
                break
            line.setLineWidth(width)
            lines.append(paragraph[line.textStart() : line.textStart() + line.textLength()].strip())
        layout.endLayout()
    return lines


def paint_subtitle(p: QPainter, text: str, picture: QRectF) -> None:
    """Draw ``text`` as a player would over ``picture``: bottom centre, wrapped, white with a
    dark outline (the text drawn around in black) and a soft shadow."""
    shown, italic = visible_text(text)
    if not shown:
        return
    font = QFont(p.font())
    font.setPixelSize(max(int(MIN_FONT_PX), round(picture.height() * SUBTITLE_HEIGHT)))
    font.setBold(True)
    font.setItalic(italic)
    metrics = QFontMetricsF(font)
    lines = subtitle_lines(shown, font, picture.width() * TEXT_WIDTH)
    step = metrics.lineSpacing()
    bottom = picture.bottom() - picture.height() * MARGIN
    r = max(1.0, font.pixelSize() / 14)
    rings = [(dx * r, dy * r) for dx in (-1, 0, 1) for dy in (-1, 0, 1) if dx or dy]
    p.save()
    p.setFont(font)
    for k, part in enumerate(lines):
        baseline = bottom - (len(lines) - 1 - k) * step - metrics.descent()
        at = QPointF(picture.center().x() - metrics.horizontalAdvance(part) / 2, baseline)
        p.setPen(QColor(0, 0, 0, 140))
        p.drawText(at + QPointF(2 * r, 2 * r), part)  # the shadow
        p.setPen(QColor(0, 0, 0))
        for dx, dy in rings:
            p.drawText(at + QPointF(dx, dy), part)
        p.setPen(QColor(255, 255, 255))
        p.drawText(at, part)
    p.restore()

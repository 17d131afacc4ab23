"""The editor's view and transport: the video panel and its toggle, the View menu, frame steps
and previous/next cue for the playhead, the time field, zoom.

A mixin of :class:`~wavescribe.gui.editor.editor_widget.EditorPanel` (its player, transport,
video panel, waveform and selection).
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMenu, QMenuBar

from wavescribe.gui import settings

if TYPE_CHECKING:
    from PySide6.QtGui import QAction

    from wavescribe.core.editing.timing_controller import TimingController
    from wavescribe.core.video.frames import VideoInfo
    from wavescribe.gui.editor.playback import Player, TransportBar
    from wavescribe.gui.editor.timeline.waveform_view import WaveformView
    from wavescribe.gui.editor.undo import EditStack
    from wavescribe.gui.editor.video_panel import VideoPanel

AUDIO_STEP_MS = 10  # a frame step without a video


class ViewActions:
    """The video, the View menu, the transport and zoom (see the module docstring)."""

    stack: EditStack | None
    controller: TimingController | None
    waveform: WaveformView
    player: Player
    transport: TransportBar
    video: VideoPanel
    show_video_action: QAction
    actions_by_name: dict[str, Any]
    message: Any  # the panel's Signal(str)
    selected: int

    def select(self, row: int) -> None:
        raise NotImplementedError  # the panel's

    # --- the video -----------------------------------------------------------------------------
    def _video_opened(self, info: VideoInfo | None) -> None:
        self.show_video_action.setEnabled(info is not None)
        if info is not None and info.duration_ms > 0 and self.waveform.pyramid is None:
            self.transport.set_duration(info.duration_ms)

    def _show_video_at(self, ms: int) -> None:
        """The frame at the playhead, with the cue under it drawn over (none between cues)."""
        row = self.controller.cue_at(ms) if self.controller is not None else None
        text = self.stack.doc[row].text if row is not None and self.stack is not None else ""
        self.video.set_cue_text(text)
        self.video.set_time(ms)

    def set_video_shown(self, on: bool) -> None:
        """The View menu's Video toggle (remembered)."""
        settings.set_value(settings.SHOW_VIDEO, on)
        self.video.set_enabled_by_user(on)
        if self.show_video_action.isChecked() != on:
            self.show_video_action.setChecked(on)

    def add_view_menu(self, bar: QMenuBar, after: QMenu) -> QMenu:
        """Put the editor's View menu (the video toggle, zoom, follow) in ``bar`` after
        ``after``."""
        menu = QMenu("&View", bar)
        menu.setObjectName("viewMenu")
        menus = bar.actions()
        here = menus.index(after.menuAction()) + 1 if after.menuAction() in menus else len(menus)
        if here < len(menus):
            bar.insertMenu(menus[here], menu)
        else:
            bar.addMenu(menu)
        menu.addAction(self.show_video_action)
        menu.addSeparator()
        names = ("zoom_in", "zoom_out", "zoom_cue", "zoom_all", "follow")
        menu.addActions([self.actions_by_name[n] for n in names])
        return menu

    # --- the transport -----------------------------------------------------------------------
    def step_ms(self) -> float:
        """A frame of the video, or 10 ms for audio."""
        info = self.video.info
        return info.frame_ms if info is not None else AUDIO_STEP_MS

    def step_playhead(self, steps: int) -> None:
        """Move the playhead ``steps`` frames (video) or 10 ms steps (audio), on the frame grid."""
        step = self.step_ms()
        here = math.floor(self.player.position_ms / step + 1e-6)
        target = max(0, math.ceil((here + steps) * step - 1e-6))
        end = self._duration_ms()
        self.player.seek(min(target, end) if end else target)

    def _duration_ms(self) -> int:
        if self.waveform.pyramid is not None:
            return self.waveform.pyramid.duration_ms
        if self.video.info is not None:
            return self.video.info.duration_ms
        return 0

    def goto_cue(self, step: int) -> None:
        """Select the first cue that starts after the playhead (1) or the last one that starts
        before it (-1), and move the playhead to its start."""
        if self.stack is None or not len(self.stack.doc):
            return
        ms = self.player.position_ms
        starts = [s.start for s in self.stack.doc.segments]
        row = bisect_right(starts, ms) if step > 0 else bisect_left(starts, ms) - 1
        if not 0 <= row < len(starts):
            self.message.emit("No cue after the playhead" if step > 0 else "No cue before it")
            return
        self.select(row)
        self.player.seek(starts[row])

    def focus_time_field(self) -> None:
        self.transport.time_field.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.transport.time_field.selectAll()

    def zoom(self, steps: float) -> None:
        """Zoom in (+) or out (-) around the selected cue, else the playhead, and keep it in
        view (the middle of the view when neither is on screen)."""
        vp, seg = self.waveform.viewport, None
        if self.stack is not None and 0 <= self.selected < len(self.stack.doc):
            seg = self.stack.doc[self.selected]
        focus = None if seg is None else (seg.start + seg.end) / 2
        if focus is None or not vp.start_ms <= focus <= vp.end_ms:
            ph = self.waveform.playhead_ms
            focus = ph if ph is not None and vp.start_ms <= ph <= vp.end_ms else focus
        self.waveform.zoom(steps, None if focus is None else vp.x_of(focus))
        if seg is not None:
            self.waveform.select(self.selected)  # scrolls the least that shows it

"""Playback with sounddevice at 0.5–2× speed, and the position maths it rests on.

The audio callback runs on PortAudio's thread and only pulls blocks from a :class:`PlaybackCursor`;
the GUI polls the cursor for the playhead. Away from 1× the cursor time-stretches with WSOLA
(audiotsm), which keeps the pitch, so speech stays intelligible at 2× and natural at 0.5×.

The playhead is always a position in the *source*: after ``n`` output frames at speed ``s`` the
listener has heard ``floor(n·s)`` source frames (WSOLA keeps output and input aligned to within a
frame), and a region of ``L`` source frames plays as exactly ``ceil(L/s)`` output frames, so the
playhead ends on the region's end at every speed.

With no PortAudio or no output device (CI, a server, a laptop with its sound off) the player says
why in ``unavailable`` and the editor keeps working.
"""

from __future__ import annotations

import math
import re
import threading
from fractions import Fraction
from typing import Any

import numpy as np
from audiotsm import wsola
from audiotsm.io.array import ArrayReader
from audiotsm.io.base import Writer
from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLineEdit, QToolButton, QWidget

from wavescribe.core.audio.load import SAMPLE_RATE

POLL_MS = 30
SPEEDS = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0)
MIN_SPEED, MAX_SPEED = SPEEDS[0], SPEEDS[-1]
WSOLA_FRAME_S = 0.04  # ~40 ms frames: the usual choice for speech


def ms_to_frame(ms: float, rate: int) -> int:
    return max(0, round(ms * rate / 1000))


def frame_to_ms(frame: int, rate: int) -> int:
    return frame * 1000 // rate


def _ratio(speed: float) -> Fraction:
    return Fraction(speed).limit_denominator(1000)


def output_length(source_frames: int, speed: float) -> int:
    """How many output frames ``source_frames`` of the source last at ``speed``."""
    return math.ceil(source_frames / _ratio(speed))


def source_advance(output_frames: int, speed: float) -> int:
    """How many source frames have been heard after ``output_frames`` at ``speed``."""
    return math.floor(output_frames * _ratio(speed))


def format_clock(ms: int) -> str:
    """``HH:MM:SS.mmm``: the transport's time."""
    ms = max(0, int(ms))
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, milli = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{milli:03d}"


_CLOCK = re.compile(r"^(?:(?:(\d+):)?(\d+):)?(\d+(?:[.,]\d*)?)$")


def parse_clock(text: str) -> int:
    """A time typed into the transport: ``00:01:02.500``, ``1:02.5`` or ``62.5`` (seconds),
    as ms. ValueError (with a one-line reason) for anything else."""
    m = _CLOCK.match(text.strip())
    if m is None:
        raise ValueError(f"Not a time: {text.strip()!r} (type 00:01:02.500, 1:02.5 or 62.5)")
    hours, minutes, seconds = m.groups()
    total = float(seconds.replace(",", ".")) + 60 * int(minutes or 0) + 3600 * int(hours or 0)
    return round(total * 1000)


def clamp_speed(speed: float) -> float:
    return min(MAX_SPEED, max(MIN_SPEED, float(speed)))


class _Collect(Writer):
    """An audiotsm writer that queues mono output frames for the next callback blocks."""

    def __init__(self) -> None:
        self.blocks: list[np.ndarray] = []
        self.queued = 0

    @property
    def channels(self) -> int:
        return 1

    def write(self, buffer: np.ndarray) -> int:
        self.blocks.append(np.array(buffer[0], np.float32))
        self.queued += buffer.shape[1]
        return int(buffer.shape[1])

    def take(self, n: int) -> np.ndarray:
        data = np.concatenate(self.blocks) if self.blocks else np.zeros(0, np.float32)
        out, rest = data[:n], data[n:]
        self.blocks, self.queued = ([rest] if len(rest) else []), len(rest)
        return out


class _Stretcher:
    """Pitch-preserving speed change of one source region, pulled block by block (WSOLA)."""

    def __init__(self, region: np.ndarray, rate: int, speed: float) -> None:
        # a multiple of 8 keeps the hops (frame/2 · speed) whole for every speed in SPEEDS
        frame = max(64, round(rate * WSOLA_FRAME_S / 8) * 8)
        self._tsm = wsola(1, speed=speed, frame_length=frame)
        self._reader = ArrayReader(region.reshape(1, -1))
        self._out = _Collect()
        self._flushed = False

    def pull(self, n: int) -> np.ndarray:
        """``n`` output frames, zero-padded once the region is used up."""
        while self._out.queued < n and not self._flushed:
            self._tsm.read_from(self._reader)
            _, finished = self._tsm.write_to(self._out)
            if finished and self._reader.empty:
                done = False
                while not done:
                    _, done = self._tsm.flush_to(self._out)
                self._flushed = True
        chunk = self._out.take(n)
        if len(chunk) < n:
            chunk = np.concatenate([chunk, np.zeros(n - len(chunk), np.float32)])
        return chunk


class PlaybackCursor:
    """Where playback is in the source, and the next block to hand PortAudio (thread-safe).

    ``read`` returns output frames (time-stretched away from 1×); ``position_ms`` and ``frame``
    are source positions. With ``loop`` the region starts over when it ends (``loops`` counts).
    """

    def __init__(
        self,
        samples: np.ndarray,
        rate: int,
        start_ms: float,
        end_ms: float | None,
        *,
        speed: float = 1.0,
        loop: bool = False,
    ) -> None:
        self.samples, self.rate = samples, rate
        self.start = min(ms_to_frame(start_ms, rate), len(samples))
        stop = len(samples) if end_ms is None else ms_to_frame(end_ms, rate)
        self.stop = max(self.start, min(stop, len(samples)))
        self.speed = clamp_speed(speed)
        self.loop = loop
        self.loops = 0
        self._stretcher: _Stretcher | None = None
        self._lock = threading.Lock()
        self._begin(self.start)

    def _begin(self, frame: int) -> None:
        """Start a pass at source ``frame``: output is counted from here to the stop."""
        self.frame = self._pass_start = frame
        self.out_frames = 0  # output frames handed out in this pass
        self.total_out = output_length(self.stop - frame, self.speed)
        self._stretcher = None
        if self.speed != 1.0:
            region = self.samples[frame : self.stop]
            self._stretcher = _Stretcher(region, self.rate, self.speed)

    def set_speed(self, speed: float) -> None:
        """Go on at ``speed`` from the current position (a loop still restarts at its start)."""
        with self._lock:
            self.speed = clamp_speed(speed)
            self._begin(self.frame)

    @property
    def position_ms(self) -> int:
        return frame_to_ms(self.frame, self.rate)

    @property
    def finished(self) -> bool:
        return not self.loop and self.out_frames >= self.total_out

    def read(self, n: int) -> tuple[np.ndarray, bool]:
        """``n`` output frames (zero-padded past the stop) and whether this block reaches it."""
        parts: list[np.ndarray] = []
        with self._lock:
            need = n
            while need > 0:
                if self.out_frames >= self.total_out:
                    if not (self.loop and self.total_out > 0):
                        break
                    self.loops += 1
                    self._begin(self.start)
                k = min(need, self.total_out - self.out_frames)
                if self._stretcher is None:
                    a = self._pass_start + self.out_frames
                    parts.append(self.samples[a : a + k])
                else:
                    parts.append(self._stretcher.pull(k))
                self.out_frames += k
                need -= k
                heard = source_advance(self.out_frames, self.speed)
                self.frame = min(self.stop, self._pass_start + heard)
            done = self.finished
        chunk = np.concatenate(parts) if parts else np.zeros(0, np.float32)
        if len(chunk) < n:
            chunk = np.concatenate([chunk, np.zeros(n - len(chunk), np.float32)])
        return chunk.astype(np.float32, copy=False), done


def audio_unavailable() -> str | None:
    """Why nothing can be played here, or None when an output device is there."""
    try:
        import sounddevice as sd
    except (ImportError, OSError) as exc:  # OSError: the PortAudio library is missing
        return f"sound is unavailable ({exc})"
    try:
        sd.query_devices(kind="output")
    except Exception as exc:
        return f"there is no audio output device ({exc})"
    return None


class Player(QObject):
    """Plays the shown job's audio; ``position`` carries the (source) playhead while it plays."""

    position = Signal(int)  # ms in the file
    playing_changed = Signal(bool)
    speed_changed = Signal(float)
    unavailable = Signal(str)  # why a play request did nothing

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.samples: np.ndarray | None = None
        self.rate = SAMPLE_RATE
        self.cursor: PlaybackCursor | None = None
        self.position_ms = 0
        self.speed = 1.0
        self._end_ms: int | None = None
        self._stream: Any = None
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self._poll)

    @property
    def is_playing(self) -> bool:
        return self._stream is not None

    def set_audio(self, samples: np.ndarray | None, rate: int = SAMPLE_RATE) -> None:
        self.stop()
        self.samples, self.rate = samples, rate

    def set_speed(self, speed: float) -> None:
        """Change the speed (clamped to 0.5–2×); playback goes on from where it is."""
        speed = clamp_speed(speed)
        if speed == self.speed:
            return
        self.speed = speed
        self.speed_changed.emit(speed)
        if self.cursor is not None and self.is_playing:
            self.cursor.set_speed(speed)

    def step_speed(self, steps: int) -> None:
        """Move ``steps`` along :data:`SPEEDS` (Ctrl+Shift+Up/Down)."""
        here = min(range(len(SPEEDS)), key=lambda i: abs(SPEEDS[i] - self.speed))
        self.set_speed(SPEEDS[max(0, min(len(SPEEDS) - 1, here + steps))])

    def set_loop(self, loop: bool) -> None:
        """Loop the region now playing, or stop looping it (playing to the end never loops)."""
        if self.cursor is not None and self._end_ms is not None:
            self.cursor.loop = loop

    def seek(self, ms: int) -> None:
        self.position_ms = max(0, ms)
        if self.is_playing:
            self.play(ms)
        else:
            self.position.emit(self.position_ms)

    def toggle(self) -> None:
        if self.is_playing:
            self.stop()
        else:
            self.play(self.position_ms)

    def play(self, start_ms: int, end_ms: int | None = None, *, loop: bool = False) -> bool:
        """Play from ``start_ms`` (to ``end_ms``, over and over with ``loop``); False, with
        ``unavailable`` sent, if it can't."""
        self.stop()
        if self.samples is None:
            self.unavailable.emit("Cannot play: the audio is still loading")
            return False
        why = audio_unavailable()
        if why is not None:
            self.unavailable.emit(f"Cannot play: {why}")
            return False
        import sounddevice as sd

        loop = loop and end_ms is not None
        cursor = PlaybackCursor(
            self.samples, self.rate, start_ms, end_ms, speed=self.speed, loop=loop
        )

        def callback(out: np.ndarray, frames: int, _time: Any, _status: Any) -> None:
            chunk, done = cursor.read(frames)
            out[:, 0] = chunk
            if done:
                raise sd.CallbackStop

        try:
            stream = sd.OutputStream(
                samplerate=self.rate, channels=1, dtype="float32", callback=callback
            )
            stream.start()
        except Exception as exc:
            self.unavailable.emit(f"Cannot play: {exc}")
            return False
        self.cursor, self._stream = cursor, stream
        self._end_ms = end_ms
        self._timer.start()
        self.playing_changed.emit(True)
        return True

    def stop(self) -> None:
        stream, self._stream = self._stream, None
        if stream is None:
            return
        self._timer.stop()
        try:
            stream.abort()  # now, not after the queued blocks have played
            stream.close()
        except Exception:
            pass
        self._poll()
        self.playing_changed.emit(False)

    def _poll(self) -> None:
        if self.cursor is None:
            return
        self.position_ms = self.cursor.position_ms
        self.position.emit(self.position_ms)
        if self.cursor.finished and self._stream is not None and not self._stream.active:
            self.stop()


class SpeedBox(QComboBox):
    """The playback speed choice; follows the player when a shortcut changes it."""

    def __init__(self, player: Player, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("speedBox")
        self.setToolTip("Playback speed (Ctrl+Shift+Up / Down); the pitch is kept")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys stay with the list and waveform
        for speed in SPEEDS:
            self.addItem(f"{speed:g}×", speed)
        self.setCurrentIndex(SPEEDS.index(1.0))
        self.player = player
        self.currentIndexChanged.connect(lambda i: player.set_speed(SPEEDS[i]))
        player.speed_changed.connect(self._show)
        self._show(player.speed)

    def _show(self, speed: float) -> None:
        if speed in SPEEDS:
            self.setCurrentIndex(SPEEDS.index(speed))


class TimeField(QLineEdit):
    """The playhead's time; click it, type a time and press Enter to jump there (Esc: back)."""

    jump = Signal(int)  # ms
    invalid = Signal(str)  # why a typed time was not taken
    left = Signal()  # Enter or Esc: the keys go back to the editor

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(format_clock(0), parent)
        self.setObjectName("timeField")
        self.setToolTip("The playhead. Click, type a time (00:01:02.500 or 62.5), press Enter")
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setFixedWidth(self.fontMetrics().horizontalAdvance("00:00:00.0000") + 16)
        self._ms = 0
        self.returnPressed.connect(self._take)

    def show_time(self, ms: int) -> None:
        """Follow the playhead, unless the user is typing a time."""
        self._ms = ms
        if not self.hasFocus():
            self.setText(format_clock(ms))

    def _take(self) -> None:
        try:
            ms = parse_clock(self.text())
        except ValueError as exc:
            self.invalid.emit(str(exc))
            self.selectAll()
            return
        self.clearFocus()
        self.jump.emit(ms)
        self.setText(format_clock(ms))
        self.left.emit()

    def focusOutEvent(self, event: Any) -> None:
        super().focusOutEvent(event)
        self.setText(format_clock(self._ms))

    def keyPressEvent(self, event: Any) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.clearFocus()
            self.left.emit()
            return
        super().keyPressEvent(event)


class TransportBar(QWidget):
    """A thin row above the editor: play/pause, the playhead's time (type to jump) and the
    duration, the playback speed and the loop-cue toggle."""

    def __init__(
        self, player: Player, loop: QAction, parent: QWidget | None = None, *, play: QAction
    ) -> None:
        super().__init__(parent)
        self.setObjectName("transportBar")
        self.player = player
        self.play_button = QToolButton()
        self.play_button.setObjectName("playButton")
        self.play_button.setDefaultAction(play)
        self.play_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.play_button.setMinimumWidth(64)
        self.time_field = TimeField()
        self.time_field.jump.connect(player.seek)
        self.duration_label = QLabel()
        self.duration_label.setObjectName("durationLabel")
        self.set_duration(0)
        self.speed_box = SpeedBox(player)
        self.loop_button = QToolButton()
        self.loop_button.setDefaultAction(loop)
        self.loop_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        row = QHBoxLayout(self)
        row.setContentsMargins(4, 2, 4, 2)
        row.addWidget(self.play_button)
        row.addWidget(self.time_field)
        row.addWidget(self.duration_label)
        row.addSpacing(12)
        row.addWidget(QLabel("Speed"))
        row.addWidget(self.speed_box)
        row.addWidget(self.loop_button)
        row.addStretch(1)
        self._play = play
        player.position.connect(self.time_field.show_time)
        player.playing_changed.connect(self._show_playing)
        self._show_playing(False)

    def set_duration(self, ms: int) -> None:
        self.duration_label.setText(f"/ {format_clock(ms)}")

    def _show_playing(self, playing: bool) -> None:
        self._play.setIconText("⏸ Pause" if playing else "▶ Play")

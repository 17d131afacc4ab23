"""Playback with sounddevice, and the position maths it rests on.

The audio callback runs on PortAudio's thread and only advances a :class:`PlaybackCursor`; the
GUI polls the cursor for the playhead. With no PortAudio or no output device (CI, a server, a
laptop with its sound off) the player says why in ``unavailable`` and the editor keeps working.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

POLL_MS = 30


def ms_to_frame(ms: float, rate: int) -> int:
    return max(0, round(ms * rate / 1000))


def frame_to_ms(frame: int, rate: int) -> int:
    return frame * 1000 // rate


class PlaybackCursor:
    """Where playback is in the samples, and the next block to hand PortAudio (thread-safe)."""

    def __init__(
        self, samples: np.ndarray, rate: int, start_ms: float, end_ms: float | None
    ) -> None:
        self.samples, self.rate = samples, rate
        self.frame = min(ms_to_frame(start_ms, rate), len(samples))
        stop = len(samples) if end_ms is None else ms_to_frame(end_ms, rate)
        self.stop = max(self.frame, min(stop, len(samples)))
        self._lock = threading.Lock()

    @property
    def position_ms(self) -> int:
        return frame_to_ms(self.frame, self.rate)

    @property
    def finished(self) -> bool:
        return self.frame >= self.stop

    def read(self, n: int) -> tuple[np.ndarray, bool]:
        """``n`` frames (zero-padded past the stop) and whether this block reaches the stop."""
        with self._lock:
            chunk = self.samples[self.frame : min(self.frame + n, self.stop)]
            self.frame += len(chunk)
            done = self.frame >= self.stop
        if len(chunk) < n:
            chunk = np.concatenate([chunk, np.zeros(n - len(chunk), np.float32)])
        return chunk, done


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
    """Plays the shown job's audio; ``position`` carries the playhead while it plays."""

    position = Signal(int)  # ms
    playing_changed = Signal(bool)
    unavailable = Signal(str)  # why a play request did nothing

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.samples: np.ndarray | None = None
        self.rate = 16000
        self.cursor: PlaybackCursor | None = None
        self.position_ms = 0
        self._stream: Any = None
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self._poll)

    @property
    def is_playing(self) -> bool:
        return self._stream is not None

    def set_audio(self, samples: np.ndarray | None, rate: int = 16000) -> None:
        self.stop()
        self.samples, self.rate = samples, rate

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

    def play(self, start_ms: int, end_ms: int | None = None) -> bool:
        """Play from ``start_ms`` (to ``end_ms``); False, with ``unavailable`` sent, if it can't."""
        self.stop()
        if self.samples is None:
            self.unavailable.emit("Cannot play: the audio is still loading")
            return False
        why = audio_unavailable()
        if why is not None:
            self.unavailable.emit(f"Cannot play: {why}")
            return False
        import sounddevice as sd

        cursor = PlaybackCursor(self.samples, self.rate, start_ms, end_ms)

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
        self._timer.start()
        self.playing_changed.emit(True)
        return True

    def stop(self) -> None:
        stream, self._stream = self._stream, None
        if stream is None:
            return
        self._timer.stop()
        try:
            stream.stop()
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

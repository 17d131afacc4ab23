"""Playback position maths, and an editor that says why it cannot play instead of crashing."""

from __future__ import annotations

import numpy as np

from wavescribe.gui.playback import (
    PlaybackCursor,
    Player,
    audio_unavailable,
    frame_to_ms,
    ms_to_frame,
)


def test_frames_and_milliseconds():
    assert ms_to_frame(1500, 16000) == 24000
    assert frame_to_ms(24000, 16000) == 1500
    assert ms_to_frame(-5, 16000) == 0


def test_the_cursor_plays_from_start_to_stop_and_pads_the_last_block():
    samples = np.arange(16000, dtype=np.float32)
    cursor = PlaybackCursor(samples, 16000, start_ms=250, end_ms=500)
    assert cursor.position_ms == 250
    chunk, done = cursor.read(3000)
    assert chunk[0] == 4000 and not done and cursor.position_ms == 437
    chunk, done = cursor.read(3000)
    assert done and cursor.finished and cursor.position_ms == 500
    assert len(chunk) == 3000 and chunk[999] == 7999 and not chunk[1000:].any()


def test_a_cursor_past_the_end_is_finished_at_once():
    cursor = PlaybackCursor(np.zeros(100, np.float32), 16000, start_ms=10_000, end_ms=None)
    assert cursor.finished


def test_without_a_device_play_reports_why(qtbot):
    player = Player()
    reasons: list[str] = []
    player.unavailable.connect(reasons.append)
    assert not player.play(0)  # no audio yet
    player.set_audio(np.zeros(16000, np.float32))
    why = audio_unavailable()
    started = player.play(0)
    if why is None:  # a machine with a sound card: a real PortAudio stream
        assert started
        qtbot.waitUntil(lambda: not player.is_playing, timeout=5000)
        assert player.position_ms == 1000
    else:
        assert not started and reasons[-1] == f"Cannot play: {why}"
    player.seek(400)
    assert player.position_ms == 400

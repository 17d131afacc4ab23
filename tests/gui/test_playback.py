"""Playback: the source-position maths at every speed, pitch-preserving time-stretch, looping,
and the Player driving a real PortAudio stream on a paced ALSA null sound card."""

from __future__ import annotations

import fcntl
import itertools
import math
import os
import select
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt

from wavescribe.gui.editor.playback import (
    SPEEDS,
    PlaybackCursor,
    Player,
    audio_unavailable,
    frame_to_ms,
    ms_to_frame,
    output_length,
    source_advance,
)

RATE = 16000


def tone(seconds: float, hz: float = 440.0) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return (0.5 * np.sin(2 * np.pi * hz * t)).astype(np.float32)


def pitch(signal: np.ndarray) -> float:
    """Rising zero crossings per second: the frequency of a pure tone."""
    body = signal[RATE // 10 : -RATE // 10]
    return float(np.sum((body[:-1] < 0) & (body[1:] >= 0)) * RATE / len(body))


def drain(cursor: PlaybackCursor, block: int = 512, limit: int = 10_000) -> tuple[np.ndarray, int]:
    """Read blocks until the cursor says done: (all output, how many blocks)."""
    out = []
    for n in range(1, limit):
        chunk, done = cursor.read(block)
        out.append(chunk)
        if done:
            return np.concatenate(out), n
    raise AssertionError("the cursor never finished")


# --- position maths ------------------------------------------------------------------------


def test_frames_and_milliseconds():
    assert ms_to_frame(1500, 16000) == 24000
    assert frame_to_ms(24000, 16000) == 1500
    assert ms_to_frame(-5, 16000) == 0


@pytest.mark.parametrize("speed", SPEEDS)
def test_a_region_lasts_its_length_divided_by_the_speed(speed):
    assert output_length(16000, speed) == math.ceil(16000 / speed)
    assert source_advance(output_length(16000, speed), speed) == 16000
    assert output_length(7, speed) * speed >= 7  # never cut short by rounding
    assert source_advance(1000, speed) == int(1000 * speed)


def test_speeds_offered_are_half_to_double():
    assert SPEEDS == (0.5, 0.75, 1.0, 1.25, 1.5, 2.0)


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


@pytest.mark.parametrize("speed", SPEEDS)
def test_the_playhead_reports_the_source_position_at_every_speed(speed):
    cursor = PlaybackCursor(tone(3), RATE, start_ms=1000, end_ms=2000, speed=speed)
    cursor.read(1600)  # 100 ms of output...
    assert cursor.position_ms == 1000 + round(100 * speed)  # ...is 100·speed ms of the file
    drain(cursor)
    assert cursor.finished and cursor.position_ms == 2000  # ends exactly on the region's end
    assert abs(cursor.out_frames - RATE / speed) < 1  # after 1 s / speed of output


@pytest.mark.parametrize("speed", [0.5, 0.75, 1.25, 2.0])
def test_time_stretch_keeps_the_pitch(speed):
    cursor = PlaybackCursor(tone(2), RATE, start_ms=0, end_ms=None, speed=speed)
    out, _ = drain(cursor)
    sound = out[: cursor.out_frames]
    assert abs(len(sound) - 2 * RATE / speed) <= 1
    assert pitch(sound) == pytest.approx(440, rel=0.02)  # resampling would give 440·speed
    assert np.abs(sound).max() == pytest.approx(0.5, rel=0.1)  # no dropouts or clipping
    assert np.abs(sound[: -RATE // 20]).min() < 0.5  # it is a tone, not a constant


def test_at_normal_speed_the_samples_pass_through_untouched():
    samples = tone(1)
    cursor = PlaybackCursor(samples, RATE, start_ms=100, end_ms=600)
    out, _ = drain(cursor, block=700)
    assert np.array_equal(out[:8000], samples[1600:9600])


def test_a_looped_region_wraps_to_its_start():
    samples = np.arange(RATE, dtype=np.float32)
    cursor = PlaybackCursor(samples, RATE, start_ms=100, end_ms=200, loop=True)
    chunk, done = cursor.read(2000)  # 125 ms from a 100 ms region: wraps once
    assert not done and cursor.loops == 1
    assert chunk[1599] == 3199 and chunk[1600] == 1600  # end of the cue, then its start again
    assert cursor.position_ms == 125
    cursor.loop = False  # "loop cue" switched off: this pass is the last
    _, done = cursor.read(2000)
    assert done and cursor.position_ms == 200


def test_changing_speed_goes_on_from_the_playhead_and_loops_from_the_cue_start():
    cursor = PlaybackCursor(tone(3), RATE, start_ms=1000, end_ms=2000, loop=True)
    cursor.read(4000)  # 250 ms at 1×
    assert cursor.position_ms == 1250
    cursor.set_speed(2.0)
    cursor.read(4000)  # 250 ms of output at 2× = 500 ms of the file
    assert cursor.position_ms == 1750
    cursor.read(2000 + 800)  # to the end (250 ms of file), then 50 ms of file into the next pass
    assert cursor.loops == 1 and cursor.position_ms == 1100


# --- a real PortAudio stream on a null sound card ------------------------------------------
# The machine (CI) has no sound card. ALSA's `null` device swallows audio but at no pace at all,
# so it sits behind ALSA's `file` plugin writing to a FIFO that a thread here drains at the
# stream's byte rate, with the pipe shrunk to one page: the stream is paced like a sound card
# with ~64 ms of buffer. alsa-lib reads ALSA_CONFIG_PATH when PortAudio is (re)initialised.

ALSA_CONF = """\
pcm.!default {{ type file slave.pcm "wavescribe_null" file "{fifo}" format "raw" }}
pcm.wavescribe_null {{ type null }}
"""
F_SETPIPE_SZ = 1031


class PacedSink(threading.Thread):
    """Reads the FIFO at ``bytes_per_s``, as a sound card's clock would."""

    def __init__(self, fifo: Path, bytes_per_s: int) -> None:
        super().__init__(name="paced-null-sink", daemon=True)
        os.mkfifo(fifo)
        self.fd = os.open(fifo, os.O_RDWR | os.O_NONBLOCK)  # RDWR: writers never block on open
        fcntl.fcntl(self.fd, F_SETPIPE_SZ, 4096)
        self.bytes_per_s = bytes_per_s
        self.consumed = 0
        self.halt = threading.Event()

    def run(self) -> None:
        clock = 0.0
        while not self.halt.is_set():
            if not select.select([self.fd], [], [], 0.02)[0]:
                continue
            try:
                n = len(os.read(self.fd, 1024))
            except BlockingIOError:
                continue
            now = time.monotonic()
            clock = max(clock, now - 0.01)  # idle gaps are not owed
            clock += n / self.bytes_per_s
            self.consumed += n
            if clock > now:
                time.sleep(clock - now)

    def close(self) -> None:
        self.halt.set()
        self.join(5)
        os.close(self.fd)


@pytest.fixture
def null_sound_card(tmp_path: Path) -> Iterator[PacedSink]:
    import sounddevice as sd

    sink = PacedSink(tmp_path / "sink.fifo", RATE * 4)  # float32 mono
    conf = tmp_path / "asound.conf"
    conf.write_text(ALSA_CONF.format(fifo=tmp_path / "sink.fifo"))
    old = os.environ.get("ALSA_CONFIG_PATH")
    os.environ["ALSA_CONFIG_PATH"] = str(conf)
    sd._terminate()
    sd._initialize()
    sink.start()
    try:
        why = audio_unavailable()
        if why is not None:  # never a skip: CI must exercise a real stream
            pytest.fail(
                f"the ALSA null sound card could not be opened ({why}); it needs PortAudio with "
                "ALSA (libportaudio2, libasound2): run `bash packaging/bootstrap.sh dev` as root"
            )
        yield sink
    finally:
        if old is None:
            del os.environ["ALSA_CONFIG_PATH"]
        else:
            os.environ["ALSA_CONFIG_PATH"] = old
        sd._terminate()
        sd._initialize()
        sink.close()


def play_and_watch(qtbot, player: Player, start: int, end: int, **kw) -> tuple[float, list]:
    """Play a region to its end: (wall seconds, [(wall s, position ms)] seen meanwhile)."""
    seen: list[tuple[float, int]] = []
    t0 = time.monotonic()
    player.position.connect(lambda ms: seen.append((time.monotonic() - t0, ms)))
    assert player.play(start, end, **kw)
    qtbot.waitUntil(lambda: not player.is_playing, timeout=10_000)
    return time.monotonic() - t0, seen


@pytest.mark.parametrize(("speed", "region_ms"), [(1.0, 1000), (2.0, 1000), (0.5, 500)])
def test_the_playhead_advances_at_the_chosen_speed_on_a_real_stream(
    qtbot, null_sound_card, speed, region_ms
):
    player = Player()
    player.set_audio(tone(3), RATE)
    player.set_speed(speed)
    wall, seen = play_and_watch(qtbot, player, 1000, 1000 + region_ms)
    expected = region_ms / speed / 1000  # 1 s at 2× is 0.5 s; 0.5 s at 0.5× is 1 s
    assert expected - 0.15 < wall < expected + 0.35, f"{wall:.2f} s of wall time at {speed}×"
    assert player.position_ms == 1000 + region_ms  # the source position, not output time
    middle = [(t, ms) for t, ms in seen if 1100 < ms < 1000 + region_ms - 100]
    assert len(middle) >= 3, seen
    slope = np.polyfit([t for t, _ in middle], [ms for _, ms in middle], 1)[0] / 1000
    assert slope == pytest.approx(speed, rel=0.25), f"the playhead moved at {slope:.2f}×"
    sent = output_length(region_ms * RATE // 1000, speed) * 4  # float32 bytes
    assert null_sound_card.consumed >= sent - 8192  # all but what is still in the pipe


def test_a_looped_cue_repeats_until_stopped_on_a_real_stream(qtbot, null_sound_card):
    player = Player()
    player.set_audio(tone(3), RATE)
    player.set_speed(1.5)
    positions: list[int] = []
    player.position.connect(positions.append)
    assert player.play(1000, 1300, loop=True)
    qtbot.waitUntil(lambda: player.cursor is not None and player.cursor.loops >= 3, timeout=5000)
    assert player.is_playing  # a loop does not end by itself
    assert all(1000 <= ms <= 1300 for ms in positions)
    assert any(b < a for a, b in itertools.pairwise(positions))  # it wrapped
    player.stop()
    assert not player.is_playing
    consumed, stopped_at = null_sound_card.consumed, player.position_ms
    qtbot.wait(200)
    assert player.position_ms == stopped_at  # the playhead stays put...
    assert null_sound_card.consumed - consumed <= 4096 + 1024  # ...and no more audio flows


def test_stop_ends_a_long_play_at_once(qtbot, null_sound_card):
    player = Player()
    player.set_audio(tone(3), RATE)
    assert player.play(0)
    qtbot.waitUntil(lambda: player.position_ms >= 300, timeout=3000)
    t0 = time.monotonic()
    player.stop()
    assert time.monotonic() - t0 < 0.2 and not player.is_playing
    assert 300 <= player.position_ms < 1000


def test_without_a_device_play_reports_why(qtbot):
    player = Player()
    reasons: list[str] = []
    player.unavailable.connect(reasons.append)
    assert not player.play(0)  # no audio yet
    assert reasons[-1] == "Cannot play: the audio is still loading"
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


# --- the editor's speed choice and loop toggle ----------------------------------------------


@pytest.fixture
def editor(qtbot):
    from wavescribe.core.transcript import Segment, SourceInfo, Transcript
    from wavescribe.gui.editor.editor_widget import EditorPanel

    panel = EditorPanel()
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitExposed(panel)
    segs = [Segment(500, 800, "one"), Segment(1500, 2500, "two")]
    panel.load(Transcript(segs, "en", SourceInfo("tone.wav", 3000)), None)
    panel.player.set_audio(tone(3), RATE)
    yield panel
    panel.shutdown()


def test_speed_shortcuts_and_the_speed_box_agree(qtbot, editor):
    box, player = editor.transport.speed_box, editor.player
    assert box.currentText() == "1×" and player.speed == 1.0
    editor.table.setFocus()
    up = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    qtbot.keyClick(editor.table, Qt.Key.Key_Up, up)
    assert player.speed == 1.25 and box.currentText() == "1.25×"
    for _ in range(5):
        qtbot.keyClick(editor.table, Qt.Key.Key_Up, up)
    assert player.speed == 2.0  # stops at 2×
    for _ in range(9):
        qtbot.keyClick(editor.table, Qt.Key.Key_Down, up)
    assert player.speed == 0.5 and box.currentText() == "0.5×"
    box.setCurrentIndex(box.findText("1.5×"))
    assert player.speed == 1.5


def test_loop_cue_repeats_the_selected_cue_until_switched_off(qtbot, editor, null_sound_card):
    editor.select(0)
    editor.table.setFocus()
    qtbot.keyClick(editor.table, Qt.Key.Key_L)
    assert editor.actions_by_name["loop"].isChecked()
    assert editor.transport.loop_button.isChecked()
    editor.actions_by_name["speed_up"].trigger()  # 1.25×
    editor.play_cue()
    player = editor.player
    qtbot.waitUntil(lambda: player.cursor is not None and player.cursor.loops >= 2, timeout=5000)
    assert player.is_playing and 500 <= player.position_ms <= 800
    qtbot.keyClick(editor.table, Qt.Key.Key_L)  # off: this pass is the last
    qtbot.waitUntil(lambda: not player.is_playing, timeout=3000)
    assert player.position_ms == 800

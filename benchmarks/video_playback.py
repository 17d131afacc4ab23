"""The editor playing a video with 3,000 cues: how long the GUI thread stalls while the playhead
moves and frames arrive.

    python benchmarks/video_playback.py [--minutes 5] [--cues 3000] [--seconds 20] [--size 640x360]

Encodes a synthetic video (moving gradients, a counter band; MPEG-4 Part 2 + PCM sound in
Matroska, written once into a temporary folder, not timed), opens it in a real ``EditorPanel``
(offscreen Qt, 1600x900, the video panel beside the waveform) with 3,000 cues, then plays
``--seconds`` of it: the playhead advances in real time through the Player's own ``position``
signal every 30 ms (what ``Player._poll`` sends while PortAudio plays; no sound card is needed),
and the video panel decodes each frame on its worker thread. A 2 ms timer on the GUI thread
measures the event loop's gaps (the time between two of its ticks, less nothing: a gap *is* how
long the loop could not run). Then the same while seeking to a random place every 100 ms.

Prints p50 / p95 / max of the gaps, how many frames were shown against how many the video had in
that time, and the decoder's seeks. Target: p95 <= 16 ms.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "app"))

import numpy as np

from wavescribe.core.transcript import Segment, SourceInfo, Transcript

FPS = 25
RATE = 16000


def make_video(path: Path, minutes: float, width: int, height: int) -> Path:
    """A video whose every frame differs (so no frame is a cheap repeat), with quiet sound."""
    import av

    frames = int(minutes * 60 * FPS)
    with av.open(str(path), "w") as out:
        video = out.add_stream("mpeg4", rate=FPS)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        video.bit_rate = 1_500_000
        video.codec_context.gop_size = 50  # a keyframe every 2 s, as a camera might
        audio = out.add_stream("pcm_s16le", rate=RATE, layout="mono")
        y, x = np.mgrid[0:height, 0:width]
        base = np.stack([x * 255 // width, y * 255 // height, (x + y) % 256], axis=2)
        base = base.astype(np.uint8)
        for i in range(frames):
            img = base + np.uint8(i * 3 % 256)  # wraps around: a moving gradient
            img[height - 40 : height - 20, (i * 7) % width : (i * 7) % width + 40] = 255
            frame = av.VideoFrame.from_ndarray(img, format="rgb24")
            frame.pts = i
            frame.time_base = Fraction(1, FPS)
            for packet in video.encode(frame):
                out.mux(packet)
        for packet in video.encode():
            out.mux(packet)
        t = np.arange(int(minutes * 60 * RATE)) / RATE
        sound = (0.1 * np.sin(2 * np.pi * 220 * t) * (np.sin(t) > 0) * 32767).astype(np.int16)
        for k in range(0, len(sound), RATE):
            block = av.AudioFrame.from_ndarray(
                sound[None, k : k + RATE], format="s16", layout="mono"
            )
            block.sample_rate, block.pts = RATE, k
            for packet in audio.encode(block):
                out.mux(packet)
        for packet in audio.encode():
            out.mux(packet)
    return path


def transcript(duration_ms: int, cues: int) -> Transcript:
    slot = duration_ms // cues
    segs = [
        Segment(
            i * slot, i * slot + slot * 8 // 10, f"Cue {i}: a line of subtitle text\nand a second"
        )
        for i in range(cues)
    ]
    return Transcript(segs, "en", SourceInfo("synthetic.mkv", duration_ms))


class GapMeter:
    """Every gap between ticks of a 2 ms timer on the GUI thread (s)."""

    def __init__(self) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.gaps: list[float] = []
        self._last = time.perf_counter()
        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(2)
        self._timer.timeout.connect(self._tick)
        self._timer.start()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.gaps.append(now - self._last)
        self._last = now

    def stop(self) -> list[float]:
        self._timer.stop()
        return self.gaps


def run(app, editor, seconds: float, step) -> tuple[list[float], int]:
    """Drive the playhead with ``step(elapsed_s)`` every 30 ms for ``seconds``: (gaps, frames)."""
    from PySide6.QtCore import QTimer

    from wavescribe.gui.editor.playback import POLL_MS

    shown: list[int] = []
    editor.video.frame_shown.connect(shown.append)
    gc.collect()
    meter = GapMeter()
    t0 = time.perf_counter()
    poll = QTimer()
    poll.setInterval(POLL_MS)
    poll.timeout.connect(lambda: step(time.perf_counter() - t0))
    poll.start()
    while time.perf_counter() - t0 < seconds:
        app.processEvents()
        time.sleep(0.0005)
    poll.stop()
    gaps = meter.stop()
    editor.video.frame_shown.disconnect(shown.append)
    return gaps, len(shown)


def report(name: str, gaps: list[float], frames: int, expected: int) -> float:
    ms = np.array(gaps) * 1000
    p50, p95, p99, worst = (float(np.percentile(ms, q)) for q in (50, 95, 99, 100))
    late = int(np.sum(ms > 16))
    at = int(np.argmax(ms)) * 100 // max(1, len(ms) - 1)
    print(
        f"{name:30} {p50:6.2f} {p95:6.2f} {p99:6.2f} {worst:7.2f} (at {at:3d} %)  "
        f"{late:4d} over 16 ms of {len(ms)}   frames shown {frames} of {expected}"
    )
    return p95


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=5.0)
    ap.add_argument("--cues", type=int, default=3000)
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--size", default="640x360")
    args = ap.parse_args()
    width, height = (int(v) for v in args.size.split("x"))

    from wavescribe.gui.app import create_app
    from wavescribe.gui.editor.editor_widget import EditorPanel

    app = create_app()
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        video = make_video(Path(tmp) / "synthetic.mkv", args.minutes, width, height)
        print(
            f"video: {args.minutes:g} min {width}x{height} {FPS} fps MPEG-4 "
            f"({video.stat().st_size / 1e6:.0f} MB, encoded in {time.perf_counter() - t0:.0f} s), "
            f"{args.cues} cues"
        )
        duration = int(args.minutes * 60_000)
        editor = EditorPanel()
        editor.resize(1600, 900)
        editor.show()
        editor.load(transcript(duration, args.cues), str(video))
        deadline = time.monotonic() + 120
        while (
            editor.video.frame is None or editor.samples is None
        ) and time.monotonic() < deadline:
            app.processEvents()
            time.sleep(0.005)
        assert editor.video.frame is not None, "no video frame arrived"
        size = editor.video.frame_size()
        print(
            f"video panel {editor.video.width()}x{editor.video.height()}, "
            f"frames decoded at {size[0]}x{size[1]}"
        )
        player = editor.player
        start = duration // 3

        def play(elapsed: float) -> None:  # what Player._poll does while PortAudio plays
            player.position_ms = start + int(elapsed * 1000)
            player.position.emit(player.position_ms)

        rng = np.random.default_rng(1)

        def jump(elapsed: float) -> None:
            if int(elapsed * 10) != getattr(jump, "last", -1):
                jump.last = int(elapsed * 10)  # type: ignore[attr-defined]
                player.seek(int(rng.integers(0, duration)))

        print(f"GUI-thread gaps, ms {'':11} {'p50':>6} {'p95':>6} {'p99':>6} {'max':>7}")
        gaps, frames = run(app, editor, args.seconds, play)
        p95 = report("playing (1x, 30 ms playhead)", gaps, frames, int(args.seconds * FPS))
        gaps, frames = run(app, editor, min(args.seconds, 10.0), jump)
        report("seeking every 100 ms", gaps, frames, int(min(args.seconds, 10.0) * 10))
        print(f"target p95 <= 16 ms while playing: {'met' if p95 <= 16 else 'NOT met'}")
        editor.shutdown()
    sys.stdout.flush()
    os._exit(0)  # PySide6 6.12 can crash tearing down at exit; the figures are out


if __name__ == "__main__":
    main()

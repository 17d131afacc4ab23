"""The editor's timeline on a 3-hour file with 3,000 cues: first paint, drag repaints, peak speed.

    python benchmarks/timeline.py [--hours 3] [--cues 3000] [--steps 200]

Prints: peak computation speed (× real time, from a synthetic signal fed in 1 M-sample blocks),
time to first waveform from the peak cache (as when a saved project is re-opened: the editor is
given the audio path, finds ``talk.wspeaks`` beside ``talk.wsproj``, reads it on a worker thread
and paints the whole file; the audio itself is a sparse placeholder of the right size, whose
decoding then fails harmlessly and is not timed),
and the p50/p95 time of one drag step (mouse move → command → list update → repaint of the
waveform) while dragging an edge at cue zoom and at whole-file zoom, plus a cold repaint at
whole-file zoom (the peak slice is redrawn every time). Target: p95 ≤ 16 ms.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "app"))

import numpy as np

from wavescribe.core.audio.facts import AudioFacts
from wavescribe.core.audio.peaks import PeakPyramid, cache_path_for
from wavescribe.core.transcript import Segment, SourceInfo, Transcript, Word

RATE = 16000


def synthetic_blocks(seconds: int, block_s: int = 60):
    """Speech-like bursts; one minute generated once and fed again (generation is not timed)."""
    t = np.arange(block_s * RATE, dtype=np.float32) / RATE
    rng = np.random.default_rng(0)
    minute = (rng.standard_normal(len(t)).astype(np.float32) * 0.2) * (np.sin(t * 2.1) > -0.2)
    for _ in range(seconds // block_s):
        yield minute


def transcript(duration_ms: int, cues: int) -> Transcript:
    slot = duration_ms // cues
    segs = []
    for i in range(cues):
        start, end = i * slot, i * slot + slot * 7 // 10
        third = (end - start) // 3
        words = [
            Word(start + k * third, start + (k + 1) * third, f" {t}")
            for k, t in enumerate(("cue", str(i), "text"))
        ]
        segs.append(Segment(start, end, f"cue {i} text", words))
    return Transcript(segs, "en", SourceInfo("synthetic.wav", duration_ms))


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values) * 1000, q))


def drag_steps(qtest, editor, index: int, steps: int) -> list[float]:
    """Drag cue ``index``'s end back and forth with real mouse events; time each step."""
    from PySide6.QtCore import QPoint, Qt

    wf = editor.waveform
    seg = editor.stack.doc[index]
    x0, y = round(wf.x_of(seg.end)), wf.height() // 2
    qtest.mousePress(wf, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(x0, y))
    times = []
    for i in range(steps):
        x = x0 - 40 + (i * 7) % 80
        t0 = time.perf_counter()
        qtest.mouseMove(wf, QPoint(x, y))
        wf.repaint()
        times.append(time.perf_counter() - t0)
    qtest.mouseRelease(wf, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(x0, y))
    return times


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--hours", type=float, default=3.0)
    ap.add_argument("--cues", type=int, default=3000)
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--screenshots", type=Path, help="save PNGs of the editor at two zooms here")
    args = ap.parse_args()
    seconds = int(args.hours * 3600)

    t0 = time.perf_counter()
    pyramid = PeakPyramid.compute(synthetic_blocks(seconds), RATE)
    compute_s = time.perf_counter() - t0
    print(f"audio: {seconds / 3600:.1f} h synthetic, {args.cues} cues")
    print(f"peak computation: {compute_s:.2f} s = {seconds / compute_s:,.0f}× real time")

    from PySide6.QtTest import QTest

    from wavescribe.core.project.peak_cache import PeakCache
    from wavescribe.gui.app import create_app
    from wavescribe.gui.editor.editor_widget import EditorPanel

    app = create_app()
    peaks = PeakCache()  # the workspace's, in the app
    editor = EditorPanel(peak_cache=peaks)
    editor.resize(1600, 700)
    editor.show()
    app.processEvents()
    messages: list[str] = []
    editor.message.connect(messages.append)
    with tempfile.TemporaryDirectory() as tmp:
        audio, project = Path(tmp) / "talk.wav", Path(tmp) / "talk.wsproj"
        with open(audio, "wb") as f:
            f.truncate(44 + 2 * pyramid.n_samples)  # only its size and mtime are checked
        project.write_text("{}")  # the peaks go beside it; its content does not matter here
        pyramid.source = AudioFacts.of(audio, pyramid.duration_ms, content=False)
        pyramid.save(cache_path_for(project))
        peaks.remember_project(audio, project)  # what opening the project does
        cues = transcript(pyramid.duration_ms, args.cues)
        t0 = time.perf_counter()
        editor.load(cues, str(audio))
        while editor.waveform.pyramid is None:
            app.processEvents()
            time.sleep(0.001)
        editor.waveform.repaint()
        first_s = time.perf_counter() - t0
        assert editor.waveform.pyramid.path == cache_path_for(project)
        deadline = time.monotonic() + 30
        while not messages and time.monotonic() < deadline:  # the placeholder's decode failing
            app.processEvents()
            time.sleep(0.01)
    print(
        "first waveform from the peak cache beside the project "
        f"(read on a worker + paint, whole file): {first_s * 1000:.0f} ms"
    )

    wf = editor.waveform
    mid = args.cues // 2
    seg = editor.stack.doc[mid]
    wf.viewport.show_range(seg.start - 5000, seg.end + 5000)
    wf.repaint()
    rows = [("drag an edge, cue zoom", drag_steps(QTest, editor, mid, args.steps))]
    wf.fit_all()
    wf.repaint()
    rows.append(("drag an edge, whole file", drag_steps(QTest, editor, mid, args.steps)))
    cold = []
    for _ in range(min(args.steps, 50)):
        wf._wave_cache = None  # as after a scroll or zoom: the peaks are sliced and drawn again
        t0 = time.perf_counter()
        wf.repaint()
        cold.append(time.perf_counter() - t0)
    rows.append(("repaint, whole file, no pixmap cache", cold))
    print(f"view: {wf.width()} px wide; times in ms")
    print(f"{'':40} {'p50':>7} {'p95':>7} {'max':>7}")
    for name, values in rows:
        p50, p95 = percentile(values, 50), percentile(values, 95)
        print(f"{name:40} {p50:7.2f} {p95:7.2f} {max(values) * 1000:7.2f}")
    if args.screenshots:
        args.screenshots.mkdir(parents=True, exist_ok=True)
        wf.fit_all()
        editor.grab().save(str(args.screenshots / "editor-whole-file.png"))
        editor.select(mid)
        wf.viewport.show_range(seg.start - 300, seg.end + 300)
        wf._changed_view()
        editor.grab().save(str(args.screenshots / "editor-word-zoom.png"))
        print(f"screenshots in {args.screenshots}")
    editor.close()
    sys.stdout.flush()
    os._exit(0)  # PySide6 6.12 can crash tearing down at exit; the figures are out


if __name__ == "__main__":
    main()

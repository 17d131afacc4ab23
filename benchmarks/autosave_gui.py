"""How soon an edit is on disk, and what autosaving and closing cost the GUI thread.

    python benchmarks/autosave_gui.py [--cues 2000] [--runs 5]

A real main window (offscreen) edits a transcript of ``--cues`` cues in its editor (deletes one
cue) and measures, per run: the wall time from the edit until the autosave file holds it (the
debounce is ``ProjectActions.AUTOSAVE_DEBOUNCE_MS``, the write runs off the GUI thread), the
longest GUI-thread stall meanwhile (a 10 ms timer's worst gap), and the synchronous ``flush``
that closing does when an edit is not yet on disk (the worst case: an edit right before quitting).
Fresh data and settings folders in a temporary directory.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cues", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="wavescribe-autosave-bench-"))
    os.environ["WAVESCRIBE_DATA_DIR"] = str(scratch / "data")
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QSettings

    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(scratch / "cfg"))

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from wavescribe.core.transcript import Segment, Transcript
    from wavescribe.gui.app import create_app
    from wavescribe.gui.main_window import MainWindow
    from wavescribe.gui.projects import ProjectActions

    app = create_app()
    folder = scratch / "data" / "autosave"
    audio = ROOT / "missing.wav"  # no audio needed to edit and autosave
    latencies, stalls, flushes = [], [], []

    def pump_until(done, timeout: float = 30.0) -> None:
        end = time.monotonic() + timeout
        while not done():
            if time.monotonic() > end:
                raise TimeoutError("no autosave appeared")
            app.processEvents()
            time.sleep(0.002)

    def on_disk_cues() -> int:
        files = list(folder.glob("*.wsproj")) if folder.is_dir() else []
        if len(files) != 1:
            return -1
        try:
            return len(json.loads(files[0].read_text())["transcript"]["segments"])
        except (OSError, ValueError):
            return -1  # replaced while read

    for _ in range(args.runs):
        cues = [Segment(i * 1000, i * 1000 + 800, f" cue number {i}") for i in range(args.cues)]
        window = MainWindow()
        window.show()
        window.workspace.add_transcript(audio, Transcript(cues, "en"))
        pump_until(lambda w=window: w.editor is not None)
        window.projects.autosave_now()
        pump_until(lambda n=args.cues: on_disk_cues() == n)

        worst, last = [0.0], [time.monotonic()]

        def tick(worst=worst, last=last) -> None:
            now = time.monotonic()
            worst[0], last[0] = max(worst[0], now - last[0]), now

        timer = QTimer()
        timer.setInterval(10)
        timer.timeout.connect(tick)
        timer.start()
        started = time.perf_counter()
        window.editor.select(1)
        window.editor.actions_by_name["delete"].trigger()
        pump_until(lambda n=args.cues - 1: on_disk_cues() == n)
        latencies.append(time.perf_counter() - started)
        timer.stop()
        stalls.append(worst[0])

        window.editor.select(1)
        window.editor.actions_by_name["delete"].trigger()  # not yet on disk: close flushes it
        t0 = time.perf_counter()
        window.projects.flush()
        flushes.append(time.perf_counter() - t0)
        assert on_disk_cues() == args.cues - 2
        window.projects.discard(window.projects.unsaved_jobs())
        window.close()
        window.deleteLater()
        app.processEvents()
        for leftover in folder.glob("*"):
            leftover.unlink()

    def row(name: str, values: list[float]) -> str:
        ms = [v * 1000 for v in values]
        return f"{name:<34} min {min(ms):8.1f} ms   median {statistics.median(ms):8.1f} ms"

    print(f"{args.cues} cues, {args.runs} runs, debounce {ProjectActions.AUTOSAVE_DEBOUNCE_MS} ms")
    print(row("edit -> autosave on disk", latencies))
    print(row("worst GUI stall while autosaving", stalls))
    print(row("flush at close (GUI thread)", flushes))
    QApplication.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main())

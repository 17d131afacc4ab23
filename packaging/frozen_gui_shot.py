"""Start the frozen app's window on a fresh Xvfb display, with no Python around it, and save a
screenshot of the screen: the check that the packaged GUI really starts.

    python packaging/frozen_gui_shot.py dist/wavescribe/wavescribe out/frozen-gui.png
    python packaging/frozen_gui_shot.py APP OUT.png resources/samples/welcome.flac  # + a job

The app runs under ``env -i`` (PATH=/usr/bin:/bin, an empty HOME, only DISPLAY); the screenshot
is taken by this script's own Qt, connected to the same X display, once a top-level window named
Wavescribe is mapped. Exit code 0 only if the window appeared and the app was still running.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from xvfb import start_xvfb


def main(
    app: Path, out: Path, files: list[Path], display: str = ":97", wait_s: float = 30.0
) -> int:
    """With ``files``, the app opens with them queued and the shot waits for the transcription
    (the frozen engine worker, the bundled model) to finish: up to a minute per file."""
    xvfb = start_xvfb(display)
    with tempfile.TemporaryDirectory() as home:
        env = {"PATH": "/usr/bin:/bin", "HOME": home, "DISPLAY": display, "LANG": "C.UTF-8"}
        proc = subprocess.Popen([str(app), *map(str, files)], env=env, cwd=home)
        try:
            os.environ["QT_QPA_PLATFORM"] = "xcb"
            from PySide6.QtGui import QGuiApplication

            qt = QGuiApplication([])
            deadline = time.monotonic() + wait_s
            while time.monotonic() < deadline and not _window_mapped(display):
                if proc.poll() is not None:
                    print(f"frozen app exited with {proc.returncode} before showing a window")
                    return 1
                time.sleep(0.2)
            time.sleep(1.5 + 20.0 * len(files))  # let it paint (and transcribe the files)
            shot = qt.primaryScreen().grabWindow(0)
            out.parent.mkdir(parents=True, exist_ok=True)
            shot.save(str(out))
            alive = proc.poll() is None
            print(f"screenshot: {out} ({shot.width()}x{shot.height()}); app running: {alive}")
            return 0 if alive and _window_mapped(display) else 1
        finally:
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
            xvfb.terminate()


def _window_mapped(display: str) -> bool:
    """Whether a window titled Wavescribe is on the display (asks xwininfo, from x11-utils)."""
    try:
        tree = subprocess.run(
            ["xwininfo", "-root", "-tree", "-display", display],
            capture_output=True,
            text=True,
            timeout=5,
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return False
    return "Wavescribe" in tree


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    extra = [Path(f).resolve() for f in sys.argv[3:]]
    raise SystemExit(main(Path(sys.argv[1]).resolve(), Path(sys.argv[2]), extra))

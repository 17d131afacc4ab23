"""Start-up time of the desktop app: process start to the main window's first paint.

    python benchmarks/startup.py [--runs 5] [--offscreen]

Runs the real ``wavescribe`` command (or ``python -m wavescribe.gui`` with ``--offscreen``) with
``WAVESCRIBE_STARTUP_REPORT=exit``: the app prints one line at its first paint (seconds since its
process started, and which heavy modules are loaded) and quits. Uses the X display in
``DISPLAY``, else starts ``Xvfb :98``. Fresh settings and data folders, so it is a first run.
The target is 1.5 s; torch, stable_whisper, _pywhispercpp and PyAV must not be loaded.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_S = 1.5
FORBIDDEN = {"torch", "stable_whisper", "_pywhispercpp", "av"}


def start_xvfb(display: str = ":98") -> subprocess.Popen:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from xvfb import start_xvfb as start

    return start(display)


def one_start(command: list[str], env: dict[str, str]) -> tuple[float, dict]:
    """Wall time from spawning the process to reading its first-paint line, and the report."""
    started = time.perf_counter()
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None
    for raw in proc.stdout:
        line = raw.decode(errors="replace")
        if line.startswith("WAVESCRIBE_STARTUP "):
            wall = time.perf_counter() - started
            report = json.loads(line.split(" ", 1)[1])
            proc.wait(30)
            return wall, report
    proc.wait(30)
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    raise RuntimeError(f"the app exited ({proc.returncode}) without showing a window:\n{err}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--offscreen", action="store_true", help="no X display: Qt offscreen")
    args = parser.parse_args()

    xvfb = None
    env = dict(os.environ)
    if args.offscreen:
        env["QT_QPA_PLATFORM"] = "offscreen"
        command = [sys.executable, "-m", "wavescribe.gui"]
    else:
        if not env.get("DISPLAY"):
            xvfb = start_xvfb()
            env["DISPLAY"] = os.environ["DISPLAY"]
        env.pop("QT_QPA_PLATFORM", None)
        script = Path(sys.executable).with_name("wavescribe")
        command = [str(script)] if script.exists() else [sys.executable, "-m", "wavescribe"]
    scratch = Path(tempfile.mkdtemp(prefix="wavescribe-startup-"))
    env.update(
        WAVESCRIBE_STARTUP_REPORT="exit",
        WAVESCRIBE_DATA_DIR=str(scratch / "data"),
        XDG_CONFIG_HOME=str(scratch / "config"),
    )
    try:
        walls, inside, heavy = [], [], set()
        for i in range(args.runs):
            wall, report = one_start(command, env)
            walls.append(wall)
            inside.append(report["shown_after_s"])
            heavy |= set(report["heavy_modules"])
            own = report["shown_after_s"]
            print(
                f"run {i + 1}: window painted {wall:.3f} s after spawn (app's clock: {own:.3f} s)"
            )
    finally:
        if xvfb is not None:
            xvfb.terminate()
            xvfb.wait()
        shutil.rmtree(scratch, ignore_errors=True)

    best, median = min(walls), statistics.median(walls)
    platform = "offscreen" if args.offscreen else f"X display {env['DISPLAY']}"
    print(f"\n{' '.join(Path(c).name for c in command)} on {platform}, {args.runs} runs")
    print(
        f"cold start to first paint: first {walls[0]:.3f} s, best {best:.3f} s, "
        f"median {median:.3f} s (target {TARGET_S} s)"
    )
    print(f"heavy modules loaded at first paint: {sorted(heavy) or 'none'}")
    print(f"torch imported: {'torch' in heavy}")
    ok = median <= TARGET_S and not (heavy & FORBIDDEN)
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""Start a virtual X display for scripts that need a real window (screenshots, start-up timing)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path


def start_xvfb(display: str) -> subprocess.Popen:
    """Run ``Xvfb display``, wait for its socket, set DISPLAY; exit with a message on failure."""
    if shutil.which("Xvfb") is None:
        sys.exit("Xvfb is not installed: apt-get install xvfb (and the xcb libraries in NOTES.md)")
    proc = subprocess.Popen(
        ["Xvfb", display, "-screen", "0", "1280x860x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    socket = Path(f"/tmp/.X11-unix/X{display.lstrip(':')}")
    deadline = time.monotonic() + 10
    while not socket.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            sys.exit(f"Xvfb did not start on {display}")
        time.sleep(0.05)
    os.environ["DISPLAY"] = display
    return proc

"""Where the real media and subtitle files we are given live (read in place, never copied).

By default ``shared/data`` beside the checkout, as on developer machines and CI; the environment
variable ``WAVESCRIBE_TEST_DATA`` points elsewhere. Missing data stops the run (see conftest):
a test that silently skipped for lack of its input would hide a failure.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("WAVESCRIBE_TEST_DATA", ROOT.parent / "shared" / "data"))
JFK_DIR = DATA / "speech" / "jfk"
JFK = JFK_DIR / "jfk.flac"
VIDEO_DIR = DATA / "formats" / "video"
BUNNY = VIDEO_DIR / "big_buck_bunny_small.mp4"  # 320x240, 25 fps, 5.3 s, with sound

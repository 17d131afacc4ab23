"""The architecture is enforced, not hoped for: headless core, lint-clean, lazy heavy imports."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[1]
BIN = Path(sys.executable).parent


def test_import_contracts_hold():
    """Headless core, one-way flow, the editor apart from its window, no cycles (pyproject)."""
    r = subprocess.run([BIN / "lint-imports"], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_ruff_is_clean():
    paths = [
        p for p in ("app", "tests", "benchmarks", "packaging", "setup.py") if (ROOT / p).exists()
    ]
    r = subprocess.run([BIN / "ruff", "check", *paths], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_ruff_format_is_clean():
    paths = [
        p for p in ("app", "tests", "benchmarks", "packaging", "setup.py") if (ROOT / p).exists()
    ]
    r = subprocess.run(
        [BIN / "ruff", "format", "--check", *paths], cwd=ROOT, capture_output=True, text=True
    )
    assert r.returncode == 0, r.stdout + r.stderr


def test_core_type_checks():
    """mypy --strict on the headless core (``strict = true`` in pyproject.toml)."""
    r = subprocess.run(
        [sys.executable, "-m", "mypy", "app/wavescribe/core"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stdout + r.stderr


def test_cli_start_up_does_not_import_torch_or_whisper():
    code = (
        "import sys, wavescribe.cli, wavescribe.core.engine.client, wavescribe.core.models.starter;"
        "wavescribe.cli.build_parser();"
        "heavy = {'torch', 'stable_whisper', '_pywhispercpp', 'av', 'PySide6'} & set(sys.modules);"
        "print(sorted(heavy))"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert r.stdout.strip() == "[]"

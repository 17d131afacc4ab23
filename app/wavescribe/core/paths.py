"""Where Wavescribe keeps its files (platformdirs), overridable for tests and portable installs."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "Wavescribe"


def data_dir() -> Path:
    """User data folder; ``WAVESCRIBE_DATA_DIR`` overrides it."""
    override = os.environ.get("WAVESCRIBE_DATA_DIR")
    return Path(override) if override else Path(platformdirs.user_data_dir(APP_NAME, False))


def models_dir() -> Path:
    """Folder of installed models: ``<data>/models``."""
    return data_dir() / "models"

"""Find the icon and the .desktop file from an installed wheel or from a source checkout.

The wheel carries copies under ``wavescribe/resources/`` (see setup.py); an editable install or a
checkout reads the repository's ``resources/`` folder.
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path

APP_ICON = "icons/wavescribe.svg"
DESKTOP_FILE = "wavescribe.desktop"


def resource_path(name: str) -> Path:
    """Absolute path of a resource such as ``icons/wavescribe.svg``; FileNotFoundError if absent."""
    try:
        packaged = importlib.resources.files("wavescribe") / "resources" / name
        if packaged.is_file():
            return Path(str(packaged))
    except (ModuleNotFoundError, OSError):  # pragma: no cover - odd installs only
        pass
    repo = Path(__file__).resolve().parents[3] / "resources" / name
    if repo.is_file():
        return repo
    raise FileNotFoundError(f"Wavescribe resource {name!r} is missing from this installation")


def app_icon():  # -> QIcon; typed loosely so importing this module stays Qt-free
    """The application icon (an empty icon when the resource is missing: never fatal)."""
    from PySide6.QtGui import QIcon

    try:
        return QIcon(str(resource_path(APP_ICON)))
    except FileNotFoundError:
        return QIcon()

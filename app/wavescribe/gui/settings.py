"""What the app remembers between runs (QSettings): recent files, folders, window state.

Every key lives here, so a reader sees at once what is persisted. Transcription options have their
own keys in ``options.py``.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

MAX_RECENT = 10

RECENT_FILES = "files/recent"
LAST_OPEN_DIR = "files/last_open_dir"
LAST_EXPORT_DIR = "export/last_dir"
LAST_EXPORT_FORMAT = "export/last_format"
LAST_PROJECT_DIR = "project/last_dir"
WINDOW_GEOMETRY = "window/geometry"
WINDOW_STATE = "window/state"
SPLITTER_STATE = "window/splitter"
# the editor's panes (video and waveform above the cue list) and whether the video is shown
EDITOR_SPLITTER = "editor/splitter"
EDITOR_TOP_SPLITTER = "editor/top_splitter"
SHOW_VIDEO = "editor/show_video"
WAVEFORM_GAIN = "view/waveform_gain"  # a factor, or "auto" (see editor.timeline.display_gain)


def settings() -> QSettings:
    """The app's settings store (organisation and app name are set by ``app.create_app``)."""
    return QSettings()


def recent_files() -> list[str]:
    value = settings().value(RECENT_FILES, [])
    if isinstance(value, str):  # QSettings returns a lone string for a one-item list
        return [value]
    return [str(v) for v in value] if isinstance(value, list) else []


def add_recent_file(path: str | Path) -> list[str]:
    """Put ``path`` first in the recent list (without duplicates) and return the new list."""
    path = str(Path(path).resolve())
    items = [path, *(p for p in recent_files() if p != path)][:MAX_RECENT]
    settings().setValue(RECENT_FILES, items)
    return items


def clear_recent_files() -> None:
    settings().remove(RECENT_FILES)


def get_dir(key: str) -> str:
    """A remembered folder, or the home folder when none is remembered or it has gone."""
    value = str(settings().value(key, "") or "")
    return value if value and Path(value).is_dir() else str(Path.home())


def set_dir(key: str, folder: str | Path) -> None:
    settings().setValue(key, str(folder))


def get_text(key: str, default: str = "") -> str:
    return str(settings().value(key, default) or default)


def set_value(key: str, value: object) -> None:
    settings().setValue(key, value)


def get_bytes(key: str) -> QByteArray | None:
    value = settings().value(key)
    return value if isinstance(value, QByteArray) else None


def get_bool(key: str, default: bool) -> bool:
    value = settings().value(key, default)
    if isinstance(value, str):  # the INI format gives "true" / "false" back
        return value.lower() in ("true", "1", "yes")
    return bool(value)

"""Autosave and crash recovery: what a killed app was editing is offered back at the next start.

Each running app is a *session* with two files in the autosave folder (``data_dir()/autosave``)::

    <session>.lock     {"pid": 1234, "started": "<process start token>"}: written first
    <session>.wsproj   the latest autosaved project, a normal project file plus an "autosave" block
    .<session>.*.part  a write in progress (left behind by a kill; removed with its session)

Both are written atomically, so a SIGKILL at any moment leaves the previous autosave or the new
one, never half of one. A clean exit removes both. At start-up, an autosave whose lock names a
process that is no longer running (or a PID that now belongs to a younger process) is from a
session that did not end cleanly: ``pending()`` offers it for recovery.

A session may instead end by *keeping* its autosave (``keep``): the file moves to ``kept/`` and
its lock goes. ``kept()`` lists those; the app restores them at its next start (finished
transcripts stay in its list across restarts until the user discards them). ``modified`` in the
autosave block says the transcript had edits that no project file holds.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wavescribe.core.paths import data_dir
from wavescribe.core.project.project_file import (
    PROJECT_SUFFIX,
    Project,
    ProjectError,
    encode_document,
    read_document,
    save_bytes,
)

LOCK_SUFFIX = ".lock"
KEPT_FOLDER = "kept"
_SESSION_RE = re.compile(r"^[A-Za-z0-9_-]{1,100}$")
# atomic_writer's temporary files: ".<target name>.<random>.part"
_TEMP_RE = re.compile(rf"(\{PROJECT_SUFFIX}|\{LOCK_SUFFIX})\.[^.]+\.part$")


@dataclass(frozen=True, slots=True)
class RecoveryItem:
    """An autosave left by a session that did not end cleanly."""

    session_id: str
    file: Path
    saved_at: float  # seconds since the epoch
    project_path: Path | None  # the .wsproj the user was editing; None if never saved
    cue_count: int
    audio_path: Path | None
    modified: bool = False  # it had edits that are in no project file

    def load(self) -> Project:
        """The recovered project; its ``path`` is the user's project file (if any)."""
        project = Project.from_dict(read_document(self.file), f"autosave {self.file.name}")
        project.path = self.project_path
        return project


def new_session_id() -> str:
    """A unique, file-name-safe id for one run of the app."""
    return f"{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{os.urandom(4).hex()}"


class AutosaveStore:
    """Autosaves of running sessions, and the ones crashed sessions left behind."""

    def __init__(self, root: str | os.PathLike[str] | None = None) -> None:
        self.root = Path(root) if root is not None else data_dir() / "autosave"
        # session -> (modified, snapshot) of the last write
        self._written: dict[str, tuple[bool, tuple[str, Any]]] = {}

    def write(self, session_id: str, project: Project, *, modified: bool = False) -> bool:
        """Autosave ``project`` for this session; False (and no disk access) when unchanged.

        ``modified``: the transcript has edits that its project file (if any) does not hold.

        Cheap enough for a timer every few seconds: an unchanged 2000-cue transcript is recognised
        in ~15 ms; only a change costs encoding and a write. Raises ProjectWriteError.
        """
        _check_session(session_id)
        document = project.to_dict()
        snapshot = (modified, _snapshot(document))
        if self._written.get(session_id) == snapshot:
            return False
        self.root.mkdir(parents=True, exist_ok=True)
        lock = self._lock(session_id)
        if not lock.exists():
            save_bytes(lock, json.dumps(_own_lock()).encode(), what="autosave lock")
        document["autosave"] = {
            "session": session_id,
            "saved_at": time.time(),
            "project_path": str(project.path) if project.path is not None else None,
            "cue_count": len(project.transcript.segments),
            "modified": modified,
        }
        save_bytes(self._file(session_id), encode_document(document), what="autosave")
        self._written[session_id] = snapshot
        return True

    def pending(self) -> list[RecoveryItem]:
        """Autosaves of sessions whose process is gone, newest first; stale locks are removed."""
        if not self.root.is_dir():
            return []
        items = []
        for file in self.root.glob(f"*{PROJECT_SUFFIX}"):
            session_id = file.name[: -len(PROJECT_SUFFIX)]
            if not _SESSION_RE.match(session_id) or self._is_live(session_id):
                continue
            item = _describe(session_id, file)
            if item is not None:
                items.append(item)
        for lock in self.root.glob(f"*{LOCK_SUFFIX}"):  # crashed before its first autosave
            session_id = lock.name[: -len(LOCK_SUFFIX)]
            if not self._file(session_id).exists() and not self._is_live(session_id):
                with contextlib.suppress(OSError):
                    lock.unlink()
        for temp in self.root.glob(".*.part"):  # a write cut short by the kill
            session_id = _TEMP_RE.sub("", temp.name[1:])
            if session_id != temp.name[1:] and not self._is_live(session_id):
                with contextlib.suppress(OSError):
                    temp.unlink()
        return sorted(items, key=lambda i: i.saved_at, reverse=True)

    def discard(self, item: RecoveryItem) -> None:
        """Forget a recovery or kept item (after it was recovered and saved, or declined)."""
        self._remove(item.session_id)
        with contextlib.suppress(FileNotFoundError):
            item.file.unlink()

    def keep(self, session_id: str) -> bool:
        """End the session but keep its autosave for ``kept()``; False when it had none."""
        _check_session(session_id)
        file = self._file(session_id)
        kept = False
        if file.exists():
            self.kept_dir.mkdir(parents=True, exist_ok=True)
            os.replace(file, self.kept_dir / file.name)  # atomic: kept, or still an autosave
            kept = True
        self._remove(session_id)
        return kept

    def kept(self) -> list[RecoveryItem]:
        """Autosaves that ended sessions kept, oldest first (unreadable ones are skipped)."""
        if not self.kept_dir.is_dir():
            return []
        items = []
        for file in self.kept_dir.glob(f"*{PROJECT_SUFFIX}"):
            session_id = file.name[: -len(PROJECT_SUFFIX)]
            if _SESSION_RE.match(session_id) and (item := _describe(session_id, file)):
                items.append(item)
        return sorted(items, key=lambda i: (i.saved_at, i.session_id))

    @property
    def kept_dir(self) -> Path:
        return self.root / KEPT_FOLDER

    def clean_exit(self, session_id: str) -> None:
        """The session ends normally: nothing of it is left to recover."""
        _check_session(session_id)
        self._remove(session_id)

    # --- internals ---------------------------------------------------------------------------
    def _remove(self, session_id: str) -> None:
        # The autosave goes first: a lock without an autosave is harmless, the reverse is not.
        temps = self.root.glob(f".{session_id}.*.part")
        for path in (self._file(session_id), *temps, self._lock(session_id)):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        self._written.pop(session_id, None)

    def _is_live(self, session_id: str) -> bool:
        try:
            lock = json.loads(self._lock(session_id).read_text(encoding="utf-8"))
            pid, started = int(lock["pid"]), lock.get("started")
        except (OSError, ValueError, KeyError, TypeError):
            return False  # no readable lock: nobody owns this autosave
        return process_is_running(pid, started)

    def _file(self, session_id: str) -> Path:
        return self.root / f"{session_id}{PROJECT_SUFFIX}"

    def _lock(self, session_id: str) -> Path:
        return self.root / f"{session_id}{LOCK_SUFFIX}"


def process_is_running(pid: int, started: Any = None) -> bool:
    """Whether ``pid`` is alive and, when ``started`` is known, still the same process."""
    if pid <= 0:
        return False
    if sys.platform == "win32":
        return _windows_pid_alive(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # alive, owned by someone else
    if started is not None:
        current = _start_token(pid)
        if current is not None and current != started:
            return False  # the PID was reused by a younger process
    return True


def _own_lock() -> dict[str, Any]:
    return {"pid": os.getpid(), "started": _start_token(os.getpid())}


def _start_token(pid: int) -> str | None:
    """The process start time in clock ticks since boot (Linux); None where unknown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # Field 22; the command name (field 2) may hold spaces and parentheses, so split after it.
    fields = stat[stat.rfind(")") + 2 :].split()
    return fields[19] if len(fields) > 19 else None


def _windows_pid_alive(pid: int) -> bool:  # pragma: no cover - exercised on Windows only
    # os.kill(pid, 0) would *terminate* the process on Windows: ask the kernel instead.
    import ctypes

    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
    handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
    if not handle:
        return False
    try:
        code = ctypes.c_ulong()
        ok = kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        return bool(ok) and code.value == 259  # STILL_ACTIVE
    finally:
        kernel32.CloseHandle(handle)


def _describe(session_id: str, file: Path) -> RecoveryItem | None:
    try:
        document = read_document(file)
        meta = document.get("autosave") or {}
        audio = document.get("audio") or {}
        project_path = meta.get("project_path")
        return RecoveryItem(
            session_id=session_id,
            file=file,
            saved_at=float(meta.get("saved_at") or file.stat().st_mtime),
            project_path=Path(project_path) if project_path else None,
            cue_count=int(meta.get("cue_count", len(document["transcript"]["segments"]))),
            audio_path=Path(audio["path"]) if audio.get("path") else None,
            modified=bool(meta.get("modified", False)),
        )
    except (ProjectError, OSError, ValueError, KeyError, TypeError, AttributeError):
        return None  # unreadable: not offered (atomic writes make this a foreign file)


def _snapshot(document: dict[str, Any]) -> tuple[str, Any]:
    """A value equal to a later one exactly when the project did not change, and cheap to compare.

    The segments (freshly built dicts, the bulk) are compared as they are, in C; the rest may
    alias mutable state of the project (``ui_state``, metadata), so it is frozen into a string.
    """
    transcript = document["transcript"]
    rest = {**document, "transcript": {**transcript, "segments": None}}
    return json.dumps(rest, sort_keys=True, default=str), transcript["segments"]


def _check_session(session_id: str) -> None:
    if not _SESSION_RE.match(session_id):
        raise ValueError(f"invalid autosave session id {session_id!r}")

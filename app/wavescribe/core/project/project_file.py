"""Project files (``.wsproj``): the audio, its transcript, and how the transcript was made.

A project is one UTF-8 JSON document::

    {"format": "wavescribe-project", "version": 1, "saved_by": "Wavescribe 0.1.0",
     "audio": {"path": "/abs/talk.flac", "relative": "talk.flac", "size": 123, "mtime_ns": ...,
               "duration_ms": 61000, "fingerprint": "<sha256 of size + three 64 KiB samples>"},
     "options": {...TranscribeOptions...} | null, "ui_state": {...}, "transcript": {...}}

The audio is recorded twice, absolute and relative to the project file, so moving the folder that
holds both keeps the project working; the facts tell a moved file from a different one. Saving is
atomic: the bytes are built first, then written to a temporary file that is fsynced and renamed,
so a failed save (disk full, a bug in serialisation) leaves the previous file as it was.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wavescribe import __version__
from wavescribe.core.atomic import is_disk_full, write_bytes_atomic
from wavescribe.core.audio.facts import AudioFacts, quick_fingerprint
from wavescribe.core.engine.options import TranscribeOptions
from wavescribe.core.errors import Hint, HintKind, WavescribeError
from wavescribe.core.humanize import format_clock, format_size
from wavescribe.core.subtitle_rules import SubtitleRules
from wavescribe.core.transcript import SCHEMA_VERSION as TRANSCRIPT_SCHEMA
from wavescribe.core.transcript import Transcript

PROJECT_SUFFIX = ".wsproj"
FORMAT_NAME = "wavescribe-project"
FORMAT_VERSION = 1
_DURATION_TOLERANCE_MS = 500  # a re-encode may pad or trim a frame; more than this is another file


class ProjectError(WavescribeError):
    """A project file cannot be read or written."""


class ProjectNotFound(ProjectError):
    """There is no project file at that path."""


class ProjectCorrupt(ProjectError):
    """The file is not a Wavescribe project, or it is truncated or damaged."""


class ProjectTooNew(ProjectError):
    """The project was written by a newer Wavescribe whose format this one cannot read."""


class ProjectWriteError(ProjectError):
    """Saving failed; the previous version of the file is unchanged."""


@dataclass(frozen=True, slots=True)
class AudioMatch:
    """Whether a file is the audio a project was made from; ``warning`` is for the user."""

    identical: bool
    warning: str | None = None


def compare_audio(
    expected: AudioFacts | None, path: str | os.PathLike[str], duration_ms: int | None = None
) -> AudioMatch:
    """Compare a file with the recorded facts; duration only counts when both sides know it.

    A file with another fingerprint but the same duration is accepted without a warning (a
    re-encode or a copy with new tags: the timings still fit); a different duration is not.
    ``duration_ms`` is the file's length if the caller knows it (else it is probed).
    """
    actual = AudioFacts.of(path)
    if expected is None:
        return AudioMatch(identical=False)
    if actual.size == expected.size and actual.fingerprint == expected.fingerprint:
        return AudioMatch(identical=True)
    duration = duration_ms if duration_ms is not None else _probe_duration(path)
    if duration is not None and expected.duration_ms is not None:
        if abs(duration - expected.duration_ms) <= _DURATION_TOLERANCE_MS:
            return AudioMatch(identical=False)
        lasts = format_clock(duration / 1000, hours=True)
        lasted = format_clock(expected.duration_ms / 1000, hours=True)
        return AudioMatch(
            False,
            f"{Path(path).name} lasts {lasts}, but the transcript was made from audio "
            f"lasting {lasted}: it looks like a different recording, and "
            "the subtitle timings may not fit it.",
        )
    return AudioMatch(
        False,
        f"{Path(path).name} is not the same file the transcript was made from "
        f"({format_size(actual.size)} instead of {format_size(expected.size)}); "
        "check that it is the same recording.",
    )


@dataclass
class Project:
    """An editing session on disk: audio, transcript, the options used and free-form UI state.

    ``path`` is where the project was last saved or loaded (None for a new one); it is used to
    resolve the audio path relative to the project file.
    """

    transcript: Transcript = field(default_factory=Transcript)
    audio_path: Path | None = None
    audio_facts: AudioFacts | None = None
    options: TranscribeOptions | None = None
    ui_state: dict[str, Any] = field(default_factory=dict)
    path: Path | None = field(default=None, compare=False)
    audio_relative: str | None = field(default=None, compare=False)

    @classmethod
    def for_audio(
        cls,
        audio_path: str | os.PathLike[str],
        transcript: Transcript,
        options: TranscribeOptions | None = None,
        duration_ms: int | None = None,
    ) -> Project:
        """A new project for a transcribed file, recording the facts that identify the audio."""
        if duration_ms is None and transcript.source is not None:
            duration_ms = transcript.source.duration_ms or None
        absolute = Path(os.path.abspath(audio_path))
        return cls(transcript, absolute, AudioFacts.of(absolute, duration_ms), options)

    # --- audio location ------------------------------------------------------------------
    def resolve_audio(self, project_path: str | os.PathLike[str] | None = None) -> Path | None:
        """Where the audio is now: the absolute path, else the path relative to the project file.

        A candidate whose fingerprint matches wins over one that merely exists (a folder copied
        elsewhere may sit beside a different recording of the same name). None means the audio
        has moved: ask the user and ``relink_audio`` the answer.
        """
        base = Path(project_path) if project_path is not None else self.path
        candidates: list[Path] = []
        if self.audio_path is not None:
            candidates.append(self.audio_path)
        if self.audio_relative and base is not None:
            candidates.append(Path(os.path.normpath(base.parent / self.audio_relative)))
        existing = [c for c in candidates if c.is_file()]
        if self.audio_facts is not None:
            for candidate in existing:
                with contextlib.suppress(OSError):
                    if _matches(self.audio_facts, candidate):
                        return candidate
        return existing[0] if existing else None

    def check_audio(self, path: str | os.PathLike[str]) -> AudioMatch:
        """Whether ``path`` looks like the audio this project was made from (nothing changes)."""
        return compare_audio(self.audio_facts, path)

    def relink_audio(
        self, new_path: str | os.PathLike[str], duration_ms: int | None = None
    ) -> AudioMatch:
        """Point the project at ``new_path``; the result's ``warning`` says if it seems different.

        The facts are refreshed for the new file, keeping the recorded duration when the caller
        does not know a better one.
        """
        absolute = Path(os.path.abspath(new_path))
        if duration_ms is None:
            duration_ms = _probe_duration(absolute)
        match = compare_audio(self.audio_facts, absolute, duration_ms)
        known = self.audio_facts.duration_ms if self.audio_facts else None
        self.audio_path = absolute
        self.audio_facts = AudioFacts.of(absolute, duration_ms if duration_ms else known)
        self.audio_relative = None
        return match

    # --- (de)serialisation -----------------------------------------------------------------
    def to_dict(self, project_path: str | os.PathLike[str] | None = None) -> dict[str, Any]:
        """The JSON document; the relative audio path is computed against ``project_path``."""
        base = Path(project_path) if project_path is not None else self.path
        audio: dict[str, Any] | None = None
        if self.audio_path is not None:
            audio = {"path": str(self.audio_path), "relative": self._relative_for(base)}
            if self.audio_facts is not None:
                audio.update(self.audio_facts.to_dict())
        return {
            "format": FORMAT_NAME,
            "version": FORMAT_VERSION,
            "saved_by": f"Wavescribe {__version__}",
            "audio": audio,
            "options": self.options.to_dict() if self.options is not None else None,
            "ui_state": self.ui_state,
            "transcript": self.transcript.to_dict(),
        }

    def _relative_for(self, base: Path | None) -> str | None:
        if self.audio_path is None or base is None:
            return self.audio_relative
        if self.audio_path.is_file() or not (self.audio_relative and self.path):
            return _relative(self.audio_path, base)
        # The audio is not at its absolute path (the folder moved and nobody relinked it yet):
        # keep pointing where the relative path pointed, re-expressed from the new location.
        intended = Path(os.path.normpath(self.path.parent / self.audio_relative))
        return _relative(intended, base)

    def to_bytes(self, project_path: str | os.PathLike[str] | None = None) -> bytes:
        """UTF-8 JSON; a path that is not valid UTF-8 (a Linux byte name) falls back to escapes."""
        return encode_document(self.to_dict(project_path))

    @classmethod
    def from_dict(cls, d: Any, where: str = "project") -> Project:
        """Rebuild a project; ProjectCorrupt / ProjectTooNew name ``where`` in the message."""
        if not isinstance(d, dict) or d.get("format") != FORMAT_NAME:
            raise ProjectCorrupt(f"{where} is not a Wavescribe project file")
        version = d.get("version")
        if not isinstance(version, int) or version < 1:
            raise ProjectCorrupt(f"{where} has no valid format version")
        if version > FORMAT_VERSION:
            raise ProjectTooNew(
                f"{where} was saved by a newer Wavescribe (project format {version}; this one "
                f"reads up to {FORMAT_VERSION}). Update Wavescribe to open it."
            )
        transcript = d.get("transcript")
        if isinstance(transcript, dict) and transcript.get("schema", 1) > TRANSCRIPT_SCHEMA:
            raise ProjectTooNew(
                f"{where} holds a transcript from a newer Wavescribe; update Wavescribe to open it."
            )
        try:
            audio = d.get("audio")
            project = cls(
                transcript=Transcript.from_dict(transcript or {}),
                ui_state=dict(d.get("ui_state") or {}),
                options=_options_from(d.get("options")),
            )
            if audio:
                project.audio_path = Path(audio["path"]) if audio.get("path") else None
                project.audio_relative = audio.get("relative")
                if "fingerprint" in audio:
                    project.audio_facts = AudioFacts.from_dict(audio)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ProjectCorrupt(f"{where} is damaged: {exc!r}") from exc
        return project

    # --- files -----------------------------------------------------------------------------
    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the project atomically; on failure raise ProjectWriteError, old file intact."""
        target = Path(path)
        document = self.to_dict(
            target
        )  # a serialisation bug fails here, before any file is touched
        save_bytes(target, encode_document(document), what="project")
        self.path = target
        self.audio_relative = document["audio"]["relative"] if document["audio"] else None

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Project:
        """Read a project; ProjectNotFound, ProjectCorrupt or ProjectTooNew when it cannot."""
        source = Path(path)
        project = cls.from_dict(read_document(source), source.name)
        project.path = source
        return project


def encode_document(document: dict[str, Any]) -> bytes:
    """Compact UTF-8 JSON (shared with the autosave store).

    No indentation: Python's C encoder only serves the compact form, 6x faster on a long
    transcript, which matters for an autosave that runs every few seconds.
    """
    try:
        return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    except UnicodeEncodeError:  # a surrogate-escaped byte path: \\udcXX escapes round-trip
        return json.dumps(document, ensure_ascii=True, separators=(",", ":")).encode("ascii")


def read_document(source: Path) -> Any:
    """Parse a JSON file with typed errors for missing, unreadable and damaged files."""
    try:
        raw = source.read_bytes()
    except FileNotFoundError as exc:
        raise ProjectNotFound(f"No project file at {source}") from exc
    except IsADirectoryError as exc:
        raise ProjectNotFound(f"{source} is a folder, not a project file") from exc
    except OSError as exc:
        raise ProjectError(f"Cannot read {source}: {exc.strerror or exc}") from exc
    try:
        return json.loads(raw.decode("utf-8-sig"))  # tolerate a BOM added by an editor
    except (UnicodeDecodeError, ValueError) as exc:
        state = "is empty" if not raw.strip() else "is truncated or damaged"
        raise ProjectCorrupt(f"{source.name} {state} and cannot be opened ({exc})") from exc


def save_bytes(target: Path, data: bytes, what: str = "file") -> None:
    """write_bytes_atomic with the OS error turned into a ProjectWriteError a person can act on."""
    try:
        write_bytes_atomic(target, data)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        hint = None
        if is_disk_full(exc):
            reason = f"the disk is full or the file is too large ({reason})"
            hint = Hint(HintKind.FREE_DISK_SPACE)
        elif isinstance(exc, PermissionError):
            hint = Hint(HintKind.CHECK_PERMISSIONS)
        raise ProjectWriteError(
            f"Could not save the {what} to {target}: {reason}. "
            "Any previous version of the file is unchanged.",
            hint=hint,
        ) from exc


def _options_from(d: Any) -> TranscribeOptions | None:
    # Unknown keys come from newer versions: drop them rather than refuse the whole project.
    if not isinstance(d, dict):
        return None
    known = {f.name for f in dataclasses.fields(TranscribeOptions)}
    kept = {k: v for k, v in d.items() if k in known}
    rule_names = {f.name for f in dataclasses.fields(SubtitleRules)}
    kept["rules"] = {k: v for k, v in dict(kept.get("rules") or {}).items() if k in rule_names}
    return TranscribeOptions.from_dict(kept)


def _relative(audio: Path | None, project_path: Path | None) -> str | None:
    if audio is None or project_path is None:
        return None
    try:
        rel = os.path.relpath(audio, os.path.abspath(project_path.parent))
    except ValueError:  # another drive on Windows: only the absolute path can work
        return None
    return Path(rel).as_posix()


def _matches(facts: AudioFacts, path: Path) -> bool:
    return path.stat().st_size == facts.size and quick_fingerprint(path) == facts.fingerprint


def _probe_duration(path: str | os.PathLike[str]) -> int | None:
    # Lazy: the audio stack (PyAV) is only needed when a file has to be told apart by length.
    try:
        from wavescribe.core.audio.load import probe

        return probe(path).duration_ms or None
    except (WavescribeError, OSError, ImportError):
        return None

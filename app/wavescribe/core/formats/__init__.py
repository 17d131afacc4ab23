"""Subtitle and transcript formats, registered in one place.

Each format is one small module that turns a :class:`Transcript` into text (``compose``) and,
where the format carries times, text back into a transcript (``parse``). This package adds the
registry, choosing a format by file extension, decoding bytes, and atomic writes.

Imported cues become segments with no words and no language, kept as the file has them
(overlaps and zero-length cues included) and sorted by start; see :mod:`.cues`. Problems that
make a file unreadable raise :class:`SubtitleParseError` with the line to fix; things that were
changed or ignored on the way in are reported as :class:`SubtitleWarning` (record them with
``warnings.catch_warnings(record=True)`` to show them to the user).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wavescribe.core.atomic import write_text_atomic
from wavescribe.core.errors import InputError, InputNotFound, SubtitleParseError
from wavescribe.core.formats import json_format, srt, txt, vtt
from wavescribe.core.formats.cues import SubtitleWarning
from wavescribe.core.formats.encoding import decode
from wavescribe.core.transcript import Transcript

__all__ = [
    "FORMATS",
    "SubtitleFormat",
    "SubtitleWarning",
    "UnsupportedSubtitleFormat",
    "format_for_path",
    "from_string",
    "read",
    "to_string",
    "write",
]


class UnsupportedSubtitleFormat(InputError, ValueError):
    """No format for that name or extension, or the format cannot be read back (TXT)."""


@dataclass(frozen=True, slots=True)
class SubtitleFormat:
    """A registered format: its name, file extension, writer, and reader (``None``: export only)."""

    name: str
    extension: str
    compose: Callable[..., str]
    parse: Callable[[str], Transcript] | None


FORMATS: dict[str, SubtitleFormat] = {
    f.name: f
    for f in (
        SubtitleFormat(srt.NAME, ".srt", srt.compose, srt.parse),
        SubtitleFormat(vtt.NAME, ".vtt", vtt.compose, vtt.parse),
        SubtitleFormat(txt.NAME, ".txt", txt.compose, None),
        SubtitleFormat(json_format.NAME, ".json", json_format.compose, json_format.parse),
    )
}


def format_for_path(path: str | os.PathLike[str]) -> str:
    """The format name for a file's extension (case-insensitive), so callers never switch on it."""
    ext = Path(path).suffix.lower()
    for f in FORMATS.values():
        if f.extension == ext:
            return f.name
    known = ", ".join(f.extension for f in FORMATS.values())
    raise UnsupportedSubtitleFormat(
        f"{Path(path).name}: unknown subtitle extension {ext or '(none)'!r}; use one of {known}"
    )


def to_string(transcript: Transcript, fmt: str, **options: Any) -> str:
    """The transcript in format ``fmt``; ``options`` go to that format (``with_times`` for txt)."""
    return _format(fmt).compose(transcript, **options)


def from_string(text: str, fmt: str) -> Transcript:
    """Parse ``text`` in format ``fmt``; raises :class:`SubtitleParseError` for broken input."""
    f = _format(fmt)
    if f.parse is None:
        raise UnsupportedSubtitleFormat(
            f"{f.name.upper()} has no timings and cannot be imported; use SRT, VTT or JSON"
        )
    return f.parse(text)


def write(
    transcript: Transcript,
    path: str | os.PathLike[str],
    fmt: str | None = None,
    **options: Any,
) -> None:
    """Write atomically as UTF-8 (no BOM, LF line ends): a crash never leaves half a file."""
    text = to_string(transcript, fmt or format_for_path(path), **options)
    write_text_atomic(path, text)


def read(
    path: str | os.PathLike[str],
    fmt: str | None = None,
    *,
    encoding: str | None = None,
) -> Transcript:
    """Read a subtitle or transcript file; the encoding is detected unless given (see .encoding).

    Errors name the file, so the message can be shown as it is.
    """
    p = Path(path)
    fmt = fmt or format_for_path(p)
    _format(fmt)
    if not p.is_file():
        raise InputNotFound(f"{p}: {'not a file' if p.exists() else 'no such file'}")
    try:
        return from_string(decode(p.read_bytes(), encoding), fmt)
    except SubtitleParseError as e:
        raise SubtitleParseError(f"{p.name}: {e}") from e


def _format(fmt: str) -> SubtitleFormat:
    try:
        return FORMATS[fmt.lower()]
    except KeyError:
        known = ", ".join(FORMATS)
        raise UnsupportedSubtitleFormat(
            f"unknown subtitle format {fmt!r}; use one of {known}"
        ) from None

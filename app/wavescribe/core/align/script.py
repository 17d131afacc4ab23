"""Read the script to align: plain text (paragraphs, or one line per cue) or SRT/VTT cues."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from wavescribe.core import errors, formats
from wavescribe.core.formats.encoding import decode

SUBTITLE_EXTENSIONS = (".srt", ".vtt")
_BLANK_LINE = re.compile(r"\n[ \t]*\n")


@dataclass(frozen=True, slots=True)
class ScriptCue:
    """One unit of the script: a subtitle cue (text with its line breaks) or a paragraph/line."""

    text: str

    @property
    def words(self) -> list[str]:
        """The cue's words as written (split at whitespace, punctuation kept)."""
        return self.text.split()


@dataclass(frozen=True, slots=True)
class Script:
    """The script's cues, in order. ``keep_cues``: subtitles whose cue split must be kept (SRT,
    VTT); otherwise (plain text) cues are cut by the subtitle rules after alignment."""

    cues: list[ScriptCue]
    keep_cues: bool

    @property
    def words(self) -> list[str]:
        return [w for cue in self.cues for w in cue.words]


def parse_text(text: str) -> Script:
    """Plain text: paragraphs separated by blank lines (their inner line breaks are wrapping), or,
    without blank lines, one unit per line. Units only force a cue break; rules cut the rest."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if _BLANK_LINE.search(text):
        units = [" ".join(p.split()) for p in _BLANK_LINE.split(text)]
    else:
        units = [" ".join(line.split()) for line in text.split("\n")]
    return Script([ScriptCue(u) for u in units if u], keep_cues=False)


def parse_subtitles(text: str, fmt: str) -> Script:
    """SRT/VTT: one cue per subtitle, its text and line breaks as written (times ignored)."""
    transcript = formats.from_string(text, fmt)
    cues = [ScriptCue(s.text) for s in transcript.segments if s.text.split()]
    return Script(cues, keep_cues=True)


def read_script(path: str | os.PathLike[str]) -> Script:
    """The script in ``path``: SRT/VTT by extension, anything else as plain text.

    Raises :class:`errors.InputError` (with the file's name) for a missing, empty or unreadable
    file."""
    p = Path(path)
    if not p.is_file():
        raise errors.InputNotFound(f"{p}: {'not a file' if p.exists() else 'no such file'}")
    text = decode(p.read_bytes())
    ext = p.suffix.lower()
    try:
        script = (
            parse_subtitles(text, ext.lstrip("."))
            if ext in SUBTITLE_EXTENSIONS
            else parse_text(text)
        )
    except errors.SubtitleParseError as exc:
        raise errors.SubtitleParseError(f"{p.name}: {exc}") from exc
    if not script.words:
        raise errors.InputError(f"{p.name}: the script has no words to align")
    return script

"""What SRT and WebVTT share: lines, timestamps, and turning parsed cues into segments.

Imported cues are kept as the file has them (overlapping and zero-length cues included), sorted by
start time with ties in file order: users import old subtitles to re-time them, so nothing is
dropped or "fixed" behind their back. The one exception is a cue that ends before it starts: its end
is set to its start (the start is what orders the cues and is usually the right number) and a
:class:`SubtitleWarning` says which line it was.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

from wavescribe.core.transcript import Segment, Transcript


class SubtitleWarning(UserWarning):
    """A file was imported, but something in it was changed or ignored; the message says where.

    Callers that show problems to the user record these with ``warnings.catch_warnings``.
    """


@dataclass(slots=True)
class ParsedCue:
    """A cue as a parser found it: times in ms, text with ``\\n`` breaks, 1-based line number."""

    start: int
    end: int
    text: str
    line: int
    cue_id: str | None = None
    settings: str | None = None


def split_lines(text: str) -> list[str]:
    """Split on CRLF, CR and LF only.

    ``str.splitlines`` is not used on purpose: it also splits on U+2028, U+0085, form feed and
    others, which are text inside a cue, not line breaks of the file.
    """
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def cue_lines(text: str) -> list[str]:
    """The lines of a segment's text as a cue writes them: blank lines dropped.

    A blank line ends a cue in SRT and WebVTT, so one inside a segment's text would cut the cue in
    two (and turn the rest into garbage) when the file is read again.
    """
    return [line for line in split_lines(text) if line.strip()]


SPEAKER_NAME_MODES = ("none", "prefix")


def check_speaker_names(mode: str) -> None:
    """Refuse an unknown ``speaker_names`` export option with a one-line reason."""
    if mode not in SPEAKER_NAME_MODES:
        raise ValueError(f"speaker names: use {' or '.join(SPEAKER_NAME_MODES)}, not {mode!r}")


def format_timestamp(ms: int, decimal_sep: str) -> str:
    """``HH:MM:SS<sep>mmm``; hours take as many digits as they need (never clamped at 99)."""
    if ms < 0:
        raise ValueError(f"cannot write a negative time ({ms} ms)")
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}{decimal_sep}{millis:03d}"


FILE_KEY = "subtitle_file"
"""``Transcript.metadata`` key: how the file was written, where it differs from how we write.

A dict with ``format`` (``"srt"``, ``"vtt"``: only that format's writer follows the rest),
``newline`` (CRLF when the file used it), ``no_final_newline`` and, for WebVTT, ``vtt_header``
(the signature line and header lines), ``vtt_blocks`` (STYLE, REGION and NOTE blocks before the
first cue) and ``vtt_short_times`` (``MM:SS.mmm`` under an hour); ``path``: the file, set by
the app that opened it (so Save Subtitles finds it after a restart; JSON exports name it only).
Writers follow it, so a well-formed file read and written without edits comes back byte for
byte.
"""


def file_style(transcript: Transcript, fmt: str) -> dict[str, Any]:
    """The :data:`FILE_KEY` dict of a transcript read from a ``fmt`` file, else empty.

    Another format's style is not followed: SRT coordinates are no WebVTT cue settings.
    """
    style = transcript.metadata.get(FILE_KEY)
    return style if isinstance(style, dict) and style.get("format") == fmt else {}


def line_ends_of(text: str) -> dict[str, Any]:
    """How ``text`` ends its lines, as :func:`with_newline` reads it back from a file style:
    ``newline`` when it uses CRLF (LF is our default), ``no_final_newline`` when it lacks one."""
    style: dict[str, Any] = {}
    if "\r\n" in text:
        style["newline"] = "\r\n"
    if text and not text.endswith(("\n", "\r")):
        style["no_final_newline"] = True
    return style


def with_newline(text: str, style: dict[str, Any]) -> str:
    """``text`` (LF line ends) with the line ends of the file a :func:`file_style` describes."""
    if style.get("no_final_newline"):
        text = text.removesuffix("\n")
    return text.replace("\n", "\r\n") if style.get("newline") == "\r\n" else text


def build_transcript(cues: list[ParsedCue], fmt: str) -> Transcript:
    """Segments (no words, no language) from parsed cues, sorted by start, ties in file order."""
    segments = []
    for cue in cues:
        end = cue.end
        if end < cue.start:
            start_s = format_timestamp(cue.start, ".")
            end_s = format_timestamp(cue.end, ".")
            warnings.warn(
                SubtitleWarning(
                    f"{fmt} line {cue.line}: cue ends ({end_s}) before it starts ({start_s});"
                    " its end was set to its start"
                ),
                stacklevel=2,
            )
            end = cue.start
        seg = Segment(start=cue.start, end=end, text=cue.text)
        seg.cue_id, seg.cue_settings = cue.cue_id, cue.settings
        segments.append(seg)
    segments.sort(key=lambda s: s.start)
    return Transcript(segments=segments)

"""SubRip (``.srt``): numbered cues, ``HH:MM:SS,mmm --> HH:MM:SS,mmm``, text lines, blank line.

Written by hand rather than with pysubs2, whose SubRip reader (1.8) takes any line holding two
timestamps as a timing line (so cue text quoting a time splits the cue), strips the text, drops a
last line that is a bare number, rewrites ``<i>``-style tags unless told not to, never reports a
broken file, and whose writer clamps times past 99:59:59,999.

Reading follows what players accept: the cue number is optional, hours may be missing when
milliseconds are there (``MM:SS,mmm``) and milliseconds when hours are there, ``.`` works as well
as ``,``, and text runs up to the next cue, so a stray blank line inside a cue does not lose the
text after it. Markup (``<i>``, ``{\\an8}``, ``&amp;``) is kept exactly as written: SRT has no
escaping, and an SRT→SRT round trip must give back what the user wrote. What follows the end time
(``X1:…`` coordinates) and CRLF line ends are kept too (``Segment.cue_settings``,
``metadata["subtitle_file"]``) and written back, so a well-formed file read and written unedited
comes back byte for byte.

Reading refuses, with the line number, what cannot be read without guessing: a timing line with a
malformed or negative time, a cue number with no timing line after it, text before the first cue.

Writing uses LF line ends unless the file read had CRLF (every player reads both) and
UTF-8 without BOM; blank lines inside a segment's text are dropped because they would end the cue.
A text line that itself looks like a timing line (``00:00:01,000 --> 00:00:02,000``) cannot be
represented in SRT and is read back as one.
"""

from __future__ import annotations

import re
import warnings
from typing import Any

from wavescribe.core.errors import SubtitleParseError
from wavescribe.core.formats.cues import (
    FILE_KEY,
    ParsedCue,
    SubtitleWarning,
    build_transcript,
    check_speaker_names,
    cue_lines,
    file_style,
    format_timestamp,
    line_ends_of,
    split_lines,
    with_newline,
)
from wavescribe.core.transcript import Transcript

NAME = "srt"

# A line that is meant as a timing line: times (or what is left of them) around "-->", at least
# one ":" among them. "a --> b" and "1 --> 2" are text; "00:01 --> 00:02,000" is a broken timing.
_TIMING = re.compile(r"[ \t]*(-?[0-9:,.]*)[ \t]*-->[ \t]*(-?[0-9:,.]*)(?:[ \t]+(.*))?", re.ASCII)
_TIME = re.compile(r"(?:([0-9]+):)?([0-9]+):([0-9]+)(?:[,.]([0-9]+))?", re.ASCII)
_NUMBER = re.compile(r"[ \t]*[0-9]+[ \t]*", re.ASCII)


def parse(text: str) -> Transcript:
    """Read SubRip text into segments (see the module docstring for what is accepted)."""
    lines = split_lines(text.removeprefix("\ufeff"))
    cues: list[ParsedCue] = []
    body: list[str] = []
    after_blank = False
    for i, line in enumerate(lines):
        timing = _timing(line, i + 1)
        if timing is not None:
            _close(cues, body)
            cues.append(ParsedCue(timing[0], timing[1], "", i + 1, settings=timing[2]))
            body, after_blank = [], False
        elif _NUMBER.fullmatch(line) and i + 1 < len(lines) and _timing(lines[i + 1], i + 2):
            pass  # the cue number; we number cues ourselves when writing
        elif not line.strip():
            after_blank = bool(cues)
        elif not cues:
            raise SubtitleParseError(
                f"SRT line {i + 1}: text before the first cue (not an SRT file?): {line!r:.60}"
            )
        elif after_blank and _NUMBER.fullmatch(line):
            if any(rest.strip() for rest in lines[i + 1 :]):
                raise SubtitleParseError(
                    f"SRT line {i + 1}: cue number {line.strip()} is not followed by a timing line"
                )
            warnings.warn(
                SubtitleWarning(f"SRT line {i + 1}: ignored cue number {line.strip()} at the end"),
                stacklevel=2,
            )
        else:
            body.append(line)
    _close(cues, body)
    transcript = build_transcript(cues, "SRT")
    style: dict[str, Any] = {"format": NAME}
    style |= line_ends_of(text)
    transcript.metadata[FILE_KEY] = style
    return transcript


def compose(transcript: Transcript, *, speaker_names: str = "none") -> str:
    """Write segments as SubRip, numbered from 1 in the transcript's order.

    ``speaker_names="prefix"`` starts each cue that has a speaker with ``NAME: ``.
    """
    check_speaker_names(speaker_names)
    style = file_style(transcript, NAME)
    blocks = []
    for number, seg in enumerate(transcript.segments, 1):
        times = f"{format_timestamp(seg.start, ',')} --> {format_timestamp(seg.end, ',')}"
        if seg.cue_settings and style:
            times += f" {seg.cue_settings}"
        lines = cue_lines(seg.text)
        name = transcript.speaker_name(seg.speaker)
        if speaker_names == "prefix" and name and lines:
            lines[0] = f"{name}: {lines[0]}"
        blocks.append(f"{number}\n{times}\n" + "".join(f"{ln}\n" for ln in lines))
    return with_newline("\n".join(blocks), style)


def _close(cues: list[ParsedCue], body: list[str]) -> None:
    if cues:
        cues[-1].text = "\n".join(body)


def _timing(line: str, lineno: int) -> tuple[int, int, str | None] | None:
    """``(start, end, rest)`` if ``line`` is a timing line, ``None`` if text; raises if broken.

    ``rest`` is what follows the end time (``X1:…`` coordinates), kept to be written back.
    """
    if "-->" not in line:
        return None
    m = _TIMING.fullmatch(line)
    if m is None or ":" not in m[1] + m[2]:
        return None
    return _time(m[1], line, lineno), _time(m[2], line, lineno), (m[3] or "").rstrip() or None


def _time(stamp: str, line: str, lineno: int) -> int:
    def bad(why: str) -> SubtitleParseError:
        return SubtitleParseError(f"SRT line {lineno}: {why} in timing line {line.strip()!r}")

    if not stamp:
        raise bad("missing time")
    if stamp.startswith("-"):
        raise bad(f"negative time {stamp!r}")
    m = _TIME.fullmatch(stamp)
    if m is None:
        raise bad(f"malformed time {stamp!r}")
    hours, minutes, seconds, millis = m.groups()
    if millis is None and hours is None:
        raise bad(f"time {stamp!r} needs hours or milliseconds")
    if millis is not None and len(millis) != 3:
        raise bad(f"time {stamp!r} needs 3 digits of milliseconds")
    if int(minutes) > 59 or int(seconds) > 59:
        raise bad(f"minutes or seconds over 59 in {stamp!r}")
    return ((int(hours or 0) * 60 + int(minutes)) * 60 + int(seconds)) * 1000 + int(millis or 0)

"""Plain text (``.txt``), export only: one segment per line, optionally with its times.

A segment's line breaks become spaces so that a line is a segment, and empty segments give empty
lines for the same reason. With ``with_times=True`` each line starts with
``[HH:MM:SS.mmm --> HH:MM:SS.mmm]``, the layout whisper.cpp prints. Text is written as it is in the
transcript, markup included. There is no reader: plain text has no times to read back.
"""

from __future__ import annotations

from wavescribe.core.formats.cues import format_timestamp, split_lines
from wavescribe.core.transcript import Transcript

NAME = "txt"


def compose(transcript: Transcript, *, with_times: bool = False) -> str:
    """One line per segment; ``with_times`` prefixes each with its start and end."""
    out = []
    for seg in transcript.segments:
        text = " ".join(part.strip() for part in split_lines(seg.text) if part.strip())
        if with_times:
            times = f"[{format_timestamp(seg.start, '.')} --> {format_timestamp(seg.end, '.')}]"
            text = f"{times} {text}" if text else times
        out.append(f"{text}\n")
    return "".join(out)

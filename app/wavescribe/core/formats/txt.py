"""Plain text (``.txt``), export only: one segment per line, optionally with its times.

A segment's line breaks become spaces so that a line is a segment, and empty segments give empty
lines for the same reason. With ``with_times=True`` each line starts with
``[HH:MM:SS.mmm --> HH:MM:SS.mmm]``, the layout whisper.cpp prints. Text is written as it is in the
transcript, markup included. There is no reader: plain text has no times to read back. A change
of speaker starts a new paragraph (an empty line); the speaker's name can lead it
(``speaker_names="prefix"``).
"""

from __future__ import annotations

from wavescribe.core.formats.cues import check_speaker_names, format_timestamp, split_lines
from wavescribe.core.transcript import Transcript

NAME = "txt"


def compose(
    transcript: Transcript, *, with_times: bool = False, speaker_names: str = "none"
) -> str:
    """One line per segment; ``with_times`` prefixes each with its start and end.

    Where the speaker changes from one segment to the next, an empty line starts a new paragraph;
    ``speaker_names="prefix"`` starts each paragraph with ``NAME: ``.
    """
    check_speaker_names(speaker_names)
    out = []
    previous: str | None = None
    for n, seg in enumerate(transcript.segments):
        text = " ".join(part.strip() for part in split_lines(seg.text) if part.strip())
        turn = n == 0 or seg.speaker != previous
        previous = seg.speaker
        name = transcript.speaker_name(seg.speaker)
        if turn and n > 0:
            out.append("\n")
        if turn and name and speaker_names == "prefix":
            text = f"{name}: {text}"
        if with_times:
            times = f"[{format_timestamp(seg.start, '.')} --> {format_timestamp(seg.end, '.')}]"
            text = f"{times} {text}" if text else times
        out.append(f"{text}\n")
    return "".join(out)

"""WebVTT (``.vtt``), read with the block structure of the W3C parser and written to the spec.

Written by hand rather than with pysubs2, whose WebVTT support (1.8) is its SubRip code with another
timestamp pattern: cue identifiers and NOTE and STYLE blocks end up in the text of the cue before
them, character references are not decoded, and the writer escapes nothing (``-->``, ``&`` and
``<`` in text make invalid files) and clamps hours at 99.

Reading (https://www.w3.org/TR/webvtt1/#file-parsing): the file starts with ``WEBVTT``; header lines
up to the first blank line are skipped (``Kind:``, ``X-TIMESTAMP-MAP=``: times are kept as written);
blocks are separated by empty lines; a block whose first or second line holds ``-->`` is a cue (a
first line before the timing line is its identifier); ``NOTE``, ``STYLE`` and ``REGION`` blocks
are skipped. A line holding ``-->`` inside cue text ends
that cue and starts the next block, as in browsers (so it must be a timing line, see below).
Timestamps are ``[HH+:]MM:SS.mmm``, hours as many digits as needed.

Where browsers silently drop a cue (bad timestamps, a text block with no timing line) we refuse
the file with the line number instead: the user imports it to edit it, and a cue that disappears
without a word is worse than an error that says which line to fix. An empty file reads as no cues.

Cue text: character references (``&amp;``, ``&lt;``, ``&gt;``, ``&nbsp;``, ``&lrm;``…) are
decoded into the segment's text; tags (``<i>``, ``<c.red>``, ``<v Roger>``, ``<00:01.500>``) are
kept verbatim, so markup survives VTT→VTT and SRT↔VTT. Writing escapes ``&``, ``<`` and ``>`` in
everything that is not such a tag, which also turns ``-->`` into ``--&gt;``; reading undoes exactly
that, so read(write(t)) == t for any text without blank lines (which writing drops: they would end
the cue). ``&nbsp;``, ``&lrm;`` and ``&rlm;`` are written for the characters they name.

What a round trip keeps: identifiers and cue settings (``Segment.cue_id``, ``cue_settings``), the
header, the blocks before the first cue, ``MM:SS.mmm`` timestamps and CRLF line ends
(``metadata["subtitle_file"]``), so a well-formed file read and written unedited comes back byte
for byte. Lost: NOTE blocks after the first cue, a BOM, the encoding (written as UTF-8, no BOM).

Speakers travel as voice tags: a cue whose text starts with ``<v Name>`` (and holds no other
voice) is read as spoken by ``Name``, the tag (and a closing ``</v>`` at its end) taken off the
text; writing puts ``<v Name>`` before the text of each cue that has a speaker (and ``</v>`` after
it when the file read closed its voices).
"""

from __future__ import annotations

import html
import re
from typing import Any

from wavescribe.core.errors import SubtitleParseError
from wavescribe.core.formats.cues import (
    FILE_KEY,
    ParsedCue,
    build_transcript,
    cue_lines,
    file_style,
    format_timestamp,
    line_ends_of,
    split_lines,
    with_newline,
)
from wavescribe.core.transcript import Transcript

NAME = "vtt"

_SIGNATURE = re.compile(r"WEBVTT(?:[ \t].*)?")
_IGNORED_BLOCK = re.compile(r"(?:NOTE|STYLE|REGION)(?:[ \t].*)?")
_SPACE = " \t\f"
_TIMESTAMP = re.compile(r"([0-9]+):([0-9]+)(?::([0-9]+))?\.([0-9]+)", re.ASCII)
# A tag as written in cue text: start/end tag with optional classes/annotation, or a timestamp.
_SHORT_START = re.compile(r"[ \t\f]*[0-9]{2}:[0-9]{2}\.[0-9]{3}[ \t\f]*-->")
_VOICE = re.compile(r"<v(?:\.[^\s<>]*)?[ \t]+([^<>\n]*)>")
_TAG = re.compile(r"</?[A-Za-z][^<>\n]*>|<[0-9][0-9:.]*>")


def parse(text: str) -> Transcript:
    """Read WebVTT text into segments (see the module docstring for what is accepted)."""
    text = text.removeprefix("\ufeff").replace("\0", "\ufffd")
    if not text.strip():
        return Transcript()
    lines = split_lines(text)
    if not _SIGNATURE.fullmatch(lines[0]):
        raise SubtitleParseError(
            f"WebVTT line 1: the file must start with 'WEBVTT' (found {lines[0]!r:.40})"
        )
    i = 1
    while i < len(lines) and lines[i] and "-->" not in lines[i]:
        i += 1  # header lines
    style: dict[str, Any] = {"format": NAME}
    if i > 1 or lines[0] != "WEBVTT":
        style["vtt_header"] = "\n".join(lines[:i])
    blocks: list[str] = []  # STYLE, REGION and NOTE blocks before the first cue
    cues: list[ParsedCue] = []
    arrow_in_text = False  # the previous cue's text was cut by a line holding "-->"
    while i < len(lines):
        if not lines[i]:
            i += 1
            continue
        cue_id = None
        if "-->" in lines[i]:
            timing_at = i
        elif i + 1 < len(lines) and "-->" in lines[i + 1]:
            timing_at, cue_id = i + 1, lines[i]
        else:
            if not _IGNORED_BLOCK.fullmatch(lines[i]):
                raise SubtitleParseError(
                    f"WebVTT line {i + 1}: text outside a cue (missing timing line?): "
                    f"{lines[i]!r:.60}"
                )
            end_at = _block_end(lines, i + 1)
            if not cues:
                blocks.append("\n".join(lines[i:end_at]))
            i, arrow_in_text = end_at, False
            continue
        start, end, settings = _timing(lines[timing_at], timing_at + 1, arrow_in_text)
        if not cues and _SHORT_START.match(lines[timing_at]):
            style["vtt_short_times"] = True
        i = _block_end(lines, timing_at + 1)
        body = "\n".join(lines[timing_at + 1 : i])
        cues.append(ParsedCue(start, end, _decode(body), timing_at + 1, cue_id, settings))
        arrow_in_text = i < len(lines) and bool(lines[i])
    transcript = _voices_to_speakers(build_transcript(cues, "WebVTT"), style)
    if blocks:
        style["vtt_blocks"] = blocks
    style |= line_ends_of(text)
    transcript.metadata[FILE_KEY] = style
    return transcript


def compose(transcript: Transcript) -> str:
    """Write segments as WebVTT, text escaped as the spec requires.

    Identifiers and cue settings are written where the segments have them, and the header,
    blocks before the first cue and short timestamps where the file read had them. A cue with a
    speaker starts with a voice tag, ``<v Name>`` (unless its text has one already).
    """
    style = file_style(transcript, NAME)
    short = bool(style.get("vtt_short_times"))
    blocks = [f"{style.get('vtt_header', 'WEBVTT')}\n"]
    blocks += [f"{b}\n" for b in style.get("vtt_blocks", ()) if _IGNORED_BLOCK.match(b)]
    for seg in transcript.segments:
        times = f"{_stamp(seg.start, short)} --> {_stamp(seg.end, short)}"
        if seg.cue_settings and style:
            times += f" {seg.cue_settings}"
        ok_id = style and seg.cue_id and "-->" not in seg.cue_id and "\n" not in seg.cue_id
        ident = f"{seg.cue_id}\n" if ok_id else ""
        lines = [_encode(ln) for ln in cue_lines(seg.text)]
        name = transcript.speaker_name(seg.speaker)
        if name and lines and not lines[0].startswith("<v"):
            lines[0] = f"<v {_escape(name)}>{lines[0]}"
            if style.get("vtt_voice_end"):
                lines[-1] += "</v>"
        blocks.append(f"{ident}{times}\n" + "".join(f"{ln}\n" for ln in lines))
    return with_newline("\n".join(blocks), style)


def _stamp(ms: int, short: bool) -> str:
    """``HH:MM:SS.mmm``, or ``MM:SS.mmm`` under an hour when the file read was written so."""
    full = format_timestamp(ms, ".")
    return full[3:] if short and ms < 3_600_000 else full


def _voices_to_speakers(transcript: Transcript, style: dict[str, Any]) -> Transcript:
    """A cue spoken by one voice (``<v Name>`` first, no other voice in it) gets that speaker and
    loses the tag; speakers are numbered ``S1``, ``S2``... by first appearance. Closing ``</v>``
    tags are noted in ``style`` so that writing puts them back."""
    ids: dict[str, str] = {}
    for seg in transcript.segments:
        m = _VOICE.match(seg.text)
        if m is None or "<v" in seg.text[m.end() :]:
            continue
        name = html.unescape(m[1]).strip()
        if not name:
            continue
        body = seg.text[m.end() :]
        if body.endswith("</v>"):
            body = body[: -len("</v>")]
            style["vtt_voice_end"] = True
        seg.text = body
        if name not in ids:
            ids[name] = transcript.add_speaker(name)
        seg.speaker = ids[name]
    return transcript


def _block_end(lines: list[str], i: int) -> int:
    """Index of the empty line (or line holding ``-->``) that ends the block going on at ``i``."""
    while i < len(lines) and lines[i] and "-->" not in lines[i]:
        i += 1
    return i


def _timing(line: str, lineno: int, arrow_in_text: bool) -> tuple[int, int, str | None]:
    """Start, end and cue settings (what follows the end time, ``None`` if nothing)."""
    pos = _skip_space(line, 0)
    start, pos = _timestamp(line, pos)
    pos = _skip_space(line, pos)
    if start is not None and line.startswith("-->", pos):
        end, after = _timestamp(line, _skip_space(line, pos + 3))
        if end is not None:
            return start, end, line[after:].strip(_SPACE) or None
    what = "'-->' is not allowed in cue text" if arrow_in_text else "bad timing line"
    raise SubtitleParseError(f"WebVTT line {lineno}: {what}: {line.strip()!r:.60}")


def _timestamp(line: str, pos: int) -> tuple[int | None, int]:
    m = _TIMESTAMP.match(line, pos)
    if m is None:
        return None, pos
    first, second, third, frac = m.groups()
    if third is None:  # MM:SS.mmm - the first part must then be two-digit minutes
        if len(first) != 2 or int(first) > 59:
            return None, pos
        hours, minutes, seconds = 0, first, second
    else:
        hours, minutes, seconds = int(first), second, third
    if len(minutes) != 2 or len(seconds) != 2 or len(frac) != 3:
        return None, pos
    if int(minutes) > 59 or int(seconds) > 59:
        return None, pos
    return ((hours * 60 + int(minutes)) * 60 + int(seconds)) * 1000 + int(frac), m.end()


def _skip_space(line: str, pos: int) -> int:
    while pos < len(line) and line[pos] in _SPACE:
        pos += 1
    return pos


def _decode(cue_text: str) -> str:
    """Decode character references outside tags; tags stay as written."""
    out, last = [], 0
    for m in _TAG.finditer(cue_text):
        out += [html.unescape(cue_text[last : m.start()]), m[0]]
        last = m.end()
    out.append(html.unescape(cue_text[last:]))
    return "".join(out)


def _encode(line: str) -> str:
    """Escape ``&``, ``<``, ``>`` outside tags (a tag holding ``-->`` is escaped as text)."""
    out, last = [], 0
    for m in _TAG.finditer(line):
        if "-->" in m[0]:
            continue
        out += [_escape(line[last : m.start()]), m[0]]
        last = m.end()
    out.append(_escape(line[last:]))
    return "".join(out)


def _escape(text: str) -> str:
    """Escape markup; the invisible characters a reference names are written as the reference."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("\xa0", "&nbsp;").replace("\u200e", "&lrm;").replace("\u200f", "&rlm;")

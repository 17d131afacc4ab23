"""Wavescribe's own transcript JSON (``.json``): lossless, words and source info included.

The schema lives in :mod:`wavescribe.core.transcript`; this module only adapts it to the format
registry and turns a broken file into :class:`SubtitleParseError`.
"""

from __future__ import annotations

import dataclasses
import json
import os

from wavescribe.core.errors import SubtitleParseError
from wavescribe.core.formats.cues import FILE_KEY
from wavescribe.core.transcript import Transcript

NAME = "json"


def parse(text: str) -> Transcript:
    """Read a transcript written by :func:`compose` (or ``Transcript.to_json``)."""
    try:
        return Transcript.from_json(text.removeprefix("\ufeff"))
    except json.JSONDecodeError as e:
        raise SubtitleParseError(f"JSON line {e.lineno}: {e.msg}") from e
    except (KeyError, TypeError, AttributeError) as e:
        raise SubtitleParseError(f"JSON: not a Wavescribe transcript ({e!r})") from e
    except ValueError as e:  # a newer schema, or a field of the wrong kind
        raise SubtitleParseError(f"JSON: {e}") from e


def compose(transcript: Transcript) -> str:
    """The transcript as JSON text, with a final newline.

    The source, and the subtitle file it was read from (``metadata["subtitle_file"]["path"]``),
    are named by their file names only: an exported file is shared, and an absolute path tells
    others the user's name and folders. A name that is not valid UTF-8 (bytes a POSIX file
    system allows) is written with U+FFFD for the undecodable bytes.
    """
    if transcript.source is not None:
        name = _printable(os.path.basename(transcript.source.path))
        transcript = dataclasses.replace(
            transcript, source=dataclasses.replace(transcript.source, path=name)
        )
    style = transcript.metadata.get(FILE_KEY)
    if isinstance(style, dict) and isinstance(style.get("path"), str):
        style = {**style, "path": _printable(os.path.basename(style["path"]))}
        transcript = dataclasses.replace(
            transcript, metadata={**transcript.metadata, FILE_KEY: style}
        )
    return transcript.to_json() + "\n"


def _printable(name: str) -> str:
    """``name`` with lone surrogates (``os.fsdecode`` of non-UTF-8 bytes) made encodable."""
    try:
        return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:
        return name.encode("utf-8", "replace").decode("utf-8")

"""Subtitle files read and written back unedited come back byte for byte (where the format allows).

What is kept: inline tags as text, SRT coordinates and VTT cue settings, VTT identifiers, the VTT
header and the blocks before the first cue, ``MM:SS.mmm`` timestamps, CRLF and a missing final
newline. What is not (so those files are not byte-equal): a BOM, non-UTF-8 encodings, NOTE blocks
between cues, timestamps written in two styles in one file, malformed timestamps
(``00:00:013,567``), renumbered or missing SRT cue numbers, extra blank lines, and VTT text that
escapes a tag (``&lt;i&gt;`` reads as the text ``<i>``, which is written back as a tag).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from shared_data import DATA
from wavescribe.core import formats
from wavescribe.core.editing.commands import MergeWithNext, Split
from wavescribe.core.editing.document import SubtitleDocument, UndoHistory
from wavescribe.core.transcript import Transcript

SUBS = DATA / "subtitles"
BYTE_EQUAL = [
    "androidx_media/subrip/typical.srt",
    "androidx_media/webvtt/typical.vtt",
    "androidx_media/webvtt/typical_with_identifiers.vtt",
    "androidx_media/webvtt/with_css_styles.vtt",
    "webvtt_py/sample.srt",
    "webvtt_py/sample.vtt",
    "webvtt_py/using_identifiers.vtt",
    "webvtt_py/metadata_headers.vtt",
]


def _round_trip(path: Path) -> bytes:
    t = formats.read(path)
    return formats.to_string(t, formats.format_for_path(path)).encode("utf-8")


@pytest.mark.parametrize("rel", BYTE_EQUAL)
def test_unedited_file_is_written_back_byte_for_byte(rel: str) -> None:
    path = SUBS / rel
    assert _round_trip(path) == path.read_bytes()


def test_most_of_the_corpus_round_trips_byte_for_byte() -> None:
    """A floor, so a writer change that breaks round trips for whole groups of files shows."""
    equal = total = 0
    for path in sorted([*SUBS.rglob("*.srt"), *SUBS.rglob("*.vtt")]):
        try:
            out = _round_trip(path)
        except formats.SubtitleParseError:
            continue
        except Exception:
            continue
        total += 1
        equal += out == path.read_bytes()
    assert total > 250 and equal / total > 0.75, (equal, total)


def test_vtt_identifiers_settings_and_header_are_kept() -> None:
    text = (
        "WEBVTT - a title\r\nKind: captions\r\n\r\nSTYLE\r\n::cue { color: red }\r\n\r\n"
        "intro\r\n00:01.000 --> 00:02.500 align:start position:10%\r\n<i>hi</i> &amp; bye\r\n"
    )
    t = formats.from_string(text, "vtt")
    seg = t.segments[0]
    assert (seg.cue_id, seg.cue_settings, seg.text) == (
        "intro",
        "align:start position:10%",
        "<i>hi</i> & bye",
    )
    assert formats.to_string(t, "vtt") == text


def test_srt_tags_coordinates_and_crlf_are_kept() -> None:
    text = (
        "1\r\n00:00:01,000 --> 00:00:02,000 X1:10 X2:20 Y1:30 Y2:40\r\n"
        "{\\an8}<i>Top</i> line\r\n<b>bold</b>\r\n"
    )
    t = formats.from_string(text, "srt")
    assert t.segments[0].text == "{\\an8}<i>Top</i> line\n<b>bold</b>"
    assert formats.to_string(t, "srt") == text


def test_settings_stay_with_their_own_format() -> None:
    """SRT coordinates are no VTT settings, and a VTT identifier has no place in SRT."""
    srt = formats.from_string("1\n00:00:01,000 --> 00:00:02,000 X1:10\nhi\n", "srt")
    assert formats.to_string(srt, "vtt") == "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nhi\n"
    vtt = formats.from_string("WEBVTT\n\nid\n00:01.000 --> 00:02.000 line:0\nhi\n", "vtt")
    assert formats.to_string(vtt, "srt") == "1\n00:00:01,000 --> 00:00:02,000\nhi\n"


def test_settings_survive_a_project_save_and_edits() -> None:
    t = formats.from_string(
        "WEBVTT\n\na\n00:01.000 --> 00:04.000 line:0\none two\n\n"
        "b\n00:05.000 --> 00:06.000 align:end\nthree\n",
        "vtt",
    )
    back = Transcript.from_json(t.to_json())
    assert back == t
    doc = SubtitleDocument(back)
    history = UndoHistory(doc)
    history.push(Split(0, 2500))
    assert [(s.cue_id, s.cue_settings) for s in doc.segments] == [
        ("a", "line:0"),
        (None, "line:0"),
        ("b", "align:end"),
    ]
    history.push(MergeWithNext(1))
    assert [(s.cue_id, s.cue_settings) for s in doc.segments] == [("a", "line:0"), (None, "line:0")]

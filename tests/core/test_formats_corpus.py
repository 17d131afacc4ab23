"""Subtitle formats against real files from other projects (read in place from shared/data).

Every .srt and .vtt in the corpus either parses or raises SubtitleParseError with the message
pinned below; nothing else. Where the source project ships the expected parse (mozilla/vtt.js)
we compare against it, and pysubs2 serves as a second reader for the plain files.
"""

from __future__ import annotations

import html
import json
import re
import warnings
from pathlib import Path

import pysubs2
import pytest

from shared_data import DATA
from wavescribe.core import formats
from wavescribe.core.errors import SubtitleParseError
from wavescribe.core.formats import SubtitleWarning

CORPUS = DATA / "subtitles"

FILES = sorted(
    p.relative_to(CORPUS).as_posix() for p in CORPUS.rglob("*") if p.suffix in (".srt", ".vtt")
)

_WEBVTT_SIGNATURE = "must start with 'WEBVTT'"
_VTT_BAD_TIMING_3 = "WebVTT line 3: bad timing line"
_SRT_NO_TIMING_5 = "SRT line 5: cue number 2 is not followed by a timing line"

# Files we refuse, and why. Browsers and lenient players drop such cues or guess; we name the
# line instead (see the srt and vtt module docstrings).
EXPECTED_ERRORS = {
    "androidx_media/subrip/typical_bad_timestamps.srt": "SRT line 6: time '00:00:03,4560' needs 3",
    "androidx_media/subrip/typical_missing_timecode.srt": _SRT_NO_TIMING_5,
    "androidx_media/subrip/typical_negative_timestamps.srt": "SRT line 2: negative time",
    "androidx_media/webvtt/typical_with_bad_timestamps.vtt": "WebVTT line 4: bad timing line",
    "androidx_media/webvtt/with_bad_cue_header.vtt": "WebVTT line 6: bad timing line",
    "cdown_srt/gb2312.srt": "neither UTF-8 nor Western (Windows-1252) text",
    "webvtt_py/invalid.vtt": _WEBVTT_SIGNATURE,
    "webvtt_py/invalid_format1.srt": "SRT line 1: text before the first cue",
    "webvtt_py/invalid_format2.srt": "SRT line 1: text before the first cue",
    "webvtt_py/invalid_format3.srt": "SRT line 1: text before the first cue",
    "webvtt_py/invalid_format4.srt": "SRT line 1: text before the first cue",
    "webvtt_py/invalid_timeframe.vtt": "WebVTT line 6: bad timing line",
    "webvtt_py/missing_timeframe.srt": _SRT_NO_TIMING_5,
    "webvtt_py/missing_timeframe.vtt": "WebVTT line 6: text outside a cue",
    # vtt.js drops these cues (its expected output has none or fewer):
    "mozilla_vtt_js/cue-times/fraction-digits.vtt": _VTT_BAD_TIMING_3,
    "mozilla_vtt_js/cue-times/incorrect-delimiter.vtt": _VTT_BAD_TIMING_3,
    "mozilla_vtt_js/cue-times/min-mid-digits.vtt": _VTT_BAD_TIMING_3,
    "mozilla_vtt_js/cue-times/missing-separator.vtt": "WebVTT line 3: text outside a cue",
    "mozilla_vtt_js/cuetext/format/double-line-break.vtt": "WebVTT line 7: text outside a cue",
    "mozilla_vtt_js/integration/arrows.vtt": "line 5: '-->' is not allowed in cue text",
    "mozilla_vtt_js/integration/id.vtt": "WebVTT line 15: bad timing line: '-->'",
    "mozilla_vtt_js/regions/line-break.vtt": "WebVTT line 3: text outside a cue",
    # Header "Region:" lines of an old draft, holding "-->": the spec (and we) read a timing line.
    "mozilla_vtt_js/cue-settings/region/region-arrows.vtt": "WebVTT line 2: bad timing line",
    "mozilla_vtt_js/regions/id/arrows.vtt": "WebVTT line 2: bad timing line",
    # vtt.js (an older draft) reads "000:00.000" and "120:00.000" as minutes; the spec says a
    # first field that is not two digits is hours, which then need minutes and seconds.
    "mozilla_vtt_js/cue-times/min-top-digits.vtt": _VTT_BAD_TIMING_3,
    "mozilla_vtt_js/cue-times/minimum-spots-over-sixty.vtt": _VTT_BAD_TIMING_3,
    # Not WebVTT files at all (vtt.js gives no output either).
    "mozilla_vtt_js/file-layout/bad-double-webvtt.vtt": _WEBVTT_SIGNATURE,
    "mozilla_vtt_js/file-layout/bom-garbage-data.vtt": _WEBVTT_SIGNATURE,
    "mozilla_vtt_js/file-layout/bom-tab-webvtt.vtt": _WEBVTT_SIGNATURE,
    "mozilla_vtt_js/file-layout/garbage-signature.vtt": _WEBVTT_SIGNATURE,
    "mozilla_vtt_js/file-layout/newline-before-webvtt.vtt": _WEBVTT_SIGNATURE,
    "mozilla_vtt_js/file-layout/tab-after-bom-before-header.vtt": _WEBVTT_SIGNATURE,
}


def read(rel: str, **kw: str) -> list[tuple[int, int, str]]:
    t = formats.read(CORPUS / rel, **kw)
    return [(s.start, s.end, s.text) for s in t.segments]


def read_quietly(rel: str) -> list[tuple[int, int, str]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SubtitleWarning)
        return read(rel)


def test_corpus_is_there_and_every_pinned_error_names_a_real_file() -> None:
    assert len(FILES) > 300
    assert set(EXPECTED_ERRORS) <= set(FILES)


@pytest.mark.parametrize("rel", FILES)
def test_every_corpus_file_parses_or_fails_as_pinned(rel: str) -> None:
    if rel in EXPECTED_ERRORS:
        with pytest.raises(SubtitleParseError) as e:
            read_quietly(rel)
        message = str(e.value)
        assert EXPECTED_ERRORS[rel] in message
        assert "\n" not in message and message.startswith(Path(rel).name + ": ")
    else:
        segments = read_quietly(rel)
        starts = [s for s, _, _ in segments]
        assert starts == sorted(starts)
        assert all(end >= start for start, end, _ in segments)


# --- mozilla/vtt.js: expected parses shipped beside the cases ---------------------------------
def _vttjs_cases() -> list[str]:
    return [
        rel
        for rel in FILES
        if rel.startswith("mozilla_vtt_js/") and rel not in EXPECTED_ERRORS and rel.endswith(".vtt")
    ]


@pytest.mark.parametrize("rel", _vttjs_cases())
def test_vttjs_cases_match_the_expected_cues(rel: str) -> None:
    expected_json = (CORPUS / rel).with_suffix(".json")
    proc_json = (CORPUS / rel).with_name(Path(rel).stem + "-proc.json")
    got = read_quietly(rel)
    if expected_json.exists():
        cues = json.loads(expected_json.read_text(encoding="utf-8"))["cues"]
        assert [(s, e) for s, e, _ in got] == [
            (round(c["startTime"] * 1000), round(c["endTime"] * 1000)) for c in cues
        ]
        # vtt.js keeps the raw cue text; we decode references and keep tags as written, except
        # a leading voice tag, which becomes the cue's speaker (test_speakers_formats.py)
        assert [t for _, _, t in got] == [_without_voice(html.unescape(c["text"])) for c in cues]
    elif proc_json.exists() and rel != "mozilla_vtt_js/file-layout/header-no-new-line.vtt":
        assert len(got) == len(json.loads(proc_json.read_text(encoding="utf-8")))


def _without_voice(text: str) -> str:
    m = re.match(r"<v(?:\.[^\s<>]*)?[ \t]+([^<>\n]*)>", text)
    if m is None or "<v" in text[m.end() :] or not m[1].strip():
        return text
    return text[m.end() :].removesuffix("</v>")


def test_vttjs_cue_right_after_the_header_follows_the_current_spec() -> None:
    # vtt.js (an older draft) shows nothing; the current spec ends the header at the arrow line.
    assert read("mozilla_vtt_js/file-layout/header-no-new-line.vtt") == [(11000, 13000, "Test")]


def test_vttjs_escape_cases_decode_references() -> None:
    assert read("mozilla_vtt_js/cuetext/escape-characters/together.vtt") == [
        (0, 2000, "Some text < &> < &nb\xa0 &am< \u200f&lr\u200e other stuff.")
    ]


# --- files checked by hand ----------------------------------------------------------------------
ANDROIDX_TYPICAL = [
    (0, 1234, "This is the first subtitle."),
    (2345, 3456, "This is the second subtitle.\nSecond subtitle with second line."),
    (7_204_567, 7_208_901, "This is the third subtitle."),
]


@pytest.mark.parametrize(
    "name",
    [
        "typical",
        "typical_extra_blank_line",
        "typical_missing_sequence",
        "typical_with_byte_order_mark",
        "typical_utf16le",
        "typical_utf16be",
    ],
)
def test_androidx_typical_srt_variants_read_the_same(name: str) -> None:
    assert read(f"androidx_media/subrip/{name}.srt") == ANDROIDX_TYPICAL


def test_androidx_srt_without_hours_or_millis() -> None:
    got = read("androidx_media/subrip/typical_no_hours_and_millis.srt")
    assert [(s, e) for s, e, _ in got] == [(0, 1234), (2000, 3000), (7_204_567, 7_208_901)]


def test_androidx_srt_truncated_after_a_cue_number_warns() -> None:
    with pytest.warns(SubtitleWarning, match="line 10: ignored cue number 3"):
        got = read("androidx_media/subrip/typical_unexpected_end.srt")
    assert got == ANDROIDX_TYPICAL[:2]


def test_androidx_srt_tags_are_kept_as_text() -> None:
    got = read("androidx_media/subrip/typical_with_tags.srt")
    assert len(got) == 14
    assert got[0] == (0, 1234, "This is {\\an1} the first subtitle.")
    assert got[4][:2] == (13567, 14901)  # "00:00:013,567": three-digit seconds are read


def test_cdown_srt_ascii() -> None:
    assert read("cdown_srt/ascii.srt") == [
        (27000, 30730, "ascii"),
        (31500, 34100, "oh look"),
        (34100, 36570, "ascii everywhere"),
    ]


def test_cdown_srt_gb2312_reads_with_its_encoding() -> None:
    assert [t for _, _, t in read("cdown_srt/gb2312.srt", encoding="gb2312")] == [
        "宇宙守护神  保护我们远离邪恶",
        "他能徒手抓住子弹  拦住疾速的火车",
        "轻轻一跳就能飞跃高楼",
    ]


def test_webvtt_py_sample() -> None:
    got = read("webvtt_py/sample.vtt")
    assert [t for _, _, t in got] == [f"Caption text #{i}" for i in range(1, 17)]
    assert got[0][:2] == (500, 7000) and got[-1][:2] == (61350, 64300)
    assert read("webvtt_py/sample.srt") == got[:5]


def test_webvtt_py_comments_identifiers_styles_and_metadata_are_not_text() -> None:
    comments = read("webvtt_py/comments.vtt")
    assert [t for _, _, t in comments] == [
        "- Ta en kopp varmt te.\n- Det är inte varmt.",
        "- Har en kopp te.\n- Det smakar som te.  ",
        "- Ta en kopp",
    ]
    assert [t for _, _, t in read("webvtt_py/using_identifiers.vtt")] == [
        f"Caption text #{i}" for i in range(1, 7)
    ]
    assert read("webvtt_py/styles.vtt") == [(0, 10000, "- Hello <b>world</b>.")]
    assert len(read("webvtt_py/metadata_headers_multiline.vtt")) == 2


def test_webvtt_py_youtube_cues_without_blank_lines_and_inline_timestamps() -> None:
    got = read("webvtt_py/youtube_dl.vtt")
    assert len(got) == 4
    assert got[1] == (286470, 304080, "yeah\n<c.colorCCCCCC>what</c>")
    assert got[2][0] == 304080 and got[2][2].startswith("this<00:05:04.199><c> will</c>")


def test_webvtt_py_timing_line_in_cue_text_starts_a_new_cue_as_the_spec_says() -> None:
    got = read("webvtt_py/invalid_timeframe_in_cue_text.vtt")
    assert got[1:3] == [(7000, 10890, ""), (7000, 10890, "Caption text #2")]


@pytest.mark.parametrize(
    "rel", ["webvtt_py/missing_caption_text.srt", "webvtt_py/missing_caption_text.vtt"]
)
def test_webvtt_py_empty_cue_is_kept(rel: str) -> None:
    got = read(rel)
    assert len(got) == 5 and got[1] == (7000, 11890, "")


def test_androidx_vtt_overlaps_tags_entities_cr_endings_and_huge_hours() -> None:
    assert [
        (s, e) for s, e, _ in read("androidx_media/webvtt/with_overlapping_timestamps.vtt")
    ] == [
        (0, 3000),
        (1000, 2000),
        (4000, 6000),
        (5000, 7000),
    ]
    assert [t for _, _, t in read("androidx_media/webvtt/with_tags.vtt")] == [
        "This is the <i>first</i> subtitle.",
        "This is the <b><i>second</b></i> subtitle.",
        "This is the <c.red.caps>third</c> subtitle.",
        "This is the <fourth> &subtitle.",
    ]
    assert read("androidx_media/webvtt/with_wide_unicode_chars_and_cr_endings.vtt") == [
        (0, 1234, "😛\n😛")
    ]
    got = read("androidx_media/webvtt/with_x-timestamp-map_header.vtt")
    assert got[0] == (((266 * 60 + 18) * 60 + 35) * 1000 + 679, 958_717_305, "  Cue text one")


@pytest.mark.parametrize("rel", ["androidx_media/webvtt/with_tags.vtt", "webvtt_py/youtube_dl.vtt"])
def test_corpus_vtt_round_trips_through_our_writer(rel: str) -> None:
    t = formats.read(CORPUS / rel)
    for fmt in ("vtt", "srt"):
        back = formats.from_string(formats.to_string(t, fmt), fmt)
        assert [(s.start, s.end, s.text) for s in back.segments] == read(rel)


# --- pysubs2 as a second reader ---------------------------------------------------------------
PYSUBS2_AGREES = [
    "androidx_media/subrip/typical.srt",
    "androidx_media/subrip/typical_extra_blank_line.srt",
    "androidx_media/subrip/typical_missing_sequence.srt",
    "androidx_media/subrip/typical_with_byte_order_mark.srt",
    "cdown_srt/ascii.srt",
    "webvtt_py/sample.srt",
    "webvtt_py/missing_caption_text.srt",
    "webvtt_py/invalid_timeframe.srt",
    "androidx_media/webvtt/typical.vtt",
    "androidx_media/webvtt/with_overlapping_timestamps.vtt",
    "androidx_media/webvtt/with_wide_unicode_chars_and_cr_endings.vtt",
    "webvtt_py/sample.vtt",
    "webvtt_py/cue_tags.vtt",
    "webvtt_py/youtube_dl.vtt",
]
# pysubs2 gets the times right but puts NOTE blocks and cue identifiers into the text, and does
# not decode character references.
PYSUBS2_AGREES_ON_TIMES = [
    "androidx_media/webvtt/typical_with_comments.vtt",
    "androidx_media/webvtt/with_tags.vtt",
    "androidx_media/webvtt/with_x-timestamp-map_header.vtt",
    "webvtt_py/comments.vtt",
    "webvtt_py/using_identifiers.vtt",
]


def _pysubs2(rel: str) -> list[tuple[int, int, str]]:
    subs = pysubs2.load(str(CORPUS / rel), format_=rel[-3:], keep_html_tags=True)
    return [(e.start, e.end, e.text.replace("\\N", "\n")) for e in subs]


@pytest.mark.parametrize("rel", PYSUBS2_AGREES)
def test_plain_files_read_as_pysubs2_reads_them(rel: str) -> None:
    assert read(rel) == _pysubs2(rel)


@pytest.mark.parametrize("rel", PYSUBS2_AGREES_ON_TIMES)
def test_times_agree_with_pysubs2(rel: str) -> None:
    assert [c[:2] for c in read(rel)] == [c[:2] for c in _pysubs2(rel)]

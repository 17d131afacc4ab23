"""Subtitle formats: golden outputs, import edge cases, and write∘read identity on the model."""

from __future__ import annotations

import codecs
import itertools
import re
import warnings
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wavescribe.core import formats
from wavescribe.core.errors import InputError, InputNotFound, SubtitleParseError
from wavescribe.core.formats import SubtitleWarning, UnsupportedSubtitleFormat
from wavescribe.core.formats.encoding import decode
from wavescribe.core.transcript import Segment, SourceInfo, Transcript, Word


def tr(*segs: tuple[int, int, str]) -> Transcript:
    return Transcript(segments=[Segment(s, e, t) for s, e, t in segs])


def cues(t: Transcript) -> list[tuple[int, int, str]]:
    return [(s.start, s.end, s.text) for s in t.segments]


def parse_no_warnings(text: str, fmt: str) -> Transcript:
    with warnings.catch_warnings():
        warnings.simplefilter("error", SubtitleWarning)
        return formats.from_string(text, fmt)


SAMPLE = tr(
    (0, 1500, "Hello, world."),
    (1500, 4000, "Two lines,\nhere."),
    (3_600_000 * 101 + 61_001, 3_600_000 * 101 + 62_000, "<i>Late</i> & odd --> text"),
)


# --- registry ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "fmt"),
    [("a.srt", "srt"), ("b.VTT", "vtt"), ("dir.v/c.txt", "txt"), ("d.Json", "json")],
)
def test_format_for_path_goes_by_extension_case_insensitively(name: str, fmt: str) -> None:
    assert formats.format_for_path(name) == fmt


@pytest.mark.parametrize("name", ["movie.ass", "notes", "x.srt.bak"])
def test_unknown_extension_is_a_typed_input_error(name: str) -> None:
    with pytest.raises(UnsupportedSubtitleFormat, match="unknown subtitle extension") as e:
        formats.format_for_path(name)
    assert isinstance(e.value, InputError)


def test_registry_has_one_entry_per_format_and_txt_is_export_only() -> None:
    assert set(formats.FORMATS) == {"srt", "vtt", "txt", "json"}
    assert formats.FORMATS["txt"].parse is None
    with pytest.raises(UnsupportedSubtitleFormat, match="cannot be imported"):
        formats.from_string("hello\n", "txt")


def test_unknown_format_name_is_refused_on_both_sides() -> None:
    with pytest.raises(UnsupportedSubtitleFormat, match="'ass'"):
        formats.to_string(SAMPLE, "ass")
    with pytest.raises(UnsupportedSubtitleFormat):
        formats.from_string("", "ass")


@pytest.mark.parametrize("ext", [".srt", ".vtt", ".json"])
def test_write_then_read_by_extension_gives_the_cues_back(tmp_path: Path, ext: str) -> None:
    path = tmp_path / f"out{ext}"
    formats.write(SAMPLE, path)
    assert cues(formats.read(path)) == cues(SAMPLE)
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left
    assert b"\r" not in path.read_bytes()
    assert not path.read_bytes().startswith(codecs.BOM_UTF8)


def test_write_passes_options_and_an_explicit_format_wins(tmp_path: Path) -> None:
    path = tmp_path / "transcript.log"
    formats.write(SAMPLE, path, "txt", with_times=True)
    assert path.read_text(encoding="utf-8").startswith("[00:00:00.000 --> 00:00:01.500] Hello")


def test_read_missing_file_is_input_not_found(tmp_path: Path) -> None:
    with pytest.raises(InputNotFound):
        formats.read(tmp_path / "nope.srt")


def test_read_a_directory_is_input_not_found(tmp_path: Path) -> None:
    (tmp_path / "dir.srt").mkdir()
    with pytest.raises(InputNotFound, match="not a file"):
        formats.read(tmp_path / "dir.srt")


@pytest.mark.parametrize("fmt", ["srt", "vtt"])
def test_writing_a_negative_time_is_a_bug_not_a_silent_clamp(fmt: str) -> None:
    with pytest.raises(ValueError, match="negative time"):
        formats.to_string(tr((-1, 1000, "x")), fmt)


def test_read_errors_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.srt"
    path.write_text("not a subtitle\n", encoding="utf-8")
    with pytest.raises(SubtitleParseError, match=r"^broken\.srt: SRT line 1: text before"):
        formats.read(path)


# --- decoding ---------------------------------------------------------------------------------
SRT_UNICODE = "1\n00:00:01,000 --> 00:00:02,000\nCafé 字幕 🎬 שלום\n"


@pytest.mark.parametrize(
    "data",
    [
        SRT_UNICODE.encode("utf-8"),
        codecs.BOM_UTF8 + SRT_UNICODE.encode("utf-8"),
        codecs.BOM_UTF16_LE + SRT_UNICODE.encode("utf-16-le"),
        codecs.BOM_UTF16_BE + SRT_UNICODE.encode("utf-16-be"),
        codecs.BOM_UTF32_LE + SRT_UNICODE.encode("utf-32-le"),
        SRT_UNICODE.encode("utf-16-le"),  # no BOM: recognised by its NUL bytes
        SRT_UNICODE.encode("utf-16-be"),
    ],
    ids=["utf8", "utf8-bom", "utf16le-bom", "utf16be-bom", "utf32le-bom", "utf16le", "utf16be"],
)
def test_decode_detects_unicode_encodings_and_drops_the_bom(data: bytes) -> None:
    assert decode(data) == SRT_UNICODE


def test_decode_falls_back_to_cp1252_for_western_text() -> None:
    text = "1\n00:00:01,000 --> 00:00:02,000\nOù est le café ? Très « bien » – 5 €\n"
    assert decode(text.encode("cp1252")) == text


def test_decode_refuses_legacy_cjk_instead_of_making_mojibake() -> None:
    data = "1\n00:00:01,000 --> 00:00:02,000\n宇宙守护神保护我们\n".encode("gb2312")
    with pytest.raises(SubtitleParseError, match="encoding"):
        decode(data)
    assert "宇宙守护神" in decode(data, "gb2312")


def test_decode_with_a_wrong_or_unknown_encoding_is_a_parse_error() -> None:
    with pytest.raises(SubtitleParseError, match="not valid utf-8"):
        decode("é".encode("cp1252"), "utf-8")
    with pytest.raises(SubtitleParseError, match="unknown text encoding"):
        decode(b"x", "no-such-codec")


# --- SRT --------------------------------------------------------------------------------------
SAMPLE_SRT = """\
1
00:00:00,000 --> 00:00:01,500
Hello, world.

2
00:00:01,500 --> 00:00:04,000
Two lines,
here.

3
101:01:01,001 --> 101:01:02,000
<i>Late</i> & odd --> text
"""


def test_srt_golden_output() -> None:
    assert formats.to_string(SAMPLE, "srt") == SAMPLE_SRT


def test_srt_reads_its_golden_output_back() -> None:
    assert cues(parse_no_warnings(SAMPLE_SRT, "srt")) == cues(SAMPLE)


def test_srt_written_text_never_holds_a_blank_line_inside_a_cue() -> None:
    out = formats.to_string(tr((0, 1000, "one\n\n  \ntwo\n"), (1000, 2000, "")), "srt")
    assert out == "1\n00:00:00,000 --> 00:00:01,000\none\ntwo\n\n2\n00:00:01,000 --> 00:00:02,000\n"
    assert cues(formats.from_string(out, "srt")) == [(0, 1000, "one\ntwo"), (1000, 2000, "")]


def test_srt_reads_bom_and_crlf() -> None:
    text = (
        "\ufeff1\r\n00:00:01,000 --> 00:00:02,000\r\nA\r\nB\r\n\r\n"
        "2\r\n00:00:03,000 --> 00:00:04,000\r\nC\r\n"
    )
    assert cues(parse_no_warnings(text, "srt")) == [(1000, 2000, "A\nB"), (3000, 4000, "C")]


def test_srt_keeps_text_exactly_as_written() -> None:
    # Tags, braces, entities, indentation, an arrow and quoted times in text, a last line that is
    # a number: all text. (pysubs2 would strip, rewrite tags and drop the "42".)
    body = "  <i>So</i> {\\an8}&amp; a --> b\nat 00:00:05,000 --> 00:00:06,000 ok\n42"
    text = f"1\n00:00:01,000 --> 00:00:02,000\n{body}\n"
    assert cues(parse_no_warnings(text, "srt")) == [(1000, 2000, body)]
    assert formats.to_string(formats.from_string(text, "srt"), "srt") == text


def test_srt_accepts_what_players_accept() -> None:
    text = (
        "\n\n00:00,500 --> 00:01,000\nno number, no hours\n\n\n\n"
        "7\n00:00:02 --> 00:00:03.250  X1:10 X2:20 Y1:30 Y2:40\nno millis, dot, coordinates\n\n"
        "9\n00:00:04,000-->00:00:05,000\nno spaces\n\nafter a stray blank line\n"
    )
    assert cues(parse_no_warnings(text, "srt")) == [
        (500, 1000, "no number, no hours"),
        (2000, 3250, "no millis, dot, coordinates"),
        (4000, 5000, "no spaces\nafter a stray blank line"),
    ]


@pytest.mark.parametrize(
    ("timing", "message"),
    [
        ("00:00:01,000 --> 00:00:02,0000", "needs 3 digits of milliseconds"),
        ("00:00:01,000 --> 00:00:02,00", "needs 3 digits of milliseconds"),
        ("-00:00:01,000 --> 00:00:02,000", "negative time"),
        ("00:00:01,000 -->", "missing time"),
        ("00:61:01,000 --> 00:62:00,000", "over 59"),
        ("00:01 --> 00:02", "needs hours or milliseconds"),
    ],
)
def test_srt_refuses_broken_timing_lines_with_the_line_number(timing: str, message: str) -> None:
    text = f"1\n00:00:00,000 --> 00:00:00,500\nok\n\n2\n{timing}\nbroken\n"
    with pytest.raises(SubtitleParseError, match=f"^SRT line 6: .*{message}") as e:
        formats.from_string(text, "srt")
    assert "\n" not in str(e.value)


def test_srt_refuses_a_cue_number_without_timing_and_text_before_the_first_cue() -> None:
    missing = "1\n00:00:00,000 --> 00:00:01,000\na\n\n2\nlost text\n"
    with pytest.raises(SubtitleParseError, match="line 5: cue number 2 is not followed"):
        formats.from_string(missing, "srt")
    with pytest.raises(SubtitleParseError, match="line 1: text before the first cue"):
        formats.from_string("Title\n1\n00:00:00,000 --> 00:00:01,000\na\n", "srt")


def test_srt_dangling_number_at_the_end_is_a_warning() -> None:
    with pytest.warns(SubtitleWarning, match="line 5: ignored cue number 2"):
        t = formats.from_string("1\n00:00:00,000 --> 00:00:01,000\na\n\n2\n\n", "srt")
    assert cues(t) == [(0, 1000, "a")]


@pytest.mark.parametrize("fmt", ["srt", "vtt"])
def test_overlapping_and_zero_length_cues_are_kept_and_sorted_by_start(fmt: str) -> None:
    t = tr(
        (5000, 9000, "late"), (1000, 6000, "overlaps"), (3000, 3000, "zero"), (1000, 2000, "tie")
    )
    # compose keeps the given order, so the file is out of order; reading sorts (stable on ties)
    back = parse_no_warnings(formats.to_string(t, fmt), fmt)
    assert cues(back) == [
        (1000, 6000, "overlaps"),
        (1000, 2000, "tie"),
        (3000, 3000, "zero"),
        (5000, 9000, "late"),
    ]


@pytest.mark.parametrize(
    ("fmt", "text"),
    [
        ("srt", "1\n00:00:05,000 --> 00:00:04,000\nbackwards\n"),
        ("vtt", "WEBVTT\n\n00:05.000 --> 00:04.000\nbackwards\n"),
    ],
)
def test_end_before_start_is_clamped_to_start_with_a_warning(fmt: str, text: str) -> None:
    with pytest.warns(
        SubtitleWarning, match=r"line \d: cue ends \(00:00:04.000\) before it starts"
    ):
        t = formats.from_string(text, fmt)
    assert cues(t) == [(5000, 5000, "backwards")]


@pytest.mark.parametrize("fmt", ["srt", "vtt"])
def test_import_gives_segments_without_words_or_language(fmt: str) -> None:
    t = formats.from_string(formats.to_string(SAMPLE, fmt), fmt)
    assert t.language is None and t.source is None
    assert all(s.words == [] for s in t.segments)


UNICODE_TEXTS = [
    "中文字幕，日本語の字幕、한국어 자막",
    "emoji 👩‍👩‍👧 🎬🇫🇷 and 𝒳",
    "\u200fمرحبا بالعالم!\u200f\n\u200fשלום, עולם.\u200f",
    "zero\u200bwidth and line\u2028separator and nbsp\xa0here",
]


@pytest.mark.parametrize("fmt", ["srt", "vtt"])
@pytest.mark.parametrize("text", UNICODE_TEXTS, ids=["cjk", "emoji", "rtl", "odd-spaces"])
def test_unicode_and_rtl_text_round_trips(fmt: str, text: str) -> None:
    t = tr((0, 1000, text), (1000, 2000, "x"))
    assert cues(parse_no_warnings(formats.to_string(t, fmt), fmt)) == cues(t)


# --- VTT --------------------------------------------------------------------------------------
SAMPLE_VTT = """\
WEBVTT

00:00:00.000 --> 00:00:01.500
Hello, world.

00:00:01.500 --> 00:00:04.000
Two lines,
here.

101:01:01.001 --> 101:01:02.000
<i>Late</i> &amp; odd --&gt; text
"""


def test_vtt_golden_output_escapes_text_and_keeps_tags() -> None:
    assert formats.to_string(SAMPLE, "vtt") == SAMPLE_VTT
    assert formats.to_string(Transcript(), "vtt") == "WEBVTT\n"


def test_vtt_reads_its_golden_output_back() -> None:
    assert cues(parse_no_warnings(SAMPLE_VTT, "vtt")) == cues(SAMPLE)


def test_vtt_escapes_everything_that_is_not_a_tag() -> None:
    text = "a < b > c && <b>bold</b> <3 <br/> <00:01.500>x 1-->2 <x-->"
    out = formats.to_string(tr((0, 1000, text)), "vtt")
    line = out.splitlines()[-1]
    assert line == (
        "a &lt; b &gt; c &amp;&amp; <b>bold</b> &lt;3 <br/> <00:01.500>x 1--&gt;2 &lt;x--&gt;"
    )
    assert cues(formats.from_string(out, "vtt")) == [(0, 1000, text)]


def test_vtt_reads_header_blocks_identifiers_settings_and_entities() -> None:
    text = (
        "\ufeffWEBVTT - a title\r\nKind: captions\r\nLanguage: en\r\n\r\n"
        "STYLE\r\n::cue { color: red }\r\n\r\n"
        "REGION\r\nid:fred width:40%\r\n\r\n"
        "NOTE a comment\r\nover two lines\r\n\r\n"
        "intro\r\n00:01.000 --> 00:02.500 align:start position:10%\r\n"
        "&lt;Tom &amp; Jerry&gt;&nbsp;&rlm;<v Tom>hi</v>\r\n  second line\r\n\r\n"
        "NOTE\r\nat the end\r\n"
    )
    assert cues(parse_no_warnings(text, "vtt")) == [
        (1000, 2500, "<Tom & Jerry>\xa0\u200f<v Tom>hi</v>\n  second line")
    ]


def test_vtt_cue_may_follow_a_cue_or_note_without_a_blank_line() -> None:
    text = (
        "WEBVTT\n00:00.000 --> 00:01.000\na\n00:01.000 --> 00:02.000\nb\n"
        "\nNOTE x\n00:02.000 --> 00:03.000\nc\n"
    )
    assert cues(parse_no_warnings(text, "vtt")) == [
        (0, 1000, "a"),
        (1000, 2000, "b"),
        (2000, 3000, "c"),
    ]


def test_vtt_arrow_in_cue_text_is_refused_with_a_clear_message() -> None:
    text = "WEBVTT\n\n00:00.000 --> 00:01.000\nthis --> breaks the cue\n"
    with pytest.raises(SubtitleParseError, match="line 4: '-->' is not allowed in cue text"):
        formats.from_string(text, "vtt")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("00:00.000 --> 00:01.000\nno header\n", "line 1: the file must start with 'WEBVTT'"),
        ("WEBVTTX\n", "must start with 'WEBVTT'"),
        ("WEBVTT\n\n00:00.000 --> 00:01.0000\nx\n", "line 3: bad timing line"),
        ("WEBVTT\n\n0:00.000 --> 00:01.000\nx\n", "line 3: bad timing line"),
        ("WEBVTT\n\n00:60.000 --> 00:61.000\nx\n", "line 3: bad timing line"),
        ("WEBVTT\n\n00:00,000 --> 00:01,000\nx\n", "line 3: bad timing line"),
        ("WEBVTT\n\n00:00.000 --> 00:01.000\na\n\nlost\n", "line 6: text outside a cue"),
    ],
)
def test_vtt_refuses_what_a_browser_would_silently_drop(text: str, message: str) -> None:
    with pytest.raises(SubtitleParseError, match=message) as e:
        formats.from_string(text, "vtt")
    assert "\n" not in str(e.value)


@pytest.mark.parametrize("fmt", ["srt", "vtt"])
@pytest.mark.parametrize("text", ["", "\n\n", "\ufeff", " \r\n"])
def test_empty_input_is_an_empty_transcript(fmt: str, text: str) -> None:
    assert formats.from_string(text, fmt).segments == []


# --- TXT --------------------------------------------------------------------------------------
def test_txt_golden_output() -> None:
    t = tr((0, 1500, "Hello, world."), (1500, 4000, "Two lines,\n here. "), (4000, 4100, ""))
    assert formats.to_string(t, "txt") == "Hello, world.\nTwo lines, here.\n\n"
    assert formats.to_string(t, "txt", with_times=True) == (
        "[00:00:00.000 --> 00:00:01.500] Hello, world.\n"
        "[00:00:01.500 --> 00:00:04.000] Two lines, here.\n"
        "[00:00:04.000 --> 00:00:04.100]\n"
    )


# --- JSON -------------------------------------------------------------------------------------
def test_json_round_trip_is_lossless() -> None:
    t = Transcript(
        segments=[
            Segment(
                0, 900, " Hello world", [Word(0, 400, " Hello", 0.9), Word(400, 900, " world")]
            ),
            Segment(900, 1200, "", no_speech_prob=0.75),
        ],
        language="en",
        # a file name: an absolute path is cut to its name (issue 13, test_failures_cli.py)
        source=SourceInfo("a b.wav", 1200, "wav", "pcm_s16le", 16000, 1),
        model="base.en",
        metadata={"refined": True, "note": "é"},
    )
    back = formats.from_string(formats.to_string(t, "json"), "json")
    assert back == t


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{\n  oops", "JSON line 2"),
        ('{"segments": [{"start": 1}]}', "not a Wavescribe"),
        ("[]", "not a Wavescribe"),
        ('{"schema": 99}', "newer than this Wavescribe supports"),
    ],
)
def test_json_broken_file_is_a_parse_error(text: str, message: str) -> None:
    with pytest.raises(SubtitleParseError, match=message):
        formats.from_string(text, "json")


# --- properties: write then read is the identity on the model ---------------------------------
_TEXT_CHARS = st.characters(blacklist_categories=("Cc", "Cs"))
_LINE = st.text(_TEXT_CHARS, min_size=1, max_size=30).filter(lambda s: bool(s.strip()))
_SRT_TIMING_LIKE = re.compile(r"[ \t]*-?[0-9:,.]*[ \t]*-->.*")
_MAX_MS = 400 * 3_600_000  # past 99 hours on purpose
_VTT_TIMING = re.compile(r"\d{2,}:\d{2}:\d{2}\.\d{3} --> \d{2,}:\d{2}:\d{2}\.\d{3}")


@st.composite
def transcripts(draw: st.DrawFn, line: st.SearchStrategy[str] = _LINE) -> Transcript:
    starts = sorted(draw(st.lists(st.integers(0, _MAX_MS), max_size=8)))
    segs = []
    for start in starts:
        end = start + draw(st.one_of(st.just(0), st.integers(0, 10_000), st.integers(0, _MAX_MS)))
        text = "\n".join(draw(st.lists(line, max_size=3)))
        segs.append(Segment(start, end, text))
    return Transcript(segments=segs)


@settings(max_examples=200, deadline=None)
@given(transcripts(_LINE.filter(lambda s: not _SRT_TIMING_LIKE.fullmatch(s))))
def test_srt_write_then_read_is_identity(t: Transcript) -> None:
    assert cues(parse_no_warnings(formats.to_string(t, "srt"), "srt")) == cues(t)


@settings(max_examples=200, deadline=None)
@given(transcripts(_LINE | st.sampled_from(["-->", "a --> b", "&amp;", "<i>x</i>", "<a-->", "<"])))
def test_vtt_write_then_read_is_identity_and_output_is_valid(t: Transcript) -> None:
    out = formats.to_string(t, "vtt")
    assert cues(parse_no_warnings(out, "vtt")) == cues(t)
    lines = out.split("\n")
    assert lines[0] == "WEBVTT" and lines[-1] == ""
    timings = 0
    for before, line in itertools.pairwise(lines):
        if "-->" in line:  # only timing lines hold an arrow, each after a blank line
            assert before == "" and _VTT_TIMING.fullmatch(line)
            timings += 1
        else:  # text: every "&" starts one of the references we write
            assert "&" not in re.sub(r"&(amp|lt|gt|nbsp|lrm|rlm);", "", line)
    assert timings == len(t.segments)


_WORDS = st.builds(
    Word,
    st.integers(0, _MAX_MS),
    st.integers(0, _MAX_MS),
    st.text(_TEXT_CHARS, max_size=10),
    st.one_of(st.none(), st.floats(0, 1)),
)


@settings(max_examples=100, deadline=None)
@given(transcripts(), st.lists(_WORDS, max_size=4), st.one_of(st.none(), st.sampled_from(["en"])))
def test_json_write_then_read_is_identity(
    t: Transcript, words: list[Word], lang: str | None
) -> None:
    if t.segments:
        t.segments[0].words = words
    t.language = lang
    assert formats.from_string(formats.to_string(t, "json"), "json") == t

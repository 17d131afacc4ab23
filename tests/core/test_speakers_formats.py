"""Speakers in the data model and every export: JSON, projects, VTT voice tags, SRT/TXT names."""

from __future__ import annotations

import html
import io

import pysubs2
import pytest
import webvtt

from wavescribe.core import formats
from wavescribe.core.transcript import Segment, Speaker, Transcript, Word


def conversation() -> Transcript:
    t = Transcript(
        segments=[
            Segment(0, 1000, "Hello there.", [Word(0, 500, " Hello", 0.9, "S1")], speaker="S1"),
            Segment(1200, 2000, "How are you?", speaker="S1"),
            Segment(2500, 3000, "Fine & 1 < 2.", speaker="S2"),
            Segment(3200, 4000, "Nobody knows who.", speaker=None),
        ],
        speakers={"S1": Speaker("Ann Lee", "#0072b2"), "S2": Speaker("Bob", "#e69f00")},
    )
    return t


def test_json_carries_a_speaker_on_each_segment_and_the_speaker_table():
    text = formats.to_string(conversation(), "json")
    back = formats.from_string(text, "json")
    assert [s.speaker for s in back.segments] == ["S1", "S1", "S2", None]
    assert back.segments[0].words[0].speaker == "S1"
    assert back.speakers == conversation().speakers
    assert '"speaker": null' in text  # present on every segment, even when unknown


def test_a_transcript_without_speakers_reads_as_before():
    old = '{"schema": 1, "segments": [{"start": 0, "end": 5, "text": "x", "words": []}]}'
    t = formats.from_string(old, "json")
    assert t.speakers == {} and t.segments[0].speaker is None


def test_vtt_writes_voice_tags_and_the_core_reader_reads_them_back():
    text = formats.to_string(conversation(), "vtt")
    assert "<v Ann Lee>Hello there." in text
    assert "<v Bob>Fine &amp; 1 &lt; 2." in text
    back = formats.from_string(text, "vtt")
    names = [back.speaker_name(s.speaker) for s in back.segments]
    assert names == ["Ann Lee", "Ann Lee", "Bob", None]
    assert [s.text for s in back.segments] == [s.text for s in conversation().segments]
    assert back.segments[0].speaker == back.segments[1].speaker != back.segments[2].speaker


def test_vtt_voice_tags_parse_with_webvtt_py_and_pysubs2():
    text = formats.to_string(conversation(), "vtt")
    cues = list(webvtt.from_buffer(io.StringIO(text)))
    assert [c.voice for c in cues] == ["Ann Lee", "Ann Lee", "Bob", None]
    assert html.unescape(cues[2].text) == "Fine & 1 < 2."  # webvtt-py keeps references
    events = pysubs2.SSAFile.from_string(text, format_="vtt")
    assert [e.plaintext for e in events][:2] == ["Hello there.", "How are you?"]


def test_a_vtt_cue_with_a_closing_voice_tag_or_two_voices():
    text = (
        "WEBVTT\n\n00:01.000 --> 00:02.000\n<v.loud Esme>Hi</v>\n\n"
        "00:03.000 --> 00:04.000\n<v A>one <v B>two\n"
    )
    t = formats.from_string(text, "vtt")
    assert t.speaker_name(t.segments[0].speaker) == "Esme" and t.segments[0].text == "Hi"
    assert t.segments[1].speaker is None and t.segments[1].text == "<v A>one <v B>two"


def test_srt_prefixes_names_only_when_asked():
    plain = formats.to_string(conversation(), "srt")
    assert "Ann Lee:" not in plain
    named = formats.to_string(conversation(), "srt", speaker_names="prefix")
    assert "1\n00:00:00,000 --> 00:00:01,000\nAnn Lee: Hello there.\n" in named
    assert "\nNobody knows who.\n" in named
    back = formats.from_string(named, "srt")
    assert back.segments[2].text == "Bob: Fine & 1 < 2."


def test_txt_starts_a_paragraph_per_speaker_turn_and_can_prefix_names():
    assert formats.to_string(conversation(), "txt") == (
        "Hello there.\nHow are you?\n\nFine & 1 < 2.\n\nNobody knows who.\n"
    )
    assert formats.to_string(conversation(), "txt", speaker_names="prefix") == (
        "Ann Lee: Hello there.\nHow are you?\n\nBob: Fine & 1 < 2.\n\nNobody knows who.\n"
    )


def test_an_unknown_speaker_names_mode_is_refused_in_one_line():
    with pytest.raises(ValueError, match="use none or prefix"):
        formats.to_string(conversation(), "srt", speaker_names="suffix")


def test_project_files_keep_speakers(tmp_path):
    from wavescribe.core.project.project_file import Project

    path = tmp_path / "p.wsproj"
    Project(conversation()).save(path)
    back = Project.load(path).transcript
    assert back.speakers == conversation().speakers
    assert [s.speaker for s in back.segments] == ["S1", "S1", "S2", None]

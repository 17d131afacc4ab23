"""Exports from the GUI carry speakers: VTT voice tags always, SRT/TXT names when chosen."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import webvtt

from shared_data import JFK
from wavescribe.core import formats
from wavescribe.core.transcript import Segment, SourceInfo, Speaker, Transcript
from wavescribe.gui import export, settings


def talk() -> Transcript:
    return Transcript(
        [Segment(0, 1800, "Hello there.", speaker="S1"), Segment(2000, 4200, "Hi!", speaker="S2")],
        language="en",
        source=SourceInfo(str(JFK), 11000),
        speakers={"S1": Speaker("Ann", "#0072b2"), "S2": Speaker("Bob", "#e69f00")},
    )


@pytest.fixture
def answers(monkeypatch):
    queue: list[tuple[Path, str]] = []
    monkeypatch.setattr(export, "ask_export_path", lambda *a: queue.pop(0) if queue else None)
    return queue


def names_action(window):
    menu = window.export_as_menu
    return next(a for a in menu.actions() if a.text().startswith("Speaker &Names"))


def test_vtt_export_has_voice_tags_two_readers_understand(window, qtbot, answers, tmp_path):
    window.workspace.add_transcript(JFK, talk())
    target = tmp_path / "talk.vtt"
    answers.append((target, "vtt"))
    window.export_action.trigger()
    qtbot.waitUntil(target.exists)
    back = formats.read(target)
    assert [back.speaker_name(s.speaker) for s in back.segments] == ["Ann", "Bob"]
    cues = webvtt.from_buffer(io.StringIO(target.read_text()))
    assert [c.voice for c in cues] == ["Ann", "Bob"]


def test_srt_and_txt_carry_names_when_the_menu_option_is_on(window, qtbot, answers, tmp_path):
    window.workspace.add_transcript(JFK, talk())
    action = names_action(window)
    action.setChecked(False)
    plain = tmp_path / "plain.srt"
    answers.append((plain, "srt"))
    window.export_action.trigger()
    qtbot.waitUntil(plain.exists)
    assert "Ann:" not in plain.read_text()
    action.setChecked(True)
    assert settings.get_text(export.SPEAKER_NAMES_KEY) == "prefix"  # remembered
    named, text = tmp_path / "named.srt", tmp_path / "named.txt"
    answers.extend([(named, "srt"), (text, "txt")])
    window.export_action.trigger()
    qtbot.waitUntil(named.exists)
    window.export_action.trigger()
    qtbot.waitUntil(text.exists)
    assert [s.text for s in formats.read(named).segments] == ["Ann: Hello there.", "Bob: Hi!"]
    assert text.read_text() == "Ann: Hello there.\n\nBob: Hi!\n"
    action.setChecked(False)


def test_the_options_dialog_turns_speaker_finding_on_with_a_count(qtbot):
    from wavescribe.core.engine.options import TranscribeOptions
    from wavescribe.gui.options import OptionsDialog

    dialog = OptionsDialog(TranscribeOptions(speakers="2-4"), None)
    qtbot.addWidget(dialog)
    assert dialog.find_speakers.isChecked() and dialog.speaker_count.text() == "2-4"
    assert dialog.options().speakers == "2-4"
    dialog.speaker_count.setText(" 3 ")
    assert dialog.options().speakers == "3"
    dialog.speaker_count.setText("lots")
    assert dialog.options().speakers == "auto"  # unreadable: let the count be found
    dialog.find_speakers.setChecked(False)
    assert not dialog.speaker_count.isEnabled()
    assert dialog.options().speakers is None
    assert TranscribeOptions.from_dict(dialog.options().to_dict()) == dialog.options()

"""Export from the menu: every format, written where the user chose, readable by the core."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtGui import QKeySequence

from shared_data import JFK
from wavescribe.core import formats
from wavescribe.core.transcript import Segment, SourceInfo, Transcript, Word
from wavescribe.gui import export, settings


def sample_transcript() -> Transcript:
    return Transcript(
        [
            Segment(0, 1800, "Hello there,", [Word(0, 700, "Hello"), Word(700, 1800, " there,")]),
            Segment(2000, 4200, "and welcome — ünïcödé\nsecond line."),
        ],
        language="en",
        source=SourceInfo(str(JFK), 11000),
        model="tiny.en",
    )


@pytest.fixture
def answers(monkeypatch):
    """Stand in for the native save dialog: answer with queued paths and record what was asked."""
    queue: list[tuple[Path, str]] = []
    asked: list[tuple[Path, str]] = []

    def fake(parent, suggested: Path, fmt: str):
        asked.append((suggested, fmt))
        return queue.pop(0) if queue else None

    monkeypatch.setattr(export, "ask_export_path", fake)
    return queue, asked


@pytest.mark.parametrize("fmt", ["srt", "vtt", "json"])
def test_export_writes_a_file_the_core_reads_back(window, qtbot, answers, tmp_path, fmt):
    queue, _ = answers
    window.workspace.add_transcript(JFK, sample_transcript())
    target = tmp_path / f"out.{fmt}"
    queue.append((target, fmt))
    window.export_action.trigger()
    qtbot.waitUntil(target.exists)
    back = formats.read(target)
    assert [s.text for s in back.segments] == [s.text for s in sample_transcript().segments]
    assert [(s.start, s.end) for s in back.segments] == [(0, 1800), (2000, 4200)]
    if fmt == "json":  # lossless: words, language and source survive (the source by name only)
        expected = sample_transcript().to_dict()
        expected["source"]["path"] = JFK.name
        assert back.to_dict() == expected


def test_plain_text_export_from_the_export_as_menu(window, qtbot, answers, tmp_path):
    queue, asked = answers
    window.workspace.add_transcript(JFK, sample_transcript())
    target = tmp_path / "notes.txt"
    queue.append((target, "txt"))
    window.export_format_actions["txt"].trigger()
    qtbot.waitUntil(target.exists)
    assert asked[0][1] == "txt"
    assert "Hello there," in target.read_text() and "second line." in target.read_text()


def test_export_remembers_folder_and_format_and_first_suggests_beside_the_audio(
    window, qtbot, answers, tmp_path
):
    queue, asked = answers
    window.workspace.add_transcript(JFK, sample_transcript())
    window.export_action.trigger()  # the user cancels the dialog
    assert asked[0] == (JFK.parent / "jfk.srt", "srt")
    out = tmp_path / "subs"
    out.mkdir()
    queue.append((out / "talk.vtt", "vtt"))
    window.export_action.trigger()
    qtbot.waitUntil((out / "talk.vtt").exists)
    window.export_action.trigger()
    assert asked[2] == (out / "jfk.vtt", "vtt")
    assert settings.get_text(settings.LAST_EXPORT_DIR) == str(out)


def test_a_typed_extension_wins_over_the_chosen_filter():
    assert export.target_for(Path("/x/a.vtt"), "srt") == (Path("/x/a.vtt"), "vtt")
    assert export.target_for(Path("/x/a"), "json") == (Path("/x/a.json"), "json")
    assert export.target_for(Path("/x/a.en"), "srt") == (Path("/x/a.en.srt"), "srt")


def test_export_needs_a_finished_transcript_and_has_a_shortcut(window):
    assert not window.export_action.isEnabled()
    assert window.export_action.shortcut() == QKeySequence("Ctrl+E")
    window.workspace.add_transcript(JFK, sample_transcript())
    assert window.export_action.isEnabled()


def test_a_failed_export_is_explained_and_nothing_else_changes(window, qtbot, answers, tmp_path):
    from gui_helpers import visible_boxes

    queue, _ = answers
    window.workspace.add_transcript(JFK, sample_transcript())
    queue.append((tmp_path / "missing-folder" / "x.srt", "srt"))
    window.export_action.trigger()
    qtbot.waitUntil(lambda: bool(visible_boxes("errorBox")))
    [box] = visible_boxes("errorBox")
    assert "x.srt" in box.text()
    assert window.transcript_view.model().rowCount() == 2
    box.close()

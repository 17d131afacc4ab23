"""Find and replace across the transcript: options, cue selection, one undo step per replace."""

from __future__ import annotations

import copy

import pytest
from gui_helpers import show_editor
from PySide6.QtCore import Qt

from wavescribe.core.editing.find_replace import search_pattern
from wavescribe.core.transcript import Segment, SourceInfo, Transcript, Word
from wavescribe.gui.editor.editor_widget import EditorPanel
from wavescribe.gui.editor.find_replace import FindReplaceDialog, Match, all_matches, next_match

TEXTS = ["The cat sat.", "A Cat and a cat!", "Concatenate nothing", "cat"]


@pytest.fixture
def editor(qtbot):
    segs = [Segment(i * 2000, i * 2000 + 1500, text) for i, text in enumerate(TEXTS)]
    segs[0].words = [Word(0, 300, " The"), Word(400, 800, " cat"), Word(900, 1500, " sat.")]
    panel = show_editor(
        qtbot, Transcript(segs, "en", SourceInfo("talk.wav", 8000)), width=900, ms_per_px=None
    )
    yield panel
    panel.shutdown()


@pytest.fixture
def dialog(qtbot, editor) -> FindReplaceDialog:
    editor.setFocus()
    editor.actions_by_name["find"].trigger()  # what Ctrl+F does
    found = editor.findChild(FindReplaceDialog)
    assert found is not None and found.isVisible()
    return found


def texts(editor: EditorPanel) -> list[str]:
    return [s.text for s in editor.stack.doc.segments]


def table_row(editor: EditorPanel) -> int:
    rows = editor.table.selectionModel().selectedRows()
    return rows[0].row() if rows else -1


def test_ctrl_f_and_ctrl_h_open_the_dialog(qtbot, editor):
    editor.table.setFocus()
    qtbot.keyClick(editor.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    dialog = editor.findChild(FindReplaceDialog)
    assert dialog is not None and dialog.isVisible()
    dialog.find_edit.setText("cat")
    dialog.hide()
    qtbot.keyClick(editor.table, Qt.Key.Key_H, Qt.KeyboardModifier.ControlModifier)
    assert dialog.isVisible() and editor.findChildren(FindReplaceDialog) == [dialog]


def test_matching_options():
    def count(find: str, **options: bool) -> int:
        return len(all_matches(TEXTS, search_pattern(find, **options)))

    assert count("cat") == 5  # any case, inside words too ("Concatenate")
    assert count("cat", case_sensitive=True) == 4
    assert count("cat", whole_words=True) == 4
    assert count("cat", whole_words=True, case_sensitive=True) == 3
    assert count(r"c\w+t", regex=True) == 5
    assert count("a.", regex=False) == 0 and count("a.", regex=True) > 0


def test_next_and_previous_wrap_around():
    matches = [Match(0, 4, 7), Match(1, 2, 5), Match(3, 0, 3)]
    assert next_match(matches, 1, 3) == (Match(3, 0, 3), False)
    assert next_match(matches, 3, 1) == (Match(0, 4, 7), True)
    assert next_match(matches, 1, 2, forward=False) == (Match(0, 4, 7), False)
    assert next_match(matches, 0, 4, forward=False) == (Match(3, 0, 3), True)
    assert next_match([], 0, 0) == (None, False)


def test_find_next_and_previous_select_the_cue_in_the_list_and_on_the_waveform(qtbot, dialog):
    editor = dialog.editor
    dialog.find_edit.setText("cat")
    dialog.whole_words.setChecked(True)
    qtbot.mouseClick(dialog.next_button, Qt.MouseButton.LeftButton)
    assert dialog.current == Match(0, 4, 7)
    assert editor.selected == 0 and table_row(editor) == 0
    found = []
    for _ in range(3):
        qtbot.mouseClick(dialog.next_button, Qt.MouseButton.LeftButton)
        found.append((dialog.current, editor.selected, table_row(editor)))
    assert found == [(Match(1, 2, 5), 1, 1), (Match(1, 12, 15), 1, 1), (Match(3, 0, 3), 3, 3)]
    qtbot.mouseClick(dialog.next_button, Qt.MouseButton.LeftButton)
    assert dialog.current == Match(0, 4, 7) and "wrapped" in dialog.status.text()
    qtbot.mouseClick(dialog.prev_button, Qt.MouseButton.LeftButton)
    assert dialog.current == Match(3, 0, 3) and editor.selected == 3 and table_row(editor) == 3


def test_find_starts_at_the_selected_cue(dialog):
    dialog.editor.select(2)
    dialog.find_edit.setText("cat")
    assert dialog.search() == Match(2, 3, 6)  # "Con|cat|enate"


def test_replace_changes_the_current_match_as_one_undo_step_and_moves_on(qtbot, dialog):
    editor = dialog.editor
    before = copy.deepcopy(editor.stack.doc.segments)
    dialog.find_edit.setText("cat")
    dialog.replace_edit.setText("dog")
    dialog.match_case.setChecked(True)
    qtbot.mouseClick(dialog.replace_button, Qt.MouseButton.LeftButton)  # finds first
    assert dialog.current == Match(0, 4, 7) and texts(editor) == TEXTS
    qtbot.mouseClick(dialog.replace_button, Qt.MouseButton.LeftButton)
    assert texts(editor)[0] == "The dog sat."
    assert [w.text for w in editor.stack.doc[0].words] == [" The", " dog", " sat."]
    assert (editor.stack.doc[0].words[1].start, editor.stack.doc[0].words[1].end) == (400, 800)
    assert dialog.current == Match(1, 12, 15) and editor.selected == 1  # the next "cat"
    assert editor.stack.qstack.count() == 1
    editor.undo_action.trigger()
    assert editor.stack.doc.segments == before


def test_replace_does_not_loop_on_its_own_replacement(dialog):
    dialog.find_edit.setText("cat")
    dialog.replace_edit.setText("cats")
    dialog.editor.select(3)
    dialog.search()
    dialog.replace()
    assert texts(dialog.editor)[3] == "cats"
    assert dialog.current == Match(0, 4, 7)  # wrapped to the next one, not the new "cat|s"


def test_replace_all_is_one_undo_step_and_says_how_many(qtbot, dialog):
    editor = dialog.editor
    before = copy.deepcopy(editor.stack.doc.segments)
    edited: list[None] = []
    editor.edited.connect(lambda: edited.append(None))
    dialog.find_edit.setText("cat")
    dialog.replace_edit.setText("dog")
    dialog.whole_words.setChecked(True)
    qtbot.mouseClick(dialog.replace_all_button, Qt.MouseButton.LeftButton)
    assert texts(editor) == ["The dog sat.", "A dog and a dog!", "Concatenate nothing", "dog"]
    assert dialog.status.text() == "4 replacements in 3 cues"
    assert editor.stack.qstack.count() == 1 and edited
    editor.undo_action.trigger()
    assert editor.stack.doc.segments == before
    editor.redo_action.trigger()
    assert texts(editor)[1] == "A dog and a dog!"


def test_regex_replace_all_uses_groups(dialog):
    dialog.find_edit.setText(r"(\w+) (\w+)!")
    dialog.replace_edit.setText(r"\2 \1!")
    dialog.regex.setChecked(True)
    dialog.replace_all()
    assert texts(dialog.editor)[1] == "A Cat and cat a!"
    assert dialog.status.text() == "1 replacement in 1 cue"


def test_a_bad_regex_is_explained_not_raised(dialog):
    dialog.find_edit.setText("(cat")
    dialog.regex.setChecked(True)
    assert dialog.search() is None
    assert dialog.status.text().startswith("Cannot search: the pattern is not valid")
    dialog.replace_all()
    assert dialog.status.text().startswith("Cannot replace: the pattern is not valid")
    dialog.find_edit.setText("(cat)")
    dialog.replace_edit.setText(r"\2")
    dialog.search()
    dialog.replace()
    assert dialog.status.text().startswith("Cannot replace: the replacement is not valid")
    assert texts(dialog.editor) == TEXTS and dialog.editor.stack.qstack.count() == 0


def test_nothing_found_says_so(dialog):
    dialog.find_edit.setText("zebra")
    assert dialog.search() is None and "not in the transcript" in dialog.status.text()
    dialog.replace_all()
    assert dialog.status.text().startswith("Not changed: no cue contains")
    dialog.find_edit.setText("")
    dialog.search()
    assert dialog.status.text() == "Cannot search: there is nothing to find"

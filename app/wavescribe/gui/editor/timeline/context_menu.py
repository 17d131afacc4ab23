"""The waveform's right-click menu on a cue: split at a word or the playhead, merge, delete, ...

The cue gestures the editor already owns (split at the playhead, merge, delete, play) come in as
its own ``QAction``s, so the menu shows the same shortcuts as the help sheet and runs the same
code; splitting at the word under the mouse and editing text in place are the waveform's own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QWidget

from wavescribe.core.transcript import Word

# Editor actions offered on a cue, in menu order; a name the editor did not provide is left out.
EDITOR_ACTIONS = ("split", "merge", "delete", "play_cue")


def word_index_at(words: Sequence[Word], ms: int) -> int | None:
    """The word under ``ms``: the one whose span holds it, else the nearest (None: no words)."""
    if not words:
        return None

    def distance(i: int) -> int:
        w = words[i]
        return 0 if w.start <= ms < w.end else min(abs(w.start - ms), abs(w.end - ms))

    return min(range(len(words)), key=lambda i: (distance(i), i))


def cue_menu(
    parent: QWidget,
    *,
    word: tuple[int, str] | None,
    split_at_word: Callable[[int], object],
    edit_text: Callable[[], object],
    editor_actions: Mapping[str, QAction],
) -> QMenu:
    """A menu for one cue; ``word`` is (index, text) of the word under the mouse when shown."""
    menu = QMenu(parent)
    menu.setObjectName("cueMenu")
    if word is not None:
        index, text = word
        split = menu.addAction(f"Split before “{text.strip()}”")
        split.setObjectName("splitAtWord")
        if index > 0:
            split.triggered.connect(lambda: split_at_word(index))
        else:
            split.setEnabled(False)
            split.setToolTip("The first word starts the cue: there is nothing before it")
    labels = {
        "split": "Split at playhead",
        "merge": "Merge with next",
        "delete": "Delete cue",
        "play_cue": "Play cue",
    }
    for name in EDITOR_ACTIONS:
        action = editor_actions.get(name)
        if action is not None:
            # A proxy with the menu's wording, so the editor's own action keeps its label; the
            # keys are shown after a tab, not bound again (that would make them ambiguous).
            keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            item = menu.addAction(f"{labels[name]}\t{keys}" if keys else labels[name])
            item.setObjectName(name)
            item.setEnabled(action.isEnabled())
            item.triggered.connect(action.trigger)
    menu.addSeparator()
    edit = menu.addAction("Edit text\tF2")
    edit.setObjectName("editText")
    edit.triggered.connect(edit_text)
    return menu

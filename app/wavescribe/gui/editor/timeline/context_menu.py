"""The waveform's right-click menus: on a cue (split at a word or the playhead, merge, delete,
re-transcribe, mark a suspect cue as checked, ...) and on a Shift+dragged time span.

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
EDITOR_ACTIONS = ("split", "merge", "delete", "play_cue", "retranscribe", "align_text")
LABELS = {
    "split": "Split at playhead",
    "merge": "Merge with next",
    "delete": "Delete cue",
    "play_cue": "Play cue",
    "retranscribe": "Re-transcribe…",
    "align_text": "Align text…",
    "mark_checked": "Mark as checked",
}


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
    suspect: str | None = None,
) -> QMenu:
    """A menu for one cue; ``word`` is (index, text) of the word under the mouse when shown,
    ``suspect`` the reason the cue is doubtful (it heads the menu, with "Mark as checked")."""
    menu = QMenu(parent)
    menu.setObjectName("cueMenu")
    if suspect is not None:
        why = menu.addAction(f"Suspect: {suspect}")
        why.setObjectName("suspectReason")
        why.setEnabled(False)
        _add_proxy(menu, "mark_checked", editor_actions)
        menu.addSeparator()
    if word is not None:
        index, text = word
        split = menu.addAction(f"Split before “{text.strip()}”")
        split.setObjectName("splitAtWord")
        if index > 0:
            split.triggered.connect(lambda: split_at_word(index))
        else:
            split.setEnabled(False)
            split.setToolTip("The first word starts the cue: there is nothing before it")
    for name in EDITOR_ACTIONS:
        _add_proxy(menu, name, editor_actions)
    menu.addSeparator()
    edit = menu.addAction("Edit text\tF2")
    edit.setObjectName("editText")
    edit.triggered.connect(edit_text)
    return menu


def span_menu(
    parent: QWidget,
    *,
    label: str,
    clear: Callable[[], object],
    editor_actions: Mapping[str, QAction],
) -> QMenu:
    """A menu for a selected time span (``label`` says which): re-transcribe it, or let it go."""
    menu = QMenu(parent)
    menu.setObjectName("spanMenu")
    title = menu.addAction(label)
    title.setEnabled(False)
    _add_proxy(menu, "retranscribe", editor_actions)
    _add_proxy(menu, "align_text", editor_actions)
    forget = menu.addAction("Clear the selection\tEsc")
    forget.setObjectName("clearSpan")
    forget.triggered.connect(clear)
    return menu


def _add_proxy(menu: QMenu, name: str, editor_actions: Mapping[str, QAction]) -> None:
    """The editor's action ``name`` in the menu's wording, so the editor's own keeps its label;
    the keys are shown after a tab, not bound again (that would make them ambiguous)."""
    action = editor_actions.get(name)
    if action is None:
        return
    keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
    item = menu.addAction(f"{LABELS[name]}\t{keys}" if keys else LABELS[name])
    item.setObjectName(name)
    item.setEnabled(action.isEnabled())
    item.triggered.connect(action.trigger)

"""Autosave housekeeping for :mod:`.projects`: the store, and the dialog that offers back what a
crashed session left. Store work runs through ``run_task``; the dialog is opened with ``open()``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from wavescribe.gui.engine_bridge import run_task

if TYPE_CHECKING:
    from wavescribe.core.project.autosave import AutosaveStore, RecoveryItem


def autosave_store() -> AutosaveStore:
    """The autosave store (imported on first use: start-up does not need it)."""
    from wavescribe.core.project.autosave import AutosaveStore

    return AutosaveStore()


def discard(items: list[RecoveryItem]) -> None:
    s = autosave_store()
    for item in items:
        s.discard(item)


def discard_later(items: list[RecoveryItem]) -> None:
    run_task(lambda: discard(items))


def end_sessions(sessions: list[str]) -> None:
    s = autosave_store()
    for session in sessions:
        s.clean_exit(session)


def list_order(item: RecoveryItem) -> tuple[str, int]:
    """Kept transcripts come back in the order of the list they were in (``<session>-j<id>``)."""
    session, _, job_id = item.session_id.rpartition("-j")
    return (session, int(job_id)) if job_id.isdigit() else (item.session_id, 0)


def describe(item: RecoveryItem) -> str:
    name = item.audio_path.name if item.audio_path else "untitled"
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(item.saved_at))
    return f"• {name}: {item.cue_count} subtitles, autosaved {when}"


def ask_to_recover(
    window: QWidget, items: list[RecoveryItem], recover: Callable[[RecoveryItem], None]
) -> None:
    """Recover / Discard / Decide Later for what a crashed session autosaved (not modal)."""
    box = QMessageBox(window)
    box.setObjectName("recoveryBox")
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle("Recover Transcripts")
    box.setText("Wavescribe did not close properly last time. Recover its transcripts?")
    box.setInformativeText("\n".join(describe(item) for item in items))
    accept = box.addButton("Recover", QMessageBox.ButtonRole.AcceptRole)
    drop = box.addButton("Discard", QMessageBox.ButtonRole.DestructiveRole)
    box.addButton("Decide Later", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(accept)

    def answered() -> None:
        if box.clickedButton() is accept:
            for item in items:
                recover(item)
        elif box.clickedButton() is drop:
            run_task(lambda: discard(items), None, lambda exc: None)

    box.finished.connect(answered)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()

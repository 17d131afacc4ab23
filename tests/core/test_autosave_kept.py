"""Kept autosaves: a clean exit may keep a session's transcript for the next start."""

from __future__ import annotations

from pathlib import Path

from wavescribe.core.project.autosave import AutosaveStore, new_session_id
from wavescribe.core.project.project_file import Project
from wavescribe.core.transcript import Segment, Transcript


def transcript(text: str) -> Transcript:
    return Transcript([Segment(0, 900, text)], "en")


def test_a_kept_session_is_not_a_crash_and_is_listed_until_discarded(tmp_path: Path):
    store = AutosaveStore(tmp_path)
    first, second = new_session_id(), new_session_id()
    store.write(first, Project(transcript("first")))
    store.write(second, Project(transcript("second")), modified=True)
    assert store.keep(first) and store.keep(second)

    assert AutosaveStore(tmp_path).pending() == []  # kept is not crashed
    assert not list(tmp_path.glob("*.lock")) and not list(tmp_path.glob("*.wsproj"))
    items = AutosaveStore(tmp_path).kept()
    assert [i.session_id for i in items] == [first, second]  # oldest first
    assert [i.modified for i in items] == [False, True]
    assert items[1].load().transcript == transcript("second")

    store.discard(items[0])
    assert [i.session_id for i in store.kept()] == [second]


def test_keeping_a_session_that_wrote_nothing_keeps_nothing(tmp_path: Path):
    store = AutosaveStore(tmp_path)
    assert store.keep(new_session_id()) is False
    assert store.kept() == []


def test_a_change_of_the_modified_flag_alone_is_written(tmp_path: Path):
    store = AutosaveStore(tmp_path)
    sid = new_session_id()
    project = Project(transcript("same"))
    assert store.write(sid, project, modified=True) is True
    assert store.write(sid, project, modified=True) is False
    assert store.write(sid, project, modified=False) is True  # saved: no longer modified

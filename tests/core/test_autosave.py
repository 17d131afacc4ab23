"""Autosave and crash recovery, with real processes killed by SIGKILL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from wavescribe.core.project.autosave import AutosaveStore, new_session_id, process_is_running
from wavescribe.core.project.project_file import Project
from wavescribe.core.transcript import Segment, Transcript, Word

HERE = Path(__file__).parent
posix_only = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")


def original_transcript(n: int = 6) -> Transcript:
    return Transcript(
        [
            Segment(i * 1000, i * 1000 + 800, f" cue {i}", [Word(i * 1000, i * 1000 + 800, " cue")])
            for i in range(n)
        ],
        "en",
    )


def edited_transcript() -> Transcript:
    """What the user did before the crash: retyped a cue, split another, deleted one."""
    t = original_transcript()
    t.segments[1].text = " cue one — retyped, with ünïcödé"
    t.segments[2:3] = [Segment(2000, 2400, " cue two,"), Segment(2400, 2800, " split")]
    del t.segments[-1]
    return t


def run_child(body: str, root: Path) -> subprocess.Popen[str]:
    """A real Python process that imports this module and runs ``body`` with ``store``."""
    script = textwrap.dedent(
        f"""
        import sys, time
        from pathlib import Path
        sys.path.insert(0, {str(HERE)!r})
        from test_autosave import edited_transcript, original_transcript
        from wavescribe.core.project.autosave import AutosaveStore, new_session_id
        from wavescribe.core.project.project_file import Project
        store = AutosaveStore(Path({str(root)!r}))
        sid = new_session_id()
        """
    ) + textwrap.dedent(body)
    return subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def kill(child: subprocess.Popen[str]) -> None:
    child.send_signal(signal.SIGKILL)
    child.wait(10)
    assert child.returncode == -signal.SIGKILL
    child.stdout.close()  # type: ignore[union-attr]
    child.stderr.close()  # type: ignore[union-attr]


@posix_only
def test_sigkill_mid_edit_offers_exactly_the_edited_transcript(tmp_path: Path):
    root = tmp_path / "autosave"
    child = run_child(
        """
        project = Project(original_transcript(), path=Path("/home/u/talk.wsproj"))
        store.write(sid, project)
        project.transcript = edited_transcript()
        store.write(sid, project)
        print(sid, flush=True)
        time.sleep(60)
        """,
        root,
    )
    try:
        session = child.stdout.readline().strip()  # type: ignore[union-attr]
        assert session, child.stderr.read()  # type: ignore[union-attr]
        assert AutosaveStore(root).pending() == []  # the session is alive: not a crash yet
    finally:
        kill(child)

    store = AutosaveStore(root)
    [item] = store.pending()
    assert item.session_id == session
    assert item.cue_count == len(edited_transcript().segments) == 6
    assert item.project_path == Path("/home/u/talk.wsproj")
    assert abs(item.saved_at - time.time()) < 60
    recovered = item.load()
    assert recovered.transcript == edited_transcript()
    assert recovered.path == Path("/home/u/talk.wsproj")

    store.discard(item)
    assert store.pending() == []
    assert list(root.iterdir()) == []


@posix_only
def test_sigkill_in_the_middle_of_an_autosave_never_leaves_a_torn_file(tmp_path: Path):
    root = tmp_path / "autosave"
    child = run_child(
        """
        import os
        real_fsync = os.fsync
        def slow_disk(fd):  # each write now spends 0.3 s with its temp file half done
            time.sleep(0.3)
            real_fsync(fd)
        os.fsync = slow_disk
        project = Project(original_transcript(300))
        for rev in range(1_000_000):
            project.ui_state["rev"] = rev
            project.transcript.segments[rev % 300].text = f" rev {rev}"
            store.write(sid, project)
            print(rev, flush=True)
        """,
        root,
    )
    acknowledged = -1
    try:
        while acknowledged < 2:
            acknowledged = int(child.stdout.readline())  # type: ignore[union-attr]
        time.sleep(0.1)  # into the next write's fsync
    finally:
        kill(child)

    assert [p for p in root.iterdir() if p.suffix == ".part"]  # the kill did cut a write short
    store = AutosaveStore(root)
    [item] = store.pending()
    project = item.load()
    rev = project.ui_state["rev"]
    assert rev >= acknowledged  # the last complete autosave, not the torn one
    assert project.transcript.segments[rev % 300].text == f" rev {rev}"
    assert not [p for p in root.iterdir() if p.suffix == ".part"]  # the torn write is cleaned up
    store.discard(item)
    assert list(root.iterdir()) == []


def test_clean_exit_leaves_nothing_to_recover(tmp_path: Path):
    root = tmp_path / "autosave"
    child = run_child(
        """
        project = Project(edited_transcript())
        store.write(sid, project)
        store.clean_exit(sid)
        """,
        root,
    )
    _, err = child.communicate(timeout=60)
    assert child.returncode == 0, err
    assert AutosaveStore(root).pending() == []
    assert list(root.iterdir()) == []


def test_an_exit_without_clean_exit_is_a_crash(tmp_path: Path):
    root = tmp_path / "autosave"
    child = run_child(
        """
        store.write(sid, Project(edited_transcript()))
        raise SystemExit(3)  # e.g. an unhandled exception took the app down
        """,
        root,
    )
    _, err = child.communicate(timeout=60)
    assert child.returncode == 3, err
    [item] = AutosaveStore(root).pending()
    assert item.project_path is None and item.load().transcript == edited_transcript()


def test_unchanged_project_is_not_written_again(tmp_path: Path):
    store = AutosaveStore(tmp_path)
    sid = new_session_id()
    project = Project(original_transcript(50))
    assert store.write(sid, project) is True
    file = tmp_path / f"{sid}.wsproj"
    stamp = file.stat().st_mtime_ns, file.stat().st_ino
    assert store.write(sid, project) is False
    assert (file.stat().st_mtime_ns, file.stat().st_ino) == stamp

    project.ui_state["zoom"] = 2  # UI state counts as a change, even mutated in place
    assert store.write(sid, project) is True
    project.transcript.segments[3].words[0].end += 10
    assert store.write(sid, project) is True
    assert store.write(sid, project) is False


def test_live_sessions_are_not_offered_and_clean_exit_removes_them(tmp_path: Path):
    store = AutosaveStore(tmp_path)
    sid = new_session_id()
    store.write(sid, Project(original_transcript()))
    in_progress = tmp_path / f".{sid}.wsproj.abc123.part"  # as if a write were under way
    in_progress.write_text("{")
    assert AutosaveStore(tmp_path).pending() == []
    assert in_progress.exists()  # a live session's files are not touched
    store.clean_exit(sid)
    assert list(tmp_path.iterdir()) == []


def _fake_crashed_session(root: Path, sid: str, transcript: Transcript, pid: int, started):
    """Leave the files a session would leave, owned by ``pid``/``started``."""
    store = AutosaveStore(root)
    store.write(sid, Project(transcript))
    (root / f"{sid}.lock").write_text(json.dumps({"pid": pid, "started": started}))


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_sessions_of_dead_processes_are_offered_newest_first(tmp_path: Path):
    dead = _dead_pid()
    _fake_crashed_session(tmp_path, "older", original_transcript(2), dead, None)
    time.sleep(0.01)
    _fake_crashed_session(tmp_path, "newer", original_transcript(3), dead, None)
    items = AutosaveStore(tmp_path).pending()
    assert [(i.session_id, i.cue_count) for i in items] == [("newer", 3), ("older", 2)]


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc start times")
def test_a_reused_pid_does_not_hide_a_crash(tmp_path: Path):
    # Our own PID is alive, but the lock says it belonged to a process that started earlier.
    _fake_crashed_session(tmp_path, "reused", original_transcript(2), os.getpid(), "1")
    [item] = AutosaveStore(tmp_path).pending()
    assert item.session_id == "reused"
    assert not process_is_running(os.getpid(), "1")
    assert process_is_running(os.getpid())


def test_stale_locks_and_temps_are_cleaned_and_foreign_files_ignored(tmp_path: Path):
    (tmp_path / "crashed-early.lock").write_text(json.dumps({"pid": _dead_pid()}))
    (tmp_path / ".crashed-early.wsproj.x1y2z3.part").write_text('{"format": "wavesc')
    (tmp_path / "junk.wsproj").write_text("{ not json")
    (tmp_path / "notes.txt").write_text("hello")
    assert AutosaveStore(tmp_path).pending() == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["junk.wsproj", "notes.txt"]


def test_default_root_is_in_the_data_folder(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("WAVESCRIBE_DATA_DIR", str(tmp_path))
    store = AutosaveStore()
    assert store.root == tmp_path / "autosave"
    assert store.pending() == []


def test_session_ids_must_be_file_name_safe(tmp_path: Path):
    with pytest.raises(ValueError):
        AutosaveStore(tmp_path).write("../escape", Project())
    assert new_session_id() != new_session_id()

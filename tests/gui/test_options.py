"""Transcription options: defaults persisted with QSettings, and per-file options in the queue."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

from shared_data import JFK
from wavescribe.core.engine.options import TranscribeOptions
from wavescribe.core.jobs import JobState
from wavescribe.core.subtitle_rules import SubtitleRules
from wavescribe.gui import options


def open_dialog(qtbot, trigger) -> options.OptionsDialog:
    trigger()
    qtbot.waitUntil(
        lambda: any(w.objectName() == "optionsDialog" and w.isVisible() for w in _top())
    )
    return next(w for w in _top() if w.objectName() == "optionsDialog" and w.isVisible())


def _top():
    return QApplication.topLevelWidgets()


def test_defaults_round_trip_through_qsettings():
    chosen = TranscribeOptions(
        language="de",
        translate=True,
        initial_prompt="Wavescribe, whisper.cpp",
        threads=1,
        beam_size=3,
        refine=False,
        rules=SubtitleRules(max_chars_per_line=37, max_lines=1, max_cps=15.0, max_duration_ms=5000),
    )
    options.save_defaults(chosen, "base.en")
    assert options.load_defaults() == (chosen, "base.en")


def test_unreadable_settings_fall_back_to_the_built_in_defaults():
    from wavescribe.gui import settings

    settings.set_value(options.OPTIONS_KEY, "{not json")
    assert options.load_defaults() == (TranscribeOptions(), None)
    settings.set_value(options.OPTIONS_KEY, '{"beam_size": 2, "from_the_future": 1}')
    assert options.load_defaults()[0].beam_size == 2


def test_the_options_dialog_sets_the_defaults_new_files_get(window, qtbot):
    dialog = open_dialog(qtbot, window.options_action.trigger)
    qtbot.waitUntil(lambda: dialog.model_box.findData("tiny.en") >= 0)  # listed off-thread
    dialog.language.setCurrentIndex(dialog.language.findData("fr"))
    dialog.translate.setChecked(True)
    dialog.model_box.setCurrentIndex(dialog.model_box.findData("tiny.en"))
    # tiny.en knows English only: no other language, no translation (see test_languages_...)
    assert not dialog.language.isEnabled() and not dialog.translate.isEnabled()
    dialog.prompt.setText("Élodie, Grenoble")
    dialog.threads.setValue(1)
    dialog.refine.setChecked(True)
    dialog.max_chars.setValue(32)
    dialog.max_duration.setValue(6.0)
    dialog.accept()

    ws = window.workspace
    assert ws.default_model == "tiny.en"
    assert (ws.defaults.language, ws.defaults.translate) == ("en", False)
    assert ws.defaults.initial_prompt == "Élodie, Grenoble"
    assert ws.defaults.rules.max_chars_per_line == 32
    assert ws.defaults.rules.max_duration_ms == 6000
    assert options.load_defaults() == (ws.defaults, "tiny.en")  # what the next start reads


def test_restore_defaults_button_resets_every_field(window, qtbot):
    window.workspace.set_defaults(TranscribeOptions(language="de", beam_size=2), None)
    dialog = open_dialog(qtbot, window.options_action.trigger)
    dialog._restore_defaults()
    assert dialog.options() == TranscribeOptions()
    dialog.reject()


def test_a_queued_file_can_get_its_own_options(window, qtbot):
    first, second = window.workspace.add_files([JFK, JFK])
    dialog = open_dialog(qtbot, lambda: window.edit_job_options(second.id))
    assert "jfk.flac" in dialog.windowTitle()
    dialog.beam.setValue(4)
    dialog.prompt.setText("Kennedy")
    dialog.accept()
    assert second.options.beam_size == 4 and second.options.initial_prompt == "Kennedy"
    assert first.options.beam_size == 1 and window.workspace.defaults.beam_size == 1
    [queued] = [r for r in window.workspace.bridge._queue if r.job_id == second.id]
    assert queued.options.initial_prompt == "Kennedy"  # what the engine will be asked
    window.workspace.cancel_all()
    qtbot.waitUntil(lambda: first.state.finished and second.state is JobState.CANCELLED)


def test_gpu_off_in_the_options_loads_the_model_for_the_cpu(window, qtbot):
    dialog = open_dialog(qtbot, window.options_action.trigger)
    assert dialog.use_gpu.isChecked()  # the GPU is used by default wherever there is one
    dialog.use_gpu.setChecked(False)
    dialog.accept()
    assert window.workspace.defaults.use_gpu is False
    [job] = window.workspace.add_files([JFK])
    qtbot.waitUntil(lambda: job.state.finished, timeout=120_000)
    assert job.state is JobState.DONE, job.error
    [(key, engine)] = window.workspace.bridge._engines.items()
    assert key[1] is False and engine.use_gpu is False
    assert engine.device is not None and engine.device.name == "CPU"


def test_languages_and_translate_are_offered_only_for_a_multilingual_model(
    window, qtbot, monkeypatch
):
    """tiny.en (installed for real) is English-only; a multilingual one is listed beside it."""
    real = options.installed_models

    def with_multilingual():
        models, default = real()
        assert ("tiny.en", "Tiny (English) · f16 (tiny.en)", False) in models  # from the store
        return [*models, ("base", "Base · f16 (base)", True)], default

    monkeypatch.setattr(options, "installed_models", with_multilingual)
    dialog = open_dialog(qtbot, window.options_action.trigger)
    qtbot.waitUntil(lambda: dialog.model_box.findData("base") >= 0)
    assert dialog.model_box.itemText(0) == "Default model (tiny.en)"
    assert not dialog.language.isEnabled()  # the default, tiny.en, is English-only
    assert dialog.language.currentData() == "en" and not dialog.translate.isChecked()

    dialog.model_box.setCurrentIndex(dialog.model_box.findData("base"))
    assert dialog.language.isEnabled() and dialog.translate.isEnabled()
    dialog.language.setCurrentIndex(dialog.language.findData("de"))
    dialog.language.activated.emit(dialog.language.currentIndex())
    dialog.translate.click()
    assert (dialog.options().language, dialog.options().translate) == ("de", True)

    dialog.model_box.setCurrentIndex(dialog.model_box.findData("tiny.en"))
    assert (dialog.options().language, dialog.options().translate) == ("en", False)
    dialog.model_box.setCurrentIndex(dialog.model_box.findData("base"))  # the choice comes back
    assert (dialog.options().language, dialog.options().translate) == ("de", True)
    dialog.reject()


def test_decoding_only_speech_is_an_option_a_job_can_turn_off(window, qtbot):
    """On by default; a file whose options turn it off is decoded whole (the engine says so)."""
    assert window.workspace.defaults.speech_first
    [job] = window.workspace.add_files([JFK])
    window.workspace.cancel_all()
    qtbot.waitUntil(lambda: job.state.finished)
    dialog = open_dialog(qtbot, window.options_action.trigger)
    assert dialog.speech_first.isChecked()
    dialog.speech_first.setChecked(False)
    dialog.accept()
    assert not window.workspace.defaults.speech_first
    [whole] = window.workspace.add_files([JFK])
    qtbot.waitUntil(lambda: whole.state.finished, timeout=60_000)
    assert whole.state is JobState.DONE, whole.error
    assert whole.transcript.metadata["decoding"]["mode"] == "whole file"
    assert "country" in " ".join(s.text for s in whole.transcript.segments).lower()

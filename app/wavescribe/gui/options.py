"""Transcription options: the defaults new jobs get (persisted with QSettings) and the dialog.

The same dialog edits the defaults (Transcription → Options…) and one queued file's options
(the queue's context menu). ``model`` is kept beside ``TranscribeOptions`` because it is the
bridge's business, not the engine's: None means "the default model" (see ``resolve_model``).
"""

from __future__ import annotations

import json
from dataclasses import fields, replace

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from wavescribe.core.engine.options import TranscribeOptions, default_threads
from wavescribe.core.languages import by_name
from wavescribe.core.speakers.count import parse_speaker_count
from wavescribe.core.subtitle_rules import SubtitleRules
from wavescribe.gui import settings
from wavescribe.gui.engine_bridge import run_task
from wavescribe.gui.help import install_f1

OPTIONS_KEY = "transcription/options"
MODEL_KEY = "transcription/model"
AUTO_MODEL_LABEL = "Default model"


def load_defaults() -> tuple[TranscribeOptions, str | None]:
    """The saved defaults; anything unreadable falls back to the built-in default."""
    options = TranscribeOptions()
    try:
        saved = json.loads(settings.get_text(OPTIONS_KEY, "{}"))
        known = {f.name for f in fields(TranscribeOptions)}
        rules_known = {f.name for f in fields(SubtitleRules)}
        data = {k: v for k, v in saved.items() if k in known}
        data["rules"] = {k: v for k, v in saved.get("rules", {}).items() if k in rules_known}
        options = TranscribeOptions.from_dict({**options.to_dict(), **data})
    except (ValueError, TypeError, AttributeError):
        pass
    options.threads = max(1, min(options.threads, default_threads()))
    model = settings.get_text(MODEL_KEY) or None
    return options, model


def save_defaults(options: TranscribeOptions, model: str | None) -> None:
    settings.set_value(OPTIONS_KEY, json.dumps(options.to_dict()))
    settings.set_value(MODEL_KEY, model or "")


class OptionsDialog(QDialog):
    """Edits a copy of the options; read them back with ``options()`` and ``model()``."""

    def __init__(
        self,
        options: TranscribeOptions,
        model: str | None,
        parent: QWidget | None = None,
        title: str = "Transcription Options",
    ) -> None:
        super().__init__(parent)
        self.setObjectName("optionsDialog")
        self.setWindowTitle(title)
        self.setMinimumWidth(440)
        self._base = options
        rules = options.rules

        self.model_box = QComboBox()
        self.model_box.addItem(AUTO_MODEL_LABEL, None)
        if model:
            self.model_box.addItem(model, model)
            self.model_box.setCurrentIndex(1)
        self.model_box.setToolTip("Models are added and removed in Models…")
        self._multilingual: dict[str | None, bool | None] = {}  # model (None: default) -> ...
        self._language_choice = options.language  # kept while an English-only model is chosen
        self._translate_choice = options.translate
        run_task(installed_models, self._fill_models, lambda exc: None)

        self.language = QComboBox()
        self.language.addItem("Detect automatically", "auto")
        for code, name in by_name():
            self.language.addItem(f"{name} ({code})", code)
        self.language.setCurrentIndex(max(0, self.language.findData(options.language)))
        self.translate = QCheckBox("Translate the speech to English")
        self.translate.setChecked(options.translate)
        self.model_box.currentIndexChanged.connect(lambda _i: self._offer_languages())
        self.language.activated.connect(lambda _i: self._remember_language())
        self.translate.clicked.connect(lambda on: setattr(self, "_translate_choice", on))
        self.prompt = QLineEdit(options.initial_prompt or "")
        self.prompt.setPlaceholderText("Names, spellings or a glossary the speech uses")
        self.use_gpu = QCheckBox("Use the GPU when this build has one")
        self.use_gpu.setChecked(options.use_gpu)
        self.use_gpu.setToolTip(
            "Off: whisper.cpp computes on the CPU even in a CUDA, Vulkan or Metal build "
            "(for a GPU that misbehaves). The status bar says what is used."
        )
        self.threads = _spin(1, default_threads(), options.threads)
        self.beam = _spin(1, 10, options.beam_size)
        self.beam.setToolTip("1 is fastest; 5 is a little more accurate")
        self.speech_first = QCheckBox("Decode only where there is speech (recommended)")
        self.speech_first.setChecked(options.speech_first)
        self.speech_first.setToolTip(
            "Finds the speech first and decodes only that: faster on recordings with pauses, "
            "music or noise, and no text in silence. Off: whisper.cpp reads the file whole."
        )
        self.refine = QCheckBox("Snap timings to the speech (slower)")
        self.refine.setChecked(options.refine)
        self.find_speakers = QCheckBox("Find who speaks; how many:")
        self.find_speakers.setChecked(options.speakers is not None)
        self.speaker_count = QLineEdit(options.speakers or "auto")
        self.speaker_count.setToolTip("auto, an exact number, or a range such as 2-4")
        self.speaker_count.setEnabled(options.speakers is not None)
        self.find_speakers.toggled.connect(self.speaker_count.setEnabled)
        speakers_row = QHBoxLayout()
        speakers_row.addWidget(self.find_speakers)
        speakers_row.addWidget(self.speaker_count)

        self.max_chars = _spin(10, 200, rules.max_chars_per_line)
        self.max_lines = _spin(1, 5, rules.max_lines)
        self.max_cps = _dspin(5.0, 40.0, rules.max_cps, 0.5, "")
        self.max_duration = _dspin(1.0, 30.0, rules.max_duration_ms / 1000, 0.5, " s")
        self.min_duration = _dspin(0.1, 10.0, rules.min_duration_ms / 1000, 0.1, " s")
        self.min_gap = _spin(0, 2000, rules.min_gap_ms)
        self.min_gap.setSuffix(" ms")
        self.min_gap.setSingleStep(10)

        general = QFormLayout()
        general.addRow("Model:", self.model_box)
        general.addRow("Language:", self.language)
        general.addRow("", self.translate)
        general.addRow("Initial prompt:", self.prompt)
        general.addRow("Threads:", self.threads)
        general.addRow("Beam size:", self.beam)
        general.addRow("Decoding:", self.speech_first)
        general.addRow("Timing:", self.refine)
        general.addRow("Compute:", self.use_gpu)
        general.addRow("Speakers:", speakers_row)
        rules_box = QGroupBox("Subtitle rules")
        rules_form = QFormLayout(rules_box)
        rules_form.addRow("Characters per line:", self.max_chars)
        rules_form.addRow("Lines per subtitle:", self.max_lines)
        rules_form.addRow("Characters per second:", self.max_cps)
        rules_form.addRow("Longest subtitle:", self.max_duration)
        rules_form.addRow("Shortest subtitle:", self.min_duration)
        rules_form.addRow("Gap between subtitles:", self.min_gap)
        rules_box.setToolTip(
            "Timing snaps cues to these rules; the editor's list warns about cues that break them"
        )

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok
            | QDialogButtonBox.StandardButton.Cancel
            | QDialogButtonBox.StandardButton.RestoreDefaults
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        restore = buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults)
        restore.clicked.connect(self._restore_defaults)
        install_f1(self, "options")
        layout = QVBoxLayout(self)
        layout.addLayout(general)
        layout.addWidget(rules_box)
        layout.addWidget(buttons)

    def options(self) -> TranscribeOptions:
        rules = replace(
            self._base.rules,
            max_chars_per_line=self.max_chars.value(),
            max_lines=self.max_lines.value(),
            max_cps=self.max_cps.value(),
            max_duration_ms=round(self.max_duration.value() * 1000),
            min_duration_ms=round(self.min_duration.value() * 1000),
            min_gap_ms=self.min_gap.value(),
        )
        multilingual = self.can_use_languages()
        return replace(  # what the dialog does not show (e.g. decoders) stays as it was
            self._base,
            language=self.language.currentData() if multilingual else "en",
            translate=self.translate.isChecked() and multilingual,
            initial_prompt=self.prompt.text().strip() or None,
            threads=self.threads.value(),
            beam_size=self.beam.value(),
            refine=self.refine.isChecked(),
            speech_first=self.speech_first.isChecked(),
            rules=rules,
            use_gpu=self.use_gpu.isChecked(),
            speakers=self._speakers(),
        )

    def _speakers(self) -> str | None:
        """``auto``, ``N`` or ``A-B`` when finding speakers is on (``auto`` if unreadable)."""
        if not self.find_speakers.isChecked():
            return None
        try:
            return str(parse_speaker_count(self.speaker_count.text()))
        except ValueError:
            return "auto"

    def model(self) -> str | None:
        return self.model_box.currentData()

    def _fill_models(self, found: tuple[list[tuple[str, str, bool | None]], str | None]) -> None:
        models, default = found
        for model_id, name, multilingual in models:
            self._multilingual[model_id] = multilingual
            if self.model_box.findData(model_id) < 0:
                self.model_box.addItem(name, model_id)
            else:
                self.model_box.setItemText(self.model_box.findData(model_id), name)
        self._multilingual[None] = self._multilingual.get(default)
        if default is not None:
            self.model_box.setItemText(0, f"{AUTO_MODEL_LABEL} ({default})")
        self._offer_languages()

    def can_use_languages(self) -> bool:
        """Whether the chosen model knows other languages than English (unknown: yes)."""
        return self._multilingual.get(self.model_box.currentData()) is not False

    def _offer_languages(self) -> None:
        """Languages and Translate only for a model that has them; English-only shows English."""
        multilingual = self.can_use_languages()
        for widget in (self.language, self.translate):
            widget.setEnabled(multilingual)
            widget.setToolTip("" if multilingual else "This model knows English only")
        if multilingual:
            self.language.setCurrentIndex(max(0, self.language.findData(self._language_choice)))
            self.translate.setChecked(self._translate_choice)
        else:
            self.language.setCurrentIndex(max(0, self.language.findData("en")))
            self.translate.setChecked(False)

    def _remember_language(self) -> None:
        self._language_choice = self.language.currentData()

    def _restore_defaults(self) -> None:
        fresh = TranscribeOptions()
        self.model_box.setCurrentIndex(0)
        self.language.setCurrentIndex(self.language.findData(fresh.language))
        self.translate.setChecked(fresh.translate)
        self.prompt.clear()
        self.threads.setValue(fresh.threads)
        self.beam.setValue(fresh.beam_size)
        self.refine.setChecked(fresh.refine)
        self.speech_first.setChecked(fresh.speech_first)
        self.use_gpu.setChecked(fresh.use_gpu)
        self.find_speakers.setChecked(fresh.speakers is not None)
        self.speaker_count.setText(fresh.speakers or "auto")
        self.max_chars.setValue(fresh.rules.max_chars_per_line)
        self.max_lines.setValue(fresh.rules.max_lines)
        self.max_cps.setValue(fresh.rules.max_cps)
        self.max_duration.setValue(fresh.rules.max_duration_ms / 1000)
        self._language_choice, self._translate_choice = fresh.language, fresh.translate
        self._offer_languages()
        self.min_duration.setValue(fresh.rules.min_duration_ms / 1000)
        self.min_gap.setValue(fresh.rules.min_gap_ms)


def installed_models() -> tuple[list[tuple[str, str, bool | None]], str | None]:
    """(id, name shown, multilingual) of each installed model, and the default's id.

    Blocking (reads the store and each file's header): run it off the GUI thread.
    """
    from wavescribe.core.errors import WavescribeError
    from wavescribe.core.models.ggml_file import header_multilingual
    from wavescribe.core.models.store import ModelStore

    store = ModelStore()
    try:
        catalog = {e.id: e for e in store.catalog}
    except WavescribeError:
        catalog = {}
    out, default = [], None
    try:
        default_path = store.resolve(None)
    except WavescribeError:
        default_path = None
    for m in store.installed():
        entry = catalog.get(m.id)
        multilingual = entry.multilingual if entry is not None else m.multilingual
        if multilingual is None:
            multilingual = header_multilingual(m.path)
        name = f"{entry.name} ({m.id})" if entry is not None and m.id not in entry.name else m.id
        out.append((m.id, name, multilingual))
        if default_path is not None and m.path == default_path:
            default = m.id
    return out, default


def _spin(lo: int, hi: int, value: int) -> QSpinBox:
    box = QSpinBox()
    box.setRange(lo, hi)
    box.setValue(value)
    return box


def _dspin(lo: float, hi: float, value: float, step: float, suffix: str) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setRange(lo, hi)
    box.setSingleStep(step)
    box.setDecimals(1)
    box.setSuffix(suffix)
    box.setValue(value)
    return box

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
        run_task(_installed_model_ids, self._fill_models, lambda exc: None)

        self.language = QComboBox()
        self.language.addItem("Detect automatically", "auto")
        for code, name in by_name():
            self.language.addItem(f"{name} ({code})", code)
        self.language.setCurrentIndex(max(0, self.language.findData(options.language)))
        self.translate = QCheckBox("Translate the speech to English")
        self.translate.setChecked(options.translate)
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

        general = QFormLayout()
        general.addRow("Model:", self.model_box)
        general.addRow("Language:", self.language)
        general.addRow("", self.translate)
        general.addRow("Initial prompt:", self.prompt)
        general.addRow("Threads:", self.threads)
        general.addRow("Beam size:", self.beam)
        general.addRow("Timing:", self.refine)
        general.addRow("Compute:", self.use_gpu)
        general.addRow("Speakers:", speakers_row)
        rules_box = QGroupBox("Subtitle rules")
        rules_form = QFormLayout(rules_box)
        rules_form.addRow("Characters per line:", self.max_chars)
        rules_form.addRow("Lines per subtitle:", self.max_lines)
        rules_form.addRow("Characters per second:", self.max_cps)
        rules_form.addRow("Longest subtitle:", self.max_duration)
        self.refine.toggled.connect(rules_box.setEnabled)
        rules_box.setEnabled(options.refine)

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok
            | QDialogButtonBox.StandardButton.Cancel
            | QDialogButtonBox.StandardButton.RestoreDefaults
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        restore = buttons.button(QDialogButtonBox.StandardButton.RestoreDefaults)
        restore.clicked.connect(self._restore_defaults)
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
        )
        return TranscribeOptions(
            language=self.language.currentData(),
            translate=self.translate.isChecked(),
            initial_prompt=self.prompt.text().strip() or None,
            threads=self.threads.value(),
            beam_size=self.beam.value(),
            refine=self.refine.isChecked(),
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

    def _fill_models(self, ids: list[str]) -> None:
        for model_id in ids:
            if self.model_box.findData(model_id) < 0:
                self.model_box.addItem(model_id, model_id)

    def _restore_defaults(self) -> None:
        fresh = TranscribeOptions()
        self.model_box.setCurrentIndex(0)
        self.language.setCurrentIndex(self.language.findData(fresh.language))
        self.translate.setChecked(fresh.translate)
        self.prompt.clear()
        self.threads.setValue(fresh.threads)
        self.beam.setValue(fresh.beam_size)
        self.refine.setChecked(fresh.refine)
        self.use_gpu.setChecked(fresh.use_gpu)
        self.find_speakers.setChecked(fresh.speakers is not None)
        self.speaker_count.setText(fresh.speakers or "auto")
        self.max_chars.setValue(fresh.rules.max_chars_per_line)
        self.max_lines.setValue(fresh.rules.max_lines)
        self.max_cps.setValue(fresh.rules.max_cps)
        self.max_duration.setValue(fresh.rules.max_duration_ms / 1000)


def _installed_model_ids() -> list[str]:
    from wavescribe.core.models.store import ModelStore

    return [m.id for m in ModelStore().installed()]


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

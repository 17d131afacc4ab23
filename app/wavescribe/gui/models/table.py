"""The model manager's table: installed models first, then the rest of the catalog.

Rows are plain data (``ModelRow``) built from the store; the widget only turns them into cells,
so what a row says (size, languages, memory verdict, status) is decided in one place.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

from wavescribe.core.errors import ModelError, WavescribeError
from wavescribe.core.humanize import format_duration, format_gb, format_size
from wavescribe.core.models.catalog import CatalogModel
from wavescribe.core.models.download import DownloadProgress
from wavescribe.core.models.ggml_file import header_multilingual
from wavescribe.core.models.hardware_fit import (
    estimate_file_size,
    estimate_model_memory,
    memory_fit,
)
from wavescribe.core.models.store import DOWNLOADS_DIR, InstalledModel, ModelStore

COLUMNS = ("Model", "Size", "Languages", "Quantization", "Status", "Default", "Memory")
NAME, SIZE, LANGUAGES, QUANT, STATUS, DEFAULT, MEMORY = range(len(COLUMNS))
_WARN = {"too_big": QColor("#c62828"), "tight": QColor("#b26a00")}


@dataclass(frozen=True)
class ModelRow:
    """A catalog entry and/or an installed model under one id."""

    id: str
    entry: CatalogModel | None
    installed: InstalledModel | None

    @property
    def name(self) -> str:
        """The full name shown, the id beside it: ``Tiny (English) · f16 (tiny.en)``.

        So the starter (``tiny.en-starter``, converted from the faster-whisper package) and
        the catalog's ``tiny.en`` can be told apart, and an installed model outside the
        catalog says where it came from.
        """
        if self.entry is not None:
            return (
                self.entry.name if self.id in self.entry.name else f"{self.entry.name} ({self.id})"
            )
        m = self.installed
        how = {"import": "imported", "converted": "converted here"}.get(m.source) if m else None
        return f"{self.id} ({how})" if how else self.id

    @property
    def multilingual(self) -> bool | None:
        """Whether it knows other languages than English (catalog, sidecar, else the header)."""
        e, m = self.entry, self.installed
        if e is not None:
            return e.multilingual
        if m is None:
            return None
        if m.multilingual is not None:
            return m.multilingual
        return header_multilingual(m.path)

    def memory_need(self) -> int | None:
        """Estimated RAM for this model; the installed file's size is the best evidence."""
        if self.installed is not None:
            m = self.installed
            return estimate_model_memory(m.size_bytes, m.family or m.id, m.quantization)
        assert self.entry is not None
        e = self.entry
        return estimate_model_memory(e.size_bytes, e.family or e.id, e.quantization)

    def status(self, store: ModelStore) -> str:
        if self.installed is not None:
            return "Installed" + ("" if self.entry else f" ({self.installed.source})")
        e = self.entry
        assert e is not None
        if not e.downloadable:
            return "Not installed · built on this computer from the starter package"
        part = store.root / DOWNLOADS_DIR / f"{self.id}.bin.part"
        size = part.stat().st_size if part.is_file() else 0
        if size:
            return f"Partly downloaded ({format_size(size)}): Download resumes"
        return "Not installed" + ("" if e.verified else " · unverified")


def collect_rows(store: ModelStore) -> tuple[list[ModelRow], str | None]:
    """Catalog rows in catalog order, then installed models outside it; plus a catalog error."""
    installed = {m.id: m for m in store.installed()}
    problem = None
    try:
        entries = list(store.catalog)
    except ModelError as exc:  # a broken catalog must not hide installed models
        entries, problem = [], str(exc)
    rows = [ModelRow(e.id, e, installed.get(e.id)) for e in entries]
    known = {e.id for e in entries}
    rows += [ModelRow(i, None, m) for i, m in sorted(installed.items()) if i not in known]
    # what can be used now first (in the same order), then what could be installed
    return sorted(rows, key=lambda r: r.installed is None), problem


def effective_default(store: ModelStore, rows: list[ModelRow]) -> str | None:
    """The id a job without a model would use (the user's choice, else the store's pick)."""
    try:
        path = store.resolve(None)
    except WavescribeError:
        return None
    return next((r.id for r in rows if r.installed and r.installed.path == path), None)


class ModelTable(QTableWidget):
    """Read-only, single-selection table of ``ModelRow``s."""

    def __init__(self, parent=None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(0, len(COLUMNS), parent)
        self.rows: list[ModelRow] = []
        self.setHorizontalHeaderLabels(COLUMNS)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(STATUS, QHeaderView.ResizeMode.Stretch)  # names never elided
        self.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.setWordWrap(False)

    def show_rows(
        self,
        rows: list[ModelRow],
        *,
        default: str | None,
        user_default: str | None,
        free: int | None,
        status: Callable[[ModelRow], str],
    ) -> None:
        """Redraw every row, keeping the selected id selected."""
        keep = self.selected_id()
        self.rows = rows
        # With ResizeToContents on, every setItem re-measures its whole column (~1 ms each):
        # fill with fixed sections and measure once at the end.
        header = self.horizontalHeader()
        modes = [header.sectionResizeMode(i) for i in range(len(COLUMNS))]
        header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.setUpdatesEnabled(False)
        try:
            self.setRowCount(len(rows))
            for index, row in enumerate(rows):
                self._fill(index, row, row.id == default, row.id == user_default, free, status(row))
        finally:
            for column, mode in enumerate(modes):
                header.setSectionResizeMode(column, mode)
            self.setUpdatesEnabled(True)
        if keep is not None and self.has(keep):
            self.select(keep)

    def _fill(
        self, index: int, row: ModelRow, default: bool, chosen: bool, free: int | None, status: str
    ) -> None:
        e, m = row.entry, row.installed
        need = row.memory_need()
        fit = memory_fit(need, free)
        size = m.size_bytes if m else e.size_bytes if e else None
        multilingual = row.multilingual
        quantization = (e.quantization if e else None) or (m.quantization if m else None)
        cells = [
            row.name,
            format_size(size) if size else _guessed_size(e),
            {True: "Multilingual", False: "English", None: "?"}[multilingual],
            quantization or "?",
            status,
            "★" if default else "",
            ("⚠ " if fit.level in _WARN else "") + (f"~{format_gb(need)}" if need else "?"),
        ]
        items = [QTableWidgetItem(text) for text in cells]
        for column, item in enumerate(items):
            self.setItem(index, column, item)
        if fit.level in _WARN:
            items[MEMORY].setForeground(QBrush(_WARN[fit.level]))
            items[MEMORY].setToolTip(fit.warning or "")
        if default:
            items[DEFAULT].setToolTip(
                "Your default model" if chosen else "Used by default (you have not chosen one)"
            )
        tip = [row.id] + ([e.notes] if e and e.notes else [])
        if m and m.imported_from:
            tip.append(f"Imported from {m.imported_from}")
        items[NAME].setToolTip("\n".join(tip))

    # --- lookups --------------------------------------------------------------------------
    def has(self, model_id: str) -> bool:
        return any(r.id == model_id for r in self.rows)

    def row_of(self, model_id: str) -> int:
        """Index of the row for ``model_id`` (StopIteration if there is none)."""
        return next(i for i, row in enumerate(self.rows) if row.id == model_id)

    def row_for(self, model_id: str) -> ModelRow:
        return self.rows[self.row_of(model_id)]

    def cell(self, model_id: str, column: int) -> QTableWidgetItem:
        item = self.item(self.row_of(model_id), column)
        assert item is not None
        return item

    def select(self, model_id: str) -> None:
        self.selectRow(self.row_of(model_id))

    def selected_id(self) -> str | None:
        selected = self.selectionModel().selectedRows()
        return self.rows[selected[0].row()].id if selected and self.rows else None

    def selected_row(self) -> ModelRow | None:
        model_id = self.selected_id()
        return self.row_for(model_id) if model_id is not None else None

    def set_status(self, model_id: str, text: str) -> None:
        if self.has(model_id):
            self.cell(model_id, STATUS).setText(text)


def _guessed_size(entry: CatalogModel | None) -> str:
    # Unverified entries publish no size: say roughly what to expect, marked as a guess.
    guess = estimate_file_size(entry.family or entry.id, entry.quantization) if entry else None
    return f"≈ {format_gb(guess)}" if guess else "unknown"


def download_text(p: DownloadProgress) -> str:
    """``12.3 MB of 40.0 MB · 4.1 MB/s · about 7 s left``"""
    done = format_size(p.bytes_done) + (
        f" of {format_size(p.bytes_total)}" if p.bytes_total else ""
    )
    rate = f" · {format_size(int(p.rate_bps))}/s" if p.rate_bps else ""
    eta = f" · about {format_duration(p.eta_s)} left" if p.eta_s is not None else ""
    return done + rate + eta

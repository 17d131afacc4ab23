"""Typed errors of the core.

Core code raises these; the edges (CLI exit codes, GUI dialogs) turn them into messages once.
Every message is one line that says what went wrong, in the domain's words; what the person can
do about it is a structured :class:`Hint`, which each shell phrases for its own user (a command
to run in a terminal, a menu to open in the app). The core never names a command or a menu.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass


class HintKind(enum.Enum):
    """What the person can do about an error; ``Hint.model_id`` names the model where it helps."""

    DOWNLOAD_MODEL = "download_model"  # get ``model_id`` from the catalog
    GET_A_MODEL = "get_a_model"  # none installed: download ``model_id`` or import a file
    CHOOSE_OTHER_MODEL = "choose_other_model"  # an installed or catalog model, or a GGML file
    ALLOW_UNVERIFIED = (
        "allow_unverified"  # no checksum: allow ``model_id``, or take ``alternative``
    )
    REMOVE_MODEL_FIRST = "remove_model_first"  # ``model_id`` is taken: remove it, or another id
    REIMPORT_MODEL = "reimport_model"  # the installed ``model_id`` is damaged
    FREE_DISK_SPACE = "free_disk_space"
    CHECK_PERMISSIONS = "check_permissions"
    RESUME_DOWNLOAD = "resume_download"  # the partial download is kept: download again


@dataclass(frozen=True, slots=True)
class Hint:
    """A structured suggestion; the shells (CLI, GUI) turn it into words for their user."""

    kind: HintKind
    model_id: str | None = None
    alternative: str | None = None  # another model that would do (e.g. a verified one)


class WavescribeError(Exception):
    """Base of every error the core raises on purpose; ``hint`` says what the person can do."""

    def __init__(self, *args: object, hint: Hint | None = None) -> None:
        super().__init__(*args)
        self.hint = hint


def message_with_hint(exc: BaseException, phrase: Callable[[Hint], str]) -> str:
    """``exc``'s message, then its hint in a shell's words (``phrase``), when it has one."""
    message = str(exc) or type(exc).__name__
    hint = getattr(exc, "hint", None)
    return f"{message} {phrase(hint)}" if isinstance(hint, Hint) else message


# --- input -----------------------------------------------------------------------------------
class InputError(WavescribeError):
    """The user's input file cannot be used (CLI exit code 3)."""


class InputNotFound(InputError):
    """The path does not exist or is not a file."""


class UnsupportedAudio(InputError):
    """The file is not audio or video we can decode, or has no audio track."""


class CorruptAudio(InputError):
    """The file looks like audio but is truncated, corrupt or empty."""


class SubtitleParseError(InputError):
    """A subtitle file could not be parsed."""


# --- models ----------------------------------------------------------------------------------
class ModelError(WavescribeError):
    """A model is missing, corrupt or cannot be obtained (CLI exit code 4)."""


class ModelNotFound(ModelError):
    """No model with that id or path is installed."""


class ModelCorrupt(ModelError):
    """A model file fails validation (bad header, truncated, wrong checksum)."""


class DownloadError(ModelError):
    """A download failed (HTTP error, connection lost, disk full)."""


class ChecksumMismatch(DownloadError):
    """A downloaded file's sha256 is not the catalog's."""


class ConversionError(ModelError):
    """A CTranslate2 model folder cannot be converted to GGML."""


# --- engine / jobs ---------------------------------------------------------------------------
class EngineError(WavescribeError):
    """The transcription engine failed (including a crash of the native worker process)."""


class EngineCrashed(EngineError):
    """The worker process died (segfault, abort, killed, out of memory)."""


class Cancelled(WavescribeError):
    """The user cancelled the job; nothing partial was written."""

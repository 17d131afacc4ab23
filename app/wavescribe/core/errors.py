"""Typed errors of the core.

Core code raises these; the edges (CLI exit codes, GUI dialogs) turn them into messages once.
Every message is one line a person can act on: what went wrong and, where possible, what to do.
"""

from __future__ import annotations


class WavescribeError(Exception):
    """Base of every error the core raises on purpose."""


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

"""The core's hints in a window user's words: which menu or button helps (never a command)."""

from __future__ import annotations

from wavescribe.core.errors import Hint, HintKind, message_with_hint

MODELS = "Tools → Models…"


def phrase_hint(hint: Hint) -> str:
    """One or two sentences naming the place in the app that helps."""
    model = hint.model_id
    match hint.kind:
        case HintKind.DOWNLOAD_MODEL:
            return f"Open {MODELS} and download {model or 'it'}."
        case HintKind.GET_A_MODEL:
            suggestion = f" ({model} is a good start)" if model else ""
            return (
                f"Open {MODELS} to download a model{suggestion} or to import a model file you "
                "already have."
            )
        case HintKind.CHOOSE_OTHER_MODEL:
            return f"Choose another model in Transcription → Options… or in {MODELS}"
        case HintKind.ALLOW_UNVERIFIED:
            alt = hint.alternative
            other = f", or choose a verified one such as {alt}" if alt else ""
            return f"Confirm the unverified download in {MODELS}{other}."
        case HintKind.REMOVE_MODEL_FIRST:
            return (
                f"Delete {model or 'it'} in {MODELS} first, or import this file under another name."
            )
        case HintKind.REIMPORT_MODEL:
            return (
                f"Open {MODELS}, delete {model or 'this model'} and download or import it again. "
                "Your files and transcripts are not affected."
            )
        case HintKind.FREE_DISK_SPACE:
            return "Free some disk space, or choose a folder on another disk, and try again."
        case HintKind.CHECK_PERMISSIONS:
            return "Choose a folder you may write to, or check the folder's permissions."
        case HintKind.RESUME_DOWNLOAD:
            return "Check the connection and download it again: it resumes where it stopped."
    raise AssertionError(f"unphrased hint {hint.kind}")  # pragma: no cover - enum is exhaustive


def with_hint(exc: BaseException) -> str:
    """The error's message followed by what to do about it in the app (for labels and lines)."""
    return message_with_hint(exc, phrase_hint)

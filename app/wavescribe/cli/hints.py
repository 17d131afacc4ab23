"""The core's hints in a terminal user's words: the command to run next."""

from __future__ import annotations

from wavescribe.core.errors import Hint, HintKind, message_with_hint


def phrase_hint(hint: Hint) -> str:
    """One sentence naming the ``wavescribe`` command (or flag) that helps."""
    model = hint.model_id
    match hint.kind:
        case HintKind.DOWNLOAD_MODEL:
            return f"Get it with `wavescribe models download {model or 'ID'}`."
        case HintKind.GET_A_MODEL:
            return (
                f"Download one with `wavescribe models download {model or 'ID'}` or import a "
                "GGML file with `wavescribe models import PATH`."
            )
        case HintKind.CHOOSE_OTHER_MODEL:
            return (
                "Use an installed id, a catalog id (`wavescribe models list`), or the path of a "
                "GGML .bin file."
            )
        case HintKind.ALLOW_UNVERIFIED:
            other = f" (e.g. `wavescribe models download {hint.alternative}`)"
            return (
                f"Allow it with `wavescribe models download {model or 'ID'} --allow-unverified`, "
                f"or choose a verified model{other if hint.alternative else ''}."
            )
        case HintKind.REMOVE_MODEL_FIRST:
            return (
                f"Remove it first with `wavescribe models remove {model or 'ID'}`, or import "
                "this file under another id with --id."
            )
        case HintKind.REIMPORT_MODEL:
            if model is None:
                return "Delete the file, then download or import the model again."
            return (
                f"Remove it with `wavescribe models remove {model}`, then download or import it "
                "again."
            )
        case HintKind.FREE_DISK_SPACE:
            return "Free some disk space, or write to another disk, and try again."
        case HintKind.CHECK_PERMISSIONS:
            return "Check that you may write there, or choose another folder."
        case HintKind.RESUME_DOWNLOAD:
            return "Run the same download again: it resumes where it stopped."
    raise AssertionError(f"unphrased hint {hint.kind}")  # pragma: no cover - enum is exhaustive


def error_line(exc: BaseException) -> str:
    """The error as the CLI prints it: what happened, then what to run about it."""
    return message_with_hint(exc, phrase_hint)

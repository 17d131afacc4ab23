"""The ``wavescribe`` command line: a thin shell over ``wavescribe.core``.

``wavescribe`` alone, or followed by files, opens the desktop app (imported only then, so the
command line never loads Qt); with no display to open it on, it prints the usage instead.
``wavescribe FILE.srt MEDIA`` opens those subtitles with their media in the editor.

Exit codes: 0 ok, 1 engine failure or output not writable (data folder included), 2 usage,
3 bad input, 4 model problem, 130 cancelled (Ctrl-C). With several inputs the first failure's
code is returned and the other inputs are still done. Every failure is one line on stderr
(``wavescribe: error: ...``), never a traceback; see tests/README.md for the list.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from wavescribe import __version__
from wavescribe.core import errors

EXIT_OK = 0
EXIT_ENGINE = 1
EXIT_USAGE = 2
EXIT_INPUT = 3
EXIT_MODEL = 4
EXIT_CANCELLED = 130


def exit_code_for(exc: BaseException) -> int:
    """Map a core error to the documented exit code."""
    if isinstance(exc, errors.Cancelled | KeyboardInterrupt):
        return EXIT_CANCELLED
    if isinstance(exc, errors.InputError):
        return EXIT_INPUT
    if isinstance(exc, errors.ModelError):
        return EXIT_MODEL
    return EXIT_ENGINE


def build_parser() -> argparse.ArgumentParser:
    from wavescribe.cli import align_cmd, models_cmd, transcribe_cmd

    parser = argparse.ArgumentParser(
        prog="wavescribe",
        description="Offline audio/video to accurate, well-timed subtitles.",
    )
    parser.add_argument("--version", action="version", version=f"wavescribe {__version__}")
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="transcribe the bundled speech sample; exit 0 if the words match",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    transcribe_cmd.add_parser(sub)
    align_cmd.add_parser(sub)
    models_cmd.add_parser(sub)
    return parser


def wants_gui(argv: Sequence[str]) -> bool:
    """No arguments, or only paths (no subcommand, no option): the user wants the window."""
    if not argv:
        return True
    return argv[0] not in ("transcribe", "align", "models") and not any(
        a.startswith("-") for a in argv
    )


def has_display() -> bool:
    """Whether a window can be shown: Linux needs X11, Wayland or a visible Qt platform."""
    if not sys.platform.startswith("linux"):
        return True
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if platform and not platform.startswith(("offscreen", "minimal")):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _prepare_data_dir() -> None:
    """A data folder that cannot be written is one sentence at start; stale leftovers go."""
    from wavescribe.core import paths

    paths.ensure_data_dir()
    paths.clean_stale_parts()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI (or open the app, see the module docstring); returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if wants_gui(argv) and has_display():
        from wavescribe.gui.app import main as gui_main

        return gui_main(argv)
    parser = build_parser()
    if argv and wants_gui(argv):
        parser.error("no display to open the app on; to transcribe: wavescribe transcribe FILE")
    args = parser.parse_args(argv)
    if args.self_test:
        from wavescribe import selftest

        return selftest.run()
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        _prepare_data_dir()
        return int(args.run(args))
    except errors.Cancelled:
        print("wavescribe: cancelled; no output written", file=sys.stderr)
        return EXIT_CANCELLED
    except errors.WavescribeError as exc:
        from wavescribe.cli.hints import error_line

        print(f"wavescribe: error: {error_line(exc)}", file=sys.stderr)
        return exit_code_for(exc)
    except KeyboardInterrupt:
        print("wavescribe: cancelled", file=sys.stderr)
        return EXIT_CANCELLED
    except OSError as exc:  # a disk or permission problem nothing more specific caught
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"wavescribe: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return EXIT_ENGINE

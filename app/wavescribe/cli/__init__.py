"""The ``wavescribe`` command line: a thin shell over ``wavescribe.core``.

Exit codes: 0 ok, 1 engine failure, 2 usage, 3 bad input, 4 model problem, 130 cancelled (Ctrl-C).
"""

from __future__ import annotations

import argparse
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
    from wavescribe.cli import models_cmd, transcribe_cmd

    parser = argparse.ArgumentParser(
        prog="wavescribe",
        description="Offline audio/video to accurate, well-timed subtitles.",
    )
    parser.add_argument("--version", action="version", version=f"wavescribe {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    transcribe_cmd.add_parser(sub)
    models_cmd.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return int(args.run(args))
    except errors.WavescribeError as exc:
        print(f"wavescribe: error: {exc}", file=sys.stderr)
        return exit_code_for(exc)
    except KeyboardInterrupt:
        print("wavescribe: cancelled", file=sys.stderr)
        return EXIT_CANCELLED

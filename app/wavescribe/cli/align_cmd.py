"""``wavescribe align``: a script (plain text, SRT or VTT) timed to the audio, words as written."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from wavescribe.cli.progress import ProgressLine
from wavescribe.cli.transcribe_cmd import (
    OUTPUT_FORMATS,
    _cancel_on_sigint,
    _complain,
    _NullStream,
    _positive_int,
    _resolve_model,
    _start_engine,
)
from wavescribe.core.engine.options import TranscribeOptions, default_threads


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "align",
        help="time an existing script or subtitles to the audio",
        description="Align a script (plain text: paragraphs or one line per cue; or SRT/VTT with "
        "wrong or missing timings) to audio or video. The words are kept exactly as written; "
        "only the timings are computed. Passages not found in the audio are reported.",
    )
    p.add_argument("media", metavar="MEDIA", help="audio or video file")
    p.add_argument("script", metavar="SCRIPT", help="plain text, .srt or .vtt")
    p.add_argument(
        "-o",
        "--output",
        metavar="OUT",
        help="output folder, or a file name such as out.srt (default: beside MEDIA)",
    )
    p.add_argument("-f", "--format", default=None, help="comma-separated: srt,vtt,txt,json")
    p.add_argument("-m", "--model", metavar="ID|PATH", help="installed model id or a GGML file")
    p.add_argument("-l", "--language", default="auto", help="auto (default) or a code like en")
    p.add_argument("-t", "--threads", type=_positive_int, default=default_threads())
    p.add_argument("--beam-size", type=_positive_int, default=5, help="1 = greedy (faster)")
    p.add_argument("--cpu", action="store_true", help="compute on the CPU even with a GPU build")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    p.set_defaults(run=run, parser=p)


def run(args: argparse.Namespace) -> int:
    from wavescribe.cli import EXIT_OK
    from wavescribe.core import formats as subtitle_formats
    from wavescribe.core.align.aligner import align_media
    from wavescribe.core.align.script import read_script
    from wavescribe.core.engine.client import Engine, Progress, Warning_

    media = Path(args.media).expanduser()
    formats, targets = _plan(args, media)
    script = read_script(args.script)  # bad script: a clear message before any model loads
    options = TranscribeOptions(
        language=args.language,
        threads=args.threads,
        beam_size=args.beam_size,
        use_gpu=not args.cpu,
    )
    progress = ProgressLine(_NullStream() if args.quiet else sys.stderr)
    model_path = _resolve_model(args.model, progress)
    started = time.monotonic()
    progress.prefix = f"{media.name}: "

    def on_event(ev: Any) -> None:
        if isinstance(ev, Progress):
            progress.update("align" if ev.stage == "refine" else ev.stage, ev.fraction, "")
        elif isinstance(ev, Warning_):
            progress.message(f"{media.name}: warning: {ev.message}")

    with Engine(model_path, use_gpu=options.use_gpu) as engine, _cancel_on_sigint(engine, progress):
        _start_engine(engine, progress)
        cancelled = _Flag(engine)
        result = align_media(engine, media, script, options, on_event, cancelled=cancelled)
    for fmt, target in zip(formats, targets, strict=True):
        target.parent.mkdir(parents=True, exist_ok=True)
        subtitle_formats.write(result, target, fmt)
    report = result.metadata["alignment"]
    progress.clear()
    print(f"{media.name}: {report['summary']}", file=sys.stderr)
    for passage in report["passages"]:
        where = "" if passage["at_ms"] is None else f" (at {passage['at_ms'] / 1000:.1f} s)"
        _complain(progress, f"  {passage['reason']}{where}: {passage['excerpt']}")
    print(
        f"{media.name}: {len(result.segments)} cues, {time.monotonic() - started:.1f} s -> "
        + ", ".join(str(t) for t in targets),
        file=sys.stderr,
    )
    return EXIT_OK


class _Flag:
    """Cancellation for the alignment after transcription: the engine's cancel was asked for."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine

    def __call__(self) -> bool:
        return bool(self.engine.cancel_requested)


def _plan(args: argparse.Namespace, media: Path) -> tuple[list[str], list[Path]]:
    parser: argparse.ArgumentParser = args.parser
    out = Path(args.output).expanduser() if args.output else None
    out_is_file = out is not None and out.suffix.lower().lstrip(".") in OUTPUT_FORMATS
    if args.format:
        formats = [f.strip().lower() for f in args.format.split(",") if f.strip()]
    elif out_is_file:
        formats = [out.suffix.lower().lstrip(".")]  # type: ignore[union-attr]
    else:
        script_ext = Path(args.script).suffix.lower().lstrip(".")
        formats = [script_ext if script_ext in ("srt", "vtt") else "srt"]
    unknown = [f for f in formats if f not in OUTPUT_FORMATS]
    if unknown or not formats:
        parser.error(
            f"unknown format {', '.join(unknown)}; choose from {', '.join(OUTPUT_FORMATS)}"
        )
    if out_is_file and len(formats) > 1:
        parser.error("-o names a file: give one format, or -o a folder")
    if out_is_file:
        targets = [out]
    else:
        folder = out if out is not None else media.parent
        targets = [folder / f"{media.stem}.aligned.{fmt}" for fmt in formats]  # type: ignore[union-attr]
    for t in targets:
        if t.resolve() in (media.resolve(), Path(args.script).expanduser().resolve()):
            parser.error(f"output {t} would overwrite an input")
    return formats, targets  # type: ignore[return-value]

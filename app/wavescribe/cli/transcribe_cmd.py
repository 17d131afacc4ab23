"""``wavescribe transcribe``: files in, subtitle files out."""

from __future__ import annotations

import argparse
import signal
import sys
import time
from pathlib import Path
from types import FrameType
from typing import Any

from wavescribe.cli.progress import ProgressLine
from wavescribe.core import errors
from wavescribe.core.engine.options import TranscribeOptions, default_threads
from wavescribe.core.subtitle_rules import SubtitleRules

OUTPUT_FORMATS = ("srt", "vtt", "txt", "json")


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "transcribe",
        help="transcribe audio/video files to subtitles",
        description="Transcribe audio or video files offline and write subtitle files.",
    )
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="audio or video files")
    p.add_argument(
        "-o",
        "--output",
        metavar="OUT",
        help="output folder (default: beside each input), or a file name such as out.srt "
        "when there is one input",
    )
    p.add_argument(
        "-f",
        "--format",
        default=None,
        help="comma-separated: srt,vtt,txt,json (default: srt, or the extension of -o)",
    )
    p.add_argument("-m", "--model", metavar="ID|PATH", help="installed model id or a GGML file")
    p.add_argument("-l", "--language", default="auto", help="auto (default) or a code like en, de")
    p.add_argument("--translate", action="store_true", help="translate the speech to English")
    p.add_argument("--prompt", dest="initial_prompt", help="initial prompt: names, glossary")
    p.add_argument("-t", "--threads", type=_positive_int, default=default_threads())
    p.add_argument("--beam-size", type=_positive_int, default=5, help="1 = greedy (faster)")
    p.add_argument(
        "--cpu",
        action="store_true",
        help="compute on the CPU even when this build has a GPU backend and a GPU is there",
    )
    p.add_argument("--no-refine", action="store_true", help="keep whisper.cpp's own timings")
    p.add_argument(
        "--whole-file",
        action="store_true",
        help="decode the whole file, silences included (default: find the speech first and "
        "decode only speech)",
    )
    p.add_argument(
        "--decoders",
        type=_non_negative_int,
        default=0,
        metavar="N",
        help="parallel decoders (0 = automatic; this build always uses 1)",
    )
    rules = SubtitleRules()
    p.add_argument("--max-chars", type=_positive_int, default=rules.max_chars_per_line)
    p.add_argument("--max-lines", type=_positive_int, default=rules.max_lines)
    p.add_argument("--max-cps", type=float, default=rules.max_cps)
    p.add_argument("--max-duration", type=float, default=rules.max_duration_ms / 1000, help="s")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    p.set_defaults(run=run, parser=p)


def run(args: argparse.Namespace) -> int:
    from wavescribe.cli import EXIT_OK, exit_code_for

    formats, outputs = _plan_outputs(args)
    options = TranscribeOptions(
        language=args.language,
        translate=args.translate,
        initial_prompt=args.initial_prompt,
        threads=args.threads,
        beam_size=args.beam_size,
        refine=not args.no_refine,
        rules=SubtitleRules(
            max_chars_per_line=args.max_chars,
            max_lines=args.max_lines,
            max_cps=args.max_cps,
            max_duration_ms=int(args.max_duration * 1000),
        ),
        use_gpu=not args.cpu,
        speech_first=not args.whole_file,
        decoders=args.decoders,
    )
    progress = ProgressLine(_NullStream() if args.quiet else sys.stderr)
    model_path = _resolve_model(args.model, progress)

    from wavescribe.core.engine.client import Engine

    status = EXIT_OK
    with Engine(model_path, use_gpu=options.use_gpu) as engine, _cancel_on_sigint(engine, progress):
        _start_engine(engine, progress)
        for src, targets in outputs:
            try:
                _transcribe_one(engine, src, targets, formats, options, progress)
            except errors.Cancelled:
                _complain(progress, f"{src}: cancelled; no output written")
                raise
            except (errors.InputError, errors.EngineError) as exc:
                # One bad file must not cost the others their subtitles.
                _complain(progress, f"wavescribe: error: {exc}")
                status = status or exit_code_for(exc)
    return status


def _start_engine(engine: Any, progress: ProgressLine) -> None:
    """Load the model now, so the device in use (and a GPU fallback) is said before any job."""
    from wavescribe.core.engine.client import Warning_

    def on_event(ev: Any) -> None:
        if isinstance(ev, Warning_):
            progress.message(f"warning: {ev.message}")

    progress.update("load", 0.0, "")
    engine.start(on_event)
    if engine.device is not None:
        progress.message(f"whisper.cpp computes on: {engine.device.name}")


def _transcribe_one(
    engine: Any,
    src: Path,
    targets: list[Path],
    formats: list[str],
    options: TranscribeOptions,
    progress: ProgressLine,
) -> None:
    from wavescribe.core import formats as subtitle_formats
    from wavescribe.core.engine.client import Progress, SegmentDecoded, Warning_

    progress.prefix = f"{src.name}: "
    last_text = ""
    started = time.monotonic()

    def on_event(ev: Any) -> None:
        nonlocal last_text
        if isinstance(ev, Progress):
            progress.update(ev.stage, ev.fraction, last_text)
        elif isinstance(ev, SegmentDecoded):
            last_text = ev.segment.text[:60]
        elif isinstance(ev, Warning_):
            progress.message(f"{src.name}: warning: {ev.message}")

    transcript = engine.transcribe(src, options, on_event)
    if transcript.metadata.get("refine_skipped"):
        progress.message(
            f"{src.name}: timing refinement skipped: {transcript.metadata['refine_skipped']}"
        )
    for fmt, target in zip(formats, targets, strict=True):
        target.parent.mkdir(parents=True, exist_ok=True)
        subtitle_formats.write(transcript, target, fmt)
    elapsed = time.monotonic() - started
    review = review_summary(transcript)
    if review:
        progress.message(f"{src.name}: {review}")
    progress.message(
        f"{src.name}: {len(transcript.segments)} cues, {elapsed:.1f} s -> "
        + ", ".join(str(t) for t in targets)
    )


def review_summary(transcript: Any) -> str | None:
    """One line on what to check by hand: suspect cues and speech that gave no text (or None)."""
    parts = []
    suspect = [s for s in transcript.segments if s.suspect]
    if suspect:
        first = suspect[0]
        parts.append(
            f"{len(suspect)} suspect cue{'s' * (len(suspect) != 1)} "
            f"(first at {_clock(first.start)}: {first.suspect})"
        )
    silent = transcript.metadata.get("decoding", {}).get("speech_without_text", [])
    if silent:
        at = ", ".join(_clock(int(a)) for a, _ in silent[:3]) + (", ..." if len(silent) > 3 else "")
        parts.append(f"{len(silent)} speech region{'s' * (len(silent) != 1)} gave no text ({at})")
    return "review: " + "; ".join(parts) if parts else None


def _clock(ms: int) -> str:
    s = ms // 1000
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"


def _resolve_model(spec: str | None, progress: ProgressLine) -> Path:
    from wavescribe.cli.models_cmd import download_reporter
    from wavescribe.core.models.starter import resolve_model

    path = resolve_model(
        spec,
        progress=lambda f: progress.update("convert", f),
        download_progress=download_reporter(progress),
    )
    progress.clear()
    return path


def _plan_outputs(args: argparse.Namespace) -> tuple[list[str], list[tuple[Path, list[Path]]]]:
    parser: argparse.ArgumentParser = args.parser
    out = Path(args.output).expanduser() if args.output else None
    out_is_file = out is not None and out.suffix.lower().lstrip(".") in OUTPUT_FORMATS
    if args.format:
        formats = [f.strip().lower() for f in args.format.split(",") if f.strip()]
    elif out_is_file:
        formats = [out.suffix.lower().lstrip(".")]  # type: ignore[union-attr]
    else:
        formats = ["srt"]
    unknown = [f for f in formats if f not in OUTPUT_FORMATS]
    if unknown or not formats:
        parser.error(
            f"unknown format {', '.join(unknown)}; choose from {', '.join(OUTPUT_FORMATS)}"
        )
    if out_is_file and (len(args.inputs) > 1 or len(formats) > 1):
        parser.error("-o names a file: give exactly one input and one format, or -o a folder")
    plan = []
    for name in args.inputs:
        src = Path(name).expanduser()
        if out_is_file:
            targets = [out]
        else:
            folder = out if out is not None else src.parent
            targets = [folder / f"{src.stem}.{fmt}" for fmt in formats]
        for t in targets:
            if t.resolve() == src.resolve():
                parser.error(f"output {t} would overwrite the input")
        plan.append((src, targets))
    return formats, plan  # type: ignore[return-value]


def _complain(progress: ProgressLine, text: str) -> None:
    """Errors are printed even with --quiet."""
    progress.clear()
    print(text, file=sys.stderr, flush=True)


class _cancel_on_sigint:
    """First Ctrl-C cancels the running job (within ~1 s); a second one quits at once."""

    def __init__(self, engine: Any, progress: ProgressLine) -> None:
        self.engine, self.progress = engine, progress
        self.previous: Any = None
        self.hits = 0

    def __enter__(self) -> None:
        self.previous = signal.signal(signal.SIGINT, self._handle)

    def __exit__(self, *exc: object) -> None:
        signal.signal(signal.SIGINT, self.previous)

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        self.hits += 1
        if self.hits > 1:
            raise KeyboardInterrupt
        _complain(self.progress, "Cancelling…")
        self.engine.cancel()


class _NullStream:
    def write(self, s: str) -> int:
        return len(s)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


def _non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 (automatic) or a positive whole number")
    return value


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be a positive whole number")
    return value

"""``wavescribe transcribe``: files in, subtitle files out.

Every input is handled on its own: an input that cannot be read, transcribed or written says why
in one line and counts towards the exit code, and the next input still runs. One input's formats
are written all-or-nothing (:func:`wavescribe.core.atomic.atomic_group`): a failed write leaves
the old files as they were. Inputs whose outputs would land on the same file (``a.mp3`` and
``a.webm`` with ``-f txt``) are refused before any work, naming them.
"""

from __future__ import annotations

import argparse
import math
import os
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
MAX_BEAM_SIZE = 8  # whisper.cpp's WHISPER_MAX_DECODERS: more fails inside whisper_full


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
    p.add_argument(
        "-t",
        "--threads",
        type=_positive_int,
        default=default_threads(),
        help="CPU threads (at most the number of logical CPUs)",
    )
    p.add_argument(
        "--beam-size",
        type=_beam_size,
        default=5,
        help=f"1 = greedy (faster) ... {MAX_BEAM_SIZE}",
    )
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
        help="parallel decoders, sharing the threads (0 = automatic: 1 below 8 threads)",
    )
    rules = SubtitleRules()
    p.add_argument("--max-chars", type=_positive_int, default=rules.max_chars_per_line)
    p.add_argument("--max-lines", type=_positive_int, default=rules.max_lines)
    p.add_argument("--max-cps", type=_positive_float, default=rules.max_cps)
    p.add_argument(
        "--max-duration", type=_positive_float, default=rules.max_duration_ms / 1000, help="s"
    )
    p.add_argument(
        "--speakers",
        type=_speaker_count,
        default=None,
        metavar="auto|N|A-B",
        help="find who speaks: auto, an exact number, or a range such as 2-4 (default: off)",
    )
    p.add_argument(
        "--speaker-names",
        choices=("prefix", "none"),
        default="none",
        help="SRT and TXT: start cues/paragraphs with 'NAME: ' (VTT always has voice tags)",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    p.set_defaults(run=run, parser=p)


def run(args: argparse.Namespace) -> int:
    from wavescribe.cli import EXIT_OK, exit_code_for
    from wavescribe.cli.hints import error_line

    _check_language(args)
    formats, outputs = _plan_outputs(args)
    progress = ProgressLine(_NullStream() if args.quiet else sys.stderr)
    threads = _capped_threads(args.threads, progress)
    options = TranscribeOptions(
        language=args.language,
        translate=args.translate,
        initial_prompt=args.initial_prompt,
        threads=threads,
        beam_size=args.beam_size,
        refine=not args.no_refine,
        rules=SubtitleRules(
            max_chars_per_line=args.max_chars,
            max_lines=args.max_lines,
            max_cps=args.max_cps,
            max_duration_ms=max(1, round(args.max_duration * 1000)),
        ),
        use_gpu=not args.cpu,
        speech_first=not args.whole_file,
        decoders=args.decoders,
        speakers=args.speakers,
    )
    model_path = _resolve_model(args.model, progress)
    _check_model_fits(args, model_path)

    from wavescribe.core.engine.client import Engine

    status = EXIT_OK
    # DTW (word times for refinement) costs 9-16 % of decoding; raw output does without it.
    engine = Engine(model_path, use_gpu=options.use_gpu, dtw=options.refine)
    with engine, _cancel_on_sigint(engine, progress):
        _start_engine(engine, progress)
        for src, targets in outputs:
            try:
                _check_targets(src, targets)
                _transcribe_one(
                    engine, src, targets, formats, options, progress, args.speaker_names
                )
            except errors.Cancelled:
                _complain(progress, f"{src}: cancelled; no output written")
                raise
            except (errors.InputError, errors.EngineError, OutputError) as exc:
                # One bad file must not cost the others their subtitles.
                _complain(progress, f"wavescribe: error: {error_line(exc)}")
                status = status or exit_code_for(exc)
    return status


class OutputError(errors.WavescribeError):
    """An input's subtitle files cannot be written (read-only folder, full disk, ...)."""


def _check_targets(src: Path, targets: list[Path]) -> None:
    """Fail an input before its transcription when its output folder is plainly unusable.

    Nothing is created here: the folder (and its missing parents) is made when writing.
    """
    for folder in {t.parent for t in targets}:
        existing = folder
        while not existing.exists() and existing.parent != existing:
            existing = existing.parent
        if not existing.is_dir():
            raise OutputError(f"{src.name}: cannot write to {folder}: {existing} is a file")
        if not os.access(existing, os.W_OK):
            reason = "it is read-only" if _read_only_fs(existing) else "permission denied"
            raise OutputError(f"{src.name}: cannot write to {folder}: {reason}")


def _read_only_fs(folder: Path) -> bool:
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):
        return False


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


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
    speaker_names: str = "none",
) -> None:
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
    # Said even with --quiet: the files lack what was asked for.
    if transcript.metadata.get("refine_skipped"):
        _complain(
            progress,
            f"{src.name}: timing refinement skipped: {transcript.metadata['refine_skipped']}",
        )
    if transcript.metadata.get("speakers_skipped"):
        _complain(
            progress, f"{src.name}: speakers not found: {transcript.metadata['speakers_skipped']}"
        )
    _write_all(src, transcript, targets, formats, speaker_names)
    elapsed = time.monotonic() - started
    if not transcript.segments:  # said even with --quiet: an empty file looks like a failure
        _complain(progress, f"{src.name}: no speech found; the subtitle files written are empty")
    review = review_summary(transcript)
    if review:
        progress.message(f"{src.name}: {review}")
    progress.message(
        f"{src.name}: {len(transcript.segments)} cues, {elapsed:.1f} s -> "
        + ", ".join(str(t) for t in targets)
    )


def _write_all(
    src: Path, transcript: Any, targets: list[Path], formats: list[str], names: str = "none"
) -> None:
    """Every format of one input, or none: old files stay as they were when one write fails."""
    from wavescribe.core import formats as subtitle_formats
    from wavescribe.core.atomic import atomic_group

    texts = [
        subtitle_formats.to_string(
            transcript, fmt, **({"speaker_names": names} if fmt in ("srt", "txt") else {})
        )
        for fmt in formats
    ]
    target = targets[0]
    try:
        with atomic_group() as group:
            for target, text in zip(targets, texts, strict=True):
                target.parent.mkdir(parents=True, exist_ok=True)
                group.write_text(target, text)
    except OSError as exc:
        kept = "old files were left as they were" if len(targets) > 1 else "nothing was written"
        raise OutputError(f"{src.name}: cannot write {target}: {_reason(exc)}; {kept}") from None


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

    with download_reporter(progress) as report:
        path = resolve_model(
            spec, progress=lambda f: progress.update("convert", f), download_progress=report
        )
    progress.clear()
    return path


def _plan_outputs(args: argparse.Namespace) -> tuple[list[str], list[tuple[Path, list[Path]]]]:
    parser: argparse.ArgumentParser = args.parser
    if args.output is not None and not args.output.strip():
        parser.error("-o is empty: give a folder or a file name such as out.srt")
    out = Path(args.output).expanduser() if args.output else None
    out_is_file = out is not None and out.suffix.lower().lstrip(".") in OUTPUT_FORMATS
    if args.format:
        named = (f.strip().lower() for f in args.format.split(","))
        formats = list(dict.fromkeys(f for f in named if f))  # "srt,srt" is one SRT
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
    _refuse_shared_targets(parser, plan)
    return formats, plan  # type: ignore[return-value]


def _refuse_shared_targets(
    parser: argparse.ArgumentParser, plan: list[tuple[Path, list[Path]]]
) -> None:
    """Two inputs must never write the same file (the second would silently replace the first)."""
    writers: dict[Path, list[Path]] = {}
    for src, targets in plan:
        for t in targets:
            writers.setdefault(_canonical(t), []).append(src)
    clashes = [(t, srcs) for t, srcs in writers.items() if len(srcs) > 1]
    if clashes:
        target, srcs = clashes[0]
        if len({_canonical(s) for s in srcs}) == 1:
            parser.error(f"{srcs[0]} is given more than once")
        names = " and ".join(os.fsdecode(s) for s in dict.fromkeys(srcs))
        parser.error(
            f"{names} would all be written to {target}; rename one, or transcribe them "
            "one at a time with -o naming different files"
        )


def _canonical(path: Path) -> Path:
    return Path(os.path.normcase(os.path.abspath(path)))


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


def _check_language(args: argparse.Namespace) -> None:
    from wavescribe.core.languages import LANGUAGES

    args.language = args.language.strip().lower()
    if args.language != "auto" and args.language not in LANGUAGES:
        args.parser.error(
            f"-l {args.language}: not a language Whisper knows; use auto or a code such as "
            "en, de, fr, es, ja, zh"
        )


def _check_model_fits(args: argparse.Namespace, model_path: Path) -> None:
    """--translate and a non-English -l need a multilingual model: say so instead of ignoring."""
    from wavescribe.core.models.ggml_file import validate_ggml

    if validate_ggml(model_path).multilingual:
        return
    if args.translate:
        args.parser.error(
            f"--translate needs a multilingual model; {model_path.name} is English-only "
            "(see `wavescribe models list`)"
        )
    if args.language not in ("auto", "en"):
        args.parser.error(
            f"-l {args.language}: {model_path.name} is English-only; choose a multilingual "
            "model with -m (see `wavescribe models list`)"
        )


def _capped_threads(threads: int, progress: ProgressLine) -> int:
    cpus = os.cpu_count() or 1
    if threads <= cpus:
        return threads
    _complain(progress, f"note: -t {threads} is more than the {cpus} logical CPUs; using {cpus}")
    return cpus


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError("must be a number above 0")
    return value


def _beam_size(text: str) -> int:
    value = _positive_int(text)
    if value > MAX_BEAM_SIZE:
        raise argparse.ArgumentTypeError(f"must be at most {MAX_BEAM_SIZE} (whisper.cpp's limit)")
    return value


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 (automatic) or a positive whole number")
    return value


def _speaker_count(text: str) -> str:
    from wavescribe.core.speakers.count import parse_speaker_count

    try:
        return str(parse_speaker_count(text))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be a positive whole number")
    return value

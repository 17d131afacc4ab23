"""The engine's child process: decodes audio and runs whisper.cpp (and refinement) on it.

Whisper.cpp runs here, not in the caller, so that an abort or a segfault in native code kills only
this process; the parent (CLI or GUI, with the user's unsaved edits) reports it and carries on.
The parent talks to us over a ``multiprocessing`` pipe with plain tuples (see ``engine.py``).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.synchronize import Event
from typing import Any

from wavescribe.core import errors
from wavescribe.core.audio.load import SAMPLE_RATE
from wavescribe.core.engine.model_loading import allow_dtw, load_model, loaded_heads, system_info
from wavescribe.core.engine.openmp_policy import choose_wait_policy, idle_cores
from wavescribe.core.engine.options import TranscribeOptions, default_threads
from wavescribe.core.engine.whisper_run import run_whisper
from wavescribe.core.transcript import Segment, SourceInfo, Transcript, Word


def worker_main(
    conn: Connection,
    cancel: Event,
    model_path: str,
    use_gpu: bool,
    log_path: str,
    dtw: bool = True,
) -> None:
    """Entry point of the child: load the model once, then serve requests until told to quit.
    ``dtw``: load it with DTW token timestamps where its heads are known."""
    allow_dtw(dtw)
    # Ctrl-C is the parent's to handle: it cancels the job through ``cancel``. The parent spawned
    # us with SIGINT blocked (a Ctrl-C during start-up stays pending instead of killing us);
    # ignoring it discards a pending one, and only then is it unblocked.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    # whisper.cpp's OpenMP threads spin while they wait for each other: fastest on free cores,
    # slow when another process holds one. Decided from the CPUs' use now, before libgomp
    # loads (it does with _pywhispercpp, imported below); see core/openmp_policy.py.
    policy = choose_wait_policy(os.environ, default_threads(), idle_cores(os.cpu_count() or 1))
    if policy is not None:
        os.environ["OMP_WAIT_POLICY"] = policy
    _redirect_native_stderr(log_path)
    ctx: Any = None
    if model_path:  # none: this worker only force-aligns words (Engine(None))
        try:
            ctx = load_model(model_path, use_gpu)
        except errors.WavescribeError as exc:
            conn.send(error_message(exc))
            return
        info = system_info(log_path, use_gpu)
        heads = loaded_heads(model_path)
        info["alignment_heads"] = None if heads is None else [heads.preset, heads.n_top]
    else:
        info = {}
    conn.send(("ready", info))
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            return
        if msg[0] == "quit":
            return
        if msg[0] == "transcribe":
            _, path, options = msg
            _serve_transcribe(conn, cancel, ctx, model_path, path, options)
        elif msg[0] == "force_align":
            _serve_force_align(conn, cancel, *msg[1:])


def _serve_transcribe(
    conn: Connection, cancel: Event, ctx: Any, model_path: str, path: str, options: dict[str, Any]
) -> None:
    def work() -> tuple[Any, ...]:
        transcript = transcribe_in_worker(
            ctx,
            model_path,
            path,
            TranscribeOptions.from_dict(options),
            send=conn.send,
            cancelled=cancel.is_set,
        )
        return ("done", transcript.to_dict())

    _answer(conn, work, f"transcribing {path}")


def _serve_force_align(
    conn: Connection,
    cancel: Event,
    path: str,
    words: list[dict[str, Any]],
    regions: list[tuple[int, int]],
    doubted: dict[int, int],
    language: str | None,
    rough: bool = False,
) -> None:
    def work() -> tuple[Any, ...]:
        out, report = force_align_in_worker(
            path,
            [Word.from_dict(w) for w in words],
            regions,
            doubted,
            language,
            cancel.is_set,
            lambda f: conn.send(("progress", "align", f)),
            rough,
        )
        return ("aligned", [w.to_dict() for w in out], report)

    _answer(conn, work, f"aligning the words of {path}")


def _answer(conn: Connection, work: Callable[[], tuple[Any, ...]], what: str) -> None:
    """Send what ``work()`` returns, or how it failed: cancelled, a one-line error, out of
    memory, or a bug (its traceback to the log); the worker stays up for the next job."""
    try:
        answer = work()
    except errors.Cancelled:
        conn.send(("cancelled",))
    except errors.WavescribeError as exc:
        conn.send(error_message(exc))
    except MemoryError:
        conn.send(("error", "EngineError", f"out of memory while {what}"))
    except Exception as exc:  # a bug: report it with its traceback, keep the worker alive
        traceback.print_exc()
        conn.send(("error", "EngineError", f"internal error: {exc!r}"))
    else:
        conn.send(answer)


def force_align_in_worker(
    path: str,
    words: list[Word],
    regions: list[tuple[int, int]],
    doubted: dict[int, int],
    language: str | None,
    cancelled: Any,
    progress: Any = None,
    rough: bool = False,
) -> tuple[list[Word], dict[str, Any] | None]:
    """:func:`refine.forced_alignment.retime_words` on ``path``'s audio, here, where a native
    crash in the recogniser ends only this process. The audio of the file transcribed last is
    kept for it (an alignment job transcribes the file first): no second decode."""
    from wavescribe.core.refine import forced_alignment
    from wavescribe.core.refine.pipeline import cancel_checker

    audio = _audio_of(path, cancelled)
    check = cancel_checker(cancelled)
    return forced_alignment.retime_words(
        audio, words, regions, language, check, doubted, progress, rough
    )


_last_audio: tuple[tuple[str, int, int], Any] | None = None


def _file_key(path: str) -> tuple[str, int, int]:
    st = os.stat(path)
    return os.path.abspath(path), st.st_size, st.st_mtime_ns


def _remember_audio(path: str, audio: Any) -> None:
    global _last_audio
    _last_audio = None
    if audio is not None:
        with contextlib.suppress(OSError):
            _last_audio = (_file_key(path), audio)


def _audio_of(path: str, cancelled: Any) -> Any:
    """The 16 kHz audio of ``path``: the last transcribed file's, if it is that file unchanged."""
    from wavescribe.core.audio.load import load_audio

    try:
        key = _file_key(path)
    except OSError as exc:
        raise errors.InputError(f"cannot read {path}: {exc.strerror}") from exc
    if _last_audio is not None and _last_audio[0] == key:
        return _last_audio[1]
    audio, _ = load_audio(path, cancel=cancelled)
    _remember_audio(path, audio)
    return audio


def error_message(exc: errors.WavescribeError) -> tuple[Any, ...]:
    """The pipe message for ``exc``: its class name, text and hint (plain data), so the caller
    raises the same error with the same advice."""
    h = exc.hint
    plain = None
    if h is not None:
        plain = {"kind": h.kind.value, "model_id": h.model_id, "alternative": h.alternative}
    return ("error", type(exc).__name__, str(exc), plain)


def transcribe_in_worker(
    ctx: Any,
    model_path: str,
    path: str,
    options: TranscribeOptions,
    send: Any,
    cancelled: Any,
) -> Transcript:
    """Decode ``path``, run whisper.cpp and (optionally) refine; stream events via ``send``."""
    from wavescribe.core.audio.load import load_audio

    if options.refine:
        from wavescribe.core.refine.pipeline import warm_up_in_background

        # The stable-ts/torch import and Silero load (~1.7 s; ONNX Runtime's where torch is
        # missing, as in the packaged app) overlap decoding and whisper.cpp, which releases the
        # GIL while it runs.
        warm_up_in_background()
    send(("progress", "decode", 0.0))
    audio, info = load_audio(
        path, progress=lambda f: send(("progress", "decode", f)), cancel=cancelled
    )
    # A transcription for script alignment (its words are not force-aligned: the script's are,
    # next, by force_align) keeps its audio for that; any other job lets the last one go.
    _remember_audio(path, audio if not options.word_alignment else None)
    offset_ms = 0
    whole = audio
    if options.span_ms is not None:
        audio, offset_ms = _span_of(audio, options.span_ms)
        send = _shifting_segments(send, offset_ms)
    speech = SpeechOnce(audio, cancelled)
    segments, language, decode_info = run_whisper(
        ctx, audio, options, send, cancelled, speech, model_path
    )
    transcript = Transcript(
        segments=segments,
        language=language,
        source=SourceInfo(
            path=os.path.abspath(path),
            duration_ms=info.duration_ms,
            container=info.container,
            codec=info.codec,
            sample_rate=info.sample_rate,
            channels=info.channels,
        ),
        model=os.path.basename(model_path),
    )
    transcript.metadata["refined"] = False
    # How the words are timed ("dtw": whisper.cpp's DTW token times, which refinement keeps in
    # place; "whisper": its t0/t1, which refinement re-lays), see core/engine/dtw_timing.py.
    transcript.metadata["word_timing"] = decode_info.get("word_timing", "whisper")
    if decode_info:
        transcript.metadata["decoding"] = decode_info
    if options.refine:
        transcript = _refine(transcript, audio, options, send, cancelled, speech)
    if options.speakers:
        _find_speakers(transcript, audio, options.speakers, send, cancelled, speech)
    if offset_ms:
        shift_segments(transcript.segments, offset_ms)
    if options.align_text is not None:
        from wavescribe.core.align.span import align_text_to_span

        send(("progress", "align", 0.0))
        span = options.span_ms or (0, info.duration_ms)
        transcript = align_text_to_span(
            options.align_text, transcript, whole, span, options.rules, cancelled
        )
        send(("progress", "align", 1.0))
    return transcript


class SpeechOnce:
    """Silero's speech map of one job's audio, found on first use and shared after.

    Speech-first decoding, refinement and speaker detection all need it; Silero costs ~0.4 s per
    100 s of audio here, so it runs once per job, not three times.
    """

    def __init__(self, audio: Any, cancelled: Any) -> None:
        self._audio = audio
        self._cancelled = cancelled
        self._map: Any = None

    def get(self) -> Any:
        if self._map is None:
            from wavescribe.core.refine.vad import detect_speech

            self._map = detect_speech(self._audio, cancelled=self._cancelled)
        return self._map


def _span_of(audio: Any, span_ms: tuple[int, int]) -> tuple[Any, int]:
    """The samples of ``span_ms`` (clamped to the audio) and where they start, in ms."""
    start_ms, end_ms = span_ms
    if end_ms <= start_ms:
        raise errors.InputError(f"empty span to transcribe: {start_ms}-{end_ms} ms")
    first = max(0, min(audio.size, start_ms * SAMPLE_RATE // 1000))
    last = max(first, min(audio.size, end_ms * SAMPLE_RATE // 1000))
    return audio[first:last], first * 1000 // SAMPLE_RATE


def shift_segments(segments: list[Segment], offset_ms: int) -> None:
    """Move segments and their words by ``offset_ms`` (span time -> source time), in place."""
    for seg in segments:
        seg.start += offset_ms
        seg.end += offset_ms
        for w in seg.words:
            w.start += offset_ms
            w.end += offset_ms


def _shifting_segments(send: Any, offset_ms: int) -> Any:
    """``send`` that reports streamed segments in source time."""

    def shifted(event: tuple[Any, ...]) -> None:
        if event[0] == "segment":
            seg = Segment.from_dict(event[1])
            shift_segments([seg], offset_ms)
            event = ("segment", seg.to_dict())
        send(event)

    return shifted


def _refine(
    transcript: Transcript,
    audio: Any,
    options: TranscribeOptions,
    send: Any,
    cancelled: Any,
    speech: SpeechOnce | None = None,
) -> Transcript:
    try:
        from wavescribe.core.refine.pipeline import refine_transcript
    except ImportError as exc:  # pragma: no cover - only without the refine module
        transcript.metadata["refine_skipped"] = f"refinement module missing: {exc}"
        return transcript
    send(("progress", "refine", 0.0))
    try:
        refined = refine_transcript(
            transcript,
            audio,
            options.rules,
            cancelled=cancelled,
            speech=speech.get() if speech is not None else None,
            word_alignment=options.word_alignment,
            progress=lambda f: send(("progress", "refine", f)),
        )
    except errors.Cancelled:
        raise
    except Exception as exc:  # a refinement bug must not cost the user the transcript
        traceback.print_exc()
        transcript.metadata["refine_skipped"] = f"refinement failed: {exc!r}"
        send(("warning", f"timing refinement failed ({exc!r}); timings are whisper.cpp's own"))
        return transcript
    send(("progress", "refine", 1.0))
    return refined


def _find_speakers(
    transcript: Transcript,
    audio: Any,
    speakers: str,
    send: Any,
    cancelled: Any,
    speech: SpeechOnce | None = None,
) -> None:
    """Speaker labels for the cues (issue 16); a failure costs the labels, not the transcript."""
    from wavescribe.core.speakers.count import parse_speaker_count
    from wavescribe.core.speakers.find import apply_in_place, find_speakers

    send(("progress", "speakers", 0.0))
    try:
        result = find_speakers(
            transcript,
            audio,
            parse_speaker_count(speakers),
            regions=speech.get().regions if speech is not None else None,
            cancelled=cancelled,
            progress=lambda f: send(("progress", "speakers", f)),
        )
    except errors.Cancelled:
        raise
    except Exception as exc:
        traceback.print_exc()
        transcript.metadata["speakers_skipped"] = f"{exc}"
        send(("warning", f"speaker detection failed: {exc}"))
        return
    apply_in_place(transcript, result)
    send(("progress", "speakers", 1.0))


def _redirect_native_stderr(log_path: str) -> None:
    """Send whisper.cpp's log and any native assertion message to a file the parent can read."""
    fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(fd, 2)
    os.close(fd)
    sys.stderr = os.fdopen(2, "w", buffering=1, encoding="utf-8", errors="replace", closefd=False)


__all__ = ["Word", "run_whisper", "transcribe_in_worker", "worker_main"]

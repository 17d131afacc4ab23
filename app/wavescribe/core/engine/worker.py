"""The engine's child process: decodes audio and runs whisper.cpp (and refinement) on it.

Whisper.cpp runs here, not in the caller, so that an abort or a segfault in native code kills only
this process; the parent (CLI or GUI, with the user's unsaved edits) reports it and carries on.
The parent talks to us over a ``multiprocessing`` pipe with plain tuples (see ``engine.py``).
"""

from __future__ import annotations

import os
import signal
import sys
import traceback
from multiprocessing.connection import Connection
from multiprocessing.synchronize import Event
from typing import Any

from wavescribe.core import errors
from wavescribe.core.audio.load import SAMPLE_RATE
from wavescribe.core.engine.dtw_timing import (
    AlignmentHeads,
    RawToken,
    chosen_heads,
    read_hparams,
    segment_tokens,
    timed_tokens,
    token_span,
)
from wavescribe.core.engine.openmp_policy import choose_wait_policy, idle_cores
from wavescribe.core.engine.options import TranscribeOptions, default_threads
from wavescribe.core.engine.word_grouping import words_from_tokens
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
    _DTW_ALLOWED["on"] = dtw
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
    try:
        ctx = _load_model(model_path, use_gpu)
    except errors.WavescribeError as exc:
        conn.send(error_message(exc))
        return
    info = _system_info(log_path, use_gpu)
    heads = _DTW_HEADS.get(model_path)
    info["alignment_heads"] = None if heads is None else [heads.preset, heads.n_top]
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


def _serve_transcribe(
    conn: Connection, cancel: Event, ctx: Any, model_path: str, path: str, options: dict[str, Any]
) -> None:
    try:
        transcript = transcribe_in_worker(
            ctx,
            model_path,
            path,
            TranscribeOptions.from_dict(options),
            send=conn.send,
            cancelled=cancel.is_set,
        )
    except errors.Cancelled:
        conn.send(("cancelled",))
    except errors.WavescribeError as exc:
        conn.send(error_message(exc))
    except MemoryError:
        conn.send(("error", "EngineError", f"out of memory while transcribing {path}"))
    except Exception as exc:  # a bug: report it with its traceback, keep the worker alive
        traceback.print_exc()
        conn.send(("error", "EngineError", f"internal error: {exc!r}"))
    else:
        conn.send(("done", transcript.to_dict()))


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
    offset_ms = 0
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


def run_whisper(
    ctx: Any,
    audio: Any,
    options: TranscribeOptions,
    send: Any,
    cancelled: Any,
    speech: SpeechOnce | None = None,
    model_path: str | None = None,
) -> tuple[list[Segment], str | None, dict[str, Any]]:
    """Run whisper.cpp with word-level token timings; each new segment is sent as decoded.

    Speech-first (the default, :mod:`speech_first`) or over the whole file; also returns what
    the decoding did, for the transcript's metadata. ``model_path``: ``ctx``'s model, loaded
    again for parallel decoders (without it, one decoder).
    """
    import _pywhispercpp as pw

    if not pw.whisper_is_multilingual(ctx):
        # English-only models have no language tokens: "auto" would pick a random language.
        if options.language not in ("auto", "en", ""):
            send(("warning", f"this model is English-only; ignoring language {options.language!r}"))
        options.language, options.translate = "en", False
    if options.speech_first:
        return _run_speech_first(pw, ctx, audio, options, send, cancelled, speech, model_path)
    timing = {True: 0, False: 0}  # segments timed by DTW, by whisper.cpp's t0/t1
    segments, language = _run_whole_file(pw, ctx, audio, options, send, cancelled, timing)
    word_timing = "dtw" if timing[True] and not timing[False] else "whisper"
    return segments, language, {"mode": "whole file", "word_timing": word_timing}


def _run_speech_first(
    pw: Any,
    ctx: Any,
    audio: Any,
    options: TranscribeOptions,
    send: Any,
    cancelled: Any,
    speech: SpeechOnce | None = None,
    model_path: str | None = None,
) -> tuple[list[Segment], str | None, dict[str, Any]]:
    from wavescribe.core.engine.speech_first import Attempt, decode_speech_first

    pool = _decoder_pool(ctx, model_path, options, send)
    threads = max(1, options.threads // pool.size)
    language: str | None = None
    decoded = False  # whisper.cpp's language id means something only after a first decode

    def params_for(attempt: Attempt) -> Any:
        nonlocal language, decoded
        if decoded and language is None and options.language == "auto":
            # Decided by the first window (whisper.cpp detects it there); kept for the rest.
            language = _detected_language(pw, ctx)
            if language:
                options.language = language
        decoded = True
        params = _full_params(pw, options, beam_size=attempt.beam_size, prompt=attempt.prompt)
        params.temperature = attempt.temperature
        params.n_threads = threads  # the threads are shared out among the decoders
        params.suppress_nst = True  # no "[Music]", "(laughs)", as OpenAI's decoder by default
        return params

    send(("progress", "transcribe", 0.0))
    segments, report = decode_speech_first(
        pw,
        ctx,
        audio,
        options,
        params_for,
        send,
        cancelled,
        speech=speech.get() if speech is not None else None,
        pool=pool,
    )
    send(("progress", "transcribe", 1.0))
    language = (
        language
        or (_detected_language(pw, ctx) if decoded else None)
        or (None if options.language == "auto" else options.language)
    )
    info = {"mode": "speech first", "decoders": pool.size, **report.to_dict()}
    return segments, language, info


def _decoder_pool(ctx: Any, model_path: str | None, options: TranscribeOptions, send: Any) -> Any:
    """``ctx`` and as many more contexts of its model as ``options.decoders`` asks (0: see
    :func:`decoder_pool.auto_decoders`); extra contexts are loaded once per worker and kept."""
    import psutil

    from wavescribe.core.engine.decoder_pool import DecoderPool, auto_decoders

    n = options.decoders
    if n <= 0 and _DEVICE.get("gpu"):
        n = 1  # several contexts on one GPU: not measured, so not chosen for the user
    elif n <= 0 and model_path:
        size = os.path.getsize(model_path)
        n = auto_decoders(options.threads, size, psutil.virtual_memory().available)
    n = max(1, min(n, options.threads)) if model_path else 1
    if options.decoders > 1 and n < options.decoders:
        send(("warning", f"{n} decoder(s): fewer threads or no model path for more"))
    extra = _EXTRA_CONTEXTS.setdefault(model_path or "", [])
    while len(extra) < n - 1:
        extra.append(_load_model(str(model_path), _LOADED_ON_GPU.get(str(model_path), False)))
    return DecoderPool([ctx, *extra[: n - 1]])


# Extra contexts of a model for parallel decoders, kept for the worker's life (loading costs).
_EXTRA_CONTEXTS: dict[str, list[Any]] = {}
_LOADED_ON_GPU: dict[str, bool] = {}
_DTW_HEADS: dict[str, AlignmentHeads | None] = {}  # the heads each model was loaded with
_DTW_ALLOWED = {"on": True}  # False: the engine restarted us without DTW (see Engine.start)
_CTX_DTW: dict[int, bool] = {}  # id of each loaded context: whether it computes DTW times
_DEVICE: dict[str, bool] = {}  # "gpu": whether this worker's model computes on a GPU (its log)


def _detected_language(pw: Any, ctx: Any) -> str | None:
    try:
        lang_id = pw.whisper_full_lang_id(ctx)
    except Exception:  # nothing decoded yet
        return None
    return str(pw.whisper_lang_str(lang_id)) if lang_id >= 0 else None


def _run_whole_file(
    pw: Any,
    ctx: Any,
    audio: Any,
    options: TranscribeOptions,
    send: Any,
    cancelled: Any,
    timing: dict[bool, int],
) -> tuple[list[Segment], str | None]:
    """whisper.cpp over the whole file in pieces of at most 10 min, context carried inside each;
    ``timing`` counts the segments timed by DTW (True) and by whisper.cpp's t0/t1 (False)."""
    from wavescribe.core.engine.chunking import plan_chunks

    eot = pw.whisper_token_eot(ctx)
    segments: list[Segment] = []
    chunks = plan_chunks(audio)
    done = 0  # samples of the chunks already transcribed, for overall progress
    offset_ms = 0
    language: str | None = None
    # Per piece: segments taken so far, and the last token's t_dtw (where the next one starts).
    # With DTW on, whisper.cpp 1.8.5 calls back with other counts than the segments it added,
    # so the callback takes every finished segment not yet taken and the rest is taken after.
    taken = 0
    prev: int | None = None
    dtw_on = _CTX_DTW.get(id(ctx), False)

    def take_segments(cb_ctx: Any, final: bool) -> None:
        nonlocal taken, prev
        n = pw.whisper_full_n_segments(cb_ctx)
        while taken < n:
            raw = segment_tokens(pw, cb_ctx, taken, eot, offset_ms)
            if not final and dtw_on and any(t[3] < 0 for t in raw):
                return  # DTW times come after the callback for this segment: wait for them
            seg, dtw = _segment_at(pw, cb_ctx, taken, raw, prev, offset_ms)
            taken += 1
            prev = raw[-1][3] if raw else prev
            if seg is not None:
                timing[dtw] += 1
                segments.append(seg)
                send(("segment", seg.to_dict()))

    def on_new_segments(cb_ctx: Any, *_: Any) -> None:
        take_segments(cb_ctx, final=False)

    def on_progress(*args: Any) -> None:
        pct = next((a for a in args if isinstance(a, int)), None)
        if pct is not None:
            within = min(1.0, max(0.0, pct / 100.0)) * (chunk_end - chunk_start)
            send(("progress", "transcribe", (done + within) / max(1, audio.size)))

    send(("progress", "transcribe", 0.0))
    for chunk_start, chunk_end in chunks:
        # A fresh parameter struct per piece; after the first, the detected language is kept.
        params = _full_params(pw, options)
        pw.assign_new_segment_callback(params, on_new_segments)
        pw.assign_progress_callback(params, on_progress)
        pw.assign_abort_callback(params, cancelled)
        offset_ms = chunk_start * 1000 // 16000
        piece = audio[chunk_start:chunk_end]  # a view: no copy
        taken, prev = 0, None
        rc = pw.whisper_full(ctx, params, piece, piece.size)
        if cancelled():
            raise errors.Cancelled("transcription cancelled")
        if rc != 0:
            raise errors.EngineError(f"whisper.cpp failed to transcribe (error code {rc})")
        take_segments(ctx, final=True)
        lang_id = pw.whisper_full_lang_id(ctx)
        if language is None and lang_id >= 0:
            language = pw.whisper_lang_str(lang_id)
            if options.language == "auto":
                options.language = language
        done += chunk_end - chunk_start
    send(("progress", "transcribe", 1.0))
    return segments, language


def _full_params(
    pw: Any, options: TranscribeOptions, *, beam_size: int | None = None, prompt: bool = True
) -> Any:
    # Every parameter is set on a fresh struct each call: pywhispercpp's Model keeps them between
    # calls, which silently turned later jobs word-level (see NOTES).
    beam = options.beam_size if beam_size is None else beam_size
    if beam > 1:
        params = pw.whisper_full_default_params(
            pw.whisper_sampling_strategy.WHISPER_SAMPLING_BEAM_SEARCH
        )
        params.beam_search = {"beam_size": beam, "patience": -1.0}
    else:
        params = pw.whisper_full_default_params(
            pw.whisper_sampling_strategy.WHISPER_SAMPLING_GREEDY
        )
    # Candidates for temperature-fallback retries, in both modes (as whisper-cli and Whisper do).
    params.greedy = {"best_of": 5}
    params.n_threads = options.threads
    params.language = options.language or "auto"
    params.detect_language = False
    params.translate = options.translate
    params.token_timestamps = True
    params.print_progress = False
    params.print_realtime = False
    params.print_timestamps = False
    params.print_special = False
    if options.initial_prompt and prompt:
        params.initial_prompt = options.initial_prompt
    return params


def _segment_at(
    pw: Any, ctx: Any, i: int, raw: list[RawToken], prev: int | None, offset_ms: int = 0
) -> tuple[Segment | None, bool]:
    """Segment ``i`` with its words (``raw``: its tokens; ``prev``: the t_dtw of the token
    before them), and whether DTW timed them."""
    text = pw.whisper_full_get_segment_text(ctx, i).decode("utf-8", errors="replace")
    start = offset_ms + 10 * pw.whisper_full_get_segment_t0(ctx, i)
    end = max(start, offset_ms + 10 * pw.whisper_full_get_segment_t1(ctx, i))
    tokens, dtw = timed_tokens(raw, prev)
    if dtw:
        start, end = token_span(tokens, start, end)
    words = words_from_tokens(tokens, start, end)
    if not text.strip() and not words:
        return None, dtw
    return Segment(start=start, end=end, text=text.strip(), words=words), dtw


def _load_model(model_path: str, use_gpu: bool) -> Any:
    """A whisper.cpp context of ``model_path``, with DTW token timestamps where the model's
    alignment heads are known (:mod:`dtw_timing`); without them if that load fails."""
    import _pywhispercpp as pw

    heads = _alignment_heads(model_path)
    ctx = None
    if heads is not None:
        ctx = _init(pw, model_path, use_gpu, heads)
        if ctx is None or getattr(ctx, "ptr", 1) is None:
            print(f"wavescribe: loading with DTW ({heads}) failed; without", file=sys.stderr)
            ctx = None
    if ctx is None:
        heads = None
        ctx = _init(pw, model_path, use_gpu, None)
    _DTW_HEADS[model_path] = heads
    _CTX_DTW[id(ctx)] = heads is not None
    _LOADED_ON_GPU[model_path] = use_gpu
    if ctx is None or getattr(ctx, "ptr", 1) is None:
        raise errors.ModelCorrupt(
            f"whisper.cpp could not load {os.path.basename(model_path)}",
            hint=errors.Hint(errors.HintKind.REIMPORT_MODEL),
        )
    return ctx


def _init(pw: Any, model_path: str, use_gpu: bool, heads: AlignmentHeads | None) -> Any:
    cparams = pw.whisper_context_default_params()
    cparams.use_gpu = use_gpu
    if heads is not None:
        cparams.flash_attn = False  # whisper.cpp computes DTW only without flash attention
        cparams.dtw_token_timestamps = True
        cparams.dtw_aheads_preset = getattr(pw.whisper_alignment_heads_preset, heads.preset)
        cparams.dtw_n_top = heads.n_top
    return pw.whisper_init_from_file_with_params(model_path, cparams)


def _alignment_heads(model_path: str) -> AlignmentHeads | None:
    """The heads DTW should use for this model file, or None (DTW off: the engine's choice,
    ``WAVESCRIBE_DTW``, or no header)."""
    if not _DTW_ALLOWED["on"]:
        return None
    return chosen_heads(read_hparams(model_path), os.path.basename(model_path))


def _system_info(log_path: str, use_gpu: bool) -> dict[str, Any]:
    """whisper.cpp's build features, and the device it chose while loading (from its log)."""
    import _pywhispercpp as pw

    from wavescribe.core.engine.compute_device import detect_device
    from wavescribe.core.models.hardware_fit import whisper_library_names, with_library_backends

    info = pw.whisper_print_system_info().strip()
    try:
        with open(log_path, encoding="utf-8", errors="replace") as f:
            log = f.read()
    except OSError:
        log = ""
    libraries = whisper_library_names()
    info = with_library_backends(info, libraries)
    device = detect_device(log, info, use_gpu, libraries)
    _DEVICE["gpu"] = device.is_gpu
    return {
        "system_info": info,
        "device": device.to_dict(),
        "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY", "default"),
    }


def _redirect_native_stderr(log_path: str) -> None:
    """Send whisper.cpp's log and any native assertion message to a file the parent can read."""
    fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(fd, 2)
    os.close(fd)
    sys.stderr = os.fdopen(2, "w", buffering=1, encoding="utf-8", errors="replace", closefd=False)


__all__ = ["Word", "run_whisper", "transcribe_in_worker", "worker_main"]

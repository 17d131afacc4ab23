"""Child-process runners for ``benchmarks/engine.py``; each prints one JSON line on stdout.

Every measured engine runs in its own fresh process, so each figure includes interpreter
start-up, imports and model load, like ``wavescribe transcribe`` and ``whisper-cli`` do.

    python benchmarks/engine_runners.py fw AUDIO CT2_DIR THREADS BEAM [COMPUTE_TYPE]
    python benchmarks/engine_runners.py phases AUDIO GGML THREADS BEAM LAUNCHED_AT
    python benchmarks/engine_runners.py inproc AUDIO GGML THREADS BEAM

``fw``: faster-whisper (CTranslate2) with settings matched to whisper.cpp's: best of 5,
temperature fallback, no conditioning on previous text (whisper.cpp's ``no_context``), no VAD.
``phases``: wavescribe's Engine API with a timestamp between each phase (diagnosis).
``inproc``: pywhispercpp's ``whisper_full`` in this process, no worker process (diagnosis).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable

T_START = time.perf_counter()
WALL_START = time.time()


def _emit(**fields: object) -> None:
    print(json.dumps(fields), flush=True)


def _stopwatch(marks: dict[str, float]) -> Callable[[str], None]:
    """``mark(name)`` records the seconds since the previous mark under ``name``."""
    last = time.perf_counter()

    def mark(name: str) -> None:
        nonlocal last
        now = time.perf_counter()
        marks[name] = now - last
        last = now

    return mark


def run_faster_whisper(audio: str, model_dir: str, threads: int, beam: int, compute: str) -> None:
    t0 = time.perf_counter()
    from faster_whisper import WhisperModel

    t1 = time.perf_counter()
    model = WhisperModel(
        model_dir, device="cpu", compute_type=compute, cpu_threads=threads, num_workers=1
    )
    t2 = time.perf_counter()
    segments, _info = model.transcribe(
        audio,
        language="en",
        beam_size=beam,
        best_of=5,
        condition_on_previous_text=False,
        word_timestamps=False,
        vad_filter=False,
    )
    text = " ".join(s.text.strip() for s in segments)  # the generator does the work
    t3 = time.perf_counter()
    _emit(
        startup_s=t0 - T_START,
        import_s=t1 - t0,
        load_s=t2 - t1,
        transcribe_s=t3 - t2,
        text=text,
    )


def run_phases(audio: str, model: str, threads: int, beam: int, launched_at: float) -> None:
    """wavescribe's Engine as the CLI drives it, with a clock between the phases."""
    marks: dict[str, float] = {"interpreter start": WALL_START - launched_at}
    mark = _stopwatch(marks)

    import wavescribe.cli  # noqa: F401  (what the console script imports first)
    from wavescribe.core.engine.client import Engine
    from wavescribe.core.engine.options import TranscribeOptions

    mark("imports (cli, engine)")
    options = TranscribeOptions(language="auto", threads=threads, beam_size=beam, refine=False)
    engine = Engine(model)
    mark("validate model header")
    engine.start()
    mark("spawn worker + its imports + model load")
    first_segment: list[float] = []

    def on_event(ev: object) -> None:
        if not first_segment and type(ev).__name__ == "SegmentDecoded":
            first_segment.append(time.perf_counter())

    transcript = engine.transcribe(audio, options, on_event)
    mark("transcribe (probe + decode audio + whisper_full + pipe)")
    import tempfile

    from wavescribe.core import formats

    with tempfile.TemporaryDirectory(prefix="ws-bench-") as tmp:
        formats.write(transcript, f"{tmp}/out.srt", "srt")
        mark("write srt")
    engine.close()
    mark("stop worker")
    _emit(phases=marks, text=" ".join(s.text for s in transcript.segments))


def run_inproc(audio: str, model: str, threads: int, beam: int) -> None:
    """The same whisper_full call as the worker makes, minus the worker process."""
    marks: dict[str, float] = {}
    mark = _stopwatch(marks)

    from wavescribe.core.audio.load import load_audio
    from wavescribe.core.engine.model_loading import load_model
    from wavescribe.core.engine.options import TranscribeOptions
    from wavescribe.core.engine.whisper_run import run_whisper

    mark("imports")
    samples, _info = load_audio(audio)
    mark("decode audio")
    ctx = load_model(model, False)  # as the worker loads it (DTW unless WAVESCRIBE_DTW=0)
    mark("model load")
    options = TranscribeOptions(language="en", threads=threads, beam_size=beam, refine=False)
    segments, _lang, _info = run_whisper(ctx, samples, options, lambda _m: None, lambda: False)
    mark("whisper_full (token timestamps + segment callback)")
    _emit(phases=marks, text=" ".join(s.text for s in segments))


def main(argv: list[str]) -> int:
    mode, audio, model, threads, beam = argv[:5]
    if mode == "fw":
        run_faster_whisper(audio, model, int(threads), int(beam), argv[5] if argv[5:] else "int8")
    elif mode == "phases":
        run_phases(audio, model, int(threads), int(beam), float(argv[5]))
    elif mode == "inproc":
        run_inproc(audio, model, int(threads), int(beam))
    else:
        print(f"unknown mode {mode}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

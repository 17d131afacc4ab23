"""The engine: real whisper.cpp inference in a worker process, streaming, cancel, crashes."""

from __future__ import annotations

import itertools
import os
import signal
import threading
import time
from pathlib import Path

import pytest

import speech_synth as synth
from shared_data import JFK
from wavescribe.core import errors, formats
from wavescribe.core.engine.client import Engine, Progress, SegmentDecoded
from wavescribe.core.engine.options import TranscribeOptions

FAST = TranscribeOptions(refine=False, beam_size=1)
JFK_TEXT = (JFK.parent / "jfk.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def engine(tiny_en_ggml: Path):
    with Engine(tiny_en_ggml) as e:
        yield e


@pytest.fixture(scope="module")
def sentences_result(engine: Engine, speech_wav):
    path, spans, reference = speech_wav
    events: list = []
    transcript = engine.transcribe(path, TranscribeOptions(refine=False), events.append)
    return transcript, events, spans, reference


def test_transcribes_synthetic_speech_within_15_percent_wer(sentences_result):
    transcript, _, _, reference = sentences_result
    wer = synth.word_error_rate(reference, transcript.text)
    assert wer <= 0.15, f"WER {wer:.2f}: {transcript.text!r}"
    assert transcript.language == "en"


def test_segment_times_are_monotonic_and_inside_the_audio(sentences_result, speech_wav):
    transcript, _, _, _ = sentences_result
    duration = transcript.source.duration_ms
    assert duration == pytest.approx(synth.RATE and 1000 * _frames(speech_wav[0]) / 16000, abs=2)
    previous_start = -1
    for seg in transcript.segments:
        assert 0 <= seg.start <= seg.end <= duration
        assert seg.start >= previous_start
        previous_start = seg.start
        assert all(isinstance(v, int) for v in (seg.start, seg.end))


def test_every_segment_carries_word_timings(sentences_result):
    transcript, _, _, _ = sentences_result
    for seg in transcript.segments:
        assert seg.words, seg
        assert "".join(w.text for w in seg.words).strip() == seg.text.strip()
        for w in seg.words:
            assert seg.start <= w.start <= w.end <= seg.end
            assert w.probability is not None and 0 <= w.probability <= 1


def test_segments_stream_before_the_job_ends_and_progress_reaches_one(sentences_result):
    transcript, events, _, _ = sentences_result
    streamed = [e.segment for e in events if isinstance(e, SegmentDecoded)]
    assert [s.text for s in streamed] == [s.text for s in transcript.segments]
    by_stage: dict[str, list[float]] = {}
    for e in events:
        if isinstance(e, Progress):
            by_stage.setdefault(e.stage, []).append(e.fraction)
    assert {"decode", "transcribe"} <= set(by_stage)
    for stage, values in by_stage.items():
        assert values == sorted(values), stage
        assert values[-1] == 1.0, stage


def test_srt_output_parses_back_to_the_same_cues(sentences_result):
    transcript, _, _, _ = sentences_result
    again = formats.from_string(formats.to_string(transcript, "srt"), "srt")
    assert [(s.start, s.end, s.text) for s in again.segments] == [
        (s.start, s.end, s.text) for s in transcript.segments
    ]


def test_model_stays_loaded_between_jobs(engine: Engine):
    pid = engine._proc.pid
    transcript = engine.transcribe(JFK, FAST)
    assert "fellow americans" in transcript.text.lower()
    assert engine._proc.pid == pid


def test_missing_and_non_audio_inputs_fail_fast_with_typed_errors(engine: Engine, tmp_path):
    with pytest.raises(errors.InputNotFound):
        engine.transcribe(tmp_path / "nope.wav", FAST)
    text = tmp_path / "notes.wav"
    text.write_text("this is not audio at all, just words in a file\n" * 50)
    with pytest.raises(errors.UnsupportedAudio, match=r"notes\.wav"):
        engine.transcribe(text, FAST)


def test_a_corrupt_model_is_refused_before_whisper_cpp_sees_it(tiny_en_ggml: Path, tmp_path):
    broken = tmp_path / "broken.bin"
    broken.write_bytes(tiny_en_ggml.read_bytes()[:5_000_000])
    with pytest.raises(errors.ModelCorrupt, match=r"broken\.bin"):
        Engine(broken)


def test_cancel_stops_a_running_job_within_about_a_second(engine: Engine, long_speech_wav):
    started = threading.Event()
    cancelled_at: list[float] = []
    asked: list[bool] = []

    def on_event(ev):
        if isinstance(ev, Progress) and ev.stage == "transcribe":
            started.set()

    def cancel_when_running():
        started.wait(60)
        time.sleep(0.5)
        cancelled_at.append(time.monotonic())
        engine.cancel()
        asked.append(engine.cancel_requested)

    t = threading.Thread(target=cancel_when_running)
    t.start()
    with pytest.raises(errors.Cancelled):
        engine.transcribe(long_speech_wav, FAST, on_event)
    stopped = time.monotonic() - cancelled_at[0]
    t.join()
    assert stopped < 1.5, f"cancel took {stopped:.2f} s"
    assert asked == [True] and not engine.cancel_requested  # the cancel was for that job only
    # The engine is still usable after a cancel.
    assert "country" in engine.transcribe(JFK, FAST).text.lower()


@pytest.mark.parametrize("sig", [signal.SIGSEGV, signal.SIGABRT, signal.SIGKILL])
def test_a_crash_inside_whisper_cpp_is_an_error_and_the_caller_survives(
    tiny_en_ggml: Path, long_speech_wav, sig
):
    """Kill the worker with a real fatal signal while it runs native inference."""
    with Engine(tiny_en_ggml) as e:
        crashed = threading.Event()

        def on_event(ev):
            if isinstance(ev, Progress) and ev.stage == "transcribe" and not crashed.is_set():
                crashed.set()
                os.kill(e._proc.pid, sig)

        with pytest.raises(errors.EngineCrashed, match=sig.name):
            e.transcribe(long_speech_wav, FAST, on_event)
        # A fresh worker serves the next job.
        assert "country" in e.transcribe(JFK, FAST).text.lower()


def _frames(path: Path) -> int:
    import soundfile as sf

    return sf.info(str(path)).frames


def test_a_span_is_transcribed_alone_in_source_time(engine: Engine) -> None:
    """Re-transcribing a region: only its words come back, at their place in the whole file."""
    events: list = []
    whole = engine.transcribe(JFK, FAST)
    part = engine.transcribe(
        JFK, TranscribeOptions(refine=False, beam_size=1, span_ms=(3000, 9000)), events.append
    )
    assert part.segments and all(3000 <= s.start <= s.end <= 9000 for s in part.segments)
    assert "americans" not in part.text.lower() and "ask not" in part.text.lower()
    # "ask not" ends where it ends in the whole-file run, not 3 s early. (Its start differs:
    # with DTW a word starts where the token before it ended, so after a pause the raw word
    # starts in the pause, which refinement clamps to the speech; the span has no token before.)
    ask = next(w for s in whole.segments for w in s.words if w.text.strip().lower() == "ask")
    ask_part = next(w for s in part.segments for w in s.words if w.text.strip().lower() == "ask")
    assert abs(ask.end - ask_part.end) <= 100
    assert 2000 <= ask.start <= ask_part.start <= ask.end
    streamed = [e.segment for e in events if isinstance(e, SegmentDecoded)]
    assert streamed and streamed[0].start >= 3000


def test_whole_file_decoding_stays_reachable_and_two_decoders_are_honoured(
    engine: Engine,
) -> None:
    """``speech_first=False`` is today's whole-file path; ``decoders=2`` loads a second context
    of the model in the worker and says so in the metadata."""
    from wavescribe.core.engine.client import Warning_

    whole = engine.transcribe(JFK, TranscribeOptions(refine=False, beam_size=1, speech_first=False))
    assert whole.metadata["decoding"] == {"mode": "whole file", "word_timing": "dtw"}
    events: list = []
    first = engine.transcribe(
        JFK, TranscribeOptions(refine=False, beam_size=1, decoders=2), events.append
    )
    assert first.metadata["decoding"]["mode"] == "speech first"
    assert first.metadata["decoding"]["decoders"] == 2
    assert not any(isinstance(e, Warning_) and "decoder" in e.message for e in events)
    assert synth.word_error_rate(whole.text, first.text) <= 0.1


@pytest.mark.parametrize(
    "exc",
    [
        errors.ModelCorrupt("x.bin is truncated", hint=errors.Hint(errors.HintKind.REIMPORT_MODEL)),
        errors.ModelNotFound(
            "no tiny", hint=errors.Hint(errors.HintKind.DOWNLOAD_MODEL, "tiny", "base")
        ),
        errors.CorruptAudio("a.wav is truncated"),
    ],
)
def test_an_error_in_the_worker_reaches_the_caller_with_its_class_and_hint(exc):
    """What the worker sends through a real pipe comes back as the same error and advice."""
    import multiprocessing as mp

    from wavescribe.core.engine.client import _error_from
    from wavescribe.core.engine.worker import error_message

    theirs, ours = mp.Pipe()
    theirs.send(error_message(exc))
    msg = ours.recv()
    back = _error_from(*msg[1:])
    assert type(back) is type(exc) and str(back) == str(exc)
    assert back.hint == exc.hint


def test_tiny_en_loads_with_dtw_and_its_words_are_timed_by_it(
    tiny_en_ggml: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """tiny.en gets whisper.cpp's tiny.en alignment heads; every word then comes from the DTW
    token times, in both decoding modes, and the transcript says so. With DTW turned off the
    same words carry whisper.cpp's own t0/t1 times, which differ."""
    with Engine(tiny_en_ggml) as engine:
        first = engine.transcribe(JFK, FAST)
        whole_file = TranscribeOptions(refine=False, beam_size=1, speech_first=False)
        whole = engine.transcribe(JFK, whole_file)
        assert engine.system_info["alignment_heads"] == ["WHISPER_AHEADS_TINY_EN", -1]
    for t in (first, whole):
        assert t.metadata["word_timing"] == "dtw"
        assert t.metadata["decoding"]["word_timing"] == "dtw"
        assert synth.word_error_rate(JFK_TEXT, t.text) <= 0.1
        words = [w for s in t.segments for w in s.words]
        assert all(a.end <= b.start for a, b in itertools.pairwise(words))
    monkeypatch.setenv("WAVESCRIBE_DTW", "0")
    with Engine(tiny_en_ggml) as engine:
        plain = engine.transcribe(JFK, FAST)
        assert engine.system_info["alignment_heads"] is None
    assert plain.metadata["word_timing"] == "whisper"
    dtw_times = [(w.start, w.end) for s in first.segments for w in s.words]
    plain_times = [(w.start, w.end) for s in plain.segments for w in s.words]
    assert len(dtw_times) == len(plain_times) and dtw_times != plain_times


def test_a_model_whose_heads_whisper_cpp_refuses_falls_back_without_dtw(
    tiny_en_ggml: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """whisper.cpp 1.8.5 crashes while loading when it refuses the alignment heads (here: more
    top layers than tiny.en has): the engine loads the model again without DTW, says so, and the
    transcript comes back whole, timed by whisper.cpp's t0/t1."""
    from wavescribe.core.engine.client import Warning_

    monkeypatch.setenv("WAVESCRIBE_DTW", "top:99")
    events: list = []
    with Engine(tiny_en_ggml) as engine:
        transcript = engine.transcribe(JFK, FAST, events.append)
        assert engine.dtw is False and engine.system_info["alignment_heads"] is None
    assert transcript.metadata["word_timing"] == "whisper"
    assert synth.word_error_rate(JFK_TEXT, transcript.text) <= 0.1
    assert all(s.words for s in transcript.segments)
    assert any(isinstance(e, Warning_) and "DTW" in e.message for e in events)

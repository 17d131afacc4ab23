"""What this machine offers the engine: free memory, whisper.cpp's compute backend, model fit.

Everything here is cheap or cached, and none of it imports whisper.cpp into the calling process:
the backend string comes from a short-lived child process, so a GUI can show it without paying
for (or risking) loading native code at start-up.
"""

from __future__ import annotations

import contextlib
import re
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import psutil

from wavescribe.core.errors import EngineError
from wavescribe.core.humanize import GB, format_gb

# Total memory whisper.cpp needs for each family's f16 model (rough published figures) and the
# f16 file size; the difference beyond 1.3 x the file is the working buffers (KV cache, compute
# graphs), which depend on the architecture, not on how the weights are quantized.
_F16_TOTAL = {"tiny": 0.4 * GB, "base": 0.5 * GB, "small": 1.0 * GB, "medium": 2.6 * GB}
_F16_TOTAL["large"] = 4.7 * GB
_F16_SIZE = {
    "tiny": 77_700_000,
    "base": 148_000_000,
    "small": 487_600_000,
    "medium": 1_533_800_000,
    "large": 3_095_000_000,
    "large-v3-turbo": 1_624_600_000,  # large encoder, 4 decoder layers
    "distil-large": 1_519_500_000,  # large encoder, 2 decoder layers
}
_WEIGHT_FACTOR = 1.3
_MIN_WORK = 0.15 * GB
_UNKNOWN_WORK = 0.7 * GB  # an unknown family is budgeted like the largest one
_BITS = {"f32": 32, "f16": 16, "q8_0": 8.5, "q6_k": 6.56, "q5_1": 6, "q5_0": 5.5, "q5_k": 5.5}
_BITS |= {"q4_1": 5, "q4_0": 4.5, "q4_k": 4.5, "q3_k": 3.44, "q2_k": 2.63}
_TIGHT_SHARE = 0.8  # above this share of free memory, other programs will feel it


def model_family(name: str | None) -> str | None:
    """The size class of a family or id string (``"distil-large-v3"`` -> ``"distil-large"``)."""
    text = (name or "").lower()
    if "turbo" in text:
        return "large-v3-turbo"
    if "distil" in text and "large" in text:
        return "distil-large"
    return next((f for f in ("large", "medium", "small", "base", "tiny") if f in text), None)


def estimate_model_memory(
    size_bytes: int | None, family: str | None, quantization: str | None = None
) -> int | None:
    """Bytes of RAM whisper.cpp needs for a model: its file x 1.3 plus the family's buffers.

    Without a file size (a catalog entry that publishes none) the f16 size of the family is
    scaled by the quantization's bits per weight. None when neither size nor family is known.
    """
    kind = model_family(family)
    encoder = "large" if kind in ("distil-large", "large-v3-turbo") else kind
    if encoder is not None:
        work = max(_MIN_WORK, _F16_TOTAL[encoder] - _WEIGHT_FACTOR * _F16_SIZE[encoder])
    else:
        work = _UNKNOWN_WORK
    if size_bytes is None:
        size_bytes = estimate_file_size(family, quantization)
        if size_bytes is None:
            return None
    return int(size_bytes * _WEIGHT_FACTOR + work)


def estimate_file_size(family: str | None, quantization: str | None) -> int | None:
    """Rough GGML file size: the family's f16 size scaled by bits per weight (None if unknown)."""
    kind = model_family(family)
    bits = _BITS.get((quantization or "f16").lower())
    if kind is None or bits is None:
        return None
    return int(_F16_SIZE[kind] * bits / 16)


@dataclass(frozen=True, slots=True)
class MemoryFit:
    """A model's memory need against what is free; ``level`` is ok/tight/too_big/unknown."""

    need_bytes: int | None
    available_bytes: int | None

    @property
    def level(self) -> str:
        if self.need_bytes is None or self.available_bytes is None:
            return "unknown"
        if self.need_bytes > self.available_bytes:
            return "too_big"
        if self.need_bytes > _TIGHT_SHARE * self.available_bytes:
            return "tight"
        return "ok"

    @property
    def fits(self) -> bool:
        """False only when the model surely does not fit (unknown counts as fitting)."""
        return self.level != "too_big"

    @property
    def warning(self) -> str | None:
        """A sentence for the user, or None when there is nothing to say."""
        need, free = self.need_bytes, self.available_bytes
        if need is None or free is None or self.level == "ok":
            return None
        if self.level == "tight":
            return (
                f"Needs about {format_gb(need)} of memory, close to the {format_gb(free)} now "
                "available: close other programs before transcribing."
            )
        return (
            f"Does not fit in memory: needs about {format_gb(need)}, but only {format_gb(free)} "
            "is available. Transcription would fail or make the computer swap; choose a smaller "
            "or more quantized model, or close other programs."
        )


def memory_fit(need_bytes: int | None, available_bytes: int | None) -> MemoryFit:
    """Compare a model's estimated need with the memory available (either may be unknown)."""
    return MemoryFit(need_bytes, available_bytes)


def available_memory_bytes() -> int | None:
    """Memory a new allocation can get without swapping; None where the OS does not say.

    What psutil calls available (Linux MemAvailable, macOS free + inactive, Windows available
    physical memory), capped on Linux by a cgroup (container) limit.
    """
    try:
        available: int | None = int(psutil.virtual_memory().available)
    except (OSError, RuntimeError):
        available = None
    if sys.platform.startswith("linux"):
        room = _cgroup_room()
        if room is not None:
            available = room if available is None else min(available, room)
    return available


def _cgroup_room() -> int | None:
    """Bytes left under a cgroup v2 memory limit; None without one."""
    with contextlib.suppress(OSError, ValueError):
        cgroup = Path("/sys/fs/cgroup")
        limit = (cgroup / "memory.max").read_text().strip()
        if limit != "max":
            used = int((cgroup / "memory.current").read_text())
            return max(0, int(limit) - used)
    return None


# --- whisper.cpp's compute backend -----------------------------------------------------------

SYSTEM_INFO_CODE = "import _pywhispercpp as pw; print(pw.whisper_print_system_info())"
_CPU_FEATURES = (
    *("AVX512_BF16", "AVX512_VNNI", "AVX512_VBMI", "AVX512", "AVX_VNNI", "AVX2", "AVX", "FMA"),
    *("F16C", "BMI2", "SSSE3", "SSE3", "AMX_INT8", "SVE", "MATMUL_INT8", "DOTPROD", "FP16_VA"),
    *("ARM_FMA", "NEON", "VSX", "RISCV_V", "WASM_SIMD"),
)
_GPU_BACKENDS = ("CUDA", "METAL", "VULKAN", "SYCL", "HIP", "HIPBLAS", "MUSA", "OPENCL", "KOMPUTE")
_ACCELERATORS = ("CANN", "COREML", "OPENVINO", "BLAS")  # NPUs, Apple's ANE, BLAS libraries


@dataclass(frozen=True, slots=True)
class BackendInfo:
    """whisper.cpp's view of the hardware, parsed from ``whisper_print_system_info()``."""

    raw: str
    cpu_features: tuple[str, ...]
    gpu_backends: tuple[str, ...]
    accelerators: tuple[str, ...]
    openmp: bool

    @property
    def summary(self) -> str:
        """One line for the user: the GPU backend if the build has one, then the CPU's features."""
        gpu = " + ".join(self.gpu_backends)
        parts = [f"GPU: {gpu}" if gpu else "CPU only (this build has no GPU backend)"]
        if self.accelerators:
            parts.append("also " + ", ".join(self.accelerators))
        cpu = ", ".join(self.cpu_features) or "no SIMD features reported"
        parts.append(f"CPU features: {cpu}" + (" · OpenMP" if self.openmp else ""))
        return " · ".join(parts)


def parse_system_info(raw: str) -> BackendInfo:
    """Understand both the old flat ``AVX = 1 | ...`` and the newer sectioned format.

    In the sectioned format (``WHISPER : COREML = 0 | CPU : AVX = 1 | CUDA : ARCHS = 890 |``)
    a section named after a GPU backend means the build includes it.
    """
    enabled: set[str] = set()
    sections: set[str] = set()
    for part in raw.split("|"):
        if ":" in part:
            section, part = part.split(":", 1)
            sections.add(section.strip().upper())
        key, sep, value = part.partition("=")
        if sep and value.strip() not in ("0", ""):
            enabled.add(key.strip().upper())
    cpu = tuple(f for f in _CPU_FEATURES if f in enabled)
    gpu = tuple(b for b in _GPU_BACKENDS if b in enabled or b in sections)
    other = tuple(b for b in _ACCELERATORS if b in enabled or b in sections)
    return BackendInfo(raw.strip(), cpu, gpu, other, "OPENMP" in enabled)


_GPU_LIBRARY = re.compile(r"ggml-(cuda|vulkan|metal)\b", re.IGNORECASE)


def whisper_library_names() -> list[str]:
    """File names of whisper.cpp's ggml libraries: beside the ``_pywhispercpp`` extension (found
    without importing it) and, in the packaged app, in PyInstaller's folder."""
    import importlib.util
    import os

    folders: set[str] = set()
    with contextlib.suppress(ImportError, ValueError):
        spec = importlib.util.find_spec("_pywhispercpp")
        if spec is not None and spec.origin:
            folders.add(os.path.dirname(os.path.abspath(spec.origin)))
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        folders.add(frozen)
    names: list[str] = []
    for folder in sorted(folders):
        with contextlib.suppress(OSError):
            names += [n for n in os.listdir(folder) if "ggml" in n]
    return names


def library_backends(libraries: list[str]) -> tuple[str, ...]:
    """GPU backends whose ggml library is among ``libraries`` ("libggml-vulkan.so.0" -> VULKAN)."""
    return tuple(sorted({m.group(1).upper() for n in libraries if (m := _GPU_LIBRARY.search(n))}))


def with_library_backends(system_info: str, libraries: list[str]) -> str:
    """``system_info`` plus a ``VULKAN : LIBRARY = 1 |`` section per GPU backend library that is
    not listed yet: whisper.cpp 1.8.5 prints only its CPU section, so a Vulkan or CUDA build
    would otherwise read as "CPU only" in :func:`parse_system_info`."""
    listed = set(parse_system_info(system_info).gpu_backends)
    extra = [b for b in library_backends(libraries) if b not in listed]
    return system_info + "".join(f" {b} : LIBRARY = 1 |" for b in extra)


def whisper_system_info(timeout: float = 60) -> str:
    """whisper.cpp's system info string, asked in a child process (about a second, every call).

    Blocking: call it off the GUI thread; :class:`SystemInfo` remembers the answer. A frozen app
    has no interpreter to start with ``-c``, so there the module is imported in-process (still
    off the GUI thread). Raises EngineError when whisper.cpp cannot be loaded.
    """
    if getattr(sys, "frozen", False):  # pragma: no cover - packaged app only
        import _pywhispercpp as pw

        info = str(pw.whisper_print_system_info())
    else:
        try:
            done = subprocess.run(
                [sys.executable, "-c", SYSTEM_INFO_CODE],
                capture_output=True,
                text=True,
                timeout=timeout,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise EngineError(f"Cannot ask whisper.cpp about the hardware: {exc}") from exc
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["no output"])[-1]
            raise EngineError(f"whisper.cpp could not be loaded: {last}")
        info = done.stdout.strip()
    return with_library_backends(_one_line(info), whisper_library_names())


class SystemInfo:
    """whisper.cpp's system info, asked once and then remembered; one per app, shared by what
    shows it (the About box, the model manager). A running engine's answer counts too."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._info = ""

    @property
    def known(self) -> str:
        """The string if it is known yet, else ``""`` (never blocks)."""
        return self._info

    def remember(self, info: str) -> None:
        """Keep what a running engine reported (the same string, from the same library)."""
        if info:
            self._info = _one_line(info)

    def get(self, timeout: float = 60) -> str:
        """The string, asking whisper.cpp the first time (blocking: off the GUI thread)."""
        with self._lock:
            if not self._info:
                self._info = whisper_system_info(timeout)
            return self._info


def _one_line(info: str) -> str:
    return re.sub(r"\s+", " ", info).strip()

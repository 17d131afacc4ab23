"""Which device whisper.cpp actually computes on, read from its own log after a model load.

A GPU build (CUDA, Vulkan, Metal) that finds no usable device quietly runs on the CPU; users of
other tools only notice by the speed. whisper.cpp logs its choice when a model loads
("whisper_backend_init_gpu: using Vulkan0 backend" or "... no GPU found"), so the engine reads
that and says plainly what is used and, for a GPU build on the CPU, why.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from wavescribe.core.models.hardware_fit import library_backends, parse_system_info

_USING = re.compile(r"whisper_backend_init_gpu: using (\S+) backend")
_FAILED = re.compile(r"whisper_backend_init_gpu: failed to initialize (\S+) backend")
# Friendly names, as each backend prints its devices while it initialises.
_NAMES = (
    re.compile(r"ggml_vulkan: (\d+) = (.+?) \("),  # ggml_vulkan: 0 = llvmpipe (LLVM 15.0.6, ...
    re.compile(r"Device (\d+): (.+?), compute capability"),  # ggml_cuda_init
    re.compile(r"ggml_metal_\w+: (?:found device|picking default device): ()(.+)$"),
)


@dataclass(frozen=True, slots=True)
class ComputeDevice:
    """``name`` is what the user reads ("Vulkan0 (llvmpipe)", "CPU"); ``fallback`` says why a GPU
    build runs on the CPU (None when it does not)."""

    name: str
    is_gpu: bool
    build_backends: tuple[str, ...]
    fallback: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "is_gpu": self.is_gpu,
            "build_backends": list(self.build_backends),
            "fallback": self.fallback,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ComputeDevice:
        return cls(str(d["name"]), bool(d["is_gpu"]), tuple(d["build_backends"]), d.get("fallback"))


# A backend that is built in says so while it initialises, even when it finds no device.
_LOG_MARKERS = {"CUDA": "ggml_cuda_init", "VULKAN": "ggml_vulkan:", "METAL": "ggml_metal"}


def built_gpu_backends(
    system_info: str, log_text: str = "", libraries: Iterable[str] = ()
) -> tuple[str, ...]:
    """The GPU backends compiled into this whisper.cpp: its system info does not always list
    them (1.8.5 prints only its CPU section), so its log and its library files count too."""
    found = set(parse_system_info(system_info).gpu_backends)
    found |= {name for name, marker in _LOG_MARKERS.items() if marker in log_text}
    found |= set(library_backends(list(libraries)))
    return tuple(sorted(found))


def detect_device(
    log_text: str, system_info: str, use_gpu: bool, libraries: Iterable[str] = ()
) -> ComputeDevice:
    """What ``log_text`` (whisper.cpp's log of one model load) says about the device in use;
    ``libraries`` are the file names of whisper.cpp's shared libraries."""
    backends = built_gpu_backends(system_info, log_text, libraries)
    build = " + ".join(b.title() if b != "CUDA" else b for b in backends)
    used = _USING.findall(log_text)
    if used:
        name = used[-1]
        friendly = _friendly_name(log_text)
        return ComputeDevice(f"{name} ({friendly})" if friendly else name, True, backends)
    if not backends:
        return ComputeDevice("CPU", False, backends)
    if not use_gpu:
        off = f"the {build} GPU is turned off; using the CPU"
        return ComputeDevice("CPU", False, backends, off)
    failed = _FAILED.findall(log_text)
    if failed:
        why = f"this {build} build could not start its GPU ({failed[-1]})"
    else:
        why = (
            f"this {build} build found no usable GPU (no device, or its driver is missing or "
            "too old)"
        )
    return ComputeDevice("CPU", False, backends, f"{why}; transcribing on the CPU instead")


def device_log_lines(log_text: str, limit: int = 6) -> list[str]:
    """The distinct lines of whisper.cpp's log that tell which device it found and chose."""
    keys = (*_LOG_MARKERS.values(), "Device 0:", "using ", "no GPU found")
    found = [line.strip() for line in log_text.splitlines() if any(k in line for k in keys)]
    return list(dict.fromkeys(found))[:limit]


def _friendly_name(log_text: str) -> str | None:
    for pattern in _NAMES:
        for line in log_text.splitlines():
            m = pattern.search(line)
            if m:
                return m.group(2).strip()
    return None

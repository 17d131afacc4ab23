"""Which device whisper.cpp actually computes on, read from its own log after a model load.

A GPU build (CUDA, Vulkan, Metal) that finds no usable device quietly runs on the CPU; users of
other tools only notice by the speed. whisper.cpp logs its choice when a model loads
("whisper_backend_init_gpu: using Vulkan0 backend" or "... no GPU found"), so the engine reads
that and says plainly what is used and, for a GPU build on the CPU, why.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from wavescribe.core.engine import whisper_log
from wavescribe.core.models.hardware_fit import library_backends, parse_system_info


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


def built_gpu_backends(
    system_info: str, log_text: str = "", libraries: Iterable[str] = ()
) -> tuple[str, ...]:
    """The GPU backends compiled into this whisper.cpp: its system info does not always list
    them (1.8.5 prints only its CPU section), so its log and its library files count too."""
    found = set(parse_system_info(system_info).gpu_backends)
    found |= {name for name, marker in whisper_log.BACKEND_MARKERS.items() if marker in log_text}
    found |= set(library_backends(list(libraries)))
    return tuple(sorted(found))


def detect_device(
    log_text: str, system_info: str, use_gpu: bool, libraries: Iterable[str] = ()
) -> ComputeDevice:
    """What ``log_text`` (whisper.cpp's log of one model load) says about the device in use;
    ``libraries`` are the file names of whisper.cpp's shared libraries."""
    backends = built_gpu_backends(system_info, log_text, libraries)
    build = " + ".join(b.title() if b != "CUDA" else b for b in backends)
    used = whisper_log.USING.findall(log_text)
    if used:
        name = used[-1]
        friendly = whisper_log.device_name(log_text)
        return ComputeDevice(f"{name} ({friendly})" if friendly else name, True, backends)
    if not backends:
        return ComputeDevice("CPU", False, backends)
    if not use_gpu:
        off = f"the {build} GPU is turned off; using the CPU"
        return ComputeDevice("CPU", False, backends, off)
    failed = whisper_log.FAILED.findall(log_text)
    if failed:
        why = f"this {build} build could not start its GPU ({failed[-1]})"
    else:
        why = (
            f"this {build} build found no usable GPU (no device, or its driver is missing or "
            "too old)"
        )
    return ComputeDevice("CPU", False, backends, f"{why}; transcribing on the CPU instead")

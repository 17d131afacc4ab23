"""Reading whisper.cpp's own log (the engine worker's native stderr): one place for its wording.

whisper.cpp and ggml say on stderr which GPU backends are built in, which device they chose and
why a GPU was not used, and, before a crash, the assertion that failed. The wording changes
between releases, so every pattern that depends on it lives here.
"""

from __future__ import annotations

import os
import re

USING = re.compile(r"whisper_backend_init_gpu: using (\S+) backend")
FAILED = re.compile(r"whisper_backend_init_gpu: failed to initialize (\S+) backend")
# Friendly device names, as each backend prints its devices while it initialises.
DEVICE_NAMES = (
    re.compile(r"ggml_vulkan: (\d+) = (.+?) \("),  # ggml_vulkan: 0 = llvmpipe (LLVM 15.0.6, ...
    re.compile(r"Device (\d+): (.+?), compute capability"),  # ggml_cuda_init
    re.compile(r"ggml_metal_\w+: (?:found device|picking default device): ()(.+)$"),
)
# A backend that is built in says so while it initialises, even when it finds no device.
BACKEND_MARKERS = {"CUDA": "ggml_cuda_init", "VULKAN": "ggml_vulkan:", "METAL": "ggml_metal"}
_DEVICE_KEYS = (*BACKEND_MARKERS.values(), "Device 0:", "using ", "no GPU found")


def device_lines(log_text: str, limit: int = 6) -> list[str]:
    """The distinct lines that tell which device whisper.cpp found and chose."""
    found = [ln.strip() for ln in log_text.splitlines() if any(k in ln for k in _DEVICE_KEYS)]
    return list(dict.fromkeys(found))[:limit]


def device_name(log_text: str) -> str | None:
    """The friendly name of the first device a backend listed ("llvmpipe"), if any."""
    for pattern in DEVICE_NAMES:
        for line in log_text.splitlines():
            m = pattern.search(line)
            if m:
                return m.group(2).strip()
    return None


def last_problem(log_tail: str) -> str:
    """The last assertion or error line (else the last line) of a log's tail, for a crash."""
    lines = log_tail.strip().splitlines()
    interesting = [ln for ln in lines if "assert" in ln.lower() or "error" in ln.lower()]
    return (interesting or lines or [""])[-1].strip()[:300]


def read_tail(path: str | os.PathLike[str], size: int = 4096) -> str:
    """The last ``size`` bytes of a log file as text; "" when it cannot be read."""
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - size))
            return f.read().decode("utf-8", errors="replace")
    except OSError:
        return ""

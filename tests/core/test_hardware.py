"""Memory estimates, the fit verdict, free memory and whisper.cpp's backend string."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from wavescribe.core.humanize import GB
from wavescribe.core.models.catalog import load_catalog
from wavescribe.core.models.hardware_fit import (
    SystemInfo,
    available_memory_bytes,
    estimate_file_size,
    estimate_model_memory,
    memory_fit,
    model_family,
    parse_system_info,
)

# Rough published whisper.cpp totals for the f16 models, which the estimate is built around.
PUBLISHED_F16 = {"tiny": 0.4, "base": 0.5, "small": 1.0, "medium": 2.6, "large-v3": 4.7}


@pytest.mark.parametrize("model_id, gigabytes", PUBLISHED_F16.items())
def test_f16_estimates_match_the_published_figures(model_id: str, gigabytes: float):
    entry = load_catalog().get(model_id)
    need = estimate_model_memory(entry.size_bytes, entry.family, entry.quantization)
    assert need == pytest.approx(gigabytes * GB, rel=0.02)


def test_quantized_models_need_less_but_keep_their_working_buffers():
    catalog = load_catalog()
    f16, q5 = catalog.get("large-v3"), catalog.get("large-v3-q5_0")
    need_f16 = estimate_model_memory(f16.size_bytes, f16.family, f16.quantization)
    need_q5 = estimate_model_memory(q5.size_bytes, q5.family, q5.quantization)
    assert need_q5 is not None and need_f16 is not None
    assert 1.3 * q5.size_bytes < need_q5 < need_f16  # type: ignore[operator]
    assert need_q5 == pytest.approx(2.1 * GB, rel=0.05)


def test_without_a_published_size_the_family_size_is_scaled_by_bits_per_weight():
    # The unverified default (distil-large-v3 q5_0) has no size in the catalog.
    assert estimate_file_size("distil-large-v3", "q5_0") == pytest.approx(0.52 * GB, rel=0.02)
    need = estimate_model_memory(None, "distil-large-v3", "q5_0")
    assert need == pytest.approx(0.52 * 1.3 * GB + 0.68 * GB, rel=0.03)
    assert estimate_model_memory(None, "mystery", "q5_0") is None
    assert estimate_model_memory(None, "tiny", "q1_weird") is None
    assert estimate_model_memory(1 * GB, None) == int(1.3 * GB + 0.7 * GB)


def test_family_names():
    assert model_family("distil-large-v3") == "distil-large"
    assert model_family("large-v3-turbo-q5_0") == "large-v3-turbo"
    assert model_family("ggml-medium.en") == "medium"
    assert model_family("tiny.en-starter") == "tiny"
    assert model_family("whatever") is None


def test_fit_verdicts_and_messages():
    assert memory_fit(5 * GB, 4 * GB).level == "too_big"
    assert not memory_fit(5 * GB, 4 * GB).fits
    warning = memory_fit(int(4.7 * GB), 2 * GB).warning
    assert warning and warning.startswith("Does not fit in memory: needs about 4.7 GB")
    assert "only 2.0 GB is available" in warning
    assert memory_fit(int(3.5 * GB), 4 * GB).level == "tight"
    assert "close to the 4.0 GB" in (memory_fit(int(3.5 * GB), 4 * GB).warning or "")
    assert memory_fit(1 * GB, 4 * GB).level == "ok" and memory_fit(1 * GB, 4 * GB).warning is None
    assert memory_fit(None, 4 * GB).level == memory_fit(GB, None).level == "unknown"
    assert memory_fit(GB, None).fits and memory_fit(GB, None).warning is None


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/meminfo")
def test_available_memory_agrees_with_meminfo():
    free = available_memory_bytes()
    meminfo = {
        line.split(":")[0]: int(line.split()[1]) * 1024
        for line in Path("/proc/meminfo").read_text().splitlines()
    }
    assert free is not None and 0 < free <= meminfo["MemTotal"]
    # psutil reads MemAvailable too (a cgroup limit may only lower it); both move a little.
    assert free <= meminfo["MemAvailable"] * 1.1


def test_available_memory_is_known_on_every_release_platform():
    """psutil answers on Linux, macOS and Windows alike (the standard library did not on macOS)."""
    assert available_memory_bytes() is not None


def test_system_info_of_a_cpu_build():
    raw = (
        "WHISPER : COREML = 0 | OPENVINO = 0 | CPU : SSE3 = 1 | SSSE3 = 1 | AVX = 1 | AVX2 = 1 | "
        "F16C = 1 | FMA = 1 | BMI2 = 1 | OPENMP = 1 | REPACK = 1 | "
    )
    info = parse_system_info(raw)
    assert info.gpu_backends == () and info.accelerators == ()
    assert info.cpu_features == ("AVX2", "AVX", "FMA", "F16C", "BMI2", "SSSE3", "SSE3")
    assert info.openmp
    assert info.summary.startswith("CPU only (this build has no GPU backend) · CPU features: AVX2")


def test_system_info_names_gpu_sections_and_old_flags():
    cuda = parse_system_info("WHISPER : COREML = 0 | CPU : AVX2 = 1 | CUDA : ARCHS = 890 |")
    assert cuda.gpu_backends == ("CUDA",) and cuda.summary.startswith("GPU: CUDA · CPU features")
    metal = parse_system_info("WHISPER : COREML = 1 | Metal : EMBED_LIBRARY = 1 | CPU : NEON = 1 |")
    assert metal.gpu_backends == ("METAL",) and metal.accelerators == ("COREML",)
    old = parse_system_info("AVX = 1 | AVX2 = 1 | NEON = 0 | BLAS = 1 | CUDA = 0 | VSX = 0 |")
    assert old.gpu_backends == () and old.accelerators == ("BLAS",)


def test_whisper_system_info_asks_a_child_process_once():
    already = "_pywhispercpp" in sys.modules
    backend = SystemInfo()
    assert backend.known == ""
    info = backend.get()
    assert "CPU" in info or "AVX" in info or "NEON" in info
    assert already or "_pywhispercpp" not in sys.modules  # loaded in the child, not here
    started = time.perf_counter()
    assert backend.get() == info == backend.known
    assert time.perf_counter() - started < 0.01  # remembered by its owner
    assert SystemInfo().known == ""  # no process-wide cache: another owner asks for itself


def test_an_engines_system_info_is_remembered_on_one_line():
    backend = SystemInfo()
    backend.remember("CPU : AVX = 1 |\n  AVX2 = 1 |")
    assert backend.known == "CPU : AVX = 1 | AVX2 = 1 |"
    assert backend.get() == backend.known  # no child process once known

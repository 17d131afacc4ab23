"""Which device whisper.cpp computes on, and the message when a GPU build falls back to the CPU.

The log excerpts are whisper.cpp 1.8.5's own lines, from this project's CPU wheel and from its
Vulkan build (packaging/gpu_wheel.py) on Mesa's llvmpipe with and without
GGML_VK_VISIBLE_DEVICES=0. The last test loads a real model through the engine.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from wavescribe.core.engine.client import Engine, Progress, Warning_
from wavescribe.core.engine.compute_device import (
    ComputeDevice,
    built_gpu_backends,
    detect_device,
)
from wavescribe.core.engine.whisper_log import device_lines, last_problem

CPU_INFO = (
    "WHISPER : COREML = 0 | OPENVINO = 0 | CPU : SSE3 = 1 | SSSE3 = 1 | AVX = 1 | AVX2 = 1 | "
    "F16C = 1 | FMA = 1 | BMI2 = 1 | OPENMP = 1 | REPACK = 1 |"
)
CPU_LOG = """whisper_init_with_params_no_state: use gpu    = 1
whisper_backend_init_gpu: device 0: CPU (type: 0)
whisper_backend_init_gpu: no GPU found
"""
VULKAN_SKIPPED_LOG = """whisper_init_with_params_no_state: use gpu    = 1
ggml_vulkan: No devices found.
whisper_backend_init_gpu: device 0: CPU (type: 0)
whisper_backend_init_gpu: no GPU found
"""
VULKAN_USED_LOG = """whisper_init_with_params_no_state: use gpu    = 1
ggml_vulkan: Found 1 Vulkan devices:
ggml_vulkan: 0 = llvmpipe (LLVM 15.0.6, 256 bits) (llvmpipe) | uma: 0 | fp16: 1 | bf16: 0 | \
warp size: 8 | shared memory: 32768 | int dot: 0 | matrix cores: none
ggml_vulkan: Warning: Device type is CPU. This is probably not the device you want.
whisper_backend_init_gpu: device 0: Vulkan0 (type: 1)
whisper_backend_init_gpu: found GPU device 0: Vulkan0 (type: 1, cnt: 0)
whisper_backend_init_gpu: using Vulkan0 backend
"""
CUDA_NO_DRIVER_LOG = """ggml_cuda_init: failed to initialize CUDA: \
CUDA driver version is insufficient for CUDA runtime version
whisper_backend_init_gpu: no GPU found
"""


def test_cpu_build_computes_on_the_cpu_and_says_nothing_more() -> None:
    device = detect_device(CPU_LOG, CPU_INFO, use_gpu=True, libraries=["libggml-cpu.so.0"])
    assert device == ComputeDevice("CPU", False, ())
    assert device.fallback is None


def test_vulkan_build_on_its_device_names_it() -> None:
    device = detect_device(VULKAN_USED_LOG, CPU_INFO, use_gpu=True)
    assert device.is_gpu
    assert device.name == "Vulkan0 (llvmpipe)"
    assert device.build_backends == ("VULKAN",)
    assert device.fallback is None


def test_vulkan_build_without_a_usable_device_falls_back_with_a_reason() -> None:
    device = detect_device(VULKAN_SKIPPED_LOG, CPU_INFO, use_gpu=True)
    assert not device.is_gpu and device.name == "CPU"
    assert device.fallback is not None
    assert "Vulkan build found no usable GPU" in device.fallback
    assert "driver is missing or too old" in device.fallback
    assert device.fallback.endswith("transcribing on the CPU instead")


def test_cuda_build_without_a_driver_falls_back() -> None:
    device = detect_device(CUDA_NO_DRIVER_LOG, CPU_INFO, use_gpu=True)
    assert device.build_backends == ("CUDA",)
    assert device.fallback is not None and "CUDA build" in device.fallback


def test_gpu_turned_off_is_said_as_a_choice() -> None:
    log = "whisper_init_with_params_no_state: use gpu    = 0\n"
    device = detect_device(log, CPU_INFO, use_gpu=False, libraries=["libggml-vulkan.so.0"])
    assert device.name == "CPU"
    assert device.fallback == "the Vulkan GPU is turned off; using the CPU"


def test_backends_are_known_from_system_info_log_or_library_files() -> None:
    cuda_info = "WHISPER : COREML = 0 | CPU : AVX2 = 1 | CUDA : ARCHS = 890 | USE_GRAPHS = 1 |"
    assert built_gpu_backends(cuda_info) == ("CUDA",)
    assert built_gpu_backends(CPU_INFO, VULKAN_SKIPPED_LOG) == ("VULKAN",)
    assert built_gpu_backends(CPU_INFO, "", ["ggml-vulkan.dll", "libggml-cuda.so.0"]) == (
        "CUDA",
        "VULKAN",
    )
    assert built_gpu_backends(CPU_INFO, CPU_LOG, ["libggml-base.so.0", "libggml-cpu.so"]) == ()


def test_device_round_trips_through_the_worker_message() -> None:
    device = detect_device(VULKAN_SKIPPED_LOG, CPU_INFO, use_gpu=True)
    assert ComputeDevice.from_dict(device.to_dict()) == device


def test_engine_reports_the_device_it_loaded_on(tiny_en_ggml: Path) -> None:
    """The project's whisper.cpp is the CPU wheel: asked for the GPU, it says CPU, no warning."""
    events: list[object] = []
    with Engine(tiny_en_ggml) as engine:
        assert engine.use_gpu  # the GPU is used wherever the build has one
        engine.start(events.append)
        assert engine.device == ComputeDevice("CPU", False, ())
        log = engine.log_text()
        assert "whisper_backend_init_gpu" in log  # whisper.cpp's own log, read through the API
        assert "whisper_backend_init_gpu: no GPU found" in device_lines(log)
    assert engine.log_text() == ""  # closed: the log file is gone
    assert not [e for e in events if isinstance(e, Warning_)]
    assert Progress("load", 1.0) in events


def test_engine_worker_keeps_a_users_openmp_policy(
    tiny_en_ggml: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worker picks a wait policy only when the user has not (core/engine/openmp_policy.py)."""
    monkeypatch.setenv("OMP_WAIT_POLICY", "ACTIVE")
    with Engine(tiny_en_ggml) as engine:
        engine.start()
        assert engine.system_info["omp_wait_policy"] == "ACTIVE"
    monkeypatch.delenv("OMP_WAIT_POLICY")
    with Engine(tiny_en_ggml) as engine:
        engine.start()
        assert engine.system_info["omp_wait_policy"] in ("default", "PASSIVE")


def test_device_log_lines_keep_what_names_the_device_once() -> None:
    lines = device_lines(VULKAN_USED_LOG + VULKAN_USED_LOG)
    assert lines[0] == "ggml_vulkan: Found 1 Vulkan devices:"
    assert "whisper_backend_init_gpu: using Vulkan0 backend" in lines
    assert len(lines) == len(set(lines)) <= 6
    assert "use gpu" not in " ".join(device_lines(CPU_LOG))


def test_a_crash_is_told_by_the_last_assertion_or_error_in_the_log() -> None:
    tail = "whisper_init: loading\nGGML_ASSERT(n > 0) failed\nggml_abort: stack follows\n"
    assert last_problem(tail) == "GGML_ASSERT(n > 0) failed"
    assert last_problem("just a line\n") == "just a line" and last_problem("") == ""


def test_library_files_make_a_gpu_build_read_as_one() -> None:
    """whisper.cpp 1.8.5's system info names no GPU section; its library files do."""
    from wavescribe.core.models.hardware_fit import parse_system_info, with_library_backends

    libs = ["libggml-base.so.0", "libggml-cpu.so.0", "libggml-vulkan.so.0", "libwhisper.so.1"]
    marked = with_library_backends(CPU_INFO, libs)
    assert parse_system_info(CPU_INFO).gpu_backends == ()
    assert parse_system_info(marked).gpu_backends == ("VULKAN",)
    assert parse_system_info(marked).summary.startswith("GPU: VULKAN")
    assert with_library_backends(marked, libs) == marked  # listed once
    assert with_library_backends(CPU_INFO, ["libggml-cpu.so.0"]) == CPU_INFO


def test_this_projects_whisper_cpp_libraries_are_found() -> None:
    from wavescribe.core.models.hardware_fit import whisper_library_names

    names = whisper_library_names()
    assert any("ggml-cpu" in n for n in names), names
    assert not any("ggml-vulkan" in n or "ggml-cuda" in n for n in names)  # the CPU wheel

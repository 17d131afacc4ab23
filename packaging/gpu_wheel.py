"""Build pywhispercpp from its sdist with a whisper.cpp GPU backend (CUDA, Vulkan or Metal).

The PyPI wheel is CPU only. This builds the same pywhispercpp version from source with
whisper.cpp's ``GGML_CUDA`` / ``GGML_VULKAN`` / ``GGML_METAL`` switch and the wheel's portable CPU
flags (not ``-march=native``: the app runs on other people's machines), then installs it into an
overlay folder that ``build.py`` puts first on PyInstaller's path. The source tree stays under the
work folder, so a second build only recompiles what changed.

    python packaging/gpu_wheel.py --backend vulkan        # -> build/packaging/overlay-vulkan/

pywhispercpp's setup.py passes every environment variable to CMake as ``-DNAME=VALUE``; that is
how the switches below reach whisper.cpp.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import urllib.request
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STAMP = ".wavescribe-build.json"  # version + CMake settings the overlay was built with

# The CPU flags the PyPI wheel reports (whisper_print_system_info), without -march=native.
CPU_FLAGS = {
    "CMAKE_BUILD_TYPE": "Release",
    "GGML_NATIVE": "OFF",
    "GGML_CPU_ALL_VARIANTS": "OFF",
    "GGML_BACKEND_DL": "OFF",
    "GGML_SSE42": "ON",
    "GGML_AVX": "ON",
    "GGML_AVX2": "ON",
    "GGML_F16C": "ON",
    "GGML_FMA": "ON",
    "GGML_BMI2": "ON",
    "GGML_AVX512": "OFF",
    "GGML_OPENMP": "ON",
    "WHISPER_BUILD_TESTS": "OFF",
    "WHISPER_BUILD_EXAMPLES": "OFF",
    # Relative rpaths where CMake can; PyInstaller resolves and bundles the libraries either way.
    "CMAKE_BUILD_RPATH_USE_ORIGIN": "ON",
}

# ggml's Vulkan backend uses VK_EXT_layer_settings (vk::LayerSettingEXT), in headers >= 1.3.275.
# Debian 12 ships 1.3.239; Debian 13's libvulkan-dev carries 1.4.309 headers, which are all the
# build needs from it (the loader it links against is the system's). Pinned by checksum.
MIN_VULKAN_HEADER = 275
VULKAN_HEADERS_DEB = (
    "http://deb.debian.org/debian/pool/main/v/vulkan-loader/libvulkan-dev_1.4.309.0-1_amd64.deb",
    "8d329d465e16168afff58b1bd0dd6db46aac2cc3f56054a481b25a04e90b345a",
)

# Real GPU code for the common cards (Turing .. Blackwell) plus PTX for newer ones. Each entry
# costs compile time: on 2 cores one architecture takes about half an hour.
DEFAULT_CUDA_ARCHS = "75-real;80-real;86-real;89-real;90-real;120-real;120-virtual"


class BuildError(RuntimeError):
    """A GPU flavour cannot be built here; the message says what is missing."""


def pywhispercpp_version() -> str:
    """The installed pywhispercpp's version, else the pin in pyproject.toml (a build machine
    that has the sdist but not the package, e.g. an offline GPU box)."""
    try:
        return metadata.version("pywhispercpp")
    except metadata.PackageNotFoundError:
        pin = re.search(r'"pywhispercpp==([^"]+)"', (ROOT / "pyproject.toml").read_text())
        if pin is None:
            raise BuildError(
                "pywhispercpp is neither installed nor pinned in pyproject.toml"
            ) from None
        return pin.group(1)


def fetch_sdist(work: Path, version: str) -> Path:
    """The pywhispercpp sdist of ``version`` (downloaded once with pip)."""
    folder = work / "sdist"
    found = sorted(folder.glob(f"pywhispercpp-{version}.tar.gz"))
    if found:
        return found[0]
    folder.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:"]
    subprocess.run([*cmd, "-d", str(folder), f"pywhispercpp=={version}"], check=True)
    return next(folder.glob(f"pywhispercpp-{version}.tar.gz"))


def unpack(sdist: Path, dest: Path) -> Path:
    """Unpack once; later builds reuse the tree and its CMake build folder."""
    if not (dest / "setup.py").is_file():
        staging = dest.parent / f"_unpack-{dest.name}"
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(dest, ignore_errors=True)
        with tarfile.open(sdist) as tar:
            root = tar.getnames()[0].split("/")[0]
            tar.extractall(staging, filter="data")
        (staging / root).rename(dest)
        staging.rmdir()
    return dest


def vulkan_header_version(include: Path) -> int | None:
    core = include / "vulkan" / "vulkan_core.h"
    try:
        m = re.search(r"#define VK_HEADER_VERSION (\d+)", core.read_text(errors="replace"))
    except OSError:
        return None
    return int(m.group(1)) if m else None


def vulkan_headers(work: Path, given: Path | None) -> Path | None:
    """An include folder with new enough Vulkan headers (None: the system's are fine)."""
    if shutil.which("glslc") is None:
        raise BuildError("the Vulkan build needs glslc (apt-get install glslc)")
    if given is not None:
        version = vulkan_header_version(given)
        if version is None or version < MIN_VULKAN_HEADER:
            raise BuildError(f"{given}: no Vulkan headers >= 1.3.{MIN_VULKAN_HEADER} there")
        return given
    system = vulkan_header_version(Path("/usr/include"))
    if system is not None and system >= MIN_VULKAN_HEADER:
        return None
    if not shutil.which("dpkg-deb"):
        raise BuildError(
            f"the Vulkan headers here are 1.x.{system} and ggml needs >= 1.3.{MIN_VULKAN_HEADER}:"
            " install the Vulkan SDK and pass --vulkan-headers DIR/include"
        )
    url, sha256 = VULKAN_HEADERS_DEB
    folder = work / "vulkan-headers"
    include = folder / "usr" / "include"
    if vulkan_header_version(include) is None:
        deb = work / Path(url).name
        print(f"gpu_wheel: system Vulkan headers are 1.x.{system}; fetching {url}")
        with urllib.request.urlopen(url, timeout=120) as response:
            data = response.read()
        if hashlib.sha256(data).hexdigest() != sha256:
            raise BuildError(f"{url}: checksum mismatch")
        deb.write_bytes(data)
        subprocess.run(["dpkg-deb", "-x", str(deb), str(folder)], check=True)
    return include


def cuda_extras(work: Path) -> dict[str, str]:
    """CMake settings that find cuBLAS where the toolkit lacks it.

    A minimal CUDA toolkit (nvcc + cudart, as here) has no cuBLAS; NVIDIA's ``nvidia-cublas``
    wheel carries the headers and libraries of the same major version.
    """
    nvcc = shutil.which("nvcc", path="/usr/local/cuda/bin") or shutil.which("nvcc")
    if nvcc is None:
        raise BuildError("the CUDA build needs nvcc (the CUDA toolkit) on PATH")
    toolkit = Path(os.path.realpath(nvcc)).parents[1]
    extras = {"CMAKE_CUDA_COMPILER": nvcc}
    if list(toolkit.glob("lib*/libcublas.so*")) or list(
        toolkit.glob("targets/*/lib/libcublas.so*")
    ):
        return extras
    major = _nvcc_major(nvcc)
    wheel = _find_cublas(major)
    if wheel is None:
        raise BuildError(
            f"no cuBLAS in {toolkit} and no nvidia-cublas wheel for CUDA {major}: "
            f"pip install 'nvidia-cublas>={major},<{major + 1}'"
        )
    include, lib = wheel / "include", wheel / "lib"
    # Only the cuBLAS headers: the wheel's copies of cuda.h etc. may be another minor version.
    shim = work.resolve() / f"cublas-{major}"
    (shim / "include").mkdir(parents=True, exist_ok=True)
    for header in include.glob("cublas*.h"):
        link = shim / "include" / header.name
        if not link.exists():
            link.symlink_to(header)
    extras |= {
        "CUDA_cublas_LIBRARY": str(next(lib.glob("libcublas.so.*"))),
        "CUDA_cublasLt_LIBRARY": str(next(lib.glob("libcublasLt.so.*"))),
        "CMAKE_CUDA_FLAGS": f"-I{shim / 'include'}",
        "CMAKE_CXX_FLAGS": f"-I{shim / 'include'}",
    }
    return extras


def _nvcc_major(nvcc: str) -> int:
    out = subprocess.run([nvcc, "--version"], capture_output=True, text=True, check=True).stdout
    m = re.search(r"release (\d+)\.", out)
    if not m:
        raise BuildError(f"cannot read the CUDA version from {nvcc} --version")
    return int(m.group(1))


def _find_cublas(major: int) -> Path | None:
    for entry in sys.path:
        cand = Path(entry) / "nvidia" / f"cu{major}"
        if list(cand.glob("lib/libcublas.so.*")) and (cand / "include" / "cublas_v2.h").exists():
            return cand
        cand = Path(entry) / "nvidia" / "cublas"
        if list(cand.glob("lib/libcublas.so.*")) and (cand / "include" / "cublas_v2.h").exists():
            return cand
    return None


def backend_flags(
    backend: str, work: Path, *, cuda_archs: str, vulkan_include: Path | None
) -> dict[str, str]:
    if backend == "vulkan":
        include = vulkan_headers(work, vulkan_include)
        flags = {"GGML_VULKAN": "ON"}
        if include is not None:
            flags["Vulkan_INCLUDE_DIR"] = str(include)
        return flags
    if backend == "cuda":
        # No VMM: ggml then never links libcuda (the driver), so the app still starts on a
        # machine without an NVIDIA driver and falls back to the CPU with a message.
        flags = {"GGML_CUDA": "ON", "GGML_CUDA_NO_VMM": "ON"}
        return flags | {"CMAKE_CUDA_ARCHITECTURES": cuda_archs} | cuda_extras(work)
    if backend == "metal":
        if sys.platform != "darwin":
            raise BuildError("the Metal flavour builds on macOS only")
        return {"GGML_METAL": "ON", "GGML_METAL_EMBED_LIBRARY": "ON"}
    raise BuildError(f"unknown GPU backend {backend!r}")


def build_overlay(
    backend: str,
    work: Path,
    *,
    cuda_archs: str = DEFAULT_CUDA_ARCHS,
    vulkan_include: Path | None = None,
    jobs: int | None = None,
    offline: bool = False,
) -> Path:
    """Build the GPU pywhispercpp wheel and install it into ``work/overlay-<backend>``."""
    version = pywhispercpp_version()
    flags = CPU_FLAGS | backend_flags(
        backend, work, cuda_archs=cuda_archs, vulkan_include=vulkan_include
    )
    overlay = work / f"overlay-{backend}"
    stamp = json.dumps({"version": version, "flags": flags}, sort_keys=True)
    if (overlay / STAMP).is_file() and (overlay / STAMP).read_text() == stamp:
        print(f"gpu_wheel: {overlay} is already built with these settings")
        return overlay
    src = unpack(fetch_sdist(work, version), work / f"pywhispercpp-{backend}")
    env = dict(os.environ) | flags
    env["CMAKE_BUILD_PARALLEL_LEVEL"] = str(jobs or os.cpu_count() or 2)
    env["PYWHISPERCPP_VERSION"] = f"{version}+{backend}"
    # pip builds in a fresh isolated environment each time; a nested CMake project (ggml's
    # Vulkan shader generator) remembers the previous one's ninja path, so it starts afresh.
    for stale in src.glob("build/temp*/**/vulkan-shaders-gen-prefix"):
        shutil.rmtree(stale)
    wheels = work / f"wheels-{backend}"
    shutil.rmtree(wheels, ignore_errors=True)
    print(f"gpu_wheel: building pywhispercpp {version} with {backend} in {src}", flush=True)
    cmd = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(wheels), str(src)]
    if offline:  # the build tools (setuptools, cmake, ninja) come from this environment
        cmd.insert(4, "--no-build-isolation")
    subprocess.run(cmd, env=env, check=True)
    wheel = next(wheels.glob("pywhispercpp-*.whl"))
    shutil.rmtree(overlay, ignore_errors=True)
    pip = [sys.executable, "-m", "pip", "install", "--no-deps", "--target", str(overlay)]
    subprocess.run([*pip, str(wheel)], check=True)
    (overlay / STAMP).write_text(stamp)  # a rebuild with the same settings reuses it
    print(f"gpu_wheel: {wheel.name} installed in {overlay}")
    return overlay


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--backend", choices=("cuda", "vulkan", "metal"), required=True)
    p.add_argument("--work", type=Path, default=ROOT / "build" / "packaging")
    p.add_argument("--cuda-archs", default=DEFAULT_CUDA_ARCHS)
    p.add_argument("--vulkan-headers", type=Path, help="an include folder with vulkan/*.h")
    p.add_argument("--jobs", type=int)
    p.add_argument(
        "--offline",
        action="store_true",
        help="no network: the sdist must be in WORK/sdist and the build tools installed",
    )
    args = p.parse_args(argv)
    try:
        build_overlay(
            args.backend,
            args.work,
            cuda_archs=args.cuda_archs,
            vulkan_include=args.vulkan_headers,
            jobs=args.jobs,
            offline=args.offline,
        )
    except BuildError as exc:
        print(f"gpu_wheel: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

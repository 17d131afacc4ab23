"""The packaging scripts' own logic, fast enough for every CI run (the builds themselves are slow
and opt-in: tests/packaging/test_frozen_build.py)."""

from __future__ import annotations

import ast
import struct
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "packaging"))

import build  # noqa: E402
import gpu_wheel  # noqa: E402
import icons  # noqa: E402


def test_vulkan_header_version_is_read_from_vulkan_core_h(tmp_path: Path) -> None:
    (tmp_path / "vulkan").mkdir()
    core = tmp_path / "vulkan" / "vulkan_core.h"
    core.write_text("#define VK_HEADER_VERSION_COMPLETE x\n#define VK_HEADER_VERSION 239\n")
    assert gpu_wheel.vulkan_header_version(tmp_path) == 239
    assert gpu_wheel.vulkan_header_version(tmp_path / "nowhere") is None


def test_too_old_vulkan_headers_given_by_hand_are_refused(tmp_path: Path) -> None:
    (tmp_path / "vulkan").mkdir()
    (tmp_path / "vulkan" / "vulkan_core.h").write_text("#define VK_HEADER_VERSION 239\n")
    if gpu_wheel.shutil.which("glslc") is None:
        with pytest.raises(gpu_wheel.BuildError, match="glslc"):
            gpu_wheel.vulkan_headers(tmp_path, tmp_path)
    else:
        with pytest.raises(gpu_wheel.BuildError, match=r"no Vulkan headers >= 1\.3\.275"):
            gpu_wheel.vulkan_headers(tmp_path, tmp_path)


@pytest.mark.skipif(sys.platform == "darwin", reason="Metal is the macOS flavour")
def test_metal_is_refused_off_macos(tmp_path: Path) -> None:
    with pytest.raises(gpu_wheel.BuildError, match="macOS only"):
        gpu_wheel.backend_flags("metal", tmp_path, cuda_archs="", vulkan_include=None)


def test_cpu_flags_are_portable() -> None:
    """A release must not be built for the build machine's own CPU."""
    assert gpu_wheel.CPU_FLAGS["GGML_NATIVE"] == "OFF"
    assert gpu_wheel.CPU_FLAGS["GGML_AVX512"] == "OFF"
    assert gpu_wheel.CPU_FLAGS["CMAKE_BUILD_RPATH_USE_ORIGIN"] == "ON"


def test_ico_holds_every_size_as_png() -> None:
    pngs = {size: icons.render_png(size) for size in (16, 32, 256)}
    data = icons.ico_bytes(pngs)
    reserved, kind, count = struct.unpack_from("<HHH", data)
    assert (reserved, kind, count) == (0, 1, 3)
    for i, size in enumerate((16, 32, 256)):
        w, h, _, _, planes, bits, length, offset = struct.unpack_from("<BBBBHHII", data, 6 + 16 * i)
        assert (w, h) == ((size, size) if size < 256 else (0, 0))
        assert (planes, bits) == (1, 32)
        png = data[offset : offset + length]
        assert png.startswith(b"\x89PNG\r\n\x1a\n")
        width, height = struct.unpack(">II", png[16:24])  # the IHDR chunk
        assert (width, height) == (size, size)


def test_windows_version_file_is_a_vsversioninfo_expression(tmp_path: Path) -> None:
    """PyInstaller evaluates the file as one Python expression of its VSVersionInfo classes."""
    path = build.windows_version_file(tmp_path, "1.2.3+cuda")
    tree = ast.parse(path.read_text(encoding="utf-8"), mode="eval")
    call = tree.body
    assert isinstance(call, ast.Call) and isinstance(call.func, ast.Name)
    assert call.func.id == "VSVersionInfo"
    text = path.read_text(encoding="utf-8")
    assert "filevers=(1, 2, 3, 0)" in text and "prodvers=(1, 2, 3, 0)" in text
    assert "StringStruct('ProductVersion', '1.2.3+cuda')" in text


def test_archive_is_a_tar_gz_here_and_a_zip_on_windows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = tmp_path / "app"
    (app / "_internal").mkdir(parents=True)
    (app / "wavescribe").write_text("#!/bin/sh\n")
    (app / "_internal" / "lib.so").write_bytes(b"\0" * 10)
    monkeypatch.setattr(build, "os_name", lambda: "linux")
    tgz = build.make_archive(app, tmp_path / "wavescribe-1-linux-x86_64-cpu")
    with tarfile.open(tgz) as tar:
        assert {"wavescribe/wavescribe", "wavescribe/_internal/lib.so"} <= set(tar.getnames())
    monkeypatch.setattr(build, "os_name", lambda: "windows")
    zipped = build.make_archive(app, tmp_path / "wavescribe-1-windows-x64-cpu")
    assert zipped.suffix == ".zip"
    with zipfile.ZipFile(zipped) as zf:
        assert "wavescribe/_internal/lib.so" in zf.namelist()


def test_release_workflow_builds_and_self_tests_each_flavour() -> None:
    text = (ROOT / ".github" / "workflows" / "release.yml").read_text()
    assert "packaging/build.py --backend ${{ matrix.backend }} --self-test" in text
    for runner in ("ubuntu-", "windows-", "macos-"):
        assert f"os: {runner}" in text


def test_inno_setup_script_takes_what_build_passes() -> None:
    text = (ROOT / "packaging" / "windows" / "wavescribe.iss").read_text()
    for define in ("AppVersion", "SourceDir", "OutputDir", "OutputName", "IconFile"):
        assert f"#{define}" in text or f"{{#{define}}}" in text
    assert "wavescribe.exe" in text


def test_an_offline_gpu_build_takes_the_pinned_version_and_skips_build_isolation(
    monkeypatch, capsys
):
    """A GPU box without network or pywhispercpp builds the pinned sdist with its own tools."""

    def not_installed(name: str) -> str:
        raise gpu_wheel.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(gpu_wheel.metadata, "version", not_installed)
    pyproject = (Path(gpu_wheel.ROOT) / "pyproject.toml").read_text()
    assert f'"pywhispercpp=={gpu_wheel.pywhispercpp_version()}"' in pyproject
    with pytest.raises(SystemExit):
        gpu_wheel.main(["--help"])
    assert "--offline" in capsys.readouterr().out

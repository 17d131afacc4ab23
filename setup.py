"""Build hook: ship the top-level ``models.toml`` inside the wheel as ``wavescribe/models.toml``.

The catalog lives at the top of the repository (one file to review); an installed wheel has no
repository, so the build copies it into the package. Everything else is in pyproject.toml.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).parent


class BuildPyWithCatalog(build_py):
    def run(self) -> None:
        super().run()
        target = Path(self.build_lib) / "wavescribe" / "models.toml"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / "models.toml", target)


setup(cmdclass={"build_py": BuildPyWithCatalog})

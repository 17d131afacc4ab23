"""Build hook: ship repository-level data inside the wheel.

The catalog (``models.toml``) and the desktop resources (``resources/icons``,
``resources/wavescribe.desktop``) live at the top of the repository (one place to review); an
installed wheel has no repository, so the build copies them into the package as
``wavescribe/models.toml`` and ``wavescribe/resources/...``. Everything else is in pyproject.toml.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).parent
# (source in the repository, destination inside the package)
PACKAGE_DATA = [
    ("models.toml", "models.toml"),
    ("resources/icons", "resources/icons"),
    ("resources/wavescribe.desktop", "resources/wavescribe.desktop"),
    ("resources/samples", "resources/samples"),  # the --self-test speech sample
]


class BuildPyWithData(build_py):
    def run(self) -> None:
        super().run()
        package = Path(self.build_lib) / "wavescribe"
        for source, dest in PACKAGE_DATA:
            src, target = ROOT / source, package / dest
            target.parent.mkdir(parents=True, exist_ok=True)
            if src.is_dir():
                shutil.copytree(src, target, dirs_exist_ok=True)
            else:
                shutil.copyfile(src, target)


setup(cmdclass={"build_py": BuildPyWithData})

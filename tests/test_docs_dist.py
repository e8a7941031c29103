"""The wheel and the sdist: `python -m build` makes both, each installs into a new environment
and its command runs (`pip install dist/*.whl && s3presign --version`, and the same from the
sdist), with the license, the type marker and the project's metadata inside.

Built offline: no build isolation (setuptools and build come with the test extra) and pip never
reaches an index, from a copy of the files the build reads, so the clone is left as it was.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

import s3presign

ROOT = Path(__file__).resolve().parent.parent


def _run(*args: str | Path, cwd: Path | None = None) -> str:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # the installed copy, not the tree
    env.update({"PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1", "HOME": str(cwd or ROOT)})
    done = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, (args, done.stdout[-2000:], done.stderr[-4000:])
    return done.stdout


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, source / name)
    shutil.copytree(ROOT / "src", source / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    out = tmp_path_factory.mktemp("dist")
    _run(sys.executable, "-m", "build", "--no-isolation", "--outdir", out, source, cwd=source)
    return out


def _install_and_run(package: Path, venv: Path) -> None:
    _run(sys.executable, "-m", "venv", "--without-pip", venv)
    _run(sys.executable, "-m", "pip", "--python", venv / "bin" / "python", "install", "--no-deps", package, cwd=venv)
    assert _run(venv / "bin" / "s3presign", "--version", cwd=venv).split()[:2] == ["s3presign", s3presign.__version__]
    env_keys = {"AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "not-a-real-secret"}
    url = subprocess.run([venv / "bin" / "s3presign", "s3://my-bucket/k", "--region", "eu-west-1"],
                         env={"PATH": os.environ["PATH"], "HOME": str(venv), **env_keys},
                         capture_output=True, text=True, timeout=60)
    assert url.returncode == 0 and url.stdout.startswith("https://my-bucket.s3.eu-west-1.amazonaws.com/k?"), url
    where = _run(venv / "bin" / "python", "-c", "import s3presign; print(s3presign.__file__)", cwd=venv)
    assert where.startswith(str(venv)), where  # the installed package, not the source tree


def test_wheel_installs_and_runs(dist: Path, tmp_path: Path) -> None:
    (wheel,) = dist.glob("s3presign-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "s3presign/py.typed" in names and "s3presign/service/__init__.py" in names
    assert any(name.endswith(".dist-info/licenses/LICENSE") for name in names)
    metadata = zipfile.ZipFile(wheel).read(f"s3presign-{s3presign.__version__}.dist-info/METADATA").decode()
    assert "License-Expression: Apache-2.0" in metadata
    assert "Project-URL: Changelog," in metadata and "Project-URL: Documentation," in metadata
    assert "Apache License" in zipfile.ZipFile(wheel).read(
        f"s3presign-{s3presign.__version__}.dist-info/licenses/LICENSE").decode()
    _install_and_run(wheel, tmp_path / "venv")


def test_sdist_builds_installs_and_runs(dist: Path, tmp_path: Path) -> None:
    (sdist,) = dist.glob("s3presign-*.tar.gz")
    root = f"s3presign-{s3presign.__version__}"
    names = tarfile.open(sdist).getnames()
    assert {f"{root}/LICENSE", f"{root}/README.md", f"{root}/pyproject.toml", f"{root}/src/s3presign/py.typed"} <= set(names)
    wheels = tmp_path / "from-sdist"
    _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--wheel-dir", wheels, sdist,
         cwd=tmp_path)
    (wheel,) = wheels.glob("s3presign-*.whl")
    _install_and_run(wheel, tmp_path / "venv")

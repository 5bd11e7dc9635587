"""The wheel: it carries the scenarios, the data and the licence, and runs from any folder.

The end-to-end test builds the wheel without build isolation (nothing is downloaded: the
running environment's setuptools builds it), installs it with ``--no-index`` into a fresh
virtual environment that sees this environment's packages through a ``.pth`` file, and runs
``leftshift`` from a folder outside the checkout.
"""

import json
import os
import shutil
import site
import subprocess
import sys
import tomllib
import zipfile
from importlib import metadata
from pathlib import Path

import pytest

import leftshift
from leftshift import cli
from leftshift.report.rundir import is_complete
from tests.helpers import ROOT

#: what the wheel is built from (the rest of the checkout is not packaged)
SOURCES = ("pyproject.toml", "README.md", "LICENSE", "leftshift", "scenarios")
#: the first setuptools that reads license-files (PEP 639); pyproject.toml requires it
SETUPTOOLS_MIN = 77


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


@pytest.mark.unit
def test_listed_packages_are_every_code_folder_and_the_scenarios():
    """The explicit package list (needed to map scenarios/ in) misses no code folder."""
    setuptools = _pyproject()["tool"]["setuptools"]
    code = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "leftshift").rglob("__init__.py")
    }
    assert set(setuptools["packages"]) == code | {"leftshift.scenarios"}
    assert setuptools["package-dir"] == {"leftshift.scenarios": "scenarios"}


@pytest.mark.unit
def test_scenarios_come_from_the_checkout_first(tmp_path):
    package = tmp_path / "site" / "leftshift"
    (package / "scenarios").mkdir(parents=True)
    assert cli.scenarios_dir(package, environ={}) == str(package / "scenarios")  # installed
    checkout = tmp_path / "site" / "scenarios"
    checkout.mkdir()
    (checkout / "config.yaml").write_text("defaults: []\n")
    assert cli.scenarios_dir(package, environ={}) == str(checkout)
    given = {cli.SCENARIOS_VARIABLE: "/elsewhere"}
    assert cli.scenarios_dir(package, environ=given) == "/elsewhere"


@pytest.mark.unit
def test_this_checkout_uses_its_own_scenarios_folder():
    assert Path(cli.scenarios_dir(environ={})) == ROOT / "scenarios"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel, built offline from a copy of the sources (the checkout gets no build/)."""
    have = metadata.version("setuptools")
    if int(have.split(".")[0]) < SETUPTOOLS_MIN:
        pytest.fail(
            f"building the wheel needs setuptools>={SETUPTOOLS_MIN} (this environment has"
            f" {have}): pip install -c requirements.lock -e '.[dev]' installs it"
        )
    source = tmp_path_factory.mktemp("source")
    for name in SOURCES:
        if (ROOT / name).is_dir():
            ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
            shutil.copytree(ROOT / name, source / name, ignore=ignore)
        else:
            shutil.copy2(ROOT / name, source / name)
    dist = tmp_path_factory.mktemp("dist")
    built = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist)],
        cwd=source,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    (path,) = dist.glob("leftshift-*.whl")
    return path


@pytest.mark.e2e
def test_wheel_carries_scenarios_data_and_licence(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {
        f"leftshift/scenarios/{p.relative_to(ROOT / 'scenarios').as_posix()}"
        for p in (ROOT / "scenarios").rglob("*.yaml")
    }
    assert shipped and shipped <= names, sorted(shipped - names)
    assert "leftshift/scenarios/README.md" in names
    data = {
        f"leftshift/data/{p.relative_to(ROOT / 'leftshift' / 'data').as_posix()}"
        for pattern in ("*.yaml", "tables/*.csv")
        for p in (ROOT / "leftshift" / "data").glob(pattern)
    }
    assert data and data <= names, sorted(data - names)
    assert f"leftshift-{leftshift.__version__}.dist-info/licenses/LICENSE" in names


def _installed_env() -> dict[str, str]:
    """The environment for the installed command: nothing points back at the checkout."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "LEFTSHIFT_"))}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


@pytest.mark.e2e
def test_installed_wheel_runs_from_any_folder(wheel, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # the dependencies (and pip) from this environment, without the network
    Path(purelib, "dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    env = _installed_env()
    installed = subprocess.run(
        [python, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", "--ignore-installed"]
        + ["--disable-pip-version-check", str(wheel)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert installed.returncode == 0, installed.stderr

    elsewhere = tmp_path / "anywhere"
    elsewhere.mkdir()
    where = subprocess.run(
        [
            python,
            "-c",
            "import leftshift, leftshift.cli as c; print(leftshift.__file__, c.SCENARIOS_DIR)",
        ],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout.split()
    assert all(Path(p).is_relative_to(purelib) for p in where), where  # not the checkout's

    command = venv / "bin" / "leftshift"
    version = subprocess.run([command, "--version"], capture_output=True, text=True, env=env)
    assert version.stdout == f"leftshift {leftshift.__version__}\n"
    run = subprocess.run(
        [command, "place=small", "run.horizon_years=1"],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    (run_dir,) = (elsewhere / "outputs").iterdir()
    assert is_complete(run_dir)
    results = run_dir / "results"
    for name in ("summary.json", "config.yaml", "monthly.parquet", "occupancy.png"):
        assert (results / name).is_file(), name
    manifest = json.loads((results / "manifest.json").read_text())
    assert manifest["leftshift_version"] == leftshift.__version__
    assert f"Results: {results}" in run.stdout

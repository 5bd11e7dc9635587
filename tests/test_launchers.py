"""Launchers for sweeps: the local default, and the SLURM config shipped for clusters."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hydra import compose, initialize_config_dir

from leftshift.cli import check_overrides, composition_problem, sweep_values
from leftshift.config import register_configs

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
LEFTSHIFT = [sys.executable, "-m", "leftshift.cli"]
SLURM_LAUNCHER = "hydra_plugins.hydra_submitit_launcher.submitit_launcher.SlurmLauncher"


def _compose(*overrides):
    register_configs()
    with initialize_config_dir(config_dir=str(SCENARIOS), version_base="1.3"):
        return compose("config", overrides=list(overrides), return_hydra_config=True)


def _launcher(*overrides):
    return _compose(*overrides).hydra.launcher


@pytest.mark.unit
def test_the_default_launcher_runs_points_on_every_local_core():
    launcher = _launcher()
    assert launcher._target_ == "hydra_plugins.hydra_joblib_launcher.joblib_launcher.JoblibLauncher"
    assert launcher.n_jobs == -1


@pytest.mark.unit
def test_the_slurm_launcher_composes_with_the_settings_shipped():
    shipped = yaml.safe_load((SCENARIOS / "hydra" / "launcher" / "slurm.yaml").read_text())
    cfg = _compose("hydra/launcher=slurm", "place=small")
    launcher = cfg.hydra.launcher
    assert launcher._target_ == SLURM_LAUNCHER
    for key in ("timeout_min", "cpus_per_task", "mem_gb", "nodes", "array_parallelism"):
        assert launcher[key] == shipped[key], key
    assert launcher.cpus_per_task == cfg.run.n_jobs  # one core per replication worker
    assert launcher.partition is None  # the cluster's own default unless given
    # SLURM's logs go into this command's sweep folder
    folder = Path(launcher.submitit_folder)
    assert folder.parts[:2] == ("outputs", "multirun") and folder.parts[3:] == (".submitit", "%j")


@pytest.mark.unit
def test_a_partition_is_given_on_the_command_line():
    launcher = _launcher("hydra/launcher=slurm", "hydra.launcher.partition=short")
    assert launcher.partition == "short"


@pytest.mark.unit
@pytest.mark.parametrize("choice", ["local", "slurm"])
def test_the_leftshift_pre_check_accepts_a_launcher_choice(choice):
    args = ["-m", f"hydra/launcher={choice}", "run.seed=1,2", "place=small"]
    assert check_overrides(args) == []
    problems, first = sweep_values(args)
    assert problems == []
    register_configs()
    assert composition_problem(first) is None


@pytest.mark.e2e
def test_the_command_shows_the_slurm_launcher_without_submitting(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("LEFTSHIFT_RUN_ID", None)
    out = subprocess.run(
        [*LEFTSHIFT, "--cfg", "hydra", "hydra/launcher=slurm", "place=small"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert SLURM_LAUNCHER in out.stdout
    assert list(tmp_path.iterdir()) == []

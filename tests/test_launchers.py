"""Launchers for sweeps: the local default, and the SLURM and Ray configs shipped for clusters."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from hydra import compose, initialize_config_dir

from leftshift.cli import check_overrides, composition_problem, sweep_values
from leftshift.config import register_configs
from leftshift.pipeline import is_complete
from tests.helpers import cli_env, run_cli

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
#: a short, small run: one year after a 3-month warm-up, no decommissioning search
QUICK = (
    "place=small",
    "run.horizon_years=1",
    "run.warmup_months=3",
    "report.decommission_search=false",
)
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
    out = run_cli(tmp_path, "--cfg", "hydra", "hydra/launcher=slurm", "place=small")
    assert out.returncode == 0, out.stderr
    assert SLURM_LAUNCHER in out.stdout
    assert list(tmp_path.iterdir()) == []


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def _local_ray_cluster(env, folder):
    """A Ray head on this machine for this test alone; ending its ``ray start`` stops it.

    (``ray stop`` would end every Ray on the machine, other people's too.) Ray's workers run
    in the folder ``ray start`` ran in, and write the sweep's (relative) folder there.
    """
    log_path = folder / "ray.log"
    port = _free_port()
    with open(log_path, "w") as log:
        head = subprocess.Popen(
            [str(Path(sys.executable).with_name("ray")), "start", "--head", "--block"]
            + [f"--port={port}", "--num-cpus=2", "--include-dashboard=false"]
            + ["--disable-usage-stats"],
            cwd=folder,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 120
        while "block forever" not in log_path.read_text():
            assert head.poll() is None and time.monotonic() < deadline, "Ray did not start"
            time.sleep(0.5)
        # Ray itself turns 127.0.0.1 into this machine's own address
        yield f"127.0.0.1:{port}"
    finally:
        head.terminate()  # ray start --block stops the head's processes, then exits
        try:
            head.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(head.pid, signal.SIGKILL)
            head.wait()


@pytest.mark.e2e
def test_a_sweep_runs_on_a_ray_cluster_in_one_run_folder(tmp_path):
    pytest.importorskip(
        "hydra_plugins.hydra_ray_launcher",
        reason="hydra-ray-launcher is not installed (it conflicts with the lock's pins)",
    )
    # a throwaway cluster on this machine: no usage reports, and no token whatever ~/.ray holds
    env = cli_env(RAY_USAGE_STATS_ENABLED="0", RAY_AUTH_MODE="disabled")
    with _local_ray_cluster(env, tmp_path) as address:
        out = run_cli(
            tmp_path,
            *("-m", "hydra/launcher=ray_cluster", f"hydra.launcher.ray.init.address={address}"),
            *("run.seed=1,2", *QUICK),
            env=env,
        )
    assert out.returncode == 0, out.stderr
    (sweep,) = (tmp_path / "outputs" / "multirun").iterdir()  # the run id reached the workers
    jobs = sorted(p for p in sweep.iterdir() if p.is_dir())
    assert [p.name for p in jobs] == ["0_small_baseline", "1_small_baseline"]
    assert all(is_complete(job) for job in jobs)

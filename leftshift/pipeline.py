"""From a config to a finished run directory: run, analyse, write (the command line's path).

This sits above the report layer: it runs the experiment (analysis), analyses it into one
bundle, and has the report layer write it, all inside one atomic results directory.

Finished replications are checkpointed in ``<run_dir>/.checkpoints/`` while the run goes on,
so running the same config into the same folder again (after an interrupt, or a sweep re-run
with ``hydra.sweep.dir`` set to the old sweep folder) simulates only what is missing. The
checkpoints are removed once the results are complete. A folder with complete results of the
same config is not run again; one with complete results of another config is refused.
"""

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from leftshift.analysis.bundle import analyse
from leftshift.analysis.economics import economic_evaluation
from leftshift.analysis.experiment import (
    baseline_differences,
    baseline_of,
    freed_capacity_arms,
    freed_capacity_problem,
    run_experiment,
)
from leftshift.analysis.freed_capacity import two_decisions
from leftshift.config import Config, ConfigError, to_container
from leftshift.report.rundir import (
    RESULTS_DIR,
    RunDirectoryError,
    atomic_results,
    is_complete,
    write_arms,
    write_results,
)

__all__ = [
    "CHECKPOINTS_DIR",
    "check_writable",
    "existing_results",
    "is_complete",
    "run_to_directory",
]

CHECKPOINTS_DIR = ".checkpoints"
#: run settings that do not change what a run produces
NOT_COMPARED = ("n_jobs",)


def _comparable(container: dict[str, Any]) -> dict[str, Any]:
    plain = yaml.safe_load(yaml.safe_dump(container, sort_keys=True))
    for key in NOT_COMPARED:
        plain["run"].pop(key, None)
    return plain


def existing_results(cfg: Config, run_dir: str | Path) -> dict[str, Any] | None:
    """The summary of complete results of this config in ``run_dir``, or None if there are none.

    Raises :class:`~leftshift.report.rundir.RunDirectoryError` when the folder holds complete
    results of a different config: they are kept, never overwritten.
    """
    run_dir = Path(run_dir)
    if not is_complete(run_dir):
        return None
    stored = yaml.safe_load((run_dir / RESULTS_DIR / "config.yaml").read_text())
    if _comparable(stored) != _comparable(to_container(cfg)):
        raise RunDirectoryError(
            f"{run_dir} holds complete results of a different config; they are kept. Choose"
            " another folder (a new command gets one) or the same config to reuse them."
        )
    return json.loads((run_dir / RESULTS_DIR / "summary.json").read_text())


def check_writable(run_dir: Path) -> None:
    """Fail before a long run, not after it, if ``run_dir`` cannot be created or written.

    Creates the folder and a probe file in it, then removes the probe. Raises
    :class:`~leftshift.report.rundir.RunDirectoryError` naming the folder and the reason.
    """
    probe = run_dir / f".write-probe-{os.getpid()}"
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise RunDirectoryError(
            f"cannot write to the run directory {run_dir}: {exc.strerror or exc}"
        ) from exc


def run_to_directory(
    cfg: Config,
    run_dir: str | Path,
    progress: Callable[[int, int], None] | None = None,
    scenario_arms: dict[str, Config] | None = None,
) -> dict[str, Any]:
    """Run the experiment a config describes and write it into ``run_dir`` atomically.

    With ``scenario_arms`` (name -> composed config of each arm) it is a multi-arm run: every
    arm against one shared baseline with the same seeds, each written as a two-arm experiment
    into ``results/<arm>/``. ``experiment.freed_capacity=both`` is such a run with the arms
    ``use`` and ``idle``, and its summary has the two decisions apart (``two_decisions``).
    The folder is checked writable before anything is simulated.
    """
    problem = freed_capacity_problem(cfg)
    if problem:
        raise ConfigError([problem])
    run_dir = Path(run_dir)
    check_writable(run_dir)
    checkpoint_dir = run_dir / CHECKPOINTS_DIR
    with atomic_results(run_dir) as partial:
        both = cfg.experiment.freed_capacity == "both"
        if both:  # the scenario with its freed beds used, and left idle
            scenario_arms = freed_capacity_arms(cfg)
        results = run_experiment(
            cfg, progress=progress, checkpoint_dir=checkpoint_dir, scenario_arms=scenario_arms
        )
        if scenario_arms:
            shared = baseline_of(next(iter(scenario_arms.values())))
            bundles = {
                name: analyse(results.pair(name, arm_cfg), progress, checkpoint_dir)
                for name, arm_cfg in scenario_arms.items()
            }
            differences = {
                name: baseline_differences(shared, arm_cfg)
                for name, arm_cfg in scenario_arms.items()
            }
            extra = {}
            if both:
                use_cfg = scenario_arms["use"]
                _, use_of_beds, _ = economic_evaluation(
                    use_cfg, results.contrast("use", "idle", use_cfg)
                )
                extra["two_decisions"] = two_decisions(
                    bundles["idle"].summary["economic_evaluation"],
                    use_of_beds,
                    bundles["use"].summary["economic_evaluation"],
                )
            summary = write_arms(cfg, bundles, partial, differences, extra)
        else:
            bundle = analyse(results, progress, checkpoint_dir)
            summary = write_results(bundle, partial)
    shutil.rmtree(checkpoint_dir, ignore_errors=True)
    return summary

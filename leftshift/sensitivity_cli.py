"""``leftshift sensitivity``: one-way, Morris or Sobol sensitivity of an experiment.

Usage::

    leftshift sensitivity method=oneway experiment=neighbourhood_teams place=small
    leftshift sensitivity method=morris experiment=neighbourhood_teams n=10 n_jobs=2
    leftshift sensitivity method=sobol experiment=neighbourhood_teams n=64 place=small
    leftshift sensitivity experiment=neighbourhood_teams params=finance.bed_day_cost_gbp

``method``, ``n`` (Morris trajectories or Sobol base samples, a power of two), ``n_jobs``
(points run at once; every core unless given), ``params`` (a comma list of declared parameter
keys; all by default) and ``replications`` (per point, 1 unless given) are this command's own;
every other argument is a config override, composed from ``scenarios/config.yaml`` as the main
command composes it. Results go to
``outputs/sensitivity/<run id>_<method>_<experiment>/results/``, written atomically.
"""

import sys
from pathlib import Path

import numpy as np

from leftshift.analysis.experiment import is_experiment
from leftshift.analysis.sensitivity import METHODS, RANKED_BY, parameter_set, run_sensitivity
from leftshift.config import Config, ConfigError, load, register_configs
from leftshift.model.invariants import InvariantError
from leftshift.report.rundir import atomic_results

#: this command's own arguments and their defaults (None: see the module docstring)
OWN_KEYS = {"method": "oneway", "n": "16", "n_jobs": None, "params": None, "replications": "1"}
OUTPUT_ROOT = Path("outputs") / "sensitivity"


def split_arguments(args: list[str]) -> tuple[dict[str, str], list[str]]:
    """The command's own settings (with defaults filled in) and the config overrides."""
    own: dict[str, str] = {}
    overrides = []
    for arg in args:
        key, _, value = arg.partition("=")
        if key in OWN_KEYS and value:
            own[key] = value
        else:
            overrides.append(arg)
    for key, default in OWN_KEYS.items():
        if default is not None:
            own.setdefault(key, default)
    return own, overrides


def compose(overrides: list[str]) -> Config:
    """Compose ``scenarios/config.yaml`` with overrides, as the main command does."""
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir

    from leftshift.cli import SCENARIOS_DIR

    register_configs()
    with initialize_config_dir(config_dir=SCENARIOS_DIR, version_base="1.3"):
        return load(hydra_compose("config", overrides=overrides))


def _problems(own: dict[str, str], overrides: list[str]) -> list[str]:
    from leftshift.cli import check_overrides, composition_problem

    problems = []
    if own["method"] not in METHODS:
        problems.append(f"method={own['method']!r}: choose from {', '.join(METHODS)}")
    for key in ("n", "n_jobs", "replications"):
        if key in own and not own[key].lstrip("-").isdigit():
            problems.append(f"{key}={own[key]!r}: must be a whole number")
    if "-m" in overrides or "--multirun" in overrides:
        problems.append("sensitivity runs its own points: no -m sweeps")
    problems += check_overrides(overrides)
    if not problems:
        register_configs()
        problem = composition_problem(overrides)
        if problem:
            problems.append(problem)
    return problems


def sensitivity_command(args: list[str]) -> int:
    """``leftshift sensitivity method=... experiment=... n=... [overrides]``; exit status."""
    from tqdm import tqdm

    from leftshift.cli import new_run_id
    from leftshift.report.sensitivity_rundir import write_sensitivity

    own, overrides = split_arguments(args)
    overrides = [*overrides, f"run.replications={own['replications']}"]
    problems = _problems(own, overrides)
    if problems:
        print(str(ConfigError(problems)).join(["leftshift sensitivity: ", ""]), file=sys.stderr)
        return 2
    cfg = compose(overrides)
    n, n_jobs = int(own["n"]), int(own.get("n_jobs", "-1"))
    keys = own["params"].split(",") if "params" in own else None
    try:  # before any folder is made
        if not is_experiment(cfg):
            raise ConfigError(
                ["sensitivity needs an experiment, e.g. experiment=neighbourhood_teams"]
            )
        parameter_set(cfg, keys)
    except ConfigError as exc:
        print(str(exc).join(["leftshift sensitivity: ", ""]), file=sys.stderr)
        return 2
    run_dir = OUTPUT_ROOT / f"{new_run_id()}_{own['method']}_{cfg.experiment.name}"
    bar = tqdm(total=0, desc=f"sensitivity {own['method']}: points", unit="point")

    def progress(done: int, total: int) -> None:
        bar.total = total
        bar.update(done - bar.n)

    try:
        with atomic_results(run_dir) as directory:
            result = run_sensitivity(cfg, own["method"], n, keys, n_jobs, progress)
            write_sensitivity(result, cfg, directory, n)
    except ConfigError as exc:
        print(f"leftshift sensitivity: {exc}", file=sys.stderr)
        return 2
    except InvariantError as exc:
        print(f"leftshift sensitivity: model invariant broken: {exc}", file=sys.stderr)
        return 3
    finally:
        bar.close()
    print(f"Results: {run_dir / 'results'}")
    measure = RANKED_BY[own["method"]]
    top = result.indices[result.indices["rank"] == 1]
    for row in top.itertuples():
        value = getattr(row, measure)
        if not np.isfinite(value) or value == 0:
            # a tie at nothing: no parameter moved this output (for instance, the scenario
            # does not differ from its baseline within the horizon)
            print(f"  {row.output}: no parameter moved it ({measure} 0 or undefined for all)")
        else:
            print(f"  most influential on {row.output}: {row.parameter} ({measure} {value:,.4g})")
    return 0

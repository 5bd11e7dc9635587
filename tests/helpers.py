"""Config builders shared by tests."""

import copy
import os
import subprocess
import sys
from pathlib import Path

from leftshift.config import load
from leftshift.model.analytic import queue_only_config  # noqa: F401  (re-exported for tests)

ROOT = Path(__file__).resolve().parents[1]


SMALL_PLACE = {"name": "small", "population": 100_000, "general_acute_beds": 180}
#: a hazard switched off (an uncertain parameter at 0 with no spread)
OFF = {"mean": 0.0, "low": 0.0, "high": 0.0, "distribution": "fixed"}
#: the core model: a stationary population and no capacity plan (the projected population with
#: a plan is the default since 2026-12-04, issue 18; the mechanisms' tests want demand and
#: capacity that change only through what they set), without delayed discharges
#: (social_care=none), without the follow-up after discharge (the default since 2026-12-03,
#: about 45% more CPU a run) and without emergencies of people on the elective list: most
#: tests isolate a mechanism on it; a test that wants delays passes
#: social_care={"delayed_discharges": True}, one that wants readmissions
#: outcomes={"follow_up": {"enabled": True}}, one that wants list emergencies a
#: demand.waiting_list_emergency_per_year. The default model as shipped is checked by the
#: calibration, golden and compose_config tests.
CORE_MODEL = {
    "population": {"transitions": "stationary"},
    "place": {"bed_growth_per_year": 0.0},
    "social_care": {"delayed_discharges": False, "capacity_growth_per_year": 0.0},
    "hospital": {"complex_emergency_los": {"mean_days": 10.5}},
    "outcomes": {"follow_up": {"enabled": False}},
    "demand": {"waiting_list_emergency_per_year": OFF},
}


#: figures drawn quickly (PNG only, screen resolution) where a test does not look at them:
#: about 40% of an experiment's time is writing figures at 300 dpi with SVG (the default,
#: tested in test_outputs.py and test_figures.py)
QUICK_FIGURES = {"figure_formats": ["png"], "figure_dpi": 60}
QUICK_FIGURE_ARGS = ("report.figure_formats=[png]", "report.figure_dpi=60")

#: replication workers for the in-process experiments whose subject is not parallelism: one
#: under pytest-xdist, where ``make test`` already runs one pytest worker per core, so a pool
#: of two inside each worker only adds its start-up (each loky worker imports leftshift, about
#: 1.5-2 s of CPU) and the pickling of every replication's tables; two when the tests run in
#: one process. Results do not depend on it (test_model.py: parallel equals sequential, byte
#: for byte; test_faults.py tests the workers themselves).
TEST_JOBS = 1 if os.environ.get("PYTEST_XDIST_WORKER") else 2


def pooled_sections() -> dict:
    """``scenarios/hospital/pooled.yaml`` as config sections: the one-counter hospital."""
    import yaml

    return yaml.safe_load((ROOT / "scenarios" / "hospital" / "pooled.yaml").read_text())


def small_config(**sections):
    """A small, short config for fast model runs; sections override keys by group."""
    core = copy.deepcopy(CORE_MODEL)
    base = {
        **core,
        "place": {**SMALL_PLACE, **core["place"]},
        "run": {"horizon_years": 3, "warmup_months": 12},
        "report": dict(QUICK_FIGURES),
    }
    for group, values in sections.items():
        base.setdefault(group, {}).update(values)
    return load(base)


def compose_config(*overrides: str, quick_figures: bool = True):
    """Compose ``scenarios/config.yaml`` with overrides exactly as the command line does.

    Figures are drawn quickly (:data:`QUICK_FIGURES`) unless ``quick_figures`` is false.
    """
    from hydra import compose, initialize_config_dir

    from leftshift.config import register_configs

    register_configs()
    quick = list(QUICK_FIGURE_ARGS) if quick_figures else []
    with initialize_config_dir(config_dir=str(ROOT / "scenarios"), version_base="1.3"):
        return load(compose("config", overrides=[*quick, *overrides]))


def run_against_one_baseline(*arm_configs):
    """Experiments that share a baseline, run as one multi-arm run: each as its own pair.

    Under common random numbers every arm takes the same seeds, so each pair's tables are
    exactly a two-arm run's (``tests/test_sweeps.py`` checks that), and the shared baseline
    is simulated once instead of once per experiment.
    """
    from leftshift.analysis.experiment import baseline_differences, baseline_of, run_experiment

    first = arm_configs[0]
    assert first.run.common_random_numbers, "the arms' pairs match two-arm runs only under CRN"
    for cfg in arm_configs[1:]:
        assert baseline_differences(baseline_of(first), cfg) == [], cfg.experiment.name
        assert cfg.run == first.run, cfg.experiment.name
    arms = {f"arm{k}": cfg for k, cfg in enumerate(arm_configs)}
    both = run_experiment(first, scenario_arms=arms)
    return [both.pair(name, cfg) for name, cfg in arms.items()]


def run_to_directory(cfg, run_dir):
    """Run an experiment and write its run directory (the command line's writer)."""
    from leftshift.pipeline import run_to_directory as write

    return write(cfg, run_dir)


#: the command line, run as its own process from this checkout
LEFTSHIFT = [sys.executable, "-m", "leftshift.cli"]


def cli_env(**extra: str) -> dict[str, str]:
    """The environment for a command-line process: this checkout, a fresh run id."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), **extra}
    env.pop("LEFTSHIFT_RUN_ID", None)
    return env


def _quick(args: tuple, quick_figures: bool) -> list:
    """The arguments, with quick figures added to a run (not to a sub-command or --help)."""
    if not quick_figures or (args and "=" not in str(args[0]) and args[0] != "-m"):
        return list(args)
    if args and args[0] == "-m":  # Hydra wants its overrides in one block
        return ["-m", *QUICK_FIGURE_ARGS, *args[1:]]
    return [*QUICK_FIGURE_ARGS, *args]


def assert_same_table(left, right) -> None:
    """Two tables that must be identical: every value exact, categories compared by code.

    pandas' default tolerance compares a categorical column one boxed value at a time (about
    7 s per million rows); exact comparison checks the codes and categories (0.2 s), and
    "the same run gives the same table" should hold exactly anyway.
    """
    import pandas as pd

    pd.testing.assert_frame_equal(left, right, check_exact=True)


def run_cli(cwd, *args, env=None, timeout=300, quick_figures=True) -> subprocess.CompletedProcess:
    """Run ``leftshift *args`` in ``cwd`` to the end; text output captured.

    Figures are drawn quickly (:data:`QUICK_FIGURES`) unless ``quick_figures`` is false.
    """
    return subprocess.run(
        [*LEFTSHIFT, *_quick(args, quick_figures)],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env or cli_env(),
        timeout=timeout,
    )


def start_cli(cwd, *args, env=None, quick_figures=True, **popen) -> subprocess.Popen:
    """Start ``leftshift *args`` in ``cwd``; text pipes unless ``popen`` says otherwise."""
    options = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True, **popen}
    return subprocess.Popen(
        [*LEFTSHIFT, *_quick(args, quick_figures)], cwd=cwd, env=env or cli_env(), **options
    )

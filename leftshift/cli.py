"""Command line: ``leftshift [group=option ...] [key=value ...]`` (Hydra).

Examples::

    leftshift                                   # default place, baseline
    leftshift experiment=emergency_demand_cut   # baseline vs scenario, paired
    leftshift place=small run.replications=5 hospital.elective_threshold=0.9
    leftshift compare experiment=neighbourhood_teams replications=50 psa=true
"""

import os
import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from leftshift.config import Config, ConfigError, iter_leaves, load, register_configs, suggest_key
from leftshift.model.invariants import InvariantError
from leftshift.report.console import headline

#: The ``scenarios/`` folder of the checkout (``LEFTSHIFT_SCENARIOS`` overrides).
SCENARIOS_DIR = os.environ.get("LEFTSHIFT_SCENARIOS") or str(
    Path(__file__).resolve().parents[1] / "scenarios"
)


GROUPS = ("place", "population", "demand", "hospital", "social_care", "run", "experiment")


def check_overrides(args: list[str]) -> list[str]:
    """Problems with command-line ``key=value`` overrides, found before Hydra composes.

    Group choices (``place=small``) and Hydra's own keys are left to Hydra, which lists the
    options it has; dotted keys must name a leaf (or section) of the schema.
    """
    leaves = {key for key, _, _ in iter_leaves(Config())}
    sections = {k.rsplit(".", i)[0] for k in leaves for i in range(1, k.count(".") + 1)}
    problems = []
    for arg in args:
        if arg.startswith("-") or "=" not in arg:
            continue
        key = arg.split("=", 1)[0].lstrip("+~")
        if key.startswith("hydra") or key in GROUPS:
            continue
        if key in leaves or key in sections:
            continue
        hint = suggest_key(key)
        problems.append(
            f"unknown key {key!r}"
            + (f": did you mean {hint!r}?" if hint else "")
            + " (see leftshift/config.py or docs/parameters.md for the keys)"
        )
    return problems


def composition_problem(args: list[str]) -> str | None:
    """Compose the config as Hydra will and explain a failure (with a suggestion), or None.

    This catches what command-line checks cannot: an unknown key or a wrong type inside a
    scenario file, or a misspelt group option.
    """
    import difflib

    from hydra import compose, initialize_config_dir
    from hydra.errors import ConfigCompositionException, MissingConfigException
    from omegaconf.errors import OmegaConfBaseException

    overrides = [
        a
        for a in args
        if "=" in a and not a.startswith("-") and not a.lstrip("+~").startswith("hydra")
    ]
    # A group option that does not exist must fail, even for an optional group such as
    # experiment (Hydra would silently run without it).
    for arg in overrides:
        group, option = arg.lstrip("+~").split("=", 1)
        if group in GROUPS and option != "null":
            options = sorted(p.stem for p in (Path(SCENARIOS_DIR) / group).glob("*.yaml"))
            if option not in options:
                close = difflib.get_close_matches(option, options, n=1)
                hint = f" (did you mean {group}={close[0]}?)" if close else ""
                return f"no {group} option {option!r}{hint}; options: {', '.join(options)}"
    try:
        with initialize_config_dir(config_dir=SCENARIOS_DIR, version_base="1.3"):
            compose("config", overrides=overrides)
    except (ConfigCompositionException, MissingConfigException, OmegaConfBaseException) as exc:
        text = str(exc)
        where = text.split(":", 1)[0]  # e.g. "In 'hospital/typo'"
        lines = [ln.strip() for ln in text.splitlines()[1:] if ln.strip()]
        full_key = next(
            (ln.split("full_key:", 1)[1].strip() for ln in lines if "full_key:" in ln), None
        )
        detail = next((ln for ln in lines if "full_key" not in ln and "_type=" not in ln), "")
        if full_key and " not in " in text:
            suggestion = suggest_key(full_key)
            did_you_mean = f": did you mean {suggestion!r}?" if suggestion else ""
            return f"unknown key {full_key!r}{did_you_mean} ({where})"
        return f"{where}: {full_key + ': ' if full_key else ''}{detail}"
    return None


def _progress(done: int, total: int) -> None:
    width = 30
    filled = int(width * done / total)
    end = "\n" if done == total else ""
    print(
        f"\r  replications [{'#' * filled}{'.' * (width - filled)}] {done}/{total}",
        end=end,
        file=sys.stderr,
        flush=True,
    )


@hydra.main(config_path=SCENARIOS_DIR, config_name="config", version_base="1.3")
def _main(dcfg: DictConfig) -> None:
    from leftshift.analysis.experiment import is_experiment
    from leftshift.pipeline import run_to_directory

    run_dir = Path(HydraConfig.get().runtime.output_dir)
    try:
        cfg = load(dcfg)
    except ConfigError as exc:
        _discard_empty_run_dir(run_dir)
        print(f"leftshift: {exc}", file=sys.stderr)
        sys.exit(2)
    arms = "baseline and scenario" if is_experiment(cfg) else "baseline"
    print(
        f"leftshift: place={cfg.place.name} experiment={cfg.experiment.name}"
        f" ({arms}, {cfg.run.replications} replication(s), {cfg.run.horizon_years} years)",
        file=sys.stderr,
    )
    try:
        summary = run_to_directory(cfg, run_dir, progress=_progress)
    except InvariantError as exc:
        print(f"leftshift: model invariant broken: {exc}", file=sys.stderr)
        sys.exit(3)
    print(f"Results: {run_dir / 'results'}")
    print("Figures: " + ", ".join(str(p) for p in sorted((run_dir / "results").glob("*.png"))))
    print("\n".join(headline(summary)))


def _discard_empty_run_dir(run_dir: Path) -> None:
    """Remove a run directory that holds only Hydra's own record of a rejected config."""
    if run_dir.is_dir() and {p.name for p in run_dir.iterdir()} <= {".hydra"}:
        import shutil

        shutil.rmtree(run_dir)


#: ``leftshift compare`` takes these bare keys as ``run.*``
COMPARE_KEYS = ("replications", "n_jobs", "psa", "seed", "horizon_years")


def compare_arguments(args: list[str]) -> list[str]:
    """Arguments of ``leftshift compare ...`` as ``leftshift ...`` arguments.

    ``replications=50`` means ``run.replications=50`` (also n_jobs, psa, seed, horizon_years);
    every core is used unless ``n_jobs`` is given.
    """
    out = []
    for arg in args:
        key = arg.split("=", 1)[0]
        out.append(f"run.{arg}" if key in COMPARE_KEYS else arg)
    if not any(a.split("=", 1)[0] == "run.n_jobs" for a in out):
        out.append("run.n_jobs=-1")
    return out


def main() -> None:
    """Console-script entry point (``leftshift [compare] [overrides]``)."""
    if len(sys.argv) > 1 and sys.argv[1] == "compare":
        sys.argv = [sys.argv[0], *compare_arguments(sys.argv[2:])]
    if not (Path(SCENARIOS_DIR) / "config.yaml").is_file():
        sys.exit(
            f"leftshift: cannot find the scenarios folder at {SCENARIOS_DIR}; install the"
            " project in editable mode from its checkout (make run does) or set"
            " LEFTSHIFT_SCENARIOS"
        )
    problems = check_overrides(sys.argv[1:])
    if problems:
        print(str(ConfigError(problems)).join(["leftshift: ", ""]), file=sys.stderr)
        sys.exit(2)
    register_configs()
    problem = composition_problem(sys.argv[1:])
    if problem:
        print(f"leftshift: invalid configuration: {problem}", file=sys.stderr)
        sys.exit(2)
    _main()


if __name__ == "__main__":
    main()

"""Command line: ``leftshift [group=option ...] [key=value ...]`` (Hydra).

Examples::

    leftshift --help                            # sub-commands, config groups, common overrides
    leftshift                                   # default place, baseline
    leftshift experiment=emergency_demand_cut   # baseline vs scenario, paired
    leftshift place=small run.replications=5 hospital.elective_threshold=0.9
    leftshift compare experiment=neighbourhood_teams replications=50 psa=true
    leftshift -m experiment=neighbourhood_teams,emergency_demand_cut run.seed=range(1,4)
    leftshift report outputs/<run folder>       # the board pack (leftshift.report.pack)

Every run gets its own directory: a run id made once per command (time and process id) is in
its name, and the sweep's jobs, which Hydra's joblib launcher runs in other processes, inherit
it, so two commands never share a folder.
"""

import datetime as dt
import os
import re
import signal
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NoReturn, TextIO

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from leftshift.config import Config, ConfigError, iter_leaves, load, register_configs, suggest_key
from leftshift.interrupts import Terminated, signals_interrupt
from leftshift.model.invariants import InvariantError
from leftshift.report.console import BOARD_PACK_FORMATS, headline, two_decisions_lines

#: environment variable naming another scenarios folder
SCENARIOS_VARIABLE = "LEFTSHIFT_SCENARIOS"


def scenarios_dir(package_dir: Path | None = None, environ: Mapping[str, str] = os.environ) -> str:
    """The scenarios folder: ``LEFTSHIFT_SCENARIOS``, else the checkout's, else the installed copy.

    In a checkout, ``scenarios/`` beside ``leftshift/`` is where strategists edit the YAML. An
    installed wheel has no checkout; it carries the same files as ``leftshift/scenarios``
    (pyproject.toml maps the folder there).
    """
    if environ.get(SCENARIOS_VARIABLE):
        return environ[SCENARIOS_VARIABLE]
    package_dir = package_dir or Path(__file__).resolve().parent
    checkout = package_dir.parent / "scenarios"
    if (checkout / "config.yaml").is_file():
        return str(checkout)
    return str(package_dir / "scenarios")


#: The scenarios folder this command composes from (see :func:`scenarios_dir`).
SCENARIOS_DIR = scenarios_dir()


GROUPS = (
    "place",
    "population",
    "demand",
    "hospital",
    "theatres",
    "social_care",
    "run",
    "experiment",
)
MULTIRUN_FLAGS = ("-m", "--multirun")
#: environment variable that carries one command's run id to its sweep jobs
RUN_ID_VARIABLE = "LEFTSHIFT_RUN_ID"
#: how many jobs a sweep has, and when it started, for the jobs' progress lines
SWEEP_JOBS_VARIABLE = "LEFTSHIFT_SWEEP_JOBS"
SWEEP_START_VARIABLE = "LEFTSHIFT_SWEEP_START"


def new_run_id() -> str:
    """Time to the second and this process's id: unique among commands running at once."""
    return f"{dt.datetime.now():%Y-%m-%d_%H-%M-%S}_p{os.getpid()}"


def run_id() -> str:
    """The run id of this command (made once, then inherited by the processes it starts)."""
    if RUN_ID_VARIABLE not in os.environ:
        os.environ[RUN_ID_VARIABLE] = new_run_id()
    return os.environ[RUN_ID_VARIABLE]


def register_resolvers() -> None:
    """``${leftshift_run_id:}`` for the run and sweep folder names in scenarios/config.yaml."""
    from omegaconf import OmegaConf

    if not OmegaConf.has_resolver("leftshift_run_id"):
        OmegaConf.register_new_resolver("leftshift_run_id", run_id)


# Sweep jobs run in worker processes that import this module but never call main().
register_resolvers()


def group_options(group: str) -> list[str]:
    """The options of a config group: the YAML files in ``scenarios/<group>/``, sorted."""
    return sorted(p.stem for p in (Path(SCENARIOS_DIR) / group).glob("*.yaml"))


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
            + " (see leftshift/config/schema.py or docs/parameters.md for the keys)"
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
            options = group_options(group)
            if option not in options:
                close = difflib.get_close_matches(option, options, n=1)
                hint = f" (did you mean {group}={close[0]}?)" if close else ""
                return f"no {group} option {option!r}{hint}; options: {', '.join(options)}"
    try:
        with initialize_config_dir(config_dir=SCENARIOS_DIR, version_base="1.3"):
            composed = compose("config", overrides=overrides)
            cfg = load(composed)  # every range and cross-field rule, before a folder exists
            options = group_options("experiment")
            others = [a for a in overrides if a.split("=", 1)[0].lstrip("+~") != "experiment"]
            for arm in cfg.experiment.arms:
                if arm not in options or arm == cfg.experiment.name:
                    return (
                        f"experiment.arms: {arm!r} is not another experiment file; options:"
                        f" {', '.join(o for o in options if o != cfg.experiment.name)}"
                    )
                try:  # each arm as _compose_arms will compose it
                    load(compose("config", overrides=[*others, f"experiment={arm}"]))
                except ConfigError as exc:
                    return f"experiment.arms: {arm!r}: " + "; ".join(exc.problems)
    except ConfigError as exc:
        return "; ".join(exc.problems)
    except Exception as exc:
        unreadable = yaml_problem(exc)
        if unreadable:
            return unreadable
        if not isinstance(
            exc, ConfigCompositionException | MissingConfigException | OmegaConfBaseException
        ):
            raise
        text = str(exc)
        where, _, first = text.splitlines()[0].partition(":")  # e.g. "In 'hospital/typo'"
        named = re.fullmatch(r"In '([\w/.+-]+)'", where)
        if named and (Path(SCENARIOS_DIR) / f"{named[1]}.yaml").is_file():
            where = f"In {Path(SCENARIOS_DIR) / named[1]}.yaml"
        lines = [ln.strip() for ln in text.splitlines()[1:] if ln.strip()]
        full_key = next(
            (ln.split("full_key:", 1)[1].strip() for ln in lines if "full_key:" in ln), None
        )
        cause = str(exc.__cause__ or "").splitlines()
        detail = next(
            (ln for ln in lines if "full_key" not in ln and "_type=" not in ln),
            first.strip() or (cause[0] if cause else ""),
        )
        if full_key and " not in " in text:
            suggestion = suggest_key(full_key)
            did_you_mean = f": did you mean {suggestion!r}?" if suggestion else ""
            return f"unknown key {full_key!r}{did_you_mean} ({where})"
        return f"{where}: {full_key + ': ' if full_key else ''}{detail}"
    return None


def yaml_problem(exc: BaseException) -> str | None:
    """A YAML or encoding error anywhere in an exception's chain, as file, line and column.

    Hydra passes some errors from reading a scenario file on as they are and wraps others;
    the :class:`yaml.MarkedYAMLError` (or a :class:`UnicodeDecodeError`) is found in the chain.
    """
    import yaml

    seen: set[int] = set()
    error: BaseException | None = exc
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, yaml.MarkedYAMLError):
            mark = error.problem_mark or error.context_mark
            what = "; ".join(str(p) for p in (error.context, error.problem) if p)
            if mark is None:
                return f"unreadable YAML: {what}"
            return f"{mark.name}, line {mark.line + 1}, column {mark.column + 1}: {what}"
        if isinstance(error, yaml.reader.ReaderError):
            where = f"{error.name}, character {error.position}"
            return f"{where}: {error.reason} (a YAML file holds printable UTF-8 text)"
        if isinstance(error, UnicodeDecodeError):
            return _not_utf8(error)
        if isinstance(error, OSError) and "Invalid loaded object type" in str(error):
            return _not_a_mapping(error)
        error = error.__cause__ or error.__context__
    return None


def _not_utf8(error: UnicodeDecodeError) -> str:
    """Which scenario files are not UTF-8 text, with the line and column of the first bad byte."""
    places = []
    for path in sorted(Path(SCENARIOS_DIR).rglob("*.yaml")):
        data = path.read_bytes()
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as bad:
            line = data.count(b"\n", 0, bad.start) + 1
            column = bad.start - (data.rfind(b"\n", 0, bad.start) + 1) + 1
            places.append(f"{path}, line {line}, column {column}: {bad.reason}")
    found = "; ".join(places) or error.reason
    return f"{found} (a YAML file must be UTF-8 text)"


def _not_a_mapping(error: OSError) -> str:
    """Which scenario files hold something other than a mapping of keys (a number, a list)."""
    import yaml

    places = []
    for path in sorted(Path(SCENARIOS_DIR).rglob("*.yaml")):
        try:
            loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError):
            continue
        if not isinstance(loaded, dict | None):
            places.append(f"{path}, line 1, column 1: holds a {type(loaded).__name__}")
    found = "; ".join(places) or str(error)
    return f"{found} (a scenario file must be a mapping of keys to values)"


def sweep_values(args: list[str]) -> tuple[list[str], list[str]]:
    """Problems with each swept value, and the arguments with every sweep at its first value.

    Also sets how many jobs the sweep has (the product of the sweeps' lengths) for the
    progress lines the jobs print.

    A value list (``a,b``), ``range``, ``choice`` and ``glob`` are expanded with Hydra's own
    override parser. A group's values must be options in ``scenarios/``; a key's values are
    checked against the schema one by one (type and range), so a bad value anywhere in a sweep
    is named before any job runs.
    """
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.core.override_parser.types import Glob, ValueType
    from hydra.errors import OverrideParseException

    first: list[str] = []
    problems: list[str] = []
    jobs = 1
    parser = OverridesParser.create()
    for arg in args:
        if arg.startswith("-") or "=" not in arg:
            first.append(arg)
            continue
        try:
            (override,) = parser.parse_overrides([arg])
        except OverrideParseException as exc:
            problems.append(f"{arg}: {str(exc).splitlines()[0]}")
            continue
        if not override.is_sweep_override():
            first.append(arg)
            continue
        key = override.key_or_group
        if override.value_type == ValueType.GLOB_CHOICE_SWEEP:
            options = group_options(key)
            glob = override.value()
            assert isinstance(glob, Glob)
            values = list(glob.filter(options))
        else:
            values = list(override.sweep_string_iterator())
        if not values:
            problems.append(f"{arg}: the sweep has no values")
            continue
        for value in values:
            problem = _value_problem(key, value)
            if problem:
                problems.append(problem)
        first.append(f"{override.get_key_element()}={values[0]}")
        jobs *= len(values)
    os.environ[SWEEP_JOBS_VARIABLE] = str(jobs)
    os.environ[SWEEP_START_VARIABLE] = str(dt.datetime.now().timestamp())
    return problems, first


def _value_problem(key: str, value: str) -> str | None:
    """Why ``key=value`` is not a valid single value, or None."""
    bare = key.lstrip("+~")
    if bare.startswith("hydra"):
        return None
    if bare in GROUPS:
        options = group_options(bare)
        if value not in options and value != "null":
            return f"no {bare} option {value!r}; options: {', '.join(options)}"
        return None
    unknown = check_overrides([f"{bare}={value}"])
    if unknown:
        return unknown[0]
    from hydra.core.override_parser.overrides_parser import OverridesParser

    (parsed,) = OverridesParser.create().parse_overrides([f"{bare}={value}"])
    tree: dict = {}
    node = tree
    *parents, leaf = bare.split(".")
    for part in parents:
        node = node.setdefault(part, {})
    node[leaf] = parsed.value()
    try:
        load(tree)
    except ConfigError as exc:
        return "; ".join(p for p in exc.problems if bare in p) or "; ".join(exc.problems)
    return None


class _Progress:
    """Replications done: a tqdm bar on a terminal, else one plain line per batch of runs.

    The decommissioning search's runs get their own bar (or line). A bar redraws itself with
    carriage returns, which a pipe or a log file keeps as one long line that the next output
    is glued to; so off a terminal nothing is drawn until a batch is done, and then a whole
    line is written.
    """

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.bar: Any = None
        self.started = time.monotonic()  # batches run one after another

    def __call__(self, done: int, total: int) -> None:
        if not _is_terminal(self.stream):
            if done == total:
                seconds = time.monotonic() - self.started
                print(f"  replications: {done} of {total} done ({seconds:.0f} s)", file=self.stream)
                self.started = time.monotonic()
            return
        from tqdm import tqdm

        if self.bar is None or self.bar.total != total or done < self.bar.n:
            if self.bar is not None:
                self.bar.close()
            self.bar = tqdm(total=total, desc="  replications", file=self.stream, leave=False)
        self.bar.update(done - self.bar.n)
        if done == total:
            self.bar.close()
            self.bar = None


def _is_terminal(stream: Any) -> bool:
    """Whether a stream is a terminal (where a progress bar can redraw itself)."""
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


def _sweep_progress(run_dir: Path) -> str | None:
    """In a sweep, how many of its jobs are done, with the time so far and an estimate."""
    from hydra.types import RunMode
    from tqdm import tqdm

    from leftshift.pipeline import is_complete

    if HydraConfig.get().mode != RunMode.MULTIRUN:
        return None
    total = int(os.environ.get(SWEEP_JOBS_VARIABLE, "0"))
    started = float(os.environ.get(SWEEP_START_VARIABLE, "0"))
    if not total or not started:
        return None
    done = sum(is_complete(p) for p in run_dir.parent.iterdir() if p.is_dir())
    elapsed = dt.datetime.now().timestamp() - started
    return tqdm.format_meter(done, total, elapsed, prefix="sweep jobs", ncols=80)


@hydra.main(config_path=SCENARIOS_DIR, config_name="config", version_base="1.3")
def _main(dcfg: DictConfig) -> None:
    from leftshift.analysis.experiment import freed_capacity_problem, is_experiment
    from leftshift.analysis.workers import die_with_launcher
    from leftshift.pipeline import existing_results, run_to_directory
    from leftshift.report.rundir import RunDirectoryError

    die_with_launcher()
    run_dir = Path(HydraConfig.get().runtime.output_dir)
    try:
        cfg = load(dcfg)
    except ConfigError as exc:
        _discard_empty_run_dir(run_dir)
        print(f"leftshift: {exc}", file=sys.stderr)
        sys.exit(2)
    problem = freed_capacity_problem(cfg)
    if problem:
        _discard_empty_run_dir(run_dir)
        print(f"leftshift: {problem}", file=sys.stderr)
        sys.exit(2)
    scenario_arms = _compose_arms(cfg) if cfg.experiment.arms else None
    if scenario_arms:
        arms = "baseline and " + ", ".join(scenario_arms)
    else:
        arms = "baseline and scenario" if is_experiment(cfg) else "baseline"
    freed = {
        "use": "; freed capacity used",
        "idle": "; freed capacity left idle (electives held at the baseline's)",
        "both": " twice: freed capacity used (use) and left idle (idle)",
    }[cfg.experiment.freed_capacity]
    if arms != "baseline":
        arms += freed
    # the one-counter hospital hides exit block: say so wherever its numbers appear
    hospital = "" if cfg.hospital.specialty_pools else " hospital=one pooled counter"
    print(
        f"leftshift: place={cfg.place.name}{hospital} experiment={cfg.experiment.name}"
        f" ({arms}, {cfg.run.replications} replication(s), {cfg.run.horizon_years} years)",
        file=sys.stderr,
    )
    try:
        with signals_interrupt():
            summary = existing_results(cfg, run_dir)
            if summary is not None:
                print("leftshift: complete results of this config are here: kept, not run again")
            else:
                summary = run_to_directory(
                    cfg, run_dir, progress=_Progress(), scenario_arms=scenario_arms
                )
    except RunDirectoryError as exc:
        print(f"leftshift: {exc}", file=sys.stderr)
        sys.exit(2)
    except InvariantError as exc:
        print(f"leftshift: model invariant broken: {exc}", file=sys.stderr)
        sys.exit(3)
    except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM / SIGHUP as Terminated
        _stopped(exc, run_dir)
    except OSError as exc:
        print(f"leftshift: could not write results: {exc}", file=sys.stderr)
        sys.exit(4)
    print(f"Results: {run_dir / 'results'}")
    figures = sorted((run_dir / "results").rglob("*.png"))
    if figures:
        print("Figures: " + ", ".join(str(p) for p in figures))
    elif cfg.run.outputs == "summary":
        print("Figures: none (run.outputs=summary; set run.outputs=full for tables and figures)")
    if "scenarios" in summary:  # a multi-arm run: each arm against the shared baseline
        for name, arm_summary in summary["scenarios"].items():
            print(f"== {name} against the shared baseline ({run_dir / 'results' / name})")
            if summary["baseline_differences"].get(name):
                keys = ", ".join(summary["baseline_differences"][name])
                print(f"  note: this arm's own baseline would differ in {keys}")
            print("\n".join(headline(arm_summary, price_year=cfg.finance.price_year)))
        if "two_decisions" in summary:
            print("\n".join(two_decisions_lines(summary["two_decisions"], cfg.finance.price_year)))
    else:
        print("\n".join(headline(summary, price_year=cfg.finance.price_year)))
        if "comparison_by_year" in summary and cfg.run.outputs == "full":
            print(f"Board pack of this run: leftshift report {run_dir}")
            print(f"  (writes {run_dir / 'report'}: {BOARD_PACK_FORMATS})")
    sweep = _sweep_progress(run_dir)
    if sweep:
        print(sweep, file=sys.stderr)


def _stopped(exc: KeyboardInterrupt, run_dir: Path) -> NoReturn:
    """Say why a run stopped and how to resume it; exit with the shell's code for the signal."""
    code = exc.exit_code if isinstance(exc, Terminated) else 128 + signal.SIGINT
    reason = exc if isinstance(exc, Terminated) else "interrupted by SIGINT"
    from hydra.types import RunMode

    if HydraConfig.get().mode == RunMode.MULTIRUN:
        again = f"hydra.sweep.dir={run_dir.parent}"
    else:
        again = f"hydra.run.dir={run_dir}"
    print(
        f"\nleftshift: {reason}; {run_dir} is marked FAILED and its finished replications are"
        f" kept: run the same command with {again} to simulate only the rest",
        file=sys.stderr,
    )
    sys.exit(code)


def _compose_arms(cfg: Config) -> dict[str, Config]:
    """Each arm of a multi-arm experiment, composed with the command's other overrides."""
    from hydra import compose

    task = [o for o in HydraConfig.get().overrides.task if not o.startswith("experiment=")]
    return {
        arm: load(compose("config", overrides=[*task, f"experiment={arm}"]))
        for arm in cfg.experiment.arms
    }


def _discard_empty_run_dir(run_dir: Path) -> None:
    """Remove a run directory that holds only Hydra's own record of a rejected config."""
    if run_dir.is_dir() and {p.name for p in run_dir.iterdir()} <= {".hydra"}:
        import shutil

        shutil.rmtree(run_dir)


#: ``leftshift compare`` takes these bare keys as ``run.*``
COMPARE_KEYS = ("replications", "n_jobs", "psa", "seed", "horizon_years")
#: ``leftshift compare``'s other shorthand keys: key -> the config key it means
COMPARE_ALIASES = {"freed": "experiment.freed_capacity"}


def compare_arguments(args: list[str]) -> list[str]:
    """Arguments of ``leftshift compare ...`` as ``leftshift ...`` arguments.

    ``replications=50`` means ``run.replications=50`` (also n_jobs, psa, seed, horizon_years);
    ``freed=both`` means ``experiment.freed_capacity=both`` (use, idle or both); every core is
    used unless ``n_jobs`` is given.
    """
    out = []
    for arg in args:
        key, _, value = arg.partition("=")
        if key in COMPARE_ALIASES:
            out.append(f"{COMPARE_ALIASES[key]}={value}")
        else:
            out.append(f"run.{arg}" if key in COMPARE_KEYS else arg)
    if not any(a.split("=", 1)[0] == "run.n_jobs" for a in out):
        out.append("run.n_jobs=-1")
    return out


def collect_command(args: list[str]) -> int:
    """``leftshift collect DIR``: one table of every complete job's summary under DIR."""
    from leftshift.report.collect import write_collection

    if len(args) != 1 or not Path(args[0]).is_dir():
        print("leftshift collect: give one folder, e.g. outputs/multirun/<run id>", file=sys.stderr)
        return 2
    table, statuses, written = write_collection(args[0])
    counts = statuses["status"].value_counts()
    print(
        f"leftshift collect: {len(statuses)} job(s): "
        + ", ".join(f"{counts.get(k, 0)} {k}" for k in ("complete", "failed", "incomplete"))
    )
    for row in statuses[statuses["status"] != "complete"].itertuples():
        print(f"  not collected: {row.job}: {row.status}: {row.reason}")
    for path in written:
        print(f"Wrote: {path}")
    return 0 if len(statuses) else 1


def folder_problem(args: list[str]) -> str | None:
    """Why the run (or sweep) folder cannot be made; ``None`` if it can.

    Checked before Hydra tries and fails with a traceback. The folder's fixed part (before any
    ``${...}``) is probed where it would be made: a temporary folder is made and removed in its
    nearest existing parent, so nothing is left behind either way.
    """
    import shutil
    import tempfile

    multirun = any(a in MULTIRUN_FLAGS for a in args)
    key = "hydra.sweep.dir" if multirun else "hydra.run.dir"
    given = [a.split("=", 1)[1] for a in args if a.split("=", 1)[0].lstrip("+~") == key]
    path = given[-1] if given else "outputs/"
    literal = path.split("${", 1)[0]
    if "${" in path and not literal.endswith("/"):
        folder = Path(literal).parent  # the interpolation completes the last name
    else:
        folder = Path(literal or ".")
    nearest = next(p for p in (folder.absolute(), *folder.absolute().parents) if p.exists())
    try:
        if not nearest.is_dir():
            raise NotADirectoryError(20, "not a folder")
        shutil.rmtree(tempfile.mkdtemp(prefix=".leftshift-probe-", dir=nearest))
    except OSError as exc:
        return (
            f"{key} = {path}: the run folder cannot be made there ({exc.strerror} at"
            f" {nearest}); choose a folder you can write to, e.g. {key}=outputs/my_run"
        )
    return None


#: ``leftshift --help`` (Hydra's own is ``--hydra-help``); filled in by :func:`help_text`
HELP = """\
leftshift {version}: a discrete-event simulation of the NHS left shift, from acute hospitals
to neighbourhood teams and virtual wards. A run simulates a place's baseline (or a baseline and
a scenario, paired), writes tables, figures and a summary to a new folder under outputs/ and
prints the headline results.

Usage:
  leftshift [group=option ...] [key=value ...]   one run
  leftshift -m key=a,b [group=x,y ...]           a sweep (Hydra multirun): a job per combination
  leftshift compare experiment=NAME replications=50 psa=true [freed=use|idle|both]
                                                 the same on every core (researchers' shorthand)
  leftshift collect DIR                          one table of a sweep's complete jobs
  leftshift sensitivity method=oneway|morris|sobol experiment=NAME [n=N params=KEY,...]
  leftshift report RUN_DIR                       a finished experiment's board pack (below)
  leftshift --version                            the version

{pack}

Config groups: group=option chooses one option (* the default; the files are in scenarios/):
{groups}

Common overrides:
  place=small  run.replications=5  run.horizon_years=2  run.seed=7  run.n_jobs=-1
  social_care=none  run.psa=true  run.outputs=full  hospital.elective_threshold=0.9
  experiment.freed_capacity=idle (an intervention's freed beds left idle) or both (used and
  left idle in one run: the intervention and the use of its freed beds apart; compare: freed=)

Examples:
  leftshift place=small run.horizon_years=1
  leftshift experiment=combined_left_shift run.replications=10 run.n_jobs=-1
  leftshift -m experiment=neighbourhood_teams,vw_national_ambition 'run.seed=range(1,4)'

The scenario library: {library}
Every key, composed: leftshift --cfg job [overrides]. Hydra's full help: leftshift --hydra-help"""


def help_text() -> str:
    """``leftshift --help``: what the command does, its sub-commands, groups and overrides."""
    import textwrap

    from leftshift import __version__

    options = {group: group_options(group) for group in GROUPS}
    only_default = [g for g in GROUPS if options[g] == ["default"]]
    chosen = default_options()
    lines = []
    for group in GROUPS:
        if group in only_default:
            continue
        lines.append(f"  {group}: {GROUP_HELP.get(group, '')}".rstrip(": "))
        width = max((len(o) for o in options[group]), default=0) + 3
        for option in options[group] or ["(none found)"]:
            name = f"{option}*" if chosen.get(group) == option else option
            lines.append(
                textwrap.fill(
                    option_description(group, option),
                    width=96,
                    initial_indent=f"    {name:<{width}}",
                    subsequent_indent=" " * (4 + width),
                )
            )
    if only_default:
        lines.append(f"  {', '.join(only_default)}: default only (set their keys instead)")
    return HELP.format(
        version=__version__,
        groups="\n".join(lines),
        library=Path(SCENARIOS_DIR) / "README.md",
        pack=textwrap.fill(
            f"Board pack: leftshift report RUN_DIR writes RUN_DIR/report/ as {BOARD_PACK_FORMATS};"
            " it needs an experiment (a scenario against its baseline).",
            width=96,
        ),
    )


def default_options() -> dict[str, str]:
    """Each config group's default option, as ``scenarios/config.yaml`` chooses it."""
    import yaml

    try:
        config = yaml.safe_load((Path(SCENARIOS_DIR) / "config.yaml").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return {}
    chosen = {}
    for entry in (config or {}).get("defaults", []):
        if isinstance(entry, dict):
            for key, value in entry.items():
                if key in GROUPS and isinstance(value, str):
                    chosen[key] = value
    return chosen


#: what each config group chooses, for ``--help``
GROUP_HELP = {
    "place": "the health economy",
    "population": "the people over the years, and the baseline's capacity plan",
    "hospital": "how the acute beds are run",
    "theatres": "what limits ordinary (overnight) elective operations",
    "social_care": "discharge from hospital",
    "experiment": "the scenario, run against the same place without it (none: the baseline alone)",
}

#: ``--help``'s line for the options whose files set no description of their own (a place is
#: described from its file's numbers, an experiment by its ``experiment.description``)
OPTION_HELP = {
    ("hospital", "default"): "medical and surgical bed pools with outliers, escalation beds,"
    " decisions to admit and discharges by hour and weekday (exit block as in NHS hospitals)",
    ("hospital", "constrained"): "the same as default (kept so older commands still work)",
    ("hospital", "pooled"): "one pooled bed counter, no exit block (results before 2026-12-03)",
    ("theatres", "unlimited"): "free surgical beds alone limit ordinary electives (no figure)",
    ("theatres", "limited"): "theatre sessions limit ordinary electives too (an assumption:"
    " the default place's electives + 16.8%); booked electives without a bed are cancelled",
    ("population", "default"): "projected: more, older, frailer people; beds +2.7%, social"
    " care +3% a year",
    ("population", "stationary"): "held as it is (births equal deaths; results before 2026-12-04)",
    ("social_care", "delays"): "patients 65+ wait in a bed for home support, an intermediate"
    " bed or a care home",
    ("social_care", "none"): "no delayed discharges: everyone leaves when their clinical stay ends",
}


#: what ``--help`` adds to a place's line (its people and beds are read from its file)
PLACE_NOTES = {
    "small": "not calibrated: 16-18% of admissions via A&E wait 12 hours after the decision"
    " to admit (England: 10%)",
}


def option_description(group: str, option: str) -> str:
    """One line on a config group's option, for ``--help`` (empty if there is none)."""
    import yaml

    if (group, option) in OPTION_HELP:
        return OPTION_HELP[(group, option)]
    note = PLACE_NOTES.get(option, "") if group == "place" else ""
    path = Path(SCENARIOS_DIR) / group / f"{option}.yaml"
    try:
        content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return ""  # a broken file is reported when it is used, not here
    if not isinstance(content, dict):
        return ""
    if group == "experiment":
        return str((content.get("experiment") or {}).get("description", ""))
    if group == "place" and "population" in content and "general_acute_beds" in content:
        sites = content.get("acute_site_shares")
        at = f" at {len(sites)} acute sites" if isinstance(sites, list) and len(sites) > 1 else ""
        place = f"{content['population']:,} people, {content['general_acute_beds']:,} G&A beds{at}"
        return f"{place}; {note}" if note else place
    return note


def main() -> None:
    """Console-script entry point: ``leftshift [compare|collect|sensitivity|report] [args]``."""
    if len(sys.argv) > 1 and sys.argv[1] == "collect":
        sys.exit(collect_command(sys.argv[2:]))
    if len(sys.argv) > 1 and sys.argv[1] == "sensitivity":
        from leftshift.sensitivity_cli import sensitivity_command

        sys.exit(sensitivity_command(sys.argv[2:]))
    if len(sys.argv) > 1 and sys.argv[1] == "report":
        from leftshift.report.pack import report_command

        sys.exit(report_command(sys.argv[2:]))
    if len(sys.argv) > 1 and sys.argv[1] == "compare":
        sys.argv = [sys.argv[0], *compare_arguments(sys.argv[2:])]
    if "--version" in sys.argv[1:]:  # ours, not Hydra's
        from leftshift import __version__

        print(f"leftshift {__version__}")
        sys.exit(0)
    if not (Path(SCENARIOS_DIR) / "config.yaml").is_file():
        sys.exit(
            f"leftshift: cannot find the scenarios folder at {SCENARIOS_DIR}; reinstall"
            " leftshift (its wheel carries the scenarios) or set LEFTSHIFT_SCENARIOS to a"
            " scenarios folder"
        )
    if {"-h", "--help"} & set(sys.argv[1:]):  # ours; Hydra's is --hydra-help
        print(help_text())
        sys.exit(0)
    args = sys.argv[1:]
    problems = check_overrides(args)
    to_compose = args
    if any(a in MULTIRUN_FLAGS for a in args):
        if not any(a.split("=", 1)[0].lstrip("+~") == "run.outputs" for a in args):
            # sweep points write summaries only, unless asked for more; placed beside the
            # other overrides, which Hydra's argument parser needs in one block
            at = next((k for k, a in enumerate(args) if "=" in a and a[0] != "-"), len(args))
            args.insert(at, "run.outputs=summary")
            sys.argv.insert(at + 1, "run.outputs=summary")
        sweep_problems, to_compose = sweep_values(args)
        problems += sweep_problems
    if problems:
        print(str(ConfigError(problems)).join(["leftshift: ", ""]), file=sys.stderr)
        sys.exit(2)
    register_configs()
    problem = composition_problem(to_compose)
    if problem:
        print(f"leftshift: invalid configuration: {problem}", file=sys.stderr)
        sys.exit(2)
    problem = folder_problem(args)
    if problem:
        print(f"leftshift: {problem}", file=sys.stderr)
        sys.exit(2)
    os.environ[RUN_ID_VARIABLE] = new_run_id()
    _main()


if __name__ == "__main__":
    main()

"""Experiments: replications of a baseline and a scenario with common random numbers.

The scenario is the composed config; the baseline is the same config with the whole
``interventions`` section reset to its defaults (no intervention). Replication ``i`` of both arms
uses the same seed, and every process draws from its own named stream, so the paired difference
measures the intervention, not the noise.

With ``experiment.freed_capacity: idle`` the baselines run first, and each scenario arm's
replication ``i`` then admits no more electives by each day than baseline replication ``i`` did
(:meth:`~leftshift.model.hospital.Hospital.hold_electives`): the beds the interventions free are
left idle instead of being filled from the waiting list. ``both`` runs the scenario both ways
against one baseline (:func:`freed_capacity_arms`).
"""

import dataclasses
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from leftshift.analysis import checkpoints
from leftshift.analysis.backfill import backfill_report
from leftshift.analysis.comparison import paired_comparison
from leftshift.analysis.workers import dying_with_parent, worker_count
from leftshift.config import Config, InterventionsConfig, freeze, to_container
from leftshift.model import metrics, simulate
from leftshift.model.heap import return_freed_memory
from leftshift.model.ledger import diverts
from leftshift.model.results import Results, electives_by_day
from leftshift.model.rng import seed_for

#: Metrics compared year by year, and how each is aggregated over a year (from the registry).
YEARLY_METRICS = metrics.yearly_aggregations(metrics.COMPARED_YEAR_BY_YEAR)


def is_experiment(cfg: Config) -> bool:
    """True when the config has any intervention, so a baseline arm is needed."""
    return to_container(cfg.interventions) != to_container(InterventionsConfig())


def baseline_of(cfg: Config) -> Config:
    """The config without any intervention: what a scenario is compared with."""
    return freeze(dataclasses.replace(cfg, interventions=InterventionsConfig()))


def baseline_differences(shared: Config, cfg: Config) -> list[str]:
    """Keys where an arm's own baseline differs from the shared one (empty when none)."""
    from leftshift.config import iter_leaves

    own = dict((k, v) for k, v, _ in iter_leaves(baseline_of(cfg)))
    return sorted(
        k
        for k, v, _ in iter_leaves(shared)
        if own.get(k) != v and not k.startswith(("experiment.", "report.", "run."))
    )


def capacity_left_idle(cfg: Config) -> bool:
    """True when the beds an intervention frees are left idle (``experiment.freed_capacity``)."""
    return cfg.experiment.freed_capacity == "idle"


def freed_capacity_problem(cfg: Config) -> str | None:
    """Why a config cannot run its freed-capacity variant (None when it can).

    Leaving freed capacity idle holds a scenario arm at its baseline: without a scenario arm
    (no intervention and no ``experiment.arms``) nothing would be held. ``both`` runs the
    one scenario twice; several scenarios (``experiment.arms``) are run once each way.
    """
    fc = cfg.experiment.freed_capacity
    if fc != "use" and not is_experiment(cfg) and not cfg.experiment.arms:
        return (
            f"experiment.freed_capacity = {fc}: this config has no intervention (and no"
            " experiment.arms), so there is no scenario arm whose freed beds could be left idle;"
            " choose an experiment or use freed_capacity=use"
        )
    if fc == "both" and cfg.experiment.arms:
        return (
            "experiment.freed_capacity = both: not with experiment.arms (several scenarios);"
            " run the arms once with freed_capacity=use and once with freed_capacity=idle"
        )
    return None


def freed_capacity_arms(cfg: Config) -> dict[str, Config]:
    """``freed_capacity=both``: the scenario with its freed beds used, and left idle."""
    return {
        fc: freeze(
            dataclasses.replace(
                cfg, experiment=dataclasses.replace(cfg.experiment, freed_capacity=fc)
            )
        )
        for fc in ("use", "idle")
    }


#: what the "capacity left idle" variant holds back, and what it leaves to the hospital
HELD_WHEN_IDLE = ("elective admissions from the waiting list (the planned use of freed beds)",)
NOT_HELD_WHEN_IDLE = (
    "marginal emergency admissions (the admission threshold)",
    "stay lengths (the discharge-pressure response to occupancy)",
    "outlying, boarding, escalation beds and delayed discharges",
)


def freed_capacity_summary() -> dict[str, Any]:
    """The summary entry that labels a run whose freed capacity was left idle."""
    return {
        "variant": "idle",
        "text": "freed capacity left idle: each scenario replication admitted no more electives"
        " by each day than its baseline replication, so scenario minus baseline is what the"
        " interventions do themselves; what using the freed beds adds is a run with"
        " experiment.freed_capacity=use minus this one",
        "held": list(HELD_WHEN_IDLE),
        "not_held": list(NOT_HELD_WHEN_IDLE),
    }


def arms(cfg: Config) -> dict[str, Config]:
    """The arms to run: ``baseline`` alone, or ``baseline`` and ``scenario``."""
    if not is_experiment(cfg):
        return {"baseline": cfg}
    return {"baseline": baseline_of(cfg), "scenario": cfg}


@dataclass
class ReplicationOutput:
    """What an experiment keeps of one replication.

    Monthly metrics and the summary always; the full record tables for replication 0 only.
    """

    arm: str
    replication: int
    seed: int
    monthly: pd.DataFrame
    summary: dict[str, Any]
    ledger: pd.DataFrame
    psa_draws: dict[str, float]
    full: Results | None
    #: taken from a checkpoint rather than simulated
    reused: bool = False
    #: reads ``full`` back from its checkpoint when the records are kept on disk, not in memory
    full_loader: Callable[[], Results] | None = None
    #: reads one record table back from that checkpoint
    table_loader: Callable[[str], pd.DataFrame] | None = None
    #: cumulative electives admitted by the end of each model day (baseline arms only: the
    #: ceiling of the scenario arms when freed capacity is left idle)
    electives_by_day: list[int] | None = None
    #: run with its electives held at this baseline's ceiling (freed capacity left idle)
    held: bool = False


def _run_one(
    arm: str,
    cfg: Config,
    replication: int,
    seed: int,
    checkpoint_dir: Path | None = None,
    ceiling: list[int] | None = None,
) -> ReplicationOutput:
    """Simulate (or reuse) one replication, its electives held at ``ceiling`` if given.

    With a checkpoint directory the record tables of replication 0 stay on disk, in the
    checkpoint, until they are written out: an ICB arm's records take about 300 MiB, and
    holding the first arm's while the second runs pushed a two-arm ICB experiment over 2 GiB.
    """
    keep_full = replication == 0
    loader = table_loader = None
    keep_electives = arm == "baseline"
    if checkpoint_dir is not None and keep_full:
        loader = functools.partial(checkpoints.load_records, checkpoint_dir, cfg, seed, ceiling)
        table_loader = functools.partial(
            checkpoints.load_record_table, checkpoint_dir, cfg, seed, ceiling=ceiling
        )
    if checkpoint_dir is not None:
        stored = checkpoints.load(
            checkpoint_dir, cfg, seed, keep_full, records=False, ceiling=ceiling
        )
        if stored is not None:
            return ReplicationOutput(
                arm,
                replication,
                seed,
                stored.monthly,
                stored.summary,
                stored.ledger,
                stored.psa_draws,
                None,
                reused=True,
                full_loader=loader,
                table_loader=table_loader,
                electives_by_day=stored.electives_by_day if keep_electives else None,
                held=ceiling is not None,
            )
    res = simulate(cfg, seed, elective_ceiling=ceiling)
    if checkpoint_dir is not None:
        checkpoints.save(checkpoint_dir, cfg, seed, res, keep_full, ceiling)
    return ReplicationOutput(
        arm,
        replication,
        seed,
        res.monthly,
        res.summary,
        res.ledger,
        res.psa_draws,
        res if keep_full and loader is None else None,
        full_loader=loader,
        table_loader=table_loader,
        electives_by_day=electives_by_day(res) if keep_electives else None,
        held=ceiling is not None,
    )


#: places at least this big also get a full garbage collection between replications: their
#: finished event model (reference cycles) held about 300 MiB at ICB size, while on a small
#: place the collection costs more time (about 55 ms) than the memory it frees is worth
CYCLE_COLLECTION_MIN_POPULATION = 500_000


def _run_and_trim(*task) -> ReplicationOutput:
    """Run one task, then hand the freed heap back before the next one starts."""
    out = _run_one(*task)
    cfg = task[1]
    return_freed_memory(collect_cycles=cfg.place.population >= CYCLE_COLLECTION_MIN_POPULATION)
    return out


@dataclass
class ExperimentResults:
    """All replications of all arms, and the paired comparison when there are two arms."""

    config: Config
    outputs: list[ReplicationOutput]
    #: stacked tables, built once (the runner, comparison and economics all read them)
    _stacked: dict[str, pd.DataFrame] = field(default_factory=dict, init=False, repr=False)

    def pair(self, arm: str, cfg: Config) -> "ExperimentResults":
        """The baseline and one scenario arm (renamed ``scenario``) of a multi-arm run."""
        outputs = [
            o if o.arm == "baseline" else dataclasses.replace(o, arm="scenario")
            for o in self.outputs
            if o.arm in ("baseline", arm)
        ]
        return ExperimentResults(cfg, outputs)

    def contrast(self, scenario: str, baseline: str, cfg: Config) -> "ExperimentResults":
        """Two arms of a run as a paired experiment: ``scenario`` against ``baseline``."""
        names = {scenario: "scenario", baseline: "baseline"}
        outputs = [dataclasses.replace(o, arm=names[o.arm]) for o in self.outputs if o.arm in names]
        return ExperimentResults(cfg, outputs)

    @property
    def freed_capacity(self) -> str:
        """What the beds the interventions freed were used for: "use" or "idle" (held)."""
        return "idle" if any(o.held for o in self.outputs) else "use"

    @property
    def replications_simulated(self) -> int:
        """Replications simulated by this run (the rest came from checkpoints)."""
        return sum(not o.reused for o in self.outputs)

    @property
    def arm_names(self) -> list[str]:
        """Arms in run order."""
        return list(dict.fromkeys(o.arm for o in self.outputs))

    def monthly(self) -> pd.DataFrame:
        """Long monthly table of every arm and replication (built once; do not modify)."""
        return self._stack("monthly")

    def ledger(self) -> pd.DataFrame:
        """Monthly ledger entries of every arm and replication (built once; do not modify)."""
        return self._stack("ledger")

    def _stack(self, table: str) -> pd.DataFrame:
        if table not in self._stacked:
            self._stacked[table] = _stack(self.outputs, table)
        return self._stacked[table]

    def psa_samples(self) -> pd.DataFrame:
        """Parameters drawn per arm and replication (empty without ``run.psa``)."""
        rows = [
            {"arm": o.arm, "replication": o.replication, "seed": o.seed, "parameter": k, "value": v}
            for o in self.outputs
            for k, v in o.psa_draws.items()
        ]
        return pd.DataFrame(rows, columns=["arm", "replication", "seed", "parameter", "value"])

    def full(self, arm: str) -> Results:
        """Replication 0 of an arm, with its record tables."""
        for o in self.outputs:
            if o.arm == arm and o.full is not None:
                return o.full
            if o.arm == arm and o.full_loader is not None:
                return o.full_loader()
        raise KeyError(arm)

    def record_table(self, arm: str, name: str) -> pd.DataFrame:
        """One record table (episodes, presentations, ...) of replication 0 of an arm.

        Read from the checkpoint alone when the records are kept on disk, so writing them out
        never holds an arm's five tables at once.
        """
        for o in self.outputs:
            if o.arm == arm and o.full is not None:
                return getattr(o.full, name)
            if o.arm == arm and o.table_loader is not None:
                return o.table_loader(name)
        raise KeyError(arm)

    def yearly(self) -> pd.DataFrame:
        """Each compared metric by arm, replication and reporting year."""
        monthly = self.monthly()
        rows = []
        for metric, how in self._yearly_metrics().items():
            sub = monthly[monthly["metric"] == metric]
            agg = sub.groupby(["arm", "replication", "reporting_year"])["value"].agg(how)
            rows.append(agg.rename(metric))
        return pd.concat(rows, axis=1).reset_index()

    def comparison(self) -> pd.DataFrame:
        """Paired scenario - baseline differences by metric and reporting year, with 95% CIs."""
        if len(self.arm_names) < 2:
            return pd.DataFrame()
        return paired_comparison(self.yearly(), list(self._yearly_metrics()))

    def _yearly_metrics(self) -> dict[str, str]:
        """The compared metrics, with diversions when the run may divert patients."""
        if not diverts(self.config):
            return YEARLY_METRICS
        return {**YEARLY_METRICS, metrics.EMERGENCY_DIVERTED: "sum"}

    def backfill(self) -> dict[str, Any]:
        """Where freed bed-time went, and when (if ever) backfill ran out (see docs/model.md)."""
        if len(self.arm_names) < 2:
            return {}
        return backfill_report(self.config, self.monthly())


def _stack(outputs: list[ReplicationOutput], table: str) -> pd.DataFrame:
    """One table of every replication, with its arm, replication and seed in front."""
    frames = []
    for o in outputs:
        f = getattr(o, table).copy()
        f.insert(0, "arm", o.arm)
        f.insert(1, "replication", o.replication)
        f.insert(2, "seed", o.seed)
        frames.append(f)
    return pd.concat(frames, ignore_index=True)


def arm_seed(cfg: Config, arm: str, replication: int) -> int:
    """Seed of one arm's replication: shared by every arm under common random numbers.

    With ``run.common_random_numbers`` off, the scenario arm takes seeds spawned after the
    baseline's, so the two arms are independent.
    """
    if cfg.run.common_random_numbers or arm == "baseline":
        return seed_for(cfg.run.seed, replication)
    return seed_for(cfg.run.seed, replication + cfg.run.replications)


def run_experiment(
    cfg: Config,
    progress: Callable[[int, int], None] | None = None,
    only_arm: str | None = None,
    checkpoint_dir: str | Path | None = None,
    scenario_arms: dict[str, Config] | None = None,
) -> ExperimentResults:
    """Run every arm for ``run.replications`` replications (in parallel with ``run.n_jobs``).

    At most one process per usable core (:func:`~leftshift.analysis.workers.worker_count`),
    and the workers die with this process.

    ``only_arm`` runs one arm alone (its replications keep the experiment's seeds). With a
    ``checkpoint_dir`` each finished replication is stored there, and one already stored is
    reused instead of simulated (:mod:`leftshift.analysis.checkpoints`). With
    ``scenario_arms`` (name -> config) every one of them runs against one shared baseline,
    the first arm's config without interventions, with the same seeds.
    """
    arm_cfgs = arms(cfg)
    if scenario_arms:
        first = next(iter(scenario_arms.values()))
        arm_cfgs = {"baseline": baseline_of(first), **scenario_arms}
    n = cfg.run.replications
    store = None if checkpoint_dir is None else Path(checkpoint_dir)
    held = {a for a, c in arm_cfgs.items() if a != "baseline" and capacity_left_idle(c)}
    if held:
        return ExperimentResults(cfg, _run_held(cfg, arm_cfgs, held, only_arm, store, progress))
    if only_arm is not None:
        arm_cfgs = {only_arm: arm_cfgs[only_arm]}
    tasks = [
        (arm, arm_cfg, rep, arm_seed(cfg, arm, rep), store)
        for rep in range(n)
        for arm, arm_cfg in arm_cfgs.items()
    ]
    return ExperimentResults(cfg, _run_tasks(cfg, tasks, progress))


def _run_held(
    cfg: Config,
    arm_cfgs: dict[str, Config],
    held: set[str],
    only_arm: str | None,
    store: Path | None,
    progress: Callable[[int, int], None] | None,
) -> list[ReplicationOutput]:
    """Freed capacity left idle: the baselines (and free arms) first, then the held arms.

    Replication ``i`` of every arm in ``held`` admits no more electives by the end of each
    day than baseline replication ``i`` did (the arms share seeds, so the same people are on
    both lists). The baselines run even when ``only_arm`` names a held arm (a checkpoint
    usually has them); the outputs are in the usual order, replication by replication.
    """
    n = cfg.run.replications
    wanted = [a for a in arm_cfgs if only_arm in (None, a)]
    first = [a for a in arm_cfgs if a not in held and (a == "baseline" or a in wanted)]
    free_tasks = [
        (arm, arm_cfgs[arm], rep, arm_seed(cfg, arm, rep), store)
        for rep in range(n)
        for arm in first
    ]
    later = [a for a in wanted if a in held]
    total = len(free_tasks) + n * len(later)

    def phase(done: int) -> Callable[[int, int], None] | None:
        return None if progress is None else lambda k, _: progress(done + k, total)

    free = _run_tasks(cfg, free_tasks, phase(0))
    held_tasks = [
        (
            arm,
            arm_cfgs[arm],
            b.replication,
            arm_seed(cfg, arm, b.replication),
            store,
            b.electives_by_day,
        )
        for b in free
        if b.arm == "baseline"
        for arm in later
    ]
    outputs = [o for o in free if o.arm in wanted] + _run_tasks(
        cfg, held_tasks, phase(len(free_tasks))
    )
    order = {arm: k for k, arm in enumerate(arm_cfgs)}
    return sorted(outputs, key=lambda o: (o.replication, order[o.arm]))


def _run_tasks(
    cfg: Config, tasks: list[tuple], progress: Callable[[int, int], None] | None
) -> list[ReplicationOutput]:
    """Run replication tasks, in parallel with ``run.n_jobs``, in the order given."""
    from joblib import Parallel, delayed

    outputs: list[ReplicationOutput] = []
    n_workers = worker_count(cfg.run.n_jobs, len(tasks))
    if n_workers == 1:
        for k, task in enumerate(tasks):
            outputs.append(_run_and_trim(*task))
            if progress:
                progress(k + 1, len(tasks))
        return outputs
    # Each worker checkpoints its own replications, so a killed worker or an interrupt loses
    # only the replications still running; closing the generator on the way out kills the
    # workers at once instead of leaving them to finish work nobody will read.
    with dying_with_parent():
        finished = Parallel(n_jobs=n_workers, return_as="generator")(
            delayed(_run_and_trim)(*t) for t in tasks
        )
        try:
            for k, out in enumerate(finished):
                outputs.append(out)
                if progress:
                    progress(k + 1, len(tasks))
        finally:
            finished.close()
    return outputs

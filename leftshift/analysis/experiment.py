"""Experiments: replications of a baseline and a scenario with common random numbers.

The scenario is the composed config; the baseline is the same config with the whole
``interventions`` section reset to its defaults (no intervention). Replication ``i`` of both arms
uses the same seed, and every process draws from its own named stream, so the paired difference
measures the intervention, not the noise.
"""

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from leftshift.analysis.intervals import row_half_widths
from leftshift.config import Config, InterventionsConfig, freeze, to_container
from leftshift.model import metrics, simulate
from leftshift.model.results import Results
from leftshift.model.rng import seed_for

#: Metrics compared year by year, and how each is aggregated over a year (from the registry).
YEARLY_METRICS = metrics.yearly_aggregations(metrics.COMPARED_YEAR_BY_YEAR)


def is_experiment(cfg: Config) -> bool:
    """True when the config has any intervention, so a baseline arm is needed."""
    return to_container(cfg.interventions) != to_container(InterventionsConfig())


def arms(cfg: Config) -> dict[str, Config]:
    """The arms to run: ``baseline`` alone, or ``baseline`` and ``scenario``."""
    if not is_experiment(cfg):
        return {"baseline": cfg}
    baseline = dataclasses.replace(cfg, interventions=InterventionsConfig())
    return {"baseline": freeze(baseline), "scenario": cfg}


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


def _run_one(arm: str, cfg: Config, replication: int, seed: int) -> ReplicationOutput:
    res = simulate(cfg, seed)
    return ReplicationOutput(
        arm,
        replication,
        seed,
        res.monthly,
        res.summary,
        res.ledger,
        res.psa_draws,
        res if replication == 0 else None,
    )


@dataclass
class ExperimentResults:
    """All replications of all arms, and the paired comparison when there are two arms."""

    config: Config
    outputs: list[ReplicationOutput]
    #: stacked tables, built once (the runner, comparison and economics all read them)
    _stacked: dict[str, pd.DataFrame] = field(default_factory=dict, init=False, repr=False)

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
        raise KeyError(arm)

    def yearly(self) -> pd.DataFrame:
        """Each compared metric by arm, replication and reporting year."""
        monthly = self.monthly()
        rows = []
        for metric, how in YEARLY_METRICS.items():
            sub = monthly[monthly["metric"] == metric]
            agg = sub.groupby(["arm", "replication", "reporting_year"])["value"].agg(how)
            rows.append(agg.rename(metric))
        return pd.concat(rows, axis=1).reset_index()

    def comparison(self) -> pd.DataFrame:
        """Paired scenario - baseline differences by metric and reporting year, with 95% CIs."""
        if len(self.arm_names) < 2:
            return pd.DataFrame()
        yearly = self.yearly().set_index(["arm", "replication", "reporting_year"])
        base = yearly.loc["baseline"]
        scen = yearly.loc["scenario"]
        diff = scen - base
        out = []
        for metric in YEARLY_METRICS:
            d = diff[metric].unstack("replication")
            b = base[metric].unstack("replication")
            s = scen[metric].unstack("replication")
            n = d.shape[1]
            mean = d.mean(axis=1)
            half = ci_half_width(d)
            out.append(
                pd.DataFrame(
                    {
                        "metric": metric,
                        "reporting_year": d.index,
                        "baseline_mean": b.mean(axis=1).to_numpy(),
                        "scenario_mean": s.mean(axis=1).to_numpy(),
                        "mean_difference": mean.to_numpy(),
                        "ci_low": (mean - half).to_numpy(),
                        "ci_high": (mean + half).to_numpy(),
                        "relative_difference": (mean / b.mean(axis=1)).to_numpy(),
                        "replications": n,
                    }
                )
            )
        return pd.concat(out, ignore_index=True)

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


def ci_half_width(paired: pd.DataFrame) -> pd.Series:
    """Half-width of the 95% t confidence interval of each row's mean (replications in columns)."""
    return row_half_widths(paired, 0.95)


def backfill_report(cfg: Config, monthly: pd.DataFrame) -> dict[str, Any]:
    """Decompose freed bed-time into what refilled it, and time when backfill ran out.

    An exact identity per replication and month, on base-stay bed-time (stays before the
    occupancy multiplier and discharge timing), baseline minus scenario:

    * avoided: the fall in non-marginal emergency bed-time, plus the marginal bed-time that the
      fall in marginal presentations alone would remove (baseline marginal bed-time scaled by
      scenario / baseline marginal presentations);
    * refilled by the admission threshold: scenario marginal bed-time above that scaled baseline;
    * refilled by electives: the rise in elective bed-time;
    * refilled by stay length: the rise in bed-time from the occupancy response of stays and
      from waiting for the discharge window;
    * released = avoided - the three refills = the fall in total bed-days.

    Backfill has run out in the first month where the rolling mean of released bed-days reaches
    ``report.released_fraction`` of avoided ones, among months whose avoided bed-days are at
    least ``report.min_avoided_share`` of baseline bed-days (a 0.1% effect is noise); the list
    counts as cleared in the first month the scenario's list is below
    ``report.list_cleared_fraction`` of the baseline's.
    """
    rep_cfg = cfg.report
    wide = monthly.pivot_table(
        index=["replication", "month"], columns=["arm", "metric"], values="value"
    )

    def arm(name: str, metric: str) -> pd.Series:
        return wide[(name, metric)]

    def delta(metric: str) -> pd.Series:
        return arm("baseline", metric) - arm("scenario", metric)

    ratio = (
        arm("scenario", "emergency_presentations_marginal")
        / arm("baseline", "emergency_presentations_marginal").replace(0, np.nan)
    ).fillna(1.0)
    marginal_b = arm("baseline", "bed_days_base_emergency_marginal")
    marginal_s = arm("scenario", "bed_days_base_emergency_marginal")
    parts = pd.DataFrame(
        {
            "avoided_emergency_bed_days": delta("bed_days_base_emergency_core")
            + marginal_b * (1 - ratio),
            "backfilled_by_admission_threshold": marginal_s - marginal_b * ratio,
            "backfilled_by_electives": -delta("bed_days_base_elective"),
            "backfilled_by_stay_length": -delta("bed_days_stay_pressure")
            - delta("bed_days_awaiting_discharge_window"),
            "backfilled_by_delayed_discharges": -delta("bed_days_delayed_discharge"),
            "released_bed_days": delta("bed_days"),
            "boarding_hours_saved": delta("ed_boarding_hours"),
        }
    )
    list_ratio = wide[("scenario", "waiting_list_size")] / wide[("baseline", "waiting_list_size")]
    per_rep = []
    for rep, grp in parts.groupby(level="replication"):
        g = grp.droplevel("replication")
        roll = g.rolling(rep_cfg.rolling_months, min_periods=rep_cfg.rolling_months).mean()
        baseline_beds = (
            wide[("baseline", "bed_days")]
            .xs(rep, level="replication")
            .rolling(rep_cfg.rolling_months, min_periods=rep_cfg.rolling_months)
            .mean()
        )
        active = roll["avoided_emergency_bed_days"] >= rep_cfg.min_avoided_share * baseline_beds
        ran_out = active & (
            roll["released_bed_days"]
            >= rep_cfg.released_fraction * roll["avoided_emergency_bed_days"]
        )
        cleared = list_ratio.xs(rep, level="replication") < rep_cfg.list_cleared_fraction
        per_rep.append(
            {
                "replication": int(rep),
                "backfill_ran_out_month": _first(ran_out),
                "list_cleared_month": _first(cleared),
            }
        )
    months = monthly.drop_duplicates("month").set_index("month")
    totals = parts.groupby(level="month").mean()
    share = totals.sum()
    avoided_total = share["avoided_emergency_bed_days"]

    def when(key: str) -> dict[str, Any]:
        hits = [r[key] for r in per_rep if r[key] is not None]
        first = min(hits) if hits else None
        return {
            "replications_where_it_happened": len(hits),
            "replications": len(per_rep),
            "earliest_month": None if first is None else str(months.loc[first, "period_start"])[:7],
            "median_reporting_year": None
            if not hits
            else float(np.median([months.loc[h, "reporting_year"] for h in hits])),
            "text": "not within the horizon"
            if not hits
            else (
                f"in {len(hits)} of {len(per_rep)} replications, first in "
                f"{str(months.loc[first, 'period_start'])[:7]}"
            ),
        }

    return {
        "bed_days_over_horizon_mean_per_replication": {k: float(v) for k, v in share.items()},
        "share_of_avoided_bed_days": {
            k: (float(share[k] / avoided_total) if avoided_total else None)
            for k in share.index
            if k.startswith(("backfilled", "released"))
        },
        "list_cleared_fraction": rep_cfg.list_cleared_fraction,
        "released_fraction": rep_cfg.released_fraction,
        "backfill_ran_out": when("backfill_ran_out_month"),
        "waiting_list_cleared": when("list_cleared_month"),
        "monthly": totals.reset_index(),
    }


def _first(mask: pd.Series) -> int | None:
    hits = mask[mask.fillna(False).astype(bool)]
    return None if hits.empty else int(hits.index[0])


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
) -> ExperimentResults:
    """Run every arm for ``run.replications`` replications (in parallel with ``run.n_jobs``).

    ``only_arm`` runs one arm alone (its replications keep the experiment's seeds).
    """
    from joblib import Parallel, delayed

    arm_cfgs = arms(cfg)
    if only_arm is not None:
        arm_cfgs = {only_arm: arm_cfgs[only_arm]}
    n = cfg.run.replications
    tasks = [
        (arm, arm_cfg, rep, arm_seed(cfg, arm, rep))
        for rep in range(n)
        for arm, arm_cfg in arm_cfgs.items()
    ]
    outputs: list[ReplicationOutput] = []
    if cfg.run.n_jobs == 1 or len(tasks) == 1:
        for k, task in enumerate(tasks):
            outputs.append(_run_one(*task))
            if progress:
                progress(k + 1, len(tasks))
    else:
        parallel = Parallel(n_jobs=cfg.run.n_jobs, return_as="generator")
        for k, out in enumerate(parallel(delayed(_run_one)(*t) for t in tasks)):
            outputs.append(out)
            if progress:
                progress(k + 1, len(tasks))
    return ExperimentResults(cfg, outputs)

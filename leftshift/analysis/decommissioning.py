"""Ward closures: which the scenario made, and how many could close and what that would save.

:func:`closures_report` reads the closures the scenario's rule made from the monthly table.
:func:`decommissioning_table` re-runs the scenario arm with 0, 1, 2, ... wards closed
(analysis, not reporting), so the run directory only writes the table it returns.
"""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from leftshift.analysis.experiment import ExperimentResults, arms, run_experiment
from leftshift.analysis.money import net_cost_by_year
from leftshift.config import Config, load, to_container
from leftshift.config.validation import wards_with_room
from leftshift.model import metrics


def _with_closures(cfg: Config, wards: int, year: float) -> Config:
    raw = to_container(cfg)
    d = raw["interventions"]["decommissioning"]
    d["rule"] = "on_dates" if wards else "none"
    d["close_at_years"] = [year] * wards
    raw["experiment"]["name"] = f"{cfg.experiment.name}+{wards}_wards"
    return load(raw)


def _judge(cfg: Config, results: ExperimentResults, year: float) -> dict[str, Any]:
    """Occupancy after the closure date and the list's change, scenario arm, mean over reps."""
    monthly = results.monthly()
    scen = monthly[monthly["arm"] == results.arm_names[-1]]
    after = scen["reporting_year"] > year
    wide = scen.pivot_table(
        index=["replication", "reporting_year"], columns="metric", values="value", aggfunc="mean"
    )
    open_bed_days = float(scen[after & (scen["metric"] == metrics.OPEN_BED_DAYS)]["value"].sum())
    bed_days = float(scen[after & (scen["metric"] == metrics.BED_DAYS)]["value"].sum())
    occupancy = bed_days / open_bed_days if open_bed_days > 0 else float("nan")
    years = wide.index.get_level_values("reporting_year")
    before_year = max(1, int(np.floor(year)))
    list_before = float(wide.loc[years == before_year, metrics.WAITING_LIST_SIZE].mean())
    list_final = float(wide.loc[years == years.max(), metrics.WAITING_LIST_SIZE].mean())
    return {
        "mean_occupancy_after_closure": occupancy,
        "waiting_list_year_before_closure": list_before,
        "waiting_list_final_year": list_final,
        "ok": occupancy <= cfg.report.decommission_max_occupancy and list_final <= list_before,
    }


def closures_report(cfg: Config, monthly: pd.DataFrame) -> dict[str, Any]:
    """The wards the scenario's decommissioning rule closed, per replication, and when.

    For ``on_evidence`` it adds the rule's thresholds, the lowest monthly G&A occupancy of the
    scenario (any replication) and the longest run of consecutive months below the occupancy
    limit, so a report can say why no ward closed. Months are the reporting months.
    """
    d = cfg.interventions.decommissioning
    scen = monthly[monthly["arm"] == "scenario"]
    closed = scen[scen["metric"] == metrics.WARDS_CLOSED]
    by_rep = closed.groupby("replication")["value"].sum().round().astype(int)
    months = closed[closed["value"] > 0]["period_start"].astype(str).str[:7]
    report: dict[str, Any] = {
        "rule": d.rule,
        "ward_beds": d.ward_beds,
        "replications": int(len(by_rep)),
        "wards_closed_by_replication": [int(v) for v in by_rep],
        "wards_closed_mean": float(by_rep.mean()) if len(by_rep) else 0.0,
        "replications_with_a_closure": int((by_rep > 0).sum()),
        "first_closure_month": months.min() if len(months) else None,
        "last_closure_month": months.max() if len(months) else None,
    }
    if d.rule == "on_dates":
        report["close_at_years"] = list(d.close_at_years)
    elif d.rule == "on_evidence":
        occupancy = scen[scen["metric"] == metrics.OCCUPANCY].sort_values("month")
        below = occupancy["value"] < d.occupancy_below
        runs = [_longest_run(b.to_numpy()) for _, b in below.groupby(occupancy["replication"])]
        report |= {
            "occupancy_below": d.occupancy_below,
            "consecutive_months": d.consecutive_months,
            "max_waiting_list_per_1000": d.max_waiting_list_per_1000,
            "earliest_year": d.earliest_year,
            "max_wards": d.max_wards,
            "lowest_monthly_occupancy": float(occupancy["value"].min()),
            "longest_run_below_months": max(runs, default=0),
        }
    return report


def _longest_run(flags: np.ndarray) -> int:
    """The longest run of consecutive True values."""
    longest = current = 0
    for flag in flags:
        current = current + 1 if flag else 0
        longest = max(longest, current)
    return longest


def search_limit(cfg: Config) -> int:
    """Most wards the search closes: ``report.decommission_search_max_wards``, capped.

    The cap leaves every G&A bed pool at least one bed (a ward closes within one pool): a
    small place cannot close seven 28-bed wards.
    """
    return min(cfg.report.decommission_search_max_wards, wards_with_room(cfg))


def decommissioning_table(
    cfg: Config,
    results: ExperimentResults,
    progress: Callable[[int, int], None] | None = None,
    checkpoint_dir: Path | None = None,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """How many wards could close while occupancy and the waiting list stay acceptable.

    For k = 0, 1, ... ``report.decommission_search_max_wards`` wards closed at
    ``report.decommission_search_year`` (replacing any decommissioning in the scenario), the
    scenario is run for ``run.replications`` replications with the experiment's seeds; k is
    acceptable when mean G&A occupancy after the closure stays at or below
    ``report.decommission_max_occupancy`` (92% by default) and the waiting list in the final
    year is no longer than in the year before the closure. The search stops at the first k
    that fails; the answer is the largest acceptable k, with the system net saving it brings
    against the baseline arm.
    """
    rep = cfg.report
    year = rep.decommission_search_year
    summary: dict[str, Any] = {
        "wards_that_could_close": None,
        "closure_year": year,
        "replications_per_step": cfg.run.replications,
        "occupancy_limit": rep.decommission_max_occupancy,
    }
    horizon = cfg.run.horizon_years
    if year >= horizon:
        summary["text"] = (
            f"not searched: report.decommission_search_year = {year:g} is not before the end of"
            f" the run (run.horizon_years = {horizon}), so nothing after a closure can be judged"
        )
        return pd.DataFrame(), summary
    limit = search_limit(cfg)  # at least one G&A bed stays open
    rows = []
    baseline_net = net_cost_by_year(results.ledger(), grid=results.monthly()).loc["baseline"]
    for wards in range(limit + 1):
        if wards == 0 and cfg.interventions.decommissioning.rule == "none":
            trial = results  # the scenario as run
        else:
            trial_cfg = _with_closures(cfg, wards, year)
            arm = "scenario" if len(arms(trial_cfg)) > 1 else "baseline"
            trial = run_experiment(
                trial_cfg, progress=progress, only_arm=arm, checkpoint_dir=checkpoint_dir
            )
        judged = _judge(cfg, trial, year)
        net = net_cost_by_year(trial.ledger(), grid=trial.monthly()).loc[trial.arm_names[-1]]
        saving = (baseline_net - net).mean(axis=0)
        rows.append(
            {
                "wards_closed": wards,
                "beds_closed": wards * cfg.interventions.decommissioning.ward_beds,
                **{k: v for k, v in judged.items() if k != "ok"},
                "acceptable": judged["ok"],
                "net_saving_vs_baseline_final_year_gbp": float(saving.iloc[-1]),
                "net_saving_vs_baseline_total_gbp": float(saving.sum()),
            }
        )
        if not judged["ok"]:
            break
    table = pd.DataFrame(rows)
    ok = table[table["acceptable"]]
    most: int | None = int(ok["wards_closed"].max()) if len(ok) else None
    first = table.iloc[0]
    if most is None:
        summary["text"] = "no closure is safe: even with none, " + _why_not(rep, first, year)
    else:
        text = f"{most} ward(s) could close at year {year:g}"
        if most == limit == rep.decommission_search_max_wards:
            text += " (the search limit; more may be possible)"
        elif most == limit:
            beds = cfg.interventions.decommissioning.ward_beds
            text += (
                f" (as many wards of {beds} beds as the G&A bed pools hold, each keeping a"
                f" bed: place.general_acute_beds = {cfg.place.general_acute_beds})"
            )
        summary["wards_that_could_close"] = most
        summary["text"] = text
    return table, summary


def _why_not(rep: Any, first: Any, year: float) -> str:
    """Why the search's first step (no closure) already fails, as a whole clause."""
    occupancy = first.mean_occupancy_after_closure
    before, final = first.waiting_list_year_before_closure, first.waiting_list_final_year
    reasons = []
    if not np.isfinite(occupancy):
        reasons.append(f"occupancy after year {year:g} cannot be measured")
    elif occupancy > rep.decommission_max_occupancy:
        reasons.append(
            f"occupancy after year {year:g} is {occupancy:.1%}"
            f" (limit {rep.decommission_max_occupancy:.0%})"
        )
    if not (np.isfinite(before) and np.isfinite(final)):
        reasons.append("the waiting list's change cannot be measured")
    elif final > before:
        reasons.append(f"the waiting list grows ({before:,.0f} -> {final:,.0f})")
    return " and ".join(reasons) or "the first step was not judged acceptable"

"""Money over an experiment: double running, the investment gap, break-even, decommissioning.

Works on the ledgers of every arm and replication (:meth:`ExperimentResults.ledger`). The
system's net cost is spending minus income over all organisations in the place: payments between
them cancel, so it is what the place spends outside itself less any national transition funding.
Scenario minus baseline is taken per replication (common random numbers) and summarised with a
95% t interval over replications.
"""

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from leftshift.config import Config, load, to_container
from leftshift.experiment import ExperimentResults, arms, ci_half_width, run_experiment
from leftshift.finance import ORGANISATIONS

NOT_WITHIN_HORIZON = "not within the horizon"


def _signed(ledger: pd.DataFrame) -> pd.Series:
    return pd.Series(
        np.where(ledger["direction"] == "spend", 1.0, -1.0) * ledger["amount_gbp"],
        index=ledger.index,
    )


def net_cost_by_year(ledger: pd.DataFrame, with_transition_funding: bool = True) -> pd.DataFrame:
    """System net cost by arm, replication and financial year (columns: financial years)."""
    keep = ledger
    if not with_transition_funding:
        keep = ledger[ledger["category"] != "transition_funding"]
    net = _signed(keep).groupby([keep["arm"], keep["replication"], keep["financial_year"]]).sum()
    return net.unstack("financial_year").fillna(0.0)


def _paired(diff: pd.DataFrame) -> pd.DataFrame:
    """Mean and 95% CI over replications (rows) for each column."""
    by_column = diff.T
    mean = by_column.mean(axis=1)
    half = ci_half_width(by_column)
    return pd.DataFrame({"mean": mean, "ci_low": mean - half, "ci_high": mean + half})


def _break_even(cumulative: pd.Series) -> str | None:
    """First financial year whose cumulative incremental net cost is at or below zero."""
    hits = cumulative[cumulative <= 0]
    return None if hits.empty else str(hits.index[0])


def money_comparison(ledger: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Incremental system net cost by financial year, with and without transition funding.

    Returns a tidy table (funding, financial_year, measure, mean, ci_low, ci_high; measures
    ``annual`` and ``cumulative``) and a summary with the break-even year: the first financial
    year in which the cumulative incremental net cost is at or below zero (the investment has
    been paid back), judged on the mean and counted per replication.
    """
    rows = []
    summary: dict[str, Any] = {}
    for label, with_tf in (
        ("with_transition_funding", True),
        ("without_transition_funding", False),
    ):
        net = net_cost_by_year(ledger, with_tf)
        diff = net.loc["scenario"] - net.loc["baseline"]  # rows: replications
        cumulative = diff.cumsum(axis=1)
        for measure, table in (("annual", diff), ("cumulative", cumulative)):
            p = _paired(table)
            p.insert(0, "measure", measure)
            p.insert(0, "funding", label)
            rows.append(p.rename_axis("financial_year").reset_index())
        per_rep = [_break_even(cumulative.loc[r]) for r in cumulative.index]
        hits = [y for y in per_rep if y is not None]
        mean_path = cumulative.mean(axis=0)
        summary[label] = {
            "incremental_net_cost_gbp": {str(y): float(v) for y, v in diff.mean(axis=0).items()},
            "cumulative_investment_gap_gbp": {str(y): float(v) for y, v in mean_path.items()},
            "peak_investment_gap_gbp": float(max(mean_path.max(), 0.0)),
            "break_even_year": _break_even(mean_path) or NOT_WITHIN_HORIZON,
            "replications_breaking_even": len(hits),
            "replications": len(per_rep),
            "years_with_a_saving": [str(y) for y, v in diff.mean(axis=0).items() if v < 0],
        }
    return pd.concat(rows, ignore_index=True), summary


def by_organisation_and_year(ledger: pd.DataFrame) -> pd.DataFrame:
    """Mean spending, income and net cost per arm, financial year and organisation."""
    d = ledger.assign(
        spend=np.where(ledger["direction"] == "spend", ledger["amount_gbp"], 0.0),
        income=np.where(ledger["direction"] == "income", ledger["amount_gbp"], 0.0),
    )
    per_rep = d.groupby(["arm", "replication", "financial_year", "organisation"], observed=False)[
        ["spend", "income"]
    ].sum()
    out = per_rep.groupby(["arm", "financial_year", "organisation"], observed=False).mean()
    out["net_cost"] = out["spend"] - out["income"]
    out = out.reset_index()
    out["organisation"] = pd.Categorical(out["organisation"], categories=list(ORGANISATIONS))
    return out.sort_values(["arm", "financial_year", "organisation"]).reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# what would decommissioning need
# --------------------------------------------------------------------------------------------
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
    occupancy = float(
        scen[after & (scen["metric"] == "bed_days")]["value"].sum()
        / scen[after & (scen["metric"] == "open_bed_days")]["value"].sum()
    )
    years = wide.index.get_level_values("reporting_year")
    before_year = max(1, int(np.floor(year)))
    list_before = float(wide.loc[years == before_year, "waiting_list_size"].mean())
    list_final = float(wide.loc[years == years.max(), "waiting_list_size"].mean())
    return {
        "mean_occupancy_after_closure": occupancy,
        "waiting_list_year_before_closure": list_before,
        "waiting_list_final_year": list_final,
        "ok": occupancy <= cfg.hospital.elective_threshold and list_final <= list_before,
    }


def decommissioning_table(
    cfg: Config,
    results: ExperimentResults,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """How many wards could close while occupancy and the waiting list stay acceptable.

    For k = 0, 1, ... ``report.decommission_search_max_wards`` wards closed at
    ``report.decommission_search_year`` (replacing any decommissioning in the scenario), the
    scenario is run for ``run.replications`` replications with the experiment's seeds; k is
    acceptable when mean G&A occupancy after the closure stays at or below the elective threshold
    (92% by default) and the waiting list in the final year is no longer than in the year before
    the closure. The search stops at the first k that fails; the answer is the largest acceptable
    k, with the system net saving it brings against the baseline arm.
    """
    rep = cfg.report
    year = rep.decommission_search_year
    rows = []
    baseline_net = net_cost_by_year(results.ledger()).loc["baseline"]
    for wards in range(rep.decommission_search_max_wards + 1):
        if wards == 0 and cfg.interventions.decommissioning.rule == "none":
            trial = results  # the scenario as run
        else:
            trial_cfg = _with_closures(cfg, wards, year)
            arm = "scenario" if len(arms(trial_cfg)) > 1 else "baseline"
            trial = run_experiment(trial_cfg, progress=progress, only_arm=arm)
        judged = _judge(cfg, trial, year)
        net = net_cost_by_year(trial.ledger()).loc[trial.arm_names[-1]]
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
    wards = int(ok["wards_closed"].max()) if len(ok) else None
    first = table.iloc[0]
    if wards is None:
        reasons = []
        if first.mean_occupancy_after_closure > cfg.hospital.elective_threshold:
            reasons.append(
                f"occupancy after year {year:g} is {first.mean_occupancy_after_closure:.1%}"
                f" (limit {cfg.hospital.elective_threshold:.0%})"
            )
        if first.waiting_list_final_year > first.waiting_list_year_before_closure:
            reasons.append(
                f"the waiting list grows ({first.waiting_list_year_before_closure:,.0f} ->"
                f" {first.waiting_list_final_year:,.0f})"
            )
        text = "no closure is safe: even with none, " + " and ".join(reasons)
    else:
        text = f"{wards} ward(s) could close at year {year:g}"
        if wards == rep.decommission_search_max_wards:
            text += " (the search limit; more may be possible)"
    summary = {
        "wards_that_could_close": wards,
        "closure_year": year,
        "replications_per_step": cfg.run.replications,
        "occupancy_limit": cfg.hospital.elective_threshold,
        "text": text,
    }
    return table, summary


__all__ = [
    "by_organisation_and_year",
    "decommissioning_table",
    "money_comparison",
    "net_cost_by_year",
]

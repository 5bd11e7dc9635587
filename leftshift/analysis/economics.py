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

from leftshift.analysis.experiment import ExperimentResults, arms, ci_half_width, run_experiment
from leftshift.config import Config, load, to_container
from leftshift.model.ledger import ORGANISATIONS, signed_amounts

NOT_WITHIN_HORIZON = "not within the horizon"


def net_cost_by_year(ledger: pd.DataFrame, with_transition_funding: bool = True) -> pd.DataFrame:
    """System net cost by arm, replication and financial year (columns: financial years)."""
    keep = ledger
    if not with_transition_funding:
        keep = ledger[ledger["category"] != "transition_funding"]
    net = (
        signed_amounts(keep)
        .groupby([keep["arm"], keep["replication"], keep["financial_year"]])
        .sum()
    )
    return net.unstack("financial_year").fillna(0.0)


def _paired(diff: pd.DataFrame) -> pd.DataFrame:
    """Mean and 95% CI over replications (rows) for each column."""
    by_column = diff.T
    mean = by_column.mean(axis=1)
    half = ci_half_width(by_column)
    return pd.DataFrame({"mean": mean, "ci_low": mean - half, "ci_high": mean + half})


NO_GAP = "no investment gap: the scenario never costs more"
GAP_TOLERANCE_GBP = 1.0


def _break_even(cumulative: pd.Series) -> str | None:
    """The financial year in which the investment is paid back, or None if it is not.

    The first year whose cumulative incremental net cost is back at or below zero after it
    has been above zero (a gap opened and closed). A scenario whose cumulative cost is never
    above zero has no gap to pay back (:data:`NO_GAP`).
    """
    opened = False
    for year, value in cumulative.items():
        if value > GAP_TOLERANCE_GBP:
            opened = True
        elif opened and value <= 0:
            return str(year)
    return None if opened else NO_GAP


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
        hits = [y for y in per_rep if y not in (None, NO_GAP)]
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


# --------------------------------------------------------------------------------------------
# economic evaluation: discounted costs and QALYs, ICER, NMB, CEAC, replication guidance
# --------------------------------------------------------------------------------------------
CEAC_MAX_GBP = 100_000.0
CEAC_STEP_GBP = 1_000.0
BOOTSTRAP_RESAMPLES = 2_000
#: paired metrics summed over the horizon for the replication guidance
GUIDANCE_METRICS = ("bed_days", "admissions_emergency", "qalys", "ed_boarding_hours")


def discount_factors(rate: float, years: np.ndarray) -> np.ndarray:
    """1 / (1 + rate) ** (year - 1): reporting year 1 is not discounted (NICE)."""
    return 1.0 / (1.0 + rate) ** (np.asarray(years, float) - 1.0)


def incremental_by_replication(cfg: Config, results: ExperimentResults) -> pd.DataFrame:
    """Scenario minus baseline cost and QALYs per replication and reporting year.

    Cost is the NHS and personal social services perspective: the system's net cost without
    transition funding (the grant is NHS money too, so it moves cost, it does not remove it).
    Columns: replication, reporting_year, cost, qalys, cost_discounted, qalys_discounted.
    """
    ledger = results.ledger()
    ledger = ledger[ledger["category"] != "transition_funding"]
    cost = (
        signed_amounts(ledger)
        .groupby([ledger["arm"], ledger["replication"], ledger["reporting_year"]])
        .sum()
    )
    monthly = results.monthly()
    qaly_rows = monthly[monthly["metric"] == "qalys"]
    qalys = qaly_rows.groupby(["arm", "replication", "reporting_year"])["value"].sum()
    out = pd.DataFrame(
        {
            "cost": cost.loc["scenario"] - cost.loc["baseline"],
            "qalys": qalys.loc["scenario"] - qalys.loc["baseline"],
        }
    ).fillna(0.0)
    out = out.reset_index()
    factor = discount_factors(cfg.economics.discount_rate, out["reporting_year"])
    out["cost_discounted"] = out["cost"] * factor
    out["qalys_discounted"] = out["qalys"] * factor
    return out


def _mean_ci(values: np.ndarray) -> dict[str, float]:
    values = np.asarray(values, float)
    mean = float(values.mean())
    half = float(ci_half_width(pd.DataFrame([values])).iloc[0]) if len(values) > 1 else np.nan
    return {"mean": mean, "ci_low": mean - half, "ci_high": mean + half}


def ceac(delta_cost: np.ndarray, delta_qalys: np.ndarray) -> pd.DataFrame:
    """Share of replications with positive net monetary benefit at each willingness to pay."""
    wtp = np.arange(0.0, CEAC_MAX_GBP + CEAC_STEP_GBP, CEAC_STEP_GBP)
    nmb = wtp[:, None] * np.asarray(delta_qalys)[None, :] - np.asarray(delta_cost)[None, :]
    return pd.DataFrame(
        {"willingness_to_pay_gbp": wtp, "probability_cost_effective": (nmb > 0).mean(axis=1)}
    )


def icer(delta_cost: float, delta_qalys: float) -> float:
    """Incremental cost per QALY gained (NaN when no QALYs are gained or lost)."""
    return float(delta_cost / delta_qalys) if delta_qalys else float("nan")


def _icer_interval(dc: np.ndarray, dq: np.ndarray, seed: int) -> list[float] | None:
    """Percentile bootstrap interval of the ICER, or None when the QALY interval spans zero."""
    q = _mean_ci(dq)
    if len(dq) < 2 or not (q["ci_low"] > 0 or q["ci_high"] < 0):
        return None
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(dc), size=(BOOTSTRAP_RESAMPLES, len(dc)))
    ratios = dc[idx].mean(axis=1) / dq[idx].mean(axis=1)
    return [float(np.percentile(ratios, 2.5)), float(np.percentile(ratios, 97.5))]


def replication_guidance(cfg: Config, results: ExperimentResults) -> dict[str, Any]:
    """Precision of each key paired difference, and the replications a target precision needs.

    The confidence-interval method: the 95% half-width relative to the mean now, and
    n* = n (relative half-width / ``economics.target_relative_precision``) ** 2, since the
    half-width shrinks with the square root of the number of replications.
    """
    yearly = results.monthly()
    sub = yearly[yearly["metric"].isin(GUIDANCE_METRICS)]
    totals = sub.groupby(["arm", "replication", "metric"])["value"].sum().unstack("metric")
    diff = totals.loc["scenario"] - totals.loc["baseline"]
    econ = (
        incremental_by_replication(cfg, results)
        .groupby("replication")[["cost_discounted", "qalys_discounted"]]
        .sum()
    )
    diff = diff.join(econ)
    target = cfg.economics.target_relative_precision
    n = len(diff)
    out = {}
    for metric in diff.columns:
        stats_ = _mean_ci(diff[metric].to_numpy())
        half = (stats_["ci_high"] - stats_["ci_low"]) / 2
        rel = abs(half / stats_["mean"]) if stats_["mean"] else float("inf")
        out[metric] = {
            "mean_difference": stats_["mean"],
            "ci_half_width": half,
            "relative_half_width": rel,
            "replications_needed": None
            if not np.isfinite(rel)
            else int(max(n, np.ceil(n * (rel / target) ** 2))),
        }
    return {"target_relative_precision": target, "replications": n, "metrics": out}


def economic_evaluation(
    cfg: Config, results: ExperimentResults
) -> tuple[pd.DataFrame, dict[str, Any], pd.DataFrame]:
    """Incremental cost and QALYs (discounted), ICER, NMB, CEAC and break-even, with CIs.

    Returns the per-replication table (by reporting year), the summary, and the CEAC.
    """
    per_year = incremental_by_replication(cfg, results)
    per_rep = per_year.groupby("replication")[
        ["cost", "qalys", "cost_discounted", "qalys_discounted"]
    ].sum()
    dc = per_rep["cost_discounted"].to_numpy()
    dq = per_rep["qalys_discounted"].to_numpy()
    summary: dict[str, Any] = {
        "perspective": "NHS and personal social services (system net cost without transition"
        " funding)",
        "discount_rate": cfg.economics.discount_rate,
        "replications": len(per_rep),
        "psa": cfg.run.psa,
        "incremental_cost_gbp": _mean_ci(dc),
        "incremental_qalys": _mean_ci(dq),
        "incremental_cost_undiscounted_gbp": _mean_ci(per_rep["cost"].to_numpy()),
        "incremental_qalys_undiscounted": _mean_ci(per_rep["qalys"].to_numpy()),
        "icer_gbp_per_qaly": icer(dc.mean(), dq.mean()),
        "icer_ci95": _icer_interval(dc, dq, cfg.run.seed),
        "net_monetary_benefit_gbp": {
            f"{wtp:.0f}": _mean_ci(wtp * dq - dc) for wtp in cfg.economics.willingness_to_pay_gbp
        },
    }
    curve = ceac(dc, dq)
    summary["probability_cost_effective"] = {
        f"{wtp:.0f}": float(((wtp * dq - dc) > 0).mean())
        for wtp in cfg.economics.willingness_to_pay_gbp
    }
    summary["break_even"] = _break_even_interval(results)
    summary["outcomes"] = _outcome_differences(results)
    summary["replication_guidance"] = replication_guidance(cfg, results)
    return per_year, summary, curve


def _break_even_interval(results: ExperimentResults) -> dict[str, Any]:
    """Break-even financial year per replication, as a median and a 95% range.

    Undiscounted, without transition funding; replications that never break even count as
    beyond the horizon.
    """
    net = net_cost_by_year(results.ledger(), with_transition_funding=False)
    cumulative = (net.loc["scenario"] - net.loc["baseline"]).cumsum(axis=1)
    years = list(cumulative.columns)

    def position(year: str | None) -> int:
        if year == NO_GAP:
            return -1
        return years.index(year) if year is not None else len(years)

    index = [position(_break_even(cumulative.loc[r])) for r in cumulative.index]

    def label(i: float) -> str:
        if i < 0:
            return NO_GAP
        return years[int(i)] if i < len(years) else NOT_WITHIN_HORIZON

    lo, mid, hi = np.percentile(index, [2.5, 50, 97.5], method="inverted_cdf")
    return {
        "median": label(mid),
        "range_95": [label(lo), label(hi)],
        "replications_breaking_even": int(sum(0 <= i < len(years) for i in index)),
        "replications": len(index),
    }


def _outcome_differences(results: ExperimentResults) -> dict[str, Any]:
    """Scenario minus baseline deaths, life-years and QALYs by IMD quintile over the horizon."""
    monthly = results.monthly()
    metrics = [
        "deaths_in_hospital",
        "deaths_in_population",
        "deaths_after_ed_without_admission",
        "deaths_after_avoided_presentation",
        "deaths_from_ed_crowding_in_population",
        "years_of_life_lost",
        *[f"deaths_Q{q}" for q in range(1, 6)],
        "deaths_expected_from_ed_crowding",
        "life_years",
        "qalys",
        *[f"qalys_Q{q}" for q in range(1, 6)],
    ]
    sub = monthly[monthly["metric"].isin(metrics)]
    totals = sub.groupby(["arm", "replication", "metric"])["value"].sum().unstack("metric")
    diff = totals.loc["scenario"] - totals.loc["baseline"]
    out = {m: _mean_ci(diff[m].to_numpy()) for m in metrics}
    gap = diff["qalys_Q1"] - diff["qalys_Q5"]
    out["qaly_gain_gap_Q1_minus_Q5"] = _mean_ci(gap.to_numpy())
    return out

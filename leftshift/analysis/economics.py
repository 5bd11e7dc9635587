"""Economic evaluation: discounted costs and QALYs, ICER, NMB, CEAC, replication guidance.

NHS and PSS perspective. Scenario minus baseline per replication (common random numbers),
summarised with 95% t intervals over replications.
"""

import math
from typing import Any

import numpy as np
import pandas as pd

from leftshift.analysis.comparison import ci_half_width
from leftshift.analysis.experiment import ExperimentResults
from leftshift.analysis.money import NO_GAP, NOT_WITHIN_HORIZON, break_even, net_cost_by_year
from leftshift.config import Config
from leftshift.config.dimensions import IMD_QUINTILES
from leftshift.model import metrics
from leftshift.model.ledger import signed_amounts

CEAC_MAX_GBP = 100_000.0
CEAC_STEP_GBP = 1_000.0
BOOTSTRAP_RESAMPLES = 2_000
#: paired metrics summed over the horizon for the replication guidance
GUIDANCE_METRICS = (
    metrics.BED_DAYS,
    metrics.ADMISSIONS_EMERGENCY,
    metrics.QALYS,
    metrics.ED_BOARDING_HOURS,
)


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
    qaly_rows = monthly[monthly["metric"] == metrics.QALYS]
    qalys = qaly_rows.groupby(["arm", "replication", "reporting_year"])["value"].sum()
    cost = cost.reindex(qalys.index.union(cost.index), fill_value=0.0)  # all prices 0: no rows
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


#: fewer paired replications than this give no replication guidance: the sample variance of
#: 2-4 differences is too unstable to project from (2 replications once asked for 42,619)
MIN_REPLICATIONS_FOR_GUIDANCE = 5

#: significant figures of a cost per QALY quoted from fewer than MIN_REPLICATIONS_FOR_GUIDANCE
#: replications: its mean is a ratio of two noisy means, so "GBP 39,934" claims a precision
#: 2-4 replications cannot give (the economic block quotes no interval from them either)
ROUGH_SIGNIFICANT_FIGURES = 2


def significant(x: float, digits: int = ROUGH_SIGNIFICANT_FIGURES) -> float:
    """``x`` rounded to ``digits`` significant figures (39,934 -> 40,000); 0 and NaN as given."""
    if not math.isfinite(x) or x == 0:
        return x
    return round(x, digits - 1 - math.floor(math.log10(abs(x))))


def per_qaly_words(gbp_per_qaly: float, rough: bool = False) -> str:
    """A cost per QALY as "GBP 39,934", or "about GBP 40,000" (2 significant figures) if rough."""
    if rough:
        return f"about GBP {significant(gbp_per_qaly):,.0f}"
    return f"GBP {gbp_per_qaly:,.0f}"


def decision_quadrant(delta_cost: float, delta_qalys: float, rough: bool = False) -> dict[str, Any]:
    """Where the mean increment falls on the cost-effectiveness plane, in words.

    The ICER alone hides the quadrant: GBP 1.5 m per QALY can mean "costs 1.5 m for each QALY
    gained" (north-east) or "saves 1.5 m for each QALY lost" (south-west), which a board would
    read the opposite way. The sentence says which, with the amounts. ``rough`` (a mean of
    fewer than :data:`MIN_REPLICATIONS_FOR_GUIDANCE` replications) quotes the cost per QALY to
    :data:`ROUGH_SIGNIFICANT_FIGURES` significant figures.
    """
    cost_m = abs(delta_cost) / 1e6
    qalys = abs(delta_qalys)
    if delta_cost > 0:
        spends = f"costs GBP {cost_m:,.1f} m more"
    elif delta_cost < 0:
        spends = f"saves GBP {cost_m:,.1f} m"
    else:
        spends = "costs the same"
    if delta_qalys > 0 and delta_cost <= 0:
        quadrant = "south-east"
        sentence = f"{spends} and gains {qalys:,.0f} QALYs: it dominates (better and no dearer)"
    elif delta_qalys > 0:
        quadrant = "north-east"
        sentence = (
            f"{spends} and gains {qalys:,.0f} QALYs:"
            f" {per_qaly_words(delta_cost / delta_qalys, rough)} per QALY gained (worth it if a"
            " QALY is worth more than that)"
        )
    elif delta_qalys < 0 and delta_cost >= 0:
        quadrant = "north-west"
        sentence = f"{spends} and loses {qalys:,.0f} QALYs: it is dominated (worse and no cheaper)"
    elif delta_qalys < 0:
        quadrant = "south-west"
        sentence = (
            f"{spends} and loses {qalys:,.0f} QALYs: each QALY lost saves"
            f" {per_qaly_words(delta_cost / delta_qalys, rough)} (worth it only if a QALY is"
            " worth less than that)"
        )
    else:
        quadrant = "none"
        sentence = f"{spends}, with no change in QALYs"
    return {"quadrant": quadrant, "sentence": sentence}


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
    if n < MIN_REPLICATIONS_FOR_GUIDANCE:
        return {
            "target_relative_precision": target,
            "replications": n,
            "metrics": {},
            "not_estimated": f"fewer than {MIN_REPLICATIONS_FOR_GUIDANCE} replications: run"
            f" {MIN_REPLICATIONS_FOR_GUIDANCE} or more (run.replications) to estimate how many"
            " a precise answer needs",
        }
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
        "decision": decision_quadrant(float(dc.mean()), float(dq.mean())),
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
    net = net_cost_by_year(results.ledger(), False, results.monthly())
    cumulative = (net.loc["scenario"] - net.loc["baseline"]).cumsum(axis=1)
    years = list(cumulative.columns)

    def position(year: str | None) -> int:
        if year == NO_GAP:
            return -1
        return years.index(year) if year is not None else len(years)

    index = [position(break_even(cumulative.loc[r])) for r in cumulative.index]

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
    """Scenario minus baseline deaths, life-years and QALYs over the horizon (undiscounted).

    QALYs by IMD quintile, and the two elective parts of the QALY change: the gain of elective
    treatment and the loss while waiting.
    """
    monthly = results.monthly()
    outcome_metrics = [
        metrics.DEATHS_IN_HOSPITAL,
        metrics.DEATHS_IN_POPULATION,
        metrics.DEATHS_AFTER_ED_WITHOUT_ADMISSION,
        metrics.DEATHS_AFTER_AVOIDED_PRESENTATION,
        metrics.DEATHS_AFTER_DISCHARGE,
        *metrics.DEATHS_BY_PLACE.names(),
        metrics.EMERGENCY_READMISSIONS,
        metrics.WAITING_LIST_EMERGENCY_ADMISSIONS,
        metrics.CARE_HOME_MOVES_AFTER_DISCHARGE,
        metrics.DEATHS_FROM_ED_CROWDING_IN_POPULATION,
        metrics.YEARS_OF_LIFE_LOST,
        *[metrics.DEATHS_BY_IMD.name(q) for q in IMD_QUINTILES],
        metrics.DEATHS_EXPECTED_FROM_ED_CROWDING,
        metrics.LIFE_YEARS,
        metrics.QALYS,
        metrics.QALY_GAIN_ELECTIVE,
        metrics.QALY_LOSS_WAITING,
        *[metrics.QALYS_BY_IMD.name(q) for q in IMD_QUINTILES],
    ]
    sub = monthly[monthly["metric"].isin(outcome_metrics)]
    totals = sub.groupby(["arm", "replication", "metric"])["value"].sum().unstack("metric")
    diff = totals.loc["scenario"] - totals.loc["baseline"]
    out = {m: _mean_ci(diff[m].to_numpy()) for m in outcome_metrics}
    most, least = IMD_QUINTILES[0], IMD_QUINTILES[-1]  # most and least deprived
    gap = diff[metrics.QALYS_BY_IMD.name(most)] - diff[metrics.QALYS_BY_IMD.name(least)]
    out[f"qaly_gain_gap_{most}_minus_{least}"] = _mean_ci(gap.to_numpy())
    return out

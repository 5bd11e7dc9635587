"""Beds avoided: the G&A beds each arm would need to hold a target occupancy, year by year.

An arm's beds needed in a reporting year are the bed-days its patients used plus those of the
emergency patients left waiting in ED for a bed by the year's end (see :func:`beds_needed`),
over the year's days at ``report.target_occupancy``. The
scenario's beds avoided are the baseline's beds needed less its own, paired by replication,
with a 95% t interval over replications.

Their value is **cost avoidance**, never a cash saving: beds a system does not have to open
(revenue: the ledger's own cost of an open bed, its fixed part every day and its variable part
at the target occupancy) or build (capital: ``report.bed_capital_cost_gbp``, an assumption with
a wide range). It is reported apart from the system's net cost and never added to it.

Limits: electives count only as admitted (a list that grows because beds are short is need this
measure does not see), and neither do emergency patients the pressure channels turn away, so
where an arm is at capacity (flagged) its beds needed are a floor.
"""

from typing import Any

import pandas as pd

from leftshift.analysis.intervals import row_half_widths
from leftshift.config import Config
from leftshift.model import metrics

#: an arm counts as at capacity in a year when its mean G&A occupancy is at least this
AT_CAPACITY_OCCUPANCY = 0.98
DAYS_PER_MONTH = 365.25 / 12.0
NEED_METRICS = (
    metrics.OCCUPIED_BEDS,
    metrics.ED_BOARDERS_MEAN,
    metrics.BED_DAYS_EMERGENCY,
    metrics.ADMISSIONS_EMERGENCY,
    metrics.OCCUPANCY,
)


def revenue_cost_per_bed_year_gbp(cfg: Config) -> float:
    """The ledger's yearly cost of one open G&A bed held at the target occupancy (price year)."""
    f = cfg.finance
    daily = f.bed_day_cost_gbp * (
        f.fixed_share_of_bed_day_cost
        + (1.0 - f.fixed_share_of_bed_day_cost) * cfg.report.target_occupancy
    )
    return 365.0 * daily


def beds_needed(monthly: pd.DataFrame, target_occupancy: float) -> pd.DataFrame:
    """Beds needed by arm, replication and reporting year.

    The year's bed-days in use plus the bed-days of the emergency patients who needed a bed and
    were still waiting in ED at the end of the year and not at its start (the rise in ED
    boarders, each at the year's emergency bed-days per admission), over the year's days at
    the target occupancy. ``monthly`` is the tidy monthly table (arm, replication, month,
    reporting_year, metric, value); boarders at the start and end of a year are the first and
    last months' means.
    """
    rows = monthly[monthly["metric"].isin(NEED_METRICS)]
    wide = rows.pivot_table(
        index=["arm", "replication", "reporting_year", "month"],
        columns="metric",
        values="value",
        aggfunc="sum",
    ).sort_index()
    years = wide.groupby(level=["arm", "replication", "reporting_year"])
    months = years.size()
    boarders = years[metrics.ED_BOARDERS_MEAN]
    # months - 1 of the year's months lie between the first month's middle and the last's
    rise = (boarders.last() - boarders.first()) * months / (months - 1).clip(lower=1)
    emergency_days = years[metrics.BED_DAYS_EMERGENCY].sum()
    admissions = years[metrics.ADMISSIONS_EMERGENCY].sum()
    per_admission = (emergency_days / admissions.where(admissions > 0)).fillna(0.0)
    days = months * DAYS_PER_MONTH
    in_use = years[metrics.OCCUPIED_BEDS].mean() * days
    unmet = rise.clip(lower=0.0) * per_admission
    out = pd.DataFrame(
        {
            "beds_needed": (in_use + unmet) / (days * target_occupancy),
            "at_capacity": years[metrics.OCCUPANCY].mean() >= AT_CAPACITY_OCCUPANCY,
        }
    )
    return out.reset_index()


def beds_avoided(cfg: Config, monthly: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The yearly table of beds needed and avoided with their cost avoidance, and a summary.

    The table has one row per reporting year: each arm's mean beds needed, the beds avoided
    (baseline - scenario: mean and 95% CI over paired replications), the share of replications
    in which each arm was at capacity, and the revenue cost avoided a year (mean and CI) and
    capital cost avoided (central, low, high) of those beds, in ``finance.price_year`` prices.
    """
    target = cfg.report.target_occupancy
    need = beds_needed(monthly, target)
    by = need.set_index(["arm", "replication", "reporting_year"])
    base = by.loc["baseline", "beds_needed"].unstack("replication")
    scen = by.loc["scenario", "beds_needed"].unstack("replication")
    avoided = base - scen
    mean = avoided.mean(axis=1)
    half = row_half_widths(avoided, 0.95)
    revenue = revenue_cost_per_bed_year_gbp(cfg)
    low, central, high = cfg.report.bed_capital_cost_gbp
    capacity = by["at_capacity"].astype(float)
    table = pd.DataFrame(
        {
            "reporting_year": mean.index.astype(int),
            "baseline_beds_needed": base.mean(axis=1).to_numpy(),
            "scenario_beds_needed": scen.mean(axis=1).to_numpy(),
            "beds_avoided": mean.to_numpy(),
            "beds_avoided_ci_low": (mean - half).to_numpy(),
            "beds_avoided_ci_high": (mean + half).to_numpy(),
            "baseline_at_capacity_share": capacity.loc["baseline"]
            .unstack("replication")
            .mean(axis=1)
            .to_numpy(),
            "scenario_at_capacity_share": capacity.loc["scenario"]
            .unstack("replication")
            .mean(axis=1)
            .to_numpy(),
            "revenue_cost_avoided_gbp_per_year": (mean * revenue).to_numpy(),
            "revenue_cost_avoided_ci_low_gbp": ((mean - half) * revenue).to_numpy(),
            "revenue_cost_avoided_ci_high_gbp": ((mean + half) * revenue).to_numpy(),
            "capital_cost_avoided_gbp": (mean * central).to_numpy(),
            "capital_cost_avoided_low_gbp": (mean * low).to_numpy(),
            "capital_cost_avoided_high_gbp": (mean * high).to_numpy(),
            "replications": avoided.shape[1],
        }
    )
    last = table.iloc[-1]
    summary = {
        "kind": "cost avoidance: not a cash saving, never added to the net cost",
        "target_occupancy": target,
        "price_year": cfg.finance.price_year,
        "revenue_cost_per_bed_year_gbp": revenue,
        "capital_cost_per_bed_gbp": {"low": low, "central": central, "high": high},
        "final_year": {
            "reporting_year": int(last["reporting_year"]),
            "beds_avoided": _ci(
                last, "beds_avoided", "beds_avoided_ci_low", "beds_avoided_ci_high"
            ),
            "revenue_cost_avoided_gbp_per_year": _ci(
                last,
                "revenue_cost_avoided_gbp_per_year",
                "revenue_cost_avoided_ci_low_gbp",
                "revenue_cost_avoided_ci_high_gbp",
            ),
            "capital_cost_avoided_gbp": {
                "central": float(last["capital_cost_avoided_gbp"]),
                "low": float(last["capital_cost_avoided_low_gbp"]),
                "high": float(last["capital_cost_avoided_high_gbp"]),
            },
            "baseline_at_capacity_share": float(last["baseline_at_capacity_share"]),
        },
        "by_year": [
            {
                "reporting_year": int(r.reporting_year),
                "baseline_beds_needed": float(r.baseline_beds_needed),
                "scenario_beds_needed": float(r.scenario_beds_needed),
                "beds_avoided": float(r.beds_avoided),
                "ci95": [float(r.beds_avoided_ci_low), float(r.beds_avoided_ci_high)],
            }
            for r in table.itertuples()
        ],
    }
    return table, summary


#: an arm's trajectory by reporting year: each monthly metric and how a year is made of months
#: (the summary keys are the metric names, and the beds needed and the two wait shares)
TRAJECTORY = {
    metrics.POPULATION: "mean",
    metrics.EMERGENCY_PRESENTATIONS: "sum",
    metrics.ADMISSIONS_EMERGENCY: "sum",
    metrics.ADMISSIONS_ELECTIVE: "sum",
    metrics.BED_DAYS: "sum",
    metrics.OPEN_BEDS: "mean",
    metrics.WAITING_LIST_SIZE: "mean",
    metrics.ADMISSIONS_VIA_ED: "sum",
    metrics.ED_WAITS_4H_PLUS: "sum",
    metrics.ED_WAITS_12H_PLUS: "sum",
}


def trajectory(cfg: Config, monthly: pd.DataFrame) -> dict[str, Any]:
    """Each arm by reporting year, means over replications.

    The people, the demand, the activity, the beds open and the beds needed at
    ``report.target_occupancy``, the list and the shares of admissions via ED waiting 4 and 12
    hours from the decision to admit: whether the baseline grows and whether its capacity
    plan keeps up (beds open against beds needed, and the list).
    """
    rows = monthly[monthly["metric"].isin(TRAJECTORY)]
    index = ["arm", "replication", "reporting_year"]
    parts = [
        rows[rows["metric"] == metric].groupby(index)["value"].agg(how).rename(metric)
        for metric, how in TRAJECTORY.items()
    ]
    need = beds_needed(monthly, cfg.report.target_occupancy).set_index(index)["beds_needed"]
    wide = pd.concat([*parts, need], axis=1)
    via_ed = wide.pop(metrics.ADMISSIONS_VIA_ED)
    via_ed = via_ed.where(via_ed > 0)
    wide["ed_waits_4h_plus_share"] = wide.pop(metrics.ED_WAITS_4H_PLUS) / via_ed
    wide["ed_waits_12h_plus_share"] = wide.pop(metrics.ED_WAITS_12H_PLUS) / via_ed
    mean = wide.groupby(level=["arm", "reporting_year"]).mean()
    arms = {
        str(arm): [
            {"reporting_year": int(year), **{k: float(v) for k, v in row.items()}}
            for (_, year), row in mean.loc[[arm]].iterrows()
        ]
        for arm in mean.index.unique("arm")
    }
    return {"target_occupancy": cfg.report.target_occupancy, "arms": arms}


def _ci(row: pd.Series, mean: str, low: str, high: str) -> dict[str, float]:
    return {"mean": float(row[mean]), "ci_low": float(row[low]), "ci_high": float(row[high])}


__all__ = ["beds_avoided", "beds_needed", "revenue_cost_per_bed_year_gbp", "trajectory"]

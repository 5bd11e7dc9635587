"""The virtual-ward report of an experiment: activity by year, access by quintile, case mix."""

import numpy as np
import pandas as pd

from leftshift.config.dimensions import IMD_QUINTILES
from leftshift.model import metrics
from leftshift.model.virtual_ward import KINDS


def virtual_ward_report(monthly: pd.DataFrame, ledger: pd.DataFrame) -> dict:
    """What the scenario's virtual wards did, where avoided admissions fell, and the case mix.

    ``monthly`` and ``ledger`` are an experiment's stacked tables (arm and replication first).
    Figures are means over replications. Per-1,000 rates are per person-year of the quintile.
    Case mix compares the acute hospital's emergency work in the two arms: the share of
    complex admissions, the mean stay of emergency discharges, and the acute trust's spending
    and income per spell (all spells, so electives that refill the beds count).
    """
    scen = monthly[monthly["arm"] == "scenario"]
    if metrics.VW_ADMISSIONS not in set(scen["metric"].unique()):
        return {}

    def pivot_by_year(how: str) -> pd.DataFrame:
        return monthly.pivot_table(
            index=["arm", "replication", "reporting_year"],
            columns="metric",
            values="value",
            aggfunc=how,
            observed=True,
        )

    yearly, mean = pivot_by_year("sum"), pivot_by_year("mean")
    s_sum = yearly.loc["scenario"].groupby("reporting_year").mean()
    s_mean = mean.loc["scenario"].groupby("reporting_year").mean()
    freed = metrics.VW_ACUTE_BED_DAYS_FREED
    by_year = []
    for year in s_sum.index:
        row_s, row_m = s_sum.loc[year], s_mean.loc[year]
        by_year.append(
            {
                "reporting_year": int(year),
                "beds_funded": float(row_m[metrics.VW_BEDS_FUNDED]),
                "beds_available": float(row_m[metrics.VW_BEDS_AVAILABLE]),
                "occupied_beds": float(row_m[metrics.VW_OCCUPIED_BEDS]),
                "occupancy": float(
                    row_m[metrics.VW_OCCUPIED_BEDS] / row_m[metrics.VW_BEDS_AVAILABLE]
                )
                if row_m[metrics.VW_BEDS_AVAILABLE] > 0
                else None,
                **{
                    f"admissions_{k}": float(row_s[metrics.VW_ADMISSIONS_BY_KIND.name(k)])
                    for k in KINDS
                },
                "escalations": float(row_s[metrics.VW_ESCALATIONS]),
                "acute_bed_days_freed": float(
                    row_s[freed.name("step_up_avoided")] + row_s[freed.name("step_down")]
                ),
            }
        )
    totals = s_sum.sum()
    by_kind = metrics.VW_ADMISSIONS_BY_KIND
    avoided = totals[by_kind.name("step_up_avoided")]
    step_up = avoided + totals[by_kind.name("step_up_additional")]
    years = len(s_sum)
    by_quintile = {}
    base_sum = yearly.loc["baseline"].groupby("reporting_year").mean().sum()
    for label in IMD_QUINTILES:
        person_years = float(s_mean[metrics.POPULATION_BY_IMD.name(label)].sum())  # x years
        per_1000 = 1000.0 / person_years if person_years > 0 else float("nan")
        admitted = totals[metrics.VW_ADMISSIONS_BY_IMD.name(label)]
        excluded = totals[metrics.VW_REFERRALS_EXCLUDED_BY_IMD.name(label)]
        avoided_q = totals[metrics.VW_ADMISSIONS_AVOIDED_BY_IMD.name(label)]
        emergency = metrics.ADMISSIONS_EMERGENCY_BY_IMD.name(label)
        by_quintile[label] = {
            "vw_admissions_per_1000_a_year": float(admitted * per_1000),
            "referrals_excluded_per_1000_a_year": float(excluded * per_1000),
            "admissions_avoided_per_1000_a_year": float(avoided_q * per_1000),
            # relative to need: per 100 emergency admissions the quintile has without them
            "admissions_avoided_per_100_emergency_admissions": float(
                100.0 * avoided_q / base_sum[emergency]
            )
            if base_sum[emergency] > 0
            else float("nan"),
            "emergency_admissions_change_per_1000_a_year": float(
                (totals[emergency] - base_sum[emergency]) * per_1000
            ),
        }
    case_mix = {}
    acute = ledger[ledger["organisation"] == "acute_trust"]
    signed = np.where(acute["direction"] == "spend", 1.0, -1.0) * acute["amount_gbp"]
    for arm in ("baseline", "scenario"):
        t = yearly.loc[arm].groupby("reporting_year").mean().sum()
        a = acute["arm"] == arm
        n_reps = max(1, acute.loc[a, "replication"].nunique())
        spend = float(acute.loc[a & (acute["direction"] == "spend"), "amount_gbp"].sum()) / n_reps
        net = float(signed[a].sum()) / n_reps  # spending minus income
        spells = float(t[metrics.ADMISSIONS_EMERGENCY] + t[metrics.ADMISSIONS_ELECTIVE])
        admissions = float(t[metrics.ADMISSIONS_EMERGENCY])
        discharges = float(t[metrics.DISCHARGES_EMERGENCY])
        stay_days = float(t[metrics.DISCHARGED_EMERGENCY_LOS_DAYS_TOTAL])
        delay_days = float(t[metrics.DISCHARGED_EMERGENCY_DELAY_DAYS_TOTAL])
        case_mix[arm] = {
            "complex_share_of_emergency_admissions": _ratio(
                float(t[metrics.ADMISSIONS_EMERGENCY_COMPLEX]), admissions
            ),
            "mean_emergency_stay_days": _ratio(stay_days, discharges),
            "mean_emergency_stay_before_delay_days": _ratio(stay_days - delay_days, discharges),
            "acute_spend_per_spell_gbp": _ratio(spend, spells),
            "acute_margin_per_spell_gbp": _ratio(-net, spells),
        }
    return {
        "by_year": by_year,
        "admissions_avoided_per_step_up": float(avoided / step_up) if step_up else None,
        "years": years,
        "by_quintile": by_quintile,
        "case_mix": case_mix,
    }


def _ratio(numerator: float, denominator: float) -> float:
    """Numerator / denominator, or NaN (null in summary.json) when there is nothing below."""
    return numerator / denominator if denominator else float("nan")

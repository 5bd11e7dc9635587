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
    all_kinds = step_up + totals[by_kind.name("step_down")]
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
        # the South East evaluation's ratio: per virtual-ward admission of every kind
        "admissions_avoided_per_virtual_ward_admission": (
            float(avoided / all_kinds) if all_kinds else None
        ),
        "years": years,
        "by_quintile": by_quintile,
        "case_mix": case_mix,
    }


def _ratio(numerator: float, denominator: float) -> float:
    """Numerator / denominator, or NaN (null in summary.json) when there is nothing below."""
    return numerator / denominator if denominator else float("nan")


#: the strata a virtual-ward step-up is matched on with admitted patients
MATCH_ON = ["cause", "age_band", "frailty", "imd_quintile"]
#: follow-up outcomes compared (Edgar 2024's three), each a column of both groups
FOLLOW_UP_OUTCOMES = ("death", "readmission", "care_home")


def matched_follow_up(
    baseline_presentations: pd.DataFrame, stays: pd.DataFrame, end_day: float
) -> pd.DataFrame:
    """Step-up virtual-ward patients against matched admitted patients, from the follow-up.

    Step-ups: the scenario's virtual-ward stays of kind ``step_up_avoided`` that ended before
    ``end_day`` without escalation. Admitted: the baseline arm's emergency presentations
    (same seed, no virtual wards) admitted to a G&A bed, routine and not marginal (the step-up
    criteria), whose stay ended before ``end_day``. The baseline, because in the scenario the
    admitted patients who step down carry their follow-up on the virtual-ward stay, and who
    steps down is selected (never a patient who dies in hospital). A discharge to a care home
    (pathway 3) counts as a move into one. Both are matched on
    :data:`MATCH_ON`; the admitted rate of each stratum is weighted by its step-ups (indirect
    standardisation), so the ratio is step-ups' events over the events they would have had as
    admitted patients of the same strata. Strata with no admitted patient are dropped.

    Outcomes: death (on the ward or in hospital, or within the follow-up after leaving),
    readmission within the window, a move into a care home. One row per outcome: step-ups
    matched, their events, the expected events as admitted patients, rates and the ratio.
    """
    up = stays[
        (stays["kind"] == "step_up_avoided").to_numpy()
        & ~stays["escalated"].to_numpy(bool)
        & (stays["end_day"].to_numpy() < end_day)
    ]
    vw = pd.DataFrame(
        {
            **{k: up[k].astype(str).to_numpy() for k in MATCH_ON},
            "death": (up["died"] | up["died_after_discharge"]).to_numpy(float),
            "readmission": up["readmitted"].to_numpy(float),
            "care_home": up["moved_to_care_home"].to_numpy(float),
        }
    )
    p = baseline_presentations
    if (p["outcome"] == "virtual_ward").any() or (p["step_down_days"] > 0).any():
        raise ValueError(
            "matched_follow_up needs the baseline arm's presentations (no virtual wards)"
        )
    admitted = p[
        (p["outcome"] == "admitted").to_numpy()
        & (p["route"] != "virtual_ward_escalation").to_numpy()
        & (p["case_mix"] == "routine").to_numpy()
        & ~p["marginal"].to_numpy(bool)
        & (p["bed_start_day"].to_numpy() + p["los_days"].to_numpy() < end_day)
    ]
    to_care_home = (admitted["discharge_pathway"].to_numpy() == 3) & ~admitted[
        "died_in_hospital"
    ].to_numpy(bool)
    acute = pd.DataFrame(
        {
            **{k: admitted[k].astype(str).to_numpy() for k in MATCH_ON},
            "death": (admitted["died_in_hospital"] | admitted["died_after_discharge"]).to_numpy(
                float
            ),
            "readmission": admitted["readmitted"].to_numpy(float),
            "care_home": (admitted["moved_to_care_home"].to_numpy(bool) | to_care_home).astype(
                float
            ),
        }
    )
    outcomes = list(FOLLOW_UP_OUTCOMES)
    vw_strata = vw.groupby(MATCH_ON)[outcomes].agg(["sum", "count"])
    acute_rates = acute.groupby(MATCH_ON)[outcomes].mean()
    common = vw_strata.index.intersection(acute_rates.index)
    rows = []
    for outcome in outcomes:
        n = vw_strata.loc[common, (outcome, "count")].to_numpy(float)
        observed = float(vw_strata.loc[common, (outcome, "sum")].sum())
        expected = float((n * acute_rates.loc[common, outcome].to_numpy(float)).sum())
        matched = float(n.sum())
        rows.append(
            {
                "outcome": outcome,
                "step_ups_matched": matched,
                "step_ups": float(len(vw)),
                "events": observed,
                "expected_as_admitted": expected,
                "step_up_rate": observed / matched if matched else np.nan,
                "matched_admitted_rate": expected / matched if matched else np.nan,
                "ratio": observed / expected if expected > 0 else np.nan,
            }
        )
    return pd.DataFrame(rows)

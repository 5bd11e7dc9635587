"""Backfill: where the bed-time an intervention freed went, and when (if ever) backfill ran out."""

from typing import Any

import numpy as np
import pandas as pd

from leftshift.config import Config
from leftshift.model import metrics

#: each channel of the split, in the order shown, and its name: the console's rows ("refilled
#: by <name>"), the backfill figure's legend and the board pack all use these words
CHANNEL_NAMES = {
    "backfilled_by_electives": "electives",
    "backfilled_by_admission_threshold": "marginal emergency admissions",
    "backfilled_by_stay_length": "longer stays",
    "backfilled_by_outlier_stays": "outliers' longer stays",
    "backfilled_by_delayed_discharges": "delayed discharges",
    "released_bed_days": "left empty",
}


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
      from waiting for the discharge window (or the hour of discharge);
    * refilled by outlier stays: the rise in the extra days outliers spend in another pool;
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
        arm("scenario", metrics.EMERGENCY_PRESENTATIONS_MARGINAL)
        / arm("baseline", metrics.EMERGENCY_PRESENTATIONS_MARGINAL).replace(0, np.nan)
    ).fillna(1.0)
    marginal_b = arm("baseline", metrics.BED_DAYS_BASE_EMERGENCY_MARGINAL)
    marginal_s = arm("scenario", metrics.BED_DAYS_BASE_EMERGENCY_MARGINAL)
    parts = pd.DataFrame(
        {
            "avoided_emergency_bed_days": delta(metrics.BED_DAYS_BASE_EMERGENCY_CORE)
            + marginal_b * (1 - ratio),
            "backfilled_by_admission_threshold": marginal_s - marginal_b * ratio,
            "backfilled_by_electives": -delta(metrics.BED_DAYS_BASE_ELECTIVE),
            "backfilled_by_stay_length": -delta(metrics.BED_DAYS_STAY_PRESSURE)
            - delta(metrics.BED_DAYS_AWAITING_DISCHARGE_WINDOW),
            "backfilled_by_outlier_stays": -delta(metrics.BED_DAYS_OUTLIER_EXTRA_STAY),
            "backfilled_by_delayed_discharges": -delta(metrics.BED_DAYS_DELAYED_DISCHARGE),
            "released_bed_days": delta(metrics.BED_DAYS),
            "boarding_hours_saved": delta(metrics.ED_BOARDING_HOURS),
            "outlier_admissions_avoided": delta(metrics.OUTLIER_ADMISSIONS),
            "trolley_waits_4h_avoided": delta(metrics.ED_WAITS_4H_PLUS),
        }
    )
    list_ratio = (
        wide[("scenario", metrics.WAITING_LIST_SIZE)]
        / wide[("baseline", metrics.WAITING_LIST_SIZE)]
    )
    per_rep = []
    for rep, grp in parts.groupby(level="replication"):
        g = grp.droplevel("replication")
        roll = g.rolling(rep_cfg.rolling_months, min_periods=rep_cfg.rolling_months).mean()
        baseline_beds = (
            wide[("baseline", metrics.BED_DAYS)]
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
        hits = [month for r in per_rep if (month := r[key]) is not None]
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

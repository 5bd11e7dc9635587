"""Results of one replication and their headline summary."""

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from leftshift.config import Config
from leftshift.model import metrics
from leftshift.model.frames import by_month
from leftshift.model.ledger import CARE_ELSEWHERE, diverts


@dataclass(frozen=True)
class Results:
    """Tidy tables of one replication (warm-up months are filtered out of ``monthly``).

    Attributes
    ----------
    episodes : one row per G&A admission (emergency and elective), times in model days.
    presentations : one row per emergency presentation with its outcome and ED boarding hours.
    referrals : one row per referral to the admitted waiting list, with exit day and reason.
    virtual_ward_stays : one row per virtual-ward stay (kind, days, the person's labels,
        escalated, died at home, acute days freed); empty without virtual wards.
    monthly : long table (month, period_start, financial_year, reporting_year, metric, value).
    summary : headline metrics over the reporting years (see :func:`summarise`).
    prevalence : people by month, dimension (frailty, copd, heart_failure), state, age band
        and IMD quintile.
    ledger : every cost and income by month, organisation, direction, category and cause
        (see :mod:`leftshift.model.ledger`), reporting months only.
    psa_draws : the uncertain parameters drawn for this replication (``run.psa``), by key.
    live_counts : time integrals of the hospital's live bed and boarder counts over the whole
        run (warm-up included), kept apart from the records for consistency checks.
    """

    config: Config
    seed: int
    episodes: pd.DataFrame
    presentations: pd.DataFrame
    referrals: pd.DataFrame
    virtual_ward_stays: pd.DataFrame
    monthly: pd.DataFrame
    summary: dict[str, Any]
    reporting_start_day: float
    prevalence: pd.DataFrame
    ledger: pd.DataFrame
    live_counts: dict[str, float]
    psa_draws: dict[str, float]

    def metric(self, name: str) -> pd.Series:
        """Monthly series of one metric, indexed by month number."""
        rows = self.monthly[self.monthly["metric"] == name]
        if rows.empty:
            raise KeyError(f"no monthly metric {name!r}")
        return rows.set_index("month")["value"]

    def yearly(self, name: str, how: str = "sum") -> pd.Series:
        """One metric aggregated by reporting year (``sum``, ``mean`` or ``last``)."""
        rows = self.monthly[self.monthly["metric"] == name]
        grouped = rows.groupby("reporting_year")["value"]
        return getattr(grouped, how)()


def summarise(
    cfg: Config, monthly: pd.DataFrame, ledger: pd.DataFrame | None = None
) -> dict[str, Any]:
    """Headline metrics over the reporting years, per 1,000 people where it makes sense.

    With a diversion rule (:func:`leftshift.model.ledger.diverts`) and the ``ledger``, also
    what the ICB paid other providers for the diverted patients, a year.
    """
    wide = by_month(monthly)
    years = cfg.run.horizon_years
    per_1000 = wide[metrics.POPULATION].mean() / 1000.0
    year = monthly.drop_duplicates("month").set_index("month")["reporting_year"]

    def yearly_mean(metric: str, y: int) -> float:
        return float(wide.loc[year[year == y].index, metric].mean())

    elective_activity = wide[metrics.ADMISSIONS_ELECTIVE].sum() + wide[metrics.DAY_CASES].sum()
    out: dict[str, Any] = {
        "place": cfg.place.name,
        "population_mean": float(wide[metrics.POPULATION].mean()),
        "general_acute_beds": cfg.place.general_acute_beds,
        "reporting_years": years,
        "mean_occupancy": float(wide[metrics.BED_DAYS].sum() / wide[metrics.OPEN_BED_DAYS].sum()),
        "emergency_admissions_per_1000_per_year": float(
            wide[metrics.ADMISSIONS_EMERGENCY].sum() / years / per_1000
        ),
        "elective_admissions_per_1000_per_year": float(
            wide[metrics.ADMISSIONS_ELECTIVE].sum() / years / per_1000
        ),
        "day_cases_per_1000_per_year": float(wide[metrics.DAY_CASES].sum() / years / per_1000),
        # all elective activity (ordinary admissions + day cases): NHS England's denominator
        "day_case_share_of_elective_activity": _ratio(
            wide[metrics.DAY_CASES].sum(), elective_activity
        ),
        "cancelled_on_the_day_share_of_ordinary_electives": _ratio(
            wide[metrics.ELECTIVES_CANCELLED].sum(), wide[metrics.ADMISSIONS_ELECTIVE].sum()
        ),
        "cancelled_on_the_day_share_of_elective_activity": _ratio(
            wide[metrics.ELECTIVES_CANCELLED].sum(), elective_activity
        ),
        "bed_days_per_1000_per_year": float(wide[metrics.BED_DAYS].sum() / years / per_1000),
        "mean_los_days": _ratio(
            wide[metrics.DISCHARGED_LOS_DAYS_TOTAL].sum(), wide[metrics.DISCHARGES].sum()
        ),
        "complex_share_of_emergency_admissions": _ratio(
            wide[metrics.ADMISSIONS_EMERGENCY_COMPLEX].sum(),
            wide[metrics.ADMISSIONS_EMERGENCY].sum(),
        ),
        "ed_boarding_hours_per_year": float(wide[metrics.ED_BOARDING_HOURS].sum() / years),
        # waits from the decision to admit, as shares of admissions via ED (NHS England's basis)
        "ed_waits_4h_plus_share": _ratio(
            wide[metrics.ED_WAITS_4H_PLUS].sum(), wide[metrics.ADMISSIONS_VIA_ED].sum()
        ),
        "ed_waits_12h_plus_share": _ratio(
            wide[metrics.ED_WAITS_12H_PLUS].sum(), wide[metrics.ADMISSIONS_VIA_ED].sum()
        ),
        "mean_occupancy_midnight": float(wide[metrics.OCCUPANCY_MIDNIGHT].mean()),
        "delayed_discharge_patients_mean": float(wide[metrics.DELAYED_DISCHARGE_PATIENTS].mean()),
        "delayed_discharge_share_of_occupied_beds": _ratio(
            wide[metrics.BED_DAYS_DELAYED_DISCHARGE].sum(), wide[metrics.BED_DAYS].sum()
        ),
        "emergency_diverted_per_year": float(wide[metrics.EMERGENCY_DIVERTED].sum() / years),
        "waiting_list_year_1": yearly_mean(metrics.WAITING_LIST_SIZE, 1),
        "waiting_list_final_year": yearly_mean(metrics.WAITING_LIST_SIZE, years),
        "waiting_list_18wk_share": float(wide[metrics.WAITING_LIST_18WK_SHARE].mean()),
        "bed_days_per_year_by_channel": {
            "electives_from_list": float(wide[metrics.BED_DAYS_ELECTIVE].sum() / years),
            "marginal_emergency_admissions": float(
                wide[metrics.BED_DAYS_EMERGENCY_MARGINAL].sum() / years
            ),
            "stay_length_response": float(wide[metrics.BED_DAYS_STAY_PRESSURE].sum() / years),
        },
        "referral_response_mean_multiplier": float(
            wide[metrics.REFERRAL_RESPONSE_MULTIPLIER].mean()
        ),
    }
    if ledger is not None and diverts(cfg):
        paid = ledger.loc[ledger["category"] == CARE_ELSEWHERE, "amount_gbp"].sum()
        out["emergency_care_elsewhere_gbp_per_year"] = float(paid / years)
    return out


def _ratio(numerator: float, denominator: float) -> float:
    """Return numerator / denominator, or NaN when nothing was counted (no warning)."""
    return float(numerator / denominator) if denominator else float("nan")


def electives_by_day(res: Results) -> list[int]:
    """Cumulative electives admitted by the end of each model day of a run (day 0 first).

    Read from the referrals treated (their exit day is the day of admission), so it counts
    exactly what the hospital admitted; the ceiling that
    :func:`~leftshift.model.place.simulate` takes from a baseline arm.
    """
    referrals = res.referrals
    treated = referrals["exit_reason"] == "treated"
    days = np.floor(referrals.loc[treated, "exit_day"].to_numpy(float)).astype(np.int64)
    return np.cumsum(np.bincount(days, minlength=1)).tolist()

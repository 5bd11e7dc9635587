"""Results of one replication and their headline summary."""

from dataclasses import dataclass
from typing import Any

import pandas as pd

from leftshift.config import Config


@dataclass(frozen=True)
class Results:
    """Tidy tables of one replication (warm-up months are filtered out of ``monthly``).

    Attributes
    ----------
    episodes : one row per G&A admission (emergency and elective), times in model days.
    presentations : one row per emergency presentation with its outcome and ED boarding hours.
    referrals : one row per referral to the admitted waiting list, with exit day and reason.
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


def summarise(cfg: Config, monthly: pd.DataFrame) -> dict[str, Any]:
    """Headline metrics over the reporting years, per 1,000 people where it makes sense."""
    wide = monthly.pivot(index="month", columns="metric", values="value")
    years = cfg.run.horizon_years
    per_1000 = wide["population"].mean() / 1000.0
    year = monthly.drop_duplicates("month").set_index("month")["reporting_year"]

    def yearly_mean(metric: str, y: int) -> float:
        return float(wide.loc[year[year == y].index, metric].mean())

    out: dict[str, Any] = {
        "place": cfg.place.name,
        "population_mean": float(wide["population"].mean()),
        "general_acute_beds": cfg.place.general_acute_beds,
        "reporting_years": years,
        "mean_occupancy": float(wide["bed_days"].sum() / wide["open_bed_days"].sum()),
        "emergency_admissions_per_1000_per_year": float(
            wide["admissions_emergency"].sum() / years / per_1000
        ),
        "elective_admissions_per_1000_per_year": float(
            wide["admissions_elective"].sum() / years / per_1000
        ),
        "bed_days_per_1000_per_year": float(wide["bed_days"].sum() / years / per_1000),
        "mean_los_days": _ratio(wide["discharged_los_days_total"].sum(), wide["discharges"].sum()),
        "complex_share_of_emergency_admissions": _ratio(
            wide["admissions_emergency_complex"].sum(), wide["admissions_emergency"].sum()
        ),
        "ed_boarding_hours_per_year": float(wide["ed_boarding_hours"].sum() / years),
        "delayed_discharge_patients_mean": float(wide["delayed_discharge_patients"].mean()),
        "delayed_discharge_share_of_occupied_beds": _ratio(
            wide["bed_days_delayed_discharge"].sum(), wide["bed_days"].sum()
        ),
        "emergency_diverted_per_year": float(wide["emergency_diverted"].sum() / years),
        "waiting_list_year_1": yearly_mean("waiting_list_size", 1),
        "waiting_list_final_year": yearly_mean("waiting_list_size", years),
        "waiting_list_18wk_share": float(wide["waiting_list_18wk_share"].mean()),
        "bed_days_per_year_by_channel": {
            "electives_from_list": float(wide["bed_days_elective"].sum() / years),
            "marginal_emergency_admissions": float(
                wide["bed_days_emergency_marginal"].sum() / years
            ),
            "stay_length_response": float(wide["bed_days_stay_pressure"].sum() / years),
        },
        "referral_response_mean_multiplier": float(wide["referral_response_multiplier"].mean()),
    }
    return out


def _ratio(numerator: float, denominator: float) -> float:
    """Return numerator / denominator, or NaN when nothing was counted (no warning)."""
    return float(numerator / denominator) if denominator else float("nan")

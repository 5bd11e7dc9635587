"""Turn the run's event records into tidy tables, once, at the end of a run.

Time-weighted quantities (bed-days, occupancy, boarding hours) are integrals of intervals
[start, end) over each calendar month, computed exactly from event times with sorted prefix sums,
never by sampling ticks. Stocks (waiting-list size) are read at month ends from entry and exit
times.
"""

import numpy as np
import pandas as pd

from leftshift.calendar import Calendar
from leftshift.config import AGE_BANDS, FRAILTY_LEVELS, IMD_QUINTILES
from leftshift.demand import EmergencyBatch, ReferralBatch, cell_axes
from leftshift.hospital import ADMITTED, BOARDING, DIVERTED, REMOVED, TREATED

EIGHTEEN_WEEKS_DAYS = 126.0


def interval_mass(
    starts: np.ndarray, ends: np.ndarray, bounds: np.ndarray, weights: np.ndarray | None = None
) -> np.ndarray:
    """Integral over each bin [bounds[k], bounds[k+1]) of sum_i w_i * 1{start_i <= t < end_i}."""
    starts = np.asarray(starts, float)
    ends = np.asarray(ends, float)
    w = np.ones_like(starts) if weights is None else np.asarray(weights, float)

    def cumulative(points: np.ndarray) -> np.ndarray:
        order = np.argsort(points, kind="stable")
        p, wp = points[order], w[order]
        cw = np.concatenate([[0.0], np.cumsum(wp)])
        cwp = np.concatenate([[0.0], np.cumsum(wp * p)])
        idx = np.searchsorted(p, bounds, side="right")
        return cw[idx] * bounds - cwp[idx]

    total = cumulative(starts) - cumulative(ends)
    return np.diff(total)


def counts_in_bins(times: np.ndarray, bounds: np.ndarray, weights: np.ndarray | None = None):
    """Number (or weighted sum) of events with time in each bin [bounds[k], bounds[k+1])."""
    times = np.asarray(times, float)
    idx = np.searchsorted(bounds, times, side="right") - 1
    ok = (idx >= 0) & (idx < len(bounds) - 1)
    w = None if weights is None else np.asarray(weights, float)[ok]
    return np.bincount(idx[ok], weights=w, minlength=len(bounds) - 1).astype(float)


def _labels(cells: np.ndarray) -> dict[str, pd.Categorical]:
    age, imd, frailty = cell_axes(np.asarray(cells, dtype=np.int64))
    return {
        "age_band": pd.Categorical.from_codes(age, categories=list(AGE_BANDS)),
        "imd_quintile": pd.Categorical.from_codes(imd, categories=list(IMD_QUINTILES)),
        "frailty": pd.Categorical.from_codes(frailty, categories=list(FRAILTY_LEVELS)),
    }


def presentations_frame(batches: list[EmergencyBatch], end_day: float) -> pd.DataFrame:
    """One row per emergency presentation, with its outcome and any boarding and stay."""
    cat = {
        k: np.concatenate([getattr(b, k) for b in batches])
        for k in (
            "time",
            "cell",
            "complex",
            "marginal",
            "base_los",
            "outcome",
            "bed_start",
            "los",
            "clinical_los",
        )
    }
    boarding_end = np.where(cat["outcome"] == BOARDING, end_day, cat["bed_start"])
    boarded = (cat["outcome"] == ADMITTED) | (cat["outcome"] == BOARDING)
    outcome_names = np.array(["boarding_at_end", "admitted", "not_admitted", "diverted"])
    return pd.DataFrame(
        {
            "arrival_day": cat["time"],
            **_labels(cat["cell"]),
            "case_mix": np.where(cat["complex"], "complex", "routine"),
            "marginal": cat["marginal"],
            "outcome": outcome_names[cat["outcome"]],
            "boarding_hours": np.where(boarded, (boarding_end - cat["time"]) * 24.0, 0.0),
            "bed_start_day": cat["bed_start"],
            "los_days": cat["los"],
            "clinical_los_days": cat["clinical_los"],
            "base_los_days": np.where(boarded, cat["base_los"], np.nan),
        }
    )


def referrals_frame(batches: list[ReferralBatch]) -> pd.DataFrame:
    """One row per referral to the admitted list (including the initial list)."""
    cat = {
        k: np.concatenate([getattr(b, k) for b in batches])
        for k in (
            "time",
            "cell",
            "urgent",
            "complex",
            "base_los",
            "exit_time",
            "exit_reason",
            "los",
            "clinical_los",
        )
    }
    reason = np.array(["waiting", "treated", "removed"])[cat["exit_reason"]]
    return pd.DataFrame(
        {
            "referral_day": cat["time"],
            **_labels(cat["cell"]),
            "urgency": np.where(cat["urgent"], "urgent", "routine"),
            "case_mix": np.where(cat["complex"], "complex", "routine"),
            "exit_day": cat["exit_time"],
            "exit_reason": reason,
            "los_days": cat["los"],
            "clinical_los_days": cat["clinical_los"],
            "base_los_days": np.where(cat["exit_reason"] == TREATED, cat["base_los"], np.nan),
        }
    )


def episodes_frame(presentations: pd.DataFrame, referrals: pd.DataFrame) -> pd.DataFrame:
    """One row per admission to a G&A bed, emergency and elective."""
    em = presentations[presentations["outcome"] == "admitted"]
    el = referrals[referrals["exit_reason"] == "treated"]
    frames = [
        pd.DataFrame(
            {
                "admission_type": "emergency",
                "arrival_day": em["arrival_day"].to_numpy(),
                "age_band": em["age_band"].to_numpy(),
                "imd_quintile": em["imd_quintile"].to_numpy(),
                "frailty": em["frailty"].to_numpy(),
                "case_mix": em["case_mix"].to_numpy(),
                "marginal": em["marginal"].to_numpy(),
                "admission_day": em["bed_start_day"].to_numpy(),
                "los_days": em["los_days"].to_numpy(),
                "clinical_los_days": em["clinical_los_days"].to_numpy(),
                "base_los_days": em["base_los_days"].to_numpy(),
            }
        ),
        pd.DataFrame(
            {
                "admission_type": "elective",
                "arrival_day": el["referral_day"].to_numpy(),
                "age_band": el["age_band"].to_numpy(),
                "imd_quintile": el["imd_quintile"].to_numpy(),
                "frailty": el["frailty"].to_numpy(),
                "case_mix": el["case_mix"].to_numpy(),
                "marginal": False,
                "admission_day": el["exit_day"].to_numpy(),
                "los_days": el["los_days"].to_numpy(),
                "clinical_los_days": el["clinical_los_days"].to_numpy(),
                "base_los_days": el["base_los_days"].to_numpy(),
            }
        ),
    ]
    ep = pd.concat(frames, ignore_index=True)
    for col, cats in (
        ("age_band", AGE_BANDS),
        ("imd_quintile", IMD_QUINTILES),
        ("frailty", FRAILTY_LEVELS),
    ):
        ep[col] = pd.Categorical(ep[col], categories=list(cats))
    ep["discharge_day"] = ep["admission_day"] + ep["los_days"]
    return ep.sort_values("admission_day", kind="stable").reset_index(drop=True)


def monthly_metrics(
    calendar: Calendar,
    episodes: pd.DataFrame,
    presentations: pd.DataFrame,
    referrals: pd.DataFrame,
    bed_stock_log: list[tuple[float, int]],
    population_by_month: np.ndarray,
    extra: dict[str, np.ndarray],
) -> pd.DataFrame:
    """Tidy monthly table (one row per month and metric) for the reporting months only."""
    bounds = calendar.month_start_days
    end = calendar.end_day
    days = np.diff(bounds)
    m: dict[str, np.ndarray] = {}

    # bed-time, split by who used it
    start = episodes["admission_day"].to_numpy()
    stop = np.minimum(episodes["discharge_day"].to_numpy(), end)
    emerg = (episodes["admission_type"] == "emergency").to_numpy()
    marginal = episodes["marginal"].to_numpy(bool)
    los = episodes["los_days"].to_numpy()
    base = episodes["base_los_days"].to_numpy()
    clinical = episodes["clinical_los_days"].to_numpy()
    m["bed_days"] = interval_mass(start, stop, bounds)
    m["bed_days_emergency"] = interval_mass(start, stop, bounds, emerg.astype(float))
    m["bed_days_emergency_marginal"] = interval_mass(start, stop, bounds, (emerg & marginal) * 1.0)
    m["bed_days_elective"] = interval_mass(start, stop, bounds, (~emerg).astype(float))
    with np.errstate(invalid="ignore", divide="ignore"):
        pressure_share = np.where(los > 0, (clinical - base) / los, 0.0)
        window_share = np.where(los > 0, (los - clinical) / los, 0.0)
        base_share = np.where(los > 0, base / los, 0.0)
    m["bed_days_stay_pressure"] = interval_mass(start, stop, bounds, pressure_share)
    # base-stay bed-time by who used it (base stay = before occupancy and discharge timing)
    m["bed_days_base_emergency_core"] = interval_mass(
        start, stop, bounds, base_share * (emerg & ~marginal)
    )
    m["bed_days_base_emergency_marginal"] = interval_mass(
        start, stop, bounds, base_share * (emerg & marginal)
    )
    m["bed_days_base_elective"] = interval_mass(start, stop, bounds, base_share * ~emerg)
    m["bed_days_awaiting_discharge_window"] = interval_mass(start, stop, bounds, window_share)

    stock_t = np.array([t for t, _ in bed_stock_log] + [end])
    stock_n = np.array([n for _, n in bed_stock_log], float)
    m["open_bed_days"] = interval_mass(stock_t[:-1], stock_t[1:], bounds, stock_n)
    m["open_beds"] = m["open_bed_days"] / days
    m["occupied_beds"] = m["bed_days"] / days
    m["occupancy"] = m["occupied_beds"] / m["open_beds"]

    # admissions and presentations by month of event
    adm = episodes["admission_day"].to_numpy()
    m["admissions_emergency"] = counts_in_bins(adm[emerg], bounds)
    m["admissions_emergency_complex"] = counts_in_bins(
        adm[emerg & (episodes["case_mix"] == "complex").to_numpy()], bounds
    )
    m["admissions_emergency_marginal"] = counts_in_bins(adm[emerg & marginal], bounds)
    m["admissions_elective"] = counts_in_bins(adm[~emerg], bounds)
    disc = episodes["discharge_day"].to_numpy()
    done = disc < end
    m["discharges"] = counts_in_bins(disc[done], bounds)
    m["discharged_los_days_total"] = counts_in_bins(disc[done], bounds, los[done])
    m["mean_los_days"] = np.divide(
        m["discharged_los_days_total"],
        m["discharges"],
        out=np.full_like(m["discharges"], np.nan),
        where=m["discharges"] > 0,
    )
    p_time = presentations["arrival_day"].to_numpy()
    outcome = presentations["outcome"].to_numpy()
    m["emergency_presentations"] = counts_in_bins(p_time, bounds)
    m["emergency_presentations_marginal"] = counts_in_bins(
        p_time[presentations["marginal"].to_numpy(bool)], bounds
    )
    m["emergency_not_admitted"] = counts_in_bins(p_time[outcome == "not_admitted"], bounds)
    m["emergency_diverted"] = counts_in_bins(p_time[outcome == "diverted"], bounds)
    board_end = np.where(
        outcome == "boarding_at_end", end, presentations["bed_start_day"].to_numpy()
    )
    boarded = np.isin(outcome, ["admitted", "boarding_at_end"])
    m["ed_boarding_hours"] = interval_mass(p_time[boarded], board_end[boarded], bounds) * 24.0
    m["ed_boarders_mean"] = m["ed_boarding_hours"] / 24.0 / days

    # waiting list: stock at month end, flows by month
    ref_t = referrals["referral_day"].to_numpy()
    exit_t = referrals["exit_day"].to_numpy()
    reason = referrals["exit_reason"].to_numpy()
    m["referrals"] = counts_in_bins(ref_t, bounds)
    m["list_removals"] = counts_in_bins(exit_t[reason == "removed"], bounds)
    size = np.empty(len(days))
    under_18 = np.empty(len(days))
    mean_wait = np.empty(len(days))
    for k, t in enumerate(bounds[1:]):
        live = (ref_t <= t) & (exit_t > t)
        waited = t - ref_t[live]
        size[k] = live.sum()
        under_18[k] = (waited < EIGHTEEN_WEEKS_DAYS).mean() if size[k] else np.nan
        mean_wait[k] = waited.mean() / 7.0 if size[k] else 0.0
    m["waiting_list_size"] = size
    m["waiting_list_18wk_share"] = under_18
    m["waiting_list_mean_wait_weeks"] = mean_wait
    m["population"] = population_by_month.astype(float)
    m.update(extra)

    keep = slice(calendar.warmup_months, calendar.n_months)
    months = np.arange(calendar.n_months)[keep]
    frames = []
    for name, values in m.items():
        frames.append(pd.DataFrame({"month": months, "metric": name, "value": values[keep]}))
    tidy = pd.concat(frames, ignore_index=True)
    idx = tidy["month"].to_numpy()
    tidy.insert(1, "period_start", calendar.month_dates[idx])
    tidy.insert(2, "financial_year", calendar.financial_year[idx])
    tidy.insert(3, "reporting_year", calendar.reporting_year[idx])
    return tidy


__all__ = [
    "DIVERTED",
    "REMOVED",
    "counts_in_bins",
    "episodes_frame",
    "interval_mass",
    "monthly_metrics",
    "presentations_frame",
    "referrals_frame",
]

"""Turn the run's event records into tidy tables, once, at the end of a run.

Time-weighted quantities (bed-days, occupancy, boarding hours) are integrals of intervals
[start, end) over each calendar month, computed exactly from event times with sorted prefix sums,
never by sampling ticks. Stocks (waiting-list size) are read at month ends from entry and exit
times.
"""

from collections.abc import Sequence

import numpy as np
import pandas as pd

from leftshift.config import AGE_BANDS, COPD_STAGES, FRAILTY_LEVELS, HF_CLASSES, IMD_QUINTILES
from leftshift.model import metrics
from leftshift.model.clock import Calendar
from leftshift.model.follow_up import DIED_AFTER, MOVED_TO_CARE_HOME, READMITTED
from leftshift.model.records import (
    ADMITTED,
    BOARDING,
    DECLINED,
    DIVERTED,
    EXIT_LABELS,
    OUTCOME_LABELS,
    ROUTES,
    TREATED,
    VIRTUAL_WARD,
    EmergencyBatch,
    ReferralBatch,
    cell_axes,
)

EIGHTEEN_WEEKS_DAYS = 126.0


class IntervalIntegrator:
    """Integrals over bins of weighted indicator functions of intervals [start_i, end_i).

    Sorting is done once; each :meth:`mass` call with new weights costs two cumulative sums.
    F(t) = sum_i w_i * clip(t - start_i, 0, end_i - start_i)
         = sum_{start_i <= t} w_i (t - start_i) - sum_{end_i <= t} w_i (t - end_i).
    """

    def __init__(self, starts: np.ndarray, ends: np.ndarray, bounds: np.ndarray):
        self.bounds = np.asarray(bounds, float)
        self._sides = []
        for points in (np.asarray(starts, float), np.asarray(ends, float)):
            order = np.argsort(points, kind="stable")
            sorted_points = points[order]
            idx = np.searchsorted(sorted_points, self.bounds, side="right")
            self._sides.append((order, sorted_points, idx))
        self.n = len(starts)

    def mass(self, weights: np.ndarray | None = None) -> np.ndarray:
        """Integral over each bin [bounds[k], bounds[k+1])."""
        w = np.ones(self.n) if weights is None else np.asarray(weights, float)
        total = np.zeros(len(self.bounds))
        for sign, (order, points, idx) in zip((1.0, -1.0), self._sides, strict=True):
            wp = w[order]
            cw = np.concatenate([[0.0], np.cumsum(wp)])
            cwp = np.concatenate([[0.0], np.cumsum(wp * points)])
            total += sign * (cw[idx] * self.bounds - cwp[idx])
        mass = np.diff(total)
        # with weights >= 0 the integrand is >= 0: the differences of prefix sums can still
        # fall a rounding error below 0 in an empty bin (-3e-11 elective bed-days, priced at
        # GBP 100,000 each, made a negative ledger amount: the fuzz suite's long tier)
        if (w >= 0).all():
            np.maximum(mass, 0.0, out=mass)
        return mass


def interval_mass(
    starts: np.ndarray, ends: np.ndarray, bounds: np.ndarray, weights: np.ndarray | None = None
) -> np.ndarray:
    """Integral over each bin [bounds[k], bounds[k+1]) of sum_i w_i * 1{start_i <= t < end_i}."""
    return IntervalIntegrator(starts, ends, bounds).mass(weights)


def ramp_mass(starts: np.ndarray, ends: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """Integral over each bin [bounds[k], bounds[k+1]) of sum_i (t - start_i) 1{start_i<=t<end_i}.

    Time since each interval began, integrated: with a quantity that grows linearly from the
    start of an interval (utility lost while waiting), its total in each bin. From the primitive
    G(T) = sum_{start_i <= T} (T - start_i)^2 / 2 - sum_{end_i <= T} [(T - start_i)^2
    - (end_i - start_i)^2] / 2, with prefix sums of 1, start and start^2 (sorted once), so
    O(n log n) rather than one pass per bin. ``ends`` must be finite (clip them to the run's end).
    """
    starts = np.asarray(starts, float)
    ends = np.asarray(ends, float)
    bounds = np.asarray(bounds, float)
    total = np.zeros(len(bounds))
    by_start = np.sort(starts)
    order = np.argsort(ends, kind="stable")
    sides = (
        (1.0, by_start, by_start, by_start**2),
        (-1.0, ends[order], starts[order], starts[order] ** 2 - (ends[order] - starts[order]) ** 2),
    )
    for sign, points, first, second in sides:
        idx = np.searchsorted(points, bounds, side="right")
        n = np.arange(len(points) + 1, dtype=float)
        s1 = np.concatenate([[0.0], np.cumsum(first)])[idx]
        s2 = np.concatenate([[0.0], np.cumsum(second)])[idx]
        total += sign * (n[idx] * bounds**2 - 2.0 * bounds * s1 + s2) / 2.0
    return np.diff(total)


def instant_occupancy(
    starts: np.ndarray,
    stops: np.ndarray,
    bed_stock_log: Sequence[tuple[float, float]],
    bounds: np.ndarray,
    hours_of_day: Sequence[float],
) -> list[np.ndarray]:
    """Mean over each bin's days of occupied / open beds at each time of day (0: midnight).

    A stay occupies its bed on [start, stop); the open beds are the stock log's value at that
    instant. A bin with no such instant gets NaN. One array per time of day (the stays are
    sorted once for all of them).
    """
    starts, stops = np.sort(starts), np.sort(stops)
    times, values = _stock_log_arrays(bed_stock_log)
    first, last = bounds[0], bounds[-1]
    out = []
    for hour in hours_of_day:
        instants = np.arange(np.ceil(first - hour), np.floor(last), 1.0) + hour
        instants = instants[(instants >= first) & (instants < last)]
        occupied = np.searchsorted(starts, instants, side="right") - np.searchsorted(
            stops, instants, side="right"
        )
        open_beds = values[np.searchsorted(times, instants, side="right") - 1]
        ratio = np.divide(
            occupied, open_beds, out=np.full(len(instants), np.nan), where=open_beds > 0
        )
        count = counts_in_bins(instants, bounds)
        total = counts_in_bins(instants, bounds, ratio)
        out.append(np.divide(total, count, out=np.full(len(count), np.nan), where=count > 0))
    return out


def _stock_log_arrays(log: Sequence[tuple[float, float]]) -> tuple[np.ndarray, np.ndarray]:
    """A step function's log of (time it takes the value, value) as two arrays."""
    return np.array([t for t, _ in log], float), np.array([v for _, v in log], float)


def step_mass(log: Sequence[tuple[float, float]], end: float, bounds: np.ndarray) -> np.ndarray:
    """Integral over each bin of a step function given as (time it takes the value, value)."""
    return step_mass_arrays(*_stock_log_arrays(log), end, bounds)


def step_mass_arrays(
    times: Sequence[float] | np.ndarray,
    values: Sequence[float] | np.ndarray,
    end: float,
    bounds: np.ndarray,
) -> np.ndarray:
    """:func:`step_mass` of a step function given as two sequences.

    ``times[k]`` is when the function takes the value ``values[k]``.
    """
    edges = np.append(np.asarray(times, float), end)
    return interval_mass(edges[:-1], edges[1:], bounds, np.asarray(values, float))


def counts_in_bins(times: np.ndarray, bounds: np.ndarray, weights: np.ndarray | None = None):
    """Number (or weighted sum) of events with time in each bin [bounds[k], bounds[k+1])."""
    times = np.asarray(times, float)
    idx = np.searchsorted(bounds, times, side="right") - 1
    ok = (idx >= 0) & (idx < len(bounds) - 1)
    w = None if weights is None else np.asarray(weights, float)[ok]
    return np.bincount(idx[ok], weights=w, minlength=len(bounds) - 1).astype(float)


ADMISSION_TYPES = ["emergency", "elective"]


def _case_mix(is_complex: np.ndarray) -> pd.Categorical:
    return pd.Categorical.from_codes(is_complex.astype(np.int8), ["routine", "complex"])


#: the cause of an emergency admission: other, COPD exacerbation, coded heart failure, and
#: the other admissions of people with heart failure (their excess above the band's rate
#: that is not coded heart failure: Lawson 2019); see Demand._cause
CAUSES = ["other", "copd_exacerbation", "heart_failure", "other_with_heart_failure"]
STATE_LABELS = {
    "age_band": AGE_BANDS,
    "imd_quintile": IMD_QUINTILES,
    "frailty": FRAILTY_LEVELS,
    "copd_stage": COPD_STAGES,
    "hf_class": HF_CLASSES,
}


def _labels(cells: np.ndarray) -> dict[str, pd.Categorical]:
    axes = cell_axes(np.asarray(cells, dtype=np.int64))
    return {
        name: pd.Categorical.from_codes(codes, categories=list(cats))
        for (name, cats), codes in zip(STATE_LABELS.items(), axes, strict=True)
    }


def follow_up_columns(flags: np.ndarray) -> dict[str, np.ndarray]:
    """What the follow-up after a discharge found, one bool column per outcome."""
    flags = np.asarray(flags, np.int8)
    return {
        "readmitted": (flags & READMITTED) > 0,
        "died_after_discharge": (flags & DIED_AFTER) > 0,
        "moved_to_care_home": (flags & MOVED_TO_CARE_HOME) > 0,
    }


def person_labels(cells: np.ndarray) -> dict[str, pd.Categorical]:
    """Age band, IMD quintile, frailty, COPD stage and NYHA class of population cells."""
    return _labels(cells)


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
            "cause",
            "dies",
            "delay",
            "pathway",
            "step_down_days",
            "vw_excluded",
            "outlier",
            "outlier_extra",
            "repatriated",
            "vw_died",
            "follow_outcome",
        )
    }
    route = np.concatenate([np.full(len(b.time), b.route, np.int8) for b in batches])
    boarding_end = np.where(cat["outcome"] == BOARDING, end_day, cat["bed_start"])
    boarded = (cat["outcome"] == ADMITTED) | (cat["outcome"] == BOARDING)
    return pd.DataFrame(
        {
            "arrival_day": cat["time"],
            **_labels(cat["cell"]),
            "case_mix": _case_mix(cat["complex"]),
            "marginal": cat["marginal"],
            "cause": pd.Categorical.from_codes(cat["cause"], categories=CAUSES),
            "died_in_hospital": cat["dies"] & (cat["outcome"] == ADMITTED),
            "died_without_admission": cat["dies"]
            & ((cat["outcome"] == DECLINED) | (cat["outcome"] == DIVERTED)),
            "died_at_home_after_virtual_ward": cat["vw_died"],
            **follow_up_columns(cat["follow_outcome"]),
            "outcome": pd.Categorical.from_codes(cat["outcome"], categories=list(OUTCOME_LABELS)),
            "route": pd.Categorical.from_codes(route, categories=list(ROUTES)),
            "boarding_hours": np.where(boarded, (boarding_end - cat["time"]) * 24.0, 0.0),
            "bed_start_day": cat["bed_start"],
            "los_days": cat["los"],
            "clinical_los_days": cat["clinical_los"],
            "base_los_days": np.where(boarded, cat["base_los"] - cat["step_down_days"], np.nan),
            "discharge_pathway": cat["pathway"],
            "delayed_discharge_days": cat["delay"],
            "step_down_days": cat["step_down_days"],
            "virtual_ward_excluded": cat["vw_excluded"],
            "outlier": cat["outlier"],
            "outlier_extra_days": cat["outlier_extra"],
            "repatriated": cat["repatriated"],
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
            "outlier_days",
        )
    }
    return pd.DataFrame(
        {
            "referral_day": cat["time"],
            **_labels(cat["cell"]),
            "urgency": pd.Categorical.from_codes(
                cat["urgent"].astype(np.int8), ["routine", "urgent"]
            ),
            "case_mix": _case_mix(cat["complex"]),
            "exit_day": cat["exit_time"],
            "exit_reason": pd.Categorical.from_codes(
                cat["exit_reason"], categories=list(EXIT_LABELS)
            ),
            "los_days": cat["los"],
            "clinical_los_days": cat["clinical_los"],
            "base_los_days": np.where(cat["exit_reason"] == TREATED, cat["base_los"], np.nan),
            "outlier_extra_days": cat["outlier_days"],
        }
    )


_PERSON_COLUMNS = ["age_band", "imd_quintile", "frailty", "copd_stage", "hf_class", "case_mix"]
_EMERGENCY_EPISODE_COLUMNS = [
    "arrival_day",
    *_PERSON_COLUMNS,
    "cause",
    "marginal",
    "died_in_hospital",
    "bed_start_day",
    "los_days",
    "clinical_los_days",
    "base_los_days",
    "delayed_discharge_days",
    "outlier_extra_days",
]
_ELECTIVE_EPISODE_COLUMNS = [
    "referral_day",
    *_PERSON_COLUMNS,
    "exit_day",
    "los_days",
    "clinical_los_days",
    "base_los_days",
    "outlier_extra_days",
]


def episodes_frame(presentations: pd.DataFrame, referrals: pd.DataFrame) -> pd.DataFrame:
    """One row per admission to a G&A bed, emergency and elective."""
    # only the columns used, so the filtered copies stay small (an ICB run has ~1.4 m rows)
    em = presentations.loc[presentations["outcome"] == "admitted", _EMERGENCY_EPISODE_COLUMNS]
    el = referrals.loc[referrals["exit_reason"] == "treated", _ELECTIVE_EPISODE_COLUMNS]
    frames = [
        pd.DataFrame(
            {
                "admission_type": pd.Categorical.from_codes(
                    np.full(len(em), 0, np.int8), ADMISSION_TYPES
                ),
                "arrival_day": em["arrival_day"].to_numpy(),
                "age_band": em["age_band"].array,
                "imd_quintile": em["imd_quintile"].array,
                "frailty": em["frailty"].array,
                "copd_stage": em["copd_stage"].array,
                "hf_class": em["hf_class"].array,
                "cause": em["cause"].array,
                "case_mix": em["case_mix"].array,
                "marginal": em["marginal"].to_numpy(),
                "died_in_hospital": em["died_in_hospital"].to_numpy(),
                "admission_day": em["bed_start_day"].to_numpy(),
                "los_days": em["los_days"].to_numpy(),
                "clinical_los_days": em["clinical_los_days"].to_numpy(),
                "base_los_days": em["base_los_days"].to_numpy(),
                "delayed_discharge_days": em["delayed_discharge_days"].to_numpy(),
                "outlier_extra_days": em["outlier_extra_days"].to_numpy(),
            }
        ),
        pd.DataFrame(
            {
                "admission_type": pd.Categorical.from_codes(
                    np.full(len(el), 1, np.int8), ADMISSION_TYPES
                ),
                "arrival_day": el["referral_day"].to_numpy(),
                "age_band": el["age_band"].array,
                "imd_quintile": el["imd_quintile"].array,
                "frailty": el["frailty"].array,
                "copd_stage": el["copd_stage"].array,
                "hf_class": el["hf_class"].array,
                "cause": pd.Categorical.from_codes(np.zeros(len(el), np.int8), CAUSES),
                "case_mix": el["case_mix"].array,
                "marginal": False,
                "died_in_hospital": False,
                "admission_day": el["exit_day"].to_numpy(),
                "los_days": el["los_days"].to_numpy(),
                "clinical_los_days": el["clinical_los_days"].to_numpy(),
                "base_los_days": el["base_los_days"].to_numpy(),
                "delayed_discharge_days": np.zeros(len(el)),
                "outlier_extra_days": el["outlier_extra_days"].to_numpy(),
            }
        ),
    ]
    del em, el
    ep = pd.concat(frames, ignore_index=True)  # same categories on both sides: stays categorical
    del frames
    ep["discharge_day"] = ep["admission_day"] + ep["los_days"]
    return ep.sort_values("admission_day", kind="stable").reset_index(drop=True)


def by_month(monthly: pd.DataFrame) -> pd.DataFrame:
    """One replication's long monthly table as one row per month and one column per metric."""
    return monthly.pivot(index="month", columns="metric", values="value")


def monthly_metrics(
    calendar: Calendar,
    episodes: pd.DataFrame,
    presentations: pd.DataFrame,
    referrals: pd.DataFrame,
    bed_stock_log: list[tuple[float, int]],
    core_stock_log: list[tuple[float, int]],
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
    beds = IntervalIntegrator(start, stop, bounds)
    m[metrics.BED_DAYS] = beds.mass()
    m[metrics.BED_DAYS_EMERGENCY] = beds.mass(emerg)
    m[metrics.BED_DAYS_EMERGENCY_MARGINAL] = beds.mass(emerg & marginal)
    m[metrics.BED_DAYS_ELECTIVE] = beds.mass(~emerg)
    complex_mix = (episodes["case_mix"] == "complex").to_numpy()
    m[metrics.BED_DAYS_EMERGENCY_COMPLEX] = beds.mass(emerg & complex_mix)
    m[metrics.BED_DAYS_ELECTIVE_COMPLEX] = beds.mass(~emerg & complex_mix)
    delay = episodes["delayed_discharge_days"].to_numpy()
    outlier_extra = episodes["outlier_extra_days"].fillna(0.0).to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        pressure_share = np.where(los > 0, (clinical - base - outlier_extra) / los, 0.0)
        outlier_share = np.where(los > 0, outlier_extra / los, 0.0)
        window_share = np.where(los > 0, (los - clinical - delay) / los, 0.0)
        delay_share = np.where(los > 0, delay / los, 0.0)
        base_share = np.where(los > 0, base / los, 0.0)
    m[metrics.BED_DAYS_STAY_PRESSURE] = beds.mass(pressure_share)
    m[metrics.BED_DAYS_OUTLIER_EXTRA_STAY] = beds.mass(outlier_share)
    # base-stay bed-time by who used it (base stay = before occupancy and discharge timing)
    m[metrics.BED_DAYS_BASE_EMERGENCY_CORE] = beds.mass(base_share * (emerg & ~marginal))
    m[metrics.BED_DAYS_BASE_EMERGENCY_MARGINAL] = beds.mass(base_share * (emerg & marginal))
    m[metrics.BED_DAYS_BASE_ELECTIVE] = beds.mass(base_share * ~emerg)
    m[metrics.BED_DAYS_AWAITING_DISCHARGE_WINDOW] = beds.mass(window_share)
    m[metrics.BED_DAYS_DELAYED_DISCHARGE] = beds.mass(delay_share)
    m[metrics.DELAYED_DISCHARGE_PATIENTS] = m[metrics.BED_DAYS_DELAYED_DISCHARGE] / days

    m[metrics.OPEN_BED_DAYS] = step_mass(bed_stock_log, end, bounds)
    m[metrics.CORE_BED_DAYS] = step_mass(core_stock_log, end, bounds)  # without escalation beds
    # escalation beds open, and beds of a closing ward until each falls empty
    m[metrics.ESCALATION_BED_DAYS] = np.maximum(
        m[metrics.OPEN_BED_DAYS] - m[metrics.CORE_BED_DAYS], 0.0
    )
    m[metrics.OPEN_BEDS] = m[metrics.OPEN_BED_DAYS] / days
    m[metrics.OCCUPIED_BEDS] = m[metrics.BED_DAYS] / days
    m[metrics.OCCUPANCY] = m[metrics.OCCUPIED_BEDS] / m[metrics.OPEN_BEDS]
    m[metrics.OCCUPANCY_MIDNIGHT], m[metrics.OCCUPANCY_MIDDAY] = instant_occupancy(
        start, stop, bed_stock_log, bounds, (0.0, 0.5)
    )

    # admissions and presentations by month of event
    adm = episodes["admission_day"].to_numpy()
    m[metrics.ADMISSIONS_EMERGENCY] = counts_in_bins(adm[emerg], bounds)
    m[metrics.ADMISSIONS_EMERGENCY_COMPLEX] = counts_in_bins(adm[emerg & complex_mix], bounds)
    m[metrics.ADMISSIONS_ELECTIVE_COMPLEX] = counts_in_bins(adm[~emerg & complex_mix], bounds)
    m[metrics.ADMISSIONS_EMERGENCY_MARGINAL] = counts_in_bins(adm[emerg & marginal], bounds)
    m[metrics.ADMISSIONS_ELECTIVE] = counts_in_bins(adm[~emerg], bounds)
    # compared as categoricals (codes): to_numpy() would make a string object a row (~58 bytes)
    cause = episodes["cause"]
    m[metrics.ADMISSIONS_COPD_EXACERBATION] = counts_in_bins(
        adm[(cause == "copd_exacerbation").to_numpy()], bounds
    )
    m[metrics.ADMISSIONS_HEART_FAILURE] = counts_in_bins(
        adm[(cause == "heart_failure").to_numpy()], bounds
    )
    disc = episodes["discharge_day"].to_numpy()
    done = disc < end
    m[metrics.DISCHARGES] = counts_in_bins(disc[done], bounds)
    died = episodes["died_in_hospital"].to_numpy(bool)
    m[metrics.DEATHS_IN_HOSPITAL] = counts_in_bins(disc[done & died], bounds)
    not_admitted = presentations["died_without_admission"].to_numpy(bool)
    m[metrics.DEATHS_AFTER_ED_WITHOUT_ADMISSION] = counts_in_bins(
        presentations["arrival_day"].to_numpy()[not_admitted], bounds
    )
    m[metrics.DISCHARGED_LOS_DAYS_TOTAL] = counts_in_bins(disc[done], bounds, los[done])
    m[metrics.DISCHARGES_EMERGENCY] = counts_in_bins(disc[done & emerg], bounds)
    m[metrics.DISCHARGED_EMERGENCY_LOS_DAYS_TOTAL] = counts_in_bins(
        disc[done & emerg], bounds, los[done & emerg]
    )
    m[metrics.DISCHARGED_EMERGENCY_DELAY_DAYS_TOTAL] = counts_in_bins(
        disc[done & emerg], bounds, delay[done & emerg]
    )
    imd = episodes["imd_quintile"].cat.codes.to_numpy()
    for q, label in enumerate(IMD_QUINTILES):
        m[metrics.ADMISSIONS_EMERGENCY_BY_IMD.name(label)] = counts_in_bins(
            adm[emerg & (imd == q)], bounds
        )
    m[metrics.MEAN_LOS_DAYS] = np.divide(
        m[metrics.DISCHARGED_LOS_DAYS_TOTAL],
        m[metrics.DISCHARGES],
        out=np.full_like(m[metrics.DISCHARGES], np.nan),
        where=m[metrics.DISCHARGES] > 0,
    )
    p_time = presentations["arrival_day"].to_numpy()
    outcome = presentations["outcome"].cat.codes.to_numpy()
    m[metrics.EMERGENCY_PRESENTATIONS] = counts_in_bins(p_time, bounds)
    m[metrics.EMERGENCY_PRESENTATIONS_MARGINAL] = counts_in_bins(
        p_time[presentations["marginal"].to_numpy(bool)], bounds
    )
    m[metrics.EMERGENCY_TO_VIRTUAL_WARD] = counts_in_bins(p_time[outcome == VIRTUAL_WARD], bounds)
    m[metrics.EMERGENCY_NOT_ADMITTED] = counts_in_bins(p_time[outcome == DECLINED], bounds)
    m[metrics.EMERGENCY_DIVERTED] = counts_in_bins(p_time[outcome == DIVERTED], bounds)
    still_boarding = outcome == BOARDING
    board_end = np.where(still_boarding, end, presentations["bed_start_day"].to_numpy())
    boarded = still_boarding | (outcome == ADMITTED)
    m[metrics.ED_BOARDING_HOURS] = interval_mass(p_time[boarded], board_end[boarded], bounds) * 24.0
    m[metrics.ED_BOARDERS_MEAN] = m[metrics.ED_BOARDING_HOURS] / 24.0 / days
    # waits from the decision to admit (the presentation) to a bed, as NHS England counts them;
    # readmissions come through the ED too, virtual-ward escalations do not
    route = presentations["route"]
    via_ed = (outcome == ADMITTED) & (route != ROUTES[1]).to_numpy()
    readmission = (route == ROUTES[2]).to_numpy()
    m[metrics.READMISSION_PRESENTATIONS] = counts_in_bins(p_time[readmission], bounds)
    bed_at = presentations["bed_start_day"].to_numpy()
    waited = presentations["boarding_hours"].to_numpy()
    m[metrics.ADMISSIONS_VIA_ED] = counts_in_bins(bed_at[via_ed], bounds)
    m[metrics.EMERGENCY_READMISSIONS] = counts_in_bins(
        bed_at[readmission & (outcome == ADMITTED)], bounds
    )
    from_list = (route == ROUTES[3]).to_numpy()
    m[metrics.WAITING_LIST_EMERGENCY_PRESENTATIONS] = counts_in_bins(p_time[from_list], bounds)
    m[metrics.WAITING_LIST_EMERGENCY_ADMISSIONS] = counts_in_bins(
        bed_at[from_list & (outcome == ADMITTED)], bounds
    )
    m[metrics.ED_WAITS_4H_PLUS] = counts_in_bins(bed_at[via_ed & (waited >= 4.0)], bounds)
    m[metrics.ED_WAITS_12H_PLUS] = counts_in_bins(bed_at[via_ed & (waited >= 12.0)], bounds)
    outlier = presentations["outlier"].to_numpy(bool)
    m[metrics.OUTLIER_ADMISSIONS] = counts_in_bins(bed_at[outlier], bounds)
    m[metrics.REPATRIATIONS] = counts_in_bins(
        bed_at[presentations["repatriated"].to_numpy(bool)], bounds
    )

    # waiting list: stock at month end, flows by month
    ref_t = referrals["referral_day"].to_numpy()
    exit_t = referrals["exit_day"].to_numpy()
    removed = (referrals["exit_reason"] == "removed").to_numpy()
    m[metrics.REFERRALS] = counts_in_bins(ref_t, bounds)
    m[metrics.LIST_REMOVALS] = counts_in_bins(exit_t[removed], bounds)
    size = np.empty(len(days))
    under_18 = np.empty(len(days))
    mean_wait = np.empty(len(days))
    for k, t in enumerate(bounds[1:]):
        live = (ref_t <= t) & (exit_t > t)
        waited = t - ref_t[live]
        size[k] = live.sum()
        under_18[k] = (waited < EIGHTEEN_WEEKS_DAYS).mean() if size[k] else np.nan
        mean_wait[k] = waited.mean() / 7.0 if size[k] else 0.0
    m[metrics.WAITING_LIST_SIZE] = size
    m[metrics.WAITING_LIST_18WK_SHARE] = under_18
    m[metrics.WAITING_LIST_MEAN_WAIT_WEEKS] = mean_wait
    m[metrics.POPULATION] = population_by_month.astype(float)
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
    "counts_in_bins",
    "step_mass",
    "episodes_frame",
    "interval_mass",
    "monthly_metrics",
    "presentations_frame",
    "referrals_frame",
]


STATE_NAMES = {"frailty": FRAILTY_LEVELS, "copd": COPD_STAGES, "heart_failure": HF_CLASSES}


def state_metrics(
    snapshots: dict[str, np.ndarray], people_severe: np.ndarray
) -> dict[str, np.ndarray]:
    """Monthly people in each frailty level, COPD stage and NYHA class, and the severe groups.

    ``people_severe`` counts each person once however many severe states they are in (severe
    frailty, GOLD 3-4, NYHA III-IV).
    """
    out = {}
    for name, snap in snapshots.items():
        totals = snap.sum(axis=(1, 2))  # (month, state)
        for k, label in enumerate(STATE_NAMES[name]):
            out[metrics.PEOPLE_BY_STATE[name].name(label)] = totals[:, k]
    copd, hf = metrics.PEOPLE_COPD, metrics.PEOPLE_HEART_FAILURE
    out[metrics.PEOPLE_COPD_SEVERE] = out[copd.name("GOLD3")] + out[copd.name("GOLD4")]
    out[metrics.PEOPLE_HEART_FAILURE_SEVERE] = out[hf.name("NYHA3")] + out[hf.name("NYHA4")]
    out[metrics.PEOPLE_IN_A_SEVERE_STATE] = people_severe
    return out


def prevalence_frame(calendar: Calendar, snapshots: dict[str, np.ndarray]) -> pd.DataFrame:
    """Tidy prevalence: people by month, dimension, state, age band and IMD quintile."""
    frames = []
    months = np.arange(calendar.warmup_months, calendar.n_months)
    for name, snap in snapshots.items():
        sub = snap[months]  # (month, age, imd, state)
        m, a, q, k = np.indices(sub.shape)
        frames.append(
            pd.DataFrame(
                {
                    "month": months[m.ravel()],
                    "dimension": name,
                    "state": pd.Categorical(
                        np.asarray(STATE_NAMES[name])[k.ravel()],
                        categories=list(dict.fromkeys(sum(STATE_NAMES.values(), ()))),
                    ),
                    "age_band": pd.Categorical.from_codes(a.ravel(), list(AGE_BANDS)),
                    "imd_quintile": pd.Categorical.from_codes(q.ravel(), list(IMD_QUINTILES)),
                    "people": sub.ravel(),
                }
            )
        )
    out = pd.concat(frames, ignore_index=True)
    out.insert(1, "reporting_year", calendar.reporting_year[out["month"].to_numpy()])
    return out

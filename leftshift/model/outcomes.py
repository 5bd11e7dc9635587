"""Health outcomes of one replication: QALYs, life-years and deaths, by month and IMD quintile.

* **QALYs lived**: at each month start, people in every cell x the cell's utility x the month's
  length in years. A cell's utility is the EQ-5D age norm x multipliers for its COPD stage, NYHA
  class and frailty level (``outcomes.*``). Counting at month starts is a left Riemann sum of the
  monthly stock, the same for every arm.
* **QALYs lost**: per COPD-exacerbation and heart-failure admission (by NYHA class), in the month
  of admission; and while waiting beyond 18 weeks on the elective list (utility decrement x time,
  integrated exactly over each month).
* **Deaths** in and out of hospital come from the population and the hospital. The expected extra
  deaths from ED crowding (Jones 2022: one per 82 admitted patients who wait more than 6 hours for
  a bed) are reported; in the expected-value cohort (the default) they are also taken out of the
  population (a fraction of a person from the patient's cell, the month after), so they cost
  life-years and QALYs. The stochastic cohort reports them only.

QALYs are counted within the horizon only: nothing is extrapolated beyond the last month.
"""

import numpy as np
import pandas as pd

from leftshift.config import AGE_BAND_WIDTH_YEARS, IMD_QUINTILES, Config
from leftshift.config.dimensions import IMD_AXIS, N_IMD, SHAPE
from leftshift.model import metrics
from leftshift.model.clock import DAYS_PER_YEAR, Calendar
from leftshift.model.frames import EIGHTEEN_WEEKS_DAYS, counts_in_bins, interval_mass


def utility_table(cfg: Config) -> np.ndarray:
    """Utility of a person in each population cell (age, IMD, frailty, COPD, heart failure)."""
    o = cfg.outcomes
    age, _, frailty, copd, hf = np.indices(SHAPE)
    copd_mult = np.concatenate([[1.0], o.copd_utility_multiplier])[copd]
    hf_mult = np.concatenate([[1.0], o.hf_utility_multiplier])[hf]
    frail_mult = np.asarray(o.frailty_utility_multiplier)[frailty]
    return np.asarray(o.utility_by_age)[age] * copd_mult * hf_mult * frail_mult


def remaining_life_expectancy(cfg: Config) -> np.ndarray:
    """Years of life left at the middle of each age band, from the bands' mortality rates.

    A life table with a constant hazard in each band (``population.mortality_per_1000_by_age``,
    itself an approximation of ONS rates); used for years of life lost.
    """
    hazard = np.asarray(cfg.population.mortality_per_1000_by_age, float) / 1000.0
    width = np.asarray(AGE_BAND_WIDTH_YEARS, float)
    out = np.zeros(len(hazard))
    after = 0.0  # expectation of life at the start of the next band
    for k in range(len(hazard) - 1, -1, -1):
        h = max(hazard[k], 1e-12)
        if not np.isfinite(width[k]):
            out[k] = 1.0 / h
            after = out[k]
            continue
        half = width[k] / 2.0
        out[k] = -np.expm1(-h * half) / h + np.exp(-h * half) * after
        after = -np.expm1(-h * width[k]) / h + np.exp(-h * width[k]) * after
    return out


def qalys_lived(counts: np.ndarray, utility: np.ndarray, days: float) -> np.ndarray:
    """QALYs lived in a month by IMD quintile, from the stock at the month's start."""
    others = tuple(a for a in range(len(SHAPE)) if a != IMD_AXIS)
    return (counts * utility).sum(axis=others) * days / DAYS_PER_YEAR


def _by_imd(imd: pd.Series, values: np.ndarray, times: np.ndarray, bounds: np.ndarray):
    codes = imd.cat.codes.to_numpy()
    return np.stack(
        [counts_in_bins(times[codes == q], bounds, values[codes == q]) for q in range(N_IMD)],
        axis=1,
    )


def outcome_metrics(
    cfg: Config,
    calendar: Calendar,
    episodes: pd.DataFrame,
    presentations: pd.DataFrame,
    referrals: pd.DataFrame,
    lived_by_imd: np.ndarray,
) -> dict[str, np.ndarray]:
    """Monthly QALYs (total and by IMD quintile), QALY losses and ED-crowding deaths."""
    o = cfg.outcomes
    bounds = calendar.month_start_days
    # admissions: a QALY loss by cause (and NYHA class for heart failure)
    cause = episodes["cause"].to_numpy()
    hf_class = episodes["hf_class"].cat.codes.to_numpy()  # 0 none, 1-4 NYHA I-IV
    hf_loss = np.concatenate([[0.0], o.qaly_loss_per_hf_admission_by_class])
    loss = np.where(cause == "copd_exacerbation", o.qaly_loss_per_copd_exacerbation, 0.0)
    loss = loss + np.where(cause == "heart_failure", hf_loss[hf_class], 0.0)
    admission_loss = _by_imd(
        episodes["imd_quintile"], loss, episodes["admission_day"].to_numpy(), bounds
    )
    # waiting beyond 18 weeks: decrement x time, integrated over each month
    waiting_loss = np.zeros_like(admission_loss)
    if o.utility_decrement_waiting_over_18_weeks > 0:
        start = referrals["referral_day"].to_numpy() + EIGHTEEN_WEEKS_DAYS
        stop = np.minimum(referrals["exit_day"].to_numpy(), calendar.end_day)
        long = stop > start
        codes = referrals["imd_quintile"].cat.codes.to_numpy()
        per_day = o.utility_decrement_waiting_over_18_weeks / DAYS_PER_YEAR
        for q in range(N_IMD):
            sel = long & (codes == q)
            waiting_loss[:, q] = interval_mass(start[sel], stop[sel], bounds) * per_day
    net_by_imd = lived_by_imd - admission_loss - waiting_loss
    out = {
        metrics.QALYS: net_by_imd.sum(axis=1),
        metrics.QALYS_LIVED: lived_by_imd.sum(axis=1),
        metrics.QALY_LOSS_ADMISSIONS: admission_loss.sum(axis=1),
        metrics.QALY_LOSS_WAITING: waiting_loss.sum(axis=1),
    }
    for q, label in enumerate(IMD_QUINTILES):
        out[metrics.QALYS_BY_IMD.name(label)] = net_by_imd[:, q]
    # ED crowding: admitted patients who waited more than the threshold for a bed
    delayed = (
        (presentations["outcome"] == "admitted").to_numpy()
        & (presentations["boarding_hours"].to_numpy() > o.ed_delay_hours)
        & ~presentations["died_in_hospital"].to_numpy(bool)
    )
    out[metrics.ADMISSIONS_DELAYED_IN_ED] = counts_in_bins(
        presentations["arrival_day"].to_numpy()[delayed], bounds
    )
    out[metrics.DEATHS_EXPECTED_FROM_ED_CROWDING] = (
        out[metrics.ADMISSIONS_DELAYED_IN_ED] * o.ed_delay_deaths_per_patient.mean
    )
    return out

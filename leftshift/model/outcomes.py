"""Health outcomes of one replication: QALYs, life-years and deaths, by month and IMD quintile.

* **QALYs lived**: at each month start, people in every cell x the cell's utility x the month's
  length in years. A cell's utility is the EQ-5D age norm x multipliers for its COPD stage, NYHA
  class and frailty level (``outcomes.*``). Counting at month starts is a left Riemann sum of the
  monthly stock, the same for every arm.
* **QALYs lost**: per COPD-exacerbation and heart-failure admission (by NYHA class), in the month
  of admission; and while waiting on the elective list: utility falls by
  ``outcomes.waiting_utility_decline_per_month`` for each month since referral, until treatment
  or removal, integrated exactly over each month (:func:`~leftshift.model.frames.ramp_mass`).
  A wait of w months loses decline x w^2 / 24 QALYs (0.0135 a month: 0.0034 for 4 months,
  0.0304 for 12). Only time on the list inside the horizon counts.
* **QALYs gained by elective treatment**: each elective spell (a patient treated from the list)
  gains ``outcomes.elective_qaly_gain_per_spell``, the discounted lifetime gain of the
  operation, credited in the month of admission. The economic evaluation then discounts it,
  like every QALY, from that reporting year to year 1, so a gain is worth what it would be at
  the time of treatment. This is the one QALY that reaches beyond the horizon (the gain is a
  lifetime one, as its sources measure it); a patient removed from the list untreated, or who
  dies waiting, never gains it, and nor does one still waiting at the end of the horizon
  (deferred beyond the horizon counts as forgone, in both arms alike).
* **Deaths** in and out of hospital come from the population and the hospital. The expected extra
  deaths from ED crowding (Jones 2022: one per 82 admitted patients who wait more than 6 hours for
  a bed) are reported; in the expected-value cohort (the default) they are also taken out of the
  population (a fraction of a person from the patient's cell, the month after), so they cost
  life-years and QALYs. The stochastic cohort reports them only.

Apart from the elective gain, QALYs are counted within the horizon only: nothing is
extrapolated beyond the last month.
"""

import numpy as np
import pandas as pd

from leftshift.config import AGE_BAND_WIDTH_YEARS, IMD_QUINTILES, Config
from leftshift.config.dimensions import IMD_AXIS, N_IMD, SHAPE
from leftshift.model import metrics
from leftshift.model.clock import DAYS_PER_YEAR, Calendar
from leftshift.model.frames import counts_in_bins, ramp_mass

#: days in a month of waiting (the decline per month is per twelfth of a year)
DAYS_PER_MONTH = DAYS_PER_YEAR / 12.0


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


def elective_qalys(
    cfg: Config, calendar: Calendar, referrals: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray]:
    """QALYs lost waiting and gained by treatment, by month (rows) and IMD quintile (columns).

    Waiting: utility falls by the decline per month for every month since referral, until the
    referral leaves the list (treated or removed) or the horizon ends. Gain: one
    ``elective_qaly_gain_per_spell`` in the month a referral is treated (its admission day).
    """
    o = cfg.outcomes
    bounds = calendar.month_start_days
    codes = referrals["imd_quintile"].cat.codes.to_numpy()
    start = referrals["referral_day"].to_numpy()
    exit_day = referrals["exit_day"].to_numpy()
    stop = np.minimum(exit_day, calendar.end_day)
    treated = (referrals["exit_reason"] == "treated").to_numpy()
    per_day_waited = o.waiting_utility_decline_per_month.mean / DAYS_PER_MONTH
    waiting = np.zeros((len(bounds) - 1, N_IMD))
    gain = np.zeros_like(waiting)
    for q in range(N_IMD):
        mine = codes == q
        on_list = mine & (stop > start)
        if per_day_waited > 0:  # utility-days lost, in years
            lost = ramp_mass(start[on_list], stop[on_list], bounds)
            waiting[:, q] = lost * per_day_waited / DAYS_PER_YEAR
        gain[:, q] = counts_in_bins(exit_day[mine & treated], bounds)
    return waiting, gain * o.elective_qaly_gain_per_spell.mean


def outcome_metrics(
    cfg: Config,
    calendar: Calendar,
    episodes: pd.DataFrame,
    presentations: pd.DataFrame,
    referrals: pd.DataFrame,
    lived_by_imd: np.ndarray,
) -> dict[str, np.ndarray]:
    """Monthly QALYs (total and by IMD quintile), elective gains, QALY losses, crowding deaths."""
    o = cfg.outcomes
    bounds = calendar.month_start_days
    # admissions: a QALY loss by cause (and NYHA class for heart failure)
    cause = episodes["cause"]  # compared as a categorical: no string object a row
    hf_class = episodes["hf_class"].cat.codes.to_numpy()  # 0 none, 1-4 NYHA I-IV
    hf_loss = np.concatenate([[0.0], o.qaly_loss_per_hf_admission_by_class])
    copd = (cause == "copd_exacerbation").to_numpy()
    loss = np.where(copd, o.qaly_loss_per_copd_exacerbation, 0.0)
    loss = loss + np.where((cause == "heart_failure").to_numpy(), hf_loss[hf_class], 0.0)
    admission_loss = _by_imd(
        episodes["imd_quintile"], loss, episodes["admission_day"].to_numpy(), bounds
    )
    waiting_loss, elective_gain = elective_qalys(cfg, calendar, referrals)
    net_by_imd = lived_by_imd + elective_gain - admission_loss - waiting_loss
    out = {
        metrics.QALYS: net_by_imd.sum(axis=1),
        metrics.QALYS_LIVED: lived_by_imd.sum(axis=1),
        metrics.QALY_GAIN_ELECTIVE: elective_gain.sum(axis=1),
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

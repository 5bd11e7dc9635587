"""The population: cohort stocks, stepped monthly.

Stocks are by age band x IMD quintile x frailty x COPD stage x NYHA class.

Each month every cell loses people to competing risks. By default (``population.stochastic:
false``) the stocks move by their expected values, a deterministic Markov cohort trace with
fractional people; with ``stochastic: true`` the moves are drawn as one multinomial per cell from
the ``population`` stream (integer people). The expected-value cohort is the default because
chance deaths in a stochastic cohort make the arms of an experiment drift apart, and that
demographic noise swamped QALY differences (about 100 times the signal at 100,000 people).
The risks:

* death: a background hazard by age band and frailty, plus excess hazards for COPD stage
  (Lambe 2019's death column less background) and heart failure (Mohiuddin 2016, less
  background, by NYHA class);
* ageing into the next band;
* one step up in frailty;
* a move to another COPD stage (incidence from "none"; progression and regression between
  GOLD stages from the matrix logarithm of Lambe's annual transition matrix);
* a move to another NYHA class (incidence; worsening and improvement).

Births enter the youngest band as fit and free of both conditions; net migration adds or
removes people aged 18-49. People are conserved: alive = initial + births + migrants in -
migrants out - deaths, checked every step (exactly for integer stocks, to rounding for expected
values). People who die in hospital (from the discrete-event hospital) are removed one by one in
both modes.
"""

import datetime as dt
from collections.abc import Callable
from typing import Any

import numpy as np
from scipy import linalg

from leftshift.config import AGE_BAND_WIDTH_YEARS, AGE_BANDS, Config, PopulationConfig, tables
from leftshift.config.dimensions import (
    COPD_AXIS,
    FRAILTY_AXIS,
    HF_AXIS,
    N_AGE,
    N_COPD,
    N_FRAILTY,
    N_GOLD,
    N_HF,
    N_IMD,
    SHAPE,
    severe_state_mask,
)
from leftshift.model.invariants import InvariantError

MONTHS_PER_YEAR = 12.0
AGE_75_PLUS = np.array([False, False, False, False, True, True])  # bands 75-84 and 85+
# outcome columns of the monthly multinomial
STAY, DIE, AGE_UP, FRAIL_UP = 0, 1, 2, 3
COPD_TO = 4  # 4..7: to GOLD 1..4
HF_TO = 8  # 8..11: to NYHA I..IV
N_OUTCOMES = 12


def apportion(total: int, weights: np.ndarray) -> np.ndarray:
    """Split an integer total in proportion to weights (largest remainder), exactly."""
    weights = np.asarray(weights, dtype=float)
    flat = weights.ravel() / weights.sum()
    raw = flat * total
    counts = np.floor(raw).astype(np.int64)
    short = total - counts.sum()
    if short:
        order = np.argsort(-(raw - counts), kind="stable")
        counts[order[:short]] += 1
    return counts.reshape(weights.shape)


def frailty_shares(pop: PopulationConfig) -> np.ndarray:
    """Initial frailty distribution by age band, shape (age, frailty)."""
    mild = np.asarray(pop.frailty_mild_share_by_age)
    moderate = np.asarray(pop.frailty_moderate_share_by_age)
    severe = np.asarray(pop.frailty_severe_share_by_age)
    return np.stack([1.0 - mild - moderate - severe, mild, moderate, severe], axis=1)


def deprivation_gradient(ratio_q1_to_q5: float, imd_shares: np.ndarray) -> np.ndarray:
    """Multipliers by IMD quintile, geometric from Q5 (1) to Q1 (ratio), mean 1."""
    raw = ratio_q1_to_q5 ** (np.arange(N_IMD)[::-1] / (N_IMD - 1))
    return raw / (raw * imd_shares).sum()


def condition_shares(
    prevalence_by_age, mix, ratio_q1_to_q5: float, imd_shares: np.ndarray
) -> np.ndarray:
    """Initial distribution over (none, stage 1-4) by (age, imd), shape (age, imd, stages)."""
    dep = deprivation_gradient(ratio_q1_to_q5, imd_shares)
    any_ = np.clip(np.asarray(prevalence_by_age)[:, None] * dep[None, :], 0.0, 0.99)
    out = np.empty((N_AGE, N_IMD, 1 + len(mix)))
    out[..., 0] = 1.0 - any_
    out[..., 1:] = any_[..., None] * np.asarray(mix)
    return out


def heart_failure_rate(monthly_hazard_under_75: float, hr_75_plus: float) -> np.ndarray:
    """Yearly rate by age band for people with heart failure (Mohiuddin 2016, all causes)."""
    return 12.0 * monthly_hazard_under_75 * np.where(AGE_75_PLUS, hr_75_plus, 1.0)


def heart_failure_excess(hfc, monthly_hazard_under_75: float, hr_75_plus: float, band_rate):
    """Yearly rate by (age band, NYHA state) above a band's average rate.

    For people with heart failure (Mohiuddin 2016), scaled by class (mean 1 over the initial
    mix); state 0 (no heart failure) has none.
    """
    mult = np.asarray(hfc.class_risk_multiplier)
    mult = mult / (mult * np.asarray(hfc.class_mix)).sum()
    total = heart_failure_rate(monthly_hazard_under_75, hr_75_plus)
    excess = np.zeros((N_AGE, N_HF))
    excess[:, 1:] = np.clip(total - np.asarray(band_rate), 0.0, None)[:, None] * mult[None, :]
    return excess


def heart_failure_coded_fraction(hfc, band_rate) -> np.ndarray:
    """By age band: the share of the heart-failure cause whose admissions are coded as such.

    The heart-failure cause is the excess above the band's rate.
    A person with heart failure has the band's rate plus the excess (all causes, Mohiuddin
    2016); ``hfc.coded_admission_share`` of that total is coded heart failure (Lawson 2019),
    taken out of the excess (at most all of it); the rest of the excess is other causes.
    """
    total = heart_failure_rate(hfc.admission_monthly_hazard_under_75, hfc.admission_hr_75_plus)
    excess = np.clip(total - np.asarray(band_rate, float), 0.0, None)
    coded = hfc.coded_admission_share * total
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(excess > 0, np.clip(coded / excess, 0.0, 1.0), 0.0)


def copd_generator(cfg: PopulationConfig) -> tuple[np.ndarray, np.ndarray]:
    """Annual hazards between GOLD stages (4 x 4, zero diagonal) and excess death by stage.

    The generator is the matrix logarithm of Lambe's annual matrix (rows renormalised, death
    absorbing). Small negative off-diagonal entries that a matrix logarithm can give are set to
    zero. Excess death = the generator's death hazard less the background at the source's age.
    """
    p = np.asarray(cfg.copd.annual_transitions, dtype=float)
    p = p / p.sum(axis=1, keepdims=True)
    full = np.zeros((N_COPD, N_COPD))
    full[:4] = p
    full[4, 4] = 1.0
    q = np.real(linalg.logm(full))
    moves = np.clip(q[:4, :4], 0.0, None)
    np.fill_diagonal(moves, 0.0)
    # a source death rate of 1 (everyone dies) leaves no excess: cap it short of 1
    background = -np.log1p(-min(cfg.copd.background_mortality_at_source, 1 - 1e-12))
    excess = np.clip(q[:4, 4] - background, 0.0, None)
    return moves, excess


def mid_year_time(date: str) -> float:
    """A date as a year on the projections' mid-year scale (30 June of year Y is Y)."""
    day = dt.date.fromisoformat(date)
    return day.year + (day - dt.date(day.year, 7, 1)).days / 365.25


def reporting_start_date(start_date: str, warmup_months: int) -> str:
    """The date reporting starts, as the model's calendar counts months.

    The first day of the month ``warmup_months`` after the start (the start itself without a
    warm-up).
    """
    if warmup_months == 0:
        return start_date
    month = np.datetime64(dt.date.fromisoformat(start_date), "M") + warmup_months
    return str(month.astype("datetime64[D]"))


class BandProjection:
    """Each age band's size relative to a start date, from a projection table.

    The table gives a population (or an index of it) by band at mid-years; between them it is
    interpolated linearly. ``ratio(years)`` is each band's size ``years`` after the start over
    its size at the start.
    """

    def __init__(self, table: str, start_date: str):
        years, values = tables.projection(table, AGE_BANDS)
        self.years = np.asarray(years)
        self.values = np.asarray(values)
        self.start = mid_year_time(start_date)
        self.at_start = self.index(self.start)

    def index(self, year: float) -> np.ndarray:
        """The table's value of every band at a (fractional) mid-year scale year."""
        return np.array([np.interp(year, self.years, col) for col in self.values.T])

    def ratio(self, years: float) -> np.ndarray:
        """Every band's size ``years`` after the start, relative to the start."""
        return self.index(self.start + years) / self.at_start


def stationary_rates(
    structure: np.ndarray, mortality: np.ndarray
) -> tuple[np.ndarray, np.ndarray, float]:
    """Ageing and frailty-transition rates and a birth rate (per year) that hold ``structure``.

    ``structure`` is the population share by (age, frailty) and ``mortality`` the death rate by
    (age, frailty). Births equal deaths (so the size holds); flows then balance cell by cell,
    youngest band and fittest level first: inflow (births, ageing in, frailty in) = stock x
    (death + ageing out + frailty out). The ageing rate of a band balances its total, the frailty
    rates each level; the oldest band and the most frail level then balance by construction.
    A rate that would have to be negative (recovery) is set to zero, leaving a small drift.
    """
    n_age, n_frail = structure.shape
    band = structure.sum(axis=1)
    deaths = (structure * mortality).sum(axis=1)
    birth_rate = float(deaths.sum() / structure.sum())
    ageing = np.zeros(n_age)
    inflow_band = birth_rate
    for k in range(n_age - 1):
        ageing[k] = max(0.0, (inflow_band - deaths[k]) / band[k]) if band[k] > 0 else 0.0
        inflow_band = ageing[k] * band[k]
    frailty = np.zeros((n_age, n_frail))
    for k in range(n_age):
        carried = 0.0  # people moving up from the previous frailty level
        for f in range(n_frail - 1):
            stock = structure[k, f]
            inflow = carried + (ageing[k - 1] * structure[k - 1, f] if k else 0.0)
            if k == 0 and f == 0:
                inflow += birth_rate
            if stock > 0:
                frailty[k, f] = max(0.0, inflow / stock - mortality[k, f] - ageing[k])
            carried = frailty[k, f] * stock
    return ageing, frailty, birth_rate


class Population:
    """Cohort stocks and their monthly transitions."""

    def __init__(
        self, cfg: Config, rng: np.random.Generator | Callable[[int], np.random.Generator]
    ):
        """``rng`` is one generator, or a function giving a generator for each month."""
        self.cfg = cfg.population
        self._rng = rng
        self.month = 0
        pop, place = cfg.population, cfg.place
        self.imd_shares = np.asarray(place.imd_shares)
        frail = frailty_shares(pop)
        copd = condition_shares(
            pop.copd.prevalence_by_age,
            pop.copd.stage_mix,
            pop.copd.deprivation_ratio_q1_to_q5,
            self.imd_shares,
        )
        hf = condition_shares(
            pop.heart_failure.prevalence_by_age,
            pop.heart_failure.class_mix,
            pop.heart_failure.deprivation_ratio_q1_to_q5,
            self.imd_shares,
        )
        self.structure = (
            np.asarray(place.age_shares)[:, None, None, None, None]
            * self.imd_shares[None, :, None, None, None]
            * frail[:, None, :, None, None]
            * copd[:, :, None, :, None]
            * hf[:, :, None, None, :]
        )
        self.counts = apportion(place.population, self.structure)
        if not pop.stochastic:
            self.counts = self.counts.astype(float)
        self.initial_total = int(self.counts.sum())
        self.initial_counts = self.counts.copy()
        # running totals: whole people in a stochastic cohort, fractional in an expected one
        self.births: float = 0
        self.migrants_in: float = 0
        self.migrants_out: float = 0
        self.deaths: float = 0

        # excess death hazards of the two conditions (per year)
        self.copd_moves, copd_excess = copd_generator(pop)
        self.copd_excess = np.concatenate([[0.0], copd_excess])  # by COPD state
        hfc = pop.heart_failure
        band_rate = np.asarray(pop.mortality_per_1000_by_age) / 1000.0
        self.hf_excess = heart_failure_excess(
            hfc, hfc.death_monthly_hazard_under_75, hfc.death_hr_75_plus, band_rate
        )
        # Background mortality by (age, frailty) is scaled so that each band's initial mean total
        # (background + excess) equals the life-table rate.
        hr = np.asarray(pop.frailty_mortality_hr)
        by_age = self.structure.sum(axis=(1, 2, 3, 4))
        excess = (
            self.copd_excess[None, None, None, :, None] + self.hf_excess[:, None, None, None, :]
        )
        # an empty age band (age_shares 0) has no mean; a band whose people all have hazard
        # ratio 0 (frailty_mortality_hr) keeps the band's rate for every frailty level
        people = np.where(by_age > 0, by_age, 1.0)
        mean_excess = (self.structure * excess).sum(axis=(1, 2, 3, 4)) / people
        mean_hr = (frail * hr).sum(axis=1)
        background_band = np.clip(band_rate - mean_excess, 0.0, None)
        scaled = (background_band / np.where(mean_hr > 0, mean_hr, 1.0))[:, None] * hr[None, :]
        self.background = np.where(mean_hr[:, None] > 0, scaled, background_band[:, None])
        self.mortality = (
            self.background[:, None, :, None, None]
            + self.copd_excess[None, None, None, :, None]
            + self.hf_excess[:, None, None, None, :]
        )
        # the (age, frailty) margin and its mean mortality, which the stationary solve balances
        self.age_frailty_structure = self.structure.sum(axis=(1, 3, 4))
        self.age_frailty_mortality = (self.structure * self.mortality).sum(
            axis=(1, 3, 4)
        ) / np.where(self.age_frailty_structure > 0, self.age_frailty_structure, 1.0)
        # projected: the stationary rates hold each band's mix; the bands' sizes follow the
        # projection through net migration by band (see _follow_projection)
        holding = pop.transitions in ("stationary", "projected")
        #: months of warm-up: the population and its trends start to change after them, so the
        #: place's population is the one at the start of reporting (today's, for a strategist)
        self.warmup_months = cfg.run.warmup_months
        self.projection = (
            BandProjection(
                pop.projection_table, reporting_start_date(cfg.run.start_date, self.warmup_months)
            )
            if pop.transitions == "projected"
            else None
        )
        self.initial_band_totals = self.counts.sum(axis=(1, 2, 3, 4)).astype(float)
        if holding:
            self.ageing_rate, self.frailty_rate, self.birth_rate = stationary_rates(
                self.age_frailty_structure, self.age_frailty_mortality
            )
        else:
            self.birth_rate = pop.births_per_1000 / 1000.0
            self.ageing_rate = np.array(
                [0.0 if np.isinf(w) else 1.0 / w for w in AGE_BAND_WIDTH_YEARS]
            )
            onset = np.asarray(pop.frailty_onset_per_1000_by_age) / 1000.0
            prog = np.asarray(pop.frailty_progression_per_1000) / 1000.0
            self.frailty_rate = np.zeros((N_AGE, N_FRAILTY))
            self.frailty_rate[:, 0] = onset
            self.frailty_rate[:, 1] = prog[0]
            self.frailty_rate[:, 2] = prog[1]
        if not pop.ageing:
            self.ageing_rate = np.zeros(N_AGE)

        # condition transition hazards (per year), by destination stage
        c = pop.copd
        copd_inc = (
            np.asarray(c.incidence_per_1000_by_age)[:, None]
            / 1000.0
            * deprivation_gradient(c.deprivation_ratio_q1_to_q5, self.imd_shares)[None, :]
        )
        self.copd_hazard = np.zeros((N_AGE, N_IMD, N_COPD, 4))  # from state, to GOLD 1..4
        if holding:
            copd_inc = self._holding_incidence(axis=3)
        self.copd_hazard[:, :, 0, :] = copd_inc[..., None] * np.asarray(c.incident_stage_mix)
        self.copd_hazard[:, :, 1:, :] = self.copd_moves[None, None]
        hf_inc = (
            np.asarray(hfc.incidence_per_1000_by_age)[:, None]
            / 1000.0
            * deprivation_gradient(hfc.deprivation_ratio_q1_to_q5, self.imd_shares)[None, :]
        )
        hf_moves = np.zeros((4, 4))
        for k, rate in enumerate(hfc.worsening_per_year):
            hf_moves[k, k + 1] = rate
        for k, rate in enumerate(hfc.improvement_per_year):
            hf_moves[k + 1, k] = rate
        self.hf_hazard = np.zeros((N_AGE, N_IMD, N_HF, 4))
        if holding:
            hf_inc = self._holding_incidence(axis=4)
        self.hf_hazard[:, :, 0, :] = hf_inc[..., None] * np.asarray(hfc.incident_class_mix)
        self.hf_hazard[:, :, 1:, :] = hf_moves[None, None]
        #: multipliers a scenario may apply to progression (set each month by the model)
        self.progression_multiplier = np.ones(SHAPE)
        #: death hazard (per year) of the in-hospital share that emergency admissions cannot
        #: carry (a cell with too few admissions); the demand sets it, and the population's own
        #: death hazard takes it back so that no death is lost
        self.hospital_death_shortfall = np.zeros(SHAPE)
        #: deaths after discharge expected per person-year by cell (the follow-up registers
        #: them as events): the population's own death hazard gives them up
        self.follow_up_deaths = np.zeros(SHAPE)

    def _holding_incidence(self, axis: int) -> np.ndarray:
        """Incidence by (age, imd) that holds each band's initial prevalence of a condition.

        Per band and quintile: people entering the condition (incidence x those without it,
        plus those with it ageing in) balance those leaving it (death and ageing out), at the
        initial structure. There is no recovery, so a negative answer is set to zero.
        """
        other = tuple(a for a in (FRAILTY_AXIS, COPD_AXIS, HF_AXIS) if a != axis)
        with_it = np.take(self.structure, range(1, SHAPE[axis]), axis=axis)
        mort = np.take(self.mortality * np.ones(SHAPE), range(1, SHAPE[axis]), axis=axis)
        sick = with_it.sum(axis=tuple(a for a in other) + (axis,))  # (age, imd)
        deaths = (with_it * mort).sum(axis=tuple(a for a in other) + (axis,))
        free = np.take(self.structure, 0, axis=axis).sum(
            axis=tuple(a if a < axis else a - 1 for a in other)
        )
        ageing_in = np.zeros_like(sick)
        ageing_in[1:] = self.ageing_rate[:-1, None] * sick[:-1]
        outflow = deaths + self.ageing_rate[:, None] * sick
        with np.errstate(invalid="ignore", divide="ignore"):
            rate = np.where(free > 0, (outflow - ageing_in) / free, 0.0)
        return np.clip(rate, 0.0, None)

    @property
    def total(self) -> float:
        """People alive (a whole number for integer stocks)."""
        total = self.counts.sum()
        return int(total) if self.cfg.stochastic else float(total)

    def hazards(self) -> np.ndarray:
        """Annual hazards of every outcome but 'stay', shape SHAPE + (11,)."""
        h = np.zeros(SHAPE + (N_OUTCOMES - 1,))
        h[..., DIE - 1] = np.clip(
            self.mortality * (1.0 - self.cfg.in_hospital_death_share)
            + self.hospital_death_shortfall
            - self.follow_up_deaths,
            0.0,
            None,
        )
        h[..., AGE_UP - 1] = self.ageing_rate[:, None, None, None, None]
        frailty_rate, copd_hazard, hf_hazard = self.frailty_rate, self.copd_hazard, self.hf_hazard
        if self.projection is not None:
            frailty_rate, copd_hazard, hf_hazard = self._with_trends()
        h[..., FRAIL_UP - 1] = frailty_rate[:, None, :, None, None] * (self.progression_multiplier)
        prog = self.progression_multiplier[..., None]
        copd = copd_hazard[:, :, None, :, None, :]
        # progression (to a higher stage) is scaled; incidence and regression are not
        worse = np.arange(1, N_COPD)[None, :] > np.arange(N_COPD)[:, None]  # (from, to)
        worse[0] = False
        scale = np.where(worse[None, None, None, :, None, :], prog, 1.0)
        h[..., COPD_TO - 1 : COPD_TO + 3] = copd * scale
        hf = hf_hazard[:, :, None, None, :, :]
        worse_hf = np.arange(1, N_HF)[None, :] > np.arange(N_HF)[:, None]
        worse_hf[0] = False
        scale_hf = np.where(worse_hf[None, None, None, None, :, :], prog, 1.0)
        h[..., HF_TO - 1 : HF_TO + 3] = hf * scale_hf
        return h

    def _with_trends(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Frailty rates and COPD and heart-failure hazards with this month's trends applied.

        Incidence (from "none") of both conditions and frailty onset and progression rise by
        ``population.trends`` a year, compounded from the start; progression between stages and
        classes does not change.
        """
        years = self.years_of_change()
        trends = self.cfg.trends
        disease = (1.0 + trends.disease_incidence_per_year.mean) ** years
        frailty = (1.0 + trends.frailty_per_year.mean) ** years
        copd, hf = self.copd_hazard.copy(), self.hf_hazard.copy()
        copd[:, :, 0, :] *= disease
        hf[:, :, 0, :] *= disease
        return self.frailty_rate * frailty, copd, hf

    def years_of_change(self) -> float:
        """Years since reporting started (0 through the warm-up).

        The projection's and trends' clock, so the warm-up holds the place's population as it
        is at the start of reporting.
        """
        return max(0.0, (self.month - self.warmup_months) / MONTHS_PER_YEAR)

    def _follow_projection(self, new: np.ndarray, rng, stochastic: bool) -> tuple[float, float]:
        """Net migration by age band that brings each band to its projected size.

        People come or go with the band's current mix of deprivation, frailty and conditions
        (so that mix is held); returns (migrants in, migrants out).
        """
        assert self.projection is not None
        target = self.initial_band_totals * self.projection.ratio(self.years_of_change())
        moved_in: float = 0
        moved_out: float = 0
        for band in range(N_AGE):
            cells = new[band]
            present = cells.sum()
            gap = target[band] - present
            if present <= 0:
                continue
            if stochastic:
                people = int(round(gap))
                if people > 0:
                    cells += rng.multinomial(people, (cells / present).ravel()).reshape(cells.shape)
                elif people < 0:
                    people = -min(-people, int(present))
                    out = rng.multivariate_hypergeometric(cells.ravel().astype(np.int64), -people)
                    cells -= out.reshape(cells.shape)
                gap = people
            else:
                cells *= target[band] / present
            if gap > 0:
                moved_in += gap
            else:
                moved_out -= gap
        return moved_in, moved_out

    def _by_quintile(self, people: float, rng, stochastic: bool) -> np.ndarray:
        """Split new people over IMD quintiles: a multinomial draw, or their expected shares."""
        if stochastic:
            return rng.multinomial(int(people), self.imd_shares)
        return people * self.imd_shares

    def step_month(self) -> dict[str, Any]:
        """Advance one month; return this month's deaths by cell and births/migration counts."""
        if self.cfg.static:
            zeros = np.zeros_like(self.counts)
            return {"deaths": zeros, "births": 0, "migrants_in": 0, "migrants_out": 0}
        self.month += 1
        rng = self._rng(self.month) if callable(self._rng) else self._rng
        hazards = self.hazards() / MONTHS_PER_YEAR
        total_h = hazards.sum(axis=-1)
        p_leave = -np.expm1(-total_h)
        with np.errstate(invalid="ignore", divide="ignore"):
            split = np.where(total_h[..., None] > 0, hazards / total_h[..., None], 0.0)
        probs = np.concatenate([(1.0 - p_leave)[..., None], p_leave[..., None] * split], axis=-1)
        probs /= probs.sum(axis=-1, keepdims=True)
        stochastic = self.cfg.stochastic
        if stochastic:
            moves = rng.multinomial(self.counts, probs)
        else:
            moves = self.counts[..., None] * probs
        died = moves[..., DIE]
        new = moves[..., STAY].copy()
        new[1:] += moves[:-1, ..., AGE_UP]
        new[N_AGE - 1] += moves[N_AGE - 1, ..., AGE_UP]  # nobody ages out of 85+ (rate 0)
        new[:, :, 1:] += moves[:, :, :-1, ..., FRAIL_UP]
        new[:, :, N_FRAILTY - 1] += moves[:, :, N_FRAILTY - 1, ..., FRAIL_UP]
        for d in range(N_GOLD):  # GOLD 1-4 and NYHA I-IV: one loop, as N_GOLD == N_NYHA
            new[:, :, :, d + 1, :] += moves[..., COPD_TO + d].sum(axis=3)
            new[:, :, :, :, d + 1] += moves[..., HF_TO + d].sum(axis=4)
        expected_births = self.birth_rate * self.total / MONTHS_PER_YEAR
        births = int(rng.poisson(expected_births)) if stochastic else expected_births
        new[0, :, 0, 0, 0] += self._by_quintile(births, rng, stochastic)
        mig_rate = self.cfg.net_migration_per_1000 / 1000.0 * self.total / MONTHS_PER_YEAR
        mig_in: float = 0
        mig_out: float = 0
        if mig_rate > 0:
            mig_in = int(rng.poisson(mig_rate)) if stochastic else mig_rate
            new[1, :, 0, 0, 0] += self._by_quintile(mig_in, rng, stochastic)
        elif mig_rate < 0:
            band = new[1]
            p_out = min(1.0, -mig_rate / max(1, band.sum()))
            out = rng.binomial(band, p_out) if stochastic else band * p_out
            new[1] -= out
            mig_out = out.sum()
        if self.projection is not None:
            aligned_in, aligned_out = self._follow_projection(new, rng, stochastic)
            mig_in += aligned_in
            mig_out += aligned_out
        self.counts = new
        self.deaths += died.sum()
        self.births += births
        self.migrants_in += mig_in
        self.migrants_out += mig_out
        self.check_conservation()
        return {"deaths": died, "births": births, "migrants_in": mig_in, "migrants_out": mig_out}

    def remove_hospital_deaths(self, cells: list[int]) -> int:
        """Take people who died in hospital out of their cells; return how many were removed.

        A cell can be empty by then if its people have moved on (aged, progressed) since they
        presented; the death is then taken from the largest cell of the same age band and IMD
        quintile.
        """
        flat = self.counts.reshape(-1)
        block_size = N_FRAILTY * N_COPD * N_HF
        removed = 0
        for cell in cells:
            if flat[cell] < 1:
                start = (cell // block_size) * block_size
                block = flat[start : start + block_size]
                if block.max() < 1:  # nobody left to remove in this age band and quintile
                    continue
                cell = start + int(np.argmax(block))
            flat[cell] -= 1
            removed += 1
        self.deaths += removed
        self.check_conservation()
        return removed

    def remove_expected_deaths(self, cells: list[int], probability: float) -> float:
        """Expected-value cohort only: take ``probability`` of a person out of each cell.

        Used for deaths that are a risk, not an event (ED crowding); returns the people removed.
        A cell with too few people gives up what it has.
        """
        if self.cfg.stochastic or probability <= 0:
            return 0.0
        flat = self.counts.reshape(-1)
        removed = 0.0
        for cell in cells:
            take = min(probability, flat[cell])
            flat[cell] -= take
            removed += take
        self.deaths += removed
        self.check_conservation()
        return removed

    def check_conservation(self) -> None:
        """Raise if alive + dead != initial + births + net migration, or a stock is bad.

        A bad stock is negative or not finite (as are bad running totals).
        """
        totals = (self.births, self.migrants_in, self.migrants_out, self.deaths)
        if not np.isfinite(self.counts).all() or not np.isfinite(totals).all():
            raise InvariantError(
                "population: a cohort stock or a running total (births, migrants, deaths) is"
                " not finite"
            )
        if (self.counts < 0).any():
            raise InvariantError("population: a cohort stock went negative")
        expected = (
            self.initial_total + self.births + self.migrants_in - self.migrants_out - self.deaths
        )
        if not abs(self.total - expected) <= 1e-9 * max(1.0, self.initial_total):
            raise InvariantError(
                f"population not conserved: alive {self.total} != initial {self.initial_total}"
                f" + births {self.births} + migrants in {self.migrants_in}"
                f" - migrants out {self.migrants_out} - deaths {self.deaths} = {expected}"
            )


__all__ = [
    "AGE_BANDS",
    "SHAPE",
    "Population",
    "apportion",
    "frailty_shares",
    "severe_state_mask",
]

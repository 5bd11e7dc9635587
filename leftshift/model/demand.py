"""Demand: monthly emergency presentations and elective referrals generated from the population.

Rates are per person-year by cell (age band x IMD quintile x frailty). A month's arrivals are a
non-homogeneous Poisson process built by *thinning*: candidates are drawn at a dominating rate
that depends only on the place's initial population and the season (so it is identical in every
arm of an experiment), and each candidate is kept with probability actual rate / dominating rate.
A scenario that cuts demand therefore keeps a subset of the baseline's patients, each with the
same attributes and length of stay: common random numbers at the level of the patient. Where the
actual rate exceeds the dominating one, the excess comes from a separate overflow stream.
"""

import math
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

from leftshift.config import Config, LengthOfStayConfig
from leftshift.config.dimensions import N_COPD, N_HF, N_IMD
from leftshift.config.validation import MIN_MEAN_WAIT_WEEKS  # floor on the mean wait read
from leftshift.model.clock import DAYS_PER_YEAR, weekday_of_day_zero
from leftshift.model.follow_up import (
    PatientUniforms,
    expected_deaths_per_person_year,
    follow_draws,
    readmitted_share,
)
from leftshift.model.population import (
    SHAPE,
    Population,
    deprivation_gradient,
    frailty_shares,
    heart_failure_coded_fraction,
    heart_failure_excess,
)
from leftshift.model.records import (
    ROUTES,
    EmergencyBatch,
    ReferralBatch,
    VirtualWardReferrals,
    cell_axes,
)
from leftshift.model.rng import Streams
from leftshift.model.schedule import interp

#: Dominating rate / reference rate. Affects only efficiency and how random numbers are shared,
#: never the distribution of arrivals.
THINNING_HEADROOM = 1.25
OLDEST_BANDS_FROM = 3  # age bands 65-74 and older follow the discharge pathways
READMISSION_ROUTE = ROUTES.index("readmission")
WAITING_LIST_ROUTE = ROUTES.index("waiting_list")


def referral_response(cfg: Config, mean_wait_weeks: float) -> float:
    """Channel (d): referral-rate multiplier, (mean wait / reference) ** -elasticity."""
    d = cfg.demand
    if d.referral_wait_elasticity == 0:
        return 1.0
    wait = max(mean_wait_weeks, MIN_MEAN_WAIT_WEEKS)
    return float((wait / d.reference_wait_weeks) ** (-d.referral_wait_elasticity))


def decision_hour_points(
    weights: list[float] | None,
) -> tuple[np.ndarray, np.ndarray] | None:
    """The decision-hour map's points: the hours' cumulative share of the day, hour / 24.

    None when ``hospital.decision_hour_weights`` is null (times are not moved).
    """
    if weights is None:
        return None
    cum = np.concatenate(([0.0], np.cumsum(weights)))
    return cum / cum[-1], np.arange(25) / 24.0


def _cells_of_product(rates: np.ndarray, factor: Any, cells: np.ndarray) -> np.ndarray:
    """``(rates * factor).ravel()[cells]``, multiplying only the cells asked for.

    A day's batch has a handful of patients and the population 3,000 cells; the products
    are the same.
    """
    if np.ndim(factor) == 0:
        return rates.ravel()[cells] * factor
    return rates.ravel()[cells] * np.broadcast_to(factor, np.shape(rates)).ravel()[cells]


#: below this coefficient of variation a gamma stay is taken as fixed
MIN_LOS_CV = 1e-6


def los_quantile(los: LengthOfStayConfig, u: np.ndarray) -> np.ndarray:
    """Lengths of stay (days) at probabilities ``u`` of the configured distribution.

    A gamma stay with a coefficient of variation under :data:`MIN_LOS_CV` is its limit, a
    fixed stay (its shape 1 / cv^2 would overflow: a cv of 0 is allowed and means no spread;
    a lognormal one reaches its mean by itself).
    """
    u = np.clip(u, 1e-12, 1 - 1e-12)
    if los.distribution == "fixed" or (los.distribution == "gamma" and los.cv < MIN_LOS_CV):
        return np.full_like(u, los.mean_days)
    if los.distribution == "exponential":
        return -los.mean_days * np.log1p(-u)
    if los.distribution == "lognormal":
        sigma2 = np.log1p(los.cv**2)
        mu = np.log(los.mean_days) - sigma2 / 2
        return np.exp(mu + np.sqrt(sigma2) * special.ndtri(u))
    if los.distribution == "gamma":
        shape = 1.0 / los.cv**2
        return special.gammaincinv(shape, u) * los.mean_days / shape
    raise ValueError(f"unknown length-of-stay distribution {los.distribution!r}")


def _with_odds(p: np.ndarray, odds_ratio: np.ndarray) -> np.ndarray:
    odds = np.clip(p, 1e-9, 1 - 1e-9)
    odds = odds / (1 - odds) * odds_ratio
    return odds / (1 + odds)


def complex_share(base_by_age: ArrayLike, odds_ratio_by_frailty: ArrayLike) -> np.ndarray:
    """P(complex) by (age, frailty): the age band's share for fit people, odds scaled by frailty."""
    base = np.clip(np.asarray(base_by_age, float), 1e-9, 1 - 1e-9)
    odds = base[:, None] / (1 - base[:, None]) * np.asarray(odds_ratio_by_frailty)[None, :]
    return odds / (1 + odds)


class Demand:
    """Per-cell rates and the monthly generation of arrivals."""

    def __init__(self, cfg: Config, population: Population, streams: Streams):
        self.cfg = cfg
        self.population = population
        self.streams = streams
        #: day of the week of model day 0 (Monday 0)
        self._weekday_at_zero = weekday_of_day_zero(cfg.run.start_date)
        d, h, place = cfg.demand, cfg.hospital, cfg.place
        # constants of the per-batch maps, computed once (a day's batch has a few patients)
        self._hour_profile = decision_hour_points(h.decision_hour_weights)
        self._pathway_cumulative = np.cumsum(cfg.social_care.pathway_shares_65_plus)
        imd_shares = np.asarray(place.imd_shares)
        frail = frailty_shares(cfg.population)  # (age, frailty)

        pop = cfg.population
        structure = population.structure
        by_age = structure.sum(axis=(1, 2, 3, 4))

        # Disease-driven admissions (per person-year) by cell: COPD exacerbations by GOLD stage
        # (Lambe 2019), and heart-failure admissions above the band's average rate (Mohiuddin
        # 2016, by NYHA class). They change as the population's states change.
        copd_exac = np.concatenate([[0.0], pop.copd.exacerbation_admissions_per_year])
        hfc = pop.heart_failure
        band_rate = np.asarray(d.emergency_admissions_per_1000_by_age) / 1000.0
        hf_excess = heart_failure_excess(
            hfc, hfc.admission_monthly_hazard_under_75, hfc.admission_hr_75_plus, band_rate
        )
        self.copd_rate = np.broadcast_to(copd_exac[None, None, None, :, None], SHAPE)
        self.hf_rate = np.broadcast_to(hf_excess[:, None, None, None, :], SHAPE)
        #: by age band, the share of the heart-failure cause coded heart failure (the rest of
        #: the excess admissions of people with it are other causes: Lawson 2019). Only the
        #: coded ones are labelled heart failure (see _cause).
        self.hf_coded_fraction = heart_failure_coded_fraction(hfc, band_rate)
        # Other emergency admissions: the band's rate less its mean disease-driven rate at the
        # initial structure, times frailty (Clegg 2016) and deprivation (Asaria 2016)
        # multipliers that average 1 within the band, so band rates stay as configured.
        mean_disease = (structure * (self.copd_rate + self.hf_rate)).sum(axis=(1, 2, 3, 4))
        mean_disease = mean_disease / np.where(by_age > 0, by_age, 1.0)  # an empty band: 0
        # where disease alone would exceed a band's configured rate, scale it down to that rate
        # (divided only there: elsewhere a rate of 1e-308 would overflow the unused quotient)
        exceeds = mean_disease > band_rate
        fit = np.divide(band_rate, mean_disease, out=np.ones_like(band_rate), where=exceeds)
        self.copd_rate = self.copd_rate * fit[:, None, None, None, None]
        self.hf_rate = self.hf_rate * fit[:, None, None, None, None]
        base = np.clip(band_rate - mean_disease * fit, 0.0, None)
        hr = np.asarray(d.frailty_emergency_hr)
        mean_hr = (frail * hr[None, :]).sum(axis=1, keepdims=True)
        # a band whose people all have hazard ratio 0 keeps the band's rate at every level
        frailty_mult = np.where(mean_hr > 0, hr[None, :] / np.where(mean_hr > 0, mean_hr, 1.0), 1.0)
        dep = deprivation_gradient(d.deprivation_emergency_ratio_q1_to_q5, imd_shares)
        self.other_rate = (
            base[:, None, None, None, None]
            * dep[None, :, None, None, None]
            * frailty_mult[:, None, :, None, None]
        ) * np.ones(SHAPE)
        admissions = self.other_rate + self.copd_rate + self.hf_rate

        p_complex = complex_share(h.emergency_complex_share_by_age, h.frailty_complex_odds_ratio)
        severe = np.zeros((N_COPD, N_HF), bool)
        severe[3:, :] = True
        severe[:, 3:] = True
        self.emergency_p_complex = _with_odds(
            np.broadcast_to(p_complex[:, None, :, None, None], SHAPE),
            np.where(severe, h.severe_condition_complex_odds_ratio, 1.0)[None, None, None],
        )
        # Presentations that are admission candidates: marginal routine ones are admitted with
        # probability p_ref at the reference occupancy, so scale up to keep the admission rate.
        marginal = (1 - self.emergency_p_complex) * d.routine_marginal_share
        self.presentation_scale = 1.0 / (1 - marginal * (1 - h.marginal_admission_probability))
        self.emergency_presentation_rate = admissions * self.presentation_scale
        dep_el = deprivation_gradient(d.deprivation_elective_ratio_q1_to_q5, imd_shares)
        self.referral_rate = (
            np.asarray(d.elective_referrals_per_1000_by_age)[:, None, None, None, None]
            / 1000.0
            * dep_el[None, :, None, None, None]
        ) * np.ones(SHAPE)
        #: elective day cases per person-year by cell: same-day planned care, outside the list
        self.day_case_rate = (
            np.asarray(d.day_cases_per_1000_by_age)[:, None, None, None, None]
            / 1000.0
            * dep_el[None, :, None, None, None]
        ) * np.ones(SHAPE)
        self.elective_p_complex = np.broadcast_to(
            complex_share(h.elective_complex_share_by_age, h.frailty_complex_odds_ratio)[
                :, None, :, None, None
            ],
            SHAPE,
        )
        # In-hospital death: a probability per emergency admission chosen so that the cell's
        # expected deaths in hospital are the configured share of its deaths.
        share = cfg.population.in_hospital_death_share
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            self.death_probability = np.where(
                admissions > 0, np.clip(share * population.mortality / admissions, 0.0, 0.9), 0.0
            )
        # a cell whose admissions cannot carry its in-hospital deaths (none, or a probability
        # above 0.9 an admission) leaves the rest to the population's own death hazard
        carried = share * population.mortality * np.ones(SHAPE)
        short = admissions * self.death_probability < carried * (1 - 1e-12)
        population.hospital_death_shortfall = np.where(
            short, carried - admissions * self.death_probability, 0.0
        )
        # Follow-up after discharge (leftshift.model.follow_up). The configured admission
        # rates are totals, readmissions included: presentations drawn here are first
        # admissions, the total less the readmissions the follow-up will add; and deaths after
        # discharge come out of the population's own death hazard, not on top of it. The
        # warm-up then corrects first admissions by the readmissions the discharges that
        # happened give (correct_first_admissions).
        electives = self.referral_rate * self._treated_share(population)
        self.readmitted_share = readmitted_share(cfg, admissions, self.death_probability, electives)
        first = 1.0 - self.readmitted_share
        self.copd_rate = self.copd_rate * first
        self.hf_rate = self.hf_rate * first
        self.other_rate = self.other_rate * first
        self.emergency_presentation_rate = admissions * first * self.presentation_scale
        population.follow_up_deaths = expected_deaths_per_person_year(
            cfg, admissions, self.death_probability, electives, population.mortality
        )
        #: factor on the first-admission rates set at the end of the warm-up from the
        #: readmissions realised in it (:meth:`correct_first_admissions`); 1 until then
        self.first_admission_correction = 1.0
        #: the month's virtual-ward referral multiplier (readmissions use the latest)
        self.vw_referral_multiplier = 1.0
        #: the latest month's expected step-up referrals per day by cell (virtual_ward_candidates)
        self._vw_rate = np.zeros(0)
        self.frailty_los = np.asarray(h.frailty_los_multiplier)
        self.reference_counts = population.initial_counts.astype(float)
        self._init_virtual_wards(cfg, admissions)

    def correct_first_admissions(self, factor: float) -> None:
        """Scale first-admission rates so that they and the realised readmissions make the total.

        ``factor`` is :func:`~leftshift.model.follow_up.first_admission_correction` of a
        part of the warm-up; ``first_admission_correction`` is the product of the factors
        (``readmitted_share`` keeps the ex-ante estimate). The thinning's
        dominating rate (``emergency_presentation_rate``) is left as it was, so the candidate
        arrivals are the same draws and only the share kept changes.
        """
        self.first_admission_correction *= factor
        self.copd_rate = self.copd_rate * factor
        self.hf_rate = self.hf_rate * factor
        self.other_rate = self.other_rate * factor

    def _treated_share(self, population: Population) -> float:
        """Share of referrals treated when the initial list is steady: 1 - removals / referrals.

        Removals a year = ``list_removal_per_month`` x 12 x the initial list; referrals a
        year from the initial population. Used only to estimate elective spells for the
        readmissions that first-admission demand gives up.
        """
        d = self.cfg.demand
        referrals = float((self.referral_rate * population.initial_counts).sum())
        if referrals <= 0:
            return 0.0
        waiting = d.initial_waiting_list_per_1000 * population.initial_counts.sum() / 1000.0
        with np.errstate(over="ignore"):  # a denormal referral total: every referral is removed
            removed = d.list_removal_per_month * 12.0 * waiting / referrals
        return float(np.clip(1.0 - removed, 0, 1))

    def _init_virtual_wards(self, cfg: Config, admissions: np.ndarray) -> None:
        """Who virtual wards can take: suitable cause, adult, digital access, suitable home."""
        v = cfg.virtual_wards
        self.vw_los = LengthOfStayConfig("lognormal", v.stay_mean_days, v.stay_cv)
        age, imd, frailty = np.indices(SHAPE)[:3]
        other_share = np.asarray(v.other_cause_eligible_share_by_frailty)[frailty]
        # The cause rates are first admissions here (x (1 - readmitted share)): their suitable
        # share is of first admissions, and readmissions draw their cause from the same shares.
        first = admissions * (1.0 - self.readmitted_share)
        coded = self.hf_coded_fraction[age]
        hf_other = self.hf_rate * (1.0 - coded)
        with np.errstate(invalid="ignore", divide="ignore"):
            suitable = np.where(
                first > 0,
                (self.copd_rate + self.hf_rate * coded + (self.other_rate + hf_other) * other_share)
                / first,
                0.0,
            )
        self.vw_other_share = np.asarray(v.other_cause_eligible_share_by_frailty)
        self.vw_adult = age >= 1
        #: whether the scenario funds virtual beds at all (else nobody is "excluded" from them)
        self.vw_funded = cfg.interventions.virtual_wards.funds_beds()
        offer = cfg.interventions.virtual_wards.targeted_offer
        offered = np.isin(np.arange(N_IMD), np.asarray(offer.quintiles, int) - 1)
        digital = np.asarray(v.digital_access_by_imd, float)
        housing = np.asarray(v.suitable_housing_by_imd, float)
        self.vw_digital = np.where(
            offered, digital + (1 - digital) * offer.digital_gap_closed, digital
        )
        self.vw_housing = np.where(
            offered, housing + (1 - housing) * offer.housing_gap_closed, housing
        )
        #: step-up candidates per person-year by cell before access checks and referral:
        #: routine, not marginal, suitable cause, adult (for the additional referrals). All
        #: emergency presentations, readmissions included (they can be stepped up too), so
        #: the additional referrals keep their ratio to the step-ups that avoid an admission.
        routine = (1 - self.emergency_p_complex) * (1 - cfg.demand.routine_marginal_share)
        self.vw_suitable_rate = (
            admissions * self.presentation_scale * routine * suitable * self.vw_adult
        )

    def seasonal_factor(self, month_of_year: int) -> float:
        """Winter-peak multiplier of emergency demand for a calendar month (1-12)."""
        d = self.cfg.demand
        angle = 2 * np.pi * (month_of_year - d.winter_peak_month) / 12.0
        return 1.0 + d.winter_peak_amplitude * np.cos(angle)

    # ---------------------------------------------------------------------------------------
    def _thinned_arrivals(
        self,
        stream: str,
        ref_rate: np.ndarray,
        actual_rate: np.ndarray,
        start: float,
        end: float,
        untreated_rate: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Candidate arrivals in [start, end) for per-cell rates (per day), thinned by block.

        Candidates are drawn per block (age band x IMD quintile) at the dominating rate, which
        depends only on the initial population, and kept with probability actual / dominating
        block rate. A kept candidate's cell within the block is found by inverting the block's
        actual distribution over cells with the candidate's own uniform, so two arms whose
        populations differ a little still give the same patient the same cell. Blocks are large,
        so their actual rate rarely exceeds the dominating one; any excess comes from a separate
        overflow stream. Returns (times, cells, kept, avoided); attributes are drawn for every
        candidate, kept or not, so arms stay in step. ``avoided`` marks candidates that the
        ``untreated_rate`` (the same population with no intervention) would have kept and the
        actual rate does not: the presentations an intervention avoided. An avoided candidate's
        cell is drawn from what the intervention removed (untreated less actual, by cell), so
        an avoided presentation, and any death it carries, belongs to the people the
        intervention reached, not to the block's other cells.
        """
        rng = self.streams[stream]
        span = end - start
        n_blocks = SHAPE[0] * SHAPE[1]
        per_block = int(np.prod(SHAPE[2:]))
        act_cells = actual_rate.reshape(n_blocks, per_block)
        dom = (ref_rate * THINNING_HEADROOM).reshape(n_blocks, per_block).sum(axis=1)
        act = act_cells.sum(axis=1)
        n = rng.poisson(dom.sum() * span)
        times = start + rng.random(n) * span
        cum = np.cumsum(dom)
        blocks = np.minimum(
            np.searchsorted(cum, rng.random(n) * cum[-1], side="right"), n_blocks - 1
        )
        u_keep, u_cell = rng.random((2, n))
        with np.errstate(invalid="ignore", divide="ignore"):
            keep_p = np.where(dom > 0, act / dom, 0.0)
        keep = u_keep < keep_p[blocks]
        avoided = np.zeros(n, bool)
        cells = self._cells_within(blocks, u_cell, act_cells)
        if untreated_rate is not None:
            untreated_cells = untreated_rate.reshape(n_blocks, per_block)
            removed_cells = np.clip(untreated_cells - act_cells, 0.0, None)
            with np.errstate(invalid="ignore", divide="ignore"):
                removed_p = np.where(dom > 0, removed_cells.sum(axis=1) / dom, 0.0)
            avoided = ~keep & (u_keep < keep_p[blocks] + removed_p[blocks])
            cells[avoided] = self._cells_within(blocks[avoided], u_cell[avoided], removed_cells)
        excess = np.clip(act - dom, 0.0, None)
        if excess.sum() > 0:
            over = self.streams[stream + "_overflow"]
            counts = over.poisson(excess * span)
            o_blocks = np.repeat(np.arange(n_blocks), counts)
            o_times = start + over.random(len(o_blocks)) * span
            o_cells = self._cells_within(o_blocks, over.random(len(o_blocks)), act_cells)
        else:
            o_cells = np.empty(0, dtype=np.int64)
            o_times = np.empty(0)
        all_times = np.concatenate([times, o_times])
        all_cells = np.concatenate([cells, o_cells])
        kept = np.concatenate([keep, np.ones(len(o_cells), bool)])
        avoided = np.concatenate([avoided, np.zeros(len(o_cells), bool)])
        return all_times, all_cells, kept, avoided

    @staticmethod
    def _cells_within(blocks: np.ndarray, u: np.ndarray, act_cells: np.ndarray) -> np.ndarray:
        """Flat cell index for each (block, uniform), by the block's actual rates over cells."""
        per_block = act_cells.shape[1]
        cdf = np.cumsum(act_cells, axis=1)
        totals = cdf[:, -1]
        with np.errstate(invalid="ignore", divide="ignore"):
            cdf = np.where(totals[:, None] > 0, cdf / totals[:, None], 1.0)
        # rows are non-decreasing within [0, 1]; offset row k by k and the whole is sorted
        offset = (cdf + np.arange(len(cdf))[:, None]).ravel()
        flat = np.searchsorted(offset, blocks + u, side="right")
        local = np.minimum(flat - blocks * per_block, per_block - 1)
        return blocks * per_block + local

    def _frailty_of(self, cells: np.ndarray) -> np.ndarray:
        return np.unravel_index(cells, SHAPE)[2]

    def _emergency_attributes(
        self, cells: np.ndarray, case_stream: str, los_stream: str, streams: Any = None
    ) -> tuple[np.ndarray, ...]:
        """Case mix, marginality, base stay and admission-decision draw for each candidate."""
        n = len(cells)
        streams = self.streams if streams is None else streams
        u_complex, u_marginal, u_admit, u_cause, u_death = streams[case_stream].random((5, n))
        u_los = streams[los_stream].random(n)
        is_complex = u_complex < self.emergency_p_complex.ravel()[cells]
        marginal = ~is_complex & (u_marginal < self.cfg.demand.routine_marginal_share)
        h = self.cfg.hospital
        los = (
            np.where(
                is_complex,
                los_quantile(h.complex_emergency_los, u_los),
                los_quantile(h.routine_emergency_los, u_los),
            )
            * self.frailty_los[self._frailty_of(cells)]
        )
        dies = u_death < self.death_probability.ravel()[cells]
        return is_complex, marginal, los, u_admit, u_cause, dies

    def _by_weekday(self, times: np.ndarray, start: float, end: float) -> np.ndarray:
        """Move times within [start, end) so days follow ``hospital.decision_weekday_weights``.

        The batch's times are even over [start, end); the inverse of the weighted cumulative
        time (each day weighted by its day of the week, Monday first, from ``run.start_date``)
        maps them onto the weekly profile. The number of arrivals in the batch, their order and
        their place within each day are kept, and no random numbers are drawn (arms stay in
        step).
        """
        weights = self.cfg.hospital.decision_weekday_weights
        if weights is None or not len(times):
            return times
        first = math.floor(start)
        edges = np.concatenate(([start], np.arange(first + 1, math.ceil(end), dtype=float), [end]))
        weekday = (self._weekday_at_zero + np.floor(edges[:-1]).astype(np.int64)) % 7
        cum = np.concatenate(([0.0], np.cumsum(np.diff(edges) * np.asarray(weights)[weekday])))
        share = (times - start) / (end - start)
        moved = interp(share * cum[-1], cum, edges)
        return np.clip(moved, start, np.nextafter(end, start))

    def _by_decision_hour(self, times: np.ndarray) -> np.ndarray:
        """Move each time within its day so the hours follow ``hospital.decision_hour_weights``.

        Arrivals are drawn evenly within the day; the inverse of the hours' cumulative share
        maps that even fraction of the day onto the profile. The map keeps the day and the
        order of times within it, and draws no random numbers (so arms stay in step).
        """
        if self._hour_profile is None or not len(times):
            return times
        day = np.floor(times)
        frac = interp(times - day, *self._hour_profile)
        return day + np.minimum(frac, np.nextafter(1.0, 0.0))

    def _pools(
        self,
        cause: np.ndarray,
        stream: str,
        streams: Any = None,
        sites: np.ndarray | None = None,
    ) -> np.ndarray | None:
        """Home bed pool of each candidate, or None with one pool at one site.

        Specialty: COPD exacerbations, heart failure and the other admissions of people with
        heart failure are medical (0); other causes are surgical (1) with probability
        ``hospital.emergency_surgical_share``. Site: drawn by
        ``place.acute_site_shares`` (the site's catchment), unless given (``sites``: a
        readmission's site is the one the patient left). The code is site x pools per site
        + specialty (see :class:`~leftshift.model.hospital.Hospital`). Each is drawn for every
        candidate from its own stream, so arms stay in step and the one-pool, one-site model's
        draws are untouched.
        """
        given = sites
        h, shares = self.cfg.hospital, self.cfg.place.acute_site_shares
        several = shares is not None and len(shares) > 1
        if not h.specialty_pools and not several:
            return None
        rng = self.streams if streams is None else streams
        n = len(cause)
        code = np.zeros(n, np.int64)
        if h.specialty_pools:
            u = rng[stream].random(n)
            code = ((cause == 0) & (u < h.emergency_surgical_share)).astype(np.int64)
        if several:
            assert shares is not None
            if given is None:
                u_site = rng[f"{stream}_site"].random(n)
                site = np.searchsorted(np.cumsum(shares)[:-1], u_site, side="right")
            else:
                site = np.asarray(given, np.int64)
            code = code + site * (2 if h.specialty_pools else 1)
        return code.astype(np.int8)

    def _pathways(self, cells: np.ndarray, dies: np.ndarray, stream: str, streams: Any = None):
        """Discharge pathway (0-3) of each candidate, and its arranging and service draws.

        People 65+ follow ``social_care.pathway_shares_65_plus``; younger people and those who
        die in hospital go home (pathway 0).
        """
        streams = self.streams if streams is None else streams
        u_pathway, u_arrange, u_service = streams[stream].random((3, len(cells)))
        cum = self._pathway_cumulative
        pathway = np.minimum(np.searchsorted(cum, u_pathway, side="right"), 3).astype(np.int8)
        old = cell_axes(cells)[0] >= OLDEST_BANDS_FROM
        on = self.cfg.social_care.delayed_discharges
        pathway = np.where(old & ~dies & on, pathway, 0).astype(np.int8)
        return pathway, u_arrange, u_service

    def _virtual_ward_attributes(
        self,
        cells: np.ndarray,
        is_complex: np.ndarray,
        marginal: np.ndarray,
        dies: np.ndarray,
        cause: np.ndarray,
        referral_multiplier: float,
        stream: str = "virtual_ward",
        streams: Any = None,
    ) -> dict[str, np.ndarray]:
        """Virtual-ward eligibility, referral, stay and escalation of each candidate.

        Drawn for every candidate from the ``virtual_ward`` stream whether or not any virtual
        ward exists, so arms with and without them share every other random number.
        """
        v = self.cfg.virtual_wards
        n = len(cells)
        u_digital, u_housing, u_refer, u_other, u_stay, u_esc, u_when, u_los = (
            self.streams if streams is None else streams
        )[stream].random((8, n))
        age, imd, frailty = cell_axes(cells)[:3]
        # eligible by the coded cause: COPD exacerbations and coded heart failure (the other
        # admissions of people with heart failure, 3, are other causes: see _cause)
        coded = (cause == 1) | (cause == 2)
        suitable = (age >= 1) & (coded | (u_other < self.vw_other_share[frailty]))
        access = (u_digital < self.vw_digital[imd]) & (u_housing < self.vw_housing[imd])
        step_up = suitable & ~is_complex & ~marginal
        up = u_refer < min(1.0, v.step_up_referral_share * referral_multiplier)
        down = u_refer < min(1.0, v.step_down_referral_share * referral_multiplier)
        stay, escalate_after = self._vw_stays(u_stay, u_esc, u_when)
        h = self.cfg.hospital
        return {
            "vw_step_up": step_up & access & up,
            "vw_step_down": suitable & access & down & ~dies,
            "vw_excluded": step_up & up & ~access & self.vw_funded,
            "vw_stay": stay,
            "vw_escalate_after": escalate_after,
            "vw_escalation_los": los_quantile(h.routine_emergency_los, u_los)
            * self.frailty_los[frailty],
        }

    def _vw_stays(
        self, u_stay: np.ndarray, u_escalate: np.ndarray, u_when: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Virtual-ward stays (cut at the maximum) and when escalations happen (else NaN)."""
        v = self.cfg.virtual_wards
        stay = np.minimum(los_quantile(self.vw_los, u_stay), v.max_stay_days)
        return stay, np.where(u_escalate < v.escalation_share, u_when * stay, np.nan)

    def _vw_candidate_rate(self, month_of_year: int, referral_multiplier: float) -> np.ndarray:
        """Expected step-up referrals per day by cell (before access checks), flattened."""
        v = self.cfg.virtual_wards
        referral = min(1.0, v.step_up_referral_share * referral_multiplier)
        season = self.seasonal_factor(month_of_year) / DAYS_PER_YEAR
        return (self.vw_suitable_rate * self.population.counts).ravel() * season * referral

    def virtual_ward_candidates(
        self, start: float, end: float, month_of_year: int, referral_multiplier: float
    ) -> float:
        """Expected step-up referrals in [start, end) (before access checks), all presentations.

        Sets the cell mix of :meth:`virtual_ward_referrals` for the same period.
        """
        self._vw_rate = self._vw_candidate_rate(month_of_year, referral_multiplier)
        return float(self._vw_rate.sum() * (end - start))

    def virtual_ward_referrals(
        self, start: float, end: float, expected: float
    ) -> VirtualWardReferrals:
        """Step-up referrals of people who would not have been admitted, in [start, end).

        ``expected`` of them on average (:meth:`leftshift.model.virtual_ward.VirtualWard.
        plan_month`: what the evaluation's ratio leaves after step-downs). They come from the
        same suitable, routine presentations as the step-ups that avoid an admission (the cell
        mix of the last :meth:`virtual_ward_candidates`, so they carry the same digital and
        housing gradient) and use only virtual beds. Sorted by time.
        """
        rng = self.streams["virtual_ward_referrals"]
        rate = self._vw_rate
        n = rng.poisson(expected) if expected > 0 else 0
        cells = rng.choice(len(rate), size=n, p=rate / rate.sum()) if n else np.zeros(0, int)
        times = np.sort(start + rng.random(n) * (end - start))
        u_digital, u_housing, u_stay, u_esc, u_when, u_los = rng.random((6, n))
        imd, frailty = cell_axes(cells)[1:3]
        access = (u_digital < self.vw_digital[imd]) & (u_housing < self.vw_housing[imd])
        stay, escalate_after = self._vw_stays(u_stay, u_esc, u_when)
        los = los_quantile(self.cfg.hospital.routine_emergency_los, u_los)
        follow = follow_draws(self.streams["virtual_ward_referrals_follow_up"], n)
        return VirtualWardReferrals(
            time=times[access],
            cell=cells[access],
            stay=stay[access],
            escalate_after=escalate_after[access],
            escalation_los=(los * self.frailty_los[frailty])[access],
            follow=follow[access],
        )

    def _cause(
        self, cells: np.ndarray, u_cause: np.ndarray, disease_factor, other_factor=1.0
    ) -> np.ndarray:
        """The cause of each candidate, drawn in proportion to the rates (``frames.CAUSES``).

        0 other, 1 COPD exacerbation, and the excess admissions of people with heart failure:
        the band's ``hf_coded_fraction`` of them are 2, coded heart failure, the rest 3, other
        causes of people with heart failure (Lawson 2019). Virtual-ward eligibility, the
        heart-failure metric and its QALY loss read coded heart failure only; the specialty
        pool is medical for 1-3 (an assumption for 3: docs/model.md).
        """
        copd = _cells_of_product(self.copd_rate, disease_factor, cells)
        hf = _cells_of_product(self.hf_rate, disease_factor, cells)
        total = _cells_of_product(self.other_rate, other_factor, cells) + copd + hf
        coded = self.hf_coded_fraction[cell_axes(cells)[0]]
        with np.errstate(invalid="ignore", divide="ignore"):
            p_copd = np.where(total > 0, copd / total, 0.0)
            p_coded = np.where(total > 0, hf * coded / total, 0.0)
            p_hf = np.where(total > 0, hf / total, 0.0)
        with_hf = np.where(u_cause < p_copd + p_coded, 2, np.where(u_cause < p_copd + p_hf, 3, 0))
        return np.where(u_cause < p_copd, 1, with_hf).astype(np.int8)

    def emergency_rate(self, disease_factor=1.0, other_factor=1.0) -> np.ndarray:
        """Emergency presentations per person-year by cell.

        ``disease_factor`` scales the COPD-exacerbation and heart-failure parts and
        ``other_factor`` the rest (both from proactive care; arrays of the population's shape).
        """
        return (
            self.other_rate * other_factor + (self.copd_rate + self.hf_rate) * disease_factor
        ) * self.presentation_scale

    def emergency_batch(
        self,
        start: float,
        end: float,
        month_of_year: int,
        multiplier: float,
        disease_factor=1.0,
        other_factor=1.0,
        vw_referral_multiplier: float = 1.0,
    ) -> EmergencyBatch:
        """Emergency presentations in [start, end) given the current population."""
        season = self.seasonal_factor(month_of_year) / DAYS_PER_YEAR
        ref = self.emergency_presentation_rate * season * self.reference_counts
        counts = self.population.counts
        actual = self.emergency_rate(disease_factor, other_factor) * season * counts * multiplier
        untreated = self.emergency_rate() * season * counts
        times, cells, kept, avoided = self._thinned_arrivals(
            "emergency_arrivals", ref, actual, start, end, untreated
        )
        times = self._by_decision_hour(self._by_weekday(times, start, end))
        is_complex, marginal, los, u_admit, u_cause, dies = self._emergency_attributes(
            cells, "emergency_case", "emergency_los"
        )
        cause = self._cause(cells, u_cause, disease_factor, other_factor)
        pathway, u_arrange, u_service = self._pathways(cells, dies, "discharge_pathway")
        vw: dict[str, Any] = self._virtual_ward_attributes(
            cells, is_complex, marginal, dies, cause, vw_referral_multiplier
        )
        pool = self._pools(cause, "emergency_pool")
        follow = follow_draws(self.streams["follow_up"], len(cells))
        self.vw_referral_multiplier = vw_referral_multiplier
        order = np.argsort(times[kept], kind="stable")
        pick = np.flatnonzero(kept)[order]
        return EmergencyBatch(
            **{k: a[pick] for k, a in vw.items()},
            follow=follow[pick],
            pool=None if pool is None else pool[pick],
            time=times[pick],
            cell=cells[pick],
            complex=is_complex[pick],
            marginal=marginal[pick],
            base_los=los[pick],
            u_admit=u_admit[pick],
            cause=cause[pick],
            dies=dies[pick],
            pathway=pathway[pick],
            u_arrange=u_arrange[pick],
            u_service=u_service[pick],
            avoided_deaths=list(
                zip(times[avoided & dies].tolist(), cells[avoided & dies].tolist(), strict=True)
            ),
            avoided_time=times[avoided],
            avoided_base_los=np.where(marginal[avoided], 0.0, los[avoided]),
        )

    def readmission_batch(
        self,
        times: np.ndarray,
        cells: np.ndarray,
        keys: np.ndarray,
        sites: np.ndarray | None = None,
        route: int = READMISSION_ROUTE,
    ) -> EmergencyBatch:
        """Readmissions presenting on one day (``times`` sorted), as emergency presentations.

        (``route`` WAITING_LIST_ROUTE: emergencies of people on the elective list, drawn
        the same way: :meth:`list_emergency_batch`.)

        Every attribute is drawn as for a first presentation of the same cell (case mix,
        stay, cause, in-hospital death, pathway, virtual-ward eligibility, pool, follow-up),
        from uniforms keyed by the patient (``keys``, from the index stay's follow-up draws:
        :class:`~leftshift.model.follow_up.PatientUniforms`), so the same person's
        readmission is the same in every arm whatever else happens that day; the arrival
        times follow the decision-hour profile. The cause is drawn at the untreated rates
        (proactive care's factors are monthly). Each comes back to ``sites``, the acute site
        the patient left (drawn by the catchment shares when None).
        """
        day = PatientUniforms(keys)
        times = self._by_decision_hour(times)
        is_complex, marginal, los, u_admit, u_cause, dies = self._emergency_attributes(
            cells, "readmission_case", "readmission_los", day
        )
        cause = self._cause(cells, u_cause, 1.0)
        pathway, u_arrange, u_service = self._pathways(cells, dies, "readmission_pathway", day)
        vw: dict[str, Any] = self._virtual_ward_attributes(
            cells,
            is_complex,
            marginal,
            dies,
            cause,
            self.vw_referral_multiplier,
            stream="readmission_virtual_ward",
            streams=day,
        )
        pool = self._pools(cause, "readmission_pool", day, sites)
        return EmergencyBatch(
            **vw,
            follow=follow_draws(day["readmission_follow_up"], len(cells)),
            pool=pool,
            time=times,
            cell=cells,
            complex=is_complex,
            marginal=marginal,
            base_los=los,
            u_admit=u_admit,
            cause=cause,
            dies=dies,
            pathway=pathway,
            u_arrange=u_arrange,
            u_service=u_service,
            route=route,
        )

    def initial_census(self, max_patients: int) -> EmergencyBatch:
        """Emergency patients already in bed at time 0, so the run does not start empty.

        Their number is the expected emergency occupancy (admission rate x mean stay, capped at
        ``max_patients``); stays are drawn length-biased (long stays are more likely to be in a
        bed on any given day) and each has been under way for a uniform share of its stay.
        """
        rng = self.streams["initial_census"]
        per_day = (
            self.emergency_presentation_rate * self.population.counts / DAYS_PER_YEAR
        ).ravel()
        if per_day.sum() <= 0:  # no emergency demand: nobody is in bed at the start
            empty = np.empty(0)
            return EmergencyBatch(
                empty, np.empty(0, np.int64), empty.astype(bool), empty.astype(bool), empty, empty
            )
        n_candidates = 4 * max(1, max_patients)
        cells = rng.choice(len(per_day), size=n_candidates, p=per_day / per_day.sum())
        is_complex, marginal, los, u_admit, u_cause, dies = self._emergency_attributes(
            cells, "initial_census", "initial_census"
        )
        cause = self._cause(cells, u_cause, 1.0)
        expected = int(round(per_day.sum() * los.mean()))
        size = min(expected, max_patients)
        pick = rng.choice(n_candidates, size=size, replace=True, p=los / los.sum())
        elapsed = rng.random(size) * los[pick]
        pool = self._pools(cause, "initial_census_pool")
        follow = follow_draws(self.streams["initial_census_follow_up"], size)
        batch = EmergencyBatch(
            follow=follow,
            pool=None if pool is None else pool[pick],
            time=-elapsed,
            cell=cells[pick],
            complex=is_complex[pick],
            marginal=marginal[pick],
            base_los=los[pick],
            u_admit=u_admit[pick],
            cause=cause[pick],
            dies=dies[pick],
        )
        return batch

    def referral_batch(self, start: float, end: float, multiplier: float) -> ReferralBatch:
        """Referrals to the admitted waiting list in [start, end)."""
        per_day = self.referral_rate / DAYS_PER_YEAR
        ref = per_day * self.reference_counts
        actual = per_day * self.population.counts * multiplier
        times, cells, kept, _ = self._thinned_arrivals(
            "elective_referrals", ref, actual, start, end
        )
        return self._referrals(times, cells, kept, "elective_case", "elective_los")

    def day_case_count(self, month: int, days: float) -> int:
        """Elective day cases in a month of ``days`` days: a count, no bed, no list.

        Poisson with mean rate x the population at the month start x the month's length,
        drawn by inverse CDF from one uniform of the month's own stream (``day_cases``), so
        arms whose populations differ a little draw the same or a neighbouring count.
        """
        expected = float((self.day_case_rate * self.population.counts).sum()) * days / DAYS_PER_YEAR
        if expected <= 0:
            return 0
        from scipy import stats  # here: a command that simulates nothing skips its import

        u = self.streams.for_period("day_cases", month).random()
        return max(0, int(stats.poisson.ppf(u, expected)))

    def initial_list(self) -> ReferralBatch:
        """The waiting list at time 0: people already waiting, with exponential waits so far."""
        d = self.cfg.demand
        rng = self.streams["initial_list"]
        size = int(round(d.initial_waiting_list_per_1000 * self.population.total / 1000.0))
        weights = (self.referral_rate * self.population.counts).ravel()
        if weights.sum() <= 0:
            size = 0  # nobody is ever referred, so nobody is waiting
        cells = (
            rng.choice(len(weights), size=size, p=weights / weights.sum())
            if size
            else np.empty(0, dtype=np.int64)
        )
        times = -rng.exponential(d.initial_wait_mean_weeks * 7.0, size=size)
        return self._referrals(times, cells, np.ones(size, bool), "initial_list", "initial_list")

    def _referrals(
        self,
        times: np.ndarray,
        cells: np.ndarray,
        kept: np.ndarray,
        case_stream: str,
        los_stream: str,
    ) -> ReferralBatch:
        n = len(times)
        d, h = self.cfg.demand, self.cfg.hospital
        u_urgent, u_complex, u_removal = self.streams[case_stream].random((3, n))
        u_los = self.streams[los_stream].random(n)
        is_complex = u_complex < self.elective_p_complex.ravel()[cells]
        los = (
            np.where(
                is_complex,
                los_quantile(h.complex_elective_los, u_los),
                los_quantile(h.routine_elective_los, u_los),
            )
            * self.frailty_los[self._frailty_of(cells)]
        )
        rate_per_day = d.list_removal_per_month * 12.0 / DAYS_PER_YEAR
        with np.errstate(divide="ignore", over="ignore"):  # tiny rates: waits are infinite
            wait_to_removal = (
                -np.log1p(-np.clip(u_removal, 0, 1 - 1e-12)) / rate_per_day
                if rate_per_day > 0
                else np.full(n, np.inf)
            )
        # Removal clocks start at referral, or at time 0 for the initial list (memoryless).
        removal = np.maximum(times, 0.0) + wait_to_removal
        follow = follow_draws(self.streams[case_stream + "_follow_up"], n)
        emergency_time, emergency_key = self._list_emergencies(times, case_stream)
        order = np.argsort(times[kept], kind="stable")
        pick = np.flatnonzero(kept)[order]
        return ReferralBatch(
            follow=follow[pick],
            emergency_time=emergency_time[pick],
            emergency_key=emergency_key[pick],
            time=times[pick],
            cell=cells[pick],
            urgent=(u_urgent < d.urgent_share)[pick],
            complex=is_complex[pick],
            base_los=los[pick],
            removal_time=removal[pick],
        )

    def _list_emergencies(self, times: np.ndarray, case_stream: str) -> tuple[np.ndarray, ...]:
        """When each referral would present as an emergency while waiting, and its draws' key.

        An exponential time at ``demand.waiting_list_emergency_per_year`` from referral (from
        time 0 for the initial list: the hazard is memoryless), from a stream of its own, so
        the other draws are the same with the hazard on or off; none at a zero rate.
        """
        n = len(times)
        rate_per_day = self.cfg.demand.waiting_list_emergency_per_year.mean / DAYS_PER_YEAR
        if rate_per_day <= 0 or n == 0:
            return np.full(n, np.inf), np.zeros(n, dtype=np.uint64)
        rng = self.streams[case_stream + "_list_emergency"]
        wait = rng.exponential(1.0 / rate_per_day, size=n)
        keys = rng.integers(0, np.iinfo(np.uint64).max, size=n, dtype=np.uint64, endpoint=True)
        return np.maximum(times, 0.0) + wait, keys

    def list_emergency_batch(self, times: np.ndarray, cells: np.ndarray, keys: np.ndarray):
        """A day's emergency presentations of people on the elective list (``times`` sorted).

        Drawn as readmissions are (:meth:`readmission_batch`: the cell's case mix, stay and
        cause, from uniforms keyed by the person), at a site drawn by the catchment shares
        (an elective referral has no site until it is admitted); route ``waiting_list``.
        """
        return self.readmission_batch(times, cells, keys, route=WAITING_LIST_ROUTE)


__all__ = ["Demand", "los_quantile", "referral_response"]

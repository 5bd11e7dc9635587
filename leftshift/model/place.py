"""One replication: build a place from a validated config and a seed, run it, collect Results.

Three steps, each its own function: :func:`build_place` makes the population, demand, hospital,
discharge services, community, virtual wards and the death register; :class:`MonthlyDynamics`
is the monthly "system dynamics" process (one short method per concern) that runs beside the
event-level hospital in one SimPy environment and clock; :func:`collect` turns the records into
tidy tables, the ledger and the summary. :func:`simulate` does all three.

The model does no file I/O and prints nothing.
"""

import gc
import math
from dataclasses import dataclass, field

import numpy as np
import simpy

from leftshift.config import Config
from leftshift.config.dimensions import (
    IMD_AXIS,
    IMD_QUINTILES,
    N_AGE,
    N_IMD,
    STATE_AXES,
    STATE_SIZES,
    severe_state_mask,
)
from leftshift.model import metrics, psa
from leftshift.model.callback import run_until
from leftshift.model.clock import DAYS_PER_YEAR, Calendar
from leftshift.model.community import CareFactors, Community
from leftshift.model.deaths import DeathRegister
from leftshift.model.decommissioning import Decommissioning
from leftshift.model.demand import Demand, referral_response
from leftshift.model.discharge import DischargeService
from leftshift.model.follow_up import FollowUp, first_admission_correction
from leftshift.model.frames import (
    by_month,
    counts_in_bins,
    episodes_frame,
    interval_mass,
    monthly_metrics,
    presentations_frame,
    prevalence_frame,
    referrals_frame,
    state_metrics,
    step_mass,
    step_mass_arrays,
)
from leftshift.model.heap import return_freed_memory
from leftshift.model.hospital import Hospital, WaitingList
from leftshift.model.invariants import check_deaths_reconcile, check_littles_law
from leftshift.model.ledger import SERVICES, build_ledger, check_ledger
from leftshift.model.outcomes import (
    outcome_metrics,
    qalys_lived,
    remaining_life_expectancy,
    utility_table,
)
from leftshift.model.population import Population
from leftshift.model.records import WAITING, EmergencyBatch, ReferralBatch, cell_axes
from leftshift.model.results import Results, summarise
from leftshift.model.rng import Streams
from leftshift.model.schedule import schedule_value
from leftshift.model.virtual_ward import (
    VirtualWard,
    VirtualWardPlan,
    virtual_ward_metrics,
    virtual_ward_stays_frame,
)


@dataclass
class Place:
    """Everything one replication is made of, built before the clock starts."""

    cfg: Config
    seed: int
    psa_draws: dict[str, float]
    calendar: Calendar
    env: simpy.Environment
    streams: Streams
    population: Population
    demand: Demand
    waiting_list: WaitingList
    deaths: DeathRegister
    hospital: Hospital
    #: discharge services by pathway (1-3); empty unless delayed discharges are on
    services: dict[int, DischargeService]
    community: Community
    decommissioning: Decommissioning
    #: virtual wards, only in a scenario that funds them
    vw_plan: VirtualWardPlan | None = None
    virtual_ward: VirtualWard | None = None
    emergency_batches: list[EmergencyBatch] = field(default_factory=list)
    #: follow-up after discharge (outcomes.follow_up.enabled)
    follow_up: FollowUp | None = None

    def release_records(self) -> None:
        """Let go of the event records (batches) once the result tables hold what they held.

        An ICB run's batches take about 400 MiB; keeping them while the monthly metrics are
        built put that on the peak. Only :func:`simulate` calls this: the place is not used
        again. Batches an unfinished event still holds (a patient in a bed at the end) stay.
        """
        self.emergency_batches = []
        self.waiting_list.batches = []
        if self.virtual_ward is not None:
            self.virtual_ward.escalations = []

    def present_readmissions(
        self, times: np.ndarray, cells: np.ndarray, keys: np.ndarray, sites: np.ndarray
    ) -> None:
        """A day's readmissions, each at the acute site the patient left: one batch."""
        batch = self.demand.readmission_batch(times, cells, keys, sites)
        self.emergency_batches.append(batch)
        self.env.process(self.hospital.emergency_arrivals(batch))

    def list_emergencies(self, referrals: ReferralBatch):
        """SimPy process: the emergencies of people on the list while they wait, day by day.

        At the start of each day with any due (``ReferralBatch.emergency_time``), those still
        waiting (not admitted, not yet due to leave untreated) present that day as one batch;
        each stays on the list. Checked at the day's start, so someone admitted from the list
        later the same day has presented too.
        """
        t = referrals.emergency_time
        due = np.flatnonzero((t < referrals.removal_time) & (t < self.calendar.end_day))
        due = due[np.argsort(t[due], kind="stable")]
        days, first = np.unique(np.floor(t[due]), return_index=True)
        groups = np.split(due, first[1:]) if len(due) else []
        for day, group in zip(days, groups, strict=True):
            yield self.env.timeout(float(day) - self.env.now)
            group = group[referrals.exit_reason[group] == WAITING]
            if len(group):
                batch = self.demand.list_emergency_batch(
                    t[group], referrals.cell[group], referrals.emergency_key[group]
                )
                self.emergency_batches.append(batch)
                self.env.process(self.hospital.emergency_arrivals(batch))

    def add_referrals(self, referrals: ReferralBatch) -> None:
        """Put a batch of referrals on the list and watch them for emergencies while waiting."""
        self.waiting_list.add_batch(referrals)
        if np.isfinite(referrals.emergency_time).any():
            self.env.process(self.list_emergencies(referrals))


def build_place(cfg: Config, seed: int) -> Place:
    """Build a place for one replication of a validated, frozen config with one master seed.

    With ``run.psa`` on, the uncertain parameters are first drawn from the seed's ``psa``
    stream (:mod:`leftshift.model.psa`); the draws are kept in ``Place.psa_draws``.
    """
    psa_draws: dict[str, float] = {}
    if cfg.run.psa:
        cfg, psa_draws = psa.sample(cfg, seed)
    streams = Streams(seed)
    calendar = Calendar(
        cfg.run.start_date,
        cfg.run.warmup_months + 12 * cfg.run.horizon_years,
        cfg.run.warmup_months,
    )
    env = simpy.Environment()
    population = Population(cfg, lambda month: streams.for_period("population", month))
    demand = Demand(cfg, population, streams)
    waiting_list = WaitingList(cfg.demand.urgent_target_days, cfg.demand.routine_target_days)
    deaths = DeathRegister()
    hospital = Hospital(env, cfg, waiting_list, deaths)
    services = {
        k: DischargeService(
            env, name, getattr(cfg.social_care, name), cfg.place.population, streams[f"{name}_0"]
        )
        for k, name in enumerate(SERVICES, start=1)
        if cfg.social_care.delayed_discharges
    }
    hospital.add_discharge_services(services)
    place = Place(
        cfg=cfg,
        seed=seed,
        psa_draws=psa_draws,
        calendar=calendar,
        env=env,
        streams=streams,
        population=population,
        demand=demand,
        waiting_list=waiting_list,
        deaths=deaths,
        hospital=hospital,
        services=services,
        community=Community(cfg),
        decommissioning=Decommissioning(cfg, hospital),
    )
    place.add_referrals(demand.initial_list())
    if cfg.outcomes.follow_up.enabled:
        place.follow_up = FollowUp(
            env,
            cfg,
            demand.presentation_scale,
            population.mortality,
            deaths,
            place.present_readmissions,
        )
        hospital.follow_up = place.follow_up
    if cfg.interventions.virtual_wards.funds_beds():
        place.vw_plan = VirtualWardPlan(cfg)
        place.virtual_ward = VirtualWard(
            env,
            hospital,
            deaths,
            cfg.virtual_wards.avoided_admission_share.mean,
            streams["virtual_ward_step_down_mix"],
        )
        place.virtual_ward.follow_up = place.follow_up
        hospital.add_virtual_ward(place.virtual_ward)
    if cfg.hospital.initial_census:
        census = demand.initial_census(hospital.open_beds)
        hospital.seed_census(census)
        place.emergency_batches.append(census)
    return place


class MonthlyDynamics:
    """The monthly process: population, community, social care, virtual wards and arrivals.

    At each month start it removes last month's deaths from the population, snapshots the
    population, applies ward closures, steps the community workforce and proactive care, sets
    social-care and virtual-ward capacity, and schedules the month's emergency presentations
    and elective referrals. What it observes is kept in arrays, one entry per month.
    """

    def __init__(self, place: Place):
        self.place = place
        cfg, n = place.cfg, place.calendar.n_months
        self.cfg = cfg
        self.n_months = n
        self.continuous_electives = cfg.hospital.elective_round_hour is None
        self.population_by_month = np.zeros(n)
        # state snapshots at each month start, summed to (age, imd, state) for each dimension
        self.snapshots = {name: np.zeros((n, N_AGE, N_IMD, k)) for name, k in STATE_SIZES.items()}
        self.severe = severe_state_mask()
        self.people_severe = np.zeros(n)  # people in at least one severe state
        self.deaths_by_month = np.zeros(n)
        self.births_by_month = np.zeros(n)
        self.crowding_deaths = np.zeros(n)
        # the death register's deaths due in each month, those the population's stock could
        # not carry (nobody left in their age band and quintile), and the expected ED-crowding
        # deaths counted in the month (removed from the stock only in an expected-value cohort)
        self.register_deaths = np.zeros(n)
        self.register_deaths_not_carried = np.zeros(n)
        self.crowding_deaths_expected = np.zeros(n)
        self.years_of_life_lost = np.zeros(n)
        self.deaths_by_imd = np.zeros((n, N_IMD))
        self.life_left = remaining_life_expectancy(cfg)
        self.emergency_multiplier = np.ones(n)
        self.referral_multiplier = np.ones(n)
        #: elective day cases a month (counted, no bed: demand.day_case_count)
        self.day_cases = np.zeros(n)
        self.bed_time_at_start = np.zeros(n + 1)
        self.utility = utility_table(cfg)
        self.lived_by_imd = np.zeros((n, N_IMD))
        self.population_by_imd = np.zeros((n, N_IMD))
        self.days_in_month = place.calendar.days_in_month()
        self.community_log: list[dict[str, float]] = []
        self.vw_log: list[dict[str, float]] = []
        #: G&A beds the capacity plan has opened so far
        self.beds_added = 0
        #: when first-admission demand was last corrected (correct_first_admissions)
        self.last_correction = 0.0

    def process(self):
        """The SimPy process: one pass of every concern at each month start."""
        p, calendar = self.place, self.place.calendar
        for month in range(self.n_months):
            start, end = calendar.month_start_days[month], calendar.month_start_days[month + 1]
            self.bed_time_at_start[month] = p.hospital.live_integrals()[0]
            if month > 0:
                self.close_last_month(month - 1, start)
            self.observe_population(month)
            years = calendar.years_at_month(month)
            list_size, mean_wait_weeks = p.waiting_list.size_and_mean_wait(start)
            if 0 < month <= calendar.warmup_months:
                self.correct_first_admissions(month, start)
            if month >= calendar.warmup_months:
                self.decommission(month, start, years, list_size)
                self.capacity_plan(month)
            care = self.proactive_care(month, years)
            self.social_care(years)
            vw_referral = schedule_value(
                self.cfg.interventions.virtual_wards.referral_multiplier, years
            )
            self.virtual_wards(month, start, end, years, vw_referral)
            self.emergencies(month, start, end, years, care, vw_referral)
            self.referrals(month, start, end, mean_wait_weeks)
            self.day_cases[month] = p.demand.day_case_count(month, end - start)
            yield p.env.timeout(end - p.env.now)

    def correct_first_admissions(self, month: int, now: float) -> None:
        """Set first-admission demand from the warm-up's readmissions and list emergencies.

        At the end of each whole year of the warm-up and at its end, each time from what was
        counted since the last correction (a whole year, so that the winter's lower share of
        readmissions does not bias it), after one readmission window (the initial census's
        patients, or those presented under the last factor, have left their beds) and for at
        least one more. With nothing to count the estimate before stands (no warm-up: the
        ex-ante one).
        """
        p, warmup = self.place, self.place.calendar.warmup_months
        from_list = self.cfg.demand.waiting_list_emergency_per_year.mean > 0
        if (p.follow_up is None and not from_list) or (month % 12 and month != warmup):
            return
        window = float(self.cfg.outcomes.follow_up.readmission_window_days)
        if now - self.last_correction < 2 * window:  # less than a window to count
            return
        first = (1.0 - p.demand.readmitted_share) * p.demand.first_admission_correction
        follow = p.follow_up
        factor = first_admission_correction(
            p.emergency_batches,
            np.asarray(follow.discharge_times if follow else [], float),
            np.asarray(follow.readmission_p if follow else [], float),
            1.0 - first,
            self.last_correction + window,
            now,
        )
        if factor is not None:
            p.demand.correct_first_admissions(factor)
            self.last_correction = now

    def close_last_month(self, last: int, start: float) -> None:
        """Step the population a month and remove the deaths the event model registered."""
        p, cfg = self.place, self.cfg
        flows = p.population.step_month()
        self.deaths_by_month[last] = flows["deaths"].sum()
        died = p.deaths.due_before(start)
        delayed = p.hospital.delayed_before(start)
        self.register_deaths[last] = len(died)
        if not cfg.population.static:
            removed = p.population.remove_hospital_deaths(died)
            self.register_deaths_not_carried[last] = len(died) - removed
            p_crowding = cfg.outcomes.ed_delay_deaths_per_patient.mean
            self.crowding_deaths[last] = p.population.remove_expected_deaths(delayed, p_crowding)
            self.crowding_deaths_expected[last] = len(delayed) * p_crowding
            # all deaths of the month by age band and IMD quintile
            by_cell = flows["deaths"].sum(axis=tuple(range(2, flows["deaths"].ndim)))
            by_cell = by_cell.astype(float)
            for cells, weight in ((died, 1.0), (delayed, p_crowding)):
                age, imd = cell_axes(np.asarray(cells, np.int64))[:2]
                np.add.at(by_cell, (age, imd), weight)
            self.years_of_life_lost[last] = float(by_cell.sum(axis=1) @ self.life_left)
            self.deaths_by_imd[last] = by_cell.sum(axis=0)
        self.births_by_month[last] = flows["births"]

    def observe_population(self, month: int) -> None:
        """Snapshot the population at the month start: size, QALYs lived, states."""
        counts = self.place.population.counts
        self.population_by_month[month] = self.place.population.total
        others = tuple(a for a in range(counts.ndim) if a != IMD_AXIS)
        self.population_by_imd[month] = counts.sum(axis=others)
        self.lived_by_imd[month] = qalys_lived(counts, self.utility, self.days_in_month[month])
        for name, axes in STATE_AXES.items():
            self.snapshots[name][month] = counts.sum(axis=axes)
        self.people_severe[month] = counts[self.severe].sum()

    def capacity_plan(self, month: int) -> None:
        """Open the beds the baseline's capacity plan (``place.bed_plan`` or growth) adds by now.

        Year y's beds open at its start plus ``place.bed_opening_lag_months``; beds are only
        added, never taken away (closures are ``interventions.decommissioning``).
        """
        place = self.cfg.place
        if place.bed_plan is None and not place.bed_growth_per_year:
            return
        since = month - self.place.calendar.warmup_months - place.bed_opening_lag_months
        if since < 0:
            return
        year = since // 12 + 1  # the plan year whose beds are open by now
        base = place.general_acute_beds
        if place.bed_plan is not None:
            planned = place.bed_plan[min(year, len(place.bed_plan)) - 1]
        else:
            planned = math.floor(base * (1.0 + place.bed_growth_per_year) ** (year - 1) + 0.5)
        if planned - base > self.beds_added:
            self.place.hospital.add_beds(planned - base - self.beds_added)
            self.beds_added = planned - base

    def decommission(self, month: int, start: float, years: float, list_size: int) -> None:
        """Apply the closure rule, given last month's occupancy of open beds."""
        p, calendar = self.place, self.place.calendar
        last = None
        if month > calendar.warmup_months:
            before = calendar.month_start_days[month - 1]
            open_days = step_mass(p.hospital.bed_stock_log, start, np.array([before, start]))[0]
            last = (self.bed_time_at_start[month] - self.bed_time_at_start[month - 1]) / open_days
        p.decommissioning.month_start(years, last, list_size)

    def proactive_care(self, month: int, years: float) -> CareFactors:
        """Step the community workforce and proactive care; slow progression of those reached."""
        p = self.place
        care = p.community.step(month, years, p.population.counts)
        p.population.progression_multiplier = care.progression_factor
        self.community_log.append(p.community.record(care, p.population.counts))
        return care

    def social_care(self, years: float) -> None:
        """Scale the discharge services' places by the baseline's plan and the scenario's schedule.

        The plan grows them by ``social_care.capacity_growth_per_year`` a year from reporting
        year 2 (like the bed plan); the schedule multiplies that.
        """
        care_places = schedule_value(self.cfg.interventions.social_care_capacity_multiplier, years)
        growth = self.cfg.social_care.capacity_growth_per_year
        if growth:  # reporting year y (years in [y - 1, y)) has (1 + growth)^(y - 1)
            care_places *= (1.0 + growth) ** max(0, math.floor(years))
        for service in self.place.services.values():
            service.set_capacity(care_places)

    def virtual_wards(
        self, month: int, start: float, end: float, years: float, referral: float
    ) -> None:
        """Staff the virtual beds and schedule the step-ups of people not otherwise admitted."""
        p = self.place
        if p.vw_plan is None or p.virtual_ward is None:
            return
        p.virtual_ward.set_capacity(p.vw_plan.step(month, years))
        self.vw_log.append(p.vw_plan.record())
        month_of_year = p.calendar.month_of_year[month]
        candidates = p.demand.virtual_ward_candidates(start, end, month_of_year, referral)
        expected = p.virtual_ward.plan_month(candidates)
        extra = p.demand.virtual_ward_referrals(start, end, expected)
        p.env.process(p.virtual_ward.additional_arrivals(extra))

    def emergencies(
        self,
        month: int,
        start: float,
        end: float,
        years: float,
        care: CareFactors,
        vw_referral: float,
    ) -> None:
        """Draw the month's emergency presentations and present them at their times."""
        p = self.place
        mult = schedule_value(self.cfg.interventions.emergency_demand_multiplier, years)
        self.emergency_multiplier[month] = mult
        batch = p.demand.emergency_batch(
            start,
            end,
            p.calendar.month_of_year[month],
            mult,
            care.disease_factor,
            care.other_factor,
            vw_referral,
        )
        p.emergency_batches.append(batch)
        p.deaths.extend(batch.avoided_deaths)
        p.env.process(p.hospital.emergency_arrivals(batch))

    def referrals(self, month: int, start: float, end: float, mean_wait_weeks: float) -> None:
        """Draw the month's referrals to the list, with the referral response to waits."""
        p = self.place
        response = referral_response(self.cfg, mean_wait_weeks)
        self.referral_multiplier[month] = response
        referrals = p.demand.referral_batch(start, end, response)
        p.add_referrals(referrals)
        if self.continuous_electives:
            p.env.process(p.hospital.referral_arrivals(referrals))


def run_place(place: Place, dynamics: MonthlyDynamics) -> None:
    """Run the clock to the end of the horizon and close the books of the event model."""
    env, hospital, end_day = place.env, place.hospital, place.calendar.end_day
    env.process(dynamics.process())
    if dynamics.continuous_electives:
        hospital.waiting_list.enqueue_until(0.0)  # the initial list
        hospital.admit_electives()
    else:
        first_round = float(place.cfg.hospital.elective_round_hour or 0.0) / 24.0
        env.process(hospital.elective_rounds(first_round, end_day))
    # The run creates millions of short-lived, acyclic objects (events, records). Python's
    # cyclic collector would rescan them all repeatedly (about a quarter of the run time for
    # place=icb); reference counting frees them anyway, and the few cycles (finished SimPy
    # processes) are collected when the collector is back on.
    collector_was_on = gc.isenabled()
    gc.disable()
    try:
        run_until(env, end_day)
    finally:
        if collector_was_on:
            gc.enable()
    hospital.close_delays(end_day)
    hospital.check_end()
    if place.virtual_ward is not None:
        place.emergency_batches.extend(place.virtual_ward.escalations)
    for batch in place.emergency_batches:
        batch.finalise()
    place.waiting_list.finalise(end_day)
    occupied_bed_days, _ = hospital.live_integrals()
    check_littles_law(
        place.emergency_batches, place.waiting_list.batches, occupied_bed_days, end_day
    )
    place.population.check_conservation()


def _columns(log: list[dict[str, float]]) -> dict[str, np.ndarray]:
    """Monthly records (one dict a month) as one array per key."""
    return {k: np.array([r[k] for r in log]) for k in log[0]}


def _virtual_ward_metrics(place: Place, dynamics: MonthlyDynamics, presentations) -> dict:
    """The virtual wards' monthly metrics, with referrals turned away by quintile."""
    vw = place.virtual_ward
    if vw is None:
        return {}
    bounds, end_day = place.calendar.month_start_days, place.calendar.end_day
    out = virtual_ward_metrics(
        vw.frame(end_day),
        vw.log,
        vw.capacity_log,
        bounds,
        end_day,
        dynamics.population_by_imd,
        place.cfg.interventions.virtual_wards.targeted_offer.quintiles,
    )
    out.update(_columns(dynamics.vw_log))
    # referred for step-up but turned away by the digital or housing check
    excluded = presentations[presentations["virtual_ward_excluded"].to_numpy(bool)]
    quintile = excluded["imd_quintile"].cat.codes.to_numpy()
    for q, label in enumerate(IMD_QUINTILES):
        out[metrics.VW_REFERRALS_EXCLUDED_BY_IMD.name(label)] = counts_in_bins(
            excluded["arrival_day"].to_numpy()[quintile == q], bounds
        )
    return out


def _dynamics_metrics(place: Place, dynamics: MonthlyDynamics) -> dict:
    """Monthly metrics the dynamics observed (not read from the event records)."""
    d, calendar, batches = dynamics, place.calendar, place.emergency_batches
    bounds = calendar.month_start_days
    # presentations a community intervention avoided, when they would have come
    avoided_at = np.concatenate([b.avoided_time for b in batches])
    return {
        metrics.DEATHS_IN_POPULATION: d.deaths_by_month,
        metrics.DEATHS_FROM_ED_CROWDING_IN_POPULATION: d.crowding_deaths,
        metrics.YEARS_OF_LIFE_LOST: d.years_of_life_lost,
        **{
            metrics.DEATHS_BY_IMD.name(q): d.deaths_by_imd[:, k]
            for k, q in enumerate(IMD_QUINTILES)
        },
        metrics.LIFE_YEARS: d.population_by_month * d.days_in_month / DAYS_PER_YEAR,
        metrics.EMERGENCY_PRESENTATIONS_AVOIDED_IN_COMMUNITY: counts_in_bins(avoided_at, bounds),
        metrics.ACUTE_BED_DAYS_FREED_BY_COMMUNITY: counts_in_bins(
            avoided_at, bounds, np.concatenate([b.avoided_base_los for b in batches])
        ),
        metrics.DEATHS_AFTER_AVOIDED_PRESENTATION: counts_in_bins(
            np.array([t for b in batches for t, _ in b.avoided_deaths]), bounds
        ),
    }


def _follow_up_metrics(place: Place) -> dict[str, np.ndarray]:
    """Discharges followed, deaths after discharge, care-home moves and their days."""
    bounds, end_day = place.calendar.month_start_days, place.calendar.end_day
    f = place.follow_up
    if f is None:
        zero = np.zeros(len(bounds) - 1)
        return {
            metrics.DISCHARGES_FOLLOWED: zero,
            metrics.DEATHS_AFTER_DISCHARGE: zero,
            metrics.CARE_HOME_MOVES_AFTER_DISCHARGE: zero,
            metrics.CARE_HOME_DAYS_AFTER_DISCHARGE: zero,
        }
    moves = np.asarray(f.move_times, float)
    return {
        metrics.DISCHARGES_FOLLOWED: counts_in_bins(np.asarray(f.discharge_times), bounds),
        metrics.DEATHS_AFTER_DISCHARGE: counts_in_bins(np.asarray(f.death_times), bounds),
        metrics.CARE_HOME_MOVES_AFTER_DISCHARGE: counts_in_bins(moves, bounds),
        metrics.CARE_HOME_DAYS_AFTER_DISCHARGE: interval_mass(
            moves, np.minimum(np.asarray(f.move_ends, float), end_day), bounds
        ),
    }


def _deaths_by_place(
    place: Place, dynamics: MonthlyDynamics, episodes, presentations, extra: dict
) -> dict[str, np.ndarray]:
    """Every death of the month in one place: hospital, home after a virtual ward, community.

    The community holds the population's own deaths, deaths after ED without admission, after
    an avoided presentation and after discharge, and the expected ED-crowding deaths (as the
    deaths by IMD quintile count them, by the month the population takes them).
    """
    bounds, end_day = place.calendar.month_start_days, place.calendar.end_day
    discharge = episodes["discharge_day"].to_numpy()
    died = episodes["died_in_hospital"].to_numpy(bool) & (discharge < end_day)
    zero = np.zeros(len(bounds) - 1)
    not_admitted = presentations["died_without_admission"].to_numpy(bool)
    community = (
        dynamics.deaths_by_month
        + counts_in_bins(presentations["arrival_day"].to_numpy()[not_admitted], bounds)
        + extra[metrics.DEATHS_AFTER_AVOIDED_PRESENTATION]
        + extra[metrics.DEATHS_AFTER_DISCHARGE]
        + (0.0 if place.cfg.population.static else dynamics.crowding_deaths_expected)
    )
    return {
        metrics.DEATHS_BY_PLACE.name("hospital"): counts_in_bins(discharge[died], bounds),
        metrics.DEATHS_BY_PLACE.name("home_after_virtual_ward"): extra.get(metrics.VW_DEATHS, zero),
        metrics.DEATHS_BY_PLACE.name("community"): community,
    }


def collect(place: Place, dynamics: MonthlyDynamics, release: bool = False) -> Results:
    """Turn a finished place's records into Results: tidy tables, ledger and summary.

    With ``release`` the place's event records are let go once the tables are built from
    them (:meth:`Place.release_records`): the place cannot be collected again.
    """
    cfg, calendar, hospital = place.cfg, place.calendar, place.hospital
    bounds, end_day = calendar.month_start_days, calendar.end_day
    presentations = presentations_frame(place.emergency_batches, end_day)
    referrals = referrals_frame(place.waiting_list.batches)
    from_dynamics = _dynamics_metrics(place, dynamics)  # the last reader of the batches
    if release:
        place.release_records()
        return_freed_memory()
    episodes = episodes_frame(presentations, referrals)
    outcomes = outcome_metrics(
        cfg, calendar, episodes, presentations, referrals, dynamics.lived_by_imd
    )
    events = {
        **from_dynamics,
        **_follow_up_metrics(place),
        **_virtual_ward_metrics(place, dynamics, presentations),
    }
    events.update(_deaths_by_place(place, dynamics, episodes, presentations, events))
    services = place.services
    monthly = monthly_metrics(
        calendar,
        episodes,
        presentations,
        referrals,
        hospital.bed_stock_log,
        hospital.core_stock_log,
        dynamics.population_by_month,
        extra={
            **events,
            **outcomes,
            metrics.BIRTHS: dynamics.births_by_month,
            metrics.EMERGENCY_DEMAND_MULTIPLIER: dynamics.emergency_multiplier,
            metrics.REFERRAL_RESPONSE_MULTIPLIER: dynamics.referral_multiplier,
            metrics.DAY_CASES: dynamics.day_cases,
            **{
                metrics.PLACES_IN_USE.name(name): (
                    step_mass_arrays(services[k].log_times, services[k].log_in_use, end_day, bounds)
                    if services
                    else step_mass([(0.0, 0)], end_day, bounds)
                )
                / np.diff(bounds)
                for k, name in enumerate(SERVICES, start=1)
            },
            metrics.WARDS_CLOSED: counts_in_bins(
                np.array([t for t, _ in hospital.ward_closures]), bounds
            ),
            metrics.ELECTIVES_CANCELLED: counts_in_bins(
                np.array([t for t, _ in hospital.cancellations]),
                bounds,
                np.array([n for _, n in hospital.cancellations], float),
            ),
            **state_metrics(dynamics.snapshots, dynamics.people_severe),
            **{
                k: np.array([r[k] for r in dynamics.community_log])
                for k in dynamics.community_log[0]
            },
        },
    )
    check_deaths_reconcile(
        by_month(monthly),
        dynamics.deaths_by_month,
        dynamics.register_deaths,
        dynamics.register_deaths_not_carried,
        dynamics.crowding_deaths_expected,
        dynamics.crowding_deaths,
        place.population.deaths,
        cfg.population.static,
    )
    ledger = build_ledger(cfg, calendar, monthly, episodes, hospital.ward_closures, presentations)
    check_ledger(ledger)
    occupied_bed_days, boarder_days = hospital.live_integrals()
    return Results(
        config=cfg,
        ledger=ledger,
        psa_draws=place.psa_draws,
        prevalence=prevalence_frame(calendar, dynamics.snapshots),
        seed=place.seed,
        episodes=episodes,
        presentations=presentations,
        referrals=referrals,
        virtual_ward_stays=virtual_ward_stays_frame(place.virtual_ward, end_day),
        monthly=monthly,
        summary=summarise(cfg, monthly, ledger),
        reporting_start_day=calendar.reporting_start_day,
        live_counts={
            "occupied_bed_days": occupied_bed_days,
            "boarder_days": boarder_days,
            "end_day": end_day,
        },
    )


def simulate(cfg: Config, seed: int, elective_ceiling: list[int] | None = None) -> Results:
    """Run one replication of a validated, frozen config with one master seed.

    With ``run.psa`` on, the uncertain parameters are first drawn from the seed's ``psa``
    stream; the draws are in ``Results.psa_draws``. With ``elective_ceiling`` (the cumulative
    electives another run admitted by the end of each model day, :func:`electives_by_day`)
    the hospital admits no more than that by each day (:meth:`Hospital.hold_electives`).
    """
    place = build_place(cfg, seed)
    if elective_ceiling is not None:
        place.hospital.hold_electives(elective_ceiling)
    dynamics = MonthlyDynamics(place)
    run_place(place, dynamics)
    return_freed_memory()  # the event model's transient objects, before the tables are built
    return collect(place, dynamics, release=True)

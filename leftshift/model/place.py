"""One replication: build the place from a validated config and a seed, run it, return Results.

The model does no file I/O and prints nothing (the runner writes outputs). It couples a monthly
"system dynamics" process (population, demand rates, interventions, referral response) with the
event-level hospital in a single SimPy environment and clock.
"""

import gc

import numpy as np
import simpy

from leftshift.config import Config
from leftshift.model import psa
from leftshift.model.clock import DAYS_PER_YEAR, Calendar
from leftshift.model.community import Community
from leftshift.model.demand import TREATED, Demand, EmergencyBatch, cell_axes
from leftshift.model.frames import (
    counts_in_bins,
    episodes_frame,
    monthly_metrics,
    presentations_frame,
    prevalence_frame,
    referrals_frame,
    state_metrics,
    step_mass,
)
from leftshift.model.hospital import DischargeService, Hospital, WaitingList
from leftshift.model.invariants import InvariantError
from leftshift.model.ledger import SERVICES, build_ledger, check_ledger
from leftshift.model.outcomes import (
    outcome_metrics,
    qalys_lived,
    remaining_life_expectancy,
    utility_table,
)
from leftshift.model.population import Population, severe_state_mask
from leftshift.model.results import Results, summarise
from leftshift.model.rng import Streams
from leftshift.model.schedule import schedule_value
from leftshift.model.virtual_ward import VirtualWard, VirtualWardPlan, virtual_ward_metrics

STATE_DIMENSIONS = {"frailty": 4, "copd": 5, "heart_failure": 5}
SNAPSHOT_AXES = {"frailty": (3, 4), "copd": (2, 4), "heart_failure": (2, 3)}
MIN_MEAN_WAIT_WEEKS = 1.0  # floor on the mean wait in the referral response (empty list)


def referral_response(cfg: Config, mean_wait_weeks: float) -> float:
    """Channel (d): referral-rate multiplier, (mean wait / reference) ** -elasticity."""
    d = cfg.demand
    if d.referral_wait_elasticity == 0:
        return 1.0
    wait = max(mean_wait_weeks, MIN_MEAN_WAIT_WEEKS)
    return float((wait / d.reference_wait_weeks) ** (-d.referral_wait_elasticity))


def _list_now(waiting_list: WaitingList, now: float) -> tuple[int, float]:
    """People on the elective list now, and their mean wait so far in weeks."""
    total = 0.0
    count = 0
    for b in waiting_list.batches:
        live = (b.time <= now) & (b.exit_time > now) & (b.removal_time > now)
        if live.any():
            total += float((now - b.time[live]).sum())
            count += int(live.sum())
    return count, (total / count / 7.0 if count else 0.0)


class Decommissioning:
    """Decides ward closures at month starts, on dates or by the evidence rule."""

    def __init__(self, cfg: Config, hospital: Hospital):
        self.d = cfg.interventions.decommissioning
        self.hospital = hospital
        self.population = cfg.place.population
        self.closed = 0
        self.low_months = 0  # consecutive months below the occupancy limit since a closure

    def month_start(self, years: float, last_occupancy: float | None, list_size: int) -> None:
        """Close a ward if the rule says so, given last month's occupancy and the list now."""
        d = self.d
        if d.rule == "on_dates":
            due = sum(1 for y in d.close_at_years if y <= years + 1e-9)
            while self.closed < due:
                self._close()
            return
        if d.rule != "on_evidence" or last_occupancy is None:
            return
        self.low_months = self.low_months + 1 if last_occupancy < d.occupancy_below else 0
        list_ok = (
            d.max_waiting_list_per_1000 is None
            or list_size < d.max_waiting_list_per_1000 * self.population / 1000.0
        )
        if (
            years >= d.earliest_year - 1e-9
            and self.closed < d.max_wards
            and self.low_months >= d.consecutive_months
            and list_ok
        ):
            self._close()
            self.low_months = 0

    def _close(self) -> None:
        self.hospital.close_ward(self.d.ward_beds)
        self.closed += 1


def community_record(community: Community, care: dict, counts: np.ndarray) -> dict:
    """The month's workforce and proactive-care figures, for the monthly table."""
    rec: dict[str, float] = {}
    for g in community.groups:
        rec[f"wte_funded_{g.name}"] = g.funded
        rec[f"wte_hired_{g.name}"] = g.hired
        rec[f"wte_in_post_{g.name}"] = g.in_post
        rec[f"wte_productive_{g.name}"] = g.productive_now
    # the proactive-care workforce as a whole (virtual-ward staff are not part of it)
    rec["proactive_care_wte_funded"] = sum(g.funded for g in community.groups)
    rec["proactive_care_wte_in_post"] = sum(g.in_post for g in community.groups)
    rec["proactive_care_wte_productive"] = sum(g.productive_now for g in community.groups)
    eligible = community.care.eligible
    reached = care["reached_share"] * counts
    rec["proactive_care_capacity"] = care["capacity"]
    rec["proactive_care_maturity"] = care["maturity"]
    rec["people_eligible_proactive_care"] = float(counts[eligible].sum())
    rec["people_reached_proactive_care"] = float(reached.sum())
    by_imd = reached.sum(axis=(0, 2, 3, 4))
    for q in range(5):
        rec[f"people_reached_proactive_care_Q{q + 1}"] = float(by_imd[q])
    return rec


def check_littles_law(emergency_batches, referral_batches, bed_days: float, end: float) -> None:
    """Raise unless the records' bed-time equals the live bed count integrated over the run.

    Little's law in its sample-path form: the time-integral of the number in beds equals the
    sum of each stay's time in beds within [0, end]. The hospital integrates its live count as
    it runs; the records are written separately, so a lost or double-counted stay shows here.
    """
    total = 0.0
    for b in emergency_batches:
        ok = ~np.isnan(b.bed_start)
        total += float(
            (np.minimum(b.bed_start[ok] + b.los[ok], end) - np.maximum(b.bed_start[ok], 0)).sum()
        )
    for b in referral_batches:
        ok = b.exit_reason == TREATED
        start = b.exit_time[ok]
        total += float((np.minimum(start + b.los[ok], end) - start).sum())
    if abs(total - bed_days) > 1e-6 * max(1.0, bed_days):
        raise InvariantError(
            f"Little's law: records hold {total:.6f} bed-days but the live bed count integrates"
            f" to {bed_days:.6f}"
        )


def simulate(cfg: Config, seed: int) -> Results:
    """Run one replication of a validated, frozen config with one master seed.

    With ``run.psa`` on, the uncertain parameters are first drawn from the seed's ``psa``
    stream (:mod:`leftshift.model.psa`); the draws are in ``Results.psa_draws``.
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
    waiting_list.add_batch(demand.initial_list())
    hospital = Hospital(env, cfg, waiting_list)
    # discharge services exist only when some patients need them (social_care=delays)
    pathways_on = cfg.social_care.delayed_discharges
    services = {
        k: DischargeService(
            env, name, getattr(cfg.social_care, name), cfg.place.population, streams[f"{name}_0"]
        )
        for k, name in enumerate(SERVICES, start=1)
        if pathways_on
    }
    hospital.add_discharge_services(services)
    # virtual wards exist only in a scenario that funds them
    vw_plan = VirtualWardPlan(cfg) if cfg.interventions.virtual_wards.funds_beds() else None
    virtual_ward = VirtualWard(env, hospital) if vw_plan else None
    if virtual_ward is not None:
        hospital.add_virtual_ward(virtual_ward)
    vw_log: list[dict] = []
    community = Community(cfg)
    community_log: list[dict] = []
    decommissioning = Decommissioning(cfg, hospital)
    emergency_batches: list[EmergencyBatch] = []
    if cfg.hospital.initial_census:
        census = demand.initial_census(hospital.open_beds)
        hospital.seed_census(census)
        emergency_batches.append(census)

    n = calendar.n_months
    continuous_electives = cfg.hospital.elective_round_hour is None
    population_by_month = np.zeros(n)
    # state snapshots at each month start, summed to (age, imd, state) for each dimension
    snapshots = {name: np.zeros((n, 6, 5, size)) for name, size in STATE_DIMENSIONS.items()}
    severe = severe_state_mask()
    people_severe = np.zeros(n)  # people in at least one severe state
    deaths_by_month = np.zeros(n)
    births_by_month = np.zeros(n)
    crowding_deaths = np.zeros(n)
    years_of_life_lost = np.zeros(n)
    deaths_by_imd = np.zeros((n, 5))
    life_left = remaining_life_expectancy(cfg)
    emergency_multiplier = np.ones(n)
    referral_multiplier = np.ones(n)
    bed_time_at_start = np.zeros(n + 1)
    utility = utility_table(cfg)
    lived_by_imd = np.zeros((n, 5))
    population_by_imd = np.zeros((n, 5))
    days_in_month = calendar.days_in_month()

    def system_dynamics():
        for month in range(n):
            start, end = calendar.month_start_days[month], calendar.month_start_days[month + 1]
            bed_time_at_start[month] = hospital.live_integrals()[0]
            if month > 0:
                flows = population.step_month()
                deaths_by_month[month - 1] = flows["deaths"].sum()
                died = hospital.deaths_before(start)
                delayed = hospital.delayed_before(start)
                if not cfg.population.static:
                    population.remove_hospital_deaths(died)
                    crowding_deaths[month - 1] = population.remove_expected_deaths(
                        delayed, cfg.outcomes.ed_delay_deaths_per_patient.mean
                    )
                    # all deaths of the month by age band and IMD quintile
                    by_cell = flows["deaths"].sum(axis=(2, 3, 4)).astype(float)
                    p_crowding = cfg.outcomes.ed_delay_deaths_per_patient.mean
                    for cells, weight in ((died, 1.0), (delayed, p_crowding)):
                        age, imd = cell_axes(np.asarray(cells, np.int64))[:2]
                        np.add.at(by_cell, (age, imd), weight)
                    years_of_life_lost[month - 1] = float(by_cell.sum(axis=1) @ life_left)
                    deaths_by_imd[month - 1] = by_cell.sum(axis=0)
                births_by_month[month - 1] = flows["births"]
            population_by_month[month] = population.total
            population_by_imd[month] = population.counts.sum(axis=(0, 2, 3, 4))
            lived_by_imd[month] = qalys_lived(population.counts, utility, days_in_month[month])
            for name, axes in SNAPSHOT_AXES.items():
                snapshots[name][month] = population.counts.sum(axis=axes)
            people_severe[month] = population.counts[severe].sum()
            years = calendar.years_at_month(month)
            list_size, mean_wait_weeks = _list_now(waiting_list, start)
            if month >= calendar.warmup_months:
                last = None
                if month > calendar.warmup_months:
                    before = calendar.month_start_days[month - 1]
                    open_days = step_mass(hospital.bed_stock_log, start, np.array([before, start]))[
                        0
                    ]
                    last = (bed_time_at_start[month] - bed_time_at_start[month - 1]) / open_days
                decommissioning.month_start(years, last, list_size)
            care = community.step(month, years, population.counts)
            population.progression_multiplier = care["progression_factor"]
            community_log.append(community_record(community, care, population.counts))
            care_places = schedule_value(cfg.interventions.social_care_capacity_multiplier, years)
            for service in services.values():
                service.set_capacity(care_places)  # (no services: nothing to scale)
            vw_referral = schedule_value(cfg.interventions.virtual_wards.referral_multiplier, years)
            if vw_plan is not None:
                virtual_ward.set_capacity(vw_plan.step(month, years))
                vw_log.append(vw_plan.record())
                extra = demand.virtual_ward_referrals(
                    start, end, calendar.month_of_year[month], vw_referral
                )
                env.process(virtual_ward.additional_arrivals(extra))
            mult = schedule_value(cfg.interventions.emergency_demand_multiplier, years)
            emergency_multiplier[month] = mult
            batch = demand.emergency_batch(
                start,
                end,
                calendar.month_of_year[month],
                mult,
                care["disease_factor"],
                care["other_factor"],
                vw_referral,
            )
            emergency_batches.append(batch)
            hospital.deaths.extend(batch.avoided_deaths)
            env.process(hospital.emergency_arrivals(batch))
            response = referral_response(cfg, mean_wait_weeks)
            referral_multiplier[month] = response
            referrals = demand.referral_batch(start, end, response)
            waiting_list.add_batch(referrals)
            if continuous_electives:
                env.process(hospital.referral_arrivals(referrals))
            yield env.timeout(end - env.now)

    env.process(system_dynamics())
    if continuous_electives:
        hospital.waiting_list.enqueue_until(0.0)  # the initial list
        hospital.admit_electives()
    else:
        first_round = cfg.hospital.elective_round_hour / 24.0
        env.process(hospital.elective_rounds(first_round, calendar.end_day))
    # The run creates millions of short-lived, acyclic objects (events, records). Python's
    # cyclic collector would rescan them all repeatedly (about a quarter of the run time for
    # place=icb); reference counting frees them anyway, and the few cycles (finished SimPy
    # processes) are collected when the collector is back on.
    collector_was_on = gc.isenabled()
    gc.disable()
    try:
        env.run(until=calendar.end_day)
    finally:
        if collector_was_on:
            gc.enable()

    hospital.close_delays(calendar.end_day)
    hospital.check_end()
    if virtual_ward is not None:
        emergency_batches.extend(virtual_ward.escalations)
    for batch in emergency_batches:
        batch.finalise()
    waiting_list.finalise(calendar.end_day)
    occupied_bed_days, boarder_days = hospital.live_integrals()
    check_littles_law(emergency_batches, waiting_list.batches, occupied_bed_days, calendar.end_day)
    population.check_conservation()

    bounds, end_day = calendar.month_start_days, calendar.end_day
    presentations = presentations_frame(emergency_batches, calendar.end_day)
    # presentations a community intervention avoided, when they would have come
    avoided_at = np.concatenate([b.avoided_time for b in emergency_batches])
    vw_metrics: dict[str, np.ndarray] = {}
    if virtual_ward is not None:
        vw_metrics = virtual_ward_metrics(
            virtual_ward.frame(end_day),
            virtual_ward.log,
            virtual_ward.capacity_log,
            bounds,
            end_day,
            population_by_imd,
            cfg.interventions.virtual_wards.targeted_offer.quintiles,
        )
        vw_metrics.update({k: np.array([r[k] for r in vw_log]) for k in vw_log[0]})
        # referred for step-up but turned away by the digital or housing check
        excluded = presentations[presentations["virtual_ward_excluded"].to_numpy(bool)]
        quintile = excluded["imd_quintile"].cat.codes.to_numpy()
        for q in range(5):
            vw_metrics[f"vw_referrals_excluded_Q{q + 1}"] = counts_in_bins(
                excluded["arrival_day"].to_numpy()[quintile == q], bounds
            )
    referrals = referrals_frame(waiting_list.batches)
    episodes = episodes_frame(presentations, referrals)
    outcomes = outcome_metrics(cfg, calendar, episodes, presentations, referrals, lived_by_imd)
    monthly = monthly_metrics(
        calendar,
        episodes,
        presentations,
        referrals,
        hospital.bed_stock_log,
        hospital.core_stock_log,
        population_by_month,
        extra={
            "deaths_in_population": deaths_by_month,
            "deaths_from_ed_crowding_in_population": crowding_deaths,
            "years_of_life_lost": years_of_life_lost,
            **{f"deaths_Q{q + 1}": deaths_by_imd[:, q] for q in range(5)},
            "life_years": population_by_month * days_in_month / DAYS_PER_YEAR,
            "emergency_presentations_avoided_in_community": counts_in_bins(avoided_at, bounds),
            "acute_bed_days_freed_by_community": counts_in_bins(
                avoided_at, bounds, np.concatenate([b.avoided_base_los for b in emergency_batches])
            ),
            "deaths_after_avoided_presentation": counts_in_bins(
                np.array([t for b in emergency_batches for t, _ in b.avoided_deaths]), bounds
            ),
            **outcomes,
            "births": births_by_month,
            "emergency_demand_multiplier": emergency_multiplier,
            "referral_response_multiplier": referral_multiplier,
            **{
                f"places_in_use_{name}": step_mass(
                    services[k].log if services else [(0.0, 0)], end_day, bounds
                )
                / np.diff(bounds)
                for k, name in enumerate(SERVICES, start=1)
            },
            "wards_closed": counts_in_bins(
                np.array([t for t, _ in hospital.ward_closures]), bounds
            ),
            **state_metrics(snapshots, people_severe),
            **{k: np.array([r[k] for r in community_log]) for k in community_log[0]},
            **vw_metrics,
        },
    )
    ledger = build_ledger(cfg, calendar, monthly, episodes, hospital.ward_closures)
    check_ledger(ledger)
    return Results(
        config=cfg,
        ledger=ledger,
        psa_draws=psa_draws,
        prevalence=prevalence_frame(calendar, snapshots),
        seed=seed,
        episodes=episodes,
        presentations=presentations,
        referrals=referrals,
        monthly=monthly,
        summary=summarise(cfg, monthly),
        reporting_start_day=calendar.reporting_start_day,
        live_counts={
            "occupied_bed_days": occupied_bed_days,
            "boarder_days": boarder_days,
            "end_day": calendar.end_day,
        },
    )

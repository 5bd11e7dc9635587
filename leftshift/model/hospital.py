"""The acute trust's general and acute (G&A) beds as a discrete-event system (SimPy).

Beds are a count held here, not a ``simpy.Resource``: who gets a freed bed is policy (boarded
emergencies first, then electives at the daily round while occupancy is below the threshold),
and that policy is written out below. Each stay is one SimPy timeout whose callback frees the bed.

Capacity-pressure channels (MODEL.md section 3), each switched off by a zero parameter:

(a) electives admitted from the waiting list whenever beds and the threshold allow (and, in
    the "capacity left idle" variant, no more than the baseline arm did by the same day);
(b) admission threshold: a marginal emergency is admitted with a probability that falls as
    occupancy rises (``admission_threshold_sensitivity``);
(c) discharge pressure: the stay is multiplied by a function of occupancy at admission, longer
    when beds are free, shorter under load and longer again past the saturation tipping point
    (``discharge_pressure_slope``, ``saturation_slope``);
(d) referrals respond to waiting times (in :mod:`leftshift.model`).
"""

import bisect
import functools
import itertools
import math
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

import simpy

from leftshift.config import Config
from leftshift.config.beds import site_pools, split_beds
from leftshift.model.callback import Callback
from leftshift.model.clock import weekday_of_day_zero
from leftshift.model.deaths import DeathRegister
from leftshift.model.discharge import DischargeService, timeout_at
from leftshift.model.invariants import InvariantError
from leftshift.model.records import (
    DECLINED,
    DIVERTED,
    REMOVED,
    TREATED,
    VIRTUAL_WARD,
    WAITING,
    EmergencyBatch,
    ReferralBatch,
)

if TYPE_CHECKING:  # the virtual ward refers back to the hospital
    from leftshift.model.follow_up import FollowUp
    from leftshift.model.virtual_ward import VirtualWard


class WaitingList:
    """The admitted elective waiting list, held as plain queues (no ``PriorityResource``).

    One FIFO per urgency category; the next patient is the category head with the earliest
    due date (referral time + the category's target), so clinical urgency and time waited both
    order the list. People who leave the list untreated are dropped when they reach a head; their
    exit is recorded at their own removal time, so list statistics stay exact.
    """

    def __init__(self, urgent_target_days: float, routine_target_days: float):
        self.targets = (urgent_target_days, routine_target_days)
        self.queues: tuple[deque, deque] = (deque(), deque())
        self.batches: list[ReferralBatch] = []
        self._pending: deque[tuple[ReferralBatch, int]] = deque()

    def add_batch(self, batch: ReferralBatch) -> None:
        """Register a month's referrals; each joins its queue once its referral time has come."""
        self.batches.append(batch)
        if len(batch.time):
            self._pending.append((batch, 0))

    def enqueue_until(self, now: float) -> None:
        """Move every referral made by ``now`` into its urgency queue."""
        while self._pending:
            batch, start = self._pending[0]
            times = batch.time
            stop = start
            n = len(times)
            while stop < n and times[stop] <= now:
                idx = stop
                queue = self.queues[0 if batch.urgent[idx] else 1]
                target = self.targets[0 if batch.urgent[idx] else 1]
                queue.append((times[idx] + target, batch, idx))
                stop += 1
            if stop < n:
                self._pending[0] = (batch, stop)
                return
            self._pending.popleft()

    def _drop_removed(self, queue: deque, now: float) -> None:
        while queue:
            _, batch, idx = queue[0]
            if batch.removal_time[idx] > now:
                return
            batch.exit_time[idx] = batch.removal_time[idx]
            batch.exit_reason[idx] = REMOVED
            queue.popleft()

    def pop_next(self, now: float) -> tuple[ReferralBatch, int] | None:
        """Remove and return the next patient to admit, or None if the list is empty."""
        best = None
        for queue in self.queues:
            self._drop_removed(queue, now)
            if queue and (best is None or queue[0][0] < best[0][0]):
                best = queue
        if best is None:
            return None
        _, batch, idx = best.popleft()
        return batch, idx

    def size_and_mean_wait(self, now: float) -> tuple[int, float]:
        """People on the list now, and their mean wait so far in weeks."""
        total = 0.0
        count = 0
        for b in self.batches:
            live = (b.time <= now) & (b.exit_time > now) & (b.removal_time > now)
            if live.any():
                total += float((now - b.time[live]).sum())
                count += int(live.sum())
        return count, (total / count / 7.0 if count else 0.0)

    def finalise(self, end: float) -> None:
        """Record removals that fell due before ``end`` for people never reached in the queue."""
        for batch in self.batches:
            gone = (batch.exit_reason == WAITING) & (batch.removal_time <= end)
            batch.exit_time[gone] = batch.removal_time[gone]
            batch.exit_reason[gone] = REMOVED
            batch.base_los_list = []  # the run is over: the arrays hold the stays


def _unset(*_: Any) -> None:
    raise RuntimeError("a pool's callbacks are set by its hospital")


class Pool:
    """One pool of G&A beds (a specialty group): its beds, its patients and its ED boarders.

    With ``hospital.specialty_pools`` off the hospital is one pool and behaves as one counter.
    """

    __slots__ = (
        "name",
        "core_beds",
        "escalation_beds",
        "open_beds",
        "escalated",
        "occupied",
        "boarders",
        "threshold_beds",
        "end_stay",
        "leave_for_pathway",
        "outliers_in",
        "away",
        "cleaning",
        "ring_fenced",
        "site",
        "escalation_trigger",
        "pressure_trigger",
        "others",
    )

    def __init__(self, name: str, core_beds: int, escalation_beds: int, threshold: float):
        self.name = name
        self.core_beds = core_beds
        self.escalation_beds = escalation_beds
        self.open_beds = core_beds
        self.escalated = False
        self.occupied = 0
        self.boarders: deque[tuple[EmergencyBatch, int]] = deque()
        self.threshold_beds = threshold * core_beds
        #: the callbacks that end a stay and free a bed of this pool (set by the hospital)
        self.end_stay: Callable[[simpy.Event], None] = _unset
        self.leave_for_pathway: Callable[[EmergencyBatch, int, float], None] = _unset
        #: beds of this pool held by outliers from other pools
        self.outliers_in = 0
        #: patients of this pool lying in other pools, oldest first (to repatriate)
        self.away: deque[Outlier] = deque()
        #: empty beds being turned around (cleaned and made ready) before the next patient
        self.cleaning = 0
        #: electives only (a surgical hub): no emergency and no outlier
        self.ring_fenced = name == "hub"
        #: the acute site (trust) the pool belongs to; patients never move between sites
        self.site = 0
        #: boarders for this pool that open its escalation beds (set by the hospital)
        self.escalation_trigger = 1
        #: boarders from which this pool's outliers may take more of another pool's beds
        self.pressure_trigger: float = math.inf
        #: the other pools of its site, in site order (set by the hospital)
        self.others: tuple[Pool, ...] = ()

    @property
    def target_beds(self) -> int:
        """Beds that should be open: the core stock, plus escalation beds while escalated."""
        return self.core_beds + (self.escalation_beds if self.escalated else 0)


class Outlier:
    """An emergency patient in a bed of another pool than their home pool.

    Their stay's events carry this record, not the pool, because the bed they free at the end
    is wherever they lie then: repatriation moves them home when a home bed falls free.
    """

    __slots__ = ("pool", "home", "batch", "i", "hospital", "left")

    def __init__(
        self,
        pool: Pool,
        home: Pool,
        batch: "EmergencyBatch | ReferralBatch",
        i: int,
        hospital: "Hospital",
    ):
        self.pool = pool
        self.home = home
        self.batch = batch
        self.i = i
        self.hospital = hospital
        self.left = False  # out of the bed (or past repatriation): skipped in ``home.away``

    # Methods rather than partials stored on the record: a partial holding its own record is
    # a reference cycle, which only the cyclic collector frees (one per outlier).
    def end_stay(self, event: simpy.Event) -> None:
        """The stay's end event: free the bed the patient lies in now."""
        self.hospital._end_stay(event, self)

    def leave_for_pathway(self, batch: EmergencyBatch, i: int, since: float) -> None:
        """The pathway's place is ready: leave the bed the patient lies in now."""
        self.hospital._leave_for_pathway(batch, i, since, self)

    @property
    def site(self) -> int:
        """The acute site of the bed (an outlier never leaves their home pool's site)."""
        return self.pool.site


#: where a stay is: its home pool, or an outlier record
Where = Pool | Outlier


def pool_beds(cfg: Config) -> list[tuple[str, int, int]]:
    """(name, core beds, escalation beds) of each pool, site after site (see :func:`site_pools`)."""
    return [pool for site in site_pools(cfg) for pool in site]


def boarder_count(share: float, beds: int) -> int:
    """A count of ED boarders given as a share of beds, rounded half up, at least 1.

    The escalation, pressure and diversion triggers are set this way.
    """
    return max(1, math.floor(share * beds + 0.5))


def theatre_quotas(weekly: float | None, weights: list[float] | None) -> list[float | None]:
    """Each day's share of a week's theatre capacity for ordinary electives (Monday first).

    ``weekly`` is sessions a week times ordinary cases a session (None: theatres do not limit
    electives). A day's quota is the week's capacity times its weight over the week's weights
    (every day alike without weights); without theatre capacity, a day of weight 0 admits none
    and any other is limited by beds only (None).
    """
    days = [1.0] * 7 if weights is None else list(weights)
    if weekly is None:
        return [0.0 if w == 0 else None for w in days]
    total = sum(days)
    return [weekly * w / total for w in days]


def theatre_cap(quota: float | None, credit: float) -> tuple[int | None, float]:
    """A day's theatre cap (whole cases) from its quota and the fraction carried from before.

    Returns the cap and the fraction to carry to the next day, so that the caps add up to
    the quotas over time (a week of 2.5 sessions' worth of cases is not rounded away).
    """
    if quota is None:
        return None, credit
    whole = math.floor(credit + quota + 1e-9)
    return whole, credit + quota - whole


class Hospital:
    """G&A beds in one pool or in specialty pools, ED boarding, escalation beds and electives.

    Each admission has a home pool: electives the surgical pool; emergencies the medical pool,
    except the share of other-cause emergencies drawn as surgical (``batch.pool``). A patient
    whose home pool is full boards in ED for a bed of that pool. Escalation beds are medical;
    a ward closes where beds are most spare (:meth:`ward_to_close`). The pressure channels
    read the home pool's occupancy. With one pool (``hospital=pooled``) every rule is the
    single counter's.
    """

    def __init__(
        self,
        env: simpy.Environment,
        cfg: Config,
        waiting_list: WaitingList,
        deaths: DeathRegister | None = None,
    ):
        h = cfg.hospital
        self.env = env
        self.h = h
        self.waiting_list = waiting_list
        #: each acute site's pools: one, or medical, surgical and (if any) the hub
        self.sites: list[list[Pool]] = []
        for k, spec in enumerate(site_pools(cfg)):
            self.sites.append([Pool(n, c, e, h.elective_threshold) for n, c, e in spec])
            for pool in self.sites[-1]:
                pool.site = k
                pool.others = tuple(p for p in self.sites[-1] if p is not pool)
        self.pools = [pool for site in self.sites for pool in site]
        share = h.escalation_open_boarder_share
        for pool in self.pools:
            pool.escalation_trigger = (
                h.escalation_open_boarders
                if share is None
                else boarder_count(share, pool.core_beds)
            )
        if h.pressure_boarder_share is not None:
            for pool in self.pools:
                pool.pressure_trigger = boarder_count(h.pressure_boarder_share, pool.core_beds)
        self._site_shares = list(cfg.place.acute_site_shares or [1.0])
        self._pool_shares = list(cfg.place.pool_bed_shares)
        #: each site's medical (or only) pool, its surgical (or only) pool, its hub or None
        self._medicals = [site[0] for site in self.sites]
        self._surgicals = [site[min(1, len(site) - 1)] for site in self.sites]
        self._hubs = [site[2] if len(site) > 2 else None for site in self.sites]
        #: home pools by the code patients carry (site x pools per site + specialty)
        self._homes = [pool for site in self.sites for pool in site[:2] if not pool.ring_fenced]
        #: the home-pool code of each site's medical (or only) pool
        self._medical_codes = [self._homes.index(pool) for pool in self._medicals]
        #: the first site's medical and surgical pools (the only ones at one site)
        self.medical, self.surgical = self._medicals[0], self._surgicals[0]
        for hub in self._hubs:  # the ring-fenced elective beds fill to the last bed
            if hub is not None:
                hub.threshold_beds = float(hub.open_beds)
        for pool in self.pools:
            pool.end_stay = functools.partial(self._end_stay, where=pool)
            pool.leave_for_pathway = functools.partial(self._leave_for_pathway, where=pool)
        self._turnaround = h.bed_turnaround_hours / 24.0
        #: day of the week of model day 0 (Monday 0)
        self._weekday_at_zero = weekday_of_day_zero(cfg.run.start_date)
        self._weekend_moved = h.weekend_discharges_moved
        #: the place in its day from which a weekend discharge moves to a weekday
        self._weekend_from = 1.0 - h.weekend_discharges_moved
        #: each site's theatre capacity for ordinary electives for each day of the week, in
        #: cases (None: beds only); sessions are split between sites like the beds
        per_100k = cfg.place.theatre_sessions_per_week_per_100k
        weekly = (
            None
            if per_100k is None
            else per_100k * cfg.place.population / 100_000 * h.ordinary_cases_per_session
        )
        self._theatre_quotas = [
            theatre_quotas(None if weekly is None else weekly * share, h.elective_weekday_weights)
            for share in self._site_shares
        ]
        #: the fraction of a case each site carries to the next theatre day
        self._theatre_credit = [0.0] * len(self.sites)
        #: until the first round the theatre day is the one before the run: each round opens
        #: its own day, so setting day 0 here too would draw day 0's quota (and its carried
        #: fraction) twice
        self._elective_cap_today: list[int | None] = []
        self._set_theatre_caps((self._weekday_at_zero - 1) % 7)
        self._electives_today = [0] * len(self.sites)
        #: electives booked at each site's last round (its cap, or the list if shorter)
        self._booked = [0] * len(self.sites)
        self._last_round = 0.0
        #: each site's electives admitted at its last 7 rounds (a week ago: what is booked)
        self._recent: list[deque[int]] = [deque(maxlen=7) for _ in self.sites]
        #: (day of a round, electives booked then but not admitted by the next round)
        self.cancellations: list[tuple[float, int]] = []
        #: electives admitted so far, and (``hold_electives``) the most allowed by the end of
        #: each model day; None: beds, threshold and theatre cap alone decide
        self.electives_admitted = 0
        self._elective_ceiling: list[int] | None = None
        order = list(h.bed_offer_order)
        self._usual_order = order == ["boarder", "repatriation", "outlier", "elective"]
        self._offer_steps = {
            "boarder": self._offer_to_boarder,
            "repatriation": self._offer_to_repatriation,
            "outlier": self._offer_to_outlier,
            "elective": self._offer_to_list,
        }
        self._order = [self._offer_steps[step] for step in order]
        self._list_before_boarders = order.index("elective") < order.index("boarder")
        self._outliers_before_list = order.index("outlier") < order.index("elective")
        #: outlying between pools (needs more than one pool)
        self.outlying = h.outlying and len(self.pools) > 1
        self._outlier_share = h.outlier_max_share
        #: the cap while another pool of the site has its pressure count of boarders
        self._outlier_share_pressure = max(h.outlier_max_share, h.outlier_max_share_under_pressure)
        self._outlier_stay = h.outlier_stay_multiplier
        self.repatriations = 0
        #: emergency patients diverted to other providers (the ED held its most boarders)
        self.diverted = 0
        #: (time, beds) of each ward closure decided (its beds close as they fall empty)
        self.ward_closures: list[tuple[float, int]] = []
        #: (time, core beds) whenever the core (non-escalation) stock changes
        self.core_stock_log: list[tuple[float, int]] = [(0.0, self.core_beds)]
        self.admissions = 0
        self.discharges = 0
        # Time integrals of the live bed and boarder counts, kept apart from the records so
        # that Little's law and the records can be checked against each other: each entry
        # subtracts its time and each exit adds it, so the sum is the time spent inside.
        self._bed_time = 0.0
        self._boarding_time = 0.0
        self.bed_stock_log: list[tuple[float, int]] = [(0.0, self.open_beds)]
        #: where patients who die at the end of their stay are registered (shared with the
        #: virtual wards and the population)
        self.deaths = deaths if deaths is not None else DeathRegister()
        #: (time, population cell) of admitted patients who waited too long in ED for a bed;
        #: each carries an expected extra death (ED crowding, ``outcomes.*``)
        self.delayed_in_ed: list[tuple[float, int]] = []
        self._ed_delay_days = cfg.outcomes.ed_delay_hours / 24.0
        self.services: dict[int, DischargeService] = {}
        #: patients medically fit but still in a bed: (batch, i) -> day they became fit
        self.awaiting: dict[tuple[int, int], tuple[EmergencyBatch, int, float]] = {}
        #: virtual wards (none unless a scenario funds them: :meth:`add_virtual_ward`)
        self.virtual_ward: VirtualWard | None = None
        #: follow-up after discharge (none unless outcomes.follow_up.enabled: build_place)
        self.follow_up: FollowUp | None = None
        vw = cfg.virtual_wards
        self._step_down_days = vw.step_down_acute_days_saved
        self._step_down_min = vw.min_acute_days_before_step_down
        # constants of the hot path, computed once
        window = h.discharge_window_hours
        self._window = None if window is None else (window[0] / 24.0, window[1] / 24.0)
        hours = h.discharge_hour_weights
        if hours is None:
            self._hour_cdf: list[float] | None = None
        else:
            total = float(sum(hours))
            self._hour_cdf = [float(c) / total for c in itertools.accumulate(hours, initial=0.0)]
            self._hour_share = [float(w) / total for w in hours]
        self._stay_at_tip = 1.0 + h.discharge_pressure_slope * (
            h.reference_occupancy - h.tipping_occupancy
        )

    # -- the whole hospital ------------------------------------------------------------------
    @property
    def occupied(self) -> int:
        """Patients in G&A beds, all pools."""
        return sum(pool.occupied for pool in self.pools)

    @property
    def open_beds(self) -> int:
        """Open G&A beds, all pools (escalation beds included while open)."""
        return sum(pool.open_beds for pool in self.pools)

    @property
    def core_beds(self) -> int:
        """Core (non-escalation) G&A beds, all pools."""
        return sum(pool.core_beds for pool in self.pools)

    @property
    def n_boarders(self) -> int:
        """Patients in ED waiting for a bed, all pools."""
        return sum(len(pool.boarders) for pool in self.pools)

    def _home(self, batch: EmergencyBatch, i: int) -> Pool:
        return self.medical if batch.pool_list is None else self._homes[batch.pool_list[i]]

    def site_of(self, code: int | None) -> int:
        """The acute site of a home-pool code (None, at one site: 0)."""
        return 0 if code is None else self._homes[code].site

    def escalation_pool(self, batch: EmergencyBatch | None, i: int) -> int | None:
        """The home-pool code of a virtual-ward patient escalating back to hospital.

        The medical (or only) pool of their site: their own site when they came from an
        emergency ``batch``, else a site picked in proportion to the sites' beds from ``i``
        (a low-discrepancy sequence, no random draw). None at one site (the medical pool).
        """
        if len(self.sites) == 1:
            return None
        if batch is not None and batch.pool_list is not None:
            site = self._homes[batch.pool_list[i]].site
        else:
            shares = [sum(p.core_beds for p in pools) for pools in self.sites]
            u = (i * 0.6180339887498949) % 1.0 * sum(shares)
            site = next(k for k, c in enumerate(itertools.accumulate(shares)) if u < c)
        return self._medical_codes[site]

    # -- pressure channels -------------------------------------------------------------------
    def delayed_before(self, t: float) -> list[int]:
        """Cells of patients admitted after a long ED wait before ``t`` (removed from the list)."""
        due = [cell for when, cell in self.delayed_in_ed if when < t]
        self.delayed_in_ed = [(when, cell) for when, cell in self.delayed_in_ed if when >= t]
        return due

    def live_integrals(self) -> tuple[float, float]:
        """Bed-days occupied and boarder-days so far, from the live counts."""
        now = self.env.now
        return (
            self._bed_time + self.occupied * now,
            self._boarding_time + self.n_boarders * now,
        )

    def marginal_admission_probability(self, occupancy: float) -> float:
        """Channel (b): chance a marginal emergency is admitted at this occupancy."""
        h = self.h
        p = h.marginal_admission_probability - h.admission_threshold_sensitivity * (
            occupancy - h.reference_occupancy
        )
        return min(1.0, max(0.0, p))

    def stay_multiplier(self, occupancy: float) -> float:
        """Channel (c): N-shaped response of stay length to occupancy at admission."""
        h = self.h
        if occupancy <= h.tipping_occupancy:
            m = 1.0 + h.discharge_pressure_slope * (h.reference_occupancy - occupancy)
        else:
            m = self._stay_at_tip + h.saturation_slope * (occupancy - h.tipping_occupancy)
        if m < h.stay_multiplier_min:
            return h.stay_multiplier_min
        if m > h.stay_multiplier_max:
            return h.stay_multiplier_max
        return m

    # -- flows -----------------------------------------------------------------------------
    def present_emergency(self, batch: EmergencyBatch, i: int) -> None:
        """An emergency presentation needing a decision to admit (or a virtual bed)."""
        vw = self.virtual_ward
        if batch.vw_step_up_list[i] and vw is not None:
            vw.step_up_offers += 1
            if vw.in_use < vw.capacity:
                batch.outcome[i] = VIRTUAL_WARD
                vw.admit_step_up(batch, i)
                return
        pool = self._home(batch, i)
        if batch.marginal_list[i]:
            occupancy = (pool.occupied + len(pool.boarders)) / pool.open_beds
            if batch.u_admit[i] >= self.marginal_admission_probability(occupancy):
                batch.outcome[i] = DECLINED
                self._dies_outside(batch, i)
                return
        if pool.occupied + pool.cleaning < pool.open_beds:
            self._start_stay(batch, i, pool)
            return
        if self.outlying:
            other = self._outlier_bed(pool)
            if other is not None:
                self._start_stay(batch, i, other, home=pool)
                return
        limit = self.h.max_ed_boarders
        if (limit is not None and self.n_boarders >= limit) or self._site_saturated(pool.site):
            self._divert(batch, i)
            return
        self._boarding_time -= self.env.now
        pool.boarders.append((batch, i))
        if (
            pool.escalation_beds
            and not pool.escalated
            and len(pool.boarders) >= pool.escalation_trigger
        ):
            pool.escalated = True
            if pool.open_beds < pool.target_beds:
                self._set_open_beds(pool, pool.target_beds)
            while pool.boarders and pool.occupied + pool.cleaning < pool.open_beds:
                self._admit_boarder(pool)
        if self.outlying and len(pool.boarders) == pool.pressure_trigger:
            self._pressure_reached(pool)

    def _site_saturated(self, site: int) -> bool:
        """Whether ``site``'s ED holds its most boarders (``hospital.divert_boarder_share``).

        The limit is that share of the site's core G&A beds now (rounded, at least 1), so it
        follows a capacity plan and ward closures.
        """
        share = self.h.divert_boarder_share
        if share is None:
            return False
        pools = self.sites[site]
        limit = boarder_count(share, sum(p.core_beds for p in pools))
        return sum(len(p.boarders) for p in pools) >= limit

    def _divert(self, batch: EmergencyBatch, i: int) -> None:
        """Send an emergency patient to another provider (ambulance divert, out of area).

        They are treated there: no bed-day here; the ICB pays that provider the emergency
        spell price (:func:`leftshift.model.ledger.build_ledger`). Their death risk is the
        admitted one they carry; a death is registered now, out of this trust's beds.
        """
        batch.outcome[i] = DIVERTED
        self.diverted += 1
        self._dies_outside(batch, i)

    def _dies_outside(self, batch: EmergencyBatch, i: int) -> None:
        """A patient who was going to die still dies when not admitted, now and out of hospital.

        Not admitting someone moves their death; it does not prevent it.
        """
        if batch.dies_list[i]:
            self.deaths.record(self.env.now, int(batch.cell[i]))

    def _admit_boarder(self, pool: Pool, into: Pool | None = None) -> None:
        """The longest-waiting boarder of ``pool`` takes a bed of that pool, or of ``into``."""
        now = self.env.now
        self._boarding_time += now
        batch, i = pool.boarders.popleft()
        if now - batch.time[i] > self._ed_delay_days and not batch.dies_list[i]:
            self.delayed_in_ed.append((now, int(batch.cell[i])))
        if into is None:
            self._start_stay(batch, i, pool)
        else:
            self._start_stay(batch, i, into, home=pool)

    # -- outlying ----------------------------------------------------------------------------
    def _has_outlier_room(self, pool: Pool) -> bool:
        return (
            not pool.ring_fenced
            and not pool.boarders
            and pool.occupied + pool.cleaning < pool.open_beds
            and (
                # the cap under pressure is never below the usual one, so it is looked up
                # only when the usual cap is reached
                pool.outliers_in < self._outlier_share * pool.open_beds
                or pool.outliers_in < self._outlier_cap(pool) * pool.open_beds
            )
        )

    def _outlier_cap(self, pool: Pool) -> float:
        """The share of ``pool``'s open beds outliers may hold now.

        While another pool of its site has its pressure count of boarders
        (hospital.pressure_boarder_share of its core beds), the larger
        hospital.outlier_max_share_under_pressure.
        """
        for other in pool.others:
            if len(other.boarders) >= other.pressure_trigger:
                return self._outlier_share_pressure
        return self._outlier_share

    def _pressure_reached(self, pool: Pool) -> None:
        """``pool``'s boarders have just reached its pressure count.

        The other pools of its site offer their free beds (up to the larger cap) to the
        longest-waiting boarders.
        """
        for other in pool.others:
            while self._take_outlier(other):
                pass

    def _takes_elective_outlier(self, pool: Pool) -> bool:
        return (
            pool is not self._surgicals[pool.site]
            and self._has_outlier_room(pool)
            and pool.occupied + pool.cleaning < pool.threshold_beds
        )

    def _outlier_bed(self, home: Pool) -> Pool | None:
        """Another pool of its site with a free bed it may give an outlier, or None."""
        for pool in home.others:
            if self._has_outlier_room(pool):
                return pool
        return None

    def _take_outlier(self, pool: Pool) -> bool:
        """Give a free bed of ``pool`` to the longest-waiting boarder of another pool."""
        best: Pool | None = None
        for other in pool.others:
            if other.boarders:
                if (
                    best is None
                    or other.boarders[0][0].time[other.boarders[0][1]]
                    < (best.boarders[0][0].time[best.boarders[0][1]])
                ):
                    best = other
        if best is None or not self._has_outlier_room(pool):  # boarders first: the cheaper test
            return False
        self._admit_boarder(best, into=pool)
        return True

    def _repatriate(self, home: Pool) -> bool:
        """Move the longest-away patient of ``home`` back into its free bed."""
        away = home.away
        while away:
            out = away.popleft()
            if out.left:
                continue
            other = out.pool
            other.occupied -= 1
            other.outliers_in -= 1
            out.pool = home
            home.occupied += 1
            self.repatriations += 1
            assert isinstance(out.batch, EmergencyBatch)  # only emergencies are moved home
            out.batch.repatriated_index.append(out.i)
            self._vacated(other)
            return True
        return False

    def hold_electives(self, ceiling: list[int]) -> None:
        """Hold elective admissions at or below a cumulative count by the end of each day.

        ``ceiling[d]`` is the most electives admitted from the start of the run to the end of
        model day ``d`` (the last entry holds after the list ends). The "capacity left idle"
        variant gives a scenario arm its baseline's counts (``experiment.freed_capacity``), so
        beds its interventions free are not filled from the list; a day it fell behind (its
        beds were fuller) it may catch up later, never passing the baseline's total to date.
        """
        self._elective_ceiling = list(ceiling)

    def _elective_allowance(self) -> int | None:
        """Electives still allowed today under ``hold_electives`` (None: no ceiling)."""
        ceiling = self._elective_ceiling
        if ceiling is None:
            return None
        day = min(int(self.env.now), len(ceiling) - 1)
        return max(ceiling[day] - self.electives_admitted, 0)

    def admit_electives(self) -> int:
        """Channel (a): admit from the list at each site in turn (:meth:`_admit_electives_at`)."""
        return sum(self._admit_electives_at(site) for site in range(len(self.sites)))

    def _admit_electives_at(self, site: int) -> int:
        """Admit from the (shared) list at one site while a bed and the threshold allow.

        The bed is, in order: a free bed of the surgical hub (if any; no threshold); the
        surgical pool's (the only pool without specialty pools) while its occupancy is below
        the threshold and nobody boards in ED for it; with outlying, a bed of another pool
        below its threshold. Called at the daily round (which also brings the day's new
        referrals onto the list) and whenever such a bed falls free.
        """
        cap = self._elective_cap_today[site]
        pool, hub = self._surgicals[site], self._hubs[site]
        admitted = 0
        if self.outlying and self._outliers_before_list:  # other pools' boarders first
            while self._take_outlier(pool):
                pass
        held = self._elective_ceiling is not None
        while cap is None or self._electives_today[site] < cap:
            if held and not self._elective_allowance():
                break
            bed: Pool | None
            if hub is not None and hub.occupied + hub.cleaning < hub.open_beds:
                bed = hub
            elif (
                (self._list_before_boarders or not pool.boarders)
                and pool.occupied + pool.cleaning < pool.open_beds
                and pool.occupied + pool.cleaning < pool.threshold_beds
            ):
                bed = pool
            elif self.outlying and not pool.boarders:  # a surgical outlier, in another pool
                bed = next((p for p in self.sites[site] if self._takes_elective_outlier(p)), None)
                if bed is None:
                    break
            else:
                break
            nxt = self.waiting_list.pop_next(self.env.now)
            if nxt is None:
                break
            batch, i = nxt
            self._start_stay(batch, i, bed, home=None if bed is pool or bed is hub else pool)
            batch.exit_time[i] = self.env.now
            batch.exit_reason[i] = TREATED
            admitted += 1
            self._electives_today[site] += 1
            self.electives_admitted += 1
        return admitted

    def discharge_time(self, due: float, start: float = -math.inf) -> float:
        """When a stay due to end at ``due`` (begun at ``start``) leaves its bed.

        With ``hospital.discharge_hour_weights``: on the day it is due, at the hour its place
        in the day maps to on the hourly profile (so the day's discharges follow the profile in
        the same order), or a day later if that would be before the stay began. Otherwise a
        discharge due outside the daily window moves into the next window, keeping order.
        With ``hospital.weekend_discharges_moved`` = q, a discharge on a Saturday or Sunday
        whose place in its day is in the last q of the day moves to the nearest weekday at the
        same hour: Saturday's to the Friday before (unless the stay began after that), Sunday's
        to the Monday after. The place in the day is even, so q of weekend discharges move;
        one day earlier and one day later balance, so the mean stay is kept.
        """
        day = math.floor(due)
        frac = due - day
        cdf = self._hour_cdf
        if cdf is not None:  # the hourly profile (inline: this runs once a stay)
            hour = bisect.bisect_right(cdf, frac) - 1
            if hour > 23:
                hour = 23
            t = day + (hour + (frac - cdf[hour]) / self._hour_share[hour]) / 24.0
            if t <= start:
                t += 1.0
        else:
            t = self._discharge_window(due)
        if self._weekend_moved and frac >= self._weekend_from:
            weekday = (self._weekday_at_zero + math.floor(t)) % 7
            if weekday == 5 and t - 1.0 > start:
                return t - 1.0
            if weekday == 6:
                return t + 1.0
        return t

    def _discharge_window(self, due: float) -> float:
        """``discharge_time`` without an hourly profile, before any move off the weekend."""
        if self._window is None:
            return due
        start, end = self._window
        day = math.floor(due)
        frac = due - day
        if start <= frac < end:
            return due
        night = 1.0 - (end - start)
        position = ((frac - end) % 1.0) / night  # 0 at window close, 1 at next opening
        opening = day + start if frac < start else day + 1.0 + start
        return opening + position * (end - start)

    def seed_census(self, batch: EmergencyBatch) -> None:
        """Put patients admitted before time 0 (``batch.time`` < 0) into beds.

        Each goes to its home pool, or to the other pool when that is full (the census is the
        run's starting state, which the warm-up discards).
        """
        for i, arrived in enumerate(batch.time.tolist()):
            pool = self._home(batch, i)
            if pool.occupied >= pool.open_beds:
                pool = next((p for p in self.sites[pool.site] if p.occupied < p.open_beds), pool)
            if pool.occupied >= pool.open_beds:
                raise InvariantError("initial census larger than the bed stock")
            base = batch.base_los_list[i]
            end = self.discharge_time(arrived + base, max(arrived, self.env.now))
            batch.record_stay(i, arrived, end - arrived, base)
            if batch.dies_list[i]:
                self.deaths.record(end, int(batch.cell[i]))
            elif self.follow_up is not None:
                batch.follow_outcome[i] = self.follow_up.discharged(
                    end, int(batch.cell[i]), batch.follow[i], site=pool.site
                )
            pool.occupied += 1
            self.admissions += 1
            self._bed_time -= self.env.now
            Callback(self.env, end - self.env.now, self._stay_over, pool)

    def _start_stay(
        self,
        batch: EmergencyBatch | ReferralBatch,
        i: int,
        pool: Pool,
        home: Pool | None = None,
    ) -> None:
        """Put patient ``i`` in a bed of ``pool`` (an outlier when ``home`` is another pool)."""
        now = self.env.now
        where: Where = pool
        if home is None:
            clinical = batch.base_los_list[i] * self.stay_multiplier(pool.occupied / pool.open_beds)
        else:  # the home pool is full: its pressure, and the outlier's longer stay
            clinical = (
                batch.base_los_list[i]
                * self.stay_multiplier(home.occupied / home.open_beds)
                * self._outlier_stay
            )
            where = Outlier(pool, home, batch, i, self)
            pool.outliers_in += 1
            if isinstance(batch, EmergencyBatch):  # elective outliers are not moved home
                home.away.append(where)
                batch.outlier_index.append(i)
                batch.outlier_extra_list.append(clinical - clinical / self._outlier_stay)
            else:
                batch.outlier_days[i] = clinical - clinical / self._outlier_stay
        los = self.discharge_time(now + clinical, now) - now
        if not los >= 0:  # zero is possible: a stay shorter than floating-point resolution
            raise InvariantError(f"event in the past: a stay of {los} days starting at day {now}")
        pool.occupied += 1
        self.admissions += 1
        self._bed_time -= now
        if pool.occupied > pool.open_beds:
            raise InvariantError(
                f"occupied beds {pool.occupied} exceed open beds {pool.open_beds} in pool"
                f" {pool.name} at day {now:.3f}"
            )
        value = None
        if isinstance(batch, EmergencyBatch):
            batch.record_stay(i, now, los, clinical)
            if batch.dies_list[i]:
                self.deaths.record(now + los, int(batch.cell[i]))
            else:
                if batch.pathway_list[i] and self.services:
                    value = (batch, i)
                if batch.vw_step_down_list[i] and self.virtual_ward is not None:
                    # leave for a virtual bed this many days early, if one is free then
                    # (never more than the base, clinical or actual stay less the minimum
                    # acute days, so the saving comes off the base stay: see
                    # EmergencyBatch.finalise; a discharge hour or a weekend move can end the
                    # actual stay before the clinical one)
                    room = min(clinical, batch.base_los_list[i]) - self._step_down_min
                    if los < clinical - 1e-9:  # moved to an earlier hour or day
                        room = min(room, los - self._step_down_min)
                    early = min(self._step_down_days, room)
                    if early > 0:
                        step = self.env.timeout(los - early, value=(batch, i, early, value, where))
                        step.callbacks.append(self._step_down)
                        return
                if value is None and self.follow_up is not None:  # leaves at the stay's end
                    batch.follow_outcome[i] = self.follow_up.discharged(
                        now + los, int(batch.cell[i]), batch.follow[i], site=pool.site
                    )
        else:
            batch.los[i] = los
            batch.clinical_los[i] = clinical
            if self.follow_up is not None:
                self.follow_up.discharged(
                    now + los, int(batch.cell[i]), batch.follow[i], site=pool.site
                )
        if value is not None:  # medically fit at the stay's end: one event, when arranged
            self._await_pathway(cast(EmergencyBatch, batch), i, now + los, where)
            return
        Callback(self.env, los, self._stay_over, where)

    def _step_down(self, event: simpy.Event) -> None:
        """Move a step-down patient to a free virtual bed, or let the stay run its course."""
        batch, i, early, value, where = cast(
            tuple[EmergencyBatch, int, float, Any, Where], event.value
        )
        vw = self.virtual_ward
        assert vw is not None  # step-downs are only scheduled when there is a virtual ward
        if vw.offer_step_down() and vw.in_use < vw.capacity:
            batch.step_down_days[i] = early
            vw.admit_step_down(batch, i, early)
            self._release(where)
            return
        if value is None and self.follow_up is not None:  # leaves at the stay's end
            batch.follow_outcome[i] = self.follow_up.discharged(
                self.env.now + early, int(batch.cell[i]), batch.follow[i], site=where.site
            )
        Callback(self.env, early, where.end_stay, value)

    def add_virtual_ward(self, virtual_ward) -> None:
        """Virtual beds for step-up and step-down (their capacity may be 0 for a while)."""
        self.virtual_ward = virtual_ward

    def ward_to_close(self, beds: int) -> Pool:
        """The pool a ward of ``beds`` beds closes from: where beds are most spare now.

        Of the pools (any site, never a surgical hub) that keep a bed after losing the ward,
        the one whose patients and ED boarders would be fewest per remaining core bed; ties go
        to the first (medical before surgical, site by site). With one pool it is that pool.
        """
        candidates = [p for p in self.pools if not p.ring_fenced and p.core_beds > beds]
        if not candidates:
            raise RuntimeError(
                f"no G&A bed pool has more than {beds} core beds left to close a ward from"
            )
        return min(
            candidates,
            key=lambda p: (p.occupied + p.cleaning + len(p.boarders)) / (p.core_beds - beds),
        )

    def close_ward(self, beds: int) -> None:
        """Decommission a ward of the pool :meth:`ward_to_close` picks: it admits nobody from now.

        Each of its beds closes as it falls empty.
        """
        now = self.env.now
        pool = self.ward_to_close(beds)
        pool.core_beds -= beds
        self.ward_closures.append((now, beds))
        self.core_stock_log.append((now, self.core_beds))
        if pool.open_beds > pool.target_beds:
            self._set_open_beds(pool, max(pool.target_beds, pool.occupied))

    def add_beds(self, beds: int) -> None:
        """Open ``beds`` new core G&A beds now (a capacity plan), offering each at once.

        They are split between sites by ``place.acute_site_shares`` and within a site between
        medical and surgical by ``place.pool_bed_shares`` (largest remainder); a hub keeps
        its beds.
        """
        for site, n in zip(self.sites, split_beds(beds, self._site_shares), strict=True):
            pools = [pool for pool in site if not pool.ring_fenced]
            parts = split_beds(n, self._pool_shares) if len(pools) == 2 else [n]
            for pool, k in zip(pools, parts, strict=True):
                if not k:
                    continue
                pool.core_beds += k
                if pool.open_beds < pool.target_beds:
                    self._set_open_beds(pool, pool.target_beds)
                for _ in range(k):
                    self._offer_bed(pool)
        self.core_stock_log.append((self.env.now, self.core_beds))

    def add_discharge_services(self, services: dict[int, "DischargeService"]) -> None:
        """Pathways 1-3 need these services; without them every discharge goes home."""
        self.services = services

    def _stay_over(self, event: Callback) -> None:
        """A stay ends (no pathway to wait for): free the bed of ``event.value``."""
        self._release(event.value)

    def _end_stay(self, event: simpy.Event, where: Where) -> None:
        if event.value is not None:  # medically fit, but the pathway's place is not ready
            batch, i = event.value
            self._await_pathway(batch, i, self.env.now, where)
            return
        self._release(where)

    def _await_pathway(self, batch: EmergencyBatch, i: int, fit: float, where: Where) -> None:
        """A patient medically fit at ``fit`` (now or later) waits in the bed for the pathway.

        The place is requested once arranged: one event, at the exact time a timeout set at
        ``fit`` would fire, so a stay on a pathway needs no event of its own at ``fit``.
        """
        self.awaiting[(id(batch), i)] = (batch, i, fit)
        service = self.services[batch.pathway_list[i]]
        arrange = -service.cfg.arrangement_days * math.log(max(batch.u_arrange[i], 1e-300))
        event = timeout_at(self.env, fit + arrange, value=(batch, i, fit, where))
        event.callbacks.append(self._arranged)

    def _arranged(self, event: simpy.Event) -> None:
        batch, i, since, where = cast(tuple[EmergencyBatch, int, float, Where], event.value)
        self.services[batch.pathway_list[i]].request(batch, i, since, where.leave_for_pathway)

    def _leave_for_pathway(self, batch: EmergencyBatch, i: int, since: float, where: Where) -> None:
        batch.delay[i] = self.env.now - since
        del self.awaiting[(id(batch), i)]
        if self.follow_up is not None:
            batch.follow_outcome[i] = self.follow_up.discharged(
                self.env.now,
                int(batch.cell[i]),
                batch.follow[i],
                batch.pathway_list[i],
                site=where.site,
            )
        self._release(where)

    def _release(self, where: Where) -> None:
        """A stay ends: free the bed wherever the patient lies now."""
        if isinstance(where, Outlier):
            where.left = True
            pool = where.pool
            if pool is not where.home:
                pool.outliers_in -= 1
        else:
            pool = where
        self._free_bed(pool)

    def close_delays(self, end: float) -> None:
        """Patients still waiting for their pathway at the end: delayed until the end."""
        for batch, i, since in self.awaiting.values():
            if since < end:  # not those still in their clinical stay
                batch.delay[i] = end - since

    def _free_bed(self, pool: Pool) -> None:
        pool.occupied -= 1
        self.discharges += 1
        self._bed_time += self.env.now
        self._vacated(pool)

    def _vacated(self, pool: Pool) -> None:
        """A patient has left a bed of ``pool``: offer it now, or once it is turned around."""
        if self._turnaround > 0:
            pool.cleaning += 1
            Callback(self.env, self._turnaround, self._cleaned, pool)
            return
        self._offer_bed(pool)

    def _cleaned(self, event: Callback) -> None:
        """A bed of pool ``event.value`` is turned around: offer it."""
        pool = event.value
        pool.cleaning -= 1
        self._offer_bed(pool)

    def _offer_bed(self, pool: Pool) -> None:
        """Offer a free bed of ``pool``.

        In order: its own boarders; with outlying, one of its patients lying in another pool
        (brought home), then the longest-waiting boarder of another pool; then the list.
        """
        if pool.escalated and pool.occupied <= pool.core_beds and not pool.boarders:
            pool.escalated = False
        if pool.open_beds > pool.target_beds:  # escalation ends, or a closing ward's bed empties
            self._set_open_beds(pool, max(pool.target_beds, pool.occupied))
        if pool.occupied + pool.cleaning >= pool.open_beds:  # closed (or taken) meanwhile
            return
        if not self._usual_order:
            for step in self._order:
                if step(pool):
                    return
            return
        if pool.boarders:
            self._admit_boarder(pool)
            return
        if self.outlying and ((pool.away and self._repatriate(pool)) or self._take_outlier(pool)):
            return
        self._offer_to_list(pool)

    # the steps of hospital.bed_offer_order (each True when it filled the bed)
    def _offer_to_boarder(self, pool: Pool) -> bool:
        if pool.boarders:
            self._admit_boarder(pool)
            return True
        return False

    def _offer_to_repatriation(self, pool: Pool) -> bool:
        return self.outlying and self._repatriate(pool)

    def _offer_to_outlier(self, pool: Pool) -> bool:
        return self.outlying and self._take_outlier(pool)

    def _offer_to_list(self, pool: Pool) -> bool:
        site = pool.site
        if (
            pool is self._surgicals[site] or pool is self._hubs[site]
        ) and pool.occupied + pool.cleaning < pool.threshold_beds:
            return self._admit_electives_at(site) > 0
        if self.outlying and self._takes_elective_outlier(pool):
            return self._admit_electives_at(site) > 0
        return False

    def _set_open_beds(self, pool: Pool, beds: int) -> None:
        pool.open_beds = beds
        pool.threshold_beds = self.h.elective_threshold * beds
        self.bed_stock_log.append((self.env.now, self.open_beds))

    def _set_theatre_caps(self, weekday: int) -> None:
        """Each site's cap on ordinary electives for a day (its theatre capacity that day)."""
        caps: list[int | None] = []
        for site, quotas in enumerate(self._theatre_quotas):
            cap, self._theatre_credit[site] = theatre_cap(
                quotas[weekday], self._theatre_credit[site]
            )
            caps.append(cap)
        self._elective_cap_today = caps

    # -- processes ---------------------------------------------------------------------------
    def elective_rounds(self, first_day: float, end_day: float):
        """Daily elective admission round at the configured hour."""
        day = first_day
        while day < end_day:
            yield self.env.timeout(day - self.env.now)
            cancelled = sum(
                max(b - n, 0) for b, n in zip(self._booked, self._electives_today, strict=True)
            )
            if cancelled:
                self.cancellations.append((self._last_round, cancelled))
            for recent, n in zip(self._recent, self._electives_today, strict=True):
                recent.append(n)
            self._electives_today = [0] * len(self.sites)
            self._set_theatre_caps((self._weekday_at_zero + math.floor(self.env.now)) % 7)
            self.waiting_list.enqueue_until(self.env.now)
            self._book(self.env.now)
            self.admit_electives()
            day += 1.0

    def _book(self, now: float) -> None:
        """Book each site's theatre list for the day.

        The day's cap, or as many as were admitted on the same day last week if fewer (a
        planner books the beds they expect: an assumption), or the list if shorter.
        Without a cap nothing is booked (beds alone decide), so nothing can be cancelled.
        With electives held (:meth:`hold_electives`) no more than the day's allowance is
        booked, so the ceiling is not counted as cancellations.
        The list is counted before people who left it untreated are dropped, so a list about
        as short as the cap may be over-counted by those few.
        """
        self._last_round = now
        waiting = sum(len(queue) for queue in self.waiting_list.queues)
        allowance = self._elective_allowance()
        if allowance is not None:  # held electives: nobody is booked beyond the ceiling
            waiting = min(waiting, allowance)
        for site, cap in enumerate(self._elective_cap_today):
            recent = self._recent[site]
            if cap is not None and len(recent) == recent.maxlen:
                cap = min(cap, recent[0])
            booked = 0 if cap is None else min(cap, waiting)
            self._booked[site] = booked
            waiting -= booked

    def referral_arrivals(self, batch: ReferralBatch):
        """Put one month's referrals on the list at their own times, admitting when possible.

        Used when there is no daily elective round (``elective_round_hour: null``).
        """
        clock = self.env.now
        surgicals = self._surgicals
        for t in batch.time.tolist():
            if t > clock:
                yield self.env.timeout(t - clock)
                clock = t
            self.waiting_list.enqueue_until(clock)
            if any(p.occupied + p.cleaning < p.threshold_beds for p in surgicals):
                self.admit_electives()

    def emergency_arrivals(self, batch: EmergencyBatch):
        """Present one month's emergency arrivals at their times."""
        timeout, present = self.env.timeout, self.present_emergency
        clock = self.env.now
        for i, t in enumerate(batch.time.tolist()):
            if t > clock:
                yield timeout(t - clock)
                clock = t
            elif t < clock - 1e-9:
                raise InvariantError(f"event in the past: an arrival at day {t} seen at {clock}")
            present(batch, i)

    def check_end(self) -> None:
        """B8 for admissions: every admission is discharged or still in a bed."""
        if self.admissions != self.discharges + self.occupied:
            raise InvariantError(
                f"admissions {self.admissions} != discharges {self.discharges}"
                f" + still in bed {self.occupied}"
            )
        if not 0 <= self.occupied <= self.open_beds:
            raise InvariantError(f"occupied {self.occupied} outside 0..{self.open_beds} at end")

"""Follow-up by person after every discharge alive: readmission, care-home move, death.

Each patient carries seven uniforms drawn when their presentation or referral was generated
(``follow`` in the batch records, so a baseline and a scenario give the same patient the same
draws). When the patient leaves a bed alive, acute or virtual, :meth:`FollowUp.discharged`
decides, from the patient's population cell:

* **death after discharge** (uniform 4) with probability ``1 - exp(-HR x mortality x days /
  365)`` over ``follow_up_days``, on a day spread evenly in them (uniform 5); registered with
  the death register, so the population loses the person. The population's own death hazard
  gives up the expected number of these deaths (:func:`expected_deaths_per_person_year`), so
  they are a place for deaths, not extra deaths;
* **care-home move** (uniforms 2 and 3), people 65+ not discharged on pathway 3 (already to a
  care home), before any death; each stays ``social_care.care_homes.service_days`` (or until
  death or the end of the run) at the local authority's cost. After an acute stay the
  follow-up moves the new entries pathway 3 does not (``care_home_entry_65_plus`` less the
  pathway-3 share); virtual-ward patients take no discharge pathway, so after a virtual stay
  it moves the whole share;
* **readmission** (uniforms 0 and 1), unless the person dies after discharge: an emergency
  presentation 1 to ``readmission_window_days`` whole days after the discharge day, built
  each day as a batch by :meth:`leftshift.model.demand.Demand.readmission_batch` and presented
  to the hospital like any other presentation (route ``readmission``). Its probability is the
  readmission rate of the person's IMD quintile x the cell's presentation scale, so that the
  share *admitted* matches the rate after marginal presentations are sent home, divided by
  the probability of surviving the follow-up (those who die after discharge are not
  readmitted), so that the rate is the share of all discharges alive that are readmitted.

Virtual-ward step-up patients' rates are multiplied by the hospital-at-home relative risks
(Edgar 2024); uniform 6 decides whether a step-up patient due to die on the ward survives
(relative risk below 1 only).
"""

import math
from collections.abc import Callable
from typing import Any, cast

import numpy as np
import simpy

from leftshift.config import Config
from leftshift.config.dimensions import SHAPE
from leftshift.model.clock import DAYS_PER_YEAR
from leftshift.model.deaths import DeathRegister
from leftshift.model.records import ROUTES, EmergencyBatch

#: columns of a batch's ``follow`` array
READMIT, READMIT_DAY, CARE_HOME, CARE_HOME_DAY, DEATH, DEATH_DAY, VW_DEATH = range(7)
#: what the follow-up found, as bit flags (a record's ``follow_outcome``)
READMITTED, DIED_AFTER, MOVED_TO_CARE_HOME = 1, 2, 4
N_FOLLOW = 7
OLDEST_BANDS_FROM = 3  # age bands 65-74 and older can move into a care home
CARE_HOME_PATHWAY = 3


def follow_draws(rng: "np.random.Generator | PatientUniforms", n: int) -> np.ndarray:
    """Seven follow-up uniforms per patient, (n, 7), float32 (they are held through the run)."""
    if isinstance(rng, PatientUniforms):
        return rng.follow(n)
    return rng.random((n, N_FOLLOW), dtype=np.float32)


class PatientUniforms:
    """Uniforms keyed by patient, not by position: the same patient draws the same numbers.

    Stands in for a generator (``random(size, dtype)``) and for :class:`Streams` (indexing by
    any name returns itself). Draw j of patient i is a SplitMix64 hash of the patient's key
    and j, so a readmission of the same person gets the same attributes in every arm of an
    experiment, however the other readmissions of the day differ. Requests: ``random(n)``
    (one draw each of the n patients), ``random((k, n))`` (k draws each) and, through
    :func:`follow_draws`, :meth:`follow` (seven draws each, one row a patient). Until
    2026-12-05 the follow-up request was told apart by its shape (n, 7), so a batch of
    exactly 7 patients got it untransposed: patient i took draw i of each of the 7 patients.
    """

    #: rows hashed at the first request: a batch asks for about 25 in six requests, and one
    #: pass over a block costs about what one request did (the arrays are short)
    BLOCK = 32

    def __init__(self, keys: np.ndarray):
        self.keys = np.asarray(keys, np.uint64)
        self.drawn = 0
        #: draws 0, 1, ... of every patient, hashed ahead of the requests (rows, n)
        self._made = np.empty((0, len(self.keys)))

    def __getitem__(self, _name: str) -> "PatientUniforms":
        return self

    def random(self, size: int | tuple[int, int], dtype: Any = np.float64) -> np.ndarray:
        """One draw of every patient (``size`` n) or k draws, one row a draw (``(k, n)``)."""
        n = len(self.keys)
        if isinstance(size, int):
            if size != n:
                raise ValueError(f"{size} draws asked of {n} patients")
            return self._rows(1, dtype)[0]
        if size[1] != n:
            raise ValueError(f"draws of shape {size} asked of {n} patients: (k, {n}) expected")
        return self._rows(size[0], dtype)

    def follow(self, n: int) -> np.ndarray:
        """The seven follow-up uniforms of each patient, one row a patient, (n, 7), float32."""
        if n != len(self.keys):
            raise ValueError(f"follow-up draws of {n} patients asked of {len(self.keys)}")
        return self._rows(N_FOLLOW, np.float32).T.copy()

    def _rows(self, k: int, dtype: Any) -> np.ndarray:
        first, self.drawn = self.drawn, self.drawn + k
        made = len(self._made)
        if self.drawn > made:
            more = self._hash(made, max(self.drawn, 2 * made, self.BLOCK))
            self._made = np.concatenate([self._made, more]) if made else more
        u = self._made[first : self.drawn]
        return u.astype(dtype) if dtype is not np.float64 else u.copy()

    def _hash(self, start: int, stop: int) -> np.ndarray:
        """Draws ``start`` to ``stop - 1`` of every patient, (stop - start, n), in [0, 1)."""
        j = np.arange(start, stop, dtype=np.uint64)[:, None]
        with np.errstate(over="ignore"):
            x = self.keys[None, :] + (j + np.uint64(1)) * np.uint64(0x9E3779B97F4A7C15)
            x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
            x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
            x = x ^ (x >> np.uint64(31))
        return (x >> np.uint64(11)).astype(np.float64) * 2.0**-53


def patient_key(u: np.ndarray) -> int:
    """A 64-bit key of a patient from their follow-up uniforms (the same in every arm)."""
    bits = np.asarray(u, np.float32).view(np.uint32).astype(np.uint64)
    return int(
        (bits[READMIT_DAY] << np.uint64(32))
        ^ (bits[CARE_HOME_DAY] << np.uint64(16))
        ^ bits[DEATH_DAY]
        ^ (bits[VW_DEATH] << np.uint64(40))
    )


def no_follow_up(n: int) -> np.ndarray:
    """Uniforms that trigger nothing (records built without follow-up draws)."""
    return np.ones((n, N_FOLLOW), dtype=np.float32)


def death_probability(cfg: Config, mortality: np.ndarray) -> np.ndarray:
    """Probability, by cell, of dying within the follow-up days after a discharge."""
    f = cfg.outcomes.follow_up
    hazard = f.death_after_discharge_hazard_ratio * np.asarray(mortality) * np.ones(SHAPE)
    return -np.expm1(-hazard * f.follow_up_days / DAYS_PER_YEAR)


def readmitted_share(
    cfg: Config, admissions: np.ndarray, died: np.ndarray, electives: np.ndarray
) -> np.ndarray:
    """Expected share of a cell's emergency admissions that are readmissions (0 when off).

    Readmissions per person-year = rate x (emergency discharges alive + elective spells
    ``electives``, per person-year), with ``died`` the in-hospital deaths per admission.
    Calibrated demand is total admissions, so the first-admission rates are the configured
    ones x (1 - this share), clipped to [0, 1].
    """
    f = cfg.outcomes.follow_up
    if not f.enabled:
        return np.zeros(SHAPE)
    rate = np.asarray(f.readmission_30d_by_imd)[None, :, None, None, None]
    # a denormal admission rate can overflow the ratio: the clip below takes it to 1
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        share = np.where(
            admissions > 0, rate * (admissions * (1.0 - died) + electives) / admissions, 0.0
        )
    return np.clip(share, 0.0, 1.0)


def first_admission_correction(
    batches: list[EmergencyBatch],
    discharged_at: np.ndarray,
    readmission_p: np.ndarray,
    share: np.ndarray,
    start: float,
    end: float,
) -> float | None:
    """Factor on first-admission rates that makes first presentations + readmissions the total.

    (Emergencies of people on the elective list while they wait, route ``waiting_list``,
    count with the readmissions: they are realised ones, counted as presented.)

    ``batches`` are the emergency batches drawn so far (first presentations are those of
    route ``emergency_department``); ``discharged_at`` and ``readmission_p`` are the times
    of the discharges followed and each one's probability of a readmission, so the
    readmissions expected of the discharges that happened (counted at the discharge, not
    up to a window later, so that a seasonal rise does not bias the ratio, and without the
    noise of drawing them); ``share`` is the readmitted share by cell that first-admission
    demand is reduced by now, and [``start``, ``end``) the time counted. The configured
    total T is the first presentations F counted, each weighted by 1 / (1 - its cell's
    share); readmissions R follow the discharges, so in proportion to the total, and the
    factor T / (F + R) makes first presentations x factor + readmissions come to T. None
    when no first presentation falls in the time counted.
    """
    keep = 1.0 - share.ravel()
    target = first = from_list = 0.0
    for b in batches:
        if b.route == ROUTES.index("waiting_list"):
            from_list += float(((b.time >= start) & (b.time < end)).sum())
        if b.route != ROUTES.index("emergency_department"):
            continue
        cells = b.cell[(b.time >= start) & (b.time < end)]
        first += len(cells)
        with np.errstate(divide="ignore"):
            target += float(np.where(keep[cells] > 0, 1.0 / keep[cells], 0.0).sum())
    if first == 0:
        return None
    counted = (discharged_at >= start) & (discharged_at < end)
    return target / (first + float(readmission_p[counted].sum()) + from_list)


def expected_deaths_per_person_year(
    cfg: Config, admissions: np.ndarray, died: np.ndarray, electives: np.ndarray, mortality
) -> np.ndarray:
    """Deaths after discharge expected per person-year, by cell (0 when follow-up is off).

    Discharges alive (emergency, with readmissions, and elective) x the follow-up death
    probability. The population's own hazard gives these up (``Population.hazards``).
    """
    if not cfg.outcomes.follow_up.enabled:
        return np.zeros(SHAPE)
    return (admissions * (1.0 - died) + electives) * death_probability(cfg, mortality)


class FollowUp:
    """Follows discharged patients: schedules readmissions, records moves and deaths."""

    def __init__(
        self,
        env: simpy.Environment,
        cfg: Config,
        presentation_scale: np.ndarray,
        mortality: np.ndarray,
        deaths: DeathRegister,
        present_day: Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray], None],
    ):
        f = cfg.outcomes.follow_up
        self.env = env
        self.deaths = deaths
        self.present_day = present_day
        imd = np.indices(SHAPE)[1]
        rate = np.asarray(f.readmission_30d_by_imd)[imd]
        p_death = death_probability(cfg, mortality)
        # a person who dies after discharge is not readmitted, so the survivors' probability
        # is the rate / (1 - p_death): the share of all discharges readmitted is the rate
        with np.errstate(invalid="ignore", divide="ignore"):
            survivors = np.where(p_death < 1.0, rate * presentation_scale / (1.0 - p_death), 1.0)
        self.p_readmit = np.minimum(survivors, 1.0).ravel().tolist()
        self.p_death = p_death.ravel().tolist()
        self.old = (np.indices(SHAPE)[0] >= OLDEST_BANDS_FROM).ravel().tolist()
        shares = cfg.social_care.pathway_shares_65_plus
        p3 = shares[CARE_HOME_PATHWAY] if cfg.social_care.delayed_discharges else 0.0
        self.p_care_home = (
            max(0.0, f.care_home_entry_65_plus - p3) / (1.0 - p3) if p3 < 1.0 else 0.0
        )
        self.p_care_home_after_ward = f.care_home_entry_65_plus
        self.window = f.readmission_window_days
        self.days = float(f.follow_up_days)
        self.care_home_stay = cfg.social_care.care_homes.service_days
        self.rr_death = f.vw_death_relative_risk.mean
        self.rr_readmit = f.vw_readmission_relative_risk.mean
        self.rr_care_home = f.vw_care_home_relative_risk.mean
        #: readmissions due, by whole day: (time, cell, patient key, acute site)
        self.pending: dict[int, list[tuple[float, int, int, int]]] = {}
        # records (plain lists, one entry per event)
        self.discharge_times: list[float] = []
        #: each discharge's probability of a readmission (as discharge_times)
        self.readmission_p: list[float] = []
        self.death_times: list[float] = []
        self.move_times: list[float] = []
        self.move_ends: list[float] = []

    def survives_virtual_ward(self, u: np.ndarray) -> bool:
        """Whether a step-up patient due to die on the ward survives (hospital-at-home RR)."""
        return bool(u[VW_DEATH] >= self.rr_death)

    def discharged(
        self,
        t: float,
        cell: int,
        u: np.ndarray,
        pathway: int = 0,
        step_up: bool = False,
        virtual_ward: bool = False,
        site: int = 0,
    ) -> int:
        """A patient of ``cell`` leaves a bed alive at ``t``; ``u`` are their uniforms.

        ``virtual_ward``: the bed was a virtual one (no discharge pathway); ``step_up``: a
        step-up patient, whose rates take the hospital-at-home relative risks; ``site``: the
        acute site they leave, where a readmission comes back to.

        Returns what happens as bit flags (:data:`READMITTED`, :data:`DIED_AFTER`,
        :data:`MOVED_TO_CARE_HOME`); a readmission is scheduled, a death registered.
        """
        found = 0
        v = u.tolist()  # Python floats: cheaper to index than numpy scalars, same values
        self.discharge_times.append(t)
        rr_death, rr_home, rr_readmit = (
            (self.rr_death, self.rr_care_home, self.rr_readmit) if step_up else (1.0, 1.0, 1.0)
        )
        p_readmit = min(self.p_readmit[cell] * rr_readmit, 1.0)
        self.readmission_p.append((1.0 - min(self.p_death[cell] * rr_death, 1.0)) * p_readmit)
        death_day = math.inf
        if v[DEATH] < self.p_death[cell] * rr_death:
            death_day = t + v[DEATH_DAY] * self.days
            self.deaths.record(death_day, cell)
            self.death_times.append(death_day)
            found |= DIED_AFTER
        if (
            self.old[cell]
            and pathway != CARE_HOME_PATHWAY
            and v[CARE_HOME]
            < (self.p_care_home_after_ward if virtual_ward else self.p_care_home) * rr_home
        ):
            move = t + v[CARE_HOME_DAY] * self.days
            if move < death_day:
                self.move_times.append(move)
                self.move_ends.append(min(move + self.care_home_stay, death_day))
                found |= MOVED_TO_CARE_HOME
        if death_day == math.inf and v[READMIT] < p_readmit:
            x = v[READMIT_DAY] * self.window
            k = min(int(x), self.window - 1)
            day = math.floor(t) + 1 + k
            self._schedule(day, day + (x - k), cell, patient_key(u), site)
            found |= READMITTED
        return found

    def _schedule(self, day: int, when: float, cell: int, key: int, site: int) -> None:
        due = self.pending.get(day)
        if due is None:
            self.pending[day] = due = []
            self.env.timeout(day - self.env.now, value=day).callbacks.append(self._present)
        due.append((when, cell, key, site))

    def _present(self, event: simpy.Event) -> None:
        day = cast(int, event.value)
        due = sorted(self.pending.pop(day))
        self.present_day(
            np.array([t for t, _, _, _ in due], float),
            np.array([c for _, c, _, _ in due], np.int64),
            np.array([k for _, _, k, _ in due], np.uint64),
            np.array([s for _, _, _, s in due], np.int64),
        )


__all__ = [
    "FollowUp",
    "PatientUniforms",
    "death_probability",
    "expected_deaths_per_person_year",
    "first_admission_correction",
    "follow_draws",
    "no_follow_up",
    "readmitted_share",
]

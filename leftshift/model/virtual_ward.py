"""Virtual wards (hospital at home): a count of virtual beds next to the acute hospital.

Capacity is the staffed virtual beds: the beds a scenario funds (``interventions.
virtual_wards.beds_per_100k``), capped by the productive WTE of the virtual-ward staff group
(recruited with a lag and a hiring cap, like any community staff) divided by
``virtual_wards.staff_wte_per_bed``. Patients come three ways, and take a bed only if one is
free (no queue: a patient who finds the ward full is cared for as without it):

* step-up instead of admission: an eligible, referred routine emergency presentation
  (:meth:`leftshift.hospital.Hospital.present_emergency`); its acute admission is avoided;
* step-up of someone who would not have been admitted (:meth:`additional_arrivals`);
* step-down: an eligible, referred inpatient leaves the acute bed early
  (:meth:`leftshift.hospital.Hospital._start_stay`).

The South East evaluation's ratio (``virtual_wards.avoided_admission_share``, s: admissions
avoided per virtual-ward admission of every kind) sets the mix (:meth:`VirtualWard.plan_month`):
for each step-up offer that would avoid an admission there are (1 - s) / s offers that avoid
none, step-downs first and then step-ups of people not otherwise admitted; when last month's
step-down offers alone exceed that, they are thinned (fewer referred). An offer is a referred,
eligible patient with access who looks for a bed, whether or not one is free, so a full ward
turns away every kind alike and the ratio holds among admissions too.

Some patients escalate back: at a point of their virtual stay they leave the virtual bed and
present to the acute hospital as a new emergency (route ``virtual_ward_escalation``). A patient
who was going to die dies at the end of the virtual stay, at home, unless escalated; with the
follow-up on, a step-up patient survives with probability 1 - the hospital-at-home relative
risk of death (when below 1). Patients leaving alive are followed up
(:mod:`leftshift.model.follow_up`), step-ups with the hospital-at-home relative risks.
Every stay is a record (:meth:`frame`), so bed-time and the acute days freed are exact.
"""

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import simpy

from leftshift.config.dimensions import IMD_QUINTILES
from leftshift.model import metrics
from leftshift.model.community import StaffGroup, piecewise
from leftshift.model.deaths import DeathRegister
from leftshift.model.frames import (
    CAUSES,
    counts_in_bins,
    follow_up_columns,
    person_labels,
    step_mass,
)
from leftshift.model.records import ROUTES, EmergencyBatch, VirtualWardReferrals, cell_axes

if TYPE_CHECKING:
    from leftshift.model.follow_up import FollowUp

STEP_UP_AVOIDED, STEP_UP_ADDITIONAL, STEP_DOWN = 0, 1, 2
KINDS = ("step_up_avoided", "step_up_additional", "step_down")
ESCALATION_ROUTE = ROUTES.index("virtual_ward_escalation")


@dataclass(frozen=True)
class Escalation:
    """What an escalating virtual-ward patient brings to the acute hospital."""

    complex: bool
    base_los: float  # acute base stay, days
    cause: int  # 0 other, 1 COPD exacerbation, 2 heart failure
    pathway: int  # discharge pathway 0-3
    pool: int | None = None  # home-pool code at the hospital (its site's medical pool)


@dataclass(frozen=True)
class _StayEnd:
    """The value of the event that ends a virtual stay."""

    cell: int
    dies: bool
    escalation: Escalation | None
    kind: int
    #: the patient's follow-up uniforms (leftshift.model.follow_up)
    follow: np.ndarray
    #: the presentation a step-up came from, to flag a death at home on its record
    source: tuple[EmergencyBatch, int] | None
    #: the stay's row in the ward's records
    index: int
    #: the acute site the patient belongs to (their escalation site; a readmission returns there)
    site: int = 0


class VirtualWard:
    """Virtual beds, their occupancy log and one record per virtual-ward stay."""

    def __init__(
        self,
        env: simpy.Environment,
        hospital,
        deaths: DeathRegister,
        avoided_share: float = 0.4,
        rng: np.random.Generator | None = None,
    ):
        self.env = env
        self.hospital = hospital
        self.deaths = deaths
        #: admissions avoided per virtual-ward admission, all kinds (the evaluation's ratio)
        self.avoided_share = avoided_share
        self._rng = rng if rng is not None else np.random.default_rng(0)
        #: offers this month (a referred, eligible patient with access looking for a bed)
        self.step_up_offers = 0
        self.step_down_offers = 0
        #: share of step-down referrals kept this month (< 1 when they alone exceed the mix)
        self.step_down_keep = 1.0
        self._last_candidates = 0.0
        self.capacity = 0
        self.in_use = 0
        self.log: list[tuple[float, int]] = [(0.0, 0)]
        self.capacity_log: list[tuple[float, int]] = [(0.0, 0)]
        #: one batch per escalation, each presented to the hospital when it happens
        self.escalations: list[EmergencyBatch] = []
        #: follow-up after the stay (set by build_place when outcomes.follow_up is on)
        self.follow_up: FollowUp | None = None
        # records, as plain lists (one entry per stay)
        self.kind: list[int] = []
        self.start: list[float] = []
        self.end: list[float] = []
        self.cell: list[int] = []
        self.escalated: list[bool] = []
        self.died: list[bool] = []
        self.acute_days_freed: list[float] = []
        self._additional = 0  # step-ups of people not otherwise admitted, so far
        self.cause: list[int] = []
        #: what the follow-up after the stay found (flags of leftshift.model.follow_up)
        self.follow_outcome: list[int] = []

    def set_capacity(self, beds: int) -> None:
        """Staffed beds from now; patients already in stay even if above the new capacity."""
        if beds != self.capacity:
            self.capacity = beds
            self.capacity_log.append((self.env.now, beds))

    def plan_month(self, candidates: float) -> float:
        """Close last month's offers; return this month's expected additional referrals.

        ``candidates`` is this month's expected step-up referrals (before access checks) and
        scales last month's shortfall of non-avoiding offers, (1 - s) / s x step-up offers -
        step-down offers, to this month (season, referral growth, days). A negative shortfall
        thins this month's step-downs instead, to (1 - s) / s x step-up offers.
        """
        s = self.avoided_share
        ratio = (1.0 - s) / s if s > 0 else 0.0
        up, down, before = self.step_up_offers, self.step_down_offers, self._last_candidates
        self.step_up_offers = self.step_down_offers = 0
        self._last_candidates = candidates
        wanted = ratio * up
        self.step_down_keep = 1.0 if down <= wanted else wanted / down
        if before <= 0 or wanted <= down:
            return 0.0
        return (wanted - down) * candidates / before

    def offer_step_down(self) -> bool:
        """A step-down referral looks for a bed: whether it is kept (see :meth:`plan_month`)."""
        self.step_down_offers += 1
        return self.step_down_keep >= 1.0 or self._rng.random() < self.step_down_keep

    def admit_step_up(self, batch: EmergencyBatch, i: int) -> None:
        """An emergency presentation cared for at home instead of admitted."""
        self._admit(
            STEP_UP_AVOIDED,
            int(batch.cell[i]),
            batch.vw_stay[i],
            batch.vw_escalate_after[i],
            freed=batch.base_los_list[i],
            dies=batch.dies_list[i],
            escalation=Escalation(
                bool(batch.complex[i]),
                batch.base_los_list[i],
                int(batch.cause[i]),
                batch.pathway_list[i],
                self.hospital.escalation_pool(batch, i),
            ),
            follow=batch.follow[i],
            source=(batch, i),
        )

    def admit_step_down(self, batch: EmergencyBatch, i: int, days_saved: float) -> None:
        """An inpatient who leaves the acute bed ``days_saved`` days early."""
        self._admit(
            STEP_DOWN,
            int(batch.cell[i]),
            batch.vw_stay[i],
            batch.vw_escalate_after[i],
            freed=days_saved,
            dies=False,
            escalation=Escalation(
                bool(batch.complex[i]),
                batch.vw_escalation_los[i],
                int(batch.cause[i]),
                0,
                self.hospital.escalation_pool(batch, i),
            ),
            follow=batch.follow[i],
            source=None,
        )

    def additional_arrivals(self, referrals: VirtualWardReferrals):
        """Step-up referrals of people who would not have been admitted, at their times."""
        clock = self.env.now
        for k, t in enumerate(referrals.time.tolist()):
            if t > clock:
                yield self.env.timeout(t - clock)
                clock = t
            if self.in_use < self.capacity:
                self._additional += 1
                pool = self.hospital.escalation_pool(None, self._additional)
                self._admit(
                    STEP_UP_ADDITIONAL,
                    int(referrals.cell[k]),
                    referrals.stay[k],
                    referrals.escalate_after[k],
                    freed=0.0,
                    dies=False,
                    escalation=Escalation(False, referrals.escalation_los[k], 0, 0, pool),
                    follow=referrals.follow[k],
                    source=None,
                )

    def _admit(
        self,
        kind: int,
        cell: int,
        stay: float,
        escalate_after: float,
        freed: float,
        dies: bool,
        escalation: Escalation,
        follow: np.ndarray,
        source: tuple[EmergencyBatch, int] | None,
    ) -> None:
        now = self.env.now
        if dies and kind != STEP_DOWN and self.follow_up is not None:
            dies = not self.follow_up.survives_virtual_ward(follow)
        self.in_use += 1
        self.log.append((now, self.in_use))
        escalates = not math.isnan(escalate_after)
        length = float(escalate_after if escalates else stay)
        self.kind.append(kind)
        self.start.append(now)
        self.end.append(now + length)
        self.cell.append(cell)
        self.escalated.append(escalates)
        self.died.append(dies and not escalates)
        self.acute_days_freed.append(float(freed))
        self.cause.append(escalation.cause)
        self.follow_outcome.append(0)
        value = _StayEnd(
            cell,
            dies,
            escalation if escalates else None,
            kind,
            follow,
            source,
            len(self.kind) - 1,
            self.hospital.site_of(escalation.pool),
        )
        self.env.timeout(length, value=value).callbacks.append(self._leave)

    def _leave(self, event: simpy.Event) -> None:
        end = event.value
        assert isinstance(end, _StayEnd)
        cell, dies, escalation = end.cell, end.dies, end.escalation
        now = self.env.now
        self.in_use -= 1
        self.log.append((now, self.in_use))
        if escalation is None:
            if dies:  # an expected death at home: it still removes the person
                self.deaths.record(now, cell)
                if end.source is not None:
                    end.source[0].vw_died[end.source[1]] = True
            elif self.follow_up is not None:
                self.follow_outcome[end.index] = self.follow_up.discharged(
                    now,
                    cell,
                    end.follow,
                    step_up=end.kind != STEP_DOWN,
                    virtual_ward=True,
                    site=end.site,
                )
            return
        batch = EmergencyBatch(
            time=np.array([now]),
            cell=np.array([cell]),
            complex=np.array([escalation.complex]),
            marginal=np.array([False]),
            base_los=np.array([escalation.base_los], float),
            u_admit=np.array([0.0]),
            cause=np.array([escalation.cause], np.int8),
            dies=np.array([dies]),
            pathway=np.array([escalation.pathway], np.int8),
            pool=None if escalation.pool is None else np.array([escalation.pool], np.int8),
            follow=end.follow[None, :],
            route=ESCALATION_ROUTE,
        )
        self.escalations.append(batch)
        self.hospital.present_emergency(batch, 0)

    def frame(self, end_day: float) -> pd.DataFrame:
        """One row per virtual-ward stay (stays still running end at ``end_day``)."""
        return _stays(self, end_day)


def _stays(ward: "VirtualWard | None", end_day: float) -> pd.DataFrame:
    def column(name: str, dtype) -> np.ndarray:
        return np.asarray(getattr(ward, name) if ward is not None else [], dtype)

    return pd.DataFrame(
        {
            "kind": pd.Categorical.from_codes(column("kind", np.int8), KINDS),
            "start_day": column("start", float),
            "end_day": np.minimum(column("end", float), end_day),
            "cell": column("cell", np.int64),
            "escalated": column("escalated", bool),
            "died": column("died", bool),
            "acute_days_freed": column("acute_days_freed", float),
            "cause": pd.Categorical.from_codes(column("cause", np.int8), CAUSES),
            **follow_up_columns(column("follow_outcome", np.int8)),
        }
    )


def virtual_ward_stays_frame(ward: "VirtualWard | None", end_day: float) -> pd.DataFrame:
    """One row per virtual-ward stay with the person's labels (empty without virtual wards).

    Columns: kind, start_day, end_day, age_band, imd_quintile, frailty, copd_stage, hf_class,
    escalated, died (at home at the end of the stay), acute_days_freed, cause, and what the
    follow-up after the stay found (readmitted, died_after_discharge, moved_to_care_home).
    """
    stays = _stays(ward, end_day)
    cells = stays.pop("cell").to_numpy()
    labels = pd.DataFrame(person_labels(cells), index=stays.index)
    return pd.concat([stays[["kind", "start_day", "end_day"]], labels, stays.iloc[:, 3:]], axis=1)


class VirtualWardPlan:
    """Virtual beds funded over time and the staff who make them available, month by month."""

    def __init__(self, cfg):
        self.cfg = cfg
        self.plan = cfg.interventions.virtual_wards
        self.v = cfg.virtual_wards
        self.per_100k = cfg.place.population / 100_000.0
        self.staff = StaffGroup("virtual_ward_staff", self.v.staff, cfg.place.population)
        self.funded = 0.0
        self.most_funded = 0.0
        self.newly_funded = 0.0
        self.available = 0.0

    def step(self, month: int, years: float) -> int:
        """Advance a month; return the virtual beds available (staffed and funded)."""
        schedule = self.plan.beds_per_100k
        self.funded = piecewise(schedule.years, schedule.values, years) * self.per_100k
        self.newly_funded = max(0.0, self.funded - self.most_funded)
        self.most_funded = max(self.most_funded, self.funded)
        self.staff.step(month, self.funded * self.v.staff_wte_per_bed)
        staffed = self.staff.productive(month) / self.v.staff_wte_per_bed
        self.available = min(self.funded, staffed)
        return int(round(self.available))

    def record(self) -> dict[str, float]:
        """The month's funded and available beds and the staff behind them."""
        s = self.staff
        return {
            metrics.VW_BEDS_FUNDED: self.funded,
            metrics.VW_BEDS_NEWLY_FUNDED: self.newly_funded,
            metrics.VW_BEDS_STAFFED: self.available,
            metrics.WTE_FUNDED.name(s.name): s.funded,
            metrics.WTE_HIRED.name(s.name): s.hired,
            metrics.WTE_IN_POST.name(s.name): s.in_post,
            metrics.WTE_PRODUCTIVE.name(s.name): s.productive_now,
        }


def virtual_ward_metrics(
    stays: pd.DataFrame,
    bed_log: list[tuple[float, int]],
    capacity_log: list[tuple[float, int]],
    bounds: np.ndarray,
    end: float,
    population_by_imd: np.ndarray,
    offered_quintiles: list[int],
) -> dict[str, np.ndarray]:
    """Monthly virtual-ward figures from the stay records (exact, like the acute ones)."""
    days = np.diff(bounds)
    m: dict[str, np.ndarray] = {}
    m[metrics.VW_BEDS_AVAILABLE] = step_mass(capacity_log, end, bounds) / days
    m[metrics.VW_OCCUPIED_BEDS] = step_mass(bed_log, end, bounds) / days
    m[metrics.VW_OCCUPANCY] = np.divide(
        m[metrics.VW_OCCUPIED_BEDS],
        m[metrics.VW_BEDS_AVAILABLE],
        out=np.full(len(days), np.nan),
        where=m[metrics.VW_BEDS_AVAILABLE] > 0,
    )
    start = stays["start_day"].to_numpy()
    kind = stays["kind"].cat.codes.to_numpy()
    for code, name in enumerate(KINDS):
        m[metrics.VW_ADMISSIONS_BY_KIND.name(name)] = counts_in_bins(start[kind == code], bounds)
    m[metrics.VW_ADMISSIONS] = counts_in_bins(start, bounds)
    stop = stays["end_day"].to_numpy()
    escalated = stays["escalated"].to_numpy(bool)
    finished = stop < end
    m[metrics.VW_ESCALATIONS] = counts_in_bins(stop[escalated & finished], bounds)
    m[metrics.VW_DEATHS] = counts_in_bins(stop[stays["died"].to_numpy(bool) & finished], bounds)
    freed = stays["acute_days_freed"].to_numpy()
    for code in (STEP_UP_AVOIDED, STEP_DOWN):
        m[metrics.VW_ACUTE_BED_DAYS_FREED.name(KINDS[code])] = counts_in_bins(
            start[kind == code], bounds, freed[kind == code]
        )
    imd = cell_axes(stays["cell"].to_numpy())[1]
    offered = np.isin(imd, np.asarray(offered_quintiles, int) - 1)
    m[metrics.VW_ADMISSIONS_TARGETED_OFFER] = counts_in_bins(start[offered], bounds)
    for q, label in enumerate(IMD_QUINTILES):
        m[metrics.VW_ADMISSIONS_BY_IMD.name(label)] = counts_in_bins(start[imd == q], bounds)
        avoided = (imd == q) & (kind == STEP_UP_AVOIDED)
        m[metrics.VW_ADMISSIONS_AVOIDED_BY_IMD.name(label)] = counts_in_bins(start[avoided], bounds)
        m[metrics.POPULATION_BY_IMD.name(label)] = population_by_imd[:, q]
    return m

"""Community workforce (a stock by staff group) and the proactive care it delivers.

Workforce, each month, for each staff group:
  leavers = in post x attrition; starters arrive ``recruitment_lag_months`` after they were
  hired; hires = min(cap, funded x (1 - vacancy rate) - in post - in the pipeline). New starters
  reach full productivity linearly over ``ramp_months``. Funded posts are paid for from the month
  they are funded, filled or not, and each hire costs recruitment and training (the finance
  ledger reads the monthly ``wte_funded_*`` and ``wte_hired_*``).

Proactive care: capacity = productive WTE x caseload. It reaches eligible people (severe frailty,
GOLD 3-4 COPD, NYHA III-IV heart failure by default) in priority tiers; within a tier everyone
eligible has the same chance. Reached people have fewer disease-driven and other emergency
admissions and progress more slowly, by effect sizes scaled by the teams' maturity.
"""

from dataclasses import dataclass

import numpy as np

from leftshift.config import Config, StaffGroupConfig
from leftshift.config.dimensions import IMD_AXIS, IMD_QUINTILES, SHAPE
from leftshift.model import metrics
from leftshift.model.schedule import interp


class StaffGroup:
    """One staff group's whole-time equivalents: in post (by start month), pipeline, funded."""

    def __init__(self, name: str, cfg: StaffGroupConfig, population: int):
        self.name = name
        self.cfg = cfg
        self.per_100k = population / 100_000.0
        self.cohorts: list[list[float]] = []  # [start month, WTE] of people in post
        self.pipeline: list[list[float]] = []  # [arrival month, WTE] hired, not yet started
        self.funded = 0.0
        self.hired = 0.0  # WTE hired in the latest month (they start after the lag)
        self.month = 0

    @property
    def in_post(self) -> float:
        """WTE in post."""
        return sum(w for _, w in self.cohorts)

    def productive(self, month: int) -> float:
        """WTE in post weighted by how far each starter has ramped up."""
        ramp = self.cfg.ramp_months
        if ramp <= 0:
            return self.in_post
        return sum(w * min(1.0, (month - start) / ramp) for start, w in self.cohorts)

    @property
    def productive_now(self) -> float:
        """Productive WTE after the latest :meth:`step`."""
        return self.productive(self.month)

    def step(self, month: int, funded_wte: float) -> None:
        """Advance one month with ``funded_wte`` posts funded."""
        c = self.cfg
        self.month = month
        self.funded = funded_wte
        keep = 1.0 - (1.0 - np.exp(-c.attrition_per_year / 12.0))
        for cohort in self.cohorts:
            cohort[1] *= keep
        arriving = [p for p in self.pipeline if p[0] <= month]
        self.pipeline = [p for p in self.pipeline if p[0] > month]
        self.cohorts += [[month, w] for _, w in arriving if w > 0]
        # cohorts that have ramped up are merged, so the list stays short
        ramped = [co for co in self.cohorts if month - co[0] >= c.ramp_months]
        if len(ramped) > 1:
            total = sum(w for _, w in ramped)
            self.cohorts = [co for co in self.cohorts if month - co[0] < c.ramp_months]
            self.cohorts.insert(0, [month - c.ramp_months, total])
        target = funded_wte * (1.0 - c.vacancy_rate)
        gap = target - self.in_post - sum(w for _, w in self.pipeline)
        hires = min(max(gap, 0.0), c.max_hires_per_month_per_100k * self.per_100k)
        self.hired = hires
        if hires > 0:
            self.pipeline.append([month + round(c.recruitment_lag_months), hires])


class ProactiveCare:
    """Eligibility, priority tiers and the allocation of capacity to cells."""

    def __init__(self, cfg: Config):
        pc = cfg.community.proactive_care
        age, imd, frailty, copd, hf = np.indices(SHAPE)
        self.eligible = (
            (frailty >= pc.target_frailty_min_level)
            | (copd >= pc.target_copd_min_stage)
            | (hf >= pc.target_hf_min_class)
        )
        severity = frailty + copd + hf
        if pc.priority == "severity":
            score = severity
        elif pc.priority == "deprivation":
            score = (4 - imd) * 100 + severity
        else:
            score = np.zeros(SHAPE, dtype=int)
        self.score = np.where(self.eligible, score, -1)
        self.tiers = sorted({int(v) for v in np.unique(self.score) if v >= 0}, reverse=True)
        self.cfg = pc
        self.imd = imd

    def reach(self, counts: np.ndarray, capacity: float) -> np.ndarray:
        """Share of each cell reached this month (0 for the ineligible)."""
        share = np.zeros(SHAPE)
        left = capacity
        for tier in self.tiers:
            if left <= 0:
                break
            in_tier = self.score == tier
            people = counts[in_tier].sum()
            if people <= 0:
                continue
            fraction = min(1.0, left / people)
            share[in_tier] = fraction
            left -= fraction * people
        return share


def piecewise(years, values, t: float) -> float:
    """0 before the first point (the start), linear between points, the last value after."""
    if not years or t < years[0]:
        return 0.0
    return float(interp(t, years, values))


class Community:
    """The community provider's workforce and proactive care over a run."""

    def __init__(self, cfg: Config):
        self.cfg = cfg
        population = cfg.place.population
        self.groups = [
            StaffGroup(name, getattr(cfg.community, name), population)
            for name in cfg.community.staff_groups()
        ]
        self.care = ProactiveCare(cfg)
        self.teams = cfg.interventions.neighbourhood_teams
        self.per_100k = population / 100_000.0

    def step(self, month: int, years: float, counts: np.ndarray) -> "CareFactors":
        """Advance the workforce a month and allocate proactive care; return the month's state."""
        for group in self.groups:
            schedule = getattr(self.teams, f"{group.name}_wte_per_100k")
            group.step(month, piecewise(schedule.years, schedule.values, years) * self.per_100k)
        capacity = sum(g.productive(month) * g.cfg.caseload_per_wte for g in self.groups)
        reached = self.care.reach(counts, capacity)
        maturity = min(1.0, piecewise(self.teams.maturity.years, self.teams.maturity.values, years))
        pc = self.care.cfg
        dose = reached * maturity
        return CareFactors(
            reached_share=reached,
            capacity=capacity,
            maturity=maturity,
            disease_factor=np.clip(1.0 - dose * pc.exacerbation_reduction.mean, 0.0, None),
            other_factor=np.clip(1.0 - dose * pc.other_admission_reduction.mean, 0.0, None),
            progression_factor=np.clip(1.0 - dose * pc.progression_reduction.mean, 0.0, None),
        )

    def record(self, care: "CareFactors", counts: np.ndarray) -> dict[str, float]:
        """The month's workforce and proactive-care figures, for the monthly table."""
        rec: dict[str, float] = {}
        for g in self.groups:
            rec[metrics.WTE_FUNDED.name(g.name)] = g.funded
            rec[metrics.WTE_HIRED.name(g.name)] = g.hired
            rec[metrics.WTE_IN_POST.name(g.name)] = g.in_post
            rec[metrics.WTE_PRODUCTIVE.name(g.name)] = g.productive_now
        # the proactive-care workforce as a whole (virtual-ward staff are not part of it)
        rec[metrics.PROACTIVE_CARE_WTE_FUNDED] = sum(g.funded for g in self.groups)
        rec[metrics.PROACTIVE_CARE_WTE_IN_POST] = sum(g.in_post for g in self.groups)
        rec[metrics.PROACTIVE_CARE_WTE_PRODUCTIVE] = sum(g.productive_now for g in self.groups)
        reached = care.reached_share * counts
        rec[metrics.PROACTIVE_CARE_CAPACITY] = care.capacity
        rec[metrics.PROACTIVE_CARE_MATURITY] = care.maturity
        rec[metrics.PEOPLE_ELIGIBLE_PROACTIVE_CARE] = float(counts[self.care.eligible].sum())
        rec[metrics.PEOPLE_REACHED_PROACTIVE_CARE] = float(reached.sum())
        by_imd = reached.sum(axis=tuple(a for a in range(reached.ndim) if a != IMD_AXIS))
        for q, label in enumerate(IMD_QUINTILES):
            rec[metrics.PEOPLE_REACHED_PROACTIVE_CARE_BY_IMD.name(label)] = float(by_imd[q])
        return rec


@dataclass(frozen=True)
class CareFactors:
    """A month of proactive care: who was reached and what it does to their rates.

    Arrays are on the population grid; a factor of 1 means no effect, 0.8 a 20% cut.
    """

    reached_share: np.ndarray  # share of each cell reached
    capacity: float  # people the productive staff can hold
    maturity: float  # share of the full effect the service delivers this month
    disease_factor: np.ndarray  # on COPD and heart-failure exacerbation admissions
    other_factor: np.ndarray  # on other emergency admissions
    progression_factor: np.ndarray  # on disease and frailty progression

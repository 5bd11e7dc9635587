"""Records the event model writes: a month's emergency presentations and elective referrals.

Each batch holds one month's arrivals as arrays (one entry per person) and their outcomes as the
hospital fills them in. The codes in ``outcome`` and ``exit_reason`` and their labels in the
result tables live here, with :func:`cell_axes` to turn a flat population cell into its grid
coordinates.
"""

from dataclasses import dataclass, field
from typing import cast

import numpy as np

from leftshift.config.dimensions import SHAPE

#: default of an array field that ``__post_init__`` fills in when it is not given
_FILLED_LATER = cast(np.ndarray, None)

# Codes held in the batches' ``outcome`` and ``exit_reason`` arrays, and their labels in the
# result tables (the label of code k is at position k).
BOARDING, ADMITTED, DECLINED, DIVERTED, VIRTUAL_WARD = 0, 1, 2, 3, 4
OUTCOME_LABELS = ("boarding_at_end", "admitted", "not_admitted", "diverted", "virtual_ward")
#: where a presentation came from: the ED, a virtual ward escalating a patient back, or a
#: readmission after a discharge (which also comes through the ED)
ROUTES = ("emergency_department", "virtual_ward_escalation", "readmission", "waiting_list")
WAITING, TREATED, REMOVED = 0, 1, 2
EXIT_LABELS = ("waiting", "treated", "removed")


@dataclass
class EmergencyBatch:
    """One month's emergency presentations (kept arrivals only), with their outcomes."""

    time: np.ndarray
    cell: np.ndarray
    complex: np.ndarray
    marginal: np.ndarray
    base_los: np.ndarray
    u_admit: np.ndarray
    cause: np.ndarray = _FILLED_LATER  # 0 other, 1 COPD exacerbation, 2 heart failure
    dies: np.ndarray = (
        _FILLED_LATER  # dies: in hospital at the end of the stay if admitted, else at once
    )
    #: (time, cell) of deaths among presentations an intervention avoided: the person still
    #: dies, out of hospital (avoiding the presentation is not assumed to avoid the death)
    avoided_deaths: list = field(default_factory=list)
    #: presentations an intervention in the community avoided (they are not rows here): when
    #: they would have come, and the base stay of those who would certainly have been admitted
    #: (not marginal; 0 for marginal ones)
    avoided_time: np.ndarray = _FILLED_LATER
    avoided_base_los: np.ndarray = _FILLED_LATER
    #: discharge pathway 0-3, and the draws for arranging and using its service
    pathway: np.ndarray = _FILLED_LATER
    u_arrange: np.ndarray = _FILLED_LATER
    u_service: np.ndarray = _FILLED_LATER
    #: virtual wards: referred and eligible for step-up (instead of admission) or step-down
    #: (leaving the acute bed early), the virtual-ward stay if they get a bed, when they would
    #: escalate back (NaN: they do not), the acute base stay of an escalation, and whether the
    #: patient was referred for step-up but failed the digital or housing check
    vw_step_up: np.ndarray = _FILLED_LATER
    vw_step_down: np.ndarray = _FILLED_LATER
    vw_stay: np.ndarray = _FILLED_LATER
    vw_escalate_after: np.ndarray = _FILLED_LATER
    vw_escalation_los: np.ndarray = _FILLED_LATER
    vw_excluded: np.ndarray = _FILLED_LATER
    route: int = 0  # index into ROUTES
    #: follow-up uniforms after discharge, (n, 7) (leftshift.model.follow_up); None: no event
    follow: np.ndarray = _FILLED_LATER
    #: home bed pool (0 medical, 1 surgical) with hospital.specialty_pools; None: one pool
    pool: np.ndarray | None = None
    outcome: np.ndarray = field(init=False)
    bed_start: np.ndarray = field(init=False)
    los: np.ndarray = field(init=False)
    clinical_los: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        n = len(self.time)
        if self.cause is None:
            self.cause = np.zeros(n, dtype=np.int8)
        if self.dies is None:
            self.dies = np.zeros(n, dtype=bool)
        if self.pathway is None:
            self.pathway = np.zeros(n, dtype=np.int8)
        if self.u_arrange is None:
            self.u_arrange = np.full(n, 0.5)
        if self.u_service is None:
            self.u_service = np.full(n, 0.5)
        if self.avoided_time is None:
            self.avoided_time = np.zeros(0)
            self.avoided_base_los = np.zeros(0)
        for name, fill in (
            ("vw_step_up", False),
            ("vw_step_down", False),
            ("vw_excluded", False),
            ("vw_stay", np.nan),
            ("vw_escalate_after", np.nan),
            ("vw_escalation_los", np.nan),
        ):
            if getattr(self, name) is None:
                setattr(self, name, np.full(n, fill))
        if self.follow is None:
            self.follow = np.ones((n, 7), dtype=np.float32)
        #: died at home at the end of a virtual-ward stay (set by the virtual ward)
        self.vw_died = np.zeros(n, dtype=bool)
        #: what the follow-up after discharge found (flags of leftshift.model.follow_up)
        self.follow_outcome = np.zeros(n, dtype=np.int8)
        self.vw_step_up_list = self.vw_step_up.tolist()
        self.vw_step_down_list = self.vw_step_down.tolist()
        self.step_down_days = np.zeros(n)  # acute days saved by stepping down to a virtual ward
        self.dies_list = self.dies.tolist()
        self.pathway_list = self.pathway.tolist()
        self.delay = np.zeros(n)  # days in the bed after the stay, waiting for the pathway
        self.outcome = np.zeros(n, dtype=np.int8)
        self.bed_start = np.full(n, np.nan)
        self.los = np.full(n, np.nan)
        self.clinical_los = np.full(n, np.nan)
        self.base_los_list = self.base_los.tolist()
        self.marginal_list = self.marginal.tolist()
        self.pool_list: list[int] | None = None if self.pool is None else self.pool.tolist()
        # Stays started during the run, appended as plain floats (far cheaper than numpy
        # scalar writes) and written into the arrays once by :meth:`finalise`.
        self.stay_index: list[int] = []
        self.stay_start: list[float] = []
        self.stay_los: list[float] = []
        self.stay_clinical: list[float] = []
        #: patients admitted to another pool than their home pool, and those moved home later
        self.outlier_index: list[int] = []
        self.outlier_extra_list: list[float] = []
        self.repatriated_index: list[int] = []
        self.outlier = np.zeros(n, dtype=bool)
        #: days of an outlier's stay added by lying in another pool (outlier_stay_multiplier)
        self.outlier_extra = np.zeros(n)
        self.repatriated = np.zeros(n, dtype=bool)

    def record_stay(self, i: int, start: float, los: float, clinical: float) -> None:
        """Note that patient ``i`` took a bed at ``start`` for ``los`` days."""
        self.stay_index.append(i)
        self.stay_start.append(start)
        self.stay_los.append(los)
        self.stay_clinical.append(clinical)

    def finalise(self) -> None:
        """Write the stays recorded during the run into the arrays (outcome: admitted).

        A delayed discharge's days in the bed are added to its stay; days saved by stepping
        down to a virtual ward come off it (and off the clinical stay).
        """
        idx = np.asarray(self.stay_index, dtype=np.int64)
        self.outcome[idx] = ADMITTED
        self.bed_start[idx] = self.stay_start
        self.los[idx] = np.asarray(self.stay_los) + self.delay[idx] - self.step_down_days[idx]
        self.clinical_los[idx] = np.asarray(self.stay_clinical) - self.step_down_days[idx]
        outliers = np.asarray(self.outlier_index, dtype=np.int64)
        self.outlier[outliers] = True
        self.outlier_extra[outliers] = self.outlier_extra_list
        self.repatriated[np.asarray(self.repatriated_index, dtype=np.int64)] = True
        self.release_run_lists()

    def release_run_lists(self) -> None:
        """Drop the per-patient Python lists the run used: the arrays now hold everything.

        Each list costs 8-32 bytes a patient; an ICB run has about 1.4 million presentations,
        so keeping them while the record tables are built would add hundreds of MiB to the
        peak. A batch is not used by the event model after this.
        """
        self.stay_index, self.stay_start, self.stay_los, self.stay_clinical = [], [], [], []
        self.outlier_index, self.repatriated_index, self.outlier_extra_list = [], [], []
        self.vw_step_up_list, self.vw_step_down_list, self.dies_list = [], [], []
        self.pathway_list, self.base_los_list, self.marginal_list = [], [], []
        self.pool_list = None
        self.follow = np.ones((0, 7), dtype=np.float32)


@dataclass
class ReferralBatch:
    """One month's referrals to the admitted waiting list, with their exits."""

    time: np.ndarray
    cell: np.ndarray
    urgent: np.ndarray
    complex: np.ndarray
    base_los: np.ndarray
    removal_time: np.ndarray
    #: follow-up uniforms after discharge, (n, 7); None: no event
    follow: np.ndarray = _FILLED_LATER
    #: when the person would present as an emergency related to what they wait for (inf:
    #: never; only if still waiting then), and their key for that presentation's draws
    emergency_time: np.ndarray = _FILLED_LATER
    emergency_key: np.ndarray = _FILLED_LATER
    exit_time: np.ndarray = field(init=False)
    exit_reason: np.ndarray = field(init=False)
    los: np.ndarray = field(init=False)
    clinical_los: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        n = len(self.time)
        if self.follow is None:
            self.follow = np.ones((n, 7), dtype=np.float32)
        if self.emergency_time is None:
            self.emergency_time = np.full(n, np.inf)
        if self.emergency_key is None:
            self.emergency_key = np.zeros(n, dtype=np.uint64)
        self.base_los_list = self.base_los.tolist()
        self.exit_time = np.full(n, np.inf)
        self.exit_reason = np.full(n, WAITING, dtype=np.int8)
        self.los = np.full(n, np.nan)
        self.clinical_los = np.full(n, np.nan)
        #: days added to the stay of an elective admitted to another pool (hospital.outlying)
        self.outlier_days = np.zeros(n)


@dataclass(frozen=True)
class VirtualWardReferrals:
    """A month's step-up referrals of people who would not have been admitted, by time.

    One entry per referral that passed the digital and housing checks: arrival day, population
    cell, virtual stay (days), when the patient escalates back (days into the stay; NaN if
    never) and the acute base stay (days) of that escalation.
    """

    time: np.ndarray
    cell: np.ndarray
    stay: np.ndarray
    escalate_after: np.ndarray
    escalation_los: np.ndarray
    #: follow-up uniforms after the stay, (n, 7)
    follow: np.ndarray


def cell_axes(cells: np.ndarray) -> tuple[np.ndarray, ...]:
    """Split flat cell indices into (age band, IMD quintile, frailty, COPD stage, NYHA class)."""
    return np.unravel_index(np.asarray(cells, dtype=np.int64), SHAPE)

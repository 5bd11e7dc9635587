"""A deterministic case with a hand-computed trajectory: fixed arrival times and fixed stays
through the hospital's allocation rules (boarders first, then electives under the threshold)."""

import numpy as np
import pytest
import simpy

from leftshift.config import load
from leftshift.model.analytic import ONE_POOL_ANY_HOUR
from leftshift.model.hospital import Hospital, WaitingList
from leftshift.model.records import ADMITTED, DECLINED, EmergencyBatch, ReferralBatch

pytestmark = pytest.mark.unit


def build(beds=2, threshold=1.0):
    """One pool of ``beds`` (no escalation beds, no turnaround), decisions and discharges at
    any hour of any day, no pressure channels: the allocation rules alone."""
    cfg = load(
        {
            "place": {"general_acute_beds": beds, "escalation_bed_share": None},
            "hospital": {
                **ONE_POOL_ANY_HOUR,
                "discharge_pressure_slope": 0.0,
                "saturation_slope": 0.0,
                "admission_threshold_sensitivity": 0.0,
                "elective_threshold": threshold,
            },
        }
    )
    env = simpy.Environment()
    wl = WaitingList(28.0, 126.0)
    return env, wl, Hospital(env, cfg, wl)


def emergencies(times, stays, marginal=None, u_admit=None):
    n = len(times)
    return EmergencyBatch(
        time=np.array(times, float),
        cell=np.zeros(n, int),
        complex=np.zeros(n, bool),
        marginal=np.zeros(n, bool) if marginal is None else np.array(marginal),
        base_los=np.array(stays, float),
        u_admit=np.zeros(n) if u_admit is None else np.array(u_admit, float),
    )


def test_hand_computed_trajectory():
    # 2 beds; emergencies at 0, 0.5, 1.0, 1.2 staying 2, 2, 1, 1 days; one elective on the
    # list from time 0 staying 1 day; the daily round at 0.25. By hand:
    #   E0 takes a bed 0-2. At the round (0.25) one bed is free: the elective takes it, 0.25-1.25.
    #   E1 (0.5), E2 (1.0), E3 (1.2) find no bed and board, in that order.
    #   1.25 elective leaves -> E1 1.25-3.25;  2.0 E0 leaves -> E2 2.0-3.0;
    #   3.0 E2 leaves -> E3 3.0-4.0.
    # Boarding: E1 0.75, E2 1.0, E3 1.8 days. Bed-days: 2 + 2 + 1 + 1 + 1.
    env, wl, hospital = build()
    batch = emergencies([0.0, 0.5, 1.0, 1.2], [2.0, 2.0, 1.0, 1.0])
    referral = ReferralBatch(
        time=np.array([0.0]),
        cell=np.zeros(1, int),
        urgent=np.zeros(1, bool),
        complex=np.zeros(1, bool),
        base_los=np.array([1.0]),
        removal_time=np.array([np.inf]),
    )
    wl.add_batch(referral)
    env.process(hospital.emergency_arrivals(batch))
    env.process(hospital.elective_rounds(0.25, 10.0))
    env.run(until=10.0)
    batch.finalise()
    np.testing.assert_allclose(batch.bed_start, [0.0, 1.25, 2.0, 3.0])
    np.testing.assert_allclose(batch.bed_start + batch.los, [2.0, 3.25, 3.0, 4.0])
    assert referral.exit_time[0] == 0.25 and referral.los[0] == 1.0
    assert (batch.outcome == ADMITTED).all()
    assert hospital.admissions == hospital.discharges == 5
    beds, boarders = hospital.live_integrals()
    assert beds == pytest.approx(2 + 2 + 1 + 1 + 1)
    assert boarders == pytest.approx((1.25 - 0.5) + (2.0 - 1.0) + (3.0 - 1.2))


def test_elective_threshold_holds_a_bed_back():
    # 2 beds, threshold 0.5: an elective may only take a bed while occupancy is below 50%.
    env, wl, hospital = build(beds=2, threshold=0.5)
    referral = ReferralBatch(
        time=np.zeros(2),
        cell=np.zeros(2, int),
        urgent=np.zeros(2, bool),
        complex=np.zeros(2, bool),
        base_los=np.array([3.0, 3.0]),
        removal_time=np.full(2, np.inf),
    )
    wl.add_batch(referral)
    env.process(hospital.elective_rounds(0.0, 2.0))
    env.run(until=2.0)
    assert hospital.occupied == 1  # the second elective waits although a bed is free
    assert referral.exit_reason.tolist() == [1, 0]


def test_marginal_patient_declined_when_draw_above_probability():
    env, _, hospital = build()
    batch = emergencies([0.0, 0.1], [1.0, 1.0], marginal=[True, True], u_admit=[0.59, 0.61])
    env.process(hospital.emergency_arrivals(batch))
    env.run(until=5.0)
    batch.finalise()
    assert batch.outcome.tolist() == [ADMITTED, DECLINED]  # p = 0.6 at any occupancy here

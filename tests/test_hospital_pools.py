"""Specialty bed pools (issue 16): a patient boards when the home pool is full, whatever the
other pool has free. Hand-computed trajectories, the bed split, validation, and the effect on
exit block at a small place."""

import numpy as np
import pytest
import simpy

from leftshift.config import ConfigError, load
from leftshift.config.beds import split_beds
from leftshift.model import simulate
from leftshift.model.frames import by_month
from leftshift.model.hospital import Hospital, WaitingList, pool_beds
from leftshift.model.records import ADMITTED, EmergencyBatch, ReferralBatch
from tests.helpers import small_config

HAND = {
    "discharge_window_hours": None,
    "discharge_pressure_slope": 0.0,
    "saturation_slope": 0.0,
    "admission_threshold_sensitivity": 0.0,
    "elective_threshold": 1.0,
    "specialty_pools": True,
}


def _pooled(beds=2, shares=(0.5, 0.5)):
    cfg = load(
        {
            "place": {"general_acute_beds": beds, "pool_bed_shares": list(shares)},
            "hospital": HAND,
        }
    )
    env = simpy.Environment()
    wl = WaitingList(28.0, 126.0)
    return env, wl, Hospital(env, cfg, wl)


def _emergencies(times, stays, pools):
    n = len(times)
    return EmergencyBatch(
        time=np.array(times, float),
        cell=np.zeros(n, int),
        complex=np.zeros(n, bool),
        marginal=np.zeros(n, bool),
        base_los=np.array(stays, float),
        u_admit=np.zeros(n),
        pool=np.array(pools, np.int8),
    )


def _referral(stay):
    return ReferralBatch(
        time=np.array([0.0]),
        cell=np.zeros(1, int),
        urgent=np.zeros(1, bool),
        complex=np.zeros(1, bool),
        base_los=np.array([stay]),
        removal_time=np.array([np.inf]),
    )


@pytest.mark.unit
def test_split_beds_adds_up_by_largest_remainder():
    assert split_beds(540, [0.64, 0.36]) == [346, 194]
    assert split_beds(2, [0.9, 0.1]) == [2, 0]
    assert split_beds(7, [0.5, 0.5]) in ([4, 3], [3, 4])
    assert sum(split_beds(2_701, [0.333, 0.667])) == 2_701


@pytest.mark.unit
def test_one_pool_unless_specialty_pools_and_escalation_beds_are_medical():
    cfg = load({"place": {"general_acute_beds": 100, "escalation_beds": 5}})
    assert pool_beds(cfg) == [("all", 100, 5)]
    on = load(
        {
            "place": {"general_acute_beds": 100, "escalation_beds": 5},
            "hospital": {"specialty_pools": True},
        }
    )
    assert pool_beds(on) == [("medical", 64, 5), ("surgical", 36, 0)]


@pytest.mark.unit
def test_a_medical_patient_boards_while_a_surgical_bed_is_free():
    # 1 medical and 1 surgical bed. Medical emergencies at 0 and 0.5 stay 2 days each; an
    # elective (surgical) is on the list from 0, 1 day, admitted at the round at 0.25.
    # By hand: M0 takes the medical bed 0-2; the elective takes the surgical bed 0.25-1.25;
    # M1 (0.5) boards although the surgical bed is free from 1.25, and gets the medical bed
    # at 2.0 (stay 2.0-4.0). One pool of 2 beds would have admitted M1 at 1.25.
    env, wl, hospital = _pooled()
    batch = _emergencies([0.0, 0.5], [2.0, 2.0], [0, 0])
    referral = _referral(1.0)
    wl.add_batch(referral)
    env.process(hospital.emergency_arrivals(batch))
    env.process(hospital.elective_rounds(0.25, 10.0))
    env.run(until=10.0)
    batch.finalise()
    np.testing.assert_allclose(batch.bed_start, [0.0, 2.0])
    assert referral.exit_time[0] == 0.25
    assert (batch.outcome == ADMITTED).all()
    _, boarders = hospital.live_integrals()
    assert boarders == pytest.approx(2.0 - 0.5)


@pytest.mark.unit
def test_a_surgical_emergency_goes_before_the_elective_list():
    # 1 medical, 1 surgical bed. A surgical emergency at 0 stays 1 day; an elective waits.
    # By hand: the emergency takes the surgical bed 0-1; the elective is not admitted at the
    # round (0.25, no surgical bed), nor into the free medical bed; it goes in at 1.0 when the
    # surgical bed frees.
    env, wl, hospital = _pooled()
    batch = _emergencies([0.0], [1.0], [1])
    referral = _referral(1.0)
    wl.add_batch(referral)
    env.process(hospital.emergency_arrivals(batch))
    env.process(hospital.elective_rounds(0.25, 10.0))
    env.run(until=10.0)
    assert referral.exit_time[0] == 1.0
    assert hospital.medical.occupied == 0 and hospital.surgical.occupied == 0


@pytest.mark.unit
@pytest.mark.parametrize(
    "overrides, key",
    [
        ({"place": {"pool_bed_shares": [0.5, 0.6]}}, "place.pool_bed_shares"),
        ({"place": {"pool_bed_shares": [0.5]}}, "place.pool_bed_shares"),
        ({"place": {"pool_bed_shares": [-0.2, 1.2]}}, "place.pool_bed_shares"),
        (
            {
                "place": {"general_acute_beds": 2, "pool_bed_shares": [0.9, 0.1]},
                "hospital": {"specialty_pools": True},
            },
            "place.pool_bed_shares",
        ),
        ({"hospital": {"emergency_surgical_share": 1.5}}, "hospital.emergency_surgical_share"),
    ],
)
def test_bad_pools_are_named_before_anything_runs(overrides, key):
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        load(overrides)


@pytest.mark.integration
def test_specialty_pools_make_exit_block_that_one_pool_hides():
    """The same beds, split into medical and surgical pools: trolley waits appear."""
    waits = {}
    for pools in (False, True):
        cfg = small_config(
            hospital={"specialty_pools": pools}, run={"horizon_years": 1, "warmup_months": 3}
        )
        wide = by_month(simulate(cfg, 11).monthly)
        waits[pools] = wide["ed_waits_4h_plus"].sum() / wide["admissions_via_ed"].sum()
    assert waits[False] < 0.02
    assert waits[True] > waits[False] + 0.05

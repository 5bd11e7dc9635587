"""Specialty bed pools (issue 16): a patient boards when the home pool is full, whatever the
other pool has free. Hand-computed trajectories, the bed split, validation, and the effect on
exit block at a small place."""

import numpy as np
import pytest
import simpy

from leftshift.config import ConfigError, load
from leftshift.config.beds import split_beds
from leftshift.model import metrics, simulate
from leftshift.model.analytic import ONE_POOL_ANY_HOUR
from leftshift.model.frames import by_month
from leftshift.model.hospital import Hospital, WaitingList, pool_beds, site_pools
from leftshift.model.records import ADMITTED, EmergencyBatch, ReferralBatch
from tests.helpers import pooled_sections, small_config

#: the hand-computed cases' hospital: two pools, no outlying, no escalation beds, no
#: turnaround, decisions and discharges at any hour of any day, no pressure channels
HAND = {
    **ONE_POOL_ANY_HOUR,
    "discharge_pressure_slope": 0.0,
    "saturation_slope": 0.0,
    "admission_threshold_sensitivity": 0.0,
    "elective_threshold": 1.0,
    "specialty_pools": True,
    "pressure_boarder_share": None,
}


def _pooled(beds=2, shares=(0.5, 0.5), base=HAND, place=None, **hospital):
    """A hospital on its own: ``beds`` split by ``shares``, the ``base`` rules plus
    ``hospital`` overrides (and ``place`` ones); with its environment and list."""
    cfg = load(
        {
            "place": {
                "general_acute_beds": beds,
                "pool_bed_shares": list(shares),
                "escalation_bed_share": None,  # place.escalation_beds (0): none
                **(place or {}),
            },
            "hospital": {**base, **hospital},
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
        pool=None if pools is None else np.array(pools, np.int8),  # None: one pool
    )


def _referral(stay, n=1):
    """``n`` referrals on the list from day 0, each for a stay of ``stay`` days."""
    return ReferralBatch(
        time=np.zeros(n),
        cell=np.zeros(n, int),
        urgent=np.zeros(n, bool),
        complex=np.zeros(n, bool),
        base_los=np.full(n, float(stay)),
        removal_time=np.full(n, np.inf),
    )


@pytest.mark.unit
def test_split_beds_adds_up_by_largest_remainder():
    assert split_beds(540, [0.64, 0.36]) == [346, 194]
    assert split_beds(2, [0.9, 0.1]) == [2, 0]
    assert split_beds(7, [0.5, 0.5]) in ([4, 3], [3, 4])
    assert sum(split_beds(2_701, [0.333, 0.667])) == 2_701


@pytest.mark.unit
def test_one_pool_unless_specialty_pools_and_escalation_beds_are_medical():
    place = {
        "general_acute_beds": 100,
        "escalation_beds": 5,
        "escalation_bed_share": None,
        "pool_bed_shares": [0.64, 0.36],
    }
    cfg = load({"place": place, "hospital": {"specialty_pools": False, "outlying": False}})
    assert pool_beds(cfg) == [("all", 100, 5)]
    on = load({"place": place, "hospital": {"specialty_pools": True}})
    assert pool_beds(on) == [("medical", 64, 5), ("surgical", 36, 0)]
    # the default: pools, and escalation beds as a share of the beds (2.78 -> 3)
    assert pool_beds(load({"place": {"general_acute_beds": 100}})) == [
        ("medical", 57, 3),
        ("surgical", 43, 0),
    ]


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
        ({"hospital": {"specialty_pools": False, "outlying": True}}, "hospital.outlying"),
        ({"hospital": {"outlier_max_share": -0.1}}, "hospital.outlier_max_share"),
        ({"hospital": {"outlier_stay_multiplier": 0.5}}, "hospital.outlier_stay_multiplier"),
        ({"hospital": {"decision_hour_weights": [1.0] * 23}}, "hospital.decision_hour_weights"),
        ({"hospital": {"discharge_hour_weights": [0.0] * 24}}, "hospital.discharge_hour_weights"),
        (
            {"hospital": {"discharge_hour_weights": [1.0] * 24, "discharge_window_hours": [8, 20]}},
            "hospital.discharge_hour_weights",
        ),
        ({"hospital": {"bed_turnaround_hours": -1.0}}, "hospital.bed_turnaround_hours"),
        (
            {"hospital": {"decision_weekday_weights": [1.0] * 6}},
            "hospital.decision_weekday_weights",
        ),
        (
            {"hospital": {"elective_weekday_weights": [0.0] * 7}},
            "hospital.elective_weekday_weights",
        ),
        (
            {"hospital": {"elective_weekday_weights": [2.0] * 7}},
            "hospital.elective_weekday_weights",
        ),
        (
            {"hospital": {"elective_weekday_weights": [1.0] * 7, "elective_round_hour": None}},
            "hospital.elective_weekday_weights",
        ),
        ({"hospital": {"weekend_discharges_moved": 1.0}}, "hospital.weekend_discharges_moved"),
        ({"place": {"acute_site_shares": [0.5, 0.6]}}, "place.acute_site_shares"),
        ({"place": {"acute_site_shares": [0.1] * 11}}, "place.acute_site_shares"),
        (
            {"place": {"general_acute_beds": 3, "acute_site_shares": [0.9, 0.1]}},
            "place.acute_site_shares",
        ),
        (
            {
                "place": {  # fine at one site (35 < 36); a site gets 18 of 18 surgical
                    "general_acute_beds": 101,
                    "pool_bed_shares": [0.64, 0.36],
                    "ring_fenced_elective_beds": 35,
                    "acute_site_shares": [0.5, 0.5],
                },
                "hospital": {"specialty_pools": True},
            },
            "place.ring_fenced_elective_beds",
        ),
        (  # a hub needs specialty pools
            {
                "place": {"ring_fenced_elective_beds": 5},
                "hospital": {"specialty_pools": False, "outlying": False},
            },
            "place.ring_fenced_elective_beds",
        ),
        ({"hospital": {"bed_offer_order": ["boarder", "elective"]}}, "hospital.bed_offer_order"),
        (
            {"hospital": {"bed_offer_order": ["boarder", "boarder", "outlier", "elective"]}},
            "hospital.bed_offer_order",
        ),
        (
            {
                "place": {
                    "general_acute_beds": 100,
                    "pool_bed_shares": [0.64, 0.36],
                    "ring_fenced_elective_beds": 36,
                },
                "hospital": {"specialty_pools": True},
            },
            "place.ring_fenced_elective_beds",
        ),
    ],
)
def test_bad_pools_are_named_before_anything_runs(overrides, key):
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        load(overrides)


@pytest.mark.integration
def test_specialty_pools_make_exit_block_that_one_pool_hides():
    """The same beds, split into medical and surgical pools: trolley waits appear.

    On the one-counter hospital (hospital=pooled: no escalation beds, turnaround or profiles)
    with the pool split and winter peak it was written for, and without the follow-up after
    discharge (its readmissions add load: 2.04% of admissions waited 4 h+ in one pool with it
    on): pools and outlying are the only differences between the three runs."""
    waits = {}
    pooled = pooled_sections()
    for pools, outlying in ((False, False), (True, False), (True, True)):
        cfg = small_config(
            hospital={**pooled["hospital"], "specialty_pools": pools, "outlying": outlying},
            place={**pooled["place"], "pool_bed_shares": [0.64, 0.36]},
            demand={"winter_peak_amplitude": 0.08},
            run={"horizon_years": 1, "warmup_months": 3},
            outcomes={"follow_up": {"enabled": False}},
        )
        wide = by_month(simulate(cfg, 11).monthly)
        waits[pools, outlying] = wide["ed_waits_4h_plus"].sum() / wide["admissions_via_ed"].sum()
        if outlying:
            assert wide["outlier_admissions"].sum() > 0
            assert wide["repatriations"].sum() <= wide["outlier_admissions"].sum()
    assert waits[False, False] < 0.02
    assert waits[True, False] > waits[False, False] + 0.05
    # outlying lends the other pool's free beds: fewer trolley waits than pools without it
    assert waits[True, True] < waits[True, False]


OUTLYING = {**HAND, "outlying": True, "outlier_max_share": 1.0, "outlier_stay_multiplier": 1.5}


@pytest.mark.unit
def test_an_outlier_takes_the_other_pools_bed_and_is_moved_home():
    # 1 medical and 1 surgical bed, outlying on (any share), outliers stay 1.5 times as long.
    # By hand: M0 (0.0, 2 days) takes the medical bed 0-2; the elective (1 day) takes the
    # surgical bed at the 0.25 round, 0.25-1.25; M1 (0.5, 2 days) finds both full and boards.
    # At 1.25 the surgical bed frees with nobody boarding for it: M1 takes it as an outlier,
    # stay 2 x 1.5 = 3 days (to 4.25). At 2.0 the medical bed frees: M1 is moved home into it
    # (a repatriation, not a discharge), and the surgical bed is free again.
    env, wl, hospital = _pooled(base=OUTLYING)
    batch = _emergencies([0.0, 0.5], [2.0, 2.0], [0, 0])
    referral = _referral(1.0)
    wl.add_batch(referral)
    env.process(hospital.emergency_arrivals(batch))
    env.process(hospital.elective_rounds(0.25, 10.0))
    env.run(until=3.0)
    assert hospital.repatriations == 1
    assert (hospital.medical.occupied, hospital.surgical.occupied) == (1, 0)
    assert hospital.surgical.outliers_in == 0
    env.run(until=10.0)
    batch.finalise()
    np.testing.assert_allclose(batch.bed_start, [0.0, 1.25])
    np.testing.assert_allclose(batch.los, [2.0, 3.0])
    assert batch.outlier.tolist() == [False, True]
    assert batch.repatriated.tolist() == [False, True]
    assert referral.exit_time[0] == 0.25
    _, boarders = hospital.live_integrals()
    assert boarders == pytest.approx(1.25 - 0.5)
    assert hospital.admissions == 3 and hospital.discharges == 3
    hospital.check_end()


@pytest.mark.unit
def test_outliers_fill_no_more_than_their_share_of_a_pool():
    # 1 medical, 2 surgical beds; outliers may hold 0.5 x 2 = 1 surgical bed. Three medical
    # emergencies at 0, 0.1, 0.2 (5 days): the first takes the medical bed, the second a
    # surgical bed as an outlier at once, the third boards although a surgical bed is free.
    env, _, hospital = _pooled(3, (1 / 3, 2 / 3), base=OUTLYING, outlier_max_share=0.5)
    batch = _emergencies([0.0, 0.1, 0.2], [5.0, 5.0, 5.0], [0, 0, 0])
    env.process(hospital.emergency_arrivals(batch))
    env.run(until=1.0)
    assert (hospital.medical.occupied, hospital.surgical.occupied) == (1, 1)
    assert len(hospital.medical.boarders) == 1


@pytest.mark.unit
@pytest.mark.parametrize("pressure", [None, 1.0])
def test_under_pressure_outliers_may_take_more_of_the_other_pool(pressure):
    # 1 medical, 2 surgical beds; outliers may hold 0.5 x 2 = 1 surgical bed, or all 2 while
    # the medical pool has 1 x 1 = 1 boarder (pressure share 1.0). Medical emergencies at 0,
    # 0.1, 0.2 (5 days): the first takes the medical bed, the second a surgical bed as an
    # outlier; the third boards, which is the pressure count: it takes the last surgical bed
    # at once (0.2). Without the rule it boards until the medical bed frees at 5.0.
    env, _, hospital = _pooled(
        3,
        (1 / 3, 2 / 3),
        base=OUTLYING,
        outlier_max_share=0.5,
        outlier_max_share_under_pressure=1.0,
        pressure_boarder_share=pressure,
    )
    batch = _emergencies([0.0, 0.1, 0.2], [5.0, 5.0, 5.0], [0, 0, 0])
    env.process(hospital.emergency_arrivals(batch))
    env.run(until=10.0)
    batch.finalise()
    if pressure is None:
        np.testing.assert_allclose(batch.bed_start, [0.0, 0.1, 5.0])
        assert batch.outlier.tolist() == [False, True, False]
    else:
        np.testing.assert_allclose(batch.bed_start, [0.0, 0.1, 0.2])
        assert batch.outlier.tolist() == [False, True, True]
    hospital.check_end()


@pytest.mark.unit
def test_decisions_and_discharges_follow_their_hourly_profiles():
    from types import SimpleNamespace

    from leftshift.model.demand import Demand, decision_hour_points

    weights = [1.0] * 12 + [3.0] * 12  # a quarter of the day's mass before noon
    cfg = load({"hospital": {"decision_hour_weights": weights}})
    me = SimpleNamespace(_hour_profile=decision_hour_points(cfg.hospital.decision_hour_weights))
    mapped = Demand._by_decision_hour(me, np.array([3.25, 3.0, 7.625]))
    # a quarter into the day -> noon; midnight stays; 0.625 -> 12 h + (0.375 / 0.75) x 12 h
    np.testing.assert_allclose(mapped, [3.5, 3.0, 7.75])
    _, _, hospital = _pooled(discharge_hour_weights=weights)  # HAND: no discharge window
    assert hospital.discharge_time(5.25) == pytest.approx(5.5)
    # the profile's hour would be before the stay began: the next day at that hour
    assert hospital.discharge_time(5.25, start=5.6) == pytest.approx(6.5)


@pytest.mark.unit
def test_days_of_the_week_move_decisions_discharges_and_theatre_caps():
    """2024-04-01 (model day 0) is a Monday, so days 5 and 6 are a Saturday and a Sunday."""
    from types import SimpleNamespace

    from leftshift.model.demand import Demand
    from leftshift.model.hospital import theatre_cap, theatre_quotas

    # decisions: weekend days weigh half a weekday, so a fortnight holds 12 weekday-equivalents
    # (cumulative 5 at the first Saturday, 6 at the second Monday, 11 at the second Saturday);
    # an even time t maps to where the cumulative weight reaches 12 x t / 14
    half = [1.0] * 5 + [0.5, 0.5]
    cfg = load({"hospital": {"decision_weekday_weights": half}})
    me = SimpleNamespace(cfg=cfg, _weekday_at_zero=0)
    times = np.array([0.0, 14 * 5 / 12, 14 * 10 / 12, 14 * 11 / 12, 14 * 11.5 / 12, 13.99])
    mapped = Demand._by_weekday(me, times, 0.0, 14.0)
    np.testing.assert_allclose(mapped[:5], [0.0, 5.0, 11.0, 12.0, 13.0])
    assert np.all(np.diff(mapped) > 0) and mapped[-1] < 14.0
    # a month starting mid-week: arrivals stay inside it
    inside = Demand._by_weekday(me, np.linspace(2.5, 33.0, 50, endpoint=False), 2.5, 33.0)
    assert inside.min() >= 2.5 and inside.max() < 33.0 and np.all(np.diff(inside) > 0)

    _, _, hospital = _pooled(weekend_discharges_moved=0.5)  # HAND: no discharge window
    assert hospital.discharge_time(5.25) == 5.25  # Saturday, early in its day: stays
    assert hospital.discharge_time(5.75) == 4.75  # Saturday, late: the Friday before
    assert hospital.discharge_time(5.75, start=4.8) == 5.75  # ... unless it began after that
    assert hospital.discharge_time(6.75) == 7.75  # Sunday, late: the Monday after
    assert hospital.discharge_time(2.75) == 2.75  # Wednesday: never moved

    # theatre capacity: a week's cases spread over the days by their weights
    assert theatre_quotas(None, None) == [None] * 7
    assert theatre_quotas(70.0, None) == pytest.approx([10.0] * 7)
    assert theatre_quotas(None, [1.0] * 5 + [0.0, 0.0]) == [None] * 5 + [0.0, 0.0]
    assert theatre_quotas(52.26, [1.0] * 5 + [0.226, 0.0]) == pytest.approx([10] * 5 + [2.26, 0])
    # a day's cap is whole cases; the fraction is carried, so a week of 2.5 a day gives
    # 2, 3, 2, 3, ... and the caps add up to the quotas
    credit, caps = 0.0, []
    for _ in range(14):
        cap, credit = theatre_cap(2.5, credit)
        caps.append(cap)
    assert caps == [2, 3] * 7
    assert theatre_cap(None, 0.4) == (None, 0.4)


@pytest.mark.integration
@pytest.mark.parametrize("closed", [True, False])
def test_theatres_closed_at_weekends_admit_no_elective_on_those_days(closed):
    """Electives wait on the list through the weekend when theatres are closed then."""
    weights = [1.0] * 5 + [0.0, 0.0] if closed else None
    env, wl, hospital = _pooled(beds=10, elective_weekday_weights=weights)
    batch = _referral(0.5, n=1_000)  # more than a fortnight's beds can take
    wl.add_batch(batch)
    env.process(hospital.elective_rounds(8.0 / 24.0, 14.0))
    env.run(until=14.0)
    days = set(np.floor(batch.exit_time[np.isfinite(batch.exit_time)]).astype(int).tolist())
    assert set(range(5)) | set(range(7, 12)) <= days
    assert bool(days & {5, 6, 12, 13}) is not closed


@pytest.mark.unit
def test_a_freed_bed_waits_for_its_turnaround_before_the_next_patient():
    # One bed, 6-hour turnaround. A (0.0, 1 day) takes it; B (0.5) boards. A leaves at 1.0;
    # the bed is clean at 1.25, when B takes it: B boards 0.75 days, the bed is empty
    # (not occupied) from 1.0 to 1.25.
    env, _, hospital = _pooled(1, specialty_pools=False, bed_turnaround_hours=6.0)
    batch = _emergencies([0.0, 0.5], [1.0, 1.0], None)
    env.process(hospital.emergency_arrivals(batch))
    env.run(until=1.1)
    assert (hospital.occupied, hospital.pools[0].cleaning, hospital.n_boarders) == (0, 1, 1)
    env.run(until=5.0)
    batch.finalise()
    np.testing.assert_allclose(batch.bed_start, [0.0, 1.25])
    beds, boarding = hospital.live_integrals()
    assert beds == pytest.approx(2.0)
    assert boarding == pytest.approx(0.75)


@pytest.mark.unit
def test_an_elective_may_outlie_into_a_medical_bed_below_its_threshold():
    # 2 medical and 1 surgical bed; electives of 1 day (x1.5 as outliers) on the list from 0;
    # a medical emergency arrives at 0.1 for 1 day. By hand, at the 0.05 round: elective E0
    # takes the surgical bed (0.05-1.05), E1 a medical bed as an outlier (0.05-1.55); the
    # medical pool is then at 1 of 2 beds = its threshold (0.5), so E2 waits. M0 takes the
    # other medical bed at 0.1.
    env, wl, hospital = _pooled(3, (2 / 3, 1 / 3), base=OUTLYING, elective_threshold=0.5)
    referrals = _referral(1.0, n=3)
    wl.add_batch(referrals)
    env.process(hospital.elective_rounds(0.05, 0.5))
    env.process(hospital.emergency_arrivals(_emergencies([0.1], [1.0], [0])))
    env.run(until=0.2)
    assert referrals.exit_time.tolist()[:2] == [0.05, 0.05]
    assert referrals.exit_time[2] == np.inf
    np.testing.assert_allclose(referrals.los[:2], [1.0, 1.5])
    np.testing.assert_allclose(referrals.outlier_days[:2], [0.0, 0.5])
    assert (hospital.medical.occupied, hospital.surgical.occupied) == (2, 1)
    assert hospital.medical.outliers_in == 1


@pytest.mark.unit
def test_a_ring_fenced_hub_takes_electives_only():
    # 1 medical, 1 surgical, 1 hub bed (of 3, shares 1/3 medical). Two surgical emergencies at
    # 0.0 and 0.1 (2 days); two electives of 1 day on the list from 0, round at 0.5.
    # By hand: S0 takes the surgical bed; S1 boards (the hub is free, but not for it); at 0.5
    # E0 takes the hub bed (0.5-1.5) and E1 waits (the surgical bed is taken); at 1.5 the hub
    # frees and E1 takes it (1.5-2.5); S1 gets the surgical bed at 2.0.
    env, wl, hospital = _pooled(3, (1 / 3, 2 / 3), place={"ring_fenced_elective_beds": 1})
    assert [(p.name, p.core_beds) for p in hospital.pools] == [
        ("medical", 1),
        ("surgical", 1),
        ("hub", 1),
    ]
    batch = _emergencies([0.0, 0.1], [2.0, 2.0], [1, 1])
    referrals = _referral(1.0, n=2)
    wl.add_batch(referrals)
    env.process(hospital.emergency_arrivals(batch))
    env.process(hospital.elective_rounds(0.5, 1.0))
    env.run(until=10.0)
    batch.finalise()
    np.testing.assert_allclose(batch.bed_start, [0.0, 2.0])
    np.testing.assert_allclose(referrals.exit_time, [0.5, 1.5])


@pytest.mark.unit
@pytest.mark.parametrize(
    "order, boarder_bed, elective_in",
    [
        (["boarder", "repatriation", "outlier", "elective"], 1.0, 2.0),  # the usual rule
        (["elective", "boarder", "repatriation", "outlier"], 2.0, 1.0),  # electives protected
    ],
)
def test_the_bed_offer_order_decides_who_gets_a_freed_bed(order, boarder_bed, elective_in):
    # One bed. A (0.0, 1 day) has it; B (0.5, 1 day) boards; an elective (1 day) is on the
    # list from 0 (round at 0.25: no bed). At 1.0 the bed frees: the usual order gives it to B
    # (the elective follows at 2.0); electives first gives it to the elective (B at 2.0).
    env, wl, hospital = _pooled(1, specialty_pools=False, bed_offer_order=order)
    batch = _emergencies([0.0, 0.5], [1.0, 1.0], None)
    referral = _referral(1.0)
    wl.add_batch(referral)
    env.process(hospital.emergency_arrivals(batch))
    env.process(hospital.elective_rounds(0.25, 0.5))
    env.run(until=10.0)
    batch.finalise()
    assert batch.bed_start[1] == boarder_bed
    assert referral.exit_time[0] == elective_in


@pytest.mark.unit
def test_sites_split_beds_escalation_and_hub_and_each_site_has_its_pools():
    cfg = load(
        {
            "place": {
                "general_acute_beds": 2_700,
                "escalation_beds": 10,
                "escalation_bed_share": None,
                "ring_fenced_elective_beds": 30,
                "pool_bed_shares": [0.6, 0.4],
                "acute_site_shares": [0.5, 0.3, 0.2],
            },
            "hospital": {"specialty_pools": True},
        }
    )
    sites = site_pools(cfg)
    assert [[name for name, *_ in site] for site in sites] == [["medical", "surgical", "hub"]] * 3
    assert [sum(c for _, c, _ in site) for site in sites] == [1_350, 810, 540]
    assert [site[0][2] for site in sites] == [5, 3, 2]  # escalation beds, medical
    assert [site[2][1] for site in sites] == [15, 9, 6]  # hub beds
    assert sites[0][:2] == [("medical", 810, 5), ("surgical", 525, 0)]
    assert sum(c for _, c, _ in pool_beds(cfg)) == 2_700
    one = load(
        {
            "place": {
                "general_acute_beds": 100,
                "escalation_beds": 2,
                "escalation_bed_share": None,
                "acute_site_shares": [0.5, 0.5],
            },
            "hospital": {"specialty_pools": False, "outlying": False},
        }
    )
    assert site_pools(one) == [[("all", 50, 1)], [("all", 50, 1)]]


@pytest.mark.integration
def test_a_patient_boards_at_their_own_site_while_another_site_has_a_free_bed():
    """Two one-bed sites (one pool each): codes 0 and 1 are the sites; electives share a list."""
    env, wl, hospital = _pooled(
        beds=2, specialty_pools=False, place={"acute_site_shares": [0.5, 0.5]}
    )
    batch = _emergencies([0.0, 0.1], [5.0, 5.0], pools=[0, 0])
    env.process(hospital.emergency_arrivals(batch))
    env.run(until=1.0)
    assert [pool.occupied for pool in hospital.pools] == [1, 0]
    assert len(hospital.pools[0].boarders) == 1  # site 1's bed is not theirs
    referrals = _referral(2.0)
    wl.add_batch(referrals)
    wl.enqueue_until(1.0)
    assert hospital.admit_electives() == 1  # the list's patient takes site 1's bed
    assert [pool.occupied for pool in hospital.pools] == [1, 1]


@pytest.mark.integration
def test_the_same_beds_at_three_sites_make_more_exit_block_than_at_one():
    """Pooling: one site of N beds absorbs what three sites of N/3 cannot share."""
    waits = []
    for sites in (None, [0.3334, 0.3333, 0.3333]):
        cfg = small_config(
            run={"horizon_years": 1, "warmup_months": 6},
            hospital={"specialty_pools": True, "outlying": True},
            place={"acute_site_shares": sites},
        )
        wide = by_month(simulate(cfg, 11).monthly)
        waits.append(wide[metrics.ED_WAITS_4H_PLUS].sum() / wide[metrics.ADMISSIONS_VIA_ED].sum())
    assert waits[1] > waits[0] + 0.02, waits


@pytest.mark.integration
@pytest.mark.parametrize("cap", [2, None])
def test_electives_booked_without_a_bed_are_cancelled_on_the_day_and_stay_first(cap):
    """One bed, held for 2.5 days; theatres for 2 a day (7 sessions a week for 100,000
    people at 2 cases a session) book 2 a day, none gets a bed until the bed falls free on
    day 2 (then one is admitted): cancellations 2, 2, then 1."""
    theatres = {"population": 100_000, "theatre_sessions_per_week_per_100k": cap and 7.0}
    env, wl, hospital = _pooled(
        beds=1, place=theatres, specialty_pools=False, ordinary_cases_per_session=2.0
    )
    batch = _referral(10.0, n=5)
    blocker = _emergencies([0.0], [2.5], pools=None)
    env.process(hospital.emergency_arrivals(blocker))
    wl.add_batch(batch)
    env.process(hospital.elective_rounds(8.0 / 24.0, 4.0))
    env.run(until=4.0)
    if cap is None:
        assert hospital.cancellations == []
    else:
        days, counts = zip(*hospital.cancellations, strict=True)
        assert days == pytest.approx([8 / 24, 1 + 8 / 24, 2 + 8 / 24])
        assert counts == (2, 2, 1)
    assert batch.exit_time[0] == pytest.approx(2.5)  # the first booked gets the freed bed

"""Verification against queueing theory: answers no simulation produced.

Margins come from the spread over replications (a t-interval at 99.9%), never from a previous
run's numbers. The fast versions use a 20-bed system; the slow ones a larger system and more
replications.
"""

from math import factorial

import numpy as np
import pytest

from leftshift.analysis.intervals import t_half_width
from leftshift.model import simulate
from leftshift.model.frames import interval_mass
from tests.helpers import queue_only_config

pytestmark = pytest.mark.integration

LEVEL = 0.999  # two-sided level of the t intervals over replications


def erlang_b(c: int, a: float) -> float:
    """Blocking probability of an M/G/c/c loss system with offered load a."""
    inv = 1.0
    for k in range(1, c + 1):
        inv = 1.0 + inv * k / a
    return 1.0 / inv


def erlang_c(c: int, a: float) -> float:
    """Probability of waiting in an M/M/c queue with offered load a < c."""
    top = a**c / factorial(c) * c / (c - a)
    return top / (sum(a**k / factorial(k) for k in range(c)) + top)


def _rate(a: float, mean_los: float, population: int) -> float:
    """Admissions per 1,000 person-years that give offered load ``a`` erlangs."""
    return a / mean_los * 365.25 / population * 1000


def _after_warmup(res):
    p = res.presentations
    return p[p["arrival_day"] >= res.reporting_start_day]


def _queue_stats(c, a, mean_los, reps, **hospital):
    cfg = queue_only_config(c, 10_000, _rate(a, mean_los, 10_000), mean_los, **hospital)
    waited, occupancy, lost = [], [], []
    for seed in range(reps):
        res = simulate(cfg, seed)
        p = _after_warmup(res)
        waited.append((p["boarding_hours"] > 0).mean())
        lost.append((p["outcome"] == "diverted").mean())
        occupancy.append(res.summary["mean_occupancy"])
    return np.array(waited), np.array(occupancy), np.array(lost)


@pytest.mark.parametrize("c, a", [(20, 16.0), (10, 6.0)])
def test_erlang_c_probability_of_waiting_and_occupancy(c, a):
    waited, occupancy, _ = _queue_stats(c, a, 5.0, reps=6)
    assert abs(waited.mean() - erlang_c(c, a)) < t_half_width(waited, LEVEL) + 0.005
    assert abs(occupancy.mean() - a / c) < t_half_width(occupancy, LEVEL) + 0.002


@pytest.mark.parametrize("c, a", [(20, 16.0), (20, 22.0)])
def test_erlang_b_loss_when_no_one_may_board(c, a):
    _, occupancy, lost = _queue_stats(c, a, 5.0, reps=6, max_ed_boarders=0)
    b = erlang_b(c, a)
    assert abs(lost.mean() - b) < t_half_width(lost, LEVEL) + 0.005
    assert abs(occupancy.mean() - a * (1 - b) / c) < t_half_width(occupancy, LEVEL) + 0.003


def test_erlang_b_is_insensitive_to_the_stay_distribution():
    c, a, mean_los = 20, 18.0, 5.0
    lognormal = {"distribution": "lognormal", "mean_days": mean_los, "cv": 1.5}
    cfg = queue_only_config(
        c,
        10_000,
        _rate(a, mean_los, 10_000),
        mean_los,
        max_ed_boarders=0,
        routine_emergency_los=lognormal,
        complex_emergency_los=lognormal,
    )
    lost = np.array(
        [(_after_warmup(simulate(cfg, s))["outcome"] == "diverted").mean() for s in range(6)]
    )
    assert abs(lost.mean() - erlang_b(c, a)) < t_half_width(lost, LEVEL) + 0.005


@pytest.mark.slow
def test_erlang_c_large_system():
    c, a = 100, 92.0
    waited, occupancy, _ = _queue_stats(c, a, 5.0, reps=10)
    assert abs(waited.mean() - erlang_c(c, a)) < t_half_width(waited, LEVEL) + 0.005
    assert abs(occupancy.mean() - a / c) < t_half_width(occupancy, LEVEL) + 0.002


def littles_law_gap(res) -> float:
    """Relative gap between the live time-average census and the records' lambda x W.

    Over the whole run: the hospital integrates its live bed count (L x T); the records give
    each stay's time inside [0, T]. Little's law says these agree exactly for every admission
    clipped to the window, and approximately (edge effects) for lambda x W with full stays.
    """
    ep = res.episodes
    end = res.live_counts["end_day"]
    clipped = (np.minimum(ep["discharge_day"], end) - np.maximum(ep["admission_day"], 0)).sum()
    return abs(res.live_counts["occupied_bed_days"] - clipped) / clipped


def test_littles_law_and_live_counts_agree_on_default_place():
    res = simulate(__import__("leftshift").config.load({"run": {"horizon_years": 2}}), 3)
    assert littles_law_gap(res) < 1e-9
    ep = res.episodes
    window = ep[ep["admission_day"] >= res.reporting_start_day]
    days = res.live_counts["end_day"] - res.reporting_start_day
    lam = len(window) / days
    w = window["los_days"].mean()
    census = interval_mass(
        ep["admission_day"],
        np.minimum(ep["discharge_day"], 1e18),
        np.array([res.reporting_start_day, res.live_counts["end_day"]]),
    )[0]
    assert census / days == pytest.approx(lam * w, rel=0.03)
    board = res.presentations
    assert res.live_counts["boarder_days"] * 24 == pytest.approx(
        board["boarding_hours"].sum(), rel=1e-9
    )


def priority_config(c, a_emergency, a_elective, mean_los):
    """Two classes through one bed pool: emergencies first (boarders take freed beds), then
    electives admitted at their referral time when a bed is free; same exponential stays."""
    from leftshift.config import load, to_container

    pop = 10_000
    base = to_container(queue_only_config(c, pop, _rate(a_emergency, mean_los, pop), mean_los))
    stay = {"distribution": "exponential", "mean_days": mean_los, "cv": 1.0}
    base["demand"].update(
        {
            "elective_referrals_per_1000_by_age": [_rate(a_elective, mean_los, pop)] * 6,
            "deprivation_elective_ratio_q1_to_q5": 1.0,
            "urgent_share": 0.0,
            "list_removal_per_month": 0.0,
        }
    )
    base["hospital"].update(
        {
            "routine_elective_los": stay,
            "complex_elective_los": stay,
            "elective_threshold": 1.0,
            "elective_round_hour": None,
        }
    )
    return load(base)


def cobham_waits(c, a_high, a_low, mean_los):
    """Mean queueing times of a non-preemptive priority M/M/c queue with equal service rates
    (Cobham 1954): W_k = W0 / ((1 - sigma_{k-1}) (1 - sigma_k)), W0 = C(c, a) / (c mu)."""
    mu = 1.0 / mean_los
    w0 = erlang_c(c, a_high + a_low) / (c * mu)
    s1 = a_high / c
    s2 = (a_high + a_low) / c
    return w0 / (1 - s1), w0 / ((1 - s1) * (1 - s2))


def test_non_preemptive_priority_waits_two_classes():
    c, a_e, a_l, mean_los = 10, 5.0, 3.5, 5.0
    cfg = priority_config(c, a_e, a_l, mean_los)
    emergency, elective = [], []
    for seed in range(6):
        res = simulate(cfg, seed)
        p = _after_warmup(res)
        emergency.append(p["boarding_hours"].mean() / 24.0)
        r = res.referrals
        done = r[(r["referral_day"] >= res.reporting_start_day) & (r["exit_reason"] == "treated")]
        elective.append((done["exit_day"] - done["referral_day"]).mean())
    emergency, elective = np.array(emergency), np.array(elective)
    w_e, w_l = cobham_waits(c, a_e, a_l, mean_los)
    assert abs(emergency.mean() - w_e) < t_half_width(emergency, LEVEL) + 0.02
    assert abs(elective.mean() - w_l) < t_half_width(elective, LEVEL) + 0.1
    assert w_l > 3 * w_e  # the classes really differ, so the check has power

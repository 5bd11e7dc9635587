"""Property tests: random valid configs (small places, short horizons) run with every
invariant checked inside the run (people, patients, beds), plus checks on the outputs."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leftshift.config import load
from leftshift.model import simulate
from leftshift.model.hospital import pool_beds
from tests.helpers import pooled_sections

pytestmark = pytest.mark.integration

shares = st.floats(0.0, 1.0)
vw_beds = [0.0, 0.0, 20.0, 200.0]  # none half the time; 200 per 100k leaves beds empty
stay = st.fixed_dictionaries(
    {
        "distribution": st.sampled_from(["lognormal", "gamma", "exponential", "fixed"]),
        "mean_days": st.floats(0.2, 15.0),
        "cv": st.floats(0.2, 2.0),
    }
)


#: a drawn value meaning "leave the key out": the schema's default (the constrained hospital)
DEFAULT = "default"


def _or_default(strategy):
    return st.one_of(st.just(DEFAULT), strategy)


def _weights(n, low=0.1, high=10.0):
    return st.lists(st.floats(low, high), min_size=n, max_size=n)


#: the constrained hospital's keys, each at its default or drawn (with specialty_pools drawn)
MIXED = {
    "bed_turnaround_hours": st.floats(0.0, 24.0),
    "decision_hour_weights": st.one_of(st.none(), _weights(24)),
    "decision_weekday_weights": st.one_of(st.none(), _weights(7, high=2.0)),
    "weekend_discharges_moved": st.floats(0.0, 0.95),
    "escalation_open_boarder_share": st.one_of(st.none(), st.floats(0.01, 1.0)),
    "outlier_max_share": shares,
    "outlier_stay_multiplier": st.floats(1.0, 3.0),
    "emergency_surgical_share": shares,
}


@st.composite
def discharge_window(draw):
    start = draw(st.floats(0.0, 20.0))
    return [start, min(24.0, start + draw(st.floats(1.0, 12.0)))]


@st.composite
def hospital_rules(draw):
    """The constrained hospital (the defaults), the one-counter one (hospital=pooled, with any
    discharge window or none) or a mix: pools, outlying and each key of :data:`MIXED`."""
    kind = draw(st.sampled_from(["constrained", "pooled", "mixed"]))
    if kind == "constrained":
        return {}
    if kind == "pooled":
        window = draw(st.one_of(st.none(), discharge_window()))
        return {**pooled_sections()["hospital"], "discharge_window_hours": window}
    pools = draw(st.booleans())
    rules = {"specialty_pools": pools, "outlying": pools and draw(st.booleans())}
    for key, strategy in MIXED.items():
        value = draw(_or_default(strategy))
        if value != DEFAULT:
            rules[key] = value
    timing = draw(st.sampled_from(["profile", "drawn profile", "window", "any hour"]))
    if timing == "drawn profile":
        rules["discharge_hour_weights"] = draw(_weights(24))
    elif timing != "profile":
        rules["discharge_hour_weights"] = None
        rules["discharge_window_hours"] = draw(discharge_window()) if timing == "window" else None
    return rules


@st.composite
def configs(draw):
    population = draw(st.integers(1_000, 20_000))
    rules = draw(hospital_rules())
    pools = rules.get("specialty_pools", True)  # two pools need a bed each
    beds = draw(st.integers(2 if pools else 1, max(2, population // 300)))
    escalation_share = draw(_or_default(st.one_of(st.none(), st.floats(0.0, 0.2))))
    round_hour = draw(st.one_of(st.none(), st.floats(0.0, 23.9)))
    # theatre lists are booked at the daily round: sessions only with one
    no_theatres = st.none()
    theatres = no_theatres if round_hour is None else st.one_of(no_theatres, st.floats(0.0, 60.0))
    return {
        "place": {
            "population": population,
            "general_acute_beds": beds,
            "escalation_beds": draw(st.integers(0, 5)),  # used when the share is None
            "theatre_sessions_per_week_per_100k": draw(theatres),
            **({} if escalation_share == DEFAULT else {"escalation_bed_share": escalation_share}),
        },
        "population": {
            "static": draw(st.booleans()),
            "transitions": draw(st.sampled_from(["stationary", "published", "projected"])),
        },
        "demand": {
            "emergency_admissions_per_1000_by_age": [
                draw(st.floats(0.0, 3.0)) * r for r in (45, 50, 85, 155, 280, 500)
            ],
            "elective_referrals_per_1000_by_age": [
                draw(st.floats(0.0, 3.0)) * r for r in (13, 28, 60, 91, 95, 56)
            ],
            "winter_peak_amplitude": draw(st.floats(0.0, 0.5)),
            "routine_marginal_share": draw(shares),
            "urgent_share": draw(shares),
            "list_removal_per_month": draw(st.floats(0.0, 0.3)),
            "referral_wait_elasticity": draw(st.floats(0.0, 1.0)),
            "initial_waiting_list_per_1000": draw(st.floats(0.0, 60.0)),
        },
        "hospital": {
            "elective_threshold": draw(st.floats(0.3, 1.0)),
            "elective_round_hour": round_hour,
            "max_ed_boarders": draw(st.one_of(st.none(), st.integers(0, 30))),
            "ordinary_cases_per_session": draw(st.floats(0.5, 5.0)),
            "escalation_open_boarders": draw(st.integers(1, 10)),
            "initial_census": draw(st.booleans()),
            **rules,
            "routine_emergency_los": draw(stay),
            "complex_emergency_los": draw(stay),
            "routine_elective_los": draw(stay),
            "marginal_admission_probability": draw(shares),
            "admission_threshold_sensitivity": draw(st.floats(0.0, 10.0)),
            "discharge_pressure_slope": draw(st.floats(0.0, 3.0)),
            "saturation_slope": draw(st.floats(0.0, 3.0)),
        },
        "social_care": {"delayed_discharges": draw(st.booleans())},
        "interventions": {
            "emergency_demand_multiplier": {
                "start_year": draw(st.floats(-0.5, 0.5)),
                "ramp_months": draw(st.floats(0.0, 12.0)),
                "value": draw(st.floats(0.0, 2.0)),
            },
            "virtual_wards": {
                "beds_per_100k": {"years": [0.0], "values": [draw(st.sampled_from(vw_beds))]},
                "referral_multiplier": {"value": draw(st.floats(0.5, 3.0))},
            },
            "neighbourhood_teams": {
                "community_nurses_wte_per_100k": {
                    "years": [0.0],
                    "values": [draw(st.sampled_from([0.0, 20.0, 200.0]))],
                },
                "maturity": {"years": [0.0], "values": [1.0]},
            },
        },
        "run": {"horizon_years": 1, "warmup_months": draw(st.integers(0, 3))},
    }


def check_run(overrides, seed):
    cfg = load(overrides)
    res = simulate(cfg, seed)  # InvariantError inside the run fails the test
    wide = res.monthly.pivot(index="month", columns="metric", values="value")
    assert (wide["occupied_beds"] <= wide["open_beds"] + 1e-9).all()
    assert (wide["open_beds"] >= cfg.place.general_acute_beds - 1e-9).all()
    escalation_beds = sum(escalation for _, _, escalation in pool_beds(cfg))
    assert (wide["open_beds"] <= cfg.place.general_acute_beds + escalation_beds + 1e-9).all()
    for metric in ("bed_days", "waiting_list_size", "ed_boarding_hours", "admissions_elective"):
        assert (wide[metric] >= -1e-6).all(), metric
    ep = res.episodes
    assert (ep["los_days"] >= 0).all()  # a very short stay can round to 0 days
    assert (ep["admission_day"] >= ep["arrival_day"] - 1e-9).all()
    r = res.referrals
    assert (r["exit_day"] >= r["referral_day"].clip(lower=0) - 1e-9).all()
    # the live bed count integrated over time equals the records' bed-time (Little's law)
    end = res.live_counts["end_day"]
    clipped = (np.minimum(ep["discharge_day"], end) - np.maximum(ep["admission_day"], 0)).sum()
    assert res.live_counts["occupied_bed_days"] == pytest.approx(clipped, rel=1e-9, abs=1e-6)


FAST = settings(
    max_examples=30,  # 50 took ~21 s of make test (2026-12-03); the slow tier runs 1,000
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@FAST
@given(configs(), st.integers(0, 2**32))
def test_random_valid_configs_keep_every_invariant(overrides, seed):
    check_run(overrides, seed)


@pytest.mark.slow
@settings(
    max_examples=1000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(configs(), st.integers(0, 2**32))
def test_random_valid_configs_keep_every_invariant_long(overrides, seed):
    check_run(overrides, seed)

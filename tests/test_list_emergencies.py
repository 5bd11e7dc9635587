"""Emergencies of people on the elective list while they wait (the list's emergency hazard).

With `demand.waiting_list_emergency_per_year`, each referral carries a time at which it
would present as an emergency related to what it waits for; it presents, on that day, only
if it is still waiting at the day's start (not admitted, not due to leave the list
untreated first). Short runs on the small place check the count exactly against the
referrals' own records and against the person-time on the list, that the presentations
take the ED path and their people stay on the list, that a longer list brings more of them
(the feedback of a list on emergency demand), and that the calibrated emergency demand
still holds.
"""

import math

import numpy as np
import pytest

from leftshift.config import ConfigError, load
from leftshift.model import metrics, simulate
from leftshift.model.place import MonthlyDynamics, build_place, run_place
from leftshift.model.records import ADMITTED, BOARDING, DECLINED, DIVERTED, ROUTES, TREATED
from tests.helpers import OFF, small_config

pytestmark = pytest.mark.integration

LIST_ROUTE = ROUTES.index("waiting_list")


def _rate(per_year: float) -> dict:
    return {"mean": per_year, "low": per_year, "high": per_year, "distribution": "fixed"}


def _config(per_year: float, **demand):
    return small_config(
        run={"horizon_years": 1, "warmup_months": 12},
        demand={"waiting_list_emergency_per_year": _rate(per_year), **demand},
    )


def _run(per_year: float, **demand):
    place = build_place(_config(per_year, **demand), 0)
    run_place(place, MonthlyDynamics(place))
    return place


def _from_list(place):
    return [b for b in place.emergency_batches if b.route == LIST_ROUTE]


def _expected(place) -> tuple[int, int, float]:
    """From the referrals' records: who must present (at least, at most) and person-years.

    Person-years are those at risk: on the list, in the run, before the referral's one
    list emergency (a referral presents from the list once at most).

    A referral due to present before it leaves the list untreated and before the end presents
    unless it was admitted before that day's start; admitted exactly at the day's start is
    either way (the order of two events at one time), so it counts in the upper bound only.
    """
    end = place.calendar.end_day
    low = high = 0
    person_days = 0.0
    for b in place.waiting_list.batches:
        t = b.emergency_time
        due = (t < b.removal_time) & (t < end)
        day = np.floor(t)
        treated = b.exit_reason == TREATED
        low += int((due & ~(treated & (b.exit_time <= day))).sum())
        high += int((due & ~(treated & (b.exit_time < day))).sum())
        start = np.maximum(b.time, 0.0)
        # at risk until the first list emergency too: one a referral at most
        stop = np.minimum.reduce([b.exit_time, b.removal_time, t, np.full(len(t), end)])
        person_days += float(np.clip(stop - start, 0.0, None).sum())
    return low, high, person_days / 365.25


def test_people_present_from_the_list_while_they_wait_at_the_rate():
    place = _run(0.5)
    presented = sum(len(b.time) for b in _from_list(place))
    low, high, person_years = _expected(place)
    assert low <= presented <= high  # exactly those still waiting on their day
    # and at the rate: 0.5 a person-year on the list, within Poisson noise (4 sd)
    assert person_years > 2_000
    assert abs(presented - 0.5 * person_years) < 4 * math.sqrt(0.5 * person_years)
    # they take the ED path like any presentation: most admitted; marginal ones may be sent
    # home, and the small place's full ED diverts some
    outcomes = np.concatenate([b.outcome for b in _from_list(place)])
    assert set(outcomes.tolist()) <= {ADMITTED, DECLINED, DIVERTED, BOARDING}
    assert (outcomes == ADMITTED).mean() > 0.8
    # presenting does not take anyone off the list: some are treated from it afterwards
    later = sum(
        int(((b.emergency_time < b.removal_time) & (b.exit_reason == TREATED)
             & (b.exit_time > b.emergency_time + 1.0)).sum())
        for b in place.waiting_list.batches
    )  # fmt: skip
    assert later > 10


def test_a_longer_list_brings_more_emergencies():
    short = sum(len(b.time) for b in _from_list(_run(0.5)))
    long = sum(len(b.time) for b in _from_list(_run(0.5, initial_waiting_list_per_1000=60.0)))
    assert long > 1.5 * short


def test_off_presents_nobody_and_the_metrics_count_them():
    without = simulate(_config(0.0, waiting_list_emergency_per_year=OFF), 0)
    assert without.metric(metrics.WAITING_LIST_EMERGENCY_PRESENTATIONS).sum() == 0
    with_list = simulate(_config(0.2), 0)
    came = with_list.metric(metrics.WAITING_LIST_EMERGENCY_PRESENTATIONS).sum()
    admitted = with_list.metric(metrics.WAITING_LIST_EMERGENCY_ADMISSIONS).sum()
    assert came > 200 and 0.8 * came < admitted <= came
    # calibrated demand is a total: the warm-up's correction gives first admissions up for
    # them, so emergency admissions stay within 2% of the run without them (4 times the
    # default rate; the small place's list grows after the warm-up, and its emergencies with
    # it, which is the feedback, not an error)
    a = with_list.metric(metrics.ADMISSIONS_EMERGENCY).sum()
    b = without.metric(metrics.ADMISSIONS_EMERGENCY).sum()
    assert a == pytest.approx(b, rel=0.02)


@pytest.mark.unit
@pytest.mark.parametrize(
    "value, words",
    [
        ({"mean": -0.1, "low": -0.1, "high": -0.1, "distribution": "fixed"}, "-0.1"),
        ({"mean": 0.05, "low": 0.0, "high": 11.0, "distribution": "triangular"}, "11"),
        ({"mean": 0.0, "low": 0.0, "high": 0.15, "distribution": "triangular"}, "mode"),
    ],
)
def test_bad_list_emergency_rates_fail_naming_the_key(value, words):
    with pytest.raises(ConfigError) as err:
        load({"demand": {"waiting_list_emergency_per_year": value}})
    assert "demand.waiting_list_emergency_per_year" in str(err.value)
    assert words in str(err.value)


def test_a_rate_so_low_that_nobody_is_due_in_the_run_presents_nobody():
    """Every time is finite but after the end: each batch's watcher ends with nothing to do."""
    place = _run(1e-6)
    assert any(np.isfinite(b.emergency_time).any() for b in place.waiting_list.batches)
    assert not _from_list(place)

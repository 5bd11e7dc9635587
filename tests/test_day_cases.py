"""Elective day cases: counted apart, no overnight bed, priced in the acute ledger.

Day cases are a monthly count drawn from the population (``demand.day_cases_per_1000_by_age``),
never a patient in a bed, so they cannot move bed-days, the list or the emergency side; and
they are the larger part of the denominator of NHS England's cancelled-operations statistics.
"""

import numpy as np
import pytest

from leftshift.config import ConfigError, load
from leftshift.model import metrics
from leftshift.model.clock import DAYS_PER_YEAR
from leftshift.model.frames import by_month
from leftshift.model.ledger import DAY_CASES
from leftshift.model.place import simulate
from tests.helpers import small_config

pytestmark = pytest.mark.integration

NO_DAY_CASES = {"day_cases_per_1000_by_age": [0.0] * 6}
#: theatres for 14 ordinary electives a weekday at the small place (100,000 people: 38.16
#: sessions a week at 2 cases, 76.32 cases over 5 + 2 x 0.226 weekday-equivalents), which
#: its surgical beds cannot always honour, so some are cancelled
CAPPED = {"elective_weekday_weights": [1, 1, 1, 1, 1, 0.226, 0.226]}
THEATRES = {"theatre_sessions_per_week_per_100k": 38.164}


#: follow-up after discharge off: its deaths after discharge follow emergency admissions, so
#: with it on an emergency demand cut moves the population by more than a few deaths, and
#: day cases (a rate per person) with it; the day-case accounting here does not involve it
NO_FOLLOW_UP = {"follow_up": {"enabled": False}}


@pytest.fixture(scope="module")
def capped():
    """One small run with a theatre cap (so electives are cancelled on the day)."""
    return simulate(small_config(hospital=CAPPED, place=THEATRES, outcomes=NO_FOLLOW_UP), 0)


@pytest.fixture(scope="module")
def capped_without_day_cases():
    """The same run with no day cases at all."""
    return simulate(
        small_config(hospital=CAPPED, place=THEATRES, demand=NO_DAY_CASES, outcomes=NO_FOLLOW_UP), 0
    )


def test_day_cases_are_counted_at_the_configured_rate(capped):
    cfg = capped.config
    wide = by_month(capped.monthly)
    counted = wide[metrics.DAY_CASES].to_numpy()
    assert (counted > 0).all() and np.allclose(counted, np.round(counted))
    # expected: population x the age band's rate (the IMD gradient has mean 1 by construction)
    rates = np.asarray(cfg.demand.day_cases_per_1000_by_age) / 1000.0
    frailty = capped.prevalence[capped.prevalence["dimension"] == "frailty"]
    by_age = frailty.groupby("age_band", observed=True)["people"].sum()
    weights = by_age.to_numpy() / by_age.sum()
    per_person_year = float(weights @ rates)
    years = len(counted) / 12
    expected = per_person_year * wide[metrics.POPULATION].mean() * years
    # a Poisson total: within 4 standard deviations plus the IMD mix's small departure
    assert abs(counted.sum() - expected) < 4 * np.sqrt(expected) + 0.02 * expected
    per_1000 = capped.summary["day_cases_per_1000_per_year"]
    assert per_1000 == pytest.approx(counted.sum() / years / wide[metrics.POPULATION].mean() * 1e3)
    # they are not ordinary elective episodes
    elective = (capped.episodes["admission_type"] == "elective").sum()
    assert counted.sum() > 2 * elective


def test_day_cases_use_no_bed_and_change_nothing_else(capped, capped_without_day_cases):
    with_dc, without = by_month(capped.monthly), by_month(capped_without_day_cases.monthly)
    assert without[metrics.DAY_CASES].sum() == 0
    for name in (
        metrics.BED_DAYS,
        metrics.BED_DAYS_ELECTIVE,
        metrics.ADMISSIONS_ELECTIVE,
        metrics.ADMISSIONS_EMERGENCY,
        metrics.ELECTIVES_CANCELLED,
        metrics.WAITING_LIST_SIZE,
        metrics.ED_BOARDING_HOURS,
    ):
        np.testing.assert_array_equal(with_dc[name].to_numpy(), without[name].to_numpy(), name)
    assert len(capped.episodes) == len(capped_without_day_cases.episodes)


def test_day_cases_are_costed_and_paid_in_the_acute_ledger(capped):
    f = capped.config.finance
    ledger = capped.ledger
    day_cases = by_month(capped.monthly)[metrics.DAY_CASES].sum()
    rows = ledger[ledger["cause"] == DAY_CASES]
    spend = rows[(rows["organisation"] == "acute_trust") & (rows["direction"] == "spend")]
    assert set(spend["category"].astype(str)) == {"variable_clinical"}
    assert spend["amount_gbp"].sum() == pytest.approx(day_cases * f.day_case_cost_gbp)
    income = rows[(rows["organisation"] == "acute_trust") & (rows["direction"] == "income")]
    assert set(income["counterparty"]) == {"icb"}
    assert income["amount_gbp"].sum() == pytest.approx(day_cases * f.tariff.day_case_gbp)
    icb = rows[(rows["organisation"] == "icb") & (rows["direction"] == "spend")]
    assert icb["amount_gbp"].sum() == pytest.approx(income["amount_gbp"].sum())
    # the default cost is the 2016/17 reference cost inflated to 2024/25, not a round guess
    assert 738.0 < f.day_case_cost_gbp < 1.5 * 738.0


def test_cancellations_are_shares_of_ordinary_and_of_all_elective_activity(capped):
    wide, summary = by_month(capped.monthly), capped.summary
    cancelled = wide[metrics.ELECTIVES_CANCELLED].sum()
    ordinary = wide[metrics.ADMISSIONS_ELECTIVE].sum()
    day_cases = wide[metrics.DAY_CASES].sum()
    assert cancelled > 0, "the cap should cancel some electives on the small place"
    assert summary["cancelled_on_the_day_share_of_ordinary_electives"] == pytest.approx(
        cancelled / ordinary
    )
    all_activity = summary["cancelled_on_the_day_share_of_elective_activity"]
    assert all_activity == pytest.approx(cancelled / (ordinary + day_cases))
    assert summary["day_case_share_of_elective_activity"] == pytest.approx(
        day_cases / (ordinary + day_cases)
    )
    # day cases are most elective activity, so the all-activity share is several times smaller
    assert all_activity < 0.5 * summary["cancelled_on_the_day_share_of_ordinary_electives"]


def test_an_emergency_demand_cut_leaves_day_cases_alone(capped):
    cut = {"emergency_demand_multiplier": {"start_year": 0.0, "ramp_months": 0, "value": 0.9}}
    scenario = simulate(
        small_config(hospital=CAPPED, place=THEATRES, interventions=cut, outcomes=NO_FOLLOW_UP), 0
    )
    base = by_month(capped.monthly)[metrics.DAY_CASES].to_numpy()
    other = by_month(scenario.monthly)[metrics.DAY_CASES].to_numpy()
    # same month's uniform, a population a few deaths apart: the same count or a neighbour
    assert np.abs(base - other).max() <= 1
    assert abs(base.sum() - other.sum()) <= 0.001 * base.sum() + 2


@pytest.mark.unit
@pytest.mark.parametrize(
    ("key", "section", "value"),
    [
        ("demand.day_cases_per_1000_by_age", "demand", [10.0, -1.0, 10.0, 10.0, 10.0, 10.0]),
        ("demand.day_cases_per_1000_by_age", "demand", [10.0, 10.0]),
        ("finance.day_case_cost_gbp", "finance", -5.0),
        ("finance.tariff.day_case_gbp", "finance", {"tariff": {"day_case_gbp": -5.0}}),
    ],
)
def test_bad_day_case_input_is_named_before_running(key, section, value):
    leaf = key.split(".")[-1]
    body = value if isinstance(value, dict) else {leaf: value}
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        load({section: body})


@pytest.mark.unit
def test_day_case_rate_per_person_year_is_per_1000():
    """The count a month uses the rate per 1,000 person-years and the month's length."""
    from leftshift.model.place import build_place

    place = build_place(small_config(), 0)
    demand = place.demand
    expected_year = float((demand.day_case_rate * demand.population.counts).sum())
    rates = np.asarray(place.cfg.demand.day_cases_per_1000_by_age)
    assert rates.min() / 1000 <= expected_year / demand.population.total <= rates.max() / 1000
    draws = [demand.day_case_count(m, 30.0) for m in range(200)]
    assert np.mean(draws) == pytest.approx(expected_year * 30.0 / DAYS_PER_YEAR, rel=0.02)

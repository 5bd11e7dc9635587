"""The ED saturation rule (issue 18): when a site's ED holds hospital.divert_boarder_share of its
beds in boarders, a further patient without a bed is diverted to another provider, treated and
paid for there, and counted. Hand-computed trigger, the ledger entry, the run's metric and
summary, and bad input."""

import numpy as np
import pandas as pd
import pytest

from leftshift.config import ConfigError, load
from leftshift.model import metrics, simulate
from leftshift.model.clock import Calendar
from leftshift.model.frames import by_month
from leftshift.model.ledger import CARE_ELSEWHERE, build_ledger, check_ledger, net_cost
from leftshift.model.records import BOARDING, DIVERTED
from tests.helpers import small_config
from tests.test_finance import HAND as HAND_MONEY
from tests.test_finance import _hand_episodes, _hand_monthly
from tests.test_hospital_pools import _emergencies, _pooled


def _one_pool(beds=10, **hospital):
    return _pooled(beds=beds, specialty_pools=False, outlying=False, **hospital)


@pytest.mark.unit
@pytest.mark.parametrize("share", [None, 0.2])
def test_a_full_ed_diverts_the_patients_beyond_its_share_of_the_beds(share):
    # 10 beds, all filled at day 0 for 10 days; 4 more patients at day 1. With share 0.2 the
    # ED holds 0.2 x 10 = 2 boarders: the first two board, the next two are diverted.
    # Without the rule all four board.
    env, _, hospital = _one_pool(divert_boarder_share=share)
    batch = _emergencies([0.0] * 10 + [1.0] * 4, [10.0] * 14, pools=None)
    env.process(hospital.emergency_arrivals(batch))
    env.run(until=2.0)
    late = batch.outcome[10:].tolist()
    if share is None:
        assert late == [BOARDING] * 4
        assert hospital.diverted == 0
    else:
        assert late == [BOARDING, BOARDING, DIVERTED, DIVERTED]
        assert hospital.diverted == 2
    assert hospital.occupied == 10  # a diverted patient uses no bed here


@pytest.mark.unit
def test_the_limit_is_per_site_and_follows_the_beds():
    # two sites of 10 beds (one pool each), share 0.1: each site's ED holds 1 boarder.
    env, _, hospital = _pooled(
        beds=20,
        specialty_pools=False,
        outlying=False,
        divert_boarder_share=0.1,
        place={"acute_site_shares": [0.5, 0.5]},
    )
    # site 0 (code 0): 10 fill it, then 2 more: one boards, one is diverted; site 1 (code 1):
    # 10 fill it, then 1 boards; site 0's full ED does not divert site 1's patient
    pools = [0] * 12 + [1] * 11
    times = [0.0] * 10 + [1.0, 1.1] + [0.0] * 10 + [1.2]
    order = np.argsort(times, kind="stable")
    batch = _emergencies(np.array(times)[order], [10.0] * 23, np.array(pools)[order])
    env.process(hospital.emergency_arrivals(batch))
    env.run(until=2.0)
    assert hospital.diverted == 1
    assert [len(p.boarders) for p in hospital.pools] == [1, 1]
    # a capacity plan adds 20 beds (10 a site): each holds 2 boarders now
    hospital.add_beds(20)
    assert not hospital._site_saturated(0)


@pytest.mark.unit
def test_diverted_patients_are_paid_for_elsewhere_in_their_own_ledger_category():
    raw = {**HAND_MONEY, "hospital": {"divert_boarder_share": 0.2}}
    cfg = load(raw)
    calendar = Calendar("2025-04-01", 2, 0)
    presentations = pd.DataFrame(
        {  # a routine one in April, a complex one in May, and one admitted (not priced)
            "arrival_day": [3.0, 40.0, 41.0],
            "case_mix": ["routine", "complex", "complex"],
            "outcome": ["diverted", "diverted", "admitted"],
        }
    )
    ledger = build_ledger(
        cfg, calendar, _hand_monthly(calendar), _hand_episodes(), [], presentations
    )
    check_ledger(ledger)
    elsewhere = ledger[ledger["category"] == CARE_ELSEWHERE]
    assert set(elsewhere["organisation"]) == {"icb"}
    assert set(elsewhere["direction"]) == {"spend"}
    assert elsewhere.groupby("month")["amount_gbp"].sum().to_dict() == {0: 500.0, 1: 1000.0}
    # it is the system's cost: without the diversions the net cost is 1,500 lower
    without = build_ledger(
        cfg, calendar, _hand_monthly(calendar), _hand_episodes(), [], presentations.iloc[2:]
    )
    assert net_cost(ledger).sum() - net_cost(without).sum() == pytest.approx(1_500.0)
    # a run without a diversion rule keeps the ledger it had: no such category at all
    off = build_ledger(load(HAND_MONEY), calendar, _hand_monthly(calendar), _hand_episodes(), [])
    assert CARE_ELSEWHERE not in off["category"].cat.categories


@pytest.mark.integration
def test_a_run_counts_prices_and_reports_its_diversions():
    cfg = small_config(
        place={"general_acute_beds": 120},
        run={"horizon_years": 1, "warmup_months": 3},
        hospital={"divert_boarder_share": 0.05},
    )
    res = simulate(cfg, 0)
    wide = by_month(res.monthly)
    start = res.reporting_start_day
    p = res.presentations
    diverted = p[(p["outcome"] == "diverted") & (p["arrival_day"] >= start)]
    assert len(diverted) > 0
    assert wide[metrics.EMERGENCY_DIVERTED].sum() == len(diverted)
    assert res.summary["emergency_diverted_per_year"] == pytest.approx(len(diverted))
    t = cfg.finance.tariff
    price = np.where(
        diverted["case_mix"] == "complex", t.emergency_complex_gbp, t.emergency_routine_gbp
    ).sum()
    paid = res.ledger.loc[res.ledger["category"] == CARE_ELSEWHERE, "amount_gbp"].sum()
    assert paid == pytest.approx(price)
    assert res.summary["emergency_care_elsewhere_gbp_per_year"] == pytest.approx(price)
    # the ED never holds more than its limit: 0.05 x 120 = 6 boarders, i.e. 144 hours an hour
    assert wide[metrics.ED_BOARDERS_MEAN].max() <= 6.0 + 1e-9


@pytest.mark.unit
@pytest.mark.parametrize("value", [0.0, -0.1, 10.5, "many"])
def test_a_bad_diversion_share_is_named_before_anything_runs(value):
    with pytest.raises(ConfigError, match=r"hospital\.divert_boarder_share"):
        load({"hospital": {"divert_boarder_share": value}})


@pytest.mark.unit
def test_an_unbounded_ed_queue_is_never_silent():
    from leftshift.report.console import unbounded_ed_lines

    beds = 540.0
    hours_a_year = 365.25 * 24.0
    over = {"ed_boarding_hours_per_year": 600 * hours_a_year, "general_acute_beds": beds}
    text = " ".join(unbounded_ed_lines({"baseline": over}))
    assert "600 patients waiting for a bed" in text and "hospital.divert_boarder_share" in text
    under = {**over, "ed_boarding_hours_per_year": 500 * hours_a_year}
    assert unbounded_ed_lines({"baseline": under}) == []
    # with the rule on the console prints the diversions instead
    diverting = {**over, "emergency_care_elsewhere_gbp_per_year": 1.0}
    assert unbounded_ed_lines({"baseline": diverting}) == []

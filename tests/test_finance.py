"""Money: the ledger on a hand-checked case, its balance check (B8), decommissioning mechanics,
and behaviours B3 (double running) and B6 (savings need decommissioning)."""

import numpy as np
import pandas as pd
import pytest

import leftshift
from leftshift.analysis.experiment import run_experiment
from leftshift.analysis.intervals import t_interval
from leftshift.analysis.money import money_comparison, net_cost_by_year
from leftshift.config import load
from leftshift.model.clock import Calendar
from leftshift.model.frames import interval_mass
from leftshift.model.invariants import InvariantError
from leftshift.model.ledger import build_ledger, check_ledger, net_cost, spell_prices
from tests.helpers import (
    TEST_JOBS,
    compose_config,
    pooled_sections,
    run_against_one_baseline,
    small_config,
)

# --------------------------------------------------------------------------------------------
# a tiny ledger computed by hand
# --------------------------------------------------------------------------------------------
HAND = {
    "finance": {
        "bed_day_cost_gbp": 100.0,
        "fixed_share_of_bed_day_cost": 0.6,
        "elective_bed_day_extra_cost_gbp": 50.0,
        "payment_rule": "aligned",
        "emergency_fixed_payment_gbp_per_head": 365.25,
        "recruitment_cost_per_hire_gbp": 1000.0,
        "tariff": {
            "emergency_routine_gbp": 500.0,
            "emergency_complex_gbp": 1000.0,
            "elective_routine_gbp": 700.0,
            "elective_complex_gbp": 1400.0,
            "trim_point_days": 10.0,
            "excess_bed_day_gbp": 20.0,
        },
        "transition_funding": {
            "gbp_per_head_by_year": [365.25],
            "start_year": 0.0,
            "local_match_share": 0.5,
        },
    },
    "community": {"care_coordinators": {"cost_per_wte_gbp": 36_525.0}},
    "social_care": {"home_support": {"cost_per_day_gbp": 50.0}},
    # the hand cases price no diversions (tests/test_ed_diversion.py prices them)
    "hospital": {"divert_boarder_share": None},
    "run": {"start_date": "2025-04-01", "warmup_months": 0, "horizon_years": 1},
}


def _hand_monthly(calendar):
    """Two reporting months of the metrics the ledger reads (April: 30 days, May: 31)."""
    values = {
        "core_bed_days": [300.0, 310.0],
        "escalation_bed_days": [0.0, 5.0],
        "bed_days": [200.0, 250.0],
        "bed_days_elective": [40.0, 0.0],
        "population": [10.0, 10.0],
        "wte_funded_care_coordinators": [2.0, 2.0],
        "wte_hired_care_coordinators": [1.0, 0.0],
        "wte_funded_community_nurses": [0.0, 0.0],
        "wte_hired_community_nurses": [0.0, 0.0],
        # social care places in use (pathways 1-3): home support only, 10 places
        "places_in_use_home_support": [10.0, 10.0],
        "places_in_use_intermediate_beds": [0.0, 0.0],
        "places_in_use_care_homes": [0.0, 0.0],
    }
    rows = [{"month": m, "metric": k, "value": v[m]} for k, v in values.items() for m in (0, 1)]
    return pd.DataFrame(rows)


def _hand_episodes():
    """An emergency routine spell of 2 days and an elective complex spell of 12 days (April),
    and a spell still in a bed at the end (never paid)."""
    return pd.DataFrame(
        {
            "admission_type": ["emergency", "elective", "emergency"],
            "case_mix": ["routine", "complex", "complex"],
            "los_days": [2.0, 12.0, 100.0],
            "discharge_day": [5.0, 20.0, 400.0],
        }
    )


@pytest.mark.unit
def test_bed_days_a_rounding_error_below_zero_cost_nothing():
    """Bed-days are differences of prefix sums: a month with no electives read -3e-11
    elective bed-days, which a GBP 100,000 extra cost made a negative ledger amount (the fuzz
    suite's long tier, shard 36, 2026-12-04). Two stays in April, [0.1, 0.2) and [0.8, 1.5),
    gave May -7.1e-15 bed-days; the integral of a non-negative integrand is now never below
    0, so May costs nothing and the books balance."""
    calendar = Calendar("2025-04-01", 2, 0)
    elective = interval_mass(np.array([0.1, 0.8]), np.array([0.2, 1.5]), calendar.month_start_days)
    assert elective[0] == pytest.approx(0.8) and elective[1] == 0.0
    finance = {**HAND["finance"], "bed_day_cost_gbp": 0.0, "elective_bed_day_extra_cost_gbp": 1e5}
    cfg = load({**HAND, "finance": finance})
    monthly = _hand_monthly(calendar)
    monthly.loc[(monthly["metric"] == "bed_days_elective") & (monthly["month"] == 1), "value"] = (
        elective[1]
    )
    ledger = build_ledger(cfg, calendar, monthly, _hand_episodes(), [])
    check_ledger(ledger)
    may = ledger[(ledger["category"] == "variable_clinical") & (ledger["month"] == 1)]
    assert may["amount_gbp"].sum() == 0.0  # no bed-day cost, no elective bed-days


@pytest.mark.unit
def test_ledger_matches_a_hand_computed_case():
    cfg = load(HAND)
    calendar = Calendar("2025-04-01", 2, 0)
    ledger = build_ledger(cfg, calendar, _hand_monthly(calendar), _hand_episodes(), [])
    check_ledger(ledger)

    def amount(org, direction, category, month):
        sel = ledger[
            (ledger["organisation"] == org)
            & (ledger["direction"] == direction)
            & (ledger["category"] == category)
            & (ledger["month"] == month)
        ]
        return float(sel["amount_gbp"].sum())

    # fixed: 60 a bed-day on 300 (April) and 310 + 5 escalation (May) bed-days
    assert amount("acute_trust", "spend", "staffed_beds", 0) == pytest.approx(18_000.0)
    assert amount("acute_trust", "spend", "staffed_beds", 1) == pytest.approx(18_900.0)
    # variable: 40 an occupied bed-day + 50 an elective bed-day
    assert amount("acute_trust", "spend", "variable_clinical", 0) == pytest.approx(10_000.0)
    assert amount("acute_trust", "spend", "variable_clinical", 1) == pytest.approx(10_000.0)
    # aligned payment: the fixed element (365.25 a head a year: 1 a head a day) ...
    assert amount("acute_trust", "income", "fixed_contract", 0) == pytest.approx(300.0)
    assert amount("acute_trust", "income", "fixed_contract", 1) == pytest.approx(310.0)
    # ... plus the elective spell at tariff: 1,400 + 2 excess days x 20 (emergency unpaid)
    assert amount("acute_trust", "income", "tariff_income", 0) == pytest.approx(1_440.0)
    assert amount("icb", "spend", "tariff_income", 0) == pytest.approx(1_440.0)
    # community: 2 funded WTE at 100 a day, and one hire in April at 1,000
    assert amount("community_provider", "spend", "staff", 0) == pytest.approx(6_000.0)
    assert amount("community_provider", "spend", "recruitment_and_training", 0) == 1_000.0
    assert amount("community_provider", "income", "fixed_contract", 0) == pytest.approx(7_000.0)
    assert amount("community_provider", "income", "fixed_contract", 1) == pytest.approx(6_200.0)
    # transition funding: 1 a head a day on offer (300 in April, 310 in May), capped at half
    # of the intervention's spend (3,500 and 3,100): the offer binds
    assert amount("icb", "income", "transition_funding", 0) == pytest.approx(300.0)
    assert amount("icb", "income", "transition_funding", 1) == pytest.approx(310.0)
    # the local authority pays 10 home-support places at 50 a day (30 and 31 days)
    assert amount("local_authority_social_care", "spend", "social_care_packages", 0) == 15_000
    assert amount("local_authority_social_care", "spend", "social_care_packages", 1) == 15_500
    # the system's net cost is spending outside the place less the grant
    outside = 18_000 + 18_900 + 10_000 + 10_000 + 7_000 + 6_200 + 15_000 + 15_500
    assert net_cost(ledger).sum() == pytest.approx(outside - 610.0)
    assert net_cost(ledger, with_transition_funding=False).sum() == pytest.approx(outside)


@pytest.mark.unit
def test_payment_rules_move_money_between_icb_and_trust_never_the_system_total():
    calendar = Calendar("2025-04-01", 2, 0)
    totals = {}
    for rule in ("aligned", "block", "activity"):
        raw = {**HAND, "finance": {**HAND["finance"], "payment_rule": rule}}
        ledger = build_ledger(load(raw), calendar, _hand_monthly(calendar), _hand_episodes(), [])
        check_ledger(ledger)
        totals[rule] = net_cost(ledger).sum()
        income = ledger[
            (ledger["organisation"] == "acute_trust") & (ledger["direction"] == "income")
        ]
        if rule == "activity":  # both finished spells at tariff: 500 + 1,440
            assert income["amount_gbp"].sum() == pytest.approx(1_940.0)
    assert totals["aligned"] == pytest.approx(totals["block"]) == pytest.approx(totals["activity"])


@pytest.mark.unit
def test_spell_prices_follow_base_price_and_excess_days():
    cfg = load(HAND)
    prices = spell_prices(cfg, _hand_episodes())
    np.testing.assert_allclose(prices, [500.0, 1_440.0, 1_000.0 + 90 * 20.0])


@pytest.mark.unit
def test_stranded_costs_run_for_the_lag_then_stop():
    raw = {**HAND, "interventions": {"decommissioning": {"cost_release_lag_months": 1.0}}}
    cfg = load(raw)
    calendar = Calendar("2025-04-01", 2, 0)
    closed_at = 10.0  # day 10 of April, 28 beds
    ledger = build_ledger(
        cfg, calendar, _hand_monthly(calendar), _hand_episodes(), [(closed_at, 28)]
    )
    stranded = ledger[ledger["cause"] == "decommissioning_ward_1"]
    lag_days = 365.25 / 12
    assert stranded["amount_gbp"].sum() == pytest.approx(28 * lag_days * 60.0)
    april = stranded[stranded["month"] == 0]["amount_gbp"].sum()
    assert april == pytest.approx(28 * 20 * 60.0)  # days 10-30 of April


@pytest.mark.unit
def test_unbalanced_or_causeless_ledger_is_an_error():
    cfg = load(HAND)
    calendar = Calendar("2025-04-01", 2, 0)
    ledger = build_ledger(cfg, calendar, _hand_monthly(calendar), _hand_episodes(), [])
    broken = ledger.copy()
    row = broken.index[
        (broken["organisation"] == "acute_trust") & (broken["direction"] == "income")
    ][0]
    broken.loc[row, "amount_gbp"] += 1.0
    with pytest.raises(InvariantError, match="does not balance"):
        check_ledger(broken)
    broken = ledger.copy()
    broken.loc[broken.index[0], "cause"] = ""
    with pytest.raises(InvariantError, match="without a cause"):
        check_ledger(broken)
    broken = ledger.copy()
    broken.loc[broken.index[0], "amount_gbp"] = -5.0
    with pytest.raises(InvariantError, match="negative"):
        check_ledger(broken)


@pytest.mark.unit
def test_default_tariff_gives_routine_spells_a_margin_and_complex_spells_a_loss():
    """The calibrated prices are compressed: short routine stays earn more than they cost."""
    cfg = load(None)
    f = cfg.finance
    per_bed_day = f.bed_day_cost_gbp  # full cost of a non-elective bed-day at ~reference use
    routine = (
        f.tariff.emergency_routine_gbp - cfg.hospital.routine_emergency_los.mean_days * per_bed_day
    )
    mean_complex = cfg.hospital.complex_emergency_los.mean_days
    complex_ = (
        f.tariff.emergency_complex_gbp
        + f.tariff.excess_bed_day_gbp * max(mean_complex - f.tariff.trim_point_days, 0.0)
        - mean_complex * per_bed_day
    )
    assert routine > 0 > complex_


# --------------------------------------------------------------------------------------------
# decommissioning in the hospital
# --------------------------------------------------------------------------------------------
@pytest.mark.integration
def test_ward_closure_on_a_date_drains_beds_and_cuts_fixed_costs_after_the_lag():
    # escalation beds off: they open and close with ED boarders, so with them the open beds
    # would not end at the new core stock (the specialty pools stay on)
    cfg = small_config(
        place={"escalation_bed_share": None},
        interventions={"decommissioning": {"rule": "on_dates", "close_at_years": [1.0]}},
        run={"horizon_years": 2},
    )
    res = leftshift.run(cfg)
    wide = res.monthly.pivot(index="month", columns="metric", values="value")
    year = res.monthly.drop_duplicates("month").set_index("month")["reporting_year"]
    assert wide.loc[year == 1, "wards_closed"].sum() == 0
    assert wide.loc[year == 2, "wards_closed"].sum() == 1
    days = wide["open_bed_days"] / wide["open_beds"]
    core_beds = wide["core_bed_days"] / days
    np.testing.assert_allclose(core_beds[year == 1], 180)
    np.testing.assert_allclose(core_beds[year == 2], 152)
    # beds close as they empty: open beds end at the new stock and never hold too many
    assert wide.loc[year == 2, "open_beds"].iloc[-1] == pytest.approx(152)
    assert (wide["occupancy"] <= 1.0 + 1e-12).all()
    stranded = res.ledger[res.ledger["cause"] == "decommissioning_ward_1"]
    lag = cfg.interventions.decommissioning.cost_release_lag_months
    assert stranded["month"].nunique() == pytest.approx(lag, abs=1)


@pytest.mark.unit
def test_a_ward_closes_from_the_pool_with_the_most_spare_beds():
    import simpy

    from leftshift.model.hospital import Hospital, WaitingList

    hospital = Hospital(simpy.Environment(), small_config(), WaitingList(28, 126))
    medical, surgical = hospital.medical, hospital.surgical
    assert (medical.core_beds, surgical.core_beds) == (103, 77)
    medical.occupied, surgical.occupied = 100, 70  # 72 and 1.43 a bed after losing 28 beds
    assert hospital.ward_to_close(28) is medical
    medical.boarders.extend([(None, 0)] * 10)  # 110 / 75 = 1.47: the surgical pool is sparer
    assert hospital.ward_to_close(28) is surgical
    hospital.close_ward(28)
    assert (medical.core_beds, surgical.core_beds) == (103, 49)
    assert surgical.open_beds == 70  # its beds close as they empty
    assert hospital.ward_to_close(60) is medical  # the only pool that keeps a bed
    with pytest.raises(RuntimeError, match="no G&A bed pool"):
        hospital.ward_to_close(103)
    pooled = small_config(hospital={"specialty_pools": False, "outlying": False})
    one = Hospital(simpy.Environment(), pooled, WaitingList(28, 126))
    assert one.ward_to_close(28) is one.medical


@pytest.mark.integration
def test_evidence_rule_closes_wards_only_where_occupancy_is_low():
    rule = {"rule": "on_evidence", "occupancy_below": 0.85, "consecutive_months": 3}
    roomy = leftshift.run(
        small_config(place={"general_acute_beds": 260}, interventions={"decommissioning": rule})
    )
    full = leftshift.run(small_config(interventions={"decommissioning": rule}))
    closed = roomy.metric("wards_closed")
    occupancy = roomy.metric("occupancy")
    assert 1 <= closed.sum() <= 2  # max_wards
    for month in closed[closed > 0].index:  # each closure followed 3 months below 85%
        assert (occupancy.loc[month - 3 : month - 1] < 0.85).all()
    assert full.metric("wards_closed").sum() == 0


def _closure_months(wards_by_rep, occupancy_by_rep):
    """A scenario arm's monthly table: wards closed and occupancy per replication and month."""
    rows = []
    for rep, (wards, occupancy) in enumerate(zip(wards_by_rep, occupancy_by_rep, strict=True)):
        for month, (w, o) in enumerate(zip(wards, occupancy, strict=True)):
            start = pd.Timestamp("2025-04-01") + pd.DateOffset(months=month)
            for metric, value in (("wards_closed", w), ("occupancy", o)):
                rows.append(("scenario", rep, 12 + month, start, metric, value))
    columns = ["arm", "replication", "month", "period_start", "metric", "value"]
    return pd.DataFrame(rows, columns=columns)


@pytest.mark.unit
def test_closures_report_counts_wards_by_replication_and_says_why_none_closed():
    from leftshift.analysis.decommissioning import closures_report

    rule = {"rule": "on_evidence", "occupancy_below": 0.85, "consecutive_months": 3}
    cfg = load({"interventions": {"decommissioning": rule}})
    low = [0.9, 0.8, 0.8, 0.8, 0.9, 0.95]
    closed = closures_report(cfg, _closure_months([[0, 0, 0, 0, 1, 0], [0] * 6], [low, [0.93] * 6]))
    assert closed["wards_closed_by_replication"] == [1, 0]
    assert closed["replications_with_a_closure"] == 1
    assert closed["wards_closed_mean"] == 0.5
    assert closed["first_closure_month"] == closed["last_closure_month"] == "2025-08"
    assert closed["longest_run_below_months"] == 3
    assert closed["lowest_monthly_occupancy"] == pytest.approx(0.8)
    none = closures_report(cfg, _closure_months([[0] * 6], [[0.93, 0.84, 0.95, 0.9, 0.9, 0.9]]))
    assert none["replications_with_a_closure"] == 0 and none["first_closure_month"] is None
    assert none["longest_run_below_months"] == 1


# --------------------------------------------------------------------------------------------
# behaviours B3 and B6
# --------------------------------------------------------------------------------------------
LEVEL = 0.99  # two-sided level of the t intervals over paired replications


def _experiments(reps, years, place="small"):
    """Neighbourhood teams, and the same with two wards closed early: one shared baseline."""
    common = (f"place={place}", f"run.replications={reps}", f"run.horizon_years={years}")
    return run_against_one_baseline(
        *(
            compose_config(f"experiment={name}", *common, f"run.n_jobs={TEST_JOBS}")
            for name in ("neighbourhood_teams", "decommission_early")
        )
    )


def _incremental(results, with_tf=False):
    net = net_cost_by_year(results.ledger(), with_tf)
    return net.loc["scenario"] - net.loc["baseline"]  # replications x financial years


def check_b3(results, each=False):
    """Double running in years 1 and 2: in each replication, or (``each`` false) the paired
    99% interval above 0."""
    diff = _incremental(results)
    for year in diff.columns[:2]:
        low = diff[year].min() if each else t_interval(diff[year], LEVEL)[0]
        assert low > 0, f"no double running in {year}"


def check_b6(teams, early, each=False):
    # without closures, no financial year shows a saving
    teams_diff = _incremental(teams)
    assert (teams_diff.mean(axis=0) > 0).all()
    # closing two wards in year 2 does show one, in every later year
    early_diff = _incremental(early)
    for year in early_diff.columns[1:]:
        high = early_diff[year].max() if each else t_interval(early_diff[year], LEVEL)[1]
        assert high < 0, f"no saving in {year}"
    # and, with a long list, raises waits and ED boarding against the teams alone
    for metric in ("ed_boarding_hours", "waiting_list_size"):
        a, b = (
            y[(y["arm"] == "scenario") & (y["reporting_year"] >= 2)]
            for y in (teams.yearly(), early.yearly())
        )
        # paired rise, relative to the teams' mean (a per-replication ratio explodes when a
        # replication of the teams alone has almost no boarding)
        teams_alone = a.groupby("replication")[metric].sum()
        rise = b.groupby("replication")[metric].sum() - teams_alone
        low = rise.min() if each else t_interval(rise.to_numpy(), LEVEL)[0]
        assert low > 0.1 * teams_alone.mean(), metric


@pytest.fixture(scope="module")
def teams_and_early_small():
    # 3 replications, each of which must show B3 and B6 (each=True): with follow-up after
    # discharge on, care-home moves and readmissions widen the paired year-2 differences, so a
    # 99% interval needs more (with 4 it reached below 0, -0.18 m). In six at two seeds (the
    # default and 0; 2026-12-06) every replication double-ran by 0.29-1.01 m a year in years
    # 1-2, saved 24.8-26.2 m a year after the early closure, and had its boarding (x2.4-2.9)
    # and list (x0.68-0.73 of the teams' mean) rise. The intervals: the slow default-place test.
    return _experiments(3, 3)


@pytest.fixture(scope="module")
def teams_small(teams_and_early_small):
    return teams_and_early_small[0]


@pytest.mark.integration
def test_b3_community_investment_costs_more_in_years_1_and_2(teams_small):
    check_b3(teams_small, each=True)
    table, summary = money_comparison(teams_small.ledger())
    assert summary["without_transition_funding"]["break_even_year"] == "not within the horizon"
    # the grant narrows the gap in the years it runs, and only then
    with_tf = summary["with_transition_funding"]["incremental_net_cost_gbp"]
    without = summary["without_transition_funding"]["incremental_net_cost_gbp"]
    years = list(without)
    assert with_tf[years[0]] < without[years[0]] and with_tf[years[1]] < without[years[1]]
    assert with_tf[years[2]] == pytest.approx(without[years[2]])
    assert set(table["measure"]) == {"annual", "cumulative"}


@pytest.mark.integration
def test_b6_only_closing_wards_saves_cash_and_it_raises_waits_and_boarding(teams_and_early_small):
    check_b6(*teams_and_early_small, each=True)  # the same baseline and seeds


@pytest.mark.integration
@pytest.mark.slow
def test_b3_and_b6_slow_default_place():
    teams, early = _experiments(8, 10, place="default")
    check_b3(teams)
    check_b6(teams, early)


@pytest.mark.integration
def test_decommissioning_search_finds_room_only_where_beds_are_spare():
    """Pinned to the one-counter hospital (``hospital=pooled``).

    Gap: with specialty pools, the spare ward at 260 beds is medical, and closing it sends
    medical patients to surgical beds as outliers (400-500 a year, against 3-4 with no
    closure; 6 replications), which holds back a few electives: the list, at its floor of
    about 10 patients, ends 0.5 longer in year 3 (10.8 against 10.3), and ED boarding rises
    from 0 to 60-110 hours a year. The search's rule (the final year's list no longer than
    the year before's: 10.7 -> 11.1 in these 2 replications) reads that as growth, so no ward
    may close at 82% occupancy. Whether a change of half a patient on a list at its floor
    should block a closure is a question for the rule, not for this test (2026-12-03).
    """
    from leftshift.analysis.decommissioning import decommissioning_table

    pooled = pooled_sections()

    def search(beds):
        cfg = small_config(
            place={"general_acute_beds": beds, **pooled["place"]},
            hospital=pooled["hospital"],
            interventions={"emergency_demand_multiplier": {"start_year": 0.0, "value": 0.9}},
            run={"replications": 2, "horizon_years": 3},
            report={"decommission_search_max_wards": 3},
        )
        return decommissioning_table(cfg, run_experiment(cfg))

    table, summary = search(260)  # about 78% occupied: a ward is spare (two are not)
    assert summary["wards_that_could_close"] >= 1
    ok = table[table["acceptable"]]
    assert (ok["mean_occupancy_after_closure"] <= 0.92).all()
    assert ok["net_saving_vs_baseline_total_gbp"].is_monotonic_increasing
    table, summary = search(180)  # already above 92%
    assert summary["wards_that_could_close"] is None and len(table) == 1
    assert "occupancy" in summary["text"]

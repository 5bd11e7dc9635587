"""The console headline, from summaries built by hand: tables, honest shares, ward closures."""

import copy
import re

import pytest

from leftshift.model import metrics
from leftshift.report.console import WIDTH, headline

YEARS = ("2025/26", "2026/27")


def _row(year, baseline, difference):
    return {
        "reporting_year": year,
        "baseline": baseline,
        "difference": difference,
        "ci95": [difference - 1.0, difference + 1.0],
        "relative": difference / baseline if baseline else None,
    }


def _arm(**changes):
    arm = {
        "place": "small",
        "reporting_years": 2.0,
        "mean_occupancy": 0.95,
        "emergency_admissions_per_1000_per_year": 88.6,
        "bed_days_per_1000_per_year": 628.0,
        "waiting_list_year_1": 2689.0,
        "waiting_list_final_year": 3324.0,
        "waiting_list_18wk_share": 0.46,
        "ed_boarding_hours_per_year": 19906.0,
        "ed_waits_4h_plus_share": 0.067,
        "ed_waits_12h_plus_share": 0.043,
        "mean_occupancy_midnight": 0.951,
        "delayed_discharge_patients_mean": 28.0,
        "delayed_discharge_share_of_occupied_beds": 0.164,
    }
    return arm | changes


def _money(net_by_year):
    cumulative, total = {}, 0.0
    for year, net in net_by_year.items():
        total += net
        cumulative[year] = total
    return {
        "incremental_net_cost_gbp": dict(net_by_year),
        "cumulative_investment_gap_gbp": cumulative,
        "peak_investment_gap_gbp": max(cumulative.values()),
        "break_even_year": "not within the horizon",
        "replications_breaking_even": 0,
        "replications": 3,
        "years_with_a_saving": [],
    }


def _interval(mean):
    return {"mean": mean, "ci_low": mean - 1.0, "ci_high": mean + 1.0}


def experiment_summary(replications=3):
    """A two-year experiment's summary with every section the console prints."""
    comp = {
        metrics.BED_DAYS: [_row(1, 62_753.0, -67.0), _row(2, 62_745.0, -336.0)],
        metrics.ED_BOARDING_HOURS: [_row(1, 22_341.0, -6_187.0), _row(2, 17_470.0, -13_758.0)],
        metrics.WAITING_LIST_SIZE: [_row(1, 2_689.0, -12.0), _row(2, 3_324.0, -450.0)],
        metrics.ADMISSIONS_ELECTIVE: [_row(1, 2_622.0, 84.0), _row(2, 2_540.0, 836.0)],
        metrics.OPEN_BEDS: [_row(1, 180.0, 0.0), _row(2, 180.0, 0.0)],
        metrics.PEOPLE_REACHED_PROACTIVE_CARE: [_row(1, 0.0, 0.0), _row(2, 0.0, 0.0)],
    }
    backfill = {
        "avoided_emergency_bed_days": 4_000.0,
        "backfilled_by_admission_threshold": 100.0,
        "backfilled_by_electives": 3_000.0,
        "backfilled_by_stay_length": 100.0,
        "backfilled_by_delayed_discharges": 0.0,
        "released_bed_days": 800.0,
        "boarding_hours_saved": 19_945.0,
    }
    money = {
        "without_transition_funding": _money(dict(zip(YEARS, (1.27e6, 5.04e6), strict=True))),
        "with_transition_funding": _money(dict(zip(YEARS, (0.94e6, 4.60e6), strict=True))),
        "decommissioning_needs": {"text": "no closure is safe: occupancy stays 95.0%"},
    }
    economics = {
        "perspective": "NHS and personal social services (system net cost)",
        "discount_rate": 0.035,
        "replications": replications,
        "psa": False,
        "incremental_cost_gbp": _interval(6.1e6),
        "incremental_qalys": _interval(3.0),
        "icer_gbp_per_qaly": 2.0e6,
        "icer_ci95": None,
        "decision": {
            "quadrant": "north-east",
            "sentence": "costs GBP 6.1 m more and gains 3 QALYs: GBP 2,000,000 per QALY gained",
        },
        "net_monetary_benefit_gbp": {"20000": _interval(-6.0e6)},
        "probability_cost_effective": {"20000": 0.0},
        "break_even": {
            "median": "not within the horizon",
            "range_95": ["not within the horizon", "not within the horizon"],
            "replications_breaking_even": 0,
            "replications": replications,
        },
        "replication_guidance": {
            "target_relative_precision": 0.05,
            "replications": replications,
            "metrics": {},
            "not_estimated": "fewer than 5 replications",
        },
    }
    return {
        "experiment": "test",
        "replications": replications,
        "arms": {"baseline": _arm(), "scenario": _arm(ed_boarding_hours_per_year=9_933.0)},
        "comparison_by_year": comp,
        "backfill": {
            "bed_days_over_horizon_mean_per_replication": backfill,
            "share_of_avoided_bed_days": {
                k: v / backfill["avoided_emergency_bed_days"]
                for k, v in backfill.items()
                if k.startswith(("backfilled", "released"))
            },
            "list_cleared_fraction": 0.1,
            "released_fraction": 0.5,
            "backfill_ran_out": {"text": "not within the horizon"},
            "waiting_list_cleared": {"text": "not within the horizon"},
        },
        "money": money,
        "economic_evaluation": economics,
        "finance_by_organisation": {"baseline": {y: {} for y in YEARS}},
    }


def _with_backfill(summary, **bed_days):
    """The summary with backfill channels changed, shares recomputed as the analysis does."""
    out = copy.deepcopy(summary)
    totals = out["backfill"]["bed_days_over_horizon_mean_per_replication"]
    totals.update(bed_days)
    out["backfill"]["share_of_avoided_bed_days"] = {
        k: v / totals["avoided_emergency_bed_days"]
        for k, v in totals.items()
        if k.startswith(("backfilled", "released"))
    }
    return out


def _block(lines, title):
    """The lines from the one starting with ``title`` up to the next section title."""
    start = next(i for i, line in enumerate(lines) if line.strip().startswith(title))
    end = next((i for i in range(start + 1, len(lines)) if re.match(r"  \S", lines[i])), len(lines))
    return lines[start:end]


@pytest.mark.unit
def test_headline_is_plain_text_tables_with_financial_year_headers():
    lines = headline(experiment_summary(), price_year="2020/21")
    assert all(isinstance(line, str) for line in lines)
    assert all(len(line) <= WIDTH for line in lines), [x for x in lines if len(x) > WIDTH]
    assert not any("\x1b" in line for line in lines)  # no colour or control codes
    arms = _block(lines, "mean over the reporting years (2025/26 to 2026/27)")
    assert arms[1].split() == ["baseline", "scenario"]
    compared = _block(lines, "scenario minus baseline, by financial year")
    assert compared[1].split() == list(YEARS)
    assert set(compared[2].strip()) == {"-"}  # the header rule
    bed_days = next(line for line in compared if "G&A bed-days" in line)
    assert bed_days.split()[2:] == ["-67", "(-0.1%)", "-336", "(-0.5%)"]
    money = _block(lines, "system net cost")
    assert "£m, 2020/21 prices" in money[0] and money[1].split() == list(YEARS)
    assert any(line.split()[-2:] == ["+1.3", "+5.0"] for line in money)
    assert not any("GBP" in line for line in lines)
    # 3 replications: the cost per QALY (6.1 m / 3 = 2,033,333) to 2 significant figures
    assert any("about £2,000,000 per QALY gained" in line for line in lines)
    assert any(
        "ICER about £2,000,000 per QALY, north-east quadrant (to 2 significant figures" in line
        for line in lines
    )
    assert not any("2,033,333" in line for line in lines)
    # ... and cost and QALYs, like the ICER and NMB, without an interval from 3
    assert any(
        "incremental cost, £m, 2020/21 prices: 6.1 (no interval from fewer than 5" in line
        for line in lines
    )
    assert any(
        line.strip().startswith("incremental QALYs: 3 (no interval from fewer than 5")
        for line in lines
    )
    # reporting years that are not financial years (a warm-up ending in, say, July)
    summary = experiment_summary()
    summary["money"]["without_transition_funding"] = _money(
        {"2025/26": 1.0e6, "2026/27": 2.0e6, "2027/28": 3.0e6}
    )
    compared = _block(headline(summary), "scenario minus baseline, by reporting year")
    assert compared[1].split() == ["year", "1", "year", "2"]


@pytest.mark.unit
def test_a_relative_change_only_from_a_baseline_worth_dividing_by():
    summary = experiment_summary()
    summary["comparison_by_year"][metrics.ED_BOARDING_HOURS] = [
        _row(1, 14.0, 2_821.0),  # from almost nothing: +20,150%
        _row(2, 22_000.0, 6_864_000.0),  # 313 times the baseline's
    ]
    lines = headline(summary)
    row = next(line for line in lines if "ED boarding hours" in line and "+2,821" in line)
    assert row.split()[3:] == ["+2,821", "+6,864,000", "(x313)"]
    assert not any(re.search(r"\d{4,}%|\d,\d{3}%", line) for line in lines)
    assert any("ED boarding hours (under 100) in 2025/26" in line for line in lines)
    assert any("xN: N times the baseline" in line for line in lines)


@pytest.mark.unit
def test_backfill_shares_only_where_they_mean_something():
    summary = experiment_summary()
    block = _block(headline(summary), "where the emergency bed-days avoided went")
    assert block[1].split() == ["bed-days", "share"]
    assert [line.split()[-1] for line in block[3:]] == ["100%", "75%", "2%", "2%", "0%", "20%"]
    for changed, reason in (
        (  # delayed discharges freed beds too: electives refill more than was avoided
            {"backfilled_by_electives": 5_000.0, "backfilled_by_delayed_discharges": -2_000.0},
            "the refills by delayed discharges are below 0 (those channels freed beds too)",
        ),
        ({"avoided_emergency_bed_days": 400.0, "released_bed_days": 200.0}, "too few to split"),
    ):
        lines = headline(_with_backfill(summary, **changed))
        block = _block(lines, "where the emergency bed-days avoided went")
        assert block[1].split() == ["bed-days"]
        assert not any("%" in line for line in block[:-2])
        text = " ".join(line.strip() for line in block)
        assert "no shares:" in text and reason in text
        assert any(line.split()[-1] == "-2,000" for line in block) == (
            "backfilled_by_delayed_discharges" in changed
        )


@pytest.mark.unit
def test_a_line_says_whether_wards_closed():
    summary = experiment_summary()
    assert not any("ward" in line and "closed" in line for line in headline(summary))
    summary["decommissioning"] = {
        "rule": "on_evidence",
        "ward_beds": 28,
        "replications": 5,
        "wards_closed_by_replication": [1, 0, 1, 0, 1],
        "wards_closed_mean": 0.6,
        "replications_with_a_closure": 3,
        "first_closure_month": "2027-01",
        "last_closure_month": "2028-04",
        "occupancy_below": 0.85,
        "consecutive_months": 6,
        "lowest_monthly_occupancy": 0.81,
        "longest_run_below_months": 7,
    }
    text = " ".join(headline(summary))
    assert "wards closed: 0.6 on average (28 beds each), in 3 of 5 replications" in text
    assert "2027-01 to 2028-04" in text
    summary["decommissioning"] |= {
        "wards_closed_by_replication": [0] * 5,
        "wards_closed_mean": 0.0,
        "replications_with_a_closure": 0,
        "first_closure_month": None,
        "last_closure_month": None,
        "lowest_monthly_occupancy": 0.931,
        "longest_run_below_months": 0,
    }
    text = " ".join(line.strip() for line in headline(summary))
    assert "no ward closed in any of 5 replications" in text
    assert "the lowest monthly occupancy was 93.1%" in text
    assert "G&A occupancy over the whole day below 85%" in text
    summary["decommissioning"] = {
        "rule": "on_dates",
        "ward_beds": 28,
        "replications": 1,
        "wards_closed_by_replication": [2],
        "wards_closed_mean": 2.0,
        "replications_with_a_closure": 1,
        "first_closure_month": "2026-04",
        "last_closure_month": "2026-04",
        "close_at_years": [1.0, 1.0],
    }
    text = " ".join(line.strip() for line in headline(summary))
    assert "wards closed: 2 (56 beds) in 2026-04, in the replication, on fixed dates" in text


@pytest.mark.unit
def test_one_replication_and_a_baseline_alone():
    lines = headline(experiment_summary(replications=1))
    assert any("one replication: the figures include chance" in line for line in lines)
    nmb = _block(lines, "net monetary benefit")
    assert nmb[0].split()[-1] == "£m" and "95% CI" not in nmb[0]
    summary = experiment_summary()
    alone = {k: summary[k] for k in ("replications", "finance_by_organisation")}
    alone["arms"] = {"baseline": summary["arms"]["baseline"]}
    lines = headline(alone)
    assert lines[1].split() == ["baseline"]
    assert any(line.split()[-1] == "19,906" for line in lines)
    assert not any("scenario" in line for line in lines)


@pytest.mark.unit
def test_nulls_without_their_list_read_n_a():
    """A multi-arm run keeps not_available at the top, so an arm's summary has bare nulls."""
    summary = experiment_summary(replications=1)
    economics = summary["economic_evaluation"]
    economics["incremental_cost_gbp"] |= {"ci_low": None, "ci_high": None}
    economics["icer_gbp_per_qaly"] = None
    summary["comparison_by_year"][metrics.BED_DAYS][0] |= {"ci95": [None, None], "relative": None}
    summary["comparison_by_year"][metrics.WAITING_LIST_SIZE][1]["difference"] = None
    lines = headline(summary)
    assert any("incremental cost, £m: 6.1 (one replication: no interval)" in x for x in lines)
    assert any("ICER n/a per QALY" in x for x in lines)
    row = next(x for x in lines if "waiting list (mean)" in x)
    assert row.split()[-1] == "n/a"


@pytest.mark.unit
def test_beds_avoided_are_cost_avoidance_printed_apart_from_the_net_cost():
    summary = experiment_summary()
    summary["beds_avoided"] = {
        "kind": "cost avoidance: not a cash saving, never added to the net cost",
        "target_occupancy": 0.92,
        "by_year": [
            {"reporting_year": 1, "baseline_beds_needed": 200.0, "scenario_beds_needed": 199.0,
             "beds_avoided": 1.0, "ci95": [0.0, 2.0]},
            {"reporting_year": 2, "baseline_beds_needed": 210.0, "scenario_beds_needed": 212.5,
             "beds_avoided": -2.5, "ci95": [-4.0, -1.0]},
        ],
        "final_year": {
            "reporting_year": 2,
            "beds_avoided": {"mean": -2.5, "ci_low": -4.0, "ci_high": -1.0},
            "revenue_cost_avoided_gbp_per_year": {
                "mean": -0.8e6, "ci_low": -1.3e6, "ci_high": -0.3e6
            },
            "capital_cost_avoided_gbp": {"central": -2.5e6, "low": -0.5e6, "high": -6.25e6},
            "baseline_at_capacity_share": 0.5,
        },
    }  # fmt: skip
    lines = headline(summary, "2020/21")
    block = _block(lines, "G&A beds needed at 92% occupancy over the whole day")
    text = " ".join(line.strip() for line in block)  # wrapped lines joined
    assert "cost avoidance" in block[0] and "never added" in text
    assert "-2.5 (95% CI -4.0 to -1.0) beds avoided" in text
    assert "-£2.5m (-£6.2m to -£0.5m, an assumed cost per bed)" in text
    assert "at capacity" in text
    # printed after the net cost, never inside it
    net = next(i for i, line in enumerate(lines) if "system net cost" in line)
    assert lines.index(block[0]) > net


@pytest.mark.unit
def test_economics_splits_out_elective_care_and_names_the_price_base():
    summary = experiment_summary()
    summary["economic_evaluation"]["outcomes"] = {
        "qaly_gain_elective": _interval(-39_747.0),
        "qaly_loss_waiting": _interval(14_367.0),
    }
    lines = headline(summary, price_year="2024/25")
    assert any("treatment -39,747, waiting -14,367" in line for line in lines)
    assert any("net monetary benefit" in line and "£m, 2024/25 prices" in line for line in lines)


@pytest.mark.unit
def test_every_occupancy_printed_says_which_measure_it_is():
    """The mean over the day and the midnight count (KH03's) differ: no bare "occupancy"."""
    lines = headline(experiment_summary())
    arms = _block(lines, "mean over the reporting years")
    labels = [line.strip() for line in arms if "occupancy" in line]
    assert [label.rsplit(maxsplit=2)[0] for label in labels] == [
        "G&A occupancy, mean over the whole day",
        "G&A occupancy at midnight (as KH03)",
    ]
    needs = next(line for line in lines if "what decommissioning would need" in line)
    assert "judged on occupancy over the whole day (not at midnight)" in needs

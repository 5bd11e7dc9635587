"""Beds avoided: hand-computed cases of beds needed at a target occupancy and their cost."""

import pandas as pd
import pytest

from leftshift.analysis.beds_avoided import (
    DAYS_PER_MONTH,
    beds_avoided,
    beds_needed,
    revenue_cost_per_bed_year_gbp,
)
from leftshift.config import load
from leftshift.model import metrics

pytestmark = pytest.mark.unit
MONTHS_A_YEAR = 3  # a short "year" keeps the cases small


def monthly(values: dict) -> pd.DataFrame:
    """A tidy monthly table: 2 replications x 2 reporting years x 3 months per arm.

    ``values[arm][metric]`` is a function of (replication, year, month in the year).
    """
    rows = []
    for arm, by_metric in values.items():
        for rep in (0, 1):
            for year in (1, 2):
                for k in range(MONTHS_A_YEAR):
                    for metric, value in by_metric.items():
                        rows.append(
                            {
                                "arm": arm,
                                "replication": rep,
                                "month": (year - 1) * MONTHS_A_YEAR + k,
                                "reporting_year": year,
                                "metric": metric,
                                "value": value(rep, year, k),
                            }
                        )
    return pd.DataFrame(rows)


def arm(occupied, boarders=lambda r, y, k: 0.0, occupancy=lambda r, y, k: 0.9) -> dict:
    return {
        metrics.OCCUPIED_BEDS: occupied,
        metrics.ED_BOARDERS_MEAN: boarders,
        metrics.BED_DAYS_EMERGENCY: lambda r, y, k: 600.0,
        metrics.ADMISSIONS_EMERGENCY: lambda r, y, k: 100.0,  # 6 bed-days an admission
        metrics.OCCUPANCY: occupancy,
    }


def test_patients_left_waiting_in_ed_add_their_bed_days():
    # boarders 0, 5, 10 at the months' middles: 15 more waiting by the end of the year
    table = monthly({"baseline": arm(lambda r, y, k: 90.0, boarders=lambda r, y, k: 5.0 * k)})
    need = beds_needed(table, 0.9)
    days = MONTHS_A_YEAR * DAYS_PER_MONTH
    expected = (90.0 * days + 15 * 6.0) / (days * 0.9)
    assert need["beds_needed"].tolist() == pytest.approx([expected] * 4)
    # a queue that shrinks frees no beds
    falling = monthly({"baseline": arm(lambda r, y, k: 90.0, boarders=lambda r, y, k: -k + 9.0)})
    assert beds_needed(falling, 0.9)["beds_needed"].tolist() == pytest.approx([100.0] * 4)


def test_beds_avoided_and_their_cost_by_hand():
    cfg = load({"report": {"target_occupancy": 0.9}})
    table, summary = beds_avoided(
        cfg,
        monthly(
            {
                "baseline": arm(lambda r, y, k: 90.0 + 9 * y, occupancy=lambda r, y, k: 0.99),
                "scenario": arm(lambda r, y, k: 81.0 + r),
            }
        ),
    )
    # baseline (90 + 9y) / 0.9 = 110 and 120; scenario (81 + r) / 0.9: 90 and 91.1
    assert table["baseline_beds_needed"].tolist() == pytest.approx([110.0, 120.0])
    assert table["scenario_beds_needed"].tolist() == pytest.approx([90.0 + 0.5 / 0.9] * 2)
    avoided = [20.0 - 0.5 / 0.9, 30.0 - 0.5 / 0.9]
    assert table["beds_avoided"].tolist() == pytest.approx(avoided)
    assert (table["beds_avoided_ci_low"] < table["beds_avoided"]).all()
    assert table["baseline_at_capacity_share"].tolist() == [1.0, 1.0]
    assert table["scenario_at_capacity_share"].tolist() == [0.0, 0.0]
    f = cfg.finance
    per_bed = (
        365
        * f.bed_day_cost_gbp
        * (f.fixed_share_of_bed_day_cost + (1 - f.fixed_share_of_bed_day_cost) * 0.9)
    )
    assert revenue_cost_per_bed_year_gbp(cfg) == pytest.approx(per_bed)
    assert table["revenue_cost_avoided_gbp_per_year"].tolist() == pytest.approx(
        [a * per_bed for a in avoided]
    )
    low, central, high = cfg.report.bed_capital_cost_gbp
    assert table["capital_cost_avoided_low_gbp"].iloc[-1] == pytest.approx(avoided[1] * low)
    assert table["capital_cost_avoided_gbp"].iloc[-1] == pytest.approx(avoided[1] * central)
    assert table["capital_cost_avoided_high_gbp"].iloc[-1] == pytest.approx(avoided[1] * high)
    assert summary["final_year"]["beds_avoided"]["mean"] == pytest.approx(avoided[1])
    assert "not a cash saving" in summary["kind"]


def test_the_same_arms_avoid_no_beds():
    same = arm(lambda r, y, k: 100.0 + r, boarders=lambda r, y, k: float(k + r))
    table, _ = beds_avoided(load({}), monthly({"baseline": same, "scenario": same}))
    assert table["beds_avoided"].abs().max() == 0
    assert table["beds_avoided_ci_high"].abs().max() == 0

"""Beds avoided: hand-computed cases of beds needed at a target occupancy and their cost."""

import pandas as pd
import pytest

from leftshift.analysis.beds_avoided import beds_avoided, revenue_cost_per_bed_year_gbp
from leftshift.config import load
from leftshift.model import metrics

pytestmark = pytest.mark.unit


def monthly(occupied: dict, boarders: dict, occupancy: dict) -> pd.DataFrame:
    """A tidy monthly table: 2 replications x 2 reporting years x 2 months per arm."""
    rows = []
    for arm in ("baseline", "scenario"):
        for rep in (0, 1):
            for year in (1, 2):
                for _month in range(2):
                    for metric, values in (
                        (metrics.OCCUPIED_BEDS, occupied),
                        (metrics.ED_BOARDERS_MEAN, boarders),
                        (metrics.OCCUPANCY, occupancy),
                    ):
                        rows.append(
                            {
                                "arm": arm,
                                "replication": rep,
                                "reporting_year": year,
                                "metric": metric,
                                "value": values[arm](rep, year),
                            }
                        )
    return pd.DataFrame(rows)


def test_beds_needed_avoided_and_their_cost_by_hand():
    cfg = load({"report": {"target_occupancy": 0.9}})
    table, summary = beds_avoided(
        cfg,
        monthly(
            occupied={"baseline": lambda r, y: 81.0 + 9 * y, "scenario": lambda r, y: 81.0 + r},
            boarders={"baseline": lambda r, y: 9.0, "scenario": lambda r, y: 0.0},
            occupancy={"baseline": lambda r, y: 0.99, "scenario": lambda r, y: 0.9},
        ),
    )
    # baseline (81 + 9y + 9) / 0.9 = 110 and 120; scenario (81 + r) / 0.9 = 90 and 91.1
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
    last = summary["final_year"]
    assert last["beds_avoided"]["mean"] == pytest.approx(avoided[1])
    assert "not a cash saving" in summary["kind"]


def test_the_same_arms_avoid_no_beds():
    same = {"baseline": lambda r, y: 100.0 + r, "scenario": lambda r, y: 100.0 + r}
    table, _ = beds_avoided(load({}), monthly(occupied=same, boarders=same, occupancy=same))
    assert table["beds_avoided"].abs().max() == 0
    assert table["beds_avoided_ci_high"].abs().max() == 0

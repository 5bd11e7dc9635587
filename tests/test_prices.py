"""One price base: the NHS Cost Inflation Index arithmetic and every cost's price year."""

import pytest

from leftshift.config import Config, iter_leaves, load
from leftshift.config.prices import (
    PRICE_BASE,
    PriceYearError,
    index_levels,
    inflation_factor,
    to_price_base,
)
from leftshift.config.schema import cost

pytestmark = pytest.mark.unit

#: NHSCII pay and prices, per cent a year into 2021/22 .. 2024/25 (../shared/evidence)
CHANGES_2021_TO_2025 = (2.58, 7.32, 2.47, 4.02)


def _money_leaves():
    return [
        (k, v, m)
        for k, v, m in iter_leaves(Config())
        if "gbp" in k.rsplit(".", 1)[1] and not k.startswith("economics.")
    ]


def test_inflation_from_2020_21_by_hand():
    by_hand = 1.0258 * 1.0732 * 1.0247 * 1.0402  # the four years' changes compounded
    assert inflation_factor("2020/21") == pytest.approx(by_hand, rel=1e-12)
    assert by_hand == pytest.approx(1.1734, abs=1e-4)  # "about x1.17" in the evidence file
    assert to_price_base(901.0, "2020/21") == round(901.0 * by_hand, 2) == 1057.26


def test_inflation_from_2012_13_chains_the_hchs_and_nhscii_years():
    changes = (1.1, 0.9, 0.40, 2.09, 1.24, 1.60, 2.14, 2.49, *CHANGES_2021_TO_2025)
    by_hand = 1.0
    for c in changes:
        by_hand *= 1 + c / 100
    assert inflation_factor("2012/13") == pytest.approx(by_hand, rel=1e-12)
    assert to_price_base(273.0, "2012/13") == round(273.0 * by_hand, 2)


def test_the_base_year_is_not_inflated_and_levels_rise():
    assert inflation_factor(PRICE_BASE) == 1.0
    assert to_price_base(55_000.0, PRICE_BASE) == 55_000.0
    levels = list(index_levels().values())
    assert levels[0] == 1.0 and all(b > a for a, b in zip(levels, levels[1:], strict=False))


@pytest.mark.parametrize("year", ["2009/10", "2025/26", "2020-21", ""])
def test_a_price_year_the_index_does_not_cover_is_a_named_error(year):
    with pytest.raises(PriceYearError, match="finance.some_cost_gbp") as err:
        to_price_base(100.0, year, "finance.some_cost_gbp")
    assert repr(year) in str(err.value) and "2012/13" in str(err.value)


def test_a_cost_declared_with_an_unknown_price_year_fails_when_declared():
    with pytest.raises(PriceYearError, match="assumption_staff_cost"):
        cost(100.0, "1999/00", source="assumption_staff_cost", le=1e6, unit="GBP")


def test_every_cost_leaf_has_a_price_year_and_is_inflated_from_its_source():
    leaves = _money_leaves()
    assert len(leaves) >= 15, [k for k, _, _ in leaves]
    for key, value, meta in leaves:
        assert meta.get("price_year") in index_levels(), key
        assert PRICE_BASE in meta["unit"], key
        if meta.get("source_amount_gbp") is not None:
            expected = to_price_base(meta["source_amount_gbp"], meta["price_year"])
            assert value == expected, key


def test_defaults_are_in_2024_25_prices():
    cfg = Config()
    assert cfg.finance.price_year == PRICE_BASE
    assert cfg.finance.bed_day_cost_gbp == to_price_base(901.0, "2020/21")
    assert cfg.finance.tariff.excess_bed_day_gbp == to_price_base(273.0, "2012/13")
    # the calibrated tariff keeps its ratio to the cost it was calibrated against
    ratio = cfg.finance.tariff.emergency_routine_gbp / cfg.finance.bed_day_cost_gbp
    assert ratio == pytest.approx(3710.0 / 901.0, rel=1e-3)


def test_a_saved_config_loads_back_without_inflating_again():
    cfg = load(None)
    again = load({"finance": {"bed_day_cost_gbp": cfg.finance.bed_day_cost_gbp}})
    assert again.finance.bed_day_cost_gbp == cfg.finance.bed_day_cost_gbp


def test_money_figures_name_the_price_base_and_drop_the_mixed_year_note():
    from leftshift.report.figure_style import RunInfo

    run = RunInfo("x", "", "small", 5, 1, "0", None, "2026-12-03", PRICE_BASE)
    assert run.money_axis() == "£ million,\n2024/25 prices" and run.price_note() == ""
    old = RunInfo("x", "", "small", 5, 1, "0", None, "2026-12-03", "2020/21")
    assert old.money_axis().endswith("2020/21 prices*") and "predates" in old.price_note()

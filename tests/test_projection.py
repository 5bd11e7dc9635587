"""The projected population (population.transitions=projected) and the illness trends.

The projected mode is the default since 2026-12-04 (the stationary mode is the one the
analytic and invariant tests use); it must follow its table by age band, conserve people, hold
each band's mix of deprivation, and with its trends move illness and frailty the way their
sources say.
"""

import numpy as np
import pytest

from leftshift.config import AGE_BANDS, ConfigError, load, tables
from leftshift.config.schema import POPULATION_PROJECTION_TABLE
from leftshift.model.population import BandProjection, Population, mid_year_time

pytestmark = pytest.mark.unit

NO_TRENDS = {
    name: {"mean": 0.0, "low": 0.0, "high": 0.0, "distribution": "fixed"}
    for name in ("disease_incidence_per_year", "frailty_per_year")
}


def projected(
    months: int, stochastic: bool = False, warmup: int = 0, **population
) -> tuple[Population, np.ndarray]:
    """A projected cohort of the small place stepped ``months`` (no warm-up unless given,
    so the projection starts at once); also its initial stocks."""
    cfg = load(
        {
            "place": {"population": 100_000},
            "run": {"warmup_months": warmup},
            "population": {"transitions": "projected", "stochastic": stochastic, **population},
        }
    )
    pop = Population(cfg, np.random.default_rng(7))
    start = pop.counts.copy()
    for _ in range(months):
        pop.step_month()
    return pop, start


def test_the_shipped_table_is_sourced_and_starts_at_one():
    years, values = tables.projection(POPULATION_PROJECTION_TABLE, AGE_BANDS)
    assert years[0] == 2022 and years[-1] >= 2047
    assert values[0] == [1.0] * len(AGE_BANDS)
    # the two published figures it was derived to reproduce (ONS 2022-based, GAD 2025)
    assert values[years.index(2047)][-1] == pytest.approx(3.3 / 1.7, rel=1e-3)
    assert tables.source(POPULATION_PROJECTION_TABLE) == "ons_npp_2022_england_derived"


def test_mid_year_scale_and_interpolation():
    assert mid_year_time("2024-07-01") == 2024.0
    assert mid_year_time("2024-04-01") == pytest.approx(2024 - 91 / 365.25)
    proj = BandProjection(POPULATION_PROJECTION_TABLE, "2022-07-01")
    years, values = tables.projection(POPULATION_PROJECTION_TABLE, AGE_BANDS)
    halfway = (np.asarray(values[years.index(2030)]) + np.asarray(values[years.index(2031)])) / 2
    assert np.allclose(proj.ratio(8.5), halfway)


def test_bands_follow_the_projection_and_people_are_conserved():
    pop, start = projected(36)
    ratio = BandProjection(POPULATION_PROJECTION_TABLE, "2024-04-01").ratio(3.0)
    bands = pop.counts.sum(axis=(1, 2, 3, 4))
    assert np.allclose(bands, start.sum(axis=(1, 2, 3, 4)) * ratio, rtol=1e-9)
    assert pop.total > start.sum()  # England grows
    assert pop.migrants_in > 0 and pop.births > 0 and pop.deaths > 0
    pop.check_conservation()


def test_the_warm_up_holds_the_population_and_growth_starts_with_reporting():
    """The place's population is the one at the start of reporting (today's): through the
    warm-up every band keeps its size, and the projection and trends run from there."""
    from leftshift.model.population import reporting_start_date

    assert reporting_start_date("2024-04-01", 12) == "2025-04-01"
    assert reporting_start_date("2024-04-15", 3) == "2024-07-01"  # months as the calendar counts
    assert reporting_start_date("2024-04-15", 0) == "2024-04-15"
    pop, start = projected(12, warmup=12)
    assert pop.years_of_change() == 0.0
    assert np.allclose(pop.counts.sum(axis=(1, 2, 3, 4)), start.sum(axis=(1, 2, 3, 4)))
    for _ in range(12):
        pop.step_month()
    assert pop.years_of_change() == 1.0
    ratio = BandProjection(POPULATION_PROJECTION_TABLE, "2025-04-01").ratio(1.0)
    assert np.allclose(pop.counts.sum(axis=(1, 2, 3, 4)), start.sum(axis=(1, 2, 3, 4)) * ratio)
    pop.check_conservation()


def imd_mix(c: np.ndarray) -> np.ndarray:
    """Each age band's shares by IMD quintile."""
    by = c.sum(axis=(2, 3, 4))
    return by / by.sum(axis=1, keepdims=True)


def test_deprivation_mix_moves_as_in_the_stationary_mode():
    """Growth by band comes with the band's mix: the deprivation structure is held.

    (Both modes drift by a few tenths of a percentage point, as deaths differ by quintile.)
    """
    grown, _ = projected(36)
    cfg = load({"place": {"population": 100_000}})
    steady = Population(cfg, np.random.default_rng(7))
    for _ in range(36):
        steady.step_month()
    assert np.abs(imd_mix(grown.counts) - imd_mix(steady.counts)).max() < 1e-4


def test_stochastic_projection_moves_whole_people():
    pop, start = projected(12, stochastic=True)
    assert pop.counts.dtype.kind == "i"
    ratio = BandProjection(POPULATION_PROJECTION_TABLE, "2024-04-01").ratio(1.0)
    target = start.sum(axis=(1, 2, 3, 4)) * ratio
    assert np.abs(pop.counts.sum(axis=(1, 2, 3, 4)) - target).max() <= 1.0
    pop.check_conservation()


def prevalence_by_band(c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Share of each band with COPD or heart failure, and with any frailty."""
    band = c.sum(axis=(1, 2, 3, 4))
    ill = band - c[:, :, :, 0, 0].sum(axis=(1, 2))
    frail = c[:, :, 1:].sum(axis=(1, 2, 3, 4))
    return ill / band, frail / band


# the cohort alone: the deaths the hospital would take stay in the cohort
ALONE = {"in_hospital_death_share": 0.0}


def test_without_trends_age_specific_illness_is_held():
    pop, start = projected(60, trends=NO_TRENDS, **ALONE)
    ill0, frail0 = prevalence_by_band(start)
    ill1, frail1 = prevalence_by_band(pop.counts)
    assert np.allclose(ill1, ill0, atol=0.01)
    assert np.allclose(frail1, frail0, atol=0.01)


def test_default_trends_reproduce_their_sources_in_direction_and_size():
    """Frailty at 50+ (Walsh 2023) and people with COPD or HF (Health in 2040) per year."""
    pop, start = projected(120, **ALONE)
    older_frail = [c[2:, :, 1:].sum() / c[2:].sum() for c in (start, pop.counts)]
    frailty_rate = (older_frail[1] / older_frail[0]) ** 0.1
    assert frailty_rate == pytest.approx((38.9 / 26.5) ** (1 / 11), abs=0.003)

    def ill(c):
        return c.sum(axis=(1, 2, 3, 4)) - c[:, :, :, 0, 0].sum(axis=(1, 2))

    rise = ill(pop.counts) - ill(start)
    disease_rate = (ill(pop.counts).sum() / ill(start).sum()) ** 0.1
    assert disease_rate == pytest.approx(1.37 ** (1 / 21), abs=0.003)
    # most of the rise in older people (the report: 80% in people 70+)
    assert rise[3:].sum() / rise.sum() > 0.8


@pytest.mark.integration
def test_a_capacity_plan_opens_beds_by_year_and_shortens_the_list():
    """10% growth a year from reporting year 2: the stock is 180, 198, 218 beds, opened at
    each year's start plus the lag and paid as core bed-days; the list ends shorter than flat."""
    from leftshift.model import metrics, simulate
    from leftshift.model.clock import Calendar
    from leftshift.model.frames import by_month
    from tests.helpers import small_config

    warmup, years = 3, 3
    runs = {}
    for growth, lag in ((0.0, 0), (0.1, 0), (0.1, 6)):
        cfg = small_config(
            run={"horizon_years": years, "warmup_months": warmup},
            place={"bed_growth_per_year": growth, "bed_opening_lag_months": lag},
        )
        wide = by_month(simulate(cfg, 3).monthly)
        days = Calendar(cfg.run.start_date, warmup + 12 * years, warmup).days_in_month()
        beds = (wide[metrics.CORE_BED_DAYS] / days[wide.index]).round(6)
        runs[growth, lag] = beds.to_numpy(), wide
    months = np.asarray(wide.index) - warmup  # reporting months only
    flat, grown, lagged = (runs[k][0] for k in ((0.0, 0), (0.1, 0), (0.1, 6)))
    assert set(flat) == {180.0}
    year = months // 12 + 1
    expected = np.select([year <= 1, year == 2], [180.0, 198.0], 218.0)
    np.testing.assert_array_equal(grown, expected)
    lagged_year = (months - 6) // 12 + 1
    np.testing.assert_array_equal(
        lagged, np.select([lagged_year <= 1, lagged_year == 2], [180.0, 198.0], 218.0)
    )
    last = runs[0.1, 0][1][metrics.WAITING_LIST_SIZE].iloc[-1]
    assert last < runs[0.0, 0][1][metrics.WAITING_LIST_SIZE].iloc[-1]


@pytest.mark.unit
def test_a_bed_plan_longer_than_the_horizon_is_named():
    with pytest.raises(ConfigError, match=r"place\.bed_plan"):
        load({"run": {"horizon_years": 2}, "place": {"bed_plan": [500, 520, 540]}})


@pytest.mark.unit
def test_the_social_care_plan_grows_every_service_from_reporting_year_2():
    """Places x (1 + rate)^(year - 1) from reporting year 2, times a scenario's multiplier."""
    from leftshift.model.place import MonthlyDynamics, build_place
    from tests.helpers import small_config

    cfg = small_config(social_care={"delayed_discharges": True, "capacity_growth_per_year": 0.1})
    place = build_place(cfg, 0)
    dynamics = MonthlyDynamics(place)
    base = {k: s.base_capacity for k, s in place.services.items()}
    assert len(base) == 3 and min(base.values()) > 10
    for years, factor in ((-0.5, 1.0), (0.0, 1.0), (0.99, 1.0), (1.0, 1.1), (2.5, 1.21)):
        dynamics.social_care(years)
        for k, service in place.services.items():
            assert service.capacity == round(base[k] * factor), (years, k)


@pytest.mark.integration
def test_the_default_baseline_grows_and_its_list_grows_unless_the_plan_keeps_up():
    """Issue 18's done-when on the small place (3 years, default model): people, demand, beds
    and bed-days rise; with the default plan the list grows, with a plan well above the need
    (beds +10% a year and social care +10%) it ends shorter; the console shows the years."""
    from leftshift.analysis.bundle import analyse
    from leftshift.analysis.experiment import run_experiment
    from leftshift.model import metrics
    from leftshift.report.console import headline
    from tests.helpers import compose_config

    def baseline(*plan):
        cfg = compose_config("place=small", "run.horizon_years=3", "run.outputs=summary", *plan)
        return analyse(run_experiment(cfg)).summary

    default = baseline()
    years = default["by_year"]["arms"]["baseline"]
    assert [y["reporting_year"] for y in years] == [1, 2, 3]
    for key in (metrics.POPULATION, metrics.EMERGENCY_PRESENTATIONS, metrics.BED_DAYS):
        assert years[0][key] < years[1][key] < years[2][key], key
    beds = [y[metrics.OPEN_BEDS] for y in years]
    assert beds[0] < beds[1] < beds[2]
    assert years[2]["beds_needed"] > beds[2]  # the plan falls short
    listed = metrics.WAITING_LIST_SIZE
    assert years[2][listed] > years[0][listed]
    generous = baseline("place.bed_growth_per_year=0.1", "social_care.capacity_growth_per_year=0.1")
    assert generous["by_year"]["arms"]["baseline"][2][listed] < years[2][listed]
    text = "\n".join(headline(default))
    assert "baseline by year" in text and "G&A beds needed at 92%" in text


@pytest.mark.unit
def test_the_stationary_option_is_the_held_population_with_no_plan():
    """population=stationary reproduces the results measured before 2026-12-04: no growth of
    people, beds or social-care places; a plan can still be asked for on top."""
    from tests.helpers import compose_config

    cfg = compose_config("population=stationary")
    assert cfg.population.transitions == "stationary"
    assert cfg.place.bed_growth_per_year == 0.0
    assert cfg.social_care.capacity_growth_per_year == 0.0
    planned = compose_config("population=stationary", "place.bed_growth_per_year=0.02")
    assert planned.place.bed_growth_per_year == 0.02

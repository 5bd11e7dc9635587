"""Unit checks of the building blocks against answers computed another way."""

import numpy as np
import pandas as pd
import pytest
import simpy
from scipy import stats

from leftshift.analysis.intervals import row_half_widths, t_half_width, t_interval
from leftshift.config import LengthOfStayConfig, load
from leftshift.model.analytic import ONE_POOL_ANY_HOUR
from leftshift.model.callback import Callback, run_until
from leftshift.model.clock import Calendar
from leftshift.model.demand import Demand, deprivation_gradient, los_quantile
from leftshift.model.frames import counts_in_bins, instant_occupancy, interval_mass
from leftshift.model.hospital import Hospital, WaitingList
from leftshift.model.population import (
    SHAPE,
    Population,
    apportion,
    frailty_shares,
    stationary_rates,
)
from leftshift.model.rng import Streams, replication_seeds

pytestmark = pytest.mark.unit


def test_interval_mass_matches_brute_force():
    rng = np.random.default_rng(1)
    starts = rng.uniform(-5, 50, 300)
    ends = starts + rng.exponential(4, 300)
    weights = rng.uniform(-1, 2, 300)
    bounds = np.array([0.0, 7.5, 10.0, 31.0, 44.0])
    grid = np.linspace(0, 44, 440_001)
    dt = grid[1] - grid[0]
    mid = grid[:-1] + dt / 2
    # the weight active at each grid midpoint (start <= mid < end), summed with a difference
    # array rather than a 300 x 440,000 mask: the same sums, without a gigabyte of memory
    first = np.searchsorted(mid, starts, side="left")
    stop = np.searchsorted(mid, ends, side="left")
    steps = np.bincount(first, weights, len(mid) + 1) - np.bincount(stop, weights, len(mid) + 1)
    density = np.cumsum(steps)[:-1]
    brute = np.array(
        [
            density[(mid >= a) & (mid < b)].sum() * dt
            for a, b in zip(bounds[:-1], bounds[1:], strict=True)
        ]
    )
    np.testing.assert_allclose(interval_mass(starts, ends, bounds, weights), brute, atol=0.05)


def test_instant_occupancy_counts_beds_at_the_hour_like_kh03():
    """Hand-checked: two bins of two days, 4 beds, then 2 from day 3 (a ward closed)."""
    starts = np.array([0.2, 0.9, 1.5, 2.6])
    stops = np.array([1.2, 3.5, 1.6, 10.0])
    log = [(0.0, 4), (3.0, 2)]
    bounds = np.array([0.0, 2.0, 4.0])
    # midnights 0, 1 | 2, 3: occupied 0, 2 | 1, 2 of 4, 4 | 4, 2 beds
    midnight, midday = instant_occupancy(starts, stops, log, bounds, (0.0, 0.5))
    np.testing.assert_allclose(midnight, [(0 / 4 + 2 / 4) / 2, (1 / 4 + 2 / 2) / 2])
    # middays 0.5, 1.5 | 2.5, 3.5: occupied 1, 2 (1.5 starts, 1.2 gone) | 1, 1 (3.5 gone)
    np.testing.assert_allclose(midday, [(1 / 4 + 2 / 4) / 2, (1 / 4 + 1 / 2) / 2])


def test_counts_in_bins():
    assert counts_in_bins(
        np.array([0.0, 0.5, 1.0, 2.5, 9.0]), np.array([0.0, 1.0, 3.0])
    ).tolist() == [2, 2]


@pytest.mark.parametrize("dist, cv", [("lognormal", 1.2), ("gamma", 0.7), ("exponential", 1.0)])
def test_length_of_stay_moments(dist, cv):
    u = np.random.default_rng(7).random(400_000)
    x = los_quantile(LengthOfStayConfig(dist, 4.0, cv), u)
    assert x.min() > 0
    assert x.mean() == pytest.approx(4.0, rel=0.02)
    assert x.std() / x.mean() == pytest.approx(cv, rel=0.04)


def test_fixed_length_of_stay():
    assert np.all(los_quantile(LengthOfStayConfig("fixed", 3.0, 0.0), np.array([0.1, 0.9])) == 3.0)


@pytest.mark.parametrize("cv", [0.0, 2.2250738585e-313, 1e-7])
def test_a_gamma_stay_without_spread_is_fixed(cv):
    """The fuzz suite's long tier (shard 1, 2026-12-04) drew a gamma elective stay with cv
    2.2e-313: its shape 1 / cv^2 divided by zero. The limit of no spread is a fixed stay."""
    u = np.array([0.01, 0.5, 0.99])
    assert np.all(los_quantile(LengthOfStayConfig("gamma", 3.0, cv), u) == 3.0)
    near = los_quantile(LengthOfStayConfig("gamma", 3.0, 1e-3), u)
    assert near == pytest.approx(3.0, rel=0.01) and near[0] < near[2]


def test_deprivation_gradient_mean_one_and_ratio():
    shares = np.array([0.3, 0.25, 0.2, 0.15, 0.1])
    g = deprivation_gradient(1.7, shares)
    assert (g * shares).sum() == pytest.approx(1.0)
    assert g[0] / g[-1] == pytest.approx(1.7)


def test_apportion_is_exact():
    w = np.random.default_rng(3).random((6, 5, 4))
    assert apportion(300_001, w).sum() == 300_001


def test_stationary_rates_balance_every_cell():
    cfg = load()
    pop = Population(cfg, Streams(1)["population"])
    structure, mortality = pop.age_frailty_structure, pop.age_frailty_mortality
    np.testing.assert_allclose(
        structure, np.asarray(cfg.place.age_shares)[:, None] * frailty_shares(cfg.population)
    )
    ageing, frailty, births = stationary_rates(structure, mortality)
    inflow = np.zeros_like(structure)
    inflow[0, 0] += births
    inflow[1:] += ageing[:-1, None] * structure[:-1]
    inflow[:, 1:] += frailty[:, :-1] * structure[:, :-1]
    outflow = structure * (mortality + ageing[:, None] + frailty)
    np.testing.assert_allclose(inflow, outflow, atol=2e-6)


def test_population_conserved_and_stable():
    # the population alone: no hospital takes its share of deaths, so set that share to 0
    cfg = load(
        {
            "place": {"population": 50_000},
            "population": {"in_hospital_death_share": 0.0, "transitions": "stationary"},
        }
    )
    pop = Population(cfg, Streams(5)["population"])
    for _ in range(120):
        pop.step_month()
    assert pop.total == pytest.approx(pop.initial_total + pop.births - pop.deaths, rel=1e-12)
    assert abs(pop.total / pop.initial_total - 1) < 0.03


def test_replication_seeds_are_distinct_and_stable():
    seeds = replication_seeds(42, 500)
    assert len(set(seeds)) == 500
    assert replication_seeds(42, 3) == seeds[:3]


def test_named_streams_do_not_depend_on_creation_order():
    a, b = Streams(9), Streams(9)
    a["x"]
    first = a["emergency_los"].random(3)
    assert np.array_equal(first, b["emergency_los"].random(3))


def _demand(cfg, seed=11):
    streams = Streams(seed)
    pop = Population(cfg, streams["population"])
    return Demand(cfg, pop, streams)


def test_arrival_counts_match_the_rate():
    cfg = load({"demand": {"winter_peak_amplitude": 0.0}})
    d = _demand(cfg)
    n = sum(len(d.emergency_batch(30.0 * k, 30.0 * (k + 1), 6, 1.0).time) for k in range(24))
    expected = (d.emergency_presentation_rate * d.population.counts).sum() / 365.25 * 720
    assert abs(n - expected) < 4 * np.sqrt(expected)


def test_demand_cut_keeps_a_subset_of_the_same_patients():
    cfg = load()
    full = _demand(cfg).emergency_batch(0.0, 31.0, 1, 1.0)
    cut = _demand(cfg).emergency_batch(0.0, 31.0, 1, 0.9)
    keys = set(zip(full.time.round(9), full.base_los.round(9), strict=False))
    assert set(zip(cut.time.round(9), cut.base_los.round(9), strict=False)) <= keys
    assert len(cut.time) / len(full.time) == pytest.approx(0.9, abs=0.03)


def test_avoided_presentations_belong_to_the_people_reached():
    """Proactive care that removes every presentation of NYHA III-IV people: the avoided
    presentations, and the deaths they carry (which still happen, out of hospital), come from
    those people, not from the fitter people in the same age band and quintile."""
    cfg = load({"demand": {"winter_peak_amplitude": 0.0}})
    d = _demand(cfg)
    reached = np.indices(SHAPE)[4] >= 3
    factor = np.where(reached, 0.0, 1.0)
    batch = d.emergency_batch(0.0, 365.25, 1, 1.0, factor, factor)
    cells = np.array([c for _, c in batch.avoided_deaths], dtype=np.int64)
    assert len(cells) > 0 and reached.ravel()[cells].all()
    assert not reached.ravel()[batch.cell].any()
    expected = (d.emergency_rate() * d.population.counts)[reached].sum()
    assert abs(len(batch.avoided_time) - expected) < 4 * np.sqrt(expected)
    deaths = (d.emergency_rate() * d.population.counts * d.death_probability)[reached].sum()
    assert abs(len(cells) - deaths) < 4 * np.sqrt(deaths)


def test_calendar_financial_years():
    cal = Calendar("2024-04-01", 24, 12)
    assert cal.financial_year[0] == "2024/25" and cal.financial_year[12] == "2025/26"
    assert cal.reporting_year[11] == 0 and cal.reporting_year[12] == 1
    assert cal.days_in_month()[:3].tolist() == [30, 31, 30]


def _hospital(**hospital):
    import simpy

    cfg = load({"hospital": hospital})
    wl = WaitingList(28.0, 126.0)
    return Hospital(simpy.Environment(), cfg, wl)


def test_callback_events_fire_like_timeouts():
    """Light callback events interleave with SimPy timeouts by time, then by creation order."""
    env = simpy.Environment()
    fired = []

    def note(event):
        fired.append((env.now, event.value))

    delays = [0.5, 0.25, 0.5, 0.1, 0.25, 0.5, 1 / 3, 1 / 3]
    for k, delay in enumerate(delays):
        if k % 2:
            Callback(env, delay, note, k)
        else:
            env.timeout(delay, value=k).callbacks.append(note)

    def later(event):  # scheduled while the run is under way: after older ties
        Callback(env, 0.25, note, "late")
        env.timeout(0.25, value="late timeout").callbacks.append(note)

    env.timeout(0.25).callbacks.append(later)
    env.run()
    by_time = sorted(range(len(delays)), key=lambda k: (delays[k], k))
    assert fired[: len(delays)] == [(delays[k], k) for k in by_time]
    assert fired[len(delays) :] == [(0.5, "late"), (0.5, "late timeout")]
    with pytest.raises(ValueError, match="negative delay"):
        Callback(env, -1.0, note)


def test_run_until_stops_where_simpy_run_does():
    """The inlined run loop processes the same events as ``env.run(until=...)``."""

    def build():
        env = simpy.Environment()
        fired = []

        def ticker(name, gap):
            while True:
                yield env.timeout(gap)
                fired.append((env.now, name))

        env.process(ticker("a", 0.75))
        env.process(ticker("b", 1.5))
        Callback(env, 3.0, lambda event: fired.append((env.now, "at the stop")))
        return env, fired

    env, expected = build()
    env.run(until=3.0)
    env2, fired = build()
    run_until(env2, 3.0)
    assert fired == expected and env2.now == env.now == 3.0
    assert (3.0, "at the stop") not in fired  # the stop comes first at its own time
    run_until(env2, 4.5)  # and the run goes on from there
    env.run(until=4.5)
    assert fired == expected
    with pytest.raises(ValueError):
        run_until(env2, 4.5)


def test_discharge_window_defers_night_discharges_in_order():
    h = _hospital(**{**ONE_POOL_ANY_HOUR, "discharge_window_hours": [8.0, 20.0]})
    noon, night1, night2, early = 3.5, 3.0 + 21 / 24, 3.0 + 23 / 24, 4.0 + 2 / 24
    assert h.discharge_time(noon) == noon
    out = [h.discharge_time(t) for t in (night1, night2, early)]
    assert all(4 + 8 / 24 <= t < 4 + 20 / 24 for t in out)
    assert out == sorted(out)


def test_pressure_channels_switch_off_at_zero():
    h = _hospital(
        discharge_pressure_slope=0.0, saturation_slope=0.0, admission_threshold_sensitivity=0.0
    )
    for occ in (0.5, 0.9, 0.99):
        assert h.stay_multiplier(occ) == 1.0
        assert h.marginal_admission_probability(occ) == pytest.approx(0.6)


def test_stay_response_is_n_shaped():
    h = _hospital()
    assert h.stay_multiplier(0.8) > h.stay_multiplier(0.9) > h.stay_multiplier(0.93)
    assert h.stay_multiplier(0.99) > h.stay_multiplier(0.93)


def test_cell_within_block_matches_brute_force_and_never_picks_empty_cells():
    rng = np.random.default_rng(0)
    act = rng.random((30, 1000)) * (rng.random((30, 1000)) < 0.3)
    blocks = rng.integers(0, 30, 5000)
    u = rng.random(5000)
    cells = Demand._cells_within(blocks, u, act)
    cdf = np.cumsum(act, axis=1)
    cdf = cdf / cdf[:, -1:]
    brute = blocks * 1000 + np.minimum((cdf[blocks] <= u[:, None]).sum(axis=1), 999)
    assert np.array_equal(cells, brute)
    assert (act.ravel()[cells] > 0).all()


@pytest.mark.parametrize("level", [0.95, 0.99, 0.999])
def test_t_interval_matches_scipy_and_the_row_version(level):
    values = np.random.default_rng(3).normal(2.0, 0.5, 7)
    expected = stats.t.interval(level, 6, loc=values.mean(), scale=stats.sem(values))
    np.testing.assert_allclose(t_interval(values, level), expected, rtol=1e-12)
    wide = pd.DataFrame([values, 2 * values])
    np.testing.assert_allclose(
        row_half_widths(wide, level), [t_half_width(values, level), 2 * t_half_width(values, level)]
    )
    assert np.isnan(t_half_width(values[:1], level))

"""COPD stages as a Markov chain: with ageing, deaths, incidence and heart failure switched
off, the stage mix converges to the stationary distribution of the chain the model runs,
computed here with numpy; the people are independent chains, so the margin is multinomial."""

import numpy as np
import pytest

from leftshift.config import load
from leftshift.model import simulate
from leftshift.model.population import copd_generator

pytestmark = pytest.mark.integration

LAMBE = np.array(
    [
        [0.9047, 0.0876, 0.0, 0.0, 0.0077],
        [0.0510, 0.9001, 0.0362, 0.0, 0.0128],
        [0.0, 0.1044, 0.8368, 0.0324, 0.0265],
        [0.0, 0.0, 0.0936, 0.8187, 0.0877],
    ]
)


def progression_only(population=20_000, years=40, stochastic=True):
    no_death = LAMBE.copy()
    no_death[np.arange(4), np.arange(4)] += no_death[:, 4]  # deaths stay in their stage
    no_death[:, 4] = 0.0
    return load(
        {
            "place": {"population": population, "general_acute_beds": 50},
            "population": {
                "stochastic": stochastic,
                "transitions": "published",
                "ageing": False,
                "mortality_per_1000_by_age": [0.0] * 6,
                "births_per_1000": 0.0,
                "frailty_onset_per_1000_by_age": [0.0] * 6,
                "frailty_progression_per_1000": [0.0, 0.0],
                "copd": {
                    "prevalence_by_age": [0.5] * 6,
                    "deprivation_ratio_q1_to_q5": 1.0,
                    "stage_mix": [0.0, 0.0, 0.0, 1.0],  # start far from equilibrium
                    "incidence_per_1000_by_age": [0.0] * 6,
                    "annual_transitions": no_death.tolist(),
                    "background_mortality_at_source": 0.0,
                },
                "heart_failure": {
                    "prevalence_by_age": [0.0] * 6,
                    "incidence_per_1000_by_age": [0.0] * 6,
                },
            },
            "demand": {
                "emergency_admissions_per_1000_by_age": [0.0] * 6,
                "elective_referrals_per_1000_by_age": [0.0] * 6,
                "initial_waiting_list_per_1000": 0.0,
            },
            "run": {"horizon_years": years, "warmup_months": 0},
        }
    )


def stationary(matrix: np.ndarray) -> np.ndarray:
    values, vectors = np.linalg.eig(matrix.T)
    v = np.real(vectors[:, np.argmin(np.abs(values - 1))])
    return v / v.sum()


def monthly_matrix(cfg) -> np.ndarray:
    """The monthly chain the model samples: competing hazards, one multinomial a month."""
    moves, _ = copd_generator(cfg.population)
    h = moves / 12.0
    total = h.sum(axis=1)
    leave = -np.expm1(-total)
    m = leave[:, None] * h / total[:, None]
    m[np.arange(4), np.arange(4)] = 1 - leave
    return m


def stage_shares(res, month):
    rows = res.prevalence[
        (res.prevalence["dimension"] == "copd") & (res.prevalence["month"] == month)
    ]
    people = rows.groupby("state", observed=True)["people"].sum()
    counts = np.array([people[f"GOLD{k}"] for k in range(1, 5)])
    return counts / counts.sum(), counts.sum()


def test_expected_value_cohort_is_the_chain_exactly():
    """The default (expected-value) cohort is p0 M^n to rounding, with no sampling margin."""
    cfg = progression_only(years=10, stochastic=False)
    res = simulate(cfg, 11)
    m = monthly_matrix(cfg)
    for month in (12, 60, 119):
        observed, _ = stage_shares(res, month)
        expected = np.array([0.0, 0.0, 0.0, 1.0]) @ np.linalg.matrix_power(m, month)
        np.testing.assert_allclose(observed, expected, atol=1e-9)


def test_copd_stage_mix_follows_the_chain_to_its_stationary_distribution():
    cfg = progression_only(years=60)
    res = simulate(cfg, 11)
    m = monthly_matrix(cfg)
    start = np.array([0.0, 0.0, 0.0, 1.0])
    # the snapshot of month k is taken after k monthly steps
    for month in (24, 120, 360, 719):
        observed, n = stage_shares(res, month)
        expected = start @ np.linalg.matrix_power(m, month)
        margin = 4 * np.sqrt(expected * (1 - expected) / n) + 1e-9
        assert np.all(np.abs(observed - expected) < margin), (month, observed, expected)
    # the mix converges to the stationary distribution: the simulated distance to it shrinks
    # (the slowest mode decays by ~0.6% a month, so 60 years is close, not exact), and the
    # chain's own limit is that distribution
    eq = stationary(m)
    early, _ = stage_shares(res, 24)
    final, _ = stage_shares(res, 719)
    assert np.abs(final - eq).sum() < 0.15 * np.abs(early - eq).sum()
    assert np.allclose(start @ np.linalg.matrix_power(m, 3000), eq, atol=1e-6)
    # the monthly chain keeps the annual matrix's equilibrium (the matrix logarithm preserves
    # it up to the clipping of tiny negative rates), and the test starts far from it
    annual = np.asarray(cfg.population.copd.annual_transitions)[:, :4]
    assert np.allclose(eq, stationary(annual), atol=0.01)
    assert eq[3] < 0.2

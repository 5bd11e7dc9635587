"""Economic evaluation: discounting, ICER, NMB and CEAC on hand-computed cases; PSA draws;
common random numbers; the compare command."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from leftshift.analysis.economics import (
    ceac,
    decision_quadrant,
    discount_factors,
    economic_evaluation,
    icer,
    significant,
)
from leftshift.analysis.experiment import arm_seed, run_experiment
from leftshift.cli import compare_arguments
from leftshift.config import EffectConfig, load
from leftshift.model.psa import distribution as psa_distribution
from leftshift.model.psa import draw, sample, uncertain_parameters
from tests.helpers import TEST_JOBS, small_config


@pytest.mark.unit
@pytest.mark.parametrize(
    "cost, qalys, quadrant, words",
    [
        (2e6, 100, "north-east", "costs GBP 2.0 m more and gains 100 QALYs: GBP 20,000 per QALY"),
        (-3e6, 50, "south-east", "saves GBP 3.0 m and gains 50 QALYs: it dominates"),
        (1e6, -10, "north-west", "costs GBP 1.0 m more and loses 10 QALYs: it is dominated"),
        (-282e6, -190.7, "south-west", "each QALY lost saves GBP 1,478,762"),
        (5e5, 0.0, "none", "costs GBP 0.5 m more, with no change in QALYs"),
    ],
)
def test_the_decision_says_which_quadrant_in_words(cost, qalys, quadrant, words):
    """An ICER of GBP 1.5 m in the south-west quadrant must not read like one in the north-east."""
    d = decision_quadrant(cost, qalys)
    assert d["quadrant"] == quadrant
    assert words in d["sentence"], d["sentence"]


@pytest.mark.unit
def test_a_cost_per_qaly_from_few_replications_is_rounded():
    assert significant(39_934) == 40_000 and significant(-1_478_762) == -1_500_000
    assert significant(0.01234) == pytest.approx(0.012) and significant(0.0) == 0.0
    assert np.isnan(significant(float("nan")))
    rough = decision_quadrant(1.0e6, 25.04, rough=True)["sentence"]
    assert "about GBP 40,000 per QALY gained" in rough, rough
    assert "GBP 39,936 per QALY gained" in decision_quadrant(1.0e6, 25.04)["sentence"]
    assert "saves about GBP 1,500,000" in decision_quadrant(-282e6, -190.7, rough=True)["sentence"]


@pytest.mark.unit
def test_discounting_icer_and_nmb_on_a_hand_computed_case():
    # year 1 undiscounted, then 3.5% a year
    np.testing.assert_allclose(discount_factors(0.035, [1, 2, 3]), [1.0, 1 / 1.035, 1 / 1.035**2])
    # GBP 1,000 a year for three years and 0.01 QALYs a year
    cost = 1000.0 * discount_factors(0.035, [1, 2, 3]).sum()
    qalys = 0.01 * discount_factors(0.035, [1, 2, 3]).sum()
    assert cost == pytest.approx(1000 + 966.1836 + 933.5107, abs=1e-3)
    assert icer(cost, qalys) == pytest.approx(100_000.0)
    assert 20_000 * qalys - cost == pytest.approx(-0.8 * cost)  # NMB at GBP 20k
    assert np.isnan(icer(cost, 0.0))


@pytest.mark.unit
def test_ceac_rises_with_willingness_to_pay_when_qalys_are_gained():
    rng = np.random.default_rng(1)
    dq = rng.uniform(0.5, 2.0, 200)  # every replication gains QALYs
    dc = rng.normal(30_000, 20_000, 200)
    curve = ceac(dc, dq)
    p = curve["probability_cost_effective"].to_numpy()
    assert (np.diff(p) >= 0).all() and p[-1] > p[0]
    # by hand at GBP 20,000: share of replications with 20,000 dq > dc
    at = curve.set_index("willingness_to_pay_gbp").loc[20_000.0, "probability_cost_effective"]
    assert at == pytest.approx(np.mean(20_000 * dq - dc > 0))


@pytest.mark.unit
def test_psa_draws_are_reproducible_and_shared_by_arms():
    cfg = load({"run": {"psa": True}})
    keys = [k for k, _ in uncertain_parameters(cfg)]
    assert "community.proactive_care.exacerbation_reduction" in keys
    a, draws_a = sample(cfg, 42)
    b, draws_b = sample(cfg, 42)
    _, draws_c = sample(cfg, 43)
    assert draws_a == draws_b and draws_a != draws_c
    assert a.community.proactive_care.exacerbation_reduction.mean == pytest.approx(
        draws_a["community.proactive_care.exacerbation_reduction"]
    )


@pytest.mark.unit
@pytest.mark.parametrize("distribution", ["triangular", "uniform", "normal"])
def test_effect_distributions_have_the_configured_mean_and_bounds(distribution):
    mean, low, high = (0.15, -0.10, 0.35) if distribution == "triangular" else (0.1, -0.1, 0.3)
    effect = EffectConfig(mean, low, high, distribution)
    # draw() takes one value per call from the distribution: the same values as one vector
    one_by_one = [draw(effect, rng) for rng in [np.random.default_rng(7)] for _ in range(50)]
    x = psa_distribution(effect).rvs(size=20_000, random_state=np.random.default_rng(7))
    assert one_by_one == pytest.approx(x[:50], rel=1e-12)
    assert x.mean() == pytest.approx(mean, abs=0.005)
    if distribution == "normal":  # low and high are the 2.5th and 97.5th centiles
        assert np.mean(x < low) == pytest.approx(0.025, abs=0.005)
    else:
        assert x.min() >= low and x.max() <= high


@pytest.mark.unit
@pytest.mark.parametrize("distribution", ["triangular", "uniform", "normal"])
def test_effect_distributions_are_scipy_ones_with_the_configured_mean(distribution):
    effect = EffectConfig(0.1, -0.1, 0.3, distribution)
    dist = psa_distribution(effect)
    assert dist.mean() == pytest.approx(0.1)
    if distribution == "normal":
        assert dist.ppf([0.025, 0.975]) == pytest.approx([-0.1, 0.3])
    else:
        assert dist.support() == pytest.approx((-0.1, 0.3))


@pytest.mark.unit
def test_a_triangular_mean_outside_its_feasible_range_is_rejected():
    from leftshift.config import ConfigError

    with pytest.raises(ConfigError, match="mean must lie between"):
        load({"community": {"proactive_care": {"exacerbation_reduction": {"mean": 0.34}}}})


@pytest.mark.unit
def test_compare_command_maps_bare_keys_to_run_settings():
    args = compare_arguments(["experiment=neighbourhood_teams", "replications=50", "psa=true"])
    assert args == [
        "experiment=neighbourhood_teams",
        "run.replications=50",
        "run.psa=true",
        "run.n_jobs=-1",
    ]
    assert compare_arguments(["n_jobs=2"]) == ["run.n_jobs=2"]
    assert compare_arguments(["freed=both", "n_jobs=1"]) == [
        "experiment.freed_capacity=both",
        "run.n_jobs=1",
    ]


CUT = {"emergency_demand_multiplier": {"start_year": 0.0, "value": 0.9}}


def crn_variance_ratio(reps, years, place=None):
    """Variance of the paired bed-day difference: independent seeds / common random numbers.

    Only the scenario arm's seeds depend on ``run.common_random_numbers``, so the baseline
    arm is run once and paired with both scenario arms (the same numbers as two full runs).
    """
    configs = {}
    for crn in (True, False):
        run = {"replications": reps, "horizon_years": years, "n_jobs": TEST_JOBS}
        sections = {"interventions": CUT, "run": {**run, "common_random_numbers": crn}}
        if place:
            sections["place"] = place
        configs[crn] = small_config(**sections)
    assert [arm_seed(configs[True], "baseline", r) for r in range(reps)] == [
        arm_seed(configs[False], "baseline", r) for r in range(reps)
    ]
    assert [arm_seed(configs[True], "scenario", r) for r in range(reps)] != [
        arm_seed(configs[False], "scenario", r) for r in range(reps)
    ]

    def bed_days(ex):
        return ex.yearly().groupby(["arm", "replication"])["bed_days"].sum()

    paired = bed_days(run_experiment(configs[True]))
    independent = bed_days(run_experiment(configs[False], only_arm="scenario"))
    variances = [
        np.var(scenario["scenario"] - paired["baseline"], ddof=1)
        for scenario in (paired, independent)
    ]
    return variances[1] / variances[0], reps


def check_crn(ratio, reps, lower_bound_at_least):
    """Variance at least halved (point estimate), and the one-sided 95% F lower bound of the
    ratio at least ``lower_bound_at_least``."""
    assert ratio >= 2.0, ratio
    assert ratio / stats.f.ppf(0.95, reps - 1, reps - 1) >= lower_bound_at_least, ratio


@pytest.mark.integration
@pytest.mark.slow  # 24 s of make test (2026-12-03); the default-place version below is slow too
def test_common_random_numbers_cut_the_variance_of_the_difference():
    check_crn(*crn_variance_ratio(16, 2), lower_bound_at_least=1.0)


@pytest.mark.integration
@pytest.mark.slow
def test_common_random_numbers_cut_the_variance_slow_default_place():
    default = {"name": "default", "population": 300_000, "general_acute_beds": 540}
    check_crn(*crn_variance_ratio(30, 10, place=default), lower_bound_at_least=2.0)


@pytest.mark.integration
def test_economic_evaluation_end_to_end_on_a_small_experiment():
    cfg = small_config(
        interventions={
            "neighbourhood_teams": {
                "care_coordinators_wte_per_100k": {"years": [0.0], "values": [6.0]},
                "maturity": {"years": [0.0], "values": [1.0]},
            }
        },
        run={"replications": 3, "n_jobs": TEST_JOBS, "psa": True},
    )
    results = run_experiment(cfg)
    per_year, summary, curve = economic_evaluation(cfg, results)
    assert set(per_year["reporting_year"]) == {1, 2, 3}
    # discounting shrinks later years only
    first = per_year[per_year["reporting_year"] == 1]
    assert (first["cost"] == first["cost_discounted"]).all()
    assert summary["incremental_cost_gbp"]["mean"] > 0  # posts are paid for
    nmb = summary["net_monetary_benefit_gbp"]["20000"]["mean"]
    assert nmb == pytest.approx(
        20_000 * summary["incremental_qalys"]["mean"] - summary["incremental_cost_gbp"]["mean"]
    )
    samples = results.psa_samples()
    by_arm = samples.pivot_table(index=["replication", "parameter"], columns="arm", values="value")
    assert (by_arm["baseline"] == by_arm["scenario"]).all()  # the same draw in every arm
    assert isinstance(curve, pd.DataFrame) and len(curve) > 10
    # NMB at the NHS's own opportunity cost too (Claxton 2015), beside NICE's range
    assert set(summary["net_monetary_benefit_gbp"]) == {"13000", "20000", "30000"}
    assert summary["decision"]["quadrant"] in ("north-east", "north-west")  # posts cost money
    # 3 replications: too few to project how many a precise answer needs
    guidance = summary["replication_guidance"]
    assert guidance["metrics"] == {} and "fewer than 5" in guidance["not_estimated"]


@pytest.mark.unit
def test_life_expectancy_of_a_constant_hazard_is_its_inverse():
    from leftshift.model.outcomes import remaining_life_expectancy

    cfg = load({"population": {"mortality_per_1000_by_age": [20.0] * 6}})
    np.testing.assert_allclose(remaining_life_expectancy(cfg), 50.0, rtol=1e-9)
    # higher mortality in old age leaves fewer years at every age, and fewest at 85+
    left = remaining_life_expectancy(load(None))
    assert (np.diff(left) < 0).all() and left[-1] == pytest.approx(1000.0 / 140.0)


@pytest.mark.unit
def test_break_even_needs_a_gap_to_close():
    from leftshift.analysis.money import NO_GAP, break_even

    years = ["2025/26", "2026/27", "2027/28"]
    assert break_even(pd.Series([5.0, 2.0, -1.0], index=years)) == "2027/28"
    assert break_even(pd.Series([0.0, 5.0, 9.0], index=years)) is None  # never paid back
    assert break_even(pd.Series([0.0, -5.0, -9.0], index=years)) == NO_GAP

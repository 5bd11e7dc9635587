"""Population health: workforce dynamics, proactive-care reach and behaviour B4 (benefit grows
over the medium term), with margins from paired replications."""

import copy

import numpy as np
import pytest
import yaml

from leftshift.analysis.experiment import run_experiment
from leftshift.analysis.intervals import t_interval
from leftshift.config import StaffGroupConfig, load
from leftshift.model.community import ProactiveCare, StaffGroup, piecewise
from leftshift.model.population import SHAPE
from tests.helpers import CORE_MODEL, ROOT, SMALL_PLACE, TEST_JOBS

TEAMS = yaml.safe_load((ROOT / "scenarios/experiment/neighbourhood_teams.yaml").read_text())


@pytest.mark.unit
def test_piecewise_starts_ramps_and_stops():
    years, values = [1.0, 2.0, 4.0, 5.0], [2.0, 4.0, 4.0, 0.0]
    assert piecewise(years, values, 0.5) == 0.0  # not started
    assert piecewise(years, values, 1.5) == pytest.approx(3.0)  # ramping
    assert piecewise(years, values, 3.0) == 4.0
    assert piecewise(years, values, 9.0) == 0.0  # stopped
    assert piecewise([], [], 3.0) == 0.0


@pytest.mark.unit
def test_workforce_lags_caps_ramps_and_leaves():
    cfg = StaffGroupConfig(
        recruitment_lag_months=3,
        max_hires_per_month_per_100k=2.0,
        vacancy_rate=0.1,
        ramp_months=4,
        attrition_per_year=0.12,
    )
    group = StaffGroup("nurses", cfg, population=100_000)
    funded = []
    for month in range(60):
        group.step(month, 20.0)
        funded.append((group.in_post, group.productive(month)))
    assert funded[2][0] == 0.0  # nobody starts before the recruitment lag
    assert funded[3][0] == pytest.approx(2.0)  # the hiring cap binds
    assert funded[4][1] < funded[4][0]  # new starters are not yet fully productive
    in_post, productive = funded[-1]
    # steady state: in post + in recruitment = funded x (1 - vacancy) = 18, and recruitment
    # holds about lag x monthly leavers = 3 x 18 x (1 - exp(-0.12 / 12)) WTE
    pipeline = sum(w for _, w in group.pipeline)
    assert in_post + pipeline == pytest.approx(18.0, rel=1e-6)
    assert pipeline == pytest.approx(3 * 18 * (1 - np.exp(-0.01)), rel=0.05)
    assert productive <= in_post


@pytest.mark.unit
def test_reach_fills_priority_tiers_first():
    cfg = load(
        {
            "community": {
                "proactive_care": {
                    "target_copd_min_stage": 3,
                    "target_hf_min_class": 5,
                    "target_frailty_min_level": 4,
                }
            }
        }
    )
    care = ProactiveCare(cfg)
    counts = np.zeros(SHAPE)
    counts[3, 0, 0, 4, 0] = 100  # GOLD 4
    counts[3, 0, 0, 3, 0] = 100  # GOLD 3
    counts[3, 0, 0, 2, 0] = 100  # GOLD 2: not eligible
    share = care.reach(counts, capacity=150)
    assert share[3, 0, 0, 4, 0] == 1.0 and share[3, 0, 0, 3, 0] == pytest.approx(0.5)
    assert share[3, 0, 0, 2, 0] == 0.0
    assert (share * counts).sum() == pytest.approx(150)


def b4_experiment(effects_on: bool):
    """Strong effects and ample caseload on the small place: the mechanism, quickly."""
    pc = {
        **TEAMS["community"]["proactive_care"],
        "progression_reduction": {
            "mean": 0.4 if effects_on else 0.0,
            "low": 0.0,
            "high": 0.5,
            "distribution": "fixed",
        },
        "exacerbation_reduction": {
            "mean": 0.3 if effects_on else 0.0,
            "low": 0.0,
            "high": 0.5,
            "distribution": "fixed",
        },
        "other_admission_reduction": {
            "mean": 0.0,
            "low": 0.0,
            "high": 0.2,
            "distribution": "fixed",
        },
    }
    return run_experiment(
        load(
            {
                # the core model: B4 is the population's disease, not the hospital's flow
                **copy.deepcopy(CORE_MODEL),
                "interventions": TEAMS["interventions"],
                "community": {
                    "proactive_care": pc,
                    "care_coordinators": {"caseload_per_wte": 300},
                    "community_nurses": {"caseload_per_wte": 300},
                },
                "place": {**SMALL_PLACE, **CORE_MODEL["place"]},
                # 6 years: every phase of the teams is in by year 5, and years 5-6 are the
                # window compared with year 1 (the slow tier runs the default place over 10).
                # With effects: 3 replications (6 over 10 years gave 99% intervals of -0.27
                # to -0.24 and -0.13 to -0.11, far from 0; 4 over 6 years until 2026-12-06);
                # without: the arms are identical draw for draw (checked exactly), so 2 say
                # as much
                "run": {
                    "replications": 3 if effects_on else 2,
                    "n_jobs": TEST_JOBS,
                    "horizon_years": 6,
                },
            }
        )
    )


def change_over_time(ex, metrics, how):
    """Per replication: relative difference in years 5-10 minus that in year 1."""
    mon = ex.monthly()
    mon = mon[mon["metric"].isin(metrics)]
    per_year = mon.groupby(["arm", "replication", "reporting_year", "month"])["value"].sum()
    yearly = per_year.groupby(["arm", "replication", "reporting_year"]).agg(how).unstack("arm")
    rel = (yearly["scenario"] / yearly["baseline"] - 1).unstack("replication")
    return (rel.loc[5:10].mean() - rel.loc[1]).to_numpy()


EXACERBATIONS = ["admissions_copd_exacerbation", "admissions_heart_failure"]
SEVERE = ["people_in_a_severe_state"]
LEVEL = 0.99  # two-sided level of the t intervals over paired replications


@pytest.mark.integration
def test_b4_benefit_grows_over_the_medium_term():
    ex = b4_experiment(effects_on=True)
    for metrics, how in ((EXACERBATIONS, "sum"), (SEVERE, "mean")):
        change = change_over_time(ex, metrics, how)
        assert (change < 0).all() and t_interval(change, LEVEL)[1] < 0, metrics


@pytest.mark.integration
def test_b4_no_effect_means_no_difference_beyond_noise():
    """Funding the posts with effects of 0 changes no random draw (common random numbers), so
    the difference is not just within noise: it is exactly 0."""
    ex = b4_experiment(effects_on=False)
    for metrics, how in ((EXACERBATIONS, "sum"), (SEVERE, "mean")):
        assert (change_over_time(ex, metrics, how) == 0).all(), metrics


@pytest.mark.integration
@pytest.mark.slow
@pytest.mark.xfail(
    strict=True,
    reason="measured 2026-12-04 (docs/validation.md, 'B4 at the default place'): disease"
    " admissions fall further in years 5-10, but people in a severe state RISE against the"
    " baseline (+1.0% by year 10 stationary, +0.8% projected), because severe heart failure"
    " rises (+2.5% / +4.2%): fewer admissions mean fewer deaths in and after hospital, so"
    " more people live on in NYHA III-IV, while severe frailty and COPD fall. B4's 'fewer in"
    " severe stages' does not hold for the shipped scenario; the fast test holds on its"
    " own effect sizes",
)
def test_b4_slow_default_place_with_the_scenarios_own_effects():
    """The neighbourhood_teams scenario as shipped (default effect sizes, caseloads and
    targeting), default place, 8 replications: severe states and disease admissions fall
    further in years 5-10 than in year 1."""
    ex = run_experiment(
        load(
            {
                "interventions": TEAMS["interventions"],
                "community": TEAMS["community"],
                "run": {"replications": 8, "n_jobs": TEST_JOBS},
            }
        )
    )
    assert t_interval(change_over_time(ex, EXACERBATIONS, "sum"), LEVEL)[1] < 0
    assert t_interval(change_over_time(ex, SEVERE, "mean"), LEVEL)[1] < 0

"""Sensitivity analysis: the SALib plumbing on a function with known indices, then the model."""

import numpy as np
import pandas as pd
import pytest
from SALib.test_functions import Ishigami

from leftshift.analysis.sensitivity import (
    ASSUMED_RANGE,
    OUTPUTS,
    analyse,
    apply_values,
    parameter_set,
    run_sensitivity,
    sample,
)
from leftshift.config import ConfigError, load
from tests.helpers import TEST_JOBS, compose_config

#: Ishigami (a=7, b=0.1) on [-pi, pi]^3, plus a dummy input the function ignores
ISHIGAMI = {
    "num_vars": 4,
    "names": ["x1", "x2", "x3", "dummy"],
    "bounds": [[-np.pi, np.pi]] * 4,
}
#: analytic first-order and total indices (Ishigami and Homma 1990; Sobol' and Levitan 1999)
ISHIGAMI_S1 = [0.3139, 0.4424, 0.0, 0.0]
ISHIGAMI_ST = [0.5576, 0.4424, 0.2437, 0.0]


def _ishigami(method, n, seed=1, base=None):
    x = sample(method, ISHIGAMI, n, seed, base=base)
    y = pd.DataFrame({"y": Ishigami.evaluate(x[:, :3])})
    return analyse(method, ISHIGAMI, x, y, seed).set_index("parameter")


@pytest.mark.unit
def test_sobol_indices_of_ishigami_match_the_analytic_values():
    indices = _ishigami("sobol", 1024)  # 1024 x (4 + 2) = 6,144 evaluations
    # each estimate within twice its bootstrap half-width (plus a little) of the known value
    for name, s1, st in zip(ISHIGAMI["names"], ISHIGAMI_S1, ISHIGAMI_ST, strict=True):
        row = indices.loc[name]
        assert row["S1"] == pytest.approx(s1, abs=2 * row["S1_conf"] + 0.01), name
        assert row["ST"] == pytest.approx(st, abs=2 * row["ST_conf"] + 0.01), name
    # x3 acts only through its interaction with x1: no first-order effect, a total one
    assert indices.loc["x3", "ST"] > 0.15 > abs(indices.loc["x3", "S1"])
    assert list(indices.sort_values("rank").index) == ["x1", "x2", "x3", "dummy"]


@pytest.mark.unit
@pytest.mark.parametrize("seed", [1, 2])
def test_morris_screening_ranks_ishigami_inputs(seed):
    indices = _ishigami("morris", 50, seed)
    ranked = list(indices.sort_values("rank").index)
    assert set(ranked[:2]) == {"x1", "x2"}  # mu* of x1 and x2 are close; their order varies
    assert ranked[2:] == ["x3", "dummy"]
    assert indices.loc["dummy", "mu_star"] == 0.0
    assert indices.loc["x3", "sigma"] > indices.loc["x3", "mu_star"]  # an interaction


@pytest.mark.unit
def test_oneway_swings_of_a_linear_function():
    problem = {"num_vars": 2, "names": ["a", "b"], "bounds": [[0.0, 2.0], [-1.0, 1.0]]}
    x = sample("oneway", problem, 0, 0, base=[1.0, 0.0])
    assert x.shape == (5, 2)
    y = pd.DataFrame({"y": 3 * x[:, 0] - 5 * x[:, 1]})
    indices = analyse("oneway", problem, x, y, 0).set_index("parameter")
    assert indices.loc["a", ["base", "at_low", "at_high", "swing"]].tolist() == [3, 0, 6, 6]
    assert indices.loc["b", ["at_low", "at_high", "swing"]].tolist() == [8, -2, 10]
    assert indices.loc["b", "rank"] == 1


@pytest.mark.unit
def test_oneway_swing_counts_an_effect_equal_at_both_ends():
    problem = {"num_vars": 2, "names": ["even", "flat"], "bounds": [[-1.0, 1.0], [-1.0, 1.0]]}
    x = sample("oneway", problem, 0, 0, base=[0.0, 0.0])
    y = pd.DataFrame({"y": x[:, 0] ** 2})
    indices = analyse("oneway", problem, x, y, 0).set_index("parameter")
    assert indices.loc["even", "swing"] == 1.0 and indices.loc["even", "rank"] == 1
    assert indices.loc["flat", "swing"] == 0.0


@pytest.mark.unit
@pytest.mark.parametrize("method", ["oneway", "morris", "sobol"])
def test_a_ranked_bar_chart_is_drawn_for_each_method(method):
    import matplotlib.pyplot as plt

    from leftshift.report.figure_style import RunInfo
    from leftshift.report.sensitivity_figures import sensitivity_figure

    x = sample(method, ISHIGAMI, 64, 1, base=[1.0, 1.0, 1.0, 0.0])
    y = pd.DataFrame({"y": Ishigami.evaluate(x[:, :3])})
    run = RunInfo("ishigami", "", "t", 1, 7, "0", "abc1234", "2026-01-01", "2024/25")
    fig = sensitivity_figure(method, analyse(method, ISHIGAMI, x, y, 1), "y", "Ishigami", "", run)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert len(labels) == 4 and labels[0] == "dummy"  # least influential at the bottom
    plt.close(fig)


@pytest.mark.unit
def test_parameter_set_declares_ranges_and_their_sources():
    cfg = load()
    params = {p.key: p for p in parameter_set(cfg)}
    effect = params["community.proactive_care.exacerbation_reduction"]
    assert (effect.base, effect.low, effect.high) == (0.15, -0.10, 0.35)
    assert "PSA range" in effect.range_source
    cost = params["finance.bed_day_cost_gbp"]
    base = cfg.finance.bed_day_cost_gbp  # GBP 901 at 2020/21 prices, in 2024/25 prices
    assert (cost.low, cost.high) == pytest.approx((0.8 * base, 1.2 * base))
    assert cost.range_source == ASSUMED_RANGE
    assert params["outcomes.hf_utility_multiplier[3]"].base == pytest.approx(0.561)
    assert all(p.low < p.high for p in params.values())
    with pytest.raises(ConfigError, match="no sensitivity parameter"):
        parameter_set(cfg, ["finance.bed_day_cost"])


@pytest.mark.unit
def test_apply_values_sets_leaves_list_elements_and_fixes_effects():
    cfg = apply_values(
        load(),
        {
            "finance.bed_day_cost_gbp": 1000.0,
            "outcomes.hf_utility_multiplier[3]": 0.5,
            "community.proactive_care.exacerbation_reduction": -0.1,
        },
    )
    assert cfg.finance.bed_day_cost_gbp == 1000.0
    assert list(cfg.outcomes.hf_utility_multiplier) == [1.0, 0.9024, 0.7805, 0.5]
    effect = cfg.community.proactive_care.exacerbation_reduction
    assert (effect.mean, effect.low, effect.high) == (-0.1, -0.1, -0.1)
    assert effect.distribution == "fixed"


SMALL = ["place=small", "run.horizon_years=2", "run.warmup_months=3", "run.replications=1"]


@pytest.mark.integration
def test_oneway_on_the_small_place_with_two_parameters():
    cfg = compose_config("experiment=neighbourhood_teams", *SMALL)
    keys = ["community.proactive_care.exacerbation_reduction", "finance.bed_day_cost_gbp"]
    result = run_sensitivity(cfg, "oneway", 0, keys=keys, n_jobs=TEST_JOBS)
    assert len(result.samples) == 5  # base, then low and high of each parameter
    assert set(result.indices["output"]) == {o.name for o in OUTPUTS}
    assert result.qaly_year == 2  # the horizon is shorter than year 10
    by = result.indices.set_index(["output", "parameter"])
    # the bed-day price changes money only; the same seeds give the same activity
    cost_key = ("bed_days", "finance.bed_day_cost_gbp")
    assert by.loc[cost_key, "swing"] == 0.0
    assert by.loc[("net_cost_year_2", "finance.bed_day_cost_gbp"), "swing"] > 0.0
    # a larger cut in exacerbations avoids more bed-days
    effect = by.loc[("bed_days", "community.proactive_care.exacerbation_reduction")]
    assert effect["at_high"] < effect["at_low"]


@pytest.mark.unit
def test_sensitivity_command_splits_its_own_arguments_from_overrides():
    from leftshift.sensitivity_cli import split_arguments

    own, overrides = split_arguments(["method=sobol", "n=8", "place=small", "run.seed=3"])
    assert own == {"method": "sobol", "n": "8", "replications": "1"}
    assert overrides == ["place=small", "run.seed=3"]


@pytest.mark.e2e
def test_sensitivity_command_writes_a_complete_results_folder(tmp_path, monkeypatch):
    import json

    from leftshift.report.rundir import is_complete
    from leftshift.sensitivity_cli import sensitivity_command

    monkeypatch.chdir(tmp_path)
    args = ["method=oneway", "experiment=neighbourhood_teams", "n_jobs=1", *SMALL[:-1]]
    assert sensitivity_command([*args, "params=finance.bed_day_cost"]) == 2  # not declared
    assert not (tmp_path / "outputs").exists()  # rejected before any folder is made
    assert sensitivity_command([*args, "params=finance.bed_day_cost_gbp"]) == 0
    (run_dir,) = (tmp_path / "outputs" / "sensitivity").iterdir()
    assert is_complete(run_dir)
    results = run_dir / "results"
    manifest = json.loads((results / "manifest.json").read_text())
    assert manifest["points"] == 3 and manifest["qaly_year"] == 2
    for name in ("indices.parquet", "indices.csv", "samples.parquet", "oneway_bed_days.png"):
        assert (results / name).is_file()
    indices = pd.read_csv(results / "indices.csv")
    assert len(indices) == len(OUTPUTS)

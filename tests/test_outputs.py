"""Run directories: atomic writes, failure markers, the command line end to end."""

import json
from pathlib import Path

import pandas as pd
import pytest

import leftshift.pipeline as runner
from tests.helpers import cli_env, run_cli, small_config

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.integration
def test_run_directory_is_complete_and_readable(tmp_path):
    cfg = small_config(  # the default figures (300 dpi PNG and SVG), checked below
        run={"horizon_years": 2},
        interventions={"emergency_demand_multiplier": {"value": 0.9}},
        report={"figure_formats": ["png", "svg"], "figure_dpi": 300},
    )
    summary = runner.run_to_directory(cfg, tmp_path)
    assert runner.is_complete(tmp_path)
    results = tmp_path / "results"
    manifest = json.loads((results / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["dependencies"]["simpy"]
    assert set(manifest["files"]) <= {p.name for p in results.iterdir()}
    monthly = pd.read_parquet(results / "monthly.parquet")
    assert {"arm", "replication", "seed", "month", "metric", "value"} <= set(monthly.columns)
    assert monthly["reporting_year"].min() == 1  # warm-up filtered out
    for name in (
        "occupancy.png",
        "waiting_list.png",
        "backfill.png",
        "comparison.parquet",
        "episodes_baseline.parquet",
        "episodes_scenario.parquet",
        "virtual_ward_stays_scenario.parquet",
        "config.yaml",
        "ledger.parquet",
        "finance_by_organisation.parquet",
        "money_comparison.parquet",
        "beds_avoided.parquet",
        "decommissioning_table.parquet",
        "double_running.png",
        "cost_by_organisation.png",
        "comparison_summary.parquet",
        "econ_summary.json",
        "econ_by_replication.parquet",
        "ceac.parquet",
        "ce_plane.png",
        "ceac.png",
        "incremental_qalys.png",
    ):
        assert (results / name).is_file(), name
    _figures_are_300_dpi_svg_too_and_okabe_ito(results, manifest)
    assert "backfill" in summary and "comparison_by_year" in summary
    tidy = pd.read_parquet(results / "comparison.parquet")
    assert list(tidy.columns) == ["arm", "replication", "period", "metric", "value"]
    econ = json.loads((results / "econ_summary.json").read_text())
    assert {"icer_gbp_per_qaly", "net_monetary_benefit_gbp", "break_even"} <= set(econ)
    money = summary["money"]
    assert {"with_transition_funding", "without_transition_funding"} <= set(money)
    assert money["without_transition_funding"]["break_even_year"]
    assert money["decommissioning_needs"]["text"]
    # beds avoided: cost avoidance, kept apart from the money (never added to the net cost)
    beds = summary["beds_avoided"]
    assert "not a cash saving" in beds["kind"] and "beds_avoided" not in money
    assert len(beds["by_year"]) == 2
    ledger = pd.read_parquet(results / "ledger.parquet")
    assert {"arm", "replication", "financial_year", "organisation", "category", "cause"} <= set(
        ledger.columns
    )
    orgs = pd.read_parquet(results / "finance_by_organisation.parquet")
    assert set(orgs["organisation"]) == {
        "acute_trust",
        "community_provider",
        "general_practice",
        "local_authority_social_care",
        "icb",
    }


def _figures_are_300_dpi_svg_too_and_okabe_ito(results: Path, manifest: dict) -> None:
    """Each figure is a 300 dpi PNG and an SVG, both listed, drawn in the palette's colours."""
    import re

    from PIL import Image

    from leftshift.report.figure_style import NEUTRAL_COLOURS, OKABE_ITO, PNG_DPI

    allowed = {c.lower() for c in (*OKABE_ITO.values(), *NEUTRAL_COLOURS)}
    pngs = sorted(results.glob("*.png"))
    assert pngs
    for png in pngs:
        assert {png.name, f"{png.stem}.svg"} <= set(manifest["files"]), png.name
        assert Image.open(png).info["dpi"] == pytest.approx((PNG_DPI, PNG_DPI), abs=0.5)
        svg = (results / f"{png.stem}.svg").read_text()
        colours = {c.lower() for c in re.findall(r"#[0-9a-fA-F]{6}\b", svg)}
        assert colours <= allowed, (png.stem, colours - allowed)


@pytest.mark.integration
def test_failed_run_is_marked_and_not_complete(tmp_path, monkeypatch):
    def broken(bundle, directory):
        directory.mkdir(parents=True)
        (directory / "monthly.parquet").write_text("half written")
        raise OSError("disk full")

    monkeypatch.setattr(runner, "write_results", broken)
    with pytest.raises(OSError):
        runner.run_to_directory(small_config(run={"horizon_years": 1}), tmp_path)
    assert not runner.is_complete(tmp_path)
    assert "disk full" in (tmp_path / "FAILED").read_text()
    assert not (tmp_path / "results").exists() and not (tmp_path / ".results-partial").exists()


@pytest.mark.integration
def test_interrupted_run_is_not_complete(tmp_path, monkeypatch):
    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(runner, "run_experiment", interrupt)
    with pytest.raises(KeyboardInterrupt):
        runner.run_to_directory(small_config(), tmp_path)
    assert not runner.is_complete(tmp_path) and (tmp_path / "FAILED").exists()


def _cli(tmp_path, *args):
    return run_cli(tmp_path, *args)


@pytest.mark.e2e
def test_cli_runs_an_experiment_and_prints_where_results_are(tmp_path):
    out = _cli(
        tmp_path,
        "experiment=emergency_demand_cut",
        "place=small",
        "run.horizon_years=2",
        "run.replications=2",
    )
    assert out.returncode == 0, out.stderr
    assert "Results: " in out.stdout and "backfill ran out:" in out.stdout
    # 2 replications: the cost per QALY is quoted to 2 significant figures
    assert "break-even (cumulative)" in out.stdout and "ICER about £" in out.stdout
    assert "£m, 2024/25 prices" in out.stdout  # finance.price_year
    run_dirs = list((tmp_path / "outputs").iterdir())
    assert len(run_dirs) == 1 and runner.is_complete(run_dirs[0])
    # nothing is written outside the run directory
    assert {p.name for p in tmp_path.iterdir()} == {"outputs"}


@pytest.mark.e2e
def test_cli_out_of_range_value_fails_fast_with_named_key(tmp_path):
    out = _cli(tmp_path, "hospital.elective_threshold=1.7")
    assert out.returncode == 2
    assert "hospital.elective_threshold = 1.7" in out.stderr and "<= 1" in out.stderr
    assert "Traceback" not in out.stderr
    assert not any((tmp_path / "outputs").glob("*/results"))


@pytest.mark.e2e
@pytest.mark.parametrize(
    "arg, needle",
    [
        ("hospital.elective_treshold=0.9", "elective_treshold"),
        ("place=smal", "did you mean place=small"),
        ("place.population=lots", "place.population"),
    ],
)
def test_cli_unknown_key_typo_or_type_fails_with_named_error(tmp_path, arg, needle):
    out = _cli(tmp_path, arg)
    assert out.returncode != 0
    assert needle in out.stderr
    assert "Traceback" not in out.stderr


@pytest.mark.e2e
def test_cli_misspelt_experiment_fails_instead_of_running_the_baseline(tmp_path):
    out = _cli(tmp_path, "experiment=neighborhood_teams")
    assert out.returncode == 2
    assert "did you mean experiment=neighbourhood_teams" in out.stderr
    assert not (tmp_path / "outputs").exists()


@pytest.mark.e2e
@pytest.mark.parametrize(
    "content, needle",
    [
        ("elective_treshold: 0.9\n", "did you mean 'hospital.elective_threshold'"),
        ("elective_threshold: lots\n", "hospital.elective_threshold"),
    ],
)
def test_cli_bad_scenario_file_fails_with_named_key(tmp_path, content, needle):
    import shutil

    scenarios = tmp_path / "scenarios"
    shutil.copytree(ROOT / "scenarios", scenarios)
    (scenarios / "hospital" / "mine.yaml").write_text(content)
    out = run_cli(tmp_path, "hospital=mine", env=cli_env(LEFTSHIFT_SCENARIOS=str(scenarios)))
    assert out.returncode == 2
    assert needle in out.stderr and "Traceback" not in out.stderr


@pytest.mark.integration
@pytest.mark.parametrize(
    "name", sorted(p.stem for p in (ROOT / "scenarios" / "experiment").glob("*.yaml"))
)
def test_every_experiment_scenario_runs_briefly(name):
    from leftshift.analysis.experiment import run_experiment
    from tests.helpers import compose_config

    quick = ("place=small", "run.horizon_years=2", "run.warmup_months=1")
    cfg = compose_config(f"experiment={name}", *quick)
    if cfg.experiment.arms:  # several scenarios against one baseline
        arms = {arm: compose_config(f"experiment={arm}", *quick) for arm in cfg.experiment.arms}
        results = run_experiment(cfg, scenario_arms=arms)
        assert results.arm_names == ["baseline", *cfg.experiment.arms]
    else:
        results = run_experiment(cfg)
        assert results.arm_names == ["baseline", "scenario"]
    assert not results.ledger().empty

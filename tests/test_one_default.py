"""One default: the schema's defaults are the shipped default scenario, in Python and on the CLI."""

from pathlib import Path

import pandas as pd
import pytest

import leftshift
from leftshift.config import load, to_container
from tests.helpers import compose_config, run_cli

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.unit
def test_schema_defaults_are_the_shipped_default_scenario():
    assert to_container(load()) == to_container(compose_config(quick_figures=False))


@pytest.mark.unit
def test_reporting_limits_live_under_report():
    from leftshift.config import iter_leaves

    cfg = load()
    # the decommissioning search judges closures by a report key, not by the model's policy
    keys = {k for k, _, _ in iter_leaves(cfg)}
    assert "report.decommission_max_occupancy" in keys
    src = (ROOT / "leftshift" / "analysis" / "decommissioning.py").read_text()
    assert "elective_threshold" not in src


@pytest.mark.e2e
def test_python_run_and_the_command_give_identical_results(tmp_path):
    args = ["place=small", "run.horizon_years=1", "run.warmup_months=6", "run.seed=7"]
    out = run_cli(tmp_path, *args)
    assert out.returncode == 0, out.stderr
    (run_dir,) = list((tmp_path / "outputs").iterdir())
    from_cli = pd.read_parquet(run_dir / "results" / "monthly.parquet")
    from_cli = from_cli.drop(columns=["arm", "replication", "seed"]).reset_index(drop=True)
    res = leftshift.run(
        {
            "place": {"name": "small", "population": 100_000, "general_acute_beds": 180},
            "run": {"horizon_years": 1, "warmup_months": 6, "seed": 7},
        }
    )
    # through parquet too, so that both sides have the same column types
    res.monthly.to_parquet(tmp_path / "python.parquet", index=False)
    from_python = pd.read_parquet(tmp_path / "python.parquet")
    pd.testing.assert_frame_equal(from_python, from_cli, check_exact=True)

"""Sweeps: Hydra multirun forms, run folders that never collide or escape, collecting a sweep."""

from pathlib import Path

import pandas as pd
import pytest

from leftshift.cli import sweep_values
from leftshift.pipeline import is_complete
from leftshift.report.collect import collect
from tests.helpers import start_cli

ROOT = Path(__file__).resolve().parents[1]
#: a short, small run: one year after a 3-month warm-up, no decommissioning search
QUICK = (
    "place=small",
    "run.horizon_years=1",
    "run.warmup_months=3",
    "report.decommission_search=false",
)


def _run(tmp_path, *args):
    proc = start_cli(tmp_path, *args)
    out, err = proc.communicate(timeout=300)
    return proc.returncode, out, err


# --- the pre-check expands every sweep form and checks each value ------------------------
@pytest.mark.unit
def test_every_sweep_form_is_expanded_and_its_first_values_composed():
    problems, first = sweep_values(
        [
            "-m",
            "social_care=delays,none",
            "hospital.elective_threshold=0.88,0.92",
            "run.seed=range(1,4)",
            "run.replications=choice(1,2)",
            "experiment=glob(vw_*)",
            "place=small",
        ]
    )
    assert problems == []
    assert first == [
        "-m",
        "social_care=delays",
        "hospital.elective_threshold=0.88",
        "run.seed=1",
        "run.replications=1",
        "experiment=vw_national_ambition",
        "place=small",
    ]


@pytest.mark.unit
@pytest.mark.parametrize(
    "arg, needle",
    [
        ("hospital.elective_threshold=0.9,1.7", "hospital.elective_threshold = 1.7"),
        ("experiment=neighbourhood_teams,typo", "no experiment option 'typo'"),
        ("run.replications=range(0,2)", "run.replications = 0"),
        ("hospital.electve_threshold=0.9,0.92", "did you mean 'hospital.elective_threshold'"),
        ("experiment=glob(nothing_*)", "the sweep has no values"),
    ],
)
def test_a_bad_value_anywhere_in_a_sweep_is_named(arg, needle):
    problems, _ = sweep_values(["-m", arg])
    assert any(needle in p for p in problems), problems


# --- end to end: sweeps run, folders are unique and inside outputs/ ------------------------
@pytest.mark.e2e
def test_sweep_runs_every_point_in_its_own_folder_and_collects(tmp_path):
    code, out, err = _run(tmp_path, "-m", "experiment=glob([emergency_*,neighbourhood_*])", *QUICK)
    assert code == 0, err
    (sweep,) = list((tmp_path / "outputs" / "multirun").iterdir())
    jobs = sorted(p for p in sweep.iterdir() if p.is_dir())
    assert [p.name for p in jobs] == [
        "0_small_emergency_demand_cut",
        "1_small_neighbourhood_teams",
    ]
    assert all(is_complete(job) for job in jobs)
    # sweep points write summaries, not event tables or figures
    files = {p.name for p in (jobs[0] / "results").iterdir()}
    assert {"summary.json", "comparison_summary.parquet", "money_comparison.parquet"} <= files
    assert not any(f.endswith(".png") or f.startswith("episodes") for f in files)
    assert "monthly.parquet" not in files
    # a failed job is listed, never mixed in
    failed = sweep / "2_small_broken"
    (failed / ".hydra").mkdir(parents=True)
    (failed / "FAILED").write_text("run did not complete: OSError: disk full\n")
    table, status = collect(sweep)
    assert dict(zip(status["job"], status["status"], strict=True)) == {
        "0_small_emergency_demand_cut": "complete",
        "1_small_neighbourhood_teams": "complete",
        "2_small_broken": "failed",
    }
    assert set(table["job"]) == {"0_small_emergency_demand_cut", "1_small_neighbourhood_teams"}
    assert set(table["experiment"]) == {"emergency_demand_cut", "neighbourhood_teams"}
    icer = table[table["metric"] == "economic_evaluation.incremental_qalys.mean"]
    assert len(icer) == 2 and set(icer["arm"]) == {"scenario_minus_baseline"}
    # the command writes the same tables into the sweep folder
    code, out, err = _run(tmp_path, "collect", str(sweep))
    assert code == 0, err
    assert "3 job(s): 2 complete, 1 failed" in out
    written = pd.read_csv(sweep / "collected.csv")
    assert len(written) == len(table)


@pytest.mark.e2e
def test_value_and_range_sweeps_run_their_product(tmp_path):
    # an option after the overrides (Hydra needs the overrides in one block)
    code, out, err = _run(
        tmp_path,
        "-m",
        "hydra.launcher.n_jobs=1",  # one after another: the test above runs jobs in parallel
        "hospital.elective_threshold=0.9,0.95",
        "run.seed=range(1,3)",
        *QUICK,
        "--config-dir",
        str(ROOT / "scenarios"),
    )
    assert code == 0, err
    (sweep,) = list((tmp_path / "outputs" / "multirun").iterdir())
    assert len([p for p in sweep.iterdir() if p.is_dir()]) == 4
    table, status = collect(sweep)
    assert (status["status"] == "complete").all()
    points = table[["hospital.elective_threshold", "run.seed"]].drop_duplicates()
    assert len(points) == 4


@pytest.mark.e2e
def test_a_bad_sweep_value_stops_before_anything_is_written(tmp_path):
    code, out, err = _run(tmp_path, "-m", "hospital.elective_threshold=0.9,1.7", *QUICK)
    assert code == 2
    assert "hospital.elective_threshold = 1.7" in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.e2e
def test_two_runs_started_at_once_never_share_a_folder(tmp_path):
    procs = [start_cli(tmp_path, *QUICK) for _ in range(2)]
    results = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [err for _, err in results]
    runs = sorted((tmp_path / "outputs").iterdir())
    assert len(runs) == 2 and all(is_complete(r) for r in runs)
    assert runs[0].name != runs[1].name


@pytest.mark.unit
@pytest.mark.parametrize("key", ["place.name", "experiment.name", "experiment.arms"])
@pytest.mark.parametrize("value", ["../../x", "a/b", "..", "/tmp/x", ""])
def test_no_label_can_name_a_folder_outside_the_run(key, value):
    from leftshift.config import ConfigError, load

    section, leaf = key.split(".")
    with pytest.raises(ConfigError, match="must be a label"):
        load({section: {leaf: [value] if leaf == "arms" else value}})


@pytest.mark.e2e
@pytest.mark.parametrize("key", ["place.name", "experiment.name"])
def test_no_label_can_point_a_run_outside_its_folder(tmp_path, key):
    code, out, err = _run(tmp_path, f"{key}=../../x", *QUICK)
    assert code == 2
    assert f"{key} = '../../x': must be a label" in err
    assert list(tmp_path.iterdir()) == []


# --- several scenarios against one baseline ---------------------------------------------
@pytest.mark.integration
def test_multi_arm_run_shares_one_baseline_and_matches_two_arm_runs(tmp_path, tables_only):
    import hashlib
    import json

    from leftshift.pipeline import run_to_directory
    from tests.helpers import compose_config

    quick = ("place=small", "run.horizon_years=1", "run.warmup_months=3")
    quick += ("report.decommission_search=false", "run.replications=1")
    cfg = compose_config("experiment=compare_teams_virtual_wards", *quick)
    arms = {
        name: compose_config(f"experiment={name}", *quick)
        for name in ("emergency_demand_cut", "vw_national_ambition")
    }
    summary = run_to_directory(cfg, tmp_path / "multi", scenario_arms=arms)
    results = tmp_path / "multi" / "results"
    manifest = json.loads((results / "manifest.json").read_text())
    assert manifest["arms"] == ["baseline", "emergency_demand_cut", "vw_national_ambition"]
    assert set(summary["scenarios"]) == set(arms)
    both = pd.read_parquet(results / "comparison_summary.parquet")
    assert set(both["arm"]) == set(arms)
    # the baseline ran once for all arms: 1 replication x 3 arms
    per_arm = json.loads((results / "emergency_demand_cut" / "manifest.json").read_text())
    assert per_arm["replications_simulated"] + per_arm["replications_reused"] == 2
    # the first arm's own baseline is the shared one: its tables are a two-arm run's
    run_to_directory(arms["emergency_demand_cut"], tmp_path / "single")

    def hashes(folder):
        return {
            p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.glob("*.parquet"))
        }

    assert hashes(results / "emergency_demand_cut") == hashes(tmp_path / "single" / "results")
    assert summary["baseline_differences"]["emergency_demand_cut"] == []

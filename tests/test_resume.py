"""Resume: finished replications are checkpointed and reused byte for byte; complete results
are never run again or overwritten; a re-run sweep runs only its missing jobs."""

import json
import shutil
from pathlib import Path

import pytest

from leftshift.analysis.checkpoints import FULL_TABLES
from leftshift.analysis.experiment import run_experiment
from leftshift.pipeline import CHECKPOINTS_DIR, existing_results, is_complete, run_to_directory
from leftshift.report.rundir import RunDirectoryError, atomic_results
from tests.golden.snapshot import digests
from tests.helpers import assert_same_table, run_cli, small_config

ROOT = Path(__file__).resolve().parents[1]


def _quick(**run):
    return small_config(
        run={"horizon_years": 1, "warmup_months": 3, "replications": 2, **run},
        interventions={"emergency_demand_multiplier": {"value": 0.9}},
        report={"decommission_search": False},
    )


@pytest.mark.integration
def test_checkpointed_replications_are_reused_exactly(tmp_path):
    cfg = _quick()
    first = run_experiment(cfg, checkpoint_dir=tmp_path)
    again = run_experiment(cfg, checkpoint_dir=tmp_path)
    assert first.replications_simulated == 4 and again.replications_simulated == 0
    for table in ("monthly", "ledger"):
        assert_same_table(getattr(first, table)(), getattr(again, table)())
    assert [o.summary for o in first.outputs] == [o.summary for o in again.outputs]
    for arm in first.arm_names:
        for name in FULL_TABLES:
            assert_same_table(getattr(first.full(arm), name), getattr(again.full(arm), name))
    # another seed or another parameter is another replication
    other = run_experiment(_quick(seed=99), checkpoint_dir=tmp_path)
    assert other.replications_simulated == 4


@pytest.mark.integration
def test_checkpointed_records_stay_on_disk_until_written_and_come_back_whole(tmp_path):
    """With checkpoints, no arm's record tables are held in memory while the others run."""
    cfg = _quick(replications=1)
    on_disk = run_experiment(cfg, checkpoint_dir=tmp_path)
    in_memory = run_experiment(cfg)
    assert all(o.full is None for o in on_disk.outputs)
    assert all(o.full is not None for o in in_memory.outputs)
    for arm in on_disk.arm_names:
        for name in FULL_TABLES:
            expected = getattr(in_memory.full(arm), name)
            assert_same_table(getattr(on_disk.full(arm), name), expected)
            # one table at a time, as the run directory writes them
            assert_same_table(on_disk.record_table(arm, name), expected)
            assert_same_table(in_memory.record_table(arm, name), expected)
    with pytest.raises(ValueError, match="not a record table"):
        on_disk.record_table("baseline", "monthly")
    shutil.rmtree(tmp_path)
    with pytest.raises(FileNotFoundError, match="no stored records"):
        on_disk.full("baseline")
    with pytest.raises(FileNotFoundError, match="no stored records"):
        on_disk.record_table("scenario", "episodes")


@pytest.mark.integration
def test_an_interrupted_run_resumes_to_the_same_bytes(tmp_path, tables_only):
    cfg = _quick()
    fresh = tmp_path / "fresh"
    run_to_directory(cfg, fresh)
    assert not (fresh / CHECKPOINTS_DIR).exists()  # removed once complete
    # an interrupted run: its finished replications are in its folder, no results
    resumed = tmp_path / "resumed"
    run_experiment(cfg, checkpoint_dir=resumed / CHECKPOINTS_DIR, only_arm="baseline")
    run_to_directory(cfg, resumed)
    manifest = json.loads((resumed / "results" / "manifest.json").read_text())
    assert (manifest["replications_simulated"], manifest["replications_reused"]) == (2, 2)
    assert digests(resumed) == digests(fresh)


@pytest.mark.integration
def test_complete_results_are_kept_and_never_overwritten(tmp_path, tables_only):
    cfg = _quick(replications=1)
    run_to_directory(cfg, tmp_path)
    before = (tmp_path / "results" / "summary.json").read_text()
    assert existing_results(cfg, tmp_path) == json.loads(before)
    assert existing_results(_quick(replications=1, n_jobs=2), tmp_path) is not None
    with pytest.raises(RunDirectoryError, match="different config"):
        existing_results(_quick(replications=1, seed=5), tmp_path)
    with pytest.raises(RunDirectoryError, match="already holds complete results"):
        with atomic_results(tmp_path):
            pass
    assert (tmp_path / "results" / "summary.json").read_text() == before
    assert is_complete(tmp_path)


@pytest.mark.e2e
def test_a_rerun_sweep_runs_only_its_missing_jobs(tmp_path):
    # the jobs one after another: the joblib launcher's parallel workers (about 3 s to start
    # each) are tested in test_sweeps.py; here what matters is which jobs run again
    args = [
        "-m",
        "hydra.launcher.n_jobs=1",
        "run.seed=1,2,3",
        "place=small",
        "run.horizon_years=1",
        "run.warmup_months=3",
        "report.decommission_search=false",
    ]
    first = run_cli(tmp_path, *args)
    assert first.returncode == 0, first.stderr
    (sweep,) = list((tmp_path / "outputs" / "multirun").iterdir())
    jobs = sorted(p for p in sweep.iterdir() if p.is_dir())
    assert len(jobs) == 3 and all(is_complete(j) for j in jobs)
    # job 1 was interrupted: no results, a FAILED marker
    shutil.rmtree(jobs[1] / "results")
    (jobs[1] / "FAILED").write_text("run did not complete: KeyboardInterrupt\n")
    again = run_cli(tmp_path, *args, f"hydra.sweep.dir={sweep}")
    assert again.returncode == 0, again.stderr
    assert again.stdout.count("kept, not run again") == 2
    assert again.stdout.count("Results: ") == 3
    assert all(is_complete(j) for j in jobs)
    assert len(list((tmp_path / "outputs" / "multirun").iterdir())) == 1

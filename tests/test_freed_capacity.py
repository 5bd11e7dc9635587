"""Freed capacity used or left idle (experiment.freed_capacity): the two decisions apart.

"idle" holds each scenario replication's elective admissions at its baseline replication's,
day by day, so scenario minus baseline is the interventions' own effect; "use" (the default)
is the model as it always ran.
"""

import numpy as np
import pandas as pd
import pytest

from leftshift.analysis import checkpoints
from leftshift.analysis.bundle import analyse
from leftshift.analysis.experiment import freed_capacity_problem, run_experiment
from leftshift.config import ConfigError, load
from leftshift.model import metrics, simulate
from leftshift.model.results import electives_by_day
from leftshift.pipeline import run_to_directory
from leftshift.report.console import headline
from tests.helpers import small_config

#: a small place over a short horizon; emergency demand cut by 20% from the start
CUT = {"emergency_demand_multiplier": {"start_year": 0.0, "ramp_months": 0, "value": 0.8}}


def _cut(freed_capacity: str, **run):
    return small_config(
        place={"population": 25_000, "general_acute_beds": 45},
        run={"horizon_years": 1, "warmup_months": 3, "replications": 2, **run},
        interventions=CUT,
        experiment={"freed_capacity": freed_capacity},
        report={"decommission_search": False},
    )


@pytest.fixture(scope="module")
def idle():
    """The demand cut with its freed capacity left idle."""
    return run_experiment(_cut("idle"))


@pytest.fixture(scope="module")
def used():
    """The same demand cut's scenario arm with its freed capacity used (the default)."""
    return run_experiment(_cut("use"), only_arm="scenario")


def _by_arm(results, metric):
    monthly = results.monthly()
    sub = monthly[monthly["metric"] == metric]
    return sub.pivot_table(index=["replication", "month"], columns="arm", values="value")


@pytest.mark.integration
def test_idle_holds_electives_at_the_baselines_in_each_replication(idle):
    results = idle
    assert results.freed_capacity == "idle"
    assert [(o.arm, o.replication, o.held) for o in results.outputs] == [
        ("baseline", 0, False),
        ("scenario", 0, True),
        ("baseline", 1, False),
        ("scenario", 1, True),
    ]
    electives = _by_arm(results, metrics.ADMISSIONS_ELECTIVE)
    # beds were freed (emergencies fell), yet each replication admits exactly its baseline's
    # electives: never more to date (a day its beds were fuller it caught up later)
    to_date = electives.groupby("replication").cumsum()
    assert (to_date["scenario"] <= to_date["baseline"]).all()
    totals = electives.groupby("replication").sum()
    assert (totals["scenario"] == totals["baseline"]).all()
    emergencies = _by_arm(results, metrics.ADMISSIONS_EMERGENCY)
    assert emergencies["scenario"].sum() < 0.9 * emergencies["baseline"].sum()
    # day by day (replication 0's records): never above the baseline's count to date
    base = np.array(electives_by_day(results.full("baseline")))
    scen = np.array(electives_by_day(results.full("scenario")))
    n = max(len(base), len(scen))
    base, scen = (np.pad(a, (0, n - len(a)), mode="edge") for a in (base, scen))
    assert (scen <= base).all() and scen[-1] == base[-1]


@pytest.mark.integration
def test_idle_leaves_the_freed_beds_empty(idle, used):
    results = idle
    beds = _by_arm(results, metrics.BED_DAYS).groupby("replication").sum()
    used_beds = _by_arm(used, metrics.BED_DAYS).groupby("replication").sum()["scenario"]
    electives = _by_arm(used, metrics.ADMISSIONS_ELECTIVE).groupby("replication").sum()
    held = _by_arm(results, metrics.ADMISSIONS_ELECTIVE).groupby("replication").sum()
    # used: the list refills the beds (more electives); idle: the same cut, fewer bed-days
    assert (electives["scenario"] > held["scenario"]).all()
    assert (beds["scenario"] < beds["baseline"]).all()
    assert (beds["scenario"] < used_beds).all()
    # and the beds left idle are what the extra electives of the used variant filled
    extra_elective = (
        _by_arm(used, metrics.BED_DAYS_ELECTIVE).groupby("replication").sum()["scenario"]
        - _by_arm(results, metrics.BED_DAYS_ELECTIVE).groupby("replication").sum()["scenario"]
    )
    assert (extra_elective > 0.5 * (used_beds - beds["scenario"])).all()


@pytest.mark.integration
def test_a_scenario_arm_alone_reuses_its_held_checkpoints(tmp_path):
    # the decommissioning search runs the scenario arm alone: it must be held at the same
    # baseline (taken from the checkpoint), and never reuse the arm run freely
    cfg = _cut("idle", replications=1)
    results = run_experiment(cfg, checkpoint_dir=tmp_path)
    again = run_experiment(cfg, only_arm="scenario", checkpoint_dir=tmp_path)
    assert again.replications_simulated == 0
    assert [o.arm for o in again.outputs] == ["scenario"]
    scen = results.monthly()[results.monthly()["arm"] == "scenario"].reset_index(drop=True)
    pd.testing.assert_frame_equal(again.monthly(), scen)
    seed = results.outputs[1].seed
    assert checkpoints.key(cfg, seed, True) != checkpoints.key(cfg, seed, True, [1, 2, 3])


@pytest.mark.integration
def test_idle_is_labelled_in_the_summary_and_the_console(idle):
    results = idle
    summary = analyse(results).summary
    label = summary["freed_capacity"]
    assert label["variant"] == "idle"
    assert any("elective" in item for item in label["held"])
    assert any("admission threshold" in item for item in label["not_held"])
    text = "\n".join(headline(summary))
    assert "freed capacity left idle" in text


@pytest.mark.integration
def test_a_ceiling_that_never_binds_changes_nothing():
    # the default (use) path never sets a ceiling; one that never binds must be inert too,
    # booking included (the golden snapshot checks the default path byte for byte)
    cfg = _cut("use")
    assert load().experiment.freed_capacity == "use"
    free = simulate(cfg, 7)
    held = simulate(cfg, 7, elective_ceiling=[10**9])
    pd.testing.assert_frame_equal(free.monthly, held.monthly)


@pytest.mark.unit
def test_a_freed_capacity_that_is_not_a_choice_is_named():
    with pytest.raises(ConfigError, match=r"experiment\.freed_capacity.*idle"):
        load({"experiment": {"freed_capacity": "spare"}})


@pytest.mark.unit
def test_idle_without_a_scenario_arm_is_refused_before_running(tmp_path):
    cfg = load({"experiment": {"freed_capacity": "idle"}})
    assert "experiment.freed_capacity = idle" in freed_capacity_problem(cfg)
    with pytest.raises(ConfigError, match=r"experiment\.freed_capacity = idle"):
        run_to_directory(cfg, tmp_path / "run")
    assert not (tmp_path / "run").exists()
    assert freed_capacity_problem(_cut("idle")) is None

"""Freed capacity used or left idle (experiment.freed_capacity): the two decisions apart.

"idle" holds each scenario replication's elective admissions at its baseline replication's,
day by day, so scenario minus baseline is the interventions' own effect; "use" (the default)
is the model as it always ran; "both" runs the scenario both ways against one baseline.
"""

import dataclasses

import numpy as np
import pandas as pd
import pytest

from leftshift.analysis import checkpoints
from leftshift.analysis.bundle import analyse
from leftshift.analysis.experiment import (
    freed_capacity_arms,
    freed_capacity_problem,
    run_experiment,
)
from leftshift.analysis.freed_capacity import DECISIONS
from leftshift.config import ConfigError, load
from leftshift.model import metrics, simulate
from leftshift.model.results import electives_by_day
from leftshift.pipeline import run_to_directory
from leftshift.report import pack
from leftshift.report.console import headline, two_decisions_lines
from tests.helpers import assert_same_table, small_config

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
def both():
    """The demand cut run both ways against one baseline (freed_capacity=both's runner)."""
    cfg = _cut("both")
    arms = freed_capacity_arms(cfg)
    return cfg, arms, run_experiment(cfg, scenario_arms=arms)


@pytest.fixture(scope="module")
def idle(both):
    """The demand cut with its freed capacity left idle, against its baseline."""
    _, arms, results = both
    return results.pair("idle", arms["idle"])


@pytest.fixture(scope="module")
def used(both):
    """The same demand cut with its freed capacity used (the default), against its baseline."""
    _, arms, results = both
    return results.pair("use", arms["use"])


def _by_arm(results, metric):
    monthly = results.monthly()
    sub = monthly[monthly["metric"] == metric]
    return sub.pivot_table(index=["replication", "month"], columns="arm", values="value")


@pytest.mark.integration
def test_both_runs_the_free_arms_first_then_holds_the_idle_arm(both):
    cfg, arms, results = both
    assert [a.experiment.freed_capacity for a in arms.values()] == ["use", "idle"]
    assert [(o.arm, o.replication, o.held) for o in results.outputs] == [
        ("baseline", 0, False),
        ("use", 0, False),
        ("idle", 0, True),
        ("baseline", 1, False),
        ("use", 1, False),
        ("idle", 1, True),
    ]
    # the same arms as the single runs give: idle alone holds the same scenario
    alone = run_experiment(_cut("idle", replications=1), only_arm="scenario")
    first = results.monthly()
    first = first[(first["arm"] == "idle") & (first["replication"] == 0)]
    assert_same_table(
        alone.monthly().drop(columns="arm"),
        first.drop(columns="arm").reset_index(drop=True),
    )


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
    assert_same_table(again.monthly(), scen)
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
    assert_same_table(free.monthly, held.monthly)


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


@pytest.mark.integration
def test_both_puts_the_two_decisions_apart_and_they_add_up(both, tmp_path, tables_only):
    cfg, _, results = both
    # the runner as tested above, so the pipeline's own work is what this test times
    import leftshift.pipeline as pipeline

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pipeline, "run_experiment", lambda *args, **kwargs: results)
        summary = pipeline.run_to_directory(
            dataclasses.replace(cfg, run=dataclasses.replace(cfg.run, outputs="summary")),
            tmp_path / "run",
        )
    assert summary["freed_capacity"] == "both"
    idle, use = summary["scenarios"]["idle"], summary["scenarios"]["use"]
    assert idle["freed_capacity"]["variant"] == "idle" and "freed_capacity" not in use
    key = "elective_admissions_per_1000_per_year"
    # per 1,000 people: the arms' populations differ a little (fewer deaths)
    assert idle["arms"]["scenario"][key] == pytest.approx(idle["arms"]["baseline"][key], rel=1e-3)
    assert use["arms"]["scenario"][key] > use["arms"]["baseline"][key]
    entry = summary["two_decisions"]
    for measure in ("incremental_cost_gbp", "incremental_qalys"):
        parts = [entry[k][measure]["mean"] for k in ("intervention", "use_of_freed_beds")]
        assert sum(parts) == pytest.approx(entry["together"][measure]["mean"], rel=1e-9)
    # held electives: the intervention's own QALYs owe (almost) nothing to elective care, and
    # the elective work in the freed beds is nearly all elective QALYs
    assert abs(entry["intervention"]["elective_qalys_undiscounted"]) < 0.05 * abs(
        entry["use_of_freed_beds"]["elective_qalys_undiscounted"]
    )
    assert entry["use_of_freed_beds"]["elective_share_of_qalys"] > 0.5
    text = "\n".join(two_decisions_lines(entry, "2024/25"))
    assert "use - idle" in text and "idle - baseline" in text
    _check_the_board_pack(tmp_path / "run", entry)


def _check_the_board_pack(run_dir, entry):
    """Both packs of a ``both`` run show the summary's two decisions, adding up as they should."""
    folders, _ = pack.make_pack(run_dir, pdf=False)
    assert [f.name for f in folders] == ["use", "idle"]
    for folder in folders:
        table = pd.read_csv(folder / "tables" / "two_decisions.csv")
        assert list(table["contrast"]) == [label for _, label in DECISIONS]
        for row, (key, _) in zip(table.to_dict("records"), DECISIONS, strict=True):
            d = entry[key]
            assert row["incremental_cost_gbp"] == pytest.approx(d["incremental_cost_gbp"]["mean"])
            assert row["incremental_qalys"] == pytest.approx(d["incremental_qalys"]["mean"])
            assert row["elective_share_of_qalys"] == pytest.approx(d["elective_share_of_qalys"])
            for wtp, nmb in d["net_monetary_benefit_gbp"].items():
                assert row[f"nmb_gbp_at_{wtp}"] == pytest.approx(nmb)
        # use - baseline = (idle - baseline) + (use - idle), unrounded and as shown (GBP m,
        # one decimal: two roundings of at most 0.05 each)
        money = [c for c in table.columns if c.endswith("_gbp") or c.startswith("nmb_gbp_at_")]
        for column in [*money, "incremental_qalys"]:
            own, beds, together = table[column]
            assert own + beds == pytest.approx(together, rel=1e-9, abs=1e-6)
        markdown = (folder / "board_pack.md").read_text()
        lines = markdown.splitlines()
        shown = [
            next(line for line in lines if line.startswith(f"| {label} |")).split(" | ")
            for _, label in DECISIONS
        ]
        for column in money:  # the cells shown, GBP m (the columns in the same order)
            i = list(table.columns).index(column)
            values = [float(cells[i]) for cells in shown]
            assert values == pytest.approx((table[column] / 1e6).round(1).tolist(), abs=1e-9)
            assert abs(values[0] + values[1] - values[2]) <= 0.1 + 1e-9
        html = (folder / "board_pack.html").read_text()
        assert 'id="table-two_decisions"' in html
        run = pack.load_run(run_dir / "results" / folder.name)
        run.two_decisions = entry
        verdict = pack.carries_value_sentence(run)
        assert verdict and verdict in html and verdict in markdown
        assert "two_decisions" in pd.ExcelFile(folder / "board_pack.xlsx").sheet_names
    idle_pack = (folders[1] / "board_pack.md").read_text()
    assert "refilled" not in idle_pack and "freed beds are left idle" in idle_pack
    assert "freed beds are refilled" in (folders[0] / "board_pack.md").read_text()


@pytest.mark.unit
def test_both_is_refused_with_several_arms():
    cfg = load({"experiment": {"freed_capacity": "both", "arms": ["neighbourhood_teams"]}})
    assert "experiment.freed_capacity = both" in freed_capacity_problem(cfg)

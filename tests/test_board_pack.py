"""The board pack (``leftshift report RUN_DIR``): its files, its sentences, a real browser.

One small experiment with five replications (enough for intervals) is run once for the module.
The browser test drives the system Chromium through playwright (never a downloaded browser):
every image loads, the page logs no error, the PDF prints with a page per section, and a
screenshot of the summary page is kept in ``outputs/test-artifacts/`` (or
``$LEFTSHIFT_TEST_ARTIFACTS``). Without a Chromium the browser test is skipped, except in CI
(``CI`` set), where ``.ci/run`` installs one and its absence is a failure.
"""

import copy
import json
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

from leftshift.report import pack
from tests.helpers import ROOT, compose_config, run_cli, run_to_directory

pytestmark = pytest.mark.integration

ARTIFACTS = Path(os.environ.get("LEFTSHIFT_TEST_ARTIFACTS", ROOT / "outputs" / "test-artifacts"))


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    cfg = compose_config(
        "place=small",
        "experiment=vw_national_ambition",
        "run.horizon_years=2",
        "run.warmup_months=3",
        f"run.replications={pack.MIN_REPLICATIONS_FOR_INTERVALS}",
        "run.n_jobs=1",
        "report.decommission_search=false",
    )
    folder = tmp_path_factory.mktemp("pack") / "run"
    run_to_directory(cfg, folder)
    return folder


@pytest.fixture(scope="module")
def made(run_dir):
    chromium = pack.find_chromium()
    assert pack.report_command([str(run_dir), *([] if chromium else ["--no-pdf"])]) == 0
    return run_dir / pack.REPORT_DIR


def test_pack_writes_html_markdown_tables_and_workbook(made, run_dir):
    html = (made / "board_pack.html").read_text()
    markdown = (made / "board_pack.md").read_text()
    assert "<h1>45 virtual beds per 100,000" in html
    for question in ("What does it cost, and when?", "What does it buy?"):
        assert question in html and f"## {question}" in markdown
    assert "What the model assumes and leaves out" in html
    assert 'src="data:image/png;base64,' in html  # self-contained
    assert "file://" not in html and 'src="/' not in html
    for name in (made / "figures").iterdir():
        assert f"](figures/{name.name})" in markdown
    workbook = pd.read_excel(made / "board_pack.xlsx", sheet_name=None)
    csvs = {p.stem for p in (made / "tables").glob("*.csv")}
    assert {"net_cost_by_year", "hospital_by_year", "economic_evaluation"} <= csvs
    assert set(workbook) == csvs | {"provenance"}
    money = pd.read_csv(made / "tables" / "net_cost_by_year.csv")
    source = pd.read_parquet(run_dir / "results" / "money_comparison.parquet")
    pd.testing.assert_frame_equal(money, source, check_dtype=False)  # unrounded
    assert not list(run_dir.glob(".report-*"))  # nothing partial left beside it


def test_sentences_quote_intervals_only_with_enough_replications(run_dir):
    run = pack.load_run(run_dir / "results")
    assert run.with_intervals
    assert "95% CI" in pack.cost_sentence(run)
    few = copy.deepcopy(run)
    few.summary["replications"] = pack.MIN_REPLICATIONS_FOR_INTERVALS - 1
    assert "95% CI" not in pack.cost_sentence(few)
    assert "too few for confidence intervals" in pack.precision_note(few)


def test_sentences_follow_the_numbers(run_dir):
    run = pack.load_run(run_dir / "results")
    money = run.table("money_comparison")
    first = money[(money.funding == "without_transition_funding") & (money.measure == "annual")]
    cost = first.iloc[0]["mean"]
    assert f"{pack.gbp_m(cost, signed=True)} in {first.iloc[0]['financial_year']}" in (
        pack.cost_sentence(run)
    )
    saving = copy.deepcopy(run)
    flipped = money.assign(mean=-money["mean"], ci_low=-money["ci_high"], ci_high=-money["ci_low"])
    saving.table = lambda name: flipped if name == "money_comparison" else run.table(name)
    assert f"{pack.gbp_m(-cost, signed=True)} in" in pack.cost_sentence(saving)
    bed_days = pack._change(run, "bed_days", "")
    row = run.summary["comparison_by_year"]["bed_days"][-1]
    assert bed_days.startswith("fall by" if row["difference"] < 0 else "rise by")
    held = copy.deepcopy(run)  # a list held at the baseline's (freed beds left idle)
    held.summary["comparison_by_year"]["bed_days"][-1]["difference"] = 0.2
    assert pack._change(held, "bed_days", "patients", singular=True).startswith(
        "changes by less than 1 patient ("
    )
    assert pack.who_pays(run)["total"].sum() == pytest.approx(
        run.summary["money"]["with_transition_funding"]["cumulative_investment_gap_gbp"][
            max(run.summary["money"]["with_transition_funding"]["cumulative_investment_gap_gbp"])
        ],
        rel=1e-6,
    )
    gap = run.summary["money"]["without_transition_funding"]["cumulative_investment_gap_gbp"]
    assert pack.spending(run)["difference"].sum() == pytest.approx(gap[max(gap)], rel=1e-9)
    assert "Largest items over the horizon" in pack.cost_sentence(run, short=True)
    assert pack.closure_sentence(run) == ""  # no decommissioning rule in this experiment
    # a closure is read from the rule's record, not from open beds (escalation beds move them)
    closing = copy.deepcopy(run)
    closing.config["interventions"]["decommissioning"]["rule"] = "on_evidence"
    closing.summary["decommissioning"] = {
        "rule": "on_evidence",
        "ward_beds": 28,
        "replications": 5,
        "wards_closed_by_replication": [0] * 5,
        "wards_closed_mean": 0.0,
        "replications_with_a_closure": 0,
        "first_closure_month": None,
    }
    assert "No ward closed" in pack.closure_sentence(closing)
    closing.summary["decommissioning"] |= {
        "wards_closed_by_replication": [1, 1, 0, 1, 1],
        "wards_closed_mean": 0.8,
        "replications_with_a_closure": 4,
        "first_closure_month": "2026-05",
    }
    rows = closing.summary["comparison_by_year"]["open_beds"]
    rows[-1]["difference"] = -24.0
    sentence = pack.closure_sentence(closing)
    assert "0.8 on average (28 beds each), in 4 of 5 replications, from 2026-05" in sentence
    assert "in the final year 24 fewer open G&A beds" in sentence


def test_refuses_what_is_not_a_finished_experiment(tmp_path, run_dir, capsys):
    assert pack.report_command([str(tmp_path)]) == 2
    assert "holds no complete results" in capsys.readouterr().err
    baseline_only = tmp_path / "baseline"
    shutil.copytree(run_dir / "results", baseline_only / "results")
    summary = json.loads((baseline_only / "results" / "summary.json").read_text())
    del summary["comparison_by_year"]
    (baseline_only / "results" / "summary.json").write_text(json.dumps(summary))
    assert pack.report_command([str(baseline_only)]) == 2
    assert "has no scenario" in capsys.readouterr().err
    assert not (baseline_only / pack.REPORT_DIR).exists()
    assert pack.report_command([str(run_dir), "--bogus"]) == 2


def test_a_failed_pack_keeps_the_previous_one(made, run_dir, monkeypatch):
    before = (made / "board_pack.html").read_bytes()

    def broken(run, out):
        (out / "board_pack.html").write_text("half")
        raise RuntimeError("disk full")

    monkeypatch.setattr(pack, "render", broken)
    with pytest.raises(RuntimeError):
        pack.make_pack(run_dir, pdf=False)
    assert (made / "board_pack.html").read_bytes() == before
    assert not list(run_dir.glob(".report-*"))


def test_pack_in_a_real_browser(made):
    chromium = pack.find_chromium()
    if chromium is None:
        if os.environ.get("CI"):
            pytest.fail("CI needs Chromium for the board-pack test (.ci/run installs it)")
        pytest.skip("no Chromium here: apt-get install chromium")
    from playwright.sync_api import sync_playwright
    from pypdf import PdfReader

    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 900, "height": 1270})
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto((made / "board_pack.html").resolve().as_uri())
        images = page.eval_on_selector_all(
            "img", "els => els.map(e => [e.alt, e.complete && e.naturalWidth > 0])"
        )
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "board_pack_summary.png"))
        sections = page.eval_on_selector_all("section.page", "els => els.length")
        browser.close()
    assert images and all(ok for _, ok in images), images
    assert errors == []
    pdf = PdfReader(made / "board_pack.pdf")
    assert len(pdf.pages) >= sections  # each section starts a page
    assert "board summary" in pdf.pages[0].extract_text()
    # the summary fits on its page: the next page starts the first question
    assert pdf.pages[1].extract_text().startswith("What does it cost, and when?")
    assert (ARTIFACTS / "board_pack_summary.png").stat().st_size > 10_000


@pytest.mark.e2e
def test_report_from_the_command_line(run_dir, tmp_path):
    copy_dir = tmp_path / "run"
    shutil.copytree(run_dir / "results", copy_dir / "results")
    done = run_cli(tmp_path, "report", str(copy_dir / "results"), "--no-pdf")
    assert done.returncode == 0, done.stderr
    assert f"Board pack: {copy_dir / 'report' / 'board_pack.html'}" in done.stdout
    assert (copy_dir / "report" / "board_pack.xlsx").is_file()
    bad = run_cli(tmp_path, "report")
    assert bad.returncode == 2 and "usage: leftshift report RUN_DIR" in bad.stderr


def test_a_multi_arm_run_gets_a_pack_per_arm(run_dir, tmp_path):
    multi = tmp_path / "multi" / "results"
    for arm in ("teams", "wards"):
        shutil.copytree(run_dir / "results", multi / arm)
    arm_summary = json.loads((run_dir / "results" / "summary.json").read_text())
    summary = {"scenarios": {"teams": arm_summary, "wards": arm_summary}}
    (multi / "summary.json").write_text(json.dumps(summary))
    shutil.copy(run_dir / "results" / "manifest.json", multi / "manifest.json")
    folders, _ = pack.make_pack(multi.parent, pdf=False)
    assert folders == [multi.parent / "report" / "teams", multi.parent / "report" / "wards"]
    assert all((f / "board_pack.html").is_file() for f in folders)


@pytest.mark.unit
def test_the_assumptions_name_the_population_and_the_capacity_plan():
    from leftshift.report.pack import population_assumption

    projected = population_assumption(
        {"transitions": "projected"},
        {"bed_growth_per_year": 0.027, "bed_plan": None},
        {"capacity_growth_per_year": 0.03},
    )
    assert "grows and ages as projected" in projected
    assert "G&A beds 2.7% and social-care places 3.0% a year" in projected
    held = population_assumption({"transitions": "stationary"}, {}, {})
    assert "held stationary" in held and "plan" not in held
    planned = population_assumption({}, {"bed_plan": [540, 560]}, {})
    assert "follow a plan by year" in planned

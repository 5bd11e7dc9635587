"""Figures: files, palette, type size, provenance stamp, honest intervals, no empty panels.

Drawn from small synthetic monthly tables, so no simulation runs here; the run-directory
tests (tests/test_outputs.py) check the files of a real experiment.
"""

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PolyCollection
from matplotlib.colors import to_hex
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.text import Text

from leftshift.config.dimensions import SEVERE_FROM
from leftshift.model import metrics
from leftshift.report import figures
from leftshift.report.figure_style import (
    ARM_STYLES,
    FIGURE_WIDTH_IN,
    MIN_FONT_PT,
    MIN_PRINT_PT,
    OKABE_ITO,
    PNG_DPI,
    PRINT_WIDTH_MM,
    REFERENCE_GREY,
    RunInfo,
)

RUN = RunInfo(
    experiment="vw_test",
    description="A test scenario",
    place="small",
    replications=5,
    master_seed=4242,
    leftshift_version="9.9.9",
    git_commit="0123456789abcdef",
    run_date="2026-12-03",
    price_year="2024/25",
)
#: colours a figure may use for data (Okabe-Ito), reference lines and bar edges
ALLOWED = {c.lower() for c in OKABE_ITO.values()} | {REFERENCE_GREY.lower(), "#ffffff"}


def monthly_table(
    replications: int, arms=("baseline", "scenario"), months=24, zero=(), spread=0.01, **levels
) -> pd.DataFrame:
    """A tidy monthly table with every metric the arm figures read; ``zero`` metrics are 0.

    ``levels`` set a metric's level by name (proactive care is 0 unless set).
    """
    rng = np.random.default_rng(1)
    stages = {d: metrics.PEOPLE_BY_STATE[d].names() for d in ("copd", "heart_failure")}
    level = {
        metrics.OCCUPANCY: 0.95,
        metrics.ED_BOARDING_HOURS: 500.0,
        metrics.WAITING_LIST_SIZE: 3000.0,
        metrics.WAITING_LIST_18WK_SHARE: 0.5,
        metrics.PEOPLE_IN_A_SEVERE_STATE: 1600.0,
        metrics.ADMISSIONS_COPD_EXACERBATION: 60.0,
        metrics.ADMISSIONS_HEART_FAILURE: 40.0,
        metrics.PROACTIVE_CARE_WTE_FUNDED: 0.0,
        metrics.PROACTIVE_CARE_WTE_IN_POST: 0.0,
        metrics.PROACTIVE_CARE_WTE_PRODUCTIVE: 0.0,
        metrics.PEOPLE_REACHED_PROACTIVE_CARE: 0.0,
        metrics.PEOPLE_ELIGIBLE_PROACTIVE_CARE: 1600.0,
        **{name: 100.0 for names in stages.values() for name in names},
        **levels,
    }
    rows = []
    dates = pd.date_range("2025-04-01", periods=months, freq="MS")
    for arm in arms:
        for rep in range(replications):
            for m, date in enumerate(dates):
                for metric, value in level.items():
                    noisy = 0.0 if metric in zero else value * (1 + spread * rng.normal())
                    rows.append((arm, rep, m, date, m // 12 + 1, metric, noisy))
    columns = ["arm", "replication", "month", "period_start", "reporting_year", "metric", "value"]
    return pd.DataFrame(rows, columns=columns)


def texts(fig) -> list[str]:
    return [t.get_text() for t in fig.findobj(Text) if t.get_text()]


def subtitle(fig) -> str:
    return " ".join(texts(fig)).replace("\n", " ")


def bands(fig) -> list[PolyCollection]:
    return [c for ax in fig.axes for c in ax.collections if isinstance(c, PolyCollection)]


def data_colours(fig) -> set[str]:
    """Colours of lines, bars and bands (not of text, axes or spines)."""
    found = set()
    for ax in fig.axes:
        for line in ax.get_lines():
            found.add(to_hex(line.get_color()))
        for patch in ax.patches:
            if isinstance(patch, Rectangle) and patch.get_width() and patch.get_height():
                found.add(to_hex(patch.get_facecolor()))
        for collection in ax.collections:
            found.update(to_hex(c) for c in collection.get_facecolor())
    return found


@pytest.fixture(autouse=True)
def _close_figures():
    import matplotlib.pyplot as plt

    yield
    plt.close("all")


@pytest.mark.unit
def test_type_prints_at_seven_points_or_more_at_half_an_a4_width():
    fig = figures.occupancy_figure(monthly_table(5), 0.92, RUN)
    scale = PRINT_WIDTH_MM / 25.4 / fig.get_size_inches()[0]
    assert fig.get_size_inches()[0] == FIGURE_WIDTH_IN
    assert MIN_FONT_PT * scale >= MIN_PRINT_PT
    fig.canvas.draw()  # makes every tick label and the legend
    sizes = {t.get_fontsize() for t in fig.findobj(Text) if t.get_text() and t.get_visible()}
    assert min(sizes) >= MIN_FONT_PT


@pytest.mark.unit
def test_colours_are_okabe_ito_and_arms_differ_in_colour_and_line_style():
    fig = figures.occupancy_figure(monthly_table(5), 0.92, RUN)
    assert data_colours(fig) <= ALLOWED
    lines = {line.get_label(): line for line in fig.axes[0].get_lines()}
    baseline, scenario = lines["Baseline"], lines["vw_test"]  # the scenario's name, not "Scenario"
    assert to_hex(baseline.get_color()) == ARM_STYLES["baseline"].colour.lower()
    assert to_hex(scenario.get_color()) == ARM_STYLES["scenario"].colour.lower()
    assert baseline.get_linestyle() != scenario.get_linestyle()
    run = figures.waiting_list_figure(monthly_table(5), RUN)
    assert data_colours(run) <= ALLOWED


@pytest.mark.unit
def test_every_figure_carries_the_provenance_stamp():
    stamp = RUN.stamp()
    for needle in ("vw_test vs baseline", "place small", "5 replications", "master seed 4242",
                   "leftshift 9.9.9 (0123456)", "run 2026-12-03"):  # fmt: skip
        assert needle in stamp
    fig = figures.waiting_list_figure(monthly_table(2), RUN)
    assert "0123456" in subtitle(fig) and "master seed 4242" in subtitle(fig)
    assert "A test scenario vs baseline: does the waiting list fall?" in subtitle(fig)


@pytest.mark.unit
def test_two_replications_draw_no_band_and_say_so():
    few = figures.occupancy_figure(monthly_table(2), 0.92, RUN)
    assert not bands(few)
    assert "2 replications: no interval drawn" in subtitle(few)
    assert "95% interval" not in subtitle(few)
    enough = figures.occupancy_figure(monthly_table(5), 0.92, RUN)
    assert len(bands(enough)) == 4  # two arms, two panels
    assert "95% interval of the mean" in subtitle(enough)


@pytest.mark.unit
def test_bands_are_clipped_to_what_the_quantity_can_be():
    wild = monthly_table(5, spread=0.6)  # replications far apart: raw bands leave the range
    fig = figures.occupancy_figure(wild, 0.92, RUN)
    occupancy, boarding = fig.axes[0], fig.axes[1]
    for ax, low, high in ((occupancy, 0, 100), (boarding, 0, np.inf)):
        for band in bands(fig):
            if band.axes is ax:
                y = band.get_paths()[0].vertices[:, 1]
                assert y.min() >= low - 1e-9 and y.max() <= high + 1e-9
    assert figures.feasible_range(metrics.OCCUPANCY) == (0.0, 1.0)
    assert figures.feasible_range(metrics.WAITING_LIST_SIZE)[0] == 0.0


@pytest.mark.unit
def test_acceptability_curve_is_not_drawn_from_too_few_replications():
    curve = pd.DataFrame(
        {"willingness_to_pay_gbp": np.arange(0, 101_000, 1000.0), "probability_cost_effective": 0}
    )
    few = figures.ceac_figure(curve, RUN, psa=False, replications=2)
    assert not few.axes[0].get_lines()  # no curve, not even a flat one
    assert "Not estimated" in subtitle(few)
    enough = figures.ceac_figure(curve, RUN, psa=False, replications=5)
    assert "cost-effective in none of 5 replications" in subtitle(enough)


@pytest.mark.unit
def test_panels_and_figures_with_nothing_to_show_are_not_drawn():
    assert figures.proactive_care_figure(monthly_table(2), RUN) is None  # no staff, no reach
    only_staff = monthly_table(2, **{metrics.PROACTIVE_CARE_WTE_FUNDED: 6.0})
    fig = figures.proactive_care_figure(only_staff, RUN)
    assert len(fig.axes) == 1 and "People reached" not in subtitle(fig)
    no_admissions = [metrics.ADMISSIONS_COPD_EXACERBATION, metrics.ADMISSIONS_HEART_FAILURE]
    one_panel = figures.population_health_figure(monthly_table(2, zero=no_admissions), RUN)
    assert len(one_panel.axes) == 1


@pytest.mark.integration
def test_a_figure_that_cannot_be_drawn_is_noted_and_the_others_are_drawn(
    default_config, monkeypatch
):
    """The report stage never throws the run away for one figure (issue 22)."""
    import matplotlib.pyplot as plt

    from leftshift.report import rundir

    def broken(*args, **kwargs):
        raise ValueError("Axis limits cannot be NaN or Inf")

    monkeypatch.setattr(rundir, "stage_mix_figure", broken)
    monthly = monthly_table(2, arms=("baseline",), months=14)
    bundle = SimpleNamespace(
        config=default_config, monthly=monthly, comparison=pd.DataFrame(), scenario=None
    )
    missing: list[dict[str, str]] = []
    drawn = rundir.draw_figures(bundle, missing, RUN)  # type: ignore[arg-type]
    for fig in drawn.values():
        plt.close(fig)
    assert missing == [
        {
            "key": "stage_mix.png",
            "reason": "figure not drawn: error: ValueError: Axis limits cannot be NaN or Inf",
        }
    ]
    assert set(drawn) == {"occupancy.png", "waiting_list.png", "population_health.png"}


@pytest.mark.integration
def test_a_baseline_run_writes_300_dpi_png_and_svg_and_skips_empty_figures(
    tmp_path, default_config
):
    from PIL import Image

    from leftshift.report.rundir import write_figures

    monthly = monthly_table(2, arms=("baseline",), months=14)
    bundle = SimpleNamespace(
        config=default_config, monthly=monthly, comparison=pd.DataFrame(), scenario=None
    )
    missing: list[dict[str, str]] = []
    written = write_figures(bundle, tmp_path, missing, RUN)  # type: ignore[arg-type]
    assert not missing
    stems = {name.rsplit(".", 1)[0] for name in written}
    assert stems == {"occupancy", "waiting_list", "stage_mix", "population_health"}
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(written)
    for stem in stems:
        dpi = Image.open(tmp_path / f"{stem}.png").info["dpi"]
        assert dpi == pytest.approx((PNG_DPI, PNG_DPI), abs=0.5)
        svg = (tmp_path / f"{stem}.svg").read_text()
        assert "master seed 4242" in svg and len(svg) < 200_000  # text kept as text


@pytest.mark.unit
def test_stage_shares_use_the_severe_stages():
    monthly = monthly_table(5)
    fig = figures.stage_mix_figure(monthly, RUN)
    copd = metrics.PEOPLE_BY_STATE["copd"].names()
    expected = (len(copd) - SEVERE_FROM["copd"]) / (len(copd) - 1)
    line = fig.axes[0].get_lines()[0]
    assert np.nanmean(line.get_ydata()) == pytest.approx(100 * expected, rel=0.05)
    assert isinstance(line, Line2D)


@pytest.mark.unit
def test_backfill_channels_have_the_names_the_console_prints():
    from leftshift.analysis.backfill import CHANNEL_NAMES
    from leftshift.report.console import BACKFILL_CHANNELS

    channels = {key: 10.0 * (k + 1) for k, key in enumerate(CHANNEL_NAMES)}
    monthly = monthly_table(2, months=12)
    backfill_monthly = pd.DataFrame(
        {"month": range(12), "avoided_emergency_bed_days": 300.0, **channels}
    )
    report = {
        "bed_days_over_horizon_mean_per_replication": {
            "avoided_emergency_bed_days": 3_600.0,
            **{k: 12 * v for k, v in channels.items()},
        },
        "backfill_ran_out": {"text": "not within the horizon", "replications": 2},
    }
    fig = figures.backfill_figure(backfill_monthly, monthly, RUN, report)
    legend = [t.get_text().lower() for t in fig.axes[0].get_legend().get_texts()]
    assert legend == ["bed-days avoided", *CHANNEL_NAMES.values()]
    for key, name in CHANNEL_NAMES.items():  # the console's rows carry the same names
        assert name in BACKFILL_CHANNELS[key]
        assert name in subtitle(fig) or key == "released_bed_days"


@pytest.mark.unit
def test_years_are_financial_years_when_reporting_starts_in_april():
    from dataclasses import replace

    from leftshift.report.figure_style import first_financial_year

    assert first_financial_year("2024-04-01", 12) == 2025  # the default: reports 2025/26 on
    assert first_financial_year("2024-04-15", 0) == 2024  # a part month still in 2024/25
    assert first_financial_year("2024-01-01", 12) is None  # years would straddle two FYs
    per_rep = pd.DataFrame(
        [(y, r, 10.0 * y + r) for y in (1, 2, 3) for r in range(2)],
        columns=["reporting_year", "replication", "qalys"],
    )
    fy = figures.incremental_qalys_figure(per_rep, replace(RUN, first_financial_year=2025))
    ticks = [t.get_text() for t in fy.axes[0].get_xticklabels()]
    assert ticks == ["2025/26", "2026/27", "2027/28"]
    assert fy.axes[0].get_xlabel() == "Financial year"
    assert "From 2025/26 to 2027/28: 62 QALYs gained" in subtitle(fy)  # 60 and 63
    plain = figures.incremental_qalys_figure(per_rep, RUN)
    assert [t.get_text() for t in plain.axes[0].get_xticklabels()] == ["Year 1", "Year 2", "Year 3"]
    assert "From Year 1 to Year 3: 62 QALYs gained" in subtitle(plain)
    monthly = monthly_table(2)  # reporting years 1-2 from April 2025
    occupancy = figures.occupancy_figure(monthly, 0.92, replace(RUN, first_financial_year=2025))
    assert "2026/27 occupancy over the whole day:" in subtitle(occupancy)

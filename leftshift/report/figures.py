"""Figures for board papers: each function takes results and returns a matplotlib Figure.

Every figure asks its question in the title (naming the scenario) and answers it from the
numbers in the subtitle, in the style of :func:`double_running_figure`; its footer is the
run's provenance stamp (:class:`~leftshift.report.figure_style.RunInfo`). Monthly lines are
the mean over replications. A 95% interval of that mean (t-based) is drawn only with at least
:data:`MIN_REPLICATIONS_FOR_INTERVALS` replications, clipped to what the quantity can be
(a share between 0 and 1, a count not below 0); with fewer, the subtitle says none is drawn.
A panel with nothing to show is left out, and a figure with no panel is not drawn: its
function returns None.
"""

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from leftshift.analysis.backfill import CHANNEL_NAMES
from leftshift.analysis.economics import MIN_REPLICATIONS_FOR_GUIDANCE, per_qaly_words
from leftshift.analysis.intervals import grouped_half_widths, row_half_widths, t_interval
from leftshift.config.dimensions import IMD_QUINTILES, SEVERE_FROM
from leftshift.model import metrics
from leftshift.report.figure_style import (
    ARM_STYLES,
    OKABE_ITO,
    PALETTE,
    REFERENCE_GREY,
    ArmStyle,
    RunInfo,
    finish,
    new_figure,
    outside_legend,
    styled,
)

#: fewer replications than this draw no interval (band or bar): the t interval from 2-4
#: replications is too unstable to show, as for replication guidance
MIN_REPLICATIONS_FOR_INTERVALS = MIN_REPLICATIONS_FOR_GUIDANCE
#: metrics that can be negative; every other registered metric is a count, level or share
SIGNED_METRICS = frozenset({metrics.BED_DAYS_STAY_PRESSURE})
BAND_ALPHA = 0.18
PANEL_IN = 2.1  # height of a panel with a time axis


def intervals_drawn(replications: int) -> bool:
    """True when there are enough replications to draw a 95% interval."""
    return replications >= MIN_REPLICATIONS_FOR_INTERVALS


def uncertainty_note(
    replications: int,
    comparing: bool,
    drawn_as: str = "shaded",
    of: str = "the mean",
    paired: bool = False,
) -> str:
    """One sentence on the interval: what it is, or that none is drawn and why.

    ``comparing``: the figure compares a scenario with its baseline, so too few replications
    also mean a difference cannot be told from chance.
    """
    plural = "s" if replications != 1 else ""
    reps = f"{replications}{' paired' if paired else ''} replication{plural}"
    if intervals_drawn(replications):
        return f"Mean of {reps}; {drawn_as}: 95% interval of {of}."
    chance = ", and too few to tell a difference from chance" if comparing else ""
    return f"{reps}: no interval drawn{chance}; run {MIN_REPLICATIONS_FOR_INTERVALS} or more."


def feasible_range(metric: str) -> tuple[float, float]:
    """What a metric's values can be: a share lies in [0, 1], a count or level is not < 0."""
    if metric in SIGNED_METRICS:
        return -np.inf, np.inf
    if metrics.is_registered(metric) and metrics.lookup(metric).unit == metrics.Unit.SHARE:
        return 0.0, 1.0
    return 0.0, np.inf


def _series(
    monthly: pd.DataFrame, metric: str, bounds: tuple[float, float] | None = None
) -> pd.DataFrame:
    """Mean, 95% interval (clipped to ``bounds``) and replications by arm and month."""
    sub = monthly[monthly["metric"] == metric]
    g = sub.groupby(["arm", "period_start"], sort=False)["value"]
    out = g.agg(["mean", "std", "count"]).reset_index()
    half = grouped_half_widths(out["std"], out["count"], 0.95)
    low, high = bounds if bounds is not None else feasible_range(metric)
    out["low"] = (out["mean"] - half).clip(lower=low, upper=high)
    out["high"] = (out["mean"] + half).clip(lower=low, upper=high)
    return out


def _shows_something(values) -> bool:
    """True when ``values`` hold a finite value other than zero."""
    v = np.asarray(values, float)
    return bool((np.isfinite(v) & (v != 0)).any())


def _arm_style(arm: str, k: int) -> ArmStyle:
    return ARM_STYLES.get(arm, ArmStyle(PALETTE[k % len(PALETTE)], "-", "o"))


def _thousands(ax: Axes) -> None:
    """Y tick labels with thousands separators (20,000, not 20000 or 2e4)."""
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.10g}"))


def _plot_arms(
    ax: Axes,
    monthly: pd.DataFrame,
    metric: str,
    run: RunInfo,
    scale: float = 1.0,
    bounds: tuple[float, float] | None = None,
) -> int:
    """Each arm's monthly mean, with its clipped 95% band when there are enough replications.

    Returns the smallest number of replications behind a point (0 when nothing was drawn).
    """
    data = _series(monthly, metric, bounds)
    fewest = 0
    for k, (arm, grp) in enumerate(data.groupby("arm", sort=False)):
        if not np.isfinite(grp["mean"]).any():
            continue
        style = _arm_style(str(arm), k)
        x = pd.to_datetime(grp["period_start"])
        ax.plot(x, grp["mean"] * scale, color=style.colour, ls=style.linestyle,
                label=run.arm_label(str(arm)))  # fmt: skip
        n = int(grp["count"].min())
        fewest = n if not fewest else min(fewest, n)
        if intervals_drawn(n) and grp["low"].notna().any():
            ax.fill_between(x, grp["low"] * scale, grp["high"] * scale, color=style.colour,
                            alpha=BAND_ALPHA, lw=0)  # fmt: skip
    _date_axis(ax)
    _thousands(ax)
    return fewest


def _date_axis(ax: Axes) -> None:
    """Readable month ticks for a short or long horizon."""
    locator = mdates.AutoDateLocator(minticks=3, maxticks=7)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def _legend_above(ax: Axes) -> None:
    """The legend in a row (or rows) above the axes, when there is more than one entry."""
    handles, labels = ax.get_legend_handles_labels()
    if len(labels) > 1:
        outside_legend(ax, handles, labels, above=True, handlelength=2.4, columnspacing=1.5)


def _legend_below(ax: Axes, gap_in: float = 0.4) -> None:
    """The legend under the axes' tick labels (for panels too dense to hold it)."""
    handles, labels = ax.get_legend_handles_labels()
    if labels:
        outside_legend(ax, handles, labels, above=False, gap_in=gap_in, handlelength=2.0,
                       columnspacing=1.2)  # fmt: skip


def _reference_line(ax: Axes, y: float, text: str) -> None:
    """A dashed grey reference line with its label at the left, just above it."""
    ax.axhline(y, color=REFERENCE_GREY, ls=(0, (4, 3)), lw=1.1)
    ax.annotate(text, (0, y), xycoords=("axes fraction", "data"), xytext=(3, 2),
                textcoords="offset points", va="bottom", color=REFERENCE_GREY)  # fmt: skip


def _last_year_means(monthly: pd.DataFrame, metric: str) -> tuple[int, dict[str, float]]:
    """The last reporting year and each arm's mean of the metric's months in it."""
    sub = monthly[monthly["metric"] == metric]
    year = int(sub["reporting_year"].max())
    means = sub[sub["reporting_year"] == year].groupby("arm", sort=False)["value"].mean()
    return year, {str(a): float(v) for a, v in means.items()}


def _levels(run: RunInfo, means: dict[str, float], fmt, unit: str = "") -> str:
    """'X <unit> in the baseline, Y with <scenario>', or 'X <unit>' for one arm."""
    unit = f" {unit}" if unit else ""
    if set(means) >= {"baseline", "scenario"}:
        return (
            f"{fmt(means['baseline'])}{unit} in the baseline, {fmt(means['scenario'])} with"
            f" {run.experiment}"
        )
    return fmt(next(iter(means.values()))) + unit


def _verdict(
    comparison: pd.DataFrame,
    metric: str,
    fmt,
    unit: str = "",
    down: str = "falls",
    up: str = "rises",
) -> str:
    """The scenario's change in the last (or given) reporting year, said as honestly as n allows.

    With enough replications the 95% interval decides the word (``down``, ``up`` or no clear
    change); with fewer the difference is given with a warning.
    """
    rows = comparison[comparison["metric"] == metric] if not comparison.empty else comparison
    if rows.empty:
        return ""
    row = rows[rows["reporting_year"] == rows["reporting_year"].max()].iloc[0]
    diff, low, high, n = row.mean_difference, row.ci_low, row.ci_high, int(row.replications)
    change = fmt(diff, sign=True) + (f" {unit}" if unit else "")
    if not intervals_drawn(n):
        return f"difference {change}"
    interval = f"95% CI {fmt(low, sign=True)} to {fmt(high, sign=True)}"
    if low > 0:
        return f"it {up}: {change} ({interval})"
    if high < 0:
        return f"it {down}: {change} ({interval})"
    return f"no clear change: {change} ({interval})"


def _number(value: float, sign: bool = False, digits: int = 0) -> str:
    return f"{value:+,.{digits}f}" if sign else f"{value:,.{digits}f}"


def _percent(value: float, sign: bool = False) -> str:
    """A share as a percentage; signed (a difference) it is in percentage points."""
    return f"{100 * value:+.1f}" if sign else f"{100 * value:.1f}%"


def _money_m(value: float, sign: bool = False) -> str:
    """Pounds as £ million (£ thousand under £0.1 million), e.g. +£1.4 m, -£30k."""
    size = abs(value)
    amount = f"£{size / 1e6:,.1f} m" if size >= 1e5 else f"£{size / 1e3:,.0f}k"
    if value < 0:
        return f"-{amount}"
    return f"+{amount}" if sign else amount


@styled
def occupancy_figure(
    monthly: pd.DataFrame,
    elective_threshold: float,
    run: RunInfo,
    comparison: pd.DataFrame | None = None,
) -> Figure:
    """Monthly G&A bed occupancy and ED boarding hours, by arm."""
    fig, axes = new_figure([PANEL_IN, PANEL_IN], sharex=True)
    ax1, ax2 = axes[:, 0]
    n = _plot_arms(ax1, monthly, metrics.OCCUPANCY, run, 100.0)
    _reference_line(ax1, elective_threshold * 100, f"elective threshold {elective_threshold:.0%}")
    ax1.set_ylim(top=min(max(ax1.get_ylim()[1], elective_threshold * 100 + 2), 101))
    ax1.set_ylabel("G&A beds occupied (%),\nmean over the day")
    _legend_above(ax1)
    _plot_arms(ax2, monthly, metrics.ED_BOARDING_HOURS, run)
    ax2.set_ylim(bottom=0)
    ax2.set_ylabel("Hours waiting in ED\nfor a bed, a month")
    _thousands(ax2)
    year, occ = _last_year_means(monthly, metrics.OCCUPANCY)
    _, boarding = _last_year_means(monthly, metrics.ED_BOARDING_HOURS)
    answer = f"{run.year_label(year)} occupancy over the whole day: {_levels(run, occ, _percent)}"
    verdict = _verdict(comparison if comparison is not None else pd.DataFrame(),
                       metrics.OCCUPANCY, _percent, "points")  # fmt: skip
    answer += f"; {verdict}." if verdict else "."
    answer += f" Waiting in ED for a bed: {_levels(run, boarding, _number, 'hours a month')}."
    question = (
        "are beds less full, and ED waits shorter?"
        if run.is_experiment
        else "how full are the beds, and how long is the wait in ED for one?"
    )
    return finish(
        fig, run, run.title(question), f"{answer} {uncertainty_note(n, run.is_experiment)}"
    )


@styled
def waiting_list_figure(
    monthly: pd.DataFrame, run: RunInfo, comparison: pd.DataFrame | None = None
) -> Figure:
    """Admitted waiting-list size and the share waiting under 18 weeks, by arm."""
    fig, axes = new_figure([PANEL_IN, PANEL_IN], sharex=True)
    ax1, ax2 = axes[:, 0]
    n = _plot_arms(ax1, monthly, metrics.WAITING_LIST_SIZE, run)
    ax1.set_ylim(bottom=0)
    ax1.set_ylabel("People on the\nadmitted list")
    _legend_above(ax1)
    _plot_arms(ax2, monthly, metrics.WAITING_LIST_18WK_SHARE, run, 100.0)
    _reference_line(ax2, 92, "18-week standard 92%")
    ax2.set_ylim(0, 100)
    ax2.set_ylabel("Waiting under\n18 weeks (%)")
    ax2.set_xlabel("Month (list measured at month end)")
    year, size = _last_year_means(monthly, metrics.WAITING_LIST_SIZE)
    _, share = _last_year_means(monthly, metrics.WAITING_LIST_18WK_SHARE)
    _thousands(ax1)
    answer = f"{run.year_label(year)} average list: {_levels(run, size, _number, 'people')}"
    verdict = _verdict(comparison if comparison is not None else pd.DataFrame(),
                       metrics.WAITING_LIST_SIZE, _number, "people")  # fmt: skip
    answer += f"; {verdict}." if verdict else "."
    answer += f" Under 18 weeks: {_levels(run, share, _percent)}."
    question = "does the waiting list fall?" if run.is_experiment else "how long is the list?"
    return finish(
        fig, run, run.title(question), f"{answer} {uncertainty_note(n, run.is_experiment)}"
    )


#: backfill channel -> (colour, hatch, said when > 0, said when < 0); the legend is the
#: channel's name (:data:`leftshift.analysis.backfill.CHANNEL_NAMES`), as in the console
BACKFILL_LAYERS = {
    "backfilled_by_electives": (OKABE_ITO["bluish_green"], "",
                                "{name} took {v}", "{name} gave back {v}"),
    "backfilled_by_admission_threshold": (OKABE_ITO["reddish_purple"], "",
                                          "more {name} took {v}", "fewer {name} freed {v} more"),
    "backfilled_by_stay_length": (OKABE_ITO["yellow"], "",
                                  "{name} took {v}", "shorter stays freed {v} more"),
    "backfilled_by_outlier_stays": (OKABE_ITO["blue"], "",
                                    "{name} took {v}", "fewer outlier days freed {v} more"),
    "backfilled_by_delayed_discharges": (OKABE_ITO["sky_blue"], "",
                                         "more {name} took {v}", "fewer {name} freed {v} more"),
    "released_bed_days": (OKABE_ITO["orange"], "//",
                          "{v} were {name}", "beds in use still rose by {v}"),
}  # fmt: skip


@styled
def backfill_figure(
    backfill_monthly: pd.DataFrame, monthly: pd.DataFrame, run: RunInfo, backfill: dict
) -> Figure:
    """Where the bed-days freed by avoided emergencies went, month by month.

    ``backfill`` is the backfill report without its monthly table (for the subtitle).
    """
    dates = monthly.drop_duplicates("month").set_index("month")["period_start"]
    bm = backfill_monthly.set_index("month")
    x = pd.to_datetime(dates.loc[bm.index])
    fig, axes = new_figure(3.0)
    ax = axes[0, 0]
    pos = np.zeros(len(bm))
    neg = np.zeros(len(bm))
    ax.plot(x, bm["avoided_emergency_bed_days"], color=OKABE_ITO["black"], lw=2.0, zorder=3,
            label="Bed-days avoided")  # fmt: skip
    for key, (colour, hatch, _, _) in BACKFILL_LAYERS.items():
        v = bm[key].to_numpy()
        if not _shows_something(v):
            continue
        base = np.where(v >= 0, pos, neg)
        label = CHANNEL_NAMES[key][0].upper() + CHANNEL_NAMES[key][1:]
        ax.bar(x, v, bottom=base, width=25, color=colour, hatch=hatch, label=label,
               edgecolor="white", linewidth=0.3)  # fmt: skip
        pos += np.where(v >= 0, v, 0)
        neg += np.where(v < 0, v, 0)
    ax.axhline(0, color=REFERENCE_GREY, lw=0.8)
    ax.set_ylabel("Bed-days a month,\nscenario vs baseline")
    _thousands(ax)
    _date_axis(ax)
    _legend_below(ax)
    total = backfill.get("bed_days_over_horizon_mean_per_replication", {})
    reps = backfill.get("backfill_ran_out", {}).get("replications", run.replications)
    avoided = total.get("avoided_emergency_bed_days", float("nan"))
    channels = []
    for key, (_, _, more, less) in BACKFILL_LAYERS.items():
        v = total.get(key, 0.0)
        if abs(v) >= max(0.5, 0.02 * abs(avoided)):  # the sentence leaves out slivers
            said = more if v > 0 else less
            channels.append(said.format(name=CHANNEL_NAMES[key], v=f"{abs(v):,.0f}"))
    answer = (
        f"Over the horizon {avoided:,.0f} emergency bed-days were avoided: {', '.join(channels)}"
        f" (mean of {reps} paired replications)."
    )
    ran_out = backfill.get("backfill_ran_out", {}).get("text")
    empty = (
        f"it runs out when {backfill.get('released_fraction', 0.5):.0%} or more of the"
        " avoided bed-days are left empty over a few months"
    )
    if ran_out == "not within the horizon":
        answer += f" Backfill did not run out ({empty}) within it."
    elif ran_out:
        answer += f" Backfill ran out ({empty}) {ran_out}."
        if run.variant and "idle" in run.variant:
            answer += " With the freed beds left idle it runs out by design."
    answer += " Bars below zero: channels that freed beds too."
    return finish(fig, run, run.title("where do the freed bed-days go?"), answer)


def _finite_max(values) -> float:
    """The largest finite value, or 0 when there is none (NaN for an empty group)."""
    finite = [float(v) for v in values if v is not None and np.isfinite(v)]
    return max(finite, default=0.0)


VW_BEDS = (
    (metrics.VW_BEDS_FUNDED, OKABE_ITO["sky_blue"], (0, (5, 2)), "Funded"),
    (metrics.VW_BEDS_AVAILABLE, OKABE_ITO["blue"], "-", "Staffed (available)"),
    (metrics.VW_OCCUPIED_BEDS, OKABE_ITO["bluish_green"], "-", "Occupied"),
)
VW_KINDS = (
    ("step_up_avoided", OKABE_ITO["reddish_purple"], "", "Step-up instead of admission"),
    ("step_up_additional", OKABE_ITO["orange"], "//", "Step-up, would not have been admitted"),
    ("step_down", OKABE_ITO["blue"], "", "Step-down (early discharge)"),
)
CASE_MIX = (
    ("complex_share_of_emergency_admissions", "Complex share of\nemergency admissions"),
    ("mean_emergency_stay_days", "Mean emergency stay"),
    ("mean_emergency_stay_before_delay_days", "Mean stay before\nwaiting for care"),
)


@styled
def virtual_ward_figure(monthly: pd.DataFrame, report: dict, run: RunInfo) -> Figure:
    """Virtual beds and their use, and the acute case mix against the baseline."""
    scen = monthly[monthly["arm"] == "scenario"]
    fig, axes = new_figure([PANEL_IN, PANEL_IN, 1.9])
    ax = axes[0, 0]
    for metric, colour, style, label in VW_BEDS:
        d = _series(scen, metric)
        ax.plot(pd.to_datetime(d["period_start"]), d["mean"], color=colour, ls=style,
                label=label)  # fmt: skip
    ax.set_title("Beds")
    ax.set_ylabel("Virtual beds")
    ax.set_ylim(bottom=0)
    _date_axis(ax)
    _legend_above(ax)
    ax = axes[1, 0]
    bottom = None
    for kind, colour, hatch, label in VW_KINDS:
        d = _series(scen, metrics.VW_ADMISSIONS_BY_KIND.name(kind))
        x = pd.to_datetime(d["period_start"])
        ax.bar(x, d["mean"], bottom=bottom, width=25, color=colour, hatch=hatch, label=label,
               edgecolor="white", linewidth=0.3)  # fmt: skip
        bottom = d["mean"].to_numpy() if bottom is None else bottom + d["mean"].to_numpy()
    esc = _series(scen, metrics.VW_ESCALATIONS)
    ax.plot(pd.to_datetime(esc["period_start"]), esc["mean"], color=OKABE_ITO["black"],
            label="Escalated back to hospital")  # fmt: skip
    ax.set_title("Admissions, by kind")
    ax.set_ylabel("Virtual-ward\nadmissions a month")
    ax.set_ylim(bottom=0)
    _date_axis(ax)
    _legend_below(ax)
    ax = axes[2, 0]
    cm = report["case_mix"]
    with np.errstate(divide="ignore", invalid="ignore"):  # a baseline of 0: no bar
        ratio = [np.float64(cm["scenario"][k]) / np.float64(cm["baseline"][k]) for k, _ in CASE_MIX]
    change = [100 * (r - 1) if np.isfinite(r) else np.nan for r in ratio]
    xs = np.arange(len(CASE_MIX))
    ax.bar(xs, change, 0.5, color=OKABE_ITO["vermillion"])
    ax.set_xticks(xs, [label for _, label in CASE_MIX])
    ax.axhline(0, color=REFERENCE_GREY, lw=0.8)
    span = max(2.0, _finite_max(np.abs(change)) * 1.5)
    ax.set_ylim(-span, span)
    ax.set_title("Acute hospital case mix")
    ax.set_ylabel("Change vs\nbaseline (%)")
    for x, c in zip(xs, change, strict=True):
        if np.isfinite(c):
            ax.annotate(f"{c:+.1f}%", (x, c), xytext=(0, 3 if c >= 0 else -3),
                        textcoords="offset points", ha="center",
                        va="bottom" if c >= 0 else "top")  # fmt: skip
    beds = {m: _series(scen, m)["mean"].iloc[-1] for m, *_ in VW_BEDS}
    answer = (
        f"In the last month {beds[metrics.VW_BEDS_FUNDED]:,.0f} virtual beds were funded,"
        f" {beds[metrics.VW_BEDS_AVAILABLE]:,.0f} staffed and"
        f" {beds[metrics.VW_OCCUPIED_BEDS]:,.0f} occupied (beds open only once staff are"
        f" recruited). Means of {run.replications} replications; no interval drawn."
    )
    return finish(fig, run, run.title("are the virtual beds staffed and used?"), answer)


@styled
def virtual_ward_equity_figure(report: dict, run: RunInfo) -> Figure:
    """Virtual-ward admissions and avoided admissions by IMD quintile, per head and per need."""
    q = report["by_quintile"]
    names = list(q)
    xs = np.arange(len(names))
    fig, axes = new_figure([PANEL_IN, 1.9], sharex=True)
    ax = axes[0, 0]
    admissions = [q[n]["vw_admissions_per_1000_a_year"] for n in names]
    avoided = [q[n]["admissions_avoided_per_1000_a_year"] for n in names]
    ax.bar(xs - 0.2, admissions, 0.4, color=OKABE_ITO["blue"], label="Virtual-ward admissions")
    ax.bar(xs + 0.2, avoided, 0.4, color=OKABE_ITO["bluish_green"], hatch="//",
           edgecolor="white", linewidth=0.3, label="Acute admissions avoided")  # fmt: skip
    # a quintile with no people has no rate (NaN): it gets no bar and sets no limit
    ax.set_ylim(0, 1.1 * max(_finite_max(admissions), 1e-9))
    ax.set_ylabel("Per 1,000 people\na year")
    _legend_above(ax)
    ax = axes[1, 0]
    per_need = [q[n]["admissions_avoided_per_100_emergency_admissions"] for n in names]
    ax.plot(xs, per_need, "o-", color=OKABE_ITO["black"])
    ax.set_ylim(0, 1.25 * max(_finite_max(per_need), 1e-9))
    ax.set_ylabel("Avoided per 100\nemergency admissions")
    extremes = {IMD_QUINTILES[0]: "\n(most deprived)", IMD_QUINTILES[-1]: "\n(least deprived)"}
    ax.set_xticks(xs, [f"{n}{extremes.get(n, '')}" for n in names])
    ax.set_xlabel("IMD quintile of where people live")
    first, last = names[0], names[-1]
    answer = (
        f"Virtual-ward admissions per 1,000 a year: {q[first]['vw_admissions_per_1000_a_year']:.1f}"
        f" in {first} (most deprived), {q[last]['vw_admissions_per_1000_a_year']:.1f} in {last};"
        f" acute admissions avoided per 100 emergency admissions (relative to need):"
        f" {q[first]['admissions_avoided_per_100_emergency_admissions']:.2f} in {first},"
        f" {q[last]['admissions_avoided_per_100_emergency_admissions']:.2f} in {last}."
        f" Rates per person-year; means of {run.replications} replications, no interval drawn."
    )
    return finish(fig, run, run.title("who benefits, by deprivation?"), answer)


def _combined(monthly: pd.DataFrame, metric_names: list[str], name: str) -> pd.DataFrame:
    """A derived metric: the sum of several, by arm, replication and month."""
    sub = monthly[monthly["metric"].isin(metric_names)]
    keys = [
        c
        for c in ("arm", "replication", "month", "period_start", "reporting_year")
        if c in sub.columns
    ]
    out = sub.groupby(keys, observed=True)["value"].sum().reset_index()
    out["metric"] = name
    return out


SEVERE_GROUPS = {
    metrics.PEOPLE_COPD_SEVERE: "COPD GOLD 3-4",
    metrics.PEOPLE_HEART_FAILURE_SEVERE: "Heart failure NYHA III-IV",
    metrics.PEOPLE_FRAILTY_SEVERE: "Severely frail",
    metrics.PEOPLE_IN_A_SEVERE_STATE: "Any of these (each person once)",
}
DISEASE_ADMISSIONS = {
    metrics.ADMISSIONS_COPD_EXACERBATION: "COPD exacerbations",
    metrics.ADMISSIONS_HEART_FAILURE: "Heart-failure admissions",
}
MARKERS = ("o", "s", "^", "D")


def _relative_by_year(
    ax: Axes, comparison: pd.DataFrame, labels: dict[str, str], run: RunInfo
) -> int:
    """Scenario vs baseline by reporting year, %, with paired 95% intervals when enough reps.

    Returns the number of series drawn (a metric with no finite relative change is left out).
    """
    drawn = 0
    offsets = np.linspace(-0.15, 0.15, len(labels))
    for k, ((metric, label), dx) in enumerate(zip(labels.items(), offsets, strict=True)):
        rows = comparison[comparison["metric"] == metric]
        base = rows["baseline_mean"].where(rows["baseline_mean"] != 0)
        rel = 100 * rows["mean_difference"] / base
        if not np.isfinite(rel).any():
            continue
        n = int(rows["replications"].min())
        err = 100 * (rows["ci_high"] - rows["mean_difference"]) / base.abs()
        show = intervals_drawn(n) and bool(err.notna().any())
        ax.errorbar(rows["reporting_year"] + dx, rel, yerr=err if show else None,
                    fmt=f"{MARKERS[k % len(MARKERS)]}-", ms=5, lw=1.4, color=PALETTE[k],
                    label=label)  # fmt: skip
        drawn += 1
    ax.axhline(0.0, color=REFERENCE_GREY, lw=0.8)
    years = sorted(comparison["reporting_year"].unique())
    _year_ticks(ax, np.asarray(years), [run.year_label(y) for y in years])
    ax.set_xlim(min(years) - 0.5, max(years) + 0.5)
    return drawn


def _relative_change(comparison: pd.DataFrame, metric: str) -> str:
    rows = comparison[comparison["metric"] == metric]
    if rows.empty:
        return "n/a"
    row = rows[rows["reporting_year"] == rows["reporting_year"].max()].iloc[0]
    rel = 100 * row.relative_difference
    if not np.isfinite(rel):
        return "not defined"
    return f"{rel:+.2f}%" if abs(rel) < 1 else f"{rel:+.1f}%"


@styled
def proactive_care_figure(monthly: pd.DataFrame, run: RunInfo) -> Figure | None:
    """Proactive-care workforce (funded, in post, productive) and the people it reaches.

    None when no proactive-care staff are funded and nobody is reached (nothing to show).
    """
    if "arm" not in monthly.columns:
        monthly = monthly.assign(arm="baseline")
    last_arm = str(monthly["arm"].unique()[-1])
    arm_rows = monthly[monthly["arm"] == last_arm]
    workforce = (
        (metrics.PROACTIVE_CARE_WTE_FUNDED, "Funded", (0, (5, 2)), OKABE_ITO["sky_blue"]),
        (metrics.PROACTIVE_CARE_WTE_IN_POST, "In post", "-", OKABE_ITO["blue"]),
        (metrics.PROACTIVE_CARE_WTE_PRODUCTIVE, "Productive", ":", OKABE_ITO["bluish_green"]),
    )
    staff = {
        m: arm_rows[arm_rows["metric"] == m].groupby("period_start")["value"].mean()
        for m, *_ in workforce
    }
    reached = monthly[monthly["metric"] == metrics.PEOPLE_REACHED_PROACTIVE_CARE]
    panels = []
    if any(_shows_something(s) for s in staff.values()):
        panels.append("staff")
    if _shows_something(reached["value"]):
        panels.append("reach")
    if not panels:
        return None
    fig, axes = new_figure([PANEL_IN] * len(panels), sharex=True)
    answer = []
    for ax, panel in zip(axes[:, 0], panels, strict=True):
        if panel == "staff":
            for metric, label, style, colour in workforce:
                s = staff[metric]
                if _shows_something(s):
                    ax.plot(pd.to_datetime(s.index), s.to_numpy(), ls=style, color=colour,
                            label=label)  # fmt: skip
            ax.set_title(f"Proactive-care staff ({run.arm_label(last_arm)})")
            ax.set_ylabel("Whole-time\nequivalents")
            ax.set_ylim(bottom=0)
            _date_axis(ax)
            _legend_above(ax)
            end = {m: float(s.iloc[-1]) for m, s in staff.items() if len(s)}
            answer.append(
                f"In the last month {end.get(metrics.PROACTIVE_CARE_WTE_IN_POST, 0):,.1f} WTE"
                f" were in post of {end.get(metrics.PROACTIVE_CARE_WTE_FUNDED, 0):,.1f} funded"
                f" ({end.get(metrics.PROACTIVE_CARE_WTE_PRODUCTIVE, 0):,.1f} productive)."
            )
        else:
            n = _plot_arms(ax, monthly, metrics.PEOPLE_REACHED_PROACTIVE_CARE, run)
            ax.set_title("People reached")
            ax.set_ylabel("People reached\nin a month")
            ax.set_ylim(bottom=0)
            _legend_above(ax)
            _, reach = _last_year_means(monthly, metrics.PEOPLE_REACHED_PROACTIVE_CARE)
            _, eligible = _last_year_means(monthly, metrics.PEOPLE_ELIGIBLE_PROACTIVE_CARE)
            answer.append(
                f"People reached a month in the last year: {_levels(run, reach, _number)}, of"
                f" about {max(eligible.values(), default=0):,.0f} eligible."
                f" {uncertainty_note(n, run.is_experiment)}"
            )
    answer.append("Staff are recruited ahead of benefit.")
    question = (
        "are proactive-care staff in post, and whom do they reach?"
        if run.is_experiment
        else "how much proactive care is there?"
    )
    return finish(fig, run, run.title(question), " ".join(answer))


def _has_relative(comparison: pd.DataFrame, labels: dict[str, str]) -> bool:
    """True when some metric in ``labels`` has a finite change relative to the baseline."""
    rows = comparison[comparison["metric"].isin(list(labels))]
    return _shows_something(rows["relative_difference"]) if len(rows) else False


@styled
def population_health_figure(
    monthly: pd.DataFrame, run: RunInfo, comparison: pd.DataFrame | None = None
) -> Figure | None:
    """People in severe states and disease admissions: scenario vs baseline, or over time.

    With a paired ``comparison`` (an experiment) the panels show the scenario against the
    baseline by reporting year; the differences are a few percent, too small to read off two
    absolute curves. Without one they show the arm's monthly counts. None when there is
    nothing to show.
    """
    if "arm" not in monthly.columns:
        monthly = monthly.assign(arm="baseline")
    if comparison is not None and not comparison.empty:
        return _population_health_paired(comparison, run)
    panels = [
        (
            monthly[monthly["metric"] == metrics.PEOPLE_IN_A_SEVERE_STATE],
            metrics.PEOPLE_IN_A_SEVERE_STATE,
            "People severely frail,\nGOLD 3-4 or NYHA III-IV",
        ),
        (
            _combined(monthly, list(DISEASE_ADMISSIONS), "disease_admissions"),
            "disease_admissions",
            "COPD and heart-failure\nadmissions a month",
        ),
    ]
    panels = [p for p in panels if _shows_something(p[0]["value"])]
    if not panels:
        return None
    fig, axes = new_figure([PANEL_IN] * len(panels), sharex=True)
    n = 0
    for ax, (data, metric, label) in zip(axes[:, 0], panels, strict=True):
        n = _plot_arms(ax, data, metric, run)
        ax.set_ylabel(label)
        ax.set_ylim(bottom=0)
    _legend_above(axes[0, 0])
    _, people = _last_year_means(monthly, metrics.PEOPLE_IN_A_SEVERE_STATE)
    answer = (
        f"Last year: {_levels(run, people, _number)} people in a severe state on average."
        f" {uncertainty_note(n, run.is_experiment)}"
    )
    return finish(fig, run, run.title("how many people are severely ill?"), answer)


def _population_health_paired(comparison: pd.DataFrame, run: RunInfo) -> Figure | None:
    """Scenario vs baseline by reporting year: severe states and disease admissions."""
    panels = [
        (labels, title)
        for labels, title in (
            (SEVERE_GROUPS, "People in severe states"),
            (DISEASE_ADMISSIONS, "Disease admissions"),
        )
        if _has_relative(comparison, labels)
    ]
    if not panels:
        return None
    fig, axes = new_figure([PANEL_IN + 0.4] * len(panels))
    for ax, (labels, title) in zip(axes[:, 0], panels, strict=True):
        _relative_by_year(ax, comparison, labels, run)
        ax.set_title(title)
        ax.set_ylabel("Change vs\nbaseline (%)")
        _legend_below(ax)
    n = int(comparison["replications"].min())
    answer = (
        "Last year, relative to the baseline: people in any severe state"
        f" {_relative_change(comparison, metrics.PEOPLE_IN_A_SEVERE_STATE)}; COPD exacerbations"
        f" {_relative_change(comparison, metrics.ADMISSIONS_COPD_EXACERBATION)}; heart-failure"
        f" admissions {_relative_change(comparison, metrics.ADMISSIONS_HEART_FAILURE)}."
        f" {uncertainty_note(n, True, 'bars', 'the difference', paired=True)}"
    )
    question = "do fewer people become severely ill or need admission?"
    return finish(fig, run, run.title(question), answer)


def _share(monthly: pd.DataFrame, part: list[str], whole: list[str], name: str) -> pd.DataFrame:
    """A derived metric: sum(part) / sum(whole), by arm, replication and month."""
    num = _combined(monthly, part, name)
    den = _combined(monthly, whole, name)
    keys = [
        c
        for c in ("arm", "replication", "month", "period_start", "reporting_year")
        if c in num.columns
    ]
    out = num.merge(den, on=keys + ["metric"], suffixes=("", "_whole"))
    out["value"] = out["value"] / out["value_whole"].where(out["value_whole"] > 0)
    return out.drop(columns="value_whole")


@styled
def stage_mix_figure(monthly: pd.DataFrame, run: RunInfo) -> Figure | None:
    """Share of people with COPD at GOLD 3-4, and with heart failure at NYHA III-IV, by arm."""
    if "arm" not in monthly.columns:
        monthly = monthly.assign(arm="baseline")
    panels = (
        ("copd", "COPD: share at\nGOLD 3-4 (%)", "COPD"),
        ("heart_failure", "Heart failure: share\nat NYHA III-IV (%)", "heart failure"),
    )
    data = {}
    for dim, _, _ in panels:
        stages = metrics.PEOPLE_BY_STATE[dim].names()  # first stage "none": without the disease
        severe = list(stages[SEVERE_FROM[dim] :])
        share = _share(monthly, severe, list(stages[1:]), "severe_share")
        if _shows_something(share["value"]):
            data[dim] = share
    if not data:
        return None
    fig, axes = new_figure([PANEL_IN] * len(data), sharex=True)
    answer, n = [], 0
    for ax, (dim, label, name) in zip(axes[:, 0], [p for p in panels if p[0] in data],
                                      strict=True):  # fmt: skip
        n = _plot_arms(ax, data[dim], "severe_share", run, 100.0, bounds=(0.0, 1.0))
        ax.set_ylabel(label)
        _, means = _last_year_means(data[dim], "severe_share")
        answer.append(f"{name} {_levels(run, means, _percent)}")
    _legend_above(axes[0, 0])
    text = (
        f"Last year, severe share of people with {'; '.join(answer)}. Slower progression shows"
        f" as a lower severe share, even where longer survival keeps counts up."
        f" {uncertainty_note(n, run.is_experiment)}"
    )
    question = (
        "do fewer people with COPD or heart failure reach a severe stage?"
        if run.is_experiment
        else "what share of people with COPD or heart failure are at a severe stage?"
    )
    return finish(fig, run, run.title(question), text)


FUNDING_STYLE = {
    "with_transition_funding": (OKABE_ITO["blue"], "-", "o", "", "With transition funding"),
    "without_transition_funding": (
        OKABE_ITO["orange"], (0, (5, 2)), "s", "//", "Without transition funding",
    ),
}  # fmt: skip


def _year_ticks(ax: Axes, x, years: list[str]) -> None:
    """Financial-year ticks, thinned so the labels never collide at the figure's width."""
    step = max(1, int(np.ceil(len(years) / 6)))
    ax.set_xticks(x[::step], [years[i] for i in range(0, len(years), step)])


@styled
def double_running_figure(money: pd.DataFrame, summary: dict, run: RunInfo) -> Figure:
    """Scenario minus baseline system net cost by financial year, and the cumulative gap.

    ``money`` is :func:`leftshift.economics.money_comparison`'s table; error bars and bands are
    95% intervals over paired replications, drawn with enough replications.
    """
    fig, axes = new_figure([PANEL_IN, PANEL_IN], sharex=True)
    ax1, ax2 = axes[:, 0]
    years = list(dict.fromkeys(money["financial_year"]))
    x = np.arange(len(years))
    width = 0.38
    n = int(summary["with_transition_funding"].get("replications", run.replications))
    show = intervals_drawn(n)
    for k, (label, (colour, style, marker, hatch, text)) in enumerate(FUNDING_STYLE.items()):
        for ax, measure in ((ax1, "annual"), (ax2, "cumulative")):
            sub = money[(money["funding"] == label) & (money["measure"] == measure)]
            sub = sub.set_index("financial_year").loc[years, ["mean", "ci_low", "ci_high"]] / 1e6
            bars = np.vstack([sub["mean"] - sub["ci_low"], sub["ci_high"] - sub["mean"]])
            err = bars if show and not np.isnan(bars).all() else None
            if measure == "annual":
                ax.bar(x + (k - 0.5) * width, sub["mean"], width, yerr=err, color=colour,
                       hatch=hatch, edgecolor="white", linewidth=0.3, label=text,
                       error_kw={"ecolor": OKABE_ITO["black"], "lw": 1})  # fmt: skip
            else:
                ax.plot(x, sub["mean"], color=colour, ls=style, marker=marker, label=text)
                if err is not None:
                    ax.fill_between(x, sub["ci_low"], sub["ci_high"], color=colour,
                                    alpha=BAND_ALPHA, lw=0)  # fmt: skip
    for ax in (ax1, ax2):
        ax.axhline(0, color=REFERENCE_GREY, lw=0.8)
        ax.grid(axis="y")
    ax1.set_title("Extra cost each year")
    ax2.set_title("Cumulative gap (not yet paid back while above zero)")
    ax1.set_ylabel(run.money_axis())
    ax2.set_ylabel(run.money_axis())
    fig.align_ylabels((ax1, ax2))
    _year_ticks(ax2, x, years)
    ax2.set_xlabel("Financial year")
    _legend_above(ax1)
    be = summary["with_transition_funding"]["break_even_year"]
    be_without = summary["without_transition_funding"]["break_even_year"]
    if be == be_without:
        break_even = f"{be}, with or without transition funding"
    else:
        break_even = f"{be} with transition funding, {be_without} without"
    peak = summary["without_transition_funding"].get("peak_investment_gap_gbp")
    gap = f" The gap peaks at {_money_m(peak)} without funding." if peak else ""
    return finish(
        fig,
        run,
        run.title("when does it pay back?"),
        f"Positive = the scenario costs the whole system more. Break-even (cumulative gap back"
        f" to zero): {break_even}.{gap}"
        f" {uncertainty_note(n, True, 'bars and shading', 'the difference', paired=True)}",
        run.price_note(),
    )


#: organisation -> (label, colour, hatch): the same in every run
ORGANISATION_STYLE = {
    "acute_trust": ("Acute trust", OKABE_ITO["blue"], ""),
    "community_provider": ("Community provider", OKABE_ITO["bluish_green"], "\\\\"),
    "general_practice": ("General practice", OKABE_ITO["reddish_purple"], ""),
    "local_authority_social_care": ("Local authority (social care)", OKABE_ITO["orange"], ".."),
    "icb": ("ICB", OKABE_ITO["sky_blue"], "//"),
}


@styled
def organisation_figure(by_organisation: pd.DataFrame, run: RunInfo) -> Figure:
    """Scenario minus baseline net cost by organisation and financial year (mean of reps).

    ``by_organisation`` is :func:`leftshift.economics.by_organisation_and_year`'s table.
    """
    net = by_organisation.pivot_table(
        index=["financial_year", "organisation"], columns="arm", values="net_cost", observed=False
    )
    diff = (net["scenario"] - net["baseline"]).unstack("organisation") / 1e6
    diff = diff[[o for o in ORGANISATION_STYLE if o in diff.columns]]
    unchanged = [ORGANISATION_STYLE[o][0] for o in diff.columns if (diff[o].abs() < 1e-9).all()]
    diff = diff[[o for o in diff.columns if ORGANISATION_STYLE[o][0] not in unchanged]]
    fig, axes = new_figure(2.8)
    ax = axes[0, 0]
    years = [str(y) for y in diff.index]
    x = np.arange(len(years))
    width = 0.8 / max(len(diff.columns), 1)
    for k, org in enumerate(diff.columns):
        label, colour, hatch = ORGANISATION_STYLE[org]
        ax.bar(x + (k - (len(diff.columns) - 1) / 2) * width, diff[org], width, color=colour,
               hatch=hatch, edgecolor="white", linewidth=0.3, label=label)  # fmt: skip
    ax.axhline(0, color=REFERENCE_GREY, lw=0.8)
    ax.grid(axis="y")
    _year_ticks(ax, x, years)
    ax.set_xlabel("Financial year")
    ax.set_title("Change in net cost (spending - income)")
    ax.set_ylabel(run.money_axis())
    _legend_above(ax)
    answer = ""
    if len(diff.index) and len(diff.columns):
        last = diff.iloc[-1]
        parts = [f"{ORGANISATION_STYLE[o][0]} {_money_m(v * 1e6, sign=True)}" for o, v in
                 last.sort_values(ascending=False).items()]  # fmt: skip
        answer = f"In {years[-1]}: {', '.join(parts)}. "
    return finish(
        fig,
        run,
        run.title("who pays, and who saves?"),
        f"{answer}Net cost = spending - income; contract payments move money between the ICB"
        " and the providers, and the system total is their sum. Means of"
        f" {run.replications} paired replications, no interval drawn."
        + (f" No change: {', '.join(unchanged)}." if unchanged else ""),
        run.price_note(),
    )


THRESHOLD_STYLES = (
    (OKABE_ITO["blue"], (0, (5, 2))),
    (OKABE_ITO["bluish_green"], (0, (1, 1.5))),
    (OKABE_ITO["reddish_purple"], (0, (6, 2, 1, 2))),
)


def _decision(per_rep: pd.DataFrame) -> str:
    """Where the mean increment falls on the plane, in words with £.

    From fewer replications than an interval needs, the cost per QALY is rounded
    (:func:`leftshift.analysis.economics.per_qaly_words`), as the console and the pack do.
    """
    dc = per_rep["cost_discounted"].mean()
    dq = per_rep["qalys_discounted"].mean()
    cost = f"costs {_money_m(dc)} more" if dc > 0 else f"saves {_money_m(-dc)}"
    qalys = f"gains {dq:,.0f} QALYs" if dq >= 0 else f"loses {-dq:,.0f} QALYs"
    if dq > 0 and dc <= 0:
        return f"On average it {cost} and {qalys}: it dominates (better and no dearer)."
    if dq < 0 and dc >= 0:
        return f"On average it {cost} and {qalys}: it is dominated (worse and no cheaper)."
    if dq == 0:
        return f"On average it {cost}, with no change in QALYs."
    per = "gained" if dq > 0 else "lost"
    rough = not intervals_drawn(len(per_rep))
    ratio = per_qaly_words(abs(dc / dq), rough).replace("GBP ", "£")
    return f"On average it {cost} and {qalys}: {ratio} per QALY {per}."


@styled
def ce_plane_figure(per_replication: pd.DataFrame, wtp: list[float], run: RunInfo) -> Figure:
    """Cost-effectiveness plane: incremental discounted QALYs and cost per replication."""
    reps = per_replication.groupby("replication")[["cost_discounted", "qalys_discounted"]].sum()
    fig, axes = new_figure(3.4)
    ax = axes[0, 0]
    dq, dc = reps["qalys_discounted"], reps["cost_discounted"] / 1e6
    ax.scatter(dq, dc, s=22, color=OKABE_ITO["vermillion"], alpha=0.7, lw=0,
               label="Replications", rasterized=len(reps) > 200)  # fmt: skip
    ax.scatter([dq.mean()], [dc.mean()], s=70, marker="D", color=OKABE_ITO["black"],
               label="Mean")  # fmt: skip
    span = max(abs(dq).max(), 1e-9) * 1.15
    q = np.linspace(-span, span, 2)
    for k, lam in enumerate(wtp):
        colour, style = THRESHOLD_STYLES[k % len(THRESHOLD_STYLES)]
        ax.plot(q, lam * q / 1e6, ls=style, lw=1.4, color=colour, label=f"£{lam:,.0f} per QALY")
    ax.axhline(0, color=REFERENCE_GREY, lw=0.8)
    ax.axvline(0, color=REFERENCE_GREY, lw=0.8)
    ax.set_xlim(-span, span)
    ax.set_xlabel("Incremental QALYs (discounted)")
    ax.set_ylabel("Incremental cost (discounted),\n" + run.money_axis().replace("\n", " "))
    _legend_below(ax, gap_in=0.62)
    n = len(reps)
    few = (
        ""
        if intervals_drawn(n)
        else f" {n} replications: too few to judge the spread; run"
        f" {MIN_REPLICATIONS_FOR_INTERVALS} or more."
    )
    return finish(
        fig,
        run,
        run.title("is it good value for money?"),
        f"{_decision(reps)} Each dot is one paired replication (NHS and social-care costs,"
        f" 3.5% discounting); below a threshold line is cost-effective at that threshold.{few}",
        run.price_note(),
    )


@styled
def ceac_figure(curve: pd.DataFrame, run: RunInfo, psa: bool, replications: int) -> Figure:
    """Cost-effectiveness acceptability curve, drawn only with enough replications.

    With fewer than :data:`MIN_REPLICATIONS_FOR_INTERVALS` replications the probability can
    only take a few values (0, 50% or 100% with two), so no curve is drawn and the panel says
    why in words.
    """
    fig, axes = new_figure(2.8)
    ax = axes[0, 0]
    ax.set_xlabel("Willingness to pay (£ thousand per QALY)")
    ax.set_ylabel("Probability\ncost-effective (%)")
    ax.set_ylim(-2, 102)
    ax.grid(alpha=0.6)
    wtp = curve["willingness_to_pay_gbp"]
    ax.set_xlim(0, max(float(wtp.max()) / 1e3, 1.0))
    what = (
        "parameter and stochastic uncertainty (PSA)"
        if psa
        else "stochastic uncertainty only (parameters at their means, run.psa=false)"
    )
    if not intervals_drawn(replications):
        ax.text(0.5, 0.5, f"Not estimated: {replications} replication"
                f"{'s' if replications != 1 else ''} are too few.\nRun"
                f" {MIN_REPLICATIONS_FOR_INTERVALS} or more (run.replications).",
                transform=ax.transAxes, ha="center", va="center")  # fmt: skip
        steps = ", ".join(f"{k / max(replications, 1):.0%}" for k in range(replications + 1))
        answer = (
            f"Not estimated from {replications} replications: the probability could only be"
            f" one of {steps}. Run {MIN_REPLICATIONS_FOR_INTERVALS} or more."
        )
    else:
        prob = curve["probability_cost_effective"]
        ax.plot(wtp / 1e3, prob * 100, color=OKABE_ITO["vermillion"], drawstyle="steps-post")
        at = []
        for lam in (20_000, 30_000):
            ax.axvline(lam / 1e3, color=REFERENCE_GREY, ls=":", lw=1)
            ax.annotate(f"£{lam // 1000}k", (lam / 1e3, 1), xycoords=("data", "axes fraction"),
                        xytext=(3, -3), textcoords="offset points", va="top",
                        color=REFERENCE_GREY)  # fmt: skip
            near = curve.iloc[(wtp - lam).abs().argmin()]
            at.append(f"{near['probability_cost_effective']:.0%} at £{lam:,.0f} per QALY")
        anywhere = f"at any willingness to pay up to £{wtp.max():,.0f} per QALY"
        if (prob == 0).all():
            answer = f"It is cost-effective in none of {replications} replications, {anywhere}"
        elif (prob == 1).all():
            answer = f"It is cost-effective in all {replications} replications, {anywhere}"
        else:
            answer = f"Probability cost-effective: {', '.join(at)}"
        answer += " (share of replications with a positive net monetary benefit)."
    return finish(
        fig,
        run,
        run.title("how likely is it to be cost-effective?"),
        f"{answer} Reflects {what}.",
    )


@styled
def incremental_qalys_figure(per_replication: pd.DataFrame, run: RunInfo) -> Figure:
    """Incremental QALYs (undiscounted) by reporting year, with 95% intervals when enough reps."""
    wide = per_replication.pivot(index="reporting_year", columns="replication", values="qalys")
    n = wide.shape[1]
    mean = wide.mean(axis=1)
    show = intervals_drawn(n)
    half = row_half_widths(wide, 0.95) if show else None
    fig, axes = new_figure(2.6)
    ax = axes[0, 0]
    ax.bar(mean.index, mean, 0.6, color=OKABE_ITO["vermillion"], yerr=half,
           error_kw={"ecolor": OKABE_ITO["black"], "lw": 1})  # fmt: skip
    ax.axhline(0, color=REFERENCE_GREY, lw=0.8)
    years = list(mean.index)
    _year_ticks(ax, np.asarray(years), [run.year_label(y) for y in years])
    ax.set_xlabel("Financial year" if run.first_financial_year is not None else "Reporting year")
    ax.set_ylabel("QALYs gained,\nscenario - baseline")
    ax.grid(axis="y")
    total = wide.sum(axis=0).to_numpy()
    digits = 1 if abs(total.mean()) < 10 else 0
    gained = "gained" if total.mean() >= 0 else "lost"
    first, last = run.year_label(years[0]), run.year_label(years[-1])
    answer = (
        f"{'In ' + first if first == last else f'From {first} to {last}'}:"
        f" {abs(total.mean()):,.{digits}f} QALYs {gained}"
    )
    if show:
        low, high = t_interval(total)
        answer += f" (95% CI for the gain {low:,.{digits}f} to {high:,.{digits}f})"
    return finish(
        fig,
        run,
        run.title("how many QALYs are gained?"),
        f"{answer}; whole population, undiscounted, counted within each year."
        f" {uncertainty_note(n, True, 'bars', 'the difference', paired=True)}",
    )

"""Figures for board papers: each function takes results and returns a matplotlib Figure.

Monthly lines are the mean over replications; the shaded band is the 95% interval of that
mean (t-based) when there are at least two replications, so a reader sees how much is noise.
"""

import textwrap

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from leftshift.analysis.intervals import grouped_half_widths, row_half_widths  # noqa: E402
from leftshift.config.dimensions import IMD_QUINTILES, SEVERE_FROM  # noqa: E402
from leftshift.model import metrics  # noqa: E402

ARM_STYLE = {"baseline": ("#4d4d4d", "Baseline"), "scenario": ("#d95f02", "Scenario")}


def _series(monthly: pd.DataFrame, metric: str) -> pd.DataFrame:
    sub = monthly[monthly["metric"] == metric]
    g = sub.groupby(["arm", "period_start"])["value"]
    out = g.agg(["mean", "std", "count"]).reset_index()
    half = grouped_half_widths(out["std"], out["count"], 0.95)
    out["low"] = out["mean"] - half
    out["high"] = out["mean"] + half
    return out


def _plot_metric(ax, monthly: pd.DataFrame, metric: str, scale: float = 1.0) -> None:
    data = _series(monthly, metric)
    for arm, grp in data.groupby("arm", sort=False):
        colour, label = ARM_STYLE.get(arm, (None, arm))
        x = pd.to_datetime(grp["period_start"])
        ax.plot(x, grp["mean"] * scale, color=colour, label=label, lw=1.6)
        if grp["low"].notna().any():
            ax.fill_between(x, grp["low"] * scale, grp["high"] * scale, color=colour, alpha=0.2)


def _legend(ax) -> None:
    """Arm legend above the axes, only when there is more than one arm."""
    handles, labels = ax.get_legend_handles_labels()
    if len(labels) > 1:
        ax.legend(
            loc="lower left", bbox_to_anchor=(0, 1.0), ncol=len(labels), frameon=False, fontsize=8.5
        )


SUBTITLE_CHARS_PER_INCH = 15  # at 8.5 pt
SUBTITLE_LINE_INCHES = 0.16


def _title(fig: Figure, title: str, subtitle: str) -> None:
    """Title and subtitle placed by inches from the top, so they never overlap.

    The subtitle is wrapped to the figure's width; :func:`_top` leaves room for its lines.
    """
    width, height = fig.get_size_inches()
    fig.suptitle(
        title, x=0.01, y=1 - 0.12 / height, ha="left", va="top", fontsize=12, fontweight="bold"
    )
    lines = textwrap.wrap(subtitle, int(width * SUBTITLE_CHARS_PER_INCH))
    fig.text(
        0.01,
        1 - 0.42 / height,
        "\n".join(lines),
        ha="left",
        va="top",
        fontsize=8.5,
        color="#555555",
    )
    fig._leftshift_subtitle_lines = len(lines)  # type: ignore[attr-defined]  # read by _top


def _top(fig: Figure) -> float:
    """Top of the axes area below the title block (set by :func:`_title`)."""
    extra = max(getattr(fig, "_leftshift_subtitle_lines", 1) - 1, 0) * SUBTITLE_LINE_INCHES
    return 1 - (0.75 + extra) / fig.get_size_inches()[1]


def occupancy_figure(monthly: pd.DataFrame, elective_threshold: float, place: str) -> Figure:
    """Monthly G&A bed occupancy and ED boarding hours, by arm."""
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(9, 6.2), sharex=True)
    _plot_metric(ax1, monthly, metrics.OCCUPANCY, 100.0)
    ax1.axhline(elective_threshold * 100, color="#1b9e77", ls="--", lw=1)
    ax1.text(
        ax1.get_xlim()[0],
        elective_threshold * 100,
        " elective threshold",
        va="bottom",
        fontsize=8,
        color="#1b9e77",
    )
    ax1.set_ylabel("G&A occupancy (%)")
    _legend(ax1)
    _plot_metric(ax2, monthly, metrics.ED_BOARDING_HOURS)
    ax2.set_ylabel("ED boarding (hours a month)")
    ax2.set_xlabel("Month")
    _title(
        fig,
        f"Bed occupancy and ED boarding: {place}",
        "Mean of replications; shaded: 95% interval of the mean. Warm-up removed.",
    )
    fig.tight_layout(rect=(0, 0, 1, _top(fig)))
    return fig


def waiting_list_figure(monthly: pd.DataFrame, place: str) -> Figure:
    """Admitted waiting-list size and the share waiting under 18 weeks, by arm."""
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(9, 6.2), sharex=True)
    _plot_metric(ax1, monthly, metrics.WAITING_LIST_SIZE)
    ax1.set_ylabel("People on the admitted list")
    ax1.set_ylim(bottom=0)
    _legend(ax1)
    _plot_metric(ax2, monthly, metrics.WAITING_LIST_18WK_SHARE, 100.0)
    ax2.axhline(92, color="#1b9e77", ls="--", lw=1)
    ax2.text(
        ax2.get_xlim()[0], 92, " 18-week standard (92%)", va="bottom", fontsize=8, color="#1b9e77"
    )
    ax2.set_ylim(0, 100)
    ax2.set_ylabel("Waiting < 18 weeks (%)")
    ax2.set_xlabel("Month (list measured at month end)")
    _title(
        fig,
        f"Admitted elective waiting list: {place}",
        "Mean of replications; shaded: 95% interval of the mean. Warm-up removed.",
    )
    fig.tight_layout(rect=(0, 0, 1, _top(fig)))
    return fig


def backfill_figure(backfill_monthly: pd.DataFrame, monthly: pd.DataFrame, place: str) -> Figure:
    """Where the bed-days freed by avoided emergencies went, month by month."""
    dates = monthly.drop_duplicates("month").set_index("month")["period_start"]
    bm = backfill_monthly.set_index("month")
    x = pd.to_datetime(dates.loc[bm.index])
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(9, 6.6), sharex=True)
    ax1.plot(
        x,
        bm["avoided_emergency_bed_days"],
        color="#000000",
        lw=1.8,
        label="Emergency bed-days avoided",
    )
    layers = [
        ("backfilled_by_electives", "#1b9e77", "Filled by electives from the list"),
        (
            "backfilled_by_admission_threshold",
            "#7570b3",
            "Filled by admitting more marginal emergencies",
        ),
        ("backfilled_by_stay_length", "#e7298a", "Filled by longer stays"),
        ("backfilled_by_delayed_discharges", "#66a61e", "Filled by delayed discharges"),
        ("released_bed_days", "#d95f02", "Released (beds left empty)"),
    ]
    pos = np.zeros(len(bm))
    neg = np.zeros(len(bm))
    for key, colour, label in layers:
        v = bm[key].to_numpy()
        base = np.where(v >= 0, pos, neg)
        ax1.bar(x, v, bottom=base, width=25, color=colour, label=label, alpha=0.85)
        pos += np.where(v >= 0, v, 0)
        neg += np.where(v < 0, v, 0)
    ax1.axhline(0, color="#999999", lw=0.8)
    ax1.set_ylabel("Bed-days a month (scenario vs baseline)")
    ax1.legend(loc="upper left", frameon=False, fontsize=8)
    _plot_metric(ax2, monthly, metrics.WAITING_LIST_SIZE)
    ax2.set_ylabel("Admitted waiting list")
    ax2.set_ylim(bottom=0)
    _legend(ax2)
    ax2.set_xlabel("Month")
    _title(
        fig,
        f"Where the freed beds went: {place}",
        "Bars: mean of paired replications (same seeds). Backfill lasts while the list and "
        "the pressure channels absorb freed beds.",
    )
    fig.tight_layout(rect=(0, 0, 1, _top(fig)))
    return fig


def _concise_dates(ax) -> None:
    """Readable month ticks for a short or long horizon."""
    import matplotlib.dates as mdates

    locator = mdates.AutoDateLocator(maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def _finite_max(values) -> float:
    """The largest finite value, or 0 when there is none (NaN for an empty group)."""
    finite = [float(v) for v in values if v is not None and np.isfinite(v)]
    return max(finite, default=0.0)


def virtual_ward_figure(monthly: pd.DataFrame, report: dict, place: str) -> Figure:
    """Virtual beds and their use, who they took, and the inequality split by IMD quintile."""
    scen = monthly[monthly["arm"] == "scenario"]
    fig, axes = plt.subplots(2, 2, figsize=(10, 6.8))
    ax = axes[0, 0]
    for metric, colour, label in (
        (metrics.VW_BEDS_FUNDED, "#999999", "Funded"),
        (metrics.VW_BEDS_AVAILABLE, "#1b9e77", "Staffed (available)"),
        (metrics.VW_OCCUPIED_BEDS, "#d95f02", "Occupied"),
    ):
        d = _series(scen, metric)
        ax.plot(pd.to_datetime(d["period_start"]), d["mean"], color=colour, label=label, lw=1.6)
    ax.set_ylabel("Virtual beds")
    ax.set_ylim(bottom=0)
    ax.legend(frameon=False, fontsize=8)
    _concise_dates(ax)
    ax = axes[0, 1]
    by_kind = metrics.VW_ADMISSIONS_BY_KIND
    kinds = (
        (by_kind.name("step_up_avoided"), "#d95f02", "Step-up instead of admission"),
        (by_kind.name("step_up_additional"), "#fdb863", "Step-up, would not have been admitted"),
        (by_kind.name("step_down"), "#7570b3", "Step-down (early discharge)"),
    )
    bottom = None
    for metric, colour, label in kinds:
        d = _series(scen, metric)
        x = pd.to_datetime(d["period_start"])
        ax.bar(x, d["mean"], bottom=bottom, width=25, color=colour, label=label)
        bottom = d["mean"].to_numpy() if bottom is None else bottom + d["mean"].to_numpy()
    esc = _series(scen, metrics.VW_ESCALATIONS)
    ax.plot(pd.to_datetime(esc["period_start"]), esc["mean"], color="#000000", lw=1.2,
            label="Escalated back to hospital")  # fmt: skip
    ax.set_ylabel("Virtual-ward admissions a month")
    ax.set_ylim(0, 1.75 * max(1.0, float(np.nanmax(bottom)) if bottom is not None else 1.0))
    ax.legend(frameon=False, fontsize=7.5, loc="upper left")
    _concise_dates(ax)
    ax = axes[1, 0]
    q = report["by_quintile"]
    names = list(q)
    xs = np.arange(len(names))
    ax.bar(xs - 0.2, [q[n]["vw_admissions_per_1000_a_year"] for n in names], 0.4,
           color="#7570b3", label="Virtual-ward admissions")  # fmt: skip
    ax.bar(xs + 0.2, [q[n]["admissions_avoided_per_1000_a_year"] for n in names], 0.4,
           color="#d95f02", label="Acute admissions avoided (step-up)")  # fmt: skip
    ax.set_xticks(
        xs, [f"{n}{chr(10) + '(most deprived)' if n == IMD_QUINTILES[0] else ''}" for n in names]
    )
    ax.set_ylabel("Per 1,000 people a year (bars)")
    # a quintile with no people has no rate (NaN): it gets no bar and sets no limit
    bars_top = _finite_max([q[n]["vw_admissions_per_1000_a_year"] for n in names])
    ax.set_ylim(0, 1.6 * max(bars_top, 1e-9))
    need = ax.twinx()
    per_need = [q[n]["admissions_avoided_per_100_emergency_admissions"] for n in names]
    need.plot(xs, per_need, "o-", color="#000000", label="Avoided per 100 emergency admissions")
    need.set_ylim(0, 1.6 * max(_finite_max(per_need), 1e-9))
    need.set_ylabel("Per 100 emergency admissions (dots)", fontsize=8.5)
    handles = ax.get_legend_handles_labels()[0] + need.get_legend_handles_labels()[0]
    ax.legend(handles=handles, frameon=False, fontsize=7.5, loc="upper center", ncol=1)
    ax = axes[1, 1]
    cm = report["case_mix"]
    labels = (
        "Complex share of\nemergency admissions",
        "Mean emergency\nstay",
        "Mean stay before\nwaiting for care",
    )
    keys = (
        "complex_share_of_emergency_admissions",
        "mean_emergency_stay_days",
        "mean_emergency_stay_before_delay_days",
    )
    xs = np.arange(len(keys))
    for k, arm in enumerate(("baseline", "scenario")):
        colour, label = ARM_STYLE[arm]
        vals = [cm[arm][key] / cm["baseline"][key] for key in keys]
        ax.bar(xs + (k - 0.5) * 0.4, vals, 0.4, color=colour, label=label)
    ax.set_xticks(xs, labels, fontsize=8)
    ratios = [cm["scenario"][key] / cm["baseline"][key] for key in keys]
    ax.set_ylim(min(0.9, *ratios) - 0.02, max(1.1, *ratios) + 0.02)
    ax.set_ylabel("Relative to baseline")
    ax.legend(frameon=False, fontsize=8)
    _title(
        fig,
        f"Virtual wards: {place}",
        "Scenario arm, mean of replications. Beds are available only once staff are recruited;"
        " per-1,000 rates are per person-year in each IMD quintile.",
    )
    fig.tight_layout(rect=(0, 0, 1, _top(fig)))
    return fig


def _combined(monthly: pd.DataFrame, metric_names: list[str], name: str) -> pd.DataFrame:
    """A derived metric: the sum of several, by arm, replication and month."""
    sub = monthly[monthly["metric"].isin(metric_names)]
    keys = [c for c in ("arm", "replication", "month", "period_start") if c in sub.columns]
    out = sub.groupby(keys, observed=True)["value"].sum().reset_index()
    out["metric"] = name
    return out


SEVERE_GROUPS = {
    metrics.PEOPLE_COPD_SEVERE: "GOLD 3-4",
    metrics.PEOPLE_HEART_FAILURE_SEVERE: "NYHA III-IV",
    metrics.PEOPLE_FRAILTY_SEVERE: "severely frail",
    metrics.PEOPLE_IN_A_SEVERE_STATE: "any of these (each person once)",
}
DISEASE_ADMISSIONS = {
    metrics.ADMISSIONS_COPD_EXACERBATION: "COPD exacerbations",
    metrics.ADMISSIONS_HEART_FAILURE: "heart-failure admissions",
}


def _relative_by_year(ax, comparison: pd.DataFrame, labels: dict[str, str]) -> None:
    """Scenario vs baseline by reporting year, %, with the paired 95% interval as bars."""
    offsets = np.linspace(-0.24, 0.24, len(labels))
    for (metric, label), dx in zip(labels.items(), offsets, strict=True):
        rows = comparison[comparison["metric"] == metric]
        base = rows["baseline_mean"].where(rows["baseline_mean"] != 0)
        rel = 100 * rows["mean_difference"] / base
        err = 100 * (rows["ci_high"] - rows["mean_difference"]) / base.abs()
        ax.errorbar(
            rows["reporting_year"] + dx,
            rel,
            yerr=err if err.notna().any() else None,
            fmt="o-",
            ms=3.5,
            lw=1.2,
            capsize=2,
            label=label,
        )
    ax.axhline(0.0, color="#999999", lw=0.8)
    ax.set_xlabel("Reporting year")
    ax.set_ylabel("Scenario vs baseline (%)")
    ax.legend(frameon=False, fontsize=8)


def population_health_figure(
    monthly: pd.DataFrame, place: str, comparison: pd.DataFrame | None = None
) -> Figure:
    """Workforce, reach, severe-state prevalence and disease admissions over time.

    With a paired ``comparison`` (an experiment) the lower panels show the scenario against
    the baseline by reporting year; the differences are a few percent, too small to read off
    two absolute curves. Without one they show the arm's monthly counts.
    """
    if "arm" not in monthly.columns:
        monthly = monthly.assign(arm="baseline")
    fig, axes = plt.subplots(2, 2, figsize=(10, 7.2))
    ax = axes[0, 0]
    last_arm = monthly["arm"].unique()[-1]
    arm_rows = monthly[monthly["arm"] == last_arm]
    for metric, kind, style in (
        (metrics.PROACTIVE_CARE_WTE_FUNDED, "funded", "--"),
        (metrics.PROACTIVE_CARE_WTE_IN_POST, "in_post", "-"),
        (metrics.PROACTIVE_CARE_WTE_PRODUCTIVE, "productive", ":"),
    ):
        data = arm_rows[arm_rows["metric"] == metric]
        series = data.groupby("period_start")["value"].mean()
        ax.plot(
            pd.to_datetime(series.index),
            series.to_numpy(),
            style,
            color="#1b9e77",
            label=f"WTE {kind.replace('_', ' ')}",
        )
    ax.set_ylabel(f"Proactive-care staff ({ARM_STYLE.get(last_arm, (0, last_arm))[1].lower()})")
    ax.set_ylim(bottom=0)
    ax.legend(frameon=False, fontsize=8)
    ax = axes[0, 1]
    _plot_metric(ax, monthly, metrics.PEOPLE_REACHED_PROACTIVE_CARE)
    eligible = monthly[monthly["metric"] == metrics.PEOPLE_ELIGIBLE_PROACTIVE_CARE]
    series = eligible.groupby("period_start")["value"].mean()
    ax.plot(
        pd.to_datetime(series.index),
        series.to_numpy(),
        color="#999999",
        lw=1,
        ls="--",
        label="eligible",
    )
    ax.set_ylabel("People reached by proactive care")
    _legend(ax)
    for a in axes[0]:
        a.set_xlabel("Month")
    if comparison is not None and not comparison.empty:
        _relative_by_year(axes[1, 0], comparison, SEVERE_GROUPS)
        axes[1, 0].set_title("People in severe states", fontsize=9.5, loc="left")
        _relative_by_year(axes[1, 1], comparison, DISEASE_ADMISSIONS)
        axes[1, 1].set_title("Disease admissions", fontsize=9.5, loc="left")
        how = (
            "Lower panels: scenario minus baseline by reporting year, relative to baseline;"
            " bars: 95% interval of the paired difference."
        )
    else:
        ax = axes[1, 0]
        _plot_metric(ax, monthly, metrics.PEOPLE_IN_A_SEVERE_STATE)
        ax.set_ylabel("People severely frail, GOLD 3-4\nor NYHA III-IV")
        ax = axes[1, 1]
        _plot_metric(ax, _combined(monthly, list(DISEASE_ADMISSIONS), "exac"), "exac")
        ax.set_ylabel("COPD and heart-failure\nadmissions a month")
        for a in axes[1]:
            a.set_xlabel("Month")
        how = "Mean of replications; shaded: 95% interval of the mean."
    _title(
        fig,
        f"Population health and proactive care: {place}",
        f"{how} Workforce is recruited ahead of benefit; benefit grows as people progress"
        " more slowly.",
    )
    fig.tight_layout(rect=(0, 0, 1, _top(fig)))
    return fig


def _share(monthly: pd.DataFrame, part: list[str], whole: list[str], name: str) -> pd.DataFrame:
    """A derived metric: sum(part) / sum(whole), by arm, replication and month."""
    num = _combined(monthly, part, name)
    den = _combined(monthly, whole, name)
    keys = [c for c in ("arm", "replication", "month", "period_start") if c in num.columns]
    out = num.merge(den, on=keys + ["metric"], suffixes=("", "_whole"))
    out["value"] = out["value"] / out["value_whole"].where(out["value_whole"] > 0)
    return out.drop(columns="value_whole")


def stage_mix_figure(monthly: pd.DataFrame, place: str) -> Figure:
    """Share of people with COPD at GOLD 3-4, and with heart failure at NYHA III-IV, by arm."""
    if "arm" not in monthly.columns:
        monthly = monthly.assign(arm="baseline")
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.2), sharex=True)
    panels = (
        ("copd", "COPD: share at GOLD 3-4 (%)"),
        ("heart_failure", "Heart failure: share at NYHA III-IV (%)"),
    )
    for ax, (dim, label) in zip(axes, panels, strict=True):
        stages = metrics.PEOPLE_BY_STATE[dim].names()  # first stage "none": without the disease
        severe = list(stages[SEVERE_FROM[dim] :])
        data = _share(monthly, severe, list(stages[1:]), "severe_share")
        _plot_metric(ax, data, "severe_share", 100.0)
        ax.set_ylabel(label)
        ax.set_xlabel("Month")
        _legend(ax)
    _title(
        fig,
        f"Stage mix of people with COPD and heart failure: {place}",
        "Mean of replications; shaded: 95% interval of the mean. Slower progression shows "
        "as a lower severe share, even where longer survival keeps counts up.",
    )
    fig.tight_layout(rect=(0, 0, 1, _top(fig)))
    return fig


FUNDING_STYLE = {
    "without_transition_funding": ("#d95f02", "Without transition funding"),
    "with_transition_funding": ("#1b9e77", "With transition funding"),
}


def double_running_figure(money: pd.DataFrame, summary: dict, place: str) -> Figure:
    """Scenario minus baseline system net cost by financial year, and the cumulative gap.

    ``money`` is :func:`leftshift.economics.money_comparison`'s table; error bars and bands are
    95% intervals over paired replications.
    """
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(9, 6.6), sharex=True)
    years = list(dict.fromkeys(money["financial_year"]))
    x = np.arange(len(years))
    width = 0.38
    for k, (label, (colour, text)) in enumerate(FUNDING_STYLE.items()):
        for ax, measure in ((ax1, "annual"), (ax2, "cumulative")):
            sub = money[(money["funding"] == label) & (money["measure"] == measure)]
            sub = sub.set_index("financial_year").loc[years, ["mean", "ci_low", "ci_high"]] / 1e6
            bars = np.vstack([sub["mean"] - sub["ci_low"], sub["ci_high"] - sub["mean"]])
            err = None if np.isnan(bars).all() else bars
            if measure == "annual":
                ax.bar(x + (k - 0.5) * width, sub["mean"], width, yerr=err, color=colour,
                       label=text, capsize=2, ecolor="#333333")  # fmt: skip
            else:
                ax.plot(x, sub["mean"], color=colour, marker="o", ms=3.5, lw=1.6, label=text)
                if err is not None:
                    ax.fill_between(x, sub["ci_low"], sub["ci_high"], color=colour, alpha=0.2)
    for ax in (ax1, ax2):
        ax.axhline(0, color="#333333", lw=0.8)
        ax.grid(axis="y", alpha=0.3)
    ax1.set_ylabel("Extra cost a year (GBP m)")
    ax2.set_ylabel("Cumulative gap (GBP m)")
    fig.align_ylabels((ax1, ax2))
    ax2.set_xticks(x, years, rotation=45, ha="right", fontsize=8)
    ax2.set_xlabel("Financial year")
    ax1.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncol=2, frameon=False, fontsize=8.5)
    be = summary["with_transition_funding"]["break_even_year"]
    be_without = summary["without_transition_funding"]["break_even_year"]
    _title(
        fig,
        f"Double running: scenario minus baseline, whole system ({place})",
        f"Positive = the scenario costs more. Break-even (cumulative gap back to zero): {be}"
        f" with transition funding, {be_without} without. Means over paired replications,"
        " 95% intervals.",
    )
    fig.tight_layout(rect=(0, 0, 1, _top(fig)))
    return fig


ORGANISATION_LABELS = {
    "acute_trust": "Acute trust",
    "community_provider": "Community provider",
    "general_practice": "General practice",
    "local_authority_social_care": "Local authority (social care)",
    "icb": "ICB",
}


def organisation_figure(by_organisation: pd.DataFrame, place: str) -> Figure:
    """Scenario minus baseline net cost by organisation and financial year (mean of reps).

    ``by_organisation`` is :func:`leftshift.economics.by_organisation_and_year`'s table.
    """
    net = by_organisation.pivot_table(
        index=["financial_year", "organisation"], columns="arm", values="net_cost", observed=False
    )
    diff = (net["scenario"] - net["baseline"]).unstack("organisation") / 1e6
    diff = diff[[o for o in ORGANISATION_LABELS if o in diff.columns]]
    unchanged = [ORGANISATION_LABELS[o] for o in diff.columns if (diff[o].abs() < 1e-9).all()]
    diff = diff[[o for o in diff.columns if ORGANISATION_LABELS[o] not in unchanged]]
    fig, ax = plt.subplots(figsize=(9, 4.8))
    x = np.arange(len(diff.index))
    width = 0.8 / max(len(diff.columns), 1)
    colours = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e"]
    for k, org in enumerate(diff.columns):
        ax.bar(x + (k - (len(diff.columns) - 1) / 2) * width, diff[org], width,
               color=colours[k % len(colours)], label=ORGANISATION_LABELS[org])  # fmt: skip
    ax.axhline(0, color="#333333", lw=0.8)
    ax.grid(axis="y", alpha=0.3)
    ax.set_xticks(x, diff.index, rotation=45, ha="right", fontsize=8)
    ax.set_xlabel("Financial year")
    ax.set_ylabel("Net cost, scenario - baseline (GBP m)")
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncol=3, frameon=False, fontsize=8.5)
    _title(
        fig,
        f"Who pays: change in net cost by organisation ({place})",
        "Net cost = spending - income. Contract payments move money between the ICB and the"
        " providers; the system total is their sum. Mean of paired replications."
        + (f" No change: {', '.join(unchanged)}." if unchanged else ""),
    )
    fig.tight_layout(rect=(0, 0, 1, _top(fig)))
    return fig


def ce_plane_figure(per_replication: pd.DataFrame, wtp: list[float], place: str) -> Figure:
    """Cost-effectiveness plane: incremental discounted QALYs and cost per replication."""
    reps = per_replication.groupby("replication")[["cost_discounted", "qalys_discounted"]].sum()
    fig, ax = plt.subplots(figsize=(7.5, 5.6))
    dq, dc = reps["qalys_discounted"], reps["cost_discounted"] / 1e6
    ax.scatter(dq, dc, s=18, color="#d95f02", alpha=0.7, label="replications")
    ax.scatter([dq.mean()], [dc.mean()], s=70, marker="D", color="#333333", label="mean")
    span = max(abs(dq).max(), 1e-9) * 1.15
    q = np.linspace(-span, span, 2)
    for k, lam in enumerate(wtp):
        ax.plot(q, lam * q / 1e6, ls=["--", ":", "-."][k % 3], lw=1.2,
                color=["#1b9e77", "#7570b3", "#e7298a"][k % 3],
                label=f"GBP {lam:,.0f} per QALY")  # fmt: skip
    ax.axhline(0, color="#333333", lw=0.8)
    ax.axvline(0, color="#333333", lw=0.8)
    ax.set_xlim(-span, span)
    ax.set_xlabel("Incremental QALYs (discounted)")
    ax.set_ylabel("Incremental cost, GBP m (discounted)")
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncol=2, frameon=False, fontsize=8.5)
    _title(
        fig,
        f"Cost-effectiveness plane ({place})",
        "Scenario minus baseline per replication, NHS and PSS perspective, 3.5% discounting."
        " Below a threshold line = cost-effective at that threshold.",
    )
    fig.tight_layout(rect=(0, 0, 1, _top(fig)))
    return fig


def ceac_figure(curve: pd.DataFrame, place: str, psa: bool) -> Figure:
    """Cost-effectiveness acceptability curve."""
    fig, ax = plt.subplots(figsize=(7.5, 4.6))
    ax.plot(curve["willingness_to_pay_gbp"] / 1e3, curve["probability_cost_effective"],
            color="#d95f02", lw=1.8)  # fmt: skip
    for lam in (20, 30):
        ax.axvline(lam, color="#888888", ls=":", lw=1)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("Willingness to pay (GBP thousand per QALY)")
    ax.set_ylabel("Probability cost-effective")
    ax.grid(alpha=0.3)
    what = (
        "parameter and stochastic uncertainty (PSA)"
        if psa
        else "stochastic uncertainty only (run.psa=false: parameters at their means)"
    )
    _title(
        fig,
        f"Cost-effectiveness acceptability curve ({place})",
        f"Share of replications with positive net monetary benefit; reflects {what}.",
    )
    fig.tight_layout(rect=(0, 0, 1, _top(fig)))
    return fig


def incremental_qalys_figure(per_replication: pd.DataFrame, place: str) -> Figure:
    """Incremental QALYs (undiscounted) by reporting year with 95% intervals."""
    wide = per_replication.pivot(index="reporting_year", columns="replication", values="qalys")
    n = wide.shape[1]
    mean = wide.mean(axis=1)
    half = row_half_widths(wide, 0.95) if n > 1 else mean * 0
    fig, ax = plt.subplots(figsize=(9, 4.4))
    ax.bar(mean.index, mean, color="#1b9e77", yerr=half if n > 1 else None, capsize=2)
    ax.axhline(0, color="#333333", lw=0.8)
    ax.set_xlabel("Reporting year")
    ax.set_ylabel("Incremental QALYs")
    ax.grid(axis="y", alpha=0.3)
    _title(
        fig,
        f"QALYs gained, scenario minus baseline ({place})",
        "Whole population, undiscounted, within each year; 95% intervals over paired replications.",
    )
    fig.tight_layout(rect=(0, 0, 1, _top(fig)))
    return fig

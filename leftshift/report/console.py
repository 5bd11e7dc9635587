"""Console text: the headline a run prints, from its summary (what a board member reads first).

Numbers by arm, by year or by quintile are tables: rich tables rendered as plain text
:data:`WIDTH` characters wide, without colour or control codes, so that the text reads the same
on a terminal, in a file and in a test. Year columns are financial years ("2025/26") when the
reporting years are financial years (the warm-up ends on 1 April), else "year 1", "year 2", ...;
a horizon too long for one table is split into several.

A number is printed only where it means something:

- **Relative changes.** Each year's difference, scenario minus baseline, is printed in the
  row's unit; the change relative to the baseline follows in brackets only when the baseline
  is at least the row's floor (:data:`COMPARED`: 20 admissions, 100 ED boarding hours, one
  bed for a year, ...). A change from almost nothing is not a percentage: a rise from 14
  boarding hours to 2,800 reads +2,786, not +20,000%. A scenario at
  :data:`MULTIPLE_FROM` times its baseline or more is given as a multiple (x313).
- **Backfill shares.** The emergency bed-days avoided are split into shares (refilled by
  electives, ..., released) only when they are at least :data:`MIN_AVOIDED_SHARE` of the
  baseline's bed-days over the horizon and every share lies in 0-100%. Otherwise the
  bed-days of each channel are printed, with the reason: a channel below 0 (fewer delayed
  discharges, say) freed beds too, so shares would pass 100%; and shares of a total near 0
  are noise.
- **Ward closures** (experiments with a decommissioning rule): how many wards closed, when and
  in how many replications, or why none did.
- **Money** is in pounds (£m: millions) at the price year the caller gives
  (``finance.price_year``).
"""

import io
import math
import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from rich import box
from rich.console import Console
from rich.table import Table

from leftshift.analysis.backfill import CHANNEL_NAMES
from leftshift.analysis.economics import (
    MIN_REPLICATIONS_FOR_GUIDANCE,
    ROUGH_SIGNIFICANT_FIGURES,
    decision_quadrant,
    per_qaly_words,
)
from leftshift.model import metrics
from leftshift.model.clock import DAYS_PER_YEAR

#: replications before the console quotes an interval or a probability for the economic
#: decision (the same rule as the figures and the board pack)
MIN_REPLICATIONS_FOR_INTERVALS = MIN_REPLICATIONS_FOR_GUIDANCE
#: what is said in place of an interval from 2 to 4 replications
NO_INTERVAL_FROM_FEW = f"no interval from fewer than {MIN_REPLICATIONS_FOR_INTERVALS} replications"

#: characters a line may take; tables are rendered to this width
WIDTH = 100
#: indent of a table under its title
TABLE_INDENT = "    "
#: a scenario at this many times its baseline or more is printed as a multiple, not a percentage
MULTIPLE_FROM = 2.0
#: avoided emergency bed-days below this share of the baseline's bed-days are not split into
#: shares (the report's own threshold, ``report.min_avoided_share``, has the same default)
MIN_AVOIDED_SHARE = 0.01
#: a share may stray this far outside 0-100% and still count as inside (rounding)
SHARE_TOLERANCE = 0.005
ONE_REPLICATION = "(one replication: no interval)"

#: a header rule of hyphens and no other lines: plain ASCII whatever the terminal
_HEADER_RULE = box.Box("    \n    \n -- \n    \n    \n    \n    \n    \n", ascii=True)


@dataclass(frozen=True)
class Compared:
    """A row of the year-by-year comparison: a metric, its label with its unit, its floor."""

    metric: str
    label: str
    #: the smallest baseline (a year's total, or the mean of its months for "(mean)" rows)
    #: from which a relative change is printed
    floor: float
    #: print the row only when some year's difference is not 0 (open beds: decommissioning)
    only_if_changed: bool = False


COMPARED = (
    Compared(metrics.BED_DAYS, "G&A bed-days", 365.0),
    Compared(metrics.OPEN_BEDS, "open G&A beds incl. escalation (mean)", 1.0, only_if_changed=True),
    Compared(metrics.ED_BOARDING_HOURS, "ED boarding hours", 100.0),
    Compared(metrics.WAITING_LIST_SIZE, "waiting list (mean)", 50.0),
    Compared(metrics.ADMISSIONS_EMERGENCY, "emergency admissions", 20.0),
    Compared(metrics.ADMISSIONS_ELECTIVE, "elective admissions", 20.0),
    Compared(metrics.ADMISSIONS_COPD_EXACERBATION, "COPD exacerbation admissions", 20.0),
    Compared(metrics.ADMISSIONS_HEART_FAILURE, "heart-failure admissions", 20.0),
    Compared(metrics.PEOPLE_COPD_SEVERE, "people GOLD 3-4 (mean)", 20.0),
    Compared(metrics.PEOPLE_HEART_FAILURE_SEVERE, "people NYHA III-IV (mean)", 20.0),
    Compared(metrics.PEOPLE_FRAILTY_SEVERE, "people severely frail (mean)", 20.0),
    Compared(metrics.PEOPLE_IN_A_SEVERE_STATE, "people in any of these (mean)", 20.0),
    Compared(metrics.DELAYED_DISCHARGE_PATIENTS, "delayed discharges (mean)", 1.0),
)

#: what ``leftshift report RUN_DIR`` writes (the board pack): said alike in ``--help``, in its
#: usage and after an experiment
BOARD_PACK_FORMATS = "HTML, PDF (needs Chromium), Markdown and Excel, and each table as CSV"

#: the two occupancies a run reports, named wherever a number of either is printed: the mean
#: over the whole day (occupied / open bed-days: the elective threshold, the decommissioning
#: rule and search, beds needed) and the midnight count that NHS KH03 publishes (calibration)
OCCUPANCY_OVER_THE_DAY = "occupancy over the whole day"

#: backfill channels in the order printed, with their words (names from the analysis)
BACKFILL_CHANNELS = {
    key: f"{name} (the fall in bed-days)" if key == "released_bed_days" else f"refilled by {name}"
    for key, name in CHANNEL_NAMES.items()
}


def headline(summary: dict, price_year: str | None = None) -> list[str]:
    """The lines printed after a run: the arms side by side, then the experiment's differences.

    A number the run could not give (null in summary.json) is printed as n/a, and whatever
    is not available (a figure not drawn, an analysis not made) is listed with the reason.

    Parameters
    ----------
    summary : dict
        The run's summary (summary.json's content).
    price_year : str or None
        The price year of its money (``finance.price_year``), named with the money; None
        names none.
    """
    lines = [
        re.sub(r"(?<![\w.])-?nan%?", "n/a", line)
        for line in _Headline(_nan_for_null(summary), price_year).lines()
    ]
    missing = summary.get("not_available", [])
    undefined = [item for item in missing if item["reason"].startswith("not finite")]
    for item in missing:
        if item not in undefined:  # a figure not drawn or an analysis not made
            lines.append(f"  warning: {item['key']} not available: {item['reason']}")
    if undefined:
        lines.append(
            f"  note: {len(undefined)} number(s) are undefined for this run's data (an interval"
            " from one replication, a relative change from a baseline of 0): null in"
            " summary.json, listed under not_available"
        )
    return [part for line in lines for part in _wrap(line)]


def _wrap(line: str) -> list[str]:
    """A line longer than :data:`WIDTH` broken at spaces, its continuations indented 2 more."""
    if len(line) <= WIDTH:
        return [line]
    indent = " " * (len(line) - len(line.lstrip()) + 2)
    return textwrap.wrap(line, WIDTH, subsequent_indent=indent, break_on_hyphens=False)


def _nan_for_null(summary: dict) -> dict:
    """The summary with NaN again where summary.json wrote null for a non-finite number."""
    nulled = {
        item["key"]
        for item in summary.get("not_available", [])
        if item["reason"].startswith("not finite")
    }

    def restore(value: Any, key: str) -> Any:
        if isinstance(value, dict):
            return {k: restore(v, f"{key}.{k}" if key else str(k)) for k, v in value.items()}
        if isinstance(value, list):
            return [restore(v, f"{key}[{i}]") for i, v in enumerate(value)]
        return float("nan") if value is None and key in nulled else value

    return restore(summary, "") if nulled else summary


# ----------------------------------------------------------------------------------------------
# tables as plain text
# ----------------------------------------------------------------------------------------------
def render_table(
    header: Sequence[str], rows: Sequence[Sequence[str]], indent: str = TABLE_INDENT
) -> list[str]:
    """A table as plain-text lines: the first column left-aligned, the others right-aligned.

    Columns that do not fit in :data:`WIDTH` go on into further tables below, each repeating
    the first column.
    """
    widths = [max(len(str(c)) for c in column) for column in zip(header, *rows, strict=True)]
    room = WIDTH - len(indent) - widths[0]
    chunks: list[list[int]] = [[]]
    used = 0
    for i, width in enumerate(widths[1:], start=1):
        if chunks[-1] and used + width + 3 > room:
            chunks.append([])
            used = 0
        chunks[-1].append(i)
        used += width + 3
    lines: list[str] = []
    for chunk in chunks:
        table = Table(box=_HEADER_RULE, show_edge=False, pad_edge=False, header_style=None)
        table.add_column(header[0], no_wrap=True)
        for i in chunk:
            table.add_column(header[i], justify="right", no_wrap=True)
        for row in rows:
            table.add_row(row[0], *(row[i] for i in chunk))
        lines += [indent + line.rstrip() for line in _plain_text(table)]
    return lines


def _plain_text(table: Table) -> list[str]:
    """A rich table rendered without colour, markup or control codes."""
    console = Console(
        file=io.StringIO(),
        width=WIDTH,
        color_system=None,
        force_terminal=False,
        force_jupyter=False,
        force_interactive=False,
        no_color=True,
        legacy_windows=False,
        markup=False,
        emoji=False,
        highlight=False,
    )
    console.print(table)
    file = console.file
    assert isinstance(file, io.StringIO)
    return file.getvalue().rstrip("\n").split("\n")


def _finite(x: Any) -> bool:
    return isinstance(x, int | float) and math.isfinite(x)


def _signed(x: float) -> str:
    """A signed amount: whole numbers from 10, one decimal below; never -0."""
    if not _finite(x):
        return "n/a"
    if x == 0:
        return "0"
    text = f"{x:+,.0f}" if abs(x) >= 9.95 else f"{x:+.1f}"
    return text[1:] if float(text.replace(",", "")) == 0 else text


def _relative(baseline: float, difference: float, floor: float) -> str | None:
    """The change relative to the baseline, or None where the baseline is under its floor."""
    if not (_finite(baseline) and _finite(difference)) or abs(baseline) < floor:
        return None
    ratio = (baseline + difference) / baseline
    if ratio >= MULTIPLE_FROM:
        return f"x{ratio:.1f}" if ratio < 10 else f"x{ratio:,.0f}"
    rel = difference / baseline
    text = f"{rel:+.1%}" if abs(rel) < 0.1 else f"{rel:+.0%}"
    return text[1:] if float(text[:-1]) == 0 else text


def _pounds_m(x: float, signed: bool = False) -> str:
    """Pounds in millions, one decimal: 6.1, or +6.1 / -6.1 when signed."""
    if not _finite(x):
        return "n/a"
    text = f"{x / 1e6:+,.1f}" if signed else f"{x / 1e6:,.1f}"
    return text.replace("-0.0", "0.0").replace("+0.0", "0.0")


def _signed_pounds_m(x: float) -> str:
    """Pounds in millions with the sign before the pound sign: £1.5m, -£1.5m."""
    text = _pounds_m(x)
    return f"-£{text[1:]}m" if text.startswith("-") else f"£{text}m"


def _pounds(text: str) -> str:
    """Amounts the analysis wrote as "GBP 6.1 m" or "GBP 1,771" written as £6.1m, £1,771."""
    text = re.sub(r"GBP (-?)([\d,.]+) m\b", r"\1£\2m", text)
    return re.sub(r"GBP (-?)([\d,.]+)", r"\1£\2", text)


def _and(words: Sequence[str]) -> str:
    """Words joined as "a, b and c"."""
    return " and ".join([", ".join(words[:-1]), words[-1]] if len(words) > 1 else words)


def _num(x: Any, fmt: str, scale: float = 1.0) -> str:
    """A number of the summary formatted, or n/a where it is null or not finite."""
    return f"{x / scale:{fmt}}" if _finite(x) else "n/a"


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def _share(x: float | None, fmt: str = ".0%") -> str:
    return f"{x:{fmt}}" if x is not None and _finite(x) else "n/a"


# ----------------------------------------------------------------------------------------------
# the headline
# ----------------------------------------------------------------------------------------------
class _Headline:
    """The console text of one summary, section by section."""

    def __init__(self, summary: dict, price_year: str | None):
        self.summary = summary
        self.price_year = price_year
        self.fy = _financial_years(summary)
        horizon = max(
            (a.get("reporting_years", 0.0) for a in summary["arms"].values()), default=0.0
        )
        self.n_years = math.ceil(horizon - 1e-9)
        self.financial = len(self.fy) == self.n_years > 0

    def year(self, reporting_year: int) -> str:
        """The column header of a reporting year (1, 2, ...)."""
        if self.financial:
            return self.fy[reporting_year - 1]
        return f"year {reporting_year}"

    @property
    def money_unit(self) -> str:
        return f"£m, {self.price_year} prices" if self.price_year else "£m"

    @property
    def pound_unit(self) -> str:
        return f"£, {self.price_year} prices" if self.price_year else "£"

    def lines(self) -> list[str]:
        s = self.summary
        lines = self.arms()
        if "freed_capacity" in s:  # the "capacity left idle" variant
            lines.insert(0, "  " + s["freed_capacity"]["text"])
        comp = s.get("comparison_by_year")
        if not comp:
            return lines + self.by_year(s.get("by_year", {}))
        if "decommissioning" in s:
            lines.append("  " + wards_closed_text(s["decommissioning"]))
        lines += self.comparison(comp)
        lines += self.proactive_care(comp)
        if "virtual_wards" in s:
            lines += self.virtual_wards(s["virtual_wards"])
        lines += backfill_lines(s["backfill"], comp, _plural(self.n_years, "reporting year"))
        if "money" in s:
            lines += self.money(s["money"])
        if "beds_avoided" in s:
            lines += self.beds_avoided(s["beds_avoided"])
        if "economic_evaluation" in s:
            lines += self.economics(s["economic_evaluation"])
        return lines

    # arms ---------------------------------------------------------------------------------
    def arms(self) -> list[str]:
        arms = self.summary["arms"]
        names = list(arms)
        first, last = self.year(1), self.year(max(self.n_years, 1))
        reps = self.summary.get("replications", 1)
        span = first if first == last else f"{first} to {last}"
        lines = [
            f"  mean over the reporting years ({span}) and {_plural(reps, 'replication')}:",
        ]

        def row(label: str, key: str, fmt: str) -> list[str]:
            cells = []
            for a in names:
                v = arms[a].get(key)
                cells.append(f"{v:{fmt}}" if _finite(v) else "n/a")
            return [label, *cells]

        rows = [
            row("G&A occupancy, mean over the whole day", "mean_occupancy", ".1%"),
            *(
                [row("G&A occupancy at midnight (as KH03)", "mean_occupancy_midnight", ".1%")]
                if any(_finite(arms[a].get("mean_occupancy_midnight")) for a in names)
                else []
            ),
            row(
                "emergency admissions per 1,000 a year",
                "emergency_admissions_per_1000_per_year",
                ".1f",
            ),
            row("G&A bed-days per 1,000 a year", "bed_days_per_1000_per_year", ",.0f"),
            row(f"waiting list, mean of {first}", "waiting_list_year_1", ",.0f"),
            *(
                [row(f"waiting list, mean of {last}", "waiting_list_final_year", ",.0f")]
                if last != first
                else []
            ),
            row("waiting list: share under 18 weeks", "waiting_list_18wk_share", ".0%"),
            row("ED boarding hours a year", "ed_boarding_hours_per_year", ",.0f"),
        ]
        if any(_finite(arms[a].get("ed_waits_4h_plus_share")) for a in names):
            rows += [  # undefined with no admission via ED
                row(
                    "admissions via ED waiting 4 h+ after the decision to admit",
                    "ed_waits_4h_plus_share",
                    ".1%",
                ),
                row(
                    "admissions via ED waiting 12 h+ after the decision to admit",
                    "ed_waits_12h_plus_share",
                    ".1%",
                ),
            ]
        if any(
            "emergency_care_elsewhere_gbp_per_year" in arms[a]
            or (arms[a].get("emergency_diverted_per_year") or 0) > 0
            for a in names
        ):  # the ED was saturated: never silent
            rows += [
                row(
                    "ED full: patients diverted elsewhere a year",
                    "emergency_diverted_per_year",
                    ",.0f",
                ),
                row(
                    f"  their care elsewhere, paid by the ICB ({self.pound_unit} a year)",
                    "emergency_care_elsewhere_gbp_per_year",
                    ",.0f",
                ),
            ]
        if any(arms[a]["delayed_discharge_patients_mean"] > 0 for a in names):
            rows += [
                row(
                    "delayed discharges, patients a day", "delayed_discharge_patients_mean", ",.0f"
                ),
                row(
                    "delayed discharges, share of beds",
                    "delayed_discharge_share_of_occupied_beds",
                    ".1%",
                ),
            ]
        return lines + render_table(["", *names], rows) + unbounded_ed_lines(arms)

    def by_year(self, by_year: dict) -> list[str]:
        """A baseline-only run's arm by year: does the place grow, does its plan keep up."""
        arms = by_year.get("arms", {})
        if len(arms) != 1 or self.n_years < 2:
            return []
        ((arm, years),) = arms.items()
        target = by_year["target_occupancy"]
        reps = self.summary.get("replications", 1)
        how = (
            "one replication: single years include chance"
            if reps < 2
            else (f"mean of {reps} replications")
        )
        lines = [f"  {arm} by year ({how}):"]

        def row(label: str, key: str, fmt: str, scale: float = 1.0) -> list[str]:
            return [label, *(_num(y.get(key), fmt, scale) for y in years)]

        lines += render_table(
            ["", *(self.year(y["reporting_year"]) for y in years)],
            [
                row("people (thousand)", metrics.POPULATION, ",.1f", 1000.0),
                row("emergency presentations", metrics.EMERGENCY_PRESENTATIONS, ",.0f"),
                row("emergency admissions", metrics.ADMISSIONS_EMERGENCY, ",.0f"),
                row("elective admissions", metrics.ADMISSIONS_ELECTIVE, ",.0f"),
                row("G&A bed-days (thousand)", metrics.BED_DAYS, ",.1f", 1000.0),
                row("G&A beds open", metrics.OPEN_BEDS, ",.0f"),
                row(f"G&A beds needed at {target:.0%}", "beds_needed", ",.0f"),
                row("waiting list (mean)", metrics.WAITING_LIST_SIZE, ",.0f"),
                row("4 h+ from decision to admit", "ed_waits_4h_plus_share", ".0%"),
                row("12 h+ from decision to admit", "ed_waits_12h_plus_share", ".0%"),
            ],
        )
        lines.append(
            "    beds needed: the year's bed-days in use and the rise in patients waiting in ED"
            f" for a bed, at {target:.0%} {OCCUPANCY_OVER_THE_DAY}; above the beds open the"
            f" place runs hotter than {target:.0%}, and a widening gap means the capacity plan"
            " (place.bed_growth_per_year) does not keep up"
        )
        return lines

    # comparison ---------------------------------------------------------------------------
    def comparison(self, comp: dict) -> list[str]:
        if self.summary.get("replications", 2) < 2:
            how = "one replication: the figures include chance; set run.replications for more"
        else:
            how = f"mean of {self.summary['replications']} paired replications"
        kind = "financial" if self.financial else "reporting"
        lines = [f"  scenario minus baseline, by {kind} year ({how}):"]
        years = sorted({r["reporting_year"] for rows in comp.values() for r in rows})
        labels: list[str] = []
        amounts: list[list[str]] = []
        relatives: list[list[str]] = []
        below_floor: dict[str, list[str]] = {}  # row label -> years without a relative change
        for c in COMPARED:
            got = comp.get(c.metric)
            if not got or not any(r["baseline"] for r in got):
                continue  # e.g. delayed discharges with social_care.delayed_discharges off
            if c.only_if_changed and not any(r["difference"] for r in got):
                continue
            by_year = {r["reporting_year"]: r for r in got}
            labels.append(c.label)
            amounts.append([])
            relatives.append([])
            for y in years:
                r = by_year.get(y)
                amounts[-1].append(_signed(r["difference"]) if r else "n/a")
                rel = _relative(r["baseline"], r["difference"], c.floor) if r else None
                relatives[-1].append(f"({rel})" if rel else "")
                if r and rel is None and _finite(r["baseline"]) and _finite(r["difference"]):
                    below_floor.setdefault(f"{c.label} (under {c.floor:,.0f})", []).append(
                        self.year(y)
                    )
        pads = [max(len(row[i]) for row in relatives) for i in range(len(years))]
        rows = [  # in each column the amounts aligned, the brackets after them
            [
                label,
                *(f"{a} {t:<{p}}" if p else a for a, t, p in zip(amts, rels, pads, strict=True)),
            ]
            for label, amts, rels in zip(labels, amounts, relatives, strict=True)
        ]
        lines += render_table(["", *(self.year(y) for y in years)], rows)
        multiple = any(t.startswith("(x") for row in relatives for t in row)
        lines.append(
            "    a year's total, or the mean of its months for (mean) rows; in brackets the change"
            " relative to the baseline" + (", or xN: N times the baseline" if multiple else "")
        )
        if below_floor:
            lines.append(
                "    no relative change where the baseline is too small: "
                + "; ".join(f"{k} in {', '.join(v)}" for k, v in below_floor.items())
            )
        return lines

    def proactive_care(self, comp: dict) -> list[str]:
        reached = comp.get(metrics.PEOPLE_REACHED_PROACTIVE_CARE, [])
        if not any(r["difference"] for r in reached):
            return []
        rows = []
        for metric, label in (
            (metrics.PROACTIVE_CARE_WTE_FUNDED, "staff WTE funded"),
            (metrics.PROACTIVE_CARE_WTE_IN_POST, "staff WTE in post"),
            (metrics.PROACTIVE_CARE_WTE_PRODUCTIVE, "staff WTE productive"),
            (metrics.PEOPLE_REACHED_PROACTIVE_CARE, "people reached"),
        ):
            rows.append(
                [label, *(_num(_sum(r["baseline"], r["difference"]), ",.0f") for r in comp[metric])]
            )
        header = ["", *(self.year(r["reporting_year"]) for r in reached)]
        return ["  proactive care in the scenario (mean of each year's months):"] + render_table(
            header, rows
        )

    # virtual wards ------------------------------------------------------------------------
    def virtual_wards(self, vw: dict) -> list[str]:
        """Virtual beds and their use by year, the inequality split and the acute case mix."""
        by_year = vw["by_year"]

        def number(key: str) -> list[str]:
            return [_num(r[key], ",.0f") for r in by_year]

        rows = [
            ["beds funded", *number("beds_funded")],
            ["beds staffed", *number("beds_available")],
            ["occupancy", *(_share(r["occupancy"]) for r in by_year)],
            ["step-up instead of admission", *number("admissions_step_up_avoided")],
            ["step-up, not otherwise admitted", *number("admissions_step_up_additional")],
            ["step-down", *number("admissions_step_down")],
            ["escalated back to hospital", *number("escalations")],
            ["acute bed-days freed", *number("acute_bed_days_freed")],
        ]
        lines = ["  virtual wards in the scenario (each year's total; beds and occupancy: mean):"]
        lines += render_table(["", *(self.year(r["reporting_year"]) for r in by_year)], rows)
        q = vw["by_quintile"]
        lines.append("  virtual wards by IMD quintile (Q1 most deprived), per 1,000 people a year:")
        lines += render_table(
            ["", *q],
            [
                [
                    "virtual-ward admissions",
                    *(_num(q[k]["vw_admissions_per_1000_a_year"], ".1f") for k in q),
                ],
                [
                    "acute admissions avoided",
                    *(_num(q[k]["admissions_avoided_per_1000_a_year"], ".2f") for k in q),
                ],
                [
                    "referred, turned away (no digital access or unsuitable home)",
                    *(_num(q[k]["referrals_excluded_per_1000_a_year"], ".2f") for k in q),
                ],
                [
                    "avoided per 100 of the quintile's emergency admissions",
                    *(
                        _num(q[k]["admissions_avoided_per_100_emergency_admissions"], ".2f")
                        for k in q
                    ),
                ],
            ],
        )
        b, s = vw["case_mix"]["baseline"], vw["case_mix"]["scenario"]

        def both(key: str, fmt: str) -> list[str]:
            return [_num(b[key], fmt), _num(s[key], fmt)]

        lines.append("  acute case mix:")
        lines += render_table(
            ["", "baseline", "scenario"],
            [
                [
                    "complex share of emergency admissions",
                    *both("complex_share_of_emergency_admissions", ".1%"),
                ],
                ["mean emergency stay, days", *both("mean_emergency_stay_days", ".2f")],
                [
                    "  before any wait for a care place",
                    *both("mean_emergency_stay_before_delay_days", ".2f"),
                ],
                [
                    f"acute spend per spell, {self.pound_unit}",
                    *both("acute_spend_per_spell_gbp", ",.0f"),
                ],
                [
                    f"acute margin per spell, {self.pound_unit}",
                    *both("acute_margin_per_spell_gbp", ",.0f"),
                ],
            ],
        )
        return lines

    # money --------------------------------------------------------------------------------
    def money(self, money: dict) -> list[str]:
        """Double running by financial year, the investment gap, break-even, decommissioning."""
        lines = [f"  system net cost, scenario minus baseline ({self.money_unit}; + = costs more):"]
        funding = (
            ("without_transition_funding", "without transition funding"),
            ("with_transition_funding", "with transition funding"),
        )
        years = sorted({y for key, _ in funding for y in money[key]["incremental_net_cost_gbp"]})
        rows = []
        for key, text in funding:
            for label, by_year in (
                (text, money[key]["incremental_net_cost_gbp"]),
                ("  cumulative", money[key]["cumulative_investment_gap_gbp"]),
            ):
                rows.append([label, *(_pounds_m(by_year.get(y, np.nan), True) for y in years)])
        lines += render_table(["", *years], rows)
        lines += render_table(
            ["", "peak investment gap", "break-even (cumulative)"],
            [
                [
                    text,
                    f"£{_pounds_m(money[key]['peak_investment_gap_gbp'])}m",
                    money[key]["break_even_year"],
                ]
                for key, text in funding
            ],
        )
        if "decommissioning_needs" in money:
            lines.append(
                f"  what decommissioning would need, judged on {OCCUPANCY_OVER_THE_DAY} (not at"
                " midnight): " + _pounds(money["decommissioning_needs"]["text"])
            )
        return lines

    # beds avoided -------------------------------------------------------------------------
    def beds_avoided(self, b: dict) -> list[str]:
        """Beds each arm needs at the target occupancy, and their cost: avoidance, not cash."""
        lines = [
            f"  G&A beds needed at {b['target_occupancy']:.0%} {OCCUPANCY_OVER_THE_DAY} (cost"
            " avoidance, apart from the net cost above and never added to it):"
        ]
        years = b["by_year"]
        lines += render_table(
            ["", *(self.year(y["reporting_year"]) for y in years)],
            [
                ["baseline", *(f"{y['baseline_beds_needed']:,.0f}" for y in years)],
                ["scenario", *(f"{y['scenario_beds_needed']:,.0f}" for y in years)],
                ["beds avoided", *(_signed(y["beds_avoided"]) for y in years)],
            ],
        )
        last = b["final_year"]
        capital = last["capital_cost_avoided_gbp"]
        # a negative count of beds avoided (more beds needed) turns the range around
        low, high = sorted((capital["low"], capital["high"]))
        lines.append(
            f"    by {self.year(last['reporting_year'])}: {_ci(last['beds_avoided'])} beds avoided;"
            f" their running cost, {self.money_unit} a year:"
            f" {_ci(last['revenue_cost_avoided_gbp_per_year'], 1e6)}; building them:"
            f" {_signed_pounds_m(capital['central'])} ({_signed_pounds_m(low)} to"
            f" {_signed_pounds_m(high)}, an assumed cost per bed)"
        )
        if last["baseline_at_capacity_share"] > 0:
            lines.append(
                "    the baseline is at capacity that year: its beds needed are a floor (a"
                " growing waiting list is need they do not count)"
            )
        return lines

    # economic evaluation ------------------------------------------------------------------
    def economics(self, e: dict) -> list[str]:
        """Incremental cost and QALYs, ICER, NMB, break-even and replication guidance."""
        psa = ", PSA" if e["psa"] else ""
        # the decision numbers a board would cite get an interval and a probability only from
        # enough replications (as the board pack and the figures); so do cost and QALYs
        few = e["replications"] < MIN_REPLICATIONS_FOR_INTERVALS
        cost, qalys = e["incremental_cost_gbp"], e["incremental_qalys"]
        if few and e["replications"] >= 2:
            shown_cost = f"{_num(cost['mean'], ',.1f', 1e6)} ({NO_INTERVAL_FROM_FEW})"
            shown_qalys = f"{_num(qalys['mean'], ',.0f')} ({NO_INTERVAL_FROM_FEW})"
        else:
            shown_cost, shown_qalys = _ci(cost, 1e6), _ci(qalys, fmt=",.0f")
        lines = [
            f"  economic evaluation ({e['perspective'].split(' (')[0]}, discounted"
            f" {e['discount_rate']:.1%}, {_plural(e['replications'], 'replication')}{psa}):",
            f"    incremental cost, {self.money_unit}: {shown_cost}",
            f"    incremental QALYs: {shown_qalys}",
        ]
        outcomes = e.get("outcomes", {})
        gain = outcomes.get(metrics.QALY_GAIN_ELECTIVE, {}).get("mean")
        waiting = outcomes.get(metrics.QALY_LOSS_WAITING, {}).get("mean")
        if gain is not None and waiting is not None:
            lines.append(
                f"      of which elective care (undiscounted): treatment {gain:+,.0f},"
                f" waiting {-waiting:+,.0f} (treatment at an assumed QALY gain per elective"
                " spell: outcomes.elective_qaly_gain_per_spell)"
            )
        icer, ci = e["icer_gbp_per_qaly"], e["icer_ci95"]
        one = e["replications"] < 2
        if one:
            interval = f" (to {ROUGH_SIGNIFICANT_FIGURES} significant figures) {ONE_REPLICATION}"
        elif few:
            interval = (
                f" (to {ROUGH_SIGNIFICANT_FIGURES} significant figures: {NO_INTERVAL_FROM_FEW})"
            )
        elif ci:
            interval = f" (95% CI £{ci[0]:,.0f} to £{ci[1]:,.0f})"
        else:
            interval = " (no interval: the QALY interval includes zero)"
        decision = e.get("decision")
        if decision and few:  # the cost per QALY to 2 significant figures
            decision = decision_quadrant(
                e["incremental_cost_gbp"]["mean"], e["incremental_qalys"]["mean"], rough=True
            )
        shown_icer = _pounds(per_qaly_words(icer, rough=few)) if _finite(icer) else "n/a"
        if decision and decision["quadrant"] in ("north-east", "south-west"):
            lines.append(f"    on average the scenario {_pounds(decision['sentence'])}")
            where = f"{decision['quadrant']} quadrant"
            lines.append(f"    ICER {shown_icer} per QALY, {where}{interval}")
        elif decision:
            lines.append(
                f"    on average the scenario {_pounds(decision['sentence'])}; no ICER is needed"
            )
        else:
            lines.append(f"    ICER {shown_icer} per QALY{interval}")
        rows = []
        for wtp, nmb in e["net_monetary_benefit_gbp"].items():
            row = [f"at £{float(wtp):,.0f} per QALY", _num(nmb["mean"], ",.1f", 1e6)]
            if not few:  # an interval and a probability need replications
                row += [
                    f"{_num(nmb['ci_low'], ',.1f', 1e6)} to {_num(nmb['ci_high'], ',.1f', 1e6)}",
                    _num(e["probability_cost_effective"].get(wtp), ".0%"),
                ]
            rows.append(row)
        header = ["net monetary benefit", self.money_unit]
        lines += render_table(
            header if few else [*header, "95% CI", "probability cost-effective"], rows
        )
        if few and not one:
            lines.append(
                f"    (no interval or probability from fewer than {MIN_REPLICATIONS_FOR_INTERVALS}"
                " replications: run.replications)"
            )
        elif not few and not e["psa"]:
            lines.append(
                "    (intervals and probabilities show simulation noise only: the parameters are"
                " at their means; run.psa=true draws them)"
            )
        be = e["break_even"]
        if not be.get("replications_breaking_even", 1):
            when = "not within the horizon in " + (
                "the replication"
                if be["replications"] == 1
                else f"any of {be['replications']} replications"
            )
        else:
            low, high = be["range_95"]
            when = f"median {be['median']}, 95% range " + (
                low if low == high else f"{low} to {high}"
            )
        lines.append(f"    break-even (cumulative, no grant): {when}")
        g = e["replication_guidance"]
        needs = {k: v["replications_needed"] for k, v in g["metrics"].items()}
        needs_text = "; ".join(f" {k} {v:,}" if v else f" {k} n/a" for k, v in needs.items())
        if g.get("not_estimated"):
            needs_text = f" not estimated, {g['not_estimated']}"
        lines.append(
            f"    replications for a {g['target_relative_precision']:.0%} half-width:{needs_text}"
        )
        return lines


def _financial_years(summary: dict) -> list[str]:
    """The financial years the summary's money is kept by (reporting months only), in order."""
    money = summary.get("money", {}).get("without_transition_funding")
    if money:
        return sorted(money["incremental_net_cost_gbp"])
    for by_year in summary.get("finance_by_organisation", {}).values():
        return sorted(by_year)
    return []


def _ci(x: dict, scale: float = 1.0, fmt: str = ",.1f") -> str:
    if not _finite(x["ci_low"]):
        return f"{_num(x['mean'], fmt, scale)} {ONE_REPLICATION}"
    return (
        f"{_num(x['mean'], fmt, scale)} (95% CI {_num(x['ci_low'], fmt, scale)} to"
        f" {_num(x['ci_high'], fmt, scale)})"
    )


def _sum(*values: Any) -> float:
    """The sum of summary numbers, NaN if any is null or not finite."""
    return sum(values) if all(_finite(v) for v in values) else float("nan")


# ----------------------------------------------------------------------------------------------
# backfill and ward closures
# ----------------------------------------------------------------------------------------------
def backfill_lines(bf: dict, comp: dict, horizon: str = "the horizon") -> list[str]:
    """Where the avoided emergency bed-days went: shares where they mean something, else counts.

    Shares need avoided bed-days of at least :data:`MIN_AVOIDED_SHARE` of the baseline's over
    the horizon (from ``comp``, the comparison by year) and every share within 0-100%.
    ``horizon`` names the horizon in the text ("3 reporting years").
    """
    totals = bf["bed_days_over_horizon_mean_per_replication"]
    avoided = totals["avoided_emergency_bed_days"]
    baseline = sum(r["baseline"] for r in comp.get(metrics.BED_DAYS, []) if _finite(r["baseline"]))
    # a channel the run did not report (a run made before it existed) is left out
    channels = {k: words for k, words in BACKFILL_CHANNELS.items() if k in totals}
    shares = {k: bf["share_of_avoided_bed_days"].get(k) for k in channels}
    why = []
    if not (_finite(avoided) and avoided >= MIN_AVOIDED_SHARE * baseline and avoided > 0):
        why.append(
            f"the bed-days avoided ({_num(avoided, ',.0f')}) are under"
            f" {MIN_AVOIDED_SHARE:.0%} of the baseline's ({baseline:,.0f}), too few to split"
        )

    def below_zero(bed_days: Any) -> bool:  # by more than rounding
        return _finite(bed_days) and _finite(avoided) and bed_days < -SHARE_TOLERANCE * avoided

    refills_below = [
        CHANNEL_NAMES[k]
        for k in channels
        if k.startswith("backfilled_by_") and below_zero(totals[k])
    ]
    if refills_below:
        why.append(
            f"the refills by {_and(refills_below)} are below 0 (those channels freed beds too), so"
            " shares would pass 100%"
        )
    if below_zero(totals["released_bed_days"]):
        why.append("bed-days rose overall (released below 0)")
    inside = all(
        v is not None and -SHARE_TOLERANCE <= v <= 1 + SHARE_TOLERANCE for v in shares.values()
    )
    if not why and not inside:
        why.append("a share lies outside 0-100%")
    lines = [f"  where the emergency bed-days avoided went (over {horizon}, mean per replication):"]
    rows = [["emergency bed-days avoided", _num(avoided, ",.0f"), "100%"]]
    for k, words in channels.items():
        rows.append([words, _num(totals[k], ",.0f"), _num(max(shares[k] or 0.0, 0.0), ".0%")])
    if why:
        lines += render_table(["", "bed-days"], [row[:2] for row in rows])
        lines.append("    no shares: " + "; ".join(why))
    else:
        lines += render_table(["", "bed-days", "share"], rows)
    relief = [
        (totals.get("boarding_hours_saved"), "ED boarding hours"),
        (totals.get("trolley_waits_4h_avoided"), "4-hour trolley waits"),
        (totals.get("outlier_admissions_avoided"), "outlier admissions"),
    ]
    said = [
        f"{_num(abs(v), ',.0f')} {'fewer' if v > 0 else 'more'} {words}"
        for v, words in relief
        if _finite(v) and v != 0
    ]
    if said:
        lines.append(
            f"  the pressure on the hospital, scenario vs baseline (over {horizon}, mean per"
            " replication): " + "; ".join(said)
        )
    lines.append(f"  backfill ran out: {bf['backfill_ran_out']['text']}")
    lines.append(
        f"  waiting list cleared (a month with the scenario's list below"
        f" {bf['list_cleared_fraction']:.0%} of the baseline's):"
        f" {bf['waiting_list_cleared']['text']}"
    )
    return lines


def wards_closed_text(d: dict) -> str:
    """Whether the scenario's decommissioning rule closed wards: how many, when, how often.

    ``d`` is summary.json's ``decommissioning`` (see
    :func:`leftshift.analysis.decommissioning.closures_report`).
    """
    n, hit = d["replications"], d["replications_with_a_closure"]
    by_rep, beds = d["wards_closed_by_replication"], d["ward_beds"]
    reps = "the replication" if n == 1 else f"any of {n} replications"
    if d["rule"] == "on_evidence":
        rule = (
            f"G&A {OCCUPANCY_OVER_THE_DAY} below {d['occupancy_below']:.0%} for"
            f" {d['consecutive_months']} months"
        )
        how = f"by the evidence rule ({rule})"
    else:
        how = "on fixed dates, whatever the occupancy"
    if hit == 0 and d["rule"] == "on_evidence":
        if d["longest_run_below_months"] >= d["consecutive_months"]:
            held = "the waiting-list limit or the earliest year held it back"
        else:
            held = f"the lowest monthly occupancy was {d['lowest_monthly_occupancy']:.1%}"
        return (
            f"no ward closed in {reps}: the evidence rule ({rule} in a row) was never met; {held}"
        )
    if hit == 0:
        years = ", ".join(f"{y:g}" for y in d.get("close_at_years", []))
        return f"no ward closed in {reps}: the closure dates (year {years}) are after the run's end"
    first, last = d["first_closure_month"], d["last_closure_month"]
    when = first if first == last else f"{first} to {last}"
    if len(set(by_rep)) == 1:
        k = by_rep[0]
        where = "in the replication" if n == 1 else f"in all {n} replications"
        return f"wards closed: {k} ({k * beds} beds) in {when}, {where}, {how}"
    return (
        f"wards closed: {d['wards_closed_mean']:.1f} on average ({beds} beds each), in {hit} of"
        f" {n} replications, {when}, {how}"
    )


def two_decisions_lines(entry: dict, price_year: str | None = None) -> list[str]:
    """The console table of a ``freed_capacity=both`` run: the two decisions apart."""
    from leftshift.analysis.freed_capacity import DECISIONS

    prices = f", {price_year} prices" if price_year else ""
    first = entry[DECISIONS[0][0]]
    wtps = list(first["net_monetary_benefit_gbp"])
    rows = []
    for key, label in DECISIONS:
        d = entry[key]
        rows.append(
            [
                label,
                _num(d["incremental_cost_gbp"]["mean"], "+,.1f", 1e6),
                _num(d["incremental_qalys"]["mean"], "+,.0f"),
                _num(d["elective_share_of_qalys"], ".0%"),
                " / ".join(_pounds_m(d["net_monetary_benefit_gbp"][w], True) for w in wtps),
            ]
        )
    header = [
        "",
        "cost £m",
        "QALYs",
        "elective share",
        "NMB £m at " + "/".join(f"{float(w) / 1000:,.0f}k" for w in wtps),
    ]
    lines = [f"== the two decisions apart ({entry['text']}):"]
    lines += render_table(header, rows)
    lines.append(
        f"  cost (NHS and PSS{prices}) and QALYs discounted, means over replications; elective"
        " share: the undiscounted QALYs of elective treatment and of waiting, as a share of all"
        " undiscounted QALYs"
    )
    return [part for line in lines for part in _wrap(line)]


def unbounded_ed_lines(arms: dict[str, dict]) -> list[str]:
    """A warning for each arm whose ED held, on average, more boarders than the hospital's beds.

    No English ED holds that many: emergency demand has outgrown every bed and, without a
    diversion rule, the queue grows without limit, so the run says so.
    """
    lines = []
    for name, arm in arms.items():
        boarders = arm.get("ed_boarding_hours_per_year", 0.0) / (DAYS_PER_YEAR * 24.0)
        if "emergency_care_elsewhere_gbp_per_year" in arm or not boarders > arm.get(
            "general_acute_beds", math.inf
        ):
            continue
        lines += textwrap.wrap(
            f"warning ({name}): the ED held on average {boarders:,.0f} patients waiting for a"
            f" bed, more than the {arm['general_acute_beds']:,.0f} G&A beds: emergency demand"
            " has outgrown the beds and the queue is unbounded; hospital.divert_boarder_share"
            " (e.g. 0.2) diverts patients beyond that share of a site's beds to other providers"
            ' (docs/model.md, "When the ED is full")',
            width=96,
            initial_indent="  ",
            subsequent_indent="    ",
        )
    return lines

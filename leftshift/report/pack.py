"""The board pack: ``leftshift report RUN_DIR`` turns a finished experiment into HTML, PDF, etc.

A finance director or non-executive reads the first page in five minutes: what the scenario
costs and when, what it buys, who pays and who gains, each sentence generated from the run's
numbers with their intervals. One page per question follows, with its figures and tables, then
what the model assumes and leaves out, then the run's provenance.

Written into ``RUN_DIR/report/`` (renamed into place only when complete, so an interrupted
command never leaves a complete-looking pack):

- ``board_pack.html``: self-contained (figures embedded), for a browser or an email;
- ``board_pack.pdf``: the HTML printed by headless Chromium (left out, with a note, when no
  Chromium is installed: ``apt-get install chromium``; set ``LEFTSHIFT_CHROMIUM`` to choose one);
- ``board_pack.md`` with ``figures/``: the same text and tables, for pasting into papers;
- ``tables/*.csv`` and ``board_pack.xlsx``: every table of the pack, unrounded.

Nothing here runs the model: it reads ``RUN_DIR/results/`` (see :mod:`leftshift.report.rundir`).
"""

import base64
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd
import yaml

from leftshift.analysis.backfill import CHANNEL_NAMES
from leftshift.analysis.economics import decision_quadrant
from leftshift.analysis.freed_capacity import DECISIONS
from leftshift.config.dimensions import IMD_QUINTILES
from leftshift.config.prices import PRICE_BASE
from leftshift.model import metrics
from leftshift.report.console import BOARD_PACK_FORMATS, OCCUPANCY_OVER_THE_DAY
from leftshift.report.figures import MIN_REPLICATIONS_FOR_INTERVALS
from leftshift.report.rundir import RESULTS_DIR, is_complete

REPORT_DIR = "report"
PARTIAL_PREFIX = ".report-partial-"
#: the willingness to pay per QALY the summary page quotes (NICE's lower threshold)
HEADLINE_WTP_GBP = 20_000
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
PDF_TIMEOUT_S = 120
TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("leftshift.report", "templates"),
    autoescape=jinja2.select_autoescape(["html"]),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
ORGANISATIONS = {
    "icb": "the ICB (commissioner)",
    "acute_trust": "the acute trust",
    "community_provider": "the community provider",
    "general_practice": "general practice",
    "local_authority_social_care": "the local authority (social care)",
}


class PackError(RuntimeError):
    """The run directory cannot make a pack (not a finished run, or not an experiment)."""


@dataclass
class Table:
    """One table of the pack: unrounded for the exports, formatted for the page."""

    key: str
    title: str
    data: pd.DataFrame
    shown: pd.DataFrame
    note: str = ""

    @property
    def columns(self) -> list[str]:
        return [str(c).replace("_", " ") for c in self.shown.columns]

    @property
    def rows(self) -> list[list[str]]:
        return [[str(v) for v in row] for row in self.shown.itertuples(index=False)]


@dataclass
class Page:
    """One question of the pack: its answer in words, its figures and its tables."""

    question: str
    answer: list[str]
    figures: list[str]
    tables: list[Table] = field(default_factory=list)


@dataclass
class Run:
    """What a finished run left in its results folder."""

    results: Path
    summary: dict[str, Any]
    manifest: dict[str, Any]
    config: dict[str, Any]
    econ: dict[str, Any]
    #: a ``freed_capacity=both`` run's two decisions apart (the run's top-level summary entry
    #: ``two_decisions``, shared by its ``use`` and ``idle`` packs); None for any other run
    two_decisions: dict[str, Any] | None = None
    _tables: dict[str, pd.DataFrame | None] = field(default_factory=dict, repr=False)

    def table(self, name: str) -> pd.DataFrame | None:
        """A results table, read once (the pack's sentences and tables share them)."""
        if name not in self._tables:
            path = self.results / f"{name}.parquet"
            self._tables[name] = pd.read_parquet(path) if path.is_file() else None
        return self._tables[name]

    @property
    def replications(self) -> int:
        return int(self.summary.get("replications", 1))

    @property
    def with_intervals(self) -> bool:
        return self.replications >= MIN_REPLICATIONS_FOR_INTERVALS

    @property
    def freed_beds_idle(self) -> bool:
        """True when the scenario's freed beds were left idle (``experiment.freed_capacity``)."""
        return self.config.get("experiment", {}).get("freed_capacity") == "idle"


def load_run(results: Path) -> Run:
    """Read a complete results folder; :class:`PackError` for anything else."""

    def read(name: str) -> dict[str, Any]:
        path = results / name
        return json.loads(path.read_text()) if path.is_file() else {}

    summary = read("summary.json")
    if "comparison_by_year" not in summary:
        raise PackError(
            "this run has no scenario (a baseline on its own): a board pack compares a scenario"
            " with its baseline; run an experiment, e.g. leftshift experiment=vw_national_ambition"
        )
    config = yaml.safe_load((results / "config.yaml").read_text())
    return Run(results, summary, read("manifest.json"), config, read("econ_summary.json"))


# -- numbers in words ------------------------------------------------------------------------


def _finite(x: Any) -> bool:
    return isinstance(x, int | float) and math.isfinite(x)


def gbp_m(x: float, signed: bool = False) -> str:
    """Pounds as millions: "£6.1 m" (or "+£6.1 m" / "-£0.3 m" when signed)."""
    if not _finite(x):
        return "n/a"
    shown = f"{abs(x) / 1e6:,.1f}"
    if shown.strip("0.,") == "":
        return "£0.0 m"  # no sign on a rounded zero
    sign = ("+" if x > 0 else "-") if signed else ("-" if x < 0 else "")
    return f"{sign}£{shown} m"


def _millions(x: float) -> str:
    """Signed pounds in millions without the unit, for a column headed £m: "+6.1"."""
    return gbp_m(x, signed=True).replace("£", "").removesuffix(" m")


def number(x: float, digits: int = 0) -> str:
    """A count with thousands separators, or n/a."""
    return f"{x:,.{digits}f}" if _finite(x) else "n/a"


def interval(run: Run, low: Any, high: Any, fmt=number) -> str:
    """The interval in brackets, empty with too few replications, or why there is none."""
    if not run.with_intervals:
        return ""
    if not (_finite(low) and _finite(high)):
        return " (no interval)"
    return f" (95% CI {fmt(low)} to {fmt(high)})"


def precision_note(run: Run) -> str:
    """The sentence a pack with too few replications carries on every page."""
    if run.with_intervals:
        psa = run.config.get("run", {}).get("psa", False)
        spread = (
            "they include the uncertainty of the parameters drawn (run.psa=true)"
            if psa
            else "parameters are held at their central values (run.psa=false), so they show"
            " the model's chance variation only, not the uncertainty of the evidence"
        )
        return (
            f"Means of {run.replications} paired replications; 95% confidence intervals in"
            f" brackets: {spread}."
        )
    return (
        f"{run.replications} replication(s): too few for confidence intervals, so none is"
        " quoted and differences may be chance. Run"
        f" {MIN_REPLICATIONS_FOR_INTERVALS} or more (run.replications) before citing them."
    )


def _money_rows(run: Run) -> pd.DataFrame:
    money = run.table("money_comparison")
    return money if money is not None else pd.DataFrame()


def cost_sentence(run: Run, short: bool = False) -> str:
    """Net cost to the system by financial year (the first two and the last), no grant."""
    money = _money_rows(run)
    rows = money[
        (money["funding"] == "without_transition_funding") & (money["measure"] == "annual")
    ]
    if rows.empty:
        return "The run has no financial years to report."
    if len(rows) > 3:
        rows = rows.iloc[[0, 1, -1]]
    parts = [
        f"{gbp_m(r.mean, signed=True)} in {r.financial_year}"
        + interval(run, r.ci_low, r.ci_high, lambda v: gbp_m(v, True))
        for r in rows.itertuples()
    ]
    text = (
        "System net cost, scenario minus baseline, without transition funding (+ costs"
        " more): " + "; ".join(parts) + "."
    )
    if short:
        table = spending(run)
        if not table.empty:
            top = table.reindex(table["difference"].abs().sort_values(ascending=False).index)
            text += f" Largest items over the horizon: {', '.join(_spending_items(top.head(2)))}."
        return text
    if run.freed_beds_idle:
        return (
            text + " The whole system's spending is counted; the freed beds are left idle"
            " (electives held at the baseline's), so no extra elective work is in it."
        )
    return (
        text + " The whole system's spending is counted, including the hospital's extra"
        " elective work where freed beds are refilled (see who pays, below)."
    )


def break_even_sentence(run: Run, short: bool = False) -> str:
    """When the cumulative net cost turns to a saving, with and without transition funding."""
    out = []
    for key, label in (
        ("without_transition_funding", "without transition funding"),
        ("with_transition_funding", "with transition funding"),
    )[: 1 if short else 2]:
        m = run.summary["money"][key]
        year = m["break_even_year"]
        share = f"{m['replications_breaking_even']} of {m['replications']} replications"
        if year == "not within the horizon":
            out.append(f"{label} it does not break even within the horizon ({share} did)")
        else:
            out.append(f"{label} it breaks even (cumulative) in {year} ({share} did)")
        out[-1] += f", with a peak investment gap of {gbp_m(m['peak_investment_gap_gbp'])}"
    return "Cumulatively, " + "; ".join(out) + "."


def _comparison(run: Run, metric: str) -> list[dict[str, Any]]:
    return list(run.summary["comparison_by_year"].get(metric, []))


def _last(run: Run, metric: str) -> dict[str, Any] | None:
    rows = _comparison(run, metric)
    return rows[-1] if rows else None


def _change(run: Run, metric: str, unit: str, digits: int = 0, singular: bool = False) -> str:
    """The final reporting year's change in words: fall by 250 (0.4%; 95% CI 144 to 355)."""
    r = _last(run, metric)
    if r is None or not _finite(r.get("difference")):
        return "changes by n/a" if singular else "change by n/a"
    d = r["difference"]
    if d == 0:
        return "does not change" if singular else "do not change"
    up, down = ("rises", "falls") if singular else ("rise", "fall")
    verb, sign = (up, 1) if d > 0 else (down, -1)
    details = []
    if _finite(r.get("relative")) and r["baseline"]:
        details.append(f"{abs(r['relative']):.1%}")
    low, high = r.get("ci95") or [None, None]
    if run.with_intervals and _finite(low) and _finite(high):
        if low < 0 < high:  # the interval holds both directions: say so in words
            details.append(
                f"95% CI from a fall of {-low:,.{digits}f} to a rise of {high:,.{digits}f}"
            )
        else:
            a, b = sorted((sign * low, sign * high))
            details.append(f"95% CI {a:,.{digits}f} to {b:,.{digits}f}")
    bracket = f" ({'; '.join(details)})" if details else ""
    if f"{abs(d):,.{digits}f}".strip("0.,") == "":  # not "rises by 0" for a rise of 0.1
        one = unit.removesuffix("s") if digits == 0 else unit  # "less than 1 patient"
        less = f"less than {10.0**-digits:g} {one}".rstrip()
        return f"{'changes' if singular else 'change'} by {less}{bracket}"
    return f"{verb} by {abs(d):,.{digits}f} {unit}".rstrip() + bracket


def hospital_parts(run: Run) -> dict[str, str]:
    """Beds, backfill, closures, the list and waits, as sentences by topic ("" when absent)."""
    s = run.summary
    base, scen = s["arms"]["baseline"], s["arms"]["scenario"]
    years = len(_comparison(run, metrics.BED_DAYS))
    parts = {
        "beds": f"In reporting year {years}, G&A bed-days"
        f" {_change(run, metrics.BED_DAYS, '')} against the baseline. Mean occupancy over"
        f" the horizon: {scen['mean_occupancy']:.1%} (baseline {base['mean_occupancy']:.1%}).",
        "backfill": "",
        "closures": closure_sentence(run),
        "needs": "",
        "list": f"In year {years} the waiting list (mean)"
        f" {_change(run, metrics.WAITING_LIST_SIZE, 'patients', singular=True)} against"
        f" {base['waiting_list_final_year']:,.0f} in the baseline; elective admissions"
        f" {_change(run, metrics.ADMISSIONS_ELECTIVE, 'a year')}.",
        "waits": "",
    }
    horizon = s.get("backfill", {}).get("bed_days_over_horizon_mean_per_replication", {})
    if _finite(horizon.get("avoided_emergency_bed_days")):
        electives = horizon.get("backfilled_by_electives", math.nan)
        released = horizon.get("released_bed_days", math.nan)
        others = horizon["avoided_emergency_bed_days"] - electives - released
        others_named = ", ".join(
            name
            for key, name in CHANNEL_NAMES.items()
            if key not in ("backfilled_by_electives", "released_bed_days") and key in horizon
        )
        electives_words = (
            f"with electives held at the baseline's (freed beds left idle) they use"
            f" {electives:,.0f}"
            if run.freed_beds_idle
            else f"extra electives use {electives:,.0f}"
        )
        parts["backfill"] = (
            "Over the horizon (mean per replication) the scenario avoids"
            f" {horizon['avoided_emergency_bed_days']:,.0f} emergency bed-days;"
            f" {electives_words}, the other channels ({others_named})"
            f" {others:+,.0f}, and in all bed-days fall by {released:,.0f}."
        )
    needs = s["money"].get("decommissioning_needs")
    if needs:
        parts["needs"] = (
            f"Could beds close safely (G&A {OCCUPANCY_OVER_THE_DAY}, not at midnight, under the"
            " limit set in"
            f" report.decommission_max_occupancy)? {needs['text'][0].upper()}{needs['text'][1:]}."
        )
    w_base, w_scen = base.get("ed_waits_4h_plus_share"), scen.get("ed_waits_4h_plus_share")
    if _finite(w_base) and _finite(w_scen):
        parts["waits"] = (
            f"Over the horizon, {w_scen:.1%} of admissions through A&E waited 4 hours or more"
            f" from the decision to admit, against {w_base:.1%} in the baseline. In year"
            f" {years}, hours waited in A&E for a bed (ED boarding)"
            f" {_change(run, metrics.ED_BOARDING_HOURS, '')}."
        )
    return parts


def hospital_sentences(run: Run) -> list[str]:
    """The hospital's sentences that this run has, in reading order."""
    return [text for text in hospital_parts(run).values() if text]


def closure_sentence(run: Run) -> str:
    """Whether any ward closed, for a scenario with a decommissioning rule.

    Closures are read from summary.json's ``decommissioning`` record (the wards the rule
    closed), not from the open beds: escalation beds open and close with ED boarders, so the
    open beds differ between the arms without any closure.
    """
    rule = run.config.get("interventions", {}).get("decommissioning", {}).get("rule", "none")
    closed = run.summary.get("decommissioning")
    if rule == "none" or not closed:
        return ""
    beds = _last(run, metrics.OPEN_BEDS)
    of = f" (of {beds['baseline']:,.0f} in the baseline)" if beds else ""
    if not closed["replications_with_a_closure"]:
        return f"No ward closed within the horizon (decommissioning rule {rule}){of}."
    change = ""
    if beds and _finite(beds.get("difference")):
        d = beds["difference"]
        change = (
            f"; in the final year {abs(d):,.0f} {'fewer' if d < 0 else 'more'} open G&A beds{of}"
        )
    return (
        f"Wards closed (decommissioning rule {rule}): {closed['wards_closed_mean']:.1f} on"
        f" average ({closed['ward_beds']} beds each), in {closed['replications_with_a_closure']}"
        f" of {closed['replications']} replications, from {closed['first_closure_month']}"
        f"{change}; closing them is what releases cash."
    )


def value_sentences(run: Run, short: bool = False) -> list[str]:
    """QALYs, the cost-effectiveness quadrant and net monetary benefit (short: no CIs)."""
    e = run.econ
    if not e:
        return ["No economic evaluation was made for this run."]
    q, c = e["incremental_qalys"], e["incremental_cost_gbp"]
    decision = e.get("decision")
    if decision and not run.with_intervals:  # the cost per QALY to 2 significant figures
        decision = decision_quadrant(c["mean"], q["mean"], rough=True)
    quadrant = f"; {decision['quadrant']} quadrant" if decision else ""
    out = [
        f"Over the horizon (discounted {e['discount_rate']:.1%}), on average the scenario"
        + (
            f" {decision['sentence'].replace('GBP ', '£')}{quadrant}."
            if decision
            else f" changes system cost by {gbp_m(c['mean'], signed=True)} and QALYs by"
            f" {number(q['mean'], 1)}."
        )
    ]
    if run.with_intervals and not short:
        out.append(
            f"Incremental cost{interval(run, c['ci_low'], c['ci_high'], gbp_m)}; incremental"
            f" QALYs{interval(run, q['ci_low'], q['ci_high'], lambda v: number(v, 1))}."
        )
    key = str(HEADLINE_WTP_GBP)
    nmb = e["net_monetary_benefit_gbp"].get(key)
    if nmb:
        p = e["probability_cost_effective"][key]
        chance = (
            f"; it is cost-effective there in {p:.0%} of replications" if run.with_intervals else ""
        )
        value = "a gain" if nmb["mean"] > 0 else "a loss"
        if short:
            out.append(
                f"Net monetary benefit at £{HEADLINE_WTP_GBP:,} per QALY:"
                f" {gbp_m(nmb['mean'], signed=True)}"
                f"{interval(run, nmb['ci_low'], nmb['ci_high'], gbp_m)}, {value} of value."
            )
            return out
        out.append(
            f"Valuing a QALY at £{HEADLINE_WTP_GBP:,}, its net monetary benefit (health valued"
            f" in £ minus cost) is {gbp_m(nmb['mean'], signed=True)}, {value} of value"
            f"{interval(run, nmb['ci_low'], nmb['ci_high'], gbp_m)}{chance}."
        )
    return out


def who_pays(run: Run) -> pd.DataFrame:
    """Net cost by organisation, scenario minus baseline, by financial year and in total."""
    org = run.table("finance_by_organisation")
    if org is None or org.empty:
        return pd.DataFrame()
    wide = org.pivot_table(
        index=["organisation", "financial_year"], columns="arm", values="net_cost", aggfunc="sum"
    )
    diff = (wide["scenario"] - wide["baseline"]).unstack("financial_year")
    diff["total"] = diff.sum(axis=1)
    return diff.reset_index()


SPENDING = {
    "variable_clinical": "hospital clinical activity (per patient treated)",
    "staffed_beds": "hospital beds staffed",
    "staff": "community staff",
    "recruitment_and_training": "recruitment and training",
    "virtual_wards": "virtual-ward running costs",
    "social_care_packages": "social care packages",
    "emergency_care_elsewhere": "emergency care at other providers (ED full: patients diverted)",
}
OUTSIDE = "outside_the_place"  # the ledger's counterparty for real resources bought


def spending(run: Run) -> pd.DataFrame:
    """What the system buys, by organisation and kind: scenario minus baseline over the horizon.

    Mean per replication of the ledger's spending with the world outside the place (payments
    between the place's organisations net out), undiscounted and without transition funding,
    so the rows sum to the cumulative system net cost without transition funding.
    """
    ledger = run.table("ledger")
    if ledger is None or ledger.empty:
        return pd.DataFrame()
    bought = ledger[(ledger["counterparty"] == OUTSIDE) & (ledger["direction"] == "spend")]
    per_arm = (
        bought.groupby(["arm", "organisation", "category"], observed=True)["amount_gbp"].sum()
        / bought.groupby("arm", observed=True)["replication"].nunique()
    )
    wide = per_arm.unstack("arm").fillna(0.0)
    for arm in ("baseline", "scenario"):
        if arm not in wide:
            wide[arm] = 0.0
    wide["difference"] = wide["scenario"] - wide["baseline"]
    return wide.reset_index().sort_values("difference", ascending=False, ignore_index=True)


def _spending_items(rows: pd.DataFrame) -> list[str]:
    """Each row of :func:`spending` as "kind +£x m"."""
    return [
        f"{SPENDING.get(str(r.category), str(r.category))} {gbp_m(r.difference, signed=True)}"
        for r in rows.itertuples()
    ]


def spending_sentence(run: Run) -> str:
    """Where the extra cost goes, largest first."""
    table = spending(run)
    if table.empty:
        return ""
    moved = table[table["difference"].abs() >= 0.05e6]
    if moved.empty:
        return "No kind of spending moves by more than £0.05 m over the horizon."
    parts = _spending_items(moved)
    return (
        "Where the extra cost goes, over the horizon (mean per replication, undiscounted): "
        + "; ".join(parts)
        + f", in all {gbp_m(table['difference'].sum(), signed=True)}."
    )


def spending_table(run: Run) -> Table | None:
    """Spending by organisation and kind, baseline, scenario and difference, over the horizon."""
    table = spending(run)
    if table.empty:
        return None
    shown = table.copy()
    shown["organisation"] = [ORGANISATIONS.get(o, o) for o in shown["organisation"]]
    shown["category"] = [SPENDING.get(c, c) for c in shown["category"]]
    shown = _fmt_frame(
        shown.rename(columns={"category": "spending on"}),
        {
            "baseline": gbp_m,
            "scenario": gbp_m,
            "difference": lambda v: gbp_m(v, True),
        },
    )
    return Table(
        "spending_by_kind",
        f"What the system buys, over the horizon (mean per replication, undiscounted,"
        f" {prices(run)})",
        table,
        shown,
        "Spending with the world outside the place; payments between the place's"
        " organisations net out. The differences sum to the cumulative system net cost"
        " without transition funding.",
    )


def who_pays_sentence(run: Run, short: bool = False) -> str:
    """Which organisations pay or save over the horizon, largest payer first."""
    diff = who_pays(run)
    if diff.empty:
        return ""
    diff = diff[diff["total"].abs() >= 0.05e6].sort_values("total", ascending=False)
    if diff.empty:
        return "No organisation's net cost moves by more than £0.05 m over the horizon."
    parts = [
        f"{ORGANISATIONS.get(r.organisation, r.organisation)} is"
        f" {gbp_m(abs(r.total))} {'worse' if r.total > 0 else 'better'} off"
        for r in diff.itertuples()
    ]
    if short:
        return "Who pays, over the horizon: " + "; ".join(parts) + "."
    return (
        "Who pays, over the horizon against the baseline: " + "; ".join(parts) + ". These"
        " include the payments between organisations (an ICB payment for extra activity is"
        " income to the trust) and any transition funding, so they sum to the system's net"
        " cost with transition funding."
    )


def inequality_sentences(run: Run) -> list[str]:
    """QALY gains in the most against the least deprived fifth, and virtual-ward reach."""
    out = []
    outcomes = run.econ.get("outcomes", {})
    q1, q5 = (
        outcomes.get(metrics.QALYS_BY_IMD.name("Q1")),
        outcomes.get(metrics.QALYS_BY_IMD.name("Q5")),
    )
    gap = outcomes.get("qaly_gain_gap_Q1_minus_Q5")
    if q1 and q5 and gap:
        direction = "more" if gap["mean"] > 0 else "less" if gap["mean"] < 0 else "the same as"
        out.append(
            f"The most deprived fifth of the population (IMD Q1) gains {number(q1['mean'], 1)}"
            f" QALYs and the least deprived (Q5) {number(q5['mean'], 1)} (undiscounted totals"
            f" for each fifth, which are of about equal size): Q1 gains {direction}"
            f" (difference {number(gap['mean'], 1)}"
            f"{interval(run, gap['ci_low'], gap['ci_high'], lambda v: number(v, 1))})."
        )
    vw = run.summary.get("virtual_wards", {}).get("by_quintile")
    if vw:
        q1v, q5v = vw["Q1"], vw["Q5"]
        out.append(
            "Virtual wards avoid"
            f" {q1v['admissions_avoided_per_100_emergency_admissions']:.2f} acute admissions per"
            f" 100 emergency admissions in Q1 against"
            f" {q5v['admissions_avoided_per_100_emergency_admissions']:.2f} in Q5, relative to"
            " need; per 1,000 people a year,"
            f" {q1v['referrals_excluded_per_1000_a_year']:.2f} in Q1 and"
            f" {q5v['referrals_excluded_per_1000_a_year']:.2f} in Q5 are turned away (no"
            " digital access or an unsuitable home)."
        )
    return out


# -- tables ----------------------------------------------------------------------------------


def _fmt_frame(frame: pd.DataFrame, formats: dict[str, Any]) -> pd.DataFrame:
    shown = frame.copy()
    for column, fmt in formats.items():
        if column in shown:
            shown[column] = [fmt(v) if _finite(v) else "n/a" for v in shown[column]]
    return shown.astype(str)


def money_table(run: Run) -> Table | None:
    """System net cost by financial year, annual and cumulative, both funding cases."""
    money = _money_rows(run)
    if money.empty:
        return None
    data = money.copy()
    shown = data.copy()
    shown["funding"] = shown["funding"].str.replace("_", " ")
    columns = ["financial_year", "funding", "measure", "mean"]
    if run.with_intervals:
        columns += ["ci_low", "ci_high"]
    shown = _fmt_frame(shown[columns], {c: lambda v: gbp_m(v, True) for c in columns[3:]})
    return Table(
        "net_cost_by_year",
        f"System net cost, scenario minus baseline (+ costs more), {prices(run)}",
        data,
        shown,
        precision_note(run),
    )


def who_pays_table(run: Run) -> Table | None:
    """Net cost by organisation and financial year, scenario minus baseline."""
    diff = who_pays(run)
    if diff.empty:
        return None
    shown = diff.copy()
    shown["organisation"] = [ORGANISATIONS.get(o, o) for o in shown["organisation"]]
    numeric = [c for c in shown.columns if c != "organisation"]
    shown = _fmt_frame(shown, {c: lambda v: gbp_m(v, True) for c in numeric})
    return Table(
        "net_cost_by_organisation",
        f"Net cost by organisation, scenario minus baseline (+ costs more), {prices(run)}",
        diff,
        shown,
        "Mean over replications; payments between organisations are a cost to the payer and"
        " income to the payee.",
    )


HOSPITAL_METRICS = {
    metrics.BED_DAYS: "bed-days",
    metrics.OCCUPANCY: "G&A occupancy, mean over the whole day",
    metrics.ADMISSIONS_EMERGENCY: "emergency admissions",
    metrics.ADMISSIONS_ELECTIVE: "elective admissions",
    metrics.WAITING_LIST_SIZE: "waiting list (mean)",
    metrics.ED_BOARDING_HOURS: "ED boarding hours",
    metrics.DELAYED_DISCHARGE_PATIENTS: "delayed discharges (patients a day)",
    metrics.OPEN_BEDS: "open G&A beds",
}


def comparison_table(run: Run) -> Table | None:
    """Baseline, scenario and difference of the hospital measures by reporting year."""
    rows = []
    for metric, label in HOSPITAL_METRICS.items():
        for r in _comparison(run, metric):
            low, high = r.get("ci95") or [math.nan, math.nan]
            rows.append(
                {
                    "measure": label,
                    "reporting_year": r["reporting_year"],
                    "baseline": r["baseline"],
                    "scenario": r["baseline"] + r["difference"],
                    "difference": r["difference"],
                    "ci_low": math.nan if low is None else low,
                    "ci_high": math.nan if high is None else high,
                }
            )
    if not rows:
        return None
    data = pd.DataFrame(rows)
    shown = data.copy()
    percent = shown["measure"] == "mean G&A occupancy"
    columns = ["measure", "reporting_year", "baseline", "scenario", "difference"]
    if run.with_intervals:
        columns += ["ci_low", "ci_high"]
    shown = shown[columns].astype(object)
    for c in columns[2:]:
        shown[c] = [
            ("n/a" if not _finite(v) else f"{v:.1%}" if p else f"{v:,.0f}")
            if c not in ("difference", "ci_low", "ci_high")
            else ("n/a" if not _finite(v) else f"{v:+.1%}" if p else f"{v:+,.0f}")
            for v, p in zip(shown[c], percent, strict=True)
        ]
    return Table(
        "hospital_by_year",
        "The hospital by reporting year, baseline and scenario",
        data,
        shown.astype(str),
        precision_note(run),
    )


def econ_table(run: Run) -> Table | None:
    """Incremental cost, QALYs, net monetary benefit and outcomes, with intervals."""
    e = run.econ
    if not e:
        return None

    def row(label: str, x: dict[str, Any], probability: Any = None) -> dict[str, Any]:
        return {
            "measure": label,
            "mean": x.get("mean"),
            "ci_low": x.get("ci_low"),
            "ci_high": x.get("ci_high"),
            "probability_cost_effective": probability,
        }

    rows = [
        row(f"extra system cost (£m, {prices(run)}, discounted)", e["incremental_cost_gbp"]),
        row("QALYs gained (discounted)", e["incremental_qalys"]),
    ]
    for wtp, nmb in e["net_monetary_benefit_gbp"].items():
        label = f"net monetary benefit at £{float(wtp):,.0f} per QALY (£m, {prices(run)})"
        rows.append(row(label, nmb, e["probability_cost_effective"].get(wtp)))
    outcomes = e.get("outcomes", {})
    deaths = [outcomes.get(metrics.DEATHS_BY_IMD.name(q)) for q in IMD_QUINTILES]
    if all(deaths):
        all_deaths = {"mean": sum(d["mean"] for d in deaths if d)}  # no interval for a sum
        rows.append(row("deaths, all places and causes (undiscounted)", all_deaths))
    labels = {
        metrics.DEATHS_FROM_ED_CROWDING_IN_POPULATION: "of which linked to long A&E waits",
        metrics.DEATHS_BY_PLACE.name("hospital"): "of which in hospital",
        metrics.DEATHS_BY_PLACE.name("home_after_virtual_ward"): "of which at home at the end"
        " of a virtual-ward stay",
        metrics.DEATHS_BY_PLACE.name("community"): "of which in the community (incl. after"
        " discharge)",
        metrics.EMERGENCY_READMISSIONS: "emergency readmissions within 30 days",
        metrics.WAITING_LIST_EMERGENCY_ADMISSIONS: "emergency admissions while waiting for planned"
        " care",
        metrics.CARE_HOME_MOVES_AFTER_DISCHARGE: "moves into a care home after discharge",
        metrics.LIFE_YEARS: "life-years (undiscounted)",
    }
    for key, label in labels.items():
        if key in outcomes:
            rows.append(row(label, outcomes[key]))
    data = pd.DataFrame(rows)
    columns = ["measure", "mean"] + (["ci_low", "ci_high"] if run.with_intervals else [])
    shown = data[columns].astype(object)
    for c in columns[1:]:
        shown[c] = [
            gbp_m(v, True) if "£m" in m else number(v, 1)
            for v, m in zip(shown[c], shown["measure"], strict=True)
        ]
    return Table(
        "economic_evaluation",
        f"Economic evaluation ({e['perspective']}, discounted {e['discount_rate']:.1%})",
        data,
        shown.astype(str),
        precision_note(run),
    )


#: what each arm of a ``freed_capacity=both`` run did with the beds the scenario freed
FREED_BEDS = {"use": "freed beds used for electives", "idle": "freed beds left idle"}


def _decision_words(run: Run, d: dict[str, Any]) -> str:
    """A contrast's decision sentence, its cost per QALY rounded from few replications."""
    if run.with_intervals or d.get("decision") is None:
        return str(d.get("decision") or "n/a")
    return decision_quadrant(
        d["incremental_cost_gbp"]["mean"], d["incremental_qalys"]["mean"], rough=True
    )["sentence"]


def two_decisions_frame(run: Run) -> pd.DataFrame:
    """The three contrasts of a ``both`` run, one row each, unrounded (empty for other runs)."""
    if not run.two_decisions:
        return pd.DataFrame()
    rows = []
    for key, label in DECISIONS:
        d = run.two_decisions[key]
        rows.append(
            {
                "contrast": label,
                "incremental_cost_gbp": d["incremental_cost_gbp"]["mean"],
                "incremental_qalys": d["incremental_qalys"]["mean"],
                "elective_share_of_qalys": d["elective_share_of_qalys"],
                **{
                    f"nmb_gbp_at_{float(wtp):.0f}": nmb
                    for wtp, nmb in d["net_monetary_benefit_gbp"].items()
                },
                "decision": _decision_words(run, d).replace("GBP ", "£"),
            }
        )
    return pd.DataFrame(rows)


def two_decisions_table(run: Run) -> Table | None:
    """Cost, QALYs, elective share, NMB and the decision of each contrast of a ``both`` run."""
    data = two_decisions_frame(run)
    if data.empty:
        return None
    nmb = [c for c in data.columns if c.startswith("nmb_gbp_at_")]
    shown = _fmt_frame(
        data,
        {
            "incremental_cost_gbp": _millions,
            "incremental_qalys": lambda v: f"{v:+,.0f}",
            "elective_share_of_qalys": lambda v: f"{v:.0%}",
            **{c: _millions for c in nmb},
        },
    )
    shown.columns = [
        "decision (contrast)",
        "extra cost, £m",
        "QALYs gained",
        "elective share of QALYs",
        *(f"NMB, £m, at £{int(c.removeprefix('nmb_gbp_at_')):,} per QALY" for c in nmb),
        "in words",
    ]
    rate = run.econ.get("discount_rate")
    discounted = f", discounted {rate:.1%}" if _finite(rate) else ", discounted"
    return Table(
        "two_decisions",
        f"The two decisions apart (£m, {prices(run)}{discounted})",
        data,
        shown,
        "Means over replications with the same seeds in the three arms; cost, QALYs and net"
        " monetary benefit (NMB) discounted; elective share: the undiscounted QALYs of"
        " elective treatment and of waiting as a share of all undiscounted QALYs. Use -"
        " baseline = (idle - baseline) + (use - idle). " + precision_note(run),
    )


def _carrier(intervention: float, use_of_beds: float) -> str:
    """Which decision carries the value at one price of a QALY, as a short key."""
    if intervention <= 0 and use_of_beds <= 0:
        return "neither"
    if intervention > 0 and use_of_beds > 0:
        return "both, mostly " + ("intervention" if intervention >= use_of_beds else "beds")
    return "intervention" if intervention > 0 else "beds"


def carries_value_sentence(run: Run) -> str:
    """One plain sentence: which of the two decisions carries the value ("" for other runs)."""
    td = run.two_decisions
    if not td:
        return ""
    own, beds = (
        td["intervention"]["net_monetary_benefit_gbp"],
        td["use_of_freed_beds"]["net_monetary_benefit_gbp"],
    )
    wtps = list(own)
    key = str(HEADLINE_WTP_GBP) if str(HEADLINE_WTP_GBP) in wtps else wtps[len(wtps) // 2]
    a, b = own[key], beds[key]
    at = f"at £{float(key):,.0f} per QALY"
    own_m, beds_m = gbp_m(a, signed=True), gbp_m(b, signed=True)
    verdict = _carrier(a, b)
    if verdict == "neither":
        text = (
            f"Neither decision adds value {at}: the intervention itself has a net monetary"
            f" benefit of {own_m} and the elective work in its freed beds {beds_m}."
        )
    elif verdict.startswith("both"):
        lead, other = (
            ("the intervention itself", "using its freed beds for electives")
            if verdict.endswith("intervention")
            else ("using the freed beds for electives", "the intervention itself")
        )
        text = (
            f"Both decisions add value {at}, most of it from {lead}"
            f" (net monetary benefit: the intervention {own_m}, electives in the freed beds"
            f" {beds_m}); {other} adds the rest."
        )
    elif verdict == "intervention":
        text = (
            f"The value is in the intervention itself ({own_m} net monetary benefit {at});"
            f" using its freed beds for electives does not add value ({beds_m})."
        )
    else:
        text = (
            f"The value is in what the freed beds are used for: the elective work in them"
            f" has a net monetary benefit of {beds_m} {at}, while the intervention on its own"
            f" has {own_m}, so the case rests on the hospital filling the beds it frees from"
            " its waiting list."
        )
    others = [w for w in wtps if w != key]
    if others:
        same = all(_carrier(own[w], beds[w]) == verdict for w in others)
        prices_named = " and ".join(f"£{float(w):,.0f}" for w in others)
        text += (
            f" The same holds at {prices_named} per QALY."
            if same
            else f" At {prices_named} per QALY the split differs: see the table."
        )
    if not run.with_intervals:
        text += f" From {run.replications} replication(s), without intervals: it may be chance."
    return text


def two_decisions_sentences(run: Run) -> list[str]:
    """The page of a ``both`` run that puts the two decisions apart ([] for other runs)."""
    if not run.two_decisions:
        return []
    arm = "idle" if run.freed_beds_idle else "use"
    other = "use" if arm == "idle" else "idle"
    return [
        "The scenario was run twice against one baseline with the same random numbers: with"
        " the beds it frees used for electives from the waiting list (use), as a hospital"
        " would, and with them left idle (idle: each replication admitted no more electives"
        " than its baseline). So the intervention itself is idle - baseline, what the"
        " elective work in the freed beds adds is use - idle, and the two add up to use -"
        " baseline, the usual result.",
        carries_value_sentence(run),
        f"The other pages of this pack show the scenario with its {FREED_BEDS[arm]} ({arm})"
        f" against the baseline; the pack with its {FREED_BEDS[other]} ({other}) is in"
        f" report/{other}/.",
    ]


QUINTILE_COLUMNS = {
    "imd_quintile": "deprivation fifth (IMD)",
    "qalys_gained": "QALYs gained",
    "deaths_difference": "change in deaths",
    "vw_admissions_per_1000_a_year": "virtual-ward admissions per 1,000 a year",
    "referrals_excluded_per_1000_a_year": "turned away per 1,000 a year",
    "admissions_avoided_per_1000_a_year": "admissions avoided per 1,000 a year",
    "admissions_avoided_per_100_emergency_admissions": "avoided per 100 emergency admissions",
    "emergency_admissions_change_per_1000_a_year": "change in emergency admissions per 1,000",
}


def quintile_table(run: Run) -> Table | None:
    """QALYs, deaths and virtual-ward use by deprivation fifth."""
    outcomes = run.econ.get("outcomes", {})
    rows = []
    for q in IMD_QUINTILES:
        qalys, deaths = (
            outcomes.get(metrics.QALYS_BY_IMD.name(q)),
            outcomes.get(metrics.DEATHS_BY_IMD.name(q)),
        )
        if not qalys:
            continue
        row = {"imd_quintile": q, "qalys_gained": qalys["mean"]}
        if deaths:
            row["deaths_difference"] = deaths["mean"]
        vw = run.summary.get("virtual_wards", {}).get("by_quintile", {}).get(q)
        if vw:
            row.update(vw)
        rows.append(row)
    if not rows:
        return None
    data = pd.DataFrame(rows)
    shown = _fmt_frame(data, {c: lambda v: number(v, 2) for c in data.columns[1:]})
    shown.columns = [QUINTILE_COLUMNS.get(c, c.replace("_", " ")) for c in shown.columns]
    return Table(
        "by_deprivation",
        "By deprivation fifth (IMD Q1 most deprived), scenario minus baseline",
        data,
        shown,
        "Means over replications, undiscounted; QALYs and deaths are totals for the fifth of"
        " the population, not rates.",
    )


# -- the pack --------------------------------------------------------------------------------


def figure_list(run: Run, names: list[str]) -> list[str]:
    """The named figures the run drew (a figure with nothing to show is not drawn)."""
    return [n for n in names if (run.results / n).is_file()]


def pages(run: Run) -> list[Page]:
    """The pack's question pages, in order."""
    money_t, pays_t = money_table(run), who_pays_table(run)
    return [
        Page(
            "What does it cost, and when?",
            [
                cost_sentence(run),
                break_even_sentence(run),
                spending_sentence(run),
                who_pays_sentence(run),
            ],
            figure_list(run, ["double_running.png", "cost_by_organisation.png"]),
            [t for t in (money_t, spending_table(run), pays_t) if t],
        ),
        Page(
            "What happens to the hospital?",
            hospital_sentences(run),
            figure_list(run, ["occupancy.png", "waiting_list.png", "backfill.png"]),
            [t for t in (comparison_table(run),) if t],
        ),
        Page(
            "What does it buy?",
            value_sentences(run),
            figure_list(
                run,
                [
                    "incremental_qalys.png",
                    "ce_plane.png",
                    "ceac.png",
                    "population_health.png",
                    "proactive_care.png",
                    "stage_mix.png",
                ],
            ),
            [t for t in (econ_table(run),) if t],
        ),
        *(
            [
                Page(
                    "Two decisions: what the intervention does, and what its freed beds are"
                    " used for",
                    two_decisions_sentences(run),
                    [],
                    [t for t in (two_decisions_table(run),) if t],
                )
            ]
            if run.two_decisions
            else []
        ),
        Page(
            "Who gains, and does it widen inequalities?",
            inequality_sentences(run) or ["The run has no results by deprivation."],
            figure_list(run, ["virtual_wards_equity.png", "virtual_wards.png"]),
            [t for t in (quintile_table(run),) if t],
        ),
    ]


def hospital_assumption(hospital: dict, place: dict | None = None) -> str:
    """How the run's hospital holds its beds and limits its theatres, in two sentences."""
    sessions = (place or {}).get("theatre_sessions_per_week_per_100k")
    cases = hospital.get("ordinary_cases_per_session", 2.0)
    theatres = (
        f" Theatre sessions limit ordinary electives: {sessions:g} sessions a week per"
        f" 100,000 people at {cases:g} cases a session (an assumption)."
        if sessions is not None
        else " Theatre sessions are not limited: free beds alone limit elective admissions."
    )
    if not hospital.get("specialty_pools", True):
        pools = (
            "The hospital's general and acute beds are one pooled counter (hospital=pooled),"
            " so A&E exit block is understated at high occupancy; the default hospital splits"
            " them into medical and surgical pools."
        )
    elif hospital.get("outlying", True):
        share = hospital.get("outlier_max_share", 0.1)
        pools = (
            "General and acute beds are split into medical and surgical pools at each site;"
            " a patient whose pool is full waits in A&E or, while the other pool has room,"
            f" outlies there (up to {share:.0%} of its beds) and stays longer."
        )
    else:
        pools = (
            "General and acute beds are split into medical and surgical pools at each site;"
            " a patient whose pool is full waits in A&E (no outlying)."
        )
    return pools + theatres


def population_assumption(population: dict, place: dict, social_care: dict) -> str:
    """The population and the baseline's capacity plan, in words (this run's settings)."""
    transitions = population.get("transitions", "projected")
    if transitions == "stationary":
        return (
            "The population is held stationary (births equal deaths, prevalence constant):"
            " the growth the left shift is meant to avoid is not in this run."
        )
    beds = place.get("bed_growth_per_year", 0.0) or 0.0
    care = social_care.get("capacity_growth_per_year", 0.0) or 0.0
    plan = (
        f"the baseline's plan grows G&A beds {beds:.1%} and social-care places {care:.1%} a"
        " year from year 2"
        if place.get("bed_plan") is None
        else f"the baseline's G&A beds follow a plan by year, social-care places grow {care:.1%}"
        " a year from year 2"
    )
    if transitions == "projected":
        return (
            "The population grows and ages as projected (ONS 2022-based, anchored at the"
            " start of reporting), with frailty and COPD and heart-failure incidence trending"
            f" as calibrated; {plan}. Beds avoided are against that baseline."
        )
    return f"Population transitions: {transitions} (published rates); {plan}."


def assumptions(run: Run) -> list[str]:
    """What the model assumes and leaves out, with this run's settings where they matter."""
    cfg = run.config
    hospital = cfg.get("hospital", {})
    population = cfg.get("population", {})  # the config group
    capacity = (
        "Hospital activity follows capacity: emergency demand avoided frees beds that boarded"
        " A&E patients, looser admission and discharge thresholds and the elective list fill"
        " again. Cash is released only where beds close."
    )
    if run.freed_beds_idle:
        capacity = (
            "Freed capacity left idle: each scenario replication admitted no more electives"
            " by each day than its baseline, so this pack shows what the intervention does"
            " itself; the elective work freed beds could take is not in it (run with"
            " experiment.freed_capacity=use or both for that). Looser admission and discharge"
            " thresholds still take part of the freed beds. Cash is released only where beds"
            " close."
        )
    out = [
        capacity,
        hospital_assumption(hospital, cfg.get("place", {})),
        elective_assumption(cfg.get("outcomes", {})),
        population_assumption(population, cfg.get("place", {}), cfg.get("social_care", {})),
        price_base(run),
        "Community and virtual-ward staff must be recruited before capacity opens; transition"
        " funding, where set, is a grant outside the system's net cost.",
        "Every parameter, its value and its source are listed in docs/parameters.md; the"
        " validation against published figures is in docs/validation.md.",
    ]
    return out


GLOSSARY = [
    ("A&E / ED", "accident and emergency department (the same thing)"),
    ("ED boarding", "hours patients wait in A&E after the decision to admit, for a bed"),
    ("G&A beds", "general and acute hospital beds (not maternity, mental health or critical care)"),
    ("ICB", "integrated care board: the NHS commissioner that pays providers"),
    (
        "IMD Q1..Q5",
        "fifths of the population by the Index of Multiple Deprivation, Q1 most deprived",
    ),
    ("QALY", "quality-adjusted life-year: a year in full health"),
    (
        "net monetary benefit",
        "QALYs valued at £ per QALY, minus the extra cost; below 0 = poor value",
    ),
    ("quadrant", "north-east: more health for more cost; south-east: more health for less cost"),
    ("transition funding", "a national grant for the first years; it lowers the local cost"),
    ("replication", "one simulated run; paired replications share their random numbers"),
]


def provenance_rows(run: Run) -> list[tuple[str, str]]:
    """Which run made the pack: experiment, place, replications, seed, version, commit."""
    m, s = run.manifest, run.summary
    cfg = run.config
    description = cfg.get("experiment", {}).get("description", "")
    base = s["arms"]["baseline"]
    made = datetime.fromtimestamp((run.results / "manifest.json").stat().st_mtime, UTC)
    return [
        ("experiment", f"{s.get('experiment')}: {description}"),
        ("compared with", "the same place without the intervention (baseline), paired seeds"),
        (
            "place",
            f"{s.get('place')}: {base.get('population_mean', math.nan):,.0f} people,"
            f" {base.get('general_acute_beds', math.nan):,.0f} G&A beds",
        ),
        ("replications", str(s.get("replications"))),
        ("horizon", f"{cfg.get('run', {}).get('horizon_years')} years"),
        ("master seed", str(m.get("master_seed"))),
        ("leftshift version", str(m.get("leftshift_version"))),
        (
            "git commit",
            str(m.get("git_commit"))
            + (
                " (uncommitted changes: not reproducible, do not cite)"
                if str(m.get("git_commit", "")).endswith("-dirty")
                else ""
            ),
        ),
        ("run finished", made.strftime("%Y-%m-%d %H:%M UTC")),
        ("results folder", str(run.results)),
        ("pack made", date.today().isoformat()),
    ]


def elective_assumption(outcomes: dict[str, Any]) -> str:
    """How elective care counts in the QALYs: the gain per spell and the harm of waiting."""
    gain = outcomes.get("elective_qaly_gain_per_spell", {}).get("mean")
    decline = outcomes.get("waiting_utility_decline_per_month", {}).get("mean")
    if gain is None or decline is None:  # a run directory from before the elective gain
        return (
            "Elective admissions carry no QALY gain and waiting carries no harm in this run,"
            " though the cost of extra elective work is counted."
        )
    return (
        f"Each elective operation gains {gain:g} QALYs over the patient's lifetime (discounted),"
        " counted when it happens: an assumption with a wide range (0 to 2.77, a hip"
        " replacement), as no average across specialties has been published. While waiting,"
        f" quality of life falls {decline:g} a month (hip and knee patients, Bone Joint J"
        " 2021). A patient removed from the list untreated, or still waiting at the end, gains"
        " nothing; the lifetime harm of a late operation is not counted."
    )


def _data_uri(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode()


def prices(run: Run) -> str:
    """The price base of a money table's title, e.g. "2024/25 prices"."""
    return f"{run.config.get('finance', {}).get('price_year', 'n/a')} prices"


def price_base(run: Run) -> str:
    """What the pounds are: the price year, and how costs were brought to it."""
    year = run.config.get("finance", {}).get("price_year", "n/a")
    if year == PRICE_BASE:
        return (
            f"Money is in pounds at {year} prices (finance.price_year): every unit cost is"
            " inflated from its source's year with the NHS Cost Inflation Index"
            " (docs/model.md, Money). Both arms use the same prices."
        )
    return (
        f"Money is in pounds at {year} prices (finance.price_year), not inflated; this run"
        " predates the single price base and a few unit costs are from other years. Both arms"
        " use the same prices."
    )


def context(run: Run) -> dict[str, Any]:
    """Everything the templates show."""
    s = run.summary
    description = run.config.get("experiment", {}).get("description") or s.get("experiment")
    hospital = hospital_parts(run)
    summary_points = [
        cost_sentence(run, short=True),
        break_even_sentence(run, short=True),
        hospital["beds"],
        hospital["closures"],
        hospital["list"],
        hospital["waits"],
        " ".join(value_sentences(run, short=True)),
        carries_value_sentence(run),
        who_pays_sentence(run, short=True),
        *inequality_sentences(run)[:1],
    ]
    variant = (
        FREED_BEDS["idle"]
        if run.freed_beds_idle
        else FREED_BEDS["use"]
        if run.two_decisions
        else ""
    )
    return {
        "title": f"{description}{f' ({variant})' if variant else ''}: the board summary",
        "experiment": s.get("experiment"),
        "place": s.get("place"),
        "precision": precision_note(run),
        "price_base": price_base(run),
        "summary_points": [p for p in summary_points if p],
        "pages": pages(run),
        "assumptions": assumptions(run),
        "glossary": GLOSSARY,
        "provenance": provenance_rows(run),
    }


def render(run: Run, out: Path) -> list[Path]:
    """Write the HTML, Markdown, figures, CSV and Excel files of the pack into ``out``."""
    ctx = context(run)
    figures = sorted({f for page in ctx["pages"] for f in page.figures})
    (out / "figures").mkdir(parents=True)
    (out / "tables").mkdir()
    for name in figures:
        shutil.copy2(run.results / name, out / "figures" / name)
    images = {name: _data_uri(run.results / name) for name in figures}
    html = TEMPLATES.get_template("board_pack.html.j2").render(**ctx, images=images)
    markdown = TEMPLATES.get_template("board_pack.md.j2").render(**ctx)
    (out / "board_pack.html").write_text(html)
    (out / "board_pack.md").write_text(markdown)
    tables = [t for page in ctx["pages"] for t in page.tables]
    with pd.ExcelWriter(out / "board_pack.xlsx", engine="openpyxl") as workbook:
        for t in tables:
            t.data.to_csv(out / "tables" / f"{t.key}.csv", index=False)
            t.data.to_excel(workbook, sheet_name=t.key[:31], index=False)
        pd.DataFrame(ctx["provenance"], columns=["item", "value"]).to_excel(
            workbook, sheet_name="provenance", index=False
        )
    return [out / "board_pack.html", out / "board_pack.md", out / "board_pack.xlsx"]


def find_chromium() -> str | None:
    """The Chromium to print with: ``LEFTSHIFT_CHROMIUM``, else the first one on the PATH."""
    chosen = os.environ.get("LEFTSHIFT_CHROMIUM")
    if chosen:
        return chosen if shutil.which(chosen) else None
    return next((path for name in CHROMIUM_NAMES if (path := shutil.which(name))), None)


def print_pdf(html: Path, pdf: Path, chromium: str) -> None:
    """Print ``html`` to ``pdf`` with headless Chromium (page size and breaks from its CSS)."""
    with tempfile.TemporaryDirectory(prefix="leftshift-chromium-") as profile:
        command = [
            chromium,
            "--headless",
            "--disable-gpu",
            "--no-sandbox",  # root in containers; the page is our own local file
            f"--user-data-dir={profile}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}",
            html.resolve().as_uri(),
        ]
        done = subprocess.run(command, capture_output=True, text=True, timeout=PDF_TIMEOUT_S)
    if done.returncode != 0 or not pdf.is_file() or pdf.stat().st_size == 0:
        raise PackError(
            f"Chromium could not print the PDF (exit {done.returncode}):"
            f" {done.stderr.strip()[-500:]}"
        )


def arm_folders(run_dir: Path) -> dict[str, Path]:
    """The results folder of each pack to make: one, or one per arm of a multi-arm run."""
    results = run_dir / RESULTS_DIR
    summary = json.loads((results / "summary.json").read_text())
    if "scenarios" in summary:  # experiment.arms: each arm against the shared baseline
        return {arm: results / arm for arm in summary["scenarios"]}
    return {"": results}


def make_pack(run_dir: str | Path, pdf: bool = True) -> tuple[list[Path], list[str]]:
    """Write ``run_dir/report/`` (``report/<arm>/`` for each arm of a multi-arm run).

    Returns the folders of the packs and notes on anything left out.
    """
    run_dir = Path(run_dir)
    if not is_complete(run_dir):
        raise PackError(
            f"{run_dir} holds no complete results (no {RESULTS_DIR}/manifest.json, or a FAILED"
            " marker): give the folder a finished run printed as 'Results: <folder>/results'"
        )
    runs = {arm: load_run(folder) for arm, folder in arm_folders(run_dir).items()}
    top = json.loads((run_dir / RESULTS_DIR / "summary.json").read_text())
    for run in runs.values():  # a freed_capacity=both run: both packs show the two decisions
        run.two_decisions = top.get("two_decisions")
    notes = []
    chromium = find_chromium() if pdf else None
    if pdf and chromium is None:
        notes.append(
            "PDF not made: no Chromium found (apt-get install chromium, or set"
            " LEFTSHIFT_CHROMIUM); print board_pack.html from a browser instead"
        )
    partial = Path(tempfile.mkdtemp(prefix=PARTIAL_PREFIX, dir=run_dir))
    partial.chmod(0o755)  # mkdtemp makes it private; the pack is for sharing
    final = run_dir / REPORT_DIR
    try:
        for arm, run in runs.items():
            out = partial / arm if arm else partial
            out.mkdir(exist_ok=True)
            render(run, out)
            if chromium is not None:
                print_pdf(out / "board_pack.html", out / "board_pack.pdf", chromium)
        old = None
        if final.exists():
            old = Path(tempfile.mkdtemp(prefix=".report-old-", dir=run_dir))
            final.rename(old / REPORT_DIR)
        partial.rename(final)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return [final / arm if arm else final for arm in runs], notes


USAGE = (
    "usage: leftshift report RUN_DIR [--no-pdf]\n"
    "  the board pack of a finished experiment (a scenario against its baseline), written to\n"
    "  RUN_DIR/report/ (report/<arm>/ for each arm of a multi-arm run) as\n"
    f"  {BOARD_PACK_FORMATS};\n"
    "  --no-pdf leaves out the PDF.\n"
    "  RUN_DIR is the folder a run printed as 'Results: RUN_DIR/results'"
)


def report_command(args: list[str]) -> int:
    """``leftshift report RUN_DIR [--no-pdf]``."""
    if "-h" in args or "--help" in args:
        print(USAGE)
        return 0
    flags = [a for a in args if a.startswith("-")]
    given = [a for a in args if not a.startswith("-")]
    if len(given) != 1 or set(flags) - {"--no-pdf"}:
        print(USAGE, file=sys.stderr)
        return 2
    run_dir = Path(given[0])
    if run_dir.name == RESULTS_DIR:
        run_dir = run_dir.parent  # the folder the run printed
    try:
        folders, notes = make_pack(run_dir, pdf="--no-pdf" not in flags)
    except PackError as exc:
        print(f"leftshift report: {exc}", file=sys.stderr)
        return 2
    for folder in folders:
        print(f"Board pack: {folder / 'board_pack.html'}")
        for name in ("board_pack.pdf", "board_pack.md", "board_pack.xlsx"):
            if (folder / name).is_file():
                print(f"            {folder / name}")
        print(f"Tables (CSV): {folder / 'tables'}")
    for note in notes:
        print(f"note: {note}")
    return 0

"""Console text: the headline a run prints, from its summary (what a board member reads first)."""

import re
from typing import Any

import numpy as np

from leftshift.model import metrics


def headline(summary: dict) -> list[str]:
    """The lines printed after a run: each arm's headline, then the experiment's differences.

    A number the run could not give (null in summary.json) is printed as n/a, and whatever
    is not available (a figure not drawn, an analysis not made) is listed with the reason.
    """
    lines = [
        re.sub(r"(?<![\w.])-?nan%?", "n/a", line) for line in _headline(_nan_for_null(summary))
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
    return lines


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


def _headline(summary: dict) -> list[str]:
    lines = []
    for arm, s in summary["arms"].items():
        lines.append(f"  {arm}:")
        lines.append(
            f"    mean G&A occupancy {s['mean_occupancy']:.1%}; emergency admissions"
            f" {s['emergency_admissions_per_1000_per_year']:.1f} and bed-days"
            f" {s['bed_days_per_1000_per_year']:.0f} per 1,000 a year"
        )
        lines.append(
            f"    waiting list {s['waiting_list_year_1']:,.0f} (year 1) ->"
            f" {s['waiting_list_final_year']:,.0f} (final year); under 18 weeks"
            f" {s['waiting_list_18wk_share']:.0%}; ED boarding"
            f" {s['ed_boarding_hours_per_year']:,.0f} hours a year"
        )
        share = s.get("ed_waits_4h_plus_share")
        if share is not None and np.isfinite(share):  # undefined with no admission via ED
            lines.append(
                f"    admissions via ED that waited 4 hours or more from the decision to admit"
                f" {s['ed_waits_4h_plus_share']:.1%}, 12 hours or more"
                f" {s['ed_waits_12h_plus_share']:.1%}; occupancy at midnight"
                f" {s['mean_occupancy_midnight']:.1%}"
            )
        if s["delayed_discharge_patients_mean"] > 0:
            lines.append(
                f"    delayed discharges {s['delayed_discharge_patients_mean']:,.0f} patients on"
                f" an average day ({s['delayed_discharge_share_of_occupied_beds']:.1%} of"
                " occupied beds)"
            )
    comp = summary.get("comparison_by_year")
    if comp:
        if summary.get("replications", 2) < 2:
            how = "one replication: the figures include chance; set run.replications for more"
        else:
            how = "mean of paired replications"
        lines.append(f"  scenario vs baseline, by reporting year ({how}):")
        for metric, label in (
            (metrics.BED_DAYS, "bed-days"),
            (metrics.ED_BOARDING_HOURS, "ED boarding"),
            (metrics.WAITING_LIST_SIZE, "waiting list"),
            (metrics.ADMISSIONS_ELECTIVE, "elective admissions"),
            (metrics.ADMISSIONS_COPD_EXACERBATION, "COPD exacerbations"),
            (metrics.ADMISSIONS_HEART_FAILURE, "HF admissions"),
            (metrics.PEOPLE_COPD_SEVERE, "people GOLD 3-4"),
            (metrics.PEOPLE_HEART_FAILURE_SEVERE, "people NYHA III-IV"),
            (metrics.PEOPLE_FRAILTY_SEVERE, "people severely frail"),
            (metrics.PEOPLE_IN_A_SEVERE_STATE, "people in any of these"),
            (metrics.DELAYED_DISCHARGE_PATIENTS, "delayed discharges"),
        ):
            if metric not in comp or not any(r["baseline"] for r in comp[metric]):
                continue  # e.g. delayed discharges with social_care.delayed_discharges off
            rel = " ".join(
                f"{r['relative']:+.1%}" if np.isfinite(r["relative"]) else "  n/a"
                for r in comp[metric]
            )
            lines.append(f"    {label:22s} {rel}")
        reached = comp[metrics.PEOPLE_REACHED_PROACTIVE_CARE]
        if any(r["difference"] for r in reached):
            lines.append("  proactive care in the scenario (mean by year):")
            for metric, label in (
                (metrics.PROACTIVE_CARE_WTE_FUNDED, "staff WTE funded"),
                (metrics.PROACTIVE_CARE_WTE_IN_POST, "staff WTE in post"),
                (metrics.PROACTIVE_CARE_WTE_PRODUCTIVE, "staff WTE productive"),
                (metrics.PEOPLE_REACHED_PROACTIVE_CARE, "people reached"),
            ):
                lines.append(
                    f"    {label:22s} "
                    + " ".join(f"{r['baseline'] + r['difference']:,.0f}" for r in comp[metric])
                )
        if "virtual_wards" in summary:
            lines += _virtual_ward_lines(summary["virtual_wards"])
        bf = summary["backfill"]
        shares = bf["share_of_avoided_bed_days"]
        if shares.get("released_bed_days") is not None:
            lines.append(
                "  of the emergency bed-days avoided: "
                + ", ".join(
                    f"{v:.0%} {k.replace('backfilled_by_', 'refilled by ').replace('_', ' ')}"
                    for k, v in shares.items()
                )
            )
        lines.append(f"  backfill ran out: {bf['backfill_ran_out']['text']}")
        lines.append(
            f"  waiting list below {bf['list_cleared_fraction']:.0%} of baseline's in a month:"
            f" {bf['waiting_list_cleared']['text']}"
        )
        lines += _money_lines(summary["money"])
        lines += _econ_lines(summary["economic_evaluation"])
    return lines


def _virtual_ward_lines(vw: dict) -> list[str]:
    """Virtual beds and their use by year, the inequality split and the acute case mix."""
    by_year = vw["by_year"]

    def row(label: str, fmt, key) -> str:
        return f"    {label:28s} " + " ".join(fmt(r, key) for r in by_year)

    def number(r, key):
        return f"{r[key]:>6,.0f}"

    def share(r, key):
        return f"{r[key]:>6.0%}" if r[key] is not None else "   n/a"

    lines = [
        "  virtual wards (scenario, mean by reporting year):",
        row("beds funded", number, "beds_funded"),
        row("beds staffed", number, "beds_available"),
        row("occupancy", share, "occupancy"),
        row("step-up instead of admission", number, "admissions_step_up_avoided"),
        row("step-up, not otherwise admitted", number, "admissions_step_up_additional"),
        row("step-down", number, "admissions_step_down"),
        row("escalated back to hospital", number, "escalations"),
        row("acute bed-days freed", number, "acute_bed_days_freed"),
    ]
    q = vw["by_quintile"]
    lines.append(
        "    per 1,000 a year, Q1 (most deprived) .. Q5: virtual-ward admissions "
        + " ".join(f"{q[k]['vw_admissions_per_1000_a_year']:.1f}" for k in q)
        + "; acute admissions avoided "
        + " ".join(f"{q[k]['admissions_avoided_per_1000_a_year']:.2f}" for k in q)
    )
    lines.append(
        "    referred but turned away (no digital access or unsuitable home), per 1,000 a year:"
        " " + " ".join(f"{q[k]['referrals_excluded_per_1000_a_year']:.2f}" for k in q)
    )
    lines.append(
        "    acute admissions avoided per 100 of the quintile's emergency admissions"
        " (relative to need), Q1 .. Q5: "
        + " ".join(f"{q[k]['admissions_avoided_per_100_emergency_admissions']:.2f}" for k in q)
    )
    b, s = vw["case_mix"]["baseline"], vw["case_mix"]["scenario"]
    lines.append(
        "    acute case mix, baseline -> scenario: complex share of emergency admissions"
        f" {b['complex_share_of_emergency_admissions']:.1%} ->"
        f" {s['complex_share_of_emergency_admissions']:.1%}; mean emergency stay"
        f" {b['mean_emergency_stay_days']:.2f} -> {s['mean_emergency_stay_days']:.2f} days"
        f" ({b['mean_emergency_stay_before_delay_days']:.2f} ->"
        f" {s['mean_emergency_stay_before_delay_days']:.2f} before any wait for a care place);"
        f" acute spend per spell GBP {b['acute_spend_per_spell_gbp']:,.0f} ->"
        f" {s['acute_spend_per_spell_gbp']:,.0f}; margin per spell GBP"
        f" {b['acute_margin_per_spell_gbp']:,.0f} -> {s['acute_margin_per_spell_gbp']:,.0f}"
    )
    return lines


ONE_REPLICATION = "(one replication: no interval)"


def _ci(x: dict, scale: float = 1.0, fmt: str = ",.1f") -> str:
    if not np.isfinite(x["ci_low"]):
        return f"{x['mean'] / scale:{fmt}} {ONE_REPLICATION}"
    return (
        f"{x['mean'] / scale:{fmt}} (95% CI {x['ci_low'] / scale:{fmt}} to"
        f" {x['ci_high'] / scale:{fmt}})"
    )


def _econ_lines(e: dict) -> list[str]:
    """Incremental cost and QALYs, ICER, NMB, break-even and replication guidance."""
    psa = ", PSA" if e["psa"] else ""
    lines = [
        f"  economic evaluation ({e['perspective'].split(' (')[0]}, discounted"
        f" {e['discount_rate']:.1%}, {e['replications']} replications{psa}):",
        f"    incremental cost GBP m {_ci(e['incremental_cost_gbp'], 1e6)}",
        f"    incremental QALYs {_ci(e['incremental_qalys'], fmt=',.0f')}",
    ]
    icer, ci = e["icer_gbp_per_qaly"], e["icer_ci95"]
    one = e["replications"] < 2
    if one:
        interval = f" {ONE_REPLICATION}"
    elif ci:
        interval = f" (95% CI {ci[0]:,.0f} to {ci[1]:,.0f})"
    else:
        interval = " (no interval: the QALY interval includes zero)"
    decision = e.get("decision")
    if decision and decision["quadrant"] in ("north-east", "south-west"):
        lines.append(f"    on average the scenario {decision['sentence']}")
        where = f"{decision['quadrant']} quadrant"
        lines.append(f"    ICER GBP {icer:,.0f} per QALY, {where}{interval}")
    elif decision:
        lines.append(f"    on average the scenario {decision['sentence']}; no ICER is needed")
    else:
        lines.append(f"    ICER GBP {icer:,.0f} per QALY{interval}")
    for wtp, nmb in e["net_monetary_benefit_gbp"].items():
        p = e["probability_cost_effective"][wtp]
        lines.append(
            f"    net monetary benefit at GBP {float(wtp):,.0f}/QALY: GBP m {_ci(nmb, 1e6)}"
            + ("" if one else f"; probability cost-effective {p:.0%}")
        )
    be = e["break_even"]
    lines.append(
        f"    break-even (cumulative, no grant): median {be['median']}, 95% range"
        f" {be['range_95'][0]} to {be['range_95'][1]}"
    )
    g = e["replication_guidance"]
    needs = {k: v["replications_needed"] for k, v in g["metrics"].items()}
    needs_text = "; ".join(f" {k} {v:,}" if v else f" {k} n/a" for k, v in needs.items())
    if g.get("not_estimated"):
        needs_text = f" not estimated, {g['not_estimated']}"
    lines.append(
        f"    replications for a {g['target_relative_precision']:.0%} half-width:{needs_text}"
    )
    return lines


def _money_lines(money: dict) -> list[str]:
    """Double running by financial year, the investment gap, break-even, decommissioning."""
    lines = ["  system net cost, scenario minus baseline (GBP m a year; + = costs more):"]
    for label, text in (
        ("without_transition_funding", "without transition funding"),
        ("with_transition_funding", "with transition funding"),
    ):
        m = money[label]
        by_year = " ".join(f"{v / 1e6:+.1f}" for v in m["incremental_net_cost_gbp"].values())
        lines.append(f"    {text:27s} {by_year}")
        lines.append(
            f"      peak investment gap GBP {m['peak_investment_gap_gbp'] / 1e6:.1f} m;"
            f" break-even (cumulative): {m['break_even_year']}"
        )
    if "decommissioning_needs" in money:
        lines.append(f"  what decommissioning would need: {money['decommissioning_needs']['text']}")
    return lines

"""One analysis bundle per experiment: every table and summary the report writes, computed once.

:func:`analyse` takes an experiment's results and computes the comparison, backfill, money,
the wards the scenario closed, the decommissioning search, economic evaluation and virtual-ward
report. The report layer then writes and draws the bundle; it never computes or runs the model
itself.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from leftshift.analysis.beds_avoided import beds_avoided, trajectory
from leftshift.analysis.decommissioning import closures_report, decommissioning_table
from leftshift.analysis.economics import economic_evaluation
from leftshift.analysis.experiment import ExperimentResults, freed_capacity_summary
from leftshift.analysis.money import by_organisation_and_year, money_comparison
from leftshift.analysis.virtual_ward_report import virtual_ward_report
from leftshift.config import Config
from leftshift.model import metrics
from leftshift.model.invariants import InvariantError

#: metrics whose paired year-by-year differences go into the summary
SUMMARY_COMPARISON_METRICS = (
    metrics.BED_DAYS,
    metrics.ADMISSIONS_EMERGENCY,
    metrics.ADMISSIONS_ELECTIVE,
    metrics.ED_BOARDING_HOURS,
    metrics.WAITING_LIST_SIZE,
    metrics.OCCUPANCY,
    metrics.ADMISSIONS_COPD_EXACERBATION,
    metrics.ADMISSIONS_HEART_FAILURE,
    metrics.PEOPLE_COPD_SEVERE,
    metrics.PEOPLE_HEART_FAILURE_SEVERE,
    metrics.PEOPLE_FRAILTY_SEVERE,
    metrics.PEOPLE_IN_A_SEVERE_STATE,
    metrics.PEOPLE_REACHED_PROACTIVE_CARE,
    metrics.PROACTIVE_CARE_WTE_FUNDED,
    metrics.PROACTIVE_CARE_WTE_IN_POST,
    metrics.PROACTIVE_CARE_WTE_PRODUCTIVE,
    metrics.OPEN_BEDS,
    metrics.DELAYED_DISCHARGE_PATIENTS,
)


@dataclass
class ScenarioAnalysis:
    """What only an experiment (a scenario against its baseline) has."""

    #: paired comparison by metric and reporting year
    comparison: pd.DataFrame
    backfill: dict[str, Any]
    money: pd.DataFrame
    money_summary: dict[str, Any]
    econ_per_replication: pd.DataFrame
    econ_summary: dict[str, Any]
    ceac: pd.DataFrame
    #: the virtual-ward report, when the scenario funds virtual beds
    virtual_wards: dict[str, Any] | None = None
    #: the decommissioning search's table, when report.decommission_search is on
    decommissioning: pd.DataFrame | None = None
    #: beds needed by each arm and beds avoided, by reporting year (cost avoidance, not cash)
    beds_avoided: pd.DataFrame | None = None


@dataclass
class AnalysisBundle:
    """Everything computed from one experiment, ready to write and draw."""

    results: ExperimentResults
    monthly: pd.DataFrame
    ledger: pd.DataFrame
    organisations: pd.DataFrame
    #: yearly value of each compared metric (tidy: arm, replication, period, metric, value)
    yearly: pd.DataFrame
    psa_samples: pd.DataFrame | None = None
    #: None for a baseline-only run
    scenario: ScenarioAnalysis | None = None
    #: summary.json's content (without the provenance the report adds)
    summary: dict[str, Any] = field(default_factory=dict)
    #: what could not be computed from this run's data, and why (``key``, ``reason``)
    not_available: list[dict[str, str]] = field(default_factory=list)

    @property
    def config(self) -> Config:
        """The experiment's (scenario) config."""
        return self.results.config

    @property
    def comparison(self) -> pd.DataFrame:
        """The paired comparison (empty for a baseline-only run)."""
        return pd.DataFrame() if self.scenario is None else self.scenario.comparison


def analyse(
    results: ExperimentResults,
    progress: Callable[[int, int], None] | None = None,
    checkpoint_dir: Path | None = None,
) -> AnalysisBundle:
    """Compute every table and summary of an experiment.

    ``progress`` reports the extra runs of the decommissioning search, when there is one;
    those runs keep and reuse their replications in ``checkpoint_dir`` when it is given.
    """
    cfg = results.config
    monthly = results.monthly()
    ledger = results.ledger()
    organisations = by_organisation_and_year(ledger, monthly)
    yearly = results.yearly().melt(
        id_vars=["arm", "replication", "reporting_year"], var_name="metric", value_name="value"
    )
    bundle = AnalysisBundle(
        results=results,
        monthly=monthly,
        ledger=ledger,
        organisations=organisations,
        yearly=yearly.rename(columns={"reporting_year": "period"}),
        psa_samples=results.psa_samples() if cfg.run.psa else None,
    )
    comparison = results.comparison()
    summary: dict[str, Any] = {
        "master_seed": cfg.run.seed,
        "place": cfg.place.name,
        "experiment": cfg.experiment.name,
        "replications": cfg.run.replications,
        "arms": {
            arm: _mean_summary([o.summary for o in results.outputs if o.arm == arm])
            for arm in results.arm_names
        },
    }
    if results.freed_capacity == "idle":
        summary["freed_capacity"] = freed_capacity_summary()
    missing = bundle.not_available
    by_year = _attempt(missing, "by_year", lambda: trajectory(cfg, monthly))
    if by_year is not None:
        summary["by_year"] = by_year
    if not comparison.empty:
        backfill = results.backfill()
        summary["comparison_by_year"] = _comparison_summary(comparison)
        summary["backfill"] = {k: v for k, v in backfill.items() if k != "monthly"}
        vw_report = _attempt(missing, "virtual_wards", lambda: virtual_ward_report(monthly, ledger))
        if vw_report:
            summary["virtual_wards"] = vw_report
        money, money_summary = money_comparison(ledger, monthly)
        summary["money"] = money_summary
        avoided = _attempt(missing, "beds_avoided", lambda: beds_avoided(cfg, monthly))
        beds_table = None
        if avoided is not None:
            beds_table, summary["beds_avoided"] = avoided
        if cfg.interventions.decommissioning.rule != "none":  # absent otherwise
            closures = _attempt(missing, "decommissioning", lambda: closures_report(cfg, monthly))
            if closures is not None:
                summary["decommissioning"] = closures
        table = None
        if cfg.report.decommission_search:
            found = _attempt(
                missing,
                "money.decommissioning_needs",
                lambda: decommissioning_table(cfg, results, progress, checkpoint_dir),
            )
            if found is not None:
                table, summary["money"]["decommissioning_needs"] = found
        evaluation = _attempt(
            missing, "economic_evaluation", lambda: economic_evaluation(cfg, results)
        )
        per_rep, econ, curve = evaluation or (pd.DataFrame(), {}, pd.DataFrame())
        if evaluation is not None:
            summary["economic_evaluation"] = econ
        bundle.scenario = ScenarioAnalysis(
            comparison=comparison,
            backfill=backfill,
            money=money,
            money_summary=money_summary,
            econ_per_replication=per_rep,
            econ_summary=econ,
            ceac=curve,
            virtual_wards=vw_report or None,
            decommissioning=table,
            beds_avoided=beds_table,
        )
    summary["finance_by_organisation"] = _organisation_summary(organisations)
    bundle.summary = summary
    return bundle


def _attempt(missing: list[dict[str, str]], key: str, step: Callable[[], Any]) -> Any:
    """Run one optional analysis step; on failure note ``key`` as not available and go on.

    A finished simulation is worth keeping even when one derived table cannot be made from it.
    A broken model invariant is never hidden: :class:`InvariantError` still fails the run.
    """
    try:
        return step()
    except InvariantError:
        raise
    except Exception as exc:  # noqa: BLE001  (reported in summary.json and on the console)
        missing.append({"key": key, "reason": f"error: {type(exc).__name__}: {exc}"})
        return None


def _mean_summary(summaries: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in summaries[0].items():
        if isinstance(value, dict):
            out[key] = _mean_summary([s[key] for s in summaries])
        elif isinstance(value, int | float) and not isinstance(value, bool):
            out[key] = float(sum(s[key] for s in summaries) / len(summaries))
        else:
            out[key] = value
    return out


def _comparison_summary(comparison: pd.DataFrame) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for metric in SUMMARY_COMPARISON_METRICS:
        rows = comparison[comparison["metric"] == metric]
        out[metric] = [
            {
                "reporting_year": int(r.reporting_year),
                "baseline": float(r.baseline_mean),
                "difference": float(r.mean_difference),
                "ci95": [float(r.ci_low), float(r.ci_high)],
                "relative": float(r.relative_difference),
            }
            for r in rows.itertuples()
        ]
    return out


def _organisation_summary(table: pd.DataFrame) -> dict[str, Any]:
    """Net cost by arm, financial year and organisation (mean over replications)."""
    out: dict[str, Any] = {}
    for r in table.itertuples():
        out.setdefault(r.arm, {}).setdefault(str(r.financial_year), {})[str(r.organisation)] = {
            "spend_gbp": float(r.spend),
            "income_gbp": float(r.income),
            "net_cost_gbp": float(r.net_cost),
        }
    return out

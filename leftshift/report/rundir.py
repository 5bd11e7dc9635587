"""Write an experiment's results into a run directory, atomically.

Everything is written into ``<run_dir>/.results-partial/`` and renamed to ``<run_dir>/results/``
only when complete; a failed or interrupted run leaves ``<run_dir>/FAILED`` (with the reason)
and no ``results/`` directory, so nothing half-written can be read as a result. Use
:func:`is_complete` before reading a run directory.
"""

import json
import platform
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import pandas as pd
import yaml

import leftshift
from leftshift.analysis.economics import (
    by_organisation_and_year,
    decommissioning_table,
    economic_evaluation,
    money_comparison,
)
from leftshift.analysis.experiment import ExperimentResults, run_experiment
from leftshift.config import Config, to_container
from leftshift.model.virtual_ward import virtual_ward_report
from leftshift.report.figures import (
    backfill_figure,
    ce_plane_figure,
    ceac_figure,
    double_running_figure,
    incremental_qalys_figure,
    occupancy_figure,
    organisation_figure,
    population_health_figure,
    stage_mix_figure,
    virtual_ward_figure,
    waiting_list_figure,
)

RESULTS_DIR = "results"
PARTIAL_DIR = ".results-partial"
FAILED_MARKER = "FAILED"
DEPENDENCIES = (
    "simpy",
    "numpy",
    "pandas",
    "pyarrow",
    "scipy",
    "matplotlib",
    "hydra-core",
    "omegaconf",
    "joblib",
)


def is_complete(run_dir: str | Path) -> bool:
    """True only for a run directory whose results were written in full."""
    run_dir = Path(run_dir)
    return (run_dir / RESULTS_DIR / "manifest.json").is_file() and not (
        run_dir / FAILED_MARKER
    ).exists()


def provenance() -> dict[str, Any]:
    """Package version, git commit and dependency versions, for the manifest."""
    versions = {}
    for name in DEPENDENCIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    commit = None
    try:
        repo = Path(leftshift.__file__).resolve().parents[1]
        out = subprocess.run(
            ["git", "-C", str(repo), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        dirty = subprocess.run(
            ["git", "-C", str(repo), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        if out.returncode == 0:
            commit = out.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        commit = None
    return {
        "leftshift_version": leftshift.__version__,
        "git_commit": commit,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "dependencies": versions,
    }


def write_results(results: ExperimentResults, directory: Path, progress=None) -> dict[str, Any]:
    """Write every table, figure and the summary of an experiment into ``directory``.

    ``progress`` reports the extra runs of the decommissioning search, when there is one.
    """
    cfg = results.config
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "config.yaml").write_text(yaml.safe_dump(to_container(cfg), sort_keys=False))
    monthly = results.monthly()
    monthly.to_parquet(directory / "monthly.parquet", index=False)
    for arm in results.arm_names:
        full = results.full(arm)
        for name in ("episodes", "presentations", "referrals", "prevalence"):
            getattr(full, name).to_parquet(directory / f"{name}_{arm}.parquet", index=False)
    ledger = results.ledger()
    ledger.to_parquet(directory / "ledger.parquet", index=False)
    organisations = by_organisation_and_year(ledger)
    organisations.to_parquet(directory / "finance_by_organisation.parquet", index=False)
    prov = provenance()
    summary: dict[str, Any] = {
        "leftshift_version": prov["leftshift_version"],
        "git_commit": prov["git_commit"],
        "master_seed": cfg.run.seed,
        "place": cfg.place.name,
        "experiment": cfg.experiment.name,
        "replications": cfg.run.replications,
        "arms": {},
    }
    for arm in results.arm_names:
        reps = [o.summary for o in results.outputs if o.arm == arm]
        summary["arms"][arm] = _mean_summary(reps)
    figures = {
        "occupancy.png": occupancy_figure(monthly, cfg.hospital.elective_threshold, cfg.place.name),
        "waiting_list.png": waiting_list_figure(monthly, cfg.place.name),
        "stage_mix.png": stage_mix_figure(monthly, cfg.place.name),
    }
    yearly = results.yearly().melt(
        id_vars=["arm", "replication", "reporting_year"], var_name="metric", value_name="value"
    )
    yearly.rename(columns={"reporting_year": "period"}).to_parquet(
        directory / "comparison.parquet", index=False
    )
    if cfg.run.psa:
        results.psa_samples().to_parquet(directory / "psa_samples.parquet", index=False)
    comparison = results.comparison()
    figures["population_health.png"] = population_health_figure(monthly, cfg.place.name, comparison)
    if not comparison.empty:
        comparison.to_parquet(directory / "comparison_summary.parquet", index=False)
        backfill = results.backfill()
        backfill["monthly"].to_parquet(directory / "backfill_monthly.parquet", index=False)
        figures["backfill.png"] = backfill_figure(backfill["monthly"], monthly, cfg.place.name)
        summary["comparison_by_year"] = _comparison_summary(comparison)
        summary["backfill"] = {k: v for k, v in backfill.items() if k != "monthly"}
        vw_report = virtual_ward_report(monthly, ledger)
        if vw_report:
            summary["virtual_wards"] = vw_report
            pd.DataFrame(vw_report["by_year"]).to_parquet(
                directory / "virtual_wards_by_year.parquet", index=False
            )
            by_q = pd.DataFrame(vw_report["by_quintile"]).T.rename_axis("imd_quintile")
            by_q.reset_index().to_parquet(directory / "virtual_wards_by_quintile.parquet")
            figures["virtual_wards.png"] = virtual_ward_figure(monthly, vw_report, cfg.place.name)
        money, money_summary = money_comparison(ledger)
        money.to_parquet(directory / "money_comparison.parquet", index=False)
        figures["double_running.png"] = double_running_figure(money, money_summary, cfg.place.name)
        figures["cost_by_organisation.png"] = organisation_figure(organisations, cfg.place.name)
        summary["money"] = money_summary
        if cfg.report.decommission_search:
            table, decommissioning = decommissioning_table(cfg, results, progress)
            table.to_parquet(directory / "decommissioning_table.parquet", index=False)
            summary["money"]["decommissioning_needs"] = decommissioning
        per_rep, econ, curve = economic_evaluation(cfg, results)
        per_rep.to_parquet(directory / "econ_by_replication.parquet", index=False)
        curve.to_parquet(directory / "ceac.parquet", index=False)
        (directory / "econ_summary.json").write_text(json.dumps(econ, indent=2, default=str))
        summary["economic_evaluation"] = econ
        wtp = list(cfg.economics.willingness_to_pay_gbp)
        figures["ce_plane.png"] = ce_plane_figure(per_rep, wtp, cfg.place.name)
        figures["ceac.png"] = ceac_figure(curve, cfg.place.name, cfg.run.psa)
        figures["incremental_qalys.png"] = incremental_qalys_figure(per_rep, cfg.place.name)
    summary["finance_by_organisation"] = _organisation_summary(organisations)
    for name, fig in figures.items():
        fig.savefig(directory / name, dpi=130)
        plt.close(fig)
    (directory / "summary.json").write_text(json.dumps(summary, indent=2, default=str))
    manifest = {
        "status": "complete",
        "seeds": sorted({o.seed for o in results.outputs}),
        "master_seed": cfg.run.seed,
        "files": sorted(p.name for p in directory.iterdir()) + ["manifest.json"],
        **prov,
    }
    (directory / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return summary


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


def _comparison_summary(comparison) -> dict[str, Any]:
    keep = [
        "bed_days",
        "admissions_emergency",
        "admissions_elective",
        "ed_boarding_hours",
        "waiting_list_size",
        "occupancy",
        "admissions_copd_exacerbation",
        "admissions_heart_failure",
        "people_copd_severe",
        "people_heart_failure_severe",
        "people_frailty_severe",
        "people_in_a_severe_state",
        "people_reached_proactive_care",
        "proactive_care_wte_funded",
        "proactive_care_wte_in_post",
        "proactive_care_wte_productive",
        "open_beds",
        "delayed_discharge_patients",
    ]
    out: dict[str, Any] = {}
    for metric in keep:
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


def _organisation_summary(table) -> dict[str, Any]:
    """Net cost by arm, financial year and organisation (mean over replications)."""
    out: dict[str, Any] = {}
    for r in table.itertuples():
        out.setdefault(r.arm, {}).setdefault(str(r.financial_year), {})[str(r.organisation)] = {
            "spend_gbp": float(r.spend),
            "income_gbp": float(r.income),
            "net_cost_gbp": float(r.net_cost),
        }
    return out


def run_to_directory(cfg: Config, run_dir: str | Path, progress=None) -> dict[str, Any]:
    """Run the experiment a config describes and write it into ``run_dir`` atomically."""
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    partial = run_dir / PARTIAL_DIR
    final = run_dir / RESULTS_DIR
    for stale in (partial, final):
        if stale.exists():
            shutil.rmtree(stale)
    (run_dir / FAILED_MARKER).unlink(missing_ok=True)
    try:
        results = run_experiment(cfg, progress=progress)
        summary = write_results(results, partial, progress)
        partial.rename(final)
        return summary
    except BaseException as exc:
        shutil.rmtree(partial, ignore_errors=True)
        (run_dir / FAILED_MARKER).write_text(f"run did not complete: {type(exc).__name__}: {exc}\n")
        raise

"""The run directory: write an analysis bundle's tables, summary and figures, atomically.

Everything is written into ``<run_dir>/.results-partial/`` and renamed to ``<run_dir>/results/``
only when complete (:func:`atomic_results`); a failed or interrupted run leaves
``<run_dir>/FAILED`` (with the reason) and no ``results/`` directory, so nothing half-written
can be read as a result. Use :func:`is_complete` before reading a run directory. Nothing here
runs the model or computes results: :mod:`leftshift.analysis.bundle` does.
"""

import datetime
import json
import logging
import math
import platform
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import yaml

import leftshift
from leftshift.analysis.bundle import AnalysisBundle
from leftshift.analysis.checkpoints import FULL_TABLES
from leftshift.config import Config, to_container
from leftshift.model.invariants import InvariantError
from leftshift.report.figure_style import RunInfo, save_figure
from leftshift.report.figures import (
    backfill_figure,
    ce_plane_figure,
    ceac_figure,
    double_running_figure,
    incremental_qalys_figure,
    occupancy_figure,
    organisation_figure,
    population_health_figure,
    proactive_care_figure,
    stage_mix_figure,
    virtual_ward_equity_figure,
    virtual_ward_figure,
    waiting_list_figure,
)

LOG = logging.getLogger(__name__)
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


class RunDirectoryError(RuntimeError):
    """A run directory cannot be used (it holds complete results of a run)."""


def is_complete(run_dir: str | Path) -> bool:
    """True only for a run directory whose results were written in full."""
    run_dir = Path(run_dir)
    return (run_dir / RESULTS_DIR / "manifest.json").is_file() and not (
        run_dir / FAILED_MARKER
    ).exists()


def provenance() -> dict[str, Any]:
    """Package version, git commit and dependency versions, for the manifest."""
    versions: dict[str, str | None] = {}
    for name in DEPENDENCIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    commit: str | None = None
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


def finite_json(value: Any, key: str = "", missing: list[dict[str, str]] | None = None) -> Any:
    """A copy of ``value`` that is strict JSON: a NaN or infinite number becomes None.

    Each such key is appended to ``missing`` with the reason (``nan``: not defined for this
    run's data, such as a ratio with nothing below it; ``inf``: a division by zero).
    """
    if isinstance(value, dict):
        return {
            k: finite_json(v, f"{key}.{k}" if key else str(k), missing) for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [finite_json(v, f"{key}[{i}]", missing) for i, v in enumerate(value)]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        if missing is not None:
            what = "nan" if math.isnan(value) else f"{value}"
            missing.append(
                {"key": key, "reason": f"not finite ({what}): undefined for this run's data"}
            )
        return None
    return value


def _write_json(path: Path, content: dict[str, Any], missing: list[dict[str, str]]) -> dict:
    """Write strict JSON (no NaN): non-finite numbers are null and listed in ``not_available``."""
    clean = finite_json(content, "", missing)
    if missing:
        clean["not_available"] = missing
    path.write_text(json.dumps(clean, indent=2, default=str, allow_nan=False))
    return clean


def write_results(bundle: AnalysisBundle, directory: Path) -> dict[str, Any]:
    """Write the tables, figures and summary of an analysed experiment into ``directory``.

    With ``run.outputs=summary`` (sweep points) the monthly, event and ledger tables and the
    figures are left out; the summaries, the yearly comparison and the money tables stay.
    """
    cfg = bundle.config
    results = bundle.results
    full_outputs = cfg.run.outputs == "full"
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "config.yaml").write_text(yaml.safe_dump(to_container(cfg), sort_keys=False))
    if full_outputs:
        bundle.monthly.to_parquet(directory / "monthly.parquet", index=False)
        for arm in results.arm_names:
            for name in FULL_TABLES:  # one table in memory at a time
                table = results.record_table(arm, name)
                table.to_parquet(directory / f"{name}_{arm}.parquet", index=False)
                del table
        bundle.ledger.to_parquet(directory / "ledger.parquet", index=False)
    bundle.organisations.to_parquet(directory / "finance_by_organisation.parquet", index=False)
    bundle.yearly.to_parquet(directory / "comparison.parquet", index=False)
    if bundle.psa_samples is not None:
        bundle.psa_samples.to_parquet(directory / "psa_samples.parquet", index=False)
    if (scen := bundle.scenario) is not None:
        scen.comparison.to_parquet(directory / "comparison_summary.parquet", index=False)
        scen.backfill["monthly"].to_parquet(directory / "backfill_monthly.parquet", index=False)
        if scen.virtual_wards:
            vw = scen.virtual_wards
            pd.DataFrame(vw["by_year"]).to_parquet(
                directory / "virtual_wards_by_year.parquet", index=False
            )
            by_q = pd.DataFrame(vw["by_quintile"]).T.rename_axis("imd_quintile")
            by_q.reset_index().to_parquet(directory / "virtual_wards_by_quintile.parquet")
        scen.money.to_parquet(directory / "money_comparison.parquet", index=False)
        if scen.beds_avoided is not None:
            scen.beds_avoided.to_parquet(directory / "beds_avoided.parquet", index=False)
        if scen.decommissioning is not None:
            scen.decommissioning.to_parquet(
                directory / "decommissioning_table.parquet", index=False
            )
        scen.econ_per_replication.to_parquet(directory / "econ_by_replication.parquet", index=False)
        scen.ceac.to_parquet(directory / "ceac.parquet", index=False)
        _write_json(directory / "econ_summary.json", scen.econ_summary, [])
    missing = list(bundle.not_available)
    prov = provenance()
    run_date = datetime.date.today().isoformat()
    if full_outputs:
        write_figures(bundle, directory, missing, run_info(bundle, prov, run_date))
    summary: dict[str, Any] = {
        "leftshift_version": prov["leftshift_version"],
        "git_commit": prov["git_commit"],
        **bundle.summary,
    }
    summary = _write_json(directory / "summary.json", summary, missing)
    for item in missing:
        # an undefined number (null) is routine; a figure or analysis not made is not
        level = logging.DEBUG if item["reason"].startswith("not finite") else logging.WARNING
        LOG.log(level, "%s not available: %s", item["key"], item["reason"])
    _write_manifest(
        directory,
        cfg,
        results,
        prov,
        not_available=[item["key"] for item in missing],
        replications_simulated=results.replications_simulated,
        replications_reused=len(results.outputs) - results.replications_simulated,
        run_date=run_date,
    )
    return summary


def _write_manifest(
    directory: Path, cfg: Config, results: Any, prov: dict[str, Any], **extra: Any
) -> None:
    """The manifest, written last: its presence marks the folder's results as complete."""
    manifest = {
        "status": "complete",
        **extra,
        "seeds": sorted({o.seed for o in results.outputs}),
        "master_seed": cfg.run.seed,
        "files": sorted(p.name for p in directory.iterdir()) + ["manifest.json"],
        **prov,
    }
    (directory / "manifest.json").write_text(json.dumps(manifest, indent=2))


def write_arms(
    cfg: Config,
    bundles: dict[str, AnalysisBundle],
    directory: Path,
    baseline_differences: dict[str, list[str]],
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A multi-arm run: each arm against the shared baseline in ``<arm>/``, and a summary.

    The top level holds the run's config, every arm's comparison in one table (with an
    ``arm`` column), a summary with each arm's summary, the keys where an arm's own
    baseline would differ from the shared one and any ``extra`` entries, and the manifest.
    """
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "config.yaml").write_text(yaml.safe_dump(to_container(cfg), sort_keys=False))
    for name, bundle in bundles.items():
        write_results(bundle, directory / name)
    comparison = pd.concat(
        [b.comparison.assign(arm=name) for name, b in bundles.items()], ignore_index=True
    )
    comparison.to_parquet(directory / "comparison_summary.parquet", index=False)
    prov = provenance()
    summary: dict[str, Any] = {
        "leftshift_version": prov["leftshift_version"],
        "git_commit": prov["git_commit"],
        "master_seed": cfg.run.seed,
        "experiment": cfg.experiment.name,
        "replications": cfg.run.replications,
        **(
            {}
            if cfg.experiment.freed_capacity == "use"
            else {"freed_capacity": cfg.experiment.freed_capacity}
        ),
        "scenarios": {name: b.summary for name, b in bundles.items()},
        "baseline_differences": baseline_differences,
        **(extra or {}),
    }
    summary = _write_json(directory / "summary.json", summary, [])
    results = next(iter(bundles.values())).results
    _write_manifest(directory, cfg, results, prov, arms=["baseline", *bundles])
    return summary


def run_info(bundle: AnalysisBundle, prov: dict[str, Any], run_date: str) -> RunInfo:
    """What the figures of a bundle say about its run (names, provenance stamp)."""
    return RunInfo.from_config(
        bundle.config, prov, is_experiment=bundle.scenario is not None, run_date=run_date
    )


def write_figures(
    bundle: AnalysisBundle,
    directory: Path,
    missing: list[dict[str, str]],
    run: RunInfo | None = None,
) -> list[str]:
    """Draw a bundle's figures, write each in ``report.figure_formats``; the file names.

    A figure that fails to save is removed and noted in ``missing``, like one not drawn.
    """
    written: list[str] = []
    rep = bundle.config.report
    for name, fig in draw_figures(bundle, missing, run).items():
        stem = Path(name).stem
        try:
            written += save_figure(fig, directory, stem, rep.figure_formats, rep.figure_dpi)
        except Exception as exc:  # noqa: BLE001  (reported, like a figure not drawn)
            missing.append({"key": name, "reason": f"error: {type(exc).__name__}: {exc}"})
            for suffix in (".png", ".svg"):
                (directory / f"{stem}{suffix}").unlink(missing_ok=True)
        finally:
            plt.close(fig)
    return written


def draw_figures(
    bundle: AnalysisBundle,
    missing: list[dict[str, str]] | None = None,
    run: RunInfo | None = None,
) -> dict[str, Any]:
    """Every figure of an analysed experiment that its data allow, by file name.

    Each figure is drawn in the house style (:mod:`leftshift.report.figure_style`) and
    stamped with ``run`` (by default this bundle's config and this code's provenance, dated
    today). A figure with nothing to show (say, proactive care in a run without any) is not
    drawn and not reported. One that cannot be drawn (an error) is left out and noted in
    ``missing`` with the reason; the others are still drawn. A broken model invariant is never
    hidden.
    """
    cfg, monthly = bundle.config, bundle.monthly
    if run is None:
        run = run_info(bundle, provenance(), datetime.date.today().isoformat())
    info = run
    comparison = bundle.comparison
    makers: dict[str, Callable[[], Any]] = {
        "occupancy.png": lambda: occupancy_figure(
            monthly, cfg.hospital.elective_threshold, info, comparison
        ),
        "waiting_list.png": lambda: waiting_list_figure(monthly, info, comparison),
        "stage_mix.png": lambda: stage_mix_figure(monthly, info),
        "proactive_care.png": lambda: proactive_care_figure(monthly, info),
        "population_health.png": lambda: population_health_figure(monthly, info, comparison),
    }
    scen = bundle.scenario
    if scen is not None:
        wtp = list(cfg.economics.willingness_to_pay_gbp)
        backfill = {k: v for k, v in scen.backfill.items() if k != "monthly"}
        makers["backfill.png"] = lambda: backfill_figure(
            scen.backfill["monthly"], monthly, info, backfill
        )
        if scen.virtual_wards:
            vw = scen.virtual_wards
            makers["virtual_wards.png"] = lambda: virtual_ward_figure(monthly, vw, info)
            makers["virtual_wards_equity.png"] = lambda: virtual_ward_equity_figure(vw, info)
        makers["double_running.png"] = lambda: double_running_figure(
            scen.money, scen.money_summary, info
        )
        makers["cost_by_organisation.png"] = lambda: organisation_figure(bundle.organisations, info)
        if scen.econ_per_replication.empty:
            for name in ("ce_plane.png", "ceac.png", "incremental_qalys.png"):
                _note(missing, name, "no economic evaluation (see economic_evaluation)")
        else:
            per_rep = scen.econ_per_replication
            n = int(per_rep["replication"].nunique())
            makers["ce_plane.png"] = lambda: ce_plane_figure(per_rep, wtp, info)
            makers["ceac.png"] = lambda: ceac_figure(scen.ceac, info, cfg.run.psa, n)
            makers["incremental_qalys.png"] = lambda: incremental_qalys_figure(per_rep, info)
    figures = {}
    for name, make in makers.items():
        open_before = set(plt.get_fignums())
        try:
            fig = make()
        except InvariantError:
            raise
        except Exception as exc:  # noqa: BLE001  (reported in summary.json and the log)
            for number in set(plt.get_fignums()) - open_before:
                plt.close(number)  # the half-drawn figure
            _note(missing, name, f"error: {type(exc).__name__}: {exc}")
            continue
        if fig is None:
            LOG.debug("%s not drawn: nothing to show in this run", name)
        else:
            figures[name] = fig
    return figures


def _note(missing: list[dict[str, str]] | None, key: str, reason: str) -> None:
    if missing is not None:
        missing.append({"key": key, "reason": f"figure not drawn: {reason}"})


@contextmanager
def atomic_results(run_dir: str | Path) -> Iterator[Path]:
    """Yield a partial results directory; rename it to ``results/`` only if the block succeeds.

    Complete results are never deleted: a folder that holds them is refused
    (:class:`RunDirectoryError`). A partial or failed attempt's leftovers are removed first. On
    any exception (an interrupt included) the partial directory is removed and ``FAILED``
    records the reason.
    """
    run_dir = Path(run_dir)
    if is_complete(run_dir):
        raise RunDirectoryError(f"{run_dir} already holds complete results; they are kept")
    run_dir.mkdir(parents=True, exist_ok=True)
    partial = run_dir / PARTIAL_DIR
    final = run_dir / RESULTS_DIR
    for stale in (partial, final):
        if stale.exists():
            shutil.rmtree(stale)
    (run_dir / FAILED_MARKER).unlink(missing_ok=True)
    try:
        yield partial
        partial.rename(final)
    except BaseException as exc:
        shutil.rmtree(partial, ignore_errors=True)
        (run_dir / FAILED_MARKER).write_text(f"run did not complete: {type(exc).__name__}: {exc}\n")
        raise

"""Collect a sweep: every complete job's summary in one tidy table, with its swept parameters.

``leftshift collect DIR`` reads each job folder under ``DIR`` (a sweep folder from
``leftshift -m``, or a folder of single runs). Only jobs whose results are complete
(:func:`~leftshift.report.rundir.is_complete`) are collected; failed and unfinished jobs are
listed in the status table with the reason, never mixed in.

Written into ``DIR``: ``collected.parquet`` and ``collected.csv`` (one row per job, arm and
metric, with each override as a column) and ``collected_status.csv`` (one row per job).
"""

import json
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from leftshift.report.rundir import FAILED_MARKER, RESULTS_DIR, is_complete

#: summary sections collected, and the "arm" their rows get
SCENARIO_SECTIONS = {
    "economic_evaluation": "scenario_minus_baseline",
    "money": "scenario_minus_baseline",
}
STATUS_COLUMNS = ["job", "status", "reason"]


def job_folders(root: Path) -> list[Path]:
    """Folders under ``root`` (or ``root`` itself) that a run wrote: they hold ``.hydra/``."""
    root = Path(root)
    if (root / ".hydra").is_dir():
        return [root]
    return sorted(p.parent for p in root.glob("**/.hydra") if p.is_dir())


def overrides(job: Path) -> dict[str, str]:
    """The command-line overrides a job ran with (Hydra's record), as key -> value."""
    path = job / ".hydra" / "overrides.yaml"
    if not path.is_file():
        return {}
    out = {}
    for item in yaml.safe_load(path.read_text()) or []:
        key, _, value = str(item).partition("=")
        out[key.lstrip("+~")] = value
    return out


def _numbers(obj: Any, prefix: str = "") -> list[tuple[str, float]]:
    """Numeric leaves of a nested summary, as dotted names."""
    if isinstance(obj, dict):
        out = []
        for key, value in obj.items():
            out += _numbers(value, f"{prefix}{key}.")
        return out
    if isinstance(obj, bool) or not isinstance(obj, int | float):
        return []
    return [(prefix.rstrip("."), float(obj))]


def summary_rows(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per arm and headline metric of a run's summary.json."""
    rows = []
    for arm, values in summary.get("arms", {}).items():
        rows += [{"arm": arm, "metric": m, "value": v} for m, v in _numbers(values)]
    for section, arm in SCENARIO_SECTIONS.items():
        if section in summary:
            pairs = _numbers(summary[section], f"{section}.")
            rows += [{"arm": arm, "metric": m, "value": v} for m, v in pairs]
    return rows


def status(job: Path) -> tuple[str, str]:
    """``complete``, ``failed`` (with the reason the run left) or ``incomplete``."""
    if is_complete(job):
        return "complete", ""
    failed = job / FAILED_MARKER
    if failed.is_file():
        return "failed", failed.read_text().strip()
    return "incomplete", "no complete results (still running, or stopped without a marker)"


def collect(root: str | Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The tidy table of every complete job under ``root``, and the status of every job."""
    root = Path(root)
    frames, statuses = [], []
    for job in job_folders(root):
        name = str(job.relative_to(root)) if job != root else job.name
        state, reason = status(job)
        statuses.append({"job": name, "status": state, "reason": reason})
        if state != "complete":
            continue
        summary = json.loads((job / RESULTS_DIR / "summary.json").read_text())
        rows = pd.DataFrame(summary_rows(summary), columns=["arm", "metric", "value"])
        for position, (key, value) in enumerate(overrides(job).items()):
            rows.insert(position, key, value)
        rows.insert(0, "job", name)
        frames.append(rows)
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return table, pd.DataFrame(statuses, columns=STATUS_COLUMNS)


def write_collection(root: str | Path) -> tuple[pd.DataFrame, pd.DataFrame, list[Path]]:
    """Collect ``root`` and write the tables into it; return them and the files written."""
    root = Path(root)
    table, statuses = collect(root)
    written = []
    if not table.empty:
        for column in table.columns:
            if table[column].dtype == object and column not in ("arm", "metric"):
                table[column] = table[column].astype(str)
        table.to_parquet(root / "collected.parquet", index=False)
        table.to_csv(root / "collected.csv", index=False)
        written += [root / "collected.parquet", root / "collected.csv"]
    statuses.to_csv(root / "collected_status.csv", index=False)
    written.append(root / "collected_status.csv")
    return table, statuses, written

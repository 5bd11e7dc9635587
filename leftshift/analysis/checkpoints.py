"""Replication checkpoints: a finished replication is kept on disk and reused, never redone.

Each replication is stored under a key: the SHA-256 of the arm's resolved config (less the
keys that cannot change a replication: how many run, how many in parallel, what is written,
the labels and the reporting limits), its seed, and a fingerprint of the package's own source,
so a code change never reuses an old result. A re-run of an interrupted run or sweep therefore
simulates only what is missing; a job whose replications all exist simulates nothing.

Entries are parquet and JSON (no pickle) written into a private folder and renamed into place,
so a reader never sees a half-written entry and two processes can finish the same one.
"""

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

from leftshift.config import Config, to_container
from leftshift.model.results import Results, electives_by_day

#: config keys that do not change a replication's result
NOT_IN_KEY = {
    "run": ("n_jobs", "replications", "outputs"),
    "report": None,  # the whole section: reporting limits only
    "experiment": None,  # labels
}
TABLES = ("monthly", "ledger")
FULL_TABLES = ("episodes", "presentations", "referrals", "virtual_ward_stays", "prevalence")


@dataclass
class Stored:
    """One replication as stored: what an experiment keeps of it."""

    monthly: pd.DataFrame
    ledger: pd.DataFrame
    summary: dict[str, Any]
    psa_draws: dict[str, float]
    #: replication 0 keeps its record tables, for the run directory
    full: Results | None
    #: cumulative electives admitted by the end of each model day (a baseline's ceiling)
    electives_by_day: list[int]


@cache
def code_fingerprint() -> str:
    """SHA-256 of every source file of the package (the model's code as it is now)."""
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix in (".py", ".csv", ".yaml"):
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def key(cfg: Config, seed: int, keep_full: bool, ceiling: list[int] | None = None) -> str:
    """The checkpoint key of one replication of an arm's config with a seed.

    An arm run with its electives held at a baseline's (``ceiling``, the "capacity left idle"
    variant) has that ceiling in its key, so it is never mistaken for the arm run freely.
    """
    raw = to_container(cfg)
    for section, keys in NOT_IN_KEY.items():
        if keys is None:
            raw.pop(section, None)
        else:
            for k in keys:
                raw[section].pop(k, None)
    content: dict[str, Any] = {
        "config": raw,
        "seed": seed,
        "full": keep_full,
        "code": code_fingerprint(),
    }
    if ceiling is not None:
        content["elective_ceiling"] = hashlib.sha256(json.dumps(list(ceiling)).encode()).hexdigest()
    text = json.dumps(content, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def load(
    directory: Path,
    cfg: Config,
    seed: int,
    keep_full: bool,
    records: bool = True,
    ceiling: list[int] | None = None,
) -> Stored | None:
    """The stored replication, or None if it has not been stored.

    With ``records=False`` a replication stored with its record tables comes back without
    them (``full`` is None); :func:`load_records` reads them when they are needed.
    """
    found = _entry(directory, cfg, seed, keep_full, ceiling)
    if found is None:
        return None
    entry, meta = found
    tables = {name: _read(entry, meta, name) for name in TABLES}
    full = None
    if keep_full and records:
        record_tables = {name: _read(entry, meta, name) for name in FULL_TABLES}
        full = Results(
            config=cfg,
            seed=seed,
            monthly=tables["monthly"],
            ledger=tables["ledger"],
            summary=meta["summary"],
            psa_draws=meta["psa_draws"],
            reporting_start_day=meta["reporting_start_day"],
            live_counts=meta["live_counts"],
            **record_tables,
        )
    return Stored(
        tables["monthly"],
        tables["ledger"],
        meta["summary"],
        meta["psa_draws"],
        full,
        meta["electives_by_day"],
    )


def _entry(
    directory: Path, cfg: Config, seed: int, keep_full: bool, ceiling: list[int] | None
) -> tuple[Path, dict[str, Any]] | None:
    """A finished entry's folder and its ``done.json``, or None if it was never finished."""
    entry = Path(directory) / key(cfg, seed, keep_full, ceiling)
    if not (entry / "done.json").is_file():
        return None
    return entry, json.loads((entry / "done.json").read_text())


def _read(entry: Path, meta: dict[str, Any], name: str) -> pd.DataFrame:
    """One stored table, each column back in its own type."""
    frame = pd.read_parquet(entry / f"{name}.parquet")
    # parquet has no datetime64[s]: give each column back its own type
    for column, dtype in meta["dtypes"][name].items():
        if str(frame[column].dtype) != dtype:
            frame[column] = frame[column].astype(dtype)
    for column, categories in meta["categories"][name].items():
        if list(frame[column].cat.categories) != categories:
            frame[column] = frame[column].cat.set_categories(categories)
    return frame


def load_record_table(
    directory: Path, cfg: Config, seed: int, name: str, ceiling: list[int] | None = None
) -> pd.DataFrame:
    """One record table (``FULL_TABLES``) of a replication stored with them.

    A run directory writes the records out one table at a time: reading an ICB arm's five
    tables at once put about 500 MiB on the peak of a two-arm experiment.
    """
    if name not in FULL_TABLES:
        raise ValueError(f"{name!r} is not a record table: one of {', '.join(FULL_TABLES)}")
    found = _entry(directory, cfg, seed, True, ceiling)
    if found is None:
        raise FileNotFoundError(f"no stored records for seed {seed} in {directory}")
    return _read(*found, name)


def load_records(
    directory: Path, cfg: Config, seed: int, ceiling: list[int] | None = None
) -> Results:
    """A replication stored with its record tables, read back whole.

    The records are only written out at the end, so an experiment need not hold every arm's
    records in memory while the others run.
    """
    stored = load(directory, cfg, seed, keep_full=True, ceiling=ceiling)
    if stored is None or stored.full is None:
        raise FileNotFoundError(f"no stored records for seed {seed} in {directory}")
    return stored.full


def save(
    directory: Path,
    cfg: Config,
    seed: int,
    res: Results,
    keep_full: bool,
    ceiling: list[int] | None = None,
) -> None:
    """Store one replication (run under ``ceiling``, if any); a no-op if already stored."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    entry = directory / key(cfg, seed, keep_full, ceiling)
    if entry.exists():
        return
    partial = directory / f".{entry.name}.{os.getpid()}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir()
    try:
        names = TABLES + (FULL_TABLES if keep_full else ())
        dtypes, categories = {}, {}
        for name in names:
            frame = getattr(res, name)
            frame.to_parquet(partial / f"{name}.parquet", index=False)
            dtypes[name] = {str(c): str(t) for c, t in frame.dtypes.items() if str(t) != "category"}
            # an empty table's categorical columns come back from parquet with no categories
            categories[name] = {
                str(c): [str(v) for v in frame[c].cat.categories]
                for c, t in frame.dtypes.items()
                if str(t) == "category"
            }
        meta = {
            "dtypes": dtypes,
            "categories": categories,
            "summary": res.summary,
            "psa_draws": res.psa_draws,
            "reporting_start_day": res.reporting_start_day,
            "live_counts": res.live_counts,
            "electives_by_day": electives_by_day(res),
        }
        # written last: an entry without it is incomplete and never read
        (partial / "done.json").write_text(json.dumps(meta))
        try:
            partial.rename(entry)
        except OSError:  # stored meanwhile by another process
            pass
    finally:
        shutil.rmtree(partial, ignore_errors=True)

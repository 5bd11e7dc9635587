"""Published tables that defaults come from: CSV files in ``leftshift/data/tables``.

Each file starts with ``#`` comment lines, one of which is ``# source: <id>`` naming its entry
in ``leftshift/data/sources.yaml``; the rest say what the table holds. Then a CSV header and
one row per stage, class, age band or level. The config schema reads its defaults from here
(:func:`column`, :func:`matrix`), so a table is edited in one place, with its source beside
it, and ``docs/parameters.md`` shows the values in use.
"""

import csv
import functools
from pathlib import Path

TABLES = Path(__file__).resolve().parents[1] / "data" / "tables"


@functools.cache
def read(name: str) -> tuple[str, tuple[dict[str, str], ...]]:
    """The table's source id and its rows (as strings), read once."""
    lines = (TABLES / name).read_text().splitlines()
    comments = [ln[1:].strip() for ln in lines if ln.startswith("#")]
    sources = [c.split(":", 1)[1].strip() for c in comments if c.startswith("source:")]
    if len(sources) != 1:
        raise ValueError(f"{name}: needs exactly one '# source: <id>' line")
    body = [ln for ln in lines if ln.strip() and not ln.startswith("#")]
    return sources[0], tuple(csv.DictReader(body))


def source(name: str) -> str:
    """The registry id a table names."""
    return read(name)[0]


def column(name: str, col: str) -> list[float]:
    """A column as floats, skipping empty cells (a rate that does not apply to a row)."""
    return [float(r[col]) for r in read(name)[1] if r[col].strip() != ""]


def matrix(name: str, cols: list[str]) -> list[list[float]]:
    """Several columns as a list of rows."""
    return [[float(r[c]) for c in cols] for r in read(name)[1]]


def names() -> list[str]:
    """Every table file."""
    return sorted(p.name for p in TABLES.glob("*.csv"))

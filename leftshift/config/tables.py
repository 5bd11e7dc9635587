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


class ProjectionTableError(ValueError):
    """A population projection table is missing, malformed or holds impossible numbers."""


def resolve(name: str) -> Path:
    """A table's path: a bare file name is looked up in ``leftshift/data/tables``."""
    path = Path(name)
    return path if path.parent != Path(".") or path.is_absolute() else TABLES / path


def projection(name: str, bands: tuple[str, ...]) -> tuple[list[float], list[list[float]]]:
    """Years and, per year, the population index of every age band (``bands``, in order).

    Raises :class:`ProjectionTableError` naming what is wrong: a missing file, a missing age
    band column, a year out of order or repeated, a value that is not a finite number above
    zero (a population cannot be negative or empty), or fewer than two years.
    """
    path = resolve(name)
    if not path.is_file():
        raise ProjectionTableError(f"no such file: {path}")
    lines = [ln for ln in path.read_text().splitlines() if ln.strip() and not ln.startswith("#")]
    rows = list(csv.DictReader(lines))
    header = list(rows[0]) if rows else (lines[0].split(",") if lines else [])
    missing = [c for c in ("year", *bands) if c not in header]
    if missing:
        raise ProjectionTableError(
            f"{path.name}: needs a 'year' column and one column per age band"
            f" {', '.join(bands)}; missing: {', '.join(missing)}"
        )
    if len(rows) < 2:
        raise ProjectionTableError(f"{path.name}: needs at least two years, has {len(rows)}")
    years: list[float] = []
    values: list[list[float]] = []
    for number, row in enumerate(rows, start=1):
        try:
            year = float(row["year"])
            cells = [float(row[b]) for b in bands]
        except (TypeError, ValueError):
            raise ProjectionTableError(
                f"{path.name}: row {number} has an empty or non-numeric cell: {dict(row)}"
            ) from None
        bad = [b for b, v in zip(bands, cells, strict=True) if not (v > 0 and v < float("inf"))]
        if bad:
            raise ProjectionTableError(
                f"{path.name}: year {row['year']}: population of age band(s) {', '.join(bad)}"
                " must be a finite number above zero"
            )
        if years and year <= years[-1]:
            raise ProjectionTableError(
                f"{path.name}: years must increase (row {number}: {row['year']} after"
                f" {years[-1]:g})"
            )
        years.append(year)
        values.append(cells)
    return years, values

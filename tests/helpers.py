"""Config builders shared by tests."""

from pathlib import Path

from leftshift.analytic import queue_only_config  # noqa: F401  (re-exported for tests)
from leftshift.config import load

ROOT = Path(__file__).resolve().parents[1]


def small_config(**sections):
    """A small, short config for fast model runs; sections override keys by group."""
    base = {
        "place": {"name": "small", "population": 100_000, "general_acute_beds": 180},
        "run": {"horizon_years": 3, "warmup_months": 12},
    }
    for group, values in sections.items():
        base.setdefault(group, {}).update(values)
    return load(base)

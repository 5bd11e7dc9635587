"""Calibrate ``population.trends`` (printed; the schema holds the values found).

The cohort alone is stepped for 10 years with ``population.transitions=projected`` on the
default place (the hospital's deaths are kept in the cohort: ``in_hospital_death_share=0``),
and each trend is solved by bisection so that:

* frailty: the share of people aged 50+ with any frailty rises by (38.9 / 26.5) ** (1 / 11) a
  year (Walsh et al. 2023: 26.5% in 2006, 38.9% in 2017); solved first, disease trend 0;
* disease: the number of people with COPD or heart failure (either, any stage) rises by
  1.37 ** (1 / 21) a year (Health in 2040: +37% from 2019 to 2040), with the frailty trend
  found.

It also prints the share of the disease rise in people aged 65+ and 75+ (the report: 80% of
the rise in people aged 70+; the model's bands split at 65 and 75).

Run: ``python -m leftshift.analysis.calibrate_trends``.
"""

import numpy as np

from leftshift.config import load
from leftshift.model.population import Population

YEARS = 10
FRAILTY_TARGET = (38.9 / 26.5) ** (1 / 11)
DISEASE_TARGET = 1.37 ** (1 / 21)


def run(disease: float, frailty: float) -> tuple[np.ndarray, np.ndarray]:
    """Initial and final stocks for trends (fixed, as the model's means)."""
    cfg = load(
        {
            "population": {
                "transitions": "projected",
                "in_hospital_death_share": 0.0,
                "trends": {
                    "disease_incidence_per_year": {
                        "mean": disease, "low": disease, "high": disease, "distribution": "fixed"
                    },
                    "frailty_per_year": {
                        "mean": frailty, "low": frailty, "high": frailty, "distribution": "fixed"
                    },
                },
            }
        }
    )  # fmt: skip
    pop = Population(cfg, np.random.default_rng(0))
    start = pop.counts.copy()
    for _ in range(12 * YEARS):
        pop.step_month()
    return start, pop.counts


def frailty_growth(start: np.ndarray, end: np.ndarray) -> float:
    """Yearly relative rise of the share of people 50+ with any frailty."""

    def share(c: np.ndarray) -> float:
        older = c[2:]
        return older[:, :, 1:].sum() / older.sum()

    return (share(end) / share(start)) ** (1 / YEARS)


def ill(c: np.ndarray) -> np.ndarray:
    """People with COPD or heart failure, by age band."""
    return c.sum(axis=(1, 2)).reshape(c.shape[0], -1).sum(axis=1) - c[:, :, :, 0, 0].sum(
        axis=(1, 2)
    )


def disease_growth(start: np.ndarray, end: np.ndarray) -> float:
    """Yearly rise in the number of people with COPD or heart failure."""
    return (ill(end).sum() / ill(start).sum()) ** (1 / YEARS)


def bisect(gap, lo: float, hi: float) -> float:
    """Root of an increasing function on [lo, hi]."""
    for _ in range(30):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if gap(mid) < 0 else (lo, mid)
    return 0.5 * (lo + hi)


def main() -> None:
    """Solve both trends and print them with the checks."""
    none = run(0.0, 0.0)
    print(f"no trends: frailty share 50+ x{frailty_growth(*none):.4f}/yr,"  # noqa: T201
          f" people with COPD or HF x{disease_growth(*none):.4f}/yr")  # fmt: skip
    frailty = bisect(lambda h: frailty_growth(*run(0.0, h)) - FRAILTY_TARGET, 0.0, 0.5)
    disease = bisect(lambda g: disease_growth(*run(g, frailty)) - DISEASE_TARGET, -0.05, 0.2)
    start, end = run(disease, frailty)
    rise = ill(end) - ill(start)
    print(f"frailty trend {frailty:.4f}/yr -> x{frailty_growth(start, end):.4f}"  # noqa: T201
          f" (target {FRAILTY_TARGET:.4f}); disease trend {disease:.4f}/yr ->"
          f" x{disease_growth(start, end):.4f} (target {DISEASE_TARGET:.4f});"
          f" share of the rise at 65+ {rise[3:].sum() / rise.sum():.2f},"
          f" 75+ {rise[4:].sum() / rise.sum():.2f}")  # fmt: skip


if __name__ == "__main__":
    main()

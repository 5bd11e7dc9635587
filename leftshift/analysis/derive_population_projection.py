"""Derive ``leftshift/data/tables/population_projection_england.csv`` (growth by age band).

The ONS 2022-based national population projection for England by single year of age was not
available to this project offline, and no published figures by the model's age bands were
found. Two of its published figures are (ONS via the GAD technical bulletin, July 2025):
England's population grows by about 7.8% from mid-2022 to mid-2032, and the number of people
aged 85+ (UK) rises from 1.7 million in 2022 to 3.3 million in 2047 (x1.94). This script
derives growth by band that reproduces both, by a transparent cohort-component projection:

* start: the Census 2021 age structure of England and Wales by single year of age (ONS,
  percentages rounded to 0.1%), aged one year to stand for mid-2022;
* each year every single-year cohort ages by one year and survives at the model's default
  life-table rate of its band (``population.mortality_per_1000_by_age``), with the 85+
  band's rate multiplied by ``k`` (one flat rate for ages 85-100 cannot be right at every
  age); no mortality improvement; births at ``population.births_per_1000``;
* net migration of ``m`` per 1,000 people a year, spread evenly over ages 18-49 (an
  assumption: migrants are mostly young adults);
* ``m`` and ``k`` are solved (nested bisection) so that the total grows by 7.8% to 2032 and
  the 85+ band by a factor 3.3 / 1.7 to 2047.

Every band's growth index (population / mid-2022 population) is therefore DERIVED, not read
from ONS: replace the table with the ONS figures when they are to hand (same layout).
Rebuild with ``python -m leftshift.analysis.derive_population_projection >
leftshift/data/tables/population_projection_england.csv``.
"""

import numpy as np

# Census 2021, England and Wales: % of residents at each single year of age 0..100+ (ONS,
# "Ageing population estimates" dataset, rounded to 0.1%)
CENSUS_2021_PERCENT = [
    1.0, 1.1, 1.1, 1.1, 1.1, 1.2, 1.1, 1.2, 1.2, 1.2, 1.2, 1.2, 1.2, 1.2, 1.2, 1.1, 1.1, 1.1,
    1.1, 1.2, 1.2, 1.2, 1.2, 1.2, 1.3, 1.3, 1.3, 1.3, 1.3, 1.4, 1.4, 1.4, 1.4, 1.4, 1.4, 1.4,
    1.4, 1.3, 1.3, 1.3, 1.3, 1.3, 1.3, 1.2, 1.2, 1.2, 1.2, 1.3, 1.3, 1.4, 1.4, 1.4, 1.4, 1.4,
    1.4, 1.4, 1.4, 1.4, 1.3, 1.3, 1.2, 1.2, 1.2, 1.1, 1.1, 1.0, 1.0, 1.0, 1.0, 0.9, 0.9, 1.0,
    1.0, 1.1, 1.0, 0.8, 0.8, 0.7, 0.7, 0.6, 0.5, 0.6, 0.5, 0.5, 0.4, 0.4, 0.3, 0.3, 0.3, 0.2,
    0.2, 0.2, 0.1, 0.1, 0.1, 0.1, 0.0, 0.0, 0.0, 0.0, 0.0,
]  # fmt: skip
BANDS = ((0, 17), (18, 49), (50, 64), (65, 74), (75, 84), (85, 100))
BAND_NAMES = ("0-17", "18-49", "50-64", "65-74", "75-84", "85+")
MORTALITY_PER_1000 = (0.2, 1.0, 5.0, 14.0, 40.0, 140.0)  # schema defaults (ons_life_tables)
BIRTHS_PER_1000 = 9.7  # schema default (ons_births)
TOTAL_GROWTH_2022_2032 = 1.078  # England, ONS 2022-based (GAD, July 2025)
GROWTH_85_PLUS_2022_2047 = 3.3 / 1.7  # UK, ONS 2022-based (GAD, July 2025)
FIRST_YEAR, LAST_YEAR = 2022, 2047
MIGRANT_AGES = range(18, 50)

AGES = np.arange(101)
BAND_OF_AGE = np.array([next(k for k, (lo, hi) in enumerate(BANDS) if lo <= a <= hi) for a in AGES])
MORTALITY = np.asarray(MORTALITY_PER_1000)[BAND_OF_AGE] / 1000.0


def step(people: np.ndarray, migration_per_1000: float, oldest_multiplier: float) -> np.ndarray:
    """One year: survive, age by one year (100+ stays), births, net migration."""
    survive = np.exp(-MORTALITY * np.where(BAND_OF_AGE == len(BANDS) - 1, oldest_multiplier, 1.0))
    alive = people * survive
    new = np.zeros_like(people)
    new[1:] = alive[:-1]
    new[-1] += alive[-1]
    total = people.sum()
    new[0] = BIRTHS_PER_1000 / 1000.0 * total
    new[list(MIGRANT_AGES)] += migration_per_1000 / 1000.0 * total / len(MIGRANT_AGES)
    return new


def project(migration_per_1000: float, oldest_multiplier: float) -> np.ndarray:
    """Band totals by year (rows FIRST_YEAR..LAST_YEAR), starting from the census aged a year."""
    people = step(
        np.asarray(CENSUS_2021_PERCENT, dtype=float), migration_per_1000, oldest_multiplier
    )
    rows = []
    for _ in range(LAST_YEAR - FIRST_YEAR + 1):
        rows.append(np.bincount(BAND_OF_AGE, weights=people, minlength=len(BANDS)))
        people = step(people, migration_per_1000, oldest_multiplier)
    return np.array(rows)


def bisect(f, lo: float, hi: float) -> float:
    """Root of an increasing function on [lo, hi]."""
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if f(mid) < 0 else (lo, mid)
    return 0.5 * (lo + hi)


def solve() -> tuple[float, float, np.ndarray]:
    """Net migration and the 85+ death-rate multiplier that hit both published figures."""

    def migration_for(multiplier: float) -> float:
        def gap(m: float) -> float:
            bands = project(m, multiplier)
            return bands[10].sum() / bands[0].sum() - TOTAL_GROWTH_2022_2032

        return bisect(gap, -20.0, 40.0)

    def gap_85(multiplier: float) -> float:  # decreasing in the multiplier
        bands = project(migration_for(multiplier), multiplier)
        return GROWTH_85_PLUS_2022_2047 - bands[-1, -1] / bands[0, -1]

    multiplier = bisect(gap_85, 0.5, 3.0)
    migration = migration_for(multiplier)
    return migration, multiplier, project(migration, multiplier)


def main() -> None:
    """Print the table (CSV with its comment header) to standard output."""
    migration, multiplier, bands = solve()
    index = bands / bands[0]
    print("# source: ons_npp_2022_england_derived")  # noqa: T201
    print(  # noqa: T201
        "# Growth index by age band (population / mid-2022 population), England, mid-2022 to"
        " mid-2047.\n# DERIVED (leftshift/analysis/derive_population_projection.py), not read"
        " from ONS: a cohort-component\n# projection of the Census 2021 single-year structure"
        " with the"
        " model's life-table rates,\n# solved to reproduce two published ONS 2022-based"
        f" figures: England +7.8% by 2032 (here\n# {index[10] @ bands[0] / bands[0].sum():.4f})"
        f" and 85+ x{GROWTH_85_PLUS_2022_2047:.3f} by 2047 (UK). Solved: net migration"
        f" {migration:.2f} per\n# 1,000 a year at ages 18-49; 85+ death rate x{multiplier:.3f}."
        " Rounding of the census shares to 0.1%\n# makes single years bumpy; use the trend."
    )
    print("year," + ",".join(BAND_NAMES))  # noqa: T201
    for t, row in enumerate(index):
        print(f"{FIRST_YEAR + t}," + ",".join(f"{v:.4f}" for v in row))  # noqa: T201


if __name__ == "__main__":
    main()

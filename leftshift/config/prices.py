"""One price base: every money value in the config is in 2024/25 pounds.

Sources give their costs in the prices of their own year (National Cost Collection 2020/21, the
2012/13 tariff, 2024/25 salaries). Each cost leaf of the schema is declared with
:func:`leftshift.config.schema.cost`, which takes the source's figure and its price year and
inflates it here, once, to :data:`PRICE_BASE` with the NHS Cost Inflation Index (the table
``leftshift/data/tables/nhs_cost_inflation_index.csv``, with its source). The config then holds
2024/25 prices only: a value a user sets is read in 2024/25 prices, and a saved config loads
back unchanged (inflating at load time would inflate a reloaded config twice).

A price year the index does not cover (before its first year, after the base, or misspelt) is
a :class:`PriceYearError` naming the cost and the years it could be.
"""

import functools

from leftshift.config import tables

#: the price year of every money value in the config, the ledger and the reports
PRICE_BASE = "2024/25"
#: the index table (yearly percentage changes in NHS pay and prices)
INDEX_TABLE = "nhs_cost_inflation_index.csv"


class PriceYearError(ValueError):
    """A cost's price year is not one the NHS Cost Inflation Index table covers."""


@functools.cache
def index_levels() -> dict[str, float]:
    """Index level by financial year, 1.0 in the table's first year (compounded changes)."""
    rows = tables.read(INDEX_TABLE)[1]
    levels: dict[str, float] = {}
    level = 1.0
    for i, row in enumerate(rows):
        change = row["change_percent"].strip()
        if i > 0:
            if not change:
                raise ValueError(f"{INDEX_TABLE}: no change given for {row['financial_year']}")
            level *= 1.0 + float(change) / 100.0
        levels[row["financial_year"]] = level
    if PRICE_BASE not in levels:
        raise ValueError(f"{INDEX_TABLE}: the price base {PRICE_BASE} is not in the table")
    return levels


def inflation_factor(price_year: str, key: str = "a cost") -> float:
    """What one pound of ``price_year`` is worth in :data:`PRICE_BASE` pounds.

    Raises
    ------
    PriceYearError
        If the index does not cover ``price_year``; the message names ``key``.
    """
    levels = index_levels()
    if price_year not in levels:
        raise PriceYearError(
            f"{key}: price year {price_year!r} is not covered by the NHS Cost Inflation Index"
            f" table ({INDEX_TABLE}: {', '.join(levels)}); give the cost in one of those years"
            f" or add the year's index to the table with its source"
        )
    return levels[PRICE_BASE] / levels[price_year]


def to_price_base(amount_gbp: float, price_year: str, key: str = "a cost") -> float:
    """``amount_gbp`` of ``price_year`` in :data:`PRICE_BASE` pounds, to the penny."""
    return round(amount_gbp * inflation_factor(price_year, key), 2)

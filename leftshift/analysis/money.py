"""Money over an experiment: double running, the investment gap, break-even, who pays.

Works on the ledgers of every arm and replication (:meth:`ExperimentResults.ledger`). The
system's net cost is spending minus income over all organisations in the place: payments between
them cancel, so it is what the place spends outside itself less any national transition funding.
Scenario minus baseline is taken per replication (common random numbers) and summarised with a
95% t interval over replications.
"""

from typing import Any

import numpy as np
import pandas as pd

from leftshift.analysis.comparison import ci_half_width
from leftshift.model.ledger import ORGANISATIONS, signed_amounts

NOT_WITHIN_HORIZON = "not within the horizon"


def net_cost_by_year(
    ledger: pd.DataFrame, with_transition_funding: bool = True, grid: pd.DataFrame | None = None
) -> pd.DataFrame:
    """System net cost by arm, replication and financial year (columns: financial years).

    ``grid``, a table with arm, replication and financial_year columns (the monthly table),
    names every arm, replication and year, so that one without any money (every price 0)
    is a row or column of zeros rather than missing.
    """
    keep = ledger
    if not with_transition_funding:
        keep = ledger[ledger["category"] != "transition_funding"]
    net = (
        signed_amounts(keep)
        .groupby([keep["arm"], keep["replication"], keep["financial_year"]])
        .sum()
    )
    table = net.unstack("financial_year") if len(net) else pd.DataFrame()
    if grid is not None:
        rows = pd.MultiIndex.from_frame(grid[["arm", "replication"]].drop_duplicates())
        years = sorted(set(grid["financial_year"].unique()) | set(table.columns))
        table = table.reindex(index=rows.sort_values(), columns=years)
    return table.fillna(0.0)


def _paired(diff: pd.DataFrame) -> pd.DataFrame:
    """Mean and 95% CI over replications (rows) for each column."""
    by_column = diff.T
    mean = by_column.mean(axis=1)
    half = ci_half_width(by_column)
    return pd.DataFrame({"mean": mean, "ci_low": mean - half, "ci_high": mean + half})


NO_GAP = "no investment gap: the scenario never costs more"
GAP_TOLERANCE_GBP = 1.0


def break_even(cumulative: pd.Series) -> str | None:
    """The financial year in which the investment is paid back, or None if it is not.

    The first year whose cumulative incremental net cost is back at or below zero after it
    has been above zero (a gap opened and closed). A scenario whose cumulative cost is never
    above zero has no gap to pay back (:data:`NO_GAP`).
    """
    opened = False
    for year, value in cumulative.items():
        if value > GAP_TOLERANCE_GBP:
            opened = True
        elif opened and value <= 0:
            return str(year)
    return None if opened else NO_GAP


def money_comparison(
    ledger: pd.DataFrame, grid: pd.DataFrame | None = None
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Incremental system net cost by financial year, with and without transition funding.

    Returns a tidy table (funding, financial_year, measure, mean, ci_low, ci_high; measures
    ``annual`` and ``cumulative``) and a summary with the break-even year: the first financial
    year in which the cumulative incremental net cost is at or below zero (the investment has
    been paid back), judged on the mean and counted per replication. ``grid`` as for
    :func:`net_cost_by_year`.
    """
    rows = []
    summary: dict[str, Any] = {}
    for label, with_tf in (
        ("with_transition_funding", True),
        ("without_transition_funding", False),
    ):
        net = net_cost_by_year(ledger, with_tf, grid)
        diff = net.loc["scenario"] - net.loc["baseline"]  # rows: replications
        cumulative = diff.cumsum(axis=1)
        for measure, table in (("annual", diff), ("cumulative", cumulative)):
            p = _paired(table)
            p.insert(0, "measure", measure)
            p.insert(0, "funding", label)
            rows.append(p.rename_axis("financial_year").reset_index())
        per_rep = [break_even(cumulative.loc[r]) for r in cumulative.index]
        hits = [y for y in per_rep if y not in (None, NO_GAP)]
        mean_path = cumulative.mean(axis=0)
        summary[label] = {
            "incremental_net_cost_gbp": {str(y): float(v) for y, v in diff.mean(axis=0).items()},
            "cumulative_investment_gap_gbp": {str(y): float(v) for y, v in mean_path.items()},
            "peak_investment_gap_gbp": float(max(mean_path.max(), 0.0)),
            "break_even_year": break_even(mean_path) or NOT_WITHIN_HORIZON,
            "replications_breaking_even": len(hits),
            "replications": len(per_rep),
            "years_with_a_saving": [str(y) for y, v in diff.mean(axis=0).items() if v < 0],
        }
    return pd.concat(rows, ignore_index=True), summary


def by_organisation_and_year(
    ledger: pd.DataFrame, grid: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Mean spending, income and net cost per arm, financial year and organisation.

    ``grid`` as for :func:`net_cost_by_year`: arms, replications and years without any money
    count as zeros.
    """
    if grid is not None:
        keys = ["arm", "replication", "financial_year"]
        wanted = grid[keys].drop_duplicates()
        missing = wanted.merge(ledger[keys].drop_duplicates(), how="left", indicator=True)
        missing = missing[missing["_merge"] == "left_only"][keys]
        if len(missing):
            zeros = missing.assign(organisation=ORGANISATIONS[0], direction="spend", amount_gbp=0.0)
            ledger = pd.concat([ledger, zeros], ignore_index=True)
    d = ledger.assign(
        spend=np.where(ledger["direction"] == "spend", ledger["amount_gbp"], 0.0),
        income=np.where(ledger["direction"] == "income", ledger["amount_gbp"], 0.0),
    )
    per_rep = d.groupby(["arm", "replication", "financial_year", "organisation"], observed=False)[
        ["spend", "income"]
    ].sum()
    out = per_rep.groupby(["arm", "financial_year", "organisation"], observed=False).mean()
    out["net_cost"] = out["spend"] - out["income"]
    out = out.reset_index()
    out["organisation"] = pd.Categorical(out["organisation"], categories=list(ORGANISATIONS))
    return out.sort_values(["arm", "financial_year", "organisation"]).reset_index(drop=True)

"""Paired comparison of a scenario with its baseline, replication by replication."""

import pandas as pd

from leftshift.analysis.intervals import row_half_widths


def ci_half_width(paired: pd.DataFrame) -> pd.Series:
    """Half-width of the 95% t confidence interval of each row's mean (replications in columns)."""
    return row_half_widths(paired, 0.95)


def paired_comparison(yearly: pd.DataFrame, metrics: list[str]) -> pd.DataFrame:
    """Scenario - baseline by metric and reporting year: means, paired difference, 95% CI.

    ``yearly`` has columns arm, replication, reporting_year and one column per metric; replication
    ``i`` of both arms shares its seed, so the differences are paired.
    """
    yearly = yearly.set_index(["arm", "replication", "reporting_year"])
    base = yearly.loc["baseline"]
    scen = yearly.loc["scenario"]
    diff = scen - base
    out = []
    for metric in metrics:
        d = diff[metric].unstack("replication")
        b = base[metric].unstack("replication")
        s = scen[metric].unstack("replication")
        n = d.shape[1]
        mean = d.mean(axis=1)
        half = ci_half_width(d)
        out.append(
            pd.DataFrame(
                {
                    "metric": metric,
                    "reporting_year": d.index,
                    "baseline_mean": b.mean(axis=1).to_numpy(),
                    "scenario_mean": s.mean(axis=1).to_numpy(),
                    "mean_difference": mean.to_numpy(),
                    "ci_low": (mean - half).to_numpy(),
                    "ci_high": (mean + half).to_numpy(),
                    "relative_difference": (mean / b.mean(axis=1)).to_numpy(),
                    "replications": n,
                }
            )
        )
    return pd.concat(out, ignore_index=True)

"""Student-t confidence intervals of a mean over replications: the one helper all callers share."""

import numpy as np
import pandas as pd


def _t_quantile(level: float, dof):
    """The two-sided ``level`` quantile of Student's t with ``dof`` degrees of freedom.

    scipy.stats is imported here, not at the top: it is about half of the command line's
    import time (0.5-1 s), which a run refused before it starts, ``--help`` or a sub-command
    that draws no interval never needs.
    """
    from scipy import stats

    return stats.t.ppf(0.5 + level / 2, dof)


def t_half_width(values, level: float = 0.95) -> float:
    """Half-width of the two-sided t interval of the mean of ``values``; NaN with under 2."""
    values = np.asarray(values, float)
    n = len(values)
    if n < 2:
        return float("nan")
    return float(_t_quantile(level, n - 1) * values.std(ddof=1) / np.sqrt(n))


def t_interval(values, level: float = 0.95) -> tuple[float, float]:
    """``(low, high)`` of the two-sided t interval of the mean of ``values``."""
    mean = float(np.mean(np.asarray(values, float)))
    half = t_half_width(values, level)
    return mean - half, mean + half


def row_half_widths(wide: pd.DataFrame, level: float = 0.95) -> pd.Series:
    """Half-width of each row's t interval, replications in columns; NaN with under 2."""
    n = wide.shape[1]
    if n < 2:
        return pd.Series(np.nan, index=wide.index)
    sem = wide.std(axis=1, ddof=1) / np.sqrt(n)
    return sem * _t_quantile(level, n - 1)


def grouped_half_widths(std: pd.Series, count: pd.Series, level: float = 0.95) -> np.ndarray:
    """Half-widths from per-group standard deviations and counts; NaN where a count is 1."""
    count = np.asarray(count, float)
    t = _t_quantile(level, np.maximum(count - 1, 1))
    return np.where(count > 1, t * np.asarray(std, float) / np.sqrt(count), np.nan)

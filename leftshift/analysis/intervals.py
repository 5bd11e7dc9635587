"""Student-t confidence intervals of a mean over replications: the one helper all callers share."""

import numpy as np
import pandas as pd
from scipy import stats


def t_half_width(values, level: float = 0.95) -> float:
    """Half-width of the two-sided t interval of the mean of ``values``; NaN with under 2."""
    values = np.asarray(values, float)
    n = len(values)
    if n < 2:
        return float("nan")
    return float(stats.t.ppf(0.5 + level / 2, n - 1) * values.std(ddof=1) / np.sqrt(n))


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
    return sem * stats.t.ppf(0.5 + level / 2, n - 1)


def grouped_half_widths(std: pd.Series, count: pd.Series, level: float = 0.95) -> np.ndarray:
    """Half-widths from per-group standard deviations and counts; NaN where a count is 1."""
    count = np.asarray(count, float)
    t = stats.t.ppf(0.5 + level / 2, np.maximum(count - 1, 1))
    return np.where(count > 1, t * np.asarray(std, float) / np.sqrt(count), np.nan)

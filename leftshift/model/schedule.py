"""Time-varying intervention values."""

from typing import Any

import numpy as np

from leftshift.config import ScheduleConfig


def schedule_value(schedule: ScheduleConfig, years_since_reporting: float) -> float:
    """Multiplier of a schedule at a time: 1 before it starts, then a linear ramp to its value."""
    elapsed_years = years_since_reporting - schedule.start_year
    if elapsed_years < 0:
        return 1.0
    if schedule.ramp_months <= 0:
        return float(schedule.value)
    elapsed_months = elapsed_years * 12.0
    if elapsed_months >= schedule.ramp_months:
        return float(schedule.value)
    progress = elapsed_months / schedule.ramp_months
    return 1.0 + (schedule.value - 1.0) * progress


def interp(x: Any, xp: Any, fp: Any) -> Any:
    """``np.interp(x, xp, fp)``, also where a segment of ``xp`` is almost zero wide.

    ``np.interp`` works from each segment's slope, which overflows to infinity when the
    segment's width is subnormal (points ``2e-311`` apart, say) and then gives an infinite or
    undefined value. Only there is the point placed by its fraction of the segment instead;
    everywhere else the result is ``np.interp``'s, bit for bit.
    """
    y = np.interp(x, xp, fp)
    if np.isfinite(y).all():
        return y
    xp = np.asarray(xp, dtype=float)
    fp = np.asarray(fp, dtype=float)
    xs = np.atleast_1d(np.asarray(x, dtype=float))
    ys = np.atleast_1d(np.array(y, dtype=float))  # a copy
    bad = ~np.isfinite(ys)
    j = np.clip(np.searchsorted(xp, xs[bad], side="right") - 1, 0, len(xp) - 2)
    fraction = (xs[bad] - xp[j]) / (xp[j + 1] - xp[j])
    ys[bad] = fp[j] + fraction * (fp[j + 1] - fp[j])
    return ys.reshape(np.shape(y))[()]  # a scalar for a scalar x, as np.interp gives

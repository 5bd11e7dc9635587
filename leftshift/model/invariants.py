"""Model invariants (MODEL.md B8). A violation is an error, never a warning."""

import numpy as np

from leftshift.model.records import TREATED


class InvariantError(RuntimeError):
    """A conservation law or capacity bound of the model was broken during a run."""


def check_littles_law(emergency_batches, referral_batches, bed_days: float, end: float) -> None:
    """Raise unless the records' bed-time equals the live bed count integrated over the run.

    Little's law in its sample-path form: the time-integral of the number in beds equals the
    sum of each stay's time in beds within [0, end]. The hospital integrates its live count as
    it runs; the records are written separately, so a lost or double-counted stay shows here.
    """
    total = 0.0
    for b in emergency_batches:
        ok = ~np.isnan(b.bed_start)
        total += float(
            (np.minimum(b.bed_start[ok] + b.los[ok], end) - np.maximum(b.bed_start[ok], 0)).sum()
        )
    for b in referral_batches:
        ok = b.exit_reason == TREATED
        start = b.exit_time[ok]
        total += float((np.minimum(start + b.los[ok], end) - start).sum())
    if abs(total - bed_days) > 1e-6 * max(1.0, bed_days):
        raise InvariantError(
            f"Little's law: records hold {total:.6f} bed-days but the live bed count integrates"
            f" to {bed_days:.6f}"
        )

"""Model invariants (MODEL.md B8). A violation is an error, never a warning."""

import numpy as np
import pandas as pd

from leftshift.config.dimensions import IMD_QUINTILES
from leftshift.model import metrics
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


#: the deaths the event model reports, each registered once in the death register
EVENT_DEATHS = (
    metrics.DEATHS_IN_HOSPITAL,
    metrics.DEATHS_AFTER_ED_WITHOUT_ADMISSION,
    metrics.DEATHS_AFTER_AVOIDED_PRESENTATION,
    metrics.VW_DEATHS,
    metrics.DEATHS_AFTER_DISCHARGE,
)


def check_deaths_reconcile(
    table: pd.DataFrame,
    in_population: np.ndarray,
    register: np.ndarray,
    not_carried: np.ndarray,
    crowding_expected: np.ndarray,
    crowding_removed: np.ndarray,
    population_deaths: float,
    static: bool,
) -> None:
    """Raise unless the reported deaths reconcile with the death register and the stock.

    ``table`` has one row per reporting month (index: month number) and one column per metric.
    The arrays have one entry per simulated month, warm-up included: the population's own
    deaths, the deaths the register released, those of them the stock could not carry (nobody
    left in their age band and quintile), and the expected ED-crowding deaths counted and
    removed (only an expected-value cohort removes them). ``population_deaths`` is the stock's
    running total. Only closed months count: the population steps a month when the next one
    starts, so the last month's deaths never reach the stock. Three identities:

    * each month, deaths in hospital, after ED without admission, after an avoided
      presentation, on virtual wards and after discharge add up to the deaths the register
      released;
    * each month, the deaths by IMD quintile add up to the population's own deaths, the
      register's and the expected ED-crowding deaths, and so do the deaths by place;
    * over the run, the stock lost its own deaths, the register's deaths it could carry and the
      crowding deaths it removed, and nothing else.
    """
    n_closed = len(register) - 1
    closed = table.index[table.index < n_closed].to_numpy()
    reported = sum(
        (table.loc[closed, name].to_numpy() for name in EVENT_DEATHS if name in table),
        np.zeros(len(closed)),
    )
    bad = ~np.isclose(reported, register[closed], rtol=0.0, atol=1e-9)
    if bad.any():
        k = int(np.argmax(bad))
        raise InvariantError(
            f"deaths: month {closed[k]}: the records report {reported[k]:g} deaths (in hospital,"
            f" after ED without admission, after an avoided presentation, on virtual wards,"
            f" after discharge) but"
            f" the death register released {register[closed[k]]:g}"
        )
    if static:
        return
    names = [metrics.DEATHS_BY_IMD.name(q) for q in IMD_QUINTILES]
    by_imd = table.loc[closed, names].sum(axis=1).to_numpy()
    expected = in_population[closed] + register[closed] + crowding_expected[closed]
    bad = ~np.isclose(by_imd, expected, rtol=1e-9, atol=1e-9)
    if bad.any():
        k = int(np.argmax(bad))
        raise InvariantError(
            f"deaths: month {closed[k]}: deaths by IMD quintile add up to {by_imd[k]:g}, not the"
            f" population's, the register's and the expected ED-crowding deaths ({expected[k]:g})"
        )
    places = table.loc[closed, list(metrics.DEATHS_BY_PLACE.names())].sum(axis=1).to_numpy()
    bad = ~np.isclose(places, by_imd, rtol=1e-9, atol=1e-9)
    if bad.any():
        k = int(np.argmax(bad))
        raise InvariantError(
            f"deaths: month {closed[k]}: deaths by place add up to {places[k]:g}, not the"
            f" deaths by IMD quintile ({by_imd[k]:g})"
        )
    if (not_carried < 0).any() or (not_carried > register).any():
        raise InvariantError("deaths: the stock carried more register deaths than were released")
    if (crowding_removed > crowding_expected + 1e-9).any():
        raise InvariantError("deaths: the stock removed more ED-crowding deaths than expected")
    carried = (
        in_population[:n_closed] + (register - not_carried)[:n_closed] + crowding_removed[:n_closed]
    )
    if not np.isclose(carried.sum(), population_deaths, rtol=1e-9, atol=1e-9):
        raise InvariantError(
            f"deaths: the population's stock lost {population_deaths:g} people to death but the"
            f" reported deaths it carried add up to {carried.sum():g}"
        )

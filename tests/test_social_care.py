"""Discharge pathways and social care (issue 5, first part): delayed discharges calibrated to
about 1 in 7 occupied beds with social_care=delays, and more places cutting them (the
statistical version at the default places is slow; the fast one where places are short)."""

import numpy as np
import pytest

from leftshift.analysis.experiment import run_experiment
from leftshift.analysis.intervals import t_interval
from tests.helpers import TEST_JOBS, compose_config

pytestmark = pytest.mark.integration

LEVEL = 0.99  # two-sided level of the t intervals over paired replications


def _delayed_bed_days_change(*overrides: str) -> np.ndarray:
    """Each paired replication's relative change in delayed-discharge bed-days, years 2 on."""
    results = run_experiment(
        compose_config(
            "experiment=more_social_care",
            "place=small",
            f"run.n_jobs={TEST_JOBS}",
            "outcomes.follow_up.enabled=false",
            *overrides,
        )
    )
    y = results.yearly()
    y = (
        y[y["reporting_year"] >= 2]
        .groupby(["arm", "replication"])["bed_days_delayed_discharge"]
        .sum()
    )
    return (y["scenario"] / y["baseline"] - 1).to_numpy()


def test_more_social_care_cuts_delayed_discharge_bed_days_where_places_are_short():
    """The fast version: with a fifth fewer places of every kind than the default, patients
    queue for them, and a quarter more cut delayed-discharge bed-days in every replication
    (4 paired replications, year 2: -72%, -68%, -59%, -59%; 99% interval -84% to -45%;
    2026-12-05; the first three since 2026-12-06). At the default places the cut is smaller
    and noisier (the slow test)."""
    relative = _delayed_bed_days_change(
        "run.replications=3",
        "run.horizon_years=2",
        "social_care.home_support.capacity_per_100k=184",
        "social_care.intermediate_beds.capacity_per_100k=12",
        "social_care.care_homes.capacity_per_100k=76",
    )
    assert (relative < 0).all(), relative
    assert t_interval(relative, LEVEL)[1] < 0


@pytest.mark.slow  # about 26 s: over the fast suite's budget
def test_more_social_care_cuts_delayed_discharge_bed_days():
    """A quarter more places cut delayed-discharge bed-days in years 2-3.

    Twelve replications (eight until 2026-12-03): with the constrained hospital the cut is
    smaller than with the one-counter hospital (same seeds, eight replications: mean -8%
    against -13%; its baseline has 6-8% fewer delayed bed-days, so a shorter queue for
    places), and two replications with cuts near -20% widen the 99% interval of eight to
    -17% to +0.6% although all eight fall; the first twelve give -12.9% to -1.4%. Without the
    follow-up after discharge (not the mechanism here; 45% of a run's time) the same twelve
    give -13.4% to -2.3%.
    """
    relative = _delayed_bed_days_change("run.replications=12", "run.horizon_years=3")
    assert t_interval(relative, LEVEL)[1] < 0

"""Discharge pathways and social care (issue 5, first part): delayed discharges calibrated to
about 1 in 7 occupied beds with social_care=delays, and more places cutting them."""

import pytest

from leftshift.analysis.experiment import run_experiment
from leftshift.analysis.intervals import t_interval
from tests.helpers import compose_config

pytestmark = pytest.mark.integration

LEVEL = 0.99  # two-sided level of the t intervals over paired replications


def test_delayed_discharges_calibration_of_default_place():
    """NHS discharge sitrep: about 1 in 7 occupied G&A beds hold a patient with no criteria
    to reside; the core calibration targets still hold with the shorter clinical stays."""
    results = run_experiment(
        compose_config("social_care=delays", "run.replications=3", "run.n_jobs=2")
    )
    for out in results.outputs:
        m = out.monthly.pivot(index="month", columns="metric", values="value")
        delayed = m["delayed_discharge_patients"].sum() / m["occupied_beds"].sum()
        assert 0.10 <= delayed <= 0.18
        s = out.summary
        assert 0.90 <= s["mean_occupancy"] <= 0.96
        assert 560 <= s["bed_days_per_1000_per_year"] <= 690
        assert 0.5 <= s["waiting_list_final_year"] / s["waiting_list_year_1"] <= 1.5
        assert 0.40 <= s["waiting_list_18wk_share"] <= 0.80
    # the local authority pays for the places in use
    ledger = results.ledger()
    la = ledger[ledger["organisation"] == "local_authority_social_care"]
    assert la["amount_gbp"].sum() > 0 and set(la["category"]) == {"social_care_packages"}


def test_more_social_care_cuts_delayed_discharge_bed_days():
    results = run_experiment(
        compose_config(
            "experiment=more_social_care",
            "place=small",
            "run.replications=8",
            "run.horizon_years=3",
            "run.n_jobs=2",
        )
    )
    y = results.yearly()
    y = (
        y[y["reporting_year"] >= 2]
        .groupby(["arm", "replication"])["bed_days_delayed_discharge"]
        .sum()
    )
    relative = (y["scenario"] / y["baseline"] - 1).to_numpy()
    assert t_interval(relative, LEVEL)[1] < 0

"""The metrics registry: every monthly metric the model writes is registered, and vice versa."""

from pathlib import Path

import pytest

from leftshift.config import CommunityConfig
from leftshift.model import metrics
from leftshift.model.ledger import SERVICES
from leftshift.model.metrics import FAMILIES, REGISTRY, Family, Unit, lookup
from leftshift.model.place import simulate
from leftshift.model.virtual_ward import KINDS
from tests.helpers import compose_config

ROOT = Path(__file__).resolve().parents[1]
SHORT = ["place=small", "run.horizon_years=1", "run.warmup_months=2"]
#: small runs that together switch every mechanism on: delayed discharges (the default
#: social_care=delays), virtual wards with the targeted offer, neighbourhood teams' proactive
#: care, and decommissioning (two wards closed half-way through the year)
RUNS = {
    "virtual_wards": ["experiment=vw_targeted_offer"],
    "teams_and_decommissioning": [
        "experiment=decommission_early",
        "interventions.decommissioning.close_at_years=[0.5,0.5]",
    ],
}


@pytest.fixture(scope="module")
def produced() -> dict[str, dict[str, float]]:
    """Each run's monthly metrics, summed over the months."""
    out = {}
    for run, overrides in RUNS.items():
        monthly = simulate(compose_config(*SHORT, *overrides), seed=3).monthly
        out[run] = monthly.groupby("metric")["value"].sum().to_dict()
    return out


@pytest.mark.integration
def test_the_runs_switch_every_mechanism_on(produced):
    vw, teams = produced["virtual_wards"], produced["teams_and_decommissioning"]
    assert vw[metrics.VW_ADMISSIONS] > 0
    assert vw[metrics.VW_ADMISSIONS_TARGETED_OFFER] > 0
    assert teams[metrics.PEOPLE_REACHED_PROACTIVE_CARE] > 0
    assert teams[metrics.WARDS_CLOSED] == 2
    assert min(run[metrics.BED_DAYS_DELAYED_DISCHARGE] for run in produced.values()) > 0


@pytest.mark.integration
def test_every_produced_metric_is_registered(produced):
    for run, values in produced.items():
        unknown = sorted(name for name in values if not metrics.is_registered(name))
        assert not unknown, (
            f"{run} writes metrics missing from leftshift/model/metrics.py: {unknown}"
        )


@pytest.mark.integration
def test_every_registered_metric_is_produced(produced):
    written = set().union(*produced.values())
    singles = [m.name for m in REGISTRY.values() if m.family is None]
    assert not sorted(set(singles) - written), "registered but never written (dead or misspelt)"
    for pattern, family in FAMILIES.items():
        assert set(family.names()) <= written, f"family {pattern} not written in full"


@pytest.mark.unit
def test_every_name_constant_is_registered():
    for constant, value in vars(metrics).items():
        if not constant.isupper() or constant.startswith("_"):
            continue
        if isinstance(value, str):
            assert metrics.is_registered(value), f"metrics.{constant} = {value!r} is not registered"
        if isinstance(value, Family):
            assert FAMILIES[value.pattern] is value, (
                f"metrics.{constant} is not a registered family"
            )


@pytest.mark.unit
def test_entries_are_complete():
    for m in REGISTRY.values():
        assert m.unit in set(Unit), m.name
        assert m.per_year in ("sum", "mean"), m.name
        assert m.label and m.meaning and m.section, m.name


@pytest.mark.unit
def test_family_keys_are_the_producers_keys():
    assert metrics.DISCHARGE_SERVICES == SERVICES
    assert metrics.VIRTUAL_WARD_KINDS == KINDS
    assert metrics.STAFF_GROUPS == (*CommunityConfig().staff_groups(), "virtual_ward_staff")
    assert metrics.PEOPLE_FRAILTY_SEVERE == "people_frailty_severe"


@pytest.mark.unit
def test_yearly_metrics_come_from_the_registry():
    from leftshift.analysis.experiment import YEARLY_METRICS

    assert len(YEARLY_METRICS) == len(metrics.COMPARED_YEAR_BY_YEAR) == 55
    for name, how in YEARLY_METRICS.items():
        assert how == lookup(name).per_year
    assert YEARLY_METRICS[metrics.OCCUPANCY] == "mean"
    assert YEARLY_METRICS[metrics.BED_DAYS] == "sum"
    assert metrics.yearly_aggregation(metrics.QALYS_BY_IMD.name("Q3")) == "sum"


@pytest.mark.unit
def test_lookup_suggests_the_closest_names():
    assert lookup("bed_days").unit == "bed-days"
    assert lookup("qalys_Q2").family == "qalys_{quintile}"
    with pytest.raises(KeyError, match=r"unknown metric 'bed_day'; did you mean 'bed_days'"):
        lookup("bed_day")
    with pytest.raises(KeyError, match="places_in_use_care_homes"):
        lookup("places_in_use_care_home")
    with pytest.raises(KeyError) as info:
        lookup("zzz")
    assert "did you mean" not in str(info.value)
    assert "docs/metrics.md" in str(info.value)
    assert not metrics.is_registered("bed_day")


@pytest.mark.unit
def test_family_names_reject_unknown_keys():
    assert metrics.PLACES_IN_USE.name("care_homes") == "places_in_use_care_homes"
    with pytest.raises(KeyError, match="care_home"):
        metrics.PLACES_IN_USE.name("care_home")


@pytest.mark.unit
def test_metric_reference_is_up_to_date():
    assert (ROOT / "docs" / "metrics.md").read_text() == metrics.markdown(), (
        "docs/metrics.md is stale: run python -m leftshift.model.metrics > docs/metrics.md"
    )

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

    assert len(YEARLY_METRICS) == len(metrics.COMPARED_YEAR_BY_YEAR) == 68
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


#: strings in analysis/ and report/ equal to (or an f-string that can spell) a registered metric
#: name but not naming a monthly metric: (file, string) -> (occurrences, why it is not one).
#: Counted, so a metric name cannot creep back into a file beside a legitimate twin.
NOT_METRIC_NAMES = {
    ("leftshift/analysis/calibrate_trends.py", "population"): (
        1,
        "the config section population (a script's config dict), not the monthly metric",
    ),
    ("leftshift/analysis/checkpoints.py", "referrals"): (
        1,
        "name of a stored record table (referrals.parquet), not the monthly metric",
    ),
    ("leftshift/analysis/sensitivity.py", "bed_days"): (
        1,
        "name of a sensitivity output (a difference over the horizon), not the monthly metric",
    ),
    ("leftshift/analysis/decommissioning.py", "wards_closed"): (
        2,
        "column of the decommissioning table: wards closed in that trial",
    ),
    ("leftshift/analysis/economics.py", "qalys"): (
        4,
        "column of the per-replication economics frame (econ_by_replication)",
    ),
    ("leftshift/report/figures.py", "qalys"): (
        1,
        "column of the per-replication economics frame drawn by incremental_qalys_figure",
    ),
    ("leftshift/analysis/virtual_ward_report.py", "occupied_beds"): (
        1,
        "key of the virtual-ward report's by_year rows (virtual beds, not G&A)",
    ),
    ("leftshift/analysis/virtual_ward_report.py", "occupancy"): (
        1,
        "key of the virtual-ward report's by_year rows (virtual-ward occupancy)",
    ),
    ("leftshift/analysis/virtual_ward_report.py", "f'admissions_{k}'"): (
        1,
        "keys of the virtual-ward report's by_year rows, one per stay kind",
    ),
    ("leftshift/report/console.py", "occupancy"): (
        2,
        "label and key of the virtual-ward report's by_year rows",
    ),
    ("leftshift/report/console.py", "waiting_list_18wk_share"): (
        1,
        "key of an arm's summary (results.summarise()), not the monthly table",
    ),
    ("leftshift/report/pack.py", "population"): (1, "the config group population"),
}


def _metric_like_strings(path: Path) -> list[tuple[int, str]]:
    """Strings equal to a registered metric name, and f-strings that can spell one.

    An f-string counts when it starts with text and its text parts, with anything between
    them, spell a registered name in full (``f"deaths_Q{q}"`` spells ``deaths_Q1``).
    """
    import ast
    import re

    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if metrics.is_registered(node.value):
                found.append((node.lineno, node.value))
        elif isinstance(node, ast.JoinedStr) and isinstance(node.values[0], ast.Constant):
            shape = "".join(
                re.escape(v.value) if isinstance(v, ast.Constant) else ".+" for v in node.values
            )
            if any(re.fullmatch(shape, name) for name in REGISTRY):
                found.append((node.lineno, ast.unparse(node)))
    return found


@pytest.mark.unit
def test_analysis_and_report_name_metrics_through_the_registry():
    from collections import Counter

    found: Counter[tuple[str, str]] = Counter()
    lines: dict[tuple[str, str], list[int]] = {}
    paths = [*ROOT.glob("leftshift/analysis/*.py"), *ROOT.glob("leftshift/report/*.py")]
    for path in sorted(paths):
        rel = path.relative_to(ROOT).as_posix()
        for line, text in _metric_like_strings(path):
            found[rel, text] += 1
            lines.setdefault((rel, text), []).append(line)
    allowed = {key: count for key, (count, _) in NOT_METRIC_NAMES.items()}
    stray = [
        f"{rel}:{','.join(map(str, lines[rel, text]))}: {text}"
        for (rel, text), n in sorted(found.items())
        if n > allowed.get((rel, text), 0)
    ]
    assert not stray, (
        "metric names written as strings (use leftshift.model.metrics' constants or families,"
        " or add a non-metric use to NOT_METRIC_NAMES with the reason): " + "; ".join(stray)
    )
    stale = sorted(key for key, n in allowed.items() if found[key] < n)
    assert not stale, f"NOT_METRIC_NAMES counts more than the code holds: {stale}"

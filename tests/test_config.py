"""Configuration: validation before any run, frozen configs, the parameter registry."""

import dataclasses
from pathlib import Path

import pytest
import yaml
from hydra import compose, initialize_config_dir

from leftshift.config import Config, ConfigError, iter_leaves, load, register_configs

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"


def error_for(overrides):
    with pytest.raises(ConfigError) as info:
        load(overrides)
    return str(info.value)


def test_defaults_validate(default_config):
    assert default_config.place.population == 300_000
    assert default_config.hospital.elective_threshold == pytest.approx(0.92)


@pytest.mark.parametrize(
    "overrides, key, allowed",
    [
        ({"place": {"general_acute_beds": -5}}, "place.general_acute_beds = -5", ">= 1"),
        ({"place": {"escalation_beds": -1}}, "place.escalation_beds = -1", ">= 0"),
        ({"hospital": {"elective_threshold": 1.5}}, "hospital.elective_threshold = 1.5", "<= 1"),
        ({"demand": {"urgent_share": -0.1}}, "demand.urgent_share = -0.1", ">= 0.0"),
        ({"demand": {"list_removal_per_month": 2.0}}, "demand.list_removal_per_month", "<= 1"),
        (
            {"place": {"age_shares": [0.5, 0.5, 0.5, 0.0, 0.0, 0.0]}},
            "place.age_shares sums to 1.5",
            "must sum to 1",
        ),
        ({"place": {"imd_shares": [0.5, 0.5]}}, "place.imd_shares has 2 values", "exactly 5"),
        (
            {"hospital": {"routine_emergency_los": {"distribution": "weibull"}}},
            "hospital.routine_emergency_los.distribution = 'weibull'",
            "lognormal, gamma",
        ),
        (
            {"hospital": {"complex_emergency_los": {"mean_days": 0}}},
            "hospital.complex_emergency_los.mean_days = 0",
            "> 0",
        ),
        ({"run": {"start_date": "2024-13-01"}}, "run.start_date = '2024-13-01'", "ISO date"),
        (
            {"interventions": {"emergency_demand_multiplier": {"value": -1}}},
            "interventions.emergency_demand_multiplier.value = -1",
            ">= 0",
        ),
        (
            {"demand": {"emergency_admissions_per_1000_by_age": [45, 50, -85, 155, 280, 500]}},
            "demand.emergency_admissions_per_1000_by_age[2] = -85",
            ">= 0.0",
        ),
        (
            {"population": {"births_per_1000": 80}},
            "population.births_per_1000 = 80",
            "<= 50",
        ),
        (
            {"interventions": {"emergency_demand_multiplier": {"ramp_months": -3}}},
            "interventions.emergency_demand_multiplier.ramp_months = -3",
            ">= 0.0",
        ),
        (
            {"run": {"warmup_months": 500}},
            "run.warmup_months = 500",
            "<= 240",
        ),
        (
            {"hospital": {"discharge_window_hours": [20, 8]}},
            "hospital.discharge_window_hours",
            "start must be before end",
        ),
    ],
)
def test_bad_values_name_key_value_and_range(overrides, key, allowed):
    message = error_for(overrides)
    assert key in message
    assert allowed in message


def test_all_problems_reported_at_once():
    message = error_for({"place": {"general_acute_beds": 0}, "demand": {"urgent_share": 3}})
    assert "place.general_acute_beds" in message and "demand.urgent_share" in message


def test_unknown_key_and_wrong_type():
    assert "unknown key 'hospital.elective_treshold'" in error_for(
        {"hospital": {"elective_treshold": 0.9}}
    )
    assert "did you mean 'hospital.elective_threshold'" in error_for(
        {"hospital": {"elective_treshold": 0.9}}
    )
    assert "place.population" in error_for({"place": {"population": "lots"}})


def test_config_is_frozen(default_config):
    with pytest.raises(dataclasses.FrozenInstanceError):
        default_config.place.population = 1
    assert isinstance(default_config.place.age_shares, tuple)


def test_load_does_not_freeze_the_callers_object():
    mine = Config()
    load(mine)
    mine.place.population = 123_456  # still editable
    assert load(mine).place.population == 123_456


def test_every_leaf_has_a_registered_source():
    registry = yaml.safe_load((ROOT / "leftshift" / "data" / "sources.yaml").read_text())
    used = set()
    for key, _value, meta in iter_leaves(Config()):
        source = meta.get("source")
        assert source, f"{key} has no source"
        assert source in registry, f"{key} names unknown source {source!r}"
        used.add(source)
    assert set(registry) == used, f"unused: {set(registry) - used}"
    for entry in registry.values():
        assert entry["citation"] and entry["used_for"] and entry["kind"]


def scenario_files():
    from leftshift.cli import GROUPS  # every config group the command line offers

    return [(g, p.stem) for g in GROUPS for p in sorted((SCENARIOS / g).glob("*.yaml"))]


@pytest.mark.parametrize("group, option", scenario_files())
def test_every_scenario_file_composes_and_validates(group, option):
    register_configs()
    with initialize_config_dir(config_dir=str(SCENARIOS), version_base="1.3"):
        cfg = load(compose("config", overrides=[f"{group}={option}"]))
    if group == "experiment":
        assert cfg.experiment.name == option


def test_command_line_style_override_composes():
    register_configs()
    with initialize_config_dir(config_dir=str(SCENARIOS), version_base="1.3"):
        cfg = load(compose("config", overrides=["place=small", "hospital.elective_threshold=0.9"]))
    assert cfg.place.population == 100_000 and cfg.hospital.elective_threshold == 0.9


def test_parameter_reference_is_up_to_date():
    from leftshift.config.paramdoc import markdown

    assert (ROOT / "docs" / "parameters.md").read_text() == markdown(), (
        "docs/parameters.md is stale: run python -m leftshift.config.paramdoc > docs/parameters.md"
    )

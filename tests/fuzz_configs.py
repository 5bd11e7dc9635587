"""Hypothesis strategies for the fuzz suite: valid configs drawn from the schema's own ranges.

Every leaf of the fuzzed sections is read from :func:`leftshift.config.iter_leaves` with its
declared bounds (``ge``/``gt``/``le``/``lt``), length, choices and ``sums_to_one``; a drawn
value is a bound, a value just inside a bound, or a random interior value. A config the
validation refuses (a cross-field rule) is discarded with ``assume``. The place is small
(20,000-100,000 people, 1.8 G&A beds per 1,000), the horizon one or two years, the warm-up
1-6 months, one replication.

Some bounds are capped for run time only (:data:`RUNTIME_CAPS`): rates that multiply the
number of simulated events (5,000 emergency admissions per 1,000 people a year is valid but
would take minutes a run). The caps are still far outside calibrated values.
"""

import copy
import math
from pathlib import Path
from typing import Any

import yaml
from hypothesis import assume
from hypothesis import strategies as st

from leftshift.config import ConfigError, iter_leaves, load

ROOT = Path(__file__).resolve().parents[1]
EXPERIMENTS = ROOT / "scenarios" / "experiment"

#: sections whose every leaf is fuzzed
FUZZED_SECTIONS = (
    "hospital",
    "demand",
    "population",
    "social_care",
    "virtual_wards",
    "interventions",
    "community",
    "outcomes",
    "finance",
    "economics",
    "report",
)
#: leaves never fuzzed: labels and free text
NOT_FUZZED = {"finance.price_year"}

#: upper bounds lowered for run time only (key prefix or key -> cap); see the module docstring
RUNTIME_CAPS = {
    "demand.emergency_admissions_per_1000_by_age": 1_500.0,
    "demand.elective_referrals_per_1000_by_age": 300.0,
    "demand.initial_waiting_list_per_1000": 100.0,
    "population.copd.exacerbation_admissions_per_year": 4.0,
    "population.copd.incidence_per_1000_by_age": 100.0,
    "population.heart_failure.incidence_per_1000_by_age": 100.0,
    "population.heart_failure.admission_monthly_hazard_under_75": 0.3,
    "interventions.virtual_wards.beds_per_100k.values": 300.0,
    "interventions.neighbourhood_teams.care_coordinators_wte_per_100k.values": 300.0,
    "interventions.neighbourhood_teams.community_nurses_wte_per_100k.values": 300.0,
    "interventions.neighbourhood_teams.maturity.values": 2.0,
    "hospital.max_ed_boarders": 2_000,
    "hospital.escalation_open_boarders": 500,
    "report.decommission_search_max_wards": 3,
    "report.decommission_search_year": 3.0,
    "interventions.decommissioning.max_wards": 3,
    "interventions.decommissioning.close_at_years": 3.0,
    "interventions.decommissioning.earliest_year": 3.0,
    "interventions.decommissioning.consecutive_months": 24,
}
#: a leaf keeps its default with this probability (so each example changes a few dozen leaves)
KEEP_DEFAULT = 0.75
TINY = 1e-6


def _bounds(key: str, meta: dict[str, Any], integer: bool) -> tuple[float, float]:
    step = 1 if integer else TINY
    low = meta["ge"] if meta.get("ge") is not None else meta["gt"] + step
    high = meta["le"] if meta.get("le") is not None else meta["lt"] - step
    cap = RUNTIME_CAPS.get(key)
    if cap is not None:
        high = min(high, cap)
    return low, high


def numbers(key: str, meta: dict[str, Any], integer: bool) -> st.SearchStrategy:
    """A bound, a value just inside it, or a random value between the bounds."""
    low, high = _bounds(key, meta, integer)
    if integer:
        low, high = int(low), int(high)
        near = sorted({low, min(low + 1, high), max(high - 1, low), high})
        return st.one_of(st.sampled_from(near), st.integers(low, high))
    inside = max((high - low) * 1e-3, TINY)
    near = [low, min(low + inside, high), max(high - inside, low), high]
    return st.one_of(st.sampled_from(near), st.floats(low, high, allow_nan=False))


@st.composite
def shares(draw: Any, length: int) -> list[float]:
    """Shares summing to one: all in one category (the others empty) or random weights."""
    if draw(st.booleans()):
        one = draw(st.integers(0, length - 1))
        return [1.0 if i == one else 0.0 for i in range(length)]
    weights = draw(st.lists(st.floats(0.0, 1.0), min_size=length, max_size=length))
    total = math.fsum(weights)
    assume(total > 0.01)
    out = [w / total for w in weights]
    out[-1] = 1.0 - math.fsum(out[:-1])
    assume(out[-1] >= 0.0)
    return out


@st.composite
def piecewise(draw: Any, key: str, meta_values: dict[str, Any]) -> dict[str, list[float]]:
    """A piecewise schedule: 0-4 increasing years in [-1, 3] and values within the bounds."""
    n = draw(st.integers(0, 4))
    years = sorted(draw(st.lists(st.floats(-1.0, 3.0), min_size=n, max_size=n)))
    values = draw(st.lists(numbers(key + ".values", meta_values, False), min_size=n, max_size=n))
    return {"years": years, "values": values}


def ordered_bounds(a: float, b: float) -> tuple[float, float]:
    """``(min, max)`` of two floats with a signed zero read as 0.0.

    ``sorted`` keeps 0.0 before -0.0 (they compare equal), but Hypothesis orders them, and
    ``st.floats(0.0, -0.0)`` raises InvalidArgument (shard 16 of the long tier, 2026-12-05).
    """
    low, high = sorted((a + 0.0, b + 0.0))  # -0.0 + 0.0 is 0.0
    return low, high


@st.composite
def effects(draw: Any, bounds: tuple[float, float] = (-1.0, 1.0)) -> dict[str, Any]:
    """An effect size within its bounds whose mean is a valid mean of its distribution.

    A bounded effect (a probability, a QALY gain) takes no normal distribution.
    """
    low, high = ordered_bounds(*draw(st.lists(st.floats(*bounds), min_size=2, max_size=2)))
    choices = ["triangular", "uniform", "fixed"]
    if bounds == (-1.0, 1.0):
        choices.append("normal")
    distribution = draw(st.sampled_from(choices))
    if distribution in ("uniform", "normal"):
        mean = (low + high) / 2
    elif distribution == "triangular":
        mean = draw(st.floats(*ordered_bounds((2 * low + high) / 3, (low + 2 * high) / 3)))
    else:
        mean = draw(st.floats(low, high))
    return {"mean": mean, "low": low, "high": high, "distribution": distribution}


@st.composite
def transition_matrix(draw: Any) -> list[list[float]]:
    """Four GOLD rows of five columns (GOLD 1-4, death), each summing to one."""
    return [draw(shares(5)) for _ in range(4)]


def _set(raw: dict[str, Any], key: str, value: Any) -> None:
    *parents, leaf = key.split(".")
    node = raw
    for part in parents:
        node = node.setdefault(part, {})
    node[leaf] = value


def _leaf_strategy(key: str, default: Any, meta: dict[str, Any]) -> st.SearchStrategy | None:
    if meta.get("label") or key in NOT_FUZZED:
        return None
    if meta.get("matrix"):
        return transition_matrix()
    if meta.get("choices"):
        return st.sampled_from(list(meta["choices"]))
    if isinstance(default, bool):
        return st.booleans()
    if isinstance(default, str):
        return None
    bound = meta.get("ge", meta.get("gt"))
    integer = isinstance(bound, int) and not isinstance(bound, bool)
    if isinstance(default, tuple | list):
        if meta.get("sums_to_one"):
            return shares(meta["length"])
        if meta.get("length") is not None:
            n = meta["length"]
            return st.lists(numbers(key, meta, integer), min_size=n, max_size=n)
        return None  # variable-length lists are drawn by their section (schedules, ...)
    if default is None:
        return st.one_of(st.none(), numbers(key, meta, integer))
    return numbers(key, meta, integer)


@st.composite
def variable_lists(draw: Any, raw: dict[str, Any]) -> None:
    """The schema's variable-length lists: schedules, dates, quintiles, funding, WTP."""
    nt = "interventions.neighbourhood_teams"
    meta_values = {"ge": 0.0, "le": 1_000_000.0}
    for key in (
        f"{nt}.care_coordinators_wte_per_100k",
        f"{nt}.community_nurses_wte_per_100k",
        f"{nt}.maturity",
        "interventions.virtual_wards.beds_per_100k",
    ):
        if draw(st.booleans()):
            _set(raw, key, draw(piecewise(key, meta_values)))
    if draw(st.booleans()):
        _set(
            raw,
            "interventions.virtual_wards.targeted_offer.quintiles",
            sorted(draw(st.sets(st.integers(1, 5), max_size=5))),
        )
    if draw(st.booleans()):
        dates = st.lists(
            numbers(
                "interventions.decommissioning.close_at_years", {"ge": 0.0, "le": 100.0}, False
            ),
            min_size=0,
            max_size=3,
        )
        _set(raw, "interventions.decommissioning.close_at_years", draw(dates))
    if draw(st.booleans()):
        funding = st.lists(st.floats(0.0, 10_000.0), min_size=0, max_size=4)
        _set(raw, "finance.transition_funding.gbp_per_head_by_year", draw(funding))
    if draw(st.booleans()):
        wtp = st.lists(st.floats(0.0, 1_000_000.0), min_size=1, max_size=3)
        _set(raw, "economics.willingness_to_pay_gbp", draw(wtp))


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = copy.deepcopy(value)
    return base


def experiment_file(name: str) -> dict[str, Any]:
    """An experiment file's overrides with its defaults resolved (arms left out)."""
    text = yaml.safe_load((EXPERIMENTS / f"{name}.yaml").read_text()) or {}
    out: dict[str, Any] = {}
    for entry in text.pop("defaults", []):
        if entry == "_self_":
            continue
        if isinstance(entry, str):
            _merge(out, experiment_file(entry))
        else:
            for group, option in entry.items():
                group = group.split("/")[-1]
                part = yaml.safe_load((ROOT / "scenarios" / group / f"{option}.yaml").read_text())
                _merge(out, {group: part or {}})
    _merge(out, text)
    out.get("experiment", {}).pop("arms", None)
    return out


#: experiment files with one scenario arm (multi-arm files name other files)
SINGLE_ARM_EXPERIMENTS = sorted(
    p.stem
    for p in EXPERIMENTS.glob("*.yaml")
    if "arms" not in (yaml.safe_load(p.read_text()) or {}).get("experiment", {})
)

_DEFAULT_LEAVES = [
    (key, default, meta)
    for key, default, meta in iter_leaves(load())
    if key.split(".")[0] in FUZZED_SECTIONS
]
#: effect sizes (mean, low, high, distribution), drawn whole so the mean fits the distribution
EFFECTS = sorted(
    key.rsplit(".", 1)[0]
    for key, _, _ in _DEFAULT_LEAVES
    if key.endswith(".distribution")
    and key.rsplit(".", 1)[0] + ".mean" in {k for k, _, _ in _DEFAULT_LEAVES}
)

#: each effect's bounds (its mean's ge and le): a probability's are [0, 1]
EFFECT_BOUNDS = {
    key.rsplit(".", 1)[0]: (float(meta["ge"]), float(meta["le"]))
    for key, _, meta in _DEFAULT_LEAVES
    if key.rsplit(".", 1)[0] in EFFECTS and key.endswith(".mean")
}


@st.composite
def fuzz_overrides(draw: Any, figures: bool = False) -> dict[str, Any]:
    """Overrides of a valid config: small place, short horizon, leaves near their bounds."""
    population = draw(st.integers(20_000, 100_000))
    raw: dict[str, Any] = {
        "place": {
            "name": "fuzz",
            "population": population,
            "general_acute_beds": max(1, round(population * 1.8 / 1000)),
            "escalation_beds": draw(st.integers(0, 10)),
        },
        "run": {
            "horizon_years": draw(st.integers(1, 2)),
            "warmup_months": draw(st.integers(1, 6)),
            "replications": 1,
            "seed": draw(st.integers(0, 2**32)),
            "outputs": "full" if figures else "summary",
            "psa": draw(st.booleans()),
        },
    }
    for key, length in (("age_shares", 6), ("imd_shares", 5)):
        if draw(st.floats(0.0, 1.0)) >= KEEP_DEFAULT:
            raw["place"][key] = draw(shares(length))
    if draw(st.booleans()):
        _merge(raw, experiment_file(draw(st.sampled_from(SINGLE_ARM_EXPERIMENTS))))
    for key, default, meta in _DEFAULT_LEAVES:
        if key.rsplit(".", 1)[0] in EFFECTS:
            continue  # effects are drawn whole below
        strategy = _leaf_strategy(key, default, meta)
        if strategy is None or draw(st.floats(0.0, 1.0)) < KEEP_DEFAULT:
            continue
        _set(raw, key, draw(strategy))
    for prefix in EFFECTS:
        if draw(st.floats(0.0, 1.0)) >= KEEP_DEFAULT:
            _set(raw, prefix, draw(effects(EFFECT_BOUNDS[prefix])))
    draw(variable_lists(raw))
    _frailty_within_one(raw)
    return raw


def _frailty_within_one(raw: dict[str, Any]) -> None:
    """Scale the frail shares of an age band down to sum to at most 1 (a cross-field rule)."""
    pop = raw.get("population", {})
    names = [f"frailty_{level}_share_by_age" for level in ("mild", "moderate", "severe")]
    if not any(n in pop for n in names):
        return
    defaults = load().population
    rows = [list(pop.get(n, getattr(defaults, n))) for n in names]
    for i in range(len(rows[0])):
        total = sum(r[i] for r in rows)
        if total > 1.0:
            for r in rows:
                r[i] = r[i] / total * (1 - 1e-9)
    for n, r in zip(names, rows, strict=True):
        pop[n] = r


def valid_config(raw: dict[str, Any]) -> Any:
    """The loaded config, or discard the example when validation refuses it."""
    try:
        return load(raw)
    except ConfigError:
        assume(False)
        raise AssertionError("unreachable") from None

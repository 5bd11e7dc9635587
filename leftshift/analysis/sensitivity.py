"""Sensitivity analysis with SALib: one-way (tornado), Morris screening and Sobol indices.

A declared parameter set (:func:`parameter_set`) gives each uncertain input a range: effect
sizes take their PSA range (``low`` and ``high`` of the :class:`~leftshift.config.EffectConfig`,
the 2.5th and 97.5th centiles for a normal one); unit costs, utility multipliers and stay
lengths take a range from the registry where it gives one, else a stated assumption
(``assumption: +/-20%``). Morris and Sobol sample every parameter uniformly over its range.

Each sample point is a config (:func:`apply_values`) run as a paired experiment, baseline vs
scenario with the same seed at every point (common random numbers), the points in parallel
with joblib (:func:`run_points`). :func:`point_outputs` reduces one experiment to the four
outputs in :data:`OUTPUTS`. The indices come from :func:`analyse`, which takes any table of
outputs, so a test can pass it a function with known indices instead of the model.
"""

import dataclasses
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from leftshift.analysis.economics import incremental_by_replication
from leftshift.analysis.experiment import ExperimentResults, is_experiment, run_experiment
from leftshift.config import Config, ConfigError, EffectConfig, load, to_container
from leftshift.model import metrics
from leftshift.model.psa import NORMAL_95, uncertain_parameters

METHODS = ("oneway", "morris", "sobol")
#: relative half-width of a range where no source gives one
ASSUMED_RELATIVE_RANGE = 0.20
ASSUMED_RANGE = "assumption: +/-20%"
MORRIS_LEVELS = 4
SOBOL_RESAMPLES = 200
#: the reporting year of the net-cost output, and the last year of the QALY output
NET_COST_YEAR = 2
QALY_YEAR = 10


@dataclass(frozen=True)
class SensitivityParameter:
    """One input of the analysis: its config key, base value, range and where the range is from.

    ``key`` is a dotted config key; a list element is ``key[i]``; an effect is the key of its
    :class:`~leftshift.config.EffectConfig` section (the value fixes its distribution).
    """

    key: str
    base: float
    low: float
    high: float
    range_source: str


@dataclass(frozen=True)
class Output:
    """An output of every sample point (a column of the outputs table)."""

    name: str
    label: str
    unit: str


NET_COST = Output(
    f"net_cost_year_{NET_COST_YEAR}",
    f"System net cost, reporting year {NET_COST_YEAR} (scenario - baseline)",
    "GBP",
)
QALYS = Output(
    "incremental_qalys",
    "Incremental QALYs to reporting year {qaly_year}, discounted (scenario - baseline)",
    "QALYs",
)
BED_DAYS = Output(
    "bed_days", "Occupied bed-days over the horizon (scenario - baseline)", "bed-days"
)
WAITING_LIST = Output(
    "waiting_list",
    "Admitted waiting list, mean of the last reporting year (scenario - baseline)",
    "people",
)
OUTPUTS = (NET_COST, QALYS, BED_DAYS, WAITING_LIST)


def output_label(output: Output, qaly_year: int) -> str:
    """An output's label, with the last year of the QALY sum filled in."""
    return output.label.format(qaly_year=qaly_year)


# --- the declared parameter set -----------------------------------------------------------
#: (key, range) of the parameters that are not effect sizes; a range is (low, high, source)
#: from the registry, or None for the assumed relative range around the base value
OTHER_PARAMETERS: tuple[tuple[str, tuple[float, float, str] | None], ...] = (
    ("finance.bed_day_cost_gbp", None),
    ("finance.elective_bed_day_extra_cost_gbp", None),
    (
        "finance.fixed_share_of_bed_day_cost",
        (0.5, 0.9, "registry: assumption_fixed_share (range 0.5-0.9 for sensitivity)"),
    ),
    ("community.community_nurses.cost_per_wte_gbp", None),
    ("community.care_coordinators.cost_per_wte_gbp", None),
    ("outcomes.copd_utility_multiplier[3]", None),
    ("outcomes.hf_utility_multiplier[3]", None),
    ("hospital.routine_emergency_los.mean_days", None),
    ("hospital.complex_emergency_los.mean_days", None),
)


def effect_range(effect: EffectConfig) -> tuple[float, float]:
    """The range of an effect: its bounds, or for a normal one its 2.5th and 97.5th centiles."""
    if effect.distribution == "normal":
        half = (effect.high - effect.low) / 2.0
        sd = half / NORMAL_95
        return effect.mean - NORMAL_95 * sd, effect.mean + NORMAL_95 * sd
    return float(effect.low), float(effect.high)


def parameter_set(cfg: Config, keys: Sequence[str] | None = None) -> list[SensitivityParameter]:
    """The declared parameters, in a fixed order (effects first); ``keys`` picks some by key.

    Effects whose range is a single value (fixed) are left out: they have nothing to vary.
    """
    params = []
    for key, effect in uncertain_parameters(cfg):
        low, high = effect_range(effect)
        if effect.distribution == "fixed" or low == high:
            continue
        source = f"PSA range ({effect.distribution}, registry: {_source_id(cfg, key)})"
        params.append(SensitivityParameter(key, float(effect.mean), low, high, source))
    for key, given in OTHER_PARAMETERS:
        base = float(get_value(cfg, key))
        if given is None:
            low = base * (1 - ASSUMED_RELATIVE_RANGE)
            high = base * (1 + ASSUMED_RELATIVE_RANGE)
            params.append(SensitivityParameter(key, base, low, high, ASSUMED_RANGE))
        else:
            params.append(SensitivityParameter(key, base, *given))
    if keys is None:
        return params
    by_key = {p.key: p for p in params}
    unknown = [k for k in keys if k not in by_key]
    if unknown:
        raise ConfigError(
            [f"no sensitivity parameter {k!r}; declared: {', '.join(by_key)}" for k in unknown]
        )
    return [by_key[k] for k in keys]


def parameter_table(parameters: Sequence[SensitivityParameter]) -> pd.DataFrame:
    """The parameter set as a table (key, base, low, high, range_source)."""
    return pd.DataFrame([dataclasses.asdict(p) for p in parameters])


def _source_id(cfg: Config, key: str) -> str:
    *parents, name = key.split(".")
    node: Any = cfg
    for part in parents:
        node = getattr(node, part)
    meta = next(f.metadata for f in dataclasses.fields(node) if f.name == name)
    return str(meta.get("source", "not named"))


_INDEXED = re.compile(r"^(?P<key>[\w.]+)\[(?P<index>\d+)\]$")


def _split(key: str) -> tuple[list[str], int | None]:
    match = _INDEXED.match(key)
    if match:
        return match["key"].split("."), int(match["index"])
    return key.split("."), None


def get_value(cfg: Config, key: str) -> float:
    """The value of a parameter key in a config (an effect's mean for an effect)."""
    parts, index = _split(key)
    node: Any = cfg
    for part in parts:
        node = getattr(node, part)
    if isinstance(node, EffectConfig):
        return float(node.mean)
    return float(node[index] if index is not None else node)


def apply_values(cfg: Config, values: dict[str, float]) -> Config:
    """The config with each parameter set to a value (an effect is fixed at its value)."""
    raw: dict[str, Any] = to_container(cfg)
    for key, value in values.items():
        parts, index = _split(key)
        node = raw
        for part in parts[:-1]:
            node = node[part]
        leaf = parts[-1]
        if isinstance(node[leaf], dict) and "distribution" in node[leaf]:
            node[leaf].update(mean=value, low=value, high=value, distribution="fixed")
        elif index is not None:
            node[leaf][index] = value
        else:
            node[leaf] = type(node[leaf])(value) if isinstance(node[leaf], int) else value
    return load(raw)


# --- samples and indices: plain arrays, no model --------------------------------------------
def problem(parameters: Sequence[SensitivityParameter]) -> dict[str, Any]:
    """The SALib problem of a parameter set."""
    return {
        "num_vars": len(parameters),
        "names": [p.key for p in parameters],
        "bounds": [[p.low, p.high] for p in parameters],
    }


def oneway_sample(problem_: dict[str, Any], base: Sequence[float]) -> np.ndarray:
    """Row 0 at base; then for each parameter a row at its low and one at its high value."""
    rows = [np.asarray(base, float)]
    for i, (low, high) in enumerate(problem_["bounds"]):
        for value in (low, high):
            row = np.asarray(base, float).copy()
            row[i] = value
            rows.append(row)
    return np.vstack(rows)


def sample(
    method: str, problem_: dict[str, Any], n: int, seed: int, base: Sequence[float] | None = None
) -> np.ndarray:
    """Sample points (one row each) for a method.

    ``n`` is the number of Morris trajectories or Sobol base samples (a power of two); one-way
    needs ``base`` and ignores ``n``. Sobol omits second-order indices: N (D + 2) points.
    """
    if method == "oneway":
        if base is None:
            raise ValueError("one-way sensitivity needs the base values")
        return oneway_sample(problem_, base)
    if method == "morris":
        from SALib.sample import morris

        return np.asarray(morris.sample(problem_, n, num_levels=MORRIS_LEVELS, seed=seed))
    if method == "sobol":
        from SALib.sample import sobol

        return np.asarray(sobol.sample(problem_, n, calc_second_order=False, seed=seed))
    raise ValueError(f"unknown method {method!r}; choose from {', '.join(METHODS)}")


def analyse(
    method: str, problem_: dict[str, Any], samples: np.ndarray, outputs: pd.DataFrame, seed: int
) -> pd.DataFrame:
    """Indices of every parameter for every output column, ranked within each output.

    One table with columns ``output, parameter, rank`` and the method's measures: one-way
    ``base, at_low, at_high, swing`` (swing: the span of the three values, so an effect that
    is the same at both ends but not at base still counts; the rank's key); Morris
    ``mu, mu_star, sigma, mu_star_conf`` (ranked by mu*); Sobol ``S1, S1_conf, ST, ST_conf``
    (ranked by ST). ``outputs`` has one row per sample row.
    """
    tables = []
    for output in outputs.columns:
        y = outputs[output].to_numpy(float)
        if method == "oneway":
            table, key = _oneway(problem_, y), RANKED_BY["oneway"]
        elif method == "morris":
            from SALib.analyze import morris

            res = morris.analyze(
                problem_, samples, y, num_levels=MORRIS_LEVELS, seed=seed, print_to_console=False
            )
            table = pd.DataFrame(
                {k: np.asarray(res[k], float) for k in ("mu", "mu_star", "sigma", "mu_star_conf")}
            )
            key = RANKED_BY["morris"]
        elif method == "sobol":
            from SALib.analyze import sobol

            res = sobol.analyze(
                problem_,
                y,
                calc_second_order=False,
                num_resamples=SOBOL_RESAMPLES,
                seed=seed,
                print_to_console=False,
            )
            table = pd.DataFrame(
                {k: np.asarray(res[k], float) for k in ("S1", "S1_conf", "ST", "ST_conf")}
            )
            key = RANKED_BY["sobol"]
        else:
            raise ValueError(f"unknown method {method!r}; choose from {', '.join(METHODS)}")
        table.insert(0, "parameter", problem_["names"])
        table.insert(0, "output", output)
        ranks = table[key].abs().rank(ascending=False, method="first", na_option="bottom")
        table.insert(2, "rank", ranks.astype(int))
        tables.append(table.sort_values("rank"))
    return pd.concat(tables, ignore_index=True)


#: the measure each method ranks parameters by (a column of :func:`analyse`'s table)
RANKED_BY = {"oneway": "swing", "morris": "mu_star", "sobol": "ST"}


def _oneway(problem_: dict[str, Any], y: np.ndarray) -> pd.DataFrame:
    at_low, at_high = y[1::2], y[2::2]
    base = np.full(problem_["num_vars"], y[0])
    return pd.DataFrame(
        {
            "base": base,
            "at_low": at_low,
            "at_high": at_high,
            "swing": np.maximum.reduce([at_low, at_high, base])
            - np.minimum.reduce([at_low, at_high, base]),
        }
    )


# --- the model at each point ----------------------------------------------------------------
def point_outputs(cfg: Config, results: ExperimentResults) -> dict[str, float]:
    """The outputs of one experiment (means over its replications), by output name.

    Incremental QALYs are summed to reporting year :data:`QALY_YEAR`, or to the last year when
    the horizon is shorter (:func:`qaly_year` says which); net cost is the NHS and PSS system
    net cost without transition funding (as in the economic evaluation), undiscounted.
    """
    econ = incremental_by_replication(cfg, results)
    year2 = econ[econ["reporting_year"] == NET_COST_YEAR]
    net_cost = year2.groupby("replication")["cost"].sum().mean() if len(year2) else np.nan
    to_year = econ[econ["reporting_year"] <= qaly_year(cfg)]
    qalys = to_year.groupby("replication")["qalys_discounted"].sum().mean()
    yearly = results.yearly().set_index(["arm", "replication", "reporting_year"])
    diff = yearly.loc["scenario"] - yearly.loc["baseline"]
    bed_days = diff[metrics.BED_DAYS].groupby("replication").sum().mean()
    last = diff.index.get_level_values("reporting_year").max()
    waiting = diff.xs(last, level="reporting_year")[metrics.WAITING_LIST_SIZE].mean()
    return {
        NET_COST.name: float(net_cost),
        QALYS.name: float(qalys),
        BED_DAYS.name: float(bed_days),
        WAITING_LIST.name: float(waiting),
    }


def qaly_year(cfg: Config) -> int:
    """The last reporting year of the QALY output: :data:`QALY_YEAR` or the horizon's end."""
    return int(min(QALY_YEAR, np.ceil(cfg.run.horizon_years)))


def _run_point(cfg: Config) -> dict[str, float]:
    return point_outputs(cfg, run_experiment(cfg))


def point_configs(
    cfg: Config, parameters: Sequence[SensitivityParameter], samples: np.ndarray
) -> list[Config]:
    """One config per sample row, each run with one process (``run.n_jobs=1``)."""
    serial = _serial(cfg)
    keys = [p.key for p in parameters]
    return [apply_values(serial, dict(zip(keys, map(float, row), strict=True))) for row in samples]


def _serial(cfg: Config) -> Config:
    raw = to_container(cfg)
    raw["run"]["n_jobs"] = 1
    return load(raw)


def run_points(
    configs: Sequence[Config],
    n_jobs: int,
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """Run every point's experiment (points in parallel with joblib); one row of outputs each."""
    from joblib import Parallel, delayed

    if configs and not is_experiment(configs[0]):
        raise ConfigError(
            [
                "sensitivity needs an experiment (baseline vs scenario), e.g."
                " experiment=neighbourhood_teams"
            ]
        )
    rows: list[dict[str, float]] = []
    if n_jobs == 1 or len(configs) == 1:
        results = map(_run_point, configs)
    else:
        results = Parallel(n_jobs=n_jobs, return_as="generator")(
            delayed(_run_point)(c) for c in configs
        )
    for k, row in enumerate(results):
        rows.append(row)
        if progress:
            progress(k + 1, len(configs))
    return pd.DataFrame(rows, columns=[o.name for o in OUTPUTS])


@dataclass
class SensitivityResult:
    """A sensitivity analysis: its parameters, samples with outputs, and indices."""

    method: str
    parameters: list[SensitivityParameter]
    samples: pd.DataFrame  # one row per point: parameter values, then outputs
    indices: pd.DataFrame
    qaly_year: int


def run_sensitivity(
    cfg: Config,
    method: str,
    n: int,
    keys: Sequence[str] | None = None,
    n_jobs: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> SensitivityResult:
    """Sample, run every point's experiment and analyse, for one method."""
    if method not in METHODS:
        raise ConfigError([f"method={method!r}: choose from {', '.join(METHODS)}"])
    parameters = parameter_set(cfg, keys)
    prob = problem(parameters)
    points = sample(method, prob, n, cfg.run.seed, base=[p.base for p in parameters])
    outputs = run_points(point_configs(cfg, parameters, points), n_jobs, progress)
    indices = analyse(method, prob, points, outputs, cfg.run.seed)
    samples = pd.DataFrame(points, columns=prob["names"])
    samples.insert(0, "point", np.arange(len(samples)))
    return SensitivityResult(
        method, parameters, pd.concat([samples, outputs], axis=1), indices, qaly_year(cfg)
    )

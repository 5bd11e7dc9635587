"""Validation of a composed config: every leaf against its range, cross-field checks, freezing.

:func:`validate` reports *all* problems at once, each naming the key, the value and what is
allowed; :func:`freeze` then makes the validated config read-only.
"""

import copy
import dataclasses
import datetime as dt
import math
import re
import typing
from collections.abc import Mapping
from typing import Any

from leftshift.config import tables
from leftshift.config.beds import site_pools, split_beds
from leftshift.config.dimensions import AGE_BANDS
from leftshift.config.schema import (
    BED_OFFER_STEPS,
    Config,
    ConfigError,
    EffectConfig,
    PiecewiseConfig,
)


def iter_leaves(obj: Any, prefix: str = "", source: str | None = None) -> Any:
    """Yield ``(dotted_key, value, metadata)`` for every leaf of a config dataclass.

    A section declared with its own ``source`` (an effect size) passes that source down to
    leaves whose own source is only the generic ``scenario_choice``.
    """
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        key = f"{prefix}{f.name}"
        if dataclasses.is_dataclass(value):
            inner = iter_leaves(value, key + ".", f.metadata.get("source", source))
            bounds = f.metadata.get("bounds")
            if bounds is not None:
                inner = (
                    (
                        k,
                        v,
                        {**m, "ge": bounds[0], "le": bounds[1]}
                        if k.rsplit(".", 1)[1] in PROBABILITY_LEAVES
                        else m,
                    )
                    for k, v, m in inner
                )
            yield from inner
        else:
            meta = dict(f.metadata)
            if source is not None and meta.get("source") == "scenario_choice":
                meta["source"] = source
            meta["nullable"] = _admits_none(f.type)
            yield key, value, meta


def _admits_none(annotation: Any) -> bool:
    """Whether a field's type admits None (``float | None``): null is then a valid value."""
    if isinstance(annotation, str):
        return "None" in annotation
    return type(None) in typing.get_args(annotation)


def null_meaning(meta: Mapping[str, Any]) -> str:
    """What an error says of a leaf that may also be null: that it may, and what null does.

    The meaning is the clause of the leaf's doc that starts with "null" (up to a ";"), so a
    user who tried 0 to turn a rule off learns that null is the way.
    """
    found = re.search(r"\bnull\b[^;]*", meta.get("doc", ""))
    if not found:
        return "; null is also allowed (docs/parameters.md says what it means)"
    clause = found[0].strip().rstrip(".")
    while clause.count(")") > clause.count("(") and clause.endswith(")"):
        clause = clause[:-1]  # the doc's clause was itself in brackets
    return f"; null is also allowed: {clause}"


#: the leaves of a bounded effect (see ``schema._effect``) held to its bounds
PROBABILITY_LEAVES = ("mean", "low", "high")


def iter_sections(obj: Any, prefix: str = "") -> Any:
    """Yield ``(dotted_key, section)`` for every nested config section, depth first."""
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if dataclasses.is_dataclass(value):
            key = f"{prefix}{f.name}"
            yield key, value
            yield from iter_sections(value, key + ".")


def _describe_range(meta: Mapping[str, Any]) -> str:
    parts = []
    if meta.get("ge") is not None:
        parts.append(f">= {meta['ge']}")
    if meta.get("gt") is not None:
        parts.append(f"> {meta['gt']}")
    if meta.get("le") is not None:
        parts.append(f"<= {meta['le']}")
    if meta.get("lt") is not None:
        parts.append(f"< {meta['lt']}")
    return " and ".join(parts)


def _check_number(key: str, value: Any, meta: Mapping[str, Any]) -> list[str]:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return [f"{key} = {value!r}: must be a number"]
    if not math.isfinite(value):
        return [f"{key} = {value!r}: must be finite ({_describe_range(meta)})"]
    bad = (
        (meta.get("ge") is not None and value < meta["ge"])
        or (meta.get("gt") is not None and value <= meta["gt"])
        or (meta.get("le") is not None and value > meta["le"])
        or (meta.get("lt") is not None and value >= meta["lt"])
    )
    return [f"{key} = {value!r}: must be {_describe_range(meta)}"] if bad else []


#: what a label that becomes part of a folder name may hold
LABEL = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+-]{0,63}")


def _check_leaf(key: str, value: Any, meta: Mapping[str, Any]) -> list[str]:
    problems = _check_value(key, value, meta)
    if problems and meta.get("nullable"):
        problems[-1] += null_meaning(meta)
    return problems


def _check_value(key: str, value: Any, meta: Mapping[str, Any]) -> list[str]:
    if value is None:
        return []
    if meta.get("label"):
        labels = list(value) if isinstance(value, list | tuple) else [value]
        bad = [v for v in labels if not isinstance(v, str) or not LABEL.fullmatch(v) or ".." in v]
        if bad:
            return [
                f"{key} = {value!r}: must be a label of 1-64 letters, digits, '_', '-', '+' or"
                " '.', starting with a letter or digit, without '..' (it names a folder)"
            ]
        return []
    if meta.get("choices"):
        if isinstance(value, list | tuple):  # a list of words, each one of the choices
            bad = [v for v in value if v not in meta["choices"]]
            if bad:
                return [
                    f"{key} = {list(value)!r}: each must be one of {', '.join(meta['choices'])}"
                ]
            return []
        if value not in meta["choices"]:
            return [f"{key} = {value!r}: must be one of {', '.join(meta['choices'])}"]
        return []
    if meta.get("matrix"):
        problems = []
        for r, row in enumerate(value):
            for c, item in enumerate(row):
                problems += _check_number(f"{key}[{r}][{c}]", item, meta)
            if not problems and abs(sum(row) - 1.0) > 1e-3:
                problems.append(
                    f"{key}[{r}] sums to {sum(row):.6g}: each row (including death) must sum"
                    " to 1 within 0.001"
                )
        if len(value) != 4 or any(len(row) != 5 for row in value):
            problems.append(f"{key} must be 4 rows (GOLD 1-4) of 5 columns (GOLD 1-4, death)")
        return problems
    if isinstance(value, list | tuple):
        problems = []
        if meta.get("length") is not None and len(value) != meta["length"]:
            problems.append(f"{key} has {len(value)} values: must have exactly {meta['length']}")
        for i, item in enumerate(value):
            problems += _check_number(f"{key}[{i}]", item, meta)
        if meta.get("sums_to_one") and not problems and abs(sum(value) - 1.0) > 1e-6:
            problems.append(f"{key} sums to {sum(value):.6g}: shares must sum to 1")
        return problems
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _check_number(key, value, meta)
    return []


def _follow_up_checks(cfg: Config) -> list[str]:
    """Relative risks of the follow-up must be above 0 (a risk of 0 or below is no risk)."""
    f = cfg.outcomes.follow_up
    problems = []
    for name in (
        "vw_death_relative_risk",
        "vw_readmission_relative_risk",
        "vw_care_home_relative_risk",
    ):
        effect = getattr(f, name)
        for leaf in ("mean", "low", "high"):
            value = getattr(effect, leaf)
            if not value > 0:
                problems.append(
                    f"outcomes.follow_up.{name}.{leaf} = {value}: a relative risk must be > 0"
                )
    return problems


def _cross_checks(cfg: Config) -> list[str]:
    problems = []
    problems += _follow_up_checks(cfg)
    pop = cfg.population
    for i, band in enumerate(AGE_BANDS):
        frail = (
            pop.frailty_mild_share_by_age[i]
            + pop.frailty_moderate_share_by_age[i]
            + pop.frailty_severe_share_by_age[i]
        )
        if frail > 1.0 + 1e-9:
            problems.append(
                " + ".join(
                    f"population.frailty_{level}_share_by_age[{i}]"
                    for level in ("mild", "moderate", "severe")
                )
                + f" (age {band}) sum to {frail:.3g}: the frail shares of an age band must sum"
                " to at most 1"
            )
    problems += _normalisation_checks(cfg)
    if cfg.run.n_jobs == 0:
        problems.append("run.n_jobs = 0: must be -1 (every core) or at least 1")
    try:
        dt.date.fromisoformat(cfg.run.start_date)
    except ValueError:
        problems.append(
            f"run.start_date = {cfg.run.start_date!r}: must be an ISO date such as 2024-04-01"
        )
    problems += _check_sections(cfg)
    problems += _decommissioning_checks(cfg)
    h = cfg.hospital
    window = h.discharge_window_hours
    if window is not None and len(window) == 2 and not window[0] < window[1]:
        problems.append(
            f"hospital.discharge_window_hours = {list(window)}: start must be before end"
        )
    if h.discharge_hour_weights is not None and window is not None:
        problems.append(
            "hospital.discharge_hour_weights is set while hospital.discharge_window_hours ="
            f" {list(window)}: use one of them (set discharge_window_hours to null)"
        )
    weekdays = h.elective_weekday_weights
    if weekdays is not None and len(weekdays) == 7 and max(weekdays) <= 0:
        problems.append(
            f"hospital.elective_weekday_weights = {list(weekdays)}: at least one day must have"
            " a weight above 0 (0-1, the busiest day 1), or no elective is ever admitted"
        )
    if weekdays is not None and h.elective_round_hour is None:
        problems.append(
            "hospital.elective_weekday_weights is set while hospital.elective_round_hour is"
            " null: theatre days need the daily elective round (set an hour, 0-24)"
        )
    if cfg.place.theatre_sessions_per_week_per_100k is not None and h.elective_round_hour is None:
        problems.append(
            "place.theatre_sessions_per_week_per_100k is set while hospital.elective_round_hour"
            " is null: theatre lists are booked at the daily elective round (set an hour, 0-24,"
            " or set the sessions to null)"
        )
    order = list(h.bed_offer_order)
    if sorted(order) != sorted(BED_OFFER_STEPS):
        problems.append(
            f"hospital.bed_offer_order = {order}: must list each of {list(BED_OFFER_STEPS)}"
            " once, in the order a freed bed is offered"
        )
    formats = list(cfg.report.figure_formats)
    if not formats or len(set(formats)) != len(formats):
        problems.append(f"report.figure_formats = {formats}: list png, svg or both, each once")
    if h.outlying and not h.specialty_pools:
        problems.append(
            "hospital.outlying = true needs hospital.specialty_pools = true (outliers move"
            " between pools)"
        )
    if h.stay_multiplier_min > h.stay_multiplier_max:
        problems.append(
            f"hospital.stay_multiplier_min = {h.stay_multiplier_min} is above"
            f" hospital.stay_multiplier_max = {h.stay_multiplier_max}: min must be <= max"
        )
    for name in (
        "routine_emergency_los",
        "complex_emergency_los",
        "routine_elective_los",
        "complex_elective_los",
    ):
        los = getattr(h, name)
        if los.distribution in ("lognormal", "gamma") and los.cv <= 0:
            problems.append(
                f"hospital.{name}.cv = {los.cv}: a {los.distribution} stay needs cv > 0"
                " (use distribution=fixed for a constant stay)"
            )
    problems += _site_and_pool_checks(cfg)
    plan = cfg.place.bed_plan
    if plan is not None and not 1 <= len(plan) <= cfg.run.horizon_years:
        problems.append(
            f"place.bed_plan has {len(plan)} years: 1 to run.horizon_years ="
            f" {cfg.run.horizon_years} (a year outside the horizon would never be used)"
        )
    for i, share in enumerate(cfg.place.age_shares):
        if 0 < share < MIN_AGE_SHARE:
            problems.append(
                f"place.age_shares[{i}] = {share:.3g}: an age band's share must be 0 (nobody) or"
                f" at least {MIN_AGE_SHARE:g}; a band of a few billionths of a person makes the"
                " population's rates divide by almost nothing"
            )
    pop = cfg.population
    for key, shares in (
        ("place.imd_shares", cfg.place.imd_shares),
        ("population.frailty_mild_share_by_age", pop.frailty_mild_share_by_age),
        ("population.frailty_moderate_share_by_age", pop.frailty_moderate_share_by_age),
        ("population.frailty_severe_share_by_age", pop.frailty_severe_share_by_age),
        ("population.copd.prevalence_by_age", pop.copd.prevalence_by_age),
        ("population.copd.stage_mix", pop.copd.stage_mix),
        ("population.heart_failure.prevalence_by_age", pop.heart_failure.prevalence_by_age),
        ("population.heart_failure.class_mix", pop.heart_failure.class_mix),
    ):
        for i, share in enumerate(shares):
            if 0 < share < MIN_AGE_SHARE:
                problems.append(
                    f"{key}[{i}] = {share:.3g}: a share of people must be 0 (nobody) or at"
                    f" least {MIN_AGE_SHARE:g}; a group of a few billionths of a person makes the"
                    " population's rates divide by almost nothing"
                )
    problems += _stationary_mortality_checks(cfg)
    problems += _copd_generator_checks(cfg)
    problems += _demand_load_checks(cfg)
    capital = list(cfg.report.bed_capital_cost_gbp)
    if len(capital) == 3 and not capital[0] <= capital[1] <= capital[2]:
        problems.append(f"report.bed_capital_cost_gbp = {capital}: must be low <= central <= high")
    if not problems:  # the run's dates are needed, and read above
        problems += _projection_checks(cfg)
    return problems


def _projection_checks(cfg: Config) -> list[str]:
    """With ``population.transitions=projected``: a readable table that covers the run.

    The table must name every age band, hold finite populations above zero in increasing
    years, and span the run from ``run.start_date`` to the end of its horizon (no
    extrapolation); migration is then the projection's, so ``net_migration_per_1000`` must be 0.
    """
    pop = cfg.population
    if pop.transitions != "projected":
        return []
    key = "population.projection_table"
    try:
        years, _ = tables.projection(pop.projection_table, AGE_BANDS)
    except tables.ProjectionTableError as exc:
        return [f"{key} = {pop.projection_table!r}: {exc}"]
    start = dt.date.fromisoformat(cfg.run.start_date)
    first = start.year + (start - dt.date(start.year, 7, 1)).days / 365.25
    last = first + cfg.run.warmup_months / 12.0 + cfg.run.horizon_years
    problems = []
    if first < years[0] or last > years[-1]:
        problems.append(
            f"{key} = {pop.projection_table!r}: covers mid-{years[0]:g} to mid-{years[-1]:g},"
            f" but the run (run.start_date {cfg.run.start_date}, run.warmup_months"
            f" {cfg.run.warmup_months}, run.horizon_years {cfg.run.horizon_years}) needs"
            f" {first:.2f} to {last:.2f}"
        )
    if pop.net_migration_per_1000 != 0:
        problems.append(
            f"population.net_migration_per_1000 = {pop.net_migration_per_1000}: must be 0 with"
            " population.transitions = projected (the projection's migration is solved by band)"
        )
    return problems


#: the smallest non-zero share of people: age band, IMD quintile, frailty level, prevalence or
#: stage mix (one person in 10 million)
MIN_AGE_SHARE = 1e-7


#: the most a frailty level's hazard may be, once scaled, relative to its age band's rate
MAX_SCALED_HAZARD_RATIO = 1_000.0


def _normalisation_checks(cfg: Config) -> list[str]:
    """Relative risks are rescaled to mean 1 over a mix: the mix-weighted sum must be > 0.

    For the frailty hazard ratios and the NYHA class multipliers the largest must also stay
    within ``MAX_SCALED_HAZARD_RATIO`` times that sum, or a level barely present would get an
    absurd rate once scaled.
    """
    pop = cfg.population
    problems = []
    for key in ("population.frailty_mortality_hr", "demand.frailty_emergency_hr"):
        section, name = key.split(".")
        hr = getattr(getattr(cfg, section), name)
        for i, band in enumerate(AGE_BANDS):
            frail = (
                pop.frailty_mild_share_by_age[i],
                pop.frailty_moderate_share_by_age[i],
                pop.frailty_severe_share_by_age[i],
            )
            shares = (1.0 - sum(frail), *frail)
            mean = sum(s * h for s, h in zip(shares, hr, strict=True))
            if mean <= 0:
                problems.append(
                    f"{key} = {list(hr)}: every frailty level present in age {band} has a"
                    " hazard ratio of 0, so the ratios cannot be scaled to the band's rate"
                    " (the ratio of a level present, usually fit, must be > 0)"
                )
                break
            if max(hr) / mean > MAX_SCALED_HAZARD_RATIO:
                problems.append(
                    f"{key} = {list(hr)}: in age {band} the levels present carry so little of"
                    f" the hazard that scaling to the band's rate would make a level"
                    f" {max(hr) / mean:.3g} times the band's rate (at most"
                    f" {MAX_SCALED_HAZARD_RATIO:g}: people reaching that level would have"
                    " absurd rates); raise the ratio of a level present, usually fit"
                )
                break
    hf = pop.heart_failure
    mult = list(hf.class_risk_multiplier)
    mean = sum(m * s for m, s in zip(mult, hf.class_mix, strict=True))
    if mean <= 0:
        problems.append(
            f"population.heart_failure.class_risk_multiplier = {mult}:"
            " every NYHA class in population.heart_failure.class_mix has a multiplier of 0, so"
            " they cannot be scaled to mean 1"
        )
    elif max(mult) / mean > MAX_SCALED_HAZARD_RATIO:
        problems.append(
            f"population.heart_failure.class_risk_multiplier = {mult}: the classes in"
            " population.heart_failure.class_mix carry so little of the risk that scaling to"
            f" mean 1 would make a class {max(mult) / mean:.3g} times the mean (at most"
            f" {MAX_SCALED_HAZARD_RATIO:g}); raise the multiplier of a class in the mix"
        )
    return problems


#: highest death rate (per 1,000 a year) a stationary population's monthly step holds steady
STATIONARY_MAX_MORTALITY_PER_1000 = 300.0


def _stationary_mortality_checks(cfg: Config) -> list[str]:
    """Refuse death rates a stationary population cannot hold steady.

    Its births balance deaths as rates (per year), but it steps a month at a time; at very
    high death rates the month's deaths fall short of the rate and the population grows (about
    20% in two years at 1,000 per 1,000). The rate that counts is each band's initial death
    rate with the excess of COPD and heart failure included: a heart-failure death hazard of
    0.999 a month in a band where most people have it made births 0.8 times the population a
    month, and 74,212 people became 47 million in 13 months (fuzz, 2026-12-03).
    """
    pop = cfg.population
    if pop.transitions not in ("stationary", "projected"):
        return []
    worst = max(pop.mortality_per_1000_by_age, default=0.0)
    if worst > STATIONARY_MAX_MORTALITY_PER_1000:
        return [
            f"population.mortality_per_1000_by_age = {list(pop.mortality_per_1000_by_age)}:"
            f" with population.transitions = {pop.transitions} every band must be at most"
            f" {STATIONARY_MAX_MORTALITY_PER_1000:g} per 1,000 a year (a monthly step cannot"
            " hold a population steady at higher death rates); use"
            " population.transitions=published"
        ]
    for i, (band, share, rate) in enumerate(
        zip(AGE_BANDS, cfg.place.age_shares, initial_death_rates(cfg), strict=True)
    ):
        if share > 0 and rate * 1000.0 > STATIONARY_MAX_MORTALITY_PER_1000:
            return [
                f"population.heart_failure.death_monthly_hazard_under_75 ="
                f" {pop.heart_failure.death_monthly_hazard_under_75:g},"
                f" population.heart_failure.death_hr_75_plus ="
                f" {pop.heart_failure.death_hr_75_plus:g}, population.heart_failure"
                f".prevalence_by_age[{i}] = {pop.heart_failure.prevalence_by_age[i]:g} and"
                f" population.copd.prevalence_by_age[{i}] = {pop.copd.prevalence_by_age[i]:g}"
                f" (with population.copd.annual_transitions): people aged {band} would die at"
                f" {rate * 1000:.0f} per 1,000 a year, conditions included; with"
                f" population.transitions = {pop.transitions} every band must be at most"
                f" {STATIONARY_MAX_MORTALITY_PER_1000:g} (births balance the initial death rate"
                " and a monthly step cannot hold the population steady above it); use"
                " population.transitions=published"
            ]
    return []


def _band_condition_shares(prevalence: float, ratio_q1_to_q5: float, imd: list[float]) -> float:
    """A band's share with a condition, over IMD quintiles (as ``model.population``)."""
    raw = [ratio_q1_to_q5 ** ((4 - q) / 4) for q in range(5)]
    mean = sum(r * s for r, s in zip(raw, imd, strict=True))
    return sum(
        s * min(max(prevalence * r / mean, 0.0), 0.99) for r, s in zip(raw, imd, strict=True)
    )


def initial_death_rates(cfg: Config) -> list[float]:
    """Each age band's initial death rate (per person-year), COPD and heart failure included.

    As ``model.population``: a band's background rate is its configured rate less the mean
    excess of the two conditions, floored at 0, so the band's rate is the larger of the two.
    """
    import numpy as np
    from scipy import linalg

    pop = cfg.population
    imd = list(cfg.place.imd_shares)
    hf = pop.heart_failure
    copd_excess = 0.0
    p = np.asarray(pop.copd.annual_transitions, dtype=float)
    if p.shape == (4, 5) and (p.sum(axis=1) > 0).all() and not _copd_generator_checks(cfg):
        full = np.zeros((5, 5))
        full[:4] = p / p.sum(axis=1, keepdims=True)
        full[4, 4] = 1.0
        with np.errstate(all="ignore"):
            to_death = np.real(linalg.logm(full))[:4, 4]
        source = -math.log1p(-min(pop.copd.background_mortality_at_source, 1 - 1e-12))
        excess = np.clip(to_death - source, 0.0, None)
        copd_excess = float(np.dot(pop.copd.stage_mix, excess))
    rates = []
    for i in range(len(AGE_BANDS)):
        band = pop.mortality_per_1000_by_age[i] / 1000.0
        hf_total = 12.0 * hf.death_monthly_hazard_under_75 * (hf.death_hr_75_plus if i >= 4 else 1)
        mean_excess = _band_condition_shares(
            hf.prevalence_by_age[i], hf.deprivation_ratio_q1_to_q5, imd
        ) * max(hf_total - band, 0.0) + copd_excess * _band_condition_shares(
            pop.copd.prevalence_by_age[i], pop.copd.deprivation_ratio_q1_to_q5, imd
        )
        rates.append(max(band, mean_excess))
    return rates


def _decommissioning_checks(cfg: Config) -> list[str]:
    d = cfg.interventions.decommissioning
    key = "interventions.decommissioning"
    problems = []
    if d.rule == "on_dates" and not d.close_at_years:
        problems.append(f"{key}.close_at_years is empty: rule on_dates needs at least one date")
    wards = len(d.close_at_years) if d.rule == "on_dates" else d.max_wards
    if d.rule != "none" and wards * d.ward_beds >= cfg.place.general_acute_beds:
        problems.append(
            f"{key}: closing {wards} ward(s) of {d.ward_beds} beds would leave no G&A beds"
            f" of place.general_acute_beds = {cfg.place.general_acute_beds}"
        )
    elif d.rule != "none" and wards > (room := wards_with_room(cfg)):
        problems.append(
            f"{key}: closing {wards} ward(s) of {d.ward_beds} beds: a ward closes within one"
            f" G&A bed pool and leaves it a bed, and the pools ({closable_pool_beds(cfg)} core"
            f" beds) have room for {room}"
        )
    return problems


def wards_with_room(cfg: Config) -> int:
    """How many wards of ``interventions.decommissioning.ward_beds`` the pools can lose.

    A ward closes within one pool and leaves it at least a bed (see
    ``Hospital.ward_to_close``), so each pool holds ``(core beds - 1) // ward beds``.
    """
    ward = cfg.interventions.decommissioning.ward_beds
    return sum(max(0, (beds - 1) // ward) for beds in closable_pool_beds(cfg))


def closable_pool_beds(cfg: Config) -> list[int]:
    """Core beds of each pool a ward may close from: every site's pools but the hub."""
    return [beds for site in site_pools(cfg) for name, beds, _ in site if name != "hub"]


def _effect_problems(key: str, e: EffectConfig) -> list[str]:
    """An effect's mean must be its distribution's mean (see :mod:`leftshift.model.psa`)."""
    if not e.low <= e.mean <= e.high:
        return [f"{key}: low {e.low} <= mean {e.mean} <= high {e.high} must hold"]
    if e.distribution == "triangular" and e.high > e.low:
        mode = 3 * e.mean - e.low - e.high
        if not e.low - 1e-9 <= mode <= e.high + 1e-9:
            return [
                f"{key}: a triangular distribution on [{e.low}, {e.high}] cannot have mean"
                f" {e.mean} (its mode would be {mode:.4g}); the mean must lie between"
                f" {(2 * e.low + e.high) / 3:.4g} and {(e.low + 2 * e.high) / 3:.4g}"
            ]
    if e.distribution in ("uniform", "normal") and abs(e.mean - (e.low + e.high) / 2) > 1e-9:
        return [
            f"{key}: a {e.distribution} distribution needs mean {e.mean} at the midpoint of"
            f" low {e.low} and high {e.high} ({(e.low + e.high) / 2:.4g})"
        ]
    return []


def _check_sections(cfg: Any, prefix: str = "") -> list[str]:
    """Checks that span the fields of one section (effects, piecewise schedules)."""
    problems = []
    for f in dataclasses.fields(cfg):
        value = getattr(cfg, f.name)
        key = f"{prefix}{f.name}"
        if isinstance(value, EffectConfig):
            problems += _effect_problems(key, value)
            bounds = f.metadata.get("bounds")
            if bounds is not None and value.distribution == "normal":
                what = "a probability" if f.metadata.get("probability") else "this effect"
                problems.append(
                    f"{key}.distribution = 'normal': {what} needs a bounded distribution"
                    f" (triangular, uniform or fixed) within [{bounds[0]:g}, {bounds[1]:g}];"
                    " a normal draw can leave it"
                )
        elif isinstance(value, PiecewiseConfig):
            years = list(value.years)
            if len(years) != len(value.values):
                problems.append(
                    f"{key}: years ({len(years)}) and values ({len(value.values)}) must have"
                    " the same length"
                )
            elif years != sorted(years):
                problems.append(f"{key}.years = {years}: must be in increasing order")
        elif dataclasses.is_dataclass(value):
            problems += _check_sections(value, key + ".")
    return problems


def validate(cfg: Config) -> Config:
    """Check every leaf against its range; raise :class:`ConfigError` listing all problems."""
    problems = []
    for key, value, meta in iter_leaves(cfg):
        problems += _check_leaf(key, value, meta)
    if not problems:
        problems += _cross_checks(cfg)
    if problems:
        raise ConfigError(problems)
    return cfg


def freeze(cfg: Any) -> Any:
    """Return a deep, read-only copy of a validated config (lists become tuples)."""
    cfg = copy.deepcopy(cfg)

    def lock(obj: Any) -> None:
        for f in dataclasses.fields(obj):
            value = getattr(obj, f.name)
            if dataclasses.is_dataclass(value):
                lock(value)
            elif isinstance(value, list):
                object.__setattr__(
                    obj, f.name, tuple(tuple(v) if isinstance(v, list) else v for v in value)
                )
        object.__setattr__(obj, "_frozen", True)

    lock(cfg)
    return cfg


def to_container(cfg: Any) -> dict[str, Any]:
    """Plain nested dict (lists, not tuples) of a config, for YAML/JSON output."""

    def convert(v: Any) -> Any:
        if dataclasses.is_dataclass(v):
            return {f.name: convert(getattr(v, f.name)) for f in dataclasses.fields(v)}
        if isinstance(v, tuple | list):
            return [convert(x) for x in v]
        return v

    return convert(cfg)


#: highest annual hazard a COPD move may have in the monthly generator (a move every ~4 days)
COPD_MAX_HAZARD_PER_YEAR = 100.0


def _copd_generator_checks(cfg: Config) -> list[str]:
    """The annual GOLD matrix must have a monthly generator: a real, finite matrix logarithm.

    The model moves people monthly by the matrix logarithm of the annual matrix (rows
    renormalised, death absorbing). A matrix with no such logarithm (a singular one, or one
    whose logarithm is complex or explodes) would give absurd or infinite hazards.
    """
    import numpy as np
    from scipy import linalg

    key = "population.copd.annual_transitions"
    p = np.asarray(cfg.population.copd.annual_transitions, dtype=float)
    if p.shape != (4, 5) or (p.sum(axis=1) <= 0).any():
        return []  # the leaf check reports the shape and the rows
    full = np.zeros((5, 5))
    full[:4] = p / p.sum(axis=1, keepdims=True)
    full[4, 4] = 1.0
    with np.errstate(all="ignore"):
        q = linalg.logm(full) if abs(np.linalg.det(full)) > 1e-12 else np.full((5, 5), np.nan)
    off = np.real(q)[:4][~np.eye(5, dtype=bool)[:4]]
    if (
        not np.isfinite(q).all()
        or np.abs(np.imag(q)).max() > 1e-6
        or off.max() > COPD_MAX_HAZARD_PER_YEAR
    ):
        return [
            f"{key}: this annual matrix has no monthly generator (no real, finite matrix"
            f" logarithm with hazards up to {COPD_MAX_HAZARD_PER_YEAR:g} a year), so the"
            " model cannot step it monthly; keep some weight on staying in each stage"
        ]
    return []


#: most emergency presentations per admission at the reference occupancy (a guard, not a
#: calibrated value): the model keeps the configured admission rate by presenting more people
#: as fewer are admitted, so presentations grow without bound as the admitted share goes to 0
MAX_PRESENTATIONS_PER_ADMISSION = 20.0
#: days in a year: nobody can spend more of it in hospital
YEAR_DAYS = 365.0
#: the referral response reads a mean wait of at least this (an empty list has no wait)
MIN_MEAN_WAIT_WEEKS = 1.0
#: most the referral response may multiply referrals by, reached at the shortest mean wait
MAX_REFERRAL_RESPONSE = 20.0
#: smallest non-zero share of virtual-ward step-ups that avoided an admission: below it the
#: referrals of people not otherwise admitted (1 - share) / share per avoided one exceed 99
MIN_AVOIDED_ADMISSION_SHARE = 0.01


@dataclasses.dataclass(frozen=True)
class BandDemand:
    """An age band's emergency demand at the reference occupancy, from the config alone."""

    #: emergency admissions per person-year at the scenario's highest demand multiplier
    admissions_per_year: float
    #: presentations per admission for the band's least complex people (the most there are)
    presentations_per_admission: float
    #: mean emergency stay (days) before occupancy pressure and discharge delays
    mean_stay_days: float


def _odds_to_p(p: float, odds_ratio: float) -> float:
    p = min(max(p, 1e-9), 1 - 1e-9)
    odds = p / (1 - p) * odds_ratio
    return odds / (1 + odds)


def emergency_demand_by_band(cfg: Config) -> list[BandDemand]:
    """Each age band's emergency admissions, presentations per admission and mean stay.

    Mirrors the model's definitions (``model.demand``): complex shares by age with frailty
    and severe-condition odds ratios, marginal routine presentations admitted with
    ``hospital.marginal_admission_probability`` at the reference occupancy, stays by case mix
    times the frailty multiplier. Used to refuse loads no population could make.
    """
    d, h, pop = cfg.demand, cfg.hospital, cfg.population
    peak = max(1.0, cfg.interventions.emergency_demand_multiplier.value)
    frailty_or = list(h.frailty_complex_odds_ratio)
    lowest_or = min(frailty_or) * min(1.0, h.severe_condition_complex_odds_ratio)
    routine, complex_ = h.routine_emergency_los.mean_days, h.complex_emergency_los.mean_days
    out = []
    for i in range(len(AGE_BANDS)):
        base = h.emergency_complex_share_by_age[i]
        least_complex = _odds_to_p(base, lowest_or)
        marginal = (1 - least_complex) * d.routine_marginal_share
        not_admitted = marginal * (1 - h.marginal_admission_probability)
        per_admission = 1 / (1 - not_admitted) if not_admitted < 1 else math.inf
        frail = (
            pop.frailty_mild_share_by_age[i],
            pop.frailty_moderate_share_by_age[i],
            pop.frailty_severe_share_by_age[i],
        )
        shares = (max(0.0, 1.0 - sum(frail)), *frail)
        stay = 0.0
        for share, odds_ratio, multiplier in zip(
            shares, frailty_or, h.frailty_los_multiplier, strict=True
        ):
            p_complex = _odds_to_p(base, odds_ratio)
            stay += share * multiplier * ((1 - p_complex) * routine + p_complex * complex_)
        rate = d.emergency_admissions_per_1000_by_age[i] / 1000.0 * peak
        out.append(BandDemand(rate, per_admission, stay))
    return out


def _demand_load_checks(cfg: Config) -> list[str]:
    """Refuse demand no population could make, which would simulate without bound.

    Four ways a valid-looking config asks for an absurd number of simulated people: (1) so few
    presentations admitted that keeping the admission rate needs hundreds of presentations
    each; (2) more emergency bed-days per person than a year has days; (3) a referral response
    that multiplies referrals many times over as the list empties (the list then empties
    faster: a runaway); (4) a near-zero avoided-admission share of virtual-ward step-ups,
    which adds (1 - share) / share referrals per avoided admission.
    """
    problems = []
    d, h = cfg.demand, cfg.hospital
    for band, load in zip(AGE_BANDS, emergency_demand_by_band(cfg), strict=True):
        if load.presentations_per_admission > MAX_PRESENTATIONS_PER_ADMISSION:
            problems.append(
                f"demand.routine_marginal_share = {d.routine_marginal_share:g} with"
                f" hospital.marginal_admission_probability = {h.marginal_admission_probability:g}"
                " and hospital.emergency_complex_share_by_age ="
                f" {list(h.emergency_complex_share_by_age)}: in age {band} only"
                f" {1 / load.presentations_per_admission:.3g} of emergency presentations would be"
                " admitted, so keeping the configured admission rate would take"
                f" {load.presentations_per_admission:.3g} presentations per admission (at most"
                f" {MAX_PRESENTATIONS_PER_ADMISSION:g}); lower the marginal share, raise the"
                " marginal admission probability or the complex share"
            )
            break
    for i, (band, load) in enumerate(zip(AGE_BANDS, emergency_demand_by_band(cfg), strict=True)):
        days = load.admissions_per_year * load.mean_stay_days
        if days > YEAR_DAYS:
            problems.append(
                f"demand.emergency_admissions_per_1000_by_age[{i}] ="
                f" {d.emergency_admissions_per_1000_by_age[i]:g} with"
                " interventions.emergency_demand_multiplier.value ="
                f" {cfg.interventions.emergency_demand_multiplier.value:g} and emergency stays"
                f" of {load.mean_stay_days:.3g} days on average (hospital.routine_emergency_los,"
                " hospital.complex_emergency_los, hospital.frailty_los_multiplier): people aged"
                f" {band} would need {days:.0f} days a year in hospital (a year has"
                f" {YEAR_DAYS:g}); lower the rate or the multiplier"
            )
            break
    if d.referral_wait_elasticity > 0:
        response = (d.reference_wait_weeks / MIN_MEAN_WAIT_WEEKS) ** d.referral_wait_elasticity
        if response > MAX_REFERRAL_RESPONSE:
            problems.append(
                f"demand.referral_wait_elasticity = {d.referral_wait_elasticity:g} with"
                f" demand.reference_wait_weeks = {d.reference_wait_weeks:g}: when the mean wait"
                f" falls to {MIN_MEAN_WAIT_WEEKS:g} week referrals would be {response:.3g} times"
                f" the configured rate (at most {MAX_REFERRAL_RESPONSE:g}); shorter waits then"
                " bring more referrals, which shorten the mean wait again (a runaway). Lower the"
                " elasticity or the reference wait"
            )
    share = cfg.virtual_wards.avoided_admission_share
    key = "virtual_wards.avoided_admission_share"
    if share.distribution == "normal":
        problems.append(
            f"{key}.distribution = 'normal': a share needs a bounded distribution (triangular,"
            " uniform or fixed); a normal draw can be near 0 or negative"
        )
    elif cfg.run.psa and share.low < MIN_AVOIDED_ADMISSION_SHARE < share.high:
        problems.append(
            f"{key}.low = {share.low:g} with run.psa on: a draw between 0 and"
            f" {MIN_AVOIDED_ADMISSION_SHARE:g} would bring (1 - share) / share virtual-ward"
            " referrals of people not otherwise admitted per avoided admission (over 99, and"
            f" without bound near 0); low must be at least {MIN_AVOIDED_ADMISSION_SHARE:g}"
        )
    elif 0 < share.mean < MIN_AVOIDED_ADMISSION_SHARE:
        ratio = (1 - share.mean) / share.mean
        problems.append(
            f"{key}.mean = {share.mean:g}: must be 0 or at least {MIN_AVOIDED_ADMISSION_SHARE:g};"
            f" each avoided admission brings (1 - share) / share = {ratio:.3g}"
            " virtual-ward referrals of people not otherwise admitted"
        )
    return problems


#: most acute sites a place may have
MAX_ACUTE_SITES = 10


def _site_and_pool_checks(cfg: Config) -> list[str]:
    """Every site's pools get a bed, and each site's hub is smaller than its surgical pool."""
    place, pools_on = cfg.place, cfg.hospital.specialty_pools
    sites = place.acute_site_shares
    if sites is not None and not 1 <= len(sites) <= MAX_ACUTE_SITES:
        return [f"place.acute_site_shares has {len(sites)} shares: 1-{MAX_ACUTE_SITES} sites"]
    if place.ring_fenced_elective_beds and not pools_on:
        return [
            f"place.ring_fenced_elective_beds = {place.ring_fenced_elective_beds} needs"
            " hospital.specialty_pools = true (the hub is taken from the surgical pool)"
        ]
    site_beds = split_beds(place.general_acute_beds, sites or [1.0])
    if min(site_beds) < 1:
        return [
            f"place.acute_site_shares = {list(sites or [])}: with {place.general_acute_beds} G&A"
            f" beds a site would get {min(site_beds)} beds"
        ]
    if not pools_on:
        return []
    hubs = split_beds(place.ring_fenced_elective_beds, sites or [1.0])
    for beds, hub in zip(site_beds, hubs, strict=True):
        pools = split_beds(beds, place.pool_bed_shares)
        where = " at a site" if sites is not None and len(sites) > 1 else ""
        if min(pools) < 1:
            return [
                f"place.pool_bed_shares = {list(place.pool_bed_shares)}: with {beds} G&A beds"
                f"{where} a pool would get {min(pools)} beds (medical and surgical need at"
                " least 1 each with hospital.specialty_pools)"
            ]
        if hub >= pools[1]:
            return [
                f"place.ring_fenced_elective_beds = {place.ring_fenced_elective_beds}: the"
                f" {hub} hub beds{where} must be below the surgical pool's {pools[1]} beds (the"
                " hub is taken from it and at least 1 surgical bed must stay open to"
                " emergencies)"
            ]
    return []

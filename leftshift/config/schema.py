"""Typed configuration: the schema Hydra composes scenarios into.

Every leaf is declared with :func:`param`, which records the allowed range and the id of its
source in ``leftshift/data/sources.yaml`` (the parameter registry). :func:`validate` checks every
leaf against its range before any simulation runs and reports *all* problems at once, each naming
the key, the value and what is allowed. :func:`freeze` then makes the validated config read-only.

The dataclasses are mutable while Hydra composes them (OmegaConf cannot merge into frozen
dataclasses); :func:`load` returns a validated, frozen copy.
"""

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from leftshift.config import tables
from leftshift.config.dimensions import AGE_BANDS, N_AGE, N_FRAILTY, N_GOLD, N_IMD, N_NYHA
from leftshift.config.prices import PRICE_BASE, to_price_base

LOS_DISTRIBUTIONS = ("lognormal", "gamma", "exponential", "fixed")


class ConfigError(ValueError):
    """A configuration value is missing, of the wrong kind or outside its allowed range."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"invalid configuration ({len(self.problems)} problem(s)):\n{lines}")


#: what a freed bed may be offered to (hospital.bed_offer_order)
BED_OFFER_STEPS = ("boarder", "repatriation", "outlier", "elective")


def param(
    default: Any,
    *,
    source: str,
    ge: float | None = None,
    le: float | None = None,
    gt: float | None = None,
    lt: float | None = None,
    length: int | None = None,
    sums_to_one: bool = False,
    choices: tuple[str, ...] | None = None,
    label: bool = False,
    unit: str = "",
    doc: str = "",
    price_year: str | None = None,
    source_amount_gbp: float | None = None,
) -> Any:
    """Declare a config leaf with its allowed range and its source id.

    Lists are checked element by element against the bounds, and for ``length`` and
    ``sums_to_one``. ``source`` must be an id in ``leftshift/data/sources.yaml``. Money leaves
    are declared with :func:`cost`, which fills ``price_year`` and ``source_amount_gbp``.
    """
    metadata = {
        "source": source,
        "ge": ge,
        "le": le,
        "gt": gt,
        "lt": lt,
        "length": length,
        "sums_to_one": sums_to_one,
        "choices": choices,
        "label": label,
        "unit": unit,
        "doc": doc,
        "price_year": price_year,
        "source_amount_gbp": source_amount_gbp,
    }
    if isinstance(default, list):
        return field(default_factory=lambda: list(default), metadata=metadata)
    return field(default=default, metadata=metadata)


def cost(
    amount_gbp: float | list[float],
    price_year: str,
    *,
    source: str,
    ge: float = 0.0,
    le: float,
    unit: str,
    doc: str = "",
    length: int | None = None,
) -> Any:
    """Declare a money leaf from its source's figure and that figure's price year.

    The default is ``amount_gbp`` inflated from ``price_year`` to the price base
    (:data:`leftshift.config.prices.PRICE_BASE`, 2024/25) with the NHS Cost Inflation Index,
    in :mod:`leftshift.config.prices`: the one place costs are inflated. The source's figure and
    year stay in the leaf's metadata (``docs/parameters.md`` shows them). A price year the index
    does not cover raises :class:`~leftshift.config.prices.PriceYearError`.
    """
    where = f"{source} (GBP {amount_gbp} at {price_year} prices)"
    if isinstance(amount_gbp, list):
        default: Any = [to_price_base(a, price_year, where) for a in amount_gbp]
        first = None
    else:
        default = to_price_base(amount_gbp, price_year, where)
        first = float(amount_gbp) if amount_gbp else None  # 0: a placeholder, nothing to inflate
    note = f"{PRICE_BASE} prices"
    if first is not None and price_year != PRICE_BASE:
        note += f" (source: GBP {first:,.2f} at {price_year} prices, NHS Cost Inflation Index)"
    return param(
        default,
        source=source,
        ge=ge,
        le=le,
        unit=f"{unit}, {note}",
        doc=doc,
        length=length,
        price_year=price_year,
        source_amount_gbp=first,
    )


def section(cls: type) -> Any:
    """Declare a nested config section."""
    return field(default_factory=cls)


class _Section:
    """Base of every config section: assignment is refused once :func:`freeze` has run."""

    _frozen = False

    def __setattr__(self, name: str, value: Any) -> None:
        if self._frozen:
            raise dataclasses.FrozenInstanceError(
                f"config is read-only once validated: cannot set {name!r}"
            )
        super().__setattr__(name, value)


# --------------------------------------------------------------------------------------------
# place
# --------------------------------------------------------------------------------------------
@dataclass
class PlaceConfig(_Section):
    """A health economy: its population and its acute trust's general and acute (G&A) beds."""

    name: str = param(
        "default", source="scenario_choice", label=True, doc="label for outputs (a folder name)"
    )
    population: int = param(
        300_000, source="scenario_choice", ge=1_000, le=20_000_000, unit="people"
    )
    general_acute_beds: int = param(
        540, source="kh03_beds", ge=1, le=200_000, unit="beds", doc="~1.8 G&A beds per 1,000"
    )
    escalation_beds: int = param(
        0,
        source="assumption_escalation",
        ge=0,
        le=20_000,
        unit="beds",
        doc="extra beds opened while emergency patients board in ED; 0 switches escalation off",
    )
    escalation_bed_share: float | None = param(
        0.0278,
        source="calibration_exit_block",
        ge=0.0,
        le=0.2,
        doc="escalation beds as a share of the G&A beds (rounded, split between sites like"
        " them), for any place size; replaces place.escalation_beds when set;"
        " null uses place.escalation_beds",
    )
    age_shares: list[float] = param(
        [0.211, 0.408, 0.194, 0.100, 0.062, 0.025],
        source="ons_census_2021",
        ge=0.0,
        le=1.0,
        length=N_AGE,
        sums_to_one=True,
        doc="population share by age band " + ", ".join(AGE_BANDS),
    )
    imd_shares: list[float] = param(
        [0.2, 0.2, 0.2, 0.2, 0.2],
        source="imd_quintile_definition",
        ge=0.0,
        le=1.0,
        length=N_IMD,
        sums_to_one=True,
        doc="population share by IMD quintile, Q1 most deprived",
    )
    pool_bed_shares: list[float] = param(
        [0.57, 0.43],
        source="calibration_exit_block",
        ge=0.0,
        le=1.0,
        length=2,
        sums_to_one=True,
        doc="shares of the G&A beds in the medical and the surgical pool, used when"
        " hospital.specialty_pools is on",
    )
    bed_growth_per_year: float = param(
        0.027,
        source="capacity_plan_real_centre",
        ge=0.0,
        le=0.2,
        doc="the baseline's capacity plan: G&A beds grow by this share a year, compounded,"
        " from reporting year 2 (year y plans general_acute_beds x (1 + rate)^(y - 1));"
        " 0 keeps the stock flat (ward closures apart); ignored when place.bed_plan is set;"
        " by default the middle of the REAL Centre's projected need (1.3-4.1% a year)",
    )
    bed_plan: list[int] | None = param(
        None,
        source="scenario_choice",
        ge=1,
        le=1_000_000,
        doc="the baseline's capacity plan as G&A beds planned for reporting years 1, 2, ...:"
        " a year's beds above the stock open at its start (plus place.bed_opening_lag_months);"
        " beds are only added (ward closures are interventions.decommissioning); years past"
        " the list keep its last value; at most run.horizon_years entries",
    )
    bed_opening_lag_months: int = param(
        0,
        source="capacity_plan_real_centre",
        ge=0,
        le=60,
        doc="months after a plan year starts before its new beds are staffed and open",
    )
    acute_site_shares: list[float] | None = param(
        None,
        source="assumption_acute_sites",
        gt=0.0,
        le=1.0,
        sums_to_one=True,
        doc="several acute sites (trusts), each with its own beds and pools: each site's share"
        " of the G&A beds, escalation beds, surgical-hub beds and theatre sessions, and of the"
        " emergency patients (its catchment); patients never move between sites, the"
        " elective list is shared (a patient is treated at the first site with a bed);"
        " null (or one share) is one site",
    )
    theatre_sessions_per_week_per_100k: float | None = param(
        None,
        source="assumption_theatre_sessions",
        ge=0.0,
        le=10_000.0,
        doc="theatre sessions a week for ordinary elective operations per 100,000 people (split"
        " between sites like the beds): each ordinary elective admission needs a theatre slot"
        " (hospital.ordinary_cases_per_session a session), so electives are limited by"
        " theatres as well as beds; null: theatres never limit them (free beds alone do);"
        " `theatres=limited` sets a documented assumption",
    )
    ring_fenced_elective_beds: int = param(
        0,
        source="policy_surgical_hub",
        ge=0,
        le=100_000,
        doc="with specialty pools: surgical beds ring-fenced for electives (a surgical hub):"
        " no emergency or outlier may use them, and electives fill them first, up to all of"
        " them; 0 is no hub",
    )


EFFECT_DISTRIBUTIONS = ("triangular", "uniform", "normal", "fixed")


@dataclass
class EffectConfig(_Section):
    """An uncertain effect size: the model uses ``mean``; PSA draws from the distribution.

    Effects are proportional reductions (0.15 = 15% fewer); a negative value is harm.
    For ``normal``, low and high are the 2.5th and 97.5th centiles.
    """

    mean: float = param(0.0, source="scenario_choice", ge=-1.0, le=1.0)
    low: float = param(0.0, source="scenario_choice", ge=-1.0, le=1.0)
    high: float = param(0.0, source="scenario_choice", ge=-1.0, le=1.0)
    distribution: str = param("triangular", source="scenario_choice", choices=EFFECT_DISTRIBUTIONS)


def _effect(
    mean: float,
    low: float,
    high: float,
    source: str,
    probability: bool = False,
    bounds: tuple[float, float] | None = None,
) -> Any:
    """An effect field with its own allowed range for mean, low and high.

    A ``probability`` effect's must lie in [0, 1]; ``bounds`` gives another range (a QALY gain
    per spell can exceed 1). Either way a normal distribution is refused, as its draws could
    leave the range.
    """
    if probability:
        bounds = (0.0, 1.0)
    return field(
        default_factory=lambda: EffectConfig(mean, low, high, "triangular"),
        metadata={"source": source, "probability": probability, "bounds": bounds},
    )


#: calibrated in docs/validation.md ("Disease and frailty trends")
DISEASE_TREND_PER_YEAR = -0.0067
FRAILTY_TREND_PER_YEAR = 0.139


@dataclass
class TrendsConfig(_Section):
    """Trends in illness beyond demography: used only with ``population.transitions=projected``.

    Each is a relative change a year, compounded from the start of the run, of the hazards the
    stationary solve would hold steady (so zero keeps each age band's prevalence flat and the
    population's growth and ageing are the only drivers). Each mean is calibrated
    (leftshift/analysis/calibrate_trends.py) to a published trajectory; each is uniform from
    no trend to twice the calibrated value, as how much of a past trend continues is not known.
    """

    disease_incidence_per_year: EffectConfig = field(
        default_factory=lambda: EffectConfig(
            DISEASE_TREND_PER_YEAR,
            min(0.0, 2 * DISEASE_TREND_PER_YEAR),
            max(0.0, 2 * DISEASE_TREND_PER_YEAR),
            "uniform",
        ),
        metadata={"source": "health_foundation_health_in_2040"},
    )
    frailty_per_year: EffectConfig = field(
        default_factory=lambda: EffectConfig(
            FRAILTY_TREND_PER_YEAR, 0.0, 2 * FRAILTY_TREND_PER_YEAR, "uniform"
        ),
        metadata={"source": "walsh_2023_frailty_trend"},
    )


# --------------------------------------------------------------------------------------------
# population dynamics
# --------------------------------------------------------------------------------------------
# published tables the defaults below are read from (leftshift/data/tables)
COPD_TABLE = "copd_by_gold_stage.csv"
HF_TABLE = "heart_failure_by_nyha_class.csv"
FRAILTY_HR_TABLE = "frailty_hazard_ratios.csv"
FRAILTY_ONSET_TABLE = "frailty_onset_by_age.csv"
POPULATION_PROJECTION_TABLE = "population_projection_england.csv"


def _matrix(rows: list[list[float]], source: str, doc: str) -> Any:
    return field(
        default_factory=lambda: [list(r) for r in rows],
        metadata={"source": source, "ge": 0.0, "le": 1.0, "matrix": True, "doc": doc},
    )


@dataclass
class CopdConfig(_Section):
    """COPD by GOLD stage 1-4: prevalence, incidence, progression, excess deaths, exacerbations."""

    prevalence_by_age: list[float] = param(
        [0.0, 0.002, 0.03, 0.065, 0.08, 0.07],
        source="copd_prevalence",
        ge=0.0,
        le=1.0,
        length=N_AGE,
        doc="share of each age band with diagnosed COPD at the start",
    )
    stage_mix: list[float] = param(
        [0.44, 0.45, 0.095, 0.015],
        source="calibration_copd_stage_mix",
        ge=0.0,
        le=1.0,
        length=N_GOLD,
        sums_to_one=True,
        doc="initial GOLD 1-4 mix of people with COPD",
    )
    incidence_per_1000_by_age: list[float] = param(
        [0.0, 0.4, 3.5, 6.0, 6.5, 6.0],
        source="simpson_2010",
        ge=0.0,
        le=1000.0,
        length=N_AGE,
        unit="new diagnoses per 1,000 person-years without COPD",
    )
    incident_stage_mix: list[float] = param(
        [0.72, 0.28, 0.0, 0.0],
        source="lambe_2019",
        ge=0.0,
        le=1.0,
        length=N_GOLD,
        sums_to_one=True,
        doc="GOLD stage at diagnosis",
    )
    deprivation_ratio_q1_to_q5: float = param(
        2.5,
        source="simpson_2010",
        ge=0.1,
        le=20.0,
        doc="prevalence and incidence ratio, most vs least deprived quintile",
    )
    annual_transitions: list[list[float]] = _matrix(
        tables.matrix(COPD_TABLE, ["to_gold1", "to_gold2", "to_gold3", "to_gold4", "to_death"]),
        tables.source(COPD_TABLE),
        "annual transition probabilities, rows GOLD 1-4, columns GOLD 1-4 then death"
        f" (data/tables/{COPD_TABLE})",
    )
    background_mortality_at_source: float = param(
        0.004,
        source="ons_life_tables_approx",
        ge=0.0,
        le=1.0,
        doc="all-cause death probability at age 50 without COPD, subtracted from the matrix's"
        " death column to leave the excess due to COPD",
    )
    exacerbation_admissions_per_year: list[float] = param(
        tables.column(COPD_TABLE, "severe_exacerbation_admissions_per_year"),
        source=tables.source(COPD_TABLE),
        ge=0.0,
        le=20.0,
        length=N_GOLD,
        doc="severe (hospital) exacerbations per person-year by GOLD stage",
    )


@dataclass
class HeartFailureConfig(_Section):
    """Heart failure by NYHA class I-IV."""

    prevalence_by_age: list[float] = param(
        [0.0, 0.002, 0.015, 0.04, 0.09, 0.17],
        source="hf_prevalence",
        ge=0.0,
        le=1.0,
        length=N_AGE,
        doc="share of each age band with heart failure at the start",
    )
    class_mix: list[float] = param(
        [0.33, 0.34, 0.20, 0.13],
        source="calibration_nyha_mix",
        ge=0.0,
        le=1.0,
        length=N_NYHA,
        sums_to_one=True,
        doc="initial NYHA I-IV mix",
    )
    incidence_per_1000_by_age: list[float] = param(
        [0.0, 0.2, 2.0, 7.0, 18.0, 40.0],
        source="hf_incidence",
        ge=0.0,
        le=1000.0,
        length=N_AGE,
        unit="new diagnoses per 1,000 person-years without heart failure",
    )
    incident_class_mix: list[float] = param(
        [0.30, 0.40, 0.25, 0.05],
        source="assumption_nyha",
        ge=0.0,
        le=1.0,
        length=N_NYHA,
        sums_to_one=True,
        doc="NYHA class at diagnosis",
    )
    deprivation_ratio_q1_to_q5: float = param(
        1.6,
        source="conrad_2018",
        ge=0.1,
        le=20.0,
        doc="prevalence and incidence ratio, most vs least deprived quintile",
    )
    worsening_per_year: list[float] = param(
        tables.column(HF_TABLE, "worsening_per_year"),
        source=tables.source(HF_TABLE),
        ge=0.0,
        le=5.0,
        length=N_NYHA - 1,
        doc="NYHA I->II, II->III, III->IV transitions per person-year (no UK table)",
    )
    improvement_per_year: list[float] = param(
        tables.column(HF_TABLE, "improvement_per_year"),
        source=tables.source(HF_TABLE),
        ge=0.0,
        le=5.0,
        length=N_NYHA - 1,
        doc="NYHA II->I, III->II, IV->III transitions per person-year",
    )
    death_monthly_hazard_under_75: float = param(
        0.009,
        source="mohiuddin_2016",
        ge=0.0,
        le=1.0,
        doc="all-cause death hazard a month with heart failure, under 75",
    )
    death_hr_75_plus: float = param(2.801, source="mohiuddin_2016", ge=0.0, le=20.0)
    admission_monthly_hazard_under_75: float = param(
        0.066,
        source="mohiuddin_2016",
        ge=0.0,
        le=1.0,
        doc="all-cause emergency admission hazard a month with heart failure, under 75",
    )
    admission_hr_75_plus: float = param(1.248, source="mohiuddin_2016", ge=0.0, le=20.0)
    coded_admission_share: float = param(
        0.18,
        source="lawson_2019",
        ge=0.0,
        le=1.0,
        doc="share of the all-cause emergency admissions of people with heart failure whose"
        " primary diagnosis is heart failure (coded heart failure: an exacerbation); the rest"
        " are admissions for other causes of people who have it",
    )
    class_risk_multiplier: list[float] = param(
        tables.column(HF_TABLE, "risk_multiplier"),
        source=tables.source(HF_TABLE),
        ge=0.0,
        le=20.0,
        length=N_NYHA,
        doc="death and admission risk by NYHA class, relative (mean 1 over the initial mix)",
    )


@dataclass
class PopulationConfig(_Section):
    """Cohort stocks by age band x IMD quintile x frailty x COPD stage x NYHA class."""

    static: bool = param(
        False,
        source="model_switch",
        doc="true freezes the population (no ageing, deaths, births or frailty change)",
    )
    stochastic: bool = param(
        False,
        source="model_switch",
        doc="false: stocks move by expected values (a deterministic cohort trace, fractional"
        " people); true: multinomial draws of whole people (demographic noise)",
    )
    transitions: str = param(
        "projected",
        source="ons_npp_2022_england_derived",
        choices=("stationary", "published", "projected"),
        doc="projected (the default since 2026-12-04, issue 18) or stationary (the mode of the"
        " analytic and invariant tests: births equal deaths, and"
        " ageing and frailty-onset/progression rates are solved so that the initial age x"
        " frailty structure is the steady state (demand then changes only through"
        " interventions; births_per_1000 and the frailty rates are unused); published: ageing at"
        " 1/band width a year, births_per_1000 and the frailty onset/progression rates below"
        " (frailty and demand then grow); projected: the stationary rates within each band,"
        " each band's size following population.projection_table (net migration by band makes"
        " up the difference, with the band's mix of deprivation and health), and the trends in"
        " population.trends",
    )
    projection_table: str = param(
        POPULATION_PROJECTION_TABLE,
        source=tables.source(POPULATION_PROJECTION_TABLE),
        doc="with transitions=projected: a CSV of population growth by age band (columns year, "
        + ", ".join(AGE_BANDS)
        + "; mid-year, any base); a bare name is a file in leftshift/data/tables, else a path",
    )
    mortality_per_1000_by_age: list[float] = param(
        [0.2, 1.0, 5.0, 14.0, 40.0, 140.0],
        source="ons_life_tables_approx",
        ge=0.0,
        le=1000.0,
        length=N_AGE,
        unit="deaths per 1,000 person-years",
    )
    frailty_mortality_hr: list[float] = param(
        tables.column(FRAILTY_HR_TABLE, "mortality_hr"),
        source=tables.source(FRAILTY_HR_TABLE),
        ge=0.0,
        le=50.0,
        length=N_FRAILTY,
        doc="1-year mortality hazard ratio by frailty level, relative to fit",
    )
    frailty_mild_share_by_age: list[float] = param(
        [0.0, 0.0, 0.08, 0.25, 0.38, 0.40],
        source="frailty_prevalence_by_age",
        ge=0.0,
        le=1.0,
        length=N_AGE,
    )
    frailty_moderate_share_by_age: list[float] = param(
        [0.0, 0.0, 0.02, 0.07, 0.16, 0.27],
        source="frailty_prevalence_by_age",
        ge=0.0,
        le=1.0,
        length=N_AGE,
    )
    frailty_severe_share_by_age: list[float] = param(
        [0.0, 0.0, 0.005, 0.015, 0.05, 0.13],
        source="frailty_prevalence_by_age",
        ge=0.0,
        le=1.0,
        length=N_AGE,
    )
    frailty_onset_per_1000_by_age: list[float] = param(
        tables.column(FRAILTY_ONSET_TABLE, "onset_per_1000"),
        source=tables.source(FRAILTY_ONSET_TABLE),
        ge=0.0,
        le=1000.0,
        length=N_AGE,
        unit="transitions fit -> mild per 1,000 person-years",
    )
    frailty_progression_per_1000: list[float] = param(
        [120.0, 150.0],
        source="assumption_frailty_progression",
        ge=0.0,
        le=1000.0,
        length=N_FRAILTY - 2,
        unit="per 1,000 person-years",
        doc="mild -> moderate, moderate -> severe",
    )
    births_per_1000: float = param(
        9.7, source="ons_births", ge=0.0, le=50.0, unit="live births per 1,000 people a year"
    )
    net_migration_per_1000: float = param(
        0.0,
        source="assumption_stable_size",
        ge=-50.0,
        le=50.0,
        unit="net migrants aged 18-49 per 1,000 people a year",
    )
    in_hospital_death_share: float = param(
        0.44,
        source="ons_place_of_death",
        ge=0.0,
        lt=1.0,
        doc="share of deaths that happen in hospital: the population's own death hazard is"
        " the rest, and emergency patients die in hospital with a probability per admission"
        " that makes up this share; deaths in the hospital run leave the population",
    )
    ageing: bool = param(
        True,
        source="model_switch",
        doc="false stops people moving between age bands (for the Markov-chain check)",
    )
    copd: CopdConfig = section(CopdConfig)
    heart_failure: HeartFailureConfig = section(HeartFailureConfig)
    trends: TrendsConfig = section(TrendsConfig)


# --------------------------------------------------------------------------------------------
# demand
# --------------------------------------------------------------------------------------------
@dataclass
class DemandConfig(_Section):
    """Rates at which the population presents as emergencies and is referred for elective care."""

    emergency_admissions_per_1000_by_age: list[float] = param(
        [45.0, 50.0, 85.0, 155.0, 280.0, 500.0],
        source="emergency_rate_by_age",
        ge=0.0,
        le=5000.0,
        length=N_AGE,
        unit="emergency admissions per 1,000 person-years at the reference occupancy",
    )
    frailty_emergency_hr: list[float] = param(
        tables.column(FRAILTY_HR_TABLE, "hospitalisation_hr"),
        source=tables.source(FRAILTY_HR_TABLE),
        ge=0.0,
        le=50.0,
        length=N_FRAILTY,
        doc="hospitalisation hazard ratio by frailty level, relative to fit",
    )
    deprivation_emergency_ratio_q1_to_q5: float = param(
        1.7,
        source="asaria_2016",
        ge=0.1,
        le=10.0,
        doc="emergency admission rate ratio, most vs least deprived quintile",
    )
    winter_peak_amplitude: float = param(
        0.04,
        source="assumption_winter_peak",
        ge=0.0,
        lt=1.0,
        doc="emergency rate varies as 1 + amplitude x cos(2 pi (month - peak) / 12)",
    )
    winter_peak_month: int = param(1, source="assumption_winter_peak", ge=1, le=12)
    routine_marginal_share: float = param(
        0.3,
        source="assumption_marginal_share",
        ge=0.0,
        le=1.0,
        doc="share of routine emergency admissions that are discretionary"
        " (the admission-threshold channel)",
    )
    elective_referrals_per_1000_by_age: list[float] = param(
        [12.8, 27.7, 60.4, 90.9, 95.2, 55.5],
        source="calibration_elective_referrals",
        ge=0.0,
        le=5000.0,
        length=N_AGE,
        unit="referrals to the admitted list per 1,000 person-years",
    )
    deprivation_elective_ratio_q1_to_q5: float = param(
        1.2,
        source="asaria_2016",
        ge=0.1,
        le=10.0,
        doc="planned admission rate ratio, most vs least deprived quintile",
    )
    day_cases_per_1000_by_age: list[float] = param(
        [37.0, 81.0, 176.0, 265.0, 278.0, 162.0],
        source="calibration_day_cases",
        ge=0.0,
        le=5000.0,
        length=N_AGE,
        unit="elective day cases per 1,000 person-years",
        doc="planned admissions treated and discharged the same day: a count a month, no"
        " overnight bed, no waiting list and no theatre cap (docs/model.md, 'Day cases');"
        " scaled by IMD quintile with demand.deprivation_elective_ratio_q1_to_q5",
    )
    urgent_share: float = param(
        0.2,
        source="assumption_urgency",
        ge=0.0,
        le=1.0,
        doc="share of referrals that are clinically urgent",
    )
    urgent_target_days: float = param(28.0, source="assumption_urgency", gt=0.0, le=3650.0)
    routine_target_days: float = param(126.0, source="rtt_statistics", gt=0.0, le=3650.0)
    list_removal_per_month: float = param(
        0.03,
        source="assumption_list_removal",
        ge=0.0,
        le=1.0,
        unit="share of the list leaving untreated per month",
    )
    referral_wait_elasticity: float = param(
        0.1,
        source="martin_smith_2003",
        ge=0.0,
        le=2.0,
        doc="referrals scale as (mean wait / reference wait) ** -elasticity; 0 switches it off",
    )
    reference_wait_weeks: float = param(18.0, source="rtt_statistics", gt=0.0, le=520.0)
    initial_waiting_list_per_1000: float = param(
        20.0, source="calibration_initial_list", ge=0.0, le=1000.0, unit="people per 1,000"
    )
    initial_wait_mean_weeks: float = param(
        14.0,
        source="calibration_initial_list",
        gt=0.0,
        le=520.0,
        doc="mean time already waited by the initial list (exponential)",
    )
    #: emergency admissions of people on the elective list related to what they wait for (a
    #: hazard from referral, or from time 0 for the initial list, until treatment or removal;
    #: each presents through the ED and the person stays on the list). First-admission demand
    #: gives them up in the warm-up's correction, as it does readmissions, so the calibrated
    #: total holds and only a list longer or shorter than the warm-up's moves it.
    waiting_list_emergency_per_year: EffectConfig = _effect(
        0.05, 0.0, 0.15, "assumption_waiting_list_emergency", bounds=(0.0, 10.0)
    )


# --------------------------------------------------------------------------------------------
# hospital
# --------------------------------------------------------------------------------------------
@dataclass
class LengthOfStayConfig(_Section):
    """A length-of-stay distribution, before frailty and occupancy multipliers."""

    distribution: str = param("lognormal", source="los_shape", choices=LOS_DISTRIBUTIONS)
    mean_days: float = param(3.0, source="hf_2023_los", gt=0.0, le=365.0, unit="days")
    cv: float = param(1.0, source="los_shape", ge=0.0, le=10.0, doc="coefficient of variation")


def _los(mean_days: float, cv: float) -> Any:
    return field(
        default_factory=lambda: LengthOfStayConfig("lognormal", mean_days, cv),
        metadata={"source": "hf_2023_los"},
    )


#: Jones 2022: admitted ED patients arrive 12/24/36/28% in the 6-hour blocks from midnight and
#: the decision to admit comes about 3 hours later, so weights by hour of the decision
DECISION_HOUR_WEIGHTS = (4.667,) * 3 + (2.0,) * 6 + (4.0,) * 6 + (6.0,) * 6 + (4.667,) * 3
#: HSJ/Times FOI surveys: 17.6% of discharges before noon, 3.5% between 23:00 and 06:00
DISCHARGE_HOUR_WEIGHTS = (0.5,) * 6 + (2.433,) * 6 + (7.445,) * 11 + (0.5,)


@dataclass
class HospitalConfig(_Section):
    """Acute G&A beds, ED boarding, the elective list and the capacity-pressure channels."""

    elective_threshold: float = param(
        0.92,
        source="nhs_planning_occupancy",
        gt=0.0,
        le=1.0,
        doc="electives are admitted only while occupancy is below this share of open beds",
    )
    elective_round_hour: float | None = param(
        8.0,
        source="assumption_elective_round",
        ge=0.0,
        lt=24.0,
        doc="hour of day at which the day's new referrals join the list and electives are"
        " admitted; null admits each referral at its own time when a bed is free",
    )
    ordinary_cases_per_session: float = param(
        2.0,
        source="assumption_theatre_sessions",
        gt=0.0,
        le=20.0,
        doc="ordinary (overnight) elective operations a theatre session completes, with"
        " place.theatre_sessions_per_week_per_100k: the week's theatre capacity is sessions"
        " times this, spread over the days by hospital.elective_weekday_weights",
    )
    max_ed_boarders: int | None = param(
        None,
        source="model_switch",
        ge=0,
        le=1_000_000,
        doc="emergency patients beyond this many boarders (all sites) are diverted to other"
        " providers; null means no limit",
    )
    divert_boarder_share: float | None = param(
        0.2,
        source="assumption_ed_diversion",
        gt=0.0,
        le=10.0,
        doc="the saturation rule: when a site's ED boarders (all its pools) reach this share of"
        " its core G&A beds (rounded, at least 1), a further emergency patient who finds no bed"
        " is diverted to another provider: treated there, paid by the ICB at the emergency"
        " tariff (ledger category emergency_care_elsewhere), counted in emergency_diverted;"
        " null never diverts (the ED queue is then unbounded)",
    )
    specialty_pools: bool = param(
        True,
        source="model_switch",
        doc="true splits the G&A beds into a medical and a surgical pool (place.pool_bed_shares):"
        " a patient boards in ED when the home pool is full, even with beds free in the other;"
        " false is one pooled counter",
    )
    emergency_surgical_share: float = param(
        0.28,
        source="assumption_specialty_pools",
        ge=0.0,
        le=1.0,
        doc="with specialty pools: share of emergency admissions for other causes (not COPD or"
        " heart failure) whose home pool is surgical",
    )
    outlying: bool = param(
        True,
        source="model_switch",
        doc="with specialty pools: a patient whose home pool is full takes a free bed of another"
        " pool as an outlier (up to hospital.outlier_max_share of that pool's beds) instead of"
        " boarding in ED, and is moved back when a bed of the home pool falls free with nobody"
        " boarding for it (repatriation)",
    )
    outlier_max_share: float = param(
        0.1,
        source="assumption_outlying",
        ge=0.0,
        le=1.0,
        doc="with outlying: the largest share of a pool's open beds that outliers from other"
        " pools may hold",
    )
    outlier_max_share_under_pressure: float = param(
        0.5,
        source="assumption_outlying_under_pressure",
        ge=0.0,
        le=1.0,
        doc="with outlying: while the patients boarding for a pool number at least"
        " hospital.pressure_boarder_share of its core beds, its outliers may hold up to this"
        " share of another pool's open beds at the site instead of hospital.outlier_max_share:"
        " the other specialty gives up beds, and so electives, to it",
    )
    pressure_boarder_share: float | None = param(
        0.2,
        source="assumption_outlying_under_pressure",
        gt=0.0,
        le=10.0,
        doc="boarders for a pool, as a share of its core beds (rounded, at least 1), from"
        " which hospital.outlier_max_share_under_pressure applies; null never applies that cap",
    )
    outlier_stay_multiplier: float = param(
        1.1,
        source="assumption_outlying",
        ge=1.0,
        le=3.0,
        doc="with outlying: an outlier's clinical stay is this many times its home-pool stay"
        " (care away from the specialty's own ward)",
    )
    bed_offer_order: list[str] = param(
        list(BED_OFFER_STEPS),
        source="model_switch",
        choices=BED_OFFER_STEPS,
        doc="the order in which a freed bed is offered: its pool's ED boarders, bringing one of"
        " its patients home from another pool, another pool's boarder (as an outlier), the"
        " elective list; a permutation of these four words. The default is the bed manager's"
        " usual rule; putting 'elective' first protects elective work at the cost of ED waits",
    )
    bed_turnaround_hours: float = param(
        4.0,
        source="nuffield_2016_patient_flow",
        ge=0.0,
        le=48.0,
        doc="hours an empty bed is cleaned and made ready before the next patient can have it"
        " (it counts as empty in the midnight census); 0 hands it on at once",
    )
    decision_hour_weights: list[float] | None = param(
        list(DECISION_HOUR_WEIGHTS),
        source="jones_2022_arrival_hours",
        gt=0.0,
        le=1_000.0,
        length=24,
        doc="relative weights of the 24 hours of the day (0-1, ..., 23-24) for emergency"
        " decisions to admit; null spreads them evenly over the day",
    )
    decision_weekday_weights: list[float] | None = param(
        [1.0, 1.0, 1.0, 1.0, 1.0, 0.777, 0.777],
        source="mohammed_2012_weekend",
        gt=0.0,
        le=1_000.0,
        length=7,
        doc="relative weights of the days of the week (Monday first) for emergency decisions"
        " to admit; each month's arrivals keep their number and move within the month so the"
        " days follow these weights; null spreads them evenly over the week",
    )
    elective_weekday_weights: list[float] | None = param(
        None,
        source="mohammed_2012_weekend",
        ge=0.0,
        le=1.0,
        length=7,
        doc="theatre activity by day of the week (Monday first), relative weights: with"
        " place.theatre_sessions_per_week_per_100k, a day's share of the week's theatre"
        " capacity is its weight over the week's; without it, a day with weight 0 admits no"
        " electives and any other day is limited by beds only; null: every day alike",
    )
    weekend_discharges_moved: float = param(
        0.5,
        source="weekend_discharges_ottawa",
        ge=0.0,
        lt=1.0,
        doc="share of discharges falling due on a Saturday or Sunday that happen on the"
        " nearest weekday instead (Saturday's on the Friday before, Sunday's on the Monday"
        " after, at the same hour), so weekend discharges fall by this share while the mean"
        " stay is unchanged; 0 discharges every day alike",
    )
    escalation_open_boarder_share: float | None = param(
        0.0974,
        source="calibration_exit_block",
        gt=0.0,
        le=1.0,
        doc="escalation beds open when the patients boarding for a pool reach this share of"
        " its core beds (rounded, at least 1), for any place size; replaces"
        " hospital.escalation_open_boarders when set; null uses hospital.escalation_open_boarders",
    )
    escalation_open_boarders: int = param(
        5,
        source="assumption_escalation",
        ge=1,
        le=100_000,
        doc="escalation beds open when this many patients board in ED",
    )
    initial_census: bool = param(
        True,
        source="model_switch",
        doc="start with the expected emergency census in bed (false starts the hospital empty)",
    )
    discharge_hour_weights: list[float] | None = param(
        list(DISCHARGE_HOUR_WEIGHTS),
        source="discharge_hours_foi",
        gt=0.0,
        le=1_000.0,
        length=24,
        doc="relative weights of the 24 hours of the day for discharges: a stay ending on a"
        " day leaves at the hour its place in the day maps to on this profile (never before it"
        " began; a same-day clash moves it to the next day); null keeps"
        " hospital.discharge_window_hours (set that to null when using this)",
    )
    discharge_window_hours: list[float] | None = param(
        None,
        source="assumption_discharge_window",
        ge=0.0,
        le=24.0,
        length=2,
        doc="[start, end) hours of the day in which patients leave; a stay ending outside it"
        " waits for the next window (spread across it in order); null allows any hour",
    )
    routine_emergency_los: LengthOfStayConfig = _los(2.0, 1.2)
    #: the medically necessary stay; with delayed discharges the wait for a pathway comes on top
    #: (social_care=none uses the core calibration's 10.5 days)
    complex_emergency_los: LengthOfStayConfig = _los(8.5, 0.9)
    routine_elective_los: LengthOfStayConfig = _los(2.0, 1.0)
    complex_elective_los: LengthOfStayConfig = _los(7.0, 0.9)
    emergency_complex_share_by_age: list[float] = param(
        [0.08, 0.12, 0.2, 0.28, 0.35, 0.42],
        source="calibration_case_mix",
        ge=0.0,
        le=1.0,
        length=N_AGE,
    )
    elective_complex_share_by_age: list[float] = param(
        [0.1, 0.15, 0.2, 0.25, 0.3, 0.35],
        source="assumption_case_mix",
        ge=0.0,
        le=1.0,
        length=N_AGE,
    )
    frailty_complex_odds_ratio: list[float] = param(
        [1.0, 1.5, 2.2, 3.0], source="assumption_case_mix", gt=0.0, le=100.0, length=N_FRAILTY
    )
    severe_condition_complex_odds_ratio: float = param(
        1.5,
        source="assumption_case_mix",
        gt=0.0,
        le=100.0,
        doc="odds ratio on the complex share for people with GOLD 3-4 COPD or NYHA III-IV",
    )
    frailty_los_multiplier: list[float] = param(
        [1.0, 1.1, 1.2, 1.35], source="assumption_frailty_los", gt=0.0, le=10.0, length=N_FRAILTY
    )
    reference_occupancy: float = param(
        0.90,
        source="bagust_1999",
        gt=0.0,
        le=1.0,
        doc="occupancy at which the pressure channels are neutral",
    )
    marginal_admission_probability: float = param(
        0.6,
        source="assumption_marginal_share",
        ge=0.0,
        le=1.0,
        doc="chance a marginal emergency is admitted at the reference occupancy",
    )
    admission_threshold_sensitivity: float = param(
        3.0,
        source="assumption_admission_threshold",
        ge=0.0,
        le=100.0,
        doc="fall in that chance per unit rise in occupancy; 0 switches the channel off",
    )
    discharge_pressure_slope: float = param(
        1.0,
        source="kc_terwiesch_2009",
        ge=0.0,
        le=20.0,
        doc="stay multiplier = 1 + slope x (reference - occupancy) below the tipping point",
    )
    tipping_occupancy: float = param(0.93, source="berry_jaeker_tucker_2017", gt=0.0, le=1.0)
    saturation_slope: float = param(
        1.5,
        source="berry_jaeker_tucker_2017",
        ge=0.0,
        le=20.0,
        doc="stays lengthen by this x (occupancy - tipping point) above the tipping point",
    )
    stay_multiplier_min: float = param(0.6, source="assumption_stay_bounds", gt=0.0, le=1.0)
    stay_multiplier_max: float = param(1.6, source="assumption_stay_bounds", ge=1.0, le=10.0)


# --------------------------------------------------------------------------------------------
# community workforce and proactive care
# --------------------------------------------------------------------------------------------
@dataclass
class StaffGroupConfig(_Section):
    """A community staff group as a stock: funded posts, recruitment, ramp-up, attrition."""

    recruitment_lag_months: float = param(
        4.0,
        source="assumption_recruitment",
        ge=0.0,
        le=60.0,
        doc="months from advertising a funded post to the starter's first day",
    )
    max_hires_per_month_per_100k: float = param(
        1.0,
        source="assumption_recruitment",
        ge=0.0,
        le=1000.0,
        doc="cap on new starters a month per 100,000 people (labour-market limit)",
    )
    vacancy_rate: float = param(
        0.119,
        source="nhs_vacancy_statistics",
        ge=0.0,
        lt=1.0,
        doc="share of funded posts that stay vacant however long recruitment runs",
    )
    ramp_months: float = param(
        6.0,
        source="assumption_recruitment",
        ge=0.0,
        le=60.0,
        doc="months for a new starter to reach full productivity (linear)",
    )
    attrition_per_year: float = param(
        0.12,
        source="assumption_attrition",
        ge=0.0,
        le=1.0,
        unit="leavers per WTE a year",
    )
    caseload_per_wte: float = param(
        50.0,
        source="assumption_caseload",
        ge=0.0,
        le=10_000.0,
        unit="people on proactive care per productive WTE",
    )
    cost_per_wte_gbp: float = cost(
        55_000.0,
        "2024/25",
        source="assumption_staff_cost",
        le=1_000_000.0,
        unit="GBP a year per funded WTE incl. on-costs; for the finance ledger",
    )


@dataclass
class ProactiveCareConfig(_Section):
    """Who proactive care targets and what it does for the people it reaches."""

    target_frailty_min_level: int = param(
        3,
        source="assumption_targeting",
        ge=1,
        le=4,
        doc="eligible from this frailty level (1 mild .. 3 severe; 4 nobody by frailty)",
    )
    target_copd_min_stage: int = param(
        3,
        source="assumption_targeting",
        ge=1,
        le=5,
        doc="eligible from this GOLD stage (5: nobody by COPD)",
    )
    target_hf_min_class: int = param(
        3,
        source="assumption_targeting",
        ge=1,
        le=5,
        doc="eligible from this NYHA class (5: nobody by heart failure)",
    )
    priority: str = param(
        "severity",
        source="assumption_targeting",
        choices=("severity", "deprivation", "none"),
        doc="who is reached first when capacity is short: most severe, most deprived, or"
        " everyone eligible in proportion",
    )
    exacerbation_reduction: EffectConfig = _effect(0.15, -0.10, 0.35, "effect_exacerbations")
    progression_reduction: EffectConfig = _effect(0.15, -0.05, 0.30, "effect_progression")
    other_admission_reduction: EffectConfig = _effect(0.05, -0.09, 0.20, "effect_case_management")


@dataclass
class CommunityConfig(_Section):
    """Community workforce by staff group and the proactive care it delivers."""

    care_coordinators: StaffGroupConfig = section(StaffGroupConfig)
    community_nurses: StaffGroupConfig = section(StaffGroupConfig)
    proactive_care: ProactiveCareConfig = section(ProactiveCareConfig)

    def staff_groups(self) -> list[str]:
        """Names of the staff groups (the sections that are a :class:`StaffGroupConfig`)."""
        return [
            f.name
            for f in dataclasses.fields(self)
            if isinstance(getattr(self, f.name), StaffGroupConfig)
        ]


# --------------------------------------------------------------------------------------------
# social care and discharge pathways
# --------------------------------------------------------------------------------------------
@dataclass
class DischargeServiceConfig(_Section):
    """One discharge pathway's service: capacity, time to arrange, length of service, cost."""

    capacity_per_100k: float = param(
        0.0, source="calibration_delayed_discharges", ge=0.0, le=100_000.0, unit="places"
    )
    arrangement_days: float = param(
        0.0,
        source="calibration_delayed_discharges",
        ge=0.0,
        le=365.0,
        unit="days",
        doc="mean time from medically fit to a place being arranged (assessment, brokerage),"
        " spent in the acute bed, exponential",
    )
    service_days: float = param(
        0.0, source="assumption_service_length", ge=0.0, le=10_000.0, unit="days, mean"
    )
    cost_per_day_gbp: float = cost(
        0.0,
        "2024/25",
        source="assumption_social_care_cost",
        le=10_000.0,
        unit="GBP a place-day",
        doc="each pathway's default is a 2024/25 price (see its source)",
    )


def _service(capacity: float, arrange: float, days: float, cost_gbp: float, year: str) -> Any:
    price = to_price_base(cost_gbp, year, "social_care: a place-day")
    return field(default_factory=lambda: DischargeServiceConfig(capacity, arrange, days, price))


@dataclass
class SocialCareConfig(_Section):
    """Discharge pathways 1-3 for emergency patients aged 65+, and the capacity they need.

    Pathway 0 is home with no new support. A patient on pathway 1 (home with support), 2
    (intermediate bed) or 3 (care home) stays in the acute bed after the clinical stay until
    the place is arranged and free: a delayed discharge ("no criteria to reside").
    """

    delayed_discharges: bool = param(
        True,
        source="model_switch",
        doc="true (the default scenario): pathways 1-3 and their places, patients wait in bed"
        " for them; false: everyone goes home when the clinical stay ends (pathway 0;"
        " social_care=none, which also restores the 10.5-day complex emergency stay)",
    )
    pathway_shares_65_plus: list[float] = param(
        [0.50, 0.45, 0.04, 0.01],
        source="dhsc_discharge_guidance",
        ge=0.0,
        le=1.0,
        length=4,
        sums_to_one=True,
        doc="pathways 0-3 of emergency discharges of people 65+ (younger people: pathway 0)",
    )
    capacity_growth_per_year: float = param(
        0.03,
        source="capacity_plan_social_care",
        ge=0.0,
        le=0.2,
        doc="the baseline's social-care capacity plan, beside the bed plan: the places of every"
        " discharge service (home support, intermediate beds, care homes) grow by this share a"
        " year, compounded, from reporting year 2 (year y has (1 + rate)^(y - 1) times the"
        " places per 100,000 below; a scenario's social_care_capacity_multiplier multiplies"
        " that); 0 keeps them flat; by default about the growth of people 75+ in the"
        " projection",
    )
    home_support: DischargeServiceConfig = _service(230.0, 3.5, 42.0, 42.8, "2024/25")
    intermediate_beds: DischargeServiceConfig = _service(15.0, 6.0, 28.0, 157.0, "2024/25")
    care_homes: DischargeServiceConfig = _service(95.0, 10.0, 730.0, 157.0, "2024/25")


# --------------------------------------------------------------------------------------------
# interventions, run, report
# --------------------------------------------------------------------------------------------
@dataclass
class ScheduleConfig(_Section):
    """A value that steps (or ramps linearly) from 1 to ``value`` from a start point.

    ``start_year`` counts years from the end of the warm-up: 0 is the first reported day,
    1.0 the start of reporting year 2.
    """

    start_year: float = param(0.0, source="scenario_choice", ge=-50.0, le=100.0)
    ramp_months: float = param(0.0, source="scenario_choice", ge=0.0, le=600.0)
    value: float = param(1.0, source="scenario_choice", ge=0.0, le=100.0)


@dataclass
class PiecewiseConfig(_Section):
    """A value over time, by points in years from the end of the warm-up.

    Zero before the first point (the start), linear between points, the last value after the
    last (add a point with value 0 to stop). Empty lists mean zero throughout.
    """

    years: list[float] = param([], source="scenario_choice", ge=-50.0, le=100.0)
    values: list[float] = param([], source="scenario_choice", ge=0.0, le=1_000_000.0)


def _vw_staff() -> Any:
    # virtual-ward staff care for virtual beds, not a proactive-care caseload
    return field(default_factory=lambda: StaffGroupConfig(caseload_per_wte=0.0))


@dataclass
class VirtualWardConfig(_Section):
    """How a virtual ward works once a scenario funds its beds (interventions.virtual_wards).

    Step-up: an eligible routine emergency presentation goes to a free virtual bed instead of an
    acute one. Other virtual-ward patients would not have been admitted at all (the evaluation's
    "1 avoided per 2.5 admissions"): they arrive from the community and only use virtual beds.
    Step-down: an eligible emergency inpatient moves to a free virtual bed before the end of
    the acute stay. Some patients escalate back to the acute hospital. Eligibility needs digital
    access and suitable housing, both worse in deprived quintiles.
    """

    staff: StaffGroupConfig = _vw_staff()
    staff_wte_per_bed: float = param(
        0.41,
        source="jalilian_2024",
        gt=0.0,
        le=20.0,
        unit="funded WTE per virtual bed",
        doc="posts funded per virtual bed; staffed beds = productive WTE / this, capped at the"
        " funded beds",
    )
    technology_cost_per_bed_per_year_gbp: float = cost(
        2_500.0,
        "2024/25",
        source="assumption_vw_costs",
        le=1_000_000.0,
        unit="GBP a funded virtual bed a year (monitoring kit, platform)",
    )
    setup_cost_per_bed_gbp: float = cost(
        0.0,
        "2024/25",
        source="assumption_vw_setup_cost",
        le=1_000_000.0,
        unit="GBP once per virtual bed newly funded",
        doc="none by default: the GBP 17,900 a bed once used here was the national programme's"
        " funding per planned bed, which paid for running the wards (already costed as staff and"
        " technology), not a set-up cost",
    )
    stay_mean_days: float = param(
        10.3,
        source="pugmire_2025",
        gt=0.0,
        le=365.0,
        unit="days",
        doc="mean of the lognormal virtual-ward stay before the cut at max_stay_days",
    )
    stay_cv: float = param(
        0.81, source="pugmire_2025", gt=0.0, le=10.0, doc="its coefficient of variation"
    )
    max_stay_days: float = param(
        14.0, source="nhse_vw_guidance", gt=0.0, le=365.0, unit="days", doc="stays are cut here"
    )
    escalation_share: float = param(
        0.12,
        source="pugmire_2025",
        ge=0.0,
        le=1.0,
        doc="share of virtual-ward admissions escalated back to the acute hospital (at a"
        " uniform point of the stay, as a new emergency presentation)",
    )
    avoided_admission_share: EffectConfig = field(
        default_factory=lambda: EffectConfig(0.4, 0.1, 1.0, "triangular"),
        metadata={"source": "nhse_south_east_vw_evaluation"},
    )
    step_up_referral_share: float = param(
        0.5,
        source="calibration_vw_occupancy",
        ge=0.0,
        le=1.0,
        doc="share of eligible routine emergency presentations clinicians refer to a virtual"
        " ward (referral behaviour)",
    )
    step_down_referral_share: float = param(
        0.9,
        source="calibration_vw_occupancy",
        ge=0.0,
        le=1.0,
        doc="share of eligible emergency inpatients referred for step-down",
    )
    step_down_acute_days_saved: float = param(
        2.89,
        source="jalilian_2024",
        ge=0.0,
        le=60.0,
        unit="acute bed-days per step-down",
        doc="a step-down patient leaves the acute bed this many days early (less if the stay"
        " is short)",
    )
    min_acute_days_before_step_down: float = param(
        1.0,
        source="assumption_vw_step_down",
        gt=0.0,
        le=60.0,
        unit="days",
        doc="a step-down follows some acute care: > 0 (at 0 it would be a step-up)",
    )
    other_cause_eligible_share_by_frailty: list[float] = param(
        [0.05, 0.11, 0.22, 0.40],
        source="calibration_vw_eligibility",
        ge=0.0,
        le=1.0,
        length=N_FRAILTY,
        doc="share of emergency presentations for causes other than COPD and heart failure"
        " (acute respiratory infection, frailty crises; other causes of people with heart"
        " failure too) that are suitable, by frailty level fit .. severe; COPD exacerbations"
        " and coded heart failure (population.heart_failure.coded_admission_share) are all"
        " suitable",
    )
    digital_access_by_imd: list[float] = param(
        [0.80, 0.86, 0.90, 0.93, 0.95],
        source="digital_exclusion",
        ge=0.0,
        le=1.0,
        length=N_IMD,
        doc="share of patients able to use the monitoring (connectivity, device, skills or a"
        " carer's), IMD Q1 (most deprived) .. Q5",
    )
    suitable_housing_by_imd: list[float] = param(
        [0.80, 0.83, 0.85, 0.87, 0.89],
        source="ehs_non_decent_homes",
        ge=0.0,
        le=1.0,
        length=N_IMD,
        doc="share of patients whose home is suitable for acute care, IMD Q1 .. Q5",
    )


@dataclass
class TargetedOfferConfig(_Section):
    """Extra virtual-ward support in chosen IMD quintiles (experiment=vw_targeted_offer).

    Devices and connectivity, in-person visits instead of remote monitoring, and housing
    checks with adaptations.
    """

    quintiles: list[int] = param(
        [], source="scenario_choice", ge=1, le=5, doc="IMD quintiles offered (1: most deprived)"
    )
    digital_gap_closed: float = param(
        0.0,
        source="scenario_choice",
        ge=0.0,
        le=1.0,
        doc="share of the digital-access gap (1 - access) the offer closes",
    )
    housing_gap_closed: float = param(
        0.0, source="scenario_choice", ge=0.0, le=1.0, doc="share of the housing gap it closes"
    )
    cost_per_patient_gbp: float = cost(
        0.0,
        "2024/25",
        source="assumption_vw_costs",
        le=100_000.0,
        unit="GBP per virtual-ward admission in an offered quintile",
    )


@dataclass
class VirtualWardInterventionConfig(_Section):
    """Virtual beds funded over time, referral growth and any targeted offer."""

    beds_per_100k: PiecewiseConfig = section(PiecewiseConfig)
    referral_multiplier: ScheduleConfig = section(ScheduleConfig)
    targeted_offer: TargetedOfferConfig = section(TargetedOfferConfig)

    def funds_beds(self) -> bool:
        """Whether any virtual beds are funded at any time (else no virtual ward exists)."""
        return any(v > 0 for v in self.beds_per_100k.values)


@dataclass
class NeighbourhoodTeamsConfig(_Section):
    """Funded proactive-care posts and how mature (effective) the teams are, over time."""

    care_coordinators_wte_per_100k: PiecewiseConfig = section(PiecewiseConfig)
    community_nurses_wte_per_100k: PiecewiseConfig = section(PiecewiseConfig)
    maturity: PiecewiseConfig = section(PiecewiseConfig)


DECOMMISSIONING_RULES = ("none", "on_dates", "on_evidence")


@dataclass
class DecommissioningConfig(_Section):
    """Closing whole G&A wards: on dates, or when the evidence rule holds.

    A closing ward stops admitting at once; each of its beds closes as it next falls empty. The
    ward's fixed costs go on for ``cost_release_lag_months`` (stranded costs) and then stop.
    Years count from the end of the warm-up.
    """

    rule: str = param(
        "none",
        source="scenario_choice",
        choices=DECOMMISSIONING_RULES,
        doc="none; on_dates (close one ward at each of close_at_years); on_evidence (close a"
        " ward when occupancy and the waiting list have stayed below their limits)",
    )
    ward_beds: int = param(28, source="model_spec_ward", ge=1, le=200, unit="beds a ward")
    close_at_years: list[float] = param(
        [], source="scenario_choice", ge=0.0, le=100.0, doc="on_dates: one ward closes at each"
    )
    occupancy_below: float = param(
        0.85,
        source="bagust_1999",
        gt=0.0,
        le=1.0,
        doc="on_evidence: monthly G&A occupancy over the whole day (occupied / open bed-days,"
        " not the midnight count) must stay below this",
    )
    consecutive_months: int = param(
        6, source="assumption_decommissioning", ge=1, le=120, doc="on_evidence: for this long"
    )
    max_waiting_list_per_1000: float | None = param(
        None,
        source="assumption_decommissioning",
        ge=0.0,
        le=1000.0,
        doc="on_evidence: and the elective list must be below this many per 1,000 people"
        "; null sets no list condition",
    )
    earliest_year: float = param(
        0.0, source="scenario_choice", ge=0.0, le=100.0, doc="on_evidence: no closure before"
    )
    max_wards: int = param(
        2, source="scenario_choice", ge=0, le=100, doc="on_evidence: at most this many wards"
    )
    cost_release_lag_months: float = param(
        6.0,
        source="assumption_decommissioning",
        ge=0.0,
        le=60.0,
        doc="months a closed ward's fixed costs go on (staff redeployed, contracts run out)",
    )


@dataclass
class InterventionsConfig(_Section):
    """What a scenario changes. The baseline arm of an experiment resets this whole section."""

    emergency_demand_multiplier: ScheduleConfig = section(ScheduleConfig)
    social_care_capacity_multiplier: ScheduleConfig = section(ScheduleConfig)
    neighbourhood_teams: NeighbourhoodTeamsConfig = section(NeighbourhoodTeamsConfig)
    decommissioning: DecommissioningConfig = section(DecommissioningConfig)
    virtual_wards: VirtualWardInterventionConfig = section(VirtualWardInterventionConfig)


# --------------------------------------------------------------------------------------------
# finance
# --------------------------------------------------------------------------------------------
PAYMENT_RULES = ("aligned", "block", "activity")
OUTPUT_LEVELS = ("full", "summary")
#: what the beds an intervention frees are used for (``experiment.freed_capacity``)
FREED_CAPACITY_USES = ("use", "idle", "both")


@dataclass
class TariffConfig(_Section):
    """Prices per spell, in the structure of the national tariff (base price + excess days).

    A spell is paid its base price by admission type and case mix, plus ``excess_bed_day_gbp``
    for each day beyond the trim point. Prices are compressed relative to cost (long complex
    stays are paid far less per day than they cost), so routine short stays carry a margin and
    complex long stays a loss.
    """

    emergency_routine_gbp: float = cost(
        3710.0, "2020/21", source="calibration_tariff", le=1_000_000.0, unit="GBP a spell"
    )
    emergency_complex_gbp: float = cost(
        7430.0, "2020/21", source="calibration_tariff", le=1_000_000.0, unit="GBP a spell"
    )
    elective_routine_gbp: float = cost(
        6680.0, "2020/21", source="calibration_tariff", le=1_000_000.0, unit="GBP a spell"
    )
    elective_complex_gbp: float = cost(
        13350.0, "2020/21", source="calibration_tariff", le=1_000_000.0, unit="GBP a spell"
    )
    trim_point_days: float = param(
        14.0, source="assumption_trim_point", ge=0.0, le=365.0, unit="days"
    )
    excess_bed_day_gbp: float = cost(
        273.0, "2012/13", source="pbr_2012_excess_bed_day", le=100_000.0, unit="GBP a day"
    )
    day_case_gbp: float = cost(
        738.0,
        "2016/17",
        source="reference_costs_2016_17_day_case",
        le=1_000_000.0,
        unit="GBP a day case",
        doc="paid for each day case under every payment rule (the fixed and block payments"
        " per head were set for overnight care only); the price is the average cost",
    )


@dataclass
class TransitionFundingConfig(_Section):
    """A time-limited national grant towards an intervention's new spend, match-funded.

    Programme year k (from ``start_year``) offers ``gbp_per_head_by_year[k]`` per head; the
    grant pays at most ``1 - local_match_share`` of the intervention's spend in each month, so
    the place pays the rest, and everything once the list of years runs out.
    """

    gbp_per_head_by_year: list[float] = cost(
        [],
        "2024/25",
        source="vw_programme_funding",
        le=10_000.0,
        unit="GBP per head a year",
        doc="empty: no transition funding",
    )
    start_year: float = param(0.0, source="scenario_choice", ge=-50.0, le=100.0)
    local_match_share: float = param(
        0.5,
        source="vw_programme_funding",
        ge=0.0,
        le=1.0,
        doc="share of the intervention's spend the place must fund itself",
    )


@dataclass
class FinanceConfig(_Section):
    """Unit costs, payment rules and transition funding for the ledger (one price year)."""

    price_year: str = param(
        PRICE_BASE,
        source="nhs_cost_inflation_index",
        choices=(PRICE_BASE,),
        doc="the price base of every money value in the config, the ledger and the reports:"
        " each cost's default is inflated from its source's price year with the NHS Cost"
        " Inflation Index (leftshift/config/prices.py); a value set in a scenario is read in"
        " these prices",
    )
    bed_day_cost_gbp: float = cost(
        901.0,
        "2020/21",
        source="ncc_2021_bed_day",
        le=100_000.0,
        unit="GBP a non-elective bed-day including treatment",
    )
    fixed_share_of_bed_day_cost: float = param(
        0.7,
        source="assumption_fixed_share",
        ge=0.0,
        le=1.0,
        doc="share of the bed-day cost fixed by the staffed bed stock (paid per open bed-day);"
        " the rest is variable, per occupied bed-day",
    )
    elective_bed_day_extra_cost_gbp: float = cost(
        1448.0,
        "2020/21",
        source="ncc_2021_bed_day",
        le=100_000.0,
        unit="GBP a day of an elective stay on top of the bed-day cost (theatres, implants)",
    )
    day_case_cost_gbp: float = cost(
        738.0,
        "2016/17",
        source="reference_costs_2016_17_day_case",
        le=1_000_000.0,
        unit="GBP a day case (a variable cost: no overnight bed)",
    )
    payment_rule: str = param(
        "aligned",
        source="nhs_payment_scheme",
        choices=PAYMENT_RULES,
        doc="aligned: fixed element for emergency care + tariff for elective spells; block:"
        " both fixed; activity: every spell at tariff",
    )
    emergency_fixed_payment_gbp_per_head: float = cost(
        469.0,
        "2020/21",
        source="calibration_tariff",
        le=100_000.0,
        unit="GBP per head a year (aligned and block)",
    )
    elective_block_payment_gbp_per_head: float = cost(
        290.0,
        "2020/21",
        source="calibration_tariff",
        le=100_000.0,
        unit="GBP per head a year (block)",
    )
    tariff: TariffConfig = section(TariffConfig)
    recruitment_cost_per_hire_gbp: float = cost(
        5000.0,
        "2024/25",
        source="assumption_recruitment_cost",
        le=1_000_000.0,
        unit="GBP per WTE hired (advertising, interviews, induction and training)",
    )
    transition_funding: TransitionFundingConfig = section(TransitionFundingConfig)


# --------------------------------------------------------------------------------------------
# outcomes and economic evaluation
# --------------------------------------------------------------------------------------------
@dataclass
class FollowUpConfig(_Section):
    """What happens to people in the 90 days after they leave a bed (acute or virtual).

    Every discharge alive (emergency, elective, virtual ward) is followed: an emergency
    readmission within ``readmission_window_days`` comes back as an emergency presentation
    (the same ED path as any other); people 65+ may move into a care home (its cost goes to
    the local authority); people may die after discharge (out of hospital). Virtual-ward
    step-up patients' rates are scaled by the Cochrane hospital-at-home relative risks.
    """

    enabled: bool = param(
        True,
        source="model_switch",
        doc="true: follow every discharge (readmissions as demand, care-home moves, deaths"
        " after discharge), with first-admission demand reduced so that total emergency"
        " admissions stay as configured; false: nobody is followed and demand is not reduced",
    )
    readmission_30d_by_imd: list[float] = param(
        [0.149, 0.1435, 0.138, 0.1325, 0.127],
        source="nhs_digital_readmissions_2019",
        ge=0.0,
        le=1.0,
        length=N_IMD,
        unit="share of discharges",
        doc="emergency readmission within the window, IMD Q1 (most deprived) to Q5; Q1 and Q5"
        " from the source, between them linear (mean 0.138, England 2017/18)",
    )
    readmission_window_days: int = param(
        30,
        source="nhs_digital_readmissions_2019",
        ge=1,
        le=90,
        unit="days after the day of discharge",
        doc="readmissions come 1 to this many whole days after the discharge day, evenly",
    )
    care_home_entry_65_plus: float = param(
        0.042,
        source="care_home_entry_bmc_2018",
        ge=0.0,
        le=1.0,
        unit="share of discharges alive of people 65+",
        doc="new moves into a care home after an emergency stay, including discharges on"
        " pathway 3 (care home): the follow-up moves the rest (this less the pathway-3 share,"
        " of those not on pathway 3) within the follow-up",
    )
    follow_up_days: int = param(
        90,
        source="assumption_follow_up_timing",
        ge=30,
        le=365,
        unit="days",
        doc="care-home moves and deaths after discharge fall evenly within this many days",
    )
    death_after_discharge_hazard_ratio: float = param(
        2.0,
        source="assumption_death_after_discharge",
        ge=0.0,
        le=20.0,
        doc="death hazard in the follow-up days relative to the person's cell; these deaths"
        " are taken from the cell's own death hazard (not added), so they give deaths a place",
    )
    vw_death_relative_risk: EffectConfig = _effect(
        0.88, 0.68, 1.13, "edgar_2024", bounds=(0.0, 10.0)
    )
    vw_readmission_relative_risk: EffectConfig = _effect(
        1.14, 0.97, 1.34, "edgar_2024", bounds=(0.0, 10.0)
    )
    vw_care_home_relative_risk: EffectConfig = _effect(
        0.53, 0.41, 0.69, "edgar_2024", bounds=(0.0, 10.0)
    )


@dataclass
class OutcomesConfig(_Section):
    """Health-state utilities, QALY decrements and the ED-crowding mortality effect.

    A person's utility is the age norm x a multiplier for their COPD stage x one for their NYHA
    class x one for their frailty level (multipliers are relative to the mildest stage, 1 for
    no disease). QALYs are utility x time alive, less a loss per admission by cause and while
    waiting on the elective list, plus a gain for each elective spell (treatment from the list).
    """

    utility_by_age: list[float] = param(
        [0.946, 0.917, 0.839, 0.781, 0.728, 0.669],
        source="ara_brazier_2010",
        ge=0.0,
        le=1.0,
        length=N_AGE,
        doc="EQ-5D age norm per age band (0-17 takes the value at 18)",
    )
    copd_utility_multiplier: list[float] = param(
        [1.0, 0.9744, 0.9446, 0.8135],
        source="lambe_2019_utilities",
        ge=0.0,
        le=1.0,
        length=N_GOLD,
        doc="GOLD 1-4, relative to GOLD 1",
    )
    hf_utility_multiplier: list[float] = param(
        [1.0, 0.9024, 0.7805, 0.5610],
        source="griffiths_2014",
        ge=0.0,
        le=1.0,
        length=N_NYHA,
        doc="NYHA I-IV, relative to NYHA I",
    )
    frailty_utility_multiplier: list[float] = param(
        [1.0, 1.0, 1.0, 1.0],
        source="gap_frailty_utility",
        ge=0.0,
        le=1.0,
        length=N_FRAILTY,
        doc="fit, mild, moderate, severe: 1 throughout (no sourced values yet)",
    )
    qaly_loss_per_copd_exacerbation: float = param(
        0.02,
        source="lambe_2019_utilities",
        ge=0.0,
        le=1.0,
        unit="QALYs per severe exacerbation admission",
    )
    qaly_loss_per_hf_admission_by_class: list[float] = param(
        [0.0033, 0.0058, 0.0083, 0.0242],
        source="griffiths_2014",
        ge=0.0,
        le=1.0,
        length=N_NYHA,
        unit="QALYs per heart-failure admission, NYHA I-IV",
    )
    elective_qaly_gain_per_spell: EffectConfig = _effect(
        1.0, 0.0, 2.77, "gap_elective_qaly_gain", bounds=(0.0, 10.0)
    )
    waiting_utility_decline_per_month: EffectConfig = _effect(
        0.0135, 0.0, 0.027, "waiting_utility_decline", bounds=(0.0, 1.0)
    )
    ed_delay_hours: float = param(
        6.0, source="jones_2022", ge=0.0, le=72.0, unit="hours from arrival to a bed"
    )
    ed_delay_deaths_per_patient: EffectConfig = _effect(
        0.0122, 0.0, 0.025, "jones_2022", probability=True
    )
    follow_up: FollowUpConfig = section(FollowUpConfig)


@dataclass
class EconomicsConfig(_Section):
    """Economic evaluation (NHS and personal social services perspective)."""

    discount_rate: float = param(
        0.035, source="nice_manual", ge=0.0, le=0.2, unit="a year, costs and QALYs"
    )
    willingness_to_pay_gbp: list[float] = param(
        [13_000.0, 20_000.0, 30_000.0],
        source="willingness_to_pay_thresholds",
        ge=0.0,
        le=1_000_000.0,
        unit="GBP per QALY",
        doc="net monetary benefit at each: the NHS's own opportunity cost and NICE's range",
    )
    target_relative_precision: float = param(
        0.05,
        source="reporting_convention",
        gt=0.0,
        le=1.0,
        doc="replication guidance: CI half-width as a share of the mean to aim for",
    )


@dataclass
class RunConfig(_Section):
    """Horizon, warm-up, seed and replications."""

    seed: int = param(20261124, source="scenario_choice", ge=0, le=2**63 - 1)
    replications: int = param(1, source="scenario_choice", ge=1, le=100_000)
    n_jobs: int = param(
        1,
        source="scenario_choice",
        ge=-1,
        le=1024,
        doc="parallel workers for replications; -1 uses every core, 0 is refused (never more"
        " workers than replications x arms or cores)",
    )
    start_date: str = param(
        "2024-04-01", source="scenario_choice", doc="calendar date at simulation time 0 (ISO)"
    )
    warmup_months: int = param(12, source="assumption_warmup", ge=0, le=240)
    horizon_years: int = param(10, source="scenario_choice", ge=1, le=60)
    psa: bool = param(
        False,
        source="scenario_choice",
        doc="probabilistic sensitivity analysis: draw every parameter that has a distribution"
        " (effect sizes) once per replication, the same draw in every arm",
    )
    common_random_numbers: bool = param(
        True,
        source="scenario_choice",
        doc="replication i of every arm shares its seed; false gives the scenario arm"
        " independent seeds (only to measure what common random numbers buy)",
    )
    outputs: str = param(
        "full",
        source="scenario_choice",
        choices=OUTPUT_LEVELS,
        doc="full: every table and figure; summary: summaries, yearly comparison and money"
        " tables only, no event or monthly tables and no figures (the default for sweep"
        " points, leftshift -m)",
    )


@dataclass
class ReportConfig(_Section):
    """Thresholds used only to describe results (never in the model)."""

    figure_formats: list[str] = param(
        ["png", "svg"],
        source="reporting_convention",
        choices=("png", "svg"),
        doc="the files each figure is written as: png (for slides; the board pack uses it) and"
        " svg (vector, for print and editing); dropping svg halves the time figures take",
    )
    figure_dpi: int = param(
        300,
        source="reporting_convention",
        ge=50,
        le=1200,
        doc="resolution of the PNG figures (300 prints sharply; 100 is enough on screen and"
        " draws several times faster)",
    )

    list_cleared_fraction: float = param(
        0.1,
        source="reporting_convention",
        gt=0.0,
        le=1.0,
        doc="the scenario's list counts as cleared below this share of the baseline's",
    )
    released_fraction: float = param(
        0.5,
        source="reporting_convention",
        gt=0.0,
        le=1.0,
        doc="backfill has run out once this share of avoided bed-days is released",
    )
    rolling_months: int = param(3, source="reporting_convention", ge=1, le=24)
    min_avoided_share: float = param(
        0.01,
        source="reporting_convention",
        ge=0.0,
        le=1.0,
        doc="backfill is only judged in months whose avoided emergency bed-days are at least"
        " this share of baseline bed-days (below it the split is noise)",
    )

    decommission_search: bool = param(
        True,
        source="reporting_convention",
        doc="in an experiment, search for how many wards could close (extra runs of the"
        " scenario arm; none when the scenario's occupancy is already above the threshold)",
    )
    decommission_search_max_wards: int = param(
        4,
        source="reporting_convention",
        ge=0,
        le=50,
        doc="the search stops earlier if closing more would leave a G&A bed pool without a bed",
    )
    decommission_max_occupancy: float = param(
        0.92,
        source="nhs_planning_occupancy",
        gt=0.0,
        le=1.0,
        doc="the search accepts a closure only while mean G&A occupancy over the whole day"
        " (occupied / open bed-days, not the midnight count) after it stays at or below this"
        " share (a reporting limit, apart from hospital.elective_threshold)",
    )
    decommission_search_year: float = param(
        1.0,
        source="reporting_convention",
        ge=0.0,
        le=100.0,
        doc="the search closes its wards at this time (years after the warm-up)",
    )
    target_occupancy: float = param(
        0.92,
        source="nhs_planning_occupancy",
        gt=0.0,
        le=1.0,
        doc="beds avoided: each arm's beds needed are its bed-days in use plus those of the"
        " emergency patients left waiting in ED for a bed, at this occupancy over the whole day"
        " (the NHS planning maximum)",
    )
    bed_capital_cost_gbp: list[float] = cost(
        [211_401.0, 1_000_000.0, 2_500_000.0],
        "2024/25",
        source="assumption_bed_capital_cost",
        le=1e8,
        length=3,
        unit="GBP per G&A bed (low, central, high)",
        doc="capital cost of providing one G&A bed, to value beds avoided as cost avoidance"
        " (never a cash saving); assumed values taken as 2024/25 prices (their anchors are"
        " a 2008 estimate and a recent rule of thumb: not inflated)",
    )


@dataclass
class ExperimentConfig(_Section):
    """Names the scenario; an experiment compares it with the same config minus interventions."""

    name: str = param(
        "baseline", source="scenario_choice", label=True, doc="label for outputs (a folder name)"
    )
    description: str = param("", source="scenario_choice")
    arms: list[str] = param(
        [],
        source="scenario_choice",
        label=True,
        doc="several scenarios against one baseline in one paired run: names of experiment"
        " files, each an arm (empty: this file is the one scenario)",
    )
    freed_capacity: str = param(
        "use",
        source="model_switch",
        choices=FREED_CAPACITY_USES,
        doc="what the beds the interventions free are used for. use: electives from the"
        " waiting list fill them; idle: each scenario arm admits no more electives by each"
        " day than its baseline did in the same replication, so scenario minus baseline is"
        " the interventions' own effect, and a use run minus an idle run is what the electives"
        " in the freed beds add (in both, the admission threshold and stay lengths respond to"
        " the freer beds: clinical behaviour, not a use chosen); both: one run with the"
        " scenario both ways against one baseline (results/use/, results/idle/), reporting"
        " the two decisions apart",
    )


@dataclass
class Config(_Section):
    """The whole configuration of a run or experiment."""

    place: PlaceConfig = section(PlaceConfig)
    population: PopulationConfig = section(PopulationConfig)
    community: CommunityConfig = section(CommunityConfig)
    demand: DemandConfig = section(DemandConfig)
    hospital: HospitalConfig = section(HospitalConfig)
    interventions: InterventionsConfig = section(InterventionsConfig)
    social_care: SocialCareConfig = section(SocialCareConfig)
    virtual_wards: VirtualWardConfig = section(VirtualWardConfig)
    finance: FinanceConfig = section(FinanceConfig)
    outcomes: OutcomesConfig = section(OutcomesConfig)
    economics: EconomicsConfig = section(EconomicsConfig)
    run: RunConfig = section(RunConfig)
    report: ReportConfig = section(ReportConfig)
    experiment: ExperimentConfig = section(ExperimentConfig)

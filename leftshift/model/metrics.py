"""The registry of monthly metrics: every name the monthly table holds, with its unit and meaning.

Each metric has a unit, a yearly aggregation (``sum`` for flows counted in the month, ``mean``
for stocks, levels, rates and multipliers), a short label for figures and a one-line meaning.
Names built from a grid dimension or a list (one per IMD quintile, staff group, discharge
service, health state or virtual-ward stay kind) are declared once as a :class:`Family` and
expanded. Modules that read the monthly table import the name constants (``metrics.BED_DAYS``,
``metrics.PLACES_IN_USE.name("care_homes")``), so a renamed metric fails at import or in
``tests/test_metrics.py``, not in the middle of a run.

``python -m leftshift.model.metrics > docs/metrics.md`` writes the reference.
"""

import difflib
from dataclasses import dataclass
from enum import StrEnum

from leftshift.config import CommunityConfig
from leftshift.config.dimensions import COPD_STAGES, FRAILTY_LEVELS, HF_CLASSES, IMD_QUINTILES

_SUM, _MEAN = "sum", "mean"  # yearly aggregation: flows are summed, stocks and rates averaged


class Unit(StrEnum):
    """Units of the monthly metrics."""

    BED_DAYS = "bed-days"
    BEDS = "beds"
    DAYS = "days"
    WEEKS = "weeks"
    HOURS = "hours"
    ADMISSIONS = "admissions"
    PRESENTATIONS = "presentations"
    DISCHARGES = "discharges"
    REFERRALS = "referrals"
    PATIENTS = "patients"
    PEOPLE = "people"
    DEATHS = "deaths"
    BIRTHS = "births"
    LIFE_YEARS = "life-years"
    QALYS = "QALYs"
    WTE = "WTE"
    PLACES = "places"
    WARDS = "wards"
    SHARE = "share"
    MULTIPLIER = "multiplier"


@dataclass(frozen=True)
class Metric:
    """One monthly metric: its name in the monthly table and what it measures."""

    name: str
    unit: str
    #: how a year of months is aggregated: "sum" (flows) or "mean" (stocks, levels, rates)
    per_year: str
    label: str
    meaning: str
    section: str
    #: the pattern of the family the metric belongs to, if any
    family: str | None = None


@dataclass(frozen=True)
class Family:
    """Metrics named by one pattern with one placeholder, e.g. ``qalys_{quintile}``."""

    pattern: str
    keys: tuple[str, ...]
    unit: str
    per_year: str
    label: str  # may hold the placeholder too
    meaning: str
    section: str

    @property
    def placeholder(self) -> str:
        """The pattern's placeholder with its braces, e.g. ``{quintile}``."""
        start = self.pattern.index("{")
        return self.pattern[start : self.pattern.index("}", start) + 1]

    def name(self, key: str) -> str:
        """The member's name for ``key`` (a quintile label, a staff group, ...)."""
        if key not in self.keys:
            raise KeyError(f"{key!r} is not a key of metric family {self.pattern!r}: {self.keys}")
        return self.pattern.replace(self.placeholder, key)

    def names(self) -> tuple[str, ...]:
        """Every member's name, in key order."""
        return tuple(self.name(key) for key in self.keys)

    def members(self) -> list[Metric]:
        """The family expanded into one :class:`Metric` per key."""
        return [
            Metric(
                self.name(key),
                self.unit,
                self.per_year,
                self.label.replace(self.placeholder, key),
                self.meaning,
                self.section,
                family=self.pattern,
            )
            for key in self.keys
        ]


#: every declaration, metrics and families, in the order of docs/metrics.md
_DECLARED: list[Metric | Family] = []
_section = ""


def _metric(name: str, unit: Unit, per_year: str, label: str, meaning: str) -> str:
    _DECLARED.append(Metric(name, str(unit), per_year, label, meaning, _section))
    return name


def _family(pattern: str, keys, unit: Unit, per_year: str, label: str, meaning: str) -> Family:
    family = Family(pattern, tuple(keys), str(unit), per_year, label, meaning, _section)
    _DECLARED.append(family)
    return family


#: staff groups: the community's proactive-care groups and the virtual-ward staff
STAFF_GROUPS = (*CommunityConfig().staff_groups(), "virtual_ward_staff")
#: discharge services of pathways 1-3 (the social-care places used on discharge)
DISCHARGE_SERVICES = ("home_support", "intermediate_beds", "care_homes")
#: kinds of virtual-ward stay
VIRTUAL_WARD_KINDS = ("step_up_avoided", "step_up_additional", "step_down")

# --------------------------------------------------------------------------------------------
_section = "Acute bed-time"
# --------------------------------------------------------------------------------------------
BED_DAYS = _metric(
    "bed_days",
    Unit.BED_DAYS,
    _SUM,
    "Occupied bed-days",
    "G&A bed-days occupied in the month by emergency and elective stays (exact integral)",
)
BED_DAYS_EMERGENCY = _metric(
    "bed_days_emergency",
    Unit.BED_DAYS,
    _SUM,
    "Emergency bed-days",
    "Occupied bed-days of emergency admissions",
)
BED_DAYS_EMERGENCY_MARGINAL = _metric(
    "bed_days_emergency_marginal",
    Unit.BED_DAYS,
    _SUM,
    "Marginal emergency bed-days",
    "Occupied bed-days of marginal emergency admissions (admitted or not depending on occupancy)",
)
BED_DAYS_ELECTIVE = _metric(
    "bed_days_elective",
    Unit.BED_DAYS,
    _SUM,
    "Elective bed-days",
    "Occupied bed-days of elective admissions from the waiting list",
)
BED_DAYS_EMERGENCY_COMPLEX = _metric(
    "bed_days_emergency_complex",
    Unit.BED_DAYS,
    _SUM,
    "Complex emergency bed-days",
    "Occupied bed-days of complex-case-mix emergency admissions",
)
BED_DAYS_ELECTIVE_COMPLEX = _metric(
    "bed_days_elective_complex",
    Unit.BED_DAYS,
    _SUM,
    "Complex elective bed-days",
    "Occupied bed-days of complex-case-mix elective admissions",
)
BED_DAYS_STAY_PRESSURE = _metric(
    "bed_days_stay_pressure",
    Unit.BED_DAYS,
    _SUM,
    "Stay-length response bed-days",
    "Bed-days from the stay-length response to occupancy (clinical minus base stay, less an"
    " outlier's extra days); can be < 0",
)
BED_DAYS_OUTLIER_EXTRA_STAY = _metric(
    "bed_days_outlier_extra_stay",
    Unit.BED_DAYS,
    _SUM,
    "Outliers' extra bed-days",
    "Bed-days added to outliers' stays by lying in another pool (hospital.outlier_stay_multiplier)",
)
BED_DAYS_BASE_EMERGENCY_CORE = _metric(
    "bed_days_base_emergency_core",
    Unit.BED_DAYS,
    _SUM,
    "Base-stay bed-days, core emergency",
    "Bed-days of the base stay of non-marginal emergency admissions",
)
BED_DAYS_BASE_EMERGENCY_MARGINAL = _metric(
    "bed_days_base_emergency_marginal",
    Unit.BED_DAYS,
    _SUM,
    "Base-stay bed-days, marginal emergency",
    "Bed-days of the base stay of marginal emergency admissions",
)
BED_DAYS_BASE_ELECTIVE = _metric(
    "bed_days_base_elective",
    Unit.BED_DAYS,
    _SUM,
    "Base-stay bed-days, elective",
    "Bed-days of the base stay of elective admissions",
)
BED_DAYS_AWAITING_DISCHARGE_WINDOW = _metric(
    "bed_days_awaiting_discharge_window",
    Unit.BED_DAYS,
    _SUM,
    "Bed-days awaiting the discharge window",
    "Bed-days between the end of the clinical stay and the next daily discharge window",
)
BED_DAYS_DELAYED_DISCHARGE = _metric(
    "bed_days_delayed_discharge",
    Unit.BED_DAYS,
    _SUM,
    "Delayed-discharge bed-days",
    "Bed-days of medically fit patients waiting for a discharge service (pathways 1-3)",
)
DELAYED_DISCHARGE_PATIENTS = _metric(
    "delayed_discharge_patients",
    Unit.PATIENTS,
    _MEAN,
    "Delayed-discharge patients",
    "Mean number of patients in a G&A bed awaiting a discharge service",
)
OPEN_BED_DAYS = _metric(
    "open_bed_days",
    Unit.BED_DAYS,
    _SUM,
    "Open bed-days",
    "Bed-days of G&A beds open (staffed), escalation beds included",
)
CORE_BED_DAYS = _metric(
    "core_bed_days",
    Unit.BED_DAYS,
    _SUM,
    "Core bed-days",
    "Bed-days of the core G&A bed stock open, without escalation beds",
)
ESCALATION_BED_DAYS = _metric(
    "escalation_bed_days",
    Unit.BED_DAYS,
    _SUM,
    "Escalation bed-days",
    "Open bed-days above the core stock: escalation beds, and beds of a closing ward until empty",
)
OPEN_BEDS = _metric(
    "open_beds", Unit.BEDS, _MEAN, "Open beds", "Mean number of G&A beds open in the month"
)
OCCUPIED_BEDS = _metric(
    "occupied_beds",
    Unit.BEDS,
    _MEAN,
    "Occupied beds",
    "Mean number of G&A beds occupied in the month",
)
OCCUPANCY = _metric(
    "occupancy",
    Unit.SHARE,
    _MEAN,
    "Bed occupancy over the whole day",
    "Occupied bed-days / open bed-days in the month (the time mean; KH03 counts at midnight)",
)
OCCUPANCY_MIDNIGHT = _metric(
    "occupancy_midnight",
    Unit.SHARE,
    _MEAN,
    "Bed occupancy at midnight",
    "Mean over the month's midnights of occupied / open G&A beds (as KH03 counts it)",
)
OCCUPANCY_MIDDAY = _metric(
    "occupancy_midday",
    Unit.SHARE,
    _MEAN,
    "Bed occupancy at midday",
    "Mean over the month's middays of occupied / open G&A beds",
)
WARDS_CLOSED = _metric(
    "wards_closed",
    Unit.WARDS,
    _SUM,
    "Wards closed",
    "G&A wards closed by decommissioning in the month",
)

# --------------------------------------------------------------------------------------------
_section = "Admissions, discharges and stays"
# --------------------------------------------------------------------------------------------
ADMISSIONS_EMERGENCY = _metric(
    "admissions_emergency",
    Unit.ADMISSIONS,
    _SUM,
    "Emergency admissions",
    "Emergency admissions to a G&A bed, by month of admission",
)
ADMISSIONS_EMERGENCY_COMPLEX = _metric(
    "admissions_emergency_complex",
    Unit.ADMISSIONS,
    _SUM,
    "Complex emergency admissions",
    "Emergency admissions of complex case mix",
)
ADMISSIONS_EMERGENCY_MARGINAL = _metric(
    "admissions_emergency_marginal",
    Unit.ADMISSIONS,
    _SUM,
    "Marginal emergency admissions",
    "Marginal emergency presentations that were admitted",
)
ADMISSIONS_ELECTIVE = _metric(
    "admissions_elective",
    Unit.ADMISSIONS,
    _SUM,
    "Elective admissions",
    "Ordinary elective admissions (a G&A bed) from the waiting list; day cases are counted"
    " apart (day_cases)",
)
DAY_CASES = _metric(
    "day_cases",
    Unit.ADMISSIONS,
    _SUM,
    "Day cases",
    "Elective day cases (treated and discharged the same day): a count drawn each month from"
    " the population (demand.day_cases_per_1000_by_age); no overnight bed, no waiting list, no"
    " theatre cap, never cancelled; with ordinary elective admissions they are all elective"
    " activity, the denominator of NHS England's cancelled-operations statistics",
)
ADMISSIONS_ELECTIVE_COMPLEX = _metric(
    "admissions_elective_complex",
    Unit.ADMISSIONS,
    _SUM,
    "Complex elective admissions",
    "Elective admissions of complex case mix",
)
ADMISSIONS_COPD_EXACERBATION = _metric(
    "admissions_copd_exacerbation",
    Unit.ADMISSIONS,
    _SUM,
    "COPD exacerbation admissions",
    "Emergency admissions caused by a COPD exacerbation",
)
ADMISSIONS_HEART_FAILURE = _metric(
    "admissions_heart_failure",
    Unit.ADMISSIONS,
    _SUM,
    "Heart-failure admissions",
    "Emergency admissions coded as heart failure (the other admissions of people with heart"
    " failure count as other causes)",
)
ADMISSIONS_EMERGENCY_BY_IMD = _family(
    "admissions_emergency_{quintile}",
    IMD_QUINTILES,
    Unit.ADMISSIONS,
    _SUM,
    "Emergency admissions, {quintile}",
    "Emergency admissions of people in the IMD quintile",
)
ADMISSIONS_DELAYED_IN_ED = _metric(
    "admissions_delayed_in_ed",
    Unit.ADMISSIONS,
    _SUM,
    "Admissions delayed in ED",
    "Admitted presentations (not dying in hospital) waiting over outcomes.ed_delay_hours for a bed",
)
DISCHARGES = _metric(
    "discharges",
    Unit.DISCHARGES,
    _SUM,
    "Discharges",
    "Completed G&A stays (emergency and elective), by month of discharge",
)
DISCHARGES_EMERGENCY = _metric(
    "discharges_emergency",
    Unit.DISCHARGES,
    _SUM,
    "Emergency discharges",
    "Completed stays of emergency admissions",
)
DISCHARGED_LOS_DAYS_TOTAL = _metric(
    "discharged_los_days_total",
    Unit.DAYS,
    _SUM,
    "Length of stay of discharges",
    "Sum of the lengths of stay of the month's discharges",
)
DISCHARGED_EMERGENCY_LOS_DAYS_TOTAL = _metric(
    "discharged_emergency_los_days_total",
    Unit.DAYS,
    _SUM,
    "Length of stay of emergency discharges",
    "Sum of the lengths of stay of the month's emergency discharges",
)
DISCHARGED_EMERGENCY_DELAY_DAYS_TOTAL = _metric(
    "discharged_emergency_delay_days_total",
    Unit.DAYS,
    _SUM,
    "Delay of emergency discharges",
    "Sum of the delayed-discharge days of the month's emergency discharges",
)
MEAN_LOS_DAYS = _metric(
    "mean_los_days",
    Unit.DAYS,
    _MEAN,
    "Mean length of stay",
    "Mean length of stay of the month's discharges (NaN in a month without any)",
)

# --------------------------------------------------------------------------------------------
_section = "Emergency department"
# --------------------------------------------------------------------------------------------
EMERGENCY_PRESENTATIONS = _metric(
    "emergency_presentations",
    Unit.PRESENTATIONS,
    _SUM,
    "Emergency presentations",
    "Emergency presentations, virtual-ward escalations included, by arrival",
)
EMERGENCY_PRESENTATIONS_MARGINAL = _metric(
    "emergency_presentations_marginal",
    Unit.PRESENTATIONS,
    _SUM,
    "Marginal presentations",
    "Presentations whose admission depends on occupancy",
)
EMERGENCY_TO_VIRTUAL_WARD = _metric(
    "emergency_to_virtual_ward",
    Unit.PRESENTATIONS,
    _SUM,
    "Presentations to a virtual ward",
    "Presentations stepped up to a virtual ward instead of admitted",
)
EMERGENCY_NOT_ADMITTED = _metric(
    "emergency_not_admitted",
    Unit.PRESENTATIONS,
    _SUM,
    "Presentations not admitted",
    "Marginal presentations not admitted at the occupancy they met",
)
EMERGENCY_DIVERTED = _metric(
    "emergency_diverted",
    Unit.PRESENTATIONS,
    _SUM,
    "Presentations diverted",
    "Emergency patients diverted to other providers because the ED held its most boarders"
    " (hospital.divert_boarder_share of a site's beds, or hospital.max_ed_boarders)",
)
ED_BOARDING_HOURS = _metric(
    "ed_boarding_hours",
    Unit.HOURS,
    _SUM,
    "ED boarding hours",
    "Hours admitted patients spent in the ED waiting for a bed",
)
ADMISSIONS_VIA_ED = _metric(
    "admissions_via_ed",
    Unit.ADMISSIONS,
    _SUM,
    "Emergency admissions via ED",
    "Emergency admissions from an ED decision to admit (not virtual-ward escalations), by"
    " month of admission",
)
ED_WAITS_4H_PLUS = _metric(
    "ed_waits_4h_plus",
    Unit.ADMISSIONS,
    _SUM,
    "ED waits of 4 hours or more",
    "Admissions via ED that waited 4 hours or more from the decision to admit to a bed (NHS"
    " England's 'trolley waits'), by month of admission",
)
ED_WAITS_12H_PLUS = _metric(
    "ed_waits_12h_plus",
    Unit.ADMISSIONS,
    _SUM,
    "ED waits of 12 hours or more",
    "Admissions via ED that waited 12 hours or more from the decision to admit to a bed, by"
    " month of admission",
)
OUTLIER_ADMISSIONS = _metric(
    "outlier_admissions",
    Unit.ADMISSIONS,
    _SUM,
    "Outlier admissions",
    "Emergency admissions to a bed of another pool than the patient's home pool"
    " (hospital.outlying), by month of admission",
)
REPATRIATIONS = _metric(
    "repatriations",
    Unit.ADMISSIONS,
    _SUM,
    "Outliers moved home",
    "Outliers moved back to a bed of their home pool before the end of their stay, by month"
    " of admission",
)
ED_BOARDERS_MEAN = _metric(
    "ed_boarders_mean",
    Unit.PATIENTS,
    _MEAN,
    "ED boarders",
    "Mean number of patients in the ED waiting for a bed",
)
EMERGENCY_DEMAND_MULTIPLIER = _metric(
    "emergency_demand_multiplier",
    Unit.MULTIPLIER,
    _MEAN,
    "Emergency demand multiplier",
    "The scenario's interventions.emergency_demand_multiplier on emergency presentations",
)
EMERGENCY_PRESENTATIONS_AVOIDED_IN_COMMUNITY = _metric(
    "emergency_presentations_avoided_in_community",
    Unit.PRESENTATIONS,
    _SUM,
    "Presentations avoided in the community",
    "Presentations proactive care avoided, in the month they would have come",
)
ACUTE_BED_DAYS_FREED_BY_COMMUNITY = _metric(
    "acute_bed_days_freed_by_community",
    Unit.BED_DAYS,
    _SUM,
    "Bed-days freed by the community",
    "Base stays of the avoided presentations that would certainly have been admitted",
)

# --------------------------------------------------------------------------------------------
_section = "Elective waiting list"
# --------------------------------------------------------------------------------------------
REFERRALS = _metric(
    "referrals", Unit.REFERRALS, _SUM, "Referrals", "Referrals to the admitted waiting list"
)
LIST_REMOVALS = _metric(
    "list_removals",
    Unit.REFERRALS,
    _SUM,
    "Removals from the list",
    "Referrals removed from the list without treatment",
)
WAITING_LIST_SIZE = _metric(
    "waiting_list_size", Unit.REFERRALS, _MEAN, "Waiting list", "Referrals waiting at the month end"
)
WAITING_LIST_18WK_SHARE = _metric(
    "waiting_list_18wk_share",
    Unit.SHARE,
    _MEAN,
    "Waiting under 18 weeks",
    "Share of the list waiting under 18 weeks at the month end",
)
WAITING_LIST_MEAN_WAIT_WEEKS = _metric(
    "waiting_list_mean_wait_weeks",
    Unit.WEEKS,
    _MEAN,
    "Mean wait",
    "Mean time waited so far by the list at the month end",
)
ELECTIVES_CANCELLED = _metric(
    "electives_cancelled_on_the_day",
    Unit.ADMISSIONS,
    _SUM,
    "Cancelled on the day",
    "Electives booked at a day's round (up to that day's theatre capacity,"
    " place.theatre_sessions_per_week_per_100k) but not admitted by the next round because no"
    " bed fell free: last-minute cancellations for non-clinical reasons, rebooked at the head"
    " of the list; 0 when theatres do not limit electives",
)
REFERRAL_RESPONSE_MULTIPLIER = _metric(
    "referral_response_multiplier",
    Unit.MULTIPLIER,
    _MEAN,
    "Referral response",
    "Multiplier on referrals in response to the mean wait at the month start",
)

# --------------------------------------------------------------------------------------------
_section = "Discharge services (social care)"
# --------------------------------------------------------------------------------------------
PLACES_IN_USE = _family(
    "places_in_use_{service}",
    DISCHARGE_SERVICES,
    Unit.PLACES,
    _MEAN,
    "Places in use, {service}",
    "Mean number of the discharge service's places in use (0 without delayed discharges)",
)

# --------------------------------------------------------------------------------------------
_section = "Population and health states"
# --------------------------------------------------------------------------------------------
POPULATION = _metric(
    "population", Unit.PEOPLE, _MEAN, "Population", "People alive at the month start"
)
POPULATION_BY_IMD = _family(
    "population_{quintile}",
    IMD_QUINTILES,
    Unit.PEOPLE,
    _MEAN,
    "Population, {quintile}",
    "People in the IMD quintile at the month start (only in runs with virtual wards)",
)
BIRTHS = _metric("births", Unit.BIRTHS, _SUM, "Births", "Births in the month")
PEOPLE_FRAILTY = _family(
    "people_frailty_{level}",
    FRAILTY_LEVELS,
    Unit.PEOPLE,
    _MEAN,
    "People, frailty {level}",
    "People at the frailty level at the month start",
)
PEOPLE_COPD = _family(
    "people_copd_{stage}",
    COPD_STAGES,
    Unit.PEOPLE,
    _MEAN,
    "People, COPD {stage}",
    "People at the COPD stage at the month start",
)
PEOPLE_HEART_FAILURE = _family(
    "people_heart_failure_{class}",
    HF_CLASSES,
    Unit.PEOPLE,
    _MEAN,
    "People, heart failure {class}",
    "People in the NYHA class at the month start",
)
PEOPLE_FRAILTY_SEVERE = PEOPLE_FRAILTY.name("severe")
#: the people-by-state families by health-state dimension (config.dimensions.STATE_LABELS)
PEOPLE_BY_STATE = {
    "frailty": PEOPLE_FRAILTY,
    "copd": PEOPLE_COPD,
    "heart_failure": PEOPLE_HEART_FAILURE,
}
PEOPLE_COPD_SEVERE = _metric(
    "people_copd_severe",
    Unit.PEOPLE,
    _MEAN,
    "People, COPD GOLD 3-4",
    "People at GOLD 3 or 4 at the month start",
)
PEOPLE_HEART_FAILURE_SEVERE = _metric(
    "people_heart_failure_severe",
    Unit.PEOPLE,
    _MEAN,
    "People, NYHA III-IV",
    "People in NYHA class III or IV at the month start",
)
PEOPLE_IN_A_SEVERE_STATE = _metric(
    "people_in_a_severe_state",
    Unit.PEOPLE,
    _MEAN,
    "People in a severe state",
    "People severely frail, at GOLD 3-4 or in NYHA III-IV (each once) at the month start",
)

# --------------------------------------------------------------------------------------------
_section = "Community workforce and proactive care"
# --------------------------------------------------------------------------------------------
WTE_FUNDED = _family(
    "wte_funded_{group}",
    STAFF_GROUPS,
    Unit.WTE,
    _MEAN,
    "Funded WTE, {group}",
    "Posts funded for the staff group, filled or not",
)
WTE_HIRED = _family(
    "wte_hired_{group}",
    STAFF_GROUPS,
    Unit.WTE,
    _SUM,
    "WTE hired, {group}",
    "WTE hired in the month (they start after the recruitment lag)",
)
WTE_IN_POST = _family(
    "wte_in_post_{group}",
    STAFF_GROUPS,
    Unit.WTE,
    _MEAN,
    "WTE in post, {group}",
    "WTE in post after the month's leavers and starters",
)
WTE_PRODUCTIVE = _family(
    "wte_productive_{group}",
    STAFF_GROUPS,
    Unit.WTE,
    _MEAN,
    "Productive WTE, {group}",
    "WTE in post weighted by how far each starter has ramped up",
)
PROACTIVE_CARE_WTE_FUNDED = _metric(
    "proactive_care_wte_funded",
    Unit.WTE,
    _MEAN,
    "Proactive-care WTE funded",
    "Funded WTE of the proactive-care staff groups (not virtual wards)",
)
PROACTIVE_CARE_WTE_IN_POST = _metric(
    "proactive_care_wte_in_post",
    Unit.WTE,
    _MEAN,
    "Proactive-care WTE in post",
    "WTE in post of the proactive-care staff groups",
)
PROACTIVE_CARE_WTE_PRODUCTIVE = _metric(
    "proactive_care_wte_productive",
    Unit.WTE,
    _MEAN,
    "Proactive-care productive WTE",
    "Productive WTE of the proactive-care staff groups",
)
PROACTIVE_CARE_CAPACITY = _metric(
    "proactive_care_capacity",
    Unit.PEOPLE,
    _MEAN,
    "Proactive-care capacity",
    "People the productive staff can hold (productive WTE x caseload)",
)
PROACTIVE_CARE_MATURITY = _metric(
    "proactive_care_maturity",
    Unit.SHARE,
    _MEAN,
    "Teams' maturity",
    "Share of the full proactive-care effect the teams deliver this month",
)
PEOPLE_ELIGIBLE_PROACTIVE_CARE = _metric(
    "people_eligible_proactive_care",
    Unit.PEOPLE,
    _MEAN,
    "People eligible for proactive care",
    "People in the states proactive care targets",
)
PEOPLE_REACHED_PROACTIVE_CARE = _metric(
    "people_reached_proactive_care",
    Unit.PEOPLE,
    _MEAN,
    "People reached by proactive care",
    "Eligible people the month's capacity reaches",
)
PEOPLE_REACHED_PROACTIVE_CARE_BY_IMD = _family(
    "people_reached_proactive_care_{quintile}",
    IMD_QUINTILES,
    Unit.PEOPLE,
    _MEAN,
    "People reached, {quintile}",
    "People in the IMD quintile reached by proactive care",
)

# --------------------------------------------------------------------------------------------
_section = "Virtual wards"
# --------------------------------------------------------------------------------------------
VW_BEDS_FUNDED = _metric(
    "vw_beds_funded",
    Unit.BEDS,
    _MEAN,
    "Virtual beds funded",
    "Virtual beds the scenario funds this month",
)
VW_BEDS_NEWLY_FUNDED = _metric(
    "vw_beds_newly_funded",
    Unit.BEDS,
    _SUM,
    "Virtual beds newly funded",
    "Virtual beds funded above the most funded before (set-up cost)",
)
VW_BEDS_STAFFED = _metric(
    "vw_beds_staffed",
    Unit.BEDS,
    _MEAN,
    "Virtual beds staffed",
    "Funded virtual beds the productive staff can run, at the month start (not rounded)",
)
VW_BEDS_AVAILABLE = _metric(
    "vw_beds_available",
    Unit.BEDS,
    _MEAN,
    "Virtual beds available",
    "Mean virtual-ward capacity in the month (staffed beds, rounded)",
)
VW_OCCUPIED_BEDS = _metric(
    "vw_occupied_beds",
    Unit.BEDS,
    _MEAN,
    "Virtual beds occupied",
    "Mean number of virtual beds in use",
)
VW_OCCUPANCY = _metric(
    "vw_occupancy",
    Unit.SHARE,
    _MEAN,
    "Virtual-ward occupancy",
    "Occupied / available virtual beds (NaN when none available)",
)
VW_ADMISSIONS = _metric(
    "vw_admissions",
    Unit.ADMISSIONS,
    _SUM,
    "Virtual-ward admissions",
    "Virtual-ward stays started in the month",
)
VW_ADMISSIONS_BY_KIND = _family(
    "vw_admissions_{kind}",
    VIRTUAL_WARD_KINDS,
    Unit.ADMISSIONS,
    _SUM,
    "Virtual-ward admissions, {kind}",
    "Virtual-ward stays started: step-up instead of admission, additional step-up, step-down",
)
VW_ADMISSIONS_TARGETED_OFFER = _metric(
    "vw_admissions_targeted_offer",
    Unit.ADMISSIONS,
    _SUM,
    "Virtual-ward admissions with the offer",
    "Virtual-ward stays started by people in the quintiles of the targeted offer",
)
VW_ADMISSIONS_BY_IMD = _family(
    "vw_admissions_{quintile}",
    IMD_QUINTILES,
    Unit.ADMISSIONS,
    _SUM,
    "Virtual-ward admissions, {quintile}",
    "Virtual-ward stays started in the IMD quintile",
)
VW_ADMISSIONS_AVOIDED_BY_IMD = _family(
    "vw_admissions_avoided_{quintile}",
    IMD_QUINTILES,
    Unit.ADMISSIONS,
    _SUM,
    "Admissions avoided by virtual wards, {quintile}",
    "Step-ups instead of an acute admission in the IMD quintile",
)
VW_REFERRALS_EXCLUDED_BY_IMD = _family(
    "vw_referrals_excluded_{quintile}",
    IMD_QUINTILES,
    Unit.PRESENTATIONS,
    _SUM,
    "Virtual-ward referrals turned away, {quintile}",
    "Presentations referred for step-up but failing the digital or housing check",
)
VW_ESCALATIONS = _metric(
    "vw_escalations",
    Unit.PATIENTS,
    _SUM,
    "Virtual-ward escalations",
    "Virtual-ward patients escalated back to the acute hospital, by month of escalation",
)
VW_DEATHS = _metric(
    "vw_deaths",
    Unit.DEATHS,
    _SUM,
    "Virtual-ward deaths",
    "Deaths at the end of a virtual-ward stay (not escalated)",
)
VW_ACUTE_BED_DAYS_FREED = _family(
    "vw_acute_bed_days_freed_{kind}",
    ("step_up_avoided", "step_down"),
    Unit.BED_DAYS,
    _SUM,
    "Acute bed-days freed, {kind}",
    "Acute bed-days the virtual-ward stays of the kind free, counted at the stay's start",
)

# --------------------------------------------------------------------------------------------
_section = "Follow-up after discharge"
# --------------------------------------------------------------------------------------------
DISCHARGES_FOLLOWED = _metric(
    "discharges_followed",
    Unit.DISCHARGES,
    _SUM,
    "Discharges followed up",
    "Discharges alive from an acute bed or a virtual ward that the follow-up tracks, by month"
    " of discharge",
)
READMISSION_PRESENTATIONS = _metric(
    "readmission_presentations",
    Unit.PRESENTATIONS,
    _SUM,
    "Readmission presentations",
    "Emergency presentations within the readmission window after a discharge (route"
    " readmission), by month of arrival; they take the ED path like any presentation",
)
EMERGENCY_READMISSIONS = _metric(
    "emergency_readmissions",
    Unit.ADMISSIONS,
    _SUM,
    "Emergency readmissions",
    "Readmission presentations admitted to a G&A bed, by month of admission (part of the"
    " emergency admissions)",
)
WAITING_LIST_EMERGENCY_PRESENTATIONS = _metric(
    "waiting_list_emergency_presentations",
    Unit.PRESENTATIONS,
    _SUM,
    "Emergencies while on the elective list",
    "Emergency presentations of people waiting on the elective list, related to what they"
    " wait for (route waiting_list, demand.waiting_list_emergency_per_year), by month of"
    " arrival; they take the ED path like any presentation and stay on the list",
)
WAITING_LIST_EMERGENCY_ADMISSIONS = _metric(
    "waiting_list_emergency_admissions",
    Unit.ADMISSIONS,
    _SUM,
    "Emergency admissions while on the elective list",
    "Emergencies of people on the elective list admitted to a G&A bed, by month of admission"
    " (part of the emergency admissions)",
)
CARE_HOME_MOVES_AFTER_DISCHARGE = _metric(
    "care_home_moves_after_discharge",
    Unit.PEOPLE,
    _SUM,
    "Care-home moves after discharge",
    "People 65+ moving into a care home within the follow-up days after a discharge (not"
    " discharge pathway 3), by month of the move",
)
CARE_HOME_DAYS_AFTER_DISCHARGE = _metric(
    "care_home_days_after_discharge",
    Unit.DAYS,
    _SUM,
    "Care-home days after discharge",
    "Resident-days in care homes of the people who moved in after discharge (each stays"
    " social_care.care_homes.service_days or until the end of the run); the local"
    " authority pays them",
)

# --------------------------------------------------------------------------------------------
_section = "Deaths and health outcomes"
# --------------------------------------------------------------------------------------------
DEATHS_IN_HOSPITAL = _metric(
    "deaths_in_hospital",
    Unit.DEATHS,
    _SUM,
    "Deaths in hospital",
    "Deaths of admitted patients, at the end of their stay",
)
DEATHS_AFTER_ED_WITHOUT_ADMISSION = _metric(
    "deaths_after_ed_without_admission",
    Unit.DEATHS,
    _SUM,
    "Deaths after ED without admission",
    "Deaths of presentations not admitted or diverted, by month of arrival",
)
DEATHS_AFTER_AVOIDED_PRESENTATION = _metric(
    "deaths_after_avoided_presentation",
    Unit.DEATHS,
    _SUM,
    "Deaths after an avoided presentation",
    "Deaths, out of hospital, of people whose presentation the community avoided",
)
DEATHS_IN_POPULATION = _metric(
    "deaths_in_population",
    Unit.DEATHS,
    _SUM,
    "Deaths in the population",
    "Deaths from the population's own mortality in the month",
)
DEATHS_FROM_ED_CROWDING_IN_POPULATION = _metric(
    "deaths_from_ed_crowding_in_population",
    Unit.DEATHS,
    _SUM,
    "ED-crowding deaths removed",
    "Expected ED-crowding deaths taken out of the population (0 in a static population)",
)
DEATHS_EXPECTED_FROM_ED_CROWDING = _metric(
    "deaths_expected_from_ed_crowding",
    Unit.DEATHS,
    _SUM,
    "Expected ED-crowding deaths",
    "Admissions delayed in ED x outcomes.ed_delay_deaths_per_patient (expected, fractional)",
)
DEATHS_AFTER_DISCHARGE = _metric(
    "deaths_after_discharge",
    Unit.DEATHS,
    _SUM,
    "Deaths after discharge",
    "Deaths, out of hospital, within the follow-up days after a discharge alive (acute or"
    " virtual ward), by month of death",
)
#: where a death happens: every death of the month in exactly one place
DEATH_PLACES = ("hospital", "home_after_virtual_ward", "community")
DEATHS_BY_PLACE = _family(
    "deaths_at_{place}",
    DEATH_PLACES,
    Unit.DEATHS,
    _SUM,
    "Deaths, {place}",
    "All deaths by place: in hospital; at home at the end of a virtual-ward stay; in the"
    " community (the population's own deaths, after ED without admission, after an avoided"
    " presentation, after discharge, and expected ED-crowding deaths). They add up to the"
    " deaths by IMD quintile",
)
DEATHS_BY_IMD = _family(
    "deaths_{quintile}",
    IMD_QUINTILES,
    Unit.DEATHS,
    _SUM,
    "Deaths, {quintile}",
    "All deaths in the IMD quintile: population, hospital and expected ED-crowding deaths",
)
YEARS_OF_LIFE_LOST = _metric(
    "years_of_life_lost",
    Unit.LIFE_YEARS,
    _SUM,
    "Years of life lost",
    "The month's deaths x remaining life expectancy at their age band",
)
LIFE_YEARS = _metric(
    "life_years",
    Unit.LIFE_YEARS,
    _SUM,
    "Life-years",
    "Population at the month start x the month's length in years",
)
QALYS = _metric(
    "qalys",
    Unit.QALYS,
    _SUM,
    "QALYs",
    "QALYs lived plus the gain of elective treatment, less the QALY losses of admissions and"
    " of waiting on the elective list",
)
QALYS_BY_IMD = _family(
    "qalys_{quintile}",
    IMD_QUINTILES,
    Unit.QALYS,
    _SUM,
    "QALYs, {quintile}",
    "Net QALYs of the IMD quintile",
)
QALYS_LIVED = _metric(
    "qalys_lived",
    Unit.QALYS,
    _SUM,
    "QALYs lived",
    "People at the month start x their utility x the month's length in years",
)
QALY_GAIN_ELECTIVE = _metric(
    "qaly_gain_elective",
    Unit.QALYS,
    _SUM,
    "QALYs gained by elective treatment",
    "Elective spells (treated from the list) x the discounted lifetime QALY gain per spell,"
    " in the month of admission",
)
QALY_LOSS_ADMISSIONS = _metric(
    "qaly_loss_admissions",
    Unit.QALYS,
    _SUM,
    "QALYs lost to admissions",
    "QALY loss of COPD-exacerbation and heart-failure admissions",
)
QALY_LOSS_WAITING = _metric(
    "qaly_loss_waiting",
    Unit.QALYS,
    _SUM,
    "QALYs lost waiting",
    "Utility lost on the elective list: the decline per month x months since referral,"
    " integrated over the time waited",
)


def _expand() -> dict[str, Metric]:
    out: dict[str, Metric] = {}
    for item in _DECLARED:
        for metric in item.members() if isinstance(item, Family) else [item]:
            if metric.name in out:
                raise ValueError(f"metric {metric.name!r} is declared twice")
            out[metric.name] = metric
    return out


#: every registered metric by name, families expanded
REGISTRY: dict[str, Metric] = _expand()
#: the families by pattern
FAMILIES: dict[str, Family] = {f.pattern: f for f in _DECLARED if isinstance(f, Family)}

#: metrics the experiment compares year by year (scenario - baseline), in report order
COMPARED_YEAR_BY_YEAR: tuple[str, ...] = (
    BED_DAYS,
    BED_DAYS_EMERGENCY,
    BED_DAYS_EMERGENCY_MARGINAL,
    BED_DAYS_ELECTIVE,
    BED_DAYS_STAY_PRESSURE,
    BED_DAYS_OUTLIER_EXTRA_STAY,
    BED_DAYS_AWAITING_DISCHARGE_WINDOW,
    BED_DAYS_DELAYED_DISCHARGE,
    DELAYED_DISCHARGE_PATIENTS,
    ADMISSIONS_EMERGENCY,
    ADMISSIONS_ELECTIVE,
    DAY_CASES,
    EMERGENCY_PRESENTATIONS,
    EMERGENCY_NOT_ADMITTED,
    ED_BOARDING_HOURS,
    ED_WAITS_4H_PLUS,
    ED_WAITS_12H_PLUS,
    OUTLIER_ADMISSIONS,
    OCCUPANCY,
    OCCUPANCY_MIDNIGHT,
    WAITING_LIST_SIZE,
    WAITING_LIST_18WK_SHARE,
    REFERRALS,
    LIST_REMOVALS,
    MEAN_LOS_DAYS,
    ADMISSIONS_EMERGENCY_COMPLEX,
    DISCHARGES_EMERGENCY,
    DISCHARGED_EMERGENCY_LOS_DAYS_TOTAL,
    DISCHARGED_EMERGENCY_DELAY_DAYS_TOTAL,
    EMERGENCY_TO_VIRTUAL_WARD,
    *ADMISSIONS_EMERGENCY_BY_IMD.names(),
    ADMISSIONS_COPD_EXACERBATION,
    ADMISSIONS_HEART_FAILURE,
    PEOPLE_COPD_SEVERE,
    PEOPLE_HEART_FAILURE_SEVERE,
    PEOPLE_FRAILTY_SEVERE,
    PEOPLE_IN_A_SEVERE_STATE,
    PEOPLE_REACHED_PROACTIVE_CARE,
    PROACTIVE_CARE_WTE_FUNDED,
    PROACTIVE_CARE_WTE_IN_POST,
    PROACTIVE_CARE_WTE_PRODUCTIVE,
    OPEN_BEDS,
    WARDS_CLOSED,
    QALYS,
    LIFE_YEARS,
    DEATHS_IN_HOSPITAL,
    DEATHS_IN_POPULATION,
    DEATHS_AFTER_ED_WITHOUT_ADMISSION,
    DEATHS_AFTER_AVOIDED_PRESENTATION,
    DEATHS_AFTER_DISCHARGE,
    *DEATHS_BY_PLACE.names(),
    EMERGENCY_READMISSIONS,
    WAITING_LIST_EMERGENCY_ADMISSIONS,
    CARE_HOME_MOVES_AFTER_DISCHARGE,
    YEARS_OF_LIFE_LOST,
    DEATHS_EXPECTED_FROM_ED_CROWDING,
    ADMISSIONS_DELAYED_IN_ED,
    *QALYS_BY_IMD.names(),
)


def is_registered(name: str) -> bool:
    """True when ``name`` is a registered metric (a family member counts)."""
    return name in REGISTRY


def lookup(name: str) -> Metric:
    """The registered metric called ``name``; a KeyError names the closest registered names."""
    try:
        return REGISTRY[name]
    except KeyError:
        close = difflib.get_close_matches(name, list(REGISTRY), n=3, cutoff=0.6)
        hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        raise KeyError(
            f"unknown metric {name!r}{hint} (registered metrics: docs/metrics.md)"
        ) from None


def yearly_aggregation(name: str) -> str:
    """How a year of the metric's months is aggregated: ``"sum"`` or ``"mean"``."""
    return lookup(name).per_year


def yearly_aggregations(names) -> dict[str, str]:
    """``{name: "sum" or "mean"}`` for the given metric names, in their order."""
    return {name: yearly_aggregation(name) for name in names}


def markdown() -> str:
    """The metric reference as Markdown (docs/metrics.md); families appear once."""
    n_families = len(FAMILIES)
    n_members = sum(len(f.keys) for f in FAMILIES.values())
    lines = [
        "# Monthly metrics",
        "",
        "Generated by `python -m leftshift.model.metrics > docs/metrics.md` from",
        "`leftshift/model/metrics.py`; do not edit by hand.",
        "",
        f"{len(REGISTRY)} metrics: {len(REGISTRY) - n_members} single metrics and {n_families}"
        f" families of {n_members} metrics. *Per year* is how a reporting year aggregates the",
        "months: `sum` for flows, `mean` for stocks, levels, rates and multipliers.",
    ]
    section = None
    for item in _DECLARED:
        if item.section != section:
            section = item.section
            lines += [
                "",
                f"## {section}",
                "",
                "| name | unit | per year | label | meaning |",
                "|---|---|---|---|---|",
            ]
        if isinstance(item, Family):
            keys = ", ".join(f"`{k}`" for k in item.keys)
            meaning = f"{item.meaning}. `{item.placeholder}`: {keys}"
            name = item.pattern
        else:
            meaning, name = item.meaning, item.name
        cells = (f"`{name}`", item.unit, item.per_year, item.label, meaning)
        lines.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(markdown(), end="")  # noqa: T201

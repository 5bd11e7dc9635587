"""The money: a ledger of every cost and income by organisation, financial year and cause.

Each entry is one amount of pounds (price year ``finance.price_year``, never negative) that an
organisation spends or receives in a calendar month, with a category (what it is for) and a cause
(what made it happen). Payments between organisations inside the place are written twice, once as
the payer's spending and once as the payee's income, by :meth:`Ledger.transfer`, so they cancel in
the system's net position; only spending outside the place (staff, supplies) and income from
outside it (national transition funding) move the system's net cost.

What is priced, and from which mechanism (MODEL.md section 5):

* acute trust: the staffed bed stock (a fixed cost per open bed-day, whether or not the bed is
  used), escalation beds while open, closed wards' fixed costs during the release lag (stranded,
  caused by that decommissioning), and a variable cost per occupied bed-day plus the extra cost of
  elective days; its income is the ICB's contract under ``finance.payment_rule``; elective day
  cases (no bed) cost ``finance.day_case_cost_gbp`` each and are paid
  ``finance.tariff.day_case_gbp`` each under every rule (cause ``day_cases``);
* community provider: funded posts of each staff group from the month they are funded, filled or
  not, and recruitment and training per WTE hired, paid by the ICB as a cost-and-volume block;
* ICB: pays the contracts and receives any national transition funding, and pays other
  providers for the emergency patients diverted to them when the ED is saturated (category
  ``emergency_care_elsewhere``, the emergency spell price by case mix; only in runs with a
  diversion rule: ``hospital.divert_boarder_share`` or ``hospital.max_ed_boarders``);
* local authority adult social care: the places of discharge pathways 1-3 in use (home
  support, intermediate beds, care homes) x their cost per day, from its own budget;
* general practice: no mechanism in the model prices it yet (GP contacts), so it has no
  entries.

:func:`check_ledger` (B8) raises if the books do not balance.
"""

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from leftshift.config import Config
from leftshift.model import metrics
from leftshift.model.clock import DAYS_PER_YEAR, Calendar
from leftshift.model.frames import by_month, interval_mass
from leftshift.model.invariants import InvariantError

ORGANISATIONS = (
    "acute_trust",
    "community_provider",
    "general_practice",
    "local_authority_social_care",
    "icb",
)
CATEGORIES = (
    "staffed_beds",
    "variable_clinical",
    "staff",
    "recruitment_and_training",
    "tariff_income",
    "fixed_contract",
    "transition_funding",
    "social_care_packages",
    "virtual_wards",
)
DIRECTIONS = ("spend", "income")
OUTSIDE = "outside_the_place"  # staff, suppliers, national funding
NATIONAL = "national_funding"
ACTIVITY = "activity"
ESCALATION = "escalation_beds"
INTERVENTION = "neighbourhood_teams"  # the intervention that funds community posts
DISCHARGE_PATHWAYS = "discharge_pathways"
SERVICES = metrics.DISCHARGE_SERVICES
VIRTUAL_WARDS = "virtual_wards"  # the intervention that funds virtual beds
FOLLOW_UP = "care_home_moves_after_discharge"
DAY_CASES = "day_cases"  # elective day cases: no overnight bed, priced per case
#: emergency patients diverted to other providers (ED saturation): the ICB pays for their care
CARE_ELSEWHERE = "emergency_care_elsewhere"
ED_DIVERSION = "ed_diversion"


def diverts(cfg: Config) -> bool:
    """Whether a run may divert emergency patients (a diversion rule is configured).

    Only then does the ledger carry the category :data:`CARE_ELSEWHERE`, so runs without a
    rule keep the ledger they had before it existed.
    """
    h = cfg.hospital
    return h.divert_boarder_share is not None or h.max_ed_boarders is not None


def diverted_prices(cfg: Config, presentations: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Arrival days and prices of the presentations diverted to other providers.

    Each is paid the emergency spell's base price for its case mix (routine or complex): the
    NHS Payment Scheme pays activity outside a contract at its unit prices. Excess days are not
    priced, since the stay elsewhere is not simulated (an undercount for long stays).
    """
    t = cfg.finance.tariff
    diverted = (presentations["outcome"] == "diverted").to_numpy()
    complex_mix = (presentations["case_mix"] == "complex").to_numpy()[diverted]
    prices = np.where(complex_mix, t.emergency_complex_gbp, t.emergency_routine_gbp)
    return presentations["arrival_day"].to_numpy(float)[diverted], prices


@dataclass
class Ledger:
    """Append-only ledger entries; :meth:`frame` turns them into a tidy table once."""

    rows: list[tuple] = field(default_factory=list)

    def add(
        self,
        month: int,
        organisation: str,
        direction: str,
        category: str,
        cause: str,
        amount_gbp: float,
        counterparty: str = OUTSIDE,
    ) -> None:
        """Record one amount; below a millionth of a pound it is skipped.

        (Integrals over empty months can come out as -1e-12 from floating-point cancellation.)
        """
        if abs(amount_gbp) >= 1e-6:
            self.rows.append(
                (month, organisation, direction, category, cause, counterparty, amount_gbp)
            )

    def transfer(
        self, month: int, payer: str, payee: str, category: str, cause: str, amount_gbp: float
    ) -> None:
        """A payment inside the place: the payer's spending and the payee's income."""
        self.add(month, payer, "spend", category, cause, amount_gbp, counterparty=payee)
        self.add(month, payee, "income", category, cause, amount_gbp, counterparty=payer)

    def frame(self, calendar: Calendar, extra_categories: tuple[str, ...] = ()) -> pd.DataFrame:
        """Tidy ledger: month, period_start, financial_year, organisation, direction, ...

        ``extra_categories`` follow :data:`CATEGORIES` (:data:`CARE_ELSEWHERE` when the run
        may divert patients).
        """
        cols = ["month", "organisation", "direction", "category", "cause", "counterparty"]
        df = pd.DataFrame(self.rows, columns=[*cols, "amount_gbp"])
        month = df["month"].to_numpy(int)
        df.insert(1, "period_start", calendar.month_dates[month])
        df.insert(2, "financial_year", calendar.financial_year[month])
        df.insert(3, "reporting_year", calendar.reporting_year[month])
        for name, cats in (
            ("organisation", ORGANISATIONS),
            ("direction", DIRECTIONS),
            ("category", CATEGORIES + extra_categories),
        ):
            df[name] = pd.Categorical(df[name], categories=list(cats))
        return df


def spell_prices(cfg: Config, episodes: pd.DataFrame) -> np.ndarray:
    """Tariff of each spell: base price by admission type and case mix, plus excess days."""
    t = cfg.finance.tariff
    emergency = (episodes["admission_type"] == "emergency").to_numpy()
    complex_mix = (episodes["case_mix"] == "complex").to_numpy()
    base = np.select(
        [emergency & ~complex_mix, emergency & complex_mix, ~emergency & ~complex_mix],
        [t.emergency_routine_gbp, t.emergency_complex_gbp, t.elective_routine_gbp],
        t.elective_complex_gbp,
    )
    excess = np.maximum(episodes["los_days"].to_numpy() - t.trim_point_days, 0.0)
    return base + t.excess_bed_day_gbp * excess


def build_ledger(
    cfg: Config,
    calendar: Calendar,
    monthly: pd.DataFrame,
    episodes: pd.DataFrame,
    ward_closures: list[tuple[float, int]],
    presentations: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Price one replication's reporting months into a ledger (see the module docstring).

    ``presentations`` (needed only when :func:`diverts`) give the patients diverted to other
    providers, whose care the ICB pays outside the place.
    """
    f = cfg.finance
    wide = by_month(monthly)
    months = wide.index.to_numpy(int)
    bounds = calendar.month_start_days
    days = np.diff(bounds)[months]
    fixed_per_bed_day = f.bed_day_cost_gbp * f.fixed_share_of_bed_day_cost
    variable_per_bed_day = f.bed_day_cost_gbp * (1.0 - f.fixed_share_of_bed_day_cost)
    elective_extra = f.elective_bed_day_extra_cost_gbp

    # spells are paid at discharge (coded on completion); stays unfinished at the end are not
    done = episodes["discharge_day"].to_numpy() < calendar.end_day
    prices = spell_prices(cfg, episodes)[done]
    emergency = (episodes["admission_type"] == "emergency").to_numpy()[done]
    month_of = np.searchsorted(bounds, episodes["discharge_day"].to_numpy()[done], "right") - 1
    tariff = {
        kind: np.bincount(month_of[mask], prices[mask], minlength=calendar.n_months)
        for kind, mask in (("emergency", emergency), ("elective", ~emergency))
    }
    lag_days = cfg.interventions.decommissioning.cost_release_lag_months * DAYS_PER_YEAR / 12
    stranded = [
        (
            f"decommissioning_ward_{k + 1}",
            interval_mass(np.array([t]), np.array([t + lag_days]), bounds, np.array([beds])),
        )
        for k, (t, beds) in enumerate(ward_closures)
    ]

    elsewhere = None
    if diverts(cfg):
        if presentations is None:
            raise ValueError("a run that may divert patients needs its presentations to price")
        arrival, price = diverted_prices(cfg, presentations)
        month_of_arrival = np.searchsorted(bounds, arrival, "right") - 1
        inside = (month_of_arrival >= 0) & (month_of_arrival < calendar.n_months)
        elsewhere = np.bincount(
            month_of_arrival[inside], price[inside], minlength=calendar.n_months
        )

    ledger = Ledger()
    for k, m in enumerate(months):
        row = wide.loc[m]

        def acute(category: str, cause: str, amount: float, m: int = m) -> None:
            ledger.add(m, "acute_trust", "spend", category, cause, amount)

        def contract(category: str, amount: float, payee: str = "acute_trust", m: int = m):
            cause = ACTIVITY if payee == "acute_trust" else INTERVENTION
            ledger.transfer(m, "icb", payee, category, cause, amount)

        # acute trust: fixed costs of the staffed bed stock, then variable costs of activity
        acute("staffed_beds", ACTIVITY, row[metrics.CORE_BED_DAYS] * fixed_per_bed_day)
        acute("staffed_beds", ESCALATION, row[metrics.ESCALATION_BED_DAYS] * fixed_per_bed_day)
        for cause, bed_days in stranded:
            acute("staffed_beds", cause, bed_days[m] * fixed_per_bed_day)
        variable = row[metrics.BED_DAYS] * variable_per_bed_day
        acute(
            "variable_clinical",
            ACTIVITY,
            variable + row[metrics.BED_DAYS_ELECTIVE] * elective_extra,
        )
        # elective day cases: a variable cost each (no bed), paid per case under every rule
        day_cases = row.get(metrics.DAY_CASES, 0.0)  # a hand-built month may have none
        acute("variable_clinical", DAY_CASES, day_cases * f.day_case_cost_gbp)
        ledger.transfer(
            m, "icb", "acute_trust", "tariff_income", DAY_CASES, day_cases * f.tariff.day_case_gbp
        )
        # the ICB's contract with the acute trust
        per_head = row[metrics.POPULATION] * days[k] / DAYS_PER_YEAR  # person-years in the month
        if f.payment_rule == "activity":
            contract("tariff_income", tariff["emergency"][m] + tariff["elective"][m])
        else:
            contract("fixed_contract", per_head * f.emergency_fixed_payment_gbp_per_head)
        if f.payment_rule == "aligned":
            contract("tariff_income", tariff["elective"][m])
        elif f.payment_rule == "block":
            contract("fixed_contract", per_head * f.elective_block_payment_gbp_per_head)
        # emergency patients diverted to other providers: the ICB pays for their spells there
        if elsewhere is not None:
            ledger.add(m, "icb", "spend", CARE_ELSEWHERE, ED_DIVERSION, elsewhere[m])
        # community provider: new posts from the month funded, and each hire
        spend = 0.0
        year_share = days[k] / DAYS_PER_YEAR
        for name in cfg.community.staff_groups():
            group = getattr(cfg.community, name)
            staff, hiring = _staff_costs(cfg, row, name, group.cost_per_wte_gbp, year_share)
            community = ("community_provider", "spend")
            ledger.add(m, *community, "staff", INTERVENTION, staff)
            ledger.add(m, *community, "recruitment_and_training", INTERVENTION, hiring)
            spend += staff + hiring
        contract("fixed_contract", spend, payee="community_provider")
        if metrics.VW_BEDS_FUNDED in row.index:
            spend += _virtual_ward_costs(cfg, ledger, m, row, year_share)
        # local authority: social care places used by discharge pathways 1-3
        for name in SERVICES:
            # a time-weighted mean of places in use can round to a hair below zero
            place_days = max(0.0, row[metrics.PLACES_IN_USE.name(name)] * days[k])
            cost = place_days * getattr(cfg.social_care, name).cost_per_day_gbp
            ledger.add(m, "local_authority_social_care", "spend", "social_care_packages",
                       DISCHARGE_PATHWAYS, cost)  # fmt: skip
        # local authority: care-home places of people who moved in after a discharge
        care_home_days = max(0.0, row.get(metrics.CARE_HOME_DAYS_AFTER_DISCHARGE, 0.0))
        care_home_cost = care_home_days * cfg.social_care.care_homes.cost_per_day_gbp
        ledger.add(m, "local_authority_social_care", "spend", "social_care_packages",
                   FOLLOW_UP, care_home_cost)  # fmt: skip
        offer = _transition_grant(cfg, calendar.years_at_month(m), row[metrics.POPULATION], days[k])
        grant = min(offer, spend * (1.0 - f.transition_funding.local_match_share))
        ledger.add(m, "icb", "income", "transition_funding", INTERVENTION, grant, NATIONAL)
    return ledger.frame(calendar, (CARE_ELSEWHERE,) if diverts(cfg) else ())


def _staff_costs(
    cfg: Config, row: pd.Series, group: str, cost_per_wte: float, year_share: float
) -> tuple[float, float]:
    """A staff group's month: funded posts (filled or not) and recruitment per WTE hired."""
    staff = row[metrics.WTE_FUNDED.name(group)] * cost_per_wte * year_share
    return staff, row[metrics.WTE_HIRED.name(group)] * cfg.finance.recruitment_cost_per_hire_gbp


def _virtual_ward_costs(cfg: Config, ledger: Ledger, m: int, row: pd.Series, year_share: float):
    """The community provider's virtual wards, paid by the ICB as a block; returns the total.

    Funded posts from the month funded (filled or not) and each hire; monitoring technology
    per funded bed; a set-up cost per bed newly funded; any targeted offer per patient.
    """
    v = cfg.virtual_wards
    offer = cfg.interventions.virtual_wards.targeted_offer
    staff, hiring = _staff_costs(
        cfg, row, "virtual_ward_staff", v.staff.cost_per_wte_gbp, year_share
    )
    beds = (
        row[metrics.VW_BEDS_FUNDED] * v.technology_cost_per_bed_per_year_gbp * year_share
        + row[metrics.VW_BEDS_NEWLY_FUNDED] * v.setup_cost_per_bed_gbp
        + row[metrics.VW_ADMISSIONS_TARGETED_OFFER] * offer.cost_per_patient_gbp
    )
    parts = (("staff", staff), ("recruitment_and_training", hiring), (VIRTUAL_WARDS, beds))
    for category, amount in parts:
        ledger.add(m, "community_provider", "spend", category, VIRTUAL_WARDS, amount)
    total = sum(amount for _, amount in parts)
    ledger.transfer(m, "icb", "community_provider", "fixed_contract", VIRTUAL_WARDS, total)
    return total


def _transition_grant(cfg: Config, years: float, population: float, days: float) -> float:
    """Grant on offer in a month: the programme year's amount per head, pro rata."""
    tf = cfg.finance.transition_funding
    k = int(np.floor(years - tf.start_year + 1e-9))
    if k < 0 or k >= len(tf.gbp_per_head_by_year):
        return 0.0
    return tf.gbp_per_head_by_year[k] * population * days / DAYS_PER_YEAR


def check_ledger(ledger: pd.DataFrame) -> None:
    """B8 for money: raise unless the books balance and every entry is well formed.

    Every amount is finite and not negative and names an organisation, a category and a cause;
    for each month, payer, payee, category and cause, what one organisation inside the place
    pays equals what the other receives (so the ICB's payments equal the providers' contract
    income).
    """
    if ledger.empty:
        return
    amounts = ledger["amount_gbp"].to_numpy(float)
    if not np.isfinite(amounts).all() or (amounts < 0).any():
        raise InvariantError("ledger holds a negative or non-finite amount")
    for name in ("organisation", "direction", "category"):
        if ledger[name].isna().any():
            raise InvariantError(f"ledger entry with an unknown {name}")
    if (ledger["cause"].astype(str).str.len() == 0).any() or ledger["cause"].isna().any():
        raise InvariantError("ledger entry without a cause")
    inside = ledger[ledger["counterparty"].isin(ORGANISATIONS)]
    keys = ["month", "category", "cause"]
    paid = inside[inside["direction"] == "spend"].assign(
        payer=lambda d: d["organisation"].astype(str), payee=lambda d: d["counterparty"]
    )
    received = inside[inside["direction"] == "income"].assign(
        payer=lambda d: d["counterparty"], payee=lambda d: d["organisation"].astype(str)
    )
    a = paid.groupby([*keys, "payer", "payee"], observed=True)["amount_gbp"].sum()
    b = received.groupby([*keys, "payer", "payee"], observed=True)["amount_gbp"].sum()
    gap = a.sub(b, fill_value=0.0).abs()
    if len(gap) and gap.max() > 1e-6 * max(1.0, float(a.abs().max())):
        worst = gap.idxmax()
        raise InvariantError(
            f"ledger does not balance: payments and receipts differ by {gap.max():.2f} GBP"
            f" for {dict(zip([*keys, 'payer', 'payee'], worst, strict=True))}"
        )


def signed_amounts(ledger: pd.DataFrame) -> pd.Series:
    """Each entry's amount as a net cost: spending positive, income negative."""
    return pd.Series(
        np.where(ledger["direction"] == "spend", 1.0, -1.0) * ledger["amount_gbp"],
        index=ledger.index,
    )


def net_cost(ledger: pd.DataFrame, with_transition_funding: bool = True) -> pd.Series:
    """The system's net cost (spending minus income, all organisations) by financial year.

    Payments inside the place cancel; without transition funding, the national grant is left
    out (what the place would pay with no grant).
    """
    if not with_transition_funding:
        ledger = ledger[ledger["category"] != "transition_funding"]
    return signed_amounts(ledger).groupby(ledger["financial_year"]).sum()

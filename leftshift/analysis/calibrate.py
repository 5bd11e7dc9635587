"""Calibrate the tariff's base prices and the fixed payments to the baseline's own costs.

The national tariff is set from average reported costs; leftshift has no HRG grouper, so its
base prices are set the same way from the model: for each admission type, spells at tariff
(base price + excess bed-days) pay the baseline's full cost of that type's bed-days, with a
complex spell's base price ``COMPLEX_PRICE_RATIO`` times a routine one. The fixed emergency
element and the elective block are then the baseline's emergency and elective activity at those
prices, per head a year. Run ``make calibrate-finance`` and copy the printed values into
``leftshift/config/schema.py`` when the cost or stay parameters change. The costs are in
2024/25 prices (``finance.price_year``), so the printed values are too: declare them there as
``cost(value, "2024/25", ...)``. The shipped values were calibrated in 2020/21 prices and are
declared with that year, so they are inflated by the same index as the costs they cover.
"""

import sys

from leftshift.config import Config, load
from leftshift.model import metrics, simulate
from leftshift.model.clock import DAYS_PER_YEAR, Calendar
from leftshift.model.ledger import spell_prices
from leftshift.model.rng import seed_for

#: HRG complication-and-comorbidity splits price a complex spell at about twice a routine one.
COMPLEX_PRICE_RATIO = 2.0


def calibrate_tariffs(cfg: Config, replications: int = 5) -> dict[str, float]:
    """Base prices and fixed payments per head that cover the baseline's costs by type."""
    f = cfg.finance
    totals = {key: 0.0 for key in ("em_cost", "el_cost", "person_years")}
    counts: dict[str, float] = {}
    r = cfg.run
    calendar = Calendar(r.start_date, r.warmup_months + 12 * r.horizon_years, r.warmup_months)
    for rep in range(replications):
        res = simulate(cfg, seed_for(cfg.run.seed, rep))
        wide = res.monthly.pivot(index="month", columns="metric", values="value")
        fixed = f.bed_day_cost_gbp * f.fixed_share_of_bed_day_cost
        variable = f.bed_day_cost_gbp - fixed
        # the bed stock's fixed cost is shared over occupied bed-days
        per_bed_day = (
            fixed * wide[metrics.CORE_BED_DAYS].sum() / wide[metrics.BED_DAYS].sum() + variable
        )
        totals["em_cost"] += wide[metrics.BED_DAYS_EMERGENCY].sum() * per_bed_day
        totals["el_cost"] += wide[metrics.BED_DAYS_ELECTIVE].sum() * (
            per_bed_day + f.elective_bed_day_extra_cost_gbp
        )
        days = calendar.days_in_month()[wide.index.to_numpy(int)]
        totals["person_years"] += float((wide[metrics.POPULATION] * days).sum()) / DAYS_PER_YEAR
        ep = res.episodes[res.episodes["discharge_day"] >= res.reporting_start_day]
        zero = spell_prices(_with_zero_base(cfg), ep)  # excess-day payments only
        for kind in ("emergency", "elective"):
            sel = (ep["admission_type"] == kind).to_numpy()
            cplx = (ep["case_mix"] == "complex").to_numpy()
            for key, value in (
                (f"{kind}_routine", float((sel & ~cplx).sum())),
                (f"{kind}_complex", float((sel & cplx).sum())),
                (f"{kind}_excess", float(zero[sel].sum())),
            ):
                counts[key] = counts.get(key, 0.0) + value
    out = {}
    for kind, cost in (("emergency", totals["em_cost"]), ("elective", totals["el_cost"])):
        spells = counts[f"{kind}_routine"] + COMPLEX_PRICE_RATIO * counts[f"{kind}_complex"]
        routine = (cost - counts[f"{kind}_excess"]) / spells
        out[f"tariff.{kind}_routine_gbp"] = round(routine, -1)
        out[f"tariff.{kind}_complex_gbp"] = round(COMPLEX_PRICE_RATIO * routine, -1)
    out["emergency_fixed_payment_gbp_per_head"] = round(totals["em_cost"] / totals["person_years"])
    out["elective_block_payment_gbp_per_head"] = round(totals["el_cost"] / totals["person_years"])
    return out


def _with_zero_base(cfg: Config) -> Config:
    from leftshift.config import to_container

    raw = to_container(cfg)
    for key in raw["finance"]["tariff"]:
        if key.endswith("_gbp") and key != "excess_bed_day_gbp":
            raw["finance"]["tariff"][key] = 0.0
    return load(raw)


def main() -> None:
    """Print the calibrated values for the default place (``make calibrate-finance``)."""
    replications = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    values = calibrate_tariffs(load(None), replications)
    for key, value in values.items():
        print(f"finance.{key}: {value:,.0f}")  # noqa: T201


if __name__ == "__main__":
    main()

"""Configs with known analytic answers, for validation and benchmarks."""

from typing import Any

from leftshift.config import Config, load
from leftshift.config.dimensions import N_AGE

#: the hospital as one pooled counter that admits and discharges at any hour: no specialty
#: pools or outliers, no turnaround, no hour or weekday profiles, no escalation beds, and an
#: ED that holds everyone (no diversion)
ONE_POOL_ANY_HOUR: dict[str, Any] = {
    "specialty_pools": False,
    "outlying": False,
    "bed_turnaround_hours": 0.0,
    "decision_hour_weights": None,
    "decision_weekday_weights": None,
    "weekend_discharges_moved": 0.0,
    "escalation_open_boarder_share": None,
    "discharge_hour_weights": None,
    "discharge_window_hours": None,
    "divert_boarder_share": None,
}


def queue_only_config(
    beds: int,
    population: int,
    rate_per_1000: float,
    mean_los: float,
    run: dict[str, Any] | None = None,
    **hospital: Any,
) -> Config:
    """An M/M/c hospital: constant Poisson arrivals, exponential stays, no electives.

    One pooled counter (:data:`ONE_POOL_ANY_HOUR`), no seasonality, no pressure channels, a
    frozen population, a fixed bed stock (no capacity plan), discharges at any hour (and, by
    default, no delayed discharges). With ``max_ed_boarders=0`` it is an Erlang loss system.
    ``hospital`` and ``run`` override keys.
    """
    los = {"distribution": "exponential", "mean_days": mean_los, "cv": 1.0}
    return load(
        {
            "place": {
                "name": "queue",
                "population": population,
                "general_acute_beds": beds,
                "escalation_bed_share": None,
                "bed_growth_per_year": 0.0,
            },
            "population": {"static": True, "transitions": "stationary"},
            "social_care": {"delayed_discharges": False, "capacity_growth_per_year": 0.0},
            "demand": {
                "emergency_admissions_per_1000_by_age": [rate_per_1000] * N_AGE,
                "frailty_emergency_hr": [1.0, 1.0, 1.0, 1.0],
                "deprivation_emergency_ratio_q1_to_q5": 1.0,
                "winter_peak_amplitude": 0.0,
                "routine_marginal_share": 0.0,
                "elective_referrals_per_1000_by_age": [0.0] * N_AGE,
                "initial_waiting_list_per_1000": 0.0,
                "referral_wait_elasticity": 0.0,
            },
            "hospital": {
                "routine_emergency_los": los,
                "complex_emergency_los": los,
                "frailty_los_multiplier": [1.0, 1.0, 1.0, 1.0],
                **ONE_POOL_ANY_HOUR,
                "discharge_pressure_slope": 0.0,
                "saturation_slope": 0.0,
                "admission_threshold_sensitivity": 0.0,
                **hospital,
            },
            "run": {"horizon_years": 10, "warmup_months": 12, **(run or {})},
        }
    )

"""Config builders shared by tests."""

from pathlib import Path

from leftshift.config import load

ROOT = Path(__file__).resolve().parents[1]


def small_config(**sections):
    """A small, short config for fast model runs; sections override keys by group."""
    base = {
        "place": {"name": "small", "population": 100_000, "general_acute_beds": 180},
        "run": {"horizon_years": 3, "warmup_months": 12},
    }
    for group, values in sections.items():
        base.setdefault(group, {}).update(values)
    return load(base)


def queue_only_config(beds, population, rate_per_1000, mean_los, **hospital):
    """An M/M/c-like config: constant Poisson arrivals, exponential stays, no electives,
    no seasonality, no pressure channels, a frozen population, discharges at any hour."""
    los = {"distribution": "exponential", "mean_days": mean_los, "cv": 1.0}
    return load(
        {
            "place": {"name": "queue", "population": population, "general_acute_beds": beds},
            "population": {"static": True},
            "demand": {
                "emergency_admissions_per_1000_by_age": [rate_per_1000] * 6,
                "frailty_emergency_hr": [1.0, 1.0, 1.0, 1.0],
                "deprivation_emergency_ratio_q1_to_q5": 1.0,
                "winter_peak_amplitude": 0.0,
                "routine_marginal_share": 0.0,
                "elective_referrals_per_1000_by_age": [0.0] * 6,
                "initial_waiting_list_per_1000": 0.0,
                "referral_wait_elasticity": 0.0,
            },
            "hospital": {
                "routine_emergency_los": los,
                "complex_emergency_los": los,
                "frailty_los_multiplier": [1.0, 1.0, 1.0, 1.0],
                "discharge_window_hours": None,
                "discharge_pressure_slope": 0.0,
                "saturation_slope": 0.0,
                "admission_threshold_sensitivity": 0.0,
                **hospital,
            },
            "run": {"horizon_years": 10, "warmup_months": 12},
        }
    )

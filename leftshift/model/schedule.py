"""Time-varying intervention values."""

from leftshift.config import ScheduleConfig


def schedule_value(schedule: ScheduleConfig, years_since_reporting: float) -> float:
    """Multiplier of a schedule at a time: 1 before it starts, then a linear ramp to its value."""
    elapsed_years = years_since_reporting - schedule.start_year
    if elapsed_years < 0:
        return 1.0
    if schedule.ramp_months <= 0:
        return float(schedule.value)
    elapsed_months = elapsed_years * 12.0
    if elapsed_months >= schedule.ramp_months:
        return float(schedule.value)
    progress = elapsed_months / schedule.ramp_months
    return 1.0 + (schedule.value - 1.0) * progress

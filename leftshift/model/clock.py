"""Model time: days since ``run.start_date``; calendar months; April-March financial years."""

import datetime as dt

import numpy as np

DAYS_PER_YEAR = 365.25


def weekday_of_day_zero(start_date: str) -> int:
    """Day of the week of model day 0 (``run.start_date``), Monday 0 to Sunday 6."""
    return dt.date.fromisoformat(start_date).weekday()


class Calendar:
    """Month boundaries (in model days) for a run of ``n_months`` calendar months."""

    def __init__(self, start_date: str, n_months: int, warmup_months: int):
        start = np.datetime64(dt.date.fromisoformat(start_date), "D")
        first_month = start.astype("datetime64[M]")
        months = first_month + np.arange(n_months + 1)
        bounds = months.astype("datetime64[D]")
        bounds[0] = start  # a run may start mid-month: the first month is then partial
        self.start = start
        self.n_months = n_months
        self.warmup_months = warmup_months
        self.month_start_days = (bounds - start).astype(float)
        self.month_dates = bounds[:-1]
        self.month_of_year = (months[:-1].astype(int) % 12) + 1
        years = months[:-1].astype("datetime64[Y]").astype(int) + 1970
        fy_start = np.where(self.month_of_year >= 4, years, years - 1)
        self.financial_year = np.array([f"{y}/{(y + 1) % 100:02d}" for y in fy_start])
        self.reporting_start_day = float(self.month_start_days[warmup_months])
        self.end_day = float(self.month_start_days[-1])
        # reporting year 1 is the first 12 months after warm-up; 0 marks the warm-up
        idx = np.arange(n_months) - warmup_months
        self.reporting_year = np.where(idx >= 0, idx // 12 + 1, 0)

    def days_in_month(self) -> np.ndarray:
        """Length of each month in days."""
        return np.diff(self.month_start_days)

    def years_at_month(self, month: int) -> float:
        """Years since the end of the warm-up at the start of a month, counted in months / 12.

        Month starts are where schedules change, so reporting year 2 starts at exactly 1.0
        whatever the lengths of the months (days / 365.25 would give 0.9993 and start it a
        month late).
        """
        return (month - self.warmup_months) / 12.0

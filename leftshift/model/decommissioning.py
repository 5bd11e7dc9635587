"""Ward closures decided at month starts: on fixed dates, or by the evidence rule."""

from leftshift.config import Config
from leftshift.model.hospital import Hospital


class Decommissioning:
    """Decides ward closures at month starts, on dates or by the evidence rule."""

    def __init__(self, cfg: Config, hospital: Hospital):
        self.d = cfg.interventions.decommissioning
        self.hospital = hospital
        self.population = cfg.place.population
        self.closed = 0
        self.low_months = 0  # consecutive months below the occupancy limit since a closure

    def month_start(self, years: float, last_occupancy: float | None, list_size: int) -> None:
        """Close a ward if the rule says so, given last month's occupancy and the list now."""
        d = self.d
        if d.rule == "on_dates":
            due = sum(1 for y in d.close_at_years if y <= years + 1e-9)
            while self.closed < due:
                self._close()
            return
        if d.rule != "on_evidence" or last_occupancy is None:
            return
        self.low_months = self.low_months + 1 if last_occupancy < d.occupancy_below else 0
        list_ok = (
            d.max_waiting_list_per_1000 is None
            or list_size < d.max_waiting_list_per_1000 * self.population / 1000.0
        )
        if (
            years >= d.earliest_year - 1e-9
            and self.closed < d.max_wards
            and self.low_months >= d.consecutive_months
            and list_ok
        ):
            self._close()
            self.low_months = 0

    def _close(self) -> None:
        self.hospital.close_ward(self.d.ward_beds)
        self.closed += 1

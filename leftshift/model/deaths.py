"""One register of the deaths the event model knows of, until the population removes them.

Patients who die at the end of a hospital stay, at the end of a virtual-ward stay, or after a
presentation that community care avoided (the death still happens, out of hospital) are
registered here with their time and population cell. At each month start the population takes
the deaths due before it (:meth:`DeathRegister.due_before`), in the order they were registered.
"""

from collections.abc import Iterable


class DeathRegister:
    """Pending deaths as ``(day, population cell)``, in the order they were registered."""

    def __init__(self) -> None:
        self.pending: list[tuple[float, int]] = []

    def record(self, day: float, cell: int) -> None:
        """Register one death on ``day`` of a person in population ``cell``."""
        self.pending.append((day, cell))

    def extend(self, deaths: Iterable[tuple[float, int]]) -> None:
        """Register several ``(day, cell)`` deaths."""
        self.pending.extend(deaths)

    def due_before(self, t: float) -> list[int]:
        """Cells of the deaths before day ``t``, removing them from the register."""
        due = [cell for day, cell in self.pending if day < t]
        self.pending = [(day, cell) for day, cell in self.pending if day >= t]
        return due

    def __len__(self) -> int:
        return len(self.pending)

"""Discharge services: places of one pathway, for which medically fit patients wait in bed.

The pathways are home support, intermediate beds and care homes.
"""

import math
from collections import deque

import simpy

from leftshift.model.records import EmergencyBatch


class DischargeService:
    """Places of one discharge pathway (home support, intermediate beds, care homes).

    A medically fit patient on the pathway waits in the acute bed while the place is arranged,
    then while none is free (first come, first served); the place is held for the length of
    service. Places start full, with exponential residual services (memoryless), so the run
    does not begin with an empty care sector.
    """

    def __init__(self, env: simpy.Environment, name: str, cfg, population: int, rng):
        self.env = env
        self.name = name
        self.cfg = cfg
        self.base_capacity = cfg.capacity_per_100k * population / 100_000.0
        self.capacity = int(round(self.base_capacity))
        self.in_use = 0
        self.queue: deque = deque()
        self.log: list[tuple[float, int]] = [(0.0, 0)]
        for residual in rng.exponential(max(cfg.service_days, 1e-9), self.capacity).tolist():
            self._hold(residual)

    def set_capacity(self, multiplier: float) -> None:
        """Scale the places (an intervention); queued patients take any new places at once."""
        self.capacity = int(round(self.base_capacity * multiplier))
        while self.queue and self.in_use < self.capacity:
            self.place(*self.queue.popleft())

    def _hold(self, days: float) -> None:
        self.in_use += 1
        self.log.append((self.env.now, self.in_use))
        self.env.timeout(days).callbacks.append(self._release)

    def _release(self, _event) -> None:
        self.in_use -= 1
        self.log.append((self.env.now, self.in_use))
        if self.queue:
            self.place(*self.queue.popleft())

    def request(self, batch: EmergencyBatch, i: int, since: float, on_placed) -> None:
        """Place the patient now if a place is free, else queue them."""
        if self.in_use < self.capacity:
            self.place(batch, i, since, on_placed)
        else:
            self.queue.append((batch, i, since, on_placed))

    def place(self, batch: EmergencyBatch, i: int, since: float, on_placed) -> None:
        """The patient takes a place for their length of service and leaves the acute bed."""
        service = -self.cfg.service_days * math.log(max(batch.u_service[i], 1e-300))
        self._hold(service)
        on_placed(batch, i, since)

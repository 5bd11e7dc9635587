"""Discharge services: places of one pathway, for which medically fit patients wait in bed.

The pathways are home support, intermediate beds and care homes.
"""

import heapq
import math
from array import array
from collections import deque
from typing import Any

import simpy

from leftshift.model.records import EmergencyBatch


def timeout_at(env: simpy.Environment, when: float, value: Any = None) -> simpy.Timeout:
    """A timeout that fires at exactly ``when`` (>= now), with ``value``.

    SimPy schedules at ``now + delay``; ``when - now`` can round so that this is one unit in
    the last place off ``when``. The delay is nudged until the sum is ``when`` itself, so an
    event fires at the same instant as a timeout created earlier with its own delay would.
    """
    now = env.now
    delay = when - now
    while now + delay < when:
        delay = math.nextafter(delay, math.inf)
    while now + delay > when:
        delay = math.nextafter(delay, -math.inf)
    return env.timeout(delay, value=value)


class DischargeService:
    """Places of one discharge pathway (home support, intermediate beds, care homes).

    A medically fit patient on the pathway waits in the acute bed while the place is arranged,
    then while none is free (first come, first served); the place is held for the length of
    service. Places start full, with exponential residual services (memoryless), so the run
    does not begin with an empty care sector.

    The end times of the held places are kept in the service's own heap, and only the next
    one is a SimPy event (an alarm). An ICB holds about 5,000 places for weeks to years;
    as SimPy timeouts they tripled the event queue that every bed event goes through.
    """

    def __init__(self, env: simpy.Environment, name: str, cfg, population: int, rng):
        self.env = env
        self.name = name
        self.cfg = cfg
        self.base_capacity = cfg.capacity_per_100k * population / 100_000.0
        self.capacity = int(round(self.base_capacity))
        self.in_use = 0
        self.queue: deque = deque()
        #: places in use as a step function: from ``log_times[k]`` on, ``log_in_use[k]``
        #: (two flat arrays rather than a list of tuples: no Python object per change)
        self.log_times = array("d", [0.0])
        self.log_in_use = array("q", [0])
        #: end times of the held places (a heap), the pending alarm and the time it is set for
        self._ends: list[float] = []
        self._alarm: simpy.Event | None = None
        self._alarm_time = math.inf
        self._releasing = False
        for residual in rng.exponential(max(cfg.service_days, 1e-9), self.capacity).tolist():
            self._hold(residual)

    def set_capacity(self, multiplier: float) -> None:
        """Scale the places (an intervention); queued patients take any new places at once."""
        self.capacity = int(round(self.base_capacity * multiplier))
        while self.queue and self.in_use < self.capacity:
            self.place(*self.queue.popleft())

    def _hold(self, days: float) -> None:
        self.in_use += 1
        now = self.env.now
        self.log_times.append(now)
        self.log_in_use.append(self.in_use)
        end = now + days
        heapq.heappush(self._ends, end)
        if end < self._alarm_time and not self._releasing:
            self._set_alarm(end)

    def _set_alarm(self, when: float) -> None:
        self._alarm_time = when
        self._alarm = timeout_at(self.env, when)
        self._alarm.callbacks.append(self._ring)

    def _ring(self, event: simpy.Event) -> None:
        """The alarm: release every place whose service has ended, then set the next alarm."""
        if event is not self._alarm:  # superseded by an earlier end
            return
        now = self.env.now
        ends = self._ends
        self._releasing = True
        while ends and ends[0] <= now:
            heapq.heappop(ends)
            self._release()
        self._releasing = False
        self._alarm, self._alarm_time = None, math.inf
        if ends:
            self._set_alarm(ends[0])

    def _release(self) -> None:
        self.in_use -= 1
        self.log_times.append(self.env.now)
        self.log_in_use.append(self.in_use)
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

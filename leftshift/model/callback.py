"""A light SimPy event for the hospital's most frequent timeouts (stay ends, bed turnarounds).

Each stay and each bed turnaround is a timeout whose only job is to call one function at its
time. A ``simpy.Timeout`` costs an ``Event`` with five attributes, a call to
``Environment.schedule`` and a call to append the callback; :class:`Callback` goes on SimPy's
event queue directly, as the same ``(time, priority, id, event)`` entry ``schedule`` would
push, drawing its id from the same counter, so events fire in exactly the order, and at
exactly the times, that timeouts would. ``Environment.step`` reads only an event's
``callbacks`` and ``_ok``; the callback reads ``value``. Written against SimPy 4.1
(``requirements.lock``); tests/test_units.py checks the order against real timeouts.
"""

from collections.abc import Callable
from heapq import heappush
from typing import Any

import simpy
from simpy.events import NORMAL


class Callback:
    """Call ``callback(self)`` ``delay`` days from now (``self.value`` is ``value``)."""

    __slots__ = ("callbacks", "value")
    _ok = True  # read by Environment.step: this event never fails

    def __init__(
        self,
        env: simpy.Environment,
        delay: float,
        callback: Callable[[Any], None],
        value: Any = None,
    ):
        if delay < 0:
            raise ValueError(f"negative delay {delay}")
        self.callbacks: list[Callable[[Any], None]] | None = [callback]
        self.value = value
        heappush(env._queue, (env._now + delay, NORMAL, next(env._eid), self))

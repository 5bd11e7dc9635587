"""Light SimPy machinery for the hot path: a callback event and the run loop.

Each stay and each bed turnaround is a timeout whose only job is to call one function at its
time. A ``simpy.Timeout`` costs an ``Event`` with five attributes, a call to
``Environment.schedule`` and a call to append the callback; :class:`Callback` goes on SimPy's
event queue directly, as the same ``(time, priority, id, event)`` entry ``schedule`` would
push, drawing its id from the same counter, so events fire in exactly the order, and at
exactly the times, that timeouts would. ``Environment.step`` reads only an event's
``callbacks`` and ``_ok``; the callback reads ``value``. Written against SimPy 4.1
(``requirements.lock``); tests/test_units.py checks the order against real timeouts.

:func:`run_until` is ``Environment.run(until=...)`` with ``Environment.step`` written into
its loop (one Python call fewer per event: about 450,000 in a 3-year default run).
"""

from collections.abc import Callable
from heapq import heappop, heappush
from typing import Any

import simpy
from simpy.events import NORMAL, URGENT


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
        queue: list[Any] = env._queue  # SimPy's (time, priority, id, event) heap
        heappush(queue, (env._now + delay, NORMAL, next(env._eid), self))


def run_until(env: simpy.Environment, until: float) -> None:
    """Process every event before ``until``, then stop with the clock at ``until``.

    As ``env.run(until=until)``: the stop is an urgent event at ``until``, so it comes before
    any other event at that time; a failed event nobody defused is raised as SimPy raises it.
    """
    at = float(until)
    if at <= env.now:
        raise ValueError(f"until ({at}) must be greater than the current simulation time")
    stop = simpy.Event(env)
    stop._ok = True
    stop._value = None
    env.schedule(stop, URGENT, at - env.now)
    queue: list[Any] = env._queue
    while True:
        try:
            env._now, _, _, event = heappop(queue)
        except IndexError:  # cannot happen before the stop event: it is in the queue
            raise RuntimeError(f"no events left before the stop at {at}") from None
        if event is stop:
            stop.callbacks = None  # processed, as Environment.step leaves it
            return
        callbacks, event.callbacks = event.callbacks, None
        for callback in callbacks:
            callback(event)
        if not event._ok and not hasattr(event, "_defused"):
            exc = type(event._value)(*event._value.args)
            exc.__cause__ = event._value
            raise exc

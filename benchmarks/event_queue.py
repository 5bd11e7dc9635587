"""SimPy's cost per event against the number of pending events (docs/performance.md, issue 21).

2,500 recurring short timeouts (beds: exponential stays, mean 5 days) with 0, 5,000 or 50,000
recurring long ones beside them (places a discharge service holds: mean 42 or 730 days).
Prints CPU nanoseconds per event. Not a test; timings on a shared machine are noisy.

Run: .venv/bin/python benchmarks/event_queue.py
"""

import random
import time

import simpy


def ns_per_event(n_short: int, n_long: int, long_mean: float, events: int = 1_500_000) -> float:
    env = simpy.Environment()
    rng = random.Random(1)
    count = [0]

    def recurring(mean: float):
        def fire(_event) -> None:
            count[0] += 1
            env.timeout(rng.expovariate(1 / mean)).callbacks.append(fire)

        return fire

    short, long = recurring(5.0), recurring(long_mean)
    for _ in range(n_short):
        env.timeout(rng.expovariate(1 / 5.0)).callbacks.append(short)
    for _ in range(n_long):
        env.timeout(rng.expovariate(1 / long_mean)).callbacks.append(long)
    start = time.process_time()
    while count[0] < events:
        env.step()
    return (time.process_time() - start) / count[0] * 1e9


if __name__ == "__main__":
    for n_long in (0, 5_000, 50_000):
        for long_mean in (42.0, 730.0):
            ns = ns_per_event(2_500, n_long, long_mean)
            print(f"{n_long:6d} long timeouts (mean {long_mean:5.0f} days): {ns:5.0f} ns/event")

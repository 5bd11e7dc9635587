"""How far issue 21's target (the whole model at 3 x bare SimPy's patients per second) is from
what this design can do: events per patient, the engine's cost per event, and the model's own
work per patient (docs/performance.md, "Issue 21's 3 x against the design's floor").

In one process, CPU seconds:
1. bare SimPy's M/M/c (bench.py's, c = 500, load 0.95): microseconds and SimPy events per patient;
2. the lightest event leftshift has (``callback.Callback`` through ``callback.run_until``, no
   work in the callback, 2,500 pending like the default place's beds): microseconds per event;
3. leftshift's M/M/c with every optional mechanism off (bench.py's) and the default scenario
   (10 years): microseconds per patient in all and in the event loop, and events per patient
   (SimPy's event ids: every event, timeout or callback, draws one).

Prints the budget per patient that 3 x bare SimPy leaves, the part of it the events alone take
at the engine's floor, and the model's own work per patient today. Not a test; timings on a
shared machine are noisy (compare the numbers of one run).

Run: cd benchmarks && ../.venv/bin/python floor.py
"""

import sys
import time
from typing import Any

import numpy as np
import simpy
from bench import MEAN_STAY, TARGETS, bare_simpy, leftshift_mmc_config
from bench_core import simulated_patients

import leftshift
from leftshift.config import load
from leftshift.model import callback
from leftshift.model.callback import Callback

TARGET = TARGETS["whole_model_vs_bare_simpy"]


def bare_events_per_patient(patients: int = 20_000) -> float:
    """SimPy events per patient in bare_simpy (counted on a shorter run of the same model)."""
    steps = [0]
    step = simpy.Environment.step

    def counted(self: simpy.Environment) -> None:
        steps[0] += 1
        step(self)

    simpy.Environment.step = counted  # type: ignore[method-assign]
    try:
        bare_simpy(patients=patients)
    finally:
        simpy.Environment.step = step  # type: ignore[method-assign]
    return steps[0] / patients


def callback_floor(pending: int = 2_500, events: int = 1_000_000) -> float:
    """CPU microseconds per Callback event that does nothing but schedule the next one."""
    env = simpy.Environment()
    delays = iter(np.random.default_rng(0).exponential(MEAN_STAY, events + pending).tolist())
    fired = [0]

    def fire(_event: Any) -> None:
        fired[0] += 1
        Callback(env, next(delays, 1e9), fire)

    for _ in range(pending):
        Callback(env, next(delays), fire)
    start = time.process_time()
    callback.run_until(env, MEAN_STAY * events / pending)
    return (time.process_time() - start) / fired[0] * 1e6


def timed_run(cfg: Any) -> dict:
    """One run: patients, CPU microseconds a patient (in all, in the event loop), events."""
    loop = {"cpu": 0.0, "envs": []}
    inner = callback.run_until

    def run_until(env: simpy.Environment, until: float) -> None:
        start = time.process_time()
        try:
            inner(env, until)
        finally:
            loop["cpu"] += time.process_time() - start
            if env not in loop["envs"]:
                loop["envs"].append(env)

    # every module that imported run_until by name runs the timed one
    patched = [
        m
        for m in list(sys.modules.values())
        if getattr(m, "__name__", "").startswith("leftshift")
        and getattr(m, "run_until", None) is inner
    ]
    for module in patched:
        module.run_until = run_until
    try:
        start = time.process_time()
        res = leftshift.run(cfg)
        cpu = time.process_time() - start
    finally:
        for module in patched:
            module.run_until = inner
    patients = simulated_patients(res)
    events = sum(next(env._eid) for env in loop["envs"])
    return {
        "patients": patients,
        "us_per_patient": cpu / patients * 1e6,
        "loop_us_per_patient": loop["cpu"] / patients * 1e6,
        "events_per_patient": events / patients,
    }


def main() -> None:
    leftshift.run(load({"run": {"horizon_years": 1}}))  # first-use imports and caches
    bare = bare_simpy()
    bare_us = 1e6 / bare["patients_per_cpu_second"]
    bare_events = bare_events_per_patient()
    floor = callback_floor()
    core = timed_run(leftshift_mmc_config())
    whole = timed_run(load({"run": {"horizon_years": 10, "seed": 1}}))
    budget = bare_us / TARGET
    print(
        f"bare SimPy M/M/c: {bare_us:.1f} us a patient, {bare_events:.2f} SimPy events a patient"
        f" ({bare_us / bare_events:.2f} us an event)"
    )
    print(f"leftshift's lightest event (Callback, nothing done): {floor:.2f} us an event")
    print(f"{TARGET:.0f} x bare SimPy leaves {budget:.1f} us a patient for everything")
    for label, r in (("core, every optional mechanism off", core), ("default scenario", whole)):
        engine = r["events_per_patient"] * floor
        own, outside = (
            r["loop_us_per_patient"] - engine,
            r["us_per_patient"] - r["loop_us_per_patient"],
        )
        print(
            f"{label}: {r['us_per_patient']:.1f} us a patient"
            f" ({bare_us / r['us_per_patient']:.2f} x bare SimPy)\n"
            f"  events: {r['events_per_patient']:.2f} a patient = {engine:.1f} us at the floor\n"
            f"  the model's own work in the event loop: {own:.1f} us\n"
            f"  outside it (set-up, tables, outcomes): {outside:.1f} us\n"
            f"  the target leaves {budget - engine:.1f} us a patient for both"
        )


if __name__ == "__main__":
    main()

"""Seconds per 10-year replication for place=small, default and icb, patients simulated per
second and peak memory, each in a fresh process so memory figures do not mix. The replication
is run twice: the first (cold) time includes imports and first-use caches, the second is the
cost of each further replication in a long experiment.

Run: make bench (or .venv/bin/python benchmarks/bench_core.py [--places small default]).
Writes benchmarks/results/latest.json and prints a table. Not a test: timings on a shared,
noisy machine are reported, never asserted.
"""

import argparse
import gc
import json
import multiprocessing as mp
import platform
import resource
import time
from pathlib import Path

PLACES = {
    "small": {"name": "small", "population": 100_000, "general_acute_beds": 180},
    "default": {"name": "default", "population": 300_000, "general_acute_beds": 540},
    "icb": {"name": "icb", "population": 1_500_000, "general_acute_beds": 2700},
}


def simulated_patients(res) -> int:
    """Patients a run simulated: emergency presentations and treated elective referrals."""
    if len(res.referrals) == 0:
        return len(res.presentations)
    return len(res.presentations) + int((res.referrals["exit_reason"] == "treated").sum())


def _one(place: dict, seed: int, sections: dict, queue, years: int, quick: bool) -> None:
    import leftshift
    from leftshift.config import load

    cfg = load({**sections, "place": place, "run": {"horizon_years": years, "seed": seed}})
    # the first (cold) run includes first-use imports and caches; quick mode pays them on a
    # one-year run of the small place instead of a second full replication
    cold = (
        load({**sections, "place": PLACES["small"], "run": {"horizon_years": 1}}) if quick else cfg
    )
    start = time.perf_counter()
    res = leftshift.run(cold)
    cold_seconds = time.perf_counter() - start
    del res
    gc.collect()
    start, cpu_start = time.perf_counter(), time.process_time()
    res = leftshift.run(cfg)
    seconds = time.perf_counter() - start
    cpu_seconds = time.process_time() - cpu_start
    patients = simulated_patients(res)
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    queue.put(
        {
            "place": place["name"],
            "seconds": seconds,
            "cold_seconds": cold_seconds,
            "patients": patients,
            "patients_per_second": patients / seconds,
            # CPU time is less sensitive than wall time to other processes on the machine
            "cpu_seconds": cpu_seconds,
            "patients_per_cpu_second": patients / cpu_seconds,
            "peak_memory_mib": peak_kib / 1024,
            "horizon_years": years,
        }
    )


def measure(
    place: str | dict,
    seed: int,
    sections: dict | None = None,
    years: int = 10,
    quick: bool = False,
) -> dict:
    """Run one replication of a place (a name in PLACES or a place dict) in a fresh process
    and return its time, patients and peak memory. ``sections`` override config groups (e.g.
    a scenario file's contents); ``years`` is the reporting horizon; ``quick`` warms the
    process on a short small place rather than a second full replication."""
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    place = PLACES[place] if isinstance(place, str) else place
    proc = ctx.Process(target=_one, args=(place, seed, sections or {}, queue, years, quick))
    proc.start()
    out = queue.get()
    proc.join()
    return out


def _command_peak(args: list[str], queue) -> None:
    import subprocess
    import sys
    import tempfile

    command = Path(sys.executable).parent / "leftshift"
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        done = subprocess.run(
            [str(command), *args, f"hydra.run.dir={tmp}/run"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        if done.returncode != 0:
            raise RuntimeError(f"leftshift {' '.join(args)} failed:\n{done.stderr[-2000:]}")
        seconds = time.perf_counter() - start
    # this process has no other children: their peak is the command's
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    queue.put(
        {
            "command": " ".join(["leftshift", *args]),
            "seconds": seconds,
            "peak_memory_mib": peak_kib / 1024,
        }
    )


def measure_command(args: list[str]) -> dict:
    """Run ``leftshift <args>`` as a user would (its own process, a temporary run folder) and
    return its wall time and peak memory (the command's maximum resident set)."""
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_command_peak, args=(args, queue))
    proc.start()
    out = queue.get()
    proc.join()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--places", nargs="+", default=list(PLACES), choices=list(PLACES))
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    rows = []
    for place in args.places:
        runs = [measure(place, seed) for seed in range(args.repeats)]
        best = min(runs, key=lambda r: r["seconds"])
        best["repeats"] = args.repeats
        rows.append(best)
        print(
            f"{place:8s} {best['seconds']:7.1f} s/replication  "
            f"{best['patients']:>9,d} patients  {best['patients_per_second']:>9,.0f} patients/s"
            f"  peak {best['peak_memory_mib']:7.0f} MiB",
            flush=True,
        )
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "latest.json").write_text(
        json.dumps(
            {"machine": platform.platform(), "python": platform.python_version(), "core": rows},
            indent=2,
        )
    )
    print(f"written {out / 'latest.json'}")


if __name__ == "__main__":
    main()

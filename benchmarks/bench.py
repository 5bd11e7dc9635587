"""Speed and memory harness (make bench). Every ratio is measured in this one run.

1. The same M/M/c system (c = 500 beds, load 0.95, exponential stays, ~200,000 patients) in
   bare SimPy (the textbook Resource + process per patient), in leftshift with every optional
   mechanism switched off, and in Ciw: patients per second and the ratios.
2. Seconds per 10-year replication and peak memory for place sizes from 50,000 to 1.5 m people
   with every mechanism on, each in a fresh process, without delayed discharges and with them
   (the default scenario); the log-log slope of time on size, the cost of the delayed
   discharges at each size, and the default scenario's patients per second against bare
   SimPy's (section 1).
3. Replications per minute for a paired experiment on all cores, and the parallel efficiency
   against one core.
4. Peak memory of the command a strategist runs for an ICB experiment,
   ``leftshift place=icb experiment=vw_national_ambition`` (two arms, 10 years, figures and
   tables written), in its own process.
5. The default place (its hospital is the constrained one: specialty pools, outlying, hours of
   the day, bed turnaround) against the same place with ``hospital=pooled`` (one pooled
   counter): seconds per replication, ratio.

``--quick`` (under 2 minutes on a normal day): sections 1 and 2 only, without Ciw, on three
place sizes (50k, default, 600k; no ICB), each process warmed on a one-year small place
instead of a second full replication. The runs are the full bench's (10 years, 200,000 M/M/c
patients: shorter runs are dominated by the fixed cost of setting up and collecting a run), so
its ratios are comparable with the full run's; the ICB's seconds and memory are judged on the
full run only.

Ratios between leftshift runs and bare SimPy, between places and with and without delayed
discharges use CPU seconds (each process's own), which other processes on a shared machine
disturb less than wall seconds; wall seconds are recorded too (Ciw's ratio is on wall seconds).

Writes benchmarks/results/latest.json (quick: quick.json) and scaling.png and prints a table.
Timings on this shared machine are noisy: repeat and compare ratios, not absolute seconds.
"""

import argparse
import json
import math
import os
import platform
import time
from pathlib import Path

import numpy as np
from bench_core import PLACES, measure, measure_command

TARGETS = {
    "leftshift_vs_bare_simpy": 0.5,
    "whole_model_vs_bare_simpy": 3.0,
    "delayed_discharges_max_ratio": 1.25,
    "scaling_slope": 1.0,
    "default_seconds": 2.0,
    "icb_seconds": 10.0,
    "icb_peak_memory_mib": 2048.0,
    "icb_experiment_peak_memory_mib": 2048.0,
    "parallel_efficiency": 0.8,
    "constrained_vs_one_pool": 1.3,
}
BEDS, LOAD, MEAN_STAY, PATIENTS = 500, 0.95, 5.0, 200_000
HIGHER_IS_BETTER = ("leftshift_vs_bare_simpy", "whole_model_vs_bare_simpy", "parallel_efficiency")
RESULTS = Path(__file__).parent / "results"
ROOT = Path(__file__).resolve().parents[1]


def bare_simpy(seed: int = 1, patients: int = PATIENTS) -> dict:
    """M/M/c in SimPy as its documentation writes it: a Resource and a process per patient."""
    import simpy

    rng = np.random.default_rng(seed)
    lam = LOAD * BEDS / MEAN_STAY
    gaps = rng.exponential(1 / lam, patients).tolist()
    stays = rng.exponential(MEAN_STAY, patients).tolist()
    env = simpy.Environment()
    beds = simpy.Resource(env, BEDS)
    waits = []

    def patient(stay):
        arrived = env.now
        with beds.request() as req:
            yield req
            waits.append(env.now - arrived)
            yield env.timeout(stay)

    def arrivals():
        for gap, stay in zip(gaps, stays, strict=True):
            yield env.timeout(gap)
            env.process(patient(stay))

    env.process(arrivals())
    start, cpu_start = time.perf_counter(), time.process_time()
    env.run()
    seconds = time.perf_counter() - start
    cpu_seconds = time.process_time() - cpu_start
    return {
        "patients": patients,
        "seconds": seconds,
        "patients_per_second": patients / seconds,
        "cpu_seconds": cpu_seconds,
        "patients_per_cpu_second": patients / cpu_seconds,
        "p_wait": float(np.mean(np.array(waits) > 0)),
    }


def leftshift_mmc_config(seed: int = 1, patients: int = PATIENTS):
    """The M/M/c system as a leftshift config with every optional mechanism off."""
    from leftshift.model.analytic import queue_only_config

    population = 100_000
    years = math.ceil(patients / (LOAD * BEDS / MEAN_STAY * 365.25))
    rate = LOAD * BEDS / MEAN_STAY * 365.25 / population * 1000
    return queue_only_config(
        BEDS,
        population,
        rate,
        MEAN_STAY,
        initial_census=False,
        run={"horizon_years": years, "warmup_months": 0, "seed": seed},
    )


def leftshift_mmc(seed: int = 1, patients: int = PATIENTS) -> dict:
    """The same system through leftshift's hospital, every optional mechanism off."""
    import leftshift

    cfg = leftshift_mmc_config(seed, patients)
    start, cpu_start = time.perf_counter(), time.process_time()
    res = leftshift.run(cfg)
    seconds = time.perf_counter() - start
    cpu_seconds = time.process_time() - cpu_start
    patients = len(res.presentations)
    return {
        "patients": patients,
        "seconds": seconds,
        "patients_per_second": patients / seconds,
        "cpu_seconds": cpu_seconds,
        "patients_per_cpu_second": patients / cpu_seconds,
        "p_wait": float((res.presentations["boarding_hours"] > 0).mean()),
    }


def ciw_mmc(seed: int = 1) -> dict | None:
    """The same system in Ciw (optional benchmark dependency)."""
    try:
        import ciw
    except ImportError:
        return None
    lam = LOAD * BEDS / MEAN_STAY
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(rate=lam)],
        service_distributions=[ciw.dists.Exponential(rate=1 / MEAN_STAY)],
        number_of_servers=[BEDS],
    )
    ciw.seed(seed)
    sim = ciw.Simulation(network)
    start = time.perf_counter()
    sim.simulate_until_max_customers(PATIENTS, method="Finish")
    seconds = time.perf_counter() - start
    records = sim.get_all_records()
    return {
        "patients": len(records),
        "seconds": seconds,
        "patients_per_second": len(records) / seconds,
        "p_wait": float(np.mean([r.waiting_time > 0 for r in records])),
    }


def experiment_throughput(place: str, replications: int, one_core_replications: int) -> dict:
    """Paired replications per minute on all cores and on one, and the parallel efficiency."""
    from leftshift.analysis.experiment import run_experiment
    from leftshift.config import load

    def rate(reps: int, jobs: int) -> float:
        cfg = load(
            {
                "place": PLACES[place],
                "interventions": {"emergency_demand_multiplier": {"start_year": 1.0, "value": 0.9}},
                "run": {"replications": reps, "n_jobs": jobs},
            }
        )
        start = time.perf_counter()
        run_experiment(cfg)
        return reps / (time.perf_counter() - start) * 60.0

    cores = os.cpu_count() or 1
    parallel = rate(replications, -1)
    single = rate(one_core_replications, 1)
    return {
        "place": place,
        "replications": replications,
        "cores": cores,
        "paired_replications_per_minute_all_cores": parallel,
        "paired_replications_per_minute_one_core": single,
        "one_core_measured_on": one_core_replications,
        "parallel_efficiency": parallel / (cores * single),
    }


def core_model() -> dict:
    """The core model without delayed discharges (scenarios/social_care/none.yaml): the size
    scaling is measured on it, and the delayed discharges against it."""
    import yaml

    return yaml.safe_load((ROOT / "scenarios/social_care/none.yaml").read_text())


def place_dict(label: str, population: int | None) -> dict:
    return PLACES.get(label) or {
        "name": label,
        "population": population,
        "general_acute_beds": round(population * 1.8 / 1000),
    }


def place_pair(label: str, population: int | None, years: int, quick: bool) -> tuple[dict, dict]:
    """One place without delayed discharges (scenarios/social_care/none.yaml: the core model
    the size scaling is measured on) and, straight after, with them (the default scenario's
    discharge pathways: social-care queues, about 1 in 7 beds delayed). Measured back to back
    so that their ratio sees about the same load on a shared machine."""
    place = place_dict(label, population)
    without = measure(place, 1, core_model(), years=years, quick=quick)
    with_delays = measure(place, 1, years=years, quick=quick)
    for r in (without, with_delays):
        r["population"] = place["population"]
    with_delays["ratio_to_without"] = with_delays["cpu_seconds"] / without["cpu_seconds"]
    with_delays["wall_ratio_to_without"] = with_delays["seconds"] / without["seconds"]
    return without, with_delays


def slope(rows: list[dict]) -> float:
    """Log-log slope of CPU seconds on population."""
    x = np.log([r["population"] for r in rows])
    return float(np.polyfit(x, np.log([r["cpu_seconds"] for r in rows]), 1)[0])


def bed_pools() -> dict:
    """The default scenario on the default place (the constrained hospital) against the same
    place with hospital=pooled (one pooled counter)."""
    import yaml

    pooled = yaml.safe_load((ROOT / "scenarios/hospital/pooled.yaml").read_text())
    place = {**PLACES["default"], **pooled.pop("place", {})}
    one = measure(place, 1, pooled)
    pools = measure("default", 1)
    ratio = pools["cpu_seconds"] / one["cpu_seconds"]
    print(
        f"  one pool {one['seconds']:6.1f} s ({one['cpu_seconds']:.1f} CPU),"
        f" constrained {pools['seconds']:6.1f} s ({pools['cpu_seconds']:.1f} CPU):"
        f" {ratio:.2f} x (target <= {TARGETS['constrained_vs_one_pool']})",
        flush=True,
    )
    return {"one_pool": one, "constrained": pools, "ratio": ratio}


def scaling_figure(rows: list[dict]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    pop = np.array([r["population"] for r in rows], float)
    sec = np.array([r["seconds"] for r in rows], float)
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.loglog(pop, sec, "o-", color="#d95f02")
    for r in rows:
        ax.annotate(
            r["place"],
            (r["population"], r["seconds"]),
            textcoords="offset points",
            xytext=(4, -10),
            fontsize=8,
        )
    ax.set_xlabel("population of the place")
    ax.set_ylabel(f"seconds per {rows[0]['horizon_years']}-year replication")
    ax.set_title("leftshift run time against place size (log-log)", fontsize=10)
    fig.tight_layout()
    fig.savefig(RESULTS / "scaling.png", dpi=120)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--replications",
        type=int,
        default=200,
        help="paired replications for the throughput experiment",
    )
    parser.add_argument("--one-core-replications", type=int, default=20)
    parser.add_argument("--experiment-place", default="small", choices=list(PLACES))
    parser.add_argument(
        "--skip",
        nargs="*",
        default=[],
        choices=["mmc", "places", "experiment", "memory", "pools"],
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="everyday check under 2 minutes: M/M/c and three place sizes up to 600k",
    )
    args = parser.parse_args()
    if args.quick:
        args.skip = sorted(set(args.skip) | {"experiment", "memory", "pools"})
    patients, years = PATIENTS, 10
    started = time.perf_counter()
    RESULTS.mkdir(exist_ok=True)
    out: dict = {
        "machine": platform.platform(),
        "python": platform.python_version(),
        "cores": os.cpu_count(),
        "targets": TARGETS,
        "quick": args.quick,
        "load_average_at_start": os.getloadavg(),
    }

    if "mmc" not in args.skip:
        print(
            f"M/M/c: c={BEDS}, load {LOAD}, exponential stays, ~{patients:,} patients", flush=True
        )
        mmc = {
            "bare_simpy": bare_simpy(patients=patients),
            "leftshift": leftshift_mmc(patients=patients),
            "ciw": None if args.quick else ciw_mmc(),
        }
        for name, r in mmc.items():
            if r is None:
                print(
                    f"  {name:10s} "
                    + ("skipped" if args.quick else "not installed (pip install ciw)")
                )
                continue
            print(
                f"  {name:10s} {r['patients_per_second']:>9,.0f} patients/s"
                f"  ({r['seconds']:.1f} s, {r.get('cpu_seconds', r['seconds']):.1f} CPU s,"
                f" P(wait) {r['p_wait']:.3f})",
                flush=True,
            )
        mmc["leftshift_vs_bare_simpy"] = (
            mmc["leftshift"]["patients_per_cpu_second"]
            / mmc["bare_simpy"]["patients_per_cpu_second"]
        )
        if mmc["ciw"]:
            mmc["leftshift_vs_ciw"] = (
                mmc["leftshift"]["patients_per_second"] / mmc["ciw"]["patients_per_second"]
            )
            print(f"  ratio leftshift / Ciw: {mmc['leftshift_vs_ciw']:.2f}")
        print(
            f"  ratio leftshift / bare SimPy: {mmc['leftshift_vs_bare_simpy']:.2f}"
            f" (target >= {TARGETS['leftshift_vs_bare_simpy']})"
        )
        out["mmc"] = mmc

    if "places" not in args.skip:
        print(
            f"{years}-year replication, every mechanism on, fresh process each; without"
            " delayed discharges, then with them (the default scenario); ratios of CPU seconds:",
            flush=True,
        )
        sizes: list[tuple[str, int | None]] = [
            ("50k", 50_000),
            ("small", None),
            ("default", None),
            ("600k", 600_000),
            ("icb", None),
        ]
        if args.quick:
            sizes = [s for s in sizes if s[0] in ("50k", "default", "600k")]
        rows, delays = [], []
        for label, population in sizes:
            r, d = place_pair(label, population, years, args.quick)
            rows.append(r)
            delays.append(d)
            print(
                f"  {label:8s} {r['population']:>9,d} people {r['seconds']:6.1f} s"
                f" ({r['cpu_seconds']:.1f} CPU)  peak {r['peak_memory_mib']:6.0f} MiB;"
                f" with delays {d['seconds']:6.1f} s ({d['cpu_seconds']:.1f} CPU,"
                f" {d['ratio_to_without']:.2f} x)  {d['patients_per_cpu_second']:>8,.0f}"
                f" patients/CPU s  peak {d['peak_memory_mib']:6.0f} MiB",
                flush=True,
            )
        out["places"] = rows
        out["scaling_slope"] = slope(rows)
        print(f"  log-log slope of CPU time on population: {out['scaling_slope']:.2f}")
        out["delayed_discharges"] = delays
        out["scaling_slope_with_delays"] = slope(delays)
        out["delayed_discharges_ratio_by_place"] = {
            r["place"]: r["ratio_to_without"] for r in delays
        }
        print(
            f"  log-log slope with delayed discharges: {out['scaling_slope_with_delays']:.2f};"
            f" their cost at most {max(out['delayed_discharges_ratio_by_place'].values()):.2f} x"
        )
        if "mmc" in out:
            default = next(r for r in delays if r["place"] == "default")
            out["whole_model_vs_bare_simpy"] = (
                default["patients_per_cpu_second"]
                / out["mmc"]["bare_simpy"]["patients_per_cpu_second"]
            )
            print(
                "  the default scenario (default place, delayed discharges on) at"
                f" {out['whole_model_vs_bare_simpy']:.2f} x bare SimPy's patients per CPU second"
            )
        if not args.quick:
            scaling_figure(rows)

    if "experiment" not in args.skip:
        print(
            f"paired experiment, place={args.experiment_place}, {args.replications}"
            " replications x 2 arms:",
            flush=True,
        )
        exp = experiment_throughput(
            args.experiment_place, args.replications, args.one_core_replications
        )
        print(
            f"  {exp['paired_replications_per_minute_all_cores']:.1f} paired replications/min"
            f" on {exp['cores']} cores, {exp['paired_replications_per_minute_one_core']:.1f}"
            f" on one; parallel efficiency {exp['parallel_efficiency']:.2f}"
            f" (target >= {TARGETS['parallel_efficiency']})"
        )
        out["experiment"] = exp

    if "pools" not in args.skip:
        print("default place, constrained hospital against hospital=pooled (fresh process each):")
        out["bed_pools"] = bed_pools()

    if "memory" not in args.skip:
        args_icb = ["place=icb", "experiment=vw_national_ambition"]
        print(f"peak memory of `leftshift {' '.join(args_icb)}`:", flush=True)
        mem = measure_command(args_icb)
        print(f"  {mem['peak_memory_mib']:.0f} MiB in {mem['seconds']:.0f} s", flush=True)
        out["icb_experiment"] = mem

    verdicts = {}
    if "mmc" in out:
        verdicts["leftshift_vs_bare_simpy"] = out["mmc"]["leftshift_vs_bare_simpy"]
    if "whole_model_vs_bare_simpy" in out:
        verdicts["whole_model_vs_bare_simpy"] = out["whole_model_vs_bare_simpy"]
    if "places" in out:
        by = {r["place"]: r for r in out["places"]}
        verdicts["delayed_discharges_max_ratio"] = max(
            out["delayed_discharges_ratio_by_place"].values()
        )
        # the stricter of the slopes without and with delayed discharges
        verdicts["scaling_slope"] = max(out["scaling_slope"], out["scaling_slope_with_delays"])
        verdicts["default_seconds"] = by["default"]["seconds"]
        if not args.quick:  # the quick bench does not run the ICB
            verdicts["icb_seconds"] = by["icb"]["seconds"]
            verdicts["icb_peak_memory_mib"] = max(  # with delayed discharges or without
                r["peak_memory_mib"]
                for r in out["delayed_discharges"] + out["places"]
                if r["place"] == "icb"
            )
    if "icb_experiment" in out:
        verdicts["icb_experiment_peak_memory_mib"] = out["icb_experiment"]["peak_memory_mib"]
    if "experiment" in out:
        verdicts["parallel_efficiency"] = out["experiment"]["parallel_efficiency"]
    if "bed_pools" in out:
        verdicts["constrained_vs_one_pool"] = out["bed_pools"]["ratio"]
    print("targets:")
    for key, value in verdicts.items():
        target = TARGETS[key]
        higher_is_better = key in HIGHER_IS_BETTER
        met = value >= target if higher_is_better else value <= target
        print(
            f"  {key:30s} {value:9.2f}  target {'>=' if higher_is_better else '<='} {target}"
            f"  {'met' if met else 'MISSED'}"
        )
    out["verdicts"] = verdicts
    out["bench_seconds"] = time.perf_counter() - started
    print(f"bench took {out['bench_seconds']:.0f} s")
    result = RESULTS / ("quick.json" if args.quick else "latest.json")
    result.write_text(json.dumps(out, indent=2))
    figure = "places" in out and not args.quick
    written = [result] + ([RESULTS / "scaling.png"] if figure else [])
    print("written " + " and ".join(str(p) for p in written))


if __name__ == "__main__":
    main()

"""The golden regression snapshot: fixed seeds, four experiments, every table and summary.

``python -m tests.golden.snapshot --update`` rewrites ``snapshot.json`` from the current code.
Do that only on purpose (a model change), and say why in the commit; a refactor or a speed
change must leave the snapshot unchanged (``tests/test_golden.py``).

Each experiment runs the way the command line does (``scenarios/config.yaml`` composed with
the experiment) on the small place, a short horizon and two replications. The snapshot holds
the SHA-256 of every parquet file written and of ``summary.json`` and ``econ_summary.json``
with the provenance keys (version, commit) removed.
"""

import argparse
import hashlib
import json
import sys
import tempfile
from pathlib import Path

SNAPSHOT = Path(__file__).with_name("snapshot.json")
EXPERIMENTS = ("baseline", "emergency_demand_cut", "neighbourhood_teams", "vw_national_ambition")
OVERRIDES = (
    "place=small",
    "run.horizon_years=2",
    "run.warmup_months=12",
    "run.replications=2",
    "run.n_jobs=1",
    "run.seed=20261202",
    "report.figure_formats=[png]",  # figures are not in the snapshot: drawn quickly
    "report.figure_dpi=60",
)
PROVENANCE_KEYS = ("leftshift_version", "git_commit")


def _json_digest(path: Path) -> str:
    data = json.loads(path.read_text())
    for key in PROVENANCE_KEYS:
        data.pop(key, None)
    text = json.dumps(data, sort_keys=True, indent=1)
    return hashlib.sha256(text.encode()).hexdigest()


def digests(run_dir: Path) -> dict[str, str]:
    """SHA-256 of each parquet file and of the summaries in a finished run directory."""
    results = run_dir / "results"
    out = {}
    for path in sorted(results.glob("*.parquet")):
        out[path.name] = hashlib.sha256(path.read_bytes()).hexdigest()
    for name in ("summary.json", "econ_summary.json"):
        if (results / name).is_file():
            out[name] = _json_digest(results / name)
    return out


def run_experiment_digests(experiment: str, workdir: Path) -> dict[str, str]:
    """Run one experiment as the command line composes it and return its digests."""
    from tests.helpers import compose_config, run_to_directory

    chosen = () if experiment == "baseline" else (f"experiment={experiment}",)
    cfg = compose_config(*chosen, *OVERRIDES)
    run_dir = workdir / experiment
    run_to_directory(cfg, run_dir)
    return digests(run_dir)


def current() -> dict[str, dict[str, str]]:
    """Digests of every experiment from the code as it is now."""
    with tempfile.TemporaryDirectory() as tmp:
        return {e: run_experiment_digests(e, Path(tmp)) for e in EXPERIMENTS}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--update", action="store_true", help="rewrite snapshot.json")
    args = parser.parse_args(argv)
    now = current()
    if args.update:
        SNAPSHOT.write_text(json.dumps(now, indent=1, sort_keys=True) + "\n")
        print(f"wrote {SNAPSHOT}")
        return 0
    stored = json.loads(SNAPSHOT.read_text())
    changed = [
        f"{e}/{f}"
        for e in stored
        for f in set(stored[e]) | set(now.get(e, {}))
        if stored[e].get(f) != now.get(e, {}).get(f)
    ]
    print("unchanged" if not changed else "changed: " + ", ".join(sorted(changed)))
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main())

"""From a config to a finished run directory: run, analyse, write (the command line's path).

This sits above the report layer: it runs the experiment (analysis), analyses it into one
bundle, and has the report layer write it, all inside one atomic results directory.
"""

from collections.abc import Callable
from pathlib import Path
from typing import Any

from leftshift.analysis.bundle import analyse
from leftshift.analysis.experiment import run_experiment
from leftshift.config import Config
from leftshift.report.rundir import atomic_results, is_complete, write_results

__all__ = ["is_complete", "run_to_directory"]


def run_to_directory(
    cfg: Config, run_dir: str | Path, progress: Callable[[int, int], None] | None = None
) -> dict[str, Any]:
    """Run the experiment a config describes and write it into ``run_dir`` atomically."""
    with atomic_results(run_dir) as partial:
        results = run_experiment(cfg, progress=progress)
        bundle = analyse(results, progress)
        return write_results(bundle, partial)

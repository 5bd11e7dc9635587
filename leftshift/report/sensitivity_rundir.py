"""Write a sensitivity analysis: indices, samples with outputs, figures and a manifest.

Called inside :func:`leftshift.report.rundir.atomic_results`, so a folder either holds every
file or none. Nothing here runs the model.
"""

import datetime
import json
from importlib import metadata
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import yaml

from leftshift.analysis.sensitivity import (
    OUTPUTS,
    QALY_YEAR,
    SensitivityResult,
    output_label,
    parameter_table,
)
from leftshift.config import Config, to_container
from leftshift.report.figure_style import RunInfo, save_figure
from leftshift.report.rundir import provenance
from leftshift.report.sensitivity_figures import sensitivity_figure


def write_sensitivity(
    result: SensitivityResult, cfg: Config, directory: Path, n: int
) -> dict[str, Any]:
    """Write the tables (parquet; indices also as csv), one figure per output and the manifest.

    Each figure is written as PNG (300 dpi) and SVG.
    """
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "config.yaml").write_text(yaml.safe_dump(to_container(cfg), sort_keys=False))
    result.indices.to_parquet(directory / "indices.parquet", index=False)
    result.indices.to_csv(directory / "indices.csv", index=False)
    result.samples.to_parquet(directory / "samples.parquet", index=False)
    parameters = parameter_table(result.parameters)
    parameters.to_csv(directory / "parameters.csv", index=False)
    prov = provenance()
    run_date = datetime.date.today().isoformat()
    detail = f"{result.method} sensitivity, {len(result.samples)} points"
    run = RunInfo.from_config(cfg, prov, is_experiment=True, run_date=run_date, detail=detail)
    for output in OUTPUTS:
        label = output_label(output, result.qaly_year)
        fig = sensitivity_figure(
            result.method, result.indices, output.name, label, output.unit, run
        )
        save_figure(
            fig,
            directory,
            f"{result.method}_{output.name}",
            cfg.report.figure_formats,
            cfg.report.figure_dpi,
        )
        plt.close(fig)
    notes = []
    if result.qaly_year < QALY_YEAR:
        notes.append(
            f"the horizon is shorter than {QALY_YEAR} years: incremental QALYs are summed to"
            f" reporting year {result.qaly_year}"
        )
    manifest = {
        "status": "complete",
        "method": result.method,
        "n": n,
        "points": len(result.samples),
        "replications_per_point": cfg.run.replications,
        "master_seed": cfg.run.seed,
        "experiment": cfg.experiment.name,
        "place": cfg.place.name,
        "qaly_year": result.qaly_year,
        "outputs": {
            o.name: {"label": output_label(o, result.qaly_year), "unit": o.unit} for o in OUTPUTS
        },
        "parameters": parameters.to_dict(orient="records"),
        "notes": notes,
        "files": sorted(p.name for p in directory.iterdir()) + ["manifest.json"],
        "run_date": run_date,
        **prov,
        "salib": metadata.version("salib"),
    }
    (directory / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return manifest

"""Model layer: one replication of a place, from a validated config and a seed, to Results.

Imports only the config layer; knows nothing of files, Hydra, analysis or drawing.
``simulate`` and ``Results`` are loaded when first used, so that importing a light module of
this package (``metrics``, ``invariants``) does not import the whole model: the command line
checks its arguments before it pays for the simulation's imports.
"""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from leftshift.model.place import simulate
    from leftshift.model.results import Results

__all__ = ["Results", "simulate"]


def __getattr__(name: str) -> Any:
    if name == "simulate":
        from leftshift.model.place import simulate

        return simulate
    if name == "Results":
        from leftshift.model.results import Results

        return Results
    raise AttributeError(f"module 'leftshift.model' has no attribute {name!r}")

"""Model layer: one replication of a place, from a validated config and a seed, to Results.

Imports only the config layer; knows nothing of files, Hydra, analysis or drawing.
"""

from leftshift.model.place import simulate
from leftshift.model.results import Results

__all__ = ["Results", "simulate"]

"""leftshift: a simulation of the NHS left shift, from acute hospitals to community care."""

import os as _os

# The model's matrices are small (tens of health states): BLAS threads only spin against the
# simulation, so one thread unless the user set these (read when numpy is first imported, so
# this works for the command line and for `import leftshift` before numpy). Measured: a
# two-year run of place=small 4.6-4.9 s with 2 OpenBLAS threads, 3.9-4.0 s with 1.
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    _os.environ.setdefault(_name, "1")

__version__ = "0.1.0"


#: replications are numbered from 0; run.replications allows at most 100,000
MAX_REPLICATIONS = 100_000


def run(config=None, replication=0):
    """Run one replication and return its :class:`~leftshift.results.Results`.

    Parameters
    ----------
    config : Config, mapping, DictConfig or None
        A full or partial configuration; ``None`` uses the schema's defaults, which are the
        command line's default scenario (the ``default`` place, delayed discharges on), so
        ``run()`` and ``leftshift`` give the same numbers for the same seed. For the core model
        without delays pass ``{"social_care": {"delayed_discharges": False},
        "hospital": {"complex_emergency_los": {"mean_days": 10.5}}}`` (``social_care=none``).
        It is validated (a :class:`~leftshift.config.ConfigError` names every bad key) and
        frozen before anything runs.
    replication : int
        Which replication: its seed is spawned from ``run.seed`` exactly as in an experiment,
        so ``run(cfg, i)`` reproduces replication ``i`` of ``leftshift`` on the command line.
        A negative or non-integer value raises :class:`~leftshift.config.ConfigError`.
    """
    import numbers

    from leftshift.config import ConfigError, load
    from leftshift.model import simulate
    from leftshift.model.rng import seed_for

    cfg = load(config)
    if (
        isinstance(replication, bool)
        or not isinstance(replication, numbers.Integral)
        or not 0 <= replication < MAX_REPLICATIONS
    ):
        raise ConfigError(
            [f"replication = {replication!r}: must be a whole number >= 0 and < {MAX_REPLICATIONS}"]
        )
    replication = int(replication)
    return simulate(cfg, seed_for(cfg.run.seed, replication))


__all__ = ["__version__", "run"]

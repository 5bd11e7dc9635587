"""Probabilistic sensitivity analysis: draw uncertain parameters once per replication.

Every config section of type :class:`~leftshift.config.EffectConfig` is a parameter with a
distribution (its source is named in the registry). With ``run.psa`` on, each replication draws
all of them from its own ``psa`` stream of the replication seed, in a fixed order, before the
run. Replication ``i`` of every arm has the same seed, so every arm gets the same draws, and the
draws are reproducible from the seed. The distributions are scipy.stats ones
(:func:`distribution`), sampled with the replication's generator. The draw replaces the
effect's mean (the value the model uses); the draws are returned so the runner can save them
beside the results.

Distributions are parameterised so that ``mean`` is the distribution's mean: a triangular one
has its mode at ``3 mean - low - high`` (validation checks it lies in [low, high]); a uniform one
needs ``mean`` at the midpoint; a normal one has ``low`` and ``high`` as its 2.5th and 97.5th
centiles.
"""

from typing import Any

import numpy as np

from leftshift.config import Config, EffectConfig, iter_sections, load, to_container
from leftshift.model.rng import Streams

NORMAL_95 = 1.959963984540054


#: drawn after every other parameter, so that adding them shifted no earlier parameter's draw
DRAWN_LAST = "population.trends."


def uncertain_parameters(cfg: Config) -> list[tuple[str, EffectConfig]]:
    """(dotted key, effect) of every parameter with a distribution, in a fixed order.

    The config's order, except that the population trends come last (:data:`DRAWN_LAST`).
    """
    effects = [(k, v) for k, v in iter_sections(cfg) if isinstance(v, EffectConfig)]
    return [e for e in effects if not e[0].startswith(DRAWN_LAST)] + [
        e for e in effects if e[0].startswith(DRAWN_LAST)
    ]


def distribution(effect: EffectConfig) -> Any:
    """The scipy.stats (frozen) distribution of an effect, with ``mean`` as its mean.

    Triangular: ``stats.triang`` with ``c`` the mode's position in [low, high]; uniform:
    ``stats.uniform`` on [low, high]; normal: ``stats.norm`` with low and high as its 2.5th and
    97.5th centiles. Not for ``fixed`` effects (see :func:`draw`).
    """
    from scipy import stats  # here: a command that samples nothing skips its import (0.5-1 s)

    width = effect.high - effect.low
    if effect.distribution == "triangular":
        mode = 3.0 * effect.mean - effect.low - effect.high
        # validation allows the mode to sit a rounding error outside [low, high]
        c = min(max((mode - effect.low) / width, 0.0), 1.0)
        return stats.triang(c=c, loc=effect.low, scale=width)
    if effect.distribution == "uniform":
        return stats.uniform(loc=effect.low, scale=width)
    if effect.distribution == "normal":
        return stats.norm(loc=effect.mean, scale=width / (2.0 * NORMAL_95))
    raise ValueError(f"no distribution for {effect.distribution!r}")


def draw(effect: EffectConfig, rng: np.random.Generator) -> float:
    """One draw from an effect's distribution, from ``rng`` (the replication's psa stream)."""
    if effect.distribution == "fixed" or effect.low == effect.high:
        return float(effect.mean)
    return float(distribution(effect).rvs(random_state=rng))


def sample(cfg: Config, seed: int) -> tuple[Config, dict[str, float]]:
    """The config with every uncertain parameter drawn (as a fixed value), and the draws."""
    rng = Streams(seed)["psa"]
    raw: dict[str, Any] = to_container(cfg)
    draws = {}
    for key, effect in uncertain_parameters(cfg):
        value = draw(effect, rng)
        draws[key] = value
        node = raw
        for part in key.split("."):
            node = node[part]
        node.update(mean=value, low=value, high=value, distribution="fixed")
    return load(raw), draws

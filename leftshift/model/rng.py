"""Named random-number streams: one ``numpy.random.Generator`` per model process.

Each stream is derived from the replication's master seed and a stable hash of its *name*
(``SeedSequence(seed, spawn_key=(crc32(name),))``), so adding a new process never shifts the
numbers of an existing one, and replication ``i`` of every arm of an experiment draws the same
numbers in every process (common random numbers).
"""

import zlib

import numpy as np


def replication_seeds(master_seed: int, replications: int) -> list[int]:
    """Per-replication seeds spawned from a master seed (no collisions, unlike random integers).

    One ``SeedSequence(master_seed).spawn(replications)``: linear in the replication count.
    """
    children = np.random.SeedSequence(master_seed).spawn(replications)
    return [_seed_of(child) for child in children]


def _seed_of(child: np.random.SeedSequence) -> int:
    """A replication's integer seed: the first 63 bits of its spawned sequence's state."""
    return int(child.generate_state(2, dtype=np.uint64)[0] >> np.uint64(1))


class Streams:
    """Lazily created generators keyed by process name, all derived from one seed."""

    def __init__(self, seed: int):
        self.seed = int(seed)
        self._generators: dict[str, np.random.Generator] = {}

    def for_period(self, name: str, period: int) -> np.random.Generator:
        """A fresh generator for one period (month) of a process.

        For processes whose state differs between arms (the population, once hospital deaths
        feed back), a generator per period keeps their random numbers aligned: a difference
        in month k changes no draw of month k + 1.
        """
        seq = np.random.SeedSequence(self.seed, spawn_key=(zlib.crc32(name.encode()), period))
        return np.random.Generator(np.random.PCG64(seq))

    def __getitem__(self, name: str) -> np.random.Generator:
        gen = self._generators.get(name)
        if gen is None:
            seq = np.random.SeedSequence(self.seed, spawn_key=(zlib.crc32(name.encode()),))
            gen = np.random.Generator(np.random.PCG64(seq))
            self._generators[name] = gen
        return gen


def seed_for(master_seed: int, replication: int) -> int:
    """Seed of replication ``replication`` (the same in every arm of an experiment).

    Equal to ``replication_seeds(master_seed, n)[replication]`` for any ``n > replication``:
    the ``i``-th child of ``SeedSequence(m).spawn(n)`` is ``SeedSequence(m, spawn_key=(i,))``,
    built here directly, so one seed costs the same whatever the replication number.
    """
    return _seed_of(np.random.SeedSequence(master_seed, spawn_key=(replication,)))

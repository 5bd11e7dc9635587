"""Faults and load: signals leave FAILED, workers die with their parent, finished replications
survive a killed worker, the run directory is checked writable, and seed set-up is linear."""

import time

import numpy as np
import pytest

from leftshift.model.rng import replication_seeds, seed_for


@pytest.mark.unit
def test_seed_for_is_the_spawned_seed_and_costs_the_same_for_any_replication():
    seeds = replication_seeds(20261202, 300)
    assert [seed_for(20261202, i) for i in range(300)] == seeds
    # the seeds of SeedSequence(m).spawn(n), unchanged from before (outputs stay byte-identical)
    child = np.random.SeedSequence(20261202).spawn(300)[299]
    assert seeds[299] == int(child.generate_state(2, dtype=np.uint64)[0] >> np.uint64(1))
    # 2,000 replications' seeds: was quadratic (tens of seconds), now a few milliseconds
    start = time.perf_counter()
    assert len({seed_for(1, i) for i in range(2000)}) == 2000
    assert time.perf_counter() - start < 1.0

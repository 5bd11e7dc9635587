"""Golden regression snapshot: fixed seeds give the same tables and summaries, byte for byte.

A refactor or speed change must leave it unchanged. A deliberate model change updates it with
``python -m tests.golden.snapshot --update`` and says why in the commit.
"""

import json

import pytest

from tests.golden.snapshot import EXPERIMENTS, SNAPSHOT, run_experiment_digests


@pytest.mark.e2e
@pytest.mark.parametrize("experiment", EXPERIMENTS)
def test_outputs_match_the_golden_snapshot(experiment, tmp_path, tables_only):
    # figures are not in the snapshot (tables_only: they are half a run's time here)
    stored = json.loads(SNAPSHOT.read_text())[experiment]
    now = run_experiment_digests(experiment, tmp_path)
    changed = sorted(f for f in set(stored) | set(now) if stored.get(f) != now.get(f))
    assert not changed, (
        f"{experiment}: {changed} differ from tests/golden/snapshot.json; if the model changed"
        " on purpose, run `python -m tests.golden.snapshot --update` and say why in the commit"
    )

"""Published tables in leftshift/data/tables: well formed, sourced, and the defaults in use."""

from pathlib import Path

import numpy as np
import pytest
import yaml

from leftshift.config import COPD_TABLE, HF_TABLE, Config, iter_leaves, tables

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[1]


def test_every_table_names_a_registered_source_and_is_used():
    registry = yaml.safe_load((ROOT / "leftshift" / "data" / "sources.yaml").read_text())
    used = {meta["source"] for _, _, meta in iter_leaves(Config())}
    assert tables.names(), "no tables found"
    for name in tables.names():
        assert tables.source(name) in registry, name
        assert tables.source(name) in used, f"{name}: no config leaf takes its source"


def test_copd_transition_rows_are_probabilities():
    rows = np.array(Config().population.copd.annual_transitions)
    assert rows.shape == (4, 5)
    # published to four decimals, so a row may sum to 1.0001 (the model normalises rows)
    assert np.allclose(rows.sum(axis=1), 1.0, atol=2e-4)
    assert rows[:, 0].tolist() == tables.column(COPD_TABLE, "to_gold1")


def test_nyha_rates_skip_the_classes_they_do_not_apply_to():
    hf = Config().population.heart_failure
    assert len(hf.worsening_per_year) == 3 and len(hf.improvement_per_year) == 3
    assert hf.class_risk_multiplier == tables.column(HF_TABLE, "risk_multiplier")


def test_a_table_without_a_source_is_refused(tmp_path, monkeypatch):
    (tmp_path / "bad.csv").write_text("a,b\n1,2\n")
    monkeypatch.setattr(tables, "TABLES", tmp_path)
    tables.read.cache_clear()
    try:
        with pytest.raises(ValueError, match="source"):
            tables.source("bad.csv")
    finally:
        tables.read.cache_clear()


def test_tables_ship_with_the_package():
    text = (ROOT / "pyproject.toml").read_text()
    assert "data/tables/*.csv" in text

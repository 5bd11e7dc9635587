"""Shared fixtures; every test must carry a tier marker (unit, integration or e2e)."""

import pytest

from leftshift.config import load

TIERS = {"unit", "integration", "e2e"}


def pytest_collection_modifyitems(config, items):
    unmarked = [item.nodeid for item in items if not TIERS & {m.name for m in item.iter_markers()}]
    if unmarked:
        raise pytest.UsageError(
            "tests without a tier marker (unit, integration or e2e): " + ", ".join(unmarked)
        )


@pytest.fixture(scope="session")
def default_config():
    return load()

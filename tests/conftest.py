"""Shared fixtures; every test must carry a tier marker (unit, integration or e2e)."""

import os

# One BLAS thread per process, set before numpy is first imported here. The suite runs one
# pytest worker per core, and the command-line tests start more processes (they inherit this
# environment, as do pytest-xdist's workers started after this file is read). OpenBLAS's own
# threads on top of that oversubscribe the cores: its threads spin while they wait, and the
# small matrices here (config validation takes a matrix logarithm of each transition matrix at
# every load) then run tens of times slower (scipy.linalg.logm 200 times: 19 s with the
# default threads, 0.7 s with one, on the 2-core machine while it was busy).
for _threads in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_threads, "1")

import pytest  # noqa: E402

from leftshift.config import load  # noqa: E402

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


@pytest.fixture
def tables_only(monkeypatch):
    """Run directories without figures, for tests that compare tables and summaries only.

    Drawing and saving the figures is most of a short run's time (about 60% of the multi-arm
    test's, even at :data:`tests.helpers.QUICK_FIGURES`); the figures of full runs are checked
    in test_outputs.py (a two-arm run at 300 dpi, every experiment file) and test_figures.py.
    """
    import leftshift.report.rundir as rundir

    monkeypatch.setattr(rundir, "write_figures", lambda *args, **kwargs: [])

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

#: the fast suite's longest files, longest first (seconds per file with ``--durations=0``,
#: 2026-12-06): ``make test`` sends whole files to its two workers in collection order, so
#: these go first and the many short files fill in at the end. In alphabetical order the
#: queueing validation (30 s) started last and one worker waited about 17 s for the other.
#: Only the order changes; a file missing from the list runs after these, in its usual place.
LONGEST_FILES = (
    "test_outputs.py",  # 55
    "test_virtual_wards.py",  # 52
    "test_behaviour.py",  # 50
    "test_sweeps.py",  # 36
    "test_finance.py",  # 36
    "validation/test_queueing.py",  # 32
    "test_model.py",  # 31
    "test_golden.py",  # 28
    "test_resume.py",  # 25
    "test_sensitivity.py",  # 24
    "test_bad_input.py",  # 24
    "test_faults.py",  # 21
    "test_launchers.py",  # 21
    "test_board_pack.py",  # 20
)


def _file_rank(item) -> int:
    path = item.path.as_posix()
    for rank, name in enumerate(LONGEST_FILES):
        if path.endswith("/tests/" + name):
            return rank
    return len(LONGEST_FILES)


def pytest_collection_modifyitems(config, items):
    unmarked = [item.nodeid for item in items if not TIERS & {m.name for m in item.iter_markers()}]
    if unmarked:
        raise pytest.UsageError(
            "tests without a tier marker (unit, integration or e2e): " + ", ".join(unmarked)
        )
    items.sort(key=_file_rank)  # stable: each file's tests keep their order


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

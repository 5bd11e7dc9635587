"""Worker processes for parallel replications: how many to start, and that they die with us.

joblib's loky workers notice a dead parent only slowly (a killed command's workers were seen
alive 13 minutes later, ~450 MB each). On Linux each worker asks the kernel to kill it when
its parent dies (``prctl(PR_SET_PDEATHSIG, SIGKILL)``), so a SIGKILL of the command, which
runs no Python code, still takes its workers with it. A worker has nothing to tidy up: a
replication is checkpointed by renaming a finished folder, never written in place.
"""

import ctypes
import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager

#: ``PR_SET_PDEATHSIG`` from ``<linux/prctl.h>``
_PR_SET_PDEATHSIG = 1


def worker_count(n_jobs: int, tasks: int) -> int:
    """Processes to start for ``tasks`` replications with ``run.n_jobs`` (joblib's meaning).

    A negative ``n_jobs`` counts back from the number of usable cores (-1: all of them), as in
    joblib. Never more than there are tasks or usable cores: ``n_jobs=1024`` on two cores
    starts two processes, not 1,024 (the extra ones would only share the two cores).
    """
    from joblib import cpu_count

    cores = cpu_count()
    wanted = n_jobs if n_jobs > 0 else max(cores + 1 + n_jobs, 1)
    return max(1, min(wanted, tasks, cores))


def die_with_parent(parent_pid: int) -> None:
    """Worker initializer: be killed when the process that started the workers dies (Linux).

    Elsewhere (no ``prctl``) this does nothing, and the workers exit when loky notices.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os.kill(os.getpid(), signal.SIGKILL)


def die_with_launcher() -> None:
    """In a sweep job that Hydra's joblib launcher runs in a loky worker: die with the sweep.

    The launcher starts its workers itself, so they cannot be given an initializer; a job
    calls this first, and its own replication workers die with it in turn.
    """
    import multiprocessing

    if multiprocessing.current_process().name.startswith("LokyProcess"):
        die_with_parent(os.getppid())


@contextmanager
def dying_with_parent() -> Iterator[None]:
    """Inside the block, Parallel uses loky workers that die when this process dies."""
    from joblib import parallel_config

    with parallel_config(backend="loky", initializer=die_with_parent, initargs=(os.getpid(),)):
        yield

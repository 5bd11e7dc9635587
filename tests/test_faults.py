"""Faults and load: signals leave FAILED, workers die with their parent, finished replications
survive a killed worker, the run directory is checked writable, and seed set-up is linear."""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from leftshift.model.rng import replication_seeds, seed_for
from tests.helpers import start_cli

ROOT = Path(__file__).resolve().parents[1]


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


def _cli_process(tmp_path, *args):
    """Start the command line in ``tmp_path`` (its own session, output to files)."""
    return start_cli(
        tmp_path,
        *args,
        text=False,
        stdout=(tmp_path / "stdout.txt").open("w"),
        stderr=(tmp_path / "stderr.txt").open("w"),
        start_new_session=True,
    )


def _alive(pid: int) -> bool:
    """True for a running process (a zombie waiting to be reaped is not running)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _children(pid: int) -> set[int]:
    """Processes whose parent is ``pid`` (read from /proc)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def _workers(pid: int) -> set[int]:
    """The loky worker processes a command started."""
    workers = set()
    for child in _children(pid):
        try:
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
        except OSError:
            continue
        if b"popen_loky_posix" in cmdline:
            workers.add(child)
    return workers


def _wait_for(condition, timeout_s: float, what: str):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")


def _checkpoints(tmp_path) -> list[Path]:
    return [p for p in tmp_path.glob("outputs/*/.checkpoints/*") if (p / "done.json").is_file()]


#: twelve tasks of about 2 s each on two workers: the first is checkpointed (polled every
#: 0.1 s) with about ten seconds of the run still to go (5 years until 2026-12-06)
RUN = ("place=small", "run.replications=6", "run.n_jobs=2", "run.horizon_years=2")


@pytest.mark.e2e
def test_sigterm_mid_run_leaves_failed_no_partial_and_keeps_finished_replications(tmp_path):
    cli = _cli_process(tmp_path, *RUN)
    try:
        _wait_for(lambda: _checkpoints(tmp_path), 60, "a finished replication")
        workers = _workers(cli.pid)
        assert workers, "no workers running mid-run"
        cli.send_signal(signal.SIGTERM)
        assert cli.wait(timeout=20) == 128 + signal.SIGTERM
    finally:
        _kill_all({cli.pid, *_children(cli.pid)})
    stderr = (tmp_path / "stderr.txt").read_text()
    assert "terminated by SIGTERM" in stderr and "Traceback" not in stderr
    (run_dir,) = (tmp_path / "outputs").iterdir()
    assert "terminated by SIGTERM" in (run_dir / "FAILED").read_text()
    assert not (run_dir / ".results-partial").exists() and not (run_dir / "results").exists()
    # the workers went with the run, and the replications they finished are kept
    _wait_for(lambda: not any(_alive(w) for w in workers), 5, "the workers to exit")
    assert _checkpoints(tmp_path)


@pytest.mark.e2e
def test_killing_the_parent_leaves_no_live_workers(tmp_path):
    cli = _cli_process(tmp_path, *RUN)
    children: set[int] = set()
    try:
        _wait_for(lambda: len(_workers(cli.pid)) >= 2, 60, "two workers")
        children = _children(cli.pid)  # the workers and loky's resource tracker
        cli.send_signal(signal.SIGKILL)  # runs no Python code: only the kernel can tell them
        cli.wait(timeout=10)
        _wait_for(lambda: not any(_alive(p) for p in children), 5, "the workers to die")
    finally:
        _kill_all({cli.pid, *children})


def _kill_all(pids) -> None:
    """Tidy up after a failed test: kill what this test started and is still running."""
    for pid in pids:
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)


#: the replication whose worker kills itself, in the test below
KILLED_REPLICATION = 4


def _run_or_die(*task):
    """A worker's task that SIGKILLs its own process at the start of one replication.

    A safe point: the worker has taken its task and holds no lock and no half-written result.
    Killing a worker from outside at a random moment (as this test first did) could catch it
    mid-write to loky's shared result pipe; the parent then waited forever for the rest of the
    message (a 20-minute hang in CI, the killed worker a zombie).
    """
    from leftshift.analysis.experiment import _run_and_trim

    if task[2] == KILLED_REPLICATION:
        os.kill(os.getpid(), signal.SIGKILL)
    return _run_and_trim(*task)


@pytest.mark.integration
def test_a_killed_worker_keeps_the_others_finished_replications(tmp_path, monkeypatch):
    from joblib.externals.loky.process_executor import TerminatedWorkerError

    from leftshift.analysis import experiment
    from tests.helpers import small_config

    cfg = small_config(run={"horizon_years": 1, "warmup_months": 3, "replications": 8, "n_jobs": 2})
    with monkeypatch.context() as patch:
        # the workers import this module's function by name; the parent dispatches it
        patch.setattr(experiment, "_run_and_trim", _run_or_die)
        with pytest.raises(TerminatedWorkerError):
            experiment.run_experiment(cfg, checkpoint_dir=tmp_path)
    kept = len(list(tmp_path.glob("*/done.json")))
    # replication 4 is sent only once one of the first four has come back (joblib sends
    # 2 x n_jobs ahead), and it never finishes
    assert 1 <= kept < 8
    again = experiment.run_experiment(cfg, checkpoint_dir=tmp_path)
    assert again.replications_simulated == 8 - kept


@pytest.mark.e2e
def test_a_write_failure_is_a_message_and_exit_code_4_with_failed(tmp_path):
    script = (
        "import sys, leftshift.pipeline as p\n"
        "def full(*args): raise OSError(28, 'No space left on device')\n"
        "p.write_results = full\n"
        "from leftshift.cli import main\n"
        "sys.argv = ['leftshift', *sys.argv[1:]]\n"
        "main()\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    args = ("place=small", "run.replications=1", "run.horizon_years=1", "run.warmup_months=3")
    out = subprocess.run(
        [sys.executable, "-c", script, *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 4, out.stderr
    assert "leftshift: could not write results: [Errno 28] No space left on device" in out.stderr
    assert "Traceback" not in out.stderr
    (run_dir,) = (tmp_path / "outputs").iterdir()
    assert "No space left on device" in (run_dir / "FAILED").read_text()
    assert not (run_dir / ".results-partial").exists() and not (run_dir / "results").exists()


@pytest.mark.integration
def test_an_unwritable_run_directory_fails_before_simulating(tmp_path, monkeypatch):
    import leftshift.pipeline as pipeline
    from leftshift.report.rundir import RunDirectoryError
    from tests.helpers import small_config

    def never(*args, **kwargs):
        raise AssertionError("simulated before checking the run directory")

    monkeypatch.setattr(pipeline, "run_experiment", never)
    (tmp_path / "a_file").write_text("")
    with pytest.raises(RunDirectoryError, match="cannot write to the run directory"):
        pipeline.run_to_directory(small_config(), tmp_path / "a_file" / "run")


@pytest.mark.unit
def test_worker_count_is_capped_by_cores_and_tasks():
    from joblib import cpu_count

    from leftshift.analysis.workers import worker_count

    cores = cpu_count()
    assert worker_count(1024, 10_000) == cores  # not 1,024 processes
    assert worker_count(-1, 10_000) == cores
    assert worker_count(8, 1) == 1
    assert worker_count(-cores - 5, 100) == 1


@pytest.mark.unit
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_a_stop_signal_is_an_interrupt_naming_it_and_handlers_come_back(signum):
    """SIGHUP (a closed terminal) stops a run like SIGTERM (timeout, SLURM, docker), as a
    KeyboardInterrupt the run directory's clean-up sees; the e2e test above sends SIGTERM."""
    from leftshift.interrupts import Terminated, signals_interrupt

    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signal handlers can only be set in the main thread")
    before = signal.getsignal(signum)
    with pytest.raises(KeyboardInterrupt) as info, signals_interrupt():
        os.kill(os.getpid(), signum)
        time.sleep(5)  # the handler runs before this returns
    assert isinstance(info.value, Terminated)
    assert str(info.value) == f"terminated by {signal.Signals(signum).name}"
    assert info.value.exit_code == 128 + signum
    assert signal.getsignal(signum) == before


@pytest.mark.unit
def test_a_non_finite_stock_or_amount_is_an_invariant_error():
    import pandas as pd

    from leftshift.model.invariants import InvariantError
    from leftshift.model.ledger import check_ledger
    from leftshift.model.population import Population
    from leftshift.model.rng import Streams
    from tests.helpers import small_config

    streams = Streams(1)
    population = Population(small_config(), lambda month: streams.for_period("population", month))
    population.check_conservation()
    population.counts.flat[0] = np.nan
    with pytest.raises(InvariantError, match="not finite"):
        population.check_conservation()
    ledger = pd.DataFrame({"amount_gbp": [1.0, np.inf]})
    with pytest.raises(InvariantError, match="non-finite"):
        check_ledger(ledger)

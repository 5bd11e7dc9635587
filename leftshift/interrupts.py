"""Stop signals as exceptions: SIGTERM and SIGHUP end a run the way Ctrl-C (SIGINT) does.

``timeout``, SLURM, docker and a closed terminal stop a process with SIGTERM or SIGHUP, whose
default action kills Python at once: no ``finally`` runs, so a run directory was left without
its ``FAILED`` marker and with ``.results-partial/``. Inside :func:`signals_interrupt` they
raise :class:`Terminated` (a ``KeyboardInterrupt``), so the run directory's clean-up and the
workers' shutdown run exactly as for Ctrl-C.
"""

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

#: signals that stop a run and leave it marked FAILED (SIGINT already raises KeyboardInterrupt)
STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


class Terminated(KeyboardInterrupt):
    """The process was asked to stop by a signal; ``str()`` names it."""

    def __init__(self, signum: int):
        self.signum = signum
        super().__init__(f"terminated by {signal.Signals(signum).name}")

    @property
    def exit_code(self) -> int:
        """The shell's code for a process stopped by this signal (128 + its number)."""
        return 128 + self.signum


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    # A second stop signal (SLURM and some supervisors repeat them) must not cut short the
    # clean-up the first one started.
    for other in STOP_SIGNALS:
        signal.signal(other, signal.SIG_IGN)
    raise Terminated(signum)


@contextmanager
def signals_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM and SIGHUP raise :class:`Terminated`; handlers restored after.

    Outside the main thread (where Python cannot install handlers) this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {signum: signal.getsignal(signum) for signum in STOP_SIGNALS}
    for signum in STOP_SIGNALS:
        signal.signal(signum, _raise_terminated)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, signal.SIG_DFL if handler is None else handler)

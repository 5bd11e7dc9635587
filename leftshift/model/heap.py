"""Handing freed heap memory back to the system between the big steps of a run."""

import ctypes
import gc
import sys


def return_freed_memory(collect_cycles: bool = False) -> None:
    """Give the heap's free pages back to the system (glibc's ``malloc_trim``; else nothing).

    The event model's and a replication's objects are freed when they end, but glibc keeps
    the pages for reuse: an ICB replication left about 570 MiB held that way, on top of which
    the next arm built its own peak. Trimming after the event run and between replications
    keeps the peak of a two-arm ICB experiment down (``make bench``). It changes no number.

    ``collect_cycles`` first runs a full garbage collection: a finished place is a web of
    reference cycles (the SimPy environment holds the hospital's callbacks, the hospital holds
    the environment), so without it the last replication's records could live on, unfreed,
    through the next one.
    """
    if collect_cycles:
        gc.collect()
    if not sys.platform.startswith("linux"):
        return
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):  # not glibc (e.g. musl has no malloc_trim)
        return

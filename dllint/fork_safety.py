"""Whether this process may fork its checking processes.

A forked child has only the thread that forked; a lock another thread held
at that moment (the import lock, a logging handler's, the allocator's in a
C library) stays held in the child forever, so the child can deadlock.
Python 3.12 warns of it ("This process ... is multi-threaded, use of fork()
may lead to deadlocks"). The runner forks only from a process whose one
thread is the caller: dllint's command runs so; a program that calls the
runner from a thread of its own (an editor's server), or beside threads of
its own or of a C library, gets one process instead.
"""
from __future__ import annotations

import os
import threading
import time

# Python's `Thread.join` returns once the thread's Python state is gone; the
# system thread ends a moment later (the time budget's watchdogs, joined when
# a file ends, were still listed in /proc/self/task on a busy machine).
_EXITING_THREADS_GRACE = 0.2  # seconds


def other_threads_running() -> bool:
    if threading.active_count() > 1:
        return True
    deadline = time.monotonic() + _EXITING_THREADS_GRACE
    while _system_thread_count() > 1:
        # threads Python does not know of (started by C libraries) count too, as they do for Python's warning
        if time.monotonic() > deadline:
            return True
        time.sleep(0.005)
    return False


def _system_thread_count() -> int:
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return 1

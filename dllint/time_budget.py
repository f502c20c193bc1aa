"""The time one file may take: `per-file-timeout` seconds of CPU time per
1,000 lines (a shorter file counts as 1,000 lines).

A file that runs over is not lost silently and does not hold up the run:
the runner reports it as DL000, naming the rule that was running and the
budget, and goes on with the next file. CPU time, not wall time, so that a
busy machine does not turn slow neighbours into timeouts.

Where the operating system offers a CPU-time timer (`setitimer` with
`ITIMER_PROF`, on Unix, in the main thread, with no other `SIGPROF` handler
installed), the timer interrupts whatever runs, even one long call. Elsewhere
the runner checks the clock between nodes and rules (`check()`), which stops
every loop of the engine but not one long call inside a rule.
"""
from __future__ import annotations

import signal
import threading
import time
from typing import Optional


class FileTimeout(BaseException):
    """The file ran over its budget. A BaseException, so that no
    `except Exception` in a rule or the semantic model swallows it."""


_ARMED = [False]


def _expired(signum, frame) -> None:  # noqa: ARG001 - signal handler signature
    if _ARMED[0]:
        _ARMED[0] = False
        raise FileTimeout()


class TimeBudget:
    def __init__(self, seconds: float, per_thousand_lines: float = 0.0, lines: int = 0):
        self.seconds = seconds
        self.per_thousand_lines = per_thousand_lines
        self.lines = lines
        self._deadline: Optional[float] = None
        self._previous_handler = None
        self._uses_timer = False

    @classmethod
    def for_file(cls, per_thousand_lines: float, text: str) -> "TimeBudget":
        lines = text.count("\n") + 1
        return cls(per_thousand_lines * max(lines, 1000) / 1000, per_thousand_lines, lines)

    def describe(self) -> str:
        return (f"{self.seconds:g} s of CPU time for {self.lines:,} lines, "
                f"per-file-timeout = {self.per_thousand_lines:g} s per 1,000 lines")

    def __enter__(self) -> "TimeBudget":
        if self.seconds <= 0:
            return self
        self._deadline = time.process_time() + self.seconds
        if _can_use_timer():
            self._previous_handler = signal.signal(signal.SIGPROF, _expired)
            self._uses_timer = True
            _ARMED[0] = True
            signal.setitimer(signal.ITIMER_PROF, self.seconds)
        return self

    def __exit__(self, *exc_info) -> None:
        if self._uses_timer:
            _ARMED[0] = False
            signal.setitimer(signal.ITIMER_PROF, 0)
            signal.signal(signal.SIGPROF, self._previous_handler)
            self._uses_timer = False
        self._deadline = None

    def check(self) -> None:
        """Raise FileTimeout when the budget is spent (for where no timer runs)."""
        if self._deadline is not None and not self._uses_timer and time.process_time() > self._deadline:
            raise FileTimeout()


def _can_use_timer() -> bool:
    if not hasattr(signal, "setitimer") or not hasattr(signal, "SIGPROF"):
        return False
    if threading.current_thread() is not threading.main_thread():
        return False
    # someone else's profiler (a sampling profiler) owns SIGPROF: leave it be
    return signal.getsignal(signal.SIGPROF) in (signal.SIG_DFL, signal.SIG_IGN, None)

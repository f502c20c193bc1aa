"""The time one file may take: `per-file-timeout` seconds of CPU time per
1,000 lines (a shorter file counts as 1,000 lines).

A file that runs over is not lost silently and does not hold up the run:
the runner reports it as DL000, naming the rule that was running and the
budget, and goes on with the next file. CPU time, not wall time, so that a
busy machine does not turn slow neighbours into timeouts.

How the file is interrupted, best first:

1. Where the operating system offers a CPU-time timer (`setitimer` with
   `ITIMER_PROF`, on Unix, in the main thread, with no other `SIGPROF`
   handler installed), the timer's signal raises `FileTimeout` wherever the
   file's work is.
2. Elsewhere (Windows; a thread other than the main one, as in an editor's
   language server; a profiler owning `SIGPROF`) a watchdog thread reads the
   working thread's CPU clock (the whole process's where a thread's own
   clock cannot be read from another thread, as on Windows) and, when the
   budget is spent, raises `FileTimeout` in the working thread through
   CPython's `PyThreadState_SetAsyncExc`. Like the signal, it lands between
   two bytecodes: neither stops one long call into C (a regular expression
   that backtracks for minutes).
3. Where neither exists (a Python without `ctypes.pythonapi`), the runner
   checks the clock between nodes and rules (`check()`), which stops every
   loop of the engine but not one long call inside a rule.

An interruption can be lost: Python cannot raise an exception in a
finalizer, a weakref callback or a garbage collector's callback, and prints
"Exception ignored" and goes on instead. So the timer and the watchdog
interrupt again every `_AGAIN_EVERY` seconds of CPU time until the budget is
put away, a swallowed one is not printed, and a file that finished past its
deadline all the same still counts as over its budget. An interruption is
never raised in this module's own code, so that none escapes
`TimeBudget.run` once the work has returned.
"""
from __future__ import annotations

import signal
import sys
import threading
import time
from typing import Callable, Optional


class FileTimeout(BaseException):
    """The file ran over its budget. A BaseException, so that no
    `except Exception` in a rule or the semantic model swallows it."""


# After the first interruption, how often (in seconds of CPU time) it comes
# again until the budget is put away: Python cannot raise it in a finalizer,
# a weakref callback (`WeakKeyDictionary`'s clean-up) or a garbage-collector
# callback, where it is printed as "Exception ignored" and dropped.
_AGAIN_EVERY = 0.1

# The budget whose timer signal is armed (the timer is the main thread's: one at a time).
_TIMED: list = [None]


def _expired(signum, frame) -> None:  # noqa: ARG001 - signal handler signature
    budget = _TIMED[0]
    if budget is None:
        return
    budget.ran_over = True
    if not _in_bookkeeping(frame):
        raise FileTimeout()


def _in_bookkeeping(frame) -> bool:
    """Whether `frame` runs this module's own code (starting or putting away
    a budget, or the work's return into `TimeBudget.run`). An interruption
    is never raised there: it could escape `run` into the runner, which has
    no budget left to catch it. The expiry is recorded all the same."""
    return frame is not None and frame.f_code.co_filename == _OWN_FILE


_OWN_FILE = _in_bookkeeping.__code__.co_filename


class TimeBudget:
    def __init__(self, seconds: float, per_thousand_lines: float = 0.0, lines: int = 0):
        self.seconds = seconds
        self.per_thousand_lines = per_thousand_lines
        self.lines = lines
        # set once the budget is spent, whether or not an interruption got through
        self.ran_over = False
        # the work ran to its end (`run`): over budget, it finished late rather than being cut short
        self.finished = False
        # lines of other modules the check parsed, whose budget was added (`extend_for`)
        self.lines_pulled_in = 0
        self._deadline: Optional[float] = None
        self._clock: Callable[[], float] = time.process_time
        self._previous_handler = None
        self._previous_unraisable_hook = None
        self._uses_timer = False
        self._watchdog: Optional[_Watchdog] = None

    @classmethod
    def for_file(cls, per_thousand_lines: float, text: str) -> "TimeBudget":
        lines = text.count("\n") + 1
        return cls(per_thousand_lines * max(lines, 1000) / 1000, per_thousand_lines, lines)

    def describe(self) -> str:
        pulled = f" and {self.lines_pulled_in:,} of other modules its check parsed" if self.lines_pulled_in else ""
        return (f"{self.seconds:g} s of CPU time for {self.lines:,} lines{pulled}, "
                f"per-file-timeout = {self.per_thousand_lines:g} s per 1,000 lines")

    def extend_for(self, lines: int) -> None:
        """Give the file the budget of `lines` more: another module its check
        had to parse and model (a neighbour whose tree was not kept, or was
        forgotten at a fresh start). Without this, a short file paid for its
        neighbourhood, and whether it ran over depended on what the process
        had parsed before (4 small files over 10 s in a site-packages soak,
        each 0.1-0.2 s alone). Nothing to extend once the budget is spent."""
        if self._deadline is None or self.ran_over or self.per_thousand_lines <= 0 or lines <= 0:
            return
        extra = self.per_thousand_lines * lines / 1000
        self.seconds += extra
        self.lines_pulled_in += lines
        self._deadline += extra
        if self._uses_timer:
            remaining, _ = signal.getitimer(signal.ITIMER_PROF)
            if remaining > 0:
                signal.setitimer(signal.ITIMER_PROF, remaining + extra, _AGAIN_EVERY)
        elif self._watchdog is not None:
            self._watchdog.extend(extra)

    @property
    def interrupts(self) -> str:
        """How a file over its budget is stopped: "timer", "watchdog" or "checks" (see the module's text)."""
        return "timer" if self._uses_timer else "watchdog" if self._watchdog is not None else "checks"

    def run(self, work: Callable[[], None]) -> bool:
        """Call `work()` within the budget. True when it ran over: it was cut
        short by FileTimeout, or every interruption was swallowed and it
        finished past its deadline. No FileTimeout leaves this method."""
        self.finished = False
        try:
            try:
                self._start()
                work()
                self.finished = True
            finally:
                self._stop()
        except FileTimeout:
            # The work was cut short. Or, from a watchdog, an interruption sent
            # just before it was told to stop arrived inside `_stop` and left
            # it half done: no other can follow (see `_Watchdog`).
            self._stop()
            self.ran_over = True
        return self.ran_over

    def _start(self) -> None:
        if self.seconds <= 0:
            return
        self._previous_unraisable_hook = sys.unraisablehook
        sys.unraisablehook = self._report_unraisable
        if _can_use_timer():
            self._clock = time.process_time
            self._deadline = self._clock() + self.seconds
            self._previous_handler = signal.signal(signal.SIGPROF, _expired)
            self._uses_timer = True
            _TIMED[0] = self
            signal.setitimer(signal.ITIMER_PROF, self.seconds, _AGAIN_EVERY)
        else:
            self._clock = _this_threads_cpu_clock()
            self._deadline = self._clock() + self.seconds
            if _can_raise_in_threads():
                self._watchdog = _Watchdog(self._clock, self._deadline)

    def _stop(self) -> None:
        """Put the budget away. Safe to call again when an interruption left it half done."""
        if self._uses_timer:
            signal.setitimer(signal.ITIMER_PROF, 0)
            # a signal still pending is handled (in this frame: not raised) before the handler goes
            signal.signal(signal.SIGPROF, self._previous_handler)
            _TIMED[0] = None
            self._uses_timer = False
        if self._watchdog is not None:
            self._watchdog.stop()
            self.ran_over = self.ran_over or self._watchdog.ran_over
            self._watchdog = None
        # another thread's budget may have put its own hook above this one: that one restores this one
        if sys.unraisablehook == self._report_unraisable:
            sys.unraisablehook = self._previous_unraisable_hook
        self._deadline = None

    def _report_unraisable(self, unraisable) -> None:
        """A swallowed interruption is expected (it comes again): not printed as if it were a bug."""
        if not isinstance(unraisable.exc_value, FileTimeout):
            self._previous_unraisable_hook(unraisable)

    def check(self) -> None:
        """Raise FileTimeout when the budget is spent (for where no timer runs)."""
        if self._deadline is not None and not self._uses_timer and self._clock() > self._deadline:
            self.ran_over = True
            raise FileTimeout()


def _can_use_timer() -> bool:
    if not hasattr(signal, "setitimer") or not hasattr(signal, "SIGPROF"):
        return False
    if threading.current_thread() is not threading.main_thread():
        return False
    # someone else's profiler (a sampling profiler) owns SIGPROF: leave it be
    return signal.getsignal(signal.SIGPROF) in (signal.SIG_DFL, signal.SIG_IGN, None)


def _this_threads_cpu_clock() -> Callable[[], float]:
    """A clock of the calling thread's CPU time that other threads can read,
    else the process's CPU time (Windows)."""
    try:
        clock_id = time.pthread_getcpuclockid(threading.get_ident())
        time.clock_gettime(clock_id)
    except (AttributeError, OSError):
        return time.process_time
    return lambda: time.clock_gettime(clock_id)


def _raise_in(thread_id: int, exception: Optional[type]) -> bool:
    """Make `exception` raise in the thread at its next bytecode (None:
    withdraw one not raised yet). False where CPython's API is not there."""
    try:
        import ctypes

        set_async_exc = ctypes.pythonapi.PyThreadState_SetAsyncExc
    except (ImportError, AttributeError):
        return False
    argument = ctypes.py_object(exception) if exception is not None else None
    return set_async_exc(ctypes.c_ulong(thread_id), argument) == 1


def _can_raise_in_threads() -> bool:
    if _CAN_RAISE[0] is None:
        try:
            import ctypes

            _CAN_RAISE[0] = hasattr(ctypes, "pythonapi") and hasattr(ctypes.pythonapi, "PyThreadState_SetAsyncExc")
        except ImportError:
            _CAN_RAISE[0] = False
    return bool(_CAN_RAISE[0])


_CAN_RAISE: list = [None]


class _Watchdog:
    """A thread that raises FileTimeout in the working thread once its CPU
    clock passes the deadline, and again every `_AGAIN_EVERY` seconds of its
    CPU time, until `stop()`.

    It never sends one while the working thread runs this module's own code
    (`_in_bookkeeping`), and sends under a lock that `stop()` takes: once the
    work has returned into `TimeBudget.run`, at most one interruption sent
    just before is still on its way, and `stop()` withdraws it or `run`
    catches it."""

    def __init__(self, clock: Callable[[], float], deadline: float):
        self._target = threading.get_ident()
        self._clock = clock
        self._deadline = deadline
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._sent = False
        self.ran_over = False
        self._thread = threading.Thread(target=self._watch, name="dllint-time-budget", daemon=True)
        self._thread.start()

    def extend(self, seconds: float) -> None:
        """Move the deadline, unless it has passed already."""
        with self._lock:
            if not self.ran_over:
                self._deadline += seconds

    def _watch(self) -> None:
        while True:
            with self._lock:
                # the deadline until the first interruption, then every `_AGAIN_EVERY`
                deadline = self._deadline
            remaining = deadline - self._clock()
            if remaining > 0:
                # CPU time runs no faster than wall time: waiting `remaining`
                # seconds never oversleeps the deadline.
                if self._done.wait(remaining):
                    return
                continue
            with self._lock:
                if self._done.is_set():
                    return
                self.ran_over = True
                if not _in_bookkeeping(sys._current_frames().get(self._target)):
                    self._sent = _raise_in(self._target, FileTimeout) or self._sent
                self._deadline = self._clock() + _AGAIN_EVERY

    def stop(self) -> None:
        """Called in the working thread. A FileTimeout sent but not raised
        yet is withdrawn; one that arrives while this runs reaches
        `TimeBudget.run`, which stops the watchdog again."""
        with self._lock:
            self._done.set()
            if self._sent:
                _raise_in(self._target, None)
        # woken by the event, the thread ends at once (outside the lock, which it may be waiting for):
        # none is left behind, so that the runner may still fork (see fork_safety)
        self._thread.join()

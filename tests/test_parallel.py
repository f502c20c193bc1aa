"""The second pass over several processes gives exactly what one process gives."""
import gc
import multiprocessing
import time

import pytest

from dllint.runner import Input, Runner, _Lanes
from dllint.settings import Settings
from tests.conftest import BUGGY, CLEAN, MODELS, PREDICT

pytestmark = pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="parallel checking forks; this platform cannot"
)



def inputs():
    files = [Input(f"m{index:02d}/train.py", text=BUGGY if index % 3 else CLEAN) for index in range(40)]
    # a finding that needs the project index: the model class is in another file
    files += [Input("models.py", text=MODELS), Input("predict.py", text=PREDICT), Input("broken.py", text="def f(:\n")]
    return files


def test_parallel_run_matches_serial_run(tmp_path):
    serial = Runner(Settings(root=tmp_path), jobs=1).run(inputs())
    parallel_runner = Runner(Settings(root=tmp_path), jobs=2)
    assert parallel_runner._parallel_jobs(42) == 2
    parallel = parallel_runner.run(inputs())
    assert parallel.diagnostics == serial.diagnostics
    codes = {d.code for d in serial.diagnostics}
    assert {"DL001", "DL103", "DL101"} <= codes
    assert ("predict.py", "DL101") in {(d.path, d.code) for d in serial.diagnostics}


def test_each_process_checks_a_contiguous_lane_then_takes_from_the_end_of_the_fullest():
    # files are in path order, so a lane's files share their neighbourhood's models
    lanes = _Lanes(10, 2, multiprocessing.get_context("fork"))
    first, second = lanes.claim(), lanes.claim()
    assert [lanes.take(first) for _ in range(4)] == [0, 1, 2, 3]
    assert lanes.take(second) == 5
    assert lanes.take(first) == 4  # the last of its own lane
    assert lanes.take(first) == 9  # then from the end of the other lane
    assert [lanes.take(second) for _ in range(3)] == [6, 7, 8]


def test_a_process_beyond_the_lanes_takes_from_the_end_of_the_fullest():
    lanes = _Lanes(10, 2, multiprocessing.get_context("fork"))
    first, _, late = lanes.claim(), lanes.claim(), lanes.claim()
    assert [lanes.take(first) for _ in range(2)] == [0, 1]
    assert [lanes.take(late) for _ in range(2)] == [9, 8]  # the second lane has most left
    assert lanes.take(late) == 4  # now the first has as many left


def test_a_run_leaves_the_collector_as_it_found_it(tmp_path):
    # the second pass raises the thresholds for itself only (dllint is also a library: the flake8 plugin)
    before = gc.get_threshold()
    for jobs in (1, 2):
        Runner(Settings(root=tmp_path), jobs=jobs).run(inputs())
        assert gc.get_threshold() == before


def test_small_runs_stay_in_one_process(tmp_path):
    assert Runner(Settings(root=tmp_path), jobs=8)._parallel_jobs(20) == 1


def test_a_runner_called_from_a_thread_checks_in_one_process_and_never_forks(tmp_path, monkeypatch):
    # forking beside another thread can leave the child waiting on a lock that thread held
    # (Python 3.12 warns "This process ... is multi-threaded, use of fork() may lead to deadlocks")
    import os
    import threading

    serial = Runner(Settings(root=tmp_path), jobs=1).run(inputs())
    forks = []

    def fork():
        forks.append(threading.current_thread().name)
        raise AssertionError("forked beside another thread")

    monkeypatch.setattr(os, "fork", fork)
    outcome = []
    worker = threading.Thread(target=lambda: outcome.append(Runner(Settings(root=tmp_path), jobs=2).run(inputs())))
    worker.start()
    worker.join(timeout=300)
    assert not forks
    assert outcome and outcome[0].diagnostics == serial.diagnostics


def test_the_time_budget_leaves_no_thread_behind_to_fork_beside(monkeypatch):
    # a profiler owning SIGPROF: the budget of each file is kept by a watchdog thread,
    # and each is gone by the time the runner decides whether to fork
    import threading

    from dllint import time_budget

    import os

    def threads():
        # Python's count and the system's (which Python 3.12's warning reads)
        system = len(os.listdir("/proc/self/task")) if os.path.isdir("/proc/self/task") else 0
        return threading.active_count(), system

    monkeypatch.setattr(time_budget, "_can_use_timer", lambda: False)
    before = threads()
    seen = []
    for _ in range(20):
        budget = time_budget.TimeBudget(5.0)
        budget.run(lambda: seen.append(budget.interrupts))
    assert seen == ["watchdog"] * 20
    # Python's join returns once the thread's Python state is gone; the system
    # thread ends a moment later (on a busy machine, after this line has run)
    # (and a thread an earlier test joined may still be counted in `before`)
    def no_more_than_before():
        now = threads()
        return now[0] <= before[0] and now[1] <= before[1]

    deadline = time.monotonic() + 30
    while not no_more_than_before() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert no_more_than_before()


def test_a_system_thread_that_is_still_exiting_does_not_stop_the_fork(monkeypatch):
    # join() has returned, but the system still lists the thread for a moment
    from dllint import fork_safety

    counts = iter([2, 2, 1])
    monkeypatch.setattr(fork_safety, "_system_thread_count", lambda: next(counts, 1))
    assert not fork_safety.other_threads_running()


def test_a_thread_python_does_not_know_of_stops_the_fork(monkeypatch):
    # a C library's thread that stays: fork would copy a process in the middle of its work
    from dllint import fork_safety

    monkeypatch.setattr(fork_safety, "_system_thread_count", lambda: 2)
    monkeypatch.setattr(fork_safety, "_EXITING_THREADS_GRACE", 0.02)
    assert fork_safety.other_threads_running()

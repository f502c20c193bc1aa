"""The time budget holds even when its first interruption is swallowed.

The budget interrupts a file by raising `FileTimeout` from a signal handler
(or, without one, from a watchdog thread). Python delivers that exception
wherever the file's work happens to be, and in a finalizer (`__del__`), a
weakref callback (`WeakKeyDictionary`'s clean-up) or a garbage-collector
callback CPython cannot raise it: it prints "Exception ignored in ..." and
goes on. The file must not then run on without a limit.

The tests make the first interruption land in a finalizer without timing
anything: the finalizer spins until the interruption arrives, records that
it came, and lets it go on to be swallowed.
"""
from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from dllint import time_budget
from dllint.rule import Rule
from dllint.runner import Input, Runner
from dllint.settings import Settings
from tests.conftest import HELPER_MODULE_PROJECT

REPOSITORY = Path(__file__).resolve().parent.parent

# Where each interruption landed, in order ("finalizer" for one a finalizer swallowed).
LANDED = []


class SpinsInItsFinalizer:
    def __del__(self):
        try:
            while True:
                pass
        except time_budget.FileTimeout:
            LANDED.append("finalizer")
            raise  # a finalizer cannot raise: CPython reports it as unraisable and goes on


class SwallowedThenSpins(Rule):
    """## What it does\nLoses its first interruption in a finalizer, then never finishes."""

    code = "DL103"  # borrows a real code so selection lets it run
    name = "swallowed-then-spins"

    def finish(self):
        if "slow" in self.source.text:
            SpinsInItsFinalizer()  # dropped at once: its finalizer runs here
            try:
                while True:
                    pass
            except time_budget.FileTimeout:
                LANDED.append("rule")
                raise
        super().finish()


class SwallowedThenReturns(Rule):
    """## What it does\nLoses its first interruption in a finalizer, then finishes at once."""

    code = "DL103"
    name = "swallowed-then-returns"

    def finish(self):
        if "slow" in self.source.text:
            SpinsInItsFinalizer()
        super().finish()


SLOW_RUN = [Input(display_path="a_slow.py", text="import torch\n# slow\n"),
            Input(display_path="b_fine.py", text="import torch\n")]


def _timed_out_files(result):
    return [(diagnostic.path, diagnostic.code, diagnostic.message.split(" (")[0]) for diagnostic in result.diagnostics]


TIMED_OUT = [("a_slow.py", "DL000", "rule DL103 exceeded this file's time budget")]


def _run_in_a_subprocess(body: str):
    """`body` in a fresh interpreter, so that a budget that no longer holds is a timeout, not a hang."""
    script = textwrap.dedent("""
        from dllint.runner import Runner
        from dllint.settings import Settings
        from tests.test_time_budget import LANDED, SLOW_RUN, SwallowedThenSpins, _timed_out_files
    """) + textwrap.dedent(body)
    return subprocess.run([sys.executable, "-c", script], cwd=REPOSITORY, capture_output=True, timeout=120, text=True)


def test_a_timer_interruption_swallowed_by_a_finalizer_comes_again_and_the_file_is_dl000():
    done = _run_in_a_subprocess("""
        result = Runner(Settings(per_file_timeout=0.3), rules=[SwallowedThenSpins], jobs=1).run(SLOW_RUN)
        print(LANDED, _timed_out_files(result), result.files_checked)
    """)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"['finalizer', 'rule'] {TIMED_OUT} 2\n"
    assert "Exception ignored" not in done.stderr  # the swallowed one is not printed as if it were a bug


def test_a_watchdog_interruption_swallowed_by_a_finalizer_comes_again_and_the_file_is_dl000():
    # a thread other than the main one has no timer signal: the watchdog interrupts it
    done = _run_in_a_subprocess("""
        import threading
        outcome = []
        worker = threading.Thread(target=lambda: outcome.append(
            Runner(Settings(per_file_timeout=0.3), rules=[SwallowedThenSpins], jobs=1).run(SLOW_RUN)))
        worker.start()
        worker.join()
        print(LANDED, _timed_out_files(outcome[0]), outcome[0].files_checked)
    """)
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"['finalizer', 'rule'] {TIMED_OUT} 2\n"
    assert "Exception ignored" not in done.stderr


def test_a_file_whose_only_interruption_was_swallowed_is_still_dl000_and_says_it_finished_late():
    # the work ends before the interruption comes again: it ran over all the same, but nothing was skipped
    LANDED.clear()
    result = Runner(Settings(per_file_timeout=0.3), rules=[SwallowedThenReturns], jobs=1).run(SLOW_RUN)
    assert LANDED[0] == "finalizer"
    assert _timed_out_files(result) == [("a_slow.py", "DL000", "the checks of this file finished late, past its time budget")]
    assert "their findings are reported" in result.diagnostics[0].message
    assert result.files_checked == 2


def _spin(seconds: float) -> None:
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass


def test_a_timer_that_fires_as_the_work_ends_never_raises_after_it():
    # Budgets that run out at about the moment the work ends, and keep firing
    # until the budget is put away: whatever the race's outcome, the work is
    # either cut short or finishes, and no FileTimeout escapes `run`.
    outcomes = {True: 0, False: 0}
    for attempt in range(100):
        budget = time_budget.TimeBudget(0.005 + attempt * 0.0001)

        def work():
            assert budget.interrupts == "timer"
            _spin(0.01)

        ran_over = budget.run(work)
        outcomes[ran_over] += 1
        _spin(0.002)  # a FileTimeout arriving here would fail the test
    assert outcomes[True] + outcomes[False] == 100


@pytest.mark.parametrize("interrupts", ["timer", "watchdog"])
def test_the_budget_grows_by_the_share_of_the_modules_the_check_parses(monkeypatch, interrupts):
    # 0.2 s for this file, +2 s for a 2,000-line neighbour parsed on the way:
    # 0.5 s of work is within the budget
    if interrupts == "watchdog":
        monkeypatch.setattr(time_budget, "_can_use_timer", lambda: False)
    budget = time_budget.TimeBudget(0.2, per_thousand_lines=1.0, lines=200)

    def work():
        assert budget.interrupts == interrupts
        budget.extend_for(2000)
        _spin(0.5)

    assert not budget.run(work)
    assert budget.seconds == pytest.approx(2.2) and "2,000 of other modules" in budget.describe()


def test_a_neighbour_parsed_during_a_check_is_added_to_that_files_budget(tmp_path, monkeypatch):
    # loops.py imports no ML framework, so its tree is not kept for the run;
    # with a fresh start before every file, train.py's check parses it again
    import dllint.runner as runner_module

    files = HELPER_MODULE_PROJECT
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    for constant in ("_PARSED_TEXT_BUDGET", "_KEPT_TREES_BUDGET", "_KEPT_ACROSS_FRESH_STARTS"):
        monkeypatch.setattr(runner_module, constant, 0)
    extended = []
    original = time_budget.TimeBudget.extend_for
    monkeypatch.setattr(time_budget.TimeBudget, "extend_for", lambda self, lines: extended.append(lines) or original(self, lines))
    inputs = [Input(str(tmp_path / name), path=tmp_path / name) for name in sorted(files)]
    found = Runner(Settings()).run(inputs).diagnostics
    assert [d.code for d in found] == ["DL601"]  # (the helper never clears the gradients: the check did read it)
    assert extended == [6]  # loops.py's lines, once, for train.py (its own check pays for itself)

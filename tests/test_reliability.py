"""Strange paths, strange files and broken configuration never hang the run,
never kill it, and each gets a diagnostic of its own (issue 15)."""
from __future__ import annotations

import json
import os
import signal
import socket
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
from tests.conftest import BUGGY, invoke, refuse_to_open

REPOSITORY = Path(__file__).resolve().parent.parent
posix_only = pytest.mark.skipif(os.name != "posix", reason="fifos, devices and symbolic links")


def lint(*args, cwd, timeout=60):
    """dllint as a user runs it, in its own process, so that a hang is a failure."""
    return subprocess.run(
        [sys.executable, "-c", "from dllint.cli import main; main()", *args],
        cwd=cwd, capture_output=True, timeout=timeout,
    )


@posix_only
def test_a_symlink_loop_and_a_dangling_link_are_dl002_and_the_others_are_linted(project):
    project("train.py", BUGGY)
    os.symlink("loop_b.py", project.root / "loop_a.py")
    os.symlink("loop_a.py", project.root / "loop_b.py")
    os.symlink("nowhere.py", project.root / "dangling.py")
    result = invoke("--isolated", "loop_a.py", "dangling.py", "train.py")
    assert result.stdout.splitlines() == [
        "dangling.py:1:1: DL002 cannot read file: broken symbolic link",
        "loop_a.py:1:1: DL002 cannot read file: symbolic link loop",
        "train.py:7:5: DL103 [*] `loss.backward` is not called, so this statement does nothing; write `loss.backward()` "
        "to compute the gradients",
    ]
    assert result.exit_code == 1


@posix_only
def test_fifos_devices_and_sockets_are_not_regular_files_and_never_block(project):
    project("train.py", BUGGY)
    os.mkfifo(project.root / "pipe.py")
    os.symlink("/dev/zero", project.root / "zero.py")
    os.symlink("/dev/urandom", project.root / "random.py")
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(project.root / "sock.py"))
        done = lint("--isolated", "pipe.py", "zero.py", "random.py", "sock.py", "train.py", ".", cwd=project.root)
    finally:
        server.close()
    out = done.stdout.decode()
    assert "pipe.py:1:1: DL002 cannot read file: not a regular file (a named pipe)" in out
    assert "zero.py:1:1: DL002 cannot read file: not a regular file (a character device)" in out
    assert "random.py:1:1: DL002 cannot read file: not a regular file (a character device)" in out
    assert "sock.py:1:1: DL002 cannot read file: not a regular file (a socket)" in out
    assert "train.py:7:5: DL103" in out
    assert done.returncode == 1, done.stderr


@posix_only
def test_what_a_walk_meets_that_is_not_a_regular_file_is_dl002_for_that_path_and_never_blocks(project):
    # As ruff and flake8 give E902: a dangling `train.py` is most often a file someone meant to lint.
    project("src/train.py", BUGGY)
    project("src/notes.txt", "")
    os.symlink("nowhere.py", project.root / "src" / "dangling.py")
    os.symlink("nowhere", project.root / "src" / "dangling_folder")  # no linted name: nothing to say
    os.symlink("loop_b.py", project.root / "src" / "loop_a.py")
    os.symlink("loop_a.py", project.root / "src" / "loop_b.py")
    os.mkfifo(project.root / "src" / "pipe.py")
    os.mkfifo(project.root / "src" / "pipe.txt")
    os.symlink("/dev/zero", project.root / "src" / "zero.ipynb")
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(project.root / "src" / "sock.py"))
        done = lint("--isolated", "src", cwd=project.root)
    finally:
        server.close()
    assert done.stdout.decode().splitlines() == [
        "src/dangling.py:1:1: DL002 cannot read file: broken symbolic link",
        "src/loop_a.py:1:1: DL002 cannot read file: symbolic link loop",
        "src/loop_b.py:1:1: DL002 cannot read file: symbolic link loop",
        "src/pipe.py:1:1: DL002 cannot read file: not a regular file (a named pipe)",
        "src/sock.py:1:1: DL002 cannot read file: not a regular file (a socket)",
        "src/train.py:7:5: DL103 [*] `loss.backward` is not called, so this statement does nothing; write "
        "`loss.backward()` to compute the gradients",
        "src/zero.ipynb:1:1: DL002 cannot read file: not a regular file (a character device)",
    ]
    assert done.returncode == 1, done.stderr


def test_a_file_that_vanishes_before_it_is_read_is_dl002(project, monkeypatch):
    project("train.py", BUGGY)
    gone = project("gone.py", BUGGY)
    import dllint.discovery

    found = dllint.discovery.discover

    def discover_then_delete(paths, settings):
        result = found(paths, settings)
        gone.unlink()
        return result

    monkeypatch.setattr("dllint.discovery.discover", discover_then_delete)
    out = invoke("--isolated", ".").stdout
    assert "gone.py:1:1: DL002 cannot read file: no such file or directory (it vanished)" in out
    assert "train.py:7:5: DL103" in out


def test_an_unreadable_named_file_is_dl002_not_a_usage_error(project, monkeypatch):
    project("secret.py", BUGGY)
    project("train.py", BUGGY)
    monkeypatch.setattr(os, "access", lambda *args, **kwargs: False)  # what click's readable check asks
    refuse_to_open(monkeypatch, "secret.py")
    result = invoke("--isolated", "secret.py", "train.py")
    assert result.stdout.splitlines()[0] == "secret.py:1:1: DL002 cannot read file: Permission denied"
    assert "train.py:7:5: DL103" in result.stdout
    assert result.exit_code == 1


def test_a_file_above_max_file_size_is_dl002_too_large_unless_configured(project):
    project("train.py", BUGGY + "#" * 2_000_000 + "\n")
    out = invoke("--isolated", "train.py").stdout
    assert out == "train.py:1:1: DL002 cannot read file: too large (2.0 MB; the limit is max-file-size = 16 MB, 0 for none)\n" \
        or "DL103" in out  # under the default limit: linted
    project("pyproject.toml", "[tool.dllint]\nmax-file-size = 1\n")
    out = invoke("train.py").stdout
    assert out.startswith("train.py:1:1: DL002 cannot read file: too large (2.0 MB; the limit is max-file-size = 1 MB")
    project("pyproject.toml", "[tool.dllint]\nmax-file-size = 0\n")
    assert "DL103" in invoke("train.py").stdout


@posix_only
@pytest.mark.parametrize("output_format", ["text", "json", "json-lines", "sarif", "github", "pylint", "concise"])
def test_a_file_name_that_is_not_utf8_is_escaped_in_every_format(tmp_path, output_format):
    from dllint.reporting import FORMATTERS

    if output_format not in FORMATTERS:
        pytest.skip(f"no {output_format} format")
    name = os.fsdecode(b"bad\xff.py")
    (tmp_path / name).write_text(BUGGY)
    done = lint("--isolated", "--format", output_format, "-o", "out.txt", name, cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    written = (tmp_path / "out.txt").read_bytes()
    written.decode("utf-8")  # valid UTF-8, no raw 0xFF byte
    assert b"\xff" not in written and b"bad" in written
    if output_format == "json":
        assert json.loads(written)[0]["filename"] == "bad\\xff.py"
    stdout = lint("--isolated", "--format", output_format, name, cwd=tmp_path)
    assert stdout.returncode == 1 and b"\xff" not in stdout.stdout


# -- the per-file time budget ------------------------------------------------------


class Sleeper(Rule):
    """## What it does\nNever finishes: a deliberately slow rule."""

    code = "DL103"  # borrows a real code so selection lets it run
    name = "sleeper"

    def finish(self):
        if "slow" in self.source.text:
            while True:
                pass
        super().finish()


def test_a_file_over_its_time_budget_is_dl000_naming_the_rule_and_the_budget_and_the_run_goes_on():
    settings = Settings(per_file_timeout=0.3)
    result = Runner(settings, rules=[Sleeper], jobs=1).run([
        Input(display_path="a_slow.py", text="import torch\n# slow\n"),
        Input(display_path="b_fine.py", text="import torch\n"),
    ])
    [diagnostic] = result.diagnostics
    assert diagnostic.path == "a_slow.py" and diagnostic.code == "DL000"
    assert diagnostic.message.startswith("rule DL103 exceeded this file's time budget (0.3 s of CPU time for 3 lines, "
                                         "per-file-timeout = 0.3 s per 1,000 lines)")
    assert result.files_checked == 2


# Where no CPU timer signal can be had (Windows, a thread other than the main one, a
# profiler owning SIGPROF), the budget must still hold: a watchdog thread raises in the
# working thread; failing that, the clock is checked between nodes and rules.

SLOW_RUN = [Input(display_path="a_slow.py", text="import torch\n# slow\n"), Input(display_path="b_fine.py", text="import torch\n")]


def _assert_slow_file_timed_out(result):
    [diagnostic] = result.diagnostics
    assert diagnostic.path == "a_slow.py" and diagnostic.code == "DL000"
    assert diagnostic.message.startswith("rule DL103 exceeded this file's time budget (0.3 s of CPU time")
    assert result.files_checked == 2


def _run_in_a_thread(run):
    """`run()` in a thread other than the main one; its result, or a failure if it never returns."""
    import threading

    outcome = []
    worker = threading.Thread(target=lambda: outcome.append(run()), daemon=True)
    worker.start()
    worker.join(timeout=120)
    assert not worker.is_alive(), "the time budget did not stop the rule"
    return outcome[0]


def test_in_a_thread_other_than_the_main_one_a_watchdog_stops_a_rule_that_never_returns():
    result = _run_in_a_thread(lambda: Runner(Settings(per_file_timeout=0.3), rules=[Sleeper], jobs=1).run(SLOW_RUN))
    _assert_slow_file_timed_out(result)


def test_where_there_is_no_cpu_timer_a_watchdog_stops_a_rule_that_never_returns():
    # Windows: no signal.setitimer. In a subprocess, so that a failure is a timeout, not a hang.
    script = textwrap.dedent("""
        import signal
        del signal.setitimer
        from dllint.runner import Runner
        from dllint.settings import Settings
        from dllint import time_budget
        from tests.test_reliability import SLOW_RUN, Sleeper
        budget = time_budget.TimeBudget(1.0)
        budget.run(lambda: print(budget.interrupts))
        result = Runner(Settings(per_file_timeout=0.3), rules=[Sleeper], jobs=1).run(SLOW_RUN)
        print([(d.path, d.code, d.message[:40]) for d in result.diagnostics], result.files_checked)
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=REPOSITORY, capture_output=True, timeout=120, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "watchdog\n[('a_slow.py', 'DL000', \"rule DL103 exceeded this file's time bud\")] 2\n"


def test_a_sampling_profiler_keeps_its_sigprof_handler_and_the_budget_still_holds():
    if not hasattr(signal, "setitimer"):
        pytest.skip("no SIGPROF")
    profiler = lambda signum, frame: None  # noqa: E731
    previous = signal.signal(signal.SIGPROF, profiler)
    try:
        _assert_slow_file_timed_out(Runner(Settings(per_file_timeout=0.3), rules=[Sleeper], jobs=1).run(SLOW_RUN))
        assert signal.getsignal(signal.SIGPROF) is profiler
    finally:
        signal.signal(signal.SIGPROF, previous)


class SlowVisitor(Rule):
    """## What it does\nSpends 0.5 s of CPU time on the module node, then finishes."""

    code = "DL103"
    name = "slow-visitor"

    def visit_Module(self, node):
        if "slow" in self.source.text:
            end = time.process_time() + 0.5
            while time.process_time() < end:
                pass


def test_with_neither_timer_nor_watchdog_the_clock_is_checked_between_rules(monkeypatch):
    # The last resort (a Python without ctypes.pythonapi): a rule that overruns
    # and returns is caught at the next check; one that never returns is not.
    monkeypatch.setattr(time_budget, "_can_use_timer", lambda: False)
    monkeypatch.setattr(time_budget, "_can_raise_in_threads", lambda: False)
    budget = time_budget.TimeBudget(1.0)
    seen = []
    budget.run(lambda: seen.append(budget.interrupts))
    assert seen == ["checks"]
    result = Runner(Settings(per_file_timeout=0.3), rules=[SlowVisitor], jobs=1).run(SLOW_RUN)
    _assert_slow_file_timed_out(result)


def test_a_watchdog_that_fires_as_the_work_ends_never_raises_after_the_file(monkeypatch):
    # Budgets that run out at about the moment the work ends: whatever the
    # race's outcome, FileTimeout is either caught inside `run` or withdrawn.
    import threading

    monkeypatch.setattr(time_budget, "_can_use_timer", lambda: False)
    before = threading.active_count()
    outcomes = {True: 0, False: 0}
    for attempt in range(100):
        budget = time_budget.TimeBudget(0.005 + attempt * 0.0001)

        def work():
            assert budget.interrupts == "watchdog"
            end = time.process_time() + 0.01
            while time.process_time() < end:
                pass

        outcomes[budget.run(work)] += 1
        # a FileTimeout arriving here would fail the test
        end = time.process_time() + 0.002
        while time.process_time() < end:
            pass
    assert sum(outcomes.values()) == 100
    deadline = time.monotonic() + 30  # each watchdog thread ends once woken; a loaded machine is slow to wake them
    while threading.active_count() > before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert threading.active_count() == before


def test_the_time_budget_is_configured_as_per_file_timeout(project):
    project("pyproject.toml", "[tool.dllint]\nper-file-timeout = 2.5\n")
    from dllint.config import load_settings

    assert load_settings(cwd=project.root).per_file_timeout == 2.5
    project("pyproject.toml", "[tool.dllint]\nper-file-timeout = true\n")
    result = invoke("train.py")
    assert result.exit_code == 2
    assert "'per-file-timeout' in [tool.dllint] of" in result.stderr and "must be a number" in result.stderr


# -- configuration errors -------------------------------------------------------------


@pytest.mark.parametrize("pattern", ["\\\\", "[z-a]"])
def test_a_bad_exclude_pattern_is_a_configuration_error_naming_the_key(project, pattern):
    project("train.py", BUGGY)
    project("pyproject.toml", f'[tool.dllint]\nexclude = ["{pattern}"]\n')
    result = invoke("train.py")
    assert result.exit_code == 2
    [line] = result.stderr.splitlines()
    assert line.startswith("dllint: error: invalid pattern ") and "'exclude' in [tool.dllint] of" in line
    assert "internal error" not in result.stderr


def test_a_bad_pattern_in_a_gitignore_is_skipped(project):
    project("train.py", BUGGY)
    project(".gitignore", "[z-a]\n\\\n")
    (project.root / ".git").mkdir()
    assert "train.py:7:5: DL103" in invoke("--isolated", ".").stdout


@pytest.mark.parametrize("ours", ["\n[tool.dllint]\nselect = ['DL1']\n", ""], ids=["with-tool-dllint", "without"])
def test_deeply_nested_toml_is_a_configuration_error(project, ours):
    project("train.py", BUGGY)
    project("pyproject.toml", "[tool.other]\nx = " + "[" * 600 + "]" * 600 + "\n" + ours)
    result = invoke("train.py")
    assert result.exit_code == 2
    assert result.stderr.strip().endswith("its TOML is nested too deeply") and "internal error" not in result.stderr


def test_a_byte_order_mark_at_the_start_of_pyproject_is_accepted(project):
    project("train.py", BUGGY)
    project("pyproject.toml", b"\xef\xbb\xbf[tool.dllint]\nignore = ['DL103']\n")
    result = invoke("train.py")
    assert result.exit_code == 0, result.stderr


@posix_only
@pytest.mark.parametrize("config", ["/dev/zero", "fifo.toml"])
def test_config_pointing_at_a_device_or_a_fifo_is_exit_2_with_one_line(project, config):
    project("train.py", BUGGY)
    os.mkfifo(project.root / "fifo.toml")
    done = lint("--config", config, "train.py", cwd=project.root, timeout=30)
    assert done.returncode == 2
    [line] = done.stderr.decode().splitlines()
    assert line.startswith("dllint: error: cannot read ") and "not a regular file" in line


def test_the_last_resort_internal_error_names_the_step(project, monkeypatch, capsys):
    project("train.py", BUGGY)

    def broken(*args, **kwargs):
        raise KeyError("boom")

    monkeypatch.setattr("dllint.reporting.FORMATTERS", {"text": broken})
    from dllint.cli import main

    monkeypatch.setattr(sys, "argv", ["dllint", "--isolated", "train.py"])
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == "dllint: internal error while writing the report: KeyError: 'boom'"


def test_a_file_whose_first_pass_fails_is_dl000_naming_the_step_and_the_others_are_linted(project, monkeypatch):
    project("a.py", BUGGY)
    project("train.py", BUGGY)
    import dllint.runner

    original = dllint.runner.module_name_for

    def broken(path):
        if path.name == "a.py":
            raise RuntimeError("boom")
        return original(path)

    monkeypatch.setattr(dllint.runner, "module_name_for", broken)
    out = invoke("--isolated", "a.py", "train.py").stdout.splitlines()
    assert out[0] == "a.py:1:1: DL000 internal error while indexing this file; rerun with --verbose for the traceback"
    assert out[1].startswith("train.py:7:5: DL103")


def test_settings_limits_reject_wrong_types_and_huge_values(project):
    for value in ("'x'", "-1", "1e400", "nan", "[1]"):
        project("pyproject.toml", f"[tool.dllint]\nmax-file-size = {value}\n")
        result = invoke("train.py")
        assert result.exit_code == 2, value
        assert len(result.stderr.splitlines()) == 1 and "'max-file-size'" in result.stderr, value


# -- a process of the second pass that is killed ------------------------------------


_KILLED_WORKER = textwrap.dedent("""
    import os, signal
    from dllint.rule import Rule
    from dllint.runner import Input, Runner
    from dllint.settings import Settings

    class Killed(Rule):
        '''## What it does\\nIts process is killed (as the out-of-memory killer does) on one file.'''
        code = "DL103"
        name = "killed"

        def finish(self):
            if "die" in self.source.text:
                os.kill(os.getpid(), signal.SIGKILL)
            super().finish()

    inputs = [Input(display_path=f"f{i:02}.py", text="import torch\\n" + ("# die\\n" if i == 20 else "")) for i in range(64)]
    result = Runner(Settings(), rules=[Killed], jobs=2).run(inputs)
    print(result.files_checked, sorted({d.code for d in result.diagnostics}), sorted(d.path for d in result.diagnostics))
""")


@posix_only
def test_a_second_pass_process_killed_by_the_out_of_memory_killer_does_not_hang_the_run():
    # Seen in the site-packages soak: the OOM killer killed a forked process
    # at 7.7 GB and multiprocessing.Pool waited forever for its chunk. Now the
    # chunks it took down are tried again, and the files of the one that keeps
    # killing its process are DL000; every other file is checked.
    child = subprocess.Popen([sys.executable, "-c", _KILLED_WORKER], cwd=REPOSITORY, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        out, _ = child.communicate(timeout=30)  # a few seconds when it works
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)  # the pool's processes too
        child.communicate()
        raise
    assert child.returncode == 0, out
    assert out == "64 ['DL000'] ['f16.py', 'f17.py', 'f18.py', 'f19.py', 'f20.py', 'f21.py', 'f22.py', 'f23.py', " \
        "'f24.py', 'f25.py', 'f26.py', 'f27.py', 'f28.py', 'f29.py', 'f30.py', 'f31.py']\n"

"""The `dllint` command through its front door: click's runner, and once as a real process."""
import subprocess
import sys

import pytest

from dllint import __version__
from tests.conftest import BUGGY, CLEAN, invoke

FINDING = "7:5: DL103 [*] `loss.backward` is not called"


run = invoke


def test_reports_findings_flake8_style_and_exits_1(project):
    project("src/train.py", BUGGY)
    result = run("src")
    assert result.exit_code == 1
    assert result.stdout == f"src/train.py:{FINDING}, so this statement does nothing; write `loss.backward()` to compute the gradients\n"
    assert "1 finding in 1 file checked" in result.stderr


def test_clean_code_exits_0_and_default_path_is_cwd(project):
    project("train.py", CLEAN)
    result = run()
    assert result.exit_code == 0
    assert result.stdout == ""
    assert "no findings in 1 file checked" in result.stderr


def test_output_is_sorted_by_path_line_column(project):
    project("b.py", BUGGY)
    project("a.py", BUGGY + "loss.backward\n")
    lines = run(".").stdout.splitlines()
    assert [line.split(": ")[0] for line in lines] == ["a.py:7:5", "a.py:9:1", "b.py:7:5"]


@pytest.mark.parametrize(
    "args, reported",
    [
        ((), True),
        (("--select", "DL1"), True),
        (("--select", "DL00"), False),
        (("--ignore", "DL103"), False),
        (("--ignore", "DL10"), False),
        (("--select", "DL1", "--ignore", "DL10"), False),
        (("--select", "DL00", "--extend-select", "DL103"), True),
        (("--extend-ignore", "dl1"), False),
    ],
)
def test_select_and_ignore(project, args, reported):
    project("train.py", BUGGY)
    result = run(*args, "train.py")
    assert ("DL103" in result.stdout) is reported
    assert result.exit_code == (1 if reported else 0)


def test_unknown_code_on_the_command_line_is_a_usage_error(project):
    project("train.py", BUGGY)
    result = run("--select", "DL999", "train.py")
    assert result.exit_code == 2
    assert "DL999" in result.stderr and "Traceback" not in result.stderr


def test_config_file_and_isolated(project):
    project("train.py", BUGGY)
    project("pyproject.toml", '[tool.dllint]\nignore = ["DL103"]\n')
    assert run("train.py").exit_code == 0
    assert run("--isolated", "train.py").exit_code == 1
    project("other.toml", 'select = ["DL00"]\n')
    assert run("--config", "other.toml", "train.py").exit_code == 0
    conflicting = run("--isolated", "--config", "other.toml", "train.py")
    assert conflicting.exit_code == 2 and "--isolated" in conflicting.stderr


def test_invalid_config_is_exit_2_with_the_file_named(project):
    project("train.py", BUGGY)
    project("pyproject.toml", "[tool.dllint]\nselect = [\n")
    result = run("train.py")
    assert result.exit_code == 2
    assert "pyproject.toml" in result.stderr and "Traceback" not in result.stderr


def test_unknown_config_key_is_exit_2(project):
    project("train.py", BUGGY)
    project("dllint.toml", 'selct = ["DL1"]\n')
    result = run("train.py")
    assert result.exit_code == 2
    assert "selct" in result.stderr and "select" in result.stderr


def test_exit_zero_quiet_and_statistics(project):
    project("train.py", BUGGY)
    result = run("--exit-zero", "--quiet", "train.py")
    assert result.exit_code == 0 and "DL103" in result.stdout and result.stderr == ""
    # ruff's way: the table instead of the findings, on stdout
    stats = run("--statistics", "train.py")
    assert stats.stdout == "1  DL103  method-not-called\n"
    assert stats.exit_code == 1 and "1 finding" in stats.stderr


def test_show_files_lists_what_would_be_linted(project):
    project("src/a.py", CLEAN)
    project("src/build/gen.py", CLEAN)
    project("src/notes.txt", "x")
    result = run("--show-files", "src")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == ["src/a.py"]


def test_extend_exclude_and_force_exclude(project):
    project("gen/train.py", BUGGY)
    project("train.py", BUGGY)
    assert run("--extend-exclude", "gen", ".").stdout.count("DL103") == 1
    # a file named on the command line is linted unless --force-exclude
    assert run("--extend-exclude", "gen", "gen/train.py").exit_code == 1
    assert run("--extend-exclude", "gen", "--force-exclude", "gen/train.py").exit_code == 0


def test_stdin_with_and_without_a_filename(project):
    result = run("-", input=BUGGY)
    assert result.stdout.startswith(f"stdin:{FINDING}")
    named = run("-", "--stdin-filename", "pkg/train.py", input=BUGGY)
    assert named.stdout.startswith(f"pkg/train.py:{FINDING}")


def test_version_explain_and_list_rules():
    assert run("--version").stdout.strip().endswith(__version__)
    explained = run("--explain", "dl103")
    assert explained.exit_code == 0
    assert explained.stdout.startswith("# DL103: method-not-called\n")
    assert "## Why is this bad?" in explained.stdout
    assert "DL001" in run("--explain", "DL001").stdout
    unknown = run("--explain", "DL999")
    assert unknown.exit_code == 2 and "DL999" in unknown.stderr
    listed = run("--list-rules").stdout
    assert "DL103  method-not-called" in listed and "DL001" in listed


def test_format_text_is_the_default(project):
    project("train.py", BUGGY)
    assert run("--format", "text", "train.py").stdout == run("train.py").stdout
    assert run("--format", "nonsense", "train.py").exit_code == 2


def test_missing_path_is_dl002_and_others_still_linted(project):
    project("train.py", BUGGY)
    result = run("nope.py", "train.py")
    assert "nope.py:1:1: DL002" in result.stdout
    assert "train.py:7:5: DL103" in result.stdout
    assert result.exit_code == 1


def test_real_process_prints_findings_and_exit_status(project):
    project("train.py", BUGGY)
    completed = subprocess.run(
        [sys.executable, "-m", "dllint", "train.py"], capture_output=True, text=True, cwd=project.root
    )
    assert completed.returncode == 1
    assert completed.stdout.startswith(f"train.py:{FINDING}")
    assert "1 finding" in completed.stderr


def test_per_file_ignores_from_configuration(project):
    project("scripts/train.py", BUGGY)
    project("train.py", BUGGY)
    project("pyproject.toml", '[tool.dllint.per-file-ignores]\n"scripts/*" = ["DL1"]\n')
    result = run(".")
    assert result.stdout.startswith("train.py:7:5: DL103")
    assert "scripts/train.py" not in result.stdout


def test_jobs_option_gives_the_same_findings(project):
    for index in range(40):
        project(f"s{index:02d}/train.py", BUGGY)
    serial = run("-j", "1", ".")
    parallel = run("--jobs", "2", ".")
    assert serial.stdout == parallel.stdout
    assert serial.stdout.count("DL103") == 40
    assert run("--jobs", "-1", ".").exit_code == 2


def test_the_cli_knows_every_output_format():
    # the CLI lists the format names without importing the formats
    from dllint.cli import FORMAT_NAMES
    from dllint.reporting import FORMATTERS

    assert sorted(FORMAT_NAMES) == sorted(FORMATTERS)


def _modules_imported_by(args, cwd) -> set:
    """The modules a real `dllint ARGS` process has imported when it exits."""
    script = (
        "import atexit, sys\n"
        "atexit.register(lambda: print(' '.join(sorted(sys.modules)), file=sys.stderr))\n"
        f"sys.argv = ['dllint', *{list(args)!r}]\n"
        "from dllint.launcher import main\n"
        "main()\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=cwd, capture_output=True, text=True)
    assert done.returncode in (0, 1), done.stderr
    return set(done.stderr.splitlines()[-1].split()), done.stdout


def test_version_is_answered_before_click_is_imported(tmp_path):
    modules, stdout = _modules_imported_by(["--version"], tmp_path)
    assert "click" not in modules
    assert stdout == run("--version").stdout == f"dllint, version {__version__}\n"  # what click prints


def test_linting_one_file_imports_only_what_it_needs(project):
    path = project("train.py", BUGGY)
    modules, stdout = _modules_imported_by(["--isolated", str(path)], path.parent)
    assert "DL103" in stdout
    # each is imported where it is used: patterns to match, a second
    # process, git, a file to write, a configuration file, a diff, a fix,
    # another format (the cache writes its entries without tempfile)
    unneeded = {"pathspec", "multiprocessing", "tempfile", "subprocess", "tomllib", "tomli", "difflib", "libcst", "dllint.formats.sarif"}
    # a traceback only for an internal error, the fixing machinery only for --fix and --diff
    unneeded |= {"traceback", "dllint.fixing", "dllint.file_writer"}
    assert not modules & unneeded


# what the first pass needs of the semantic model: reading imports and definitions for the project index
_INDEXING = {"dllint.semantic", "dllint.semantic.catalog", "dllint.semantic.imports", "dllint.semantic.project"}


def _rules_and_analyses(modules) -> set:
    return {name for name in modules if name.startswith(("dllint.rules.", "dllint.semantic.")) and name not in _INDEXING}


def test_a_file_that_imports_no_ml_framework_imports_no_rule_and_no_analysis(project):
    path = project("script.py", "import os\nprint(os.getcwd())\n")
    modules, _ = _modules_imported_by(["--isolated", "--no-cache", str(path)], path.parent)
    assert not _rules_and_analyses(modules) and "dllint.rule" not in modules


def test_a_checked_file_imports_only_the_rules_its_text_can_need(project):
    # `model.eval` triggers DL101 and DL103; DL601 and DL602 have no triggers
    path = project("t.py", "import torch\nmodel = torch.nn.Linear(2, 2)\nmodel.eval\n")
    modules, stdout = _modules_imported_by(["--isolated", "--no-cache", str(path)], path.parent)
    assert "DL103" in stdout
    rules = {name.rsplit(".", 1)[1][:5].upper() for name in modules if name.startswith("dllint.rules.")}
    assert rules == {"DL101", "DL103", "DL601", "DL602"}
    assert "json" not in modules  # (read a notebook or a cache entry, or write JSON output)


def test_findings_the_cache_holds_need_no_rule(project, tmp_path):
    path = project("train.py", BUGGY)
    cache = ["--cache-dir", str(tmp_path / "cache")]
    cold, cold_output = _modules_imported_by(["--isolated", *cache, str(path)], path.parent)
    warm, warm_output = _modules_imported_by(["--isolated", *cache, str(path)], path.parent)
    assert "dllint.rules.dl103_method_not_called" in cold and "dllint.semantic.module" in cold
    assert warm_output == cold_output and "DL103" in warm_output
    assert not _rules_and_analyses(warm) and "dllint.rule" not in warm

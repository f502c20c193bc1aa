"""scripts/ecosystem_check.py on a synthetic repository folder (no network)."""
from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "ecosystem_check.py"

BUGGY = """\
import torch
from torch import nn

model = nn.Linear(4, 2)
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
loss = criterion(model(x), y)
loss.backward
optimizer.step()
"""


@pytest.fixture(scope="module")
def eco():
    spec = importlib.util.spec_from_file_location("ecosystem_check", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["ecosystem_check"] = module
    spec.loader.exec_module(module)
    return module


def notebook(*cells):
    return json.dumps(
        {
            "nbformat": 4,
            "nbformat_minor": 5,
            "metadata": {},
            "cells": [
                {"cell_type": kind, "metadata": {}, "source": source.splitlines(keepends=True)}
                for kind, source in cells
            ],
        }
    )


@pytest.fixture
def world(tmp_path):
    """repos.tsv, a checkouts folder with one repository, and a baseline."""
    checkout = tmp_path / "eco" / "someone__tutorial"
    (checkout / "lesson").mkdir(parents=True)
    (checkout / "train.py").write_text(BUGGY)
    (checkout / "clean.py").write_text("import torch\nx = torch.ones(2)\n")
    (checkout / "lesson" / "nb.ipynb").write_text(
        notebook(
            ("markdown", "# Lesson"),
            ("code", "%matplotlib inline\nimport torch\nfrom torch import nn\n"),
            ("code", "!pip install torch\nmodel = nn.Linear(4, 2)\ncriterion = nn.CrossEntropyLoss()\n"
                     "optimizer = torch.optim.SGD(model.parameters(), lr=0.1)\n"),
            ("code", "loss = criterion(model(x), y)\nloss.backward\noptimizer.step()\n"),
        )
    )
    (checkout / ".ecosystem-commit").write_text("a" * 40 + "\n")
    repos = tmp_path / "repos.tsv"
    repos.write_text("repo\tcommit\tpaths\nsomeone/tutorial\t" + "a" * 40 + "\t.\n")
    baseline = tmp_path / "baseline.tsv"
    return tmp_path, repos, baseline


def run(eco, world, *extra):
    tmp_path, repos, baseline = world
    return eco.main(
        ["--repos", str(repos), "run", "--checkouts", str(tmp_path / "eco"), "--baseline", str(baseline),
         "--notebooks", "convert", *extra]
    )


def test_notebook_conversion_keeps_cell_positions(eco):
    text = notebook(
        ("markdown", "text"),
        ("code", "%%time\nimport torch\n!ls\nfiles = !ls\nx?\n"),
        ("code", "%%bash\necho hi\n"),
        ("code", "def broken(:\n"),
        ("code", "if True:\n    %timeit f()\ny = 1\n"),
        ("code", "print('%d' \\\n      %(1))\n%time z = 2\n"),  # `%` after a backslash is an operator
    )
    script, origin = eco.notebook_to_script(text)
    compile(script, "nb", "exec")  # every line is Python now
    lines = script.splitlines()
    assert lines[origin.index((2, 2))] == "import torch"
    assert lines[origin.index((5, 3))] == "y = 1"
    assert "echo" not in script and "broken" not in script
    assert lines[origin.index((6, 2))] == "      %(1))"


def test_first_run_lists_new_findings_and_update_writes_untriaged_rows(eco, world, capsys):
    tmp_path, repos, baseline = world
    assert run(eco, world) == 1
    out = capsys.readouterr().out
    assert "NEW      someone/tutorial train.py:8:DL103" in out
    assert "NEW      someone/tutorial lesson/nb.ipynb:cell 4:2:DL103" in out
    assert "2 new, 0 gone, 0 changed, 0 untriaged" in out

    assert run(eco, world, "--update-baseline") == 0
    rows = baseline.read_text().splitlines()
    assert rows[0] == "repo\tlocation\tverdict\treason"
    assert rows[1].startswith("someone/tutorial\tlesson/nb.ipynb:cell 4:2:DL103\t?\t")
    assert rows[2].startswith("someone/tutorial\ttrain.py:8:DL103\t?\t")
    capsys.readouterr()
    assert run(eco, world) == 1  # untriaged rows still fail the check
    assert "0 new, 0 gone, 0 changed, 2 untriaged" in capsys.readouterr().out


def test_triaged_baseline_passes_and_reports_moves_and_false_positive_rate(eco, world, capsys):
    tmp_path, repos, baseline = world
    baseline.write_text(
        "repo\tlocation\tverdict\treason\n"
        "someone/tutorial\ttrain.py:8:DL103\ttp\tbackward never runs\n"
        "someone/tutorial\tlesson/nb.ipynb:cell 4:2:DL103\tfp\tpretend it is a false alarm\n"
    )
    assert run(eco, world) == 0
    out = capsys.readouterr().out
    assert "0 new, 0 gone, 0 changed, 0 untriaged" in out
    assert "true positives 1, false positives 1" in out
    lines = 9 + 2 + 3 + 4 + 3  # train.py, clean.py, and the notebook's three code cells
    assert f"({100_000 / lines:.2f} per 100k lines)" in out

    checkout = tmp_path / "eco" / "someone__tutorial"
    (checkout / "train.py").write_text("# a comment moves the bug down\n" + BUGGY)
    (checkout / "lesson" / "nb.ipynb").unlink()
    assert run(eco, world) == 1
    out = capsys.readouterr().out
    assert "CHANGED  someone/tutorial train.py:8:DL103 -> train.py:9:DL103 (tp: backward never runs)" in out
    assert "GONE     someone/tutorial lesson/nb.ipynb:cell 4:2:DL103 (fp: pretend it is a false alarm)" in out


def test_missing_checkout_is_skipped_not_gone(eco, world, capsys):
    tmp_path, repos, baseline = world
    repos.write_text(repos.read_text() + "other/repo\t" + "b" * 40 + "\t.\n")
    baseline.write_text("repo\tlocation\tverdict\treason\nother/repo\tx.py:1:DL103\ttp\tsomething\n")
    run(eco, world)
    out = capsys.readouterr().out
    assert "missing checkouts (skipped, their baseline rows not compared): other/repo" in out
    assert "GONE" not in out


def test_checkout_from_a_mirror_and_printed_commands(eco, tmp_path, capsys):
    source = tmp_path / "src"
    source.mkdir()
    (source / "train.py").write_text(BUGGY)
    git = ["git", "-C", str(source), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run(["git", "init", "-q", str(source)], check=True)
    subprocess.run(git + ["add", "."], check=True)
    subprocess.run(git + ["commit", "-qm", "x"], check=True)
    commit = subprocess.run(git + ["rev-parse", "HEAD"], stdout=subprocess.PIPE, universal_newlines=True, check=True).stdout.strip()
    mirrors = tmp_path / "mirrors"
    (mirrors / "someone+tutorial").mkdir(parents=True)
    subprocess.run(["git", "clone", "-q", "--bare", str(source), str(mirrors / "someone+tutorial" / "repo")], check=True)
    repos = tmp_path / "repos.tsv"
    repos.write_text(f"repo\tcommit\tpaths\nsomeone/tutorial\t{commit}\t.\n")

    into = tmp_path / "eco"
    assert eco.main(["--repos", str(repos), "checkout", "--mirrors", str(mirrors), "--into", str(into)]) == 0
    assert (into / "someone__tutorial" / "train.py").read_text() == BUGGY
    assert (into / "someone__tutorial" / ".ecosystem-commit").read_text().strip() == commit

    capsys.readouterr()
    assert eco.main(["--repos", str(repos), "checkout", "--into", str(into), "--print"]) == 0
    out = capsys.readouterr().out
    assert "git clone --bare --filter=blob:none https://github.com/someone/tutorial.git" in out
    assert f"archive {commit} | tar -x -C" in out


def test_two_findings_of_one_code_on_one_line_match_two_baseline_rows(eco):
    findings = [eco.Finding("o/r", "gan.py", None, 250, "DL201"), eco.Finding("o/r", "gan.py", None, 250, "DL201")]
    rows = [eco.Verdict("o/r", "gan.py:250:DL201", "tp", "two softmax outputs reach one loss call")] * 2
    comparison = eco.compare(findings, rows)
    assert (len(comparison.kept), comparison.new, comparison.gone, comparison.changed) == (2, [], [], [])
    one_row = eco.compare(findings, rows[:1])
    assert len(one_row.kept) == 1 and len(one_row.new) == 1

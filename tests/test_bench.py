"""bench/ runs: on a tiny folder, with one run of each command. Nothing here
times anything or compares times; the figures are for people (bench/README.md)."""
import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench"
DLLINT = f"{sys.executable} -m dllint"


def test_bench_prints_a_row_for_each_run_and_records_what_it_was_told(tmp_path):
    code = tmp_path / "code"
    (code / "pkg").mkdir(parents=True)
    (code / "pkg" / "__init__.py").write_text("", encoding="utf-8")
    (code / "pkg" / "train.py").write_text("import torch\nmodel = torch.nn.Linear(2, 2)\nmodel.eval\n", encoding="utf-8")
    (code / "notes.txt").write_text("not Python\n", encoding="utf-8")
    results = tmp_path / "results.json"
    done = subprocess.run(
        [sys.executable, str(BENCH / "bench.py"), str(code), "--runs", "1", "--warmup", "0", "--dllint", DLLINT,
         "--repo", "owner/name@0123abc", "--label", "a tiny folder", "--skip", "flake8,torchfix", "--ruff", "no-such-ruff-here",
         "--json", str(results)],
        capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr
    table = done.stdout
    assert table.startswith("a tiny folder (1 repository at the commits listed below): 2 files, 3 lines.")
    assert "Repositories: owner/name@0123abc" in table
    assert "| ast.parse floor (1 process) |" in table and "| dllint -j 1" in table and "| dllint cold" in table
    assert "| ruff check (default rules) |" in table  # a command that cannot start still gets a row
    recorded = json.loads(results.read_text(encoding="utf-8"))
    assert recorded["files"] == 2 and recorded["lines"] == 3 and recorded["repositories"] == ["owner/name@0123abc"]
    names = [row["name"] for row in recorded["rows"]]
    assert names[0] == "ast.parse floor (1 process)" and any(name.startswith("dllint warm") for name in names)
    assert (code / "pkg" / "train.py").read_text(encoding="utf-8").endswith("model.eval\n")  # the folder is left as it was
    assert not any(path.name.startswith(".dllint") for path in code.rglob("*"))


def test_scaling_generates_valid_code_and_prints_its_table(tmp_path):
    sys.path.insert(0, str(BENCH))
    try:
        import scaling
    finally:
        sys.path.remove(str(BENCH))
    for style in ("script", "functions"):
        text = scaling.generated_file(300, style)
        compile(text, style, "exec")
        assert 300 <= len(text.splitlines()) < 400
    scaling.generate_tree(tmp_path / "tree", 120)
    files = sorted((tmp_path / "tree").rglob("*.py"))
    assert len(files) == 122  # and two __init__.py
    for path in files:
        compile(path.read_text(encoding="utf-8"), str(path), "exec")
    done = subprocess.run(
        [sys.executable, str(BENCH / "scaling.py"), "--sizes", "200,400", "--styles", "script", "--trees", "20",
         "--runs", "1", "--warmup", "0", "--dllint", DLLINT],
        capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr
    rows = [line for line in done.stdout.splitlines() if line.startswith("| script") or line.startswith("| tree")]
    assert len(rows) == 3


def test_startup_times_each_case_of_both_installs_and_prints_its_table():
    done = subprocess.run(
        [sys.executable, str(BENCH / "startup.py"), "--a", DLLINT, "--b", DLLINT, "--runs", "1"],
        capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr
    rows = [line for line in done.stdout.splitlines() if line.startswith("| `dllint")]
    assert [row.split("(")[1].split(")")[0] for row in rows] == ["--version", "plain.py, no cache", "t.py, cache warm", "t.py, no cache"]
    assert "| B / A CPU (pairwise median) |" in done.stdout


def test_index_probe_counts_the_work_of_a_run(tmp_path):
    (tmp_path / "models.py").write_text("import torch.nn as nn\nclass Net(nn.Module):\n    pass\n", encoding="utf-8")
    (tmp_path / "helpers.py").write_text("def train_one_epoch(model):\n    model.train()\n", encoding="utf-8")
    (tmp_path / "train.py").write_text(
        "import torch\nfrom models import Net\nfrom helpers import train_one_epoch\nmodel = Net()\ntrain_one_epoch(model)\n",
        encoding="utf-8")
    done = subprocess.run([sys.executable, str(BENCH / "index_probe.py"), str(tmp_path), "--every", "1", "--budget", "1"],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[-1].startswith("3 files indexed, 3 checked, ")
    assert "files checked" in lines[0] and "fresh starts" in lines[-1]
    # a one-character budget: the first pass parses each file once, the checks start afresh between files
    assert "fresh starts 0" not in lines[-1]

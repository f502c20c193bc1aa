"""Start-up: short dllint runs of two installs, A against B (issue 14, item 4).

    python bench/startup.py --a BEFORE/bin/dllint --b AFTER/bin/dllint --runs 21

Each case is a whole process started and waited for (`timing.run_once`), in
a temporary folder holding the two small files below. The runs alternate
A, B, B, A, ... so that both see the same load, after one untimed run of
each (it also fills each install's cache, so `t.py` is then a warm run, as
in an editor that lints the same file again). It prints, per case, the
median wall and CPU (user + sys) milliseconds of each install, the median of
the pairwise CPU ratios B / A, and peak memory. With `--b` alone, only B is
timed. Time regular (non-editable) installs: an editable install of dllint
loads a setuptools import hook at every start.
"""
from __future__ import annotations

import argparse
import shlex
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from timing import Run, load_average, run_once

# one finding (DL103): a file a rule checks
ML_FILE = "import torch\nmodel = torch.nn.Linear(2, 2)\nmodel.eval\n"
# imports no ML framework: only DL001/DL002 could be found
PLAIN_FILE = "import os\nprint(os.getcwd())\n"
CASES = {
    "--version": ["--version"],
    "plain.py, no cache": ["--no-cache", "plain.py"],
    "t.py, cache warm": ["t.py"],
    "t.py, no cache": ["--no-cache", "t.py"],
}


def time_cases(installs: Dict[str, List[str]], runs: int, folder: Path) -> List[dict]:
    rows = []
    for case, arguments in CASES.items():
        measured: Dict[str, List[Run]] = {name: [] for name in installs}
        for name, dllint in installs.items():  # warm-up, and the cache of the warm case
            run_once([*dllint, *arguments], folder)
        for number in range(runs):
            order = list(installs) if number % 2 == 0 else list(reversed(installs))
            for name in order:
                measured[name].append(run_once([*installs[name], *arguments], folder))
        rows.append({"case": case, "runs": measured})
        print(f"  {case}: {describe(measured)}", file=sys.stderr, flush=True)
    return rows


def describe(measured: Dict[str, List[Run]]) -> str:
    return "; ".join(f"{name} {_median(runs, 'cpu'):.1f} ms CPU" for name, runs in measured.items())


def _median(runs: Sequence[Run], attribute: str) -> float:
    return statistics.median(getattr(run, attribute) for run in runs) * (1 if attribute == "peak_mib" else 1000)


def table(rows: List[dict], names: Sequence[str]) -> str:
    header = "| command | " + " | ".join(f"{name} wall ms | {name} CPU ms" for name in names)
    header += " | B / A CPU (pairwise median) |" if len(names) == 2 else " |"
    header += " peak MiB |"
    lines = [header, "|---|" + "---:|" * (header.count("|") - 2)]
    for row in rows:
        runs = row["runs"]
        cells = [f"`dllint {' '.join(CASES[row['case']])}` ({row['case']})"]
        for name in names:
            cells += [f"{_median(runs[name], 'wall'):.1f}", f"{_median(runs[name], 'cpu'):.1f}"]
        if len(names) == 2:
            a, b = (runs[name] for name in names)
            ratios = [after.cpu / before.cpu for before, after in zip(a, b) if before.cpu]
            cells.append(f"{statistics.median(ratios):.2f}" if ratios else "n/a")
        cells.append(" / ".join(f"{_median(runs[name], 'peak_mib'):.0f}" for name in names))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--a", help="the dllint command to compare against (before)")
    parser.add_argument("--b", required=True, help="the dllint command measured (after)")
    parser.add_argument("--runs", type=int, default=21, help="timed runs of each install per case (default 21)")
    options = parser.parse_args(argv)
    installs = {"A": shlex.split(options.a), "B": shlex.split(options.b)} if options.a else {"B": shlex.split(options.b)}
    with tempfile.TemporaryDirectory(prefix="dllint-startup-") as name:
        folder = Path(name)
        (folder / "t.py").write_text(ML_FILE, encoding="utf-8")
        (folder / "plain.py").write_text(PLAIN_FILE, encoding="utf-8")
        load_before = load_average()
        rows = time_cases(installs, options.runs, folder)
    print(f"Medians of {options.runs} runs of each install per case, alternating; load average "
          f"{load_before} before, {load_average()} after.\n")
    print(table(rows, list(installs)), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Timing whole processes, for `bench.py` and `scaling.py` (standard library only).

Every figure is a whole process started and waited for here: the median of
`runs` timed runs after `warmup` untimed ones. CPU seconds and peak memory
are what the kernel reports for the waited process, which includes the
processes it started and waited for itself (dllint's workers): CPU is their
sum, peak memory the largest resident size of any one of them.
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, List, Optional, Sequence

# One process that reads and parses every file of a list: the floor no
# Python linter built on `ast` can go under. A notebook's code cells are
# joined and parsed (lines starting with % or ! commented out).
FLOOR_SCRIPT = r"""
import ast, json, sys, warnings
warnings.simplefilter("ignore")
for path in open(sys.argv[1], encoding="utf-8").read().splitlines():
    try:
        data = open(path, "rb").read()
        if path.endswith(".ipynb"):
            cells = json.loads(data).get("cells", [])
            code = [c.get("source", "") for c in cells if c.get("cell_type") == "code"]
            code = ["".join(s) if isinstance(s, list) else s for s in code]
            lines = [("#" + l if l.lstrip()[:1] in ("%", "!") else l) for c in code for l in c.splitlines()]
            data = "\n".join(lines)
        ast.parse(data, filename=path)
    except (SyntaxError, ValueError, RecursionError, MemoryError, OSError, AttributeError, TypeError):
        pass
"""


@dataclass
class Run:
    wall: float
    cpu: float
    peak_mib: float
    status: int


@dataclass
class Row:
    name: str
    command: str
    runs: List[Run] = field(default_factory=list)
    note: str = ""  # why there are no runs ("n/a: ...") or what to know
    lines: Optional[int] = None  # the lines this tool reads, when not all (flake8 reads no notebook)

    @property
    def measured(self) -> bool:
        return bool(self.runs)

    def median(self, attribute: str) -> float:
        return statistics.median(getattr(run, attribute) for run in self.runs)

    def as_dict(self) -> dict:
        data = {"name": self.name, "command": self.command, "note": self.note}
        if self.runs:
            data.update(
                wall=self.median("wall"), cpu=self.median("cpu"), peak_mib=self.median("peak_mib"),
                walls=[run.wall for run in self.runs], statuses=[run.status for run in self.runs],
            )
        return data


def run_once(command: Sequence[str], cwd: Path, timeout: Optional[float] = None) -> Run:
    """Start `command`, wait for it: wall and CPU seconds, peak memory (MiB)."""
    start = time.perf_counter()
    process = subprocess.Popen(list(command), cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = None if timeout is None else start + timeout
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG if deadline else 0)
        if pid:
            break
        if time.perf_counter() > deadline:
            process.kill()
            pid, status, usage = os.wait4(process.pid, 0)
            status = -9 << 8
            break
        time.sleep(0.01)
    wall = time.perf_counter() - start
    process.returncode = 0  # reaped here; keep Popen from waiting again
    code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else -(os.WTERMSIG(status) if os.WIFSIGNALED(status) else 9)
    return Run(wall=wall, cpu=usage.ru_utime + usage.ru_stime, peak_mib=usage.ru_maxrss / 1024, status=code)


def measure(
    name: str,
    command: Sequence[str],
    cwd: Path,
    runs: int,
    warmup: int,
    before: Optional[Callable[[int], None]] = None,
    timeout: Optional[float] = None,
) -> Row:
    """`runs` timed runs after `warmup` untimed ones; `before(n)` is called
    before run n (warm-ups included), outside the timing."""
    row = Row(name=name, command=shown_command(command))
    for number in range(warmup + runs):
        if before is not None:
            before(number)
        result = run_once(command, cwd, timeout)
        if number >= warmup:
            row.runs.append(result)
        if result.status == -9:
            row.note = f"killed after {timeout:.0f} s"
            break
    shown = ", ".join(f"{run.wall:.2f}" for run in row.runs)
    print(f"  {name}: median {row.median('wall'):.2f} s wall, {row.median('cpu'):.2f} s CPU "
          f"(wall of each run: {shown}), {row.median('peak_mib'):.0f} MiB", file=sys.stderr, flush=True)
    return row


def count_lines(paths: Sequence[Path]) -> int:
    """Lines of code: a file's lines; a notebook's, those of its code cells
    (its JSON, outputs included, would count many times more)."""
    return sum(_notebook_lines(path) if path.suffix == ".ipynb" else len(path.read_bytes().splitlines()) for path in paths)


def _notebook_lines(path: Path) -> int:
    try:
        cells = json.loads(path.read_bytes()).get("cells", [])
    except (ValueError, AttributeError):
        return 0
    sources = [cell.get("source", "") for cell in cells if isinstance(cell, dict) and cell.get("cell_type") == "code"]
    return sum(len(("".join(source) if isinstance(source, list) else str(source)).splitlines()) for source in sources)


def floor_command(file_list: Path) -> List[str]:
    return [sys.executable, "-c", FLOOR_SCRIPT, str(file_list)]


def shown_command(command: Sequence[str]) -> str:
    """A command as printed: the floor's script by name, not its text."""
    return " ".join("FLOOR_SCRIPT (bench/timing.py)" if part == FLOOR_SCRIPT else str(part) for part in command)


def load_average() -> str:
    try:
        return " / ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


def write_json(path: Optional[Path], data: dict) -> None:
    if path is not None:
        path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")

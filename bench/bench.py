"""Time dllint against the parser and its peers on a folder of Python code.

    python bench/bench.py FOLDER [--runs 3] [--warmup 1] [--label "pytorch 2.13.0 (commit ...)"]

Every figure is a whole process, started and waited for here: the median of
`--runs` timed runs after `--warmup` untimed ones. Peak memory is the largest
resident size of the process or of any process it started (what the kernel
reports for a waited child). It downloads nothing and needs nothing but the
standard library; a peer that is not installed is reported as such.

The dllint runs work on a copy of the folder's Python files (in a temporary
folder), so that "one file changed" can change a file: before each such run
one line is appended to the first file dllint checks (or `--touch`).

Runs:
  floor            one process: read and `ast.parse` every file dllint reads
  dllint cold      default processes, an empty cache every run
  dllint warm      the cache of the warm-up run, nothing changed
  dllint 1 changed the cache of the previous run, one file changed
  dllint -j1       one process, no cache
  flake8           flake8's default checks (pycodestyle, pyflakes, mccabe), `--select E,F,W,C90`
  ruff             `ruff check --no-cache --isolated` (default rules)
  torchfix         `torchfix` (TorchFix's command line)
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence

FLOOR = r"""
import ast, sys, warnings
warnings.simplefilter("ignore")
for path in open(sys.argv[1], encoding="utf-8").read().splitlines():
    try:
        data = open(path, "rb").read()
        ast.parse(data, filename=path)
    except (SyntaxError, ValueError, RecursionError, MemoryError, OSError):
        pass
"""


def run_once(command: Sequence[str], cwd: Path) -> Dict[str, float]:
    """Start `command`, wait for it; wall seconds and peak memory (MiB)."""
    start = time.perf_counter()
    process = subprocess.Popen(list(command), cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status) if hasattr(os, "waitstatus_to_exitcode") else status
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "peak": usage.ru_maxrss / 1024, "status": process.returncode}


def measure(name: str, command: Sequence[str], cwd: Path, runs: int, warmup: int, before: Optional[Callable[[int], None]] = None):
    results = []
    for number in range(warmup + runs):
        if before is not None:
            before(number)
        result = run_once(command, cwd)
        if number >= warmup:
            results.append(result)
    row = {key: statistics.median(r[key] for r in results) for key in ("wall", "cpu", "peak")}
    row["name"] = name
    row["walls"] = [r["wall"] for r in results]
    row["command"] = " ".join(str(part) for part in command)
    print(f"  {name}: {row['wall']:.2f} s (runs {', '.join(f'{w:.2f}' for w in row['walls'])}), {row['peak']:.0f} MiB", file=sys.stderr, flush=True)
    return row


def find_tool(name: str, module: Optional[str] = None) -> Optional[List[str]]:
    found = shutil.which(name)
    if found:
        return [found]
    if module is not None:
        check = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True)
        if check.returncode == 0:
            return [sys.executable, "-m", module]
    return None


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each command (median quoted)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed runs before them")
    parser.add_argument("--label", default="", help="what the folder is (repositories and commits), printed with the results")
    parser.add_argument("--touch", help="the file (relative to FOLDER) that the 'one file changed' run changes")
    parser.add_argument("--dllint", default=f"{sys.executable} -m dllint", help="how to start dllint")
    parser.add_argument("--flake8", help="how to start flake8 (default: on PATH, else python -m flake8)")
    parser.add_argument("--ruff", help="how to start ruff (default: on PATH)")
    parser.add_argument("--torchfix", help="how to start TorchFix (default: on PATH)")
    parser.add_argument("--skip", default="", help="comma-separated runs to leave out: floor,cold,warm,changed,j1,flake8,ruff,torchfix")
    options = parser.parse_args(argv)
    skip = {part.strip() for part in options.skip.split(",") if part.strip()}
    source = options.folder.resolve()
    dllint = options.dllint.split()

    work = Path(tempfile.mkdtemp(prefix="dllint-bench-"))
    try:
        listed = subprocess.run([*dllint, "--isolated", "--show-files", "."], cwd=source, capture_output=True, text=True, check=True)
        files = [line for line in listed.stdout.splitlines() if line]
        copy = work / "code"
        for relative in files:
            target = copy / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source / relative, target)
        for folder in {Path(relative).parent for relative in files}:  # packages stay packages
            init = source / folder / "__init__.py"
            if init.exists() and not (copy / folder / "__init__.py").exists():
                shutil.copyfile(init, copy / folder / "__init__.py")
        lines = sum(len((copy / relative).read_bytes().splitlines()) for relative in files)
        file_list = work / "files.txt"
        file_list.write_text("\n".join(str(copy / relative) for relative in files), encoding="utf-8")
        touched = copy / (options.touch or files[0])
        original = touched.read_bytes()

        print(f"# {options.label or source}", file=sys.stderr)
        print(f"# {len(files)} files, {lines:,} lines; {os.cpu_count()} CPUs; load {os.getloadavg()[0]:.2f} at start", file=sys.stderr)
        rows = []
        runs, warmup = options.runs, options.warmup
        base = [*dllint, "--isolated", "--quiet", "--exit-zero"]
        if "floor" not in skip:
            rows.append(measure("ast.parse floor (1 process)", [sys.executable, "-c", FLOOR, str(file_list)], copy, runs, warmup))
        if "cold" not in skip:
            cold_cache = work / "cold"

            def empty_cache(_: int) -> None:
                shutil.rmtree(cold_cache, ignore_errors=True)

            rows.append(measure("dllint cold", [*base, "--cache-dir", str(cold_cache), "."], copy, runs, warmup, empty_cache))
        cache = work / "cache"
        if "warm" not in skip:
            rows.append(measure("dllint warm", [*base, "--cache-dir", str(cache), "."], copy, runs, warmup))
        if "changed" not in skip:
            def change(number: int) -> None:
                touched.write_bytes(original + f"\n# changed for run {number} at {time.time()}\n".encode())

            subprocess.run([*base, "--cache-dir", str(cache), "."], cwd=copy, capture_output=True)
            rows.append(measure(f"dllint 1 file changed ({touched.relative_to(copy)})", [*base, "--cache-dir", str(cache), "."], copy, runs, warmup, change))
            touched.write_bytes(original)
        if "j1" not in skip:
            rows.append(measure("dllint -j1, no cache", [*base, "--no-cache", "-j", "1", "."], copy, runs, warmup))
        flake8 = options.flake8.split() if options.flake8 else find_tool("flake8", "flake8")
        if "flake8" not in skip:
            if flake8:
                rows.append(measure("flake8 (default checks)", [*flake8, "--isolated", "--select", "E,F,W,C90", "--exit-zero", "."], copy, runs, warmup))
            else:
                print("  flake8: not installed", file=sys.stderr)
        ruff = options.ruff.split() if options.ruff else find_tool("ruff")
        if "ruff" not in skip:
            if ruff:
                rows.append(measure("ruff check (default rules)", [*ruff, "check", "--no-cache", "--isolated", "--exit-zero", "."], copy, runs, warmup))
            else:
                print("  ruff: not installed", file=sys.stderr)
        torchfix = options.torchfix.split() if options.torchfix else find_tool("torchfix")
        if "torchfix" not in skip:
            if torchfix:
                rows.append(measure("TorchFix", [*torchfix, "."], copy, runs, warmup))
            else:
                print("  TorchFix: not installed", file=sys.stderr)
        print(f"# load {os.getloadavg()[0]:.2f} at the end", file=sys.stderr)
        print_table(rows, lines)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def print_table(rows: List[Dict], lines: int) -> None:
    floor = next((row["wall"] for row in rows if row["name"].startswith("ast.parse")), None)
    flake8 = next((row["wall"] for row in rows if row["name"].startswith("flake8")), None)
    print("| run | wall s (median) | CPU s | lines/s | peak MiB | vs floor | vs flake8 |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        ratio_floor = f"{row['wall'] / floor:.2f}x" if floor else "-"
        ratio_flake8 = f"{row['wall'] / flake8:.2f}x" if flake8 else "-"
        print(f"| {row['name']} | {row['wall']:.2f} | {row['cpu']:.2f} | {lines / row['wall']:,.0f} | {row['peak']:.0f} | {ratio_floor} | {ratio_flake8} |")
    print()
    for row in rows:
        print(f"- {row['name']}: `{row['command']}`")


if __name__ == "__main__":
    sys.exit(main())

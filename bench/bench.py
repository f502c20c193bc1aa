"""Time dllint against the parser and its peers on a folder of Python code.

    python bench/bench.py FOLDER [FOLDER ...] [--runs 3] [--warmup 1] [--repo OWNER/NAME@COMMIT ...]
        [--label TEXT] [--flake8 CMD] [--ruff CMD] [--torchfix CMD] [--json FILE]

It downloads nothing and needs only the standard library; a peer that is not
installed is reported as such. It copies the files dllint would lint in
each folder (`dllint --show-files`) to a temporary folder (several folders
side by side, each under its own name), so that "one file changed" can
change one, and every tool reads the same files. Lines are lines of code: a
notebook counts the lines of its code cells. Each row is the median of
`--runs` whole-process runs after `--warmup` untimed ones:

  ast.parse floor    one process: read and `ast.parse` every file
  dllint cold        default processes, the cache emptied before every run
  dllint warm        the cache of the run before, nothing changed
  dllint 1 changed   the cache of the run before, one line appended to one file
  dllint -j 1        one process, no cache
  flake8             flake8's own checks, `--select E,F,W,C90`
  ruff               `ruff check --no-cache --isolated` (its default rules)
  TorchFix           `torchfix` on the folder (its default rules)

A dllint without a cache (no `--no-cache` in its `--help`) has no warm and
no one-changed rows ("n/a"); its cold row is then its plain run. Run the
peers from their own virtual environments (`--flake8`, `--ruff`,
`--torchfix`): a flake8 that has other plugins installed (dllint's, or
TorchFix's, which runs on every file whatever `--select` says) is not
flake8 with its default plugins; the header prints `flake8 --version`.
"""
from __future__ import annotations

import argparse
import datetime
import os
import platform
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional, Sequence

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from timing import Row, count_lines, floor_command, load_average, measure, write_json  # noqa: E402

ML_MARKERS = (b"import torch", b"from torch", b"import tensorflow", b"from tensorflow", b"import keras", b"from keras")


def tool(given: Optional[str], name: str) -> Optional[List[str]]:
    """The command to start a tool: as given, else on PATH; None when it
    cannot be started."""
    if given:
        command = shlex.split(given)
        return command if command and shutil.which(command[0]) else None
    found = shutil.which(name)
    return [found] if found else None


def output_of(command: Sequence[str], cwd: Path) -> str:
    try:
        done = subprocess.run(list(command), cwd=cwd, capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.SubprocessError) as error:
        return f"(failed: {error})"
    return (done.stdout + done.stderr).strip()


def copy_tree(source: Path, files: Sequence[str], target: Path) -> List[Path]:
    """The listed files, and the `__init__.py` of their folders (so packages
    stay packages), copied below `target`."""
    copied = []
    for relative in files:
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / relative, destination)
        copied.append(destination)
    for folder in {Path(relative).parent for relative in files}:
        init = source / folder / "__init__.py"
        if init.is_file() and not (target / folder / "__init__.py").exists():
            shutil.copyfile(init, target / folder / "__init__.py")
    return copied


def file_to_change(copy: Path, files: Sequence[str], given: Optional[str]) -> Path:
    """`--touch`, else the first listed .py file that imports an ML framework
    (whose change matters to the files that import it), else the first."""
    if given:
        return copy / given
    for relative in files:
        if relative.endswith(".py"):
            head = (copy / relative).read_bytes()
            if any(marker in head for marker in ML_MARKERS):
                return copy / relative
    return copy / files[0]


def _version(command: Optional[List[str]], name: str, skip, cwd: Path) -> str:
    if name in skip:
        return "skipped"
    return output_of([*command, "--version"], cwd).replace("\n", " ") if command else "not installed"


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__.split("\n\n", 2)[2])
    parser.add_argument("folders", type=Path, nargs="+", metavar="FOLDER")
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each command; the median is quoted (default 3)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed runs before them (default 1)")
    parser.add_argument("--repo", action="append", default=[], metavar="OWNER/NAME@COMMIT", help="a repository (and commit) the folder holds, recorded with the results; repeat for each")
    parser.add_argument("--label", default="", help="what the folder is, in words, recorded with the results")
    parser.add_argument("--touch", help="the file (relative to FOLDER) that the one-changed run changes")
    parser.add_argument("--dllint", help="how to start dllint (default: `dllint` on PATH, else this Python's -m dllint)")
    parser.add_argument("--flake8", help="how to start flake8 (default: on PATH)")
    parser.add_argument("--ruff", help="how to start ruff (default: on PATH)")
    parser.add_argument("--torchfix", help="how to start TorchFix (default: on PATH)")
    parser.add_argument("--skip", default="", help="runs to leave out, comma-separated: floor,cold,warm,changed,j1,flake8,ruff,torchfix")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds after which one run is killed (default 3600)")
    parser.add_argument("--json", type=Path, help="also write the results to this file as JSON")
    options = parser.parse_args(argv)
    skip = {part.strip() for part in options.skip.split(",") if part.strip()}
    sources = [folder.resolve() for folder in options.folders]
    dllint = tool(options.dllint, "dllint") or [sys.executable, "-m", "dllint"]

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that the temporary folder goes too
    work = Path(tempfile.mkdtemp(prefix="dllint-bench-"))
    try:
        copy = work / "code"
        files: List[str] = []
        copied: List[Path] = []
        for source in sources:
            listed = subprocess.run([*dllint, "--isolated", "--show-files", "."], cwd=source, capture_output=True, text=True, check=True)
            found = [line for line in listed.stdout.splitlines() if line]
            if not found:
                print(f"bench: dllint finds no Python files in {source}", file=sys.stderr)
                return 2
            prefix = "" if len(sources) == 1 else f"{source.name}/"
            while prefix and (copy / prefix).exists():  # two folders of the same name
                prefix = prefix[:-1] + "_/"
            copied += copy_tree(source, found, copy / prefix)
            files += [prefix + relative for relative in found]
        lines = count_lines(copied)
        file_list = work / "files.txt"
        file_list.write_text("\n".join(str(path) for path in copied), encoding="utf-8")
        touched = file_to_change(copy, files, options.touch)
        original = touched.read_bytes()
        has_cache = "--no-cache" in output_of([*dllint, "--help"], copy)
        flake8, ruff, torchfix = tool(options.flake8, "flake8"), tool(options.ruff, "ruff"), tool(options.torchfix, "torchfix")

        header = {
            "folder": ", ".join(str(source) for source in sources),
            "label": options.label,
            "repositories": options.repo,
            "files": len(files),
            "lines": lines,
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": f"{os.cpu_count()} CPUs, {platform.machine()}, {platform.system()} {platform.release()}",
            "python": sys.version.split()[0],
            "dllint": output_of([*dllint, "--version"], copy) + ("" if has_cache else " (no cache: warm and one-changed are n/a)"),
            "flake8": _version(flake8, "flake8", skip, copy),
            "ruff": _version(ruff, "ruff", skip, copy),
            "torchfix": _version(torchfix, "torchfix", skip, copy),
            "runs": f"median of {options.runs} after {options.warmup} warm-up",
            "load_start": load_average(),
        }
        for key, value in header.items():
            print(f"# {key}: {value}", file=sys.stderr)

        runs, warmup, timeout = options.runs, options.warmup, options.timeout
        rows: List[Row] = []

        python_only = [path for path in copied if path.suffix == ".py"]
        python_lines = count_lines(python_only) if len(python_only) < len(copied) else None

        def add(name: str, command: Sequence[str], before=None, notebooks: bool = True) -> None:
            rows.append(measure(name, command, copy, runs, warmup, before, timeout))
            if not notebooks and python_lines is not None:
                rows[-1].lines = python_lines
                rows[-1].note = f"reads the {len(python_only):,} .py files only, {python_lines:,} lines"

        def not_available(name: str, why: str) -> None:
            rows.append(Row(name=name, command="", note=f"n/a: {why}"))
            print(f"  {name}: n/a ({why})", file=sys.stderr)

        base = [*dllint, "--isolated", "--quiet", "--exit-zero"]
        if "floor" not in skip:
            add("ast.parse floor (1 process)", floor_command(file_list))
        if "cold" not in skip:
            if has_cache:
                cold_cache = work / "cold-cache"
                add("dllint cold", [*base, "--cache-dir", str(cold_cache), "."], lambda _: shutil.rmtree(cold_cache, ignore_errors=True))
            else:
                add("dllint cold (this dllint has no cache)", [*base, "."])
        warm_cache = work / "warm-cache"
        if "warm" not in skip:
            if has_cache:
                # filled first, untimed, so that even `--warmup 0` times a warm run
                subprocess.run([*base, "--cache-dir", str(warm_cache), "."], cwd=copy, capture_output=True)
                add("dllint warm (nothing changed)", [*base, "--cache-dir", str(warm_cache), "."])
            else:
                not_available("dllint warm (nothing changed)", "this dllint has no cache")
        if "changed" not in skip:
            name = f"dllint 1 file changed ({touched.relative_to(copy)})"
            if has_cache:
                def change(number: int) -> None:
                    touched.write_bytes(original + f"\n# bench: changed before run {number} at {time.time()}\n".encode())

                subprocess.run([*base, "--cache-dir", str(warm_cache), "."], cwd=copy, capture_output=True)
                add(name, [*base, "--cache-dir", str(warm_cache), "."], change)
                touched.write_bytes(original)
            else:
                not_available(name, "this dllint has no cache")
        if "j1" not in skip:
            add("dllint -j 1" + (", no cache" if has_cache else ""), [*base, *(["--no-cache"] if has_cache else []), "-j", "1", "."])
        if "flake8" not in skip:
            if flake8:
                add("flake8 (E,F,W,C90)", [*flake8, "--isolated", "--select", "E,F,W,C90", "--exit-zero", "."], notebooks=False)
            else:
                not_available("flake8 (E,F,W,C90)", "not installed")
        if "ruff" not in skip:
            if ruff:
                add("ruff check (default rules)", [*ruff, "check", "--no-cache", "--isolated", "--exit-zero", "."])
            else:
                not_available("ruff check (default rules)", "not installed")
        if "torchfix" not in skip:
            if torchfix:
                add("TorchFix (default rules)", [*torchfix, "."], notebooks=False)
            else:
                not_available("TorchFix (default rules)", "not installed")
        header["load_end"] = load_average()
        print(f"# load_end: {header['load_end']}", file=sys.stderr)
        print(table(header, rows, lines))
        write_json(options.json, {**header, "rows": [row.as_dict() for row in rows]})
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def table(header: Dict, rows: Sequence[Row], lines: int) -> str:
    """The results as Markdown: a line of what was measured, the table, the
    commands. Ratios are of wall seconds, then of CPU seconds (steadier on
    a busy machine)."""
    def anchor(prefix: str):
        row = next((row for row in rows if row.name.startswith(prefix) and row.measured), None)
        return (row.median("wall"), row.median("cpu")) if row else None

    def ratio(row: Row, to) -> str:
        return f"{row.median('wall') / to[0]:.2f}x / {row.median('cpu') / to[1]:.2f}x" if to else "-"

    floor, flake8 = anchor("ast.parse"), anchor("flake8")
    repositories = len(header["repositories"])
    told = f" ({repositories} repositor{'y' if repositories == 1 else 'ies'} at the commits listed below)" if repositories else ""
    out = [
        f"{header['label'] or header['folder']}{told}: {header['files']:,} files, {lines:,} lines. "
        f"{header['date']}, {header['machine']}, Python {header['python']}, load {header['load_start']} at the start, "
        f"{header['load_end']} at the end; {header['runs']}.",
        "",
        "| run | wall s | CPU s | lines/s (wall) | peak MiB | vs floor (wall / CPU) | vs flake8 (wall / CPU) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        if not row.measured:
            out.append(f"| {row.name} | {row.note} | | | | | |")
            continue
        wall = row.median("wall")
        name = row.name + (f" ({row.note})" if row.note else "")
        out.append(
            f"| {name} | {wall:.2f} | {row.median('cpu'):.2f} | {(row.lines or lines) / wall:,.0f} | "
            f"{row.median('peak_mib'):.0f} | {ratio(row, floor)} | {ratio(row, flake8)} |"
        )
    out += ["", "Tools: " + "; ".join(f"{key}: {header[key]}" for key in ("dllint", "flake8", "ruff", "torchfix")), "", "Commands (in a copy of the folders):"]
    out += [f"- {row.name}: `{row.command}`" for row in rows if row.command]
    if repositories:
        out += ["", "Repositories: " + ", ".join(header["repositories"])]
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    sys.exit(main())

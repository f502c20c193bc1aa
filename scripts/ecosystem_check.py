#!/usr/bin/env python3
"""Run dllint over public repositories at pinned commits and compare its
findings with a triaged baseline, the way ruff's ecosystem check does.

    python scripts/ecosystem_check.py checkout --mirrors DIR --into DIR  # or --print
    python scripts/ecosystem_check.py run --checkouts DIR                # compare
    python scripts/ecosystem_check.py run --checkouts DIR --update-baseline

`ecosystem/repos.tsv` names the repositories (`repo`, `commit`, `paths`:
space-separated folders or files inside the repository, `.` for all of it).
Their code is never committed: a developer exports each pinned commit into a
checkouts folder once (`checkout`), and `run` needs no network.

`ecosystem/baseline.tsv` is the triaged list of expected findings: `repo`,
`path:line:code` (`path:cell N:line:code` inside a notebook), `tp` or `fp`,
and a one-line reason. `run` prints findings that are new, gone, or changed
(same file and code, another line), the untriaged ones (`?`), the counts per
rule, and the false positives per 100k lines; it exits 1 when anything
differs from the baseline, so a rule change is done only when the
differences have been read and the baseline updated.

Notebooks: when the dllint on hand does not read `.ipynb` itself, each
notebook is converted to a script (code cells in order, IPython magics
blanked so positions hold) in a staging copy, and findings are mapped back
to `nb.ipynb:cell N:line`, the positions native notebook support reports.
Once dllint reads notebooks, `--notebooks native` (the `auto` default
detects it) lints the checkout as it is, and the converter can go.

Standard library only.
"""
from __future__ import annotations

import argparse
import ast
import collections
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Dict, Iterable, Iterator, List, NamedTuple, Optional, Sequence, Tuple

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_REPOS = ROOT / "ecosystem" / "repos.tsv"
DEFAULT_BASELINE = ROOT / "ecosystem" / "baseline.tsv"
COMMIT_MARKER = ".ecosystem-commit"
SKIPPED_DIRS = {".git", ".ipynb_checkpoints", "__pycache__"}
VERDICTS = ("tp", "fp", "?")


# --------------------------------------------------------------------------- tables


class Repo(NamedTuple):
    name: str  # owner/name
    commit: str
    paths: Tuple[str, ...]

    @property
    def folder(self) -> str:
        return self.name.replace("/", "__")


class Finding(NamedTuple):
    repo: str
    path: str  # relative to the checkout, "/" separated
    cell: Optional[int]
    line: int
    code: str
    message: str = ""

    @property
    def location(self) -> str:
        cell = f"cell {self.cell}:" if self.cell is not None else ""
        return f"{self.path}:{cell}{self.line}:{self.code}"


class Verdict(NamedTuple):
    repo: str
    location: str
    verdict: str
    reason: str


def _rows(path: Path) -> Iterator[List[str]]:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        yield [field.strip() for field in line.split("\t")]


def read_repos(path: Path) -> List[Repo]:
    repos = []
    for fields in _rows(path):
        if fields[0] == "repo":  # header
            continue
        if len(fields) < 2:
            raise SystemExit(f"{path}: a row needs repo and commit: {fields!r}")
        paths = tuple(fields[2].split()) if len(fields) > 2 and fields[2] else (".",)
        repos.append(Repo(fields[0], fields[1], paths))
    return repos


def read_baseline(path: Path) -> List[Verdict]:
    if not path.exists():
        return []
    verdicts = []
    for fields in _rows(path):
        if fields[0] == "repo":
            continue
        fields += [""] * (4 - len(fields))
        if fields[2] not in VERDICTS:
            raise SystemExit(f"{path}: verdict must be one of {VERDICTS}: {fields!r}")
        verdicts.append(Verdict(fields[0], fields[1], fields[2], fields[3]))
    return verdicts


def write_baseline(path: Path, verdicts: Iterable[Verdict]) -> None:
    lines = ["repo\tlocation\tverdict\treason"]
    for v in sorted(verdicts, key=lambda v: (v.repo, _location_key(v.location))):
        lines.append("\t".join((v.repo, v.location, v.verdict, v.reason)))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _location_key(location: str) -> tuple:
    path, code, cell, line = _split_location(location)
    return (path, cell or 0, line, code)


def _split_location(location: str) -> Tuple[str, str, Optional[int], int]:
    match = re.match(r"^(?P<path>.+?):(?:cell (?P<cell>\d+):)?(?P<line>\d+):(?P<code>[A-Z]+\d+)$", location)
    if not match:
        raise SystemExit(f"baseline: bad location {location!r} (want path:line:code)")
    cell = int(match["cell"]) if match["cell"] else None
    return match["path"], match["code"], cell, int(match["line"])


# --------------------------------------------------------------------------- checkout


def mirror_git_dir(mirrors: Path, repo: Repo) -> Optional[Path]:
    """The bare git directory of `repo` under a mirrors folder
    (`<owner>+<name>/repo`, or `.../repo/.git` for a non-bare copy)."""
    base = mirrors / repo.name.replace("/", "+") / "repo"
    for candidate in (base / ".git", base):
        if (candidate / "HEAD").exists():
            return candidate
    return None


def checkout_commands(repo: Repo, into: Path, git_dir: Optional[Path]) -> List[str]:
    target = into / repo.folder
    commands = []
    if git_dir is None:
        git_dir = into / ".git-cache" / (repo.folder + ".git")
        commands.append(
            f"git clone --bare --filter=blob:none https://github.com/{repo.name}.git {shlex.quote(str(git_dir))}"
        )
    commands += [
        f"mkdir -p {shlex.quote(str(target))}",
        f"git --git-dir={shlex.quote(str(git_dir))} archive {repo.commit} | tar -x -C {shlex.quote(str(target))}",
        f"echo {repo.commit} > {shlex.quote(str(target / COMMIT_MARKER))}",
    ]
    return commands


def command_checkout(args: argparse.Namespace) -> int:
    repos = read_repos(args.repos)
    into: Path = args.into
    status = 0
    for repo in repos:
        git_dir = mirror_git_dir(args.mirrors, repo) if args.mirrors else None
        if args.mirrors and git_dir is None and not args.print:
            print(f"{repo.name}: no mirror under {args.mirrors}", file=sys.stderr)
            status = 1
            continue
        commands = checkout_commands(repo, into, git_dir)
        if args.print:
            print(f"# {repo.name}")
            print("\n".join(commands))
            continue
        target = into / repo.folder
        if _checked_out_commit(target) == repo.commit:
            print(f"{repo.name}: already at {repo.commit[:12]}")
            continue
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        if not export(git_dir, repo.commit, target):
            print(f"{repo.name}: cannot read {repo.commit} in {git_dir}", file=sys.stderr)
            status = 1
            continue
        (target / COMMIT_MARKER).write_text(repo.commit + "\n", encoding="utf-8")
        print(f"{repo.name}: {repo.commit[:12]} -> {target}")
    return status


def export(git_dir: Path, commit: str, target: Path) -> bool:
    """`git archive` the commit into `target`; when the mirror lacks some
    blobs (snapshots leave out large files), write the files it has."""
    archive = subprocess.run(
        ["git", f"--git-dir={git_dir}", "archive", commit], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=False
    )
    if archive.returncode == 0:
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
        return True
    tree = subprocess.run(
        ["git", f"--git-dir={git_dir}", "ls-tree", "-r", "-z", commit], stdout=subprocess.PIPE, check=False
    )
    if tree.returncode != 0:
        return False
    for entry in tree.stdout.split(b"\0"):
        if not entry:
            continue
        meta, _, name = entry.partition(b"\t")
        mode, kind, blob = meta.split()
        if kind != b"blob" or mode == b"120000":
            continue
        content = subprocess.run(
            ["git", f"--git-dir={git_dir}", "cat-file", "blob", blob.decode()], stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, check=False,
        )
        if content.returncode != 0:
            continue  # not in the snapshot
        path = target / os.fsdecode(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.stdout)
    return True


def _checked_out_commit(target: Path) -> Optional[str]:
    marker = target / COMMIT_MARKER
    return marker.read_text(encoding="utf-8").strip() if marker.exists() else None


# --------------------------------------------------------------------------- notebooks

# Cell magics whose body is not Python: the whole cell is blanked.
FOREIGN_CELL_MAGICS = {
    "bash", "sh", "script", "writefile", "file", "html", "javascript", "js", "latex",
    "markdown", "svg", "perl", "ruby", "system", "sql", "capture_output",
}


def notebook_cells(text: str) -> List[Tuple[int, str]]:
    """(1-based cell number counting every cell, source) of each code cell."""
    notebook = json.loads(text)
    cells = notebook.get("cells")
    if cells is None:  # nbformat 3
        cells = [cell for sheet in notebook.get("worksheets", []) for cell in sheet.get("cells", [])]
    code = []
    for number, cell in enumerate(cells, 1):
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", cell.get("input", ""))
        if isinstance(source, list):
            source = "".join(source)
        code.append((number, source))
    return code


def _python_lines(source: str) -> List[str]:
    """The cell's lines with IPython syntax replaced by `pass` (same count).
    A cell that is plain Python is kept as it is (`%` can be an operator)."""
    lines = source.splitlines()
    try:
        ast.parse(source)
        return lines
    except (SyntaxError, ValueError):
        pass
    first = lines[0].strip() if lines else ""
    if first.startswith("%%"):
        magic = first[2:].split()[0] if first[2:].split() else ""
        if magic in FOREIGN_CELL_MAGICS:
            return [""] * len(lines)
        lines[0] = ""
    out = []
    continued = False  # the previous line ends with a backslash
    for line in lines:
        stripped = line.lstrip()
        indent = line[: len(line) - len(stripped)]
        magic = not continued and (
            stripped.startswith(("%", "!"))
            or re.match(r"^[\w.]+\?{1,2}$", stripped)  # help: obj? obj??
            or re.match(r"^[\w.\[\], ]+=\s*[!%]", stripped)  # files = !ls
        )
        out.append(indent + "pass" if magic else line)
        continued = line.endswith("\\")
    return out


def notebook_to_script(text: str) -> Tuple[str, List[Tuple[int, int]]]:
    """The code cells as one script, and for each script line its
    (cell, line in cell). A cell that does not parse is left out (blank
    lines), as it is in a notebook that runs the rest."""
    lines: List[str] = []
    origin: List[Tuple[int, int]] = []
    for number, source in notebook_cells(text):
        cell_lines = _python_lines(source)
        try:
            ast.parse("\n".join(cell_lines))
        except (SyntaxError, ValueError):
            cell_lines = [""] * len(cell_lines)
        for index, line in enumerate(cell_lines, 1):
            lines.append(line)
            origin.append((number, index))
        lines.append("")  # a separator keeps the next cell's first line apart
        origin.append((number, len(cell_lines) + 1))
    return "\n".join(lines) + "\n", origin


# --------------------------------------------------------------------------- running dllint


def dllint_command(args: argparse.Namespace) -> List[str]:
    return shlex.split(args.dllint) if args.dllint else [sys.executable, "-m", "dllint"]


def dllint_reads_notebooks(command: Sequence[str]) -> bool:
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "probe.ipynb").write_text('{"cells": [], "nbformat": 4, "nbformat_minor": 5}', encoding="utf-8")
        shown = subprocess.run(
            [*command, "--isolated", "--show-files", folder], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            universal_newlines=True, check=False,
        )
    return "probe.ipynb" in shown.stdout


def _selected_files(root: Path, paths: Sequence[str]) -> Iterator[Path]:
    for entry in paths:
        start = (root / entry).resolve() if entry != "." else root
        if start.is_file():
            yield start
            continue
        for folder, dirs, files in os.walk(start):
            dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
            for name in sorted(files):
                yield Path(folder, name)


def stage(checkout: Path, paths: Sequence[str], into: Path) -> Dict[str, Tuple[str, List[Tuple[int, int]]]]:
    """Copy the selected Python files (and `.gitignore`s, which dllint
    honours) to `into`, converting notebooks; returns, for each converted
    script's relative path, the notebook's path and its line origins."""
    notebooks = {}
    for file in _selected_files(checkout, paths):
        relative = file.relative_to(checkout).as_posix()
        if file.suffix == ".ipynb":
            try:
                script, origin = notebook_to_script(file.read_text(encoding="utf-8", errors="replace"))
            except (ValueError, AttributeError, TypeError):
                continue  # not a notebook dllint could read either
            target = into / (relative + ".py")
            notebooks[relative + ".py"] = (relative, origin)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(script, encoding="utf-8")
        elif file.suffix == ".py" or file.name == ".gitignore":
            target = into / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(file, target)
    return notebooks


LINE = re.compile(r"^(?P<path>.+?):(?:cell (?P<cell>\d+):)?(?P<line>\d+):(?P<col>\d+): (?P<code>[A-Z]+\d+) (?:\[\*\] )?(?P<message>.*)$")


def parse_findings(repo: str, output: str, root: Path, notebooks: Dict[str, Tuple[str, List[Tuple[int, int]]]]) -> List[Finding]:
    findings = []
    for text in output.splitlines():
        match = LINE.match(text)
        if not match:
            continue
        relative = _relative(match["path"], root)
        cell = int(match["cell"]) if match["cell"] else None
        line = int(match["line"])
        if relative in notebooks:
            relative, origin = notebooks[relative]
            cell, line = origin[line - 1] if 0 < line <= len(origin) else (0, line)
        findings.append(Finding(repo, relative, cell, line, match["code"], match["message"]))
    return findings


def _relative(path: str, root: Path) -> str:
    """`path` as printed by dllint run in `root`, relative to `root`, `/`-separated."""
    if os.path.isabs(path):
        path = os.path.relpath(path, root)
    return Path(os.path.normpath(path)).as_posix()


def count_lines(files: Iterable[Path]) -> int:
    total = 0
    for file in files:
        try:
            if file.suffix == ".ipynb":
                total += sum(len(source.splitlines()) for _, source in notebook_cells(file.read_text(encoding="utf-8", errors="replace")))
            else:
                with open(file, "rb") as handle:
                    total += sum(1 for _ in handle)
        except (OSError, ValueError, AttributeError, TypeError):
            continue
    return total


class RepoRun(NamedTuple):
    repo: Repo
    files: int
    lines: int
    findings: List[Finding]


def lint_repo(repo: Repo, checkout: Path, command: Sequence[str], native_notebooks: bool) -> RepoRun:
    with tempfile.TemporaryDirectory(prefix="dllint-eco-") as staging:
        if native_notebooks:
            root, notebooks = checkout, {}
            targets = [p for p in repo.paths]
        else:
            root = Path(staging)
            notebooks = stage(checkout, repo.paths, root)
            targets = [p for p in repo.paths if (root / p).exists()]
        if not targets:
            return RepoRun(repo, 0, 0, [])
        shown = subprocess.run(
            [*command, "--isolated", "--show-files", *targets], cwd=root, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, universal_newlines=True, check=False,
        )
        files = [_relative(line.strip(), root) for line in shown.stdout.splitlines() if line.strip()]
        originals = [checkout / notebooks[f][0] if f in notebooks else root / f for f in files]
        # a cache of its own, thrown away with the staging folder: every
        # check is a cold run, and nothing is written into the checkouts
        environment = dict(os.environ, DLLINT_CACHE_DIR=str(Path(staging) / ".dllint_cache"))
        run = subprocess.run(
            [*command, "--isolated", "--exit-zero", "--quiet", "--format", "concise", *targets], cwd=root,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, check=False, env=environment,
        )
        if run.returncode not in (0, 1):
            print(f"{repo.name}: dllint exited {run.returncode}: {run.stderr.strip()[-500:]}", file=sys.stderr)
        findings = parse_findings(repo.name, run.stdout, root, notebooks)
        return RepoRun(repo, len(files), count_lines(originals), findings)


# --------------------------------------------------------------------------- comparing


class Comparison(NamedTuple):
    new: List[Finding]
    gone: List[Verdict]
    changed: List[Tuple[Verdict, Finding]]
    kept: List[Tuple[Verdict, Finding]]


def compare(findings: Sequence[Finding], baseline: Sequence[Verdict]) -> Comparison:
    # A location can hold two findings of one code (two softmax outputs
    # reaching one loss call on one line): one verdict row each.
    by_location: Dict[Tuple[str, str], List[Verdict]] = collections.defaultdict(list)
    for verdict in baseline:
        by_location[(verdict.repo, verdict.location)].append(verdict)
    kept, unmatched = [], []
    for finding in findings:
        verdicts = by_location.get((finding.repo, finding.location))
        if verdicts:
            kept.append((verdicts.pop(0), finding))
        else:
            unmatched.append(finding)
    leftover = collections.defaultdict(list)  # (repo, path, code) -> verdicts not seen again
    for verdicts in by_location.values():
        for verdict in verdicts:
            path, code, _, _ = _split_location(verdict.location)
            leftover[(verdict.repo, path, code)].append(verdict)
    new, changed = [], []
    for finding in unmatched:
        candidates = leftover.get((finding.repo, finding.path, finding.code))
        if candidates:
            changed.append((candidates.pop(0), finding))
        else:
            new.append(finding)
    gone = [v for verdicts in leftover.values() for v in verdicts]
    return Comparison(new, gone, changed, kept)


def command_run(args: argparse.Namespace) -> int:
    repos = read_repos(args.repos)
    if args.only:
        repos = [r for r in repos if r.name in args.only]
    baseline = [v for v in read_baseline(args.baseline) if not args.only or v.repo in args.only]
    command = dllint_command(args)
    native = args.notebooks == "native" or (args.notebooks == "auto" and dllint_reads_notebooks(command))
    runs, missing = [], []
    for repo in repos:
        checkout = args.checkouts / repo.folder
        if not checkout.is_dir():
            missing.append(repo.name)
            continue
        at = _checked_out_commit(checkout)
        if at is not None and at != repo.commit:
            print(f"warning: {repo.name} is checked out at {at[:12]}, repos.tsv pins {repo.commit[:12]}", file=sys.stderr)
        runs.append(lint_repo(repo, checkout, command, native))
    checked = {run.repo.name for run in runs}
    findings = [f for run in runs for f in run.findings]
    comparison = compare(findings, [v for v in baseline if v.repo in checked])

    print(f"notebooks: {'read by dllint' if native else 'converted to scripts'}")
    if missing:
        print(f"missing checkouts (skipped, their baseline rows not compared): {', '.join(missing)}")
    print(f"\n{'repository':<55} {'files':>6} {'lines':>8} {'findings':>8}")
    for run in runs:
        print(f"{run.repo.name:<55} {run.files:>6} {run.lines:>8} {len(run.findings):>8}")
    lines = sum(run.lines for run in runs)
    print(f"{'total':<55} {sum(run.files for run in runs):>6} {lines:>8} {len(findings):>8}")

    per_rule: Dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for verdict, finding in comparison.kept:
        per_rule[finding.code][verdict.verdict] += 1
    for _, finding in comparison.changed:
        per_rule[finding.code]["changed"] += 1
    for finding in comparison.new:
        per_rule[finding.code]["new"] += 1
    print(f"\n{'rule':<8} {'findings':>8} {'tp':>5} {'fp':>5} {'?':>5} {'changed':>8} {'new':>5}")
    for code in sorted(per_rule):
        c = per_rule[code]
        print(f"{code:<8} {sum(c.values()):>8} {c['tp']:>5} {c['fp']:>5} {c['?']:>5} {c['changed']:>8} {c['new']:>5}")
    fps = sum(c["fp"] for c in per_rule.values())
    tps = sum(c["tp"] for c in per_rule.values())
    per_100k = 100_000 * fps / lines if lines else 0.0
    print(f"\ntrue positives {tps}, false positives {fps} ({per_100k:.2f} per 100k lines)")

    for finding in comparison.new:
        print(f"NEW      {finding.repo} {finding.location} {finding.message}")
    for verdict, finding in comparison.changed:
        print(f"CHANGED  {finding.repo} {verdict.location} -> {finding.location} ({verdict.verdict}: {verdict.reason})")
    for verdict in comparison.gone:
        print(f"GONE     {verdict.repo} {verdict.location} ({verdict.verdict}: {verdict.reason})")
    untriaged = [v for v, _ in comparison.kept if v.verdict == "?"]
    for verdict, finding in comparison.kept:
        if verdict.verdict == "?":
            print(f"UNTRIAGED {finding.repo} {finding.location} {finding.message}")

    if args.update_baseline:
        rows = [v for v in read_baseline(args.baseline) if v.repo not in checked]
        rows += [v for v, _ in comparison.kept]
        rows += [Verdict(f.repo, f.location, v.verdict, v.reason) for v, f in comparison.changed]
        rows += [Verdict(f.repo, f.location, "?", f.message) for f in comparison.new]
        write_baseline(args.baseline, rows)
        print(f"\nwrote {args.baseline} (new findings marked `?` with their message: triage them)")
        return 0
    differs = comparison.new or comparison.gone or comparison.changed or untriaged
    print(f"\n{len(comparison.new)} new, {len(comparison.gone)} gone, {len(comparison.changed)} changed, {len(untriaged)} untriaged")
    return 1 if differs else 0


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repos", type=Path, default=DEFAULT_REPOS, help="the pinned repositories (TSV)")
    sub = parser.add_subparsers(dest="command", required=True)

    checkout = sub.add_parser("checkout", help="export each pinned commit into the checkouts folder")
    checkout.add_argument("--into", type=Path, default=Path("/work/corpora/eco"))
    checkout.add_argument("--mirrors", type=Path, help="folder of git mirrors, <owner>+<name>/repo")
    checkout.add_argument("--print", action="store_true", help="print the git commands instead of running them")

    run = sub.add_parser("run", help="lint every checkout and compare with the baseline")
    run.add_argument("--checkouts", type=Path, default=Path("/work/corpora/eco"))
    run.add_argument("--baseline", type=Path, default=DEFAULT_BASELINE)
    run.add_argument("--dllint", help="the dllint command (default: this Python's `-m dllint`)")
    run.add_argument("--notebooks", choices=("auto", "native", "convert"), default="auto")
    run.add_argument("--only", nargs="+", metavar="OWNER/NAME", help="check only these repositories")
    run.add_argument("--update-baseline", action="store_true", help="rewrite the baseline: verdicts kept, new findings `?`")

    args = parser.parse_args(argv)
    if args.command == "checkout":
        return command_checkout(args)
    return command_run(args)


if __name__ == "__main__":
    sys.exit(main())

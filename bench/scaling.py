"""Whether dllint's cost grows linearly: with a file's size, and with the number of files.

    python bench/scaling.py [--sizes 1000,5000,20000,80000] [--trees 500,5000] [--runs 3] [--warmup 1]

It generates its inputs in a temporary folder (nothing is downloaded or kept):

* one file of each size (lines) in two styles: `script`, training code at
  module level, as exported notebooks are (each block rebinds the same
  `model`, `optimizer`, `loss`, loaders, and defines its own model class);
  and `functions`, the same blocks each inside a function;
* trees of that many small files (packages of 100 modules whose model
  classes subclass a base class of their package and call a helper of the
  module before), linted as one project.

and times whole-process runs of dllint on each (one process, `-j 1`, no
cache when this dllint has one) and of the `ast.parse` floor on the same
files. Linear means the last column stays near 1.00: it is the growth of
dllint's CPU time divided by the growth of the input from the row before
(2.00 would be quadratic at that step). Small inputs carry dllint's
start-up, so their per-line cost is higher; look at the larger steps.
"""
from __future__ import annotations

import argparse
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path
from typing import List, Optional, Sequence

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from timing import Row, count_lines, floor_command, load_average, measure, write_json  # noqa: E402

HEADER = """\
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

"""

# One experiment, as a notebook's cells run it: rebinding the same names.
BLOCK = '''\
# experiment {i}
class Net{i}(nn.Module):
    def __init__(self, hidden={hidden}):
        super().__init__()
        self.fc1 = nn.Linear({width}, hidden)
        self.drop = nn.Dropout(0.1)
        self.fc2 = nn.Linear(hidden, 10)

    def forward(self, x):
        x = F.relu(self.fc1(x))
        return self.fc2(self.drop(x))


train_set_{i} = TensorDataset(torch.randn(256, {width}), torch.randint(0, 10, (256,)))
val_set_{i} = TensorDataset(torch.randn(64, {width}), torch.randint(0, 10, (64,)))
train_loader = DataLoader(train_set_{i}, batch_size=32, shuffle=True)
val_loader = DataLoader(val_set_{i}, batch_size=64)
model = Net{i}()
optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
criterion = nn.CrossEntropyLoss()
for epoch in range(2):
    model.train()
    running_loss = 0.0
    for inputs, targets in train_loader:
        optimizer.zero_grad()
        outputs = model(inputs)
        loss = criterion(outputs, targets)
        loss.backward()
        optimizer.step()
        running_loss += loss.item()
    model.eval()
    correct = 0
    with torch.no_grad():
        for inputs, targets in val_loader:
            predictions = model(inputs).argmax(dim=1)
            correct += (predictions == targets).sum().item()
    print(f"experiment {i} epoch {{epoch}}: loss {{running_loss:.3f}}, accuracy {{correct / len(val_set_{i}):.3f}}")
results_{i} = {{"model": model, "accuracy": correct}}

'''

BASE_MODULE = '''\
import torch
from torch import nn


class Base{package}(nn.Module):
    def __init__(self, width=16):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(width, width), nn.ReLU(), nn.Linear(width, 1))

    def forward(self, x):
        return self.body(x)


def prepare(batch):
    return batch.float()
'''

TREE_MODULE = '''\
import torch
from torch import nn

from pkg_{package}.mod_000 import Base{package}
from pkg_{package}.mod_{before:03d} import prepare


class Model{package}_{number}(Base{package}):
    def __init__(self):
        super().__init__(width={width})
        self.head = nn.Linear(1, 1)

    def forward(self, x):
        return self.head(super().forward(x))


def train_{number}(loader, epochs=1):
    model = Model{package}_{number}()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    model.train()
    for _ in range(epochs):
        for inputs, targets in loader:
            optimizer.zero_grad()
            loss = nn.functional.mse_loss(model(prepare(inputs)), targets)
            loss.backward()
            optimizer.step()
    return model


def prepare_{number}(batch):
    return prepare(batch)
'''


def generated_file(lines: int, style: str) -> str:
    """About `lines` lines of training code in `style` ("script" or "functions")."""
    parts = [HEADER]
    count = len(HEADER.splitlines())
    number = 0
    while count < lines:
        block = BLOCK.format(i=number, width=8 + number % 24, hidden=32 + number % 8)
        if style == "functions":
            block = f"def experiment_{number}():\n" + textwrap.indent(block, "    ") + "\n"
        parts.append(block)
        count += len(block.splitlines())
        number += 1
    return "".join(parts)


def generate_tree(folder: Path, files: int) -> None:
    """`files` modules in packages of 100, below `folder`."""
    for index in range(files):
        package, number = divmod(index, 100)
        target = folder / f"pkg_{package}"
        if number == 0:
            target.mkdir(parents=True, exist_ok=True)
            (target / "__init__.py").write_text("", encoding="utf-8")
            text = BASE_MODULE.format(package=package)
        else:
            text = TREE_MODULE.format(package=package, number=number, before=number - 1, width=16)
        (target / f"mod_{number:03d}.py").write_text(text, encoding="utf-8")


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__.split("\n\n", 2)[2])
    parser.add_argument("--sizes", default="1000,5000,20000,80000", help="lines of each generated file (comma-separated)")
    parser.add_argument("--styles", default="script,functions", help="script, functions or both")
    parser.add_argument("--trees", default="500,5000", help="files of each generated tree (comma-separated; empty for none)")
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each command; the median is quoted (default 3)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed runs before them (default 1)")
    parser.add_argument("--dllint", help="how to start dllint (default: `dllint` on PATH, else this Python's -m dllint)")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds after which one run is killed (default 1800)")
    parser.add_argument("--json", type=Path, help="also write the results to this file as JSON")
    options = parser.parse_args(argv)
    sizes = [int(part) for part in options.sizes.split(",") if part.strip()]
    styles = [part.strip() for part in options.styles.split(",") if part.strip()]
    trees = [int(part) for part in options.trees.split(",") if part.strip()]
    found = shutil.which("dllint")
    dllint = shlex.split(options.dllint) if options.dllint else ([found] if found else [sys.executable, "-m", "dllint"])

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so that the temporary folder goes too
    work = Path(tempfile.mkdtemp(prefix="dllint-scaling-"))
    try:
        help_text = subprocess.run([*dllint, "--help"], capture_output=True, text=True).stdout
        command = [*dllint, "--isolated", "--quiet", "--exit-zero", "-j", "1", *(["--no-cache"] if "--no-cache" in help_text else [])]
        version = subprocess.run([*dllint, "--version"], capture_output=True, text=True).stdout.strip()
        print(f"# {version}; {os.cpu_count()} CPUs; load {load_average()} at the start", file=sys.stderr)
        results = []  # (input, files, lines, floor row, dllint row)
        for style in styles:
            for size in sizes:
                folder = work / f"{style}-{size}"
                folder.mkdir()
                path = folder / "train.py"
                path.write_text(generated_file(size, style), encoding="utf-8")
                results.append(_time(f"{style}, one file", [path], folder, command, options))
        for files in trees:
            folder = work / f"tree-{files}"
            generate_tree(folder, files)
            paths = sorted(folder.rglob("*.py"))
            results.append(_time("tree of small files", paths, folder, command, options))
        print(f"# load {load_average()} at the end", file=sys.stderr)
        print(table(results, " ".join(command)))
        write_json(options.json, {"dllint": version, "command": " ".join(command), "rows": [
            {"input": name, "files": files, "lines": lines, "floor": floor.as_dict(), "dllint": run.as_dict()}
            for name, files, lines, floor, run in results
        ]})
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def _time(name: str, paths: List[Path], folder: Path, command: List[str], options):
    lines = count_lines(paths)
    file_list = folder.parent / f"{folder.name}.files"
    file_list.write_text("\n".join(str(path) for path in paths), encoding="utf-8")
    label = f"{name}, {len(paths):,} files, {lines:,} lines"
    floor = measure(f"{label}: ast.parse floor", floor_command(file_list), folder, options.runs, options.warmup, timeout=options.timeout)
    run = measure(f"{label}: dllint", [*command, "."], folder, options.runs, options.warmup, timeout=options.timeout)
    return name, len(paths), lines, floor, run


def table(results, command: str) -> str:
    """Growth and per-size costs are taken from CPU seconds, which a busy
    machine disturbs far less than wall time."""
    out = [
        f"dllint: `{command} .`; each figure the median of whole-process runs.",
        "",
        "| input | files | lines | floor CPU s | dllint wall s | dllint CPU s | peak MiB | CPU ms per 1k lines | CPU ms per file | CPU growth / size growth |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    before = None
    for name, files, lines, floor, run in results:
        cpu = run.median("cpu")
        size = lines if files == 1 else files
        growth = "-"
        if before is not None and before[0] == name:
            _, size_before, cpu_before = before
            growth = f"{(cpu / cpu_before) / (size / size_before):.2f}"
        killed = f" ({run.note})" if run.note else ""
        out.append(
            f"| {name} | {files:,} | {lines:,} | {floor.median('cpu'):.2f} | {run.median('wall'):.2f}{killed} | {cpu:.2f} | "
            f"{run.median('peak_mib'):.0f} | {1e6 * cpu / lines:,.1f} | {1000 * cpu / files:,.1f} | {growth} |"
        )
        before = (name, size, cpu)
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    sys.exit(main())

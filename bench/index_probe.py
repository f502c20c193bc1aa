"""Where one process's memory and work go: dllint's runner in this process
over a folder, counting what the second pass parses and models.

    python bench/index_probe.py FOLDER [--under SUBFOLDER] [--check N] [--budget CHARS] [--every N]

It runs the whole first pass, checks the first N files (all by default;
with `--under`, the first N of that subfolder of FOLDER) in
this one process (`-j 1`), and prints, every `--every` files and at the end:
the process's resident memory, the text whose trees the index holds
(`ProjectIndex.parsed_text_size`), the modules with a model, and counts of
work since the start: parses and characters parsed (the first pass
included), scope tables built, fresh starts. `--budget` replaces
`runner._PARSED_TEXT_BUDGET` (the fresh start keeps half of it). Counts
are what to compare between two versions; CPU seconds and memory depend on
the machine and its load (say it with any figure).
"""
from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

from dllint import runner as runner_module
from dllint import source as source_module
from dllint.semantic import project as project_module
from dllint.semantic import scopes as scopes_module
from dllint.settings import Settings


def _resident_mb() -> int:
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * resource.getpagesize() // 2**20
    except OSError:  # not Linux: the peak will do
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


class Counts:
    """Wraps the functions whose calls are the work counted (in this process only)."""

    def __init__(self) -> None:
        self.parses = self.characters = self.scope_tables = self.fresh_starts = self.models = 0
        parse, table_init, forget = source_module.parse_source, scopes_module.ScopeTable.__init__, runner_module._forget_trees
        model_for = project_module.ProjectIndex.model_for

        def counted_parse(text, filename):
            self.parses += 1
            self.characters += len(text)
            return parse(text, filename)

        def counted_table(table, *args, **kwargs):
            self.scope_tables += 1
            table_init(table, *args, **kwargs)

        def counted_forget(project):
            self.fresh_starts += 1
            return forget(project)

        def counted_model(project, info):
            self.models += info._model is None
            return model_for(project, info)

        project_module.ProjectIndex.model_for = counted_model  # type: ignore[method-assign]
        # every module that imported parse_source by name
        for module in (source_module, runner_module, project_module):
            module.parse_source = counted_parse  # type: ignore[attr-defined]
        scopes_module.ScopeTable.__init__ = counted_table  # type: ignore[method-assign]
        runner_module._forget_trees = counted_forget

    def __str__(self) -> str:
        return (f"parses {self.parses}, characters parsed {self.characters:,}, scope tables {self.scope_tables}, models built {self.models}, "
                f"fresh starts {self.fresh_starts}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--under", type=Path, default=None, help="check only files under FOLDER/UNDER (the rest is indexed)")
    parser.add_argument("--check", type=int, default=0, help="check only the first N files (0: all)")
    parser.add_argument("--budget", type=float, default=0, help="characters of held trees before a fresh start")
    parser.add_argument("--every", type=int, default=200, help="print a line every N files checked")
    options = parser.parse_args(argv)
    if options.budget:
        runner_module._PARSED_TEXT_BUDGET = int(options.budget)
        runner_module._KEPT_ACROSS_FRESH_STARTS = int(options.budget) // 2
    counts = Counts()
    checked = [0]
    check = runner_module.Runner._check

    def counted_check(runner, item, info, project, result):
        found = check(runner, item, info, project, result)
        checked[0] += 1
        if checked[0] % options.every == 0:
            models = sum(1 for module in project.all_modules() if module._model is not None)
            print(f"{checked[0]} files checked ({item.display_path}): resident {_resident_mb()} MB, trees held "
                  f"{project.parsed_text_size:,} characters, models {models}; {counts}", flush=True)
        return found

    runner_module.Runner._check = counted_check  # type: ignore[method-assign]
    files = sorted(options.folder.rglob("*.py"))
    candidates = files if options.under is None else [path for path in files if (options.folder / options.under) in path.parents]
    only = {str(path) for path in candidates[: options.check or None]} if options.check or options.under else None
    started = time.process_time()
    result = runner_module.Runner(Settings(), jobs=1).run([runner_module.Input(str(path), path=path) for path in files], only=only)
    print(f"{len(files)} files indexed, {checked[0]} checked, {len(result.diagnostics)} findings: {counts}; "
          f"CPU {time.process_time() - started:.1f} s, peak resident {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())

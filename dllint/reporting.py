"""Turning findings into text for people and tools.

Each `--format` is a module in `dllint/formats/`, registered here. The
default, `text`, is flake8's format, `path:line:col: CODE message`, with
1-based lines and columns: editors and CI problem matchers parse it, so
stdout carries nothing else. The summary and statistics go to stderr.
"""
from __future__ import annotations

from collections import Counter
from typing import Callable, Dict, Optional, Sequence

from dllint.diagnostics import Diagnostic
from dllint.formats import concise, full, github, json_array, json_lines, pylint, sarif, text
from dllint.formats.context import ReportContext
from dllint.registry import code_names

Formatter = Callable[[Sequence[Diagnostic], ReportContext], str]

FORMATTERS: Dict[str, Formatter] = {
    "text": text.render,
    "concise": concise.render,
    "full": full.render,
    "json": json_array.render,
    "json-lines": json_lines.render,
    "sarif": sarif.render,
    "github": github.render,
    "pylint": pylint.render,
}


def format_statistics(diagnostics: Sequence[Diagnostic]) -> str:
    counts = Counter(d.code for d in diagnostics)
    names = code_names()
    width = max((len(str(n)) for n in counts.values()), default=1)
    return "".join(
        f"{counts[code]:>{width}}  {code}  {names.get(code, '')}\n" for code in sorted(counts)
    )


def summary_line(diagnostics: Sequence[Diagnostic], files_checked: int, fixed: Optional[int] = None) -> str:
    """`dllint: 3 findings in 2 files checked.`; after `--fix`, ruff's
    `(2 fixed, 1 remaining)` counts the fixed findings in."""
    remaining = len(diagnostics)
    count = remaining + (fixed or 0)
    findings = "no findings" if count == 0 else f"{count} finding{'s' if count != 1 else ''}"
    files = f"{files_checked} file{'s' if files_checked != 1 else ''}"
    if fixed:
        return f"dllint: {findings} in {files} checked ({fixed} fixed, {remaining} remaining)."
    return f"dllint: {findings} in {files} checked."

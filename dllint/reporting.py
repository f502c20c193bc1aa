"""Turning findings into text for people and tools.

Each `--format` is a module in `dllint/formats/`, registered here. The
default, `text`, is flake8's format, `path:line:col: CODE message`, with
1-based lines and columns: editors and CI problem matchers parse it, so
stdout carries nothing else. The summary and statistics go to stderr.
"""
from __future__ import annotations

import importlib
from collections import Counter
from typing import TYPE_CHECKING, Callable, Dict, Optional, Sequence

from dllint.diagnostics import Diagnostic
from dllint.fixes import is_applicable
from dllint.registry import code_names

if TYPE_CHECKING:
    from dllint.formats.context import ReportContext

Formatter = Callable[[Sequence[Diagnostic], "ReportContext"], str]


def _render_of(module: str) -> Formatter:
    """`dllint.formats.<module>.render`, imported when it is first called: a
    run writes one format, and the others' imports (json, urllib) are not
    paid for."""

    def render(diagnostics: Sequence[Diagnostic], context: "ReportContext") -> str:
        return importlib.import_module(f"dllint.formats.{module}").render(diagnostics, context)

    render.__qualname__ = f"{module}.render"
    return render


FORMATTERS: Dict[str, Formatter] = {
    "text": _render_of("text"),
    "concise": _render_of("concise"),
    "full": _render_of("full"),
    "json": _render_of("json_array"),
    "json-lines": _render_of("json_lines"),
    "sarif": _render_of("sarif"),
    "github": _render_of("github"),
    "pylint": _render_of("pylint"),
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


def fixable_summary(diagnostics: Sequence[Diagnostic], unsafe_fixes: bool) -> Optional[str]:
    """ruff's line about fixes: `[*] 2 fixable with the `--fix` option (1
    hidden fix can be enabled with the `--unsafe-fixes` option).`"""
    fixable = sum(1 for d in diagnostics if is_applicable(d.fix, unsafe_fixes))
    hidden = 0 if unsafe_fixes else sum(1 for d in diagnostics if d.fix is not None and not d.fix.safe)
    hint = f" ({hidden} hidden fix{'es' if hidden != 1 else ''} can be enabled with the `--unsafe-fixes` option)" if hidden else ""
    if fixable:
        return f"[*] {fixable} fixable with the `--fix` option{hint}."
    if hidden:
        return f"No fixes available{hint}."
    return None

"""`text`, the default: flake8's `path:line:col: CODE message`, 1-based.

Editors, CI problem matchers and people read it; stdout carries nothing else.
On a terminal (see `--color`) the path and code are coloured; in a pipe or
a file, never.
"""
from __future__ import annotations

from typing import Sequence

from dllint.diagnostics import Diagnostic
from dllint.formats import colors
from dllint.formats.context import ReportContext


def header(d: Diagnostic, context: ReportContext, fix_marker: bool = False) -> str:
    """One finding's line, without its newline (shared by `concise` and `full`)."""
    where = colors.location(d.path, d.line, d.column, enabled=context.color)
    marker = colors.paint("[*] ", colors.CYAN, enabled=context.color) if fix_marker and d.fix else ""
    return f"{where} {colors.code(d.code, enabled=context.color)} {marker}{d.message}"


def render(diagnostics: Sequence[Diagnostic], context: ReportContext) -> str:
    return "".join(header(d, context) + "\n" for d in diagnostics)

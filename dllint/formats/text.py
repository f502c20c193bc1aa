"""`text`, the default: flake8's `path:line:col: CODE message`, 1-based.

Editors, CI problem matchers and people read it; stdout carries nothing else.
A finding that `--fix` would repair has ruff's `[*]` before its message (an
unsafe fix only with `--unsafe-fixes`). In a notebook the position is
`path:cell N:line:col`, the line counted within the cell, as ruff prints it.
On a terminal (see `--color`) the path and code are coloured; in a pipe or
a file, never.
"""
from __future__ import annotations

from typing import Sequence

from dllint.diagnostics import Diagnostic
from dllint.formats import colors
from dllint.formats.context import ReportContext


def header(d: Diagnostic, context: ReportContext, any_fix: bool = False) -> str:
    """One finding's line, without its newline (shared by `concise` and
    `full`). `[*]` marks a fix `--fix` would apply, or with `any_fix` (the
    concise format) any fix."""
    where = colors.location(d.location, enabled=context.color)
    marker = ("[*] " if d.fix else "") if any_fix else context.fix_marker(d)
    marker = colors.paint(marker, colors.CYAN, enabled=context.color)
    return f"{where} {colors.code(d.code, enabled=context.color)} {marker}{d.message}"


def render(diagnostics: Sequence[Diagnostic], context: ReportContext) -> str:
    return "".join(header(d, context) + "\n" for d in diagnostics)

"""`text`, the default: flake8's `path:line:col: CODE message`, 1-based.

Editors, CI problem matchers and people read it; stdout carries nothing else.
A finding that `--fix` would repair has ruff's `[*]` before its message (an
unsafe fix only with `--unsafe-fixes`). In a notebook the position is
`path:cell N:line:col`, the line counted within the cell, as ruff prints it.
"""
from __future__ import annotations

from typing import Sequence

from dllint.diagnostics import Diagnostic
from dllint.formats.context import ReportContext


def render(diagnostics: Sequence[Diagnostic], context: ReportContext) -> str:
    return "".join(f"{d.location}: {d.code} {context.fix_marker(d)}{d.message}\n" for d in diagnostics)

"""`pylint`: `path:line: [CODE] message`, the line-only format that
pylint-aware tools (and ruff's `--output-format pylint`) use."""
from __future__ import annotations

from typing import Sequence

from dllint.diagnostics import Diagnostic
from dllint.formats.context import ReportContext


def render(diagnostics: Sequence[Diagnostic], context: ReportContext) -> str:
    return "".join(f"{d.path}:{'cell %d:' % d.cell if d.cell is not None else ''}{d.line}: [{d.code}] {d.message}\n" for d in diagnostics)

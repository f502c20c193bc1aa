"""`concise`: the text format with ruff's `[*]` before the message of a
finding that carries a fix (safe or not)."""
from __future__ import annotations

from typing import Sequence

from dllint.diagnostics import Diagnostic
from dllint.formats.context import ReportContext


def render(diagnostics: Sequence[Diagnostic], context: ReportContext) -> str:
    return "".join(
        f"{d.path}:{d.line}:{d.column}: {d.code} {'[*] ' if d.fix else ''}{d.message}\n" for d in diagnostics
    )

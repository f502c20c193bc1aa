"""`concise`: the text format with ruff's `[*]` before the message of a
finding that carries a fix (safe or not)."""
from __future__ import annotations

from typing import Sequence

from dllint.diagnostics import Diagnostic
from dllint.formats.context import ReportContext
from dllint.formats.text import header


def render(diagnostics: Sequence[Diagnostic], context: ReportContext) -> str:
    return "".join(header(d, context, fix_marker=True) + "\n" for d in diagnostics)

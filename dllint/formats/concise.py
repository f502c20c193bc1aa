"""`concise`: the text format with ruff's `[*]` before the message of a
finding that carries any fix, safe or not (the text format marks only the
fixes `--fix` would apply)."""
from __future__ import annotations

from typing import Sequence

from dllint.diagnostics import Diagnostic
from dllint.formats.context import ReportContext
from dllint.formats.text import header


def render(diagnostics: Sequence[Diagnostic], context: ReportContext) -> str:
    return "".join(header(d, context, any_fix=True) + "\n" for d in diagnostics)

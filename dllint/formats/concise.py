"""`concise`: the text format with ruff's `[*]` before the message of a
finding that carries any fix, safe or not (the text format marks only the
fixes `--fix` would apply)."""
from __future__ import annotations

from typing import Sequence

from dllint.diagnostics import Diagnostic
from dllint.formats.context import ReportContext


def render(diagnostics: Sequence[Diagnostic], context: ReportContext) -> str:
    return "".join(
        f"{d.location}: {d.code} {'[*] ' if d.fix else ''}{d.message}\n" for d in diagnostics
    )

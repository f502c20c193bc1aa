"""`text`, the default: flake8's `path:line:col: CODE message`, 1-based.

Editors, CI problem matchers and people read it; stdout carries nothing else.
"""
from __future__ import annotations

from typing import Sequence

from dllint.diagnostics import Diagnostic
from dllint.formats.context import ReportContext


def render(diagnostics: Sequence[Diagnostic], context: ReportContext) -> str:
    return "".join(f"{d.path}:{d.line}:{d.column}: {d.code} {d.message}\n" for d in diagnostics)

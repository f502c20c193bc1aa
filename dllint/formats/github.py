"""`github`: GitHub Actions workflow commands, one annotation per finding.

    ::error title=dllint (DL103),file=train.py,line=41,col=9,endLine=41,endColumn=23::train.py:41:9: DL103 ...

Lines and columns are 1-based. A workflow command ends at the end of its
line and its properties at `,` and `::`, so GitHub's escaping applies:
`%`, CR and LF in the message; those and `:` and `,` in property values.
"""
from __future__ import annotations

from typing import Sequence

from dllint.diagnostics import Diagnostic
from dllint.formats.context import ReportContext


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _annotation(d: Diagnostic) -> str:
    properties = [("title", f"dllint ({d.code})"), ("file", d.path), ("line", str(d.line)), ("col", str(d.column))]
    if d.end_line is not None and d.end_column is not None:
        properties += [("endLine", str(d.end_line)), ("endColumn", str(d.end_column))]
    joined = ",".join(f"{key}={escape_property(value)}" for key, value in properties)
    message = f"{d.location}: {d.code} {d.message}"
    return f"::error {joined}::{escape_data(message)}\n"


def render(diagnostics: Sequence[Diagnostic], context: ReportContext) -> str:
    return "".join(_annotation(d) for d in diagnostics)

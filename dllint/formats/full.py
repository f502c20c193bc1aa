"""`full`: ruff's default style, for people reading a terminal.

    train.py:7:5: DL103 [*] `loss.backward` is not called, so ...
      |
    7 |     loss.backward
      |     ^^^^^^^^^^^^^ DL103
      |
      = help: Call `loss.backward()`

The header is the `concise` line; below it the reported line of source
with carets under the finding (from its column to its end column when it
ends on the same line, else to the end of the line; one caret for a finding
without an extent, such as a syntax error), and the title of its
fix when it has one; in a notebook, the line of the finding's cell. A
finding whose line cannot be shown (a file gone since) keeps its header
and help. Tabs in the line are shown as
four spaces, the carets moved to match.
"""
from __future__ import annotations

from typing import List, Sequence

from dllint.diagnostics import Diagnostic
from dllint.formats import colors
from dllint.formats.context import ReportContext
from dllint.formats.text import header

TAB = "    "


def _snippet(d: Diagnostic, context: ReportContext) -> List[str]:
    line = context.source_line(d.path, d.line, d.cell)
    if line is None:
        return []
    start = max(d.column - 1, 0)
    if d.end_line is None or d.end_column is None:
        end = start + 1  # the engine's own findings have a position, no extent
    elif d.end_line == d.line:
        end = d.end_column - 1
    else:
        end = len(line.rstrip())
    end = max(end, start + 1)
    shown = line.replace("\t", TAB).rstrip()
    indent = len(line[:start].replace("\t", TAB))
    width = len(line[start:end].replace("\t", TAB)) or 1
    gutter = " " * len(str(d.line))
    bar = colors.paint("|", colors.BOLD, colors.BLUE, enabled=context.color)
    number = colors.paint(str(d.line), colors.BOLD, colors.BLUE, enabled=context.color)
    carets = colors.paint("^" * width, colors.BOLD, colors.RED, enabled=context.color)
    return [
        f"{gutter} {bar}",
        f"{number} {bar} {shown}".rstrip(),
        f"{gutter} {bar} {' ' * indent}{carets} {colors.code(d.code, enabled=context.color)}",
        f"{gutter} {bar}",
    ]


def _finding(d: Diagnostic, context: ReportContext) -> str:
    lines = [header(d, context), *_snippet(d, context)]
    if d.fix is not None:
        gutter = " " * len(str(d.line))
        lines.append(f"{gutter} {colors.paint('= help', colors.BOLD, enabled=context.color)}: {d.fix.message}")
    return "\n".join(lines) + "\n"


def render(diagnostics: Sequence[Diagnostic], context: ReportContext) -> str:
    return "\n".join(_finding(d, context) for d in diagnostics)

"""ANSI colours for the formats people read (`text`, `concise`, `full`).

Whether to colour is decided once, by the command line (`--color`,
`NO_COLOR`, whether stdout is a terminal), and reaches a format as
`ReportContext.color`; these helpers only paint.
"""
from __future__ import annotations

BOLD = "1"
RED = "31"
CYAN = "36"
BLUE = "34"


def paint(text: str, *styles: str, enabled: bool) -> str:
    if not enabled or not text:
        return text
    return f"\x1b[{';'.join(styles)}m{text}\x1b[0m"


def location(where: str, *, enabled: bool) -> str:
    """`path:line:col:` (or `path:cell N:line:col:`), the path bold and the
    separators cyan, as ruff paints it."""
    if not enabled:
        return where + ":"
    colon = paint(":", CYAN, enabled=enabled)
    path, *position = _split_location(where)
    return colon.join([paint(path, BOLD, enabled=enabled), *position]) + colon


def _split_location(where: str):
    """`path:line:col` -> [path, line, col]; the path may hold colons."""
    parts = where.rsplit(":", 3)
    if len(parts) == 4 and parts[1].startswith("cell "):
        return parts
    return where.rsplit(":", 2)


def code(text: str, *, enabled: bool) -> str:
    return paint(text, BOLD, RED, enabled=enabled)

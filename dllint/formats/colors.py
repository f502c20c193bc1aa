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


def location(path: str, line: int, column: int, *, enabled: bool) -> str:
    """`path:line:col:`, the path bold and the separators cyan, as ruff paints it."""
    colon = paint(":", CYAN, enabled=enabled)
    return f"{paint(path, BOLD, enabled=enabled)}{colon}{line}{colon}{column}{colon}"


def code(text: str, *, enabled: bool) -> str:
    return paint(text, BOLD, RED, enabled=enabled)

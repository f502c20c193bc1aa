"""Which Python a piece of syntax needs, for a syntax error's message.

dllint parses with the `ast` of the Python it runs on, so a file written for
a newer Python (a `match` statement read by a 3.9 hook environment) is a
syntax error there. When the line of the error (or the one before it)
starts with syntax newer than the running Python, DL001 says so, naming
both versions, rather than a bare `invalid syntax`.
"""
from __future__ import annotations

import sys
from typing import Optional, Sequence, Tuple

from dllint.lazy_pattern import LazyPattern

# (pattern at the start of a line, what it is, the first Python that reads it)
NEWER_SYNTAX: Tuple[Tuple[LazyPattern, str, Tuple[int, int]], ...] = (
    (LazyPattern(r"\s*match\s+(?![=.,:)\]]).+:\s*(#.*)?$"), "`match` statements", (3, 10)),
    (LazyPattern(r"\s*case\s+(?![=.,:)\]]).+:"), "`match` statements", (3, 10)),
    (LazyPattern(r"\s*except\s*\*"), "`except*`", (3, 11)),
    (LazyPattern(r"\s*type\s+\w+\s*(\[[^\]]*\])?\s*="), "`type` aliases", (3, 12)),
    (LazyPattern(r"\s*(async\s+)?def\s+\w+\s*\["), "type parameters (`def f[T]`)", (3, 12)),
    (LazyPattern(r"\s*class\s+\w+\s*\["), "type parameters (`class C[T]`)", (3, 12)),
)


def running_python() -> str:
    return ".".join(str(part) for part in sys.version_info[:3])


def newer_syntax_hint(lines: Sequence[str], error_line: int, running: Tuple[int, int] = None) -> Optional[str]:
    """A note for a syntax error on `error_line` (1-based) when that line or
    the one before starts with syntax the running Python is too old for."""
    running = running or sys.version_info[:2]
    for number in (error_line, error_line - 1):
        if not 1 <= number <= len(lines):
            continue
        for pattern, what, needs in NEWER_SYNTAX:
            if running < needs and pattern.match(lines[number - 1]):
                return (
                    f"this file was parsed by Python {running_python()}; {what} need Python "
                    f"{needs[0]}.{needs[1]} or newer, so the file may need dllint run by a newer Python"
                )
    return None

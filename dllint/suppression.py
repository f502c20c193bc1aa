"""`# noqa` comments, read flake8's way.

`# noqa` silences every finding on its line, `# noqa: DL101,DL2` only the
listed codes (matched as prefixes, case-insensitive, as flake8 does). A
finding inside a multi-line statement is also silenced by a `noqa` on the
statement's first line, where formatters leave such comments. A line
`# dllint: noqa` anywhere in a file skips the whole file.
"""
from __future__ import annotations

import ast
import re
from typing import Dict, Iterable, List, Optional, Sequence

from dllint.diagnostics import Diagnostic

# flake8's own pattern (flake8/defaults.py), so both tools agree on a comment.
NOQA_INLINE = re.compile(
    r"#\s*noqa(?::[\s]?(?P<codes>([A-Z]+[0-9]+(?:[,\s]+)?)+))?",
    re.IGNORECASE,
)
NOQA_FILE = re.compile(r"#\s*dllint\s*[:=]\s*noqa\b(?!\s*:)", re.IGNORECASE)

ALL_CODES = None  # marker: a bare `# noqa`


def file_is_skipped(text: str) -> bool:
    return "noqa" in text.lower() and NOQA_FILE.search(text) is not None


def noqa_by_line(lines: Sequence[str]) -> Dict[int, Optional[List[str]]]:
    """1-based line -> the codes it silences (None: all codes)."""
    found: Dict[int, Optional[List[str]]] = {}
    for number, line in enumerate(lines, start=1):
        if "noqa" not in line.lower():
            continue
        match = NOQA_INLINE.search(line)
        if match is None:
            continue
        codes = match.group("codes")
        found[number] = [code.upper() for code in re.split(r"[,\s]+", codes) if code] if codes else ALL_CODES
    return found


def statement_first_lines(tree: ast.AST) -> Dict[int, int]:
    """Each line inside a multi-line simple statement (or a compound
    statement's header) -> the line the statement starts on."""
    first: Dict[int, int] = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.stmt):
            continue
        end = node.end_lineno or node.lineno
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.stmt):
            end = min(end, body[0].lineno - 1)  # only the header of `for`, `def`, `with`...
        for line in range(node.lineno + 1, end + 1):
            first.setdefault(line, node.lineno)
    return first


def _silences(codes: Optional[List[str]], code: str) -> bool:
    return codes is ALL_CODES or any(code.startswith(prefix) for prefix in codes)


def remove_suppressed(diagnostics: Iterable[Diagnostic], lines: Sequence[str], tree: Optional[ast.AST]) -> List[Diagnostic]:
    diagnostics = list(diagnostics)
    if not diagnostics:
        return diagnostics
    noqa = noqa_by_line(lines)
    if not noqa:
        return diagnostics
    first_lines = statement_first_lines(tree) if tree is not None else {}
    kept = []
    for diagnostic in diagnostics:
        candidates = [diagnostic.line]
        if diagnostic.line in first_lines:
            candidates.append(first_lines[diagnostic.line])
        if any(line in noqa and _silences(noqa[line], diagnostic.code) for line in candidates):
            continue
        kept.append(diagnostic)
    return kept

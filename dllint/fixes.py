"""Applying the edits that findings' fixes carry to a text.

A fix is all or nothing: it is applied only when none of its edits overlaps
an edit of a fix applied before it (in the order of their first edit), as
ruff does; what is left over is picked up by the next round of `--fix`,
which lints the new text again.
"""
from __future__ import annotations

from typing import Iterable, List, Optional, Sequence, Tuple

from dllint.diagnostics import Fix


def is_applicable(fix: Optional[Fix], unsafe_fixes: bool) -> bool:
    """Whether `--fix` applies this fix: a safe one always, an unsafe one
    only with `--unsafe-fixes`."""
    return fix is not None and (fix.safe or unsafe_fixes)


def _line_starts(text: str) -> List[int]:
    starts: List[int] = [0]
    index = text.find("\n")
    while index != -1:
        starts.append(index + 1)
        index = text.find("\n", index + 1)
    return starts


def _offset(line_starts: Sequence[int], position: Tuple[int, int]) -> int:
    line, column = position
    return line_starts[line - 1] + column - 1


def apply_fixes_counting(text: str, fixes: Iterable[Fix]) -> Tuple[str, int]:
    """The text with every fix that fits applied, and how many fixes that was."""
    new_text, applied = apply_fixes_selecting(text, fixes)
    return new_text, len(applied)


def apply_fixes_selecting(text: str, fixes: Iterable[Fix]) -> Tuple[str, List[Fix]]:
    """The text with every fix that fits applied, and those fixes."""
    line_starts = _line_starts(text)
    located = []
    for fix in fixes:
        spans = sorted((_offset(line_starts, edit.start), _offset(line_starts, edit.end), edit.replacement) for edit in fix.edits)
        if spans:
            located.append((spans, fix))
    located.sort(key=lambda item: (item[0][0][0], item[0][0][1]))
    taken: List[Tuple[int, int, str]] = []
    applied: List[Fix] = []
    for spans, fix in located:
        if any(_overlaps(span, other) for span in spans for other in taken):
            continue
        taken.extend(spans)
        applied.append(fix)
    taken.sort(key=lambda span: (span[0], span[1]))
    pieces, cursor = [], 0
    for start, end, replacement in taken:
        pieces += [text[cursor:start], replacement]
        cursor = end
    pieces.append(text[cursor:])
    return "".join(pieces), applied


def apply_fixes(text: str, fixes: Iterable[Fix]) -> str:
    """The text with every fix that fits applied."""
    return apply_fixes_counting(text, fixes)[0]


def _overlaps(a: Tuple[int, int, str], b: Tuple[int, int, str]) -> bool:
    """Two edits collide when their ranges share text, or when both insert at
    the same place (their order would be a guess)."""
    if a[0] == a[1] == b[0] == b[1]:
        return True
    return a[0] < b[1] and b[0] < a[1]

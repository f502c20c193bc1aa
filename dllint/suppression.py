"""`# noqa` comments, read flake8's way, and `# dllint: noqa` for a file.

`# noqa` silences every finding on its line, `# noqa: DL101,DL2` only the
listed codes (matched as prefixes, case-insensitive, as flake8 does). A
finding inside a multi-line statement is also silenced by a `noqa` on the
statement's first line, where formatters leave such comments.

A comment `# dllint: noqa` anywhere in a file skips the whole file;
`# dllint: noqa: DL103` silences those codes in the whole file (as ruff's
`# ruff: noqa: F401`).

Only real comments count: the file is read with `tokenize`, so `"# noqa"`
inside a string literal silences nothing. A DL code that no rule has (a
typo, a rule from a newer dllint) silences nothing either; `warnings` names
it. Other tools' codes (`E501`) are left alone.
"""
from __future__ import annotations

import ast
import io
import re
import tokenize
from dataclasses import field
from typing import Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

from dllint.diagnostics import Diagnostic
from dllint.lazy_dataclass import lazy_dataclass
from dllint.lazy_pattern import LazyPattern

# flake8's own pattern (flake8/defaults.py), so both tools agree on a comment.
NOQA_INLINE = LazyPattern(
    r"#\s*noqa(?::[\s]?(?P<codes>([A-Z]+[0-9]+(?:[,\s]+)?)+))?",
    re.IGNORECASE,
)
NOQA_FILE = LazyPattern(
    r"#\s*dllint\s*[:=]\s*noqa(?![\w-])(?:\s*:\s*(?P<codes>([A-Z]+[0-9]+(?:[,\s]+)?)+))?",
    re.IGNORECASE,
)

ALL_CODES = None  # marker: a bare `# noqa`
# A noqa comment naming a DL code: "noqa", then "dl" later on the same line
# (codes are matched case-insensitively). Lines end at "\n" here, a superset
# of what tokenize calls a comment, so no such comment is missed.
_NOQA_THEN_DL = LazyPattern(r"noqa[^\n]*dl", re.IGNORECASE)


@lazy_dataclass
class Suppressions:
    """What the comments of one file silence."""

    # 1-based line -> the codes its `# noqa` silences (None: all codes); see `by_line`
    inline: Dict[int, Optional[List[str]]] = field(default_factory=dict)
    # codes a `# dllint: noqa: CODES` silences in the whole file
    file_codes: List[str] = field(default_factory=list)
    skip_file: bool = False
    # (line, code) of each DL code no rule has
    unknown: List[Tuple[int, str]] = field(default_factory=list)

    # the text whose inline comments are still to be read (see `of`)
    unread: Optional[str] = field(default=None, repr=False, compare=False)

    @property
    def by_line(self) -> Dict[int, Optional[List[str]]]:
        if self.unread is not None:
            self.inline, self.unread = Suppressions._read(self.unread).inline, None
        return self.inline

    @classmethod
    def of(cls, text: str) -> "Suppressions":
        lowered = text.lower()
        if "noqa" not in lowered:
            return cls()  # the common case, without tokenizing
        if "dllint" not in lowered and not _NOQA_THEN_DL.search(text):
            # No file-wide comment and no DL code in any noqa comment, so
            # nothing to warn about: what each line silences matters only
            # when the file has findings, so tokenizing waits for them
            # (library code has many `# noqa: F401` and no findings).
            return cls(unread=text)
        return cls._read(text)

    @classmethod
    def _read(cls, text: str) -> "Suppressions":
        found = cls()
        from dllint.registry import is_known_selector

        for line, comment in _comments(text):
            if "noqa" not in comment.lower():
                continue
            file_match = NOQA_FILE.search(comment)
            if file_match is not None:
                codes = _codes(file_match.group("codes"))
                if codes is ALL_CODES:
                    found.skip_file = True
                else:
                    found.file_codes += codes
                    found.unknown += [(line, code) for code in codes if code.startswith("DL") and not is_known_selector(code)]
                continue
            match = NOQA_INLINE.search(comment)
            if match is None:
                continue
            codes = _codes(match.group("codes"))
            found.inline[line] = codes
            if codes is not ALL_CODES:
                found.unknown += [(line, code) for code in codes if code.startswith("DL") and not is_known_selector(code)]
        return found

    def warnings(self, path: str, locate: Optional[Callable[[int], Tuple[int, int]]] = None) -> List[str]:
        """One line per unknown code; `locate` turns a notebook program's line
        into (cell, line in the cell)."""
        found = []
        for line, code in self.unknown:
            where = f"cell {locate(line)[0]}:{locate(line)[1]}" if locate is not None else str(line)
            found.append(f"{path}:{where}: unknown code {code} in a noqa comment; it silences nothing")
        return found

    def remove_suppressed(self, diagnostics: Iterable[Diagnostic], tree: Optional[ast.AST]) -> List[Diagnostic]:
        diagnostics = list(diagnostics)
        if not diagnostics or not (self.by_line or self.file_codes):
            return diagnostics
        first_lines = statement_first_lines(tree) if tree is not None and self.by_line else {}
        kept = []
        for diagnostic in diagnostics:
            if _silences(self.file_codes, diagnostic.code):
                continue
            candidates = [diagnostic.line]
            if diagnostic.line in first_lines:
                candidates.append(first_lines[diagnostic.line])
            if any(line in self.by_line and _silences(self.by_line[line], diagnostic.code) for line in candidates):
                continue
            kept.append(diagnostic)
        return kept


def _codes(text: Optional[str]) -> Optional[List[str]]:
    if not text:
        return ALL_CODES
    return [code.upper() for code in re.split(r"[,\s]+", text) if code]


def _comments(text: str) -> Iterator[Tuple[int, str]]:
    """(1-based line, text) of every comment. A file tokenize cannot read
    (it does not parse either, so no rule reports on it) falls back to
    reading each line from its first `#`."""
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.COMMENT:
                yield token.start[0], token.string
    except (tokenize.TokenError, SyntaxError):
        for number, line in enumerate(text.splitlines(), start=1):
            if "#" in line:
                yield number, line[line.index("#"):]


def file_is_skipped(text: str) -> bool:
    return "noqa" in text.lower() and Suppressions.of(text).skip_file


def noqa_by_line(lines: Sequence[str]) -> Dict[int, Optional[List[str]]]:
    """1-based line -> the codes it silences (None: all codes)."""
    return Suppressions.of("\n".join(lines) + "\n").by_line


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
    """The findings no comment in the file (given as its lines) silences."""
    return Suppressions.of("\n".join(lines) + "\n").remove_suppressed(diagnostics, tree)

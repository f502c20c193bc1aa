"""`--add-noqa`: write a `# noqa: CODE` comment for every current finding.

For adopting dllint on a large code base, as ruff's `--add-noqa`: the
findings of today are silenced where they are, and only new code is held to
the rules. Each comment goes at the end of the finding's line; when that line
cannot take a comment (its end is inside a multi-line string, or it is
continued with a backslash) it goes on the first line of the statement,
which `# noqa` also covers; when neither can, the finding is left and
counted as skipped. A line that already has a `# noqa: CODES` comment gets
the new codes added to that comment.

Files are read again from disk, changed line by line (line endings,
encoding and a byte-order mark kept) and written with
`file_writer.write_text_atomically`, which refuses text that no longer
parses. Running it twice adds nothing the second time: the first run's
comments silence the findings. In a notebook the comment goes into the
finding's cell (only the changed cells' `source` is rewritten). The
engine's own findings (DL000 to DL002) are not silenced this way, and stdin
is left alone.
"""
from __future__ import annotations

import ast
import io
import tokenize
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Set, Tuple

from dllint.diagnostics import Diagnostic
from dllint.file_writer import RefusedWrite, write_text_atomically
from dllint.lazy_pattern import LazyPattern
from dllint.notebook import MalformedNotebook, read_notebook, replace_cell_sources
from dllint.registry import ENGINE_CODES
from dllint.source import UnreadableSource, decode_source, parse_source
from dllint.suppression import NOQA_INLINE, statement_first_lines

_LINE = LazyPattern(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")
_ENDING = LazyPattern(r"(\r\n|\r|\n)$")


@dataclass
class AddNoqaResult:
    added: int = 0  # comments written or extended
    files: int = 0  # files changed
    # findings that got no comment, with why: (path, line, reason)
    skipped: List[Tuple[str, int, str]] = field(default_factory=list)
    # files that could not be changed, with why
    failed: List[Tuple[str, str]] = field(default_factory=list)


def add_noqa(diagnostics: Iterable[Diagnostic], paths: Dict[str, Path]) -> AddNoqaResult:
    """Add comments for `diagnostics`; `paths` maps each reported path to the
    file it was read from (stdin has none and is left alone)."""
    by_file: Dict[str, List[Diagnostic]] = defaultdict(list)
    for diagnostic in diagnostics:
        if diagnostic.code not in ENGINE_CODES and diagnostic.path in paths:
            by_file[diagnostic.path].append(diagnostic)
    result = AddNoqaResult()
    for shown, found in sorted(by_file.items()):
        path = paths[shown]
        try:
            if str(path).endswith(".ipynb"):
                added = _add_to_notebook(path, shown, found, result)
            else:
                added = _add_to_file(path, shown, found, result)
        except (OSError, UnreadableSource, RefusedWrite, MalformedNotebook) as error:
            result.failed.append((shown, getattr(error, "strerror", None) or str(error)))
            continue
        if added:
            result.added += added
            result.files += 1
    return result


def _add_to_file(path: Path, shown: str, found: Sequence[Diagnostic], result: AddNoqaResult) -> int:
    data = path.read_bytes()
    text = decode_source(data)
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    bom = data.startswith(b"\xef\xbb\xbf")
    lines = _LINE.findall(text)
    added = _add_to_lines(lines, text, parse_source(text, shown), shown, found, result)
    if added:
        write_text_atomically(path, "".join(lines), encoding="utf-8" if encoding == "utf-8-sig" else encoding, bom=bom)
    return added


def _add_to_notebook(path: Path, shown: str, found: Sequence[Diagnostic], result: AddNoqaResult) -> int:
    """The comments go into the cells' sources; the findings' lines are
    counted within their cells. A cell is read as the program holds it
    (IPython syntax blanked, lines kept), so tokens and statements are
    Python's; columns move back by the cell's leading indent, if any."""
    text = decode_source(path.read_bytes())
    notebook = read_notebook(text)
    by_cell: Dict[int, List[Diagnostic]] = defaultdict(list)
    for diagnostic in found:
        by_cell[diagnostic.cell or 0].append(diagnostic)
    new_sources: Dict[int, str] = {}
    added = 0
    for number, in_cell in sorted(by_cell.items()):
        cell = notebook.cell_numbered(number)
        if cell is None:
            result.skipped += [(shown, d.line, "not in a code cell") for d in in_cell]
            continue
        lines = _LINE.findall(cell.source)
        try:
            tree = ast.parse(cell.python)
        except (SyntaxError, ValueError):
            tree = None
        count = _add_to_lines(lines, cell.python, tree, shown, in_cell, result, indent=cell.indent)
        if count:
            new_sources[cell.index] = "".join(lines)
            added += count
    if added:
        write_text_atomically(path, replace_cell_sources(text, new_sources))
    return added


def _add_to_lines(
    lines: List[str], python: str, tree, shown: str, found: Sequence[Diagnostic], result: AddNoqaResult, indent: int = 0
) -> int:
    """Adds the comments to `lines` in place; how many lines changed."""
    try:
        unsafe, comments = _read_tokens(python, _LINE.findall(python))
    except (tokenize.TokenError, SyntaxError):
        result.skipped += [(shown, d.line, "the code around it cannot be read") for d in found]
        return 0
    comments = {line: column + indent for line, column in comments.items()}
    first_lines = statement_first_lines(tree) if tree is not None else {}

    codes_by_line: Dict[int, List[str]] = defaultdict(list)
    for diagnostic in found:
        target: Optional[int] = diagnostic.line
        if target in unsafe:
            target = first_lines.get(diagnostic.line)
            if target is None or target in unsafe:
                result.skipped.append((shown, diagnostic.line, "no line of its statement can take a comment"))
                continue
        if not 1 <= target <= len(lines):
            result.skipped.append((shown, diagnostic.line, "its line is not in the file"))
            continue
        if diagnostic.code not in codes_by_line[target]:
            codes_by_line[target].append(diagnostic.code)
    for number, codes in codes_by_line.items():
        lines[number - 1] = _with_noqa(lines[number - 1], sorted(codes), comments.get(number))
    return len(codes_by_line)


def _with_noqa(line: str, codes: List[str], comment_start: Optional[int]) -> str:
    ending = _ENDING.search(line)
    end = ending.group(1) if ending else ""
    body = line[: len(line) - len(end)]
    match = NOQA_INLINE.search(body, comment_start) if comment_start is not None else None
    if match is not None and match.group("codes"):
        # extend the existing list: `# noqa: E501` -> `# noqa: E501, DL103`
        present = match.group("codes").rstrip(", \t")
        after = match.start("codes") + len(present)
        body = body[:after] + ", " + ", ".join(codes) + body[after:]
    else:
        body = body.rstrip() + "  # noqa: " + ", ".join(codes)
    return body + end


def _read_tokens(text: str, lines: Sequence[str]) -> Tuple[Set[int], Dict[int, int]]:
    """The lines whose end is inside a string or continued by a backslash
    (they cannot take a comment), and the column where each line's comment
    starts."""
    unsafe: Set[int] = set()
    comments: Dict[int, int] = {}
    for number, line in enumerate(lines, start=1):
        if line.rstrip("\r\n").endswith("\\"):
            unsafe.add(number)
    fstring_start = getattr(tokenize, "FSTRING_START", None)  # 3.12+: f-strings are several tokens
    fstring_end = getattr(tokenize, "FSTRING_END", None)
    open_fstrings: List[int] = []
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type == tokenize.COMMENT:
            comments[token.start[0]] = token.start[1]
        elif token.type == tokenize.STRING and token.end[0] > token.start[0]:
            unsafe.update(range(token.start[0], token.end[0]))
        elif fstring_start is not None and token.type == fstring_start:
            open_fstrings.append(token.start[0])
        elif fstring_end is not None and token.type == fstring_end and open_fstrings:
            unsafe.update(range(open_fstrings.pop(), token.end[0]))
    return unsafe, comments

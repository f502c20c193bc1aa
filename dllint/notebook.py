"""Jupyter notebooks as one Python program, and back.

A notebook is linted as what its kernel runs: every code cell, in order, as
one program, so a model built in cell 2 and evaluated in cell 9 is one model.
The program keeps each cell's lines where they are, so a position in the
program maps back to (cell, line in the cell, column) by a table lookup:

* a cell whose first line is indented loses that indentation on every line,
  as IPython's `leading_indent` transform does (columns are shifted back
  when a finding is reported);
* IPython syntax that is not Python (`%magic`, `!shell`, `x = !cmd`,
  `obj?` / `??obj` help, `get_ipython()` calls, and magics written without
  their `%` (`ls data/`, `pip install x`) on a line that is not Python)
  becomes `pass` at the same
  indentation, so the block around it still parses and no line moves;
* a cell magic (`%%time`, `%%capture` keep their body; any other, such as
  `%%bash` or `%%writefile`, holds no Python) blanks its first line or the
  whole cell;
* a cell that does not parse on its own is reported (DL001, in that cell) and
  blanked, and the other cells are still linted.

Cells are numbered as Jupyter shows them, 1-based, counting every cell
(markdown and raw cells too). Only nbformat 4 is read, with the standard
library's `json`: nbformat itself is not needed (its validation costs import
time and a dependency; see docs/architecture.md).

Fixing a notebook rewrites only the `source` of the cells that change, in the
notebook file's own JSON text: outputs, metadata and every other cell stay
byte for byte.
"""
from __future__ import annotations

import dataclasses
import re
from dataclasses import field
from typing import TYPE_CHECKING, Dict, List, Optional, Tuple

from dllint.diagnostics import Change, Diagnostic
from dllint.lazy_dataclass import lazy_dataclass
from dllint.lazy_pattern import LazyPattern
from dllint.source import InvalidSyntax, UnreadableSource, parse_source

if TYPE_CHECKING:  # pragma: no cover
    import json

NOTEBOOK_SUFFIX = ".ipynb"

# Cell magics whose body is Python that runs in the kernel's namespace.
_PYTHON_CELL_MAGICS = {"time", "timeit", "capture", "prun", "debug"}
# `obj?`, `??obj`, and the wildcard search `torch.*Tensor?`
_HELP = LazyPattern(r"^\s*(\?{1,2}[\w.\[\]*]+|[\w.\[\]()*]+\?{1,2})\s*$")
# Magics IPython runs without the `%` (automagic, on by default), when the
# line is not Python: `ls ./data`, `pip install timm`, `cd ..`.
_AUTOMAGICS = frozenset({
    "ls", "cd", "pwd", "pip", "conda", "cat", "mkdir", "rmdir", "rm", "cp", "mv", "less", "more", "man", "clear",
    "env", "load_ext", "reload_ext", "matplotlib", "time", "timeit", "run", "who", "whos", "history", "store",
    "reset", "autoreload", "pylab", "config", "alias", "bookmark", "dhist", "pushd", "popd", "sx", "system",
})
_SHELL_OR_MAGIC_ASSIGNMENT = LazyPattern(r"^\s*[\w.,\s\[\]()]+?=\s*[!%]")


class MalformedNotebook(Exception):
    """The file is not a notebook dllint can read; the message says why."""


def is_notebook(path: Optional[str]) -> bool:
    return bool(path) and str(path).endswith(NOTEBOOK_SUFFIX)


@lazy_dataclass
class CodeCell:
    number: int  # 1-based, counting every cell of the notebook
    index: int  # 0-based position in the notebook's `cells` list
    source: str  # as stored (list items joined)
    first_line: int  # 1-based line of the program where this cell starts
    line_count: int
    python: str  # the source with IPython syntax blanked, as the program holds it
    # IPython removes the first line's indentation from every line of a cell
    # that starts indented; the program holds the dedented lines, so columns
    # in this cell are this much further right in the source
    indent: int = 0


@lazy_dataclass
class CellError:
    """A code cell that does not parse: where (in the cell) and why."""

    cell: int
    line: int
    column: int
    reason: str


@lazy_dataclass
class Notebook:
    cells: List[CodeCell]
    # cells that did not parse; they are blank in the program
    errors: List[CellError] = field(default_factory=list)
    # 0-based program line -> the cell holding it
    _owners: List[CodeCell] = field(default_factory=list, repr=False)

    @property
    def program(self) -> str:
        return "".join(cell.python for cell in self.cells)

    def locate(self, line: int) -> Tuple[int, int]:
        """(cell number, 1-based line in the cell) of a 1-based program line."""
        if not self._owners:
            self._owners = [cell for cell in self.cells for _ in range(cell.line_count)]
        if not self._owners:
            return 1, line
        cell = self._owners[min(max(line, 1), len(self._owners)) - 1]
        return cell.number, min(line - cell.first_line + 1, cell.line_count) if line >= cell.first_line else 1

    def cell_numbered(self, number: int) -> Optional[CodeCell]:
        for cell in self.cells:
            if cell.number == number:
                return cell
        return None

    def to_json(self) -> Dict[str, list]:
        """What the cache keeps of a notebook (`from_json` makes it again):
        its code cells and their errors, a small part of a notebook whose
        outputs hold images, and reading it back parses nothing."""
        return {
            "cells": [[c.number, c.index, c.source, c.first_line, c.line_count, c.python, c.indent] for c in self.cells],
            "errors": [[e.cell, e.line, e.column, e.reason] for e in self.errors],
        }

    @classmethod
    def from_json(cls, value: Dict[str, list]) -> "Notebook":
        """The notebook `to_json` gave; a value of another shape raises
        TypeError or ValueError (the cache then reads the file itself)."""
        cells = [CodeCell(*_typed(cell, (int, int, str, int, int, str, int))) for cell in value["cells"]]
        errors = [CellError(*_typed(error, (int, int, int, str))) for error in value["errors"]]
        return cls(cells, errors)


def _typed(values: object, types: Tuple[type, ...]) -> list:
    """`values` if it is a list of exactly these types, else ValueError."""
    if not isinstance(values, list) or len(values) != len(types) or not all(map(isinstance, values, types)):
        raise ValueError(f"expected a list of {[t.__name__ for t in types]}, got {values!r:.80}")
    return values


def read_notebook(text: str) -> Notebook:
    """The code cells of a notebook's JSON text; MalformedNotebook if it is none."""
    import json  # (a run that reads no notebook needs no json)

    try:
        document = json.loads(text)
    except ValueError as error:
        raise MalformedNotebook(f"not valid JSON ({error})") from None
    if not isinstance(document, dict) or not isinstance(document.get("cells"), list):
        raise MalformedNotebook("no list of `cells` (nbformat 4 is supported)")
    version = document.get("nbformat", 4)
    if not isinstance(version, int) or isinstance(version, bool) or version != 4:
        raise MalformedNotebook(f"nbformat {version!r} is not supported (nbformat 4 is)")
    cells: List[CodeCell] = []
    errors: List[CellError] = []
    if not _is_python(document.get("metadata")):
        return Notebook(cells)
    line = 1
    for index, raw in enumerate(document["cells"]):
        if not isinstance(raw, dict):
            raise MalformedNotebook(f"cell {index + 1} is not an object")
        if raw.get("cell_type") != "code":
            continue
        source = _joined(raw.get("source", ""), index)
        dedented, indent = _without_leading_indent(source)
        python, parsed = _cell_as_python(dedented)
        count = python.count("\n")
        cell = CodeCell(index + 1, index, source, line, count, python, indent)
        try:
            if not parsed:
                parse_source(python, "<cell>")
        except (InvalidSyntax, UnreadableSource) as error:
            where = (error.line, error.column + indent) if isinstance(error, InvalidSyntax) else (1, 1)
            reason = error.reason if isinstance(error, InvalidSyntax) else str(error)
            errors.append(CellError(cell.number, where[0], where[1], reason))
            cell.python = "\n" * count
        cells.append(cell)
        line += count
    return Notebook(cells, errors)


def _without_leading_indent(source: str) -> Tuple[str, int]:
    """IPython's `leading_indent` transform: when a cell's first line is
    indented, that indentation is removed from every line that has it."""
    match = re.match(r"[ \t]+", source)
    if match is None:
        return source, 0
    prefix = match.group(0)
    lines = source.split("\n")
    return "\n".join(text[len(prefix) :] if text.startswith(prefix) else text for text in lines), len(prefix)


def _is_python(metadata: object) -> bool:
    """False for a notebook whose kernel runs another language (R, Julia...)."""
    if not isinstance(metadata, dict):
        return True
    language = metadata.get("language_info", {})
    name = language.get("name") if isinstance(language, dict) else None
    if name is None:
        kernelspec = metadata.get("kernelspec", {})
        name = kernelspec.get("language") if isinstance(kernelspec, dict) else None
    return not isinstance(name, str) or name.lower() in ("python", "python3", "ipython", "")


def _joined(source: object, index: int) -> str:
    if isinstance(source, str):
        return source
    if isinstance(source, list) and all(isinstance(part, str) for part in source):
        return "".join(source)
    raise MalformedNotebook(f"cell {index + 1} has a `source` that is neither text nor a list of lines")


def python_of_cell(source: str) -> str:
    """The cell as Python: same lines, IPython syntax turned into `pass`,
    always ending with a newline (empty for an empty cell).

    A cell that parses as it is is left alone: a line starting with `%` may
    continue an expression (`msg = ("..."\n       % args)`)."""
    return _cell_as_python(source)[0]


def _cell_as_python(source: str) -> Tuple[str, bool]:
    """`python_of_cell`, and whether that text is known to parse (it is the
    cell as it was, which parsed: most cells, not parsed a second time)."""
    lines = source.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    plain = "".join(part + "\n" for part in lines)
    try:
        parse_source(plain, "<cell>")
        return plain, True
    except (InvalidSyntax, UnreadableSource):
        pass
    first = next((i for i, text in enumerate(lines) if text.strip()), None)
    if first is not None and lines[first].lstrip().startswith("%%"):
        magic = lines[first].lstrip()[2:].split(maxsplit=1)
        if magic and magic[0] in _PYTHON_CELL_MAGICS:
            lines[first] = ""
        else:
            return "\n" * len(lines), True  # (blank lines)
    out: List[str] = []
    continued = False  # the line before was IPython syntax ending in a backslash
    scanner = _LogicalLines()
    for text in lines:
        if continued or (scanner.at_statement_start() and _is_ipython_line(text)):
            indent = text[: len(text) - len(text.lstrip())]
            out.append("" if continued else indent + "pass")
            continued = text.rstrip().endswith("\\")
        else:
            out.append(text)
            scanner.feed(text)
    return "".join(part + "\n" for part in out), False


class _LogicalLines:
    """Just enough of Python's tokenizer to know whether the next physical
    line starts a statement: not inside brackets, a triple-quoted string or
    after a backslash. (`tokenize` itself stops at the first IPython line.)"""

    def __init__(self) -> None:
        self.depth = 0
        self.string: Optional[str] = None  # the open triple quote
        self.backslash = False

    def at_statement_start(self) -> bool:
        return self.depth == 0 and self.string is None and not self.backslash

    def feed(self, line: str) -> None:
        index, length = 0, len(line)
        while index < length:
            if self.string is not None:
                end = line.find(self.string, index)
                while end > 0 and line[end - 1] == "\\" and not line[:end].endswith("\\\\"):
                    end = line.find(self.string, end + 1)
                if end == -1:
                    break
                index, self.string = end + 3, None
                continue
            character = line[index]
            if character == "#":
                break
            if character in "\"'":
                triple = line[index : index + 3]
                if triple in ('"""', "'''"):
                    self.string = triple
                    index += 3
                    continue
                index += 1
                while index < length and line[index] != character:
                    index += 2 if line[index] == "\\" else 1
                index += 1
                continue
            if character in "([{":
                self.depth += 1
            elif character in ")]}":
                self.depth = max(0, self.depth - 1)
            index += 1
        self.backslash = self.string is None and line.rstrip("\r").endswith("\\")


def _is_ipython_line(text: str) -> bool:
    stripped = text.lstrip()
    if not stripped or stripped.startswith("#"):
        return False
    if stripped[0] in "%!":
        return True
    if stripped.startswith("get_ipython()"):
        return True
    if _HELP.match(stripped):
        return True
    if _SHELL_OR_MAGIC_ASSIGNMENT.match(text):
        return True
    word = stripped.split(maxsplit=1)[0]
    rest = stripped[len(word):].lstrip()
    # `history = model.fit(` or `cd.method(` use the name as Python (a line
    # that does not parse alone only because its brackets continue below)
    if (rest[:1] in ("=", "(", "[", ",", ":") and not rest.startswith("==")) or re.match(r"\.[A-Za-z_]", rest):
        return False
    return word in _AUTOMAGICS and not _parses(stripped)


def _parses(line: str) -> bool:
    try:
        parse_source(line, "<line>")
        return True
    except (InvalidSyntax, UnreadableSource):
        return False


def to_cell_positions(diagnostic: Diagnostic, notebook: Notebook) -> Diagnostic:
    """The finding with its position (and its fix's edits) given as cell,
    line in the cell and column, as every output shows it."""
    cell, line = notebook.locate(diagnostic.line)
    found = notebook.cell_numbered(cell)
    shift = found.indent if found is not None else 0
    end_line = None
    if diagnostic.end_line is not None:
        end_cell, end_line = notebook.locate(diagnostic.end_line)
        if end_cell != cell:  # cannot happen for a node; keep the output sane
            end_line = line
    fix = diagnostic.fix
    if fix is not None:
        changes = [_change_in_cell(change, notebook) for change in fix.changes]
        if any(change is None for change in changes) or len({change.cell for change in changes}) > 1:  # type: ignore[union-attr]
            fix = None  # a fix spread over cells is not offered
        else:
            fix = dataclasses.replace(fix, changes=tuple(changes))  # type: ignore[arg-type]
    statement_line = notebook.locate(diagnostic.statement_line)[1] if diagnostic.statement_line else None
    end_column = diagnostic.end_column + shift if diagnostic.end_column is not None else None
    return dataclasses.replace(
        diagnostic, cell=cell, line=line, column=diagnostic.column + shift, end_line=end_line, end_column=end_column,
        fix=fix, statement_line=statement_line, message=_cell_lines_in(diagnostic.message, notebook),
    )


def _change_in_cell(change: Change, notebook: Notebook) -> Optional[Change]:
    """The change with its positions given within its cell (None when they
    are not in one cell)."""
    def in_cell(position: Tuple[int, int]) -> Tuple[int, Tuple[int, int]]:
        number, line = notebook.locate(position[0])
        found = notebook.cell_numbered(number)
        return number, (line, position[1] + (found.indent if found is not None else 0))

    cell, start = in_cell(change.start)
    end_cell, end = in_cell(change.end)
    part = None
    if change.part is not None:
        part_cell, part_start = in_cell(change.part[0])
        part_end_cell, part_end = in_cell(change.part[1])
        if {part_cell, part_end_cell} != {cell}:
            return None
        part = (part_start, part_end)
    if end_cell != cell:
        return None
    return dataclasses.replace(change, start=start, end=end, part=part, cell=cell)


def in_python_of_cell(change: Change, cell: "CodeCell") -> Change:
    """A change given within `cell` (as reported) given within the cell's
    Python text instead (`cell.python`: the columns IPython's dedent took away)."""
    def shifted(position: Tuple[int, int]) -> Tuple[int, int]:
        return position[0], position[1] - cell.indent

    part = (shifted(change.part[0]), shifted(change.part[1])) if change.part is not None else None
    return dataclasses.replace(change, start=shifted(change.start), end=shifted(change.end), part=part, cell=None)


def source_with_python(cell: "CodeCell", python: str) -> Optional[str]:
    """The cell's source once its Python text (`cell.python`) has become
    `python`: lines the fix did not touch are the source's own (magics and
    shell lines included), new or changed lines get back the indentation
    IPython took away. None when the fix changed a line that is IPython
    syntax in the source (it was `pass` in the Python text)."""
    import difflib

    ends_with_newline = cell.source.endswith("\n")
    source_lines = cell.source.split("\n")
    dedented_lines = _without_leading_indent(cell.source)[0].split("\n")
    if ends_with_newline:
        source_lines.pop()
        dedented_lines.pop()
    old, new = cell.python.split("\n")[:-1], python.split("\n")
    if new and new[-1] == "":
        new.pop()
    if len(old) != len(source_lines):
        return None
    prefix = cell.source[: cell.indent]
    lines: List[str] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag == "equal":
            lines += source_lines[i1:i2]
            continue
        if any(old[index] != dedented_lines[index] for index in range(i1, i2)):
            return None
        if tag == "replace" and i2 - i1 == j2 - j1:  # lines changed in place keep their own indentation
            lines += [(prefix if source_lines[i].startswith(prefix) else "") + line for i, line in zip(range(i1, i2), new[j1:j2])]
        else:
            lines += [prefix + line if line.strip() else line for line in new[j1:j2]]
    return "\n".join(lines) + ("\n" if ends_with_newline and lines else "")


_LINE_REFERENCE = LazyPattern(r"\bline (\d+)\b")


def _cell_lines_in(message: str, notebook: Notebook) -> str:
    """Messages name other places by line ("the loop on line 27"); in a
    notebook that line is told as "line 3 of cell 5"."""
    def cell_line(match: "re.Match[str]") -> str:
        cell, line = notebook.locate(int(match.group(1)))
        return f"line {line} of cell {cell}"

    return _LINE_REFERENCE.sub(cell_line, message)


# --------------------------------------------------------------------------- writing back


def replace_cell_sources(text: str, new_sources: Dict[int, str]) -> str:
    """The notebook's JSON text with the `source` of the cells at the given
    0-based indices replaced, everything else byte for byte as it was."""
    spans = _source_spans(text)
    pieces: List[str] = []
    cursor = 0
    for index in sorted(new_sources):
        start, end = spans[index]
        pieces += [text[cursor:start], _render_source(text[start:end], new_sources[index], text)]
        cursor = end
    pieces.append(text[cursor:])
    return "".join(pieces)


def _render_source(old: str, source: str, whole: str) -> str:
    """`source` written as the old value was: a string, or a list of lines
    with the same indentation (nbformat writes `indent=1`)."""
    import json  # (a run that reads no notebook needs no json)

    ensure_ascii = "\\u" in whole and not any(ord(c) > 127 for c in whole)
    if old.lstrip().startswith('"'):
        return json.dumps(source, ensure_ascii=ensure_ascii)
    lines = source.splitlines(keepends=True)
    if not lines:
        return "[]"
    match = re.match(r"\[(\s*)", old)
    if match is None or "\n" not in match.group(1):
        return "[" + ", ".join(json.dumps(line, ensure_ascii=ensure_ascii) for line in lines) + "]"
    item_indent = match.group(1)
    closing = re.search(r"(\s*)\]$", old)
    closing_indent = closing.group(1) if closing else "\n"
    return "[" + item_indent + ("," + item_indent).join(json.dumps(line, ensure_ascii=ensure_ascii) for line in lines) + closing_indent + "]"


def _source_spans(text: str) -> List[Tuple[int, int]]:
    """(start, end) offsets of each cell's `source` value in the JSON text,
    by cell index (a cell without `source` gets an empty span at its end)."""
    import json  # (a run that reads no notebook needs no json)

    decoder = json.JSONDecoder()
    position = _skip(text, 0)
    spans: List[Tuple[int, int]] = []
    for key, start in _members(text, position, decoder):
        if key != "cells":
            continue
        position = _skip(text, start)
        if text[position] != "[":
            raise MalformedNotebook("`cells` is not a list")
        for cell_start in _elements(text, position, decoder):
            span = None
            for cell_key, value_start in _members(text, cell_start, decoder):
                if cell_key == "source":
                    _, value_end = decoder.raw_decode(text, value_start)
                    span = (value_start, value_end)
            if span is None:
                raise MalformedNotebook("a cell has no `source`")
            spans.append(span)
        return spans
    raise MalformedNotebook("no `cells`")


def _skip(text: str, position: int) -> int:
    while position < len(text) and text[position] in " \t\r\n":
        position += 1
    return position


def _members(text: str, position: int, decoder: json.JSONDecoder):
    """Yield (key, start of value) for each member of the object at `position`."""
    assert text[position] == "{"
    position = _skip(text, position + 1)
    if text[position] == "}":
        return
    while True:
        key, position = decoder.raw_decode(text, position)
        position = _skip(text, position)
        assert text[position] == ":"
        value_start = _skip(text, position + 1)
        yield key, value_start
        _, position = decoder.raw_decode(text, value_start)
        position = _skip(text, position)
        if text[position] == "}":
            return
        position = _skip(text, position + 1)  # the comma


def _elements(text: str, position: int, decoder: json.JSONDecoder):
    """Yield the start of each element of the array at `position`."""
    position = _skip(text, position + 1)
    if text[position] == "]":
        return
    while True:
        yield position
        _, position = decoder.raw_decode(text, position)
        position = _skip(text, position)
        if text[position] == "]":
            return
        position = _skip(text, position + 1)


def file_position(text: str, cell_index: int, line: int, column: int) -> Tuple[int, int]:
    """Where (1-based line, 1-based character column) a position inside a
    cell's source lies in the notebook file's JSON text: SARIF points into
    the file GitHub shows, not into the cell."""
    import json  # (a run that reads no notebook needs no json)

    start, end = _source_spans(text)[cell_index]
    value = text[start:end]
    ensure_ascii = "\\u" in text and not any(ord(c) > 127 for c in text)
    if value.lstrip().startswith("["):
        decoder = json.JSONDecoder()
        elements = list(_elements(text, start, decoder))
        if not elements:
            offset = start
        else:
            element = elements[min(line, len(elements)) - 1]
            content, _ = decoder.raw_decode(text, element)
            offset = element + len(json.dumps(content[: column - 1], ensure_ascii=ensure_ascii)) - 1
    else:
        source = json.loads(value)
        lines = source.split("\n")
        before = "\n".join(lines[: line - 1]) + ("\n" if line > 1 else "") + lines[min(line, len(lines)) - 1][: column - 1]
        offset = start + len(json.dumps(before, ensure_ascii=ensure_ascii)) - 1
    file_line = text.count("\n", 0, offset) + 1
    return file_line, offset - (text.rfind("\n", 0, offset) + 1) + 1

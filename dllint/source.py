"""One file's text and tree, and the conversion of `ast` positions.

`ast` reports columns as 0-based UTF-8 byte offsets; everything inside dllint
uses 1-based character columns, so the conversion happens here, once, when a
rule reports a node.
"""
from __future__ import annotations

import ast
import errno
import gc
import io
import os
import stat
import tokenize
import warnings
from array import array
from typing import Callable, List, Optional, Tuple

from dllint.diagnostics import Diagnostic, Fix
from dllint.lazy_pattern import LazyPattern
from dllint.python_versions import newer_syntax_hint


_LINE_SPLIT = LazyPattern(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")  # lines with their ends (formats/context.py)
_LINE_END = LazyPattern(r"\r\n|\r|\n")


def source_lines(text: str) -> List[str]:
    """The lines of a file as Python numbers them (what `ast` line numbers
    index): split at \\n, \\r\\n and \\r only, without their ends. Not
    `str.splitlines()`, which also breaks at form feeds, U+0085, U+2028 and
    other characters the tokenizer keeps inside a line."""
    lines = _LINE_END.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def _without_line_end(line: str) -> str:
    if line.endswith("\r\n"):
        return line[:-2]
    if line.endswith(("\n", "\r")):
        return line[:-1]
    return line


class UnreadableSource(Exception):
    """The bytes are not Python text (binary, bad encoding, unreadable)."""


class InvalidSyntax(Exception):
    def __init__(self, reason: str, line: int, column: int):
        super().__init__(reason)
        self.reason = reason
        self.line = line
        self.column = column


def display_name(path: str) -> str:
    """`path` as it can be printed in every output format: bytes of a file
    name that are not UTF-8 (kept by Python as lone surrogates) become
    `\\xNN` escapes instead of failing the output."""
    try:
        path.encode("utf-8")
        return path
    except UnicodeEncodeError:
        return os.fsencode(path).decode("utf-8", errors="backslashreplace")


def read_file(path: "os.PathLike[str] | str", max_bytes: int = 0) -> bytes:
    """The bytes of a regular file, or UnreadableSource saying why not.

    Only regular files are opened: a named pipe, a device (`/dev/zero`) or
    a socket, directly or through a symbolic link, would block or never
    end. `max_bytes` (0: no limit) refuses larger files before reading."""
    try:
        info = os.stat(path)
    except OSError as error:
        raise UnreadableSource(_os_reason(path, error)) from None
    _check_regular(info)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        descriptor = os.open(path, flags)
    except OSError as error:
        raise UnreadableSource(_os_reason(path, error)) from None
    with os.fdopen(descriptor, "rb") as handle:
        # the path may have been replaced since the stat above
        info = os.fstat(descriptor)
        _check_regular(info)
        _check_size(info.st_size, max_bytes)
        try:
            data = handle.read(max_bytes + 1) if max_bytes else handle.read()
        except OSError as error:
            raise UnreadableSource(_os_reason(path, error)) from None
    _check_size(len(data), max_bytes)
    return data


def _check_regular(info: os.stat_result) -> None:
    mode = info.st_mode
    if stat.S_ISDIR(mode):
        raise UnreadableSource("is a directory")
    if not stat.S_ISREG(mode):
        kinds = ((stat.S_ISFIFO, "a named pipe"), (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                 (stat.S_ISSOCK, "a socket"))
        kind = next((name for test, name in kinds if test(mode)), "a special file")
        raise UnreadableSource(f"not a regular file ({kind})")


def _check_size(size: int, max_bytes: int) -> None:
    if max_bytes and size > max_bytes:
        raise UnreadableSource(
            f"too large ({size / 1e6:.1f} MB; the limit is max-file-size = {max_bytes / 1e6:g} MB, 0 for none)"
        )


def _os_reason(path: "os.PathLike[str] | str", error: OSError) -> str:
    if error.errno == errno.ELOOP:
        return "symbolic link loop"
    if error.errno == errno.ENOENT:
        return "broken symbolic link" if os.path.islink(path) else "no such file or directory (it vanished)"
    return error.strerror or str(error)


def decode_source(data: bytes) -> str:
    """Decode like the interpreter does: BOM and PEP 263 coding cookies."""
    if b"\x00" in data:
        raise UnreadableSource("binary file (contains NUL bytes)")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as error:  # an unknown coding cookie
        raise UnreadableSource(str(error)) from None
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as error:
        raise UnreadableSource(f"cannot decode as {encoding}: {error}") from None
    return text[1:] if text.startswith("\ufeff") else text


def parse_source(text: str, filename: str) -> ast.Module:
    with warnings.catch_warnings():
        # Invalid escape sequences and the like warn on stderr at parse time;
        # they are not ours to report and would corrupt the output.
        warnings.simplefilter("ignore")
        # A tree is acyclic and lives as long as the run: the cyclic
        # collector has nothing to find in it, but scanning the millions of
        # nodes of a large file while they are made doubled its parse time.
        collecting = gc.isenabled()
        gc.disable()
        try:
            return ast.parse(text, filename=filename)
        except SyntaxError as error:
            reason = error.msg or "invalid syntax"
            hint = newer_syntax_hint(text.splitlines(), error.lineno or 1)
            if hint:
                reason = f"{reason} ({hint})"
            raise InvalidSyntax(reason, error.lineno or 1, max(error.offset or 1, 1)) from None
        except (RecursionError, MemoryError):
            raise InvalidSyntax("too deeply nested for the parser", 1, 1) from None
        except ValueError as error:  # e.g. source code string cannot contain null bytes
            raise UnreadableSource(str(error)) from None
        finally:
            if collecting:
                gc.enable()


class SourceFile:
    """A file's text and, parsed on first use, its tree. `path` is the path
    as the user gave it (for output).

    The project index keeps a `SourceFile` for every module of the run but
    parses only those a question reaches (`ModuleInfo.source`): the text is
    cheap to keep, a tree costs about twenty times its text."""

    def __init__(
        self,
        path: str,
        text: Optional[str] = None,
        tree: Optional[ast.Module] = None,
        module_name: str = "",
        lines: Optional[List[str]] = None,
        *,
        data: Optional[bytes] = None,
    ):
        """Give the `text`, or the file's raw `data` (bytes), decoded on first use."""
        if text is None and data is None:
            raise ValueError("a SourceFile needs its text or its data")
        self.path = path
        self._text = text
        self._data = data
        self.module_name = module_name
        self._tree = tree
        self._lines = lines or None
        # where each line starts in `text` (see `line`): a list of the lines
        # would cost as much again as the text, for every file a run touches
        self._starts: Optional["array[int]"] = None
        # told +len(text) when the tree is parsed or adopted, -len(text) when
        # it is forgotten (the project index counts the trees it holds)
        self.on_tree: Optional[Callable[[int], None]] = None
        # a tree kept for the whole run (given by the caller, or kept by the
        # first pass and shared by forked processes): never forgotten
        self.pinned = False

    @property
    def text(self) -> str:
        if self._text is None:
            self._text = decode_source(self._data)  # type: ignore[arg-type]
            self._data = None
        return self._text

    @property
    def tree(self) -> ast.Module:
        if self._tree is None:
            self.adopt_tree(parse_source(self.text, self.path))
        return self._tree  # type: ignore[return-value]

    def adopt_tree(self, tree: ast.Module, *, pinned: bool = False) -> None:
        """Hold `tree`, already parsed from `text` elsewhere."""
        self.pinned = self.pinned or pinned
        if self._tree is None and self.on_tree is not None and not self.pinned:
            self.on_tree(len(self.text))
        self._tree = tree

    def without_tree(self, *, keep: bool = False) -> "SourceFile":
        """A new `SourceFile` of the same text, nothing parsed (but a pinned
        tree, or with `keep` the tree held now)."""
        if self.pinned or keep:
            copy = SourceFile(self.path, self._text, self._tree, self.module_name, self._lines, data=self._data)
            copy.pinned = self.pinned
            return copy
        return SourceFile(self.path, self._text, module_name=self.module_name, data=self._data)

    def forget_tree(self) -> None:
        """Drop the tree and what was computed from the text (parsed again on use)."""
        if self.pinned:
            return
        if self._tree is not None and self.on_tree is not None:
            self.on_tree(-len(self.text))
        self._tree = None
        self._lines = None
        self._starts = None

    def unpin(self) -> None:
        """Drop a pinned tree: a large run pins the trees of one group of
        files at a time (`runner._check_in_groups`)."""
        if self.pinned:
            self.pinned = False
            self._tree = None
            self._lines = None
            self._starts = None

    @property
    def text_size(self) -> int:
        """The length of the text, or of the bytes not decoded yet (which
        it then stands for: nothing is decoded to measure it)."""
        return len(self._text) if self._text is not None else len(self._data)  # type: ignore[arg-type]

    @property
    def has_tree(self) -> bool:
        return self._tree is not None

    @property
    def lines(self) -> List[str]:
        """Every line (`source_lines`), kept once asked for: for a few lines,
        `line`, `line_count` and `lines_text` cost no list."""
        if self._lines is None:
            self._lines = source_lines(self.text)
        return self._lines

    @property
    def line_count(self) -> int:
        return len(self._line_starts())

    def line(self, number: int) -> str:
        """Line `number` (1-based, within `line_count`) without its end: `lines[number - 1]`."""
        return _without_line_end(self._raw_line(number - 1))

    def lines_text(self, first: int, last: int) -> str:
        """`"\n".join(lines[first - 1 : last])` (`first` >= 1), from the text."""
        begin, end = self.lines_span(first, last)
        if begin >= end:
            return ""
        chunk = _without_line_end(self.text[begin:end])
        if "\r" in chunk:  # the lines' own ends, as "\n" (a line holds no \r or \n)
            chunk = chunk.replace("\r\n", "\n").replace("\r", "\n")
        return chunk

    def lines_span(self, first: int, last: int) -> Tuple[int, int]:
        """Where lines `first` to `last` (`first` >= 1) are in the text: the
        offsets of the first one's start and of the end of the last one's
        line end; an empty span when there is no such line."""
        starts = self._line_starts()
        begin, end = first - 1, min(last, len(starts))
        if begin >= end:
            return 0, 0
        return starts[begin], starts[end] if end < len(starts) else len(self.text)

    def _line_starts(self) -> "array[int]":
        if self._starts is None:
            text = self.text
            starts = array("q", [0])
            starts.extend(match.end() for match in _LINE_END.finditer(text))
            if starts[-1] == len(text):  # (empty, or ends with a line end: no line after it)
                starts.pop()
            self._starts = starts
        return self._starts

    def _raw_line(self, index: int) -> str:
        """Line `index` (0-based) with its end, as the tokenizer splits."""
        starts = self._line_starts()
        return self.text[starts[index] : starts[index + 1] if index + 1 < len(starts) else len(self.text)]

    def __repr__(self) -> str:
        return f"SourceFile(path={self.path!r}, module_name={self.module_name!r})"

    @classmethod
    def from_text(cls, path: str, text: str, module_name: str = "") -> "SourceFile":
        return cls(path=path, text=text, tree=parse_source(text, path), module_name=module_name)

    def character_column(self, line: int, byte_offset: int) -> int:
        """1-based character column of a 0-based UTF-8 byte offset on `line`."""
        if not 1 <= line <= self.line_count:
            return byte_offset + 1
        text = self.line(line)
        if text.isascii():
            return byte_offset + 1
        return len(text.encode("utf-8")[:byte_offset].decode("utf-8", errors="ignore")) + 1

    def position(self, node: ast.AST) -> Tuple[int, int, Optional[int], Optional[int]]:
        line = getattr(node, "lineno", 1)
        column = self.character_column(line, getattr(node, "col_offset", 0))
        end_line = getattr(node, "end_lineno", None)
        end_offset = getattr(node, "end_col_offset", None)
        end_column = self.character_column(end_line, end_offset) if end_line and end_offset is not None else None
        return line, column, end_line, end_column

    def diagnostic(self, node: ast.AST, code: str, message: str, *, name: str = "", fix: Optional[Fix] = None) -> Diagnostic:
        line, column, end_line, end_column = self.position(node)
        return Diagnostic(
            path=self.path,
            line=line,
            column=column,
            code=code,
            message=message,
            name=name,
            end_line=end_line,
            end_column=end_column,
            fix=fix,
        )

    def segment(self, node: ast.AST) -> str:
        """The source text of `node` (what `ast.get_source_segment` returns,
        without re-splitting the whole file on every call)."""
        try:
            line, end_line = node.lineno - 1, node.end_lineno - 1  # type: ignore[attr-defined]
            start, end = node.col_offset, node.end_col_offset  # type: ignore[attr-defined]
        except AttributeError:
            return ""
        if end_line is None or end is None:
            return ""
        if not 0 <= line <= end_line < self.line_count:
            return ""
        if line == end_line:
            return self._raw_line(line).encode("utf-8")[start:end].decode("utf-8", errors="replace")
        first = self._raw_line(line).encode("utf-8")[start:].decode("utf-8", errors="replace")
        last = self._raw_line(end_line).encode("utf-8")[:end].decode("utf-8", errors="replace")
        middle = [self._raw_line(index).encode("utf-8").decode("utf-8", errors="replace") for index in range(line + 1, end_line)]
        return "".join([first, *middle, last])

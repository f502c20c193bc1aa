"""What an output format may need besides the findings themselves.

SARIF lists the rules a run could report and makes paths relative to the
project root; JSON links every finding to its rule's documentation. Both
read that here, from the registry and the run's settings.
"""
from __future__ import annotations

import os
from dataclasses import field
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from dllint.diagnostics import Edit
from dllint.discovery import repository_root
from dllint.fixes import is_applicable
from dllint.lazy_dataclass import lazy_dataclass
from dllint.registry import ENGINE_CODES, ENGINE_SUMMARIES, known_codes, rules_by_code
from dllint.selection import CodeSelection
from dllint.settings import Settings


@lazy_dataclass(frozen=True)
class CodeInfo:
    """One code as the outside world sees it."""

    code: str
    name: str
    summary: str  # one sentence
    description: str  # a paragraph: the rule's *What it does*
    documentation: str  # Markdown: what `dllint --explain CODE` prints
    url: str


@lru_cache(maxsize=None)
def code_info(code: str) -> CodeInfo:
    from dllint.rule_docs import docs_url, render_rule, section

    rule = rules_by_code().get(code)
    if rule is None:
        name = ENGINE_CODES.get(code, "")
        summary = ENGINE_SUMMARIES.get(code, "")
        documentation = f"# {code}: {name}\n\n{summary}\n"
        return CodeInfo(code, name, summary, summary, documentation, docs_url(code))
    description = " ".join(section(rule, "What it does").split()) or rule.summary()
    return CodeInfo(code, rule.name, rule.summary(), description, render_rule(rule), docs_url(code))


class SourceLines:
    """The text of each reported file's lines, for formats that show them.

    Files are read again from disk when first asked for (only the `full`
    format does); text that did not come from a file (stdin) is given.
    Lines are split as the tokenizer splits them (\\n, \\r\\n, \\r), so
    a finding's line number finds its line. In a notebook a finding's line
    is counted within its cell, so the line is taken from that cell.
    """

    def __init__(self, known: Optional[Dict[str, str]] = None):
        self._texts: Dict[str, Optional[str]] = dict(known or {})
        self._lines: Dict[Tuple[str, Optional[int]], Optional[List[str]]] = {}

    def line(self, path: str, number: int, cell: Optional[int] = None) -> Optional[str]:
        key = (path, cell)
        if key not in self._lines:
            self._lines[key] = self._lines_of(path, cell)
        lines = self._lines[key]
        if lines is None or not 1 <= number <= len(lines):
            return None
        return lines[number - 1]

    def text(self, path: str) -> Optional[str]:
        """The whole text of a reported file (a notebook's JSON), None when it cannot be read."""
        if path not in self._texts:
            self._texts[path] = self._read(path)
        return self._texts[path]

    def _lines_of(self, path: str, cell: Optional[int]) -> Optional[List[str]]:
        text = self.text(path)
        if text is None:
            return None
        if cell is None:
            return _split_lines(text)
        from dllint.notebook import MalformedNotebook, read_notebook

        try:
            code_cell = read_notebook(text).cell_numbered(cell)
        except MalformedNotebook:
            return None
        return _split_lines(code_cell.source) if code_cell is not None else None

    @staticmethod
    def _read(path: str) -> Optional[str]:
        from dllint.source import UnreadableSource, decode_source

        if not os.path.isfile(path):
            return None
        try:
            with open(path, "rb") as handle:
                return decode_source(handle.read())
        except (OSError, UnreadableSource):
            return None


def _split_lines(text: str) -> List[str]:
    from dllint.source import _LINE_SPLIT

    return [line.rstrip("\r\n") for line in _LINE_SPLIT.findall(text)]


@lazy_dataclass(frozen=True)
class ReportContext:
    # The folder SARIF gives paths relative to: the root of the git work tree
    # dllint runs in, which is what GitHub code scanning resolves them
    # against; outside a repository, the project root (the configuration
    # file's folder, else the working folder).
    root: Path = field(default_factory=Path.cwd)
    # Every code the run's select/ignore lets through, sorted; None: all of them.
    selected_codes: Optional[Tuple[str, ...]] = None
    # whether `--unsafe-fixes` is on: unsafe fixes then count as applicable
    unsafe_fixes: bool = False
    # ANSI colours in the formats meant for people (text, concise, full)
    color: bool = False
    # the reported files' lines, for `full`; None: read them from disk
    sources: Optional[SourceLines] = field(default=None, compare=False)

    def fix_marker(self, diagnostic) -> str:
        """ruff's `[*] ` for a finding whose fix `--fix` would apply, else ""."""
        return "[*] " if is_applicable(diagnostic.fix, self.unsafe_fixes) else ""

    @classmethod
    def for_settings(cls, settings: Settings, *, color: bool = False, sources: Optional[SourceLines] = None) -> "ReportContext":
        selection = CodeSelection(settings)
        root = repository_root(Path.cwd()) or Path(settings.root)
        codes = tuple(code for code in known_codes() if selection.is_enabled(code))
        return cls(root=root, selected_codes=codes, unsafe_fixes=settings.unsafe_fixes, color=color, sources=sources)

    def source_line(self, path: str, number: int, cell: Optional[int] = None) -> Optional[str]:
        sources = self.sources if self.sources is not None else _DISK
        return sources.line(path, number, cell)

    def fix_edits(self, diagnostic) -> Tuple[Edit, ...]:
        """The text replacements of the finding's fix, derived from the libcst
        rewrite of the file as it is now (`fixing.reported_edits`); () when
        there is no fix or it cannot be applied to that text."""
        if diagnostic.fix is None:
            return ()
        text = (self.sources if self.sources is not None else _DISK).text(diagnostic.path)
        if text is None:
            return ()
        from dllint.fixing import reported_edits

        return reported_edits(diagnostic.path, text, diagnostic.fix)

    def fix_file_edit(self, diagnostic) -> Optional[Edit]:
        """For a finding in a notebook: its fix as one replacement in the
        notebook file's JSON text (`fixing.notebook_file_edit`)."""
        text = (self.sources if self.sources is not None else _DISK).text(diagnostic.path)
        if diagnostic.fix is None or text is None:
            return None
        from dllint.fixing import notebook_file_edit

        return notebook_file_edit(text, diagnostic.fix)

    def selected(self) -> Tuple[CodeInfo, ...]:
        codes = known_codes() if self.selected_codes is None else self.selected_codes
        return tuple(code_info(code) for code in sorted(codes))


_DISK = SourceLines()

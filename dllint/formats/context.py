"""What an output format may need besides the findings themselves.

SARIF lists the rules a run could report and makes paths relative to the
project root; JSON links every finding to its rule's documentation. Both
read that here, from the registry and the run's settings.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Optional, Tuple

from dllint.discovery import repository_root
from dllint.fixes import is_applicable
from dllint.registry import ENGINE_CODES, ENGINE_SUMMARIES, known_codes, rules_by_code
from dllint.selection import CodeSelection
from dllint.settings import Settings


@dataclass(frozen=True)
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


@dataclass(frozen=True)
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

    def fix_marker(self, diagnostic) -> str:
        """ruff's `[*] ` for a finding whose fix `--fix` would apply, else ""."""
        return "[*] " if is_applicable(diagnostic.fix, self.unsafe_fixes) else ""

    @classmethod
    def for_settings(cls, settings: Settings) -> "ReportContext":
        selection = CodeSelection(settings)
        root = repository_root(Path.cwd()) or Path(settings.root)
        codes = tuple(code for code in known_codes() if selection.is_enabled(code))
        return cls(root=root, selected_codes=codes, unsafe_fixes=settings.unsafe_fixes)

    def selected(self) -> Tuple[CodeInfo, ...]:
        codes = known_codes() if self.selected_codes is None else self.selected_codes
        return tuple(code_info(code) for code in sorted(codes))

"""The resolved configuration one run of dllint works with."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

DEFAULT_EXCLUDES: Tuple[str, ...] = (
    ".git",
    ".hg",
    ".svn",
    ".venv",
    "venv",
    "__pycache__",
    "build",
    "dist",
    ".tox",
    ".nox",
    ".eggs",
    "node_modules",
    "site-packages",
    ".dllint_cache",
)


@dataclass
class Settings:
    select: List[str] = field(default_factory=lambda: ["DL"])
    ignore: List[str] = field(default_factory=list)
    extend_select: List[str] = field(default_factory=list)
    extend_ignore: List[str] = field(default_factory=list)
    exclude: List[str] = field(default_factory=lambda: list(DEFAULT_EXCLUDES))
    extend_exclude: List[str] = field(default_factory=list)
    # glob (relative to `root`, gitignore-style) -> codes or prefixes to ignore there
    per_file_ignores: Dict[str, List[str]] = field(default_factory=dict)
    # rule code -> {option name: value}, already validated against the rule's options
    rule_options: Dict[str, Dict[str, object]] = field(default_factory=dict)
    # the file the settings came from, if any; `root` is its folder (else the cwd)
    config_path: Optional[Path] = None
    root: Path = field(default_factory=Path.cwd)
    respect_gitignore: bool = True
    force_exclude: bool = False

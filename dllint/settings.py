"""The resolved configuration one run of dllint works with."""
from __future__ import annotations

from dataclasses import field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from dllint.lazy_dataclass import lazy_dataclass

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
    ".ipynb_checkpoints",
    "__pypackages__",
    ".direnv",
    "_build",
    "buck-out",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".dllint_cache",
)


DEFAULT_PER_FILE_TIMEOUT = 10.0
DEFAULT_MAX_FILE_SIZE = 16.0


@lazy_dataclass
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
    # `output-format` from the file; None: not set there (the command line's or "text")
    output_format: Optional[str] = None
    # what the file says that dllint can use but that looks wrong (an unknown code)
    warnings: List[str] = field(default_factory=list)
    # `fix = true`: apply fixes as `--fix` does; `unsafe-fixes = true`: unsafe ones too
    fix: bool = False
    unsafe_fixes: bool = False
    # seconds of CPU time a file may take, per 1,000 lines (a shorter file
    # counts as 1,000 lines); 0 turns the budget off
    per_file_timeout: float = DEFAULT_PER_FILE_TIMEOUT
    # megabytes above which a file is not read (DL002 "too large"); 0: no limit
    max_file_size: float = DEFAULT_MAX_FILE_SIZE

"""Decides which codes are reported, overall and in a given file.

Selectors are codes or prefixes of codes (`DL`, `DL1`, `DL101`), as in
flake8 and ruff. When `select` and `ignore` both match a code, the more
specific selector wins, so `select = ["DL1"]` with `ignore = ["DL10"]` keeps
DL110 and drops DL101, and `ignore = ["DL1"]` with `extend-select =
["DL101"]` brings DL101 back alone. On a tie, ignore wins.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Dict, Iterable, List, Tuple

from dllint.settings import Settings

if TYPE_CHECKING:
    import pathspec


class CodeSelection:
    def __init__(self, settings: Settings):
        self._select = _normalised(settings.select + settings.extend_select)
        self._ignore = _normalised(settings.ignore + settings.extend_ignore)
        self._root = Path(settings.root)
        self._per_file_ignores: List[Tuple[pathspec.PathSpec, Tuple[str, ...]]] = []
        if settings.per_file_ignores:
            from pathspec import GitIgnoreSpec  # a few milliseconds to import: only when there are globs

            self._per_file_ignores = [
                (GitIgnoreSpec.from_lines([glob]), tuple(_normalised(codes)))
                for glob, codes in settings.per_file_ignores.items()
            ]
        self._enabled: Dict[str, bool] = {}
        self._ignored_in_file: Dict[str, Tuple[str, ...]] = {}

    def is_enabled(self, code: str) -> bool:
        """Whether `code` is reported at all, per select/ignore and their extensions."""
        code = code.upper()
        if code not in self._enabled:
            selected = _longest_prefix(self._select, code)
            ignored = _longest_prefix(self._ignore, code)
            self._enabled[code] = selected > 0 and selected > ignored
        return self._enabled[code]

    def is_enabled_for(self, path: Path, code: str) -> bool:
        """Whether `code` is reported in the file at `path` (per-file-ignores included)."""
        if not self.is_enabled(code):
            return False
        code = code.upper()
        return not any(code.startswith(prefix) for prefix in self._ignores_for(path))

    def _ignores_for(self, path: Path) -> Tuple[str, ...]:
        key = str(path)
        if key not in self._ignored_in_file:
            where = self._matchable_path(Path(path))
            self._ignored_in_file[key] = tuple(
                prefix for spec, prefixes in self._per_file_ignores if spec.match_file(where) for prefix in prefixes
            )
        return self._ignored_in_file[key]

    def _matchable_path(self, path: Path) -> str:
        """`path` relative to the project root (posix) when it lies inside it, else as given."""
        absolute = Path(os.path.abspath(path))
        for candidate, root in ((absolute, Path(os.path.abspath(self._root))), (Path(os.path.realpath(absolute)), Path(os.path.realpath(self._root)))):
            try:
                return candidate.relative_to(root).as_posix()
            except ValueError:
                continue
        return path.as_posix()


def _normalised(selectors: Iterable[str]) -> List[str]:
    return [selector.strip().upper() for selector in selectors if selector.strip()]


def _longest_prefix(selectors: Iterable[str], code: str) -> int:
    """Length of the longest selector that `code` starts with; 0 when none does."""
    return max((len(selector) for selector in selectors if code.startswith(selector)), default=0)

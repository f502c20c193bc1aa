"""dllint as a flake8 plugin: `flake8 --select DL` and every editor that runs flake8.

flake8 hands a plugin one file at a time, already read and parsed; the
plugin runs the same `Runner` as the CLI on that file alone, reusing
flake8's `lines` and `tree` (the file is not read again). What that costs:
the project index holds only this file, so a model class defined in another
file of the project is known by the names it is given in this one, as with
`dllint some_file.py`. For findings that need the whole project, run
`dllint` on the project.

Division of labour with flake8:

* flake8 decides what is shown: `--select`, `--ignore`, `--extend-select`,
  `per-file-ignores` and `# noqa` are flake8's (the plugin reports findings
  that `# noqa` would silence, and flake8 drops them, so `--disable-noqa`
  works). dllint's own configuration (`[tool.dllint]`, found from the
  working folder as the CLI finds it) still applies first, rule options
  included, so a code ignored there is not reported to flake8 either.
* A syntax error is flake8's E999: flake8 does not call tree plugins on a
  file it cannot parse, and DL001 is never reported here.
* Columns: dllint's are 1-based characters; flake8 wants 0-based and adds 1
  when it prints, so the printed column is dllint's.
* Nothing the plugin does may stop flake8's run over the other files: any
  exception becomes a DL000 finding on line 1 of the file.
"""
from __future__ import annotations

import ast
import traceback
from functools import lru_cache
from pathlib import Path
from typing import Iterator, List, Optional, Sequence, Tuple

from dllint import __version__

Finding = Tuple[int, int, str, type]


@lru_cache(maxsize=1)
def _settings_and_problem():
    """dllint's settings (read once per flake8 process) and, if they could
    not be read, why: the plugin then lints with the defaults."""
    from dllint.config import ConfigError, load_settings
    from dllint.settings import Settings

    try:
        return load_settings(None, isolated=False), None
    except ConfigError as error:
        return Settings(), str(error)


def _selects_dllint(selected: Optional[Sequence[str]], extended: Sequence[str], ignored: Sequence[str]) -> bool:
    """Whether flake8's `--select` / `--extend-select` / `--ignore` can let a
    DL code through. When they cannot, the plugin does nothing at all (not
    even import the rules): flake8 would drop every finding anyway."""
    def matches(selectors: Sequence[str]) -> bool:
        return any(s and ("DL".startswith(s) or s.startswith("DL")) for s in (part.strip().upper() for part in selectors))

    explicitly = matches(extended) or (selected is not None and matches(selected))
    if selected is not None and not explicitly:
        return False
    ignored_wholly = any(part.strip().upper() in ("D", "DL") for part in ignored)
    return explicitly or not ignored_wholly


class DllintChecker:
    name = "dllint"
    version = __version__
    # False when flake8's options leave no DL code to report (set by `parse_options`)
    enabled = True

    @classmethod
    def parse_options(cls, options) -> None:
        selected = getattr(options, "select", None)
        extended = list(getattr(options, "extend_select", None) or [])
        ignored = list(getattr(options, "ignore", None) or []) + list(getattr(options, "extend_ignore", None) or [])
        cls.enabled = _selects_dllint(list(selected) if selected else None, extended, ignored)

    def __init__(self, tree: ast.Module, lines: Sequence[str], filename: str):
        self.tree = tree
        self.lines = lines
        self.filename = filename

    def run(self) -> Iterator[Finding]:
        if not self.enabled:
            return
        try:
            findings = self._findings()
        except Exception as error:  # noqa: BLE001 - flake8 must go on with the other files
            findings = [(1, 0, f"DL000 dllint failed on this file ({error.__class__.__name__}: {error}); run `dllint -v {self.filename}` for the traceback", type(self))]
            traceback.clear_frames(error.__traceback__)
        yield from findings

    def _findings(self) -> List[Finding]:
        from dllint.runner import Input, Runner

        settings, problem = _settings_and_problem()
        found: List[Finding] = []
        if problem is not None:
            found.append((1, 0, f"DL000 dllint configuration error, linting with the defaults: {problem}", type(self)))
        path: Optional[Path] = None if self.filename in ("-", "stdin") else Path(self.filename)
        item = Input(display_path=self.filename, path=path, text="".join(self.lines), tree=self.tree)
        result = Runner(settings, apply_noqa=False).run([item])
        for d in result.diagnostics:
            if d.code == "DL001":  # flake8 reports syntax errors itself (E999)
                continue
            found.append((d.line, d.column - 1, f"{d.code} {d.message}", type(self)))
        return found

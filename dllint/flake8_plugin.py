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
  works). dllint's own configuration (`[tool.dllint]`, the one closest to
  each file, as the CLI finds it) still applies first, rule options
  included, so a code ignored there is not reported to flake8 either.
* When flake8's `select` / `ignore` leave no DL code to show (`--select
  E,F`, `extend-ignore = D`), the plugin does nothing: flake8 still calls it
  on every file, and it returns at once without importing the rules. This
  module imports nothing heavy itself, since flake8 imports every installed
  plugin on every run.
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
def _resolver():
    """Finds each file's closest configuration, each read once per flake8
    process; the working folder's covers files with none above them. Also
    returns why the working folder's could not be read, if it could not."""
    from dllint.config import ConfigError, SettingsResolver, load_settings
    from dllint.settings import Settings

    try:
        return SettingsResolver(load_settings(None, isolated=False)), None
    except ConfigError as error:
        return SettingsResolver(Settings()), str(error)


def _settings_and_problem(filename: str):
    """dllint's settings for `filename` and, if they could not be read, why:
    the plugin then lints with the defaults."""
    from dllint.config import ConfigError
    from dllint.settings import Settings

    resolver, default_problem = _resolver()
    try:
        settings = resolver.default if filename in ("-", "stdin") else resolver.for_path(filename, is_dir=False)
    except ConfigError as error:
        return Settings(), str(error)
    return settings, default_problem if settings is resolver.default else None


def selects_dllint(options) -> bool:
    """Whether flake8's `select`, `ignore` and their `extend-` forms (from
    its command line or configuration) can let any DL code through. When they
    cannot, the plugin does nothing at all, not even import the rules:
    flake8 would drop every finding. When in doubt, True.

    flake8 matches codes by prefix. No DL code is selected when the selected
    list (`select`, or else flake8's defaults, which include the plugin's
    `DL`; plus `extend-select`) has no selector that is a prefix of `DL` or
    starts with `DL`. Every DL code is ignored when an ignored selector is a
    prefix of `DL` (`D`, `DL`) and nothing DL-related was selected explicitly
    (an explicit selection can win over an ignore: the longer prefix wins).
    """

    def selectors(name: str) -> Optional[List[str]]:
        value = getattr(options, name, None)
        if value is None:
            return None
        if isinstance(value, str):
            value = value.split(",")
        return [str(part).strip().upper() for part in value]

    def related(selector: str) -> bool:
        return "DL".startswith(selector) or selector.startswith("DL")

    try:
        select, extend_select = selectors("select"), selectors("extend_select") or []
        default_select = selectors("extended_default_select")
        ignored = (selectors("ignore") or []) + (selectors("extend_ignore") or [])
    except TypeError:  # not lists of strings: some other flake8
        return True
    explicit = [s for s in (select or []) + extend_select if related(s)]
    if select is not None:
        chosen = select + extend_select
    elif default_select is not None:
        chosen = default_select + extend_select
    else:
        return True
    if not any(related(s) for s in chosen):
        return False
    return bool(explicit) or not any("DL".startswith(s) for s in ignored)


class DllintChecker:
    name = "dllint"
    version = __version__
    # False when flake8's options leave no DL code to report (see `parse_options`)
    enabled = True

    @classmethod
    def parse_options(cls, options) -> None:
        """flake8 calls this once per process with its parsed options."""
        cls.enabled = selects_dllint(options)

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

        settings, problem = _settings_and_problem(self.filename)
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

"""Turns configuration files and command-line options into `Settings`.

Each file is linted with the configuration closest to it, as ruff does:
walking up from the file's folder, the first folder holding `dllint.toml`,
`.dllint.toml` or a `pyproject.toml` with a `[tool.dllint]` table wins
(`SettingsResolver`). A file with no configuration above it gets the one
found from the working folder, else the defaults. `--config FILE` (one file
for everything) and `--isolated` (defaults for everything) override the
search. There is no merging of several files: what you see in the one file
that governs a path (over the defaults) is what runs there, with the
command line's options on top.

Every mistake in a file is a `ConfigError` naming the file and the key, so a
typo never silently turns a rule off.
"""
from __future__ import annotations

import dataclasses
import os
import sys
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence

from dllint import registry
from dllint.lazy_dataclass import lazy_dataclass
from dllint.settings import Settings
from dllint.source import UnreadableSource, read_file

# The TOML parser, pathspec and difflib are imported where they are used:
# a run that finds no configuration file needs none of them.

# In the order they are looked for inside each folder.
CONFIG_FILE_NAMES = ("dllint.toml", ".dllint.toml", "pyproject.toml")

# TOML key -> Settings field, grouped by the kind of value the key takes.
_SELECTOR_KEYS = {
    "select": "select",
    "ignore": "ignore",
    "extend-select": "extend_select",
    "extend-ignore": "extend_ignore",
}
_PATTERN_KEYS = {
    "exclude": "exclude",
    "extend-exclude": "extend_exclude",
}
_BOOLEAN_KEYS = {
    "respect-gitignore": "respect_gitignore",
    "force-exclude": "force_exclude",
    "fix": "fix",
    "unsafe-fixes": "unsafe_fixes",
}
# limits: key -> (Settings field, largest value accepted)
_LIMIT_KEYS = {
    "per-file-timeout": ("per_file_timeout", 86400.0),
    "max-file-size": ("max_file_size", 1_000_000.0),
}
_PER_FILE_IGNORES_KEY = "per-file-ignores"
_OUTPUT_FORMAT_KEY = "output-format"
KNOWN_KEYS = tuple(_SELECTOR_KEYS) + tuple(_PATTERN_KEYS) + tuple(_BOOLEAN_KEYS) + tuple(_LIMIT_KEYS) + (_PER_FILE_IGNORES_KEY, _OUTPUT_FORMAT_KEY)


class ConfigError(Exception):
    """The configuration cannot be used as written; the message says where and why."""


# --------------------------------------------------------------------------- finding


def find_config_file(start: Optional[Path] = None) -> Optional[Path]:
    """The configuration file that governs `start` (default: the working folder), if any."""
    folder = Path(start if start is not None else Path.cwd()).absolute()
    for candidate_folder in (folder, *folder.parents):
        found = _config_file_in(candidate_folder)
        if found is not None:
            return found
    return None


def _config_file_in(folder: Path) -> Optional[Path]:
    """The configuration file in `folder` itself, if it has one."""
    for name in CONFIG_FILE_NAMES:
        candidate = folder / name
        if not candidate.is_file():
            continue
        # A pyproject.toml is everybody's file: it only speaks for dllint
        # when it has a [tool.dllint] table, else we keep looking upward.
        if name == "pyproject.toml" and _dllint_table_of_pyproject(_read_toml(candidate), candidate) is None:
            continue
        return candidate
    return None


class SettingsResolver:
    """The settings for each path: its closest configuration file's, with the
    command line's options on top (`overrides`).

    `fixed` settings (from `--config` or `--isolated`) apply everywhere.
    Otherwise each folder's configuration file is looked up once and each
    file loaded once; `default` (the working folder's settings) covers paths
    with no configuration above them. A `ConfigError` in any file that
    governs a linted path is raised when that path is first resolved.
    """

    def __init__(
        self,
        default: Settings,
        overrides: Callable[[Settings], Settings] = lambda settings: settings,
        *,
        fixed: bool = False,
    ):
        self.default = overrides(default)
        self._overrides = overrides
        self._fixed = fixed
        self._config_of_folder: Dict[str, Optional[Path]] = {}
        self._settings_of_config: Dict[Path, Settings] = {}
        if default.config_path is not None:
            self._settings_of_config[default.config_path] = self.default

    def for_path(self, path: "str | Path", is_dir: Optional[bool] = None) -> Settings:
        """The settings for a file or folder (it need not exist: `--stdin-filename`)."""
        if self._fixed:
            return self.default
        absolute = os.path.abspath(path)
        if is_dir is None:
            is_dir = os.path.isdir(absolute)
        config = self._config_for_folder(absolute if is_dir else os.path.dirname(absolute))
        if config is None:
            return self.default
        if config not in self._settings_of_config:
            self._settings_of_config[config] = self._overrides(_load_file(config))
        return self._settings_of_config[config]

    def loaded(self) -> List[Settings]:
        """Every settings object handed out so far, the default first."""
        found = [self.default]
        found += [settings for settings in self._settings_of_config.values() if settings is not self.default]
        return found

    def _config_for_folder(self, folder: str) -> Optional[Path]:
        chain = []
        current = folder
        while current not in self._config_of_folder:
            chain.append(current)
            found = _config_file_in(Path(current))
            if found is not None:
                self._config_of_folder[current] = found
                break
            parent = os.path.dirname(current)
            if parent == current:
                self._config_of_folder[current] = None
                break
            current = parent
        answer = self._config_of_folder[current]
        for visited in chain:
            self._config_of_folder[visited] = answer
        return answer


# --------------------------------------------------------------------------- loading


def load_settings(
    config_file: Optional[Path] = None,
    isolated: bool = False,
    cwd: Optional[Path] = None,
) -> Settings:
    """The settings for one run.

    `config_file` is the `--config` path, used as is; without it the file is
    searched for from `cwd`. `isolated` ignores every file and gives defaults.
    """
    cwd = Path(cwd if cwd is not None else Path.cwd()).absolute()
    if isolated:
        return Settings(root=cwd)

    if config_file is not None:
        config_file = Path(config_file)
        if not config_file.is_absolute():
            config_file = cwd / config_file
        if not config_file.exists():
            raise ConfigError(f"--config: {config_file} does not exist")
    else:
        config_file = find_config_file(cwd)
        if config_file is None:
            return Settings(root=cwd)
    return _load_file(config_file)


def _load_file(config_file: Path) -> Settings:
    document = _read_toml(config_file)
    if config_file.name == "pyproject.toml":
        table = _dllint_table_of_pyproject(document, config_file)
        where = _Where(config_file, section_prefix="tool.dllint")
    else:
        table = document
        where = _Where(config_file, section_prefix="")

    settings = Settings(root=config_file.parent, config_path=config_file)
    _apply_table(settings, table or {}, where)
    settings.warnings = where.warnings
    return settings


# No configuration file is this large; /dev/zero or a runaway generator is.
_MAX_CONFIG_BYTES = 16_000_000


def _read_toml(path: Path) -> Dict[str, Any]:
    try:
        # a regular file only: `--config /dev/zero` or a named pipe must not hang
        raw = read_file(path, _MAX_CONFIG_BYTES)
    except UnreadableSource as error:
        raise ConfigError(f"cannot read {path}: {error}") from None
    try:
        # utf-8-sig: editors on Windows start files with a byte order mark
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ConfigError(f"cannot read {path}: not UTF-8 ({error.reason} at byte {error.start})") from error
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.9/3.10 only
        import tomli as tomllib
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        # tomllib's message already carries "(at line N, column M)".
        raise ConfigError(f"invalid TOML in {path}: {error}") from error
    except (RecursionError, MemoryError):
        raise ConfigError(f"cannot read {path}: its TOML is nested too deeply") from None


def _dllint_table_of_pyproject(document: Mapping[str, Any], path: Path) -> Optional[Dict[str, Any]]:
    tool = document.get("tool")
    if not isinstance(tool, dict) or "dllint" not in tool:
        return None
    table = tool["dllint"]
    if not isinstance(table, dict):
        raise ConfigError(f"[tool.dllint] of {path} must be a table, not {_type_name(table)}")
    return table


@lazy_dataclass(frozen=True)
class _Where:
    """Says in messages which table of which file a value came from."""

    path: Path
    section_prefix: str  # "tool.dllint" in a pyproject.toml, "" in dllint.toml
    # what is usable but looks wrong, for the caller to print as warnings
    warnings: List[str] = dataclasses.field(default_factory=list)

    def table(self, section: str = "") -> str:
        name = ".".join(part for part in (self.section_prefix, section) if part)
        return f"[{name}] of {self.path}" if name else str(self.path)


def _apply_table(settings: Settings, table: Mapping[str, Any], where: _Where) -> None:
    rules_by_code = registry.rules_by_code()
    rules_by_name = {rule.name: rule for rule in rules_by_code.values() if rule.name}
    configured_by: Dict[str, str] = {}  # rule code -> the table key that configured it

    for key, value in table.items():
        if key in _SELECTOR_KEYS:
            setattr(settings, _SELECTOR_KEYS[key], _selectors(value, key, where))
        elif key in _PATTERN_KEYS:
            patterns = _string_list(value, key, where)
            for pattern in patterns:
                _check_pattern(pattern, f"'{key}' in {where.table()}")
            setattr(settings, _PATTERN_KEYS[key], patterns)
        elif key in _BOOLEAN_KEYS:
            if not isinstance(value, bool):
                raise ConfigError(f"'{key}' in {where.table()} must be true or false, not {_type_name(value)}")
            setattr(settings, _BOOLEAN_KEYS[key], value)
        elif key in _LIMIT_KEYS:
            field_name, largest = _LIMIT_KEYS[key]
            setattr(settings, field_name, _limit(value, key, largest, where))
        elif key == _PER_FILE_IGNORES_KEY:
            settings.per_file_ignores = _per_file_ignores(value, where)
        elif key == _OUTPUT_FORMAT_KEY:
            settings.output_format = _output_format(value, where)
        else:
            rule = rules_by_code.get(key.upper()) or rules_by_name.get(key)
            if rule is None:
                raise ConfigError(_unknown_table_entry(key, value, where, rules_by_code, rules_by_name))
            if rule.code in configured_by:
                raise ConfigError(
                    f"{rule.code} is configured twice in {where.table()}: "
                    f"as '{configured_by[rule.code]}' and as '{key}'"
                )
            configured_by[rule.code] = key
            settings.rule_options[rule.code] = _rule_options(rule, key, value, where)


def _unknown_table_entry(key: str, value: Any, where: _Where, rules_by_code: Mapping, rules_by_name: Mapping) -> str:
    if key.upper() in registry.ENGINE_CODES:
        return f"{key.upper()} has no options, so {where.table(key)} cannot configure it"
    if isinstance(value, dict):
        known_tables = [*rules_by_code, *rules_by_name, _PER_FILE_IGNORES_KEY]
        return f"unknown rule table {where.table(key)}" + _did_you_mean(key, known_tables)
    return f"unknown key '{key}' in {where.table()}" + _did_you_mean(key, KNOWN_KEYS)


def _did_you_mean(word: str, candidates: Iterable[str]) -> str:
    import difflib

    close = difflib.get_close_matches(word, list(candidates), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


# --------------------------------------------------------------------------- values


def _selectors(value: Any, key: str, where: _Where) -> List[str]:
    """Codes or prefixes, as a list or as one comma-separated string."""
    if isinstance(value, str):
        items = value.split(",")
    elif isinstance(value, list) and all(isinstance(item, str) for item in value):
        items = [part for item in value for part in item.split(",")]
    else:
        raise ConfigError(
            f"'{key}' in {where.table()} must be a list of codes or a comma-separated string, "
            f"not {_type_name(value)}"
        )
    # An unknown code in a file is a warning, not an error: the file may be
    # shared with a newer dllint, or name another tool's codes; what is known
    # still applies, and the warning names what is not.
    unknown: List[str] = []
    codes = _validated_codes(items, unknown.append)
    for code in unknown:
        where.warnings.append(f"unknown code '{code}' in '{key}' of {where.table()}; it selects nothing")
    return codes


def _validated_codes(items: Iterable[str], on_unknown) -> List[str]:
    """The known codes among `items`; each unknown one goes to `on_unknown`
    (which may raise)."""
    codes = []
    for item in items:
        code = item.strip().upper()
        if not code:
            # "DL1, DL2," and "" are harmless leftovers of comma splitting.
            continue
        if not registry.is_known_selector(code):
            on_unknown(item.strip())
            continue
        codes.append(code)
    return codes


def _output_format(value: Any, where: _Where) -> str:
    from dllint.reporting import FORMATTERS

    if not isinstance(value, str) or value not in FORMATTERS:
        raise ConfigError(
            f"'{_OUTPUT_FORMAT_KEY}' in {where.table()} must be one of {', '.join(sorted(FORMATTERS))}, not {value!r}"
        )
    return value
def _limit(value: Any, key: str, largest: float, where: _Where) -> float:
    """A number of seconds or megabytes: 0 (no limit) up to `largest`."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"'{key}' in {where.table()} must be a number (0 for no limit), not {_type_name(value)}")
    if not 0 <= value <= largest:  # also rejects nan
        raise ConfigError(f"'{key}' in {where.table()} must be between 0 (no limit) and {largest:g}, not {value}")
    return float(value)


def _check_pattern(pattern: str, label: str) -> None:
    """A gitignore-style pattern pathspec can compile, or a ConfigError naming it."""
    import pathspec

    try:
        pathspec.GitIgnoreSpec.from_lines([pattern])
    except Exception as error:  # noqa: BLE001 - pathspec raises ValueError, re.error, ...
        raise ConfigError(f"invalid pattern {pattern!r} in {label}: {error}") from None


def _string_list(value: Any, key: str, where: _Where) -> List[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f"'{key}' in {where.table()} must be a list of strings, not {_type_name(value)}")
    return list(value)


def _per_file_ignores(value: Any, where: _Where) -> Dict[str, List[str]]:
    if not isinstance(value, dict):
        raise ConfigError(
            f"'{_PER_FILE_IGNORES_KEY}' in {where.table()} must be a table of glob = [codes], "
            f"not {_type_name(value)}"
        )
    ignores = {}
    for glob, codes in value.items():
        label = f"{_PER_FILE_IGNORES_KEY}.\"{glob}\""
        _check_pattern(glob, f"'{label}' in {where.table()}")
        ignores[glob] = _selectors(codes, label, where)
    return ignores


def _rule_options(rule: Any, key: str, value: Any, where: _Where) -> Dict[str, object]:
    section = where.table(key)
    if not isinstance(value, dict):
        raise ConfigError(f"'{key}' in {where.table()} must be a table of {rule.code}'s options, not {_type_name(value)}")
    defaults: Mapping[str, object] = getattr(rule, "options", {}) or {}
    merged = dict(defaults)
    for option, given in value.items():
        if option not in defaults:
            if not defaults:
                raise ConfigError(f"{rule.code} has no options, but {section} sets '{option}'")
            raise ConfigError(
                f"unknown option '{option}' for {rule.code} in {section}" + _did_you_mean(option, defaults)
            )
        merged[option] = _option_value(given, defaults[option], f"option '{option}' in {section}")
    return merged


def _option_value(given: Any, default: object, label: str) -> object:
    """`given`, checked to be of the default's type (an integer is accepted where a float is)."""
    if isinstance(default, float) and isinstance(given, int) and not isinstance(given, bool):
        return float(given)
    # Exact types, because bool is a subclass of int: `true` must not pass
    # for a count, nor 1 for a flag.
    if type(given) is not type(default):
        raise ConfigError(f"{label} must be {_type_name(default, article=True)}, not {_type_name(given)}")
    if isinstance(default, list) and default:
        element_type = type(default[0])
        wrong = [item for item in given if type(item) is not element_type]
        if wrong:
            raise ConfigError(
                f"{label} must be a list of {_type_name(default[0])}s, but holds {_type_name(wrong[0], article=True)}"
            )
    return given


def _type_name(value: object, article: bool = False) -> str:
    names = {bool: "boolean", int: "integer", float: "float", str: "string", list: "list", dict: "table"}
    name = names.get(type(value), type(value).__name__)
    if not article:
        return name
    return f"an {name}" if name[0] in "aeiou" else f"a {name}"


# --------------------------------------------------------------------------- command line


def apply_cli_overrides(
    settings: Settings,
    *,
    select: Optional[Sequence[str]] = None,
    ignore: Optional[Sequence[str]] = None,
    extend_select: Optional[Sequence[str]] = None,
    extend_ignore: Optional[Sequence[str]] = None,
    extend_exclude: Optional[Sequence[str]] = None,
    force_exclude: Optional[bool] = None,
    exclude: Optional[Sequence[str]] = None,
    respect_gitignore: Optional[bool] = None,
    fix: Optional[bool] = None,
    unsafe_fixes: Optional[bool] = None,
) -> Settings:
    """A copy of `settings` with the command line's say on top, as ruff layers it.

    `--select` replaces the file's `select` *and* its `extend-select` (they
    were one decision, which the command line now overrides); `--ignore`
    likewise replaces `ignore` and `extend-ignore`; `--exclude` replaces
    `exclude` (the defaults included). The `--extend-*` options add to
    whatever is in force.
    """
    result = dataclasses.replace(
        settings,
        select=list(settings.select),
        ignore=list(settings.ignore),
        extend_select=list(settings.extend_select),
        extend_ignore=list(settings.extend_ignore),
        exclude=list(settings.exclude),
        extend_exclude=list(settings.extend_exclude),
        per_file_ignores={glob: list(codes) for glob, codes in settings.per_file_ignores.items()},
        rule_options={code: dict(options) for code, options in settings.rule_options.items()},
        warnings=list(settings.warnings),
    )
    if select is not None:
        result.select = _cli_codes(select, "--select")
        result.extend_select = []
    if ignore is not None:
        result.ignore = _cli_codes(ignore, "--ignore")
        result.extend_ignore = []
    if extend_select is not None:
        result.extend_select += _cli_codes(extend_select, "--extend-select")
    if extend_ignore is not None:
        result.extend_ignore += _cli_codes(extend_ignore, "--extend-ignore")
    if exclude is not None:
        result.exclude = [pattern for pattern in exclude if pattern]
    if extend_exclude is not None:
        for pattern in extend_exclude:
            if pattern:
                _check_pattern(pattern, "--extend-exclude")
        result.extend_exclude += [pattern for pattern in extend_exclude if pattern]
    if respect_gitignore is not None:
        result.respect_gitignore = respect_gitignore
    if force_exclude is not None:
        result.force_exclude = force_exclude
    if fix is not None:
        result.fix = fix
    if unsafe_fixes is not None:
        result.unsafe_fixes = unsafe_fixes
    return result


def _cli_codes(values: Sequence[str], option: str) -> List[str]:
    items = [part for value in values for part in value.split(",")]

    def refuse(code: str) -> None:
        raise ConfigError(f"{option}: unknown code '{code}'")

    return _validated_codes(items, refuse)

"""Finds the Python files and notebooks a run lints, from the paths given on the command line.

Folders are walked in sorted order, following symbolic links (each real
folder is entered once, so a link back to an ancestor ends rather than
loops). A walk does not enter what is excluded:

* `exclude` + `extend-exclude`, gitignore-style patterns, are matched against
  each path relative to the folder being walked, relative to the project root
  (`settings.root`), and by its bare name, so `build` drops every folder
  called build at any depth while `src/generated` only drops that one;
* when `respect-gitignore` is on, every `.gitignore` on the way applies
  below its own folder, as git applies it: those of the walked folder's
  ancestors up to the repository root (the nearest folder holding `.git`)
  too, a deeper file overriding a shallower one, `!negation` included.
  Outside a git repository no .gitignore applies (as git and ruff behave: an
  exported tarball is linted whole); a repository met by the walk starts
  applying its own below itself.

* the repository's `.git/info/exclude` and git's global `core.excludesFile`
  (default `~/.config/git/ignore`) apply as a .gitignore at the repository
  root would, below every .gitignore file.

Each path is judged by the settings that govern it (see
`config.SettingsResolver`): a folder with its own configuration file brings
its own `exclude` patterns, relative to itself, for everything below it.

What the user names is what they mean: a named file is linted even when
excluded, `.py` or not, and a named folder that is itself excluded is walked,
its contents judged only by the patterns from that folder down. With
`force-exclude`, named paths are judged like any other, and those it drops
are listed in the result (`excluded_named`) so the caller can say so.

Nothing here raises for a bad path: missing paths and unreadable folders are
collected in the result for the caller to report. A symbolic link that loops
or leads nowhere, a named pipe, a socket or a device is passed on as a file,
named or met by a walk (when its name ends in `.py` or `.ipynb`), so that
reading it reports why (DL002), as ruff and flake8 report E902 for them: a
dangling `train.py` is most often a file someone meant to lint. Nothing here
opens them, and the reader (`source.read_file`) opens only regular files.
"""
from __future__ import annotations

import dataclasses
import os
from dataclasses import field
from pathlib import Path
from typing import TYPE_CHECKING, Dict, List, NamedTuple, Optional, Sequence, Set, Tuple, Union

from dllint.lazy_dataclass import lazy_dataclass
from dllint.lazy_pattern import LazyPattern
from dllint.settings import Settings

if TYPE_CHECKING:  # config imports the registry and every rule; discovery needs neither
    import pathspec  # imported where patterns are compiled: linting one named file needs none

    from dllint.config import SettingsResolver

GITIGNORE = ".gitignore"
# What a folder walk picks up: Python files and Jupyter notebooks.
LINTED_SUFFIXES = (".py", ".ipynb")
# an exclude pattern that is just a name (no glob, no slash but a final one)
_PLAIN_NAME = LazyPattern(r"(?!\.+/?$)[A-Za-z0-9_.-]+/?$")


class _FixedSettings:
    """The same settings for every path (what `SettingsResolver` does with --config)."""

    def __init__(self, settings: Settings):
        self.default = settings

    def for_path(self, path, is_dir=None) -> Settings:
        return self.default


@lazy_dataclass
class DiscoveryResult:
    files: List[Path] = field(default_factory=list)
    # paths given that do not exist, as given
    missing: List[str] = field(default_factory=list)
    # (folder, the operating system's reason) for each folder that could not be read
    errors: List[Tuple[str, str]] = field(default_factory=list)
    # files named on the command line that force-exclude dropped, as given
    excluded_named: List[str] = field(default_factory=list)


def discover(paths: Sequence[str], settings: Union[Settings, "SettingsResolver"]) -> DiscoveryResult:
    """`settings`: one `Settings` for every path, or a `config.SettingsResolver`
    that gives each path the settings of its closest configuration file."""
    return _Discovery(settings).run(paths)


def repository_root(folder: Path) -> Optional[Path]:
    """The root of the git work tree holding `folder`, if any."""
    found = _repository_root(os.path.abspath(folder))
    return Path(found) if found is not None else None


def is_excluded_file(path: str, settings: Union[Settings, "SettingsResolver"]) -> bool:
    """Whether a file named on the command line is excluded, judged as
    `force-exclude` judges named files. The file need not exist: this is how
    `--stdin-filename` is judged."""
    discovery = _Discovery(settings)
    position = discovery._position_of_named(path, is_dir=False, detached=False)
    return discovery._is_excluded(position, discovery._name_of_named(path, position), is_dir=False)


@lazy_dataclass(frozen=True)
class _Scope:
    """What one settings object says about discovery, ready to match.

    Plain names among the exclude patterns (`build`, `.mypy_cache/`: most
    of the defaults) are matched by set lookups on a path's parts instead of
    one regular expression each, which matters once per entry of a walk.
    That is only exact while no pattern is a `!negation` (then order
    matters), so with one, every pattern goes to pathspec.
    """

    settings: Settings
    exclude: Optional[pathspec.GitIgnoreSpec]  # the patterns that are not plain names (None: there are none)
    names: frozenset  # plain-name patterns: match any part of a path
    folder_names: frozenset  # `name/` patterns: match any part that is a folder
    root: str  # absolute
    real_root: str

    @classmethod
    def of(cls, settings: Settings) -> "_Scope":
        patterns = [*settings.exclude, *settings.extend_exclude]
        names, folder_names, rest = set(), set(), []
        negated = any(pattern.lstrip().startswith("!") for pattern in patterns)
        for pattern in patterns:
            if not negated and _PLAIN_NAME.match(pattern):
                (folder_names if pattern.endswith("/") else names).add(pattern.rstrip("/"))
            else:
                rest.append(pattern)
        return cls(
            settings=settings,
            exclude=_compiled(rest) if rest else None,
            names=frozenset(names),
            folder_names=frozenset(folder_names),
            root=os.path.abspath(settings.root),
            real_root=os.path.realpath(settings.root),
        )

    def excludes(self, path: str, is_dir: bool) -> bool:
        """Whether the exclude patterns match `path` (posix, relative)."""
        parts = path.split("/")
        if self.names and not self.names.isdisjoint(parts):
            return True
        if self.folder_names and not self.folder_names.isdisjoint(parts if is_dir else parts[:-1]):
            return True
        return self.exclude is not None and self.exclude.match_file(path + "/" if is_dir else path)

    def relative_to_root(self, absolute: str) -> Optional[str]:
        for candidate, root in ((absolute, self.root), (os.path.realpath(absolute), self.real_root)):
            try:
                relative = _posix_relpath(candidate, root)
            except ValueError:  # another drive, on Windows
                continue
            if relative != os.pardir and not relative.startswith(os.pardir + "/"):
                return relative
        return None


@lazy_dataclass(frozen=True)
class _Gitignore:
    """The patterns of one `.gitignore`, and where its folder is.

    `base` is the folder's path relative to the walk's anchor (see
    `_Position`), posix, "" for the anchor itself.
    """

    base: str
    spec: pathspec.GitIgnoreSpec

    def verdict(self, anchored_path: str, is_dir: bool) -> Optional[bool]:
        """True: ignored; False: re-included by a `!` pattern; None: not mentioned."""
        if self.base:
            if not anchored_path.startswith(self.base + "/"):
                return None
            anchored_path = anchored_path[len(self.base) + 1 :]
        return self.spec.check_file(anchored_path + "/" if is_dir else anchored_path).include


@lazy_dataclass(frozen=True)
class _Position:
    """Where an entry of a walk is, in each frame its patterns are matched in.

    `anchor_path` is relative to the walk's anchor: the repository root when
    gitignore files above the walked folder apply, else the walked folder.
    `root_path` is relative to the project root, None outside the project.
    """

    path: str  # as the user will see it: the given path joined with the names below it
    walk_path: str  # relative to the walked folder, posix
    anchor_path: str
    root_path: Optional[str]
    gitignores: Tuple[_Gitignore, ...]  # those that apply, shallowest first
    scope: _Scope  # the settings that govern this path
    in_repository: bool = False  # inside a git repository: .gitignore files apply

    def child(self, name: str) -> "_Position":
        return _Position(
            path=os.path.join(self.path, name),
            walk_path=_join(self.walk_path, name),
            anchor_path=_join(self.anchor_path, name),
            root_path=None if self.root_path is None else _join(self.root_path, name),
            gitignores=self.gitignores,
            scope=self.scope,
            in_repository=self.in_repository,
        )


class _Entry(NamedTuple):
    name: str
    is_dir: bool
    is_link: bool


def _join(parent: str, name: str) -> str:
    return f"{parent}/{name}" if parent else name


def _posix_relpath(path: str, start: str) -> str:
    relative = os.path.relpath(path, start)
    return "" if relative == os.curdir else relative.replace(os.sep, "/")


class _Discovery:
    def __init__(self, settings):
        self._resolver = _FixedSettings(settings) if isinstance(settings, Settings) else settings
        self._scopes: Dict[int, _Scope] = {}
        self._result = DiscoveryResult()
        self._seen_files: Set[str] = set()
        # real folder path -> its .gitignore patterns, or None when it has none
        self._gitignore_cache: Dict[str, Optional[pathspec.GitIgnoreSpec]] = {}
        # repository root -> the patterns of info/exclude and core.excludesFile
        self._git_excludes_cache: Dict[str, Tuple[_Gitignore, ...]] = {}

    def _scope_for(self, path: str, is_dir: bool) -> _Scope:
        settings = self._resolver.for_path(path, is_dir=is_dir)
        scope = self._scopes.get(id(settings))
        if scope is None:
            scope = self._scopes[id(settings)] = _Scope.of(settings)
        return scope

    def run(self, paths: Sequence[str]) -> DiscoveryResult:
        for given in paths:
            if not os.path.exists(given) and not os.path.islink(given):
                self._result.missing.append(given)
            elif os.path.isdir(given):
                self._walk_named_folder(given)
            else:
                self._add_named_file(given)
        return self._result

    # ------------------------------------------------------------------ named paths

    def _add_named_file(self, given: str) -> None:
        # Without force-exclude a named file is linted whatever the patterns
        # say: its position (the .gitignore files above it, git's excludes
        # file) is not needed, which keeps linting one file cheap.
        if self._scope_for(os.path.abspath(given), is_dir=False).settings.force_exclude:
            position = self._position_of_named(given, is_dir=False, detached=False)
            if self._is_excluded(position, self._name_of_named(given, position), is_dir=False):
                self._result.excluded_named.append(given)
                return
        self._add_file(given)

    def _walk_named_folder(self, given: str) -> None:
        position = self._position_of_named(given, is_dir=True, detached=False)
        if self._is_excluded(position, self._name_of_named(given, position), is_dir=True):
            if position.scope.settings.force_exclude:
                self._result.excluded_named.append(given)
                return
            # Named on purpose: judge what is inside by the patterns from here
            # down only, not by the ancestry that excluded the folder itself.
            position = self._position_of_named(given, is_dir=True, detached=True)
        self._walk(position)

    @staticmethod
    def _name_of_named(given: str, position: _Position) -> str:
        """The bare name a named path is matched by, "" for none.

        Inside the project, the path relative to the root already puts every
        folder name below the root to the test; the names above it (say the
        project lives in ~/build) must not exclude the whole project.
        """
        return "" if position.root_path is not None else os.path.basename(os.path.abspath(given))

    def _position_of_named(self, given: str, is_dir: bool, detached: bool) -> _Position:
        """The position of a named path, with the .gitignore files of its ancestors.

        A named folder is the top of its walk (`walk_path` ""); a named file
        is in its folder's walk. `detached` leaves out the project root and
        the ancestors' .gitignore files.
        """
        absolute = os.path.abspath(given)
        scope = self._scope_for(absolute, is_dir)
        walk_path = "" if is_dir else os.path.basename(absolute)
        root_path = None if detached else scope.relative_to_root(absolute)
        folder = absolute if is_dir else os.path.dirname(absolute)
        if not scope.settings.respect_gitignore:
            return _Position(given, walk_path, walk_path, root_path, gitignores=(), scope=scope)
        # Outside a git repository no .gitignore applies, as with git and ruff
        # (a folder met by the walk that holds `.git` starts one).
        repository = _repository_root(folder)
        if detached or repository is None:
            return _Position(given, walk_path, walk_path, root_path, gitignores=(), scope=scope,
                             in_repository=repository is not None)

        # A walked folder reads its own .gitignore when it enters itself, so
        # for a folder the ancestry starts at its parent; a named file is not
        # walked, so its own folder's .gitignore is part of its ancestry.
        # `repository` was found by taking dirnames of `folder`, so the
        # strings nest and the lengths say who is above whom.
        ancestors = []
        current = os.path.dirname(absolute)
        while len(current) >= len(repository):
            ancestors.append(current)
            if current == repository:
                break
            current = os.path.dirname(current)
        gitignores = list(self._git_excludes(repository))
        for ancestor in reversed(ancestors):
            spec = self._gitignore_in(ancestor)
            if spec is not None:
                gitignores.append(_Gitignore(_posix_relpath(ancestor, repository), spec))
        anchor_path = _posix_relpath(absolute, repository)
        return _Position(given, walk_path, anchor_path, root_path, tuple(gitignores), scope=scope, in_repository=True)

    def _git_excludes(self, repository: str) -> Tuple[_Gitignore, ...]:
        """The repository's info/exclude and git's global excludes file, as
        gitignores at the repository root (git ranks them below every
        .gitignore, so they come first)."""
        if repository not in self._git_excludes_cache:
            found = []
            for path in _git_exclude_files(repository):
                try:
                    with open(path, encoding="utf-8", errors="replace") as handle:
                        lines = handle.read().splitlines()
                except OSError:
                    continue  # git itself ignores a missing or unreadable one
                if any(line.strip() and not line.startswith("#") for line in lines):
                    found.append(_Gitignore("", _compiled(lines)))
            self._git_excludes_cache[repository] = tuple(found)
        return self._git_excludes_cache[repository]

    # ------------------------------------------------------------------ walking

    def _walk(self, top: _Position) -> None:
        visited_folders: Set[str] = set()
        # A stack of pending entries, pushed in reverse so that they pop in
        # sorted order: files and folders interleave by name, depth first.
        # Each carries its real path when it is cheap to know (None: ask).
        pending: List[Tuple[_Position, bool, Optional[str]]] = [(top, True, None)]
        while pending:
            position, is_dir, real = pending.pop()
            real = real or os.path.realpath(position.path)
            if not is_dir:
                self._add_file(position.path, real)
                continue
            if real in visited_folders:
                continue  # a symbolic link back to a folder this walk already covers
            visited_folders.add(real)
            entries = self._entries_of(position.path)
            if entries is None:
                continue
            scope = self._scope_for(position.path, is_dir=True)
            if scope is not position.scope:
                # A configuration file in this folder: its patterns, relative
                # to its folder, rule below it.
                position = dataclasses.replace(position, scope=scope, root_path=scope.relative_to_root(os.path.abspath(position.path)))
            if scope.settings.respect_gitignore and not position.in_repository and any(entry.name == ".git" for entry in entries):
                # a repository inside the walked folder: its excludes and .gitignore files apply below it
                repository = os.path.abspath(position.path)
                position = dataclasses.replace(position, in_repository=True, anchor_path="",
                                               gitignores=self._git_excludes(repository))
            if scope.settings.respect_gitignore and position.in_repository and any(entry.name == GITIGNORE for entry in entries):
                spec = self._gitignore_in(position.path)
                if spec is not None:
                    own = _Gitignore(position.anchor_path, spec)
                    position = dataclasses.replace(position, gitignores=position.gitignores + (own,))
            for entry in reversed(entries):
                if not entry.is_dir and not entry.name.endswith(LINTED_SUFFIXES):
                    continue
                child = position.child(entry.name)
                if not self._is_excluded(child, entry.name, entry.is_dir):
                    # Below a real folder, a name that is no link is real too;
                    # this spares a realpath() per file.
                    child_real = None if entry.is_link else os.path.join(real, entry.name)
                    pending.append((child, entry.is_dir, child_real))

    def _entries_of(self, folder: str) -> Optional[List["_Entry"]]:
        """The folders and files in `folder`, sorted by name; None if it cannot be read."""
        entries = []
        try:
            with os.scandir(folder) as scan:
                for entry in scan:
                    try:
                        # Both follow symbolic links; a dangling link, a named
                        # pipe, a socket or a device is neither, and a looping
                        # link raises.
                        if entry.is_dir():
                            entries.append(_Entry(entry.name, True, entry.is_symlink()))
                            continue
                        is_file = entry.is_file()
                    except OSError:
                        is_file = False
                    if is_file or entry.name.endswith(LINTED_SUFFIXES):
                        # one that is not a regular file is listed so that reading it says why (DL002)
                        entries.append(_Entry(entry.name, False, not is_file or entry.is_symlink()))
        except OSError as error:
            self._result.errors.append((folder, error.strerror or str(error)))
            return None
        entries.sort()
        return entries

    def _add_file(self, path: str, real: Optional[str] = None) -> None:
        real = real or os.path.realpath(path)
        if real not in self._seen_files:
            self._seen_files.add(real)
            self._result.files.append(Path(path))

    # ------------------------------------------------------------------ exclusion

    def _is_excluded(self, position: _Position, name: str, is_dir: bool) -> bool:
        # dict.fromkeys: the frames often agree (walking "." from the root),
        # and each match costs a pass over the patterns.
        candidates = dict.fromkeys((name, position.walk_path, position.root_path))
        scope = position.scope
        if any(candidate and scope.excludes(candidate, is_dir) for candidate in candidates):
            return True
        if not position.scope.settings.respect_gitignore:
            return False
        # The deepest .gitignore that has a say about this path decides.
        for gitignore in reversed(position.gitignores):
            verdict = gitignore.verdict(position.anchor_path, is_dir)
            if verdict is not None:
                return verdict
        return False

    def _gitignore_in(self, folder: str) -> Optional[pathspec.GitIgnoreSpec]:
        key = os.path.realpath(folder)
        if key not in self._gitignore_cache:
            path = os.path.join(folder, GITIGNORE)
            spec = None
            try:
                if not os.path.isfile(path):
                    raise FileNotFoundError(path)  # a folder, a named pipe: not a .gitignore to read
                with open(path, encoding="utf-8", errors="replace") as handle:
                    spec = _gitignore_spec(handle.read().splitlines())
            except FileNotFoundError:
                pass
            except OSError as error:
                self._result.errors.append((path, error.strerror or str(error)))
            self._gitignore_cache[key] = spec
        return self._gitignore_cache[key]


def _compiled(lines: Sequence[str]) -> pathspec.GitIgnoreSpec:
    import pathspec  # a few milliseconds to import: only when there are patterns to match

    return pathspec.GitIgnoreSpec.from_lines(lines)


def _gitignore_spec(lines: List[str]) -> pathspec.GitIgnoreSpec:
    """The patterns of a .gitignore; a line pathspec cannot compile is
    skipped, as git skips a pattern it cannot use."""
    try:
        return _compiled(lines)
    except Exception:  # noqa: BLE001 - pathspec raises ValueError, re.error, ...
        usable = []
        for line in lines:
            try:
                _compiled([line])
            except Exception:  # noqa: BLE001
                continue
            usable.append(line)
        return _compiled(usable)


def _repository_root(folder: str) -> Optional[str]:
    """The nearest folder at or above `folder` that holds `.git` (a folder, or a file in worktrees)."""
    current = folder
    while True:
        if os.path.exists(os.path.join(current, ".git")):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


def _git_exclude_files(repository: str) -> List[str]:
    """`info/exclude` of the repository at `repository` and git's global
    excludes file (`core.excludesFile`, by default
    `$XDG_CONFIG_HOME/git/ignore`), where they would be."""
    files = []
    dot_git = os.path.join(repository, ".git")
    git_dir = dot_git
    if os.path.isfile(dot_git):  # a worktree or submodule: "gitdir: <path>"
        try:
            with open(dot_git, encoding="utf-8") as handle:
                text = handle.read().strip()
        except OSError:
            text = ""
        if text.startswith("gitdir:"):
            git_dir = os.path.join(repository, text[len("gitdir:"):].strip())
    common_dir = git_dir
    try:  # a worktree shares info/exclude with its main repository
        with open(os.path.join(git_dir, "commondir"), encoding="utf-8") as handle:
            common_dir = os.path.join(git_dir, handle.read().strip())
    except OSError:
        pass
    files.append(os.path.join(common_dir, "info", "exclude"))
    global_file = _configured_excludes_file(repository)
    if global_file is None:
        xdg = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
        global_file = os.path.join(xdg, "git", "ignore")
    files.append(global_file)
    return files


def _configured_excludes_file(repository: str) -> Optional[str]:
    """`core.excludesFile` as git reads it (global, system and repository
    configuration, `~` expanded), None when unset or git is not installed."""
    import subprocess  # only a walk, or a named file with force-exclude, asks git

    try:
        completed = subprocess.run(
            ["git", "config", "--path", "--get", "core.excludesFile"],
            cwd=repository, capture_output=True, text=True, timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    value = completed.stdout.strip()
    return os.path.join(repository, value) if completed.returncode == 0 and value else None

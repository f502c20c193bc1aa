"""The `dllint` command.

stdout carries only findings (editors and CI parse it), or with
`--statistics` only the table; everything else, the summary, warnings,
errors, goes to stderr. Exit status: 0 no findings, 1 findings, 2 a usage or
configuration error, 130 interrupted (Ctrl-C).
"""
from __future__ import annotations

import gc
import os
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Dict, List, Optional, Sequence

import click

from dllint import __version__

# The rest of dllint is imported where a run needs it: `--version` and
# `--help` cost Python and click alone, `--list-rules` adds the rules, and
# only a run that lints imports the runner, discovery and the configuration.
if TYPE_CHECKING:
    from dllint.diagnostics import Diagnostic
    from dllint.formats.context import SourceLines
    from dllint.runner import Input
    from dllint.settings import Settings

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 2, 130
DEFAULT_FORMAT = "text"
# the names of `reporting.FORMATTERS` (a test keeps the two the same), so that
# click can list them without importing the formats
FORMAT_NAMES = ("concise", "full", "github", "json", "json-lines", "pylint", "sarif", "text")
# What the command is doing, for the last-resort internal error message.
_STEP = ["starting"]
# ruff's subcommands, which people type out of habit: what to write instead
_SUBCOMMAND_HINTS = {
    "check": "dllint has no subcommands: `dllint PATH...` checks, as `ruff check` does",
    "rule": "dllint has no subcommands: `dllint --explain CODE` documents a rule, as `ruff rule` does",
}


def _codes(value: Optional[str]) -> Optional[List[str]]:
    if value is None:
        return None
    return [part.strip().upper() for part in value.split(",") if part.strip()]


def _patterns(value: Optional[str]) -> Optional[List[str]]:
    if value is None:
        return None
    return [part.strip() for part in value.split(",") if part.strip()]


def _fail(message: str) -> "click.exceptions.Exit":
    click.echo(f"dllint: error: {message}", err=True)
    return click.exceptions.Exit(EXIT_ERROR)


def _warn(message: str) -> None:
    click.echo(f"dllint: warning: {message}", err=True)


def _use_color(choice: str, to_terminal: bool) -> bool:
    """`always` and `never` are obeyed; `auto` colours a terminal only, and
    not when NO_COLOR is set to anything but "" (https://no-color.org)."""
    if choice != "auto":
        return choice == "always"
    return to_terminal and not os.environ.get("NO_COLOR")


def _show_settings(path: str, settings: Settings) -> None:
    import json

    click.echo(f"Resolved settings for: {path}")
    click.echo(f"Settings path: {settings.config_path if settings.config_path else '(none: the defaults)'}")
    # TOML-like: JSON's lists, strings and booleans read the same
    click.echo(f"root = {json.dumps(str(settings.root))}")
    for name in ("select", "extend_select", "ignore", "extend_ignore", "exclude", "extend_exclude"):
        click.echo(f"{name.replace('_', '-')} = {json.dumps(getattr(settings, name))}")
    click.echo(f"per-file-ignores = {json.dumps(settings.per_file_ignores)}")
    click.echo(f"respect-gitignore = {json.dumps(settings.respect_gitignore)}")
    click.echo(f"force-exclude = {json.dumps(settings.force_exclude)}")
    click.echo(f"output-format = {json.dumps(settings.output_format or DEFAULT_FORMAT)}")
    for code, options in sorted(settings.rule_options.items()):
        click.echo(f"{code} = {json.dumps(options)}")


def _listing(paths: Sequence[str], limit: int = 5) -> str:
    shown = ", ".join(paths[:limit])
    return shown + (f" and {len(paths) - limit} more" if len(paths) > limit else "")


def _explain(code: str) -> int:
    from dllint.registry import ENGINE_CODES, ENGINE_SUMMARIES, rules_by_code
    from dllint.rule_docs import render_rule

    code = code.strip().upper()
    rule = rules_by_code().get(code)
    if rule is not None:
        click.echo(render_rule(rule), nl=False)
        return EXIT_CLEAN
    if code in ENGINE_CODES:
        click.echo(f"# {code}: {ENGINE_CODES[code]}\n\n{ENGINE_SUMMARIES[code]}\n")
        return EXIT_CLEAN
    raise _fail(f"unknown rule code {code!r}; `dllint --list-rules` lists them")


def _list_rules() -> int:
    from dllint.registry import ENGINE_CODES, ENGINE_SUMMARIES, all_rules

    rows = [(code, name, ENGINE_SUMMARIES[code]) for code, name in ENGINE_CODES.items()]
    rows += [(rule.code, rule.name, rule.summary()) for rule in all_rules()]
    width = max(len(name) for _, name, _ in rows)
    for code, name, summary in sorted(rows):
        click.echo(f"{code}  {name:<{width}}  {summary}")
    return EXIT_CLEAN


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
# readable=False: an unreadable file is a DL002 finding for that file, not a usage error for the run
@click.argument("paths", nargs=-1, type=click.Path(path_type=str, readable=False))
@click.option("--select", help="Codes or prefixes to report (comma-separated); replaces the configured list.")
@click.option("--ignore", help="Codes or prefixes not to report (comma-separated); replaces the configured list.")
@click.option("--extend-select", help="Codes or prefixes to report in addition to the configured ones.")
@click.option("--extend-ignore", help="Codes or prefixes to ignore in addition to the configured ones.")
@click.option("--exclude", help="Gitignore-style patterns of paths to skip (comma-separated); replaces the configured ones and the defaults.")
@click.option("--extend-exclude", help="Gitignore-style patterns of paths to skip, added to the configured ones.")
@click.option("--respect-gitignore/--no-respect-gitignore", default=None, help="Skip what .gitignore, .git/info/exclude and git's core.excludesFile ignore (default: on).")
@click.option("--config", "config_file", type=click.Path(path_type=Path, dir_okay=False, readable=False), help="Read settings for every file from this file (pyproject.toml, dllint.toml).")
@click.option("--isolated", is_flag=True, help="Ignore every configuration file.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option("--statistics", is_flag=True, help="Print how many findings each code has, on stdout, instead of the findings.")
@click.option("-q", "--quiet", is_flag=True, help="Print no summary line and no warnings.")
@click.option("-v", "--verbose", is_flag=True, help="Print the traceback of internal errors (DL000).")
@click.option("--show-files", is_flag=True, help="Print the files that would be linted, and stop.")
@click.option("--show-settings", is_flag=True, help="Print the settings for the first path (or the working folder) and the file they come from, and stop.")
@click.option("--force-exclude", is_flag=True, help="Apply exclusions to files named on the command line, and to --stdin-filename, too.")
@click.option("--stdin-filename", help="The name to report (and match settings against) for source read from stdin (`-`).")
@click.option("--format", "--output-format", "output_format", type=click.Choice(FORMAT_NAMES), envvar="DLLINT_OUTPUT_FORMAT", show_envvar=True, help="Output format (default: `output-format` from the settings, else text).")
@click.option("--color", "color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True, help="Colour the findings: auto colours a terminal unless NO_COLOR is set.")
@click.option("-o", "--output-file", type=click.Path(path_type=Path, dir_okay=False), help="Write the findings to this file instead of stdout.")
@click.option("-j", "--jobs", type=click.IntRange(min=0), default=0, show_default=True, help="Processes to check files with; 0 means one per CPU. The project index is shared by all.")
@click.option("--cache-dir", type=click.Path(path_type=Path, file_okay=False, readable=False), envvar="DLLINT_CACHE_DIR", show_envvar=True, help="Keep results between runs in this folder (default: .dllint_cache in the project root).")
@click.option("--no-cache", is_flag=True, help="Read and write no cache: check every file from scratch.")
@click.option("--fix/--no-fix", "fix", default=None, help="Apply the fixes that are safe (with --unsafe-fixes, the unsafe ones too) and report what remains.")
@click.option("--unsafe-fixes/--no-unsafe-fixes", "unsafe_fixes", default=None, help="Count unsafe fixes as fixable: --fix, --diff and --fix-only apply them too.")
@click.option("--diff", "show_diff", is_flag=True, help="Print the fixes as a unified diff and write nothing; exit 1 when there is something to fix.")
@click.option("--fix-only", is_flag=True, help="Apply fixes and report nothing else; exit 0 unless something goes wrong.")
@click.option("--add-noqa", is_flag=True, help="Add `# noqa: CODE` comments for every current finding to the files, and stop.")
@click.option("--explain", metavar="CODE", help="Print a rule's documentation (Markdown) and stop.")
@click.option("--list-rules", is_flag=True, help="List every rule: code, name, summary.")
@click.version_option(__version__, "--version", prog_name="dllint")
def cli(paths: Sequence[str], **options) -> None:
    """Lint deep-learning training code for the mistakes that never crash.

    PATHS are files or directories (default: the current directory); `-`
    reads source from stdin. Each file is linted with the settings of the
    configuration file closest to it, unless --config or --isolated.
    """
    try:
        _run(list(paths), **options)
    except KeyboardInterrupt:
        raise click.exceptions.Exit(EXIT_INTERRUPTED)


def _run(
    paths: List[str],
    select: Optional[str],
    ignore: Optional[str],
    extend_select: Optional[str],
    extend_ignore: Optional[str],
    exclude: Optional[str],
    extend_exclude: Optional[str],
    respect_gitignore: Optional[bool],
    config_file: Optional[Path],
    isolated: bool,
    exit_zero: bool,
    statistics: bool,
    quiet: bool,
    verbose: bool,
    show_files: bool,
    show_settings: bool,
    force_exclude: bool,
    stdin_filename: Optional[str],
    output_format: Optional[str],
    color: str,
    output_file: Optional[Path],
    jobs: int,
    cache_dir: Optional[Path],
    no_cache: bool,
    fix: Optional[bool],
    unsafe_fixes: Optional[bool],
    show_diff: bool,
    fix_only: bool,
    add_noqa: bool,
    explain: Optional[str],
    list_rules: bool,
) -> None:
    if explain:
        raise click.exceptions.Exit(_explain(explain))
    if list_rules:
        raise click.exceptions.Exit(_list_rules())
    if paths and paths[0] in _SUBCOMMAND_HINTS and not os.path.exists(paths[0]):
        raise _fail(_SUBCOMMAND_HINTS[paths[0]])

    if isolated and config_file is not None:
        raise _fail("--config cannot be used with --isolated (which ignores every configuration file)")

    from dllint.config import ConfigError, SettingsResolver, apply_cli_overrides, load_settings
    from dllint.discovery import discover, is_excluded_file
    from dllint.formats.context import SourceLines
    from dllint.runner import Input, Runner
    from dllint.source import display_name

    _STEP[0] = "loading the configuration"

    def overrides(settings: Settings) -> Settings:
        return apply_cli_overrides(
            settings,
            select=_codes(select),
            ignore=_codes(ignore),
            extend_select=_codes(extend_select),
            extend_ignore=_codes(extend_ignore),
            exclude=_patterns(exclude),
            extend_exclude=_patterns(extend_exclude),
            force_exclude=force_exclude or None,
            fix=fix,
            unsafe_fixes=unsafe_fixes,
            respect_gitignore=respect_gitignore,
        )

    try:
        # The working folder's settings decide what is the run's alone (the
        # output format) and cover files with no configuration of their own.
        resolver = SettingsResolver(
            load_settings(config_file, isolated=isolated),
            overrides,
            fixed=isolated or config_file is not None,
        )
        settings = resolver.default
        if show_settings:
            target = next((path for path in paths if path != "-"), stdin_filename or ".")
            _show_settings(target, resolver.for_path(target))
            raise click.exceptions.Exit(EXIT_CLEAN)

        _STEP[0] = "finding the files to lint"
        inputs: List[Input] = []
        stdin_texts: Dict[str, str] = {}
        excluded_named: List[str] = []
        if "-" in paths:
            display = display_name(stdin_filename or "stdin")
            data = sys.stdin.buffer.read()
            # An editor or hook that pipes an excluded file gets no findings, as
            # it would naming the file with --force-exclude.
            if stdin_filename and resolver.for_path(stdin_filename, is_dir=False).force_exclude and is_excluded_file(stdin_filename, resolver):
                excluded_named.append(stdin_filename)
            else:
                inputs.append(Input(display_path=display, path=Path(stdin_filename) if stdin_filename else None, data=data))
                stdin_texts[display] = data.decode("utf-8", errors="replace")
        named = [path for path in paths if path != "-"]
        if not paths:
            named = ["."]
        found = discover(named, resolver) if named else None
        missing = [display_name(path) for path in found.missing] if found else []
        if found is not None:
            inputs += [Input(display_path=display_name(str(path)), path=path) for path in found.files]
            excluded_named += found.excluded_named
        # Every file's settings now, so that a broken configuration anywhere
        # is an error before any output (and forked workers inherit them).
        for item in inputs:
            resolver.for_path(item.display_path, is_dir=False)
    except ConfigError as error:
        raise _fail(str(error))

    if not quiet:
        for loaded in resolver.loaded():
            for warning in loaded.warnings:
                _warn(warning)
        if found is not None:
            for folder, reason in found.errors:
                _warn(f"cannot read folder {display_name(folder)}: {reason}")
        if excluded_named:
            what = "path" if len(excluded_named) == 1 else f"{len(excluded_named)} paths"
            _warn(f"{what} named on the command line excluded by the settings (--force-exclude), so not linted: {_listing(excluded_named)}")
        if not inputs and not excluded_named and len(missing) < len(named) + ("-" in paths):
            _warn("no Python files found under the given path(s)")

    if show_files:
        for item in inputs:
            click.echo(item.display_path)
        raise click.exceptions.Exit(EXIT_CLEAN)

    _STEP[0] = "checking the files"
    runner = Runner(settings, jobs=jobs, resolver=resolver, cache_folder=None if no_cache else _cache_folder(cache_dir, settings.root))
    chosen = output_format or settings.output_format or DEFAULT_FORMAT
    report = _Report(chosen, color, output_file, quiet, verbose, statistics, SourceLines(stdin_texts))
    if show_diff or fix_only or settings.fix:
        raise click.exceptions.Exit(
            _fix_and_report(runner, inputs, missing, settings, show_diff, fix_only, report, exit_zero)
        )
    result = runner.run(inputs)
    result.diagnostics = _with_missing(result.diagnostics, missing)
    if not quiet:
        for warning in result.warnings:
            _warn(warning)
    if add_noqa:
        raise click.exceptions.Exit(_add_noqa(result.diagnostics, inputs, quiet))
    _STEP[0] = "writing the report"
    report.write(result, settings)
    raise click.exceptions.Exit(EXIT_FINDINGS if result.diagnostics and not exit_zero else EXIT_CLEAN)


def _cache_folder(explicit: Optional[Path], root: Path) -> Path:
    """`--cache-dir` (or `$DLLINT_CACHE_DIR`), else `.dllint_cache` in the project root."""
    from dllint.cache import CACHE_FOLDER

    return Path(explicit) if explicit is not None else Path(root) / CACHE_FOLDER


def _with_missing(diagnostics: Sequence[Diagnostic], missing: Sequence[str]) -> List[Diagnostic]:
    """A path that does not exist is reported whatever is selected: a typo
    must never pass as "no findings"."""
    return sorted([_missing_path(path) for path in missing] + list(diagnostics), key=lambda d: d.sort_key)


class _Report:
    """How the findings of a run are written: the format, colour, where to."""

    def __init__(self, output_format: str, color: str, output_file: Optional[Path], quiet: bool, verbose: bool, statistics: bool, sources: SourceLines):
        self.output_format = output_format
        self.color = color
        self.output_file = output_file
        self.quiet = quiet
        self.verbose = verbose
        self.statistics = statistics
        self.sources = sources

    def write(self, result, settings: Settings, *, fixed: Optional[int] = None, to_stderr: bool = False) -> None:
        """The findings (stdout or --output-file; --statistics: the table
        instead) and the summary (stderr)."""
        from dllint.formats.context import ReportContext
        from dllint.reporting import FORMATTERS, fixable_summary, format_statistics, summary_line

        colored = False
        if self.statistics:
            output = format_statistics(result.diagnostics)
        else:
            to_terminal = self.output_file is None and (sys.stderr if to_stderr else sys.stdout).isatty()
            colored = _use_color(self.color, to_terminal)
            context = ReportContext.for_settings(settings, color=colored, sources=self.sources)
            output = FORMATTERS[self.output_format](result.diagnostics, context)
        if self.output_file is not None:
            try:
                if self.output_file.parent != Path(""):
                    self.output_file.parent.mkdir(parents=True, exist_ok=True)
                self.output_file.write_text(output, encoding="utf-8")
            except OSError as error:
                raise _fail(f"cannot write {self.output_file}: {error.strerror or error}")
        elif output:
            # color=True: click would strip the codes `--color always` asked for
            click.echo(output, nl=False, err=to_stderr, color=colored or None)
        if self.verbose:
            for text in result.tracebacks:
                click.echo(text, err=True)
        if not self.quiet:
            click.echo(summary_line(result.diagnostics, result.files_checked, fixed=fixed), err=True)
            fixes = fixable_summary(result.diagnostics, settings.unsafe_fixes)
            if fixes:
                click.echo(f"dllint: {fixes}", err=True)


def _fix_and_report(runner, inputs, missing, settings, show_diff: bool, fix_only: bool, report: _Report, exit_zero: bool) -> int:
    """--fix, --diff and --fix-only. Source read from stdin is never written
    back: --fix and --fix-only print the fixed source on stdout instead (the
    findings that remain then go to stderr)."""
    from dllint.file_writer import RefusedWrite
    from dllint.fixing import fix_run, unified_diff, write_fixed
    from dllint.runner import read_input

    quiet = report.quiet
    outcome = fix_run(runner, inputs, (), settings.unsafe_fixes)
    outcome.result.diagnostics = _with_missing(outcome.result.diagnostics, missing)
    if not quiet:
        for warning in outcome.result.warnings:
            _warn(warning)
    for path, reason in outcome.refused:
        click.echo(f"dllint: warning: {path}: fixes not applied: {reason}", err=True)
    changed_files = {id(changed.item) for changed in outcome.files}
    stdin_output = None
    if show_diff:
        for changed in outcome.files:
            click.echo(unified_diff(changed), nl=False)
    else:
        for changed in outcome.files:
            if changed.item.data is not None:  # stdin
                stdin_output = changed.text
                continue
            try:
                write_fixed(changed)
            except (RefusedWrite, OSError) as error:
                click.echo(f"dllint: error: {changed.item.display_path}: not written: {error}", err=True)
                return EXIT_ERROR
        stdin_item = next((item for item in inputs if item.data is not None), None)
        if stdin_item is not None and id(stdin_item) not in changed_files:
            stdin_output = read_input(stdin_item)
    files = len(outcome.files)
    fixed_text = f"{outcome.fixed} finding{'s' if outcome.fixed != 1 else ''} in {files} file{'s' if files != 1 else ''}"
    if stdin_output is not None:
        click.echo(stdin_output, nl=False)
    if show_diff or fix_only:
        if not quiet:
            verb = "would fix" if show_diff else "fixed"
            checked = outcome.result.files_checked
            text = f"{verb} {fixed_text}" if outcome.fixed else f"nothing to fix in {checked} file{'s' if checked != 1 else ''} checked"
            hidden = 0 if settings.unsafe_fixes else sum(1 for d in outcome.result.diagnostics if d.fix is not None and not d.fix.safe)
            if hidden:
                text += f" ({hidden} more fix{'es' if hidden != 1 else ''} available with the `--unsafe-fixes` option)"
            click.echo(f"dllint: {text}.", err=True)
        if show_diff:
            return EXIT_FINDINGS if outcome.fixed and not exit_zero else EXIT_CLEAN
        return EXIT_CLEAN
    report.write(outcome.result, settings, fixed=outcome.fixed, to_stderr=stdin_output is not None)
    return EXIT_FINDINGS if outcome.result.diagnostics and not exit_zero else EXIT_CLEAN


def _add_noqa(diagnostics: Sequence[Diagnostic], inputs: Sequence[Input], quiet: bool) -> int:
    from dllint.add_noqa import add_noqa

    files = {item.display_path: item.path for item in inputs if item.path is not None and item.data is None}
    done = add_noqa(diagnostics, files)
    for path, reason in done.failed:
        click.echo(f"dllint: error: cannot add noqa comments to {path}: {reason}", err=True)
    if not quiet:
        for path, line, reason in done.skipped:
            _warn(f"{path}:{line}: no noqa comment added ({reason})")
        comments = f"{done.added} noqa comment{'s' if done.added != 1 else ''}"
        click.echo(f"dllint: added {comments} to {done.files} file{'s' if done.files != 1 else ''}.", err=True)
    return EXIT_FINDINGS if done.failed else EXIT_CLEAN


def _missing_path(path: str) -> Diagnostic:
    from dllint.diagnostics import Diagnostic
    from dllint.registry import ENGINE_CODES

    return Diagnostic(path=path, line=1, column=1, code="DL002", message="no such file or directory", name=ENGINE_CODES["DL002"])


class _Interrupted(BaseException):
    """Ctrl-C, raised past click (which would print `Aborted!` and exit 1)."""


def _on_interrupt(signum, frame) -> None:
    if os.getpid() != _MAIN_PID:
        os._exit(EXIT_INTERRUPTED)  # a forked worker: its parent reports
    raise _Interrupted


_MAIN_PID = os.getpid()


def main() -> None:
    global _MAIN_PID
    _MAIN_PID = os.getpid()
    signal.signal(signal.SIGINT, _on_interrupt)
    try:
        try:
            cli(prog_name="dllint")
        finally:
            # The process ends now. Its run's index (every kept tree) is
            # garbage that Python's exit would collect object by object:
            # 8 s of CPU on PyTorch's sources. Frozen, it is left to the
            # operating system.
            gc.freeze()
    except _Interrupted:
        sys.exit(EXIT_INTERRUPTED)
    except SystemExit:
        raise
    except Exception as error:  # noqa: BLE001 - the user gets a message, never a traceback
        click.echo(f"dllint: internal error while {_STEP[0]}: {error.__class__.__name__}: {error}", err=True)
        sys.exit(EXIT_ERROR)

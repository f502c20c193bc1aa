"""The `dllint` command.

stdout carries only findings (editors and CI parse it); everything else, the
summary, statistics, errors, goes to stderr. Exit status: 0 no findings, 1
findings, 2 a usage or configuration error.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional, Sequence

import click

from dllint import __version__

# The rest of dllint is imported where a run needs it, so that `--version`
# and `--help` start in the time Python and click take.

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
# `reporting.FORMATTERS`' names (a test keeps the two lists equal)
FORMAT_NAMES = ("concise", "github", "json", "json-lines", "pylint", "sarif", "text")


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


def _cache_folder(explicit: Optional[Path], root: Path) -> Path:
    from dllint.cache import cache_folder

    return cache_folder(explicit, root)


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option("--select", help="Codes or prefixes to report (comma-separated); replaces the configured list.")
@click.option("--ignore", help="Codes or prefixes not to report (comma-separated); replaces the configured list.")
@click.option("--extend-select", help="Codes or prefixes to report in addition to the configured ones.")
@click.option("--extend-ignore", help="Codes or prefixes to ignore in addition to the configured ones.")
@click.option("--extend-exclude", help="Gitignore-style patterns of paths to skip, added to the configured ones.")
@click.option("--config", "config_file", type=click.Path(path_type=Path, dir_okay=False), help="Read settings from this file (pyproject.toml, dllint.toml).")
@click.option("--isolated", is_flag=True, help="Ignore every configuration file.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option("--statistics", is_flag=True, help="Print how many findings each code has, on stderr.")
@click.option("-q", "--quiet", is_flag=True, help="Print no summary line.")
@click.option("-v", "--verbose", is_flag=True, help="Print the traceback of internal errors (DL000).")
@click.option("--show-files", is_flag=True, help="Print the files that would be linted, and stop.")
@click.option("--force-exclude", is_flag=True, help="Apply exclusions to files named on the command line, and to --stdin-filename, too.")
@click.option("--stdin-filename", help="The name to report (and match settings against) for source read from stdin (`-`).")
@click.option("--format", "output_format", type=click.Choice(FORMAT_NAMES), default="text", show_default=True, help="Output format.")
@click.option("-o", "--output-file", type=click.Path(path_type=Path, dir_okay=False), help="Write the findings to this file instead of stdout.")
@click.option("-j", "--jobs", type=click.IntRange(min=0), default=0, show_default=True, help="Processes to check files with; 0 means one per CPU. The project index is shared by all.")
@click.option("--cache-dir", type=click.Path(path_type=Path, file_okay=False), help="Keep results between runs in this folder (default: .dllint_cache in the project root, or $DLLINT_CACHE_DIR).")
@click.option("--no-cache", is_flag=True, help="Read and write no cache: check every file from scratch.")
@click.option("--explain", metavar="CODE", help="Print a rule's documentation (Markdown) and stop.")
@click.option("--list-rules", is_flag=True, help="List every rule: code, name, summary.")
@click.version_option(__version__, "--version", prog_name="dllint")
def cli(
    paths: Sequence[str],
    select: Optional[str],
    ignore: Optional[str],
    extend_select: Optional[str],
    extend_ignore: Optional[str],
    extend_exclude: Optional[str],
    config_file: Optional[Path],
    isolated: bool,
    exit_zero: bool,
    statistics: bool,
    quiet: bool,
    verbose: bool,
    show_files: bool,
    force_exclude: bool,
    stdin_filename: Optional[str],
    output_format: str,
    output_file: Optional[Path],
    jobs: int,
    cache_dir: Optional[Path],
    no_cache: bool,
    explain: Optional[str],
    list_rules: bool,
) -> None:
    """Lint deep-learning training code for the mistakes that never crash.

    PATHS are files or directories (default: the current directory); `-`
    reads source from stdin.
    """
    if explain:
        raise click.exceptions.Exit(_explain(explain))
    if list_rules:
        raise click.exceptions.Exit(_list_rules())

    from dllint.config import ConfigError, apply_cli_overrides, load_settings
    from dllint.discovery import discover, is_excluded_file
    from dllint.formats.context import ReportContext
    from dllint.reporting import FORMATTERS, format_statistics, summary_line
    from dllint.runner import Input, Runner

    if isolated and config_file is not None:
        raise _fail("--config cannot be used with --isolated (which ignores every configuration file)")
    try:
        settings = load_settings(config_file, isolated=isolated)
        settings = apply_cli_overrides(
            settings,
            select=_codes(select),
            ignore=_codes(ignore),
            extend_select=_codes(extend_select),
            extend_ignore=_codes(extend_ignore),
            extend_exclude=_patterns(extend_exclude),
            force_exclude=force_exclude or None,
        )
    except ConfigError as error:
        raise _fail(str(error))

    paths = list(paths) or ["."]
    inputs: List[Input] = []
    if "-" in paths:
        display = stdin_filename or "stdin"
        data = sys.stdin.buffer.read()
        # An editor or hook that pipes an excluded file gets no findings, as
        # it would naming the file with --force-exclude.
        if not (settings.force_exclude and stdin_filename and is_excluded_file(stdin_filename, settings)):
            inputs.append(Input(display_path=display, path=Path(stdin_filename) if stdin_filename else None, data=data))
        paths = [path for path in paths if path != "-"]
    found = discover(paths, settings) if paths else None
    if found is not None:
        inputs += [Input(display_path=str(path), path=path) for path in found.files]
        for folder, reason in found.errors:
            click.echo(f"dllint: warning: cannot read folder {folder}: {reason}", err=True)

    if show_files:
        for item in inputs:
            click.echo(item.display_path)
        raise click.exceptions.Exit(EXIT_CLEAN)

    cache_folder = None if no_cache else _cache_folder(cache_dir, settings.root)
    result = Runner(settings, jobs=jobs, cache_folder=cache_folder).run(inputs, missing=found.missing if found else ())
    output = FORMATTERS[output_format](result.diagnostics, ReportContext.for_settings(settings))
    if output_file is not None:
        try:
            if output_file.parent != Path(""):
                output_file.parent.mkdir(parents=True, exist_ok=True)
            output_file.write_text(output, encoding="utf-8")
        except OSError as error:
            raise _fail(f"cannot write {output_file}: {error.strerror or error}")
    elif output:
        click.echo(output, nl=False)
    if verbose:
        for text in result.tracebacks:
            click.echo(text, err=True)
    if statistics:
        click.echo(format_statistics(result.diagnostics), err=True, nl=False)
    if not quiet:
        click.echo(summary_line(result.diagnostics, result.files_checked), err=True)
    raise click.exceptions.Exit(EXIT_FINDINGS if result.diagnostics and not exit_zero else EXIT_CLEAN)


def main() -> None:
    try:
        cli(prog_name="dllint")
    except SystemExit:
        raise
    except Exception as error:  # noqa: BLE001 - the user gets a message, never a traceback
        click.echo(f"dllint: internal error: {error.__class__.__name__}: {error}", err=True)
        sys.exit(EXIT_ERROR)

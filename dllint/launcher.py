"""The `dllint` command's entry point.

`dllint --version` is answered here, before click is imported: importing
click alone takes several times Python's own start-up, and editors and
pre-commit frameworks ask for the version often. Everything else goes to
`dllint.cli`, which imports the rest of dllint as the run needs it.
"""
import sys

from dllint import __version__


def main() -> None:
    if sys.argv[1:] == ["--version"]:
        # what click's version_option prints (a test holds the two equal)
        sys.stdout.write(f"dllint, version {__version__}\n")
        sys.exit(0)
    from dllint.cli import main as run_cli

    run_cli()

"""The `dllint` command's entry point.

`dllint --version` is answered here, before click is imported: importing
click alone takes several times Python's own start-up, and editors and
pre-commit frameworks ask for the version often. Everything else goes to
`dllint.cli`, which imports the rest of dllint as the run needs it.
"""
import signal
import sys

from dllint import __version__


def _interrupted_while_starting(signum, frame) -> None:  # noqa: ARG001 - signal handler signature
    sys.exit(130)  # as dllint.cli's EXIT_INTERRUPTED, without a KeyboardInterrupt traceback from an import


def main() -> None:
    if sys.argv[1:] == ["--version"]:
        # what click's version_option prints (a test holds the two equal)
        sys.stdout.write(f"dllint, version {__version__}\n")
        sys.exit(0)
    # Ctrl-C while click and dllint are still being imported (a second on a
    # busy machine) ends the run as quietly as once it runs (dllint.cli.main
    # installs its own handler then)
    signal.signal(signal.SIGINT, _interrupted_while_starting)
    from dllint.cli import main as run_cli

    run_cli()

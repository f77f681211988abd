"""The ``w2v`` console script's entry: the CLI imported under a Ctrl-C guard.

Importing the CLI (Typer, Rich, numpy) takes a few tenths of a second before
:func:`w2v.cli.main` can install its own SIGINT handling; a Ctrl-C in that window would
print a KeyboardInterrupt traceback. Here it ends, as every other interrupt before training,
with one line and exit status 130.
"""

from __future__ import annotations

import sys


def main() -> None:
    """Entry point of the ``w2v`` console script and of ``python -m w2v``."""
    try:
        from w2v.cli import main as cli_main
    except KeyboardInterrupt:
        print("w2v: error: interrupted", file=sys.stderr)
        sys.exit(130)
    cli_main()

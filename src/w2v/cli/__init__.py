"""The ``w2v`` command line: thin Typer wrappers over the library.

This package is the only place that exits: a :class:`~w2v.errors.W2VError` becomes one line on
stderr and exit status 1 (2 for bad options, as Click does); anything else is a bug and
keeps its traceback. Heavy modules are imported inside the commands so that
``w2v --help`` stays fast.
"""

from __future__ import annotations

import signal
import sys

import typer

from w2v.cli import phrases, seed, train, vectors, warmup  # noqa: F401  (modules add commands)
from w2v.cli.app import app
from w2v.errors import W2VError

__all__ = ["app", "main", "option_flag"]


class _Interrupted(BaseException):
    """Ctrl-C outside a training run's own handling (which saves and says how to resume).

    Typer turns a KeyboardInterrupt into a silent exit 130, so the CLI raises this instead
    and prints one line.
    """


def _interrupt(signum: int, frame: object) -> None:
    raise _Interrupted


def main() -> None:
    """Entry point of the ``w2v`` console script."""
    # Only where Ctrl-C would raise KeyboardInterrupt: a background job ignores it.
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, _interrupt)
    usage_error, no_args_error = _click_usage_errors()
    try:
        status = app(standalone_mode=False)
    except W2VError as exc:
        _fail(exc.render(option_flag), 1)
    except no_args_error as exc:
        exc.show()  # `w2v` alone, or a group without its command: print the help
        sys.exit(exc.exit_code)
    except usage_error as exc:
        # A mistyped option or a bad value: one line, as for every other user error,
        # instead of Click's multi-line usage box.
        command = exc.ctx.command_path if exc.ctx is not None else "w2v"
        _fail(f"{exc.format_message()} (see '{command} --help')", exc.exit_code)
    except (_Interrupted, KeyboardInterrupt, typer.Abort):
        _fail("interrupted", 130)
    sys.exit(status if isinstance(status, int) else 0)


def _click_usage_errors() -> tuple[type[Exception], type[Exception]]:
    # Recent Typer releases vendor Click as typer._click; older ones depend on click.
    try:
        from typer._click.exceptions import NoArgsIsHelpError, UsageError
    except ImportError:  # pragma: no cover - depends on the installed Typer
        from click.exceptions import NoArgsIsHelpError, UsageError
    return UsageError, NoArgsIsHelpError


# Library parameters that the command line spells differently from --name-with-dashes.
_FLAGS = {"vector_size": "--dim", "sg": "--sg/--cbow", "topn": "-n/--topn",
          "max_memory": "--max-memory (MB)", "checkpoint_every": "--checkpoint-every (minutes)",
          "shared_negatives": "--shared-negatives/--per-pair-negatives", "random_seed": "--seed",
          "top_n": "--pca/--tsne", "header": "--no-header", "min_n": "--minn",
          "max_n": "--maxn", "subwords": "--subwords"}
_FLAGS["scoring"] = "--scorer"  # w2v phrases


def option_flag(name: str) -> str:
    """How the command line names a library parameter in messages: ``'--min-count' option``."""
    return f"'{_FLAGS.get(name, '--' + name.replace('_', '-'))}' option"


def _fail(message: str, status: int) -> None:
    print(f"w2v: error: {message}", file=sys.stderr)
    sys.exit(status)

"""The `frontline` command line: run, demo, init, invite, branch, households, roster, backup,
restore, migrate, status.

The package: `common` (what the commands share), `botapi` (getMe), one module per command
group (`run`: run, demo; `org`: init, invite, branch; `households`; `roster`; `database`: backup,
restore, migrate; `status`), `parser` (the argument parser). `main` is the console script's
entry point.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from bot.cli.common import EXIT_FAILURE, EXIT_USAGE, CliError
from bot.cli.parser import build_parser
from storage.db import DatabaseBusy, StorageError

__all__ = ["CliError", "build_parser", "main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `frontline` console script."""
    args = build_parser().parse_args(argv)
    try:
        code = args.func(args)  # a command may return its exit code (status: 1 if unhealthy)
    except CliError as exc:
        print(f"frontline: {exc}", file=sys.stderr)
        return exc.code
    except StorageError as exc:
        print(f"frontline: {exc}", file=sys.stderr)
        return EXIT_FAILURE if isinstance(exc, DatabaseBusy) else EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return _stdout_gone()
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        return _stdout_gone()
    return code if isinstance(code, int) else 0


def _stdout_gone() -> int:
    """The reader of our output went away (e.g. `frontline demo | head`): stop quietly.

    Python would otherwise report the failed flush of stdout at exit, so point stdout at
    /dev/null first (the recipe in the `signal` module's documentation).
    """
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    return 0


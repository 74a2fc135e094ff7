"""The `privfin` command line: one module per command, this package's `main` runs them.

    parser.py            the grammar; each handler imports its command's module when it runs
    import_statements.py privfin import            categorize.py   privfin categorize
    corrections.py       correct | accept | import-categories
    export.py            privfin export            recurring.py    privfin recurring
    imports.py           privfin imports [remove]  accounts.py     privfin accounts ...
    cache.py             privfin cache clear       serve.py        privfin serve
    exit_codes.py, output.py (messages, JSON lines), files.py (reading FILEs, the upload limit)

The core (`app/`) returns values and raises; only these modules print or read arguments. A
`UserFacingError` that reaches `main` is shown as one line; any other exception is a bug,
logged with its traceback in the data dir and reported as one line naming the log.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
from collections.abc import Iterator, Sequence
from pathlib import Path

from app.cli.exit_codes import EXIT_FAILURE, EXIT_INCOMPLETE, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE
from app.cli.output import say
from app.cli.parser import build_parser
from app.datadir import DataDirError
from app.errors import UserFacingError

__all__ = ["EXIT_FAILURE", "EXIT_INCOMPLETE", "EXIT_OK", "EXIT_USAGE", "build_parser", "main"]

# A command is one short process that allocates a great deal it keeps until exit (modules,
# pydantic schemas, rows) and makes few cycles. At the collector's default pace (a pass per
# 700 new objects, each older-generation pass walking everything loaded so far) a 5,000-row
# `categorize --offline` spent ~110-140 ms of ~1.1 s in 270 collections; at this pace, 2
# collections and ~25-30 ms. Cycles are still collected.
_COMMAND_GC_THRESHOLD = (50_000, 20, 100)


@contextlib.contextmanager
def _collector_paced_for_a_command() -> Iterator[None]:
    before = gc.get_threshold()
    gc.set_threshold(*_COMMAND_GC_THRESHOLD)
    try:
        yield
    finally:
        gc.set_threshold(*before)  # tests call `main` in their own process


def main(argv: Sequence[str] | None = None) -> int:
    with _collector_paced_for_a_command():
        return _main(argv)


def _main(argv: Sequence[str] | None) -> int:
    return run_handler(build_parser().parse_args(argv))


def run_handler(args: argparse.Namespace) -> int:
    """Run the parsed command's handler; every error becomes one stderr line and an exit code."""
    from app.settings import SettingsError, load_settings

    try:
        for problem in load_settings().saved_file_problems():
            say("", f"warning: {problem}")
        return int(args.handler(args))
    except SettingsError as error:
        say("", str(error))
        return EXIT_USAGE
    except DataDirError as error:
        say("", str(error))
        return EXIT_FAILURE
    except UserFacingError as error:
        say(args.command, str(error))
        return EXIT_FAILURE
    except KeyboardInterrupt:
        say("", "interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `privfin ... | head`: the reader has what it wanted; not a bug
        _quiet_stdout()
        return EXIT_FAILURE
    except Exception as error:  # a bug: its traceback goes to the log, not to the screen
        return _report_bug(error, args.command)


def _quiet_stdout() -> None:
    """Point stdout at /dev/null, so flushing what is left at exit cannot fail again."""
    import os
    import sys

    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def _report_bug(error: Exception, command: str) -> int:
    from app.bug_log import record_bug

    try:
        log = record_bug(error, _data_dir_for_the_log(), where=f"privfin {command}")
    except (OSError, DataDirError) as unwritable:
        say(
            command,
            f"something went wrong ({type(error).__name__}); the log could not be written: {unwritable}",
        )
        return EXIT_FAILURE
    say(command, f"something went wrong ({type(error).__name__}); the details are in {log}")
    return EXIT_FAILURE


def _data_dir_for_the_log() -> Path:
    from app.settings import DATA_DIR_ENV, load_settings, resolve_data_dir

    try:
        return load_settings().data_dir
    except Exception:  # the bug may be in the settings themselves
        import os

        raw = next((value for key, value in os.environ.items() if key.upper() == DATA_DIR_ENV), None)
        return resolve_data_dir(raw)

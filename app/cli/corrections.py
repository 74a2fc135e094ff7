"""`privfin correct | accept | import-categories`: the Review page's decisions, headless.

    privfin correct ID CATEGORY [--merchant]
    privfin accept ID... | --all
    privfin import-categories FILE.csv

Ids are the ones `privfin categorize --json` prints (and the export's `id` column). Each
command is a thin shell over `app.categorize.decisions`, the Review page's own path, so the
CLI and the dashboard do the same thing. The outcome goes to stderr as one line; exit 0 when
it was applied, 1 with a one-line reason (an unknown id or category, an unreadable file)
when nothing was changed, 2 for a command line that asks for nothing.
"""

from __future__ import annotations

import argparse
import sqlite3
from pathlib import Path

from app.categorize import decisions
from app.categorize.category_import import CategoryFileError, apply_edited_export
from app.cli.exit_codes import EXIT_FAILURE, EXIT_OK, EXIT_USAGE
from app.cli.output import say as _say
from app.settings import load_settings
from app.store import Store


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _store(command: str) -> Store | None:
    settings = load_settings()
    try:
        return Store(settings.db_path)
    except (OSError, sqlite3.Error, RuntimeError) as error:
        _say(command, f"cannot open the data store {settings.db_path}: {error}")
        return None


def run_correct_command(args: argparse.Namespace) -> int:
    store = _store("correct")
    if store is None:
        return EXIT_FAILURE
    try:
        category = decisions.resolve_category(store, args.category)
        decisions.check_ids(store, [args.id])
        if args.merchant:
            outcome = decisions.correct_merchant(store, args.id, category)
            spared = (
                f"; {_plural(outcome.spared, 'row')} you set by hand left as they were"
                if outcome.spared
                else ""
            )
            _say(
                "correct",
                f"set {_plural(outcome.changed, 'transaction')} of {outcome.merchant_key!r} "
                f"(money {outcome.direction}) to {category}{spared}",
            )
        else:
            decisions.correct(store, [args.id], category)
            _say("correct", f"set {args.id} to {category}")
    except decisions.DecisionError as error:
        _say("correct", str(error))
        return EXIT_FAILURE
    return EXIT_OK


def run_accept_command(args: argparse.Namespace) -> int:
    if bool(args.ids) == bool(args.all):
        _say("accept", "give transaction ids or --all (not both)")
        return EXIT_USAGE
    store = _store("accept")
    if store is None:
        return EXIT_FAILURE
    if args.all:
        outcome = decisions.accept_all(store)
        left = (
            f"; {_plural(outcome.uncategorized, 'row')} without a category stay in the review queue"
            if outcome.uncategorized
            else ""
        )
        _say("accept", f"marked {_plural(outcome.accepted, 'transaction')} reviewed{left}")
        return EXIT_OK
    try:
        accepted = decisions.accept(store, args.ids)
    except decisions.DecisionError as error:
        _say("accept", f"{error}; nothing was marked")
        return EXIT_FAILURE
    _say("accept", f"marked {_plural(accepted, 'transaction')} reviewed")
    return EXIT_OK


def run_import_categories_command(args: argparse.Namespace) -> int:
    path: Path = args.file
    try:
        data = path.read_bytes()
    except OSError as error:
        _say("import-categories", f"cannot read {path}: {error.strerror or error}")
        return EXIT_FAILURE
    store = _store("import-categories")
    if store is None:
        return EXIT_FAILURE
    try:
        outcome = apply_edited_export(store, str(path), data)
    except CategoryFileError as error:
        for problem in error.problems:
            _say("import-categories", problem)
        _say("import-categories", "nothing was changed")
        return EXIT_FAILURE
    except decisions.DecisionError as error:
        _say("import-categories", f"{path}: {error}; nothing was changed")
        return EXIT_FAILURE
    kept = (
        f"; {_plural(len(outcome.not_cleared), 'row')} marked Uncategorized in the file kept their "
        "category (set another one to change it)"
        if outcome.not_cleared
        else ""
    )
    _say(
        "import-categories",
        f"{path}: set {_plural(outcome.changed, 'transaction')} to the file's category as yours, "
        f"{_plural(outcome.unchanged, 'row')} unchanged{kept}",
    )
    return EXIT_OK

"""`privfin cache clear [--model NAME]`: forget remembered model answers, so the model is asked again."""

from __future__ import annotations

import argparse

from app.cli.exit_codes import EXIT_OK
from app.cli.output import say


def run_cache_clear_command(args: argparse.Namespace) -> int:
    from app.categorize.answer_cache import clear_answers
    from app.settings import load_settings
    from app.store import Store

    outcome = clear_answers(Store(load_settings().db_path), args.model)
    say("cache clear", outcome.message())
    return EXIT_OK

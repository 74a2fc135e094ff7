"""`privfin` command line: import, categorize, export, cache clear, serve.

Each command's handler turns parsed arguments into calls on the core and prints
results; machine-readable output goes to stdout, the human summary to stderr.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from app.settings import load_settings

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2


def _eprint(*parts: object) -> None:
    print(*parts, file=sys.stderr)


def _cmd_import(args: argparse.Namespace) -> int:
    from app.importer import run_import_command

    return int(run_import_command(args))


def _cmd_categorize(args: argparse.Namespace) -> int:
    from app.categorize.command import run_categorize_command

    return int(run_categorize_command(args))


def _cmd_export(args: argparse.Namespace) -> int:
    from app.reports import run_export_command

    return int(run_export_command(args))


def _cmd_cache_clear(args: argparse.Namespace) -> int:
    from app.categorize.answer_cache import clear_answers
    from app.store import Store

    outcome = clear_answers(Store(load_settings().db_path), args.model)
    _eprint(f"privfin cache clear: {outcome.message()}")
    return EXIT_OK


def _cmd_serve(args: argparse.Namespace) -> int:
    entry = Path(__file__).with_name("main.py")
    settings = load_settings()
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(entry),
        "--server.address",
        "127.0.0.1",
        "--server.port",
        str(args.port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--server.maxUploadSize",
        str(settings.max_upload_mb),
    ]
    return subprocess.call(command)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="privfin", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    imp = sub.add_parser("import", help="read bank CSV exports into the local store")
    imp.add_argument("files", nargs="+", type=Path, metavar="FILE")
    imp.add_argument("--account", help="account name for every transaction of these files")
    imp.add_argument("--dry-run", action="store_true", help="parse and report, store nothing")
    imp.add_argument("--json", action="store_true", help="one JSON object per transaction on stdout")
    imp.set_defaults(handler=_cmd_import)

    cat = sub.add_parser("categorize", help="categorize every uncategorized transaction")
    cat.add_argument("files", nargs="*", type=Path, metavar="FILE", help="import these first")
    cat.add_argument("--endpoint", help="OpenAI-compatible base URL, e.g. http://127.0.0.1:3001/v1")
    cat.add_argument("--model", help="model name (Parallax ignores it)")
    cat.add_argument("--offline", action="store_true", help="built-in rules only, no requests")
    cat.add_argument("--json", action="store_true", help="one JSON object per transaction on stdout")
    cat.set_defaults(handler=_cmd_categorize)

    exp = sub.add_parser("export", help="write a report of the stored transactions")
    exp.add_argument("--format", choices=("csv", "xlsx", "html"), default="csv")
    exp.add_argument("--output", "-o", type=Path, required=True)
    exp.add_argument("--from", dest="date_from", help="first date, YYYY-MM-DD")
    exp.add_argument("--to", dest="date_to", help="last date, YYYY-MM-DD")
    exp.add_argument("--account", action="append", default=[], help="only this account (repeatable)")
    exp.set_defaults(handler=_cmd_export)

    cache = sub.add_parser("cache", help="the remembered model answers")
    cache_sub = cache.add_subparsers(dest="cache_command", required=True)
    clear = cache_sub.add_parser("clear", help="forget remembered answers, so the model is asked again")
    clear.add_argument("--model", help="only this model's answers (default: every model's)")
    clear.set_defaults(handler=_cmd_cache_clear)

    srv = sub.add_parser("serve", help="start the dashboard on 127.0.0.1")
    srv.add_argument("--port", type=int, default=8501)
    srv.set_defaults(handler=_cmd_serve)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args))
    except KeyboardInterrupt:
        _eprint("privfin: interrupted")
        return 130


if __name__ == "__main__":
    sys.exit(main())

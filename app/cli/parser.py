"""The `privfin` command line's grammar: every command, its options and the handler that runs it.

Handlers import their command's module when they run, so `privfin --help` loads none of
pydantic-settings, the store, the readers or the endpoint client.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from app.money import normalize_currency_code

DESCRIPTION = (
    "`privfin` command line: import bank exports, categorize them, correct and accept categories, "
    "export reports, list recurring payments, manage imports and accounts"
)


def _currency_code(text: str) -> str:
    try:
        return normalize_currency_code(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from error


def _cmd_import(args: argparse.Namespace) -> int:
    from app.cli.import_statements import run_import_command

    return run_import_command(args)


def _cmd_categorize(args: argparse.Namespace) -> int:
    from app.cli.categorize import run_categorize_command

    return run_categorize_command(args)


def _cmd_correct(args: argparse.Namespace) -> int:
    from app.cli.corrections import run_correct_command

    return run_correct_command(args)


def _cmd_accept(args: argparse.Namespace) -> int:
    from app.cli.corrections import run_accept_command

    return run_accept_command(args)


def _cmd_import_categories(args: argparse.Namespace) -> int:
    from app.cli.corrections import run_import_categories_command

    return run_import_categories_command(args)


def _cmd_export(args: argparse.Namespace) -> int:
    from app.cli.export import run_export_command

    return run_export_command(args)


def _cmd_imports(args: argparse.Namespace) -> int:
    from app.cli.imports import run_imports_list, run_imports_remove

    return run_imports_remove(args) if args.imports_command == "remove" else run_imports_list(args)


def _cmd_accounts(args: argparse.Namespace) -> int:
    from app.cli.accounts import run_accounts

    return run_accounts(args)


def _cmd_cache_clear(args: argparse.Namespace) -> int:
    from app.cli.cache import run_cache_clear_command

    return run_cache_clear_command(args)


def _cmd_recurring(args: argparse.Namespace) -> int:
    from app.cli.recurring import run_recurring_command

    return run_recurring_command(args)


def _cmd_serve(args: argparse.Namespace) -> int:
    from app.cli.serve import run_serve_command

    return run_serve_command(args)


def _add_import(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`privfin import`"""
    imp = sub.add_parser("import", help="read bank exports (CSV, OFX, QFX, QIF) into the local store")
    imp.add_argument("files", nargs="+", type=Path, metavar="FILE")
    imp.add_argument("--account", help="account name for every transaction of these files")
    imp.add_argument(
        "--currency",
        type=_currency_code,
        metavar="CODE",
        help="currency (ISO code, e.g. CAD) of these files' amounts when neither the row nor the file "
        "names one (a currency the file, its header or its bank names wins, and a note says so); "
        "remembered for their accounts when used",
    )
    imp.add_argument("--dry-run", action="store_true", help="parse and report, store nothing")
    imp.add_argument("--json", action="store_true", help="one JSON object per transaction on stdout")
    imp.add_argument(
        "--accept-uncertain",
        action="store_true",
        help="import a file even when privfin is unsure how to read its columns (default: refuse it; "
        "map it once in the dashboard and the mapping is remembered)",
    )
    imp.set_defaults(handler=_cmd_import)


def _add_categorize(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`privfin categorize`"""
    cat = sub.add_parser("categorize", help="categorize every uncategorized transaction")
    cat.add_argument("files", nargs="*", type=Path, metavar="FILE", help="import these first")
    cat.add_argument("--endpoint", help="OpenAI-compatible base URL, e.g. http://127.0.0.1:3001/v1")
    cat.add_argument("--model", help="model name (Parallax ignores it)")
    cat.add_argument("--offline", action="store_true", help="built-in rules only, no requests")
    cat.add_argument("--json", action="store_true", help="one JSON object per transaction on stdout")
    cat.set_defaults(handler=_cmd_categorize)


def _add_corrections(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`privfin correct`, `accept` and `import-categories`: what the Review page does"""
    fix = sub.add_parser("correct", help="set a transaction's category as yours (the user always wins)")
    fix.add_argument("id", metavar="ID", help="a transaction id, as `categorize --json` prints it")
    fix.add_argument("category", metavar="CATEGORY")
    fix.add_argument(
        "--merchant",
        action="store_true",
        help="also every row of that merchant (same direction) you have not set by hand",
    )
    fix.set_defaults(handler=_cmd_correct)

    accept = sub.add_parser("accept", help="confirm transactions' categories (mark them reviewed)")
    accept.add_argument("ids", nargs="*", metavar="ID")
    accept.add_argument("--all", action="store_true", help="every categorized row not reviewed yet")
    accept.set_defaults(handler=_cmd_accept)

    edited = sub.add_parser(
        "import-categories", help="apply the category column of an edited CSV export as your corrections"
    )
    edited.add_argument("file", type=Path, metavar="FILE.csv", help="a CSV written by `privfin export`")
    edited.set_defaults(handler=_cmd_import_categories)


def _add_export(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`privfin export`"""
    exp = sub.add_parser("export", help="write a report of the stored transactions")
    exp.add_argument("--format", choices=("csv", "xlsx", "html"), default="csv")
    exp.add_argument("--output", "-o", type=Path, required=True)
    exp.add_argument("--from", dest="date_from", help="first date, YYYY-MM-DD")
    exp.add_argument("--to", dest="date_to", help="last date, YYYY-MM-DD")
    exp.add_argument("--account", action="append", default=[], help="only this account (repeatable)")
    exp.set_defaults(handler=_cmd_export)


def _add_ledger(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`privfin recurring`, `imports` and `accounts`"""
    rec = sub.add_parser("recurring", help="list recurring payments: subscriptions, rent, bills, payroll")
    rec.add_argument("--json", action="store_true", help="one JSON object per series on stdout")
    rec.set_defaults(handler=_cmd_recurring)

    imports = sub.add_parser("imports", help="list the imported files; remove one (its rows go with it)")
    imports.add_argument("--json", action="store_true", help="one JSON object per import on stdout")
    imports.set_defaults(handler=_cmd_imports, imports_command=None)
    imports_sub = imports.add_subparsers(dest="imports_command")
    remove = imports_sub.add_parser("remove", help="remove one import and the rows no other import holds")
    remove.add_argument("id", type=int, metavar="ID", help="an import id, as `privfin imports` lists it")
    remove.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    remove.set_defaults(handler=_cmd_imports)

    accounts = sub.add_parser(
        "accounts", help="list, rename or merge accounts (remembered for later imports)"
    )
    accounts.set_defaults(handler=_cmd_accounts, accounts_command=None)
    accounts_sub = accounts.add_subparsers(dest="accounts_command")
    rename = accounts_sub.add_parser("rename", help="rename an account")
    rename.add_argument("old", metavar="OLD")
    rename.add_argument("new", metavar="NEW")
    merge = accounts_sub.add_parser("merge", help="put the rows of accounts into another account")
    merge.add_argument("sources", nargs="+", metavar="SOURCE")
    merge.add_argument("--into", required=True, metavar="TARGET")


def _add_upkeep(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`privfin cache clear` and `serve`"""
    cache = sub.add_parser("cache", help="the remembered model answers")
    cache_sub = cache.add_subparsers(dest="cache_command", required=True)
    clear = cache_sub.add_parser("clear", help="forget remembered answers, so the model is asked again")
    clear.add_argument("--model", help="only this model's answers (default: every model's)")
    clear.set_defaults(handler=_cmd_cache_clear)

    srv = sub.add_parser("serve", help="start the dashboard on 127.0.0.1")
    srv.add_argument("--port", type=int, default=8501)
    srv.set_defaults(handler=_cmd_serve)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="privfin", description=DESCRIPTION)
    sub = parser.add_subparsers(dest="command", required=True)
    for add in (_add_import, _add_categorize, _add_corrections, _add_export, _add_ledger, _add_upkeep):
        add(sub)
    return parser

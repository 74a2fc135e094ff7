"""`privfin` command line: import, categorize, correct, accept, import-categories, export,
recurring, imports, accounts, cache clear, serve.

Each command's handler turns parsed arguments into calls on the core and prints
results; machine-readable output goes to stdout, the human summary to stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import gc
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import FrameType

from app.datadir import DataDirError, ensure_private_dir
from app.money import normalize_currency_code

# The command handlers import what their command needs (pydantic-settings, the store, the
# readers, the endpoint client) when they run: `privfin --help` loads none of it.

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2


def _eprint(*parts: object) -> None:
    print(*parts, file=sys.stderr)


def _currency_code(text: str) -> str:
    try:
        return normalize_currency_code(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from error


def _cmd_import(args: argparse.Namespace) -> int:
    from app.importer import run_import_command

    return int(run_import_command(args))


def _cmd_categorize(args: argparse.Namespace) -> int:
    from app.cli.categorize import run_categorize_command

    return int(run_categorize_command(args))


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
    from app.reports import run_export_command

    return int(run_export_command(args))


def _cmd_imports(args: argparse.Namespace) -> int:
    from app.cli.imports import run_imports_list, run_imports_remove

    return run_imports_remove(args) if args.imports_command == "remove" else run_imports_list(args)


def _cmd_accounts(args: argparse.Namespace) -> int:
    from app.cli.imports import run_accounts

    return run_accounts(args)


def _cmd_cache_clear(args: argparse.Namespace) -> int:
    from app.categorize.answer_cache import clear_answers
    from app.settings import load_settings
    from app.store import Store

    outcome = clear_answers(Store(load_settings().db_path), args.model)
    _eprint(f"privfin cache clear: {outcome.message()}")
    return EXIT_OK


def _cmd_recurring(args: argparse.Namespace) -> int:
    import json

    from app.money import grouped
    from app.recurring import series_record
    from app.recurring_ledger import recurring_report
    from app.settings import load_settings
    from app.store import Store

    report = recurring_report(Store(load_settings().db_path))
    for series in report.series:
        if args.json:
            print(json.dumps(series_record(series), ensure_ascii=False))
            continue
        state = "active" if series.active else "ended"
        rises = "".join(
            f"; price {grouped(c.old, series.currency)} -> {grouped(c.new, series.currency)} on {c.date}"
            for c in series.price_changes
        )
        print(
            f"{series.merchant} ({series.direction}, {series.cadence}, {state}): "
            f"{grouped(series.amount, series.currency)} {series.currency}, "
            f"{grouped(series.annual_cost, series.currency)} a year, "
            f"{series.count} since {series.first_date}, next {series.next_date}{rises}"
        )
    for total in report.totals:
        _eprint(
            f"privfin recurring: {total.series} active in {total.currency}: "
            f"{grouped(total.monthly, total.currency)} a month, {grouped(total.annual, total.currency)} a year"
        )
    if not report.series:
        _eprint("privfin recurring: no recurring payments found")
    return EXIT_OK


# How long Streamlit may take to stop after a forwarded SIGTERM or SIGINT before it is killed.
SERVE_STOP_GRACE_S = 10.0
_SERVE_POLL_S = 0.2
_PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent


def streamlit_options(port: int, max_upload_mb: int) -> list[str]:
    """The dashboard's privacy-safe server options, as `streamlit run` flags.

    Flags beat every config.toml and STREAMLIT_* variable, so the dashboard is as private when
    started from any folder as from the repo root (whose .streamlit/config.toml says the same).
    """
    options = [
        ("server.address", "127.0.0.1"),  # loopback only (unset binds every interface)
        ("server.port", str(port)),
        ("server.headless", "true"),
        # Against DNS rebinding: a WebSocket whose Host is any other name is refused. Repeated,
        # since a JSON list given as one flag makes Streamlit refuse every host.
        ("server.allowedHosts", "localhost"),
        ("server.allowedHosts", "127.0.0.1"),
        ("server.enableCORS", "true"),
        ("server.enableXsrfProtection", "true"),
        ("server.enableStaticServing", "false"),
        ("server.enableAgentApi", "false"),
        ("server.showEmailPrompt", "false"),
        ("server.fileWatcherType", "none"),
        ("server.runOnSave", "false"),
        ("server.maxUploadSize", str(max_upload_mb)),
        ("browser.gatherUsageStats", "false"),
        ("client.showErrorDetails", "type"),  # a traceback may hold transaction text
        ("client.showErrorLinks", "false"),
        ("client.toolbarMode", "viewer"),
        ("runner.magicEnabled", "false"),
    ]
    return [part for name, value in options for part in (f"--{name}", value)]


def _cmd_serve(args: argparse.Namespace) -> int:
    from app.settings import DATA_DIR_ENV, load_settings

    settings = load_settings()
    ensure_private_dir(settings.data_dir)
    entry = _PROJECT_ROOT / "app" / "main.py"
    # components.launcher is `streamlit` with its external-IP look-up pinned to loopback.
    command = [sys.executable, "-m", "components.launcher", "run", str(entry)]
    command += streamlit_options(args.port, settings.max_upload_mb)
    env = os.environ | {DATA_DIR_ENV: str(settings.data_dir)}  # absolute: the child runs elsewhere
    # Run from the project, so that no .streamlit/ of the folder privfin was started in applies.
    return _serve_until_stopped(command, cwd=_PROJECT_ROOT, env=env)


_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _end_with_parent(parent: int) -> None:
    """Linux, in the child before it runs Streamlit: SIGTERM it when `privfin serve` dies,
    even by SIGKILL, which no signal handler of ours sees. Elsewhere a no-op."""
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # the parent died before prctl took effect
        os.kill(os.getpid(), signal.SIGTERM)


def _serve_until_stopped(command: list[str], *, cwd: Path, env: dict[str, str]) -> int:
    """Run the dashboard; pass SIGTERM and SIGINT on to it, and kill it if it does not stop in time."""
    child: subprocess.Popen[bytes] | None = None
    stop_by: list[float] = []

    def forward(signum: int, _frame: FrameType | None) -> None:
        if not stop_by:
            stop_by.append(time.monotonic() + SERVE_STOP_GRACE_S)
        if child is not None and child.poll() is None:
            child.send_signal(signum)

    forwarded = (signal.SIGTERM, signal.SIGINT)
    previous = {signum: signal.signal(signum, forward) for signum in forwarded}
    try:
        parent = os.getpid()
        ends_with_parent = functools.partial(_end_with_parent, parent) if sys.platform == "linux" else None
        child = subprocess.Popen(command, cwd=cwd, env=env, preexec_fn=ends_with_parent)
        if stop_by:  # a signal came while it was starting
            child.terminate()
        while child.poll() is None:
            if stop_by and time.monotonic() > stop_by[0]:
                child.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.wait(timeout=_SERVE_POLL_S)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if child is not None and child.poll() is None:  # never leave the dashboard serving
            child.kill()
            child.wait()
    code = child.returncode
    return 128 - code if code < 0 else code


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="privfin", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

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

    cat = sub.add_parser("categorize", help="categorize every uncategorized transaction")
    cat.add_argument("files", nargs="*", type=Path, metavar="FILE", help="import these first")
    cat.add_argument("--endpoint", help="OpenAI-compatible base URL, e.g. http://127.0.0.1:3001/v1")
    cat.add_argument("--model", help="model name (Parallax ignores it)")
    cat.add_argument("--offline", action="store_true", help="built-in rules only, no requests")
    cat.add_argument("--json", action="store_true", help="one JSON object per transaction on stdout")
    cat.set_defaults(handler=_cmd_categorize)

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

    exp = sub.add_parser("export", help="write a report of the stored transactions")
    exp.add_argument("--format", choices=("csv", "xlsx", "html"), default="csv")
    exp.add_argument("--output", "-o", type=Path, required=True)
    exp.add_argument("--from", dest="date_from", help="first date, YYYY-MM-DD")
    exp.add_argument("--to", dest="date_to", help="last date, YYYY-MM-DD")
    exp.add_argument("--account", action="append", default=[], help="only this account (repeatable)")
    exp.set_defaults(handler=_cmd_export)

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

    cache = sub.add_parser("cache", help="the remembered model answers")
    cache_sub = cache.add_subparsers(dest="cache_command", required=True)
    clear = cache_sub.add_parser("clear", help="forget remembered answers, so the model is asked again")
    clear.add_argument("--model", help="only this model's answers (default: every model's)")
    clear.set_defaults(handler=_cmd_cache_clear)

    srv = sub.add_parser("serve", help="start the dashboard on 127.0.0.1")
    srv.add_argument("--port", type=int, default=8501)
    srv.set_defaults(handler=_cmd_serve)
    return parser


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
    parser = build_parser()
    args = parser.parse_args(argv)
    from app.settings import SettingsError, load_settings

    try:
        for problem in load_settings().saved_file_problems():
            _eprint(f"privfin: warning: {problem}")
        return int(args.handler(args))
    except SettingsError as error:
        _eprint(f"privfin: {error}")
        return EXIT_USAGE
    except DataDirError as error:
        _eprint(f"privfin: {error}")
        return EXIT_FAILURE
    except KeyboardInterrupt:
        _eprint("privfin: interrupted")
        return 130


if __name__ == "__main__":
    sys.exit(main())

"""`privfin export --format csv|xlsx|html -o FILE [--from DATE] [--to DATE] [--account NAME]...`.

Writes the stored transactions through `app.reports` (the dashboard's own builders) atomically
and 0600; the summary goes to stderr. Exit 0 when written, 2 for dates or accounts that cannot
be, 1 when the file cannot be written.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from app.cli.exit_codes import EXIT_FAILURE, EXIT_OK, EXIT_USAGE
from app.cli.output import say
from app.reports import ExportError, UnknownAccountError, stored_report, write_atomically


class _BadOption(ExportError):
    """A date option that is no date, or a period that ends before it starts."""


def _parse_date(raw: str | None, option: str) -> dt.date | None:
    if raw is None:
        return None
    try:
        return dt.date.fromisoformat(raw.strip())
    except ValueError:
        raise _BadOption(f"{option}: {raw!r} is not a date; expected YYYY-MM-DD") from None


def _export(args: argparse.Namespace) -> str:
    # Imported here so `privfin --help` does not open the store or read settings.
    from app.settings import load_settings
    from app.store import Store

    date_from = _parse_date(args.date_from, "--from")
    date_to = _parse_date(args.date_to, "--to")
    if date_from and date_to and date_from > date_to:
        raise _BadOption(f"--from {date_from} is after --to {date_to}")
    output = Path(args.output)
    if output.is_dir():
        raise ExportError(f"cannot write {output}: it is a directory")

    store = Store(load_settings().db_path)
    accounts = list(args.account or [])
    report = stored_report(store, args.format, accounts=accounts, date_from=date_from, date_to=date_to)
    write_atomically(output, report.data)
    scope = f"{len(accounts)} account(s)" if accounts else "all accounts"
    return (
        f"wrote {report.rows} transaction(s) ({report.period}, "
        f"{scope}) to {output} as {args.format}, {len(report.data):,} bytes"
    )


def run_export_command(args: argparse.Namespace) -> int:
    """`privfin export`: write the filtered transactions as CSV, XLSX or HTML to `--output`."""
    try:
        summary = _export(args)
    except (_BadOption, UnknownAccountError) as exc:
        say("export", str(exc))
        return EXIT_USAGE
    except ExportError as exc:
        say("export", str(exc))
        return EXIT_FAILURE
    say("export", summary)
    return EXIT_OK

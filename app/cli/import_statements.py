"""`privfin import FILE... [--account NAME] [--currency CODE] [--dry-run] [--json] [--accept-uncertain]`.

Machine output (one JSON object per transaction) on stdout, one summary per file on stderr;
exit 0 when every file was read, 1 when any was refused.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any, TextIO

from app import money
from app.cli.exit_codes import EXIT_FAILURE, EXIT_OK
from app.cli.files import read_files, upload_limit_bytes
from app.cli.output import json_line
from app.importer import FileImportResult, currency_line, import_files, preview_files
from app.models import SkipKind, Transaction
from app.settings import load_settings
from app.store import Store

_MAX_LISTED_SKIPS = 50

_CURRENCY_HINT = (
    "; say which with --currency CODE (for example --currency CAD), or set your home currency "
    "with PRIVFIN_HOME_CURRENCY=CODE; nothing from it was saved"
)


def transaction_json(transaction: Transaction, *, filename: str, duplicate: bool) -> dict[str, Any]:
    """The CLI's JSON object for one transaction, amounts as exact Decimals with their currency's
    decimals (`json_line` writes them as JSON numbers: `10000` JPY, `2500.000` KWD). `payee` is null when the file gives none; foreign spend adds
    `original_amount` and `original_currency`."""
    line: dict[str, Any] = {
        "id": transaction.id,
        "account": transaction.account,
        "date": transaction.date.isoformat(),
        "posted_date": transaction.posted_date.isoformat() if transaction.posted_date else None,
        "description": transaction.description,
        "payee": transaction.payee,
        "amount": money.at_exponent(transaction.amount, transaction.currency),
        "currency": transaction.currency,
        "bank_category": transaction.bank_category,
        "file": filename,
        "row": transaction.source.row,
        "duplicate": duplicate,
    }
    if transaction.original_amount is not None:
        original = transaction.original_amount
        line["original_amount"] = (
            money.at_exponent(original, transaction.original_currency)
            if transaction.original_currency
            else original
        )
        line["original_currency"] = transaction.original_currency
    return line


def _summarise(result: FileImportResult, *, dry_run: bool, out: TextIO) -> bool:
    """Print one file's summary; True if the file counts as a failure for the exit code."""
    if result.error is not None or result.parsed is None:
        print(f"{result.error}{_CURRENCY_HINT if result.currency_unknown else ''}", file=out)
        return True
    parsed = result.parsed
    duplicates = len(result.duplicate_ids)
    # len(table), not len(transactions): building every Transaction object only to count
    # them took ~25x the file's size in memory.
    new = len(parsed.table) - duplicates if dry_run else result.inserted
    verb = "would import" if dry_run else "imported"
    print(
        f"{result.filename}: {parsed.layout_name} - {parsed.rows_read} rows read, {verb} {new}, "
        f"{duplicates} already stored, {len(parsed.skipped)} skipped",
        file=out,
    )
    accounts = parsed.accounts
    if accounts:
        print(f"  account{'s' if len(accounts) > 1 else ''}: {', '.join(accounts)}", file=out)
    currency = currency_line(parsed)
    if currency:
        print(f"  currency: {currency}", file=out)
    for reason in parsed.uncertain_reasons:
        print(f"  uncertain: {reason}", file=out)
    for note in parsed.notes:
        print(f"  note: {note}", file=out)
    for skipped in parsed.skipped[:_MAX_LISTED_SKIPS]:
        label = "not a transaction" if skipped.kind is SkipKind.FILTERED else "invalid"
        print(f"  row {skipped.row}: skipped ({label}): {skipped.reason}", file=out)
    if len(parsed.skipped) > _MAX_LISTED_SKIPS:
        print(f"  ... and {len(parsed.skipped) - _MAX_LISTED_SKIPS} more skipped rows", file=out)
    if parsed.rows_read and not parsed.table and parsed.invalid_rows:
        print(f"{result.filename}: no transactions could be read; check the layout", file=out)
        return True
    return False


def run_import_command(
    args: argparse.Namespace,
    *,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """`privfin import`; 0 when every file was read."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    settings = load_settings()
    store = Store(settings.db_path)
    max_bytes = upload_limit_bytes(settings)
    read, unread = read_files(list(args.files), max_bytes)
    for problem in unread:
        text = problem.reason if problem.too_big else f"cannot read the file ({problem.reason})"
        print(f"{problem.path}: {text}", file=err)
    failures = len(unread)
    files = [(str(path), data) for path, data in read]
    run: Callable[..., list[FileImportResult]] = preview_files if args.dry_run else import_files
    results = run(
        store,
        files,
        account=args.account,
        max_bytes=max_bytes,
        currency=getattr(args, "currency", None),
        home_currency=settings.home_currency,
        **({} if args.dry_run else {"refuse_uncertain": not getattr(args, "accept_uncertain", False)}),
    )
    for result in results:
        try:
            if args.json and result.parsed is not None and result.error is None:
                for transaction in result.parsed.table.iter_transactions():  # never all rows at once
                    line = transaction_json(
                        transaction,
                        filename=result.filename,
                        duplicate=transaction.id in result.duplicate_ids,
                    )
                    print(json_line(line), file=out)
            failures += _summarise(result, dry_run=args.dry_run, out=err)
        except Exception as exc:  # one file's report must not cost the reports of the next files
            print(f"{result.filename}: could not be reported ({type(exc).__name__}: {exc})", file=err)
            failures += 1
    if args.dry_run:
        print("dry run: nothing was stored", file=err)
    return EXIT_FAILURE if failures else EXIT_OK

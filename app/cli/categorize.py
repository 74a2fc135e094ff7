"""`privfin categorize [FILE...] [--endpoint URL] [--model NAME] [--offline] [--json]`.

Imports the files given (if any), categorizes every transaction not decided by the user,
prints one JSON object per transaction in scope on stdout with `--json` (the FILEs'
transactions, or every stored one when no FILE is given) and a summary on stderr.

Exit 0 when the run completed, even if some rows stay uncategorized because no model was
configured or reachable (the summary says which and why); 3 when the model step failed
for some merchants or was stopped by a run limit (deadline, circuit breaker, request
budget): their rows are left uncategorized and retried on the next run, and a script
must be able to tell; 1 when it could not run (an unreadable file, a file that is not a
statement, a store error); 2 for invalid settings; 130 when interrupted.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from app.categorize.merchant import merchant_name
from app.categorize.pipeline import CategorizeReport, Progress, categorize_pending
from app.categorize.review_need import ledger_review_reasons
from app.cli.exit_codes import EXIT_FAILURE, EXIT_INCOMPLETE, EXIT_OK, EXIT_USAGE
from app.cli.files import read_files, upload_limit_bytes
from app.cli.output import eprint as _eprint
from app.cli.output import plural as _plural
from app.cli.output import write_json_lines
from app.money import from_minor
from app.settings import Settings, SettingsError, load_settings
from app.store import Store

JSON_FIELDS = (
    "id",
    "account",
    "date",
    "description",
    "amount",
    "currency",
    "payee",
    "merchant",
    "category",
    "source",
    "confidence",
    "needs_review",
    "transfer_pair",
)
NO_SOURCE = "none"


def _settings(args: argparse.Namespace) -> Settings:
    overrides: dict[str, Any] = {}
    if getattr(args, "endpoint", None):
        overrides["endpoint_url"] = args.endpoint
    if getattr(args, "model", None):
        overrides["model"] = args.model
    if getattr(args, "offline", False):
        overrides["offline"] = True
    return load_settings(**overrides)


def _read_files(paths: Sequence[Path]) -> list[tuple[str, bytes]]:
    """All files or none: a typo in the list must not import half of it."""
    read, unread = read_files(paths)
    if unread:
        raise OSError(f"cannot read {unread[0].path}: {unread[0].reason}")
    return [(path.name, data) for path, data in read]


def _import(
    store: Store, paths: Sequence[Path], max_bytes: int, home_currency: str | None
) -> tuple[list[str], list[str]]:
    """Import the files; returns (ids of their transactions, problems)."""
    from app.importer import import_files

    results = import_files(store, _read_files(paths), max_bytes=max_bytes, home_currency=home_currency)
    scope: list[str] = []
    problems: list[str] = []
    for path, result in zip(paths, results, strict=True):
        if result.error:
            problems.append(f"{path}: {result.error}")
            continue
        if result.parsed is not None:  # the ids column: not a validated Transaction per row
            scope.extend(result.parsed.table.ids)
    return scope, problems


def transaction_rows(store: Store, scope: Sequence[str] | None) -> list[dict[str, Any]]:
    """The `--json` objects, oldest first (all stored transactions when `scope` is None).

    `source` is one of user, rule, history, learned, cache, builtin, model, none;
    `needs_review` is the Review page's rule (`review_need`).
    """
    frame = store.transactions_frame()
    if scope is not None:
        frame = frame[frame["id"].isin(set(scope))]
    frame = frame.assign(why=ledger_review_reasons(store, frame))
    frame = frame.reset_index(drop=True).sort_values(["date", "id"])
    payees = _payees(frame)
    rows = []
    for record in frame.to_dict("records"):
        confidence = record["confidence"]
        category = record["category"]
        source = record["category_source"]
        description = str(record["description"])
        payee = payees.get(str(record["id"]))
        rows.append(
            {
                "id": record["id"],
                "account": record["account"],
                "date": record["date"].date().isoformat(),
                "description": record["description"],
                # Exact, with the currency's own decimals (`-10000` JPY), not a float's `-10000.0`.
                "amount": from_minor(int(record["amount_minor"]), str(record["currency"])),
                "currency": record["currency"],  # a GBP and a EUR account's 50.00 are not one amount
                "payee": payee,
                "merchant": merchant_name(payee or description),
                "category": category if isinstance(category, str) else None,
                "source": source if isinstance(source, str) and source else NO_SOURCE,
                "confidence": None
                if confidence is None or confidence != confidence
                else round(float(confidence), 3),
                "needs_review": bool(record["why"]),
                # the other side's id when the row is one side of a transfer between accounts
                "transfer_pair": pair if isinstance(pair := record.get("transfer_pair"), str) else "",
            }
        )
    return rows


def _payees(frame: Any) -> dict[str, str]:
    """The file's own payee per row, once the store keeps one (a `payee` column)."""
    if "payee" not in frame:
        return {}
    return {
        str(i): str(p) for i, p in zip(frame["id"], frame["payee"], strict=True) if isinstance(p, str) and p
    }


def format_summary(report: CategorizeReport) -> list[str]:
    """The human summary: endpoint, requests, tokens, cache hits, sources, failures, what is left."""
    lines = [
        f"privfin categorize: {_plural(report.transactions, 'transaction')} to categorize, "
        f"{_plural(report.merchants, 'merchant')}"
    ]
    if report.endpoint is not None:
        lines.append(f"endpoint: {report.endpoint.summary()}")
    elif report.transactions:
        lines.append("endpoint: not needed (everything was decided locally)")
    if report.merchants_asked or report.requests_sent:
        lines.append(
            f"model: {report.model}; {_plural(report.merchants_asked, 'merchant')} asked in "
            f"{_plural(report.batches, 'batch')}, {_plural(report.requests_sent, 'request')} sent "
            f"(up to {report.concurrency} at a time), tokens {report.prompt_tokens:,} prompt + "
            f"{report.completion_tokens:,} answer"
        )
        lines.append(
            f"tokens per merchant asked: {report.prompt_tokens_per_merchant:.1f} prompt (each request's "
            f"instructions shared by its batch), {report.completion_tokens_per_merchant:.1f} answer"
        )
    else:
        lines.append("model: no requests sent")
    lines.append(f"cache hits: {_plural(report.cache_hits, 'merchant')}")
    if report.by_source:
        parts = ", ".join(f"{source} {count:,}" for source, count in sorted(report.by_source.items()))
        lines.append(f"categorized: {parts}")
    for problem, merchants in report.failures.most_common():
        lines.append(f"failed: {_plural(merchants, 'merchant')}: {problem} (retried on the next run)")
    if report.stopped:
        lines.append(f"stopped asking the model: {report.stopped}")
    if report.low_confidence_guesses:
        lines.append(
            f"low-confidence built-in guesses a model could confirm: {_plural(report.low_confidence_guesses, 'row')}"
        )
    if report.needs_attention:
        lines.append(f"still need a model or you: {_plural(report.needs_attention, 'row')}")
        for reason, rows in report.uncategorized.most_common():
            lines.append(f"  {rows:,} × {reason}")
    else:
        lines.append("still need a model or you: none")
    if report.cancelled:
        lines.append("the run was cancelled; run it again to finish")
    return lines


class _ProgressLine:
    """A single self-overwriting progress line, only when stderr is a terminal."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.enabled = stream.isatty()
        self.lock = threading.Lock()

    def __call__(self, progress: Progress) -> None:
        if not self.enabled:
            return
        with self.lock:
            text = f"{progress.phase}: batch {progress.batches_done}/{progress.batches_total}, "
            text += f"{progress.requests_sent} requests, {progress.cache_hits} cache hits"
            self.stream.write("\r" + text[:100].ljust(100))
            self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\r" + " " * 100 + "\r")
            self.stream.flush()


def run_categorize_command(args: argparse.Namespace) -> int:
    try:
        settings = _settings(args)
    except SettingsError as exc:
        _eprint(f"privfin categorize: {exc}")
        return EXIT_USAGE
    try:
        store = Store(settings.db_path)
    except (OSError, sqlite3.Error, RuntimeError) as exc:
        _eprint(f"privfin categorize: cannot open the data store {settings.db_path}: {exc}")
        return EXIT_FAILURE

    files: list[Path] = list(getattr(args, "files", None) or [])
    scope: list[str] | None = None
    problems: list[str] = []
    if files:
        try:
            scope, problems = _import(store, files, upload_limit_bytes(settings), settings.home_currency)
        except OSError as exc:
            _eprint(f"privfin categorize: {exc}; nothing was imported")
            return EXIT_FAILURE
        for problem in problems:
            _eprint(f"privfin categorize: not imported: {problem}")

    progress = _ProgressLine(sys.stderr)
    try:
        report = categorize_pending(store, settings, progress=progress)
    except sqlite3.Error as exc:
        progress.close()
        _eprint(f"privfin categorize: data store error: {exc}")
        return EXIT_FAILURE
    progress.close()

    if getattr(args, "json", False):
        write_json_lines(transaction_rows(store, scope))  # exact JSON numbers, as `privfin import --json`
    for line in format_summary(report):
        _eprint(line)
    if problems:
        return EXIT_FAILURE
    return EXIT_INCOMPLETE if report.stopped or report.failures else EXIT_OK

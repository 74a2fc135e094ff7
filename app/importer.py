"""Import orchestration: parse files, mark duplicates, store each file atomically, remember mappings.

Every file is handled on its own: one that cannot be read gets an error in its
result and the others still go through. Storing a file is one `Store.commit_import`
call, so it lands whole or not at all; ids already in the store are reported as
duplicates, never inserted twice.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from app.accounts import account_aliases, named_as_user_wants
from app.ingest import ColumnMapping, IngestError, ParsedStatement, parse_statement
from app.ingest.currency import SOURCE_TEXT, CurrencyContext, CurrencySource, CurrencyUnknown
from app.ingest.formats import FileKind, file_kind, read_record_file
from app.ingest.statement import CONFIDENCE_THRESHOLD
from app.models import SkipKind, SkippedRow, Transaction
from app.store import ImportRecord, MinorAmounts, Store, minor_amounts
from app.transfer_ledger import refresh_transfers


@dataclass(frozen=True)
class FileImportResult:
    """What happened to one file. `error` set means nothing of it was stored."""

    filename: str
    parsed: ParsedStatement | None
    error: str | None
    inserted: int
    duplicate_ids: frozenset[str]
    # The file names no currency and none was chosen, remembered or set as home: ask the user.
    currency_unknown: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def transactions(self) -> list[Transaction]:
        return self.parsed.transactions if self.parsed else []


def _stored_mapping(store: Store, fingerprint: str) -> ColumnMapping | None:
    raw = store.get_mapping(fingerprint)
    if raw is None:
        return None
    try:
        return ColumnMapping.model_validate(raw)
    except ValidationError:
        return None  # written by an older version with other fields: ask again rather than guess


def _broken(filename: str, exc: Exception) -> FileImportResult:
    """A file that failed in a way the importer did not foresee: it is reported as that file's
    error and the next file still goes through (one bad file must never cost the others)."""
    message = (
        f"{filename}: could not be imported because of an unexpected error "
        f"({type(exc).__name__}: {exc}); nothing from it was saved"
    )
    return FileImportResult(filename, None, message, 0, frozenset())


def remember_mapping(store: Store, fingerprint: str, mapping: ColumnMapping) -> None:
    """Keep a user's mapping for this header fingerprint, so the layout is never asked about twice."""
    store.put_mapping(fingerprint, mapping.model_dump(mode="json"))


def _refused(filename: str, exc: IngestError) -> FileImportResult:
    return FileImportResult(
        filename, None, str(exc), 0, frozenset(), currency_unknown=isinstance(exc, CurrencyUnknown)
    )


def _parse(
    store: Store,
    filename: str,
    data: bytes,
    *,
    account: str | None,
    mappings: dict[str, ColumnMapping] | None,
    max_bytes: int | None,
    currency: CurrencyContext,
) -> ParsedStatement:
    kind = file_kind(data, filename)
    if kind is not FileKind.CSV:  # OFX, QFX, QIF: the format names every field, no mapping applies
        return read_record_file(kind, data, filename, account=account, max_bytes=max_bytes, currency=currency)
    given = mappings or {}

    def remembered(fingerprint: str) -> ColumnMapping | None:
        return given.get(fingerprint) or _stored_mapping(store, fingerprint)

    return parse_statement(
        data,
        filename,
        account=account,
        mapping=given.get(filename),
        remembered=remembered,
        max_bytes=max_bytes,
        currency=currency,
    )


def _parse_named(store: Store, filename: str, data: bytes, **options: Any) -> ParsedStatement:
    return with_user_account_names(store, _parse(store, filename, data, **options))


def storable(parsed: ParsedStatement) -> tuple[ParsedStatement, MinorAmounts]:
    """`parsed` without the rows whose amount has no exact minor-unit form, each reported as an
    invalid row with its row number (never rounded), and the minor units of the rest."""
    minor = minor_amounts(parsed.table)
    if not minor.refused:
        return parsed, minor
    table = parsed.table
    keep = [n for n in range(len(table)) if n not in minor.refused]
    size = len(table)
    columns = {
        f.name: [column[n] for n in keep]
        for f in dataclasses.fields(table)
        if len(column := getattr(table, f.name)) == size  # empty: a column the file does not have
    }
    refused = [
        SkippedRow(row=table.source_rows[n], kind=SkipKind.INVALID, reason=problem)
        for n, problem in sorted(minor.refused.items())
    ]
    kept = MinorAmounts(
        [minor.amounts[n] for n in keep], [minor.originals[n] for n in keep] if minor.originals else [], {}
    )
    skipped = sorted([*parsed.skipped, *refused], key=lambda s: s.row)
    return dataclasses.replace(parsed, table=dataclasses.replace(table, **columns), skipped=skipped), kept


def with_user_account_names(store: Store, parsed: ParsedStatement) -> ParsedStatement:
    """`parsed` with the account names the user gave (renames, merges); ids stay the file's."""
    aliases = account_aliases(store)
    if not aliases or not set(parsed.table.accounts) & aliases.keys():
        return parsed
    table = dataclasses.replace(parsed.table, accounts=named_as_user_wants(parsed.table.accounts, aliases))
    return dataclasses.replace(parsed, table=table)


def _currency_context(store: Store, currency: str | None, home_currency: str | None) -> CurrencyContext:
    return CurrencyContext(chosen=currency, remembered=store.account_currency, home=home_currency)


def preview_files(
    store: Store,
    files: Sequence[tuple[str, bytes]],
    *,
    account: str | None = None,
    mappings: dict[str, ColumnMapping] | None = None,
    max_bytes: int | None = None,
    currency: str | None = None,
    home_currency: str | None = None,
) -> list[FileImportResult]:
    """Parse every file and mark what is already stored (or repeated by an earlier file); store nothing.

    `mappings` is keyed by file name (that file only) or by header fingerprint (every
    file of that layout). `currency` is the user's choice for amounts whose row names none;
    without it the file's own, the account's remembered, then `home_currency` is used.
    """
    results: list[FileImportResult] = []
    seen: set[str] = set()
    context = _currency_context(store, currency, home_currency)
    for filename, data in files:
        try:
            parsed, _minor = storable(
                _parse_named(
                    store,
                    filename,
                    data,
                    account=account,
                    mappings=mappings,
                    max_bytes=max_bytes,
                    currency=context,
                )
            )
            ids = parsed.table.ids
            duplicates = frozenset(store.existing_ids(ids) | (seen & set(ids)))
        except IngestError as exc:
            results.append(_refused(filename, exc))
            continue
        except Exception as exc:
            results.append(_broken(filename, exc))
            continue
        seen.update(ids)
        results.append(FileImportResult(filename, parsed, None, 0, duplicates))
    return results


def import_files(
    store: Store,
    files: Sequence[tuple[str, bytes]],
    *,
    account: str | None = None,
    mappings: dict[str, ColumnMapping] | None = None,
    max_bytes: int | None = None,
    currency: str | None = None,
    home_currency: str | None = None,
    refuse_uncertain: bool = False,
) -> list[FileImportResult]:
    """Parse and store each file in one atomic commit; a failing file never blocks the others.

    `refuse_uncertain` (the CLI's default): a file whose layout the reader is unsure of is not
    stored; the dashboard instead shows its mapping, pre-filled, before anything is stored.

    A mapping given for a file (by name or by fingerprint) is remembered under that
    file's header fingerprint; the currency each account's amounts were given (see
    `preview_files`) is remembered for that account, replacing an earlier one only when
    the user chose it.
    """
    results: list[FileImportResult] = []
    context = _currency_context(store, currency, home_currency)
    for filename, data in files:
        try:
            results.append(
                _import_one(store, filename, data, account, mappings, max_bytes, context, refuse_uncertain)
            )
        except Exception as exc:
            results.append(_broken(filename, exc))
    if any(result.inserted for result in results):
        refresh_transfers(store)  # a new file may hold the other side of a move between accounts
    return results


def _import_one(
    store: Store,
    filename: str,
    data: bytes,
    account: str | None,
    mappings: dict[str, ColumnMapping] | None,
    max_bytes: int | None,
    currency: CurrencyContext,
    refuse_uncertain: bool = False,
) -> FileImportResult:
    try:
        parsed = _parse(
            store, filename, data, account=account, mappings=mappings, max_bytes=max_bytes, currency=currency
        )
    except IngestError as exc:
        return _refused(filename, exc)
    # OFX/QFX/QIF readings (no mapping) carry date-order and money doubts too: the same refusal.
    if refuse_uncertain and parsed.confidence < CONFIDENCE_THRESHOLD:
        return FileImportResult(filename, parsed, _unsure_message(parsed), 0, frozenset())
    parsed, minor = storable(with_user_account_names(store, parsed))
    record = ImportRecord(
        file_sha256=parsed.file_sha256,
        file_name=filename,
        profile=parsed.profile_id or parsed.layout_name,
        account=parsed.accounts[0] if len(parsed.accounts) == 1 else None,
        rows_read=parsed.rows_read,
        skipped=parsed.skipped,
        notes=[*parsed.notes, *(f"uncertain: {reason}" for reason in parsed.uncertain_reasons)],
    )
    try:
        outcome = store.commit_import_columns(record, parsed.table, minor)
    except sqlite3.Error as exc:
        message = f"{filename}: could not be stored ({exc}); nothing from it was saved"
        return FileImportResult(filename, parsed, message, 0, frozenset())
    given = mappings or {}
    explicit = given.get(filename) or given.get(parsed.header_fingerprint)
    if explicit is not None:
        remember_mapping(store, parsed.header_fingerprint, explicit)
    _remember_currencies(store, parsed)
    return FileImportResult(filename, parsed, None, outcome.inserted, outcome.duplicate_ids)


def _unsure_message(parsed: ParsedStatement) -> str:
    """Why a file was not imported from the command line: the reader's doubts and the ways out."""
    doubts = "; ".join(parsed.uncertain_reasons)
    way_out = (
        "map its columns once in the dashboard (the mapping is remembered for this layout), or pass "
        if parsed.mapping is not None
        else "check the reading in the dashboard's preview, or pass "
    )
    return (
        f"{parsed.filename}: not imported, privfin is not sure how to read it ({parsed.layout_name}): "
        f"{doubts}. Nothing from it was saved: {way_out}--accept-uncertain to import this reading"
    )


def _remember_currencies(store: Store, parsed: ParsedStatement) -> None:
    chosen = {a: d.code for a, d in parsed.account_currencies.items() if d.source is CurrencySource.CHOSEN}
    store.remember_account_currencies(chosen, replace=True)
    found = {a: d.code for a, d in parsed.account_currencies.items() if d.source is not CurrencySource.CHOSEN}
    store.remember_account_currencies(found, replace=False)


def currency_line(parsed: ParsedStatement) -> str | None:
    """ "EUR (remembered for this account)": the currency given to amounts whose row names none."""
    if parsed.currency is None or parsed.currency_source is None:
        return None
    return f"{parsed.currency} ({SOURCE_TEXT[parsed.currency_source]})"

"""Transactions read from a record format (OFX, QIF) into the same `ParsedStatement` as a CSV.

The readers of those formats decide every value themselves; this module turns their rows
into the columns the importer stores, with the same ids, notes and skipped-row reporting
as `parse_statement`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from app.account_names import masked_account_name
from app.ids import occurrence_ids, statement_ids
from app.ingest.amounts import amount_range_problem
from app.ingest.currency import AccountCurrencies, CurrencyContext, CurrencySource, set_aside_notes
from app.ingest.dates import date_range_problem
from app.ingest.statement import ParsedStatement, TransactionTable
from app.models import SkipKind, SkippedRow

RAW_LIMIT = 300


@dataclass(frozen=True)
class RecordRow:
    """One transaction as a record reader understood it.

    `stable_key` is what identifies it across exports when the file says so (an OFX
    FITID with its account); without one the id is built from the row's content, as for
    a CSV row.
    """

    line: int
    account: str
    date: dt.date
    description: str
    amount: Decimal
    currency: str | None  # None: the file does not say; decided like a CSV's (the account's, home)
    posted_date: dt.date | None = None
    bank_category: str | None = None
    stable_key: str | None = None
    original_amount: Decimal | None = None  # foreign spend: what it cost in original_currency
    original_currency: str | None = None
    payee: str | None = None  # the clean name beside the raw text (OFX NAME, QIF P)


@dataclass
class RecordFile:
    """What a record reader made of one file, before it becomes a `ParsedStatement`."""

    layout_name: str
    rows: list[RecordRow] = field(default_factory=list)
    skipped: list[SkippedRow] = field(default_factory=list)
    records_read: int = 0
    notes: list[str] = field(default_factory=list)
    uncertain_reasons: list[str] = field(default_factory=list)
    encoding: str = "utf-8"

    def skip(self, line: int, reason: str, raw: str, kind: SkipKind = SkipKind.INVALID) -> None:
        self.skipped.append(
            SkippedRow(row=line, kind=kind, reason=reason, raw=" ".join(raw.split())[:RAW_LIMIT])
        )

    def keep(self, row: RecordRow, raw: Callable[[], str]) -> None:
        """Keep `row`, unless its date or amount is out of the range the importer accepts.

        `raw` gives the record as written, asked for only when it is skipped (a slice of the
        file per kept row cost memory for nothing).
        """
        problem = amount_range_problem(row.amount) or date_range_problem(row.date)
        if problem is not None:
            self.skip(row.line, problem, raw())
        else:
            self.rows.append(row)


def _ids(rows: Sequence[RecordRow]) -> list[str]:
    """Stable keys where the file gives them, content identity otherwise; both occurrence-aware."""
    ids = [""] * len(rows)
    keyed = [i for i, r in enumerate(rows) if r.stable_key is not None]
    for index, tid in zip(keyed, occurrence_ids(str(rows[i].stable_key) for i in keyed), strict=True):
        ids[index] = tid
    unkeyed = [r for r in rows if r.stable_key is None]
    if unkeyed:  # hashing the content of rows that have a FITID would only be thrown away
        content = statement_ids(
            [r.account for r in unkeyed],
            [r.date for r in unkeyed],
            [r.amount for r in unkeyed],
            [str(r.currency) for r in unkeyed],
            [r.description for r in unkeyed],
        )
        positions = (i for i, r in enumerate(rows) if r.stable_key is None)
        for index, tid in zip(positions, content, strict=True):
            ids[index] = tid
    return ids


def _with_currencies(rows: list[RecordRow], accounts: AccountCurrencies) -> list[RecordRow]:
    """Rows whose file names no currency get their account's, decided as for a CSV (never a guess)."""
    return [r if r.currency else dataclasses.replace(r, currency=accounts.code(r.account)) for r in rows]


def to_statement(
    data: bytes,
    filename: str,
    read: RecordFile,
    *,
    account: str | None,
    currency: CurrencyContext,
) -> ParsedStatement:
    """The `ParsedStatement` of a record file: no column mapping, since the format names every field.

    Raises `CurrencyUnknown` when rows name no currency and none is chosen, remembered or home.
    """
    sha256 = hashlib.sha256(data).hexdigest()
    rows = read.rows
    if account and account.strip():
        # As for a CSV, the user's name is the account; an OFX FITID key keeps the file's own
        # account number, so those ids do not move with the name.
        rows = [dataclasses.replace(r, account=account.strip()) for r in rows]
    masked = {name: masked_account_name(name) for name in {r.account for r in rows}}
    rows = [
        r if masked[r.account] == r.account else dataclasses.replace(r, account=masked[r.account])
        for r in rows
    ]
    decided = AccountCurrencies(currency, None, CurrencySource.FILE, filename)
    named = sorted({r.currency for r in rows if r.currency and r.currency != currency.chosen})
    rows = _with_currencies(rows, decided)
    currencies = [str(r.currency) for r in rows]
    accounts = [r.account for r in rows]
    table = TransactionTable(
        ids=_ids(rows),
        accounts=accounts,
        dates=[r.date for r in rows],
        posted_dates=[r.posted_date for r in rows],
        descriptions=[r.description for r in rows],
        payees=[r.payee for r in rows] if any(r.payee for r in rows) else [],
        amounts=[r.amount for r in rows],
        currencies=currencies,
        bank_categories=[r.bank_category for r in rows],
        source_sha256s=[sha256] * len(rows),
        source_rows=array("q", [r.line for r in rows]),
        original_amounts=[r.original_amount for r in rows] if any(r.original_currency for r in rows) else [],
        original_currencies=(
            [r.original_currency for r in rows] if any(r.original_currency for r in rows) else []
        ),
    )
    notes = [*read.notes, *set_aside_notes(decided.decisions)]
    if currency.chosen and named:
        notes.append(
            f"the file names its amounts' currency ({', '.join(named)}); your choice {currency.chosen} "
            "applies only to amounts whose row names no currency"
        )
    reasons = list(read.uncertain_reasons)
    if not read.records_read:
        notes.append("the file holds no transaction rows")
    elif not rows and any(s.kind is SkipKind.INVALID for s in read.skipped):
        reasons.append(f"none of the {read.records_read} transactions could be read")
    return ParsedStatement(
        filename=filename,
        file_sha256=sha256,
        profile_id=None,
        layout_name=read.layout_name,
        confident=not reasons,
        uncertain_reasons=reasons,
        notes=notes,
        header_fingerprint="",
        columns=[],
        mapping=None,
        table=table,
        skipped=sorted(read.skipped, key=lambda s: s.row),
        rows_read=read.records_read,
        encoding=read.encoding,
        delimiter="",
        header_row=None,
        currency=decision.code if (decision := decided.file_decision(accounts, currencies)) else None,
        currency_source=decision.source if decision else None,
        account_currencies=decided.decisions,
        evidence=[f"{read.layout_name}: the format names every field, no column mapping decides them"],
    )

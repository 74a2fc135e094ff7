"""One export file to canonical transactions: `parse_statement`.

decode (`reader`) -> locate the table (`layout`) -> identify its mapping (`identify`: profile,
saved or generic, with its evidence) -> build the transaction columns (`build`, `signs`) ->
ids. Row numbers are physical 1-based line numbers (see `app.ingest.reader`).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

from app.ids import statement_ids
from app.ingest.build import build_rows
from app.ingest.currency import CurrencyContext, CurrencyDecision, CurrencySource
from app.ingest.errors import IngestError, over_upload_limit
from app.ingest.identify import (
    EXPLICIT_LAYOUT,
    GENERIC_HEADERLESS_LAYOUT,
    GENERIC_LAYOUT,
    REMEMBERED_LAYOUT,
    identify,
    is_naming_doubt,
)
from app.ingest.layout import Layout, locate_table
from app.ingest.mapping import ColumnMapping
from app.ingest.reader import DecodedText, decode_bytes
from app.ingest.table import TransactionTable
from app.models import SkipKind, SkippedRow, Transaction

__all__ = [
    "CONFIDENCE_THRESHOLD",
    "EXPLICIT_LAYOUT",
    "GENERIC_HEADERLESS_LAYOUT",
    "GENERIC_LAYOUT",
    "REMEMBERED_LAYOUT",
    "ParsedStatement",
    "TransactionTable",
    "parse_statement",
]
# Below it the command line refuses a file (the dashboard shows any doubt, with the mapping form open).
CONFIDENCE_THRESHOLD = 0.5
_ENCODING_NAMES = {"cp1252": "Windows-1252", "latin-1": "Latin-1", "utf-16": "UTF-16"}


@dataclass
class ParsedStatement:
    """Everything one file yielded, with enough context for a preview and a mapping form.

    `table` holds the transactions column by column; `transactions` builds the
    validated objects from it on first use.
    """

    filename: str
    file_sha256: str
    profile_id: str | None
    layout_name: str
    confident: bool
    uncertain_reasons: list[str]
    notes: list[str]
    header_fingerprint: str
    columns: list[str]
    mapping: ColumnMapping | None  # None for OFX and QIF: the format names every field
    table: TransactionTable
    skipped: list[SkippedRow]
    rows_read: int
    encoding: str = "utf-8"
    delimiter: str = ","
    header_row: int | None = None
    # The currency of amounts whose row does not name one, and where it came from (the file
    # card says it); `account_currencies` is that decision per account, for the store to remember.
    currency: str | None = None
    currency_source: CurrencySource | None = None
    account_currencies: dict[str, CurrencyDecision] = field(default_factory=dict)
    # What decided the layout, one line each (delimiter, header, profile or each column's role).
    evidence: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        # A doubt that restates a note ("the file has no header row; its columns were recognised
        # by their values alone") says it once: the preview and the CLI show both lists. Here,
        # so that every reader (CSV, OFX, QIF) gets it.
        self.notes = [n for n in self.notes if not any(r.startswith(n) for r in self.uncertain_reasons)]

    @functools.cached_property
    def transactions(self) -> list[Transaction]:
        return self.table.transactions()

    @property
    def invalid_rows(self) -> list[SkippedRow]:
        return [s for s in self.skipped if s.kind is SkipKind.INVALID]

    @property
    def confidence(self) -> float:
        """How sure the reading is: 1.0 without doubts; 0.75 when the only doubts are that columns
        were recognised by their values rather than their names (the evidence still decided them);
        0.25 when a doubt concerns the money itself (a sign, a date order, a fee, the balance)."""
        if not self.uncertain_reasons:
            return 1.0
        if all(is_naming_doubt(reason) for reason in self.uncertain_reasons):
            return 0.75
        return 0.25

    @property
    def accounts(self) -> list[str]:
        return sorted(set(self.table.accounts))


def parse_statement(
    data: bytes,
    filename: str,
    *,
    account: str | None = None,
    mapping: ColumnMapping | None = None,
    remembered: Callable[[str], ColumnMapping | None] | None = None,
    max_bytes: int | None = None,
    currency: CurrencyContext | None = None,
) -> ParsedStatement:
    """Parse one export. Whole-file problems raise `IngestError`; bad rows become `SkippedRow`s.

    `mapping` forces a layout; otherwise a mapping `remembered` for this header
    fingerprint wins, then an issuer profile, then generic detection. Amounts whose row
    names no currency get the one `app.ingest.currency.decide_currency` picks from the
    layout and `currency`; with none, `CurrencyUnknown` is raised (never a guess).
    """
    if max_bytes is not None and len(data) > max_bytes:
        raise IngestError(filename, over_upload_limit(len(data), max_bytes))
    decoded = decode_bytes(data, filename)
    layout = locate_table(decoded.text, filename, mapping=mapping)
    encoding, decoding_notes = decoded.encoding, _decoding_notes(decoded)
    del decoded  # the records hold what is needed: the text need not live through the build
    fingerprint = layout.fingerprint()
    sha256 = hashlib.sha256(data).hexdigest()
    choice = identify(layout, fingerprint, filename, mapping, remembered)
    built = build_rows(
        layout,
        choice,
        filename=filename,
        sha256=sha256,
        account=account,
        currency=currency or CurrencyContext(),
    )
    notes = decoding_notes + _layout_notes(layout) + choice.notes + built.notes
    columns, delimiter, header_line = list(layout.columns), layout.records.delimiter, layout.header_line
    evidence = [*layout.evidence, *choice.evidence]
    # The ids are the last strings built per row: with the records released first, every
    # record's cell list is gone before them (on short rows, the lists were 2-3x the file).
    del layout
    table = _with_ids(built.table)
    reasons = list(choice.reasons) + built.reasons
    if built.rows_read and not table and built.invalid:
        reasons.append(f"none of the {built.rows_read} rows could be read with this layout")
    if not built.rows_read:
        notes.append("the file holds no transaction rows")
    return ParsedStatement(
        filename=filename,
        file_sha256=sha256,
        profile_id=choice.profile.id if choice.profile else None,
        layout_name=choice.layout_name,
        confident=choice.confident and not reasons,
        uncertain_reasons=reasons,
        notes=notes,
        header_fingerprint=fingerprint,
        columns=columns,
        mapping=choice.mapping,
        table=table,
        skipped=built.skipped,
        rows_read=built.rows_read,
        encoding=encoding,
        delimiter=delimiter,
        header_row=header_line,
        currency=built.currency.code if built.currency else None,
        currency_source=built.currency.source if built.currency else None,
        account_currencies=built.account_currencies,
        evidence=evidence,
    )


def _decoding_notes(decoded: DecodedText) -> list[str]:
    notes = []
    encoding = decoded.encoding
    if encoding not in ("utf-8", "utf-8-sig"):
        notes.append(f"decoded as {_ENCODING_NAMES.get(encoding, encoding)} (the file is not UTF-8)")
    elif decoded.legacy_lines:
        notes.append(
            f"the file mixes encodings: {decoded.legacy_lines} line(s) are not UTF-8 and were read as "
            "Windows-1252"
        )
    if decoded.nul_line_count:
        listed = ", ".join(map(str, decoded.nul_lines))
        more = (
            f" and {decoded.nul_line_count - len(decoded.nul_lines)} more"
            if decoded.nul_line_count > len(decoded.nul_lines)
            else ""
        )
        notes.append(
            f"NUL bytes (a damaged or padded file) were removed from line(s) {listed}{more}; check those rows"
        )
    return notes


def _layout_notes(layout: Layout) -> list[str]:
    notes = []
    line = layout.header_line
    if line is not None and line > 1:
        notes.append(f"header found on line {line}; the {line - 1} line(s) above it were skipped")
    if layout.header_index is None:
        notes.append("the file has no header row")
    return notes


def _with_ids(table: TransactionTable) -> TransactionTable:
    ids = statement_ids(table.accounts, table.dates, table.amounts, table.currencies, table.descriptions)
    return dataclasses.replace(table, ids=ids)

"""Rows of a located table to transaction columns, through one mapping: the hot path of an import.

Row numbers in transactions (`RowSource.row`) and in skipped rows are physical 1-based
line numbers, the number a text editor shows where the record starts (see
`app.ingest.reader`). The work is column-wise: every needed column is pulled out once, and
dates and amounts are parsed through per-distinct-value caches.
"""

from __future__ import annotations

import datetime as dt
import re
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from app.account_names import masked_account_name
from app.ingest.amounts import AmountError, amount_range_problem, safe_amount_parser
from app.ingest.currency import AccountCurrencies, CurrencyContext, CurrencyDecision, set_aside_notes
from app.ingest.dates import DateFormat, date_range_problem, supported_or_none
from app.ingest.generic import default_account_name
from app.ingest.identify import Identification, check_columns, column_index
from app.ingest.layout import Layout
from app.ingest.mapping import ColumnMapping, normalize_header
from app.ingest.profiles import IssuerProfile
from app.ingest.reader import is_blank
from app.ingest.signs import RowAmount, amount_column, check_balance
from app.ingest.table import TransactionTable
from app.models import SkipKind, SkippedRow

_RAW_LIMIT = 300
_ISO = re.compile(r"^[A-Z]{3}$")


@dataclass
class Built:
    table: TransactionTable  # its ids still empty: `_with_ids` adds them once the records are released
    skipped: list[SkippedRow]
    rows_read: int
    invalid: int
    notes: list[str]
    reasons: list[str]
    currency: CurrencyDecision | None
    account_currencies: dict[str, CurrencyDecision]


def _data_rows(layout: Layout, width: int) -> tuple[array[int], list[list[str]], int]:
    """Non-blank records after the header, padded to the header's width; and how many were wider.

    Broken records (`Records.broken`) are left out: `_broken_rows` reports them.
    """
    lines = array("q")
    rows: list[list[str]] = []
    wider = 0
    all_lines, all_rows = layout.records.lines, layout.records.rows
    for position in range(layout.data_start, len(all_rows)):
        cells = all_rows[position]
        if not cells or (not cells[0].strip() and is_blank(cells)):
            continue
        size = len(cells)
        if size < width:
            cells = cells + [""] * (width - size)
        elif size > width and any(c.strip() for c in cells[width:]):
            wider += 1
        lines.append(all_lines[position])
        rows.append(cells)
    return lines, rows, wider


def build_rows(
    layout: Layout,
    choice: Identification,
    *,
    filename: str,
    sha256: str,
    account: str | None,
    currency: CurrencyContext,
) -> Built:
    mapping = choice.mapping
    check_columns(mapping, layout, filename)
    known = column_index(layout)

    def at(name: str | None) -> int | None:
        return known.get(normalize_header(name)) if name else None

    width = len(layout.columns)
    lines, rows, wider = _data_rows(layout, width)
    skips = _Skips(layout, rows, lines, width)
    values, row_currencies = amount_column(rows, mapping, at)
    kept = _keep_rows(rows, values, mapping, at, skips)
    del values  # every row's; the kept rows' are in `kept`
    decided = AccountCurrencies(currency, mapping.currency, choice.currency_source, filename)
    table = _table(
        layout,
        mapping,
        at,
        rows,
        lines,
        kept,
        row_currencies,
        decided,
        profile=choice.profile,
        filename=filename,
        sha256=sha256,
        account=account,
    )
    broken = _broken_rows(layout)
    skips.skipped.extend(broken)
    skips.invalid += len(broken)
    skips.skipped.sort(key=lambda s: s.row)
    notes: list[str] = []
    reasons: list[str] = []
    if wider:
        notes.append(f"{wider} row(s) have more fields than the header; the extra fields were ignored")
    notes.extend(set_aside_notes(decided.decisions))
    balance_at = at(mapping.balance)
    if balance_at is not None and len(kept.rows) >= 3:
        check_balance(rows, kept.rows, lines, table, balance_at, mapping, filename, notes, reasons)
    return Built(
        table,
        skips.skipped,
        len(rows) + len(broken),
        skips.invalid,
        notes,
        reasons,
        decided.file_decision(table.accounts, table.currencies),
        dict(decided.decisions),
    )


class _Skips:
    """The rows left out, each with its line and reason; a repeated header row says so."""

    def __init__(self, layout: Layout, rows: list[list[str]], lines: array[int], width: int) -> None:
        self.skipped: list[SkippedRow] = []
        self.invalid = 0
        self._rows, self._lines, self._width = rows, lines, width
        self._delimiter = layout.records.delimiter
        self._header_key = (
            [normalize_header(c) for c in layout.records.rows[layout.header_index]][:width]
            if layout.header_index is not None
            else None
        )

    def add(self, k: int, kind: SkipKind, reason: str) -> None:
        cells = self._rows[k]
        if (
            self._header_key is not None
            and [normalize_header(c) for c in cells[: self._width]] == self._header_key
        ):
            kind, reason = SkipKind.FILTERED, "repeated header row"  # concatenated exports
        self.invalid += kind is SkipKind.INVALID
        self.skipped.append(_skip(self._lines[k], kind, reason, cells, self._delimiter))


def _keep_rows(
    rows: list[list[str]],
    values: list[RowAmount],
    mapping: ColumnMapping,
    at: Callable[[str | None], int | None],
    skips: _Skips,
) -> _Kept:
    """The rows that are transactions, with their description, amount and date; the rest to `skips`."""
    # Column-wise: each needed column is pulled out once and parsed through a cache.
    desc_cols = [i for i in map(at, mapping.description) if i is not None]
    desc_in_cols = [i for i in map(at, mapping.description_in) if i is not None]
    fallback_cols = [i for i in map(at, mapping.description_fallback) if i is not None]
    texts = _text_column(rows, desc_cols)
    date_at = at(mapping.date)
    assert date_at is not None
    parse_date = DateFormat.compile(mapping.date_format).cached_parser()
    dates = list(map(parse_date, [cells[date_at] for cells in rows]))
    row_filter = _row_filter(mapping, at)
    skip_text = _skip_text_pattern(mapping)
    skip = skips.add

    kept = array("q")
    descriptions: list[str] = []
    amounts: list[Decimal] = []
    kept_dates: list[dt.date] = []
    for k, value in enumerate(values):
        text = texts[k]
        reason = row_filter(rows[k]) if row_filter is not None else None
        if reason is None and skip_text is not None and skip_text.search(text):
            reason = f"balance or summary line ({text[:60]})"
        if reason is not None:
            skip(k, SkipKind.FILTERED, reason)
        elif value is None:
            skip(k, SkipKind.INVALID, "the row has no amount")
        elif isinstance(value, AmountError):
            skip(k, SkipKind.INVALID, str(value))
        elif not value and mapping.skip_zero:
            skip(k, SkipKind.FILTERED, "zero amount")
        elif (date := dates[k]) is None:
            skip(k, SkipKind.INVALID, _date_problem(rows[k][date_at], mapping.date_format))
        elif (problem := amount_range_problem(value) or date_range_problem(date)) is not None:
            skip(k, SkipKind.INVALID, problem)  # a typo or a placeholder, never a real transaction
        else:
            if desc_in_cols and value > 0:
                text = _join(rows[k], desc_in_cols)
            if not text and fallback_cols:
                text = _join(rows[k], fallback_cols)
            kept.append(k)
            descriptions.append(text)
            amounts.append(value)
            kept_dates.append(date)
    return _Kept(kept, descriptions, amounts, kept_dates)


def _skip_text_pattern(mapping: ColumnMapping) -> re.Pattern[str] | None:
    """One pattern for the descriptions of balance and summary lines the mapping leaves out."""
    if not mapping.skip_description_patterns:
        return None
    return re.compile("|".join(f"(?:{p})" for p in mapping.skip_description_patterns), re.IGNORECASE)


def _date_problem(cell: str, date_format: str) -> str:
    raw_date = cell.strip()
    return f"date {raw_date!r} is not a valid {date_format} date" if raw_date else "the row has no date"


def _broken_rows(layout: Layout) -> list[SkippedRow]:
    """Records the csv module could not read (a field over its size limit), as invalid rows."""
    lines = layout.records.lines
    return [
        SkippedRow(row=lines[index], kind=SkipKind.INVALID, reason=reason)
        for index, reason in sorted(layout.records.broken.items())
        if index >= layout.data_start
    ]


def _text_column(rows: list[list[str]], columns: list[int]) -> list[str]:
    if len(columns) == 1:
        index = columns[0]
        return [cells[index].strip() for cells in rows]
    return [_join(cells, columns) for cells in rows]


@dataclass
class _Kept:
    """The rows that became transactions: their indexes and the values read from them."""

    rows: array[int]
    descriptions: list[str]
    amounts: list[Decimal]
    dates: list[dt.date]


def _table(
    layout: Layout,
    mapping: ColumnMapping,
    at: Callable[[str | None], int | None],
    rows: list[list[str]],
    lines: array[int],
    chosen: _Kept,
    row_currencies: list[str | None] | None,
    decided: AccountCurrencies,
    *,
    profile: IssuerProfile | None,
    filename: str,
    sha256: str,
    account: str | None,
) -> TransactionTable:
    """Kept rows to transaction columns, in file order (the ids are added by `_with_ids`)."""
    account_of = _account_namer(profile, mapping, at, filename, account)
    currency_at = at(mapping.currency_column)
    category_at = at(mapping.category)
    posted_at = at(mapping.posted_date)
    parse_posted = DateFormat.compile(mapping.date_format).cached_parser()

    def currency_of(k: int, account: str) -> str:
        if row_currencies is not None and row_currencies[k]:
            return row_currencies[k] or decided.code(account)
        if currency_at is not None:
            cell = rows[k][currency_at].strip().upper()
            if _ISO.match(cell):
                return cell
        return decided.code(account)

    kept, descriptions, amounts, kept_dates = chosen.rows, chosen.descriptions, chosen.amounts, chosen.dates
    accounts = (
        [account_of] * len(kept) if isinstance(account_of, str) else [account_of(rows[k]) for k in kept]
    )
    if currency_at is not None or row_currencies is not None:
        currencies = [currency_of(k, name) for k, name in zip(kept, accounts, strict=True)]
    elif isinstance(account_of, str):
        currencies = [decided.code(account_of)] * len(kept) if kept else []
    else:
        currencies = [decided.code(name) for name in accounts]
    posted: list[dt.date | None] = (
        [supported_or_none(parse_posted(rows[k][posted_at])) for k in kept]
        if posted_at is not None
        else [None] * len(kept)
    )
    categories: list[str | None] = (
        [rows[k][category_at].strip() or None for k in kept]
        if category_at is not None
        else [None] * len(kept)
    )
    original_amounts, original_currencies = _originals(rows, kept, amounts, currencies, mapping, at)
    payee_at = at(mapping.payee)
    payees: list[str | None] = (
        [" ".join(rows[k][payee_at].split()) or None for k in kept] if payee_at is not None else []
    )
    return TransactionTable(
        ids=[],
        accounts=accounts,
        dates=kept_dates,
        posted_dates=posted,
        descriptions=descriptions,
        amounts=amounts,
        currencies=currencies,
        bank_categories=categories,
        source_sha256s=[sha256] * len(kept),
        source_rows=array("q", map(lines.__getitem__, kept)) if len(kept) < len(lines) else lines,
        original_amounts=original_amounts,
        original_currencies=original_currencies,
        payees=payees if any(payees) else [],
    )


def _originals(
    rows: list[list[str]],
    kept: array[int],
    amounts: list[Decimal],
    currencies: list[str],
    mapping: ColumnMapping,
    at: Callable[[str | None], int | None],
) -> tuple[list[Decimal | None], list[str | None]]:
    """Foreign spend's original amount and currency per kept row (both, or neither).

    Only a different currency counts (a same-currency copy says nothing), and the original
    goes the same way as the amount: some banks write it unsigned.
    """
    amount_at, currency_at = at(mapping.original_amount), at(mapping.original_currency)
    if amount_at is None or currency_at is None:
        return [], []
    parse = safe_amount_parser(mapping.decimal)
    values: list[Decimal | None] = []
    codes: list[str | None] = []
    for k, amount, currency in zip(kept, amounts, currencies, strict=True):
        code = rows[k][currency_at].strip().upper()
        value = parse(rows[k][amount_at])
        usable = isinstance(value, Decimal) and value and amount_range_problem(value) is None
        if usable and isinstance(value, Decimal) and _ISO.match(code) and code != currency:
            values.append(abs(value) if amount > 0 else -abs(value))
            codes.append(code)
        else:
            values.append(None)
            codes.append(None)
    return values, codes


def _join(cells: list[str], columns: list[int]) -> str:
    if len(columns) == 1:
        return cells[columns[0]].strip()
    return " ".join(part for part in (cells[i].strip() for i in columns) if part)


def _skip(line: int, kind: SkipKind, reason: str, cells: list[str], delimiter: str) -> SkippedRow:
    raw = delimiter.join(cells).strip()
    return SkippedRow(row=line, kind=kind, reason=reason, raw=raw[:_RAW_LIMIT])


def _row_filter(
    mapping: ColumnMapping, at: Callable[[str | None], int | None]
) -> Callable[[list[str]], str | None] | None:
    """Why a row is not a transaction (pending, declined...), or None; no function without filters."""
    if not mapping.skip_values and not mapping.keep_values:
        return None
    skip = [
        (at(column), column, {v.casefold() for v in values}) for column, values in mapping.skip_values.items()
    ]
    keep = [
        (at(column), column, {v.casefold() for v in values}) for column, values in mapping.keep_values.items()
    ]

    def reason(cells: list[str]) -> str | None:
        for index, column, values in skip:
            if index is not None:
                value = cells[index].strip()
                if value.casefold() in values:
                    return f"{column} is '{value}'"
        for index, column, values in keep:
            if index is not None:
                value = cells[index].strip()
                if value.casefold() not in values:
                    return f"{column} is '{value}'" if value else f"{column} is empty"
        return None

    return reason


def _account_namer(
    profile: IssuerProfile | None,
    mapping: ColumnMapping,
    at: Callable[[str | None], int | None],
    filename: str,
    explicit: str | None,
) -> str | Callable[[list[str]], str]:
    """One account name for the whole file, or a function naming each row's account.

    Every name passes `masked_account_name`: no more than a number's last four digits.
    """
    if explicit and explicit.strip():
        return masked_account_name(explicit.strip())
    if profile is not None:
        hint = profile.account_hint(filename)
        base = f"{profile.name} {hint}" if hint else profile.name
        prefix = profile.name if profile.account_prefix is None else profile.account_prefix
    else:
        base = prefix = default_account_name(filename)
    base, prefix = masked_account_name(base), masked_account_name(prefix)
    columns = [i for i in map(at, mapping.account) if i is not None]
    if not columns:
        return base
    cache: dict[tuple[str, ...], str] = {}

    def name(cells: list[str]) -> str:
        key = tuple(cells[i] for i in columns)
        found = cache.get(key)
        if found is None:
            parts = [_unexcel(cells[i]) for i in columns]
            suffix = " ".join(p for p in parts if p)
            joined = " ".join(p for p in (prefix, suffix) if p) if suffix else base
            found = cache[key] = masked_account_name(joined)
        return found

    return name


def _unexcel(cell: str) -> str:
    """Excel-protection quotes around numbers ('320241450123456789') are not part of the value."""
    value = cell.strip()
    if value.startswith("'"):
        value = value[1:-1] if value.endswith("'") and len(value) > 1 else value[1:]
    return " ".join(value.split())

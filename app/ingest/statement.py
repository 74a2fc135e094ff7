"""One export file to canonical transactions: `parse_statement`.

Row numbers in transactions (`RowSource.row`) and in skipped rows are physical
1-based line numbers, the number a text editor shows where the record starts (see
`app.ingest.reader`).

The hot path is column-wise: every needed column is pulled out once, dates and
amounts are parsed through per-distinct-value caches, and the `Transaction`s are
validated in one pydantic-core call (measured faster than `model_construct` per row).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import gc
import hashlib
import re
from array import array
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal

from pydantic import TypeAdapter

from app.ids import statement_ids
from app.ingest.amounts import AmountError, amount_range_problem, cached_amount_parser, safe_amount_parser
from app.ingest.currency import AccountCurrencies, CurrencyContext, CurrencyDecision, CurrencySource
from app.ingest.dates import DateFormat, date_range_problem, infer_date_format, supported_or_none
from app.ingest.errors import IngestError, over_upload_limit
from app.ingest.evidence import balance_sign, file_order, sign_evidence
from app.ingest.generic import default_account_name, detect_mapping
from app.ingest.layout import Layout, locate_table
from app.ingest.mapping import ColumnMapping, SignRule, normalize_header
from app.ingest.profiles import IssuerProfile
from app.ingest.reader import DecodedText, decode_bytes, is_blank
from app.models import SkipKind, SkippedRow, Transaction

GENERIC_LAYOUT = "Unrecognized layout (detected columns)"
GENERIC_HEADERLESS_LAYOUT = "Unrecognized layout without a header (detected columns)"
EXPLICIT_LAYOUT = "Your column mapping"
REMEMBERED_LAYOUT = "Your saved column mapping"
_RAW_LIMIT = 300
_ISO = re.compile(r"^[A-Z]{3}$")
_ENCODING_NAMES = {"cp1252": "Windows-1252", "latin-1": "Latin-1", "utf-16": "UTF-16"}


@dataclass(frozen=True)
class TransactionTable:
    """The transactions of one file column by column, in file order.

    The importer stores these columns directly; the validated `Transaction` objects
    are built from them only when someone asks (`ParsedStatement.transactions`).
    """

    ids: list[str]
    accounts: list[str]
    dates: list[dt.date]
    posted_dates: list[dt.date | None]
    descriptions: list[str]
    amounts: list[Decimal]
    currencies: list[str]
    bank_categories: list[str | None]
    source_sha256s: list[str]
    source_rows: Sequence[int]  # an array of machine ints: a list held one int object per row
    # Foreign spend's amount and currency, row by row; empty when the file has none.
    original_amounts: list[Decimal | None] = field(default_factory=list)
    original_currencies: list[str | None] = field(default_factory=list)
    # The clean payee name row by row (None where the row has none); empty when the file gives none.
    payees: list[str | None] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.ids)

    def iter_transactions(self, chunk: int = 10_000) -> Iterator[Transaction]:
        """The same `Transaction`s as `transactions()`, validated `chunk` rows at a time.

        For callers that stream them (the CLI's JSON lines): one object per row for a
        whole 20 MB file is ~500 MB.
        """
        for start in range(0, len(self), chunk):
            part = slice(start, start + chunk)
            yield from TransactionTable(
                *(column[part] for column in (getattr(self, f.name) for f in dataclasses.fields(self)))
            ).transactions()

    def transactions(self) -> list[Transaction]:
        """Validated `Transaction`s, in one pydantic-core call over a list of dicts.

        Measured faster than `model_construct` per row, and it re-checks every value.
        """
        size = len(self)
        originals = self.original_amounts or [None] * size
        original_codes = self.original_currencies or [None] * size
        payees = self.payees or [None] * size
        with _gc_paused():
            records = [
                {
                    "id": tid,
                    "account": account,
                    "date": date,
                    "posted_date": posted,
                    "description": description,
                    "amount": amount,
                    "currency": currency,
                    "bank_category": category,
                    "source": {"file_sha256": sha256, "row": row},
                    "original_amount": original,
                    "original_currency": original_code,
                    "payee": payee,
                }
                for (
                    tid,
                    account,
                    date,
                    posted,
                    description,
                    amount,
                    currency,
                    category,
                    sha256,
                    row,
                    original,
                    original_code,
                    payee,
                ) in zip(
                    self.ids,
                    self.accounts,
                    self.dates,
                    self.posted_dates,
                    self.descriptions,
                    self.amounts,
                    self.currencies,
                    self.bank_categories,
                    self.source_sha256s,
                    self.source_rows,
                    originals,
                    original_codes,
                    payees,
                    strict=True,
                )
            ]
            return _TRANSACTIONS.validate_python(records)


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

    @functools.cached_property
    def transactions(self) -> list[Transaction]:
        return self.table.transactions()

    @property
    def invalid_rows(self) -> list[SkippedRow]:
        return [s for s in self.skipped if s.kind is SkipKind.INVALID]

    @property
    def accounts(self) -> list[str]:
        return sorted(set(self.table.accounts))


@dataclass
class _Choice:
    mapping: ColumnMapping
    layout_name: str
    profile: IssuerProfile | None = None
    confident: bool = True
    reasons: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    currency_source: CurrencySource = CurrencySource.FILE


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
    choice = _choose_mapping(layout, fingerprint, filename, mapping, remembered)
    built = _build(
        layout,
        choice,
        filename=filename,
        sha256=sha256,
        account=account,
        currency=currency or CurrencyContext(),
    )
    notes = decoding_notes + _layout_notes(layout) + choice.notes + built.notes
    columns, delimiter, header_line = list(layout.columns), layout.records.delimiter, layout.header_line
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


def _choose_mapping(
    layout: Layout,
    fingerprint: str,
    filename: str,
    explicit: ColumnMapping | None,
    remembered: Callable[[str], ColumnMapping | None] | None,
) -> _Choice:
    if explicit is not None:
        _check_columns(explicit, layout, filename)
        return _Choice(mapping=explicit, layout_name=EXPLICIT_LAYOUT, currency_source=CurrencySource.MAPPING)
    saved = remembered(fingerprint) if remembered is not None else None
    if saved is not None and _fits(saved, layout):
        return _Choice(
            mapping=saved,
            layout_name=REMEMBERED_LAYOUT,
            notes=["used your saved column mapping"],
            currency_source=CurrencySource.MAPPING,
        )
    profile = layout.profile
    if profile is not None:
        if not layout.weak_profile:
            return _profile_choice(profile, layout, [])
        if _signs_confirm(profile, layout):
            notes = [f"recognised as {profile.name} from its header and the signs of its payments"]
            return _profile_choice(profile, layout, notes)
    rows = [r for r in layout.records.rows[layout.data_start :] if not is_blank(r)]
    if not rows:
        raise IngestError(filename, "the file has a header row but no transactions")
    detection = detect_mapping(
        layout.columns,
        rows,
        filename=filename,
        delimiter=layout.records.delimiter,
        has_header=layout.header_index is not None,
    )
    notes = list(detection.notes)
    if profile is not None:
        notes.insert(
            0,
            f"the header is the same as {profile.name}'s, but the signs do not look like that export; "
            "columns were detected instead",
        )
    return _Choice(
        mapping=detection.mapping,
        layout_name=GENERIC_LAYOUT if layout.header_index is not None else GENERIC_HEADERLESS_LAYOUT,
        confident=detection.confident,
        reasons=list(detection.uncertain_reasons),
        notes=notes,
    )


def _profile_choice(profile: IssuerProfile, layout: Layout, notes: list[str]) -> _Choice:
    """The profile's mapping, unless the file's dates were rewritten (a spreadsheet re-save)."""
    mapping = profile.mapping
    reasons: list[str] = []
    index = _column_index(layout).get(normalize_header(mapping.date))
    values = [
        cells[index]
        for cells in layout.records.rows[layout.data_start :]
        if index is not None and index < len(cells) and cells[index].strip()
    ]
    expected = DateFormat.compile(mapping.date_format)
    sample = values[:200]
    if sample and sum(expected.parse(v) is not None for v in sample) < 0.5 * len(sample):
        guess = infer_date_format(values, column=mapping.date, day_first_hint=expected.order == "DMY")
        if guess is not None and guess.valid_fraction >= 0.9:
            mapping = mapping.model_copy(update={"date_format": guess.format})
            notes = [
                *notes,
                f"dates in '{mapping.date}' are {guess.format}, not the {expected.pattern} this export "
                f"normally has (re-saved by a spreadsheet?); they were read as {guess.format}",
            ]
            if not guess.confident and guess.reason:
                reasons.append(guess.reason)
    return _Choice(
        mapping=mapping,
        layout_name=profile.name,
        profile=profile,
        confident=not reasons,
        reasons=reasons,
        notes=notes,
        currency_source=CurrencySource.PROFILE,
    )


def _column_index(layout: Layout) -> dict[str, int]:
    index: dict[str, int] = {}
    for position, name in enumerate(layout.columns):
        index.setdefault(normalize_header(name), position)
    return index


def _fits(mapping: ColumnMapping, layout: Layout) -> bool:
    if mapping.has_header != (layout.header_index is not None):
        return False
    known = _column_index(layout)
    return all(normalize_header(c) in known for c in mapping.required_columns())


def _check_columns(mapping: ColumnMapping, layout: Layout, filename: str) -> None:
    known = _column_index(layout)
    missing = [c for c in mapping.required_columns() if normalize_header(c) not in known]
    if missing:
        raise IngestError(
            filename, "the mapping names columns this file does not have: " + ", ".join(missing)
        )


def _signs_confirm(profile: IssuerProfile, layout: Layout) -> bool:
    mapping = profile.mapping
    known = _column_index(layout)
    if mapping.amount is None or normalize_header(mapping.amount) not in known:
        return False
    amount_at = known[normalize_header(mapping.amount)]
    text_at = [known[normalize_header(c)] for c in mapping.description if normalize_header(c) in known]
    parse = cached_amount_parser(mapping.decimal)
    texts: list[str] = []
    amounts: list[Decimal | None] = []
    for cells in layout.records.rows[layout.data_start :]:
        if is_blank(cells) or amount_at >= len(cells):
            continue
        try:
            amounts.append(parse(cells[amount_at].strip()))
        except AmountError:
            amounts.append(None)
        texts.append(" ".join(cells[i] for i in text_at if i < len(cells)))
    evidence = sign_evidence(texts, amounts)
    wanted = "inverted" if mapping.sign is SignRule.SIGNED_INVERTED else "normal"
    return evidence == wanted


@dataclass
class _Built:
    table: TransactionTable  # its ids still empty: `_with_ids` adds them once the records are released
    skipped: list[SkippedRow]
    rows_read: int
    invalid: int
    notes: list[str]
    reasons: list[str]
    currency: CurrencyDecision | None
    account_currencies: dict[str, CurrencyDecision]


_TRANSACTIONS = TypeAdapter(list[Transaction])


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Building 100k acyclic records: the cyclic collector's repeated full scans only cost time."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


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


def _build(
    layout: Layout,
    choice: _Choice,
    *,
    filename: str,
    sha256: str,
    account: str | None,
    currency: CurrencyContext,
) -> _Built:
    mapping = choice.mapping
    _check_columns(mapping, layout, filename)
    known = _column_index(layout)

    def at(name: str | None) -> int | None:
        return known.get(normalize_header(name)) if name else None

    width = len(layout.columns)
    lines, rows, wider = _data_rows(layout, width)
    delimiter = layout.records.delimiter
    header_key = (
        [normalize_header(c) for c in layout.records.rows[layout.header_index]][:width]
        if layout.header_index is not None
        else None
    )
    skipped: list[SkippedRow] = []
    invalid = 0

    def skip(k: int, kind: SkipKind, reason: str) -> None:
        nonlocal invalid
        cells = rows[k]
        if header_key is not None and [normalize_header(c) for c in cells[:width]] == header_key:
            kind, reason = SkipKind.FILTERED, "repeated header row"  # concatenated exports
        invalid += kind is SkipKind.INVALID
        skipped.append(_skip(lines[k], kind, reason, cells, delimiter))

    # Column-wise: each needed column is pulled out once and parsed through a cache.
    desc_cols = [i for i in map(at, mapping.description) if i is not None]
    desc_in_cols = [i for i in map(at, mapping.description_in) if i is not None]
    fallback_cols = [i for i in map(at, mapping.description_fallback) if i is not None]
    texts = _text_column(rows, desc_cols)
    values, row_currencies = _amount_column(rows, mapping, at)
    date_at = at(mapping.date)
    assert date_at is not None
    parse_date = DateFormat.compile(mapping.date_format).cached_parser()
    dates = list(map(parse_date, [cells[date_at] for cells in rows]))
    row_filter = _row_filter(mapping, at)
    skip_text = (
        re.compile("|".join(f"(?:{p})" for p in mapping.skip_description_patterns), re.IGNORECASE)
        if mapping.skip_description_patterns
        else None
    )

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
            raw_date = rows[k][date_at].strip()
            why = (
                f"date {raw_date!r} is not a valid {mapping.date_format} date"
                if raw_date
                else "the row has no date"
            )
            skip(k, SkipKind.INVALID, why)
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

    del texts, values, dates  # every row's; the kept rows' are in `_Kept`
    decided = AccountCurrencies(currency, mapping.currency, choice.currency_source, filename)
    table = _table(
        layout,
        mapping,
        at,
        rows,
        lines,
        _Kept(kept, descriptions, amounts, kept_dates),
        row_currencies,
        decided,
        profile=choice.profile,
        filename=filename,
        sha256=sha256,
        account=account,
    )
    broken = _broken_rows(layout)
    skipped.extend(broken)
    invalid += len(broken)
    skipped.sort(key=lambda s: s.row)
    notes: list[str] = []
    reasons: list[str] = []
    if wider:
        notes.append(f"{wider} row(s) have more fields than the header; the extra fields were ignored")
    balance_at = at(mapping.balance)
    if balance_at is not None and len(kept) >= 3:
        _check_balance(rows, kept, table.amounts, table.dates, balance_at, mapping, notes, reasons)
    return _Built(
        table,
        skipped,
        len(rows) + len(broken),
        invalid,
        notes,
        reasons,
        decided.file_decision(table.accounts, table.currencies),
        dict(decided.decisions),
    )


def _with_ids(table: TransactionTable) -> TransactionTable:
    ids = statement_ids(table.accounts, table.dates, table.amounts, table.currencies, table.descriptions)
    return dataclasses.replace(table, ids=ids)


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


_Amount = Decimal | AmountError | None


@dataclass
class _Kept:
    """The rows that became transactions: their indexes and the values read from them."""

    rows: array[int]
    descriptions: list[str]
    amounts: list[Decimal]
    dates: list[dt.date]


def _amount_column(
    rows: list[list[str]], mapping: ColumnMapping, at: Callable[[str | None], int | None]
) -> tuple[list[_Amount], list[str | None] | None]:
    """Every row's signed amount (or its problem), and per-row currencies when amount columns fix them."""
    amount_at = at(mapping.amount)
    if (
        mapping.sign in (SignRule.SIGNED, SignRule.SIGNED_INVERTED)
        and amount_at is not None
        and mapping.fee is None
    ):
        parse = safe_amount_parser(mapping.decimal, negate=mapping.sign is SignRule.SIGNED_INVERTED)
        return list(map(parse, [cells[amount_at] for cells in rows])), None
    amount_of = _amount_reader(mapping, at)
    values: list[_Amount] = []
    currencies: list[str | None] = []
    for cells in rows:
        value: _Amount
        code: str | None
        try:
            value, code = amount_of(cells)
        except AmountError as exc:
            value, code = exc, None
        values.append(value)
        currencies.append(code)
    return values, currencies if mapping.amount_by_currency else None


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


_AmountReader = Callable[[list[str]], tuple[Decimal | None, str | None]]


def _amount_reader(mapping: ColumnMapping, at: Callable[[str | None], int | None]) -> _AmountReader:
    """A function from a row to (signed amount or None, currency if the amount column fixes it)."""
    parse = cached_amount_parser(mapping.decimal)
    rule = mapping.sign
    fee_at = at(mapping.fee)

    def with_fee(value: Decimal | None, cells: list[str]) -> Decimal | None:
        if value is None or fee_at is None:
            return value
        fee = parse(cells[fee_at].strip())
        return value - fee if fee is not None else value

    if rule in (SignRule.DEBIT_CREDIT_UNSIGNED, SignRule.DEBIT_CREDIT_ABS):
        debit_at, credit_at = at(mapping.debit), at(mapping.credit)
        assert debit_at is not None and credit_at is not None
        absolute = rule is SignRule.DEBIT_CREDIT_ABS

        def two_columns(cells: list[str]) -> tuple[Decimal | None, str | None]:
            debit = parse(cells[debit_at].strip())
            credit = parse(cells[credit_at].strip())
            if debit is None and credit is None:
                return None, None
            debit = debit or Decimal(0)
            credit = credit or Decimal(0)
            value = abs(credit) - abs(debit) if absolute else credit - debit
            return with_fee(value, cells), None

        return two_columns

    by_currency = [(at(column), code) for column, code in mapping.amount_by_currency.items()]
    amount_at = at(mapping.amount)

    def raw_amount(cells: list[str]) -> tuple[Decimal | None, str | None]:
        if amount_at is not None:
            return parse(cells[amount_at].strip()), None
        for index, code in by_currency:
            if index is not None:
                value = parse(cells[index].strip())
                if value is not None:
                    return value, code
        return None, None

    if rule is SignRule.UNSIGNED_PLUS_INDICATOR:
        indicator_at = at(mapping.indicator)
        assert indicator_at is not None
        debits = {v.casefold() for v in mapping.debit_values}
        credits = {v.casefold() for v in mapping.credit_values}

        def indicated(cells: list[str]) -> tuple[Decimal | None, str | None]:
            value, code = raw_amount(cells)
            if value is None:
                return None, code
            word = cells[indicator_at].strip()
            folded = word.casefold()
            if folded in debits:
                return with_fee(-abs(value), cells), code
            if folded in credits:
                return with_fee(abs(value), cells), code
            if value < 0:  # an unknown direction word, but the cell itself says money out
                return with_fee(value, cells), code
            raise AmountError(
                f"direction {word!r} in column '{mapping.indicator}' is neither debit nor credit"
            )

        return indicated

    inverted = rule is SignRule.SIGNED_INVERTED

    def signed(cells: list[str]) -> tuple[Decimal | None, str | None]:
        value, code = raw_amount(cells)
        if value is not None and inverted:
            value = -value
        return with_fee(value, cells), code

    return signed


def _account_namer(
    profile: IssuerProfile | None,
    mapping: ColumnMapping,
    at: Callable[[str | None], int | None],
    filename: str,
    explicit: str | None,
) -> str | Callable[[list[str]], str]:
    """One account name for the whole file, or a function naming each row's account."""
    if explicit and explicit.strip():
        return explicit.strip()
    if profile is not None:
        hint = profile.account_hint(filename)
        base = f"{profile.name} {hint}" if hint else profile.name
        prefix = profile.name if profile.account_prefix is None else profile.account_prefix
    else:
        base = prefix = default_account_name(filename)
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
            found = cache[key] = " ".join(p for p in (prefix, suffix) if p) if suffix else base
        return found

    return name


def _unexcel(cell: str) -> str:
    """Excel-protection quotes around numbers ('320241450123456789') are not part of the value."""
    value = cell.strip()
    if value.startswith("'"):
        value = value[1:-1] if value.endswith("'") and len(value) > 1 else value[1:]
    return " ".join(value.split())


def _check_balance(
    rows: list[list[str]],
    kept: array[int],
    amounts: list[Decimal],
    dates: list[dt.date],
    balance_at: int,
    mapping: ColumnMapping,
    notes: list[str],
    reasons: list[str],
) -> None:
    parse = cached_amount_parser(mapping.decimal)
    balances: list[Decimal | None] = []
    for k in kept:
        try:
            balances.append(parse(rows[k][balance_at].strip()))
        except AmountError:
            balances.append(None)
    moves = balance_sign(list(amounts), balances, file_order(dates))
    if moves == -1:
        reasons.append(
            f"the running balance in '{mapping.balance}' moves against the amounts: the sign rule looks inverted"
        )
    elif moves == 1:
        notes.append(f"amounts agree with the running balance in '{mapping.balance}'")

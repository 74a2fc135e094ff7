"""QIF (Quicken Interchange Format) bank and card registers to canonical transactions.

Read here rather than through a library: QIF is a line format (one field per line, a
letter then its value, `^` ends a record), and the one maintained Python reader
(quiffen) wants the date order named up front and stops at the first bad record. Here
the date order is decided from the whole D column by the same `infer_date_format` as a
CSV's date column, the decimal mark from the whole T column, and a bad record is
reported with its line while the rest of the file imports.

Quicken writes `'` before a two-digit year from 2000 on (`1/ 5'04` is 5 January 2004,
month first) and pads single digits with a space; both are normalised before the
column's format is decided.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from app.ingest.amounts import AmountError, cached_amount_parser, infer_decimal_mark
from app.ingest.dates import DateFormat, infer_date_format
from app.ingest.errors import IngestError
from app.ingest.generic import default_account_name
from app.ingest.reader import decode_bytes
from app.ingest.records import RecordFile, RecordRow
from app.models import SkipKind

_REGISTERS = {"bank": "bank", "cash": "cash", "ccard": "card", "oth a": "asset", "oth l": "liability"}
_QUICKEN_YEAR = re.compile(r"^(\d{1,2})[/.-](\d{1,2})'(\d{2}|\d{4})$")
# Lists, not registers: passed over without a word. An investment register gets a note.
_LISTS = frozenset({"cat", "class", "memorized", "security", "prices", "bill", "invoice", "tax", "payee"})


@dataclass
class _Record:
    line: int
    register: str
    account: str | None
    fields: dict[str, str] = field(default_factory=dict)
    text: list[str] = field(default_factory=list)


def normalise_date(text: str) -> str:
    """`1/ 5'04` -> `1/5/2004`; `12/25'99` -> `12/25/1999` (Quicken's `'` marks 2000 and later)."""
    cleaned = text.replace(" ", "")
    found = _QUICKEN_YEAR.match(cleaned)
    if found is None:
        return cleaned
    first, second, year = found.groups()
    full = 2000 + int(year) if len(year) == 2 else int(year)
    return f"{first}/{second}/{full}"


def _records(text: str, filename: str) -> tuple[list[_Record], list[str]]:
    """The transaction records of every register in the file, and notes on what was passed over."""
    records: list[_Record] = []
    notes: set[str] = set()
    register: str | None = None
    account: str | None = None
    in_account_block = seen_type = False
    account_fields: dict[str, str] = {}
    current: _Record | None = None
    for number, raw_line in enumerate(text.splitlines(), start=1):
        line = raw_line.strip()
        if not line or (line.startswith("#") and not seen_type):  # a comment above the first header
            continue
        if line.startswith("!"):
            header = line[1:].strip().lower()
            if header == "account":
                in_account_block, account_fields, register = True, {}, None
            elif header.startswith("type:"):
                kind = " ".join(header[5:].split())
                register = _REGISTERS.get(kind)
                in_account_block, seen_type = False, True
                if register is None and kind not in _LISTS:
                    notes.add(
                        f"the '{line[6:].strip()}' section is not a bank or card register; it was not read"
                    )
            elif not header.startswith(("option:", "clear:")):
                raise IngestError(
                    filename, f"the QIF header {line[:40]!r} is not one privfin knows", row=number
                )
            current = None
            continue
        if in_account_block:
            if line == "^":
                account = account_fields.get("N") or account
                in_account_block = False
            else:
                account_fields[line[0]] = line[1:].strip()
            continue
        if register is None:
            if not seen_type:
                raise IngestError(
                    filename, "this QIF file has no !Type: line before its first record", row=number
                )
            continue
        if line == "^":
            if current is not None and current.fields:
                records.append(current)
            current = None
            continue
        if current is None:
            current = _Record(number, register, account)
        current.text.append(line)
        code, value = line[0].upper(), line[1:].strip()
        if code in "SE$%":  # split lines: the T total is the transaction
            continue
        current.fields.setdefault(code, value)
    if current is not None and current.fields:  # a last record without its closing ^
        records.append(current)
    return records, sorted(notes)


def read_qif(data: bytes, filename: str) -> RecordFile:
    """Every bank, cash, card and asset/liability register. QIF names no currency: the importer
    decides it as for a CSV that names none (the account's remembered one, the home currency)."""
    decoded = decode_bytes(data, filename)
    records, notes = _records(decoded.text, filename)
    read = RecordFile(layout_name="QIF", notes=notes, encoding=decoded.encoding)
    registers = sorted({r.register for r in records})
    read.layout_name = (
        f"QIF ({', '.join(registers)} register{'s' if len(registers) > 1 else ''})" if registers else "QIF"
    )
    dates = [normalise_date(r.fields.get("D", "")) for r in records]
    guess = infer_date_format([d for d in dates if d], column="D (date)", day_first_hint=False)
    if records and guess is None:
        first = next((r for r, d in zip(records, dates, strict=True) if d), records[0])
        raise IngestError(
            filename,
            f"the dates of this QIF file are not in a date format privfin knows "
            f"(first one: {first.fields.get('D', '')!r})",
            row=first.line,
        )
    if guess is not None and guess.reason:
        read.uncertain_reasons.append(guess.reason)
    written = [r.fields.get("T") or r.fields.get("U") or "" for r in records]
    mark = infer_decimal_mark(written, column="T (amount)", fallback=".")
    if mark.reason:
        read.uncertain_reasons.append(mark.reason)
    parse_amount = cached_amount_parser(mark.decimal)
    parse_date = DateFormat.compile(guess.format).cached_parser() if guess else None
    fallback_account = default_account_name(filename)
    for record, date_text, amount_text in zip(records, dates, written, strict=True):
        read.records_read += 1
        raw = " | ".join(record.text)
        try:
            amount = parse_amount(amount_text)
        except AmountError as exc:
            read.skip(record.line, str(exc), raw)
            continue
        if amount is None:
            read.skip(record.line, "the record has no amount (T line)", raw)
            continue
        date = parse_date(date_text) if parse_date and date_text else None
        if date is None:
            why = (
                f"date {record.fields.get('D', '')!r} is not a valid {guess.format if guess else ''} date"
                if date_text
                else "the record has no date (D line)"
            )
            read.skip(record.line, why, raw)
            continue
        description = _description(record.fields)
        if not amount and not description:
            read.skip(record.line, "zero amount and no text", raw, SkipKind.FILTERED)
            continue
        if _opening_balance(record.fields):
            read.skip(
                record.line, "the register's opening balance, not a transaction", raw, SkipKind.FILTERED
            )
            continue
        read.keep(
            RecordRow(
                line=record.line,
                account=record.account or fallback_account,
                date=date,
                description=description,
                payee=" ".join(record.fields.get("P", "").split()) or None,
                amount=amount,
                currency=None,
                bank_category=record.fields.get("L") or None,
            ),
            functools.partial(str, raw),
        )
    return read


def _opening_balance(fields: dict[str, str]) -> bool:
    """Quicken starts a register with its balance: payee "Opening Balance", category [the account]."""
    category = fields.get("L", "")
    return fields.get("P", "").strip().casefold() == "opening balance" and category.startswith("[")


def _description(fields: dict[str, str]) -> str:
    payee, memo, number = fields.get("P", ""), fields.get("M", ""), fields.get("N", "")
    parts = [payee] if payee else []
    if memo and memo != payee:
        parts.append(memo)
    text = " ".join(parts)
    if number.isdigit() and number not in text:
        text = f"{text} CHECK {number}".strip()
    return text
